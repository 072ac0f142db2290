"""Combine alerts into a score per bidder pair, flags and groups.

The pair score is a noisy-OR of the scores of the alerts that name both
bidders: ``1 - prod(1 - s_i)``. Each detector gives its alert a score that
says how likely that one piece of evidence alone is to reflect a real link
(a lineage id ~0.95, a typed author name ~0.45, a shared IP ~0.15), so that
independent weak signs add up while no pile of weak signs reaches the weight
of one strong one too quickly. A noisy-OR rather than a fitted model because
there are no labelled real cases to calibrate on and a regulator can redo the
arithmetic from the report.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from itertools import combinations

from collusion.settings import ScoreSettings

# Values shorter than this (a name, a short code) are not merged across detectors.
MIN_KEY_CHARS = 6


@dataclass(frozen=True)
class PairScore:
    bidders: tuple[str, str]
    score: float
    flagged: bool
    alert_ids: tuple[str, ...]
    kinds: tuple[str, ...]


def same_value_key(alert: dict) -> str | None:
    """A key shared by alerts that report one value through two detectors.

    The deposit account in signatures.csv (shared_signature) and the same
    account written in both bids (shared_identifier) are one piece of
    evidence; counted twice, the noisy-OR would overstate the pair.
    """
    value = alert.get("details", {}).get("value")
    if not isinstance(value, str):
        return None
    compact = re.sub(r"[\W_]+", "", value).casefold()
    return compact if len(compact) >= MIN_KEY_CHARS else None


def independent_scores(alerts: list[dict]) -> list[float]:
    """Alert scores with each repeated value counted once, at its best score."""
    best: dict[str, float] = {}
    scores: list[float] = []
    for alert in alerts:
        key = same_value_key(alert)
        if key is None:
            scores.append(alert["score"])
        else:
            best[key] = max(best.get(key, 0.0), alert["score"])
    return scores + [best[key] for key in sorted(best)]


def noisy_or(scores: list[float]) -> float:
    remaining = 1.0
    for score in scores:
        remaining *= 1.0 - min(max(score, 0.0), 1.0)
    return 1.0 - remaining


def score_pairs(alerts: list[dict], settings: ScoreSettings) -> list[PairScore]:
    """Every bidder pair named together by at least one alert, sorted."""
    per_pair: dict[tuple[str, str], list[dict]] = defaultdict(list)
    for alert in alerts:
        for pair in combinations(sorted(set(alert["bidders"])), 2):
            per_pair[pair].append(alert)
    pairs = []
    for pair, pair_alerts in sorted(per_pair.items()):
        score = round(noisy_or(independent_scores(pair_alerts)), 4)
        pairs.append(PairScore(
            bidders=pair, score=score, flagged=score >= settings.flag_threshold,
            alert_ids=tuple(sorted(a["id"] for a in pair_alerts)),
            kinds=tuple(sorted({a["kind"] for a in pair_alerts}))))
    return pairs


def flagged_groups(pairs: list[PairScore]) -> list[dict]:
    """Connected sets of flagged pairs, each with its strongest pair's score."""
    parent: dict[str, str] = {}

    def find(node: str) -> str:
        while parent.setdefault(node, node) != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    flagged = [p for p in pairs if p.flagged]
    for pair in flagged:
        left, right = find(pair.bidders[0]), find(pair.bidders[1])
        if left != right:
            parent[max(left, right)] = min(left, right)
    members: dict[str, set[str]] = defaultdict(set)
    best: dict[str, float] = defaultdict(float)
    for pair in flagged:
        root = find(pair.bidders[0])
        members[root].update(pair.bidders)
        best[root] = max(best[root], pair.score)
    groups = [{"bidders": sorted(m), "score": best[root]} for root, m in members.items()]
    return sorted(groups, key=lambda g: (-g["score"], g["bidders"]))
