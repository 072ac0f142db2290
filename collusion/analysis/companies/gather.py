"""Every company fact a scan knows, from three sources in order of trust:
companies.csv and company_relations.csv, the bids, and the history.

Keys are made canonical here: a bidder's company is its credit code from the
registry, else the bidder's own code from its bids, else ``bidder:<id>``; a
holder named without a code takes the code of a known company of that name;
a person named without a 身份证号 takes the number of a person of the same
name in the same company. What the history recalls fills only what the
project does not say itself: a company's shareholders, its officers and each
of its facts come from this project when it has them, else from the latest
other project that recorded them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from collusion.analysis.companies.bids import bid_facts, read_bid
from collusion.analysis.companies.model import (
    BIDDER_PREFIX,
    CONTACT_FIELDS,
    NAME,
    ORGANISATION,
    PERSON,
    PROJECT,
    SHAREHOLDER,
    Company,
    CompanyFacts,
    Fact,
    Relation,
    Source,
    bidder_key,
    is_name_key,
)
from collusion.analysis.companies.registry import project_registry
from collusion.analysis.identifier_patterns import is_valid_credit_code
from collusion.history import CompanyHistory
from collusion.keys import company_name_key
from collusion.models import Bidder, ProjectInput

HOLDER = "holder"  # the field asked of the history for a holder's companies


def gather_companies(
    project: ProjectInput,
    bidders: Iterable[Bidder],
    own_codes: dict[str, str],
    *,
    history: CompanyHistory | None,
    max_depth: int,
    excerpt_chars: int,
    max_rows: int,
) -> CompanyFacts:
    """The project's company facts, keys canonical, with the history's added.

    Args:
        project: the project as loaded (its ``registry``, its bidders' names).
        bidders: the bidders with their extracted files.
        own_codes: bidder -> its own credit code read from the bids
            (``mixed_documents.own_credit_codes``).
        history: earlier projects, or None.
        max_depth: rounds of holding companies recalled from the history.
        excerpt_chars: longest excerpt quoted from a bid.
        max_rows: a registry file with more rows is not read at all.

    Returns:
        The facts; ``errors`` holds the registry files' line errors, for the
        report's ``errors``.
    """
    bidders = sorted(bidders, key=lambda b: b.id)
    registry = project_registry(project, max_rows)
    keys = _bidder_keys(registry, [b.id for b in bidders], own_codes)
    companies = _companies(registry, keys, project)
    facts = list(registry.facts) + _named_in_project(companies, registry)
    relations = [_rekey_company(r, keys) for r in registry.relations]
    for bidder in bidders:
        found, held = bid_facts(keys[bidder.id], read_bid(bidder.id, bidder.files, excerpt_chars))
        facts.extend(found)
        relations.extend(held)
    known = CompanyFacts(tuple(companies), tuple(facts), tuple(relations))
    if history is not None:
        known = _recall(known, history, project.id, max_depth)
    known = _aliased(known)
    elsewhere = _seen_elsewhere(known, history, project.id) if history is not None else {}
    return replace(known, seen_elsewhere=elsewhere, errors=registry.errors)


def _bidder_keys(
    registry: CompanyFacts, bidders: list[str], own_codes: dict[str, str]
) -> dict[str, str]:
    """bidder -> its company key: registry code, own code from the bids, or bidder:<id>."""
    keys = {c.bidder: c.key for c in registry.companies if c.bidder}
    taken = set(keys.values())
    for bidder in bidders:
        if bidder in keys:
            continue
        code = (own_codes.get(bidder) or "").upper()
        if is_valid_credit_code(code) and code not in taken:
            keys[bidder] = code
            taken.add(code)
        else:
            keys[bidder] = bidder_key(bidder)
    return keys


def _companies(
    registry: CompanyFacts, keys: dict[str, str], project: ProjectInput
) -> list[Company]:
    bidder_of = {key: bidder for bidder, key in keys.items()}
    companies = [replace(c, bidder=c.bidder or bidder_of.get(c.key)) for c in registry.companies]
    listed = {c.key for c in companies}
    for bidder, key in sorted(keys.items()):
        if key not in listed:
            code = None if key.startswith(BIDDER_PREFIX) else key
            companies.append(Company(key, code, project.bidder_name(bidder), bidder))
    return sorted(companies, key=lambda c: c.key)


def _named_in_project(companies: list[Company], registry: CompanyFacts) -> list[Fact]:
    """The names project.json gives bidders the registry does not list."""
    listed = {c.key for c in registry.companies}
    return [
        Fact(
            c.key,
            NAME,
            c.name,
            company_name_key(c.name),
            Source(PROJECT, "project.json", bidder=c.bidder),
        )
        for c in companies
        if c.name and c.bidder and c.key not in listed
    ]


def _rekey_company(rel: Relation, keys: dict[str, str]) -> Relation:
    if rel.company.startswith(BIDDER_PREFIX):
        return replace(rel, company=keys.get(rel.company[len(BIDDER_PREFIX) :], rel.company))
    return rel


# --- the history --------------------------------------------------------------------------


def _relation_class(role: str) -> str:
    """What a project saying anything of makes the history's rows of it stale:
    its shareholders as a whole, each post on its own (a bid names its legal
    representative, seldom its directors)."""
    return role


def _recall(
    known: CompanyFacts, history: CompanyHistory, project_id: str, rounds: int
) -> CompanyFacts:
    """Add what other projects recorded of these companies and, round by
    round, of the companies holding them."""
    companies = {c.key: c for c in known.companies}
    facts = list(known.facts)
    relations = list(known.relations)
    have_facts = {(f.company, f.field) for f in facts}
    have_relations = {(r.company, _relation_class(r.role)) for r in relations}
    asked: set[str] = set()
    wanted = set(companies) | {r.holder for r in relations if r.holder_kind == ORGANISATION}
    for _ in range(rounds + 1):
        ask = sorted(
            k for k in wanted - asked if not k.startswith(BIDDER_PREFIX) and not is_name_key(k)
        )
        if not ask:
            break
        asked.update(ask)
        old_facts, old_relations, old_companies = history.company_records(ask, project_id)
        for company in old_companies:
            companies.setdefault(company.key, company)
        facts.extend(f for f in old_facts if (f.company, f.field) not in have_facts)
        fresh = [
            r for r in old_relations if (r.company, _relation_class(r.role)) not in have_relations
        ]
        relations.extend(fresh)
        wanted = {r.holder for r in fresh if r.holder_kind == ORGANISATION}
    return CompanyFacts(
        tuple(sorted(companies.values(), key=lambda c: c.key)), tuple(facts), tuple(relations)
    )


def _seen_elsewhere(
    known: CompanyFacts, history: CompanyHistory, project_id: str
) -> dict[str, int]:
    """How many companies other projects tied to each holder and contact of this project."""
    counts: dict[str, int] = {}
    for holder in sorted({r.holder for r in known.relations if r.role == SHAREHOLDER}):
        counts[holder] = history.company_value_count(HOLDER, holder, project_id)
    for fact in known.facts:
        if fact.field in CONTACT_FIELDS and fact.normalized:
            key = f"{fact.field}:{fact.normalized}"
            if key not in counts:
                counts[key] = history.company_value_count(fact.field, fact.normalized, project_id)
    return counts


# --- aliases ------------------------------------------------------------------------------


def _aliased(known: CompanyFacts) -> CompanyFacts:
    """Holders named without a number, given the number a known name has."""
    by_name: dict[str, str] = {}
    for company in known.companies:
        if company.name and not company.key.startswith(BIDDER_PREFIX):
            by_name.setdefault("name:" + company_name_key(company.name), company.key)
    for fact in known.facts:
        if fact.field == NAME and not fact.company.startswith(BIDDER_PREFIX):
            by_name.setdefault("name:" + fact.normalized, fact.company)
    for company in known.companies:  # bidders known only by project.json's name
        if company.name:
            by_name.setdefault("name:" + company_name_key(company.name), company.key)
    people: dict[tuple[str, str], str] = {}
    for rel in known.relations:
        if rel.holder_kind == PERSON and not is_name_key(rel.holder) and rel.holder_name:
            people.setdefault((rel.company, rel.holder_name), rel.holder)
    relations = []
    for rel in known.relations:
        if is_name_key(rel.holder):
            if rel.holder_kind == ORGANISATION and rel.holder in by_name:
                rel = replace(rel, holder=by_name[rel.holder])
            elif rel.holder_kind == PERSON and (rel.company, rel.holder_name) in people:
                rel = replace(rel, holder=people[(rel.company, rel.holder_name)])
        elif rel.holder_kind == PERSON and not rel.holder_name:
            named = next(
                (
                    name
                    for (company, name), key in people.items()
                    if key == rel.holder and company == rel.company
                ),
                "",
            )
            rel = replace(rel, holder_name=named)
        relations.append(rel)
    return replace(known, relations=tuple(relations))
