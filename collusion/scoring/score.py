"""Combine alerts into a score per bidder pair, flags and groups.

The model: likelihood ratios over distinct facts, calibrated.

1. Every alert names one fact (``Alert.key``: a document lineage, a file, a
   value, the text two bidders share) and carries its weight, the base-10
   logarithm of the fact's likelihood ratio ``LR = P(fact | the two collude) /
   P(fact | they are honest)``.
2. For a shared value (signature code, image, contact, identifier) the weight
   follows the record-linkage rule with frequency-based agreement weights
   (Fellegi and Sunter): ``log10_lr = log10(1 / u)`` where ``u``, the chance
   that two honest bidders both carry the value, is the largest of

   - ``u_field``: what the field is (a random lineage id 1e-4, a typed author
     name 0.02, a CPU model's id 0.1), a named constant per field;
   - ``max(0, k - 4) / (n - 2)``: the share of the project's other bidders
     that carry it beyond a ring of four (k of n carry it; a ring of up to
     four needs no honest carrier), so a value held by 6 of 12 bidders weighs
     log10(10/2) = 0.70 whatever it is, one held by 4 of 40 keeps its weight;
   - ``history_share`` when a caller gives one (none does yet): with a
     history, ``shared_signature`` instead sets aside a value that five or
     more different companies carried in other projects' bids (public) and
     keeps one carried by fewer at full weight, because a ring reuses its computers and
     documents under other companies' names, which the cross-project leads
     report; text frequent across past projects is boilerplate (layer d).

   ``collusion.detectors.weights.rarity_weight`` computes it for every detector.
   Text, price and document-mix facts weigh by their own measure (rare shared
   characters, the chance of a price pattern), documented in their detectors.
3. A pair's weight ``W`` is the sum of its distinct facts' weights (one key
   counts once, at its largest weight); weak facts (``Weight.weak``) together
   add at most ``ScoreSettings.weak_cap``, so that a CPU id, a title and an
   upload IP never flag a pair between them.
4. The pair score is ``1 / (1 + exp(-(a + b * W)))``: a logistic calibration
   of ``W`` whose ``a`` and ``b`` were fitted on labelled generated projects
   (``benchmarks/collusion_bench.py --fit``) and are in the report, so a
   regulator can redo the arithmetic from ``pairs[].terms``. A pair is
   flagged at ``ScoreSettings.flag_threshold``.
5. Each alert's severity is a function of its weight
   (``collusion.scoring.severity``: high when it alone would flag its pair),
   and its score is what it alone would score, so words and numbers agree.

Summing log-ratios treats the facts as independent given the pair's status;
that is why one fact (all the ids of one document, everything an identical
file implies) is one alert with one weight, not many.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, replace
from itertools import combinations
from typing import Any

from collusion.analysis.graph import component_roots
from collusion.models import Alert, Weight
from collusion.scoring.severity import counted_weight, describe, says_chance, severity_of
from collusion.settings import ScoreSettings


@dataclass(frozen=True)
class Term:
    """One fact's part in a pair's weight."""

    alert: str
    key: str
    log10_lr: float
    counted: float  # what it added: 0 for a repeated key, less when the weak cap bites
    weak: bool

    def to_dict(self) -> dict[str, Any]:
        return {
            "alert": self.alert,
            "key": self.key,
            "log10_lr": round(self.log10_lr, 4),
            "counted": round(self.counted, 4),
            "weak": self.weak,
        }


@dataclass(frozen=True)
class PairScore:
    bidders: tuple[str, str]
    score: float
    flagged: bool
    alert_ids: tuple[str, ...]
    kinds: tuple[str, ...]
    weight: float = 0.0
    terms: tuple[Term, ...] = ()


def probability(log10_lr: float, settings: ScoreSettings) -> float:
    """The calibrated score of a weight: 1 / (1 + exp(-(a + b W)))."""
    z = settings.calibration_intercept + settings.calibration_slope * log10_lr
    return 1.0 / (1.0 + math.exp(-max(-60.0, min(60.0, z))))


def weight_of_score(score: float, settings: ScoreSettings) -> float:
    """The weight whose calibrated score is ``score`` (for alerts that carry no weight)."""
    s = min(max(score, 1e-6), 1 - 1e-6)
    return max(
        0.0, (math.log(s / (1 - s)) - settings.calibration_intercept) / settings.calibration_slope
    )


def alert_weight(alert: Alert, settings: ScoreSettings) -> Weight:
    if alert.weight is not None:
        return alert.weight
    return Weight(
        log10_lr=weight_of_score(alert.score, settings),
        method="fixed",
        inputs={"score": alert.score},
    )


def weigh_alerts(alerts: list[Alert], settings: ScoreSettings) -> list[Alert]:
    """Each alert with its weight, its severity from that weight
    (``collusion.scoring.severity``) and, as its score, what it alone would
    score. An alert whose words call it possibly chance weighs as a weak fact."""
    out = []
    for alert in alerts:
        weight = alert_weight(alert, settings)
        if says_chance(alert.summary) and not weight.weak:
            weight = replace(weight, weak=True)
        score = round(probability(counted_weight(weight, settings), settings), 4)
        out.append(
            replace(alert, weight=weight, score=score, severity=severity_of(weight, settings))
        )
    return out


def pair_terms(alerts: list[Alert], settings: ScoreSettings) -> tuple[float, tuple[Term, ...]]:
    """A pair's weight: distinct keys summed, weak facts capped together."""
    best: dict[str, tuple[float, str]] = {}
    weights = {a.id or "": alert_weight(a, settings) for a in alerts}
    for alert in alerts:
        w = weights[alert.id or ""].log10_lr
        key = alert.key or f"alert:{alert.id}"
        if key not in best or w > best[key][0]:
            best[key] = (w, alert.id or "")
    counted_ids = {aid for _, aid in best.values()}
    weak_left = settings.weak_cap
    terms = []
    total = 0.0
    order = sorted(alerts, key=lambda a: (-weights[a.id or ""].log10_lr, a.id or ""))
    for alert in order:
        weight = weights[alert.id or ""]
        counted = weight.log10_lr if (alert.id or "") in counted_ids else 0.0
        if counted and weight.weak:
            counted = min(counted, weak_left)
            weak_left -= counted
        total += counted
        terms.append(
            Term(
                alert=alert.id or "",
                key=alert.key or f"alert:{alert.id}",
                log10_lr=weight.log10_lr,
                counted=counted,
                weak=weight.weak,
            )
        )
    return total, tuple(sorted(terms, key=lambda t: t.alert))


def score_pairs(alerts: list[Alert], settings: ScoreSettings) -> list[PairScore]:
    """Every bidder pair named together by at least one alert, sorted."""
    per_pair: dict[tuple[str, str], list[Alert]] = defaultdict(list)
    for alert in alerts:
        for pair in combinations(sorted(set(alert.bidders)), 2):
            per_pair[pair].append(alert)
    pairs = []
    for pair, pair_alerts in sorted(per_pair.items()):
        total, terms = pair_terms(pair_alerts, settings)
        score = round(probability(total, settings), 4)
        pairs.append(
            PairScore(
                bidders=pair,
                score=score,
                flagged=score >= settings.flag_threshold,
                alert_ids=tuple(sorted(a.id or "" for a in pair_alerts)),
                kinds=tuple(sorted({a.kind for a in pair_alerts})),
                weight=round(total, 4),
                terms=terms,
            )
        )
    return pairs


def model_description(settings: ScoreSettings) -> dict[str, Any]:
    """The scoring model's constants, for the report (``scoring``)."""
    return {
        "model": "sum of log10 likelihood ratios over distinct facts, logistic calibration",
        "formula": "score = 1 / (1 + exp(-(intercept + slope * weight))); "
        "weight = sum of counted log10_lr over the pair's distinct facts",
        "intercept": settings.calibration_intercept,
        "slope": settings.calibration_slope,
        "weak_cap": settings.weak_cap,
        "flag_threshold": settings.flag_threshold,
        "severity": describe(settings),
    }


def flagged_groups(pairs: list[PairScore]) -> list[dict]:
    """Connected sets of flagged pairs, each with its strongest pair's score
    and weight, the strongest first."""
    flagged = [p for p in pairs if p.flagged]
    roots = component_roots((pair.bidders[0], pair.bidders[1]) for pair in flagged)
    members: dict[str, set[str]] = defaultdict(set)
    best: dict[str, float] = defaultdict(float)
    heaviest: dict[str, float] = defaultdict(float)
    for pair in flagged:
        root = roots[pair.bidders[0]]
        members[root].update(pair.bidders)
        best[root] = max(best[root], pair.score)
        heaviest[root] = max(heaviest[root], pair.weight)
    groups = [
        {"bidders": sorted(m), "score": best[root], "weight": heaviest[root]}
        for root, m in members.items()
    ]
    return sorted(groups, key=lambda g: (-g["weight"], -g["score"], g["bidders"]))
