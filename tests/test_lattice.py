"""The lattice bid prices lie on, the chance of a price pattern on it, and what weighs nothing."""

from __future__ import annotations

import math
import random
from dataclasses import replace
from decimal import Decimal

import pytest
from test_identifiers import context_of, para

from collusion.analysis.lattice import (
    MIDPOINT_SPREAD_FACTOR,
    Lattice,
    Spread,
    candidate_lattices,
    chain_constant,
    identical_chance,
    infer_grid,
    poisson_any,
    round_chance,
    round_unit,
    step_precision,
    step_round_unit,
    tender_lattice,
    written_unit,
)
from collusion.analysis.prices import identical_prices, progressions
from collusion.detectors import price_pattern
from collusion.project import load_project
from collusion.scoring import severity
from collusion.scoring.score import score_pairs, weigh_alerts
from tools import price_tenders as tenders

D = Decimal


def prices_context(prices: dict[str, float], control: float | None = None, tender=(), floor=None):
    ctx = context_of({b: [] for b in prices}, prices=prices, tender=list(tender))
    return replace(ctx, project=replace(ctx.project, control_price=control, floor_price=floor))


# --- lattices --------------------------------------------------------------------------------


def test_round_units_are_one_two_or_five_times_a_power_of_ten():
    assert round_unit(D(50000), D(1), D("0.01")) == 50000
    assert round_unit(D(20000), D(1), D("0.01")) == 20000
    assert round_unit(D("150001"), D(1), D("0.01")) == 50000  # within the yuan of tolerance
    assert round_unit(D("37123.45"), D(1), D("0.01")) == D("0.01")
    # A multiple of 50,000 among multiples of 1,000: one in 50; of 20,000 (or
    # of 50,000 or 100,000, all rounder): 1/20 + 1/50 - 1/100 = 0.06.
    assert round_chance(D(50000), 1000.0) == pytest.approx(0.02)
    assert round_chance(D(20000), 1000.0) == pytest.approx(0.06)
    assert round_chance(D(1000), 1000.0) == 1.0


def test_a_step_is_round_only_exactly_on_the_prices_precision():
    assert written_unit(D("9876000.00")) == 1000 and written_unit(D("9876543.21")) == D("0.01")
    # Two prices to the fen: exact, or not round at all (within a yuan is not enough).
    assert step_round_unit(D("9512345.67"), D("9562345.67")) == 50000
    assert step_round_unit(D("19028968.71"), D("19315868.25")) is None  # 286,899.54
    assert step_round_unit(D("9876543.21"), D("9926542.67")) is None  # 49,999.46
    assert step_round_unit(D("9876543.21"), D("9889543.21")) == 1000  # 13,000.00
    # A cover that rounds lead + 50,000 to the yuan makes no round step either.
    assert step_round_unit(D("1234567.89"), D("1284568")) is None
    # By chance a step is an exact multiple of U about (finer precision) / U times.
    assert step_precision(D("9876000"), D("9926000")) == 1000
    assert step_precision(D("1234567.89"), D("1534000")) == D("0.01")


def test_a_step_within_a_yuan_of_a_round_one_is_weighed_as_any_step():
    """Eight bids to the fen with a chain of three 49,999.46 apart: within the
    chain's yuan of 50,000, but no multiple of it. It weighed as a round step
    (chance 1 in 25,000 that a step is that round) and flagged the pairs;
    it is a chain with an odd step, a weak lead. The same chain 50,000.00
    apart is round exactly: a fen in 50,000 yuan, 1 in 5 million."""
    others = [9_433_210.05, 9_700_001.13, 9_821_456.78, 9_905_123.45, 9_380_777.21]
    prices = {f"b{i}": p for i, p in enumerate(others, start=4)}
    prices.update(b1=9_876_543.21, b2=9_926_542.67, b3=9_976_542.13)
    ctx = prices_context(prices)
    [alert] = weigh_alerts(price_pattern.detect(ctx), ctx.settings.score)
    assert alert.bidders == ("b1", "b2", "b3") and alert.details["step"] == 49999.46
    assert alert.details["round_step"] is False and alert.details["round_factor"] == 1.0
    assert alert.severity == "low" and "可能为巧合" in alert.summary
    assert not any(p.flagged for p in score_pairs([replace(alert, id="A1")], ctx.settings.score))
    prices.update(b2=9_926_543.21, b3=9_976_543.21)
    ctx = prices_context(prices)
    [alert] = weigh_alerts(price_pattern.detect(ctx), ctx.settings.score)
    assert alert.details["round_step"] is True
    assert alert.details["round_factor"] == pytest.approx(0.01 / 50_000)
    assert alert.severity == "high" and alert.weight.log10_lr == 4.0


def test_a_tender_lattice_is_the_coarsest_its_bids_follow():
    fen = [D("9873102.58"), D("9912045.17"), D("9960311.09"), D("10034816.73"), D("9800000")]
    assert tender_lattice(fen, None) == (Lattice("additive", D("0.01")), 5)
    thousands = [D(x) for x in ("9877000", "9912000", "9990000", "10034000", "9800000", "9950000")]
    assert tender_lattice(thousands, None) == (Lattice("additive", D(1000)), 6)
    # One bid to the fen among six: the lattice is the one five of six follow.
    lattice, members = tender_lattice([*thousands[:5], D("9951234.56")], None)
    assert (lattice.step, members) == (D(1000), 5)


def test_a_discount_grid_is_found_on_the_control_price_or_inferred_without_it():
    control = D("12345678.91")
    rates = (312, 341, 377, 452, 460, 575, 688)  # in 0.01% steps
    bids = [(control * (1 - D(r) / 10000)).quantize(D("0.01")) for r in rates]
    lattice, members = tender_lattice(bids, control)
    assert (lattice.kind, lattice.rate_step, members) == ("discount", D("0.0001"), 7)
    assert lattice.rate_of(bids[0]) == D("0.0312")
    assert "下浮0.01%的整数倍" in lattice.describe()
    # The same bids, the control price unknown: a grid of control x 0.01%.
    grid = infer_grid(bids)
    assert grid is not None and grid.kind == "grid"
    assert abs(grid.step - control / 10000) < D("0.001")
    # ... even with one bid off the grid.
    assert infer_grid([*bids, D("11000000.37")]).step == grid.step
    # Whole-percent rates: many bidders on one rate, prices in whole yuan.
    rates = (10, 10, 10, 10, 10, 10, 8, 7, 6, 5)
    bids = [D(8_584_600) * (100 - r) / 100 for r in rates]
    assert infer_grid(bids).step == D(85_846)


def test_prices_to_the_fen_fit_no_grid():
    rng = random.Random(3)
    for _ in range(300):
        bids = [D(f"{rng.uniform(9e6, 1e7):.2f}") for _ in range(rng.randint(5, 20))]
        assert infer_grid(bids) is None


def test_bunched_bids_spread_less_than_their_range():
    even = [D(9_000_000 + 10_000 * i) for i in range(11)]
    assert Spread.of_bids(even).effective() == pytest.approx(100_000, rel=0.01)
    bunched = [D(9_000_000 + 100 * i) for i in range(10)] + [D(9_500_000)]
    spread = Spread.of_bids(bunched)
    assert spread.span == 500_000 and spread.effective() < 20_000
    # A ring's own equal prices do not make equal prices look common.
    ring = [D(9_000_000 + 100_000 * i) for i in range(5)] + [D(9_250_000)] * 4
    spread = Spread.of_bids(ring)
    assert spread.effective() < 350_000 and spread.effective([D(9_250_000)] * 4) == 400_000


def test_equal_prices_are_likelier_on_a_coarse_lattice():
    fen = [D("9873102.58"), D("9873102.58"), D("9912045.17"), D("9960311.09"), D("10034816.73")]
    chance = identical_chance(2, fen[0], fen, Spread.of_bids(fen), candidate_lattices(fen, None))
    assert chance.chance < 1e-6 and chance.lattice.step == D("0.01")
    rounded = [D("9876000"), D("9876000"), D("9912000"), D("9999000"), D("10034000")]
    lattices = candidate_lattices(rounded, None)
    chance = identical_chance(2, rounded[0], rounded, Spread.of_bids(rounded), lattices)
    # Ten pairs of five bids, about 160 thousands in the effective spread (or
    # six pairs of the four on the 2,000 grid, a multiple of the inferred one).
    assert chance.lattice.step >= D(1000) and 0.03 < chance.chance < 0.1


@pytest.mark.parametrize(("bids", "step", "span"), [(8, 1000, 300_000), (12, 100, 100_000)])
def test_the_chance_model_against_simulation(bids, step, span):
    """The model's chance of 'three bids in a row' and 'two bids equal' against
    how often even random bids on the lattice show them (seeded)."""
    rng = random.Random(f"{bids}-{step}")
    trials = 3000
    seen = {"chain": 0, "equal": 0}
    model = {"chain": 0.0, "equal": 0.0}
    for _ in range(trials):
        values = [D(round(rng.uniform(1e7, 1e7 + span) / step) * step) for _ in range(bids)]
        known = {f"b{i}": v for i, v in enumerate(values)}
        seen["chain"] += any(p.kind == "arithmetic" for p in progressions(known, D(1), D(0)))
        seen["equal"] += bool(identical_prices(known))
        spread = Spread.of_bids(values).effective()
        cell = max(step, 2)
        model["chain"] += poisson_any(
            math.comb(bids, 3) * chain_constant(3) * cell / (spread * MIDPOINT_SPREAD_FACTOR)
        )
        model["equal"] += poisson_any(math.comb(bids, 2) * step / (spread + step))
    for kind in seen:
        observed, predicted = seen[kind] / trials, model[kind] / trials
        assert 0.02 < observed < 0.9
        assert observed <= predicted * 1.15 and predicted <= observed * 2, (
            kind,
            observed,
            predicted,
        )


# --- what weighs nothing ------------------------------------------------------------------------


def set_aside(ctx) -> dict[tuple[str, ...], str]:
    return {
        tuple(p["bidders"]): p["reason"] for p in price_pattern.project_indicators(ctx)["set_aside"]
    }


def test_equal_prices_at_the_control_price_or_the_floor_weigh_nothing():
    prices = {
        "b1": 12_000_000.0,
        "b2": 12_000_000.0,
        "b3": 11_234_567.89,
        "b4": 10_800_000.0,
        "b5": 10_800_000.0,
        "b6": 11_500_123.45,
    }
    ctx = prices_context(prices, control=12_000_000.0, floor=10_800_000.0)
    assert price_pattern.detect(ctx) == []
    assert set_aside(ctx) == {("b1", "b2"): "control_price", ("b4", "b5"): "floor_price"}
    indicators = price_pattern.project_indicators(ctx)
    assert indicators["control_price"] == {"price": 12_000_000.0, "source": "project.json"}
    # The cap as a bidder rounds it down to the thousand is the cap too.
    ctx = prices_context({**prices, "b1": 11_999_000.0, "b2": 11_999_000.0}, control=11_999_500.0)
    assert set_aside(ctx)[("b1", "b2")] == "control_price"


def test_the_floor_read_from_the_tender_file():
    floor = [para("本项目最低投标限价为人民币壹仟零捌拾万元整（¥10,800,000.00）。")]
    prices = {"b1": 10_800_000.0, "b2": 10_800_000.0, "b3": 11_234_567.89, "b4": 11_500_123.45}
    ctx = prices_context(prices, tender=floor)
    assert set_aside(ctx) == {("b1", "b2"): "floor_price"}
    assert price_pattern.project_indicators(ctx)["floor_price"]["source"] == "tender/招标文件.docx"


def test_a_price_held_by_more_than_a_ring_weighs_nothing():
    # Five of fifteen at 12,000,000.00 (issue 21): a cap or a floor, not a secret.
    rng = random.Random(15)
    prices = {f"b{i:02d}": round(rng.uniform(11.2e6, 12.4e6), 2) for i in range(15)}
    for bidder in ("b01", "b04", "b07", "b10", "b13"):
        prices[bidder] = 12_000_000.0
    ctx = prices_context(prices)
    assert price_pattern.detect(ctx) == []
    assert set_aside(ctx) == {("b01", "b04", "b07", "b10", "b13"): "many_holders"}


def test_equal_whole_prices_at_the_top_with_no_cap_stated_weigh_nothing():
    prices = {"b1": 9_876_543.21, "b2": 9_912_345.67, "b3": 10_230_000.0, "b4": 10_230_000.0}
    assert set_aside(prices_context(prices)) == {("b3", "b4"): "top_price"}
    # A ring copying one priced file shares a price to the fen: weighed.
    prices.update(b3=10_234_567.89, b4=10_234_567.89)
    ctx = prices_context(prices)
    [alert] = price_pattern.detect(ctx)
    assert alert.bidders == ("b3", "b4") and alert.severity == "high"


def test_project_json_control_and_floor_prices(tmp_path):
    (tmp_path / "bids" / "b1").mkdir(parents=True)
    (tmp_path / "bids" / "b1" / "a.txt").write_text("x", encoding="utf-8")
    (tmp_path / "project.json").write_text(
        '{"control_price": "12,800,000.00", "floor_price": -5}', encoding="utf-8"
    )
    project = load_project(tmp_path)
    assert project.control_price == 12_800_000.0 and project.floor_price is None
    [error] = [e for e in project.errors if e["file"] == "project.json"]
    assert "floor_price 应为正数" in error["error"]


# --- weight, words and severity --------------------------------------------------------------


def test_words_and_severity_follow_the_weight():
    """On generated tenders of every style, an alert that says 可能为巧合 never
    flags a pair alone, and its severity is the one its weight gives."""
    rng = random.Random(2107)
    seen = {"巧合": 0, "not": 0}
    for number in range(400):
        style = tenders.STYLES[number % len(tenders.STYLES)]
        tender = tenders.honest_tender(rng, f"T{number}", style, rng.randint(5, 20))
        if number % 3 == 0:
            kind = tenders.RING_KINDS[number % 2]
            tender = tenders.plant_ring(rng, tender, kind, 3)
        ctx = prices_context({b: float(v) for b, v in tender.bids.items()})
        score = ctx.settings.score
        alerts = weigh_alerts(price_pattern.detect(ctx), score)
        for i, alert in enumerate(alerts):
            weight = alert.weight.log10_lr
            assert alert.severity == price_pattern.severity_of(weight, score)
            assert alert.severity == severity.severity_of(alert.weight, score)
            chance_words = "可能为巧合" in alert.summary
            assert alert.weight.weak == chance_words
            assert chance_words == (weight < score.flag_weight)
            seen["巧合" if chance_words else "not"] += 1
            alone = score_pairs([replace(alert, id=f"A{i}")], score)
            assert all(p.flagged != chance_words for p in alone)
    assert seen["巧合"] and seen["not"]


def test_a_weight_is_log10_of_the_ring_share_over_the_chance():
    prices = {"b1": 9_512_345.67, "b2": 9_562_345.67, "b3": 9_612_345.67, "b4": 9_433_210.05}
    ctx = prices_context(prices)
    [alert] = price_pattern.detect(ctx)
    share = ctx.settings.prices.ring_pattern_share
    expected = min(price_pattern.MAX_PRICE_LOG10_LR, math.log10(share / alert.details["chance"]))
    assert alert.weight.log10_lr == pytest.approx(expected, abs=0.01)
    assert alert.weight.inputs["ring_pattern_share"] == share


def test_honest_generated_tenders_flag_no_pair():
    """A small run of the benchmark's first part (benchmarks/prices_bench.py runs 1,000
    tenders per style): honest bids in every style, no pair flagged from prices."""
    rng = random.Random(21)
    for number in range(220):
        style = tenders.STYLES[number % len(tenders.STYLES)]
        tender = tenders.honest_tender(rng, f"H{number}", style, rng.randint(5, 20))
        limits = number % 2 == 0
        ctx = prices_context(
            {b: float(v) for b, v in tender.bids.items()},
            control=float(tender.control) if limits else None,
            floor=float(tender.floor) if limits and tender.floor else None,
        )
        alerts = weigh_alerts(price_pattern.detect(ctx), ctx.settings.score)
        alerts = [replace(a, id=f"A{i}") for i, a in enumerate(alerts)]
        assert not any(p.flagged for p in score_pairs(alerts, ctx.settings.score)), tender
