"""Reading a report for people: what the HTML page and the terminal summary share.

Scores, prices and measures formatted, field names in Chinese with the raw
name kept, the bidders and their files as shown, the files not analysed, and
group marks. Reports are read defensively: a value of the wrong type is shown
as text or a dash, never an exception.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from typing import Any

from collusion.labels import (
    STATUS_LABELS,
    field_name,
)
from collusion.runtime import clock

SEVERITY_ORDER = {"high": 0, "medium": 1, "low": 2}

TENDER_OWNER = "招标文件"

GROUP_MARKS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def as_text(value: Any) -> str:
    return "" if value is None else str(value)


def as_mapping(value: Any) -> Mapping[str, Any]:
    """A report field that should be an object, or an empty one."""
    return value if isinstance(value, Mapping) else {}


def reader_time(value: Any) -> str:
    """An ISO 8601 time of a report in the reader's zone with its offset
    (``collusion.runtime.clock``); text that is not such a time, as it is."""
    text = as_text(value)
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        return text
    return clock.local_iso(moment) if moment.tzinfo is not None else text


def score_value(value: Any) -> float:
    """A score as a float for sorting; anything not a number counts as 0."""
    if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value):
        return float(value)
    return 0.0


# Measures below this are written in exponent form rather than rounded to 0.
SMALLEST_DECIMAL = 0.0001
# Scores are shown with two decimals; one that would read 0.00 or 1.00 is
# shown as a bound, never as certainty (the weight beside it ranks the pair).
SCORE_FLOOR, SCORE_CEILING = 0.005, 0.995


def format_score(value: Any) -> str:
    """A score in [0, 1] with two decimals (below 0.01 as "<0.01", above
    0.99 as ">0.99"), or a dash."""
    if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value):
        if value < SCORE_FLOOR:
            return "<0.01"
        if SCORE_CEILING <= value:
            return ">0.99"
        return f"{float(value):.2f}"
    return "—"


def weight_value(value: Any) -> float:
    """A weight of evidence as a float for sorting; anything not a number counts as 0."""
    return score_value(value)


def format_weight(value: Any) -> str:
    """A weight of evidence (log10 of the likelihood ratio) with one decimal, or a dash."""
    if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value):
        return f"{float(value):.1f}"
    return "—"


def pair_rank_key(pair: Mapping[str, Any]) -> tuple:
    """The order of pairs for people: strongest evidence first (weight, then
    score), then by bidders. The terminal and the HTML number pairs by it."""
    return (
        -weight_value(pair.get("weight")),
        -score_value(pair.get("score")),
        sorted(as_text(b) for b in pair.get("bidders") or []),
    )


def format_price(value: Any) -> str:
    """A price in yuan with thousands separators."""
    if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value):
        return f"{float(value):,.2f}"
    return as_text(value) or "—"


def format_number(value: Any) -> str:
    """A measure: integers as is, floats with up to four decimals."""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        if not math.isfinite(value):
            return str(value)
        if value and abs(value) < SMALLEST_DECIMAL:
            return f"{value:.2g}"  # a chance of 1.2e-07 is not 0
        return f"{value:.4f}".rstrip("0").rstrip(".") if value != int(value) else f"{value:,.0f}"
    if isinstance(value, (list, tuple)):
        return "、".join(format_number(v) for v in value)
    if isinstance(value, Mapping):
        return "；".join(f"{k}: {format_number(v)}" for k, v in value.items())
    return as_text(value)


def field_label(field: Any, label: Any = None) -> str:
    """A field in Chinese: the report's label, else ours; the raw name (a
    JSON key) only for a field that has no Chinese name."""
    name = as_text(field)
    return as_text(label) or field_name(name) or name or "—"


def severity_of(alert: Mapping[str, Any]) -> str:
    value = alert.get("severity")
    return value if value in SEVERITY_ORDER else "low"


def alert_sort_key(alert: Mapping[str, Any]) -> tuple:
    return (
        SEVERITY_ORDER[severity_of(alert)],
        -score_value(alert.get("score")),
        as_text(alert.get("kind")),
        as_text(alert.get("id")),
    )


def list_of(data: Mapping[str, Any], key: str) -> list:
    value = data.get(key)
    return list(value) if isinstance(value, (list, tuple)) else []


def file_rows(raw_files: Any) -> list[dict[str, Any]]:
    """The file entries of a bidder or of the tender, as shown."""
    files = []
    for f in raw_files if isinstance(raw_files, (list, tuple)) else []:
        if not isinstance(f, Mapping):
            continue
        status = as_text(f.get("status")) or "ok"
        files.append(
            {
                "path": as_text(f.get("path")),
                "format": as_text(f.get("format")).upper() or "—",
                "pages": f.get("pages") if isinstance(f.get("pages"), int) else None,
                "chars": format_number(f["chars"]) if isinstance(f.get("chars"), int) else "—",
                "status": status,
                "status_label": STATUS_LABELS.get(status, status),
                "ok": status == "ok",
                "error": as_text(f.get("error")),
            }
        )
    return files


def tender_files(report: Mapping[str, Any]) -> list[dict[str, Any]]:
    tender = report.get("tender")
    return file_rows(tender.get("files")) if isinstance(tender, Mapping) else []


def bidder_rows(report: Mapping[str, Any]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for raw in list_of(report, "bidders"):
        if not isinstance(raw, Mapping):
            continue
        files = file_rows(raw.get("files"))
        pages = sum(f["pages"] or 0 for f in files)
        bad = sum(1 for f in files if not f["ok"])
        price = raw.get("price")
        out.append(
            {
                "id": as_text(raw.get("id")),
                "name": as_text(raw.get("name")),
                "price": format_price(price) if price is not None else "—",
                "price_value": price if isinstance(price, (int, float)) else None,
                "files": files,
                "pages": pages,
                "status": ("全部已分析" if not bad else f"{bad} 个文件未分析")
                if files
                else "未提交文件",
                "ok": bool(files) and not bad,
            }
        )
    out.sort(key=lambda b: b["id"])
    return out


def unanalysed_files(report: Mapping[str, Any]) -> list[dict[str, str]]:
    """Every file not analysed, with the reason: file statuses and ``errors``."""
    return problem_rows(report, bidder_rows(report))


def problem_rows(report: Mapping[str, Any], bidders: list[dict[str, Any]]) -> list[dict[str, str]]:
    rows: list[dict[str, str]] = []
    by_path: dict[str, dict[str, str]] = {}
    owners = [(b["id"], b["files"]) for b in bidders] + [(TENDER_OWNER, tender_files(report))]
    for owner_id, files in owners:
        for f in files:
            if not f["ok"]:
                row: dict[str, str] = {
                    "file": f["path"],
                    "bidder": owner_id,
                    "status": f["status_label"],
                    "reason": f["error"] or f["status_label"],
                }
                rows.append(row)
                by_path[f["path"]] = row
    owner = {f["path"]: owner_id for owner_id, files in owners for f in files}
    for err in list_of(report, "errors"):
        if not isinstance(err, Mapping):
            continue
        path, reason = as_text(err.get("file")), as_text(err.get("error")) or "—"
        known = by_path.get(path)
        if known is not None and known["reason"] in (reason, known["status"]):
            known["reason"] = reason  # the same problem, told by errors in more words
            continue
        rows.append(
            {
                "file": path or "—",
                "bidder": owner.get(path) or as_text(err.get("bidder")) or _bidder_of_path(path),
                "status": "错误",
                "reason": reason,
            }
        )
    rows.sort(key=lambda r: (r["file"], r["reason"]))
    return rows


def _bidder_of_path(path: str) -> str:
    """The bidder id of a project-relative path under bids/<id>/, or a dash."""
    parts = path.split("/")
    if parts[0] == "tender":
        return TENDER_OWNER
    return parts[1] if len(parts) > 2 and parts[0] == "bids" else "—"


def group_mark(index: int) -> str:
    """The label of the index-th group: 组A, 组B, ..."""
    letters = GROUP_MARKS[index % len(GROUP_MARKS)]
    return f"组{letters}" if index < len(GROUP_MARKS) else f"组{letters}{index // len(GROUP_MARKS)}"
