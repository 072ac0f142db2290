"""The chance of a rewritten passage between honest bidders: stock text held
letter for letter, the partner's own match, the range's position."""

from __future__ import annotations

import random
import re

import numpy as np
import pytest

from collusion.analysis.text import TextSettings
from collusion.analysis.text.rewrite_chance import (
    Matches,
    Side,
    literal_holders,
    side_chance,
    tail_at_least,
)
from tests.test_rewritten import reworded, sections_of
from tools import synth


def passages_of(plans: dict) -> dict:  # noqa: ANN001
    from collusion.analysis.text.engine import prepare_project
    from collusion.analysis.text.meaning import build_units, rewritten_passages

    settings = TextSettings()
    prepared = prepare_project(sections_of(plans), settings=settings).prepared
    units = build_units([p.bidder for p in prepared], [p.section for p in prepared])
    return rewritten_passages(units, [p.words for p in prepared], (), settings).passages


def plans_of() -> dict:
    return {
        f"b0{n}": synth.technical_plan(
            random.Random(100 + n), f"中山市第{n}建设有限公司", sections=6, paragraphs_per_section=5
        )
        for n in range(1, 7)
    }


def rewording(paragraphs: list[str], rotate: bool) -> list[str]:
    """Each sentence in other words (``reworded``), its clauses left in
    place unless ``rotate``."""
    rng = random.Random(7)
    out = []
    for p in paragraphs:
        sentences = re.findall(r"[^。]+。", p)
        if rotate:
            out.append("".join(reworded(s, rng) for s in sentences))
        else:
            out.append("".join(reworded(s, rng) if n % 2 else s for n, s in enumerate(sentences)))
    return out


def test_a_template_in_two_wordings_each_held_by_several_bidders_is_no_pair() -> None:
    """Two editions of one template, each held letter for letter by several
    bidders: a holder of one edition aligns with every holder of the other,
    sentence after sentence, as honest bidders using the template do."""
    alone, stock = plans_of(), plans_of()
    _, edition = alone["b02"][3]
    for plans, (first, second) in (
        (alone, (("b02",), ("b04",))),
        (stock, (("b01", "b02", "b03"), ("b04", "b05", "b06"))),
    ):
        for b in first:
            plans[b][3] = (plans[b][3][0], edition)
        for b in second:
            plans[b][3] = (plans[b][3][0], rewording(edition, rotate=True))
    assert ("b02", "b04") in passages_of(alone)
    assert passages_of(stock) == {}


def test_a_group_rewording_one_text_each_in_its_own_words_is_found() -> None:
    """Two copiers rewording one source, each its own way: no copy holds the
    other's sentences letter for letter, so neither is stock text."""
    plans = plans_of()
    title, source = plans["b02"][3]
    plans["b04"][3] = (plans["b04"][3][0], rewording(source, rotate=True))
    plans["b05"][3] = (plans["b05"][3][0], rewording(source, rotate=False))
    found = passages_of(plans)
    assert ("b02", "b04") in found and ("b02", "b05") in found


def no_matches(bidders: int, sentences: int) -> Matches:
    empty = np.zeros(0, dtype=np.int64)
    return Matches(empty, np.zeros(0), bidders, sentences)


def test_the_chance_counts_every_position_of_the_range_in_its_section() -> None:
    settings = TextSettings()
    rows, aligned = np.arange(10, 14), np.arange(10, 14)
    matches = no_matches(12, 100)
    short = side_chance(Side(rows, 4, 1, matches), aligned, 0.4, 4, matches, settings)
    long = side_chance(Side(rows, 40, 1, matches), aligned, 0.4, 4, matches, settings)
    assert long == pytest.approx(37 * short)
    # no third bidder matches: each aligned sentence at the partner's own
    # match and the prior, (1 + 2 x 0.1) / (10 third bidders + 1 + 2)
    assert short == pytest.approx((1.2 / 13) ** 4)


def test_stock_held_letter_for_letter_by_third_bidders_raises_the_chance() -> None:
    settings = TextSettings()
    rows, aligned = np.arange(0, 6), np.arange(0, 6)
    range_text = [1, 2, 3, 4, 5, 6]
    none = no_matches(7, 16)
    alone = side_chance(Side(rows, 6, 1, none), aligned, 0.4, 6, none, settings)
    assert alone == pytest.approx(tail_at_least(np.full(6, 1.2 / 8), 6))

    def chance(third: list[int]) -> float:
        # bidder 0's range; bidders 2 and 3 hold ``range_text`` or ``third``
        literal = np.array(range_text * 2 + third + [7, 8, 9, 10], dtype=np.uint64)
        bidder = np.array([0] * 6 + [2] * 6 + [3] * 6 + [4, 5, 6, 6])[: len(literal)]
        holders = literal_holders(literal, bidder)
        return side_chance(Side(rows, 6, 1, holders), aligned, 0.4, 6, none, settings)

    # two of the five third bidders (plus the prior's two) hold it all: stock
    assert chance(range_text) == pytest.approx((2 + 5 * alone) / 7)
    # one third bidder alone may be a third member of one group: no stock
    assert chance([11, 12, 13, 14, 15, 16]) == pytest.approx(alone)


def test_literal_holders_are_the_other_bidders_with_the_same_letters() -> None:
    literal = np.array([1, 2, 1, 9, 9, 7], dtype=np.uint64)
    bidder = np.array([0, 0, 2, 3, 4, 4])
    assert literal_holders(literal, bidder).keys.tolist() == sorted(
        [0 * 5 + 2, 2 * 5 + 0, 3 * 5 + 4, 4 * 5 + 3]
    )


def test_a_third_bidder_explains_only_the_aligned_sentences_it_holds() -> None:
    settings = TextSettings()
    rows = np.arange(0, 8)
    # bidders 2 and 3 hold rows 0-3 of bidder 0's eight; the pair aligned rows 2-7
    literal = np.array([1, 2, 3, 4, 5, 6, 7, 8] + [1, 2, 3, 4] * 2 + [20, 21, 22], dtype=np.uint64)
    bidder = np.array([0] * 8 + [2] * 4 + [3] * 4 + [4, 5, 6])
    holders = literal_holders(literal, bidder)
    none = no_matches(7, len(bidder))
    aligned = np.arange(2, 8)
    rates = np.full(8, 0.2 / 8)
    rates[aligned] = 1.2 / 8
    got = side_chance(Side(rows, 8, 1, holders), aligned, 0.4, 6, none, settings)
    # like bidder 2 or 3: rows 4-7 (aligned, not held) must match by chance
    want = (5 * tail_at_least(rates, 6) + 2 * tail_at_least(rates[4:], 4)) / 7
    assert got == pytest.approx(want)
