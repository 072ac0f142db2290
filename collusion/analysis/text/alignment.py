"""Stage 5, ``align``: the matching passages of a confirmed section pair.

Seed on shared non-boilerplate shingles, chain along a diagonal, extend
exactly through boilerplate, merge across small gaps on both sides, keep
passages with a minimum non-boilerplate length whose two sides are both at
least that long and of like lengths (``sides_agree``).

Seeding, chaining and extension work on arrays for the whole pair at once
(a project aligns thousands of section pairs of thousands of characters):
no Python loop runs per shingle or per character.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from collusion.analysis.text.boilerplate import Boilerplate, members
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


def seed_pairs(
    a: Prepared, b: Prepared, removed: np.ndarray, max_positions: int
) -> tuple[np.ndarray, np.ndarray]:
    """Every (i, j) where the shingle at position i of ``a`` is at position j
    of ``b``, is not in ``removed`` (sorted), and occurs at most
    ``max_positions`` times in ``b``; by i, then j."""
    shared = np.intersect1d(a.unique, b.unique, assume_unique=True)
    shared = shared[~members(shared, removed)]
    if not len(shared):
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty
    hashes_a, hashes_b = a.hash_array(), b.hash_array()
    in_b = np.flatnonzero(members(hashes_b, shared))
    order = np.argsort(hashes_b[in_b], kind="stable")  # by hash, then position
    b_pos, b_hash = in_b[order], hashes_b[in_b][order]
    first = np.searchsorted(b_hash, shared)
    count: np.ndarray = np.searchsorted(b_hash, shared, side="right") - first
    i = np.flatnonzero(members(hashes_a, shared))
    at = np.searchsorted(shared, hashes_a[i])
    n = count[at]
    keep = n <= max_positions
    i, at, n = i[keep], at[keep], n[keep]
    ii = np.repeat(i, n)
    offsets = np.arange(len(ii)) - np.repeat(np.cumsum(n) - n, n)
    jj = b_pos[np.repeat(first[at], n) + offsets]
    return ii.astype(np.int64), jj.astype(np.int64)


def seed_runs(
    a: Prepared, b: Prepared, removed: np.ndarray, settings: TextSettings
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Exact runs: shared non-boilerplate shingles chained along each diagonal
    across small gaps (a short standard phrase inside a copy is bridged).

    Returns ``(a_start, a_end, b_start, b_end)`` arrays, by diagonal
    (``b_start - a_start``), then ``a_start``.
    """
    k = settings.shingle_chars
    i, j = seed_pairs(a, b, removed, settings.max_seed_positions)
    diag = j - i
    order = np.lexsort((i, diag))
    i, diag = i[order], diag[order]
    if not len(i):
        return i, i, i, i
    new = np.ones(len(i), dtype=bool)
    new[1:] = (diag[1:] != diag[:-1]) | (i[1:] - i[:-1] > settings.max_gap_chars)
    starts = np.flatnonzero(new)
    ends = np.r_[starts[1:], len(i)] - 1
    a_start, a_end = i[starts], i[ends] + k
    return a_start, a_end, a_start + diag[starts], a_end + diag[starts]


# Characters compared first when a run extends; doubled while it still agrees.
_EXTEND_STEP = 8


def _reach(a: str, b: str, px: np.ndarray, py: np.ndarray, step: int) -> np.ndarray:
    """How far each pair of positions can go by ``step`` (+1 or -1) while
    ``a[px + n*step] == b[py + n*step]``, inside both texts: slices of the
    texts compared whole (in C), widths doubled while they agree, then
    halved to the first difference."""
    out = np.zeros(len(px), dtype=np.int64)
    for n, (i, j) in enumerate(zip(px.tolist(), py.tolist(), strict=True)):
        if step > 0:
            most = min(len(a) - i, len(b) - j)
        else:
            most = min(i + 1, j + 1)
            i, j = i + 1, j + 1  # slices end there
        good, bad = 0, most + 1  # agree for good characters; not for bad
        width = _EXTEND_STEP
        while good < most:
            width = min(width, most)
            if (
                (a[i : i + width] == b[j : j + width])
                if step > 0
                else (a[i - width : i] == b[j - width : j])
            ):
                good = width
                width *= 2
            else:
                bad = width
                break
        while bad - good > 1:
            mid = (good + bad) // 2
            if (
                (a[i : i + mid] == b[j : j + mid])
                if step > 0
                else (a[i - mid : i] == b[j - mid : j])
            ):
                good = mid
            else:
                bad = mid
        out[n] = good
    return out


def extend_runs(a: str, b: str, runs: tuple[np.ndarray, ...], settings: TextSettings) -> list[_Run]:
    """Extend each run character by character while both texts agree (through
    boilerplate that seeded nothing), then keep the runs long enough.

    A run ending inside a run extended before it on its diagonal is skipped.
    """
    a_start, a_end, b_start, b_end = runs
    if not len(a_start):
        return []
    back = _reach(a, b, a_start - 1, b_start - 1, -1)
    forth = _reach(a, b, a_end, b_end, 1)
    new_start, new_end = a_start - back, a_end + forth
    diag = b_start - a_start
    # The runs already extended on a diagonal reach the largest end among
    # them (a later run that does not pass it extends to that same end).
    group = np.r_[0, np.cumsum(diag[1:] != diag[:-1])]
    span = int(new_end.max()) + 1
    reached = np.maximum.accumulate(group * span + new_end) - group * span
    before = np.r_[-1, reached[:-1]]
    before[np.r_[True, diag[1:] != diag[:-1]]] = -1
    keep = (before < a_end) & (new_end - new_start >= settings.min_run_chars)
    return [
        _Run(s, e, s + d, e + d)
        for s, e, d in zip(
            new_start[keep].tolist(), new_end[keep].tolist(), diag[keep].tolist(), strict=True
        )
    ]


def merge_runs(runs: list[_Run], settings: TextSettings) -> list[_Run]:
    """Merge runs across small gaps on both sides (edits shift the diagonal).

    The runs may overlap by at most a shingle on either side: a longer
    overlap is the same text matched twice (a phrase of one side against its
    repeats on the other), and merging it would pair a short stretch with a
    long one.
    """
    runs = sorted(runs, key=lambda r: (r.a_start, r.b_start))
    merged: list[_Run] = []
    gap = settings.max_gap_chars
    least = -settings.shingle_chars
    for run in runs:
        for prev in reversed(merged[-4:]):
            a_gap = run.a_start - prev.a_end
            b_gap = run.b_start - prev.b_end
            if least <= a_gap <= gap and least <= b_gap <= gap and run.b_end > prev.b_start:
                prev.a_end = max(prev.a_end, run.a_end)
                prev.b_end = max(prev.b_end, run.b_end)
                break
        else:
            merged.append(_Run(run.a_start, run.a_end, run.b_start, run.b_end))
    return merged


def overlaps(start: int, end: int, taken: Iterable[tuple[int, int]]) -> bool:
    return any(start < e and s < end for s, e in taken)


def union_length(spans: Iterable[tuple[int, int]]) -> int:
    """Characters in the union of ``[start, end)`` spans."""
    total, end = 0, -1
    for s, e in sorted(spans):
        if e <= end:
            continue
        total += e - max(s, end)
        end = e
    return total


def align(a: Prepared, b: Prepared, boiler: Boilerplate, settings: TextSettings) -> list[Passage]:
    """Passages shared by two sections, not overlapping on either side, in order."""
    seeds = seed_runs(a, b, boiler.removed_array, settings)
    runs = merge_runs(extend_runs(a.norm.text, b.norm.text, seeds, settings), settings)
    runs.sort(key=lambda r: (-(r.a_end - r.a_start), r.a_start, r.b_start))
    taken_a: list[tuple[int, int]] = []
    taken_b: list[tuple[int, int]] = []
    out = []
    k = settings.shingle_chars
    hashes = a.hash_array()
    for run in runs:
        if overlaps(run.a_start, run.a_end, taken_a) or overlaps(run.b_start, run.b_end, taken_b):
            continue
        if not sides_agree(run.a_end - run.a_start, run.b_end - run.b_start, settings):
            continue
        live = live_shingles(hashes[run.a_start : run.a_end - k + 1], boiler, b.unique)
        chars = min(len(live) + k - 1, run.a_end - run.a_start) if len(live) else 0
        if chars < settings.min_passage_chars:
            continue
        taken_a.append((run.a_start, run.a_end))
        taken_b.append((run.b_start, run.b_end))
        rarity = mean_rarity(live, boiler)
        out.append(Passage(run.a_start, run.a_end, run.b_start, run.b_end, chars, rarity))
    return sorted(out, key=lambda p: (p.a_start, p.b_start))


def sides_agree(a_chars: int, b_chars: int, settings: TextSettings) -> bool:
    """A literal passage: both sides at least the passage minimum, neither
    longer than ``max_side_ratio`` times the other."""
    shorter, longer = sorted((a_chars, b_chars))
    return shorter >= settings.min_passage_chars and longer <= settings.max_side_ratio * shorter


def live_shingles(
    hashes: np.ndarray, boiler: Boilerplate, other: np.ndarray | None = None
) -> np.ndarray:
    """The shingles of a stretch that are not boilerplate (and that ``other``,
    a sorted array of the other side's distinct shingles, holds too), in order."""
    keep = ~members(hashes, boiler.removed_array)
    if other is not None:
        keep &= members(hashes, other)
    return hashes[keep]


def mean_rarity(shingles: np.ndarray, boiler: Boilerplate) -> float:
    """The mean of ``boiler.rarity`` over the shingles, summed in their order."""
    held = boiler.bidder_df.lookup(shingles)
    held = np.where(held == 0, 2, held)
    return sum((1.0 / np.maximum(1, held - 1)).tolist()) / len(shingles)
