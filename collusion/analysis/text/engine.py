"""The whole project: ``compare_project`` runs the stages in order."""

from __future__ import annotations

from bisect import bisect_right
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from itertools import combinations

import numpy as np

from collusion.analysis.text.aggregation import (
    LiteralPart,
    ProjectComparison,
    aggregate,
    literal_part,
    swapped,
    typo_level,
    typo_p_values,
)
from collusion.analysis.text.boilerplate import (
    Boilerplate,
    HistoryHook,
    build_boilerplate,
    by_bidder,
    members,
)
from collusion.analysis.text.candidates import (
    lsh_candidates,
    param_candidates,
    rare_candidates,
)
from collusion.analysis.text.meaning import (
    Rewritten,
    Unit,
    build_units,
    rewritten_passages,
)
from collusion.analysis.text.parameters import (
    build_param_index,
)
from collusion.analysis.text.rewrite_merge import with_rewritten
from collusion.analysis.text.settings import TextSettings
from collusion.analysis.text.shingles import Prepared, SectionKey, SectionPrep, prepare
from collusion.analysis.text.typos import (
    shared_typos,
)
from collusion.analysis.text.verify import (
    SectionMatch,
    unit_param_matches,
    verify,
)
from collusion.models import Section


@dataclass(frozen=True)
class PreparedText:
    """Stages 1 and 2 over a project: its sections prepared, its boilerplate layers.

    Made once per scan (``collusion.scan``) and shared by the comparison and
    the history's fingerprints (``collusion.analysis.text.fingerprints``).
    """

    prepared: tuple[Prepared, ...]
    boilerplate: Boilerplate


def prepare_project(
    sections: Mapping[str, Sequence[Section]],
    tender: Sequence[Section] = (),
    names: Mapping[str, Iterable[str]] | None = None,
    settings: TextSettings | None = None,
    history: HistoryHook = None,
    ready: Mapping[SectionKey, SectionPrep] | None = None,
) -> PreparedText:
    """Stages 1 and 2: every section prepared, and the text that is never
    evidence; ``ready`` holds sections prepared already (``shingles.prepare``)."""
    settings = settings or TextSettings()
    prepared = prepare(sections, names or {}, settings, ready)
    return PreparedText(tuple(prepared), build_boilerplate(prepared, tender, settings, history))


def compare_project(
    sections: Mapping[str, Sequence[Section]],
    tender: Sequence[Section] = (),
    names: Mapping[str, Iterable[str]] | None = None,
    settings: TextSettings | None = None,
    history: HistoryHook = None,
    *,
    prepared_text: PreparedText | None = None,
) -> ProjectComparison:
    """Compare every bidder's sections with every other's; one result per bidder pair.

    ``prepared_text``, when given, is ``prepare_project`` of the same
    arguments, made earlier; stages 1 and 2 are then not run again.
    """
    settings = settings or TextSettings()
    text = prepared_text or prepare_project(sections, tender, names, settings, history)
    prepared, boiler = list(text.prepared), text.boilerplate
    units = build_units([p.bidder for p in prepared], [p.section for p in prepared])
    # One stage after the other: a second process for a half of them (as
    # before) held a copy of every page either side wrote, hundreds of MB at
    # 40 bidders, for about a second (benchmarks/scale_bench.py). The
    # rewritten search first: its tables are the largest, and the literal
    # side's results are not held yet (the scan's peak 543 -> 520 MB).
    rewritten = rewritten_of(units, prepared, tender, settings)
    pairs, by_bidders, literal, remaining = literal_side(prepared, boiler, tender, settings)
    typos = shared_typos(prepared, boiler, settings)
    typo_p = typo_p_values(typos, boiler.bidders, settings)
    keys = sorted(
        set(by_bidders)
        | {key for key, found in typos.items() if typo_level(len(found), typo_p[key], settings)}
        | set(rewritten.passages)
    )
    results = [
        aggregate(
            key,
            by_bidders.get(key, []),
            typos.get(key, []),
            typo_p.get(key, 1.0),
            prepared,
            boiler,
            remaining,
            settings,
            literal.get(key),
        )
        for key in keys
    ]
    results = [with_rewritten(r, rewritten, units, prepared, settings) for r in results]
    # a pair known only by rewritten passages the literal ones cover is no result
    results = [r for r in results if r.rewritten or r.matches or r.typos or r.severity]
    counts = Counter(p.bidder for p in prepared)
    all_pairs = sum(counts[x] * counts[y] for x, y in combinations(sorted(counts), 2))
    return ProjectComparison(
        prepared=tuple(prepared),
        boilerplate=boiler,
        pairs=tuple(results),
        candidates=len(pairs),
        all_pairs=all_pairs,
        lsh_params=(settings.lsh_bands, settings.lsh_rows),
        units=tuple(units),
    )


def rewritten_of(
    units: Sequence[Unit],
    prepared: Sequence[Prepared],
    tender: Sequence[Section],
    settings: TextSettings,
) -> Rewritten:
    """Stage 5b: passages rewritten in other words (``meaning``), unless switched off."""
    if not settings.rewrite_search:
        return Rewritten({}, 0, 0)
    return rewritten_passages(units, [p.words for p in prepared], tender, settings)


def literal_side(
    prepared: Sequence[Prepared],
    boiler: Boilerplate,
    tender: Sequence[Section],
    settings: TextSettings,
) -> tuple[
    list[tuple[int, int]],
    dict[tuple[str, str], list[SectionMatch]],
    dict[tuple[str, str], LiteralPart],
    Counter[str],
]:
    """Stages 3 to 5 on the character view: the candidate section pairs, the
    confirmed ones by bidder pair with their passages and measures, and each
    bidder's remaining (non-boilerplate) characters."""
    kept = boiler.kept_all(prepared)
    pairs, by_bidders = confirmed_pairs(prepared, boiler, tender, settings, kept)
    remaining = remaining_by_bidder(prepared, boiler, settings, kept)
    literal = {
        key: literal_part(key, matches, prepared, boiler, remaining, settings)
        for key, matches in by_bidders.items()
    }
    return pairs, by_bidders, literal, remaining


def confirmed_pairs(
    prepared: Sequence[Prepared],
    boiler: Boilerplate,
    tender: Sequence[Section],
    settings: TextSettings,
    kept: Mapping[int, np.ndarray] | None = None,
) -> tuple[list[tuple[int, int]], dict[tuple[str, str], list[SectionMatch]]]:
    """Stages 3 and 4: the candidate section pairs, and the confirmed ones by
    bidder pair; ``kept``: each section's ``Boilerplate.kept``, when known."""
    if kept is None:
        kept = boiler.kept_all(prepared)
    index = build_param_index(prepared, tender, settings)
    pairs = sorted(
        lsh_candidates(prepared, kept, settings)
        | rare_candidates(prepared, kept, boiler, settings)
        | param_candidates(prepared, index, settings)
    )
    by_bidders: dict[tuple[str, str], list[SectionMatch]] = defaultdict(list)
    for i, j in pairs:
        match = verify(prepared[i], prepared[j], kept, index, settings)
        if match is not None:
            by_bidders[(prepared[i].bidder, prepared[j].bidder)].append(match)
    for match in unit_param_matches(prepared, index, settings):
        a, b = sorted((match.a, match.b))
        key = (prepared[a].bidder, prepared[b].bidder)
        if not any(m.by_params and {m.a, m.b} == {a, b} for m in by_bidders[key]):
            by_bidders[key].append(replace(match, a=a, b=b) if a == match.a else swapped(match))
    return pairs, by_bidders


def remaining_by_bidder(
    prepared: Sequence[Prepared],
    boiler: Boilerplate,
    settings: TextSettings,
    kept: Mapping[int, np.ndarray] | None = None,
) -> Counter[str]:
    """Each bidder's normalized characters that are not boilerplate: in each
    section with shingles, those whose shingle its ``Boilerplate.kept`` holds
    (``kept``, when known) and the last shingle's k - 1 characters. A
    bidder's sections are counted at once: each shingle tagged with its
    section's place, so that one search finds those its own section keeps."""
    if kept is None:
        kept = boiler.kept_all(prepared)
    remaining: Counter[str] = Counter()
    for bidder, sections in by_bidder(prepared).items():
        filled = [p for p in sections if len(p.hashes)]
        if not filled:
            remaining[bidder] += 0
            continue
        tags = [np.uint64(n) << np.uint64(32) for n in range(len(filled))]
        hashes = np.concatenate(
            [p.hash_array().astype(np.uint64) | t for p, t in zip(filled, tags, strict=True)]
        )
        held = np.concatenate(
            [kept[p.id].astype(np.uint64) | t for p, t in zip(filled, tags, strict=True)]
        )
        found = int(members(hashes, held).sum())
        remaining[bidder] += found + len(filled) * (settings.shingle_chars - 1)
    return remaining


def page_at(section: Section, offset: int) -> tuple[int | None, int]:
    """The page and block index at a character offset of the section text."""
    starts = []
    pos = 0
    for block in section.blocks:
        starts.append(pos)
        pos += len(block.text) + 1
    if not section.blocks:
        return (None, 0)
    block = section.blocks[max(0, bisect_right(starts, offset) - 1)]
    return (block.page, block.index)
