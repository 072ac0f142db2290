"""The flagged pairs: each pair's alerts with their evidence, measures and passages."""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping
from typing import Any

from collusion.labels import (
    KIND_LABELS,
    MATCH_LABELS,
    MEASURE_LABELS,
    PATTERN_LABELS,
    SEVERITY_LABELS,
    SOURCE_LABELS,
    STORY_LABELS,
    STRENGTH_LABELS,
)
from collusion.report.html.chart import CHART_PATTERNS, price_chart
from collusion.report.html.highlight import (
    highlight_shared,
    highlight_value,
)
from collusion.report.html.links import link_graph
from collusion.report.present import (
    SEVERITY_ORDER,
    alert_sort_key,
    as_mapping,
    as_text,
    field_label,
    format_number,
    format_price,
    format_score,
    format_weight,
)

# Details that are shares, shown as percentages.
SHARE_KEYS = ("share", "ratio_share", "identical_share")
# Details shown in their own table rather than as measures.
SECTION_KEYS = ("sections",)
# Small mappings (e.g. a share per bidder) are shown inline up to this size.
MAX_INLINE_ITEMS = 8


# The pair matrix shades cells in this many steps of score.
SHADE_STEPS = 5


def shade(score: Any) -> int:
    """The matrix shading step (0..SHADE_STEPS) of a score."""
    if not isinstance(score, (int, float)) or isinstance(score, bool):
        return 0
    clamped = min(max(float(score), 0.0), 1.0)
    return max(1, math.ceil(clamped * SHADE_STEPS))


def alert_brief(alert: dict[str, Any]) -> dict[str, str]:
    return {
        "id": alert["id"],
        "kind_label": KIND_LABELS.get(alert["kind"], alert["kind"] or "—"),
        "severity": alert["severity"],
        "severity_label": SEVERITY_LABELS[alert["severity"]],
        "score": format_score(alert["score"]),
        "summary": alert["summary"],
    }


def pair_view(
    pair: dict[str, Any],
    index: int,
    alerts: dict[str, dict[str, Any]],
    ignored: list[dict[str, Any]],
    names: dict[str, str],
    bidders: list[dict[str, Any]],
    first_shown: dict[str, int],
) -> dict[str, Any]:
    """One flagged pair: its shared-code table and its other alerts, by severity.

    An alert about three or more bidders belongs to several pairs; it is shown
    in full under the first and referred to from the others.
    """
    a, b = pair["bidders"]
    own = sorted((alerts[i] for i in pair["alert_ids"] if i in alerts), key=alert_sort_key)
    signatures = [x for x in own if x["kind"] == "shared_signature"]
    blocks: list[dict[str, Any]] = []
    ignored_rows = [sig for sig in ignored if a in sig["bidders"] and b in sig["bidders"]]
    if signatures or ignored_rows:
        rows = [_signature_row(x, a, b) for x in signatures]
        top = signatures[0] if signatures else None
        blocks.append(
            {
                "type": "signatures",
                "sort": alert_sort_key(top) if top else (len(SEVERITY_ORDER),),
                "severity": top["severity"] if top else "",
                "severity_label": SEVERITY_LABELS[top["severity"]] if top else "",
                "rows": rows,
                "ignored": ignored_rows,
                "basis": sorted({x["basis"] for x in signatures if x["basis"]}),
            }
        )
    for alert in own:
        if alert["kind"] == "shared_signature":
            continue
        if alert["id"] in first_shown:
            view = {
                **alert_brief(alert),
                "type": "ref",
                "basis": alert["basis"],
                "pair": first_shown[alert["id"]],
            }
        else:
            first_shown[alert["id"]] = index
            view = alert_view(alert, (a, b), names, bidders)
        view["sort"] = alert_sort_key(alert)
        blocks.append(view)
    blocks.sort(key=lambda blk: blk["sort"])
    kinds: dict[str, int] = {}
    for alert in own:
        label = KIND_LABELS.get(alert["kind"], alert["kind"])
        kinds[label] = kinds.get(label, 0) + 1
    return {
        "index": index,
        "a": a,
        "b": b,
        "a_name": names.get(a, ""),
        "b_name": names.get(b, ""),
        "score": format_score(pair["score"]),
        "weight": format_weight(pair["weight"]),
        "shade": shade(pair["score"]),
        "kinds": [f"{k}×{v}" if v > 1 else k for k, v in kinds.items()],
        "blocks": blocks,
        "alert_ids": [x["id"] for x in own],
    }


def _files_of(evidence: list[Mapping[str, Any]], bidder: str) -> list[str]:
    files = []
    for item in evidence:
        if as_text(item.get("bidder")) == bidder:
            name = as_text(item.get("file")) or "电子招投标系统记录"
            if name not in files:
                files.append(name)
    return files


def _signature_row(alert: dict[str, Any], a: str, b: str) -> dict[str, Any]:
    details = alert["details"]
    evidence = alert["evidence"]
    field = details.get("field") or next((e.get("field") for e in evidence if e.get("field")), "")
    value = details.get("value") or next((e.get("value") for e in evidence if e.get("value")), "")
    source = as_text(details.get("source"))
    return {
        "id": alert["id"],
        "severity": alert["severity"],
        "severity_label": SEVERITY_LABELS[alert["severity"]],
        "score": format_score(alert["score"]),
        "source_label": SOURCE_LABELS.get(source, source or "—"),
        "field_label": field_label(field, details.get("label")),
        "value": format_number(value),
        "files_a": _files_of(evidence, a),
        "files_b": _files_of(evidence, b),
        "summary": alert["summary"],
    }


def _locator(item: Mapping[str, Any]) -> dict[str, str]:
    page = item.get("page")
    start, end = item.get("start"), item.get("end")
    return {
        "bidder": as_text(item.get("bidder")),
        "file": as_text(item.get("file")) or "—",
        "page": f"第 {page} 页" if page is not None else "",
        "section": as_text(item.get("section")),
        "paragraph": paragraph_text(item),
        "chars": f"章节内第 {start + 1}–{end} 字"
        if isinstance(start, int) and isinstance(end, int)
        else "",
        "line": f"第 {item['line']} 行" if isinstance(item.get("line"), int) else "",
        "project": f"历史项目 {as_text(item.get('project'))}" if item.get("project") else "",
    }


def paragraph_text(item: Mapping[str, Any]) -> str:
    """Where a quote is, counted from 1 as the JSON's ``paragraph_number``
    (``paragraph`` + 1 for reports that carry only the 0-based index)."""
    first = _number(item, "paragraph_number", "paragraph")
    if first is None:
        return ""
    story = as_text(item.get("story"))
    where = STORY_LABELS.get(story, "") if story and story != "body" else ""
    last = _number(item, "paragraph_end_number", "paragraph_end")
    if last is not None and last != first:
        return f"{where}第 {first}–{last} 段（自文首起计）"
    return f"{where}第 {first} 段（自文首起计）"


def _number(item: Mapping[str, Any], counted: str, index: str) -> int | None:
    for key, add in ((counted, 0), (index, 1)):
        value = item.get(key)
        if isinstance(value, int) and not isinstance(value, bool):
            return value + add
    return None


def _is_scalar(value: Any) -> bool:
    return value is None or isinstance(value, (str, int, float, bool))


def _measure_value(key: str, value: Any, bidders: set[str]) -> str | None:
    """A detail as one short line, or None when it is too nested for one."""
    if key == "source":
        return SOURCE_LABELS.get(str(value), format_number(value))
    if key in ("field", "fields"):
        values = value if isinstance(value, list) else [value]
        return "、".join(field_label(v) for v in values)
    if key == "pattern":
        return PATTERN_LABELS.get(str(value), format_number(value))
    if key == "strength":
        return STRENGTH_LABELS.get(str(value), format_number(value))
    if key == "match":
        return MATCH_LABELS.get(str(value), format_number(value))
    if key == "price":
        return format_price(value)
    if key in SHARE_KEYS and isinstance(value, (int, float, Mapping)):
        if isinstance(value, Mapping):
            items = [(k, v) for k, v in value.items() if isinstance(v, (int, float))]
            return "；".join(f"{k} {v:.0%}" for k, v in items) if items else None
        return f"{value:.0%}"
    if isinstance(value, Mapping):
        # Inline only a value per bidder (names, shares); settings and counts
        # of the machinery are left to the raw view.
        if not value or not set(map(str, value)) <= bidders:
            return None
        if not all(
            _is_scalar(v) or (isinstance(v, list) and all(map(_is_scalar, v)))
            for v in value.values()
        ):
            return None
        parts = [f"{k}: {format_number(v)}" for k, v in value.items() if v not in (None, "", [])]
        return "；".join(parts) or None
    if isinstance(value, list):
        if len(value) > MAX_INLINE_ITEMS * 2 or not all(map(_is_scalar, value)):
            return None
        return format_number(value) or None
    return format_number(value)


def _details_rows(
    details: Mapping[str, Any], bidders: Iterable[str], skip: Iterable[str] = ()
) -> list[dict[str, str]]:
    """The details that read as one line each; nested ones are left to the raw view."""
    skip = set(skip) | set(SECTION_KEYS)
    if "label" in details:
        skip.add("field")  # the detector's own label says it in Chinese
    rows = []
    for key, value in details.items():
        # A detail without a Chinese name stays in the raw JSON view: a JSON
        # key is never written into the Chinese page as a word.
        if key in skip or value is None or str(key) not in MEASURE_LABELS:
            continue
        text = _measure_value(str(key), value, set(bidders))
        if text:
            rows.append({"name": MEASURE_LABELS[str(key)], "value": text})
    return rows


def _raw_details(details: Mapping[str, Any]) -> str:
    """All details as indented JSON, for the reviewer who wants every measure."""
    if not details:
        return ""
    return json.dumps(details, ensure_ascii=False, indent=2, default=str)


def _section_pairs(details: Mapping[str, Any], pair: tuple[str, ...]) -> list[dict[str, Any]]:
    """The matched section pairs a near-duplicate alert lists in details."""
    rows = []
    for item in details.get("sections") or []:
        if not isinstance(item, Mapping):
            continue
        sides = []
        for bidder in pair:
            where = item.get(bidder)
            if isinstance(where, Mapping):
                sides.append(
                    {
                        "bidder": bidder,
                        "file": as_text(where.get("file")),
                        "section": as_text(where.get("section")),
                        "page": f"第 {where['page']} 页" if where.get("page") is not None else "",
                    }
                )
        if len(sides) != 2:
            continue
        rows.append(
            {
                "sides": sides,
                "jaccard": format_number(item.get("jaccard"))
                if item.get("jaccard") is not None
                else "—",
                "containment": format_number(item.get("containment"))
                if item.get("containment") is not None
                else "—",
                "by": {"text": "文字", "parameters": "技术参数"}.get(
                    as_text(item.get("matched_by")), as_text(item.get("matched_by")) or "—"
                ),
            }
        )
    return rows


def alert_view(
    alert: dict[str, Any],
    pair: tuple[str, ...],
    names: dict[str, str],
    bidders: list[dict[str, Any]],
) -> dict[str, Any]:
    view: dict[str, Any] = {
        **alert_brief(alert),
        "type": "alert",
        "kind": alert["kind"],
        "basis": alert["basis"],
        "bidders": [{"id": x, "name": names.get(x, "")} for x in alert["bidders"]],
        "sort": alert_sort_key(alert),
    }
    details = alert["details"]
    view["measures"] = _details_rows(details, alert["bidders"], skip=("prices", "order", "sources"))
    view["raw"] = _raw_details(details)
    view["sections"] = []
    view["passages"] = []
    view["rewritten"] = []
    view["chart"] = None
    view["link_graph"] = None
    view["evidence"] = []
    if alert["kind"] == "near_duplicate_text":
        view["sections"] = _section_pairs(details, pair)
        view["passages"] = _passages(alert["evidence"], pair)
        view["rewritten"] = _rewritten(details, pair)
        return view
    if alert["kind"] == "price_pattern" and details.get("pattern") in CHART_PATTERNS:
        view["chart"] = price_chart(alert, bidders)
    if alert["kind"] == "company_link":
        view["measures"] = _link_rows(details)
        view["link_graph"] = link_graph(details, alert["bidders"])
    view["evidence"] = [
        {
            **_locator(e),
            "field_label": field_label(e.get("field")) if e.get("field") else "",
            "value": as_text(e.get("value")),
            "context": highlight_value(as_text(e.get("excerpt")), as_text(e.get("value")))
            if e.get("excerpt")
            else [],
        }
        for e in alert["evidence"]
    ]
    return view


def _link_rows(details: Mapping[str, Any]) -> list[dict[str, str]]:
    """A company link's kind, entity and legal note, in Chinese."""
    via = as_mapping(details.get("via"))
    rows = [
        {
            "name": "关联类型",
            "value": as_text(details.get("label")) or as_text(details.get("link")),
        },
        {"name": "关联主体", "value": as_text(via.get("name")) or "—"},
    ]
    if via.get("by_name"):
        rows.append({"name": "身份核对", "value": "仅姓名相同，至少一方未载明身份证号"})
    if details.get("legal_note"):
        rows.append({"name": "法律依据说明", "value": as_text(details.get("legal_note"))})
    return rows


PIECE_JOINER = " …… "  # between the pieces of one passage over a section boundary


def _joined_pieces(items: list[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """A passage's evidence, one side per bidder: a copy over the boundary of
    two sections comes in pieces (the same passage number), shown as one
    excerpt at the first piece's place."""
    by_bidder: dict[str, list[Mapping[str, Any]]] = {}
    for item in items:
        by_bidder.setdefault(as_text(item.get("bidder")), []).append(item)
    out: list[Mapping[str, Any]] = []
    for pieces in by_bidder.values():
        if len(pieces) == 1:
            out.append(pieces[0])
            continue
        excerpt = PIECE_JOINER.join(as_text(p.get("excerpt")) for p in pieces)
        out.append({**pieces[0], "excerpt": excerpt, "end": None})
    return out


def _rewritten(details: Mapping[str, Any], pair: tuple[str, ...]) -> list[dict[str, Any]]:
    """The passages rewritten in other words: their aligned sentences as pairs
    (the pieces of one copy over a heading, which share a passage number, in
    one table, their measures listed in turn)."""
    out: list[dict[str, Any]] = []
    for item in details.get("rewritten_passages") or []:
        sentences = item.get("sentences") or []
        rows = [
            {"sides": [as_text(s.get(b)) for b in pair], "cosine": s.get("cosine")}
            for s in sentences
        ]
        number = item.get("passage")
        if out and number is not None and out[-1]["number"] == number:
            last = out[-1]
            last["rows"] += rows
            for key in ("similarity", "p_value"):
                last[key] = f"{last[key]}、{item.get(key)}"
            continue
        out.append(
            {
                "number": number,
                "similarity": item.get("similarity"),
                "p_value": item.get("p_value"),
                "bidders": list(pair),
                "rows": rows,
            }
        )
    return out


def _passages(evidence: list[Mapping[str, Any]], pair: tuple[str, ...]) -> list[dict[str, Any]]:
    """The aligned passages of a near-duplicate alert, two sides each."""
    order = {b: i for i, b in enumerate(pair)}
    linked: dict[Any, list[Mapping[str, Any]]] = {}
    loose: dict[str, list[Mapping[str, Any]]] = {}
    for item in evidence:
        key = item.get("passage")
        if isinstance(key, int) and not isinstance(key, bool):
            linked.setdefault(key, []).append(item)
        else:
            loose.setdefault(as_text(item.get("bidder")), []).append(item)
    sides_list = [linked[k] for k in sorted(linked)]
    # Evidence without a passage number: pair the n-th item of one bidder with
    # the n-th of the other.
    loose_lists = [loose[k] for k in sorted(loose, key=lambda b: (order.get(b, len(order)), b))]
    if loose_lists:
        longest = max(len(x) for x in loose_lists)
        for n in range(longest):
            sides_list.append([x[n] for x in loose_lists if n < len(x)])
    out = []
    for number, pieces in enumerate(sides_list, start=1):
        sides = sorted(
            _joined_pieces(pieces),
            key=lambda e: (
                order.get(as_text(e.get("bidder")), len(order)),
                as_text(e.get("bidder")),
            ),
        )
        texts = [as_text(e.get("excerpt")) for e in sides]
        if len(sides) >= 2 and texts[0] and texts[1]:
            segs = list(highlight_shared(texts[0], texts[1]))
            segs += [[(t, False)] if t else [] for t in texts[2:]]
        else:
            # One excerpt only: it is the shared text itself.
            segs = [[(t, True)] if t else [] for t in texts]
        out.append(
            {
                "number": number,
                "sides": [{**_locator(e), "segments": s} for e, s in zip(sides, segs, strict=True)],
            }
        )
    return out
