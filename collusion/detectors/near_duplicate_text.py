"""near_duplicate_text: passages two bidders share that are not boilerplate.

One alert per bidder pair: a regulator reviews a pair of bids, not a pair of
paragraphs. The alert aggregates every section pair confirmed between the two
bidders and quotes every passage, strongest first (ranked by non-boilerplate
characters times rarity), both sides linked by ``passage``; then shared typos
and parameter matches, at most ``TextSettings.max_evidence_passages`` of those.
The engine is ``collusion.analysis.text``.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import replace
from difflib import SequenceMatcher
from typing import Any

from collusion.analysis.normalize import plain_fold
from collusion.analysis.text import (
    PairResult,
    Param,
    Prepared,
    ProjectComparison,
    TextSettings,
    compare_project,
    page_at,
    prepare_project,
)
from collusion.analysis.text.groups import GroupCopy
from collusion.analysis.text.reordered import ReorderedPassage
from collusion.basis import ART40_ABNORMAL_CONSISTENCY
from collusion.detectors.rewritten_text import (
    rewritten_blocks,
    rewritten_copies,
    rewritten_details,
    rewritten_evidence,
    rewritten_weight,
    rewritten_words,
)
from collusion.labels import STORY_LABELS
from collusion.models import Alert, Evidence, ScanContext, Section, Weight

KIND = "near_duplicate_text"
SENTENCE_ENDS = "。；;！？!?\n"
MAX_DETAIL_SECTIONS = 10  # section pairs listed in details
MAX_DETAIL_PARAMS = 12  # matched parameters listed per section pair
ELLIPSIS = "…"
TYPO_CONTEXT_CHARS = 12  # quoted either side of a shared typo
CONCEALED_NOTE = (
    "雷同文字经过隐藏处理（插入不可见字符、改用繁体字或形近外文字母），"
    "经字符折叠后才比对出，隐藏行为本身即为异常"
)


def detect(ctx: ScanContext) -> list[Alert]:
    """One alert per bidder pair sharing non-boilerplate text."""
    settings = ctx.settings.text
    names = ctx.project.own_names()
    # The scan's text stage made ctx.text; a detector called on its own
    # (tests) prepares the project's text here, without a history.
    prepared = ctx.text or prepare_project(ctx.sections, ctx.tender_sections, names, settings)
    comparison = compare_project(
        ctx.sections, ctx.tender_sections, names, settings, prepared_text=prepared
    )
    excerpt_chars = ctx.settings.excerpt_chars
    return [
        build_alert(ctx, comparison, pair, settings, excerpt_chars)
        for pair in comparison.pairs
        if pair.severity is not None or comparison.boilerplate.groups_of(pair.bidders)
    ]


def label(ctx: ScanContext, bidder: str) -> str:
    """ "b01（某某建设有限公司）", or the id alone."""
    name = ctx.project.bidder_name(bidder)
    return f"{bidder}（{name}）" if name else bidder


def excerpt(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + ELLIPSIS


def side_evidence(
    p: Prepared, start: int, end: int, passage: int, limit: int, context: int = 0
) -> Evidence:
    """One side of a passage: file, page, section, original offsets, excerpt
    (with `context` characters either side, for a short span)."""
    o_start, o_end = p.norm.span(start, end)
    return located(p.bidder, p.section, o_start, o_end, passage, limit, context)


def located(
    bidder: str,
    section: Section,
    o_start: int,
    o_end: int,
    passage: int,
    limit: int,
    context: int = 0,
) -> Evidence:
    """The evidence of ``section.text[o_start:o_end]``: file, page, section,
    paragraph and character locators, excerpt."""
    page, block = page_at(section, o_start)
    text = section.text
    first, last = (
        block_offsets(section, o_start),
        block_offsets(section, max(o_start, o_end - 1)),
    )
    return Evidence(
        bidder=bidder,
        file=section.file,
        page=page,
        section=section.title,
        excerpt=excerpt(text[max(0, o_start - context) : o_end + context], limit),
        paragraph=block,
        start=o_start,
        end=o_end,
        passage=passage,
        story=story_of(section, o_start, o_end),
        char_start=first[1],
        paragraph_end=last[0],
        char_end=last[1] + 1,
    )


def block_offsets(section: Section, offset: int) -> tuple[int, int]:
    """(block index, character offset inside that block's text) of a section offset."""
    pos = 0
    for block in section.blocks:
        if offset <= pos + len(block.text):
            return block.index, max(0, min(offset - pos, len(block.text)))
        pos += len(block.text) + 1
    last = section.blocks[-1] if section.blocks else None
    return (last.index, len(last.text)) if last else (0, 0)


def story_of(section: Section, start: int, end: int) -> str:
    """The story (body, textbox, header, footnote, ...) holding most of the
    section text's ``[start, end)``."""
    chars: Counter[str] = Counter()
    pos = 0
    for block in section.blocks:
        overlap = min(end, pos + len(block.text)) - max(start, pos)
        if overlap > 0:
            chars[block.story] += overlap
        pos += len(block.text) + 1
    return min(chars, key=lambda story: (-chars[story], story)) if chars else "body"


def param_evidence(
    prepared: Sequence[Prepared], params: list[Param], passage: int, limit: int
) -> Evidence:
    """One side of a parameter match: where its first shared parameter is, and the list."""
    first = params[0]
    where = prepared[first.section]
    page, block = page_at(where.section, first.start)
    last = params[-1] if params[-1].section == first.section else first
    # The excerpt quotes the real sentences the parameters are written in; the
    # matched parameters are listed, as term and value, in `value`.
    text = where.section.text
    start = max((text.rfind(c, 0, first.start) for c in SENTENCE_ENDS), default=-1) + 1
    return Evidence(
        bidder=where.bidder,
        file=where.section.file,
        page=page,
        section=where.section.title,
        excerpt=excerpt(text[start : last.end], limit),
        paragraph=block,
        field="technical_parameters",
        value="、".join(f"{q.term}{q.value}" for q in params),
        start=first.start,
        end=last.end,
        passage=passage,
        story=story_of(where.section, first.start, last.end),
    )


def evidence_for(
    comparison: ProjectComparison, pair: PairResult, settings: TextSettings, limit: int
) -> tuple[Evidence, ...]:
    """Every passage (strongest first: every passage of a copied section is
    reported), then shared typos and parameter matches, these capped at
    ``max_evidence_passages``."""
    prepared = comparison.prepared
    out: list[Evidence] = []
    k = 0
    part = None
    for ap in pair.passages:
        if ap.part_of is None or ap.part_of != part:
            k += 1  # pieces of one copy over a section boundary are one passage
        part = ap.part_of
        a, b = prepared[ap.match.a], prepared[ap.match.b]
        out.append(side_evidence(a, ap.passage.a_start, ap.passage.a_end, k, limit))
        out.append(side_evidence(b, ap.passage.b_start, ap.passage.b_end, k, limit))
    out.extend(
        rewritten_evidence(
            comparison,
            pair,
            k + 1,
            lambda bidder, section, start, end, n: located(bidder, section, start, end, n, limit),
        )
    )
    k += rewritten_copies(pair.rewritten)
    cap = k + settings.max_evidence_passages
    for typo in pair.typos:
        if k >= cap:
            break
        k += 1
        for sid, start, end in (
            (typo.a, typo.a_start, typo.a_end),
            (typo.b, typo.b_start, typo.b_end),
        ):
            side = side_evidence(prepared[sid], start, end, k, limit, context=TYPO_CONTEXT_CHARS)
            out.append(replace(side, field="shared_typo", value=f"{typo.usual}→{typo.typo}"))
    for m in pair.param_sections:
        if k >= cap or not m.params.shared:
            break
        k += 1
        out.append(param_evidence(prepared, [x for x, _ in m.params.shared], k, limit))
        out.append(
            param_evidence(
                prepared,
                sorted((y for _, y in m.params.shared), key=lambda q: (q.section, q.start)),
                k,
                limit,
            )
        )
    return tuple(out)


def passage_count(pair: PairResult) -> int:
    """The pair's passages, the pieces of one copy counted once."""
    return len({n if ap.part_of is None else ap.part_of for n, ap in enumerate(pair.passages)})


def details_for(
    comparison: ProjectComparison, pair: PairResult, settings: TextSettings
) -> dict[str, Any]:
    """The measures behind the alert, for the regulator and for review."""
    prepared = comparison.prepared
    x, y = pair.bidders
    reordered: Counter[tuple[int, int]] = Counter()  # sentences shared in another order
    for ap in pair.passages:
        if isinstance(ap.passage, ReorderedPassage):
            reordered[(ap.match.a, ap.match.b)] += ap.passage.sentences
    sections = []
    for m in sorted(pair.matches, key=lambda m: (-m.shared, m.a, m.b))[:MAX_DETAIL_SECTIONS]:
        a, b = prepared[m.a], prepared[m.b]
        sections.append(
            {
                x: {
                    "file": a.section.file,
                    "section": a.section.title,
                    "page": a.section.first_page,
                },
                y: {
                    "file": b.section.file,
                    "section": b.section.title,
                    "page": b.section.first_page,
                },
                "jaccard": round(m.jaccard, 4),
                "containment": round(m.containment, 4),
                "shared_shingles": m.shared,
                "matched_by": "text" if m.by_text else "parameters",
                "parameter_matches": [
                    {"term": p.term, "value": p.value}
                    for p, _ in m.params.shared[:MAX_DETAIL_PARAMS]
                ],
                "parameter_score": round(m.params.score, 4),
                "parameter_order_score": round(m.params.order_score, 4),
                "reordered_sentences": reordered.get((m.a, m.b), 0),
            }
        )
    boiler = comparison.boilerplate
    return {
        "jaccard": pair.measures.get("jaccard", 0.0),
        "containment": pair.measures.get("containment", 0.0),
        "shared_chars": pair.shared_chars,
        "weighted_chars": pair.weighted_chars,
        "share": {x: pair.share[0], y: pair.share[1]},
        "passages": passage_count(pair),
        # passages of sentences shared in another order (collusion.analysis.text.reordered)
        "reordered_passages": sum(isinstance(ap.passage, ReorderedPassage) for ap in pair.passages),
        "reordered_sentences": sum(reordered.values()),
        "reorder": {
            "jaccard_min": settings.reorder_jaccard_min,
            "containment_min": settings.reorder_containment_min,
            "min_sentence_chars": settings.reorder_min_sentence_chars,
        },
        "shared_typos": [{"typo": t.typo, "usual": t.usual} for t in pair.typos],
        # chance of this many typo-like variants given the rate among the other pairs
        "typo_p_value": pair.measures.get("typo_p_value"),
        "section_pairs": len(pair.matches),
        "parameter_section_pairs": len(pair.param_sections),
        "sections": sections,
        # passages rewritten in other words, aligned sentence by sentence
        # (collusion.analysis.text.meaning); `passage` numbers their evidence
        "rewritten": bool(pair.rewritten),
        "rewritten_passages": rewritten_details(comparison, pair, literal_numbers(pair) + 1),
        "tfidf_cosine": pair.tfidf,
        "lsh": {
            "num_perm": settings.num_perm,
            "bands": settings.lsh_bands,
            "rows": settings.lsh_rows,
            "shingle_chars": settings.shingle_chars,
            "jaccard_min": settings.jaccard_min,
            "containment_min": settings.containment_min,
        },
        # text held by exactly a ring of 3+ in several separate sections, which
        # independent picking of stock text would give with chance p_value
        # (collusion.analysis.text.groups): the weight gains -log10(p) (from_group_copy)
        "group_copies": [g.to_dict() for g in boiler.groups_of(pair.bidders)],
        "boilerplate_shingles": {
            "tender": len(boiler.tender),
            "common": len(boiler.common),
            "reference": len(boiler.reference),
            "history": len(boiler.history),
        },
        "candidates_compared": comparison.candidates,
    }


def concealment(
    comparison: ProjectComparison, pair: PairResult, settings: TextSettings
) -> dict[str, Any] | None:
    """What folding removed inside the quoted passages (invisible characters,
    confusable letters, traditional characters), per bidder, and whether the
    copy would have been found without that folding: None when nothing was
    folded there."""
    counts: dict[str, Counter[str]] = {}
    plain: list[tuple[str, str]] = []
    for ap in pair.passages[: settings.max_evidence_passages]:
        sides = []
        for sid, start, end in (
            (ap.match.a, ap.passage.a_start, ap.passage.a_end),
            (ap.match.b, ap.passage.b_start, ap.passage.b_end),
        ):
            p = comparison.prepared[sid]
            o_start, o_end = p.norm.span(start, end)
            counts.setdefault(p.bidder, Counter()).update(p.norm.concealed_in(o_start, o_end))
            sides.append(plain_fold(p.section.text[o_start:o_end]))
        plain.append((sides[0], sides[1]))
    if not any(counts.values()):
        return None
    found_without = any(_longest_common_run(x, y) >= settings.min_passage_chars for x, y in plain)
    return {
        "folded": {bidder: dict(sorted(c.items())) for bidder, c in sorted(counts.items()) if c},
        "found_only_after_folding": not found_without,
    }


def _longest_common_run(x: str, y: str) -> int:
    return SequenceMatcher(None, x, y, autojunk=False).find_longest_match(0, len(x), 0, len(y)).size


def _where(e: Evidence) -> str:
    page = f"第{e.page}页" if e.page is not None else f"段落编号{e.paragraph or 0}"
    story = STORY_LABELS.get(e.story or "body", "")
    shown = e.story not in (None, "body") and story != e.section
    return f"《{e.section}》{page}" + (f"（{story}）" if shown else "")


def literal_numbers(pair: PairResult) -> int:
    """How many passage numbers the literal passages take (pieces of one copy
    over a section boundary share one); rewritten passages are numbered on."""
    k, part = 0, None
    for ap in pair.passages:
        if ap.part_of is None or ap.part_of != part:
            k += 1
        part = ap.part_of
    return k


def rewritten_number(evidence: Sequence[Evidence], pair: PairResult) -> int:
    """The passage number of the pair's first rewritten passage."""
    return literal_numbers(pair) + 1


def summary_for(ctx: ScanContext, pair: PairResult, evidence: tuple[Evidence, ...]) -> str:
    """One Chinese line: both bidders, where, how much, how it was matched."""
    x, y = pair.bidders
    parts = [f"投标人{label(ctx, x)}与{label(ctx, y)}的投标文件"]
    if pair.passages:
        first_x = next(e for e in evidence if e.bidder == x)
        first_y = next(e for e in evidence if e.bidder == y)
        parts.append(
            f"有{passage_count(pair)}处非模板文字雷同，共约{pair.shared_chars}字"
            f"（分别占其非模板文字的{pair.share[0]:.0%}和{pair.share[1]:.0%}），"
            f"如{x}{_where(first_x)}与{y}{_where(first_y)}"
        )
    if pair.rewritten:
        n = rewritten_number(evidence, pair)
        first_x = next(e for e in evidence if e.passage == n and e.bidder == x)
        first_y = next(e for e in evidence if e.passage == n and e.bidder == y)
        where = f"如{x}{_where(first_x)}与{y}{_where(first_y)}"
        parts.append(rewritten_words(pair.rewritten, bool(pair.passages)) + f"，{where}")
    reordered = sum(
        ap.passage.sentences for ap in pair.passages if isinstance(ap.passage, ReorderedPassage)
    )
    if reordered:
        parts.append(f"其中{reordered}句为打乱语句顺序后的逐句雷同（重排复制）")
    if pair.param_sections:
        count = sum(len(m.params.shared) for m in pair.param_sections)
        parts.append(f"{len(pair.param_sections)}个章节的技术参数序列一致（{count}项）")
    if pair.typos:
        example = "、".join(f"“{t.usual}”误作“{t.typo}”" for t in pair.typos[:3])
        parts.append(f"{len(pair.typos)}处仅此两家共有的相同错别字（{example}）")
    return "；".join([parts[0] + parts[1], *parts[2:]]) if len(parts) > 1 else parts[0]


def blocks_between(p: Prepared, start: int, end: int) -> set[tuple[str, int]]:
    """(file, block index) of every block a span of normalized offsets touches."""
    o_start, o_end = p.norm.span(start, end)
    found: set[tuple[str, int]] = set()
    pos = 0
    for block in p.section.blocks:
        block_end = pos + len(block.text)
        if block_end >= o_start and pos <= max(o_start, o_end - 1):
            found.add((p.section.file, block.index))
        pos = block_end + 1
    return found


def covered_blocks(comparison: ProjectComparison, pair: PairResult) -> frozenset[tuple[str, int]]:
    """Every block of both bidders that the pair's shared text touches."""
    prepared = comparison.prepared
    found: set[tuple[str, int]] = set()
    for ap in pair.passages:
        found |= blocks_between(prepared[ap.match.a], ap.passage.a_start, ap.passage.a_end)
        found |= blocks_between(prepared[ap.match.b], ap.passage.b_start, ap.passage.b_end)
    for typo in pair.typos:
        found |= blocks_between(prepared[typo.a], typo.a_start, typo.a_end)
        found |= blocks_between(prepared[typo.b], typo.b_start, typo.b_end)
    for m in pair.param_sections:
        for sid in (m.a, m.b):
            section = prepared[sid].section
            found |= {(section.file, block.index) for block in section.blocks}
    found |= rewritten_blocks(comparison, pair)
    return frozenset(found)


# The weight of shared text (scoring.py). Rare shared characters (each
# weighed 1/(k-1) when k bidders hold it, so template text held by many weighs
# little) count one unit of log10 per TEXT_CHARS_PER_UNIT: 400 characters only
# these two bidders write weigh 4.0, a 150-character stock paragraph held by
# three bidders 0.75. A parameter sequence alone is a weak sign (honest plans
# on one topic share parameters); shared typos weigh by their chance
# (-log10 of their Poisson p-value), capped.
TEXT_CHARS_PER_UNIT = 100.0
TEXT_MAX_LOG10_LR = 4.5
PARAMETER_LOG10_LR = 1.0
TYPO_MAX_LOG10_LR = 3.0
# A group copy (collusion.analysis.text.groups): the same ring of 3+ bidders holding
# text no one else holds in several separate sections weighs -log10 of its
# chance under independent picking of stock text, capped like typos.
GROUP_MAX_LOG10_LR = 3.0


def group_weight(groups: Sequence[GroupCopy]) -> float:
    """The strongest group copy holding both bidders of a pair: -log10(p), capped."""
    return max(
        (min(GROUP_MAX_LOG10_LR, -math.log10(max(g.p_value, 1e-12))) for g in groups), default=0.0
    )


def text_weight(pair: PairResult, groups: Sequence[GroupCopy] = ()) -> Weight:
    chars = pair.weighted_chars / TEXT_CHARS_PER_UNIT
    params = PARAMETER_LOG10_LR if pair.param_sections else 0.0
    p_value = pair.measures.get("typo_p_value")
    typos = (
        min(TYPO_MAX_LOG10_LR, -math.log10(max(p_value, 1e-12)))
        if pair.typos and p_value is not None
        else 0.0
    )
    group = group_weight(groups)
    rewritten = rewritten_weight(pair, TEXT_CHARS_PER_UNIT)
    total = min(TEXT_MAX_LOG10_LR, chars + params + typos + group + rewritten)
    inputs = {
        "weighted_chars": round(pair.weighted_chars, 1),
        "chars_per_unit": TEXT_CHARS_PER_UNIT,
        "from_chars": round(chars, 4),
        "from_parameters": params,
        "from_typos": round(typos, 4),
    }
    if groups:
        inputs["from_group_copy"] = round(group, 4)
    if pair.rewritten:
        inputs["from_rewritten"] = rewritten
    return Weight(log10_lr=total, method="text", inputs=inputs)


def group_note(ctx: ScanContext, groups: Sequence[GroupCopy]) -> str:
    """The summary's words for the group copies holding a pair (Chinese)."""
    group = min(groups, key=lambda g: g.p_value)
    names = "、".join(label(ctx, b) for b in group.bidders)
    return (
        f"投标人{names}共{len(group.bidders)}家的投标文件在各自至少{group.sections}个章节中"
        f"含有仅此{len(group.bidders)}家共有的相同文字（各家独立套用公共范本出现此情形的"
        f"概率{chance_words(group.p_value)}），属多家共同复制"
    )


def chance_words(p: float) -> str:
    """A small probability as a regulator reads it, rounded up to two
    significant digits so that 不超过 stays true: 不超过0.0016, 小于万分之一."""
    if p < 1e-4:
        return "小于万分之一"
    decimals = 1 - math.floor(math.log10(p))
    bound = math.ceil(p * 10**decimals - 1e-9) / 10**decimals
    return f"不超过{bound:.{decimals}f}"


def build_alert(
    ctx: ScanContext,
    comparison: ProjectComparison,
    pair: PairResult,
    settings: TextSettings,
    excerpt_chars: int,
) -> Alert:
    evidence = evidence_for(comparison, pair, settings, excerpt_chars)
    details = details_for(comparison, pair, settings)
    summary = summary_for(ctx, pair, evidence)
    hidden = concealment(comparison, pair, settings)
    if hidden is not None:
        details["concealment"] = hidden
        if hidden["found_only_after_folding"]:
            summary += f"；{CONCEALED_NOTE}"
    groups = comparison.boilerplate.groups_of(pair.bidders)
    if groups:
        summary += f"；{group_note(ctx, groups)}"
    x, y = pair.bidders
    return Alert(
        kind=KIND,
        severity=pair.severity or ("medium" if groups else "low"),
        score=pair.score,
        bidders=pair.bidders,
        basis=ART40_ABNORMAL_CONSISTENCY,
        summary=summary + "。",
        details=details,
        evidence=evidence,
        key=f"text:{x}|{y}",
        weight=text_weight(pair, groups),
        covers=covered_blocks(comparison, pair),
    )
