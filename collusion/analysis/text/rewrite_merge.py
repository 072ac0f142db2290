"""Rewritten passages joined to a pair's literal result: one fact once.

A rewritten passage that one literal passage of the pair covers almost
whole (``rewrite_literal_share`` on both sides), or that literal passages in
another order on the two sides cover as much (sentences copied word for word
and shuffled), or half of which the sentences the character engine found
copied in another order cover (``reordered``), is a literal copy: it is not
reported again.
Otherwise the literal passages inside it (the sentences the rewriter left as
they were, at least half inside it on both sides) are folded into it, its
span grown to hold them, so that one rewritten section is one passage; their
weight is kept in ``absorbed`` and the rewritten passage adds only what it
weighs beyond them.

A passage stays in one heading-section on each side, so that the section a
regulator is sent to is the one it is in. The pieces of one copy that runs
over a heading (one the copier added, or a line the sectioning took for one)
are marked with the same ``part_of`` and numbered as one passage, as the
pieces of a literal copy over a section boundary are (``joined_pieces``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace

from collusion.analysis.text.aggregation import AlignedPassage, PairResult
from collusion.analysis.text.meaning import Rewritten, RewrittenPassage, Unit
from collusion.analysis.text.reordered import ReorderedPassage
from collusion.analysis.text.settings import TextSettings
from collusion.analysis.text.shingles import Prepared

Span = tuple[int, int, int]  # unit, start, end (offsets in the unit's text)
HALF = 0.5  # a literal passage at least half inside a rewritten one is part of it


def with_rewritten(
    result: PairResult,
    rewritten: Rewritten,
    units: Sequence[Unit],
    prepared: Sequence[Prepared],
    settings: TextSettings,
) -> PairResult:
    """The pair's result with its rewritten passages, the literal passages
    inside them folded in, and the severity they give."""
    found = rewritten.passages.get(result.bidders, ())
    if not found:
        return result
    places = unit_places(units)  # only for the few pairs with rewritten passages
    sides = [literal_sides(ap, places, prepared) for ap in result.passages]
    kept: list[RewrittenPassage] = []
    absorbed: set[int] = set()
    shuffled = [
        n for n, ap in enumerate(result.passages) if isinstance(ap.passage, ReorderedPassage)
    ]
    copies = one_copy_each(result.passages)
    for p in found:
        inside = pieces_inside(p, sides, absorbed)
        if copied_in_another_order(p, sides, shuffled) or is_literal(
            p, sides, inside, copies, settings.rewrite_literal_share
        ):
            continue  # a literal copy, reported as such
        absorbed.update(inside)
        weight = sum(result.passages[n].passage.weighted for n in inside)
        kept.append(
            replace(
                p,
                a_start=min([p.a_start, *(sides[n][0][1] for n in inside)]),
                a_end=max([p.a_end, *(sides[n][0][2] for n in inside)]),
                b_start=min([p.b_start, *(sides[n][1][1] for n in inside)]),
                b_end=max([p.b_end, *(sides[n][1][2] for n in inside)]),
                absorbed=round(weight, 1),
            )
        )
    if not kept:
        return result
    best = min(p.p_value for p in kept)
    level = "high" if best <= settings.rewrite_high_p else "medium"
    severity = "high" if "high" in (level, result.severity) else level
    return replace(
        result,
        passages=tuple(ap for n, ap in enumerate(result.passages) if n not in absorbed),
        rewritten=numbered_pieces(copy_pieces(kept, units, settings.rewrite_merge_gap)),
        severity=severity,
        score=round(max(result.score, 1 - best), 4),
    )


def pieces_inside(
    p: RewrittenPassage, sides: Sequence[tuple[Span, Span]], taken: set[int]
) -> list[int]:
    """The literal passages at least half inside ``p`` on both sides, by
    their start on side a."""
    inside = [
        n
        for n, (a, b) in enumerate(sides)
        if n not in taken
        and a[0] == p.a
        and b[0] == p.b
        and covered_share([(p.a_start, p.a_end)], a[1], a[2]) >= HALF
        and covered_share([(p.b_start, p.b_end)], b[1], b[2]) >= HALF
    ]
    return sorted(inside, key=lambda n: sides[n][0][1])


def copied_in_another_order(
    p: RewrittenPassage, sides: Sequence[tuple[Span, Span]], shuffled: list[int]
) -> bool:
    """Sentences the character engine found copied word for word in another
    order (``reordered``) cover at least half of ``p`` on both sides."""
    a_spans = [sides[n][0][1:] for n in shuffled if sides[n][0][0] == p.a]
    b_spans = [sides[n][1][1:] for n in shuffled if sides[n][1][0] == p.b]
    return (
        covered_share(a_spans, p.a_start, p.a_end) >= HALF
        and covered_share(b_spans, p.b_start, p.b_end) >= HALF
    )


def one_copy_each(passages: Sequence[AlignedPassage]) -> list[list[int]]:
    """The literal passages grouped by copy: the pieces of one copy over a
    window or section boundary (``part_of``) together, every other alone."""
    groups: dict[object, list[int]] = {}
    for n, ap in enumerate(passages):
        groups.setdefault(("part", ap.part_of) if ap.part_of is not None else n, []).append(n)
    return list(groups.values())


def is_literal(
    p: RewrittenPassage,
    sides: Sequence[tuple[Span, Span]],
    inside: list[int],
    copies: Sequence[Sequence[int]],
    share: float,
) -> bool:
    """One literal copy (a passage, or the pieces of one over window
    boundaries) covers ``p`` (``share`` of both sides), or literal passages
    in another order on the two sides cover as much."""
    for copy in copies:
        a_spans = [sides[n][0][1:] for n in copy if sides[n][0][0] == p.a]
        b_spans = [sides[n][1][1:] for n in copy if sides[n][1][0] == p.b]
        if (
            covered_share(a_spans, p.a_start, p.a_end) >= share
            and covered_share(b_spans, p.b_start, p.b_end) >= share
        ):
            return True
    in_order = all(
        sides[m][1][1] < sides[n][1][1] for m, n in zip(inside, inside[1:], strict=False)
    )
    return (
        not in_order
        and covered_share([sides[n][0][1:] for n in inside], p.a_start, p.a_end) >= share
        and covered_share([sides[n][1][1:] for n in inside], p.b_start, p.b_end) >= share
    )


def literal_sides(
    ap: AlignedPassage, places: Mapping[int, tuple[int, int]], prepared: Sequence[Prepared]
) -> tuple[Span, Span]:
    """Both sides of a literal passage as spans of unit text (``places``:
    ``unit_places`` of the project's units)."""
    out = []
    for sid, start, end in (
        (ap.match.a, ap.passage.a_start, ap.passage.a_end),
        (ap.match.b, ap.passage.b_start, ap.passage.b_end),
    ):
        unit, offset = places[sid]
        o_start, o_end = prepared[sid].norm.span(start, end)
        out.append((unit, o_start + offset, o_end + offset))
    return out[0], out[1]


def unit_places(units: Sequence[Unit]) -> dict[int, tuple[int, int]]:
    """Each prepared section's unit and where its text starts in it. (Made
    per call, not cached in the module: a cache kept the last project's
    sections alive in the nightly's long-running process.)"""
    return {
        sid: (n, start)
        for n, u in enumerate(units)
        for sid, start in zip(u.sections, u.starts, strict=True)
    }


def covered_share(spans: Sequence[tuple[int, int]], start: int, end: int) -> float:
    """The share of ``[start, end)`` inside the union of ``spans``."""
    if end <= start:
        return 0.0
    covered, reach = 0, start
    for s, e in sorted(spans):
        s, e = max(s, reach), min(e, end)
        if e > s:
            covered += e - s
            reach = e
    return covered / (end - start)


# --- the pieces of one copy over a heading ------------------------------------------


def copy_pieces(
    passages: Sequence[RewrittenPassage], units: Sequence[Unit], gap: int
) -> list[RewrittenPassage]:
    """A pair's passages, the pieces of one copy that runs over a heading
    marked with the same ``part_of`` (any identifier, ``numbered_pieces``
    numbers them): a piece continues another when, on both sides, it is in
    the same heading-section or the next one of the same file, starts at most
    ``gap`` sentences after the other ends (headings are no sentences: the
    rows of consecutive sections follow each other), and crosses a heading
    on one side at least (within one section pair, ``joined_chains`` joined
    what follows within ``gap``)."""
    order = sorted(range(len(passages)), key=lambda n: passages[n].rows)
    chains: list[list[int]] = []
    for n in order:
        for chain in chains:
            if _continues(passages[chain[-1]], passages[n], units, gap):
                chain.append(n)
                break
        else:
            chains.append([n])
    out: list[RewrittenPassage] = []
    for label, chain in enumerate(chains):
        part = label if len(chain) > 1 else None
        out.extend(replace(passages[n], part_of=part) for n in chain)
    return out


def _continues(p: RewrittenPassage, q: RewrittenPassage, units: Sequence[Unit], gap: int) -> bool:
    crossed = False
    for x, y, last, first in ((p.a, q.a, p.rows[1], q.rows[0]), (p.b, q.b, p.rows[3], q.rows[2])):
        if y == x + 1 and units[y].section.file == units[x].section.file:
            crossed = True
        elif y != x:
            return False
        if not 0 < first - last <= gap:
            return False
    return crossed


def numbered_pieces(passages: Sequence[RewrittenPassage]) -> tuple[RewrittenPassage, ...]:
    """A pair's passages, strongest copy first (its least likely piece), the
    pieces of one copy together in file order, ``part_of`` the position of a
    copy's first piece (None for a passage in one piece)."""
    copies: dict[object, list[RewrittenPassage]] = {}
    for n, p in enumerate(passages):
        copies.setdefault(n if p.part_of is None else ("part", p.part_of), []).append(p)
    out: list[RewrittenPassage] = []
    for pieces in sorted(
        (sorted(c, key=lambda p: p.rows) for c in copies.values()),
        key=lambda c: (min(p.p_value for p in c), c[0].a, c[0].a_start),
    ):
        part = len(out) if len(pieces) > 1 else None
        out.extend(replace(p, part_of=part) for p in pieces)
    return tuple(out)


def copy_numbers(passages: Sequence[RewrittenPassage], first: int) -> list[int]:
    """Each passage's evidence number, from ``first`` (``numbered_pieces``
    order): the pieces of one copy share theirs."""
    out: list[int] = []
    for n, p in enumerate(passages):
        same = n > 0 and p.part_of is not None and p.part_of == passages[n - 1].part_of
        out.append(out[-1] if same else (out[-1] + 1 if out else first))
    return out
