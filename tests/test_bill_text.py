"""The tender's bill of quantities, filled in by every bidder, is never copied text.

Honest bidders write the same item codes, names, features, units and
quantities (the tender's 工程量清单) with their own prices; the price
detector owns the bill, the text detector must not report it, whether the
tender's bill is in ``tender/`` or not, and whatever mix of DOCX and PDF.
"""

from __future__ import annotations

import random
from decimal import Decimal
from pathlib import Path

import pytest

from collusion.analysis.bills import parse_boq
from collusion.extract import extract_file
from collusion.scan import scan_project
from tools import synth

NAMES = (
    "平整场地",
    "挖一般土方",
    "挖沟槽土方",
    "回填方",
    "余方弃置",
    "垫层",
    "带形基础",
    "独立基础",
    "矩形柱",
    "构造柱",
    "矩形梁",
    "圈梁",
    "过梁",
    "有梁板",
    "平板",
    "直形楼梯",
    "现浇构件钢筋",
    "实心砖墙",
    "多孔砖墙",
    "砌块墙",
    "屋面卷材防水",
    "楼（地）面涂膜防水",
    "保温隔热屋面",
    "块料楼地面",
    "墙面一般抹灰",
    "天棚抹灰",
    "墙面喷刷涂料",
    "金属门",
    "塑钢窗",
    "综合脚手架",
)
FEATURES = (
    "1.土壤类别：三类土 2.弃土运距：5km",
    "1.混凝土种类：商品混凝土 2.混凝土强度等级：C30",
    "1.砖品种、规格、强度等级：MU10页岩多孔砖 2.砂浆强度等级：M5混合砂浆",
    "1.卷材品种、规格、厚度：3mm厚SBS改性沥青防水卷材 2.防水层数：一层",
    "1.面层材料品种、规格：800×800mm防滑地砖 2.结合层厚度、砂浆配合比：20mm厚1:3水泥砂浆",
)
HEADER = ("序号", "项目编码", "项目名称", "项目特征描述", "计量单位", "工程量", "综合单价", "合价")
COMPANIES = (
    "中山市宏达建设有限公司",
    "江门市恒信建筑工程有限公司",
    "佛山市永安市政工程有限公司",
    "珠海市鑫盛建设有限公司",
    "肇庆市华建建工集团有限公司",
)
HONEST = ("b01", "b02", "b03", "b04")
COPIER = "b05"  # copies one technical section of b04's


def bill_lines(rng: random.Random) -> list[tuple[str, str, str, str, str]]:
    """(code, name, features, unit, quantity) of the tender's bill."""
    return [
        (
            f"0101{n // 10 + 1:02d}{n % 10 + 1:03d}001",
            name,
            FEATURES[n % len(FEATURES)],
            "t" if "钢筋" in name else rng.choice(("m2", "m3")),
            f"{rng.uniform(10, 5000):.2f}",
        )
        for n, name in enumerate(NAMES)
    ]


def bill(lines: list, prices: list[str] | None = None) -> list[list[str]]:
    """The bill as table rows: unpriced as the tender prints it, or priced."""
    rows = [list(HEADER)]
    for n, (code, name, features, unit, quantity) in enumerate(lines):
        price = prices[n] if prices else ""
        total = f"{Decimal(quantity) * Decimal(price):.2f}" if prices else ""
        rows.append([str(n + 1), code, name, features, unit, quantity, price, total])
    return rows


def write(path: Path, items: list) -> None:
    if path.suffix == ".docx":
        synth.write_docx(path, items)
    else:
        synth.write_pdf(path, [items])


def build(root: Path, tender: str | None) -> Path:
    """Four honest bidders and a copier, DOCX and PDF mixed; the tender's bill
    in tender/ as ``tender`` (docx, pdf) or absent (None)."""
    lines = bill_lines(random.Random(7))
    if tender:
        write(
            root / "tender" / f"招标文件.{tender}",
            [
                ("第五章 工程量清单", 1),
                "本工程量清单依据《建设工程工程量清单计价规范》编制。",
                ("table", bill(lines)),
            ],
        )
    plans = {}
    for n, bidder in enumerate((*HONEST, COPIER)):
        rng = random.Random(100 + n)
        plans[bidder] = synth.technical_plan(rng, COMPANIES[n])
        prices = [f"{rng.uniform(10, 900):.2f}" for _ in lines]
        ext = "docx" if n % 2 == 0 else "pdf"
        write(
            root / "bids" / bidder / f"商务标.{ext}",
            [("分部分项工程量清单与计价表", 1), ("table", bill(lines, prices))],
        )
    plans[COPIER][2] = (plans[COPIER][2][0], plans["b04"][2][1])
    for n, bidder in enumerate(plans):
        ext = "pdf" if n % 2 == 0 else "docx"
        write(root / "bids" / bidder / f"技术标.{ext}", synth.sections_to_paragraphs(plans[bidder]))
    return root


@pytest.mark.parametrize("tender", [None, "docx", "pdf"])
def test_honest_bidders_filling_the_tender_bill_share_no_text(tmp_path: Path, tender):
    report = scan_project(build(tmp_path / "p", tender)).report
    text_pairs = {
        tuple(a["bidders"]) for a in report["alerts"] if a["kind"] == "near_duplicate_text"
    }
    assert text_pairs == {("b04", COPIER)}
    (copy,) = [a for a in report["alerts"] if a["kind"] == "near_duplicate_text"]
    assert all("商务标" not in (e["file"] or "") for e in copy["evidence"])


def test_a_pdf_bill_running_over_pages_is_read_on_every_page(tmp_path: Path):
    """The rows after the first page (no header, no 单价 on the page) are read too."""
    lines = bill_lines(random.Random(7))
    prices = [f"{10 + n}.50" for n in range(len(lines))]
    path = tmp_path / "商务标.pdf"
    write(path, [("分部分项工程量清单与计价表", 1), ("table", bill(lines, prices))])
    extracted = extract_file(tmp_path, "商务标.pdf")
    assert max(b.page or 0 for b in extracted.blocks) > 1  # the bill runs over pages
    items = parse_boq(extracted.blocks)
    assert [i.code for i in items] == [code for code, *_ in lines]
