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

from collections.abc import Mapping, Sequence

import numpy as np

from collusion.analysis import minhash
from collusion.analysis.distinct import unique_sorted
from collusion.analysis.text.boilerplate import Boilerplate
from collusion.analysis.text.parameters import ParamIndex
from collusion.analysis.text.settings import TextSettings
from collusion.analysis.text.shingles import Prepared


def cross_pair(a: Prepared, b: Prepared) -> tuple[int, int] | None:
    """The ordered id pair of two sections of different bidders, else None."""
    if a.bidder == b.bidder:
        return None
    return (a.id, b.id) if a.id < b.id else (b.id, a.id)


def _owners(prepared: Sequence[Prepared]) -> np.ndarray:
    """The bidder of each section id, as small integers."""
    names = {bidder: n for n, bidder in enumerate(sorted({p.bidder for p in prepared}))}
    return np.array([names[p.bidder] for p in prepared], dtype=np.int32)


def pair_codes(i: np.ndarray, j: np.ndarray, owner: np.ndarray, sections: int) -> np.ndarray:
    """Section pairs of different bidders as one int64 each (low id * n + high id)."""
    keep = owner[i] != owner[j]
    i, j = i[keep].astype(np.int64), j[keep].astype(np.int64)
    return np.minimum(i, j) * sections + np.maximum(i, j)


def _decode(codes: np.ndarray, sections: int) -> set[tuple[int, int]]:
    return {(int(c // sections), int(c % sections)) for c in unique_sorted(codes).tolist()}


def group_pairs(
    keys: np.ndarray, ids: np.ndarray, max_group: int | None
) -> tuple[np.ndarray, np.ndarray]:
    """Every pair of ids that share a key (each key's group of ids taken in
    full up to ``max_group``; larger groups are skipped, or with ``max_group``
    None are never skipped)."""
    if not len(keys):
        return ids[:0], ids[:0]
    order = np.lexsort((ids, keys))
    keys, ids = keys[order], ids[order]
    starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])
    sizes = np.diff(np.r_[starts, len(keys)])
    firsts: list[np.ndarray] = []
    seconds: list[np.ndarray] = []
    for size in np.unique(sizes[sizes >= 2]).tolist():
        if max_group is not None and size > max_group:
            continue
        rows = ids[starts[sizes == size][:, None] + np.arange(size)]
        upper_i, upper_j = np.triu_indices(size, 1)
        firsts.append(rows[:, upper_i].ravel())
        seconds.append(rows[:, upper_j].ravel())
    if not firsts:
        empty = np.zeros(0, dtype=ids.dtype)
        return empty, empty
    return np.concatenate(firsts), np.concatenate(seconds)


def signatures(kept: Sequence[np.ndarray], settings: TextSettings) -> np.ndarray:
    """The MinHash values of each shingle set, one row per set."""
    return minhash.minhash_values(kept, settings.num_perm, settings.minhash_seed)


def lsh_candidates(
    prepared: Sequence[Prepared], kept: Mapping[int, np.ndarray], settings: TextSettings
) -> set[tuple[int, int]]:
    """Section pairs whose MinHashes agree on all rows of at least one band
    (MinHash LSH, banded in numpy: the pairs ``MinHashLSH`` would return)."""
    eligible = np.array(
        [p.id for p in prepared if len(kept[p.id]) >= settings.min_section_shingles],
        dtype=np.int64,
    )
    if len(eligible) < 2:
        return set()
    values = signatures([kept[int(i)] for i in eligible], settings)
    owner = _owners(prepared)
    codes = []
    r = settings.lsh_rows
    for band in range(settings.lsh_bands):
        rows = np.ascontiguousarray(values[:, band * r : (band + 1) * r])
        _, key = np.unique(rows.view(np.dtype((np.void, 8 * r))).ravel(), return_inverse=True)
        i, j = group_pairs(key.ravel(), eligible, None)
        codes.append(pair_codes(i, j, owner, len(prepared)))
    return _decode(np.concatenate(codes), len(prepared))


def _co_posting_pairs(
    keys: np.ndarray,
    ids: np.ndarray,
    owner: np.ndarray,
    sections: int,
    max_postings: int,
    min_shared: int,
) -> set[tuple[int, int]]:
    """Cross-bidder section pairs that appear together in at least
    ``min_shared`` postings lists of at most ``max_postings`` sections."""
    i, j = group_pairs(keys, ids, max_postings)
    codes, counts = np.unique(pair_codes(i, j, owner, sections), return_counts=True)
    return _decode(codes[counts >= min_shared], sections)


def rare_candidates(
    prepared: Sequence[Prepared],
    kept: Mapping[int, np.ndarray],
    boiler: Boilerplate,
    settings: TextSettings,
) -> set[tuple[int, int]]:
    """Section pairs sharing many shingles held by few bidders (containment path)."""
    keys: list[np.ndarray] = []
    ids: list[np.ndarray] = []
    for p in prepared:
        shingles = kept[p.id]
        held = boiler.bidder_df.lookup(shingles)
        rare = shingles[(held >= 2) & (held <= settings.rare_max_bidders)]
        keys.append(rare)
        ids.append(np.full(len(rare), p.id, dtype=np.int64))
    if not keys:
        return set()
    return _co_posting_pairs(
        np.concatenate(keys),
        np.concatenate(ids),
        _owners(prepared),
        len(prepared),
        settings.rare_max_postings,
        settings.rare_min_shared,
    )


def param_candidates(
    prepared: Sequence[Prepared], index: ParamIndex, settings: TextSettings
) -> set[tuple[int, int]]:
    """Section pairs sharing enough weighted parameters to be worth matching."""
    number: dict[str, int] = {}
    keys: list[int] = []
    ids: list[int] = []
    for p in prepared:
        for key in sorted({q.key for q in index.evidence[p.id][0]}):
            if index.weight.get(key, 0) > 0:
                keys.append(number.setdefault(key, len(number)))
                ids.append(p.id)
    if not keys:
        return set()
    return _co_posting_pairs(
        np.array(keys, dtype=np.int64),
        np.array(ids, dtype=np.int64),
        _owners(prepared),
        len(prepared),
        settings.param_max_postings,
        settings.param_min_matches,
    )
