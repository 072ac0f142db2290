"""The HTML page of a rings report: the network of the groups and a timeline of their tenders.

The rings report (``collusion.report.rings``) becomes a plain view model here
and is rendered by ``rings.html.j2`` with autoescape on, as the scan's page is:
company names come from an archive and are never marked safe, and every
number in an attribute (SVG geometry) is computed here. The page loads
nothing and needs no script.

- **Network**: one cell per group, its members on a circle, an edge per pair
  of members as thick as the tenders they bid in together; the group's id and
  score above it (the colour is never the only sign).
- **Timeline**: one band per group, one row per member, a mark per group
  tender in the rows of the members who bid, filled for the winner: turns
  taken at winning read from left to right.
"""

from __future__ import annotations

import datetime as dt
import math
import os
from collections.abc import Mapping
from typing import Any

from collusion.labels import SCREEN_LABELS
from collusion.report.build import write_private
from collusion.report.html import environment
from collusion.report.present import as_text, format_score

TEMPLATE_NAME = "rings.html.j2"
GROUPS_IN_NETWORK = 12  # groups drawn in the network (all are listed below it)
GROUPS_IN_TIMELINE = 10
NETWORK_COLUMNS = 3
CELL_WIDTH, CELL_HEIGHT = 380, 300
CELL_RADIUS = 88
GROUP_FILLS = 6  # .g0 to .g5 in the template
TIMELINE_WIDTH = 1100
TIMELINE_LEFT = 230  # room for the member names
TIMELINE_RIGHT = 20
ROW_HEIGHT = 18
BAND_GAP = 26
NAME_CHARS = 14  # of a company name written beside a timeline row or in a table
NODE_NAME_CHARS = 8  # ... beside a node of the network
EDGE_LABELS_UP_TO = 4  # members of a group whose pair counts are written on the edges
COMPANIES_LISTED = 200  # companies with a score shown in the table


def render_rings_html(report: Mapping[str, Any]) -> str:
    """The rings report as one self-contained HTML page."""
    return environment().get_template(TEMPLATE_NAME).render(**rings_view(report))


def write_rings_html(report: Mapping[str, Any], path: str | os.PathLike[str]) -> None:
    """Write the page atomically, readable by the owner only (it names companies)."""
    write_private(path, render_rings_html(report))


def rings_view(report: Mapping[str, Any]) -> dict[str, Any]:
    groups = [g for g in report.get("groups") or [] if isinstance(g, Mapping)]
    archive = report.get("archive") or {}
    method = report.get("method") or {}
    return {
        "generated_at": as_text(report.get("generated_at")),
        "summary": as_text(report.get("summary")),
        "note": as_text(report.get("note")),
        "null_model": as_text(method.get("null_model")),
        "warnings": [as_text(w) for w in method.get("warnings") or []],
        "stats": _stats(archive, groups),
        "method": _method(method),
        "network": network_view(groups[:GROUPS_IN_NETWORK]),
        "timeline": timeline_view(groups[:GROUPS_IN_TIMELINE], archive),
        "groups": [_group(g, report.get("market_screens") or {}) for g in groups],
        "companies": _companies(report.get("companies") or []),
        "shown": {
            "network": min(len(groups), GROUPS_IN_NETWORK),
            "timeline": min(len(groups), GROUPS_IN_TIMELINE),
        },
    }


def _stats(archive: Mapping[str, Any], groups: list[Mapping[str, Any]]) -> list[dict[str, Any]]:
    members = {c for g in groups for c in g.get("members") or []}
    span = f"{as_text(archive.get('first_date'))} 至 {as_text(archive.get('last_date'))}"
    rows = [
        (f"{archive.get('tenders', 0):,}", "标段", False),
        (f"{archive.get('bids', 0):,}", "投标记录", False),
        (f"{archive.get('companies', 0):,}", "企业", False),
        (f"{len(groups)}", "可疑企业组", bool(groups)),
        (f"{len(members)}", "组内企业", bool(members)),
    ]
    stats = [{"n": n, "label": label, "warn": warn, "small": False} for n, label, warn in rows]
    stats.append(
        {
            "n": span if archive.get("first_date") else "—",
            "label": "开标日期",
            "warn": False,
            "small": True,
        }
    )
    return stats


def _method(method: Mapping[str, Any]) -> list[dict[str, str]]:
    inferred = method.get("inferred_markets") or {}
    rows = []
    if inferred.get("tenders"):
        rows = [
            {
                "name": "推断所属市场的标段",
                "value": f"{as_text(inferred.get('tenders'))}（{as_text(inferred.get('markets'))} 个市场）",
            }
        ]
    return [
        {"name": "分层", "value": "地区（缺失时为推断市场）× 年度" if rows else "地区 × 年度"},
        *rows,
        {"name": "显著性水平 α（全部企业组合计）", "value": as_text(method.get("alpha"))},
        {"name": "参与检验的企业", "value": as_text(method.get("companies_tested"))},
        {"name": "最少共同投标次数", "value": as_text(method.get("min_cobids"))},
        {"name": "企业组最多成员", "value": as_text(method.get("max_group_size"))},
        {"name": "检验的候选企业组", "value": as_text(method.get("candidates_tested"))},
    ]


def short_name(company: str, names: Mapping[str, Any], chars: int = NAME_CHARS) -> str:
    """A company's name cut to ``chars`` characters (its id when it has no name)."""
    name = as_text(names.get(company)) or company
    return name if len(name) <= chars else name[: chars - 1] + "…"


def network_view(groups: list[Mapping[str, Any]]) -> dict[str, Any]:
    """One cell per group: members on a circle, pairs as edges, their counts as labels."""
    cells = []
    for index, group in enumerate(groups):
        members = [as_text(m) for m in group.get("members") or []]
        names = group.get("names") or {}
        column, row = index % NETWORK_COLUMNS, index // NETWORK_COLUMNS
        cx = column * CELL_WIDTH + CELL_WIDTH / 2
        cy = row * CELL_HEIGHT + CELL_HEIGHT / 2 + 14
        where = {}
        nodes = []
        for i, member in enumerate(members):
            angle = -math.pi / 2 + 2 * math.pi * i / max(len(members), 1)
            cos, sin = math.cos(angle), math.sin(angle)
            x, y = cx + CELL_RADIUS * cos, cy + CELL_RADIUS * sin
            where[member] = (x, y)
            # The name outside the circle, anchored away from it.
            anchor = "start" if cos > 0.3 else "end" if cos < -0.3 else "middle"
            lx = x + (16 if anchor == "start" else -16 if anchor == "end" else 0)
            ly = y + 4 if anchor != "middle" else (y - 16 if sin < 0 else y + 24)
            nodes.append(
                {
                    "x": round(x, 1),
                    "y": round(y, 1),
                    "lx": round(lx, 1),
                    "ly": round(ly, 1),
                    "anchor": anchor,
                    "label": short_name(member, names, NODE_NAME_CHARS),
                    "title": f"{as_text(names.get(member))}（{member}）",
                }
            )
        counts = [p.get("tenders") or 0 for p in group.get("pairs") or []]
        top = max(counts, default=1) or 1
        edges = []
        for pair in group.get("pairs") or []:
            a, b = (as_text(c) for c in (pair.get("companies") or ["", ""])[:2])
            if a not in where or b not in where:
                continue
            (x1, y1), (x2, y2) = where[a], where[b]
            tenders = pair.get("tenders") or 0
            edges.append(
                {
                    "x1": round(x1, 1),
                    "y1": round(y1, 1),
                    "x2": round(x2, 1),
                    "y2": round(y2, 1),
                    "mx": round((x1 + x2) / 2, 1),
                    "my": round((y1 + y2) / 2 + 4, 1),
                    "width": round(1 + 6 * tenders / top, 1),
                    "label": str(tenders),
                    "title": f"共同投标 {tenders} 个标段，随机预期约 {_number(pair.get('expected'))} 个",
                }
            )
        cells.append(
            {
                "id": as_text(group.get("id")),
                "fill": index % GROUP_FILLS,
                "x": round(column * CELL_WIDTH + 12, 1),
                "y": round(row * CELL_HEIGHT + 22, 1),
                "caption": f"{as_text(group.get('id'))} · 分值 {format_score(group.get('score'))}",
                "nodes": nodes,
                "edges": edges,
                "labels": len(members) <= EDGE_LABELS_UP_TO,
            }
        )
    rows = math.ceil(len(groups) / NETWORK_COLUMNS)
    return {
        "width": NETWORK_COLUMNS * CELL_WIDTH,
        "height": max(rows * CELL_HEIGHT + 20, 60),
        "cells": cells,
        "description": (
            f"企业组关系图：{len(groups)} 个企业组各占一格，成员排在圆周上，"
            "连线表示两家企业共同投标，线越粗，共同投标的标段越多（成员不多时线上写出标段数）。"
        ),
    }


def _day(text: Any) -> dt.date | None:
    try:
        return dt.date.fromisoformat(as_text(text)[:10])
    except ValueError:
        return None


def timeline_view(groups: list[Mapping[str, Any]], archive: Mapping[str, Any]) -> dict[str, Any]:
    """One band per group, one row per member, one mark per tender in the rows of the members who bid."""
    first = _day(archive.get("first_date"))
    last = _day(archive.get("last_date"))
    if first is None or last is None or not groups:
        return {"bands": [], "width": TIMELINE_WIDTH, "height": 0, "ticks": []}
    days = max((last - first).days, 1)
    span = TIMELINE_WIDTH - TIMELINE_LEFT - TIMELINE_RIGHT

    def x_of(day: dt.date) -> float:
        return round(TIMELINE_LEFT + span * (day - first).days / days, 1)

    bands, top = [], 30.0
    for index, group in enumerate(groups):
        members = [as_text(m) for m in group.get("members") or []]
        names = group.get("names") or {}
        row_of = {m: top + 22 + i * ROW_HEIGHT for i, m in enumerate(members)}
        marks = []
        for tender in group.get("tenders") or []:
            day = _day(tender.get("date"))
            present = [m for m in tender.get("members") or [] if m in row_of]
            if day is None or not present:
                continue
            ys = [row_of[m] for m in present]
            winner = tender.get("winner")
            marks.append(
                {
                    "x": x_of(day),
                    "y1": round(min(ys), 1),
                    "y2": round(max(ys), 1),
                    "dots": [{"y": round(row_of[m], 1), "won": m == winner} for m in present],
                    "title": (
                        f"{as_text(tender.get('date'))} {as_text(tender.get('id'))}："
                        f"{len(present)} 家成员投标"
                        + (
                            f"，{short_name(winner, names)} 中标"
                            if winner in row_of
                            else "，非成员中标"
                            if winner
                            else ""
                        )
                    ),
                }
            )
        rows = [
            {
                "y": round(row_of[m], 1),
                "label": short_name(m, names),
                "title": f"{as_text(names.get(m))}（{m}）",
            }
            for m in members
        ]
        bands.append(
            {
                "id": as_text(group.get("id")),
                "fill": index % GROUP_FILLS,
                "y": round(top, 1),
                "caption_y": round(top + 12, 1),
                "height": round(22 + len(members) * ROW_HEIGHT, 1),
                "rows": rows,
                "marks": marks,
            }
        )
        top += 22 + len(members) * ROW_HEIGHT + BAND_GAP
    ticks = []
    for year in range(first.year, last.year + 2):
        day = dt.date(year, 1, 1)
        if first <= day <= last:
            ticks.append({"x": x_of(day), "label": str(year)})
    return {
        "width": TIMELINE_WIDTH,
        "height": round(top, 1),
        "left": TIMELINE_LEFT,
        "right": TIMELINE_WIDTH - TIMELINE_RIGHT,
        "ticks": ticks,
        "bands": bands,
        "description": (
            f"时间线：{len(bands)} 个企业组各占一栏，每行一家成员，每条竖线是一个共同投标的标段，"
            "实心圆为中标的成员，空心圆为投标未中标的成员。"
        ),
    }


def _number(value: Any, digits: int = 2) -> str:
    if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value):
        return f"{value:.{digits}f}"
    return "—"


PART_LABELS = {
    "cobidding": "共同投标显著性",
    "exclusivity": "排他性",
    "rotation": "轮流中标",
    "prices": "报价特征",
}


def _group(group: Mapping[str, Any], market: Mapping[str, Any]) -> dict[str, Any]:
    names = group.get("names") or {}
    rotation = group.get("rotation") or {}
    wins = rotation.get("wins") or {}
    screens = group.get("screens") or {}
    cobids = group.get("cobids") or {}
    members = [as_text(m) for m in group.get("members") or []]
    return {
        "id": as_text(group.get("id")),
        "score": format_score(group.get("score")),
        "summary": as_text(group.get("summary")),
        "parts": [
            {"name": label, "value": format_score((group.get("parts") or {}).get(key))}
            for key, label in PART_LABELS.items()
        ],
        "facts": [
            {
                "name": "同时投标的成员数（门槛）",
                "value": f"至少 {as_text(cobids.get('quorum'))} 家",
            },
            {"name": "共同投标的标段", "value": as_text(cobids.get("observed"))},
            {"name": "随机预期", "value": _number(cobids.get("expected"))},
            {"name": "概率（以 10 为底的对数）", "value": _number(group.get("chance_log10"), 1)},
            {"name": "列出门槛（对数）", "value": _number(group.get("threshold_log10"), 1)},
            {"name": "成员中标占比", "value": _number(rotation.get("win_share"), 3)},
            {"name": "随机中标占比", "value": _number(rotation.get("expected_win_share"), 3)},
            {"name": "中标均匀度", "value": _number(rotation.get("evenness"), 3)},
        ],
        "members": [
            {"id": m, "name": as_text(names.get(m)), "wins": as_text(wins.get(m, 0))}
            for m in members
        ],
        "screens": [
            {
                "label": SCREEN_LABELS.get(key, (key, ""))[0],
                "hint": SCREEN_LABELS.get(key, ("", key))[1],
                "group": _number((screens.get("tenders") or {}).get(key), 4),
                "coalition": _number((screens.get("coalition") or {}).get(key), 4),
                "market": _number(market.get(key), 4),
            }
            for key in SCREEN_LABELS
        ],
        "screened": as_text(screens.get("tenders_screened")),
        "coalition_screened": as_text(screens.get("coalition_screened")),
        "pairs": [
            {
                "a": short_name(as_text((p.get("companies") or ["", ""])[0]), names),
                "b": short_name(as_text((p.get("companies") or ["", ""])[1]), names),
                "tenders": as_text(p.get("tenders")),
                "expected": _number(p.get("expected")),
                "chance": _number(p.get("chance_log10"), 1),
            }
            for p in group.get("pairs") or []
        ],
        "links": [
            as_text(link.get("summary") or link) if isinstance(link, Mapping) else as_text(link)
            for link in group.get("links") or []
        ],
        "tenders": [
            {
                "date": as_text(t.get("date")),
                "id": as_text(t.get("id")),
                "region": as_text(t.get("region")) or "—",
                "bidders": as_text(t.get("bidders")),
                "members": "、".join(short_name(as_text(m), names) for m in t.get("members") or []),
                "winner": (short_name(as_text(t.get("winner")), names) if t.get("winner") else "—"),
                "member_won": bool(t.get("member_won")),
            }
            for t in group.get("tenders") or []
        ],
    }


def _companies(companies: list[Any]) -> list[dict[str, str]]:
    listed = [c for c in companies if isinstance(c, Mapping) and (c.get("score") or 0) > 0]
    return [
        {
            "id": as_text(c.get("id")),
            "name": as_text(c.get("name")),
            "score": format_score(c.get("score")),
            "groups": "、".join(as_text(g) for g in c.get("groups") or []),
            "bids": as_text(c.get("bids")),
            "wins": as_text(c.get("wins")),
        }
        for c in listed[:COMPANIES_LISTED]
    ]
