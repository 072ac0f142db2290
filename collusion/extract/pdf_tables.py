"""PDF: the rows of ruled tables on the pages that may hold a priced bill
(PyMuPDF's table finder, without the parts of it this tool never reads).

``page.find_tables()`` also names each table's header (a PyMuPDF extension
that renders the rows above the table and reads the text there again) and
``Table.extract()`` tests every character of the page against every row and
cell. Here the header is skipped and each character is placed by one
vectorised test per row and cell; the rows are the ones ``Table.extract()``
returns (same characters, same order, same text joining), checked in
tests/test_pdf_tables.py.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import numpy as np
import pymupdf
import pymupdf.table as mupdf_table

from collusion.models import Block

# find_tables runs only where a priced bill of quantities can be: a page
# naming a unit price and an amount or quantity column, and carrying the
# ruled lines a table is drawn with.
TABLE_PRICE_WORD = "单价"
TABLE_COLUMN_WORDS = ("合价", "金额", "工程量", "数量")
TABLE_MIN_RULES = 4


def may_hold_priced_table(text: str) -> bool:
    return TABLE_PRICE_WORD in text and any(word in text for word in TABLE_COLUMN_WORDS)


def ruled(page: pymupdf.Page) -> bool:
    """Whether the page carries the ruled lines a table is drawn with."""
    try:
        return sum(len(path.get("items", ())) for path in page.get_cdrawings()) >= TABLE_MIN_RULES
    except Exception:  # drawings are best effort
        return False


def table_blocks(
    document: pymupdf.Document, table_pages: list[int], pages_read: int, first_index: int
) -> list[Block]:
    """Rows of ruled tables on pages that carry prices, and on the pages a
    priced table runs on to (rows without the header), as table blocks with cells."""
    candidates = set(table_pages)
    blocks: list[Block] = []
    for page_no in range(pages_read):
        runs_on = bool(blocks) and blocks[-1].page == page_no  # the page before ended in a table
        if not (runs_on or page_no in candidates):
            continue
        try:
            page = document.load_page(page_no)
            if not ruled(page):
                continue
            rows = page_table_rows(page)
        except Exception:  # table finding is best effort; the text is already kept
            continue
        for cells in rows:
            if any(cells):
                blocks.append(
                    Block(
                        text=" | ".join(cells),
                        page=page_no + 1,
                        index=first_index + len(blocks),
                        kind="table",
                        cells=cells,
                    )
                )
    return blocks


def page_table_rows(page: pymupdf.Page) -> list[tuple[str, ...]]:
    """The rows of every table on the page, top to bottom, as cleaned cell texts."""
    with _without_headers():
        found = page.find_tables()
    if found is None:  # find_tables returns None when it fails inside
        return []
    rows = []
    for table in found.tables:
        for row in _extract(table):
            rows.append(tuple((cell or "").replace("\n", "").strip() for cell in row))
    return rows


def _no_header(_table: object, y_tolerance: float = 3) -> None:
    return None


@contextmanager
def _without_headers() -> Iterator[None]:
    """Tables found in this block name no header (``Table.header`` is None).

    Naming the header renders two pixmaps and re-reads the text above each
    table: about a third of find_tables' time, for a value never read here.
    Extraction runs one file at a time per process, so the class attribute
    is restored before any other table is found.
    """
    table_class = getattr(mupdf_table, "Table", None)
    original = getattr(table_class, "_get_header", None)
    if original is None:  # another PyMuPDF: find the tables as it does
        yield
        return
    table_class._get_header = _no_header
    try:
        yield
    finally:
        table_class._get_header = original


def _extract(table: mupdf_table.Table) -> list[list[str | None]]:
    """What ``table.extract()`` returns, with each character placed by array
    tests instead of one Python call per character, row and cell."""
    chars = getattr(table, "_chars", None)
    if chars is None or not hasattr(mupdf_table, "extract_text"):
        return table.extract()  # a PyMuPDF whose tables keep no characters
    if not chars:
        return [[None if cell is None else "" for cell in row.cells] for row in table.rows]
    v_mid = np.fromiter(((c["top"] + c["bottom"]) / 2 for c in chars), float, len(chars))
    h_mid = np.fromiter(((c["x0"] + c["x1"]) / 2 for c in chars), float, len(chars))
    everything = np.arange(len(chars))
    out = []
    for row in table.rows:
        in_row = everything[_inside(h_mid, v_mid, row.bbox)]
        cells = []
        for cell in row.cells:
            if cell is None:
                cells.append(None)
                continue
            in_cell = in_row[_inside(h_mid[in_row], v_mid[in_row], cell)]
            if not len(in_cell):
                cells.append("")
                continue
            cell_chars = [chars[i] for i in in_cell]
            cells.append(mupdf_table.extract_text(cell_chars, x_shift=cell[0], y_shift=cell[1]))
        out.append(cells)
    return out


def _inside(h_mid: np.ndarray, v_mid: np.ndarray, bbox: Sequence[float]) -> np.ndarray:
    """Characters whose centre lies in bbox (left and top edges included),
    the test ``Table.extract()`` makes."""
    x0, top, x1, bottom = bbox
    return (h_mid >= x0) & (h_mid < x1) & (v_mid >= top) & (v_mid < bottom)
