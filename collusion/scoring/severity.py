"""Severity from weight: an alert's words follow its number.

An alert's severity is a function of the weight it can add to its pair's
score (``counted``: its ``log10_lr``, or at most ``ScoreSettings.weak_cap``
for a weak fact) and of the scoring model's flag weight ``W*``, the pair
weight whose calibrated score is the flag threshold
(``W* = (logit(flag_threshold) - intercept) / slope``, 3.20 with the shipped
constants):

- ``high`` (高): ``counted >= W*``: the fact alone sends its pair to the
  regulator;
- ``medium`` (中): ``counted >= ScoreSettings.medium_share * W*`` (half of it,
  1.60): two facts of this weight together flag a pair;
- ``low`` (低): less, and every weak fact, which never flags a pair alone
  or with other weak facts.

The alert's ``score`` is the calibrated score of the same ``counted``
weight, so severity and score rank alerts the same way: every high alert
scores at least the flag threshold, every medium one at least the score of
``medium_share * W*``, every low one less.

Words that call a pattern possibly chance (``CHANCE_WORDS`` in an alert's
summary) come only with a weak weight: such an alert is low and never flags a
pair on its own or with other weak facts.

The scoring stage (``score.weigh_alerts``) applies this rule to every
alert of every detector, whatever severity the detector proposed (detectors
sit below scoring and do not import it): a detector decides an alert's
weight and words, and its severity and score follow from the weight here.
"""

from __future__ import annotations

import math

from collusion.models import Weight
from collusion.settings import ScoreSettings

HIGH, MEDIUM, LOW = "high", "medium", "low"
# Words in a summary that call the finding possibly chance.
CHANCE_WORDS = ("可能为巧合", "可能是巧合", "或为巧合")


def flag_weight(settings: ScoreSettings) -> float:
    """The pair weight W* whose calibrated score is the flag threshold."""
    t = min(max(settings.flag_threshold, 1e-9), 1 - 1e-9)
    logit = math.log(t / (1 - t))
    return (logit - settings.calibration_intercept) / settings.calibration_slope


def medium_weight(settings: ScoreSettings) -> float:
    """The least weight of a medium alert: ``medium_share * W*``."""
    return settings.medium_share * flag_weight(settings)


def counted_weight(weight: Weight, settings: ScoreSettings) -> float:
    """What the fact can add to its pair alone: its weight, capped for a weak fact."""
    if weight.weak:
        return min(weight.log10_lr, settings.weak_cap)
    return weight.log10_lr


def severity_of(weight: Weight, settings: ScoreSettings) -> str:
    """high, medium or low, from the weight as the module doc says."""
    counted = counted_weight(weight, settings)
    if counted >= flag_weight(settings):
        return HIGH
    if counted >= medium_weight(settings) and not weight.weak:
        return MEDIUM
    return LOW


def says_chance(summary: str) -> bool:
    """Whether a summary calls its finding possibly chance."""
    return any(words in summary for words in CHANCE_WORDS)


def describe(settings: ScoreSettings) -> dict[str, object]:
    """The severity rule with its two weights, for the report's ``scoring``."""
    return {
        "rule": "high if counted weight >= flag_weight; medium if >= medium_weight "
        "(never for a weak fact); else low. counted = log10_lr, at most weak_cap for a weak fact",
        "flag_weight": round(flag_weight(settings), 4),
        "medium_weight": round(medium_weight(settings), 4),
    }
