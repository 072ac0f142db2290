"""indicators.screens: the tender's screens and, with a center's model, its probability.

Not a detector: nothing here becomes an alert or touches a pair's score. The
screens (``collusion.analysis.screens``) describe how the whole tender's bids
spread; with a model fitted on the center's own labelled cases
(``collusion screens fit``, ``Settings.screens.model``) the report also
carries the model's probability that the tender was collusive and the
screens that drove it. It is a lead for the regulator about the tender,
never an accusation against a bidder.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path
from typing import Any

from collusion.analysis.screens import FEATURES, screens, tender_features
from collusion.analysis.screens_model import ScreensModel, load_model
from collusion.detectors.price_pattern import BidPrice, bid_prices, price_limits
from collusion.errors import ScreensModelError
from collusion.models import ScanContext

SCREENS_NOTE = (
    "项目级筛查线索：以下指标描述本项目全部报价的分布，模型概率为依据本中心已标注案例训练的"
    "模型对整个项目的估计；用于提示关注该项目，不针对任何投标人，不构成认定。"
)
NO_CONTROL = "本项目未载明招标控制价"


def screens_indicator(ctx: ScanContext, bids: dict[str, BidPrice] | None = None) -> dict[str, Any]:
    """The report's ``indicators.screens`` (``bids``: ``bid_prices`` of ``ctx``,
    when made already)."""
    settings = ctx.settings.prices
    bids = bid_prices(ctx) if bids is None else bids
    prices = [float(p.price) for p in bids.values() if p.price is not None]
    limits = price_limits(ctx)
    control = float(limits.control.price) if limits.control else None
    values = tender_features(prices, control, settings.min_bids_for_screens)
    reasons = {
        name: entry.get("reason")
        for name, entry in screens(prices, settings.min_bids_for_screens).items()
    }
    entries = []
    for name, feature in FEATURES.items():
        reason = reasons.get(name)
        if values[name] is None and reason is None:
            reason = (
                NO_CONTROL if control is None else f"需要至少{settings.min_bids_for_screens}个报价"
            )
        entries.append(
            {
                "name": name,
                "label": feature.label,
                "definition": feature.definition,
                "value": values[name],
                "reason": reason,
            }
        )
    model_path = ctx.settings.screens.model
    return {
        "note": SCREENS_NOTE,
        "bids": len(prices),
        "min_bids": settings.min_bids_for_screens,
        "screens": entries,
        "model": None if model_path is None else _model_entry(model_path, values),
    }


def _model_entry(path: str, values: dict[str, float | None]) -> dict[str, Any]:
    """The model's probability for this tender, or why there is none."""
    entry: dict[str, Any] = {"file": path}
    try:
        model = cached_model(path)
    except ScreensModelError as exc:
        return {**entry, "probability": None, "error": str(exc)}
    prediction = model.predict(values)
    entry.update(model.describe())
    entry.pop("trained", None)
    entry["trained_on"] = model.trained
    if prediction.probability is None:
        labels = "、".join(FEATURES[name].label for name in prediction.missing)
        return {**entry, "probability": None, "error": f"本项目缺少模型所需的指标：{labels}"}
    return {
        **entry,
        "probability": round(prediction.probability, 4),
        "drivers": [d.to_dict() for d in prediction.drivers],
    }


def cached_model(path: str) -> ScreensModel:
    """The model at ``path``, read once per version of the file (a nightly run
    scores many projects with one model)."""
    try:
        info = os.stat(path)
    except OSError as exc:
        raise ScreensModelError(f"无法读取模型文件 {path}：{exc.strerror or exc}") from exc
    return _load(str(Path(path).resolve()), info.st_mtime_ns, info.st_size)


@functools.lru_cache(maxsize=4)
def _load(path: str, mtime_ns: int, size: int) -> ScreensModel:
    return load_model(path)
