"""Priced bills of quantities (工程量清单): items read from table rows, compared between bidders.

Pure functions over Blocks; collusion.detectors.price_pattern decides what a
shared unit price or a shared arithmetic error means. Money is Decimal.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from collusion.analysis.prices import parse_number
from collusion.keys import width_folded
from collusion.models import Block

# --- priced bills of quantities ----------------------------------------------------------------

# Sums the tender fixes or that no bidder may compete on: equal unit prices
# there are expected. 011707001 is 安全文明施工 in GB 50854-2013.
FIXED_SUM_WORDS = (
    "暂列金额",
    "暂估价",
    "暂估单价",
    "专业工程暂估",
    "材料暂估",
    "安全文明施工",
    "规费",
    "税金",
    "增值税",
    "社会保险费",
    "住房公积金",
    "工程排污费",
    "甲供",
)
FIXED_SUM_CODES = ("011707001",)
_TOTAL_ROW_WORDS = ("合计", "小计", "总计")

_HEADER_KEYS = (
    ("code", re.compile(r"项目编码|清单编码|编码")),
    ("name", re.compile(r"项目名称|清单名称|子目名称|名称")),
    ("unit", re.compile(r"^计量单位$|^单位$")),
    ("quantity", re.compile(r"工程量|工程数量|^数量$")),
    ("unit_price", re.compile(r"综合单价|^单价")),
    ("total", re.compile(r"合价")),
)
_TOTAL_FALLBACK_RE = re.compile(r"^金额")


@dataclass(frozen=True)
class BoqItem:
    """One priced line of a bill of quantities (分部分项工程量清单与计价表)."""

    key: str  # what the line is matched on across bidders
    code: str
    name: str
    unit: str
    quantity: Decimal
    unit_price: Decimal
    total: Decimal | None
    page: int | None
    index: int
    row: str  # the row as written, for evidence

    @property
    def fixed(self) -> bool:
        """A provisional or non-competitive sum (暂列金额, 安全文明施工费, 规费, 税金 ...)."""
        return any(word in self.name for word in FIXED_SUM_WORDS) or self.code.startswith(
            FIXED_SUM_CODES
        )


def boq_header(cells: Sequence[str]) -> dict[str, int]:
    """column role -> position for a row that names BoQ columns (may be partial)."""
    clean = [re.sub(r"\s+", "", width_folded(c)) for c in cells]
    columns: dict[str, int] = {}
    for key, pattern in _HEADER_KEYS:
        for i, cell in enumerate(clean):
            if pattern.search(cell) and i not in columns.values():
                columns[key] = i
                break
    if "total" not in columns:
        spare = [
            i
            for i, c in enumerate(clean)
            if _TOTAL_FALLBACK_RE.search(c) and i not in columns.values()
        ]
        if spare:
            columns["total"] = spare[0]
    return columns


def _is_header(columns: dict[str, int]) -> bool:
    return "unit_price" in columns or ("quantity" in columns and "name" in columns)


def is_boq_header(cells: Sequence[str]) -> bool:
    """Whether a table row is the header of a bill of quantities."""
    return _is_header(boq_header(cells))


def parse_boq(blocks: Iterable[Block]) -> list[BoqItem]:
    """Priced lines of every BoQ table among these blocks, in order.

    A header may span two rows (金额 over 综合单价 | 合价): consecutive header
    rows are merged, the later naming a column winning. A data row needs a
    quantity and a unit price that parse as numbers; total rows (合计, 小计)
    are skipped.
    """
    items: list[BoqItem] = []
    columns: dict[str, int] = {}
    previous_header = False
    occurrences: dict[str, int] = {}
    for block in blocks:
        if not block.cells:
            columns, previous_header = {}, False
            continue
        header = boq_header(block.cells)
        if _is_header(header):
            columns = {**columns, **header} if previous_header else header
            previous_header = True
            continue
        previous_header = False
        item = _boq_item(block, columns, occurrences)
        if item is not None:
            items.append(item)
    return items


def _cell(cells: Sequence[str], columns: dict[str, int], key: str) -> str:
    position = columns.get(key)
    if position is None or position >= len(cells):
        return ""
    return re.sub(r"\s+", " ", width_folded(cells[position])).strip()


def _boq_item(block: Block, columns: dict[str, int], occurrences: dict[str, int]) -> BoqItem | None:
    if "unit_price" not in columns or "quantity" not in columns:
        return None
    cells = block.cells or ()
    quantity = parse_number(_cell(cells, columns, "quantity"))
    unit_price = parse_number(_cell(cells, columns, "unit_price"))
    name = _cell(cells, columns, "name")
    if quantity is None or unit_price is None or any(w in name for w in _TOTAL_ROW_WORDS):
        return None
    code = _cell(cells, columns, "code").replace(" ", "")
    unit = _cell(cells, columns, "unit")
    base = code if re.fullmatch(r"[0-9A-Za-z]{6,}", code) else f"{name}|{unit}"
    occurrences[base] = occurrences.get(base, 0) + 1
    key = base if occurrences[base] == 1 else f"{base}#{occurrences[base]}"
    return BoqItem(
        key=key,
        code=code,
        name=name,
        unit=unit,
        quantity=quantity,
        unit_price=unit_price,
        total=parse_number(_cell(cells, columns, "total")),
        page=block.page,
        index=block.index,
        row=" | ".join(c.strip() for c in cells),
    )


def arithmetic_error(item: BoqItem, abs_tolerance: Decimal, per_unit: Decimal) -> bool:
    """Whether quantity x unit price misses the written total by more than rounding.

    Rounding allows `abs_tolerance` yuan plus `per_unit` per unit of quantity
    (a unit price shown to the cent may have been multiplied unrounded).
    """
    if item.total is None:
        return False
    allowed = abs_tolerance + abs(item.quantity) * per_unit
    return abs(item.quantity * item.unit_price - item.total) > allowed


@dataclass(frozen=True)
class BoqComparison:
    """Two bidders' BoQs line by line, fixed sums left out."""

    comparable: int  # lines both priced, not fixed, not priced by the tender
    identical: tuple[tuple[BoqItem, BoqItem], ...]
    ratio: Decimal | None  # B's prices are A's times this on `ratio_lines`
    ratio_lines: tuple[tuple[BoqItem, BoqItem], ...]
    shared_errors: tuple[tuple[BoqItem, BoqItem], ...]  # same line wrong in both
    identical_errors: int  # of those, the same quantity, price and total

    @property
    def identical_share(self) -> float:
        return len(self.identical) / self.comparable if self.comparable else 0.0

    @property
    def ratio_share(self) -> float:
        return len(self.ratio_lines) / self.comparable if self.comparable else 0.0


def compare_boq(
    a: Sequence[BoqItem],
    b: Sequence[BoqItem],
    expected: Mapping[str, Collection[Decimal]],
    ratio_tolerance: Decimal,
    abs_tolerance: Decimal,
    per_unit: Decimal,
) -> BoqComparison:
    """Line-by-line comparison of two BoQs.

    Lines are matched on their 清单编码 (or name and unit when there is no
    code). A line is left out when it is a fixed or provisional sum, or when
    either bidder's unit price is one `expected` lists for that line (the
    tender's own price, or a price most bidders use).
    The constant ratio is taken from the line with the largest unit price
    (the least rounding error) and a line follows it when B's price is within
    `ratio_tolerance` yuan of A's price times the ratio.
    """
    b_by_key = {item.key: item for item in b}
    pairs = []
    for item in a:
        other = b_by_key.get(item.key)
        if other is None or item.fixed or other.fixed:
            continue
        given = expected.get(item.key, ())
        if item.unit_price in given or other.unit_price in given:
            continue
        pairs.append((item, other))
    identical = tuple(p for p in pairs if p[0].unit_price == p[1].unit_price)
    ratio, ratio_lines = _constant_ratio(pairs, ratio_tolerance)
    # Every matched line counts for errors, fixed sums too: a copied slip is a
    # copied slip wherever it sits.
    shared = tuple(
        (x, y)
        for x in a
        if (y := b_by_key.get(x.key)) is not None
        and arithmetic_error(x, abs_tolerance, per_unit)
        and arithmetic_error(y, abs_tolerance, per_unit)
    )
    same = sum(
        1
        for x, y in shared
        if (x.quantity, x.unit_price, x.total) == (y.quantity, y.unit_price, y.total)
    )
    return BoqComparison(len(pairs), identical, ratio, ratio_lines, shared, same)


def _constant_ratio(
    pairs: list[tuple[BoqItem, BoqItem]], tolerance: Decimal
) -> tuple[Decimal | None, tuple[tuple[BoqItem, BoqItem], ...]]:
    priced = [p for p in pairs if p[0].unit_price > 0 and p[1].unit_price > 0]
    if not priced:
        return None, ()
    anchor = max(priced, key=lambda p: (p[0].unit_price, p[0].key))
    ratio = anchor[1].unit_price / anchor[0].unit_price
    lines = tuple(p for p in priced if abs(p[0].unit_price * ratio - p[1].unit_price) <= tolerance)
    return ratio, lines
