"""Bid prices (numeric and uppercase), price patterns, project screens, priced BoQs."""

from __future__ import annotations

import math
import random
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pytest
from test_identifiers import context_of, para, row

from collusion import basis
from collusion.analysis.bills import arithmetic_error, parse_boq
from collusion.analysis.prices import (
    find_prices,
    identical_prices,
    parse_uppercase_amount,
    progressions,
)
from collusion.analysis.screens import screens
from collusion.detectors import price_pattern
from collusion.detectors.price_pattern import PriceSettings
from tools import synth

D = Decimal
SIX = 1e-6  # screens are reported to six decimals

# --- uppercase amounts ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("壹仟贰佰叁拾肆万伍仟陆佰柒拾捌元玖角整", "12345678.90"),
        ("壹拾贰万叁仟肆佰伍拾陆元柒角捌分", "123456.78"),
        ("玖佰捌拾柒万陆仟元整", "9876000"),
        ("壹亿零伍佰万元整", "105000000"),  # 零 bridging an empty 万 group's top digits
        ("贰亿叁仟万零壹佰元整", "230000100"),
        ("壹佰万零叁元", "1000003"),
        ("人民币贰万零伍拾元零伍分", "20050.05"),  # 零 before 分 when there are no 角
        ("拾万元整", "100000"),  # a leading 拾 means 壹拾
        ("壹万亿元", "1000000000000"),
        ("伍角", "0.5"),
        ("壹仟零壹拾叁万贰仟陆佰伍拾元零捌分", "10132650.08"),
        ("壹仟贰佰叁拾肆万伍仟陆佰柒拾捌圆正", "12345678"),  # 圆 and 正 variants
    ],
)
def test_uppercase_amounts(text, value):
    assert parse_uppercase_amount(text) == D(value)


@pytest.mark.parametrize("text", ["壹贰元", "佰元", "万陆仟元整", "元整", "壹佰元伍", "十万元"])
def test_malformed_uppercase_amounts_are_none(text):
    assert parse_uppercase_amount(text) is None


def test_uppercase_agrees_with_synth_for_random_amounts():
    rng = random.Random(5)
    for _ in range(300):
        value = round(rng.uniform(0, 5e9), 2)
        if value >= 1:
            assert parse_uppercase_amount(synth.amount_in_words(value)) == D(f"{value:.2f}")


# --- the stated bid price ------------------------------------------------------------------


def test_price_after_and_before_the_label():
    after = para(
        "投标总报价（大写）：壹仟贰佰叁拾肆万伍仟陆佰柒拾捌元玖角整（小写：¥12,345,678.90）"
    )
    before = para("愿意以人民币玖佰捌拾柒万陆仟元整（¥9,876,000.00）的投标总报价，按合同约定实施")
    (a,) = find_prices([after], 160)
    (b,) = find_prices([before], 160)
    assert (a.numeric, a.uppercase, a.mismatch, a.price) == (
        D("12345678.90"),
        D("12345678.9"),
        False,
        D("12345678.90"),
    )
    assert (b.numeric, b.uppercase, b.price) == (D("9876000.00"), D("9876000"), D("9876000.00"))


def test_price_in_ten_thousands_and_on_the_next_line():
    (a,) = find_prices([para("投标报价：1234.5678万元")], 160)
    assert a.price == D("12345678")
    blocks = [para("投标总价：", 0), para("（大写）叁佰万零伍拾元整 （小写）3,000,050.00元", 1)]
    (b,) = find_prices(blocks, 160)
    assert (b.price, b.index, b.mismatch) == (D("3000050.00"), 0, False)


def test_price_in_an_opening_record_table_row():
    (a,) = find_prices([row("投标总价（元）", "9,876,000.00", "工期（日历天）", "365")], 160)
    assert a.price == D("9876000.00")
    (b,) = find_prices([row("投标报价(万元)", "987.6")], 160)
    assert b.price == D("9876000")
    assert find_prices([row("投标报价", "987.6")], 160) == []  # no unit, no amount


def test_amount_wrapped_across_pdf_lines():
    blocks = [
        para("我方愿意以人民币玖佰捌拾柒", 0),
        para("万陆仟元整（¥9,876,000.00）的投标总报价，按合同", 1),
    ]
    (finding,) = find_prices(blocks, 160)
    assert (finding.uppercase, finding.mismatch) == (D("9876000"), False)


def test_mismatch_is_noted_and_the_uppercase_prevails():
    (f,) = find_prices([para("投标总价：小写¥9,876,000.00元，大写：玖佰捌拾柒万伍仟元整")], 160)
    assert f.mismatch and f.price == D("9875000")
    ctx = context_of({"b1": [para("投标总价：小写¥9,876,000.00元，大写：玖佰捌拾柒万伍仟元整")]})
    (entry,) = price_pattern.project_indicators(ctx)["prices"]
    assert entry["price"] == 9875000.0 and entry["source"] == "text"
    assert entry["amount_mismatches"][0]["numeric"] == 9876000.0


def test_control_price_is_not_a_bid_price():
    assert (
        find_prices([para("最高投标限价：¥10,000,000.00元"), para("招标控制价：壹仟万元整")], 160)
        == []
    )


# --- progressions and identical prices ----------------------------------------------------------


def test_arithmetic_progression_among_three_of_five():
    prices = {
        "b1": D("9876000.00"),
        "b2": D("10213457.62"),
        "b3": D("9926000.00"),
        "b4": D("9712380.15"),
        "b5": D("9976000.00"),
    }
    (prog,) = progressions(prices, D("1"), D("0.000005"))
    assert (prog.kind, prog.bidders, prog.step, prog.round) == (
        "arithmetic",
        ("b1", "b3", "b5"),
        D("50000.00"),
        True,
    )


def test_geometric_progression_with_rounded_prices():
    a = D("10000000.00")
    b = (a * D("1.02")).quantize(D("1"))
    c = (b * D("1.02")).quantize(D("1"))
    (prog,) = progressions({"x": a, "y": b, "z": c, "w": D("9000001.37")}, D("1"), D("0.000005"))
    assert prog.kind == "geometric" and prog.bidders == ("x", "y", "z")
    assert abs(prog.step - D("1.02")) < D("0.000001")


def test_round_ratio_with_prices_rounded_to_the_hundred_yuan():
    # A cartel lowering each price by 1.5% and rounding to the hundred yuan:
    # read upwards the ratio is 1/0.985, not itself round.
    a = D("10123456.78")
    b = (a * D("0.985")).quantize(D("1E2"))  # 9,971,600
    c = (b * D("0.985")).quantize(D("1E2"))  # 9,822,000
    (prog,) = progressions({"x": a, "y": b, "z": c, "w": D("9700001.37")}, D("1"), D("0.000005"))
    assert (prog.kind, prog.bidders, prog.round) == ("geometric", ("z", "y", "x"), True)
    assert abs(1 / prog.step - D("0.985")) < D("0.000001")


def test_a_chain_with_an_odd_step_among_fen_bids_is_not_chance():
    # Four bids to the fen: an exact chain of three, whatever its step, is
    # improbable (about 1 in 30,000), so it weighs what it is and says so.
    prices = {"b1": 9800000.0, "b2": 9837123.45, "b3": 9874246.90, "b4": 10400000.0}
    (alert,) = price_pattern.detect(context_of({b: [] for b in prices}, prices=prices))
    assert (alert.details["pattern"], alert.details["round_step"], alert.severity) == (
        "arithmetic_progression",
        False,
        "high",
    )
    assert alert.details["chance"] < 1e-4 and "巧合" not in alert.summary
    assert alert.details["lattice"]["description"] == "精确到分"


def test_the_same_chain_on_a_discount_grid_is_set_aside():
    # Ten bids offered as whole 0.1% discounts on a 12.8 million control
    # price: every price lies on a 12,800-yuan grid, where three in a row are
    # common by chance. Not an alert; listed with its reason.
    control = 12_800_000
    rates = (31, 34, 37, 52, 60, 75, 88, 96, 110, 130)  # per mille
    prices = {f"b{i:02d}": control * (1 - r / 1000) for i, r in enumerate(rates)}
    ctx = context_of({b: [] for b in prices}, prices=prices)
    ctx = replace(ctx, project=replace(ctx.project, control_price=float(control)))
    assert price_pattern.detect(ctx) == []
    indicators = price_pattern.project_indicators(ctx)
    assert indicators["lattice"]["kind"] == "discount"
    assert indicators["lattice"]["rate_step"] == 0.001 and indicators["lattice"]["on_lattice"] == 10
    chains = [p for p in indicators["set_aside"] if p["pattern"] == "arithmetic_progression"]
    assert chains and all(p["reason"] == "chance" and p["chance"] > 0.01 for p in chains)
    # Without the control price the grid is inferred from the bids themselves.
    ctx = replace(ctx, project=replace(ctx.project, control_price=None))
    assert price_pattern.detect(ctx) == []
    assert price_pattern.project_indicators(ctx)["lattice"]["kind"] == "grid"


def test_chance_progressions_are_rare_and_seldom_round():
    # 20 bids within 5% of ten million, 400 random projects: 9 chance chains,
    # 2 of them round (28 and 5 in 2000). Seeded, so the counts are fixed.
    rng = random.Random(9)
    chains = []
    for _ in range(400):
        prices = {f"b{i}": D(f"{rng.uniform(9.75e6, 1.025e7):.2f}") for i in range(20)}
        chains += progressions(prices, D("1"), D("0.000005"))
    assert len(chains) <= 12 and sum(p.round for p in chains) <= 3


def test_identical_prices():
    assert identical_prices({"b1": D("100.00"), "b2": D("100"), "b3": D("101")}) == [("b1", "b2")]


def test_price_alerts_from_project_json():
    ctx = context_of(
        {b: [] for b in ("b1", "b2", "b3", "b4", "b5")},
        prices={
            "b1": 9876000.0,
            "b2": 9926000.0,
            "b3": 9976000.0,
            "b4": 10111111.11,
            "b5": 10111111.11,
        },
    )
    alerts = {a.details["pattern"]: a for a in price_pattern.detect(ctx)}
    # Equal prices to the fen are no coincidence; three bids rounded to the
    # thousand, 50,000 apart, among five are one in about two thousand: a
    # lead, not enough to flag the pair alone, and the words say so (a weak
    # fact, low, as scoring weighs words that say chance).
    assert {p: (a.bidders, a.severity) for p, a in alerts.items()} == {
        "identical_price": (("b4", "b5"), "high"),
        "arithmetic_progression": (("b1", "b2", "b3"), "low"),
    }
    assert all(a.basis == basis.ART40_ABNORMAL_CONSISTENCY for a in alerts.values())
    chain = alerts["arithmetic_progression"]
    assert "等差数列" in chain.summary and "50,000.00元" in chain.summary
    assert "可能为巧合" in chain.summary and "巧合" not in alerts["identical_price"].summary
    # Three bids to the thousand among five: the lattice the chance is computed on.
    assert chain.details["lattice"] == {
        "kind": "additive",
        "step": 1000.0,
        "description": "取整到1,000元",
    }
    assert chain.details["on_lattice"] == 3 and chain.details["round_factor"] == 0.02
    assert chain.weight.log10_lr < ctx.settings.score.flag_weight


def test_identical_round_prices_and_equal_discounts_are_weaker():
    ceiling = [para("本项目最高投标限价为人民币壹仟万元整（¥10,000,000.00）。")]
    prices = {
        "b1": 9650000.0,
        "b2": 9650000.0,
        "b3": 9712345.67,
        "b4": 9712345.67,
        "b5": 9999000.0,
        "b6": 9999000.0,
    }
    ctx = context_of({b: [] for b in prices}, prices=prices, tender=ceiling)
    # Six bids over 350,000 yuan: two equal rounded bids, or two bids one round
    # rate off the ceiling, are likely by chance and not reported at all.
    alerts = {a.bidders: a for a in price_pattern.detect(ctx)}
    assert list(alerts) == [("b3", "b4")]
    assert alerts[("b3", "b4")].details["chance"] < 1e-4
    assert alerts[("b3", "b4")].weight.log10_lr == 4.0
    # Reported at any chance, they are the weaker kind.
    ctx = context_of(
        {b: [] for b in prices},
        prices=prices,
        tender=ceiling,
        detectors={"prices": PriceSettings(max_chance=1.0)},
    )
    alerts = {
        a.bidders: a for a in price_pattern.detect(ctx) if a.details["pattern"] == "identical_price"
    }
    assert alerts[("b1", "b2")].details["chance"] > 0.1
    assert alerts[("b3", "b4")].severity == "high"
    assert alerts[("b1", "b2")].severity == "low"  # 下浮3.5%: weight under 2
    assert alerts[("b1", "b2")].details["discount_from_ceiling"] == 0.035
    assert "下浮3.5%" in alerts[("b1", "b2")].summary and "巧合" in alerts[("b1", "b2")].summary
    assert alerts[("b5", "b6")].severity == "low"  # a round sum
    indicators = price_pattern.project_indicators(ctx)
    assert indicators["ceiling"]["price"] == 10000000.0
    assert indicators["prices"][0]["below_ceiling"] == 0.035


# --- project screens, against hand-computed values --------------------------------------------


def test_screens_by_hand():
    # Bids 100, 102, 104, 110: mean 104, squared deviations 16+4+0+36 = 56,
    # s = sqrt(56/3) = 4.32049. Losing bids 102, 104, 110: mean 105.333,
    # squared deviations 11.111+1.778+21.778 = 34.667, s = sqrt(17.333) = 4.16333.
    result = screens([110, 100, 104, 102], min_bids=4)
    s = math.sqrt(56 / 3)
    assert result["cv"]["value"] == pytest.approx(s / 104, abs=SIX)  # 0.041543
    assert result["spread"]["value"] == pytest.approx(0.10, abs=SIX)  # (110-100)/100
    assert result["diffp"]["value"] == pytest.approx(0.02, abs=SIX)  # (102-100)/100
    assert result["rd"]["value"] == pytest.approx(2 / math.sqrt(52 / 3), abs=SIX)  # 0.48038
    # z = (-4, -2, 0, 6)/s; sum z^3 = (-64-8+0+216)/s^3 = 144/s^3;
    # G1 = 4/(3*2) * 144/s^3 = 96/s^3 = 1.19034.
    assert result["skewness"]["value"] == pytest.approx(96 / s**3, abs=SIX)
    # sum z^4 = (256+16+0+1296)/s^4 = 1568/s^4; G2 = 4*5/(3*2*1) * 1568/s^4 - 3*9/(2*1)
    # = 1568*10/3 / (56/3)^2 - 13.5 = 15 - 13.5 = 1.5.
    assert result["kurtosis"]["value"] == pytest.approx(1.5, abs=SIX)
    # F = (0, 0.2, 0.4, 1); KS = max over i of (i/4 - F, F - (i-1)/4):
    # i=1: 0.25, 0; i=2: 0.3, -0.05; i=3: 0.35, -0.1; i=4: 0, 0.25 -> 0.35.
    assert result["ks"]["value"] == pytest.approx(0.35, abs=SIX)


def test_evenly_spaced_bids_have_ks_one_over_n():
    result = screens([100, 110, 120, 130, 140], min_bids=4)
    assert result["ks"]["value"] == pytest.approx(1 / 5, abs=SIX)
    assert result["skewness"]["value"] == pytest.approx(0.0, abs=SIX)
    assert result["rd"]["value"] == pytest.approx(10 / math.sqrt(500 / 3), abs=SIX)  # s = 12.91


def test_screens_need_enough_bids_and_say_why():
    result = screens([100, 101, 102], min_bids=4)
    assert all(v["value"] is None and "至少4个" in v["reason"] for v in result.values())
    flat = screens([100, 100, 100, 100], min_bids=4)
    assert flat["cv"]["value"] == 0.0
    assert flat["rd"]["value"] is None and flat["skewness"]["value"] is None
    assert flat["ks"]["value"] is None and flat["ks"]["reason"]


def test_project_indicators_shape():
    ctx = context_of(
        {b: [] for b in ("b1", "b2", "b3", "b4")},
        prices={"b1": 100.0, "b2": 102.0, "b3": 104.0, "b4": 110.0},
    )
    indicators = price_pattern.project_indicators(ctx)
    assert indicators["bids"] == 4 and "不构成" in indicators["note"]
    assert indicators["screens"]["spread"]["value"] == pytest.approx(0.1)
    assert [p["source"] for p in indicators["prices"]] == ["project.json"] * 4


def test_settings_are_read_from_the_scan_settings():
    prices = {"b1": 100.0, "b2": 102.0, "b3": 104.0, "b4": 110.0}
    ctx = context_of(
        {b: [] for b in prices},
        prices=prices,
        detectors={"prices": PriceSettings(min_bids_for_screens=5)},
    )
    screens_ = price_pattern.project_indicators(ctx)["screens"]
    assert screens_["cv"]["value"] is None and "至少5个" in screens_["cv"]["reason"]
    ctx = context_of(
        {b: [] for b in ("b1", "b2", "b3")},
        prices={"b1": 100.0, "b2": 110.0, "b3": 120.5},
        detectors={"prices": PriceSettings(progression_abs_tolerance=0.5, max_chance=1.0)},
    )
    assert [a.details["pattern"] for a in price_pattern.detect(ctx)] == ["arithmetic_progression"]
    ctx = context_of(
        {b: [] for b in ("b1", "b2", "b3")},
        prices={"b1": 100.0, "b2": 110.0, "b3": 119.4},
        detectors={"prices": PriceSettings(progression_abs_tolerance=0.5, max_chance=1.0)},
    )
    assert price_pattern.detect(ctx) == []


def test_settings_are_validated():
    with pytest.raises(ValueError):
        PriceSettings(identical_share=0.9, identical_share_high=0.8)
    with pytest.raises(ValueError):
        PriceSettings(progression_abs_tolerance=-1)
    with pytest.raises(ValueError):
        PriceSettings(min_bids_for_screens=2)


# --- bills of quantities --------------------------------------------------------------------------

LINES = [  # code, name, unit, quantity
    ("010101001001", "平整场地", "m2", "3260.00"),
    ("010101004001", "挖基坑土方", "m3", "4120.00"),
    ("010103001001", "回填方", "m3", "2380.00"),
    ("010502001001", "矩形柱（C30）", "m3", "520.00"),
    ("010503002001", "矩形梁（C30）", "m3", "610.00"),
    ("010505001001", "有梁板（C30）", "m3", "1450.00"),
    ("011702001001", "基础模板", "m2", "1850.00"),
]
FIXED = [
    ("011707001001", "安全文明施工费", "项", "1", "380000.00"),
    ("B00001", "暂列金额", "项", "1", "300000.00"),
]


def bill(prices: list[str], header: str = "one", slips: dict[int, str] | None = None) -> list:
    """BoQ rows as Blocks: a one- or two-row header, priced lines, fixed sums, a total."""
    slips = slips or {}
    if header == "one":
        blocks = [row("项目编码", "项目名称", "计量单位", "工程量", "综合单价", "合价", index=0)]
    else:  # 金额（元） over 综合单价 | 合价, as merged cells read back
        blocks = [
            row(
                "序号",
                "项目编码",
                "项目名称",
                "计量单位",
                "工程量",
                "金额（元）",
                "金额（元）",
                index=0,
            ),
            row("序号", "项目编码", "项目名称", "计量单位", "工程量", "综合单价", "合价", index=1),
        ]
    for n, ((code, name, unit, qty), price) in enumerate(zip(LINES, prices, strict=True)):
        total = slips.get(n, f"{D(qty) * D(price):.2f}")
        cells = (code, name, unit, qty, price, total)
        if header != "one":
            cells = (str(n + 1),) + cells
        blocks.append(row(*cells, index=len(blocks)))
    for code, name, unit, qty, total in FIXED:
        cells = (code, name, unit, qty, total, total)
        blocks.append(row(*((("-",) if header != "one" else ()) + cells), index=len(blocks)))
    blocks.append(
        row(
            *(("",) if header != "one" else ()),
            "",
            "合计",
            "",
            "",
            "",
            "9999999.00",
            index=len(blocks),
        )
    )
    return blocks


A_PRICES = ["2.84", "28.23", "32.14", "662.97", "671.20", "598.35", "52.10"]


def honest_prices(seed: int) -> list[str]:
    rng = random.Random(seed)
    return [f"{float(p) * rng.uniform(0.93, 1.07):.2f}" for p in A_PRICES]


def test_parse_boq_with_one_and_two_row_headers():
    for header in ("one", "two"):
        items = parse_boq(bill(A_PRICES, header))
        assert [i.code for i in items] == [c for c, *_ in LINES] + [c for c, *_ in FIXED]
        assert items[3].unit_price == D("662.97") and items[3].quantity == D("520.00")
        assert items[3].total == D("344744.40")
        assert [i.fixed for i in items] == [False] * 7 + [True, True]


def test_arithmetic_error_allows_rounding_only():
    (item,) = parse_boq(
        [
            row("项目编码", "项目名称", "单位", "工程量", "综合单价", "合价"),
            row("010101001001", "平整场地", "m2", "3260.00", "2.84", "9259.00"),
        ]
    )
    assert not arithmetic_error(item, D("1.00"), D("0.005"))  # 0.60 off: rounding
    (slip,) = parse_boq(
        [
            row("项目编码", "项目名称", "单位", "工程量", "综合单价", "合价"),
            row("010101001001", "平整场地", "m2", "3260.00", "2.84", "10158.40"),
        ]
    )
    assert arithmetic_error(slip, D("1.00"), D("0.005"))


def boq_alerts(blocks_by_bidder: dict, tender: list | None = None, **settings) -> list:
    ctx = context_of(
        blocks_by_bidder,
        tender=tender or [],
        detectors={"prices": PriceSettings(**settings)} if settings else None,
    )
    return [a for a in price_pattern.detect(ctx) if a.details["pattern"] != "identical_price"]


def test_identical_unit_prices_flagged_and_fixed_sums_ignored():
    copied = A_PRICES[:5] + honest_prices(3)[5:]  # 5 of 7 competitive lines copied
    alerts = boq_alerts(
        {"b1": bill(A_PRICES), "b2": bill(copied, "two"), "b3": bill(honest_prices(4))}
    )
    (alert,) = alerts
    assert (alert.bidders, alert.details["pattern"], alert.severity) == (
        ("b1", "b2"),
        "identical_unit_prices",
        "medium",
    )
    # The two fixed sums are equal in every bill and are not counted.
    assert alert.details["comparable_lines"] == 7 and alert.details["identical_lines"] == 5
    first = alert.evidence[0]
    assert (first.bidder, first.file, first.page) == ("b1", "bids/b1/投标文件.docx", 1)
    assert "010101001001" in first.excerpt and "2.84" in first.excerpt


def test_honest_bills_sharing_only_fixed_sums_are_not_flagged():
    assert (
        boq_alerts(
            {
                "b1": bill(honest_prices(1)),
                "b2": bill(honest_prices(2)),
                "b3": bill(honest_prices(5)),
            }
        )
        == []
    )


def test_prices_the_tender_gives_are_not_counted():
    tender = bill(A_PRICES[:5] + ["0.00", "0.00"])  # a priced control bill, five lines given
    copied = A_PRICES[:5] + honest_prices(3)[5:]
    alerts = boq_alerts({"b1": bill(A_PRICES), "b2": bill(copied)}, tender=tender)
    assert alerts == []  # only two comparable lines remain, below the minimum


def test_a_price_most_bidders_use_on_a_line_is_not_counted():
    # Four of five bidders price the first four lines alike (one quota, one 信息价).
    bills = {f"b{i}": bill(A_PRICES[:4] + honest_prices(10 + i)[4:]) for i in range(1, 5)}
    bills["b5"] = bill(honest_prices(20))
    assert boq_alerts(bills, boq_min_lines=3) == []  # else 4 of 7 lines alike: flagged
    # b1 and b2 also share the other three lines: flagged, on those three alone.
    bills["b1"] = bills["b2"] = bill(A_PRICES)
    (alert,) = boq_alerts(bills, boq_min_lines=3)
    assert alert.bidders == ("b1", "b2")
    assert (alert.details["comparable_lines"], alert.details["identical_lines"]) == (3, 3)


def test_constant_ratio_between_bills():
    scaled = [f"{D(p) * D('0.97'):.2f}" for p in A_PRICES]
    (alert,) = boq_alerts({"b1": bill(A_PRICES), "b2": bill(scaled)})
    assert alert.details["pattern"] == "constant_unit_price_ratio"
    assert alert.details["ratio"] == pytest.approx(0.97, abs=1e-4)
    assert alert.severity == "high"


def test_shared_arithmetic_error_on_the_same_line():
    wrong = {3: "345644.40"}  # 520 x 662.97 = 344744.40, written 900 more
    b2_prices = honest_prices(8)
    b2_prices[3] = "662.97"
    alerts = boq_alerts(
        {
            "b1": bill(A_PRICES, slips=wrong),
            "b2": bill(b2_prices, slips=wrong),
            "b3": bill(honest_prices(9), slips={5: "1.00"}),
        }
    )
    (alert,) = alerts
    assert (alert.bidders, alert.details["pattern"]) == (("b1", "b2"), "shared_arithmetic_errors")
    assert alert.details["identical_errors"] == 1 and alert.severity == "high"
    assert {e.bidder for e in alert.evidence} == {"b1", "b2"}


# --- real files -------------------------------------------------------------------------------------


def test_prices_and_bill_read_from_real_docx_and_pdf(tmp_path: Path):
    from collusion.scan import scan_project

    root = tmp_path / "p"
    rows = [["项目编码", "项目名称", "计量单位", "工程量", "综合单价", "合价"]]
    rows += [
        [c, n, u, q, p, f"{D(q) * D(p):.2f}"]
        for (c, n, u, q), p in zip(LINES, A_PRICES, strict=True)
    ]
    amounts = {"b1": 9876000.0, "b2": 9926000.0, "b3": 9976000.0, "b4": 10213457.62}
    for bidder, amount in amounts.items():
        letter = (
            f"我方愿意以人民币{synth.amount_in_words(amount)}"
            f"（¥{synth.format_amount(amount)}）的投标总报价，按合同约定实施和完成承包工程。"
        )
        body = [
            letter,
            (
                "table",
                rows
                if bidder in ("b1", "b2")
                else [rows[0]]
                + [[c, n, u, q, f"{D(p) * D('1.1'):.2f}", "0"] for c, n, u, q, p, _ in rows[1:]],
            ),
        ]
        if bidder in ("b1", "b3"):
            synth.write_docx(root / "bids" / bidder / "商务标.docx", body)
        else:
            synth.write_pdf(root / "bids" / bidder / "商务标.pdf", [body])
    ctx = scan_project(root).context
    prices = price_pattern.bid_prices(ctx)
    assert {b: p.price for b, p in prices.items()} == {b: D(f"{v:.2f}") for b, v in amounts.items()}
    assert all(p.source == "text" and not p.mismatches for p in prices.values())
    patterns = {(a.details["pattern"], a.bidders) for a in price_pattern.detect(ctx)}
    assert ("arithmetic_progression", ("b1", "b2", "b3")) in patterns
    assert ("identical_unit_prices", ("b1", "b2")) in patterns
    assert ("constant_unit_price_ratio", ("b1", "b3")) in patterns


def test_random_cent_prices_of_200_bidders_give_no_pattern():
    import random

    rng = random.Random(7)
    prices = {f"b{n:03d}": round(rng.uniform(9_000_000, 10_000_000), 2) for n in range(200)}
    ctx = context_of({b: [] for b in prices}, prices=prices)
    assert price_pattern.detect(ctx) == []


def test_random_integer_prices_of_1000_bidders_build_no_group():
    import random

    from collusion.scoring.score import flagged_groups, score_pairs, weigh_alerts
    from collusion.settings import ScoreSettings

    rng = random.Random(11)
    prices = {f"b{n:04d}": float(rng.randint(9_000_000, 10_000_000)) for n in range(1000)}
    ctx = context_of({b: [] for b in prices}, prices=prices)
    alerts = weigh_alerts(price_pattern.detect(ctx), ScoreSettings())
    alerts = [replace(a, id=f"A{i}") for i, a in enumerate(alerts)]
    assert flagged_groups(score_pairs(alerts, ScoreSettings())) == []


def test_a_round_step_chain_among_eight_cent_bids_is_not_chance():
    prices = {
        "b1": 9_512_345.67,
        "b2": 9_562_345.67,
        "b3": 9_612_345.67,
        "b4": 9_700_001.13,
        "b5": 9_433_210.05,
        "b6": 9_821_456.78,
        "b7": 9_905_123.45,
        "b8": 9_380_777.21,
    }
    ctx = context_of({b: [] for b in prices}, prices=prices)
    [alert] = price_pattern.detect(ctx)
    assert alert.bidders == ("b1", "b2", "b3")
    assert alert.details["chance"] < 1e-4 and alert.weight.log10_lr >= 4.0


# --- a step is round only exactly, on the prices' own precision ------------------------------------

# A mixed-habits tender of benchmarks/prices_bench.py (ring seed, tender R166): a
# ring of four (b03, b04, b06, b15) adds 20,000.00 to a price to the fen; b07 and
# b13, honest and to the fen, stand 286,899.54 and 286,898.55 below b15. That
# step is within a yuan of a multiple of 100 but no multiple of it.
MIXED_TENDER = {
    "b01": "19590110.16",
    "b02": "18650000.00",
    "b03": "19542766.80",
    "b04": "19562766.80",
    "b05": "18119000.00",
    "b06": "19582766.80",
    "b07": "19028968.71",
    "b08": "19611000.00",
    "b09": "18292000.00",
    "b10": "19710000.00",
    "b11": "19119000.00",
    "b12": "19559000.00",
    "b13": "19315868.25",
    "b14": "19845000.00",
    "b15": "19602766.80",
}


def test_a_step_near_a_round_one_is_not_round_in_a_scanned_project(project, tmp_path: Path) -> None:
    """Real DOCX bids, each stating its price in a 投标函, scanned by the CLI: the
    ring's pairs are flagged, and the honest chain b07-b13-b15 is weighed as
    a chain with an odd step (not round to 100): no pair outside the ring is
    flagged."""
    import json

    from click.testing import CliRunner

    from collusion.cli import main

    for bidder, price in MIXED_TENDER.items():
        amount = float(price)
        letter = (
            f"致：招标人。我方{bidder}公司愿意以人民币{synth.amount_in_words(amount)}"
            f"（¥{synth.format_amount(amount)}）的投标总报价，按合同约定实施和完成承包工程。"
        )
        project.docx(bidder, "投标函.docx", [letter], core={"author": f"{bidder}经办人"})
    root = project.write()
    out = tmp_path / "r.json"
    result = CliRunner().invoke(main, ["scan", str(root), "--output", str(out)])
    assert result.exit_code == 0, result.output
    report = json.loads(out.read_text(encoding="utf-8"))
    ring = ("b03", "b04", "b06", "b15")
    flagged = {tuple(p["bidders"]) for p in report["pairs"] if p["flagged"]}
    assert flagged == {(a, b) for i, a in enumerate(ring) for b in ring[i + 1 :]}
    chains = {tuple(a["bidders"]): a for a in report["alerts"] if a["kind"] == "price_pattern"}
    assert chains[ring]["details"]["round_step"] is True  # 20,000.00 exactly
    # A weak lead, its step weighed as any step (it weighed 3.42 as round to 100).
    odd = chains[("b07", "b13", "b15")]
    assert odd["details"]["step"] == 286899.54
    assert odd["details"]["round_step"] is False and odd["details"]["round_factor"] == 1.0
    assert odd["severity"] == "low" and "可能为巧合" in odd["summary"]
