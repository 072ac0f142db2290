"""The price chart: the project's sorted bids as dots, an alert's bidders marked."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from collusion.report.present import (
    as_text,
    format_price,
)

# Price patterns over the bid prices, shown with a chart of the sorted bids
# (None: a report that names no pattern).
CHART_PATTERNS = (None, "identical_price", "arithmetic_progression", "geometric_progression")


def price_chart(alert: dict[str, Any], bidders: list[dict[str, Any]]) -> dict[str, Any]:
    """The sorted bids of the project as a dot chart, the alert's bidders marked.

    The alert's own prices are either ``{bidder: price}`` or the price_pattern
    detector's parallel lists ``order`` and ``prices``.
    """
    raw = alert["details"].get("prices")
    order = alert["details"].get("order")
    if isinstance(raw, list) and isinstance(order, list) and len(raw) == len(order):
        raw = dict(zip(order, raw, strict=True))  # the detector's {order, prices} lists
    # Every bid of the project, with the prices the alert names taking precedence.
    prices = {b["id"]: float(b["price_value"]) for b in bidders if b["price_value"] is not None}
    if isinstance(raw, Mapping):
        for key, value in raw.items():
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                prices[as_text(key)] = float(value)
    points = sorted(prices.items(), key=lambda kv: (kv[1], kv[0]))
    if not points:
        return {"points": [], "rows": []}
    width, height = 580, 210
    left, right, top, bottom = 116, 20, 26, 44
    low, high = points[0][1], points[-1][1]
    span = (high - low) or max(abs(high) * 0.01, 1.0)
    low_axis, high_axis = low - span * 0.08, high + span * 0.08
    step = (width - left - right) / max(len(points) - 1, 1)
    marked = set(alert["bidders"])
    chart_points, rows = [], []
    previous = None
    for i, (bidder, price) in enumerate(points):
        x = left + (step * i if len(points) > 1 else (width - left - right) / 2)
        y = top + (height - top - bottom) * (high_axis - price) / (high_axis - low_axis)
        chart_points.append(
            {
                "x": round(x, 1),
                "y": round(y, 1),
                "bidder": bidder,
                "marked": bidder in marked,
                "label": format_price(price),
            }
        )
        rows.append(
            {
                "rank": i + 1,
                "bidder": bidder,
                "price": format_price(price),
                "marked": bidder in marked,
                "diff": format_price(price - previous) if previous is not None else "—",
                "ratio": f"{price / previous:.6f}" if previous else "—",
            }
        )
        previous = price
    ticks = []
    for value in (low, (low + high) / 2, high) if high != low else (low,):
        y = top + (height - top - bottom) * (high_axis - value) / (high_axis - low_axis)
        ticks.append({"y": round(y, 1), "label": format_price(value)})
    polyline = " ".join(f"{p['x']},{p['y']}" for p in chart_points)
    return {
        "width": width,
        "height": height,
        "left": left,
        "right": width - right,
        "top": top,
        "baseline": height - bottom,
        "points": chart_points,
        "polyline": polyline,
        "ticks": ticks,
        "rows": rows,
        "description": (
            f"报价由低到高排列的点线图，共 {len(points)} 家；"
            f"标记的投标人为 {'、'.join(sorted(marked & set(prices)))}。"
        ),
    }
