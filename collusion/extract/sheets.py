"""Spreadsheets (XLSX, XLS): priced bills of quantities (工程量清单) and the
workbook's document properties.

Every non-empty row becomes a table block whose cells are the row's values
as text, the same structure the PDF and DOCX readers give table rows, so the
price detector finds identical unit prices and shared arithmetic errors
whatever the format. Each sheet opens with a heading block naming it, so its
rows form a section of that name. Locator: ``page`` is the sheet's position
in the workbook (1-based); ``index`` counts blocks in the file.

XLSX is read with openpyxl (read-only, cached values of formulas) after the
package has passed the zip limits and every XML part was checked for a DTD,
as a DOCX. XLS (BIFF, in an OLE compound file) is read with xlrd.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

from collusion.errors import ExtractionError, FileRefused
from collusion.extract.content import FormatContent, image_signatures, unique_signatures
from collusion.extract.office_props import ole_signatures, ooxml_signatures
from collusion.extract.package import read_package
from collusion.extract.safexml import parse_xml, refuse_doctype

if TYPE_CHECKING:
    import xlrd

# openpyxl and xlrd are imported when a workbook is read: most projects have
# none, and importing them costs every scan about a fifth of a second.
from collusion.models import Block, SignatureValue
from collusion.settings import ExtractSettings

ESSENTIAL_PARTS = frozenset({"xl/workbook.xml", "[Content_Types].xml"})
PROPERTY_PARTS = ("docProps/core.xml", "docProps/app.xml", "docProps/custom.xml")
NUMBER_DIGITS = 15  # significant digits of a float cell: no binary noise (0.30000000000000004)
EMPTY_REASON = "工作簿中没有任何内容"


def read_xlsx(rel: str, data: bytes, settings: ExtractSettings) -> FormatContent:
    """Read one XLSX workbook; raise ExtractionError with a reason."""
    notes: list[str] = []
    parts = read_package(data, settings, notes, label="XLSX", essential=ESSENTIAL_PARTS)
    trees = {}
    for name, part in sorted(parts.items()):
        if name.endswith((".xml", ".rels")):
            refuse_doctype(part, name)
            if name in PROPERTY_PARTS:
                try:
                    trees[name] = parse_xml(part, name)
                except FileRefused:
                    raise
                except ExtractionError as exc:
                    notes.append(f"{exc}，其中的特征码未读取")
    import openpyxl

    try:
        workbook = openpyxl.load_workbook(io.BytesIO(_rezip(parts)), read_only=True, data_only=True)
    except (MemoryError, RecursionError):
        raise
    except Exception as exc:  # openpyxl raises many kinds on damaged workbooks
        raise ExtractionError(f"无法打开 XLSX 工作簿: {type(exc).__name__}: {exc}") from exc
    try:
        sheets = [(ws.title, ws.iter_rows(values_only=True)) for ws in workbook.worksheets]
        codes = ooxml_signatures(trees, "xlsx", rel) + image_signatures(parts, "xlsx", rel)
        return _workbook(sheets, codes, settings, notes)
    finally:
        workbook.close()


def _rezip(parts: dict[str, bytes]) -> bytes:
    """The package rebuilt from the parts that passed the checks: a damaged
    part left out with its note (a thumbnail, the properties) does not stop
    openpyxl from reading the sheets."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        for name, part in parts.items():
            archive.writestr(name, part)
    return buffer.getvalue()


def read_xls(rel: str, data: bytes, settings: ExtractSettings) -> FormatContent:
    """Read one XLS (Excel 97-2003, WPS 表格 .et) workbook."""
    import xlrd

    notes: list[str] = []
    try:
        book = xlrd.open_workbook(file_contents=data, on_demand=True)
    except (MemoryError, RecursionError):
        raise
    except Exception as exc:  # xlrd raises many kinds on damaged or encrypted files
        reason = "已加密（需要打开密码）" if "encrypt" in str(exc).lower() else f"{exc}"
        raise ExtractionError(f"无法打开 XLS 工作簿: {reason}") from exc
    try:
        sheets = [
            (name, _xls_rows(book, index, book.datemode))
            for index, name in enumerate(book.sheet_names())
        ]
        return _workbook(sheets, ole_signatures(data, "xls", rel), settings, notes)
    finally:
        book.release_resources()


def _workbook(
    sheets: Sequence[tuple[str, Iterable[tuple[Any, ...]]]],
    signatures: list[SignatureValue | None],
    settings: ExtractSettings,
    notes: list[str],
) -> FormatContent:
    blocks, partial = _blocks(sheets, settings, notes)
    return FormatContent(
        blocks=blocks,
        signatures=unique_signatures(signatures),
        pages=len(sheets),
        notes=tuple(notes),
        partial=partial,
        empty_reason=EMPTY_REASON,
    )


def _xls_rows(book: xlrd.book.Book, index: int, datemode: int) -> Iterator[tuple]:
    import xlrd

    sheet = book.sheet_by_index(index)
    for row in range(sheet.nrows):
        values = []
        for cell in sheet.row(row):
            if cell.ctype == xlrd.XL_CELL_DATE:
                try:
                    values.append(xlrd.xldate.xldate_as_datetime(cell.value, datemode))
                except (ValueError, OverflowError, xlrd.xldate.XLDateError):
                    values.append(cell.value)
            elif cell.ctype in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK, xlrd.XL_CELL_ERROR):
                values.append(None)
            else:
                values.append(cell.value)
        yield tuple(values)
    book.unload_sheet(index)


def _blocks(
    sheets: Sequence[tuple[str, Iterable[tuple[Any, ...]]]],
    settings: ExtractSettings,
    notes: list[str],
) -> tuple[tuple[Block, ...], bool]:
    """A heading per sheet and a table block per non-empty row, within max_sheet_rows."""
    blocks: list[Block] = []
    rows = 0
    for number, (title, values) in enumerate(sheets, start=1):
        sheet_blocks: list[Block] = []
        for row in values:
            cells = _cells(row)
            if not cells:
                continue
            rows += 1
            if rows > settings.max_sheet_rows:
                notes.append(
                    f"工作簿超过 {settings.max_sheet_rows} 行上限，"
                    f"只分析了前 {settings.max_sheet_rows} 行（至第 {number} 个工作表）"
                )
                blocks += _sheet(title, number, sheet_blocks, len(blocks))
                return tuple(blocks), True
            sheet_blocks.append(
                Block(text=" | ".join(cells), page=number, index=0, kind="table", cells=cells)
            )
        blocks += _sheet(title, number, sheet_blocks, len(blocks))
    return tuple(blocks), False


def _sheet(title: str, number: int, rows: list[Block], first: int) -> list[Block]:
    """The sheet's heading and rows, numbered from ``first``."""
    if not rows:
        return []
    heading = Block(
        text=title.strip() or f"工作表 {number}",
        page=number,
        index=first,
        heading_level=1,
        kind="heading",
    )
    return [heading] + [
        Block(text=b.text, page=number, index=first + i, kind="table", cells=b.cells)
        for i, b in enumerate(rows, start=1)
    ]


def _cells(row: tuple) -> tuple[str, ...]:
    """The row's values as text, trailing empty cells dropped."""
    cells = [_cell_text(value) for value in row]
    while cells and not cells[-1]:
        cells.pop()
    return tuple(cells) if any(cells) else ()


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return format(value, f".{NUMBER_DIGITS}g")
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ") if value.time() != dt.time() else value.date().isoformat()
    return str(value).replace("\n", " ").strip()
