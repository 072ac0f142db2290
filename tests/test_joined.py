"""Texts searched joined (collusion.analysis.joined) find what each text's own search finds."""

from __future__ import annotations

import random
import re

import numpy as np

from collusion.analysis.identifiers import may_hold_credit_code, may_hold_credit_codes
from collusion.analysis.joined import char_table, join, run_starts
from collusion.analysis.prices import _PRICE_LABEL_RE, CONTROL_PRICE_LABELS
from collusion.detectors.mixed_documents import NameIndex

PIECES = [
    *"0123456789０１２３４５６７８９ABCxyzＡＢｃ　 \t\n（）()：:",
    *("最高", "投标总价", "投标报价", "限", "招标控制价", "拦标价", "控制", "投标人：", "供应商"),
    *("甲建设有限公司", "甲建设 有限公司", "甲建设（集团）有限公司", "乙公司", "乙 公 司"),
    *("91350100M000100Y43", "9135010", "0M000100Y43", "规模", "，", "。"),
]


def texts(seed: int, count: int = 3000) -> list[str]:
    rng = random.Random(seed)
    return ["".join(rng.choice(PIECES) for _ in range(rng.randint(0, 10))) for _ in range(count)]


def test_a_pattern_searched_joined_finds_what_each_search_finds():
    sample = texts(1)
    joined = join(sample)
    for pattern in (_PRICE_LABEL_RE, CONTROL_PRICE_LABELS, re.compile("投标人|供应商")):
        expected = [pattern.search(t) is not None for t in sample]
        assert joined.searched(pattern).tolist() == expected
        assert sum(expected) > 100  # the sample does hold them
    # A lookbehind at a text's start sees the separator, not the text before.
    assert join(["最高", "投标报价"]).searched(_PRICE_LABEL_RE).tolist() == [False, True]


def test_holders_and_runs():
    joined = join(["ab", "", "cde"])
    assert joined.text == "ab\x00\x00cde"
    assert joined.holders([0, 1, 4, 6]).tolist() == [True, False, True]
    assert joined.holders([]).tolist() == [False, False, False]
    marks = np.array([1, 1, 1, 0, 1, 1], dtype=bool)
    assert run_starts(marks, 2).tolist() == [True, True, False, False, True, False]
    assert run_starts(marks, 7).tolist() == [False] * 6


def test_character_tables_agree_with_python():
    digits = np.flatnonzero(char_table(r"\d"))
    spaces = np.flatnonzero(char_table(r"\s"))
    assert [c for c in range(0x110000) if chr(c).isdecimal()] == digits.tolist()
    assert [c for c in range(0x110000) if chr(c).isspace()] == spaces.tolist()


def test_credit_code_shapes_and_names_tested_joined():
    sample = texts(2)
    assert may_hold_credit_codes(sample).tolist() == [may_hold_credit_code(t) for t in sample]
    index = NameIndex({"甲建设有限公司": "b1", "乙公司": "b2", "甲建设(集团)有限公司": "b3"})
    expected = [bool(index.find(t)) for t in sample]
    assert index.naming(sample).tolist() == expected
    assert 100 < sum(expected) < len(sample)
    assert NameIndex({}).naming(sample).tolist() == [False] * len(sample)
