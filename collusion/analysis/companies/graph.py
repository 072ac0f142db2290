"""Links between the bidders' companies, over the graph of holdings and posts.

Every link has one entity at its root (a person, a company, or a shared
address, phone or e-mail) and a tie from it to each bidder it links, each tie
a chain of steps read from a bid page or a registry row:

- ``legal_rep``: the person is the bidder's 法定代表人;
- ``office``: the person holds a post that directs or manages the bidder
  (董事长, 董事, 执行董事, 经理; the legal representative's post counts too);
- ``control``: the entity holds ``control_share`` percent or more of the
  bidder, directly or down a chain of such holdings of at most
  ``max_depth`` steps (a holding company in between need not bid);
- ``share``: a holding below control, directly or through companies the
  entity controls;
- ``self``: the entity is the bidder's own company (it controls or holds
  part of another bidder).

The link's kind follows from its ties (:func:`link_kind`). A holder that holds
shares in ``public_holder_companies`` or more companies, or whose name is a
public shareholder's (``fingerprints/public_holders.txt``), links nobody
through its holdings, nor does a bank or an auditor (they serve many).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from collusion.analysis.companies.model import (
    CONTACT_FIELDS,
    LEGAL_REP,
    MANAGEMENT_ROLES,
    NAME,
    ORGANISATION,
    PERSON,
    SHAREHOLDER,
    Company,
    CompanyFacts,
    Relation,
    Source,
    is_name_key,
)

# Tie kinds, strongest first.
SELF, LEGAL, CONTROL, OFFICE, SHARE, CONTACT = (
    "self",
    "legal_rep",
    "control",
    "office",
    "share",
    "contact",
)
TIE_ORDER = (SELF, LEGAL, CONTROL, OFFICE, SHARE, CONTACT)

# Link kinds (details.link of a company_link alert).
SAME_LEGAL_REP = "same_legal_representative"
CONTROL_LINK = "control"
COMMON_CONTROLLER = "common_controller"
MANAGEMENT = "management"
SHAREHOLDING = "shareholding"
SHARED_CONTACT = {"address": "shared_address", "phone": "shared_phone", "email": "shared_email"}
LINK_KINDS = (
    SAME_LEGAL_REP,
    CONTROL_LINK,
    COMMON_CONTROLLER,
    MANAGEMENT,
    SHAREHOLDING,
    *SHARED_CONTACT.values(),
)


@dataclass(frozen=True)
class Step:
    """One edge of a chain: ``holder`` is ``role`` of (or holds ``share`` of) ``company``."""

    holder: str
    holder_name: str
    holder_kind: str  # person | company | address | phone | email
    company: str
    company_name: str
    role: str  # shareholder | legal_representative | director | ... | address | phone | email
    share: float | None
    sources: tuple[Source, ...]  # every place this step was read, the first first


@dataclass(frozen=True)
class Tie:
    """How a link's root entity reaches one bidder."""

    bidder: str
    company: str
    kind: str
    steps: tuple[Step, ...]  # from the root down to the bidder's company
    roles: tuple[str, ...]  # every post the entity holds in the bidder's company


@dataclass(frozen=True)
class Link:
    """Bidders linked through one entity."""

    kind: str
    via: str  # the entity's key
    via_name: str
    via_kind: str  # person | company | address | phone | email
    ties: tuple[Tie, ...]  # one per bidder, sorted by bidder
    by_name: bool = False  # a person known by name alone on at least one side

    @property
    def bidders(self) -> tuple[str, ...]:
        return tuple(t.bidder for t in self.ties)


@dataclass(frozen=True)
class GraphSettings:
    control_share: float  # percent
    max_depth: int
    public_holder_companies: int


class Graph:
    """Holdings, posts and contacts of the known companies, keyed for walking."""

    def __init__(self, facts: CompanyFacts, bidders: dict[str, str]) -> None:
        self.bidders = bidders  # bidder id -> company key
        self.bidder_of = {key: bidder for bidder, key in bidders.items()}
        self.names = _company_names(facts)
        unique: dict[tuple[str, str, str], Relation] = {}
        self.sources: dict[tuple[str, str, str], list[Source]] = defaultdict(list)
        for rel in facts.relations:
            triple = (rel.company, rel.role, rel.holder)
            unique.setdefault(triple, rel)
            if rel.source not in self.sources[triple]:
                self.sources[triple].append(rel.source)
        self.relations = [unique[k] for k in sorted(unique)]
        self.holdings: dict[str, list[Relation]] = defaultdict(list)  # holder -> its holdings
        self.posts: dict[str, list[Relation]] = defaultdict(list)  # person -> posts
        for rel in self.relations:
            if rel.role == SHAREHOLDER and rel.share is not None:
                self.holdings[rel.holder].append(rel)
            elif rel.role in MANAGEMENT_ROLES:
                self.posts[rel.holder].append(rel)
        self.holder_names = {
            rel.holder: rel.holder_name for rel in self.relations if rel.holder_name
        }
        self.holder_kinds = {rel.holder: rel.holder_kind for rel in self.relations}
        self.contacts = [f for f in facts.facts if f.field in CONTACT_FIELDS]

    def company_name(self, key: str) -> str:
        bidder = self.bidder_of.get(key)
        return self.names.get(key) or self.holder_names.get(key) or (bidder or key)

    def step(self, rel: Relation) -> Step:
        return Step(
            rel.holder,
            rel.holder_name or self.company_name(rel.holder),
            rel.holder_kind,
            rel.company,
            self.company_name(rel.company),
            rel.role,
            rel.share,
            _numbers_first(rel.holder, self.sources[(rel.company, rel.role, rel.holder)]),
        )

    def reach(self, root: str, settings: GraphSettings) -> dict[str, tuple[str, tuple[Step, ...]]]:
        """company -> (control | share, chain) of every company ``root`` holds
        a share of directly or through companies it controls."""
        found: dict[str, tuple[str, tuple[Step, ...]]] = {}
        frontier: list[tuple[str, tuple[Step, ...]]] = [(root, ())]
        for _ in range(settings.max_depth):
            level: dict[str, tuple[str, tuple[Step, ...]]] = {}
            for node, chain in frontier:
                for rel in self.holdings.get(node, ()):
                    if rel.company == root or rel.company in found:
                        continue
                    kind = CONTROL if (rel.share or 0) >= settings.control_share else SHARE
                    candidate = (kind, (*chain, self.step(rel)))
                    if rel.company not in level or _better(candidate, level[rel.company]):
                        level[rel.company] = candidate
            found.update(level)
            frontier = [(c, chain) for c, (kind, chain) in sorted(level.items()) if kind == CONTROL]
        return found


def _numbers_first(holder: str, sources: list[Source]) -> tuple[Source, ...]:
    """The places that show the holder's number (身份证号, credit code) first."""
    return tuple(sorted(sources, key=lambda s: holder not in (s.excerpt or "")))


def _better(a: tuple[str, tuple[Step, ...]], b: tuple[str, tuple[Step, ...]]) -> bool:
    return (TIE_ORDER.index(a[0]), repr(a[1])) < (TIE_ORDER.index(b[0]), repr(b[1]))


def _company_names(facts: CompanyFacts) -> dict[str, str]:
    names = {c.key: c.name for c in facts.companies if c.name}
    for fact in facts.facts:
        if fact.field == NAME:
            names.setdefault(fact.company, fact.value)
    return names


# --- ties ------------------------------------------------------------------------------------


def entity_ties(graph: Graph, root: str, settings: GraphSettings, public: bool) -> dict[str, Tie]:
    """bidder -> the strongest tie from ``root`` to it."""
    ties: dict[str, Tie] = {}

    def offer(tie: Tie) -> None:
        held = ties.get(tie.bidder)
        if held is None or TIE_ORDER.index(tie.kind) < TIE_ORDER.index(held.kind):
            roles = tuple(sorted(set(tie.roles) | set(held.roles if held else ())))
            ties[tie.bidder] = Tie(tie.bidder, tie.company, tie.kind, tie.steps, roles)
        else:
            roles = tuple(sorted(set(held.roles) | set(tie.roles)))
            ties[tie.bidder] = Tie(held.bidder, held.company, held.kind, held.steps, roles)

    own = graph.bidder_of.get(root)
    if own is not None:
        offer(Tie(own, root, SELF, (), ()))
    for rel in graph.posts.get(root, ()):
        bidder = graph.bidder_of.get(rel.company)
        if bidder is not None:
            kind = LEGAL if rel.role == LEGAL_REP else OFFICE
            offer(Tie(bidder, rel.company, kind, (graph.step(rel),), (rel.role,)))
    if not public:
        for company, (kind, chain) in graph.reach(root, settings).items():
            bidder = graph.bidder_of.get(company)
            if bidder is not None:
                offer(Tie(bidder, company, kind, chain, (SHAREHOLDER,)))
    return ties


def link_kind(ties: Iterable[Tie]) -> str:
    """What a set of ties from one entity makes of the bidders' companies."""
    kinds = {t.kind for t in ties}
    if kinds == {LEGAL}:
        return SAME_LEGAL_REP
    if kinds <= {SELF, CONTROL} and SELF in kinds:
        return CONTROL_LINK
    if kinds == {CONTROL}:
        return COMMON_CONTROLLER
    if kinds <= {SELF, LEGAL, CONTROL, OFFICE}:
        return MANAGEMENT
    return SHAREHOLDING


# The ties each nested level of a link admits: the bidders one entity ties
# by legal representation only, then by direction (posts, control), then by
# any holding. A pair counts the entity once, at its strongest level.
LEVELS = (frozenset({LEGAL}), frozenset({SELF, LEGAL, CONTROL, OFFICE}), frozenset(TIE_ORDER[:5]))


def entity_links(
    graph: Graph,
    root: str,
    name: str,
    kind: str,
    settings: GraphSettings,
    public: bool,
) -> list[Link]:
    """The links through one entity: one per level that adds a bidder."""
    ties = entity_ties(graph, root, settings, public)
    links: list[Link] = []
    previous: set[str] = set()
    for level in LEVELS:
        members = sorted(b for b, t in ties.items() if t.kind in level)
        if len(members) < 2 or set(members) == previous:
            continue
        chosen = tuple(ties[b] for b in members)
        if {t.kind for t in chosen} == {SELF}:
            continue
        links.append(Link(link_kind(chosen), root, name, kind, chosen))
        previous = set(members)
    return links


def find_links(
    facts: CompanyFacts,
    bidders: dict[str, str],
    settings: GraphSettings,
    is_public: Callable[[str, str, int], bool],
) -> list[Link]:
    """Every link between the bidders' companies.

    Args:
        facts: the merged company facts, keys canonical.
        bidders: bidder id -> its company key.
        settings: control share, chain depth, public-holder threshold.
        is_public: ``is_public(key, name, companies held)`` says whether a
            holder is a public one (fingerprints, the history's counts).
    """
    graph = Graph(facts, bidders)
    roots = sorted(
        {r.holder for r in graph.relations if r.role in MANAGEMENT_ROLES | {SHAREHOLDER}}
    )
    roots += sorted(k for k in bidders.values() if k not in roots)
    links: list[Link] = []
    for root in roots:
        kind = graph.holder_kinds.get(root, ORGANISATION)
        name = graph.holder_names.get(root) or graph.company_name(root)
        held = len({rel.company for rel in graph.holdings.get(root, ())})
        public = held >= settings.public_holder_companies or is_public(root, name, held)
        if is_name_key(root) and kind == PERSON:
            continue  # people known by name alone: name_links
        links.extend(entity_links(graph, root, name, kind, settings, public))
    links = nearest_controllers(links)
    links.extend(name_links(graph, settings))
    links.extend(contact_links(graph, is_public))
    return sorted(links, key=lambda link: (link.bidders, LINK_KINDS.index(link.kind), link.via))


def nearest_controllers(links: list[Link]) -> list[Link]:
    """Control reported once, by the nearest controller: a link through X is
    dropped when every chain of it passes through Y and Y's own control link
    names the same bidders (X controls Y, which controls them: one fact)."""
    holding = [link for link in links if link.kind in (CONTROL_LINK, COMMON_CONTROLLER)]
    kept = []
    for link in links:
        if link.kind not in (CONTROL_LINK, COMMON_CONTROLLER):
            kept.append(link)
            continue
        through = set.intersection(
            *({s.company for s in tie.steps} | {tie.company} for tie in link.ties)
        )
        nearer = any(
            other is not link and other.via in through and set(link.bidders) <= set(other.bidders)
            for other in holding
        )
        if not nearer:
            kept.append(link)
    return kept


def name_links(graph: Graph, settings: GraphSettings) -> list[Link]:
    """Pairs of bidders tied to a person of one name, on at least one side
    known by name alone; two different 身份证号 are two people."""
    by_name: dict[str, list[str]] = defaultdict(list)
    for holder, kind in sorted(graph.holder_kinds.items()):
        if kind == PERSON and graph.holder_names.get(holder):
            by_name[graph.holder_names[holder]].append(holder)
    links = []
    for name, holders in sorted(by_name.items()):
        if not any(is_name_key(h) for h in holders):
            continue
        ties: dict[str, list[tuple[Tie, bool]]] = defaultdict(list)
        for holder in holders:
            for bidder, tie in entity_ties(graph, holder, settings, public=False).items():
                if tie.kind != SELF:
                    ties[bidder].append((tie, is_name_key(holder)))
        members = sorted(ties)
        for i, a in enumerate(members):
            for b in members[i + 1 :]:
                pair = _name_pair(ties[a], ties[b])
                if pair is not None:
                    links.append(
                        Link(link_kind(pair), "name:" + name, name, PERSON, pair, by_name=True)
                    )
    return links


def _name_pair(a: list[tuple[Tie, bool]], b: list[tuple[Tie, bool]]) -> tuple[Tie, Tie] | None:
    """The strongest ties of a pair where one side at least is a name alone."""
    best = None
    for tie_a, named_a in a:
        for tie_b, named_b in b:
            if not (named_a or named_b):
                continue  # both known by number: the same person is the number's link
            rank = TIE_ORDER.index(tie_a.kind) + TIE_ORDER.index(tie_b.kind)
            if best is None or rank < best[0]:
                best = (rank, (tie_a, tie_b))
    return best[1] if best else None


def contact_links(graph: Graph, is_public: Callable[[str, str, int], bool]) -> list[Link]:
    """Bidders whose companies have the same registered address, phone or e-mail."""
    by_value: dict[tuple[str, str], dict[str, list[Source]]] = defaultdict(dict)
    shown: dict[tuple[str, str], str] = {}
    owner: dict[str, str] = {}
    for fact in sorted(graph.contacts, key=repr):
        bidder = graph.bidder_of.get(fact.company)
        if bidder is None or not fact.normalized:
            continue
        key = (fact.field, fact.normalized)
        shown.setdefault(key, fact.value)
        owner[bidder] = fact.company
        found = by_value[key].setdefault(bidder, [])
        if fact.source not in found:
            found.append(fact.source)
    links = []
    for (field, normalized), where in sorted(by_value.items()):
        root = f"{field}:{normalized}"
        if len(where) < 2 or is_public(root, shown[(field, normalized)], 0):
            continue
        chosen = tuple(
            Tie(
                bidder,
                owner[bidder],
                CONTACT,
                (
                    Step(
                        root,
                        shown[(field, normalized)],
                        field,
                        owner[bidder],
                        graph.company_name(owner[bidder]),
                        field,
                        None,
                        tuple(where[bidder]),
                    ),
                ),
                (field,),
            )
            for bidder in sorted(where)
        )
        links.append(
            Link(
                SHARED_CONTACT[field],
                f"{field}:{normalized}",
                shown[(field, normalized)],
                field,
                chosen,
            )
        )
    return links


def bidder_companies(facts: CompanyFacts, bidders: Iterable[str]) -> dict[str, str]:
    """bidder id -> its company key (``bidder:<id>`` when no company is known)."""
    known: dict[str, Company] = {c.bidder: c for c in facts.companies if c.bidder}
    return {b: known[b].key if b in known else f"bidder:{b}" for b in sorted(bidders)}
