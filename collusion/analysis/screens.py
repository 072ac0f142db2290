"""Tender-level screens: what the whole set of bids looks like, never a pair accusation.

The bid-rigging literature's screens (Huber & Imhof 2019; Imhof, Karagök &
Rutz 2018) over one tender's bids, and the features a screens model
(``collusion.analysis.screens_model``) is trained on. Every feature is
scale-free (a ratio of prices, a standardised moment, a count), so that a
model fitted in one region can be applied to tenders of another price level.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from collusion.labels import SCREEN_LABELS


@dataclass(frozen=True)
class Screen:
    """A screen's name in the report and what it measures, in words a regulator reads."""

    label: str
    definition: str


SCREEN_NAMES = ("cv", "spread", "diffp", "rd", "skewness", "kurtosis", "ks")
# The screens, then the features a model may use besides them; words from collusion.labels.
SCREENS = {name: Screen(*SCREEN_LABELS[name]) for name in SCREEN_NAMES}
EXTRA_FEATURES = {
    name: Screen(*SCREEN_LABELS[name]) for name in ("bids", "mean_discount", "min_discount")
}
FEATURES = {**SCREENS, **EXTRA_FEATURES}
CONTROL_FEATURES = frozenset({"mean_discount", "min_discount"})
DEFAULT_FEATURES = (*SCREENS, "bids")

SCREEN_DECIMALS = 6


def _sample_sd(xs: Sequence[float]) -> float:
    mean = sum(xs) / len(xs)
    return math.sqrt(sum((x - mean) ** 2 for x in xs) / (len(xs) - 1))


def screens(prices: Iterable[float], min_bids: int) -> dict[str, dict[str, object]]:
    """The bid-rigging screens over one project's bids, each with its value or why not.

    Over the bids sorted b1 <= ... <= bn, with s the sample standard deviation
    (n - 1 in the denominator):

    - cv: s / mean (coefficient of variation);
    - spread: (bn - b1) / b1;
    - diffp: (b2 - b1) / b1, the gap between the two lowest bids;
    - rd: (b2 - b1) / s(b2..bn), the gap in units of the losing bids' spread;
    - skewness: the adjusted Fisher-Pearson G1 = n / ((n-1)(n-2)) * sum(z^3);
    - kurtosis: the excess kurtosis G2 = n(n+1) / ((n-1)(n-2)(n-3)) * sum(z^4)
      - 3(n-1)^2 / ((n-2)(n-3)), z = (b - mean) / s;
    - ks: the Kolmogorov-Smirnov distance between the bids and a uniform
      distribution on [b1, bn], max_i max(i/n - F(bi), F(bi) - (i-1)/n);
      evenly spaced bids give 1/n.

    Every screen needs `min_bids` bids (the literature's four); each value is
    None, with the reason, when it cannot be computed.
    """
    bids = sorted(float(p) for p in prices)
    n = len(bids)
    result: dict[str, dict[str, object]] = {}

    def unavailable(reason: str) -> dict[str, object]:
        return {"value": None, "reason": reason}

    if n < min_bids:
        reason = f"需要至少{min_bids}个报价，实际{n}个"
        return {name: unavailable(reason) for name in SCREEN_NAMES}
    mean = sum(bids) / n
    sd = _sample_sd(bids)
    b1, b2, bn = bids[0], bids[1], bids[-1]
    result["cv"] = {"value": sd / mean} if mean > 0 else unavailable("平均报价不为正")
    result["spread"] = {"value": (bn - b1) / b1} if b1 > 0 else unavailable("最低报价不为正")
    result["diffp"] = {"value": (b2 - b1) / b1} if b1 > 0 else unavailable("最低报价不为正")
    losing_sd = _sample_sd(bids[1:])
    result["rd"] = (
        {"value": (b2 - b1) / losing_sd} if losing_sd > 0 else unavailable("落标报价的标准差为0")
    )
    if sd == 0:
        for name in ("skewness", "kurtosis"):
            result[name] = unavailable("全部报价相同，标准差为0")
    else:
        z = [(b - mean) / sd for b in bids]
        result["skewness"] = {"value": n / ((n - 1) * (n - 2)) * sum(v**3 for v in z)}
        result["kurtosis"] = (
            {
                "value": n * (n + 1) / ((n - 1) * (n - 2) * (n - 3)) * sum(v**4 for v in z)
                - 3 * (n - 1) ** 2 / ((n - 2) * (n - 3))
            }
            if n > 3
            else unavailable("峰度需要至少4个报价")
        )
    if bn == b1:
        result["ks"] = unavailable("全部报价相同")
    else:
        cdf = [(b - b1) / (bn - b1) for b in bids]
        result["ks"] = {"value": max(max((i + 1) / n - f, f - i / n) for i, f in enumerate(cdf))}
    for entry in result.values():
        value = entry["value"]
        if isinstance(value, (int, float)):  # six decimals: stable, readable report values
            entry["value"] = round(float(value), SCREEN_DECIMALS)
    return {name: result[name] for name in SCREEN_NAMES}


def tender_features(
    prices: Iterable[float], control: float | None, min_bids: int
) -> dict[str, float | None]:
    """Every feature of ``FEATURES`` for one tender: None where it cannot be
    computed (too few bids, all bids equal, no control price)."""
    bids = sorted(float(p) for p in prices)
    values: dict[str, float | None] = {
        name: entry["value"]  # type: ignore[misc]
        for name, entry in screens(bids, min_bids).items()
    }
    values["bids"] = float(len(bids))
    values["mean_discount"] = values["min_discount"] = None
    if control is not None and control > 0 and len(bids) >= min_bids:
        values["mean_discount"] = round(1 - sum(bids) / len(bids) / control, SCREEN_DECIMALS)
        values["min_discount"] = round(1 - bids[0] / control, SCREEN_DECIMALS)
    return values


def finite(value: float | None) -> bool:
    """A feature value a model can use."""
    return value is not None and math.isfinite(value)
