"""Stage 4, ``verify``: every candidate confirmed exactly, or rejected.

Exact Jaccard and containment on the remaining (non-boilerplate) shingles,
or the weighted parameter match; ``unit_param_matches`` compares the
parameters of whole heading-sections that were cut into windows.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from collusion.analysis.text.candidates import group_pairs, pair_codes
from collusion.analysis.text.parameters import (
    ParamIndex,
    ParamMatch,
    evidence_params,
    match_evidence,
)
from collusion.analysis.text.settings import TextSettings
from collusion.analysis.text.shingles import Prepared


def params_match(match: ParamMatch, settings: TextSettings) -> bool:
    """Enough distinct shared parameters, weighing enough: a near-duplicate."""
    distinct = len({p.key for p, _ in match.shared})
    return (
        distinct >= settings.param_min_matches
        and match.score >= settings.param_match_min
        and match.order_score >= settings.param_order_min
    )


def _param_candidate_min(settings: TextSettings) -> int:
    """Distinct shared keys that make a pair of heading-sections a candidate:
    fewer than a match needs, because a key shared in several of the windows
    of a long section counts once here."""
    return max(2, settings.param_min_matches // 2)


def unit_param_matches(
    prepared: Sequence[Prepared], index: ParamIndex, settings: TextSettings
) -> list[SectionMatch]:
    """Parameter matches between whole heading-sections cut into windows: a
    paraphrase shifts the window boundaries, its parameters stay together."""
    split = [u for u in index.units if len(u) > 1]
    if not split:
        return []
    units = list(index.units)
    unit_params = [
        index.evidence[u[0]]
        if len(u) == 1
        else evidence_params([q for sid in u for q in index.evidence[sid][0]], index.weight)
        for u in units
    ]
    bidder_ids = {b: n for n, b in enumerate(sorted({p.bidder for p in prepared}))}
    owner = np.array([bidder_ids[prepared[u[0]].bidder] for u in units], dtype=np.int32)
    # Unit pairs of different bidders sharing keys, with how many (keys held
    # by more than param_max_postings units left out), in (i, j) order.
    number: dict[str, int] = {}
    keys: list[int] = []
    ids: list[int] = []
    for n, (params, _) in enumerate(unit_params):
        for key in {q.key for q in params}:
            keys.append(number.setdefault(key, len(number)))
            ids.append(n)
    first, second = group_pairs(
        np.array(keys, dtype=np.int64), np.array(ids, dtype=np.int64), settings.param_max_postings
    )
    codes, shared = np.unique(pair_codes(first, second, owner, len(units)), return_counts=True)
    whole = np.array([len(u) == 1 for u in units], dtype=bool)  # a unit of one section
    first, second = codes // len(units), codes % len(units)
    keep = (shared >= _param_candidate_min(settings)) & ~(whole[first] & whole[second])
    out = []
    for i, j in zip(first[keep].tolist(), second[keep].tolist(), strict=True):
        if not _masses_close(unit_params[i][1], unit_params[j][1], settings):
            continue
        match = match_evidence(unit_params[i], unit_params[j], index.weight)
        if params_match(match, settings):
            a, b = match.shared[0][0].section, match.shared[0][1].section
            out.append(SectionMatch(a, b, 0, 0.0, 0.0, match, by_text=False, by_params=True))
    return out


def _masses_close(mass_a: float, mass_b: float, settings: TextSettings) -> bool:
    """Whether two parameter masses allow a match at all: the weight shared is
    at most the smaller mass, and must reach ``param_match_min`` of the larger
    (a necessary condition, so most pairs are dropped without matching)."""
    return min(mass_a, mass_b) >= settings.param_match_min * max(mass_a, mass_b)


@dataclass(frozen=True)
class SectionMatch:
    """A confirmed pair of sections with its exact measures."""

    a: int
    b: int
    shared: int  # remaining shingles in both
    jaccard: float
    containment: float  # shared / the smaller section's remaining shingles
    params: ParamMatch
    by_text: bool
    by_params: bool


def verify(
    a: Prepared,
    b: Prepared,
    kept: Mapping[int, np.ndarray],
    index: ParamIndex,
    settings: TextSettings,
) -> SectionMatch | None:
    """Confirm a candidate exactly; None when it is not a near-duplicate."""
    ka, kb = kept[a.id], kept[b.id]
    shared = len(np.intersect1d(ka, kb, assume_unique=True))
    union = len(ka) + len(kb) - shared
    jaccard = shared / union if union else 0.0
    containment = shared / min(len(ka), len(kb)) if len(ka) and len(kb) else 0.0
    by_text = shared >= settings.confirm_shared_shingles or (
        shared >= settings.min_shared_shingles
        and (jaccard >= settings.jaccard_min or containment >= settings.containment_min)
    )
    evidence_a, evidence_b = index.evidence[a.id], index.evidence[b.id]
    if not by_text and not _masses_close(evidence_a[1], evidence_b[1], settings):
        return None  # no parameter match is possible either
    params = match_evidence(evidence_a, evidence_b, index.weight)
    by_params = params_match(params, settings)
    if not (by_text or by_params):
        return None
    return SectionMatch(a.id, b.id, shared, jaccard, containment, params, by_text, by_params)
