"""Bid prices and priced bills of quantities, read from text and table rows.

Pure functions over strings and Blocks; collusion.detectors.price_pattern
decides what a pattern means. Money is Decimal throughout: a bid price is
compared to the cent, and binary floats would make 0.1 + 0.2 differ from 0.3.

Uppercase amounts (大写金额) follow the banking convention: digits 零壹贰叁肆伍
陆柒捌玖, units 拾佰仟 inside a group of four, 万 and 亿 closing groups,
元 (or 圆), 角, 分, and 整 (or 正) when there are no 角/分. When the
numeric and the uppercase form of a bid price disagree, the uppercase form
prevails (评标办法: 投标文件中的大写金额与小写金额不一致的，以大写金额为准),
and the disagreement is reported.
"""

from __future__ import annotations

import functools
import re
from bisect import bisect_left
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from itertools import combinations

import numpy as np

from collusion.analysis.identifiers import block_text, excerpt
from collusion.analysis.joined import join
from collusion.analysis.lattice import is_multiple
from collusion.keys import width_folded
from collusion.models import Block

CENT = Decimal("0.01")

# --- uppercase amounts -------------------------------------------------------------------

_DIGITS = {
    "零": 0,
    "〇": 0,
    "壹": 1,
    "贰": 2,
    "貳": 2,
    "叁": 3,
    "參": 3,
    "肆": 4,
    "伍": 5,
    "陆": 6,
    "陸": 6,
    "柒": 7,
    "捌": 8,
    "玖": 9,
}
_SMALL_UNITS = {"拾": 10, "佰": 100, "仟": 1000}
_BIG_UNITS = {"万": 10**4, "萬": 10**4, "亿": 10**8, "億": 10**8}
_YUAN = "元圆"
_END = "整正"
_UPPER_CHARS = (
    "".join(_DIGITS) + "".join(_SMALL_UNITS) + "".join(_BIG_UNITS) + _YUAN + "角分" + _END
)
_UPPER_RE = re.compile(f"[{_UPPER_CHARS}]{{2,}}")
_FORMAL_DIGIT_RE = re.compile("[壹贰貳叁參肆伍陆陸柒捌玖拾]")  # 拾万元 = 100000


def _parse_integer(text: str) -> int | None:
    """The integer an uppercase amount's part before 元 spells, or None."""
    if not text:
        return 0
    result = section = number = 0
    previous_digit = False
    for char in text:
        if char in _DIGITS:
            if previous_digit and _DIGITS[char] and number:
                return None  # 壹贰: two digits with no unit between them
            number = _DIGITS[char]
            previous_digit = True
            continue
        previous_digit = False
        if char in _SMALL_UNITS:
            if number == 0 and not (char == "拾" and section == 0 and result == 0):
                return None  # a unit with no digit, except a leading 拾 (拾万 = 100000)
            section += (number or 1) * _SMALL_UNITS[char]
        elif char == "万" or char == "萬":
            result += (section + number) * 10**4
            section = 0
        elif char in _BIG_UNITS:  # 亿 closes everything before it
            result = (result + section + number) * 10**8
            section = 0
        else:
            return None
        number = 0
    return result + section + number


def _parse_fraction(text: str) -> Decimal | None:
    """角 and 分 after 元: 伍角, 伍角陆分, 零陆分, 整."""
    text = text.rstrip(_END)
    value = Decimal(0)
    pending: int | None = None
    for char in text:
        if char in _DIGITS:
            pending = _DIGITS[char]
        elif char in "角分" and pending is not None:
            value += Decimal(pending) * (Decimal("0.1") if char == "角" else CENT)
            pending = None
        else:
            return None
    return value if pending in (None, 0) else None


def parse_uppercase_amount(text: str) -> Decimal | None:
    """The value of an uppercase amount (壹仟贰佰万零叁拾元伍角整), or None if malformed."""
    text = re.sub(r"\s+", "", text)
    text = re.sub(r"^(人民币|大写)+[:：]?", "", text)
    if not text or any(c not in _UPPER_CHARS for c in text) or not _FORMAL_DIGIT_RE.search(text):
        return None
    if text[0] not in _DIGITS and text[0] != "拾":
        return None  # 万陆仟元: the start of the amount is missing (a cut line)
    integer_text, _, fraction_text = text.partition("元") if "元" in text else text.partition("圆")
    if not _ and re.search("[角分]", text) is None:
        integer_text, fraction_text = text.rstrip(_END), ""  # 壹万 with no 元
    elif not _:
        integer_text, fraction_text = "", text  # 伍角陆分
    integer = _parse_integer(integer_text)
    fraction = _parse_fraction(fraction_text)
    if integer is None or fraction is None:
        return None
    return Decimal(integer) + fraction


# --- numeric amounts -----------------------------------------------------------------------

_NUMBER = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
_NUMERIC_RE = re.compile(
    rf"(?P<prefix>[¥￥]|RMB|人民币|小写\s*[:：)）]?\s*[¥￥]?)?\s*(?P<num>{_NUMBER})\s*"
    r"(?P<unit>万元|元)?"
)


def parse_number(text: str) -> Decimal | None:
    """A plain number in a table cell (1,234.50), or None."""
    text = re.sub(r"[\s,¥￥]", "", width_folded(text or ""))
    if not re.fullmatch(r"-?\d+(?:\.\d+)?", text):
        return None
    try:
        return Decimal(text)
    except InvalidOperation:
        return None


def numeric_amounts(text: str, unit: str | None = None) -> list[tuple[Decimal, int, int]]:
    """(value, start, end) of money amounts marked by ¥, 小写 or a trailing 元/万元.

    With `unit` (元 or 万元, from a label such as 投标总价（元）), a bare
    number is an amount in that unit.
    """
    amounts = []
    for m in _NUMERIC_RE.finditer(text):
        if not (m.group("prefix") or m.group("unit") or unit):
            continue  # a bare number is a duration, a count or a date
        value = Decimal(m.group("num").replace(",", ""))
        if (m.group("unit") or unit) == "万元":
            value *= 10**4
        amounts.append((value, m.start("num"), m.end()))
    return amounts


def uppercase_amounts(text: str) -> list[tuple[Decimal, str, int, int]]:
    """(value, raw, start, end) of well-formed uppercase amounts."""
    found = []
    for m in _UPPER_RE.finditer(text):
        value = parse_uppercase_amount(m.group(0))
        if value is not None:
            found.append((value, m.group(0), m.start(), m.end()))
    return found


# --- the bid price in a bidder's files ---------------------------------------------------------

_PRICE_LABEL_RE = re.compile(
    r"(?<!最高)(?<!控制)(?<!限)(投标总报价|投标总价|投标报价|投标总金额|投标价格|报价总额|总报价"
    r"|投标金额)"
)
# The tender's ceiling price, from which bidders often bid a round discount.
CONTROL_PRICE_LABELS = re.compile(r"最高投标限价|招标控制价|最高限价|拦标价")
# The tender's floor: a bid below it is rejected, so bidders gather on it.
FLOOR_PRICE_LABELS = re.compile(r"最低投标限价|最低限价")
# Words that start the next item of a 投标函 or 开标一览表: the price ends there.
_NEXT_ITEM_RE = re.compile(r"工期|质量标准|质量目标|项目经理|投标保证金|有效期|安全目标")
# 投标总价（元） / 投标报价(万元): the unit of the bare numbers that follow.
_LABEL_UNIT_RE = re.compile(r"\s*[(（]\s*(万元|元)\s*[)）]")
_PRICE_WINDOW = 160  # characters after a label searched for its amounts


@dataclass(frozen=True)
class PriceFinding:
    """A bid price read from one place of a bidder's files."""

    numeric: Decimal | None
    uppercase: Decimal | None
    uppercase_raw: str | None
    page: int | None
    index: int
    excerpt: str
    mismatch: bool  # both forms present and they disagree

    @property
    def price(self) -> Decimal:
        """The uppercase amount when the forms disagree (it prevails), else either."""
        if self.mismatch or self.numeric is None:
            assert self.uppercase is not None
            return self.uppercase
        return self.numeric


def _amounts_near(text: str, label: re.Match[str]) -> tuple[list, list, int, int]:
    """Amounts after the label (to the next item), else before it (back to the sentence start).

    投标函 forms write both orders: 投标总报价：壹仟…元（¥…） and
    愿意以人民币壹仟…元（¥…）的投标总报价.
    """
    after_start = label.end()
    after = text[after_start : after_start + _PRICE_WINDOW]
    stop = _NEXT_ITEM_RE.search(after)
    after = after[: stop.start()] if stop else after
    after = after[: after.find("。") + 1] if "。" in after else after
    unit = _LABEL_UNIT_RE.match(after)
    numbers = numeric_amounts(after, unit.group(1) if unit else None)
    uppers = uppercase_amounts(after)
    if numbers or uppers:
        return numbers, uppers, after_start, after_start + len(after)
    before_start = max(label.start() - _PRICE_WINDOW, 0)
    before = text[before_start : label.start()]
    sentence = max(before.rfind(c) for c in "。；;\n")
    before_start += sentence + 1
    before = text[before_start : label.start()]
    return numeric_amounts(before), uppercase_amounts(before), before_start, label.start()


def find_price(
    text: str,
    page: int | None,
    index: int,
    excerpt_chars: int,
    tolerance: Decimal,
    label_from: int = 0,
    labels: re.Pattern[str] = _PRICE_LABEL_RE,
) -> PriceFinding | None:
    """The bid price stated with a 投标总价/投标报价 label in `text`, or None.

    The label is searched from `label_from` on (the text may start with the
    line before, for amounts that wrapped onto the label's line).
    """
    original, text = text, width_folded(text)  # same offsets; excerpts quote the original
    label = labels.search(text, label_from)
    if label is None:
        return None
    numbers, uppers, start, end = _amounts_near(text, label)
    if not numbers and not uppers:
        return None
    numeric = numbers[0][0] if numbers else None
    upper = uppers[0] if uppers else None
    mismatch = bool(numeric is not None and upper and abs(numeric - upper[0]) > tolerance)
    return PriceFinding(
        numeric=numeric,
        uppercase=upper[0] if upper else None,
        uppercase_raw=upper[1] if upper else None,
        page=page,
        index=index,
        excerpt=excerpt(original, min(start, label.start()), max(end, label.end()), excerpt_chars),
        mismatch=mismatch,
    )


def find_prices(
    blocks: Sequence[Block],
    excerpt_chars: int,
    tolerance: Decimal = CENT,
    labels: re.Pattern[str] = _PRICE_LABEL_RE,
) -> list[PriceFinding]:
    """Every bid price stated in these blocks.

    A label's block is read together with its neighbours: a PDF's lines are
    separate blocks, so an amount may wrap across them (…人民币玖佰捌拾柒 /
    万陆仟元整（¥9,876,000.00）的投标总报价), and a 投标函 may put the amount
    on the line after 投标总报价：. The line before joins without a break
    unless it ends a sentence.
    """
    findings = []
    texts = [block_text(block) for block in blocks]
    # The labels' words, searched in all the texts at once, then each text
    # that has one searched for a label; labels are CJK: no folding needed.
    maybe = join(texts).searched(_label_words(labels))
    for position in np.flatnonzero(maybe).tolist():
        block, text = blocks[position], texts[position]
        if not labels.search(text):
            continue
        before = texts[position - 1] if position > 0 else ""
        if before and before.rstrip()[-1:] in "。；;：:":
            before += "\n"
        after = texts[position + 1] if position + 1 < len(blocks) else ""
        finding = find_price(
            before + text + after,
            block.page,
            block.index,
            excerpt_chars,
            tolerance,
            label_from=len(before),
            labels=labels,
        )
        if finding is not None:
            findings.append(finding)
    return findings


@functools.lru_cache(maxsize=8)
def _label_words(labels: re.Pattern[str]) -> re.Pattern[str]:
    """``labels`` without its leading lookbehinds (最高 before 投标报价): it
    finds every label and more, and is searched fast (a pattern that starts
    with a lookbehind is tried at every character)."""
    return re.compile(_LEADING_LOOKBEHINDS.sub("", labels.pattern))


_LEADING_LOOKBEHINDS = re.compile(r"^(?:\(\?<[!=][^()]*\))+")


# --- patterns among bid prices ---------------------------------------------------------------


@dataclass(frozen=True)
class Progression:
    """Three or more bid prices in an arithmetic or geometric progression."""

    kind: str  # arithmetic | geometric
    bidders: tuple[str, ...]  # in price order
    prices: tuple[Decimal, ...]
    step: Decimal  # the common difference, or the common ratio
    round: bool  # a round step (50,000.00 yuan) or ratio (0.98): what people choose


def identical_prices(prices: dict[str, Decimal]) -> list[tuple[str, ...]]:
    """Groups of bidders with the same price to the cent, sorted."""
    groups: dict[Decimal, list[str]] = {}
    for bidder, price in prices.items():
        groups.setdefault(price.quantize(CENT), []).append(bidder)
    return sorted(tuple(sorted(g)) for g in groups.values() if len(g) > 1)


Step = Callable[[Decimal, Decimal], Decimal | None]  # the first two values -> the step
# Every `close` test accepts values within this much of the target, at most
# (tolerances are a yuan or a few millionths of the price): the search window.
CHAIN_SLACK_SHARE = Decimal("0.001")
CHAIN_SLACK_YUAN = Decimal(10)


def _chains(
    values: list[Decimal],
    step_of: Step,
    apply: Callable[[Decimal, Decimal], Decimal],
    close: Callable[[Decimal, Decimal], bool],
) -> list[tuple[tuple[int, ...], Decimal]]:
    """Maximal chains (indexes into sorted distinct `values`, step) of three or more.

    Each pair of values fixes a step; the chain grows while the next value
    after its last is `close` to `apply(last, step)`.
    """
    chains: dict[tuple[int, ...], Decimal] = {}
    for i, j in combinations(range(len(values)), 2):
        step = step_of(values[i], values[j])
        if step is None:
            continue
        chain = [i, j]
        while True:
            target = apply(values[chain[-1]], step)
            # Only values near the target can be close: found by bisection.
            slack = abs(target) * CHAIN_SLACK_SHARE + CHAIN_SLACK_YUAN
            start = max(chain[-1] + 1, bisect_left(values, target - slack))
            match = None
            for k in range(start, len(values)):
                if values[k] > target + slack:
                    break
                if close(values[k], target):
                    match = k
                    break
            if match is None:
                break
            chain.append(match)
        if len(chain) >= 3:
            chains.setdefault(tuple(chain), step)
    return sorted(
        (c, step) for c, step in chains.items() if not any(set(c) < set(other) for other in chains)
    )


def progressions(
    prices: dict[str, Decimal],
    abs_tolerance: Decimal,
    rel_tolerance: Decimal,
    min_bidders: int = 3,
    ratio_decimals: int = 3,
    round_step: Decimal = Decimal(1000),
) -> list[Progression]:
    """Arithmetic, then geometric, progressions of `min_bidders` or more distinct prices.

    Equal prices are `identical_prices`' business; a chain needs a positive
    step. A cartel deriving one price from another rounds the result, so:

    - arithmetic: each difference within `abs_tolerance` yuan of the first;
    - geometric: each price within `abs_tolerance` yuan of the previous times
      the first ratio (prices derived to the cent or the yuan), or, when the
      ratio is within `rel_tolerance` of a round ratio (`ratio_decimals`
      places: 0.98, 1.015), within `rel_tolerance` of the previous times that
      round ratio (prices rounded to the hundred yuan).

    A looser rule for any ratio would find chance chains: with 15 bids
    spread over a fifth of their value, a 1e-5 window on any ratio matched in
    about 8% of random projects. A chain already arithmetic is not reported
    again as geometric. A step is `round` when it is a multiple of
    `round_step` yuan, a ratio when it has `ratio_decimals` places: chance
    chains almost never are. A difference is judged round exactly, on the
    precision the prices are written to (the fen), not within `abs_tolerance`:
    286,899.54 is no multiple of 100 (``lattice.step_round_unit``).
    """
    by_price: dict[Decimal, list[str]] = {}
    for bidder, price in prices.items():
        by_price.setdefault(price.quantize(CENT), []).append(bidder)
    values = sorted(v for v in by_price if v > 0)
    if len(values) < min_bidders:
        return []

    def bidders_of(chain: tuple[int, ...]) -> tuple[str, ...]:
        return tuple(sorted(by_price[values[i]])[0] for i in chain)

    def near(v: Decimal, t: Decimal) -> bool:
        return abs(v - t) <= abs_tolerance

    def round_ratio(a: Decimal, b: Decimal) -> Decimal | None:
        """The ratio b/a if it, or its inverse, is round (1.015, or 1/0.985 read upwards)."""
        ratio = b / a
        rounded = round(ratio, ratio_decimals)
        if abs(ratio - rounded) <= rel_tolerance:
            return rounded
        inverse = round(1 / ratio, ratio_decimals)
        return 1 / inverse if abs(1 / ratio - inverse) <= rel_tolerance else None

    def is_round_ratio(ratio: Decimal) -> bool:
        return any(abs(r - round(r, ratio_decimals)) <= rel_tolerance for r in (ratio, 1 / ratio))

    arithmetic = _chains(values, lambda a, b: b - a, lambda p, d: p + d, near)
    geometric = _chains(values, lambda a, b: b / a, lambda p, r: p * r, near)
    geometric += _chains(
        values, round_ratio, lambda p, r: p * r, lambda v, t: abs(v - t) <= rel_tolerance * v
    )

    found = [
        Progression(
            "arithmetic",
            bidders_of(c),
            tuple(values[i] for i in c),
            step,
            is_multiple(step, round_step),
        )
        for c, step in arithmetic
        if len(c) >= min_bidders
    ]
    seen = {frozenset(c) for c, _ in arithmetic}
    for chain, ratio in sorted(geometric, key=lambda cs: (-len(cs[0]), cs[0])):
        if len(chain) >= min_bidders and not any(set(chain) <= s for s in seen):
            seen.add(frozenset(chain))
            found.append(
                Progression(
                    "geometric",
                    bidders_of(chain),
                    tuple(values[i] for i in chain),
                    ratio,
                    is_round_ratio(ratio),
                )
            )
    return found
