"""Group copies: text a ring of three or more bidders shares, told from stock text.

Text held by k bidders weighs 1/(k - 1) per character (``Boilerplate.rarity``),
so that a stock paragraph of a public template, held by three to ten honest
bidders, weighs little between any two of them. The same rule would let a ring
of four that copied its lead's plan pass almost unseen: each of its pairs
shares the text at a third of its weight.

What tells them apart is the set of bidders holding the text. Honest bidders
take stock text independently of one another, one piece at a time, so the
set of bidders holding one stock piece is not the set holding another. A ring
copies the lead's plan into every member's bid, so the same set ``S`` holds
text in several separate places. The test, for each set ``S`` of k bidders
(``group_min_bidders`` <= k <= ``group_max_bidders``):

- a *unit* of ``S`` is a section of a member holding at least
  ``group_min_shingles`` non-boilerplate 5-grams held by exactly the bidders
  of ``S``; ``m`` is the fewest units of any member (a stock piece is taken
  once; it may span two windows in one bid but not in every bid);
- under independent picking, each of the project's ``U`` units of size k
  lands on a set of k bidders chosen with each bidder's own propensity (the
  share of units it holds: a bidder that uses many templates meets others
  more often), that is with probability ``prod(r_b) / e_k(r)`` for odds
  ``r_b`` and ``e_k`` the elementary symmetric polynomial;
- the expected number of sets receiving ``m`` or more of the ``U`` units is at
  most ``U^m / m! * e_k(r^m) / e_k(r)^m`` (the Poisson bound
  ``P(X >= m) <= lambda^m / m!`` summed over every set): that is the test's
  p-value, over every set of the project at once.

Propensities are estimated from every unit of three or more holders (any
size), leaving out the tested set's own units, with one pseudo-unit in and
one out per bidder (Laplace's rule).

A set with ``m >= group_min_sections`` and ``p <= group_max_p`` is a *group
copy*: for every pair of its members the text alert's weight gains
``-log10(p)`` (capped, ``near_duplicate_text.GROUP_MAX_LOG10_LR``), as a price
pattern gains the log of its chance. Text one stock piece brings to several
bidders, or a ring copying one single section, gains nothing: within one
project these cannot be told from a template. Text found in past projects
(history, boilerplate layer d) never reaches this test.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from collusion.analysis.distinct import unique_sorted
from collusion.analysis.text.settings import TextSettings
from collusion.analysis.text.shingles import Prepared


def _empty_keys() -> np.ndarray:
    return np.zeros(0, dtype=np.uint32)


@dataclass(frozen=True)
class GroupCopy:
    """Text held by exactly these bidders in several separate places."""

    bidders: tuple[str, ...]
    sections: int  # m: the fewest sections of any member holding the group's text
    shingles: int  # distinct 5-grams held by exactly these bidders
    units: int  # U: the project's units held by exactly k bidders (k = len(bidders))
    p_value: float  # bound on the chance that independent picking gives this

    def to_dict(self) -> dict:
        return {
            "bidders": list(self.bidders),
            "sections": self.sections,
            "shingles": self.shingles,
            "units_of_this_size": self.units,
            "p_value": float(f"{self.p_value:.3g}"),
        }


def elementary_symmetric(values: Sequence[float], k: int) -> float:
    """e_k(values): the sum over every k-subset of the product of its values."""
    e = [1.0] + [0.0] * k
    for v in values:
        for j in range(k, 0, -1):
            e[j] += e[j - 1] * v
    return e[k]


def coincidence_p(m: int, units: int, odds: Sequence[float], k: int) -> float:
    """Bound on the expected number of k-sets receiving m of ``units`` units
    placed independently with these odds (and so on the chance of one)."""
    norm = elementary_symmetric(odds, k)
    if m <= 0 or norm <= 0:
        return 1.0
    bound = units**m / math.factorial(m) * elementary_symmetric([r**m for r in odds], k)
    return min(1.0, bound / norm**m)


@dataclass(frozen=True)
class HolderSets:
    """Non-boilerplate 5-grams held by three or more bidders, by exact holder set."""

    bidders: list[str]
    keys: np.ndarray  # sorted 5-grams
    set_of: np.ndarray  # each 5-gram's set index
    sets: list[tuple[int, ...]]  # bidder indexes of each set


def holder_sets(
    prepared: Sequence[Prepared], removed: np.ndarray, min_holders: int, min_shingles: int
) -> HolderSets:
    """Every 5-gram held by ``min_holders`` or more bidders, with its holder set,
    for the sets holding at least ``min_shingles`` 5-grams (fewer can make no
    unit: most of a project's hundreds of thousands of sets hold a few)."""
    per_bidder: dict[str, list[np.ndarray]] = defaultdict(list)
    for p in prepared:
        per_bidder[p.bidder].append(p.unique)
    bidders = sorted(per_bidder)
    rows, owners = [_empty_keys()], [np.zeros(0, dtype=np.int32)]
    for index, bidder in enumerate(bidders):
        held = _without(unique_sorted(np.concatenate(per_bidder[bidder])), removed)
        rows.append(held)
        owners.append(np.full(len(held), index, dtype=np.int32))
    shingles, holders = np.concatenate(rows), np.concatenate(owners)
    order = np.lexsort((holders, shingles))
    shingles, holders = shingles[order], holders[order]
    keys, starts, counts = np.unique(shingles, return_index=True, return_counts=True)
    all_keys, all_sets = [_empty_keys()], [np.zeros(0, dtype=np.int64)]
    sets: list[tuple[int, ...]] = []
    for k in np.unique(counts[counts >= min_holders]).tolist():
        chosen = counts == k
        matrix = holders[starts[chosen][:, None] + np.arange(k)[None, :]]
        distinct, inverse = np.unique(matrix, axis=0, return_inverse=True)
        inverse = inverse.reshape(-1)
        big = np.flatnonzero(np.bincount(inverse, minlength=len(distinct)) >= min_shingles)
        renumber = np.full(len(distinct), -1, dtype=np.int64)
        renumber[big] = np.arange(len(big)) + len(sets)
        kept = renumber[inverse]
        all_keys.append(keys[chosen][kept >= 0])
        all_sets.append(kept[kept >= 0])
        sets.extend(tuple(int(x) for x in row) for row in distinct[big])
    keys_out, sets_out = np.concatenate(all_keys), np.concatenate(all_sets)
    order = np.argsort(keys_out, kind="stable")
    return HolderSets(bidders, keys_out[order], sets_out[order], sets)


def units_per_set(
    prepared: Sequence[Prepared], found: HolderSets, min_chars: int
) -> dict[int, int]:
    """m for every set: the fewest sections of any member holding at least
    ``min_chars`` of the 5-grams held by exactly that set (sets with m > 0)."""
    per_set: dict[int, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    position = {b: i for i, b in enumerate(found.bidders)}
    keys = found.keys
    for p in prepared:
        at = np.searchsorted(keys, p.unique).clip(0, len(keys) - 1)
        in_sets = found.set_of[at[keys[at] == p.unique]]
        if not len(in_sets):
            continue
        tally = np.bincount(in_sets)
        for s in np.flatnonzero(tally >= min_chars).tolist():
            per_set[s][position[p.bidder]] += 1
    fewest = {s: min(per.get(b, 0) for b in found.sets[s]) for s, per in per_set.items()}
    return {s: m for s, m in fewest.items() if m > 0}


def find_group_copies(
    prepared: Sequence[Prepared], removed: np.ndarray, settings: TextSettings
) -> tuple[GroupCopy, ...]:
    """The project's group copies (see the module doc)."""
    if not len(prepared):
        return ()
    found = holder_sets(prepared, removed, settings.group_min_bidders, settings.group_min_shingles)
    if not found.sets:
        return ()
    units = units_per_set(prepared, found, settings.group_min_shingles)
    total = sum(units.values())
    carried = np.zeros(len(found.bidders))
    size_units: dict[int, int] = defaultdict(int)
    for s, m in units.items():
        carried[list(found.sets[s])] += m
        size_units[len(found.sets[s])] += m
    held_by = np.bincount(found.set_of, minlength=len(found.sets))
    groups = []
    for s, m in sorted(units.items()):
        k = len(found.sets[s])
        if m < settings.group_min_sections or not (
            settings.group_min_bidders <= k <= settings.group_max_bidders
        ):
            continue
        others = carried.copy()  # leave the tested set's own units out
        others[list(found.sets[s])] -= m
        share = (others + 1) / (total - m + 2)
        p = coincidence_p(m, size_units[k], (share / (1 - share)).tolist(), k)
        if p <= settings.group_max_p:
            members = tuple(found.bidders[i] for i in found.sets[s])
            groups.append(GroupCopy(members, m, int(held_by[s]), size_units[k], p))
    return tuple(sorted(groups, key=lambda g: g.bidders))


def _without(values: np.ndarray, removed: np.ndarray) -> np.ndarray:
    if not len(removed) or not len(values):
        return values
    at = np.searchsorted(removed, values).clip(0, len(removed) - 1)
    return values[removed[at] != values]
