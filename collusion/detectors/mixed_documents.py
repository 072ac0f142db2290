"""mixed_documents: one bidder's files carry another bidder's name or credit code.

Article 40 item 五 (投标文件相互混装): a bid that names a competitor on its
cover, in its signature block or seal, or that carries the competitor's
统一社会信用代码, was most likely assembled from that competitor's file.

Who is who. Each bidder's company names come from project.json
(``bidders.<id>.name``) and from its own files: the name most often written
after 投标人：/投标单位： (cover pages, 投标函 and signature blocks), unless
that name is another bidder's. Its own credit code is ``bidders.<id>.credit_code``
when project.json gives one, else the valid code written most often next to
its name (投标人：X（盖单位章） / 统一社会信用代码：…, in the same block or the
`context_blocks` before), provided no other bidder's name sits next to that
code as often.

What is searched. Every block of a bidder's files for every other bidder's
full company name (spaces and full-/half-width brackets ignored; the carrier's
own name is blanked first so that 甲公司杭州分公司 does not match 甲公司) and
for the other bidder's own credit code. A name written after 投标人：, or just
before 盖章/公章/专用章, and any credit code, make a high alert; a plain
mention a medium one.

Legitimate mentions are left out, and counted in ``details.exempt``:

- ``joint_venture``: 联合体 (or 牵头人, 联合体协议) in the block, in the
  `context_blocks` blocks either side, or in the section's title: a joint
  venture's bid names its members;
- ``subcontractor``: 分包 (分包单位, 专业分包, 劳务分包) likewise: a named
  subcontractor may also bid on its own account;
- ``tender``: the name is in the tender's own files (a list of invited or
  prequalified bidders quoted back);
- ``bidder_list``: the block names `list_min_bidders` or more of the
  project's bidders: a list copied from an opening record or a clarification.

What is not recognised: a competitor named as a past client or in a quoted
court judgement, and short names (简称) that are not the registered name.
A joint-venture member that also bids on its own is a separate breach
(条例第三十七条) this detector does not report.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import ahocorasick
import numpy as np

from collusion import basis
from collusion.analysis.folding import code_points
from collusion.analysis.identifier_patterns import CREDIT_CODE, is_valid_credit_code
from collusion.analysis.identifiers import (
    SectionTitles,
    block_text,
    declared_bidder_names,
    excerpt,
    find_numbers,
    may_hold_credit_code,
    may_hold_credit_codes,
    section_titles,
)
from collusion.analysis.joined import char_table, join
from collusion.keys import company_name_key
from collusion.models import Alert, Block, Evidence, ScanContext
from collusion.settings import MixedSettings

KIND = "mixed_documents"

JOINT_VENTURE_WORDS = ("联合体", "牵头人", "联合投标")
SUBCONTRACT_WORDS = ("分包",)
DECLARED_BEFORE_RE = re.compile(r"(投标人|投标单位|供应商|单位名称|公司名称)(名称)?\s*[:：]?\s*$")
DECLARED_AFTER_RE = re.compile(r"^\s*[(（]?\s*(盖章|公章|盖单位章|单位盖章|投标专用章|专用章|印章)")
_DECLARED_WINDOW = 12  # characters either side searched for a declaration


@dataclass(frozen=True)
class Identity:
    """How a bidder names itself."""

    bidder: str
    names: tuple[str, ...]  # normalized company names
    credit_code: str | None


@dataclass(frozen=True)
class Mention:
    """One place where a carrier's file names another bidder."""

    file: str
    block: Block
    field: str  # company_name | credit_code
    value: str
    declared: bool  # written as the bidder, or in a seal
    excerpt: str
    exempt: str | None  # joint_venture | subcontractor | tender | bidder_list


def detect(ctx: ScanContext) -> list[Alert]:
    """Alerts for bidders whose files name another bidder of the same project."""
    settings = ctx.settings.mixed_documents
    people = identities(ctx, settings)
    index = NameIndex({n: b for b, ident in people.items() for n in ident.names})
    tender_text = "".join(company_name_key(b.text) for f in ctx.tender_files for b in f.blocks)
    titles = section_titles(ctx.sections)
    alerts = []
    for carrier in ctx.bidders:
        mentions = _mentions(ctx, carrier.id, people, index, tender_text, titles, settings)
        for named in sorted(mentions):
            alert = _alert(ctx, carrier.id, named, mentions[named], settings, titles)
            if alert is not None:
                alerts.append(alert)
    return sorted(alerts, key=Alert.sort_key)


# --- who is who ---------------------------------------------------------------------------------


def own_credit_codes(
    ctx: ScanContext, names: dict[str, tuple[str, ...]] | None = None
) -> dict[str, str]:
    """bidder -> its own credit code.

    project.json's ``credit_code`` when valid; else the code written most often
    next to the bidder's own name (in the same block or the `context_blocks`
    before it, as in 投标人：X（盖单位章） / 统一社会信用代码：…), in anyone's
    files, provided no other bidder's name sits next to it as often.
    """
    settings = ctx.settings.mixed_documents
    names = _company_names(ctx, settings) if names is None else names
    anyone = NameIndex({n: b for b, ns in names.items() for n in ns})
    claims: dict[str, Counter[str]] = defaultdict(Counter)  # code -> bidder -> times
    for bidder in ctx.bidders:
        for file in bidder.files:
            texts = [block_text(b) for b in file.blocks]
            if not anyone:
                continue
            for position in np.flatnonzero(may_hold_credit_codes(texts)).tolist():
                text = texts[position]
                codes = {m.value for m in find_numbers(text) if m.kind == CREDIT_CODE}
                near = "".join(texts[max(position - settings.context_blocks, 0) : position + 1])
                for owner in {hit.bidder for hit in leftmost_longest(anyone.find(near))}:
                    for code in codes:
                        claims[code][owner] += 1
    owned: dict[str, str] = {}
    for bidder in ctx.bidders:
        given = str(ctx.project.bidder_meta.get(bidder.id, {}).get("credit_code") or "").upper()
        if is_valid_credit_code(given):
            owned[bidder.id] = given
            continue
        mine = sorted(
            ((c[bidder.id], code) for code, c in claims.items() if c[bidder.id]),
            key=lambda t: (-t[0], t[1]),
        )
        for count, code in mine:
            if all(n < count for other, n in claims[code].items() if other != bidder.id):
                owned[bidder.id] = code
                break
    return owned


def _company_names(ctx: ScanContext, settings: MixedSettings) -> dict[str, tuple[str, ...]]:
    """bidder -> its normalized company names: project.json, then its declared name."""
    given: dict[str, set[str]] = defaultdict(set)
    for bidder in ctx.bidders:
        name = ctx.project.bidder_name(bidder.id)
        if name and len(company_name_key(name)) >= settings.min_name_chars:
            given[bidder.id].add(company_name_key(name))
    taken = {name for names in given.values() for name in names}
    for bidder in ctx.bidders:
        declared = declared_bidder_names(b for f in bidder.files for b in f.blocks)
        ranked = declared.most_common(2)
        if not ranked or (len(ranked) > 1 and ranked[1][1] == ranked[0][1]):
            continue
        name = ranked[0][0]
        if name not in taken and len(name) >= settings.min_name_chars:
            given[bidder.id].add(name)
            taken.add(name)
    # Longest first, so that a name containing another is tried first.
    return {
        b.id: tuple(sorted(given.get(b.id, ()), key=lambda n: (-len(n), n))) for b in ctx.bidders
    }


def identities(ctx: ScanContext, settings: MixedSettings) -> dict[str, Identity]:
    """How each bidder names itself: its company names and its own credit code."""
    names = _company_names(ctx, settings)
    codes = own_credit_codes(ctx, names)
    return {b.id: Identity(b.id, names[b.id], codes.get(b.id)) for b in ctx.bidders}


# --- finding mentions ----------------------------------------------------------------------------


# What a name pattern ignores: any spacing, and the width of brackets.
_SPACE_OR_BRACKET = re.compile(r"[\s（）]")


@dataclass(frozen=True)
class NameHit:
    start: int  # offsets in the searched text
    end: int
    name: str  # the normalized name found
    bidder: str  # whose name it is


class NameIndex:
    """Every bidder's normalized company names in one Aho–Corasick automaton:
    a text is searched once for all of them, whatever the number of bidders.
    A name matches with any spacing between its characters and either bracket
    width, as ``company_name_key`` compares names."""

    def __init__(self, owners: dict[str, str]) -> None:
        self._automaton = ahocorasick.Automaton()
        for name, bidder in sorted(owners.items()):
            self._automaton.add_word(name, (name, bidder))
        if owners:
            self._automaton.make_automaton()
        self._empty = not owners

    def __bool__(self) -> bool:
        return not self._empty

    def naming(self, texts: Sequence[str]) -> np.ndarray:
        """For each text, whether ``find`` finds any name in it: the texts
        joined, made searchable at once and run through the automaton once."""
        if self._empty or not texts:
            return np.zeros(len(texts), dtype=bool)
        joined = join(texts)
        codes = code_points(joined.text)
        kept = np.flatnonzero(~char_table(r"\s")[codes])  # what _searchable keeps
        searched = codes[kept]
        searched[searched == ord("（")] = ord("(")
        searched[searched == ord("）")] = ord(")")
        text = searched.tobytes().decode("utf-32-le", "surrogatepass")
        ends = [last for last, _ in self._automaton.iter(text)]
        return joined.holders(kept[np.array(ends, dtype=np.int64)])

    def find(self, text: str) -> list[NameHit]:
        """Every occurrence of every name in `text`, overlapping ones included."""
        if self._empty:
            return []
        searched, where = _searchable(text)
        hits = []
        for last, (name, bidder) in self._automaton.iter(searched):
            first = last - len(name) + 1
            hits.append(NameHit(where(first), where(last) + 1, name, bidder))
        return hits


def _searchable(text: str) -> tuple[str, Callable[[int], int]]:
    """`text` as names are compared (no spaces, ASCII brackets), and the map
    from its offsets back to the text's."""
    if not _SPACE_OR_BRACKET.search(text):
        return text, int
    kept = [i for i, char in enumerate(text) if not char.isspace()]
    folded = "".join(text[i] for i in kept).replace("（", "(").replace("）", ")")
    return folded, kept.__getitem__


def leftmost_longest(hits: list[NameHit]) -> list[NameHit]:
    """Non-overlapping hits, each the longest name starting leftmost (what a
    regular-expression alternation of the names, longest first, finds)."""
    out: list[NameHit] = []
    for hit in sorted(hits, key=lambda h: (h.start, -(h.end - h.start), h.name)):
        if not out or hit.start >= out[-1].end:
            out.append(hit)
    return out


def _overlaps(hit: NameHit, others: list[NameHit]) -> bool:
    return any(hit.start < o.end and o.start < hit.end for o in others)


def _blank(text: str, hits: list[NameHit]) -> str:
    """`text` with the hits replaced by spaces (offsets kept)."""
    for hit in hits:
        text = text[: hit.start] + " " * (hit.end - hit.start) + text[hit.end :]
    return text


def _mentions(
    ctx: ScanContext,
    carrier: str,
    people: dict[str, Identity],
    index: NameIndex,
    tender_text: str,
    titles: SectionTitles,
    settings: MixedSettings,
) -> dict[str, list[Mention]]:
    """named bidder -> the places in the carrier's files that name it."""
    codes = {
        ident.credit_code: b
        for b, ident in people.items()
        if b != carrier and ident.credit_code and ident.credit_code != people[carrier].credit_code
    }
    found: dict[str, list[Mention]] = defaultdict(list)
    for file in sorted(ctx.bidder(carrier).files, key=lambda f: f.path):
        blocks = file.blocks
        texts = [block_text(block) for block in blocks]
        # Only blocks that name a bidder, or may hold a code, can hold a mention.
        searched = index.naming(texts) | (may_hold_credit_codes(texts) if codes else False)
        for position in np.flatnonzero(searched).tolist():
            block, raw = blocks[position], texts[position]
            names = index.find(raw)
            # The carrier's own name is left out first, so that another
            # bidder's name inside it (甲公司 in 甲公司杭州分公司) is no mention.
            own = [h for h in names if h.bidder == carrier]
            hits = [
                (h.bidder, "company_name", h.start, h.end, h.name)
                for h in leftmost_longest(
                    [h for h in names if h.bidder != carrier and not _overlaps(h, own)]
                )
            ]
            if codes and may_hold_credit_code(raw):
                hits += [
                    (codes[m.value], "credit_code", m.start, m.end, m.value)
                    for m in find_numbers(raw)
                    if m.kind == CREDIT_CODE and m.value in codes
                ]
            if not hits:
                continue
            named_here = {h.bidder for h in leftmost_longest(names)}
            text = _blank(raw, own)
            title = titles.get((carrier, file.path, block.index), "")
            for named, field, start, end, value in sorted(hits, key=lambda h: (h[2], h[0])):
                is_name = field == "company_name"
                found[named].append(
                    Mention(
                        file=file.path,
                        block=block,
                        field=field,
                        value=raw[start:end] if is_name else value,
                        declared=not is_name or _declared(text, start, end),
                        excerpt=excerpt(raw, start, end, ctx.settings.excerpt_chars),
                        exempt=_exemption(
                            blocks,
                            position,
                            value if is_name else None,
                            named_here,
                            tender_text,
                            title,
                            settings,
                        ),
                    )
                )
    return found


def _declared(text: str, start: int, end: int) -> bool:
    """Whether the name is written as the bidder's own (投标人：X, X（盖章）)."""
    before = text[max(start - _DECLARED_WINDOW, 0) : start]
    after = text[end : end + _DECLARED_WINDOW]
    return bool(DECLARED_BEFORE_RE.search(before) or DECLARED_AFTER_RE.search(after))


def _exemption(
    blocks: tuple[Block, ...],
    position: int,
    name: str | None,
    named_here: set[str],
    tender_text: str,
    title: str,
    settings: MixedSettings,
) -> str | None:
    """Why a mention is legitimate, or None when it is not recognised as such."""
    if name is not None and name in tender_text:
        return "tender"
    if len(named_here) >= settings.list_min_bidders:
        return "bidder_list"
    low, high = max(position - settings.context_blocks, 0), position + settings.context_blocks + 1
    context = title + "".join(block_text(b) for b in blocks[low:high])
    if any(word in context for word in JOINT_VENTURE_WORDS):
        return "joint_venture"
    if any(word in context for word in SUBCONTRACT_WORDS):
        return "subcontractor"
    return None


# --- alerts --------------------------------------------------------------------------------------


def _who(ctx: ScanContext, bidder_id: str) -> str:
    name = ctx.bidder_name(bidder_id)
    return f"{name}（{bidder_id}）" if name else bidder_id


def _alert(
    ctx: ScanContext,
    carrier: str,
    named: str,
    mentions: list[Mention],
    settings: MixedSettings,
    titles: SectionTitles,
) -> Alert | None:
    kept = sorted(
        (m for m in mentions if m.exempt is None),
        key=lambda m: (not m.declared, m.file, m.block.index),
    )
    if not kept:
        return None
    declared = any(m.declared for m in kept)
    fields = sorted({m.field for m in kept})
    # Names first: a regulator recognises a company name before a code.
    values = sorted({m.value for m in kept if m.field == "company_name"}) + sorted(
        {m.value for m in kept if m.field == "credit_code"}
    )
    exempt = Counter(m.exempt for m in mentions if m.exempt is not None)
    label = "统一社会信用代码" if fields == ["credit_code"] else "名称"
    also = "及统一社会信用代码" if len(fields) > 1 else ""
    where = "，含投标人落款、盖章处或信用代码" if declared else ""
    summary = (
        f"{_who(ctx, carrier)}的投标文件中出现另一投标人{_who(ctx, named)}的{label}"
        f"“{values[0]}”{also}（{len(kept)}处{where}），疑似投标文件相互混装"
    )
    return Alert(
        kind=KIND,
        severity="high" if declared else "medium",
        score=settings.score_declared if declared else settings.score_mentioned,
        bidders=tuple(sorted((carrier, named))),
        basis=basis.ART40_MIXED_UP,
        summary=summary,
        details={
            "carrier": carrier,
            "named": named,
            "fields": fields,
            "values": values,
            "mentions": len(kept),
            "declared": declared,
            "files": sorted({m.file for m in kept}),
            "exempt": dict(sorted(exempt.items())),
        },
        evidence=tuple(
            Evidence(
                bidder=carrier,
                file=m.file,
                page=m.block.page,
                section=titles.get((carrier, m.file, m.block.index)),
                excerpt=m.excerpt,
                field=m.field,
                value=m.value,
                paragraph=m.block.index,
                story=m.block.story,
            )
            for m in kept[: settings.evidence_per_alert]
        ),
    )
