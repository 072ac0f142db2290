"""A trading center's labelled cases: one CSV row per bid, read whole or refused whole.

The header holds at least ``tender_id,price`` and, to fit or validate a
model, ``label`` (1 when the tender was collusive, else 0); optionally
``company_id``, ``control_price``, ``date``, ``region`` and ``winner``.
Other columns are ignored. A tender's rows must agree on its label,
control price, date and region. Any bad row refuses the whole file with
every problem listed by line number (up to MAX_LISTED_ERRORS): a model
fitted on part of a file, silently, would be a different model.
"""

from __future__ import annotations

import csv
import io
import math
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from collusion.errors import CasesError

REQUIRED = ("tender_id", "price")
OPTIONAL = ("label", "company_id", "control_price", "date", "region", "winner")
MAX_LISTED_ERRORS = 20
MAX_CASES_BYTES = 512 * 1024 * 1024  # a larger file is refused before reading
_YEAR_RE = re.compile(r"(\d{4})")


@dataclass
class CaseTender:
    """One tender of the cases: its bids and what the center knows of it."""

    tender_id: str
    line: int  # the line of its first row
    prices: list[float] = field(default_factory=list)
    label: int | None = None
    control_price: float | None = None
    date: str | None = None
    region: str | None = None

    def group(self, by: str | None) -> str:
        """The group this tender falls in for grouped validation: its region, the
        year of its date, or itself."""
        if by == "region":
            return self.region or ""
        if by == "date":
            match = _YEAR_RE.search(self.date or "")
            return match.group(1) if match else ""
        return self.tender_id


def read_cases(path: str | os.PathLike[str], labels: bool) -> list[CaseTender]:
    """The tenders of a cases file, in the order they first appear.

    ``labels``: the ``label`` column is required and read (fit, validate);
    otherwise it is ignored (score). Raises CasesError naming the file and
    the lines at fault.
    """
    path = Path(path)
    text = _read_text(path)
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        raise CasesError(f"{path}：文件为空，应有表头 {','.join(REQUIRED)},label") from None
    columns = _columns(path, header, labels)
    tenders: dict[str, CaseTender] = {}
    errors: list[str] = []
    for line, row in _rows(reader):
        if not any(cell.strip() for cell in row):
            continue
        problem = _add_row(tenders, columns, row, line, labels)
        if problem:
            errors.append(f"第 {line} 行：{problem}")
            if len(errors) >= MAX_LISTED_ERRORS:
                errors.append(f"（只列出前 {MAX_LISTED_ERRORS} 处问题）")
                break
    if errors:
        raise CasesError(f"{path} 有 {len(errors)} 处问题，未读取：\n" + "\n".join(errors))
    if not tenders:
        raise CasesError(f"{path}：表头之后没有数据行")
    return list(tenders.values())


def _read_text(path: Path) -> str:
    try:
        size = path.stat().st_size
        if size > MAX_CASES_BYTES:
            raise CasesError(f"{path}：{size} 字节，超过上限 {MAX_CASES_BYTES} 字节，未读取")
        data = path.read_bytes()
    except OSError as exc:
        raise CasesError(f"无法读取 {path}：{exc.strerror or exc}") from exc
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise CasesError(f"{path} 第 {line} 行：不是 UTF-8 编码（请另存为 UTF-8 CSV）") from exc


def _columns(path: Path, header: list[str], labels: bool) -> dict[str, int]:
    names = [h.strip().lstrip("\ufeff").lower() for h in header]
    wanted = (*REQUIRED, "label") if labels else REQUIRED
    missing = [c for c in wanted if c not in names]
    if missing:
        raise CasesError(
            f"{path} 第 1 行（表头）缺少列：{','.join(missing)}；"
            f"至少应有 {','.join(wanted)}，可选 {','.join(c for c in OPTIONAL if c != 'label')}"
        )
    known = [n for n in names if n in REQUIRED + OPTIONAL]
    repeated = sorted({n for n in known if known.count(n) > 1})
    if repeated:
        raise CasesError(f"{path} 第 1 行（表头）列名重复：{','.join(repeated)}")
    return {n: i for i, n in enumerate(names) if n in REQUIRED + OPTIONAL}


def _rows(reader: Iterator[list[str]]) -> Iterator[tuple[int, list[str]]]:
    """(line of the row's start, row): quoted cells may span lines."""
    line = 2
    for row in reader:
        yield line, row
        line = reader.line_num + 1  # type: ignore[attr-defined]


def _cell(row: list[str], columns: dict[str, int], name: str) -> str:
    index = columns.get(name)
    return row[index].strip() if index is not None and index < len(row) else ""


def _number(text: str) -> float | None:
    try:
        value = float(text.replace(",", "").replace("¥", "").replace("￥", ""))
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _add_row(
    tenders: dict[str, CaseTender],
    columns: dict[str, int],
    row: list[str],
    line: int,
    labels: bool,
) -> str | None:
    """Add one bid to its tender; the problem in words, or None."""
    if max(columns.values()) >= len(row):
        return f"只有 {len(row)} 列，少于表头所列的列"
    tender_id = _cell(row, columns, "tender_id")
    if not tender_id:
        return "tender_id 为空"
    price = _number(_cell(row, columns, "price"))
    if price is None or price <= 0:
        return f"price 应为正数，实际为 {_cell(row, columns, 'price')!r}"
    label = None
    if labels:
        text = _cell(row, columns, "label")
        if text not in ("0", "1"):
            return f"label 应为 0 或 1，实际为 {text!r}"
        label = int(text)
    control = None
    control_text = _cell(row, columns, "control_price")
    if control_text:
        control = _number(control_text)
        if control is None or control <= 0:
            return f"control_price 应为正数或留空，实际为 {control_text!r}"
    date = _cell(row, columns, "date") or None
    region = _cell(row, columns, "region") or None
    tender = tenders.get(tender_id)
    if tender is None:
        tender = tenders[tender_id] = CaseTender(tender_id, line, [], label, control, date, region)
    else:
        for name, mine, theirs in (
            ("label", label, tender.label),
            ("control_price", control, tender.control_price),
            ("date", date, tender.date),
            ("region", region, tender.region),
        ):
            if mine != theirs:
                return (
                    f"招标项目 {tender_id} 的 {name} 为 {mine!r}，"
                    f"与其第 {tender.line} 行的 {theirs!r} 不一致"
                )
    tender.prices.append(price)
    return None
