"""A group's co-bidding against the null model: its tenders and their chance.

A group's tenders are those in which at least q of its k members bid. Cover
bidding puts most members in each of the ring's tenders, while a rotating
ring sends fewer at a time: the quorum q is chosen per group, as the one
(from 2 to k) under which the observed count is least likely. The expected
count for each q sums, over the tenders of the members' strata, the chance
that at least q members are drawn (a Poisson-binomial over their pi_it),
and the chance of the observed count is the Poisson tail, as for pairs.
Trying k - 1 quorums is paid for in the group's threshold
(``collusion.analysis.rings``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from collusion.analysis.rings.market import Archive, Market
from collusion.analysis.rings.null import poisson_tail_log10


@dataclass(frozen=True)
class GroupChance:
    """The group's tenders under its quorum, against the null."""

    quorum: int  # members that must bid for a tender to be the group's
    observed: int  # tenders with at least ``quorum`` members
    expected: float  # ... expected under the null
    log10_chance: float  # log10 P(Poisson(expected) >= observed)


def members_present(archive: Archive, members: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray]:
    """(tenders in which any member bid, how many members bid in each), in tender order."""
    tenders = np.concatenate([archive.bid_tender[archive.bids_of(m)] for m in members])
    unique, count = np.unique(tenders, return_counts=True)
    return unique, count


def expected_at_least(market: Market, members: tuple[int, ...]) -> np.ndarray:
    """E_q for q = 0 .. k: the expected number of tenders with at least q members."""
    k = len(members)
    survival = np.zeros(k + 1)
    counts = [market.strata_of(m) for m in members]
    shared = sorted({s for c in counts for s in c if sum(1 for d in counts if s in d) >= 2})
    for stratum in shared:
        tenders = market.tenders_of[stratum]
        rates = [c[stratum] / market.bids[stratum] for c in counts if stratum in c]
        sizes = market.size[tenders].astype(np.float64)
        # at[:, j]: the chance that exactly j of the members are drawn.
        at = np.zeros((len(tenders), k + 1))
        at[:, 0] = 1.0
        for rate in rates:
            pi = np.minimum(1.0, sizes * rate)[:, None]
            moved = at * pi
            at *= 1 - pi
            at[:, 1:] += moved[:, :-1]
        # P(at least q) = sum over j >= q.
        survival += at[:, ::-1].cumsum(axis=1)[:, ::-1].sum(axis=0)
    return survival


def group_chance(archive: Archive, market: Market, members: tuple[int, ...]) -> GroupChance:
    """The quorum under which the group's co-bidding is least likely, and that chance."""
    _, count = members_present(archive, members)
    expected = expected_at_least(market, members)
    best: GroupChance | None = None
    for q in range(2, len(members) + 1):
        observed = int(np.count_nonzero(count >= q))
        chance = poisson_tail_log10(observed, float(expected[q]))
        option = GroupChance(q, observed, float(expected[q]), chance)
        if best is None or (chance, -observed) < (best.log10_chance, -best.observed):
            best = option
    assert best is not None, "a group has at least two members"
    return best
