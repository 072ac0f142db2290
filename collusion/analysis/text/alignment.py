"""Stage 5, ``align``: the matching passages of a confirmed section pair.

Seed on shared non-boilerplate shingles, chain along a diagonal, extend
exactly through boilerplate, merge across small gaps on both sides, keep
passages with a minimum non-boilerplate length.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable
from dataclasses import dataclass

from collusion.analysis.text.boilerplate import (
    Boilerplate,
)
from collusion.analysis.text.settings import TextSettings
from collusion.analysis.text.shingles import Prepared


@dataclass(frozen=True)
class Passage:
    """A matching stretch of two sections, in normalized character offsets."""

    a_start: int
    a_end: int
    b_start: int
    b_end: int
    chars: int  # non-boilerplate characters on side a
    rarity: float  # mean rarity of its non-boilerplate shingles (1 = only these two bidders)

    @property
    def weighted(self) -> float:
        return self.chars * self.rarity


@dataclass
class _Run:
    a_start: int
    a_end: int
    b_start: int
    b_end: int


def seed_runs(
    a: Prepared, b: Prepared, removed: Collection[int], settings: TextSettings
) -> list[_Run]:
    """Exact runs: shared non-boilerplate shingles chained along each diagonal
    across small gaps (a short standard phrase inside a copy is bridged)."""
    k = settings.shingle_chars
    positions: dict[int, list[int]] = defaultdict(list)
    shared = (a.shingles & b.shingles) - removed
    for j, h in enumerate(b.hashes):
        if h in shared:
            positions[h].append(j)
    open_runs: dict[int, _Run] = {}
    runs: list[_Run] = []
    for i, h in enumerate(a.hashes):
        js = positions.get(h)
        if not js or len(js) > settings.max_seed_positions:
            continue
        for j in js:
            diag = j - i
            run = open_runs.get(diag)
            if run is not None and i - (run.a_end - k) <= settings.max_gap_chars:
                run.a_end, run.b_end = i + k, j + k
            else:
                run = _Run(i, i + k, j, j + k)
                open_runs[diag] = run
                runs.append(run)
    return runs


def extend_runs(a: str, b: str, runs: list[_Run], settings: TextSettings) -> list[_Run]:
    """Extend each run character by character while both texts agree (through
    boilerplate that seeded nothing), then keep the runs long enough."""
    out = []
    reach: dict[int, int] = {}  # diagonal -> end on side a of the runs extended so far
    for run in sorted(runs, key=lambda r: (r.b_start - r.a_start, r.a_start)):
        diagonal = run.b_start - run.a_start
        if reach.get(diagonal, -1) >= run.a_end:
            continue  # inside a run already extended over it
        while run.a_start > 0 and run.b_start > 0 and a[run.a_start - 1] == b[run.b_start - 1]:
            run.a_start, run.b_start = run.a_start - 1, run.b_start - 1
        while run.a_end < len(a) and run.b_end < len(b) and a[run.a_end] == b[run.b_end]:
            run.a_end, run.b_end = run.a_end + 1, run.b_end + 1
        reach[diagonal] = run.a_end
        if run.a_end - run.a_start >= settings.min_run_chars:
            out.append(run)
    return out


def merge_runs(runs: list[_Run], settings: TextSettings) -> list[_Run]:
    """Merge runs across small gaps on both sides (edits shift the diagonal)."""
    runs = sorted(runs, key=lambda r: (r.a_start, r.b_start))
    merged: list[_Run] = []
    gap = settings.max_gap_chars
    for run in runs:
        for prev in reversed(merged[-4:]):
            a_gap = run.a_start - prev.a_end
            b_gap = run.b_start - prev.b_end
            if -gap <= a_gap <= gap and -gap <= b_gap <= gap and run.b_end > prev.b_start:
                prev.a_end = max(prev.a_end, run.a_end)
                prev.b_end = max(prev.b_end, run.b_end)
                break
        else:
            merged.append(_Run(run.a_start, run.a_end, run.b_start, run.b_end))
    return merged


def overlaps(start: int, end: int, taken: Iterable[tuple[int, int]]) -> bool:
    return any(start < e and s < end for s, e in taken)


def align(a: Prepared, b: Prepared, boiler: Boilerplate, settings: TextSettings) -> list[Passage]:
    """Passages shared by two sections, not overlapping on either side, in order."""
    seeds = seed_runs(a, b, boiler.removed, settings)
    runs = merge_runs(extend_runs(a.norm.text, b.norm.text, seeds, settings), settings)
    runs.sort(key=lambda r: (-(r.a_end - r.a_start), r.a_start, r.b_start))
    taken_a: list[tuple[int, int]] = []
    taken_b: list[tuple[int, int]] = []
    out = []
    k = settings.shingle_chars
    for run in runs:
        if overlaps(run.a_start, run.a_end, taken_a) or overlaps(run.b_start, run.b_end, taken_b):
            continue
        live = [
            h
            for h in a.hashes[run.a_start : run.a_end - k + 1]
            if h not in boiler.removed and h in b.shingles
        ]
        chars = min(len(live) + k - 1, run.a_end - run.a_start) if live else 0
        if chars < settings.min_passage_chars:
            continue
        rarity = sum(boiler.rarity(h) for h in live) / len(live)
        taken_a.append((run.a_start, run.a_end))
        taken_b.append((run.b_start, run.b_end))
        out.append(Passage(run.a_start, run.a_end, run.b_start, run.b_end, chars, rarity))
    return sorted(out, key=lambda p: (p.a_start, p.b_start))
