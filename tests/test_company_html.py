"""A company link in the HTML report: the chain drawn as a graph, rendered in
Chromium; and in a redacted report, the person's number and name masked."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from chromium import needs_chromium, render_in_chromium
from test_company_link import BIDDERS, CODES, HOLD, NAMES, PEOPLE, write_bid

from collusion.report.html import render_html, write_html
from collusion.report.redact import redact_report
from collusion.scan import scan_project

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    """b03 controls b04 through a holding company that does not bid; b01 and
    b02 share their legal representative."""
    root = tmp_path_factory.mktemp("links")
    for n, bidder in enumerate(BIDDERS[:4]):
        rep, rep_id = (
            ("张三", PEOPLE[0]) if bidder in ("b01", "b02") else (f"法人{n}", PEOPLE[4 + n])
        )
        write_bid(root / "bids" / bidder, NAMES[bidder], rep, rep_id, CODES[bidder], n)
    (root / "company_relations.csv").write_text(
        "company,role,name,id,share\n"
        f"b04,shareholder,中山市宏达控股有限公司,{HOLD[0]},55\n"
        f"{HOLD[0]},shareholder,{NAMES['b03']},{CODES['b03']},90\n",
        encoding="utf-8",
    )
    return scan_project(root).report


class _Svg(HTMLParser):
    """The link graphs' nodes and edge labels, as the page holds them."""

    def __init__(self) -> None:
        super().__init__()
        self.in_graph = 0
        self.texts: list[str] = []
        self.lines: list[dict[str, float]] = []
        self.rects: list[dict[str, float]] = []
        self._text = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "div" and attrs.get("class") == "link-graph":
            self.in_graph += 1
        if not self.in_graph:
            return
        if tag == "line":
            self.lines.append({k: float(attrs[k]) for k in ("x1", "y1", "x2", "y2")})
        elif tag == "rect":
            self.rects.append({k: float(attrs[k]) for k in ("x", "y", "width", "height")})
        elif tag == "text":
            self._text = True

    def handle_endtag(self, tag):
        if tag == "text":
            self._text = False
        if tag == "div" and self.in_graph:
            self.in_graph -= 1

    def handle_data(self, data):
        if self.in_graph and self._text:
            self.texts.append(data.strip())


def test_the_chain_is_drawn_step_by_step(report):
    control = next(a for a in report["alerts"] if a["details"].get("link") == "control")
    assert control["bidders"] == ["b03", "b04"]
    page = render_html(report)
    svg = _Svg()
    svg.feed(page)
    assert "持股 90%" in svg.texts and "持股 55%" in svg.texts and "法定代表人" in svg.texts
    assert "未投标企业" in svg.texts and "投标人 b04" in svg.texts and "投标人 b01" in svg.texts
    # Every edge starts at the bottom of one node and ends at the top of another.
    tops = {(round(r["x"] + r["width"] / 2, 1), r["y"]) for r in svg.rects}
    bottoms = {(x, y + 40) for x, y in tops}
    for line in svg.lines:
        assert (line["x1"], line["y1"]) in bottoms
        assert (line["x2"], line["y2"]) in tops
    # Each group names the links among its members.
    assert "企业关联：控股关系" in page and "企业关联：法定代表人为同一人" in page
    # The sources of each step are listed with their line.
    assert "company_relations.csv" in page and "第 3 行" in page and "第 2 行" in page


@needs_chromium
def test_the_chain_renders_in_headless_chromium(report, tmp_path):
    page = tmp_path / "report.html"
    write_html(report, page)
    shot = tmp_path / "shot.png"
    run = render_in_chromium(
        page, shot, ["关联链条图", "持股 90%", "未投标企业", "投标人之间存在关联关系"]
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert shot.stat().st_size > 10_000


def test_a_redacted_report_masks_the_person(report):
    redacted = redact_report(report)
    link = next(
        a for a in redacted["alerts"] if a["details"].get("link") == "same_legal_representative"
    )
    text = repr(link)
    assert PEOPLE[0] not in text and "张三" not in text
    assert link["details"]["via"]["name"] == "张*"
    assert re.search(PEOPLE[0][:6] + r"\*+" + PEOPLE[0][-4:], link["summary"])
    # Companies are not people: their codes stay.
    control = next(a for a in redacted["alerts"] if a["details"].get("link") == "control")
    assert CODES["b03"] in repr(control)
