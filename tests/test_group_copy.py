"""A ring of four sharing its lead's chapters, among honest bidders sharing stock paragraphs.

Text held by k bidders weighs 1/(k - 1) per character, so that public template
text held by several honest bidders weighs little; a ring whose only trace is
the lead's chapters in all four bids must still be flagged, by the set of
bidders holding the text (collusion.analysis.text.groups), and honest bidders sharing
assorted stock paragraphs must not be.
"""

from __future__ import annotations

import random
from dataclasses import replace
from itertools import combinations
from pathlib import Path

import pytest
from conftest import ProjectBuilder

from collusion.analysis.text.groups import coincidence_p, elementary_symmetric
from collusion.detectors.near_duplicate_text import chance_words
from collusion.scan import scan_project
from collusion.settings import Settings
from tools import synth

BIDDERS = [f"b{n:02d}" for n in range(1, 21)]
RING = ("b03", "b07", "b11", "b16")  # b03 is the lead
# Stock paragraphs of a public 施工组织设计 template, each taken by a different
# set of honest bidders (three to six), as honest bidders pick independently.
STOCK = (
    (
        "现场临时用电采用三级配电两级保护，配电箱统一编号并设防雨罩，由持证电工每日巡检并做好记录，"
        "电缆架空或埋地敷设，严禁拖地使用。",
        ("b01", "b05", "b09"),
    ),
    (
        "夜间施工前向环保部门办理夜间施工许可，并张贴安民告示，高噪声机械在二十二时前停止作业，"
        "运输车辆进出场地禁止鸣笛。",
        ("b02", "b05", "b13", "b18"),
    ),
    (
        "雨季施工期间在基坑顶部设置挡水墙和截水沟，坑底设集水井配潜水泵随时抽排，"
        "暴雨过后对边坡和支护结构进行全面检查后方可复工。",
        ("b04", "b09", "b12", "b17", "b20"),
    ),
    (
        "项目部每月组织一次消防演练，生活区和材料仓库按每一百平方米配置两具灭火器，"
        "动火作业实行审批制度并设专人监护。",
        ("b01", "b06", "b13"),
    ),
    (
        "成品保护实行谁施工谁保护的原则，已完成的沥青面层禁止车辆急刹和掉头，"
        "检查井周边采用围挡隔离，直至交工验收。",
        ("b02", "b08", "b10", "b14", "b19", "b20"),
    ),
    (
        "施工便道采用二十厘米厚级配碎石铺筑，每日洒水降尘四次，出入口设置洗车槽，"
        "车辆冲洗干净后方可驶出工地。",
        ("b04", "b06", "b15"),
    ),
)


def company(bidder: str) -> str:
    return f"中山市{bidder}号建设有限公司"


def plan(bidder: str) -> list[tuple[str, list[str]]]:
    return synth.technical_plan(random.Random(int(bidder[1:])), company(bidder), sections=5)


def build(project: ProjectBuilder) -> Path:
    plans = {b: plan(b) for b in BIDDERS}
    lead, *copiers = RING
    for copier in copiers:  # the lead's chapters 2 and 4 in every member's bid
        for index in (1, 3):
            title, paragraphs = plans[lead][index]
            plans[copier][index] = (
                plans[copier][index][0],
                [p.replace(company(lead), company(copier)) for p in paragraphs],
            )
    for n, (paragraph, holders) in enumerate(STOCK):
        for holder in holders:
            plans[holder][n % 5][1].append(paragraph)
    for number, bidder in enumerate(BIDDERS):
        project.bidder(bidder, name=company(bidder))
        items: list = []
        for title, paragraphs in plans[bidder]:
            items += [(title, 1), *paragraphs]
        if number % 2:
            project.pdf(bidder, "技术标.pdf", [items])
        else:
            project.docx(bidder, "技术标.docx", items)
    return project.write()


@pytest.fixture(scope="module")
def ring_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build(ProjectBuilder(tmp_path_factory.mktemp("ring") / "project"))


def flagged(report: dict) -> set[tuple[str, str]]:
    return {tuple(p["bidders"]) for p in report["pairs"] if p["flagged"]}


def test_ring_sharing_its_leads_chapters_is_flagged_stock_paragraphs_are_not(
    ring_project: Path,
) -> None:
    report = scan_project(ring_project, Settings()).report
    assert flagged(report) == set(combinations(RING, 2))
    texts = {tuple(a["bidders"]): a for a in report["alerts"] if a["kind"] == "near_duplicate_text"}
    for pair in combinations(RING, 2):
        alert = texts[pair]
        [group] = alert["details"]["group_copies"]
        assert tuple(group["bidders"]) == RING
        assert group["sections"] >= 2 and group["p_value"] <= 0.01
        assert alert["weight"]["from_group_copy"] > 0
        assert "属多家共同复制" in alert["summary"]
        assert "e-" not in alert["summary"]  # no scientific notation for a regulator
    reported = {tuple(g["bidders"]) for a in texts.values() for g in a["details"]["group_copies"]}
    assert reported == {RING}  # no set of stock-paragraph holders is taken for a ring


def test_without_the_holder_set_test_the_ring_is_missed(ring_project: Path) -> None:
    """The same project with group copies switched off: text held by four
    bidders weighs a third per character and some of the ring's pairs fall
    below the flag (what the group test is for)."""
    base = Settings()
    off = replace(base, text=replace(base.text, group_min_sections=10_000))
    report = scan_project(ring_project, off).report
    missed = set(combinations(RING, 2)) - flagged(report)
    assert missed
    assert flagged(report) <= set(combinations(RING, 2))


def test_coincidence_bound_is_the_uniform_formula_for_equal_odds() -> None:
    # 2 units on one of C(20, 4) = 4845 sets: U^2 / 2 / C(n, k)
    assert coincidence_p(2, 2, [1.0] * 20, 4) == pytest.approx(2 / 4845)
    assert elementary_symmetric([1.0, 2.0, 3.0], 2) == pytest.approx(11.0)
    # a bidder taking much stock text makes coincidences likelier
    assert coincidence_p(2, 2, [5.0] * 4 + [1.0] * 16, 4) > coincidence_p(2, 2, [1.0] * 20, 4)


def test_the_command_reports_the_ring_with_its_group_copy(
    ring_project: Path, tmp_path: Path
) -> None:
    """`collusion scan` end to end: a schema-valid report, the ring's pairs
    flagged with the group copy in their evidence, and the HTML says so."""
    import json

    import jsonschema
    from click.testing import CliRunner

    from collusion.cli import main
    from collusion.report.build import load_schema

    out, html = tmp_path / "r.json", tmp_path / "r.html"
    result = CliRunner().invoke(
        main, ["scan", str(ring_project), "--output", str(out), "--html", str(html), "-q"]
    )
    assert result.exit_code == 0, result.output
    report = json.loads(out.read_text(encoding="utf-8"))
    jsonschema.validate(report, load_schema())
    assert {tuple(p["bidders"]) for p in report["pairs"] if p["flagged"]} == set(
        combinations(RING, 2)
    )
    assert len(report["groups"]) == 1 and tuple(report["groups"][0]["bidders"]) == RING
    assert "属多家共同复制" in html.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    "p, words",
    [
        (0.00014, "不超过0.00014"),
        (0.000141, "不超过0.00015"),
        (0.0134, "不超过0.014"),
        (0.01, "不超过0.010"),
        (3e-5, "小于万分之一"),
    ],
)
def test_the_chance_is_written_rounded_up(p: float, words: str) -> None:
    assert chance_words(p) == words
