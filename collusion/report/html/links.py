"""A company link's chain as a small graph: the linking person, company or
contact at the top, each bidder's company at the bottom, and every holding or
post between them as a labelled edge, as SVG geometry."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from collusion.labels import ROLE_LABELS
from collusion.report.present import as_text

COLUMN_WIDTH = 210  # pixels per bidder column
ROW_HEIGHT = 92  # pixels per step of a chain
NODE_WIDTH = 176
NODE_HEIGHT = 40
MARGIN = 16
NAME_CHARS = 12  # characters of a name written in a node; the full name is its title
KIND_LABELS = {
    "person": "个人",
    "company": "企业",
    "address": "注册地址",
    "phone": "电话",
    "email": "电子邮箱",
}


def _short(text: str) -> str:
    return text if len(text) <= NAME_CHARS else text[: NAME_CHARS - 1] + "…"


def _edge_label(step: Mapping[str, Any]) -> str:
    share = step.get("share")
    if isinstance(share, (int, float)) and not isinstance(share, bool):
        return f"持股 {share:g}%"
    role = as_text(step.get("role"))
    return as_text(step.get("role_label")) or ROLE_LABELS.get(role, role)


def link_graph(details: Mapping[str, Any], bidders: list[str]) -> dict[str, Any] | None:
    """Node and edge geometry of one company_link alert's chains; None when
    the details hold no chain to draw."""
    ties = details.get("ties")
    found = details.get("via")
    via: Mapping[str, Any] = found if isinstance(found, Mapping) else {}
    if not isinstance(ties, Mapping) or not ties:
        return None
    columns = [b for b in bidders if isinstance(ties.get(b), Mapping)]
    if not columns:
        return None
    chains = {b: [s for s in ties[b].get("chain") or [] if isinstance(s, Mapping)] for b in columns}
    depth = max([len(c) for c in chains.values()] + [1])
    width = max(len(columns), 2) * COLUMN_WIDTH
    height = 2 * MARGIN + depth * ROW_HEIGHT + NODE_HEIGHT
    root_key = as_text(via.get("value"))
    root_owner = next((b for b in columns if not chains[b]), None)  # the root is a bidder itself
    nodes: dict[tuple[int, str], dict[str, Any]] = {}

    def column_x(index: int) -> float:
        return width / 2 if len(columns) == 1 else (index + 0.5) * width / len(columns)

    root = {
        "key": root_key,
        "name": as_text(via.get("name")) or root_key,
        "kind": KIND_LABELS.get(as_text(via.get("kind")), ""),
        "bidder": root_owner or "",
        "xs": [width / 2],
        "row": 0,
    }
    nodes[(0, root_key)] = root
    edges: list[dict[str, Any]] = []
    for index, bidder in enumerate(columns):
        above = (0, root_key)
        for step_no, step in enumerate(chains[bidder], start=1):
            last = step_no == len(chains[bidder])
            row = depth if last else step_no
            key = as_text(step.get("company"))
            node = nodes.setdefault(
                (row, key),
                {
                    "key": key,
                    "name": as_text(step.get("company_name")) or key,
                    "kind": "企业",
                    "bidder": bidder if last else "",
                    "xs": [],
                    "row": row,
                },
            )
            node["xs"].append(column_x(index))
            edges.append({"from": above, "to": (row, key), "label": _edge_label(step)})
            above = (row, key)
    placed = []
    where: dict[tuple[int, str], tuple[float, float]] = {}
    for ident, node in nodes.items():
        x = sum(node["xs"]) / len(node["xs"])
        y = MARGIN + node["row"] * ROW_HEIGHT
        where[ident] = (x, y)
        placed.append(
            {
                "x": round(x - NODE_WIDTH / 2, 1),
                "y": round(y, 1),
                "cx": round(x, 1),
                "w": NODE_WIDTH,
                "h": NODE_HEIGHT,
                "label": _short(node["name"]),
                "title": node["name"] + (f"（{node['kind']}）" if node["kind"] else ""),
                "bidder": node["bidder"],
                "root": ident == (0, root_key),
            }
        )
    drawn = []
    for edge in edges:
        (x1, y1), (x2, y2) = where[edge["from"]], where[edge["to"]]
        y1 += NODE_HEIGHT
        drawn.append(
            {
                "x1": round(x1, 1),
                "y1": round(y1, 1),
                "x2": round(x2, 1),
                "y2": round(y2, 1),
                "lx": round((x1 + x2) / 2 + 6, 1),
                "ly": round((y1 + y2) / 2 + 4, 1),
                "label": edge["label"],
            }
        )
    return {
        "width": width,
        "height": height,
        "nodes": placed,
        "edges": drawn,
        "description": (
            f"关联链条图：顶部为关联主体 {root['name']}，底部为各投标人，"
            f"共 {len(drawn)} 条持股或任职关系，箭头自上而下"
        ),
    }
