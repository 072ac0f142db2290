"""The bidder graph: bidders on a circle, flagged pairs as edges, as SVG geometry."""

from __future__ import annotations

import math
from typing import Any

from collusion.report.present import (
    format_score,
    format_weight,
    group_mark,
    weight_value,
)

# The bidder graph is drawn this many pixels square; small projects get a
# smaller one so that the page is not mostly empty circle.
GRAPH_SIZES = ((8, 460), (16, 560), (math.inf, 680))  # (at most n bidders, pixels)
GRAPH_MARGIN = 90
# Up to this many bidders the matrix and the graph stand side by side at
# 1280 px; beyond, the matrix takes the full width and the graph goes below.
GRAPH_BESIDE_MAX = 9
# Group fills in the graph (the template's .g0 to .g5); the group mark is
# written beside the node too, so colour is never the only sign.
GROUP_FILLS = 6
# Where along an edge (from its first bidder) its weight is written.
EDGE_LABEL_AT = 0.4
# Edge labels in the graph are drawn only when there are few edges.
MAX_EDGE_LABELS = 15
# An edge is drawn at full width from this weight of evidence (three strong
# facts); lighter pairs get thinner edges.
EDGE_FULL_WEIGHT = 12.0


def graph_view(
    bidders: list[dict[str, Any]], flagged: list[dict[str, Any]], groups: list[dict[str, Any]]
) -> dict[str, Any]:
    """Node and edge geometry of the bidder graph: bidders on a circle."""
    n = max(len(bidders), 1)
    size = next(px for most, px in GRAPH_SIZES if n <= most)
    node_r = 15 if n <= 12 else 10
    radius = (size - 2 * GRAPH_MARGIN) / 2
    centre = size / 2
    group_of = {b: i for i, g in enumerate(groups) for b in g["bidders"]}
    linked = {b for p in flagged for b in p["bidders"]}
    nodes, where = [], {}
    for i, bidder in enumerate(bidders):
        angle = -math.pi / 2 + 2 * math.pi * i / n
        x, y = centre + radius * math.cos(angle), centre + radius * math.sin(angle)
        cos, sin = math.cos(angle), math.sin(angle)
        # The label (id and group mark on one line) sits outside the circle.
        anchor = "start" if cos > 0.25 else "end" if cos < -0.25 else "middle"
        if anchor == "middle":
            lx, ly = x, y - node_r - 8 if sin < 0 else y + node_r + 17
        else:
            lx, ly = x + (node_r + 7) * (1 if anchor == "start" else -1), y + 5
        where[bidder["id"]] = (x, y)
        group = group_of.get(bidder["id"])
        nodes.append(
            {
                "id": bidder["id"],
                "name": bidder["name"],
                "x": round(x, 1),
                "y": round(y, 1),
                "r": node_r,
                "lx": round(lx, 1),
                "ly": round(ly, 1),
                "anchor": anchor,
                "linked": bidder["id"] in linked,
                "group": group_mark(group) if group is not None else "",
                "group_index": group % GROUP_FILLS if group is not None else None,
            }
        )
    edges = []
    for pair in flagged:
        a, b = pair["bidders"]
        if a not in where or b not in where:
            continue
        (x1, y1), (x2, y2) = where[a], where[b]
        weight = weight_value(pair.get("weight"))
        edges.append(
            {
                "x1": round(x1, 1),
                "y1": round(y1, 1),
                "x2": round(x2, 1),
                "y2": round(y2, 1),
                # Off the middle, where crossing edges would put their labels
                # on top of each other.
                "mx": round(x1 + (x2 - x1) * EDGE_LABEL_AT, 1),
                "my": round(y1 + (y2 - y1) * EDGE_LABEL_AT, 1),
                "width": round(1.5 + 4.5 * min(max(weight, 0.0) / EDGE_FULL_WEIGHT, 1.0), 1),
                "label": format_weight(pair.get("weight")),
                "title": f"{a} — {b}：分值 {format_score(pair['score'])}，"
                f"证据权重 {format_weight(pair.get('weight'))}",
            }
        )
    return {
        "size": size,
        "stacked": n > GRAPH_BESIDE_MAX,
        "nodes": nodes,
        "edges": edges,
        "edge_labels": len(edges) <= MAX_EDGE_LABELS,
        "description": (
            f"投标人关联图：{len(bidders)} 家投标人均匀排列在圆周上，"
            f"{len(edges)} 条连线表示已标记的投标人对，线上数字为证据权重，线越粗证据越强"
            + (f"；{len(groups)} 个关联组在节点旁以组号标出" if groups else "")
            + "。"
        ),
    }
