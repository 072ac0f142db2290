"""Rings across tenders: groups of companies that bid together more often than chance.

Reads top to bottom in :func:`find_rings`: the market of each tender that
names no region (``inferred``), the market's strata and participation
(``market``), every pair's co-bidding against the null model
(``null``), candidate groups grown from the cliques of unlikely pairs
(``groups``, :func:`refine`), the test that lists a group, what is measured of
each listed group (``measures``), its score, and the order. Pure functions
over the arrays of :class:`Archive`; ``collusion.store.rings`` reads them
from the history.

**The test.** A group of k companies is listed when the chance, under the
null, that at least q of them bid together in as many tenders as they did
(``chance``: q chosen per group) is at most ``alpha / (S * C(N, k) * (k - 1))``:
Bonferroni over every group of every tested size and every quorum that could
have been tried, N the companies with enough bids.
How the candidates were found does not change that bound, so the search may
try many of them.

**The score** is the weighted mean of four parts, each in [0, 1]:

- co-bidding: ``min(1, log10(1/chance) / (2 * d))``, d the digits of the
  group's threshold: 0.5 at the threshold, 1 at twice its digits;
- exclusivity, as measured;
- rotation, as measured;
- prices: where the group tenders' CV and RD sit among the market's tenders.

A part that cannot be measured (no winners, no prices) is left out and the
other weights count in proportion.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from collusion.analysis.rings.chance import group_chance
from collusion.analysis.rings.groups import seed_groups
from collusion.analysis.rings.inferred import InferredMarkets, infer_markets
from collusion.analysis.rings.market import Archive, Market, market
from collusion.analysis.rings.measures import (
    GroupMeasures,
    market_screens,
    measure_group,
    price_suspicion,
)
from collusion.analysis.rings.null import PairTests, pair_tests
from collusion.analysis.rings.settings import RingSettings

__all__ = ["Archive", "Ring", "RingResult", "RingSettings", "find_rings"]

# A change to a candidate group is kept only when it lowers the group's excess
# (log10 chance minus threshold) by more than this: no churn on rounding.
_IMPROVEMENT = 1e-9


@dataclass(frozen=True)
class Ring:
    """A group that bid together more often than chance, with its score and parts."""

    measures: GroupMeasures
    threshold: float  # log10 of the chance the group had to beat
    score: float
    parts: dict[str, float | None]  # cobidding, exclusivity, rotation, prices


@dataclass(frozen=True)
class RingResult:
    """The search's outcome over one archive."""

    archive: Archive
    market: Market
    pairs: PairTests
    rings: list[Ring]  # most suspicious first
    market_screens: dict[str, float | None]  # medians over the market's tenders
    candidates: int  # candidate groups tested
    inferred: InferredMarkets  # the markets of tenders that named no region


def find_rings(archive: Archive, settings: RingSettings | None = None) -> RingResult:
    """The groups of the archive that bid together more often than chance, most suspicious first."""
    settings = settings or RingSettings()
    inferred = (
        infer_markets(archive, settings)
        if settings.infer_markets
        else InferredMarkets(list(archive.tender_regions), 0, 0, False)
    )
    model = market(archive, inferred.regions)
    pairs = pair_tests(
        archive, model, settings.min_cobids, settings.seed_log10_chance, settings.seed_budget
    )
    seeds = pairs.seeds
    edges = [(int(a), int(b)) for a, b in zip(pairs.a[seeds], pairs.b[seeds], strict=True)]
    starts, adjacent = seed_groups(edges)
    search = _Search(archive, model, settings, pairs.eligible, adjacent)
    found = [search.refine(tuple(start)) for start in starts]
    listed = _distinct([g for g in found if search.excess(g) <= 0], search)
    reference = market_screens(archive, settings.min_bids, settings.market_screen_tenders)
    rings = []
    for members in listed:
        measures = measure_group(archive, model, members, settings.min_bids)
        threshold = search.threshold(len(members))
        parts = score_parts(measures, threshold, reference, settings)
        rings.append(Ring(measures, threshold, weighted_score(parts, settings), parts))
    rings.sort(key=lambda r: (-r.score, r.measures.log10_chance, r.measures.members))
    medians = {
        name: (round(float(np.median(v)), 6) if len(v) else None) for name, v in reference.items()
    }
    return RingResult(archive, model, pairs, rings, medians, len(search.seen), inferred)


class _Search:
    """Candidate groups, each measured once: the group test and the greedy refinement."""

    def __init__(
        self,
        archive: Archive,
        model: Market,
        settings: RingSettings,
        eligible: int,
        adjacent: dict[int, set[int]],
    ) -> None:
        self.archive = archive
        self.model = model
        self.settings = settings
        self.eligible = max(eligible, 2)
        self.adjacent = adjacent
        self.seen: dict[tuple[int, ...], float] = {}

    def threshold(self, size: int) -> float:
        """log10 of alpha / (S * C(N, k) * (k - 1)): every group, size and quorum tried."""
        sizes = self.settings.max_group_size - 1
        groups = math.comb(max(self.eligible, size), size)
        return (
            math.log10(self.settings.alpha)
            - math.log10(sizes)
            - math.log10(groups)
            - math.log10(size - 1)
        )

    def excess(self, members: tuple[int, ...]) -> float:
        """The group's log10 chance minus its threshold: at most 0 to be listed."""
        if members not in self.seen:
            chance = group_chance(self.archive, self.model, members)
            too_few = chance.observed < self.settings.min_cobids
            excess = chance.log10_chance - self.threshold(len(members))
            self.seen[members] = math.inf if too_few else excess
        return self.seen[members]

    def refine(self, start: tuple[int, ...]) -> tuple[int, ...]:
        """Add or drop one member at a time while that lowers the excess."""
        group = tuple(sorted(start))
        best = self.excess(group)
        while True:
            options = [tuple(sorted((*group, c))) for c in self._neighbours(group)]
            if len(group) > 2:
                options += [tuple(m for m in group if m != drop) for drop in group]
            scored = sorted((self.excess(o), o) for o in options)
            if not scored or scored[0][0] >= best - _IMPROVEMENT:
                return group
            best, group = scored[0]

    def _neighbours(self, group: tuple[int, ...]) -> list[int]:
        """Companies tied by a seed pair to at least half of the members."""
        if len(group) >= self.settings.max_group_size:
            return []
        ties: dict[int, int] = {}
        for member in group:
            for other in self.adjacent.get(member, ()):
                ties[other] = ties.get(other, 0) + 1
        return sorted(c for c, n in ties.items() if c not in group and 2 * n >= len(group))


def _distinct(groups: list[tuple[int, ...]], search: _Search) -> list[tuple[int, ...]]:
    """The groups, most unlikely first, without one sharing half its members with a kept one."""
    kept: list[tuple[int, ...]] = []
    for group in sorted(set(groups), key=lambda g: (search.excess(g), g)):
        if all(2 * len(set(group) & set(k)) < len(group) for k in kept):
            kept.append(group)
    return kept


def score_parts(
    measures: GroupMeasures,
    threshold: float,
    reference: dict[str, np.ndarray],
    settings: RingSettings,
) -> dict[str, float | None]:
    """The four parts of the score, each in [0, 1] or None when not measurable."""
    digits = -threshold
    cobidding = min(1.0, -measures.log10_chance / (2 * digits)) if digits > 0 else 1.0
    prices = None
    if measures.screened_tenders >= settings.min_screened_tenders:
        prices = price_suspicion(measures.tender_screens, reference)
    return {
        "cobidding": round(cobidding, 6),
        "exclusivity": round(min(1.0, measures.exclusivity), 6),
        "rotation": measures.rotation,
        "prices": prices,
    }


def weighted_score(parts: dict[str, float | None], settings: RingSettings) -> float:
    """The weighted mean of the measurable parts."""
    weights = {
        "cobidding": settings.weight_cobidding,
        "exclusivity": settings.weight_exclusivity,
        "rotation": settings.weight_rotation,
        "prices": settings.weight_prices,
    }
    used = {k: (v, weights[k]) for k, v in parts.items() if v is not None and weights[k] > 0}
    total = sum(w for _, w in used.values())
    return round(sum(v * w for v, w in used.values()) / total, 6)
