"""The view model: everything the template shows, as plain, already-ordered data."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from collusion.basis import DISCLAIMER
from collusion.labels import (
    INDUSTRY_LABELS,
    SCREEN_LABELS,
    SOURCE_LABELS,
)
from collusion.report.html.graph import (
    graph_view,
)
from collusion.report.html.pairs import (
    SHADE_STEPS,
    alert_brief,
    alert_view,
    pair_view,
    shade,
)
from collusion.report.present import (
    SEVERITY_ORDER,
    alert_sort_key,
    as_text,
    bidder_rows,
    field_label,
    format_number,
    format_price,
    format_score,
    format_weight,
    group_mark,
    list_of,
    pair_rank_key,
    problem_rows,
    reader_time,
    severity_of,
    tender_files,
)


def build_view(report: Mapping[str, Any]) -> dict[str, Any]:
    """Everything the template shows, as plain, already-ordered data."""
    bidders = bidder_rows(report)
    names = {b["id"]: b["name"] for b in bidders}
    alerts = {a["id"]: a for a in (_alert(a, i) for i, a in enumerate(list_of(report, "alerts")))}
    pairs = _pairs(report, alerts)
    groups = _groups(report)
    flagged = [p for p in pairs if p["flagged"]]
    ignored = _ignored(report)
    shown: set[str] = set()
    first_shown: dict[str, int] = {}  # alert id -> the flagged pair that shows it in full
    pair_views = []
    for index, pair in enumerate(flagged, start=1):
        view = pair_view(pair, index, alerts, ignored, names, bidders, first_shown)
        shown.update(view["alert_ids"])
        pair_views.append(view)
    unflagged = [p for p in pairs if not p["flagged"]]
    for pair in unflagged:
        shown.update(pair["alert_ids"])
    rest = [a for a in sorted(alerts.values(), key=alert_sort_key) if a["id"] not in shown]
    # Cross-project leads form no pair of this project: listed on their own,
    # never under "below the threshold" (a high lead is not a weak sign).
    leads = [
        alert_view(a, tuple(a["bidders"][:2]), names, bidders)
        for a in rest
        if (a.get("details") or {}).get("scope") == "cross_project"
    ]
    others = [
        alert_view(a, tuple(a["bidders"][:2]), names, bidders)
        for a in rest
        if (a.get("details") or {}).get("scope") != "cross_project"
    ]
    project = report.get("project") or {}
    generator = report.get("generator") or {}
    problems = problem_rows(report, bidders)
    severity_counts = {key: 0 for key in SEVERITY_ORDER}
    for alert in alerts.values():
        severity_counts[severity_of(alert)] += 1
    return {
        "project": {
            "id": as_text(project.get("id")),
            "name": as_text(project.get("name")),
            "industry": INDUSTRY_LABELS.get(
                as_text(project.get("industry")), as_text(project.get("industry"))
            ),
        },
        "generator": {
            "name": as_text(generator.get("name")) or "collusion",
            "version": as_text(generator.get("version")),
        },
        "generated_at": reader_time(report.get("generated_at")),
        "schema_version": as_text(report.get("schema_version")),
        "disclaimer": as_text(report.get("disclaimer")) or DISCLAIMER,
        "summary": as_text(report.get("summary")),
        "counts": {
            "bidders": len(bidders),
            "files": sum(len(b["files"]) for b in bidders),
            "alerts": len(alerts),
            "high": severity_counts["high"],
            "medium": severity_counts["medium"],
            "low": severity_counts["low"],
            "flagged": len(flagged),
            "groups": len(groups),
            "problems": len(problems),
        },
        "bidders": bidders,
        "tender": tender_files(report),
        "problems": problems,
        "matrix": _matrix(bidders, pairs),
        "graph": graph_view(bidders, flagged, groups),
        "groups": [
            {
                "mark": group_mark(i),
                "members": [{"id": b, "name": names.get(b, "")} for b in g["bidders"]],
                "score": format_score(g["score"]),
                "links": g["links"],
                "weight": format_weight(g["weight"]),
            }
            for i, g in enumerate(groups)
        ],
        "pairs": pair_views,
        "unflagged": [
            {
                "a": p["bidders"][0],
                "b": p["bidders"][1],
                "a_name": names.get(p["bidders"][0], ""),
                "b_name": names.get(p["bidders"][1], ""),
                "score": format_score(p["score"]),
                "weight": format_weight(p["weight"]),
                "alerts": [alert_brief(alerts[i]) for i in p["alert_ids"] if i in alerts],
            }
            for p in unflagged
        ],
        "others": others,
        "leads": leads,
        "indicators": _indicators(report),
        "ring_leads": _ring_leads(report),
        "ignored": ignored,
        "shade_steps": SHADE_STEPS,
    }


def _alert(raw: Any, index: int) -> dict[str, Any]:
    raw = raw if isinstance(raw, Mapping) else {}
    evidence = [e for e in raw.get("evidence") or [] if isinstance(e, Mapping)]
    details = raw.get("details") if isinstance(raw.get("details"), Mapping) else {}
    return {
        "id": as_text(raw.get("id")) or f"#{index + 1}",
        "kind": as_text(raw.get("kind")),
        "severity": severity_of(raw),
        "score": raw.get("score"),
        "bidders": sorted(as_text(b) for b in raw.get("bidders") or []),
        "basis": as_text(raw.get("basis")),
        "summary": as_text(raw.get("summary")),
        "details": details,
        "evidence": evidence,
    }


def _pairs(report: Mapping[str, Any], alerts: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for raw in list_of(report, "pairs"):
        if not isinstance(raw, Mapping):
            continue
        members = sorted(as_text(b) for b in raw.get("bidders") or [])
        if len(members) != 2:
            continue
        ids = [as_text(i) for i in raw.get("alerts") or []]
        if not ids:
            ids = [a["id"] for a in alerts.values() if set(members) <= set(a["bidders"])]
        out.append(
            {
                "bidders": members,
                "score": raw.get("score"),
                "weight": raw.get("weight"),
                "flagged": bool(raw.get("flagged")),
                "alert_ids": ids,
            }
        )
    out.sort(key=lambda p: (not p["flagged"], pair_rank_key(p)))
    return out


def _groups(report: Mapping[str, Any]) -> list[dict[str, Any]]:
    out = []
    for raw in list_of(report, "groups"):
        if isinstance(raw, Mapping):
            links = [x for x in raw.get("company_links") or [] if isinstance(x, Mapping)]
            out.append(
                {
                    "bidders": sorted(as_text(b) for b in raw.get("bidders") or []),
                    "score": raw.get("score"),
                    # The company links among its members (company_link alerts).
                    "links": sorted(
                        {as_text(x.get("label")) or as_text(x.get("link")) for x in links}
                    ),
                    "weight": raw.get("weight"),
                }
            )
    return out


def _ignored(report: Mapping[str, Any]) -> list[dict[str, Any]]:
    out = []
    for raw in list_of(report, "ignored_signatures"):
        if isinstance(raw, Mapping):
            source = as_text(raw.get("source"))
            out.append(
                {
                    "field_label": field_label(raw.get("field"), raw.get("label")),
                    "source_label": SOURCE_LABELS.get(source, source or "—"),
                    "value": as_text(raw.get("value")),
                    "bidders": sorted(as_text(b) for b in raw.get("bidders") or []),
                    "reason": as_text(raw.get("reason")) or "常见值",
                }
            )
    return out


def _indicators(report: Mapping[str, Any]) -> dict[str, Any] | None:
    """The project-level price screens and where each bid price was read.

    Takes the pipeline's ``{"note", "bids", "min_bids", "screens": {name:
    {value | None, reason?, note?}}, "prices": [...]}`` and also a flat
    ``{name: {value, note}}``.
    """
    indicators = report.get("indicators")
    prices = indicators.get("prices") if isinstance(indicators, Mapping) else None
    if not isinstance(prices, Mapping) or not prices:
        return None
    screens = prices.get("screens") if isinstance(prices.get("screens"), Mapping) else None
    items = screens if screens is not None else prices
    rows = []
    for name, item in items.items():
        if screens is None and name in ("note", "bids", "min_bids", "prices"):
            continue
        item = item if isinstance(item, Mapping) else {"value": item}
        label, meaning = SCREEN_LABELS.get(str(name), (str(name), ""))
        value = item.get("value")
        rows.append(
            {
                "name": label,
                "value": format_number(round(value, 4) if isinstance(value, float) else value)
                if value is not None
                else "—",
                "note": as_text(item.get("note")) or as_text(item.get("reason")) or meaning,
            }
        )
    bids = prices.get("bids")
    tender = indicators.get("screens") if isinstance(indicators, Mapping) else None
    tender = tender if isinstance(tender, Mapping) else {}
    lattice = prices.get("lattice") if isinstance(prices.get("lattice"), Mapping) else {}
    return {
        "note": as_text(prices.get("note")) if screens is not None else "",
        "count": f"{bids} 家报价" if isinstance(bids, int) else "",
        "rows": rows,
        "sources": _price_sources(prices.get("prices")),
        "lattice": (
            f"{lattice.get('bids')} 家报价中 {lattice.get('on_lattice')} 家"
            f"{as_text(lattice.get('description'))}"
            if lattice
            else ""
        ),
        "set_aside": [
            {
                "bidders": "、".join(as_text(b) for b in item.get("bidders") or []),
                "prices": "、".join(format_price(p) for p in sorted(set(item.get("prices") or []))),
                "why": as_text(item.get("explanation")) or as_text(item.get("reason")),
            }
            for item in prices.get("set_aside") or []
            if isinstance(item, Mapping)
        ],
        "screens_note": as_text(tender.get("note")),
        "model": _screens_model(tender.get("model")),
    }


def _screens_model(model: Any) -> dict[str, Any] | None:
    """The screens model's probability for the tender, what drove it, and what it is."""
    if not isinstance(model, Mapping):
        return None
    trained = model.get("trained_on") if isinstance(model.get("trained_on"), Mapping) else {}
    about = (
        f"随机森林（{model.get('trees')} 棵树），以 {trained.get('tenders')} 个已标注招标项目训练"
        f"（其中串通 {trained.get('collusive')} 个），scikit-learn {as_text(model.get('sklearn_version'))}"
        if trained
        else ""
    )
    probability = model.get("probability")
    return {
        "probability": f"{probability:.0%}" if isinstance(probability, (int, float)) else None,
        "error": as_text(model.get("error")),
        "about": about,
        "drivers": [
            f"{as_text(d.get('label'))}（{format_number(d.get('value'))}）"
            + ("提高" if d.get("direction") == "raises" else "降低")
            + "了概率"
            for d in model.get("drivers") or []
            if isinstance(d, Mapping)
        ],
    }


def _ring_leads(report: Mapping[str, Any]) -> dict[str, Any] | None:
    """Pairs of bidders in one group found across tenders (``indicators.rings``): leads."""
    indicators = report.get("indicators")
    rings = indicators.get("rings") if isinstance(indicators, Mapping) else None
    if not isinstance(rings, Mapping) or not rings.get("leads"):
        return None
    leads = [lead for lead in rings.get("leads") or [] if isinstance(lead, Mapping)]
    return {
        "note": as_text(rings.get("note")),
        "leads": [
            {
                "bidders": "、".join(as_text(b) for b in lead.get("bidders") or []),
                "group": as_text(lead.get("group")),
                "tenders": as_text(lead.get("tenders")),
                "summary": as_text(lead.get("summary")),
            }
            for lead in leads
        ],
    }


def _price_sources(items: Any) -> list[dict[str, Any]]:
    """Where each bidder's price was read, and any 大写/小写 mismatch found."""
    out = []
    for item in items if isinstance(items, list) else []:
        if not isinstance(item, Mapping):
            continue
        page = item.get("page")
        mismatches = []
        for m in item.get("amount_mismatches") or []:
            if isinstance(m, Mapping):
                where = as_text(m.get("file")) + (
                    f" 第 {m['page']} 页" if m.get("page") is not None else ""
                )
                mismatches.append(
                    f"{where}：小写 {format_price(m.get('numeric'))}，"
                    f"大写 {as_text(m.get('uppercase_text'))}（{format_price(m.get('uppercase'))}）"
                )
        out.append(
            {
                "bidder": as_text(item.get("bidder")),
                "price": format_price(item.get("price")),
                "source": as_text(item.get("source")) or "—",
                "where": as_text(item.get("file"))
                + (f" · 第 {page} 页" if page is not None else ""),
                "stated": format_price(item.get("stated_in_files"))
                if item.get("stated_in_files") is not None
                else "—",
                "mismatches": mismatches,
            }
        )
    return out


def _matrix(bidders: list[dict[str, Any]], pairs: list[dict[str, Any]]) -> dict[str, Any]:
    by_pair = {tuple(p["bidders"]): p for p in pairs}
    flagged_index = {
        tuple(p["bidders"]): i for i, p in enumerate((p for p in pairs if p["flagged"]), start=1)
    }
    rows = []
    for row in bidders:
        cells: list[dict[str, Any]] = []
        for col in bidders:
            if row["id"] == col["id"]:
                cells.append({"kind": "self"})
                continue
            key = tuple(sorted((row["id"], col["id"])))
            pair = by_pair.get(key)
            if pair is None:
                cells.append({"kind": "none"})
                continue
            cells.append(
                {
                    "kind": "pair",
                    "score": format_score(pair["score"]),
                    "weight": format_weight(pair["weight"]),
                    "shade": shade(pair["score"]),
                    "flagged": pair["flagged"],
                    "anchor": flagged_index.get(key),
                    "title": f"{key[0]} 与 {key[1]}：分值 {format_score(pair['score'])}，"
                    f"证据权重 {format_weight(pair['weight'])}"
                    + ("，已标记" if pair["flagged"] else "，未达标记阈值"),
                }
            )
        rows.append({"id": row["id"], "name": row["name"], "cells": cells})
    return {"columns": [b["id"] for b in bidders], "rows": rows}
