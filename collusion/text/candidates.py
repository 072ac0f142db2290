"""Stage 3, candidate section pairs from three indexes, sorted.

``lsh_candidates``: ``MinHashLSH`` (Jaccard path); ``rare_candidates``: an
inverted index of shingles held by few bidders (containment path: a section
copied into a larger one, a passage copied into two otherwise different
sections); ``param_candidates``: an inverted index of rare technical
parameters (paraphrase path). Sorted: LSH order is arbitrary.

LSH parameters. With ``num_perm=128`` split into b=64 bands of r=2 rows, the
probability that a section pair of Jaccard s becomes a candidate is
``1 - (1 - s**2)**64``::

    s        0.02   0.05   0.10   0.15   0.20   0.30   0.50
    P(cand)  0.025  0.148  0.474  0.767  0.927  0.998  1.000

Confirmation needs Jaccard >= 0.2 (or containment >= 0.5, found by the
rare-shingle index instead), so recall at and above the threshold is at
least 0.93 and 0.998 from s = 0.3; sections of unrelated text (s < 0.02 once
boilerplate is removed) rarely become candidates, and the few that do are
rejected by the exact check. datasketch's own choice for a 0.2 threshold
(b=28, r=2, weighing false positives and negatives equally) recalls 0.68 of
the pairs at s = 0.2 and 0.47 at s = 0.15.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from itertools import combinations

from datasketch import MinHashLSH

from collusion import minhash
from collusion.text.boilerplate import (
    Boilerplate,
)
from collusion.text.parameters import (
    ParamIndex,
)
from collusion.text.settings import TextSettings
from collusion.text.shingles import Prepared


def cross_pair(a: Prepared, b: Prepared) -> tuple[int, int] | None:
    """The ordered id pair of two sections of different bidders, else None."""
    if a.bidder == b.bidder:
        return None
    return (a.id, b.id) if a.id < b.id else (b.id, a.id)


def lsh_candidates(
    prepared: Sequence[Prepared], kept: Mapping[int, frozenset[int]], settings: TextSettings
) -> set[tuple[int, int]]:
    """Section pairs from MinHashLSH over the remaining shingles."""
    eligible = [p for p in prepared if len(kept[p.id]) >= settings.min_section_shingles]
    if len(eligible) < 2:
        return set()
    minhashes = minhash.minhashes(
        [kept[p.id] for p in eligible], num_perm=settings.num_perm, seed=settings.minhash_seed
    )
    lsh = MinHashLSH(num_perm=settings.num_perm, params=(settings.lsh_bands, settings.lsh_rows))
    for p, mh in zip(eligible, minhashes, strict=True):
        lsh.insert(p.id, mh)
    out = set()
    for p, mh in zip(eligible, minhashes, strict=True):
        for other in sorted(lsh.query(mh)):
            pair = cross_pair(p, prepared[other])
            if pair:
                out.add(pair)
    return out


def _count_co_postings(
    postings: Iterable[list[int]], prepared: Sequence[Prepared], max_postings: int
) -> Counter[tuple[int, int]]:
    """How many postings lists each cross-bidder section pair appears in together."""
    counts: Counter[tuple[int, int]] = Counter()
    for ids in postings:
        if len(ids) > max_postings:
            continue
        for i, j in combinations(ids, 2):
            pair = cross_pair(prepared[i], prepared[j])
            if pair:
                counts[pair] += 1
    return counts


def rare_candidates(
    prepared: Sequence[Prepared],
    kept: Mapping[int, frozenset[int]],
    boiler: Boilerplate,
    settings: TextSettings,
) -> set[tuple[int, int]]:
    """Section pairs sharing many shingles held by few bidders (containment path)."""
    postings: dict[int, list[int]] = defaultdict(list)
    for p in prepared:
        for s in kept[p.id]:
            if 2 <= boiler.bidder_df.get(s, 0) <= settings.rare_max_bidders:
                postings[s].append(p.id)
    counts = _count_co_postings(postings.values(), prepared, settings.rare_max_postings)
    return {pair for pair, n in counts.items() if n >= settings.rare_min_shared}


def param_candidates(
    prepared: Sequence[Prepared], index: ParamIndex, settings: TextSettings
) -> set[tuple[int, int]]:
    """Section pairs sharing enough weighted parameters to be worth matching."""
    postings: dict[str, list[int]] = defaultdict(list)
    for p in prepared:
        for key in sorted({q.key for q in index.params[p.id]}):
            if index.weight.get(key, 0) > 0:
                postings[key].append(p.id)
    counts = _count_co_postings(postings.values(), prepared, settings.param_max_postings)
    return {pair for pair, n in counts.items() if n >= settings.param_min_matches}
