"""Pair scores, flags and groups from alerts."""

from __future__ import annotations

import pytest

from collusion.errors import SettingsError
from collusion.scoring import flagged_groups, noisy_or, score_pairs
from collusion.settings import ScoreSettings


def _alert(aid: str, bidders: list[str], score: float, kind: str = "shared_signature") -> dict:
    return {"id": aid, "bidders": bidders, "score": score, "kind": kind}


def test_noisy_or_by_hand() -> None:
    assert noisy_or([]) == 0.0
    assert noisy_or([0.45, 0.45]) == pytest.approx(1 - 0.55 * 0.55)
    assert noisy_or([0.95]) == pytest.approx(0.95)


def test_one_strong_or_two_medium_flag_weak_alone_do_not() -> None:
    alerts = [
        _alert("A0001", ["b1", "b2"], 0.95),
        _alert("A0002", ["b3", "b4"], 0.45), _alert("A0003", ["b3", "b4"], 0.45),
        _alert("A0004", ["b5", "b6"], 0.15), _alert("A0005", ["b5", "b6"], 0.15),
        _alert("A0006", ["b5", "b6"], 0.15),
    ]
    pairs = {p.bidders: p for p in score_pairs(alerts, ScoreSettings())}
    assert pairs[("b1", "b2")].flagged
    assert pairs[("b3", "b4")].flagged
    assert pairs[("b3", "b4")].score == pytest.approx(0.6975)
    assert not pairs[("b5", "b6")].flagged
    assert pairs[("b3", "b4")].alert_ids == ("A0002", "A0003")


def test_alert_naming_three_bidders_scores_every_pair() -> None:
    pairs = score_pairs([_alert("A0001", ["b3", "b1", "b2"], 0.95)], ScoreSettings())
    assert [p.bidders for p in pairs] == [("b1", "b2"), ("b1", "b3"), ("b2", "b3")]


def test_groups_are_connected_flagged_pairs() -> None:
    alerts = [_alert("A1", ["b1", "b2"], 0.95), _alert("A2", ["b2", "b3"], 0.7),
              _alert("A3", ["b5", "b6"], 0.99), _alert("A4", ["b7", "b8"], 0.2)]
    groups = flagged_groups(score_pairs(alerts, ScoreSettings()))
    assert groups == [{"bidders": ["b5", "b6"], "score": 0.99},
                      {"bidders": ["b1", "b2", "b3"], "score": 0.95}]


def test_settings_validate_themselves() -> None:
    with pytest.raises(SettingsError):
        ScoreSettings(flag_threshold=0)
    with pytest.raises(SettingsError):
        ScoreSettings(flag_threshold=1.5)


def test_one_value_reported_by_two_detectors_counts_once() -> None:
    account = {"value": "6222 0210 0112 3456 789"}
    alerts = [
        {**_alert("A1", ["b1", "b2"], 0.45, "shared_signature"), "details": account},
        {**_alert("A2", ["b1", "b2"], 0.45, "shared_identifier"),
         "details": {"value": "6222021001123456789"}},
    ]
    [pair] = score_pairs(alerts, ScoreSettings())
    assert pair.score == pytest.approx(0.45)
    assert not pair.flagged
    assert pair.alert_ids == ("A1", "A2")  # both still listed as evidence
