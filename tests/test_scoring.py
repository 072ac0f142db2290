"""Pair scores, flags and groups from alerts: log-likelihood ratios over distinct facts."""

from __future__ import annotations

import math

import pytest

from collusion.detectors.weights import rarity_weight
from collusion.errors import SettingsError
from collusion.keys import fact_key
from collusion.models import Alert, Weight
from collusion.scoring.score import (
    flagged_groups,
    probability,
    score_pairs,
)
from collusion.settings import ScoreSettings

SETTINGS = ScoreSettings()


def _alert(
    aid: str,
    bidders: list[str],
    log10_lr: float,
    *,
    key: str | None = None,
    weak: bool = False,
    kind: str = "shared_signature",
) -> Alert:
    return Alert(
        kind=kind,
        severity="high",
        score=0.0,
        bidders=tuple(bidders),
        basis="",
        summary="",
        key=key if key is not None else f"k:{aid}",
        id=aid,
        weight=Weight(log10_lr=log10_lr, method="fixed", weak=weak),
    )


def test_the_score_is_the_documented_logistic_of_the_summed_weights() -> None:
    [pair] = score_pairs(
        [_alert("A1", ["b1", "b2"], 1.5), _alert("A2", ["b1", "b2"], 2.0)], SETTINGS
    )
    z = SETTINGS.calibration_intercept + SETTINGS.calibration_slope * 3.5
    assert pair.weight == pytest.approx(3.5)
    assert pair.score == pytest.approx(round(1 / (1 + math.exp(-z)), 4))
    assert [(t.alert, t.counted) for t in pair.terms] == [("A1", 1.5), ("A2", 2.0)]


def test_one_key_counts_once_at_its_largest_weight() -> None:
    alerts = [
        _alert("A1", ["b1", "b2"], 4.0, key="lineage:x"),
        _alert("A2", ["b1", "b2"], 1.7, key="lineage:x"),
    ]
    [pair] = score_pairs(alerts, SETTINGS)
    assert pair.weight == pytest.approx(4.0)
    assert pair.alert_ids == ("A1", "A2")  # both still listed


def test_weak_signs_never_add_up_to_a_flag() -> None:
    weak = [_alert(f"A{i}", ["b1", "b2"], 1.0, weak=True) for i in range(6)]
    [pair] = score_pairs(weak, SETTINGS)
    assert pair.weight == pytest.approx(SETTINGS.weak_cap)
    assert not pair.flagged


def test_one_strong_fact_flags_weak_alone_do_not() -> None:
    alerts = [_alert("A1", ["b1", "b2"], 4.0), _alert("A2", ["b3", "b4"], 1.0, weak=True)]
    pairs = {p.bidders: p for p in score_pairs(alerts, SETTINGS)}
    assert pairs[("b1", "b2")].flagged
    assert not pairs[("b3", "b4")].flagged


def test_weight_of_a_value_falls_with_the_number_of_bidders_carrying_it() -> None:
    two = rarity_weight(1e-4, holders=2, bidders=12)
    ring = rarity_weight(1e-4, holders=4, bidders=40)
    six = rarity_weight(1e-4, holders=6, bidders=12)
    assert two.log10_lr == pytest.approx(4.0)
    assert ring.log10_lr == pytest.approx(4.0)  # a ring of four needs no honest carrier
    assert six.log10_lr == pytest.approx(math.log10(10 / 2))  # u = (6-4)/(12-2)
    assert six.inputs["u"] == pytest.approx(0.2)
    assert probability(six.log10_lr, SETTINGS) < SETTINGS.flag_threshold


def test_alert_naming_three_bidders_scores_every_pair() -> None:
    pairs = score_pairs([_alert("A0001", ["b3", "b1", "b2"], 4.0)], SETTINGS)
    assert [p.bidders for p in pairs] == [("b1", "b2"), ("b1", "b3"), ("b2", "b3")]


def test_groups_are_connected_flagged_pairs() -> None:
    alerts = [
        _alert("A1", ["b1", "b2"], 4.0),
        _alert("A2", ["b2", "b3"], 4.5),
        _alert("A3", ["b5", "b6"], 5.0),
        _alert("A4", ["b7", "b8"], 0.5),
    ]
    pairs = score_pairs(alerts, SETTINGS)
    groups = flagged_groups(pairs)
    assert [g["bidders"] for g in groups] == [["b5", "b6"], ["b1", "b2", "b3"]]


def test_settings_validate_themselves() -> None:
    with pytest.raises(SettingsError):
        ScoreSettings(flag_threshold=0)
    with pytest.raises(SettingsError):
        ScoreSettings(flag_threshold=1.5)
    with pytest.raises(SettingsError):
        ScoreSettings(calibration_slope=0)


def test_one_value_written_two_ways_has_one_key() -> None:
    assert fact_key("6222 0210 0112 3456 789") == fact_key("6222021001123456789")
