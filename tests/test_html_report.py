"""The HTML report: content, escaping of untrusted bid data, self-containment."""

from __future__ import annotations

import copy
import json
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
from chromium import needs_chromium, render_in_chromium
from hypothesis import given, settings
from hypothesis import strategies as st

from collusion.report.html import (
    build_view,
    highlight_shared,
    highlight_value,
    render_html,
    write_html,
)

ROOT = Path(__file__).resolve().parent.parent

PASSAGE_1_A = (
    "本工程施工现场设置封闭式围挡，高度不低于2.5米，围挡外侧设置公益广告；"
    "施工道路采用C25混凝土硬化，每日安排专人洒水降尘不少于四次。"
)
PASSAGE_1_B = (
    "本工程施工现场设置封闭式围挡，高度不低于2.5米，围挡外侧设置企业标识；"
    "施工道路采用C25混凝土硬化，每日安排专人洒水降尘不少于四次。"
)
PASSAGE_2 = (
    "项目部拟投入挖掘机3台、装载机2台、压路机2台，其中压路机型号为徐工XS263J，均为我公司自有设备。"
)


def sample_report() -> dict:
    """A realistic report: two flagged pairs, one group, a file error, a price pattern."""
    report = {
        "schema_version": "1.0",
        "generator": {"name": "collusion", "version": "0.1.0"},
        "generated_at": "2026-11-28T02:00:00Z",
        "project": {"id": "ZS-2025-0142", "name": "某某路改造工程", "industry": "construction"},
        "disclaimer": "本报告所列预警均为供评标委员会和行业监管部门核查的风险线索，"
        "不构成对任何投标人违法违规的认定。",
        "summary": "本项目共 5 家投标人、11 个投标文件，发现 2 对投标人达到标记阈值，"
        "构成 1 个关联组（b01、b03、b05）；1 个文件未能分析。",
        "bidders": [
            {
                "id": f"b0{i}",
                "name": name,
                "price": price,
                "files": [
                    {
                        "path": f"bids/b0{i}/技术标.docx",
                        "sha256": "0" * 64,
                        "format": "docx",
                        "pages": 86 + i,
                        "chars": 120_000 + i,
                        "status": "ok",
                        "error": None,
                    },
                    {
                        "path": f"bids/b0{i}/商务标.pdf",
                        "sha256": "1" * 64,
                        "format": "pdf",
                        "pages": 40 + i,
                        "chars": 50_000 + i,
                        "status": "ok",
                        "error": None,
                    },
                ],
            }
            for i, name, price in [
                (1, "中山市甲建设有限公司", 12_345_678.90),
                (2, "广东乙工程有限公司", 12_880_000.00),
                (3, "中山市丙路桥有限公司", 12_469_135.69),
                (4, "珠海丁市政工程有限公司", 13_010_500.00),
                (5, "江门戊建筑有限公司", 12_592_592.48),
            ]
        ],
        "alerts": [
            {
                "id": "A0001",
                "kind": "shared_signature",
                "severity": "high",
                "score": 0.97,
                "bidders": ["b01", "b03"],
                "basis": "《招标投标法实施条例》第四十条第（一）项",
                "summary": "b01 与 b03 的投标文件由同一台计算机制作（文件制作机器码相同）",
                "details": {"source": "csv", "field": "machine_code", "value": "7F3A-99C1-0B2E"},
                "evidence": [
                    {
                        "bidder": "b01",
                        "file": None,
                        "page": None,
                        "section": None,
                        "excerpt": None,
                        "field": "machine_code",
                        "value": "7F3A-99C1-0B2E",
                    },
                    {
                        "bidder": "b03",
                        "file": None,
                        "page": None,
                        "section": None,
                        "excerpt": None,
                        "field": "machine_code",
                        "value": "7F3A-99C1-0B2E",
                    },
                ],
            },
            {
                "id": "A0002",
                "kind": "shared_signature",
                "severity": "high",
                "score": 0.95,
                "bidders": ["b01", "b03"],
                "basis": "《招标投标法实施条例》第四十条第（一）项",
                "summary": "b01 与 b03 的技术标源自同一 Word 文档（rsidRoot 相同）",
                "details": {"source": "docx", "field": "rsid_root", "value": "00A1B2C3"},
                "evidence": [
                    {
                        "bidder": "b01",
                        "file": "bids/b01/技术标.docx",
                        "page": None,
                        "section": None,
                        "excerpt": None,
                    },
                    {
                        "bidder": "b03",
                        "file": "bids/b03/技术标.docx",
                        "page": None,
                        "section": None,
                        "excerpt": None,
                    },
                ],
            },
            {
                "id": "A0003",
                "kind": "near_duplicate_text",
                "severity": "high",
                "score": 0.9,
                "bidders": ["b01", "b03"],
                "basis": "《招标投标法实施条例》第四十条第（四）项",
                "summary": "b01 与 b03 的施工组织设计有 2 处非模板段落高度雷同",
                "details": {"jaccard": 0.83, "containment": 0.91, "shared_chars": 1234},
                "evidence": [
                    {
                        "bidder": "b01",
                        "file": "bids/b01/技术标.docx",
                        "page": 12,
                        "section": "第三章 文明施工措施",
                        "excerpt": PASSAGE_1_A,
                        "paragraph": 140,
                        "start": 0,
                        "end": 61,
                        "passage": 1,
                    },
                    {
                        "bidder": "b03",
                        "file": "bids/b03/技术标.docx",
                        "page": 15,
                        "section": "第三章 文明施工措施",
                        "excerpt": PASSAGE_1_B,
                        "paragraph": 152,
                        "start": 0,
                        "end": 61,
                        "passage": 1,
                    },
                    {
                        "bidder": "b01",
                        "file": "bids/b01/技术标.docx",
                        "page": 30,
                        "section": "第五章 主要施工机械",
                        "excerpt": PASSAGE_2,
                        "passage": 2,
                    },
                    {
                        "bidder": "b03",
                        "file": "bids/b03/技术标.docx",
                        "page": 33,
                        "section": "第五章 主要施工机械",
                        "excerpt": None,
                        "passage": 2,
                    },
                ],
            },
            {
                "id": "A0004",
                "kind": "price_pattern",
                "severity": "medium",
                "score": 0.7,
                "bidders": ["b01", "b03", "b05"],
                "basis": "《招标投标法实施条例》第四十条第（四）项",
                "summary": "b01、b03、b05 的报价呈等比数列（公比 1.01）",
                "details": {
                    "pattern": "geometric_progression",
                    "order": ["b01", "b03", "b05"],
                    "prices": [12_345_678.90, 12_469_135.69, 12_592_592.48],
                    "step": 1.01,
                    "sources": {
                        "b01": "project.json",
                        "b03": "project.json",
                        "b05": "project.json",
                    },
                },
                "evidence": [
                    {
                        "bidder": b,
                        "file": "project.json",
                        "page": None,
                        "section": None,
                        "excerpt": None,
                        "field": "bid_price",
                        "value": v,
                    }
                    for b, v in (
                        ("b01", "12,345,678.90元"),
                        ("b03", "12,469,135.69元"),
                        ("b05", "12,592,592.48元"),
                    )
                ],
            },
            {
                "id": "A0005",
                "kind": "shared_identifier",
                "severity": "high",
                "score": 0.92,
                "bidders": ["b03", "b05"],
                "basis": "《招标投标法实施条例》第四十条第（三）项",
                "summary": "b03 与 b05 的项目经理联系电话相同",
                "details": {"field": "mobile", "label": "手机号码", "value": "13800138000"},
                "evidence": [
                    {
                        "bidder": "b03",
                        "file": "bids/b03/商务标.pdf",
                        "page": 5,
                        "section": "项目管理机构",
                        "excerpt": "项目经理：张三，联系电话：13800138000。",
                        "field": "mobile",
                        "value": "13800138000",
                    },
                    {
                        "bidder": "b05",
                        "file": "bids/b05/商务标.pdf",
                        "page": 6,
                        "section": "项目管理机构",
                        "excerpt": "项目经理：李四，电话 13800138000",
                        "field": "mobile",
                        "value": "13800138000",
                    },
                ],
            },
            {
                "id": "A0006",
                "kind": "mixed_documents",
                "severity": "low",
                "score": 0.3,
                "bidders": ["b02", "b04"],
                "basis": "《招标投标法实施条例》第四十条第（五）项",
                "summary": "b04 的商务标中出现 b02 的公司名称一次",
                "details": {},
                "evidence": [
                    {
                        "bidder": "b04",
                        "file": "bids/b04/商务标.pdf",
                        "page": 2,
                        "section": None,
                        "excerpt": "致：广东乙工程有限公司（投标人）",
                        "field": "bidder_name",
                        "value": "广东乙工程有限公司",
                    },
                ],
            },
        ],
        "pairs": [
            {
                "bidders": ["b01", "b03"],
                "score": 0.99,
                "flagged": True,
                "alerts": ["A0001", "A0002", "A0003", "A0004"],
            },
            {
                "bidders": ["b03", "b05"],
                "score": 0.93,
                "flagged": True,
                "alerts": ["A0004", "A0005"],
            },
            {"bidders": ["b01", "b05"], "score": 0.45, "flagged": False, "alerts": ["A0004"]},
            {"bidders": ["b02", "b04"], "score": 0.3, "flagged": False, "alerts": ["A0006"]},
        ],
        "tender": {
            "files": [
                {
                    "path": "tender/招标文件.pdf",
                    "sha256": "3" * 64,
                    "format": "pdf",
                    "pages": 64,
                    "chars": 98_000,
                    "status": "ok",
                    "error": None,
                }
            ]
        },
        "groups": [{"bidders": ["b01", "b03", "b05"], "score": 0.99}],
        "errors": [
            {
                "file": "bids/b04/报价.pdf",
                "error": "PDF 已加密，无密码，无法读取",
                "status": "error",
                "bidder": "b04",
            }
        ],
        "ignored_signatures": [
            {
                "source": "docx",
                "field": "template",
                "value": "Normal.dotm",
                "bidders": ["b01", "b02", "b03", "b04", "b05"],
                "reason": "Word 默认模板，5 家投标人中 5 家使用",
            },
            {
                "source": "pdf",
                "field": "producer",
                "value": "Microsoft® Word 2016",
                "bidders": ["b01", "b03", "b04"],
                "reason": "常用办公软件",
            },
        ],
        "indicators": {
            "prices": {
                "note": "项目级报价筛查指标，仅描述本项目报价分布，不构成对任何投标人的指控。",
                "bids": 5,
                "min_bids": 4,
                "screens": {
                    "cv": {"value": 0.0210},
                    "spread": {"value": 0.0539},
                    "diffp": {"value": 0.0100},
                    "rd": {"value": 0.4467},
                    "skewness": {"value": 0.2911},
                    "kurtosis": {"value": -1.6120},
                    "ks": {"value": None, "reason": "示例：未计算"},
                },
                "prices": [
                    {
                        "bidder": f"b0{i}",
                        "price": price,
                        "source": "project.json",
                        "file": f"bids/b0{i}/商务标.pdf",
                        "page": 2,
                        "stated_in_files": price,
                        "amount_mismatches": [],
                    }
                    for i, price in [
                        (1, 12_345_678.90),
                        (2, 12_880_000.00),
                        (3, 12_469_135.69),
                        (4, 13_010_500.00),
                        (5, 12_592_592.48),
                    ]
                ],
            }
        },
    }
    report["indicators"]["prices"]["prices"][3]["amount_mismatches"] = [
        {
            "file": "bids/b04/商务标.pdf",
            "page": 2,
            "numeric": 13_010_500.00,
            "uppercase": 13_100_500.00,
            "uppercase_text": "壹仟叁佰壹拾万零伍佰元整",
            "excerpt": "投标总价（小写）13,010,500.00 元，（大写）壹仟叁佰壹拾万零伍佰元整",
        }
    ]
    report["bidders"][3]["files"].append(
        {
            "path": "bids/b04/报价.pdf",
            "sha256": "2" * 64,
            "format": "pdf",
            "pages": None,
            "chars": 0,
            "status": "error",
            "error": "PDF 已加密，无密码，无法读取",
        }
    )
    return report


class Tree(HTMLParser):
    """Collects every start tag with its attributes, and the text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_startendtag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)


def parse(html: str) -> Tree:
    tree = Tree()
    tree.feed(html)
    tree.close()
    return tree


def visible_text(html: str) -> str:
    return "".join(parse(html).text)


# ---------------------------------------------------------------- content


def test_every_flagged_pair_passage_and_code_appears():
    report = sample_report()
    html = render_html(report)
    text = visible_text(html)
    for pair in report["pairs"]:
        if pair["flagged"]:
            a, b = pair["bidders"]
            assert re.search(rf"{a}[^↔\n]*↔\s*{b}", text)
            for alert_id in pair["alerts"]:
                assert alert_id in text
    assert 'id="pair-1"' in html and 'id="pair-2"' in html
    for alert in report["alerts"]:
        assert alert["summary"] in text
        if alert["kind"] == "shared_signature":
            assert alert["details"]["value"] in text
    # Both sides of passage 1 (highlighting splits them into segments) and passage 2.
    assert PASSAGE_1_A in text and PASSAGE_1_B in text
    assert PASSAGE_2 in text
    assert "第三章 文明施工措施" in text and "第 12 页" in text and "第 15 页" in text
    assert "雷同段落 1" in text and "雷同段落 2" in text


def test_header_disclaimer_summary_and_metadata():
    report = sample_report()
    text = visible_text(render_html(report))
    assert "风险线索" in text and report["disclaimer"] in text
    assert report["summary"] in text
    assert "ZS-2025-0142" in text and "某某路改造工程" in text
    assert "collusion 0.1.0" in text and "2026-11-28T10:00:00+08:00" in text  # the reader's time


def test_file_errors_and_ignored_signatures_are_shown_with_reasons():
    text = visible_text(render_html(sample_report()))
    assert "bids/b04/报价.pdf" in text and "PDF 已加密，无密码，无法读取" in text
    assert "tender/招标文件.pdf" in text
    assert "变异系数 CV" in text and "示例：未计算" in text
    assert "大写 壹仟叁佰壹拾万零伍佰元整" in text
    # The file status and the errors entry are one problem, listed once.
    assert build_view(sample_report())["problems"] == [
        {
            "file": "bids/b04/报价.pdf",
            "bidder": "b04",
            "status": "读取失败",
            "reason": "PDF 已加密，无密码，无法读取",
        }
    ]
    assert "Normal.dotm" in text and "已忽略：Word 默认模板" in text
    assert "Microsoft® Word 2016" in text and "常用办公软件" in text


def test_shared_codes_table_lists_each_side_file():
    html = render_html(sample_report())
    start = html.index('id="pair-1"')
    section = html[start : html.index('id="pair-2"')]
    assert "特征码比对" in section
    assert "bids/b01/技术标.docx" in section and "bids/b03/技术标.docx" in section
    assert "电子招投标系统记录" in section  # csv codes have no file
    assert "7F3A-99C1-0B2E" in section and "文件制作机器码" in section
    # The ignored template value shared by this pair is shown greyed with its reason.
    assert 'class="common"' in section and "Normal.dotm" in section


def test_alerts_ordered_by_severity_within_a_pair():
    view = build_view(sample_report())
    order = {"high": 0, "medium": 1, "low": 2, "": 3}  # "": no alert, ignored values only
    for pair in view["pairs"]:
        levels = [order[b["severity"]] for b in pair["blocks"]]
        assert levels == sorted(levels)
    # An alert about three bidders is shown in full once and referred to after.
    types = [b["type"] for p in view["pairs"] for b in p["blocks"] if b.get("id") == "A0004"]
    assert types == ["alert", "ref"]


def test_passage_sides_highlight_the_shared_text():
    view = build_view(sample_report())
    duplicate = next(
        b for b in view["pairs"][0]["blocks"] if b.get("kind") == "near_duplicate_text"
    )
    first, second = duplicate["passages"]
    left, right = first["sides"]
    assert (left["bidder"], right["bidder"]) == ("b01", "b03")
    shared = "".join(t for t, s in left["segments"] if s)
    assert "本工程施工现场设置封闭式围挡" in shared
    assert "公益广告" not in shared  # the differing words stay unmarked
    assert "企业标识" not in "".join(t for t, s in right["segments"] if s)
    # A passage with one excerpt: that excerpt is the shared text.
    assert second["sides"][0]["segments"] == [(PASSAGE_2, True)]
    assert second["sides"][1]["segments"] == []


def test_matrix_shows_numbers_and_a_flag_symbol():
    html = render_html(sample_report())
    assert "★0.99" in html and "★0.93" in html
    assert ">0.45<" in html  # unflagged: number, no star
    parsed = parse(html)
    matrix_headers = [a for t, a in parsed.tags if t == "th" and a.get("scope") in ("col", "row")]
    assert matrix_headers


def test_the_matrix_ranks_pairs_by_weight_and_shows_no_zero_or_one():
    """Scores that round alike are told apart by the weight of evidence shown
    beside them; no cell reads 0.00 or 1.00."""
    report = sample_report()
    report["pairs"] = [
        {"bidders": ["b01", "b03"], "score": 1.0, "flagged": True, "alerts": [], "weight": 8.2},
        {"bidders": ["b03", "b05"], "score": 1.0, "flagged": True, "alerts": [], "weight": 16.5},
        {
            "bidders": ["b01", "b02"],
            "score": 0.0004,
            "flagged": False,
            "alerts": [],
            "weight": 0.52,
        },
    ]
    html = render_html(report)
    matrix = html[
        html.index('<table class="matrix">') : html.index(
            "</table>", html.index('<table class="matrix">')
        )
    ]
    assert "0.00" not in matrix and "1.00" not in matrix
    assert "&lt;0.01" in matrix and '<span class="w">0.5</span>' in matrix
    assert '★&gt;0.99<span class="w">16.5</span>' in matrix
    text = visible_text(html)
    assert text.index("1. b03") < text.index("2. b01")  # the heavier evidence first
    assert "证据权重 16.5" in text and "证据权重 8.2" in text


def test_graph_and_price_chart_are_labelled_svg():
    html = render_html(sample_report())
    parsed = parse(html)
    svgs = [a for t, a in parsed.tags if t == "svg"]
    assert len(svgs) >= 2
    assert all(a.get("role") == "img" for a in svgs)
    assert html.count("<title>") >= 1 + len(svgs)
    assert "组A" in visible_text(html)
    assert "12,345,678.90" in visible_text(html)


def test_severity_is_written_not_only_coloured():
    text = visible_text(render_html(sample_report()))
    for label in ("高", "中", "低"):
        assert label in text


def test_tolerates_missing_optional_fields():
    minimal = {
        "schema_version": "1.0",
        "generator": {"name": "collusion", "version": "0.1.0"},
        "generated_at": "2026-11-28T02:00:00Z",
        "project": {"id": "P1", "name": None, "industry": None},
        "bidders": [{"id": "b1", "name": None, "files": []}, {"id": "b2", "files": []}],
        "alerts": [
            {
                "id": "A0001",
                "kind": "near_duplicate_text",
                "severity": "high",
                "score": 0.9,
                "bidders": ["b1", "b2"],
                "basis": "",
                "summary": "s",
                "details": {},
                "evidence": [
                    {"bidder": "b1", "file": "x.pdf", "excerpt": "甲乙丙丁戊己庚辛"},
                    {"bidder": "b2", "file": "y.pdf", "excerpt": "甲乙丙丁戊己庚辛"},
                ],
            },
            {
                "id": "A0002",
                "kind": "price_pattern",
                "severity": "low",
                "score": 0.2,
                "bidders": ["b1", "b2"],
                "basis": "",
                "summary": "p",
                "details": {"prices": {"b1": 100.0, "b2": 110.0}},
                "evidence": [],
            },
            {
                "id": "A0003",
                "kind": "something_new",
                "severity": "odd",
                "score": None,
                "bidders": ["b1", "b2"],
                "summary": "n",
            },
            {
                "id": "A0004",
                "kind": "shared_identifier",
                "severity": "medium",
                "score": 0.5,
                "bidders": ["b1", "b2"],
                "summary": "不属于任何投标人对的预警",
                "evidence": [
                    {"bidder": "b1", "excerpt": "电话 13800138000", "value": "13800138000"}
                ],
            },
        ],
        "pairs": [
            {
                "bidders": ["b1", "b2"],
                "score": 0.9,
                "flagged": True,
                "alerts": ["A0001", "A0002", "A0003"],
            }
        ],
        "groups": [],
        "errors": [],
        "indicators": {"prices": {"离散系数": {"value": 0.0201, "note": "偏低"}}},
    }
    html = render_html(minimal)
    assert "本报告所列预警均为" in html  # the default disclaimer
    assert "甲乙丙丁戊己庚辛" in html and "something_new" in html
    assert "110.00" in html  # the {bidder: price} form of details.prices is charted
    assert "离散系数" in html and "0.0201" in html  # a flat {name: {value, note}} indicator
    others = html[html.index('id="others"') :]
    assert "不属于任何投标人对的预警" in others and "<mark>13800138000</mark>" in others
    assert render_html({}).startswith("<!DOCTYPE html>")


# ---------------------------------------------------------------- safety


HOSTILE = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    '"><svg onload=alert(1)>',
    "</textarea></style><script>alert(2)</script>",
    # Were any of these run, the browser console would say so (see the Chromium test).
    '<script>console.error("injected script ran")</script>',
    "<img src=x onerror='console.error(\"injected handler ran\")'>",
]


def hostile_report() -> dict:
    report = copy.deepcopy(sample_report())
    evil = " ".join(HOSTILE)
    report["project"]["name"] = evil
    report["summary"] = evil
    report["bidders"][0]["name"] = evil
    report["bidders"][0]["files"][0]["path"] = f"bids/b01/{evil}.docx"
    report["bidders"][3]["files"][2].update(error=evil)
    for alert in report["alerts"]:
        alert["summary"] = evil
        for item in alert["evidence"]:
            item["file"] = f"bids/{item['bidder']}/{evil}.docx"
            item["section"] = evil
            if item.get("excerpt"):
                item["excerpt"] = item["excerpt"] + evil
    report["alerts"][0]["details"]["value"] = evil  # an author/machine-code value
    report["alerts"][0]["details"]["field"] = evil
    report["alerts"][2]["details"][evil] = evil
    report["alerts"][3]["details"]["order"][0] = evil
    report["alerts"][4]["evidence"][0]["value"] = evil
    report["ignored_signatures"][0].update(value=evil, reason=evil, field="author")
    report["errors"].append({"file": evil, "error": evil})
    report["indicators"]["prices"]["screens"][evil] = {"value": evil, "note": evil}
    report["indicators"]["prices"]["prices"][0]["file"] = evil
    report["groups"][0]["bidders"].append(evil)
    report["generator"]["version"] = evil
    return report


def test_injected_markup_renders_inert():
    html = render_html(hostile_report())
    parsed = parse(html)
    tags = {t for t, _ in parsed.tags}
    assert "script" not in tags
    assert "img" not in tags
    for tag, attrs in parsed.tags:
        for name in attrs:
            assert not name.startswith("on"), (tag, attrs)
    # The text itself is shown, escaped, for the reviewer to read.
    text = visible_text(html)
    assert "<script>alert(1)</script>" in text
    assert "<img src=x onerror=alert(1)>" in text
    assert "&lt;script&gt;" in html


def markup(html: str) -> set[tuple[str, tuple[str, ...]]]:
    """Each element name with its attribute names: what the template can make."""
    return {(tag, tuple(sorted(attrs))) for tag, attrs in parse(html).tags}


MARKUP_PIECES = st.sampled_from(
    [
        "<",
        ">",
        '"',
        "'",
        "&",
        "=",
        "/",
        " ",
        "script",
        "img",
        "svg",
        "onerror",
        "onload",
        "javascript:",
        "<!--",
        "-->",
        "]]>",
        "{{",
        "}}",
        "{%",
        "\u202e",
        "\x00",
        "围标",
        "b01",
    ]
)


ALLOWED_MARKUP = markup(render_html(sample_report()))


@settings(max_examples=40, deadline=None)
@given(st.lists(MARKUP_PIECES, max_size=30).map("".join))
def test_any_text_in_any_field_adds_no_markup(evil):
    """Whatever the bid data holds, the page has only the template's own elements."""
    report = sample_report()
    report["project"]["name"] = evil
    report["bidders"][0]["name"] = evil
    report["bidders"][1]["files"][0]["path"] = evil
    report["alerts"][0]["details"]["value"] = evil
    report["alerts"][2]["evidence"][0]["excerpt"] = evil + PASSAGE_1_A
    report["alerts"][2]["evidence"][1]["section"] = evil
    report["alerts"][4]["evidence"][0]["value"] = evil
    report["ignored_signatures"][0]["reason"] = evil
    report["errors"][0]["error"] = evil
    assert markup(render_html(report)) <= ALLOWED_MARKUP


def test_no_external_resources():
    for report in (sample_report(), hostile_report()):
        html = render_html(report)
        parsed = parse(html)
        for tag, attrs in parsed.tags:
            assert "src" not in attrs, tag
            if "href" in attrs:
                assert attrs["href"].startswith("#"), attrs
        assert "url(" not in html and "@import" not in html
        assert "<link" not in html
    assert not re.search(r"https?://", render_html(sample_report()))


def test_output_is_deterministic(tmp_path):
    first = render_html(sample_report())
    assert render_html(sample_report()) == first
    shuffled = sample_report()
    shuffled["bidders"].reverse()
    assert render_html(shuffled) == first
    write_html(sample_report(), tmp_path / "r.html")
    assert (tmp_path / "r.html").read_text(encoding="utf-8") == first
    assert [p.name for p in tmp_path.iterdir()] == ["r.html"]  # no temp file left
    assert (tmp_path / "r.html").stat().st_mode & 0o777 == 0o600  # personal data, like the JSON


def test_highlight_helpers():
    left, right = highlight_shared("甲乙丙丁戊己庚辛壬癸子", "XX甲乙丙丁戊己庚辛YY")
    assert left == [("甲乙丙丁戊己庚辛", True), ("壬癸子", False)]
    assert right == [("XX", False), ("甲乙丙丁戊己庚辛", True), ("YY", False)]
    assert highlight_value("电话 138，再打 138", "138") == [
        ("电话 ", False),
        ("138", True),
        ("，再打 ", False),
        ("138", True),
    ]
    assert highlight_value("无", "") == [("无", False)]


# ---------------------------------------------------------------- sample projects


def sample_projects() -> list[Path]:
    base = ROOT / "sample_bids"
    return sorted(p for p in base.iterdir() if (p / "bids").is_dir()) if base.is_dir() else []


@pytest.mark.parametrize("project", sample_projects(), ids=lambda p: p.name)
def test_sample_project_reports_render(project, tmp_path):
    """Scan a sample project with --html: every flagged pair, code and passage is on the page."""
    pytest.importorskip("collusion.cli", reason="the scan command is not there yet")
    out, page = tmp_path / "r.json", tmp_path / "r.html"
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "collusion",
            "scan",
            str(project),
            "--output",
            str(out),
            "--html",
            str(page),
            "--quiet",
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 0, run.stderr
    report = json.loads(out.read_text(encoding="utf-8"))
    html = render_html(report)
    assert page.read_text(encoding="utf-8") == html  # the CLI writes this very page
    text = visible_text(html)
    alerts = {a["id"]: a for a in report["alerts"]}
    flagged = sorted(
        (p for p in report["pairs"] if p["flagged"]), key=lambda p: (-p["score"], p["bidders"])
    )
    assert flagged, "every sample project plants at least one collusion case"
    for index, pair in enumerate(flagged, start=1):
        a, b = pair["bidders"]
        assert re.search(rf"{index}\. {a}[^↔\n]*↔\s*{b}", text), (index, a, b)
        for alert_id in pair["alerts"]:
            alert = alerts[alert_id]
            assert alert_id in text
            if alert["kind"] == "shared_signature":
                assert str(alert["details"]["value"]) in text
            for item in alert["evidence"]:
                if item.get("excerpt"):
                    assert item["excerpt"] in text
    for sig in report.get("ignored_signatures", []):
        assert sig["value"] in text and sig["reason"] in text
    for error in report["errors"]:
        assert error["error"] in text


# ---------------------------------------------------------------- chromium


@needs_chromium
def test_renders_in_headless_chromium(tmp_path):
    page = tmp_path / "report.html"
    write_html(hostile_report(), page)
    shot = tmp_path / "shot.png"
    run = render_in_chromium(page, shot)
    assert run.returncode == 0, run.stdout + run.stderr
    assert shot.stat().st_size > 10_000
