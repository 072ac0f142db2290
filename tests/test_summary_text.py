"""The plain-text summary printed after a scan when writing to a terminal."""

from __future__ import annotations

from collusion.report.terminal import format_terminal_summary


def report(**extra) -> dict:
    data = {
        "schema_version": "1.0",
        "generator": {"name": "collusion", "version": "0.1.0"},
        "generated_at": "2026-11-28T02:00:00Z",
        "project": {"id": "ZS-2025-0142", "name": "某某路改造工程", "industry": "construction"},
        "bidders": [
            {"id": "b01", "name": "中山市甲建设有限公司", "files": []},
            {"id": "b02", "name": "广东乙工程有限公司", "files": []},
            {
                "id": "b03",
                "name": "中山市丙路桥有限公司",
                "files": [
                    {
                        "path": "bids/b03/扫描件.pdf",
                        "sha256": "",
                        "format": "pdf",
                        "pages": 3,
                        "chars": 0,
                        "status": "no_text",
                        "error": None,
                    }
                ],
            },
        ],
        "alerts": [
            {
                "id": "A0001",
                "kind": "shared_signature",
                "severity": "high",
                "score": 0.97,
                "bidders": ["b01", "b03"],
                "basis": "",
                "summary": "",
                "details": {},
                "evidence": [],
            },
            {
                "id": "A0002",
                "kind": "shared_signature",
                "severity": "high",
                "score": 0.9,
                "bidders": ["b01", "b03"],
                "basis": "",
                "summary": "",
                "details": {},
                "evidence": [],
            },
            {
                "id": "A0003",
                "kind": "near_duplicate_text",
                "severity": "medium",
                "score": 0.6,
                "bidders": ["b01", "b03"],
                "basis": "",
                "summary": "",
                "details": {},
                "evidence": [],
            },
            {
                "id": "A0004",
                "kind": "price_pattern",
                "severity": "low",
                "score": 0.2,
                "bidders": ["b01", "b02"],
                "basis": "",
                "summary": "",
                "details": {},
                "evidence": [],
            },
        ],
        "pairs": [
            {"bidders": ["b01", "b02"], "score": 0.2, "flagged": False, "alerts": ["A0004"]},
            {
                "bidders": ["b01", "b03"],
                "score": 0.99,
                "flagged": True,
                "alerts": ["A0001", "A0002", "A0003"],
                "weight": 4.77,
            },
        ],
        "groups": [{"bidders": ["b01", "b03"], "score": 0.99, "weight": 4.77}],
        "errors": [{"file": "bids/b02/报价.pdf", "error": "PDF 已加密，需要打开密码，无法读取"}],
    }
    data.update(extra)
    return data


def test_summary_lists_flagged_pairs_groups_and_errors():
    text = format_terminal_summary(report())
    assert text.startswith(
        "扫描完成：某某路改造工程（ZS-2025-0142），投标人 3 家，预警 4 条（高 2、中 1、低 1）。"
    )
    assert "标记的投标人对 1 对：" in text
    assert (
        "  1. b01 中山市甲建设有限公司 ↔ b03 中山市丙路桥有限公司  分值 0.99  证据权重 4.8"
        "  特征码相同×2、文本雷同" in text
    )
    assert "b02 广东乙工程有限公司" not in text  # not flagged
    assert "关联组 1 个：\n  组A  b01、b03  分值 0.99  证据权重 4.8" in text
    # one error entry and one file without text, each listed with its reason
    assert "未能分析的文件 2 个：" in text
    assert "  1. bids/b02/报价.pdf（b02）  错误：PDF 已加密，需要打开密码，无法读取" in text
    assert "  2. bids/b03/扫描件.pdf（b03）  无可提取文本：无可提取文本" in text
    assert "风险线索" in text
    assert text.endswith("\n")


def test_summary_without_flagged_pairs():
    text = format_terminal_summary(report(pairs=[], groups=[], errors=[], bidders=[]))
    assert "未发现达到标记阈值的投标人对。" in text
    assert "关联组" not in text and "未能分析" not in text


def test_summary_strips_terminal_control_characters():
    data = report()
    data["bidders"][0]["name"] = "甲公司\x1b[2J\x1b]0;pwned\x07\u202e"
    data["project"]["name"] = "工程\r\n伪造行"
    text = format_terminal_summary(data)
    assert "\x1b" not in text and "\x07" not in text and "\u202e" not in text
    assert "\r" not in text and "伪造行" in text.splitlines()[0]


def test_summary_tolerates_a_minimal_report():
    assert "未命名项目" in format_terminal_summary({})


def test_flagged_pairs_rank_by_weight_when_scores_round_alike():
    """Two flagged pairs both at >0.99: the heavier evidence is listed first,
    with its weight shown, and no score reads 1.00 or 0.00."""
    data = report()
    data["pairs"] = [
        {"bidders": ["b01", "b02"], "score": 1.0, "flagged": True, "alerts": [], "weight": 8.0},
        {"bidders": ["b01", "b03"], "score": 1.0, "flagged": True, "alerts": [], "weight": 16.5},
        {"bidders": ["b02", "b03"], "score": 0.0001, "flagged": False, "alerts": [], "weight": 0},
    ]
    text = format_terminal_summary(data)
    pairs_part = text.split("关联组")[0].split("未能分析")[0]
    first, second = (
        line
        for line in pairs_part.splitlines()
        if line.startswith("  1.") or line.startswith("  2.")
    )
    assert "b03" in first and "证据权重 16.5" in first and "分值 >0.99" in first
    assert "b02" in second and "证据权重 8.0" in second
    assert "1.00" not in pairs_part and "0.00" not in pairs_part


def test_files_not_analysed_are_numbered_as_in_the_html_report():
    import re

    from collusion.report.html import render_html

    data = report()
    data["bidders"][2]["files"][0]["error"] = (
        "PDF 没有文字层，已用 OCR 识别第 1–3 页，未识别出文字（可能是空白页、图形或图片质量太差），"
        "未做文本比对"
    )
    text = format_terminal_summary(data)
    listed = re.findall(r"^  (\d+)\. (\S+)（", text.split("未能分析的文件")[1], re.M)
    html = render_html(data)
    rows = re.findall(
        r'<tr class="bad" id="problem-(\d+)"><td class="num">\d+</td><th scope="row" class="path">([^<]+)</th>',
        html,
    )
    assert listed == rows == [("1", "bids/b02/报价.pdf"), ("2", "bids/b03/扫描件.pdf")]
    assert "已用 OCR 识别第 1–3 页，未识别出文字" in text
