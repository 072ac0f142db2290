"""The market of a tender whose archive row names no region, inferred from who bid in it.

Firms of one district bid in that district's tenders: without a region the
null model would compare them with the whole archive, and they would meet
more often than it explains. Markets are found as public-procurement network
studies find them (Wachs, Fazekas and Kertész 2021, "Corruption risk in
contracting markets: a network science perspective"): communities of the
co-bidding network. Every step is deterministic (firms and tenders in index
order, ties to the smallest number).

1. **Firm homes.** When some tenders name a region, a firm's home is the
   region it bid in most often. When none does, the homes are the markets
   among the communities of the firm-by-firm co-bidding graph: each tender
   adds ``1 / (n_t - 1)`` to every pair of its n_t bidders (Newman's
   projection), less what the two firms' degrees give them by chance
   (``k_i k_j / 2m``, kept where positive); communities by Louvain's
   modularity optimisation (Blondel et al. 2008). A community is a market
   when its members meet each other more than everyone else (a community in
   the weak sense, Radicchi et al. 2004) and it has more firms than the
   largest group the search tests (a market the size of a group could be
   that group: a ring); the firms of other communities join the market they
   meet most.
2. **A tender's market** starts as the home most of its bidders have, then
   is refined by a mixture of markets (classification EM): each market draws
   its bidders by their bids in its tenders, and each tender goes to the
   market most likely to have drawn all its bidders, until none moves. A
   firm bidding everywhere is about as likely in every market and weighs
   little. Tenders that name a region keep it.
3. **Firms bidding everywhere** (their bids spread over the markets about
   as the tenders do) meet each other above chance and glue districts
   together in a province's graph: the communities are found once more
   without them, they are no market's member, and a tender only they bid in
   keeps no market (it is compared with the other such tenders of its year).

Cost: two sparse products for the graph, a pass over the firms per Louvain
sweep (numpy per firm), a sparse product per round of the mixture: about a
second for a province's 5,000 firms and 100,000 tenders.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import sparse

from collusion.analysis.rings.market import Archive
from collusion.analysis.rings.settings import RingSettings

# A firm moves to another community only when that gains more than this
# (relative to the graph's total weight): no churn on rounding.
_MIN_GAIN = 1e-12
# Louvain sweeps over the firms per level at most (they converge in a few).
_MAX_SWEEPS = 50
# Rounds of the mixture's reassignment at most (it settles in a few).
_MAX_ROUNDS = 30
# Added to every firm's count in every market (Laplace's rule, halved):
# a firm never seen in a market is unlikely there, not impossible.
_SMOOTHING = 0.5
# Prefix of an inferred market's label in the strata (never a region name).
INFERRED_PREFIX = "~"


@dataclass(frozen=True)
class InferredMarkets:
    """Each tender's market label (the archive's region when it names one)."""

    regions: list[str | None]
    inferred_tenders: int  # tenders whose market was inferred
    markets: int  # distinct inferred markets among them
    from_communities: bool  # homes from the co-bidding graph (no region at all)


def cobidding_graph(archive: Archive) -> sparse.csr_matrix:
    """Firms x firms, each tender adding ``1 / (n_t - 1)`` to every pair of its bidders."""
    n_firms = len(archive.companies)
    keep = archive.tender_size[archive.bid_tender] >= 2
    scale = np.zeros(archive.tenders, dtype=np.float64)
    multi = archive.tender_size >= 2
    scale[multi] = 1.0 / np.sqrt(archive.tender_size[multi] - 1)
    values = scale[archive.bid_tender[keep]]
    incidence = sparse.csr_matrix(
        (values, (archive.bid_tender[keep], archive.bid_company[keep])),
        shape=(archive.tenders, n_firms),
    )
    graph = (incidence.T @ incidence).tocsr()
    graph.setdiag(0.0)
    graph.eliminate_zeros()
    return graph


def above_chance(graph: sparse.csr_matrix) -> sparse.csr_matrix:
    """The graph's weights minus what the firms' degrees give them by chance
    (``k_i k_j / 2m``), kept where positive: firms bidding everywhere meet
    every district about as often as their activity says, and drop out."""
    degree = np.asarray(graph.sum(axis=1)).ravel()
    total = float(degree.sum())
    out = graph.tocoo(copy=True)
    if total > 0:
        out.data = np.maximum(out.data - degree[out.row] * degree[out.col] / total, 0.0)
    result = out.tocsr()
    result.eliminate_zeros()
    return result


def louvain(graph: sparse.csr_matrix, resolution: float) -> np.ndarray:
    """Each node's community (numbered from 0 by smallest member), by Louvain."""
    labels = np.arange(graph.shape[0])
    level = graph
    while True:
        local = _one_level(level, resolution)
        _, compact = np.unique(local, return_inverse=True)
        if compact.max(initial=-1) + 1 == level.shape[0]:
            break
        labels = compact[labels]
        fold = sparse.csr_matrix(
            (np.ones(level.shape[0]), (np.arange(level.shape[0]), compact)),
            shape=(level.shape[0], int(compact.max()) + 1),
        )
        level = (fold.T @ level @ fold).tocsr()
    return _number_by_first(labels)


def _one_level(graph: sparse.csr_matrix, resolution: float) -> np.ndarray:
    """One Louvain level: each node moved to the neighbouring community that gains most."""
    n = graph.shape[0]
    degree = np.asarray(graph.sum(axis=1)).ravel()
    total = float(degree.sum())
    community = np.arange(n)
    if total <= 0:
        return community
    community_degree = degree.copy()
    indptr, indices, data = graph.indptr, graph.indices, graph.data
    for _ in range(_MAX_SWEEPS):
        moved = False
        for node in range(n):
            lo, hi = indptr[node], indptr[node + 1]
            others = indices[lo:hi]
            outside = others != node
            others, weights = others[outside], data[lo:hi][outside]
            if not len(others):
                continue
            own = community[node]
            community_degree[own] -= degree[node]
            near, where = np.unique(community[others], return_inverse=True)
            inside = np.bincount(where, weights=weights)
            gain = inside - resolution * degree[node] * community_degree[near] / total
            stay = np.flatnonzero(near == own)
            own_gain = (
                gain[stay[0]]
                if len(stay)
                else -resolution * degree[node] * community_degree[own] / total
            )
            best = int(np.argmax(gain))
            if gain[best] > own_gain + _MIN_GAIN * total:
                community[node] = near[best]
                moved = True
            community_degree[community[node]] += degree[node]
        if not moved:
            break
    return community


def _number_by_first(labels: np.ndarray) -> np.ndarray:
    """Communities renumbered 0, 1, ... in the order of their smallest member."""
    _, first = np.unique(labels, return_index=True)
    order = np.argsort(first, kind="stable")
    number = np.empty(len(order), dtype=np.int64)
    number[order] = np.arange(len(order))
    _, inverse = np.unique(labels, return_inverse=True)
    return number[inverse]


def markets_only(
    graph: sparse.csr_matrix, community: np.ndarray, share: float, min_firms: int
) -> np.ndarray:
    """Communities kept as markets and every other firm moved to its nearest market.

    A community is a market when more than ``share`` of its members' co-bidding
    weight is with each other (Radicchi et al.'s community in the weak sense)
    and it has more than ``min_firms`` firms: a firm bidding everywhere meets
    every district, and a market no larger than a group the search tests
    could be that group (a ring whose members meet each other above chance
    far more than their district). Their firms join the market they meet
    most (-1 when they meet none); markets are numbered by smallest member.
    """
    coo = graph.tocoo()
    count = int(community.max(initial=-1)) + 1
    same = community[coo.row] == community[coo.col]
    inside = np.bincount(community[coo.row[same]], weights=coo.data[same], minlength=count)
    degree = np.bincount(community[coo.row], weights=coo.data, minlength=count)
    size = np.bincount(community, minlength=count)
    is_market = (inside > share * degree) & (size > min_firms)
    homes = np.where(is_market[community], community, -1)
    loose = np.flatnonzero(homes < 0)
    if len(loose) and is_market.any():
        toward = is_market[community[coo.col]] & (homes[coo.row] < 0)
        rows, cols = coo.row[toward], community[coo.col[toward]]
        tally = sparse.csr_matrix((coo.data[toward], (rows, cols)), shape=(len(community), count))
        dense = tally[loose].toarray()
        best = np.argmax(dense, axis=1)  # the smallest community on a tie
        homes[loose] = np.where(dense.max(axis=1) > 0, best, -1)
    known = homes >= 0
    out = np.full(len(homes), -1, dtype=np.int64)
    if known.any():
        out[known] = _number_by_first(homes[known])
    return out


def region_homes(archive: Archive) -> tuple[np.ndarray, list[str]]:
    """Each firm's most frequent region among the tenders naming one (-1: none), and the names."""
    names = sorted({r for r in archive.tender_regions if r})
    number = {name: n for n, name in enumerate(names)}
    tender_region = np.array(
        [number[r] if r else -1 for r in archive.tender_regions], dtype=np.int64
    )
    bid_region = tender_region[archive.bid_tender]
    named = bid_region >= 0
    counts = np.zeros((len(archive.companies), max(len(names), 1)), dtype=np.int64)
    np.add.at(counts, (archive.bid_company[named], bid_region[named]), 1)
    homes = np.argmax(counts, axis=1)  # the first (smallest name) on a tie
    homes[counts.max(axis=1) == 0] = -1
    return homes, names


def plurality(archive: Archive, homes: np.ndarray) -> np.ndarray:
    """Each tender's home most of its bidders have (smallest on a tie; -1 when none has one)."""
    bid_home = homes[archive.bid_company]
    known = bid_home >= 0
    markets = int(homes.max(initial=-1)) + 1
    if not markets:
        return np.full(archive.tenders, -1, dtype=np.int64)
    tally = sparse.csr_matrix(
        (np.ones(int(known.sum())), (archive.bid_tender[known], bid_home[known])),
        shape=(archive.tenders, markets),
    ).toarray()
    out = np.argmax(tally, axis=1).astype(np.int64)
    out[tally.max(axis=1) <= 0] = -1
    return out


def refine_markets(archive: Archive, start: np.ndarray, fixed: np.ndarray) -> np.ndarray:
    """Each tender moved to the market that most likely drew its bidders, until none moves.

    A mixture of markets (classification EM): market m draws a bidder i with
    probability ``(c_im + a) / (B_m + a N)``, c_im the firm's bids in the
    market's tenders, and a tender goes to the market maximising the sum of
    its bidders' log-probabilities plus log of the market's share of tenders.
    A firm bidding everywhere is about as likely in every market and weighs
    little; ``fixed`` tenders (a named region) keep theirs.
    """
    markets = int(start.max(initial=-1)) + 1
    current = start.copy()
    if not markets:
        return current
    incidence = sparse.csr_matrix(
        (np.ones(archive.bids), (archive.bid_tender, archive.bid_company)),
        shape=(archive.tenders, len(archive.companies)),
    )
    free = ~fixed
    for _ in range(_MAX_ROUNDS):
        assigned = current >= 0
        rows = np.flatnonzero(assigned)
        pick = sparse.csr_matrix(
            (np.ones(len(rows)), (rows, current[rows])), shape=(archive.tenders, markets)
        )
        counts = (incidence.T @ pick).toarray()  # firms x markets
        totals = counts.sum(axis=0)
        log_p = np.log(counts + _SMOOTHING) - np.log(totals + _SMOOTHING * len(archive.companies))
        share = np.bincount(current[rows], minlength=markets) + _SMOOTHING
        score = incidence @ log_p + np.log(share / share.sum())
        best = np.argmax(score, axis=1).astype(np.int64)
        moved = free & (best != current) & (archive.tender_size > 0)
        if not moved.any():
            break
        current = np.where(moved, best, current)
    return current


def community_homes(raw: sparse.csr_matrix, keep: np.ndarray, settings: RingSettings) -> np.ndarray:
    """Each firm's market: the communities of the kept firms (the others alone),
    kept as markets when they are communities of the whole graph (``markets_only``)."""
    index = np.flatnonzero(keep)
    residual = above_chance(raw[index][:, index])
    communities = np.arange(raw.shape[0]) + raw.shape[0]
    communities[index] = louvain(residual, settings.market_resolution)
    _, communities = np.unique(communities, return_inverse=True)
    share, min_firms = settings.market_weak_share, settings.market_min_firms
    return markets_only(above_chance(raw), communities, share, min_firms)


def broad_firms(archive: Archive, market_of: np.ndarray, divergence: float) -> np.ndarray:
    """The firms whose bids spread over the markets about as the tenders do.

    A firm is broad when the Kullback-Leibler divergence of its bids' markets
    from all tenders' markets is below ``divergence``: a district's
    firm bids in its district (the divergence is ``ln`` of one over the
    district's share of tenders), a firm bidding everywhere follows the
    tenders. None is broad when there is one market.
    """
    firms = len(archive.companies)
    markets = int(market_of.max(initial=-1)) + 1
    if markets < 2:
        return np.zeros(firms, dtype=bool)
    bid_market = market_of[archive.bid_tender]
    known = bid_market >= 0
    tally = sparse.csr_matrix(
        (np.ones(int(known.sum())), (archive.bid_company[known], bid_market[known])),
        shape=(firms, markets),
    ).toarray()
    overall = np.bincount(market_of[market_of >= 0], minlength=markets).astype(np.float64)
    overall /= overall.sum()
    total = tally.sum(axis=1, keepdims=True)
    share = np.divide(tally, total, out=np.zeros_like(tally), where=total > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(share > 0, share * np.log(share / overall), 0.0)
    return (total[:, 0] > 0) & (terms.sum(axis=1) < divergence)


def infer_markets(archive: Archive, settings: RingSettings) -> InferredMarkets:
    """The archive's regions, with each tender that names none given its inferred market."""
    refine = settings.market_refine
    missing = [n for n, r in enumerate(archive.tender_regions) if not r]
    if not missing:
        return InferredMarkets(list(archive.tender_regions), 0, 0, False)
    homes, names = region_homes(archive)
    from_communities = not names
    named = np.array([bool(r) for r in archive.tender_regions])
    if from_communities:
        raw = cobidding_graph(archive)
        everyone = np.ones(len(archive.companies), dtype=bool)
        homes = community_homes(raw, everyone, settings)
        if refine:
            # Firms bidding everywhere meet each other above chance and glue
            # districts together: the communities are found again without them.
            first = refine_markets(archive, plurality(archive, homes), named)
            spread = broad_firms(archive, first, settings.market_broad_divergence)
            if settings.market_without_broad and spread.any() and not spread.all():
                homes = community_homes(raw, ~spread, settings)
                homes[spread] = -1  # no market's member: their tenders are told by the others
        names = [f"{INFERRED_PREFIX}{n + 1}" for n in range(int(homes.max(initial=-1)) + 1)]
    market_of = plurality(archive, homes)
    if refine:
        known = {name: n for n, name in enumerate(names)}
        for t, region in enumerate(archive.tender_regions):
            if region:
                market_of[t] = known[region]
        anchored = market_of >= 0  # a bidder with a market (or a named region)
        market_of = refine_markets(archive, market_of, named)
        market_of[~anchored] = -1  # only firms bidding everywhere: no market to tell
    regions = list(archive.tender_regions)
    used: set[int] = set()
    for t in missing:
        chosen = int(market_of[t])
        if chosen >= 0:
            regions[t] = names[chosen]
            used.add(chosen)
    inferred = sum(1 for t in missing if market_of[t] >= 0)
    return InferredMarkets(regions, inferred, len(used), from_communities)
