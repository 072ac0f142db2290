"""Technical parameters (数值+单位 with their term): the paraphrase path.

Extracted per section, weighted by rarity in the project, matched in order
(weighted LCS); used by the candidates and the exact confirmation.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from collusion.analysis.text.boilerplate import (
    common_cutoff,
)
from collusion.analysis.text.paramtext import Param, extract_params
from collusion.analysis.text.settings import TextSettings
from collusion.analysis.text.shingles import Prepared
from collusion.models import Section


def weighted_lcs(
    a: Sequence[str], b: Sequence[str], weight: Mapping[str, float]
) -> tuple[float, list[tuple[int, int]]]:
    """Weighted longest common subsequence of two key sequences, with the matched indices."""
    n, m = len(a), len(b)
    table = [[0.0] * (m + 1) for _ in range(n + 1)]
    for i in range(n - 1, -1, -1):
        row, below = table[i], table[i + 1]
        for j in range(m - 1, -1, -1):
            if a[i] == b[j]:
                row[j] = weight.get(a[i], 0.0) + below[j + 1]
            else:
                row[j] = max(below[j], row[j + 1])
    pairs = []
    i = j = 0
    while i < n and j < m:
        if a[i] == b[j] and math.isclose(table[i][j], weight.get(a[i], 0.0) + table[i + 1][j + 1]):
            pairs.append((i, j))
            i, j = i + 1, j + 1
        elif table[i + 1][j] >= table[i][j + 1]:
            i += 1
        else:
            j += 1
    return table[0][0], pairs


@dataclass(frozen=True)
class ParamIndex:
    """Each section's parameters that weigh, and each key's weight (rarity in the project)."""

    # section id -> its parameters that weigh (weight > 0), in order, and
    # their total weight (found once: a section is compared with many candidates)
    evidence: Mapping[int, Evidence]
    weight: Mapping[str, float]  # key -> ln((bidders + 1) / holders); 0 = not evidence
    units: tuple[tuple[int, ...], ...] = ()  # the windows of each heading-section


Evidence = tuple[tuple[Param, ...], float]  # the parameters that weigh, their total weight


def evidence_params(params: Sequence[Param], weight: Mapping[str, float]) -> Evidence:
    items = tuple(p for p in params if weight.get(p.key, 0) > 0)
    return items, sum(weight[p.key] for p in items)


WINDOW_SUFFIX = re.compile(
    r"（第\d+段）$"
)  # what collusion.analysis.sections adds to a window's title


def section_units(prepared: Sequence[Prepared]) -> tuple[tuple[int, ...], ...]:
    """Windows of one heading-section grouped again: (bidder, file, title) -> ids."""
    units: dict[tuple[str, str, str], list[int]] = defaultdict(list)
    for p in prepared:
        base = WINDOW_SUFFIX.sub("", p.section.title)
        units[(p.bidder, p.section.file, base)].append(p.id)
    return tuple(tuple(ids) for _, ids in sorted(units.items()))


def build_param_index(
    prepared: Sequence[Prepared], tender: Sequence[Section], settings: TextSettings
) -> ParamIndex:
    """Extract parameters; weigh each key by rarity, the tender's and common ones 0."""
    tender_keys = {q.key for s in tender for q in extract_params(s.text)}
    held: dict[str, set[str]] = defaultdict(set)  # bidder -> the keys it writes
    for p in prepared:
        held[p.bidder].update(p.params.keys_list())
    holders = Counter(key for keys in held.values() for key in keys)
    bidders = len(held)
    cutoff = common_cutoff(bidders, settings)
    weight = {}
    for key, who in holders.items():
        if key in tender_keys or who >= cutoff or who < 2:
            weight[key] = 0.0
        else:
            weight[key] = math.log((bidders + 1) / who)
    weighing = {key for key, w in weight.items() if w > 0}
    evidence = {
        p.id: evidence_params(p.params.params_with(p.id, weighing), weight) for p in prepared
    }
    return ParamIndex(evidence, weight, section_units(prepared))


@dataclass(frozen=True)
class ParamMatch:
    """Technical parameters two sections share.

    ``score`` is the weighted overlap of the two parameter multisets over the
    larger one's weight (order-free: a paraphrase reorders sentences but keeps
    the numbers; over the larger, because a long section holds some of any
    short one's numbers by chance); ``order_score`` the weighted longest
    common subsequence over the same total (how much is also in order).
    """

    shared: tuple[tuple[Param, Param], ...]  # a's parameter and b's, in a's order
    score: float
    order_score: float


NO_PARAM_MATCH = ParamMatch((), 0.0, 0.0)


def match_params(a: Sequence[Param], b: Sequence[Param], weight: Mapping[str, float]) -> ParamMatch:
    """The weighted overlap (and in-order overlap) of two sections' parameters."""
    return match_evidence(evidence_params(a, weight), evidence_params(b, weight), weight)


def match_evidence(a: Evidence, b: Evidence, weight: Mapping[str, float]) -> ParamMatch:
    """``match_params`` of two sections' ``evidence_params``."""
    (items_a, total_a), (items_b, total_b) = a, b
    total = max(total_a, total_b)
    if total <= 0 or not items_a or not items_b:
        return NO_PARAM_MATCH
    pool: dict[str, list[Param]] = defaultdict(list)
    for q in items_b:
        pool[q.key].append(q)
    shared = []
    for p in items_a:
        if pool.get(p.key):
            shared.append((p, pool[p.key].pop(0)))
    if not shared:
        return NO_PARAM_MATCH
    overlap = sum(weight[p.key] for p, _ in shared)
    used = {id(y) for _, y in shared}
    in_order, _ = weighted_lcs(
        [p.key for p, _ in shared], [q.key for q in items_b if id(q) in used], weight
    )
    return ParamMatch(tuple(shared), overlap / total, in_order / total)
