"""Severity from weight (collusion/scoring/severity.py): words and numbers agree."""

from __future__ import annotations

import math

import pytest

from collusion.models import Alert, Weight
from collusion.scoring.score import probability, score_pairs, weigh_alerts
from collusion.scoring.severity import (
    counted_weight,
    flag_weight,
    medium_weight,
    severity_of,
)
from collusion.settings import ScoreSettings

SETTINGS = ScoreSettings()


def alert(log10_lr: float, *, weak: bool = False, summary: str = "摘要", aid: str = "A1") -> Alert:
    return Alert(
        kind="price_pattern",
        severity="high",  # what a detector proposed; the rule decides
        score=0.0,
        bidders=("b1", "b2"),
        basis="",
        summary=summary,
        key=f"k:{aid}",
        id=aid,
        weight=Weight(log10_lr=log10_lr, method="fixed", weak=weak),
    )


def test_the_flag_weight_is_where_the_calibrated_score_reaches_the_threshold():
    w = flag_weight(SETTINGS)
    assert w == pytest.approx(3.2012, abs=1e-4)
    assert probability(w, SETTINGS) == pytest.approx(SETTINGS.flag_threshold)
    assert medium_weight(SETTINGS) == pytest.approx(w / 2)


@pytest.mark.parametrize(
    ("log10_lr", "weak", "expected"),
    [
        (4.0, False, "high"),
        (3.21, False, "high"),
        (3.19, False, "medium"),
        (1.7, False, "medium"),  # a typed author name: two of them flag a pair
        (1.59, False, "low"),
        (1.0, False, "low"),  # the 中 with a score of 0.0016 of issue 20
        (0.0, False, "low"),
        (4.0, True, "low"),  # a weak fact never flags, whatever its weight
        (1.7, True, "low"),
    ],
)
def test_severity_follows_the_weight(log10_lr, weak, expected):
    assert severity_of(Weight(log10_lr, "fixed", weak=weak), SETTINGS) == expected


def test_weighing_sets_severity_and_score_from_the_counted_weight():
    weighed = weigh_alerts([alert(1.0, aid="A1"), alert(5.0, aid="A2", weak=True)], SETTINGS)
    assert [a.severity for a in weighed] == ["low", "low"]
    assert weighed[1].score == round(probability(SETTINGS.weak_cap, SETTINGS), 4)


def test_words_of_chance_never_come_with_a_weight_that_flags():
    """A strong weight under words that call it possibly chance counts as weak:
    low, and its pair is not flagged on it."""
    summary = "b1、b2 的投标报价完全相同，为整数报价，可能为巧合"
    [weighed] = weigh_alerts([alert(6.0, summary=summary)], SETTINGS)
    assert weighed.weight is not None and weighed.weight.weak
    assert weighed.severity == "low"
    [pair] = score_pairs([weighed], SETTINGS)
    assert not pair.flagged


def test_severity_and_score_rank_alike_over_a_range_of_weights():
    weights = [i / 10 for i in range(0, 80)]
    weighed = weigh_alerts(
        [alert(w, aid=f"A{i}", weak=i % 7 == 0) for i, w in enumerate(weights)], SETTINGS
    )
    assert_severity_and_score_agree(weighed, SETTINGS)


def assert_severity_and_score_agree(alerts: list, settings: ScoreSettings) -> None:
    """Every alert's severity is the rule's for its weight, its score the
    calibrated score of the same counted weight, and no lower severity
    scores above a higher one."""
    order = {"high": 0, "medium": 1, "low": 2}
    for a in alerts:
        weight = a.weight if isinstance(a, Alert) else Weight(**_weight_args(a["weight"]))
        severity = a.severity if isinstance(a, Alert) else a["severity"]
        score = a.score if isinstance(a, Alert) else a["score"]
        assert severity == severity_of(weight, settings), a
        assert math.isclose(
            score, round(probability(counted_weight(weight, settings), settings), 4), abs_tol=1e-4
        ), a
    by_level: dict[str, list[float]] = {"high": [], "medium": [], "low": []}
    for a in alerts:
        s = a.severity if isinstance(a, Alert) else a["severity"]
        by_level[s].append(a.score if isinstance(a, Alert) else a["score"])
    levels = sorted((lv for lv in by_level if by_level[lv]), key=order.get)
    for upper, lower in zip(levels, levels[1:], strict=False):
        assert min(by_level[upper]) >= max(by_level[lower])
    for score in by_level["high"]:
        assert score >= settings.flag_threshold


def _weight_args(data: dict) -> dict:
    return {
        "log10_lr": data["log10_lr"],
        "method": data["method"],
        "weak": data.get("weak", False),
    }
