"""Co-bidding counts against the null model: which pairs bid together more often than chance.

Under the null (``collusion.analysis.rings.market``) companies i and j meet in
tender t with probability pi_it * pi_jt, so their expected meetings are
``E_ij = sum_s c_is c_js * sum_{t in s} n_t^2 / B_s^2``. The observed count C_ij
is a sum of independent Bernoulli draws (Poisson-binomial); its upper tail is
bounded by that of a Poisson law with the same mean (Anderson & Samuels 1967:
for C >= E + 1 the Poisson tail is the larger), so ``P(Poisson(E) >= C)`` is a
conservative chance. Pairs below a seed chance start the search for groups
(``collusion.analysis.rings``), which tests each group as a whole.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from collusion.analysis.rings.market import Archive, Market

LN10 = math.log(10.0)
# Terms of the Poisson tail's series added until the next is this small a share.
_SERIES_PRECISION = 1e-17


@dataclass(frozen=True)
class PairTests:
    """The pairs that bid together at least ``min_cobids`` times."""

    a: np.ndarray  # company index, a < b
    b: np.ndarray
    observed: np.ndarray  # C_ij: tenders both bid in
    expected: np.ndarray  # E_ij under the null
    # log10 P(Poisson(E) >= C); 0 when C <= E; NaN when surely above the threshold
    log10_chance: np.ndarray
    seed: float  # the seed chance (log10) below which log10_chance is exact
    eligible: int  # companies with at least min_cobids bids

    @property
    def seeds(self) -> np.ndarray:
        """The pairs whose chance is at most the seed chance."""
        with np.errstate(invalid="ignore"):
            return self.log10_chance <= self.seed


def poisson_tail_log10(k: int, mu: float) -> float:
    """log10 P(X >= k) for X ~ Poisson(mu); 0.0 (a chance taken as 1) when k <= mu.

    Summed from the k-th term upwards in logs, so that chances far below the
    smallest float (a ring meeting fifty times where chance gives one) stay exact.
    """
    if k <= mu or k <= 0:
        return 0.0
    mu = max(mu, 1e-300)
    log_first = -mu + k * math.log(mu) - math.lgamma(k + 1)
    total, term, x = 1.0, 1.0, k
    while True:
        x += 1
        term *= mu / x
        total += term
        if term < _SERIES_PRECISION * total:
            break
    return min(0.0, (log_first + math.log(total)) / LN10)


def cobid_counts(archive: Archive) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(a, b, count) of every pair of companies that bid in a tender together, a < b."""
    n_companies = len(archive.companies)
    size, start = archive.tender_size, archive.tender_start
    keys = []
    for n in np.unique(size[size >= 2]):
        tenders = np.flatnonzero(size == n)
        members = archive.bid_company[start[tenders][:, None] + np.arange(n)].astype(np.int64)
        first, second = np.triu_indices(int(n), 1)
        keys.append((members[:, first] * n_companies + members[:, second]).ravel())
    if not keys:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, empty
    pairs, counts = np.unique(np.concatenate(keys), return_counts=True)
    return pairs // n_companies, pairs % n_companies, counts


def expected_cobids(market: Market, a: np.ndarray, b: np.ndarray, companies: int) -> np.ndarray:
    """E_ij for the pairs (a, b): one pass per stratum over the pairs."""
    expected = np.zeros(len(a), dtype=np.float64)
    weight = np.divide(
        market.size_sq,
        market.bids**2,
        out=np.zeros_like(market.size_sq),
        where=market.bids > 0,
    )
    for stratum in range(market.strata):
        column = market.column(stratum, companies)
        expected += column[a] * column[b] * weight[stratum]
    return expected


def log_factorials(top: int) -> np.ndarray:
    """ln k! for k = 0 .. top."""
    return np.concatenate(([0.0], np.cumsum(np.log(np.arange(1, top + 1, dtype=np.float64)))))


def pair_tests(
    archive: Archive, market: Market, min_cobids: int, seed: float, budget: int
) -> PairTests:
    """Every pair meeting at least ``min_cobids`` times, with its chance under the null
    (exact up to the seed chance, in log10; NaN above it). The seed chance is ``seed``,
    or lower when more than ``budget`` pairs would pass it by chance."""
    a, b, observed = cobid_counts(archive)
    keep = observed >= min_cobids
    a, b, observed = a[keep], b[keep], observed[keep]
    expected = expected_cobids(market, a, b, len(archive.companies))
    eligible = int(np.count_nonzero(np.bincount(archive.bid_company) >= min_cobids))
    seed = min(seed, math.log10(budget / max(len(a), 1)))
    threshold = seed
    chance = np.zeros(len(a), dtype=np.float64)
    # P(X = C) is a lower bound of the tail: pairs it already puts above the
    # threshold are not significant and need no exact tail.
    above = observed > expected
    safe = np.maximum(expected, 1e-300)
    log_pmf = np.full(len(a), np.inf)
    if len(a):
        factorials = log_factorials(int(observed.max()))
        log_pmf[above] = (
            -safe[above] + observed[above] * np.log(safe[above]) - factorials[observed[above]]
        ) / LN10
    for i in np.flatnonzero(log_pmf <= threshold):
        chance[i] = poisson_tail_log10(int(observed[i]), float(expected[i]))
    chance[above & (log_pmf > threshold)] = np.nan  # above the threshold; not computed
    return PairTests(a, b, observed, expected, chance, seed, eligible)
