"""The self-contained HTML view of a report, for people rather than systems.

The report dict (contract §3, plus the pipeline's extra fields) is turned into
a plain view model here, in Python, and rendered by one Jinja2 template with
autoescape on. Bid text and metadata are untrusted: nothing from the report is
ever marked safe. Highlighted excerpts are lists of ``(text, is_shared)``
segments that the template wraps in ``<mark>`` itself, and every number that
ends up in an attribute (SVG geometry, shading classes) is computed here.

The page carries its CSS and SVG inline, loads nothing and needs no script.
"""

from __future__ import annotations

import functools
import json
import math
import os
from collections.abc import Iterable, Mapping
from typing import Any

import jinja2

from collusion.basis import DISCLAIMER
from collusion.identifiers import KIND_LABELS
from collusion.report import write_private

TEMPLATE_NAME = "report.html.j2"

# A common run shorter than this (in characters) is not highlighted: short
# runs ("的", "工程") match everywhere and would only add noise.
MIN_HIGHLIGHT_CHARS = 6
# Excerpts longer than this are shown without highlighting (a guard on
# memory; highlighting is linear in the excerpt's length).
MAX_HIGHLIGHT_CHARS = 200_000
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
# Where along an edge (from its first bidder) its score is written.
EDGE_LABEL_AT = 0.4
# Edge score labels in the graph are drawn only when there are few edges.
MAX_EDGE_LABELS = 15
# The pair matrix shades cells in this many steps of score.
SHADE_STEPS = 5

SEVERITY_ORDER = {"high": 0, "medium": 1, "low": 2}
SEVERITY_LABEL = {"high": "高", "medium": "中", "low": "低"}

KIND_LABEL = {
    "identical_file": "文件完全相同",
    "shared_signature": "特征码相同",
    "near_duplicate_text": "文本雷同",
    "shared_identifier": "人员、证书或联系方式相同",
    "mixed_documents": "投标文件相互混装",
    "price_pattern": "报价呈规律性",
}

STATUS_LABEL = {
    "ok": "已分析",
    "no_text": "无可提取文本（可能为扫描件）",
    "error": "读取失败",
    "refused": "未打开（安全限制）",
    "partial": "仅部分分析",
}

SOURCE_LABEL = {
    "pdf": "PDF 元数据",
    "docx": "DOCX 元数据",
    "csv": "电子招投标系统导出",
}

# Field names in Chinese, for reports whose entries carry no ``label`` of
# their own: the e-bidding codes the contract names, the common document
# metadata fields, and price evidence. Identifier kinds come from
# identifiers.py; a report's own label always wins.
FIELD_LABEL = {
    "machine_code": "文件制作机器码",
    "mac": "网卡 MAC 地址",
    "cpu_id": "CPU 序列号",
    "disk_serial": "硬盘序列号",
    "ca_serial": "CA 数字证书序列号",
    "pricing_lock": "计价软件加密锁号",
    "upload_ip": "上传 IP",
    "deposit_account": "保证金转出账户",
    "author": "文档作者",
    "last_modified_by": "最后修改人",
    "company": "文档单位",
    "template": "文档模板",
    "created": "文档创建时间",
    "producer": "PDF 生成程序",
    "creator": "创建程序",
    "rsid_root": "DOCX 文档根标识 rsidRoot",
    "rsid": "DOCX 编辑会话标识 rsid",
    "pdf_id_0": "PDF 文档标识 /ID[0]",
    "pdf_id_1": "PDF 版本标识 /ID[1]",
    "image_sha256": "内嵌图片（哈希相同）",
    "sha256": "文件 SHA-256",
    "bidder_name": "投标人名称",
    "company_name": "公司名称",
    "bid_price": "投标报价",
    "unit_price": "综合单价",
    "arithmetic_error": "计算错误",
}

MEASURE_LABEL = {
    "jaccard": "Jaccard 相似度",
    "containment": "包含度",
    "shared_chars": "雷同字数",
    "weighted_chars": "加权雷同字数",
    "share": "占非模板文字比例",
    "passages": "雷同段落数",
    "shared_passages": "雷同段落数",
    "rare_spans": "特殊字句（如相同错别字）",
    "section_pairs": "雷同章节对数",
    "parameter_section_pairs": "技术参数一致的章节对数",
    "tfidf_cosine": "TF-IDF 余弦相似度",
    "cosine": "余弦相似度",
    "candidates_compared": "比对的候选章节对",
    "shared_shingles": "相同片段数",
    "pattern": "规律",
    "ratio": "比值",
    "ratio_lines": "呈固定比例的清单项数",
    "ratio_share": "呈固定比例的清单项占比",
    "step": "公差或公比",
    "price": "报价（元）",
    "order": "由低到高",
    "shared_errors": "相同的计算错误数",
    "identical_errors": "数值完全相同的计算错误数",
    "source": "来源",
    "field": "项目",
    "label": "项目",
    "value": "值",
    "normalized": "规范化值",
    "strength": "证据强度",
    "roles": "岗位",
    "names": "姓名",
    "carriers": "涉及投标人数",
    "project_bidders": "项目投标人数",
    "bank": "开户行",
    "deposit": "保证金账户",
    "carrier": "出现于",
    "named": "被提及的投标人",
    "fields": "项目",
    "values": "值",
    "mentions": "出现次数",
    "declared": "出现在落款、盖章处或信用代码",
    "files": "文件",
    "comparable_lines": "可比清单项数",
    "identical_lines": "综合单价相同的项数",
    "identical_share": "综合单价相同的占比",
}

# Details that are shares, shown as percentages.
SHARE_KEYS = ("share", "ratio_share", "identical_share")

PATTERN_LABEL = {
    "identical_price": "报价完全相同",
    "arithmetic_progression": "等差数列",
    "geometric_progression": "等比数列",
    "identical_unit_prices": "综合单价相同",
    "constant_unit_price_ratio": "综合单价呈固定比例",
    "shared_arithmetic_errors": "相同的计算错误",
}

# The pipeline's project-level price screens: name -> (label, what it measures).
SCREEN_LABEL = {
    "cv": ("变异系数 CV", "报价标准差 ÷ 平均报价；越小，报价越集中"),
    "spread": ("价差率", "（最高报价 − 最低报价）÷ 最低报价"),
    "diffp": ("最低两家差距 DIFFP", "（次低报价 − 最低报价）÷ 最低报价"),
    "rd": ("相对距离 RD", "最低两家的差距 ÷ 落标报价的标准差"),
    "skewness": ("偏度", "报价分布的偏斜程度（G1）"),
    "kurtosis": ("峰度", "报价分布的超额峰度（G2）"),
    "ks": ("KS 距离", "报价与均匀分布的 Kolmogorov–Smirnov 距离；等距报价为 1/n"),
}

STRENGTH_LABEL = {"high": "强", "medium": "中", "low": "弱", "none": "不作为证据"}

# Price patterns over the bid prices, shown with a chart of the sorted bids
# (None: a report that names no pattern).
CHART_PATTERNS = (None, "identical_price", "arithmetic_progression", "geometric_progression")
# Details shown in their own table rather than as measures.
SECTION_KEYS = ("sections",)
# Small mappings (e.g. a share per bidder) are shown inline up to this size.
MAX_INLINE_ITEMS = 8

INDUSTRY_LABEL = {
    "construction": "工程建设",
    "procurement": "政府采购",
    "medicine": "药品和医用耗材采购",
}

TENDER_OWNER = "招标文件"

GROUP_MARKS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


# ---------------------------------------------------------------- public API


def render_html(report: Mapping[str, Any]) -> str:
    """Render a report dict as one self-contained HTML page."""
    template = _environment().get_template(TEMPLATE_NAME)
    return template.render(**build_view(report))


def write_html(report: Mapping[str, Any], path: str | os.PathLike[str]) -> None:
    """Write the HTML page to ``path`` atomically, readable by the owner only.

    The page carries the same personal data as the JSON report, so it is
    written the same way (temp file, then rename; mode 0600).
    """
    write_private(path, render_html(report))


# ---------------------------------------------------------------- highlighting


Segments = list[tuple[str, bool]]


def _segments(text: str, spans: Iterable[tuple[int, int]]) -> Segments:
    """Cut ``text`` into (text, is_shared) runs from sorted, disjoint spans."""
    out: Segments = []
    pos = 0
    for start, end in spans:
        if start > pos:
            out.append((text[pos:start], False))
        if end > start:
            out.append((text[start:end], True))
        pos = max(pos, end)
    if pos < len(text):
        out.append((text[pos:], False))
    return out


def _shared_spans(text: str, grams: set[str], k: int) -> list[tuple[int, int]]:
    """The runs of ``text`` covered by k-character substrings found in ``grams``."""
    spans: list[tuple[int, int]] = []
    for i in range(len(text) - k + 1):
        if text[i : i + k] in grams:
            if spans and spans[-1][1] >= i:
                spans[-1] = (spans[-1][0], i + k)
            else:
                spans.append((i, i + k))
    return spans


def highlight_shared(
    a: str, b: str, min_chars: int = MIN_HIGHLIGHT_CHARS
) -> tuple[Segments, Segments]:
    """Mark the text two excerpts share: every run of ``min_chars`` or more
    characters that also stands anywhere in the other excerpt.

    Returns each side as (text, is_shared) segments. Unlike difflib's
    matching blocks this also marks sentences the other side moved, and it
    takes linear time, so long excerpts of large projects render quickly.
    """
    if len(a) > MAX_HIGHLIGHT_CHARS or len(b) > MAX_HIGHLIGHT_CHARS:
        return [(a, False)], [(b, False)]
    k = max(min_chars, 1)
    grams_a = {a[i : i + k] for i in range(len(a) - k + 1)}
    grams_b = {b[i : i + k] for i in range(len(b) - k + 1)}
    return (
        _segments(a, _shared_spans(a, grams_b, k)),
        _segments(b, _shared_spans(b, grams_a, k)),
    )


def highlight_value(text: str, value: str | None) -> Segments:
    """Mark every occurrence of ``value`` in ``text``."""
    if not value or value not in text:
        return [(text, False)]
    spans = []
    start = text.find(value)
    while start != -1:
        spans.append((start, start + len(value)))
        start = text.find(value, start + len(value))
    return _segments(text, spans)


# ---------------------------------------------------------------- formatting


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def score_value(value: Any) -> float:
    """A score as a float for sorting; anything not a number counts as 0."""
    if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value):
        return float(value)
    return 0.0


def format_score(value: Any) -> str:
    """A score in [0, 1] with two decimals, or a dash."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return f"{float(value):.2f}"
    return "—"


def format_price(value: Any) -> str:
    """A price in yuan with thousands separators."""
    if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value):
        return f"{float(value):,.2f}"
    return _text(value) or "—"


def format_number(value: Any) -> str:
    """A measure: integers as is, floats with up to four decimals."""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        if not math.isfinite(value):
            return str(value)
        return f"{value:.4f}".rstrip("0").rstrip(".") if value != int(value) else f"{value:,.0f}"
    if isinstance(value, (list, tuple)):
        return "、".join(format_number(v) for v in value)
    if isinstance(value, Mapping):
        return "；".join(f"{k}: {format_number(v)}" for k, v in value.items())
    return _text(value)


def field_label(field: Any, label: Any = None) -> str:
    """A field in Chinese with the raw name kept: the report's label, else ours."""
    name = _text(field)
    text = _text(label) or FIELD_LABEL.get(name) or KIND_LABELS.get(name)
    return f"{text}（{name}）" if text and text != name else (name or "—")


def _severity(alert: Mapping[str, Any]) -> str:
    value = alert.get("severity")
    return value if value in SEVERITY_ORDER else "low"


def _alert_sort_key(alert: Mapping[str, Any]) -> tuple:
    return (
        SEVERITY_ORDER[_severity(alert)],
        -score_value(alert.get("score")),
        _text(alert.get("kind")),
        _text(alert.get("id")),
    )


def _shade(score: Any) -> int:
    """The matrix shading step (0..SHADE_STEPS) of a score."""
    if not isinstance(score, (int, float)) or isinstance(score, bool):
        return 0
    clamped = min(max(float(score), 0.0), 1.0)
    return max(1, math.ceil(clamped * SHADE_STEPS))


# ---------------------------------------------------------------- view model


def build_view(report: Mapping[str, Any]) -> dict[str, Any]:
    """Everything the template shows, as plain, already-ordered data."""
    bidders = _bidders(report)
    names = {b["id"]: b["name"] for b in bidders}
    alerts = {a["id"]: a for a in (_alert(a, i) for i, a in enumerate(_list(report, "alerts")))}
    pairs = _pairs(report, alerts)
    groups = _groups(report)
    flagged = [p for p in pairs if p["flagged"]]
    ignored = _ignored(report)
    shown: set[str] = set()
    first_shown: dict[str, int] = {}  # alert id -> the flagged pair that shows it in full
    pair_views = []
    for index, pair in enumerate(flagged, start=1):
        view = _pair_view(pair, index, alerts, ignored, names, bidders, first_shown)
        shown.update(view["alert_ids"])
        pair_views.append(view)
    unflagged = [p for p in pairs if not p["flagged"]]
    for pair in unflagged:
        shown.update(pair["alert_ids"])
    others = [
        _alert_view(a, tuple(a["bidders"][:2]), names, bidders)
        for a in sorted(alerts.values(), key=_alert_sort_key)
        if a["id"] not in shown
    ]
    project = report.get("project") or {}
    generator = report.get("generator") or {}
    problems = _problems(report, bidders)
    severity_counts = {key: 0 for key in SEVERITY_ORDER}
    for alert in alerts.values():
        severity_counts[_severity(alert)] += 1
    return {
        "project": {
            "id": _text(project.get("id")),
            "name": _text(project.get("name")),
            "industry": INDUSTRY_LABEL.get(
                _text(project.get("industry")), _text(project.get("industry"))
            ),
        },
        "generator": {
            "name": _text(generator.get("name")) or "collusion",
            "version": _text(generator.get("version")),
        },
        "generated_at": _text(report.get("generated_at")),
        "schema_version": _text(report.get("schema_version")),
        "disclaimer": _text(report.get("disclaimer")) or DISCLAIMER,
        "summary": _text(report.get("summary")),
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
        "tender": _tender_files(report),
        "problems": problems,
        "matrix": _matrix(bidders, pairs),
        "graph": _graph(bidders, flagged, groups),
        "groups": [
            {
                "mark": group_mark(i),
                "members": [{"id": b, "name": names.get(b, "")} for b in g["bidders"]],
                "score": format_score(g["score"]),
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
                "alerts": [_alert_brief(alerts[i]) for i in p["alert_ids"] if i in alerts],
            }
            for p in unflagged
        ],
        "others": others,
        "indicators": _indicators(report),
        "ignored": ignored,
        "shade_steps": SHADE_STEPS,
    }


def _list(data: Mapping[str, Any], key: str) -> list:
    value = data.get(key)
    return list(value) if isinstance(value, (list, tuple)) else []


def _files(raw_files: Any) -> list[dict[str, Any]]:
    """The file entries of a bidder or of the tender, as shown."""
    files = []
    for f in raw_files if isinstance(raw_files, (list, tuple)) else []:
        if not isinstance(f, Mapping):
            continue
        status = _text(f.get("status")) or "ok"
        files.append(
            {
                "path": _text(f.get("path")),
                "format": _text(f.get("format")).upper() or "—",
                "pages": f.get("pages") if isinstance(f.get("pages"), int) else None,
                "chars": format_number(f["chars"]) if isinstance(f.get("chars"), int) else "—",
                "status": status,
                "status_label": STATUS_LABEL.get(status, status),
                "ok": status == "ok",
                "error": _text(f.get("error")),
            }
        )
    return files


def _tender_files(report: Mapping[str, Any]) -> list[dict[str, Any]]:
    tender = report.get("tender")
    return _files(tender.get("files")) if isinstance(tender, Mapping) else []


def _bidders(report: Mapping[str, Any]) -> list[dict[str, Any]]:
    out = []
    for raw in _list(report, "bidders"):
        if not isinstance(raw, Mapping):
            continue
        files = _files(raw.get("files"))
        pages = sum(f["pages"] or 0 for f in files)
        bad = sum(1 for f in files if not f["ok"])
        price = raw.get("price")
        out.append(
            {
                "id": _text(raw.get("id")),
                "name": _text(raw.get("name")),
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
    return _problems(report, _bidders(report))


def _problems(report: Mapping[str, Any], bidders: list[dict[str, Any]]) -> list[dict[str, str]]:
    rows: list[dict[str, str]] = []
    by_path: dict[str, dict[str, str]] = {}
    owners = [(b["id"], b["files"]) for b in bidders] + [(TENDER_OWNER, _tender_files(report))]
    for owner_id, files in owners:
        for f in files:
            if not f["ok"]:
                row = {
                    "file": f["path"],
                    "bidder": owner_id,
                    "status": f["status_label"],
                    "reason": f["error"] or f["status_label"],
                }
                rows.append(row)
                by_path[f["path"]] = row
    owner = {f["path"]: owner_id for owner_id, files in owners for f in files}
    for err in _list(report, "errors"):
        if not isinstance(err, Mapping):
            continue
        path, reason = _text(err.get("file")), _text(err.get("error")) or "—"
        row = by_path.get(path)
        if row is not None and row["reason"] in (reason, row["status"]):
            row["reason"] = reason  # the same problem, told by errors in more words
            continue
        rows.append(
            {
                "file": path or "—",
                "bidder": owner.get(path) or _text(err.get("bidder")) or _bidder_of_path(path),
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


def _alert(raw: Any, index: int) -> dict[str, Any]:
    raw = raw if isinstance(raw, Mapping) else {}
    evidence = [e for e in raw.get("evidence") or [] if isinstance(e, Mapping)]
    details = raw.get("details") if isinstance(raw.get("details"), Mapping) else {}
    return {
        "id": _text(raw.get("id")) or f"#{index + 1}",
        "kind": _text(raw.get("kind")),
        "severity": _severity(raw),
        "score": raw.get("score"),
        "bidders": sorted(_text(b) for b in raw.get("bidders") or []),
        "basis": _text(raw.get("basis")),
        "summary": _text(raw.get("summary")),
        "details": details,
        "evidence": evidence,
    }


def _pairs(report: Mapping[str, Any], alerts: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for raw in _list(report, "pairs"):
        if not isinstance(raw, Mapping):
            continue
        members = sorted(_text(b) for b in raw.get("bidders") or [])
        if len(members) != 2:
            continue
        ids = [_text(i) for i in raw.get("alerts") or []]
        if not ids:
            ids = [a["id"] for a in alerts.values() if set(members) <= set(a["bidders"])]
        out.append(
            {
                "bidders": members,
                "score": raw.get("score"),
                "flagged": bool(raw.get("flagged")),
                "alert_ids": ids,
            }
        )
    out.sort(key=lambda p: (not p["flagged"], -score_value(p["score"]), p["bidders"]))
    return out


def _groups(report: Mapping[str, Any]) -> list[dict[str, Any]]:
    out = []
    for raw in _list(report, "groups"):
        if isinstance(raw, Mapping):
            out.append(
                {
                    "bidders": sorted(_text(b) for b in raw.get("bidders") or []),
                    "score": raw.get("score"),
                }
            )
    return out


def group_mark(index: int) -> str:
    """The label of the index-th group: 组A, 组B, ..."""
    letters = GROUP_MARKS[index % len(GROUP_MARKS)]
    return f"组{letters}" if index < len(GROUP_MARKS) else f"组{letters}{index // len(GROUP_MARKS)}"


def _ignored(report: Mapping[str, Any]) -> list[dict[str, Any]]:
    out = []
    for raw in _list(report, "ignored_signatures"):
        if isinstance(raw, Mapping):
            source = _text(raw.get("source"))
            out.append(
                {
                    "field_label": field_label(raw.get("field"), raw.get("label")),
                    "source_label": SOURCE_LABEL.get(source, source or "—"),
                    "value": _text(raw.get("value")),
                    "bidders": sorted(_text(b) for b in raw.get("bidders") or []),
                    "reason": _text(raw.get("reason")) or "常见值",
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
        label, meaning = SCREEN_LABEL.get(str(name), (str(name), ""))
        value = item.get("value")
        rows.append(
            {
                "name": label,
                "value": format_number(round(value, 4) if isinstance(value, float) else value)
                if value is not None
                else "—",
                "note": _text(item.get("note")) or _text(item.get("reason")) or meaning,
            }
        )
    bids = prices.get("bids")
    return {
        "note": _text(prices.get("note")) if screens is not None else "",
        "count": f"{bids} 家报价" if isinstance(bids, int) else "",
        "rows": rows,
        "sources": _price_sources(prices.get("prices")),
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
                where = _text(m.get("file")) + (
                    f" 第 {m['page']} 页" if m.get("page") is not None else ""
                )
                mismatches.append(
                    f"{where}：小写 {format_price(m.get('numeric'))}，"
                    f"大写 {_text(m.get('uppercase_text'))}（{format_price(m.get('uppercase'))}）"
                )
        out.append(
            {
                "bidder": _text(item.get("bidder")),
                "price": format_price(item.get("price")),
                "source": _text(item.get("source")) or "—",
                "where": _text(item.get("file")) + (f" · 第 {page} 页" if page is not None else ""),
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
        cells = []
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
                    "shade": _shade(pair["score"]),
                    "flagged": pair["flagged"],
                    "anchor": flagged_index.get(key),
                    "title": f"{key[0]} 与 {key[1]}：分值 {format_score(pair['score'])}"
                    + ("，已标记" if pair["flagged"] else "，未达标记阈值"),
                }
            )
        rows.append({"id": row["id"], "name": row["name"], "cells": cells})
    return {"columns": [b["id"] for b in bidders], "rows": rows}


def _graph(
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
        score = score_value(pair["score"])
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
                "width": round(1.5 + 4.5 * min(max(score, 0.0), 1.0), 1),
                "score": format_score(pair["score"]),
                "title": f"{a} — {b}：分值 {format_score(pair['score'])}",
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
            f"{len(edges)} 条连线表示已标记的投标人对，线越粗分值越高"
            + (f"；{len(groups)} 个关联组在节点旁以组号标出" if groups else "")
            + "。"
        ),
    }


# ---------------------------------------------------------------- pairs


def _alert_brief(alert: dict[str, Any]) -> dict[str, str]:
    return {
        "id": alert["id"],
        "kind_label": KIND_LABEL.get(alert["kind"], alert["kind"] or "—"),
        "severity": alert["severity"],
        "severity_label": SEVERITY_LABEL[alert["severity"]],
        "score": format_score(alert["score"]),
        "summary": alert["summary"],
    }


def _pair_view(
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
    own = sorted((alerts[i] for i in pair["alert_ids"] if i in alerts), key=_alert_sort_key)
    signatures = [x for x in own if x["kind"] == "shared_signature"]
    blocks: list[dict[str, Any]] = []
    ignored_rows = [sig for sig in ignored if a in sig["bidders"] and b in sig["bidders"]]
    if signatures or ignored_rows:
        rows = [_signature_row(x, a, b) for x in signatures]
        top = signatures[0] if signatures else None
        blocks.append(
            {
                "type": "signatures",
                "sort": _alert_sort_key(top) if top else (len(SEVERITY_ORDER),),
                "severity": top["severity"] if top else "",
                "severity_label": SEVERITY_LABEL[top["severity"]] if top else "",
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
                **_alert_brief(alert),
                "type": "ref",
                "basis": alert["basis"],
                "pair": first_shown[alert["id"]],
            }
        else:
            first_shown[alert["id"]] = index
            view = _alert_view(alert, (a, b), names, bidders)
        view["sort"] = _alert_sort_key(alert)
        blocks.append(view)
    blocks.sort(key=lambda blk: blk["sort"])
    kinds: dict[str, int] = {}
    for alert in own:
        label = KIND_LABEL.get(alert["kind"], alert["kind"])
        kinds[label] = kinds.get(label, 0) + 1
    return {
        "index": index,
        "a": a,
        "b": b,
        "a_name": names.get(a, ""),
        "b_name": names.get(b, ""),
        "score": format_score(pair["score"]),
        "shade": _shade(pair["score"]),
        "kinds": [f"{k}×{v}" if v > 1 else k for k, v in kinds.items()],
        "blocks": blocks,
        "alert_ids": [x["id"] for x in own],
    }


def _files_of(evidence: list[Mapping[str, Any]], bidder: str) -> list[str]:
    files = []
    for item in evidence:
        if _text(item.get("bidder")) == bidder:
            name = _text(item.get("file")) or "电子招投标系统记录"
            if name not in files:
                files.append(name)
    return files


def _signature_row(alert: dict[str, Any], a: str, b: str) -> dict[str, Any]:
    details = alert["details"]
    evidence = alert["evidence"]
    field = details.get("field") or next((e.get("field") for e in evidence if e.get("field")), "")
    value = details.get("value") or next((e.get("value") for e in evidence if e.get("value")), "")
    source = _text(details.get("source"))
    return {
        "id": alert["id"],
        "severity": alert["severity"],
        "severity_label": SEVERITY_LABEL[alert["severity"]],
        "score": format_score(alert["score"]),
        "source_label": SOURCE_LABEL.get(source, source or "—"),
        "field_label": field_label(field, details.get("label")),
        "value": format_number(value),
        "files_a": _files_of(evidence, a),
        "files_b": _files_of(evidence, b),
        "summary": alert["summary"],
    }


def _locator(item: Mapping[str, Any]) -> dict[str, str]:
    page = item.get("page")
    paragraph = item.get("paragraph")
    start, end = item.get("start"), item.get("end")
    return {
        "bidder": _text(item.get("bidder")),
        "file": _text(item.get("file")) or "—",
        "page": f"第 {page} 页" if page is not None else "",
        "section": _text(item.get("section")),
        "paragraph": f"第 {paragraph + 1} 段" if isinstance(paragraph, int) else "",
        "chars": f"字符 {start}–{end}" if isinstance(start, int) and isinstance(end, int) else "",
    }


def _is_scalar(value: Any) -> bool:
    return value is None or isinstance(value, (str, int, float, bool))


def _measure_value(key: str, value: Any, bidders: set[str]) -> str | None:
    """A detail as one short line, or None when it is too nested for one."""
    if key == "source":
        return SOURCE_LABEL.get(str(value), format_number(value))
    if key in ("field", "fields"):
        values = value if isinstance(value, list) else [value]
        return "、".join(field_label(v) for v in values)
    if key == "pattern":
        return PATTERN_LABEL.get(str(value), format_number(value))
    if key == "strength":
        return STRENGTH_LABEL.get(str(value), format_number(value))
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
        if key in skip or value is None:
            continue
        text = _measure_value(str(key), value, set(bidders))
        if text:
            rows.append({"name": MEASURE_LABEL.get(str(key), str(key)), "value": text})
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
                        "file": _text(where.get("file")),
                        "section": _text(where.get("section")),
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
                    _text(item.get("matched_by")), _text(item.get("matched_by")) or "—"
                ),
            }
        )
    return rows


def _alert_view(
    alert: dict[str, Any],
    pair: tuple[str, ...],
    names: dict[str, str],
    bidders: list[dict[str, Any]],
) -> dict[str, Any]:
    view: dict[str, Any] = {
        **_alert_brief(alert),
        "type": "alert",
        "kind": alert["kind"],
        "basis": alert["basis"],
        "bidders": [{"id": x, "name": names.get(x, "")} for x in alert["bidders"]],
        "sort": _alert_sort_key(alert),
    }
    details = alert["details"]
    view["measures"] = _details_rows(details, alert["bidders"], skip=("prices", "order", "sources"))
    view["raw"] = _raw_details(details)
    view["sections"] = []
    view["passages"] = []
    view["chart"] = None
    view["evidence"] = []
    if alert["kind"] == "near_duplicate_text":
        view["sections"] = _section_pairs(details, pair)
        view["passages"] = _passages(alert["evidence"], pair)
        return view
    if alert["kind"] == "price_pattern" and details.get("pattern") in CHART_PATTERNS:
        view["chart"] = _price_chart(alert, bidders)
    view["evidence"] = [
        {
            **_locator(e),
            "field_label": field_label(e.get("field")) if e.get("field") else "",
            "value": _text(e.get("value")),
            "context": highlight_value(_text(e.get("excerpt")), _text(e.get("value")))
            if e.get("excerpt")
            else [],
        }
        for e in alert["evidence"]
    ]
    return view


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
            loose.setdefault(_text(item.get("bidder")), []).append(item)
    sides_list = [linked[k] for k in sorted(linked)]
    # Evidence without a passage number: pair the n-th item of one bidder with
    # the n-th of the other.
    loose_lists = [loose[k] for k in sorted(loose, key=lambda b: (order.get(b, len(order)), b))]
    if loose_lists:
        longest = max(len(x) for x in loose_lists)
        for n in range(longest):
            sides_list.append([x[n] for x in loose_lists if n < len(x)])
    out = []
    for number, sides in enumerate(sides_list, start=1):
        sides = sorted(
            sides,
            key=lambda e: (order.get(_text(e.get("bidder")), len(order)), _text(e.get("bidder"))),
        )
        texts = [_text(e.get("excerpt")) for e in sides]
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


def _price_chart(alert: dict[str, Any], bidders: list[dict[str, Any]]) -> dict[str, Any]:
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
                prices[_text(key)] = float(value)
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


# ---------------------------------------------------------------- template


@functools.lru_cache(maxsize=1)
def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("collusion", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    return env
