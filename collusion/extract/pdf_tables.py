"""PDF: the rows of ruled tables on the pages that may hold a priced bill
(PyMuPDF's table finder, without the parts of it this tool never reads, and
with its per-character Python work done on arrays).

``page.find_tables()`` also names each table's header (a PyMuPDF extension
that renders the rows above the table and reads the text there again),
lists the page's characters building three geometry objects per character,
and ``Table.extract()`` tests every character against every row and cell,
then joins each cell's characters with a new word extractor. Here the header
is skipped, the characters are listed with float32 array arithmetic, each
character is placed by one vectorised test per row and cell, and upright
cell text is joined by the extractor's own steps without its objects. The
rows are the ones ``Table.extract()`` returns (same characters, same order,
same text), checked bit for bit in tests/test_pdf_tables.py; anything the
shortcuts do not cover goes through PyMuPDF's own code.
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

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
    with _lean_finder():
        found = page.find_tables()
    if found is None:  # find_tables returns None when it fails inside
        return []
    rows = []
    for table in found.tables:
        for row in _extract(table):
            rows.append(tuple((cell or "").replace("\n", "").strip() for cell in row))
    return rows


def _known_make_chars(original: Callable[..., object] | None) -> bool:
    """Whether this PyMuPDF lists characters the way _chars_by_arrays mirrors."""
    if original is None or not hasattr(getattr(mupdf_table, "CHARS", None), "_list"):
        return False
    try:
        return list(inspect.signature(original).parameters) == ["page", "clip"]
    except (TypeError, ValueError):
        return False


def _no_header(_table: object, y_tolerance: float = 3) -> None:
    return None


@contextmanager
def _lean_finder() -> Iterator[None]:
    """find_tables, within this block, names no table header and lists the
    page's characters with arithmetic on arrays.

    Naming the header (``Table.header``, a PyMuPDF extension never read
    here) renders two pixmaps and re-reads the text above each table: about
    a third of find_tables' time. Listing the characters (``make_chars``)
    builds three PyMuPDF geometry objects per character: most of the rest.
    Extraction runs one file at a time per process, so both are restored
    before any other table is found.
    """
    table_class = getattr(mupdf_table, "Table", None)
    patches: list[tuple[Any, str, Any]] = []
    if getattr(table_class, "_get_header", None) is not None:
        patches.append((table_class, "_get_header", _no_header))
    original_chars = getattr(mupdf_table, "make_chars", None)
    if original_chars is not None and _known_make_chars(original_chars):
        patches.append((mupdf_table, "make_chars", _chars_by_arrays(original_chars)))
    saved = [(owner, name, getattr(owner, name)) for owner, name, _ in patches]
    try:
        for owner, name, value in patches:
            setattr(owner, name, value)
        yield
    finally:
        for owner, name, value in saved:
            setattr(owner, name, value)


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
    out: list[list[str | None]] = []
    for row in table.rows:
        in_row = everything[_inside(h_mid, v_mid, row.bbox)]
        cells: list[str | None] = []
        for cell in row.cells:
            if cell is None:
                cells.append(None)
                continue
            in_cell = in_row[_inside(h_mid[in_row], v_mid[in_row], cell)]
            if not len(in_cell):
                cells.append("")
                continue
            cell_chars = [chars[i] for i in in_cell]
            try:
                text = _cell_text(cell_chars)
            except (KeyError, IndexError, TypeError):  # characters of another shape
                text = None
            if text is None:
                text = mupdf_table.extract_text(cell_chars, x_shift=cell[0], y_shift=cell[1])
            cells.append(text)
        out.append(cells)
    return out


def _inside(h_mid: np.ndarray, v_mid: np.ndarray, bbox: Sequence[float]) -> np.ndarray:
    """Characters whose centre lies in bbox (left and top edges included),
    the test ``Table.extract()`` makes."""
    x0, top, x1, bottom = bbox
    return (h_mid >= x0) & (h_mid < x1) & (v_mid >= top) & (v_mid < bottom)


# --- a cell's text, as PyMuPDF's extract_text joins it -------------------------------
#
# extract_text (PyMuPDF 1.26-1.28, after pdfplumber) builds a WordExtractor
# per cell. For upright, left-to-right characters its steps are: group the
# characters into lines by their doctop (sorted distinct values, a new group
# past the last value + y tolerance), sort each line by x0, cut words at
# blanks and where a character starts left of the one before, past its end +
# x tolerance, or below its top + y tolerance; group the words into lines the
# same way by their doctop; join words with spaces and lines with newlines.
# The same steps here, without the per-cell objects; anything else (rotated
# or mirrored characters, empty glyph text) is left to extract_text.


def _cell_text(chars: list[dict]) -> str | None:
    """extract_text(chars) for upright left-to-right characters, else None."""
    x_tol = getattr(mupdf_table, "DEFAULT_X_TOLERANCE", None)
    y_tol = getattr(mupdf_table, "DEFAULT_Y_TOLERANCE", None)
    ligatures = getattr(mupdf_table, "LIGATURES", None)
    if x_tol is None or y_tol is None or ligatures is None:
        return None
    for char in chars:
        matrix = char["matrix"]
        if (
            not char["upright"]
            or not char["text"]
            or matrix[1] > 0
            or (matrix[0] < 0 and matrix[3] < 0)
            or not math.isfinite(char["doctop"] + char["top"] + char["x0"] + char["x1"])
        ):
            return None
    ordered = [
        char
        for line in _clustered(chars, "doctop", y_tol)
        for char in sorted(line, key=lambda c: c["x0"])
    ]
    words: list[list[dict]] = []
    current: list[dict] = []
    for char in ordered:
        if char["text"].isspace():
            if current:
                words.append(current)
            current = []
        elif current and (
            char["x0"] < current[-1]["x0"]
            or char["x0"] > current[-1]["x1"] + x_tol
            or char["top"] > current[-1]["top"] + y_tol
        ):
            words.append(current)
            current = [char]
        else:
            current.append(char)
    if current:
        words.append(current)
    merged = [
        {
            "text": "".join(ligatures.get(c["text"], c["text"]) for c in word),
            "doctop": min(c["top"] for c in word) + (word[0]["doctop"] - word[0]["top"]),
        }
        for word in words
    ]
    lines = _clustered(merged, "doctop", y_tol)
    return "\n".join(" ".join(word["text"] for word in line) for line in lines)


def _clustered(items: list[dict], key: str, tolerance: float) -> list[list[dict]]:
    """cluster_objects: items grouped by runs of close values of key (each
    group in the order the items came), the groups in value order."""
    group_of: dict[float, int] = {}
    group = -1
    last = None
    for value in sorted({item[key] for item in items}):
        if last is None or not value <= last + tolerance:
            group += 1
        group_of[value] = group
        last = value
    groups: dict[int, list[dict]] = {}
    for item in items:
        groups.setdefault(group_of[item[key]], []).append(item)
    return [groups[n] for n in sorted(groups)]


# --- the page's characters, as PyMuPDF's make_chars lists them ---------------------
#
# make_chars (PyMuPDF 1.26-1.28) reads the page as "rawdict" and gives each
# character a dict, its box and origin moved to PDF space by the page's
# transformation matrix. MuPDF transforms in single precision, so here the
# same products and sums are taken on float32 arrays, in MuPDF's order. Only
# axis-aligned matrices (no rotation or skew: find_tables turns the page
# upright first) take this path, and each page's first character is checked
# against PyMuPDF's own arithmetic; any difference reads the page with the
# original make_chars.


def _chars_by_arrays(original: Callable[..., object]) -> Callable[..., object]:
    def make_chars(page: pymupdf.Page, clip: object = None) -> object:
        ctm = pymupdf.Matrix(page.transformation_matrix)
        if ctm.b != 0 or ctm.c != 0:
            return original(page, clip=clip)
        textpage = page.get_textpage(clip=clip, flags=mupdf_table.FLAGS)
        blocks = page.get_text("rawdict", textpage=textpage)["blocks"]
        try:
            chars = _page_chars(page, blocks, ctm)
        except (KeyError, IndexError, TypeError, ValueError):  # a rawdict of another shape
            chars = None
        if chars is None:
            return original(page, clip=clip)
        mupdf_table.CHARS._list().extend(chars)
        return textpage

    return make_chars


def _page_chars(page: pymupdf.Page, blocks: list, ctm: pymupdf.Matrix) -> list[dict] | None:
    """The character dicts of make_chars, or None when the first one differs
    from what PyMuPDF's own geometry gives."""
    found = []  # (line direction, span, span bold, span colour, char)
    for block in blocks:
        for line in block["lines"]:
            ldir = (round(line["dir"][0], 4), round(line["dir"][1], 4))
            for span in sorted(line["spans"], key=lambda s: s["bbox"][0]):
                bold = bool(span["flags"] & pymupdf.TEXT_FONT_BOLD or span["char_flags"] & 8)
                color = pymupdf.sRGB_to_pdf(span["color"])
                for char in sorted(span["chars"], key=lambda c: c["bbox"][0]):
                    found.append((ldir, span, bold, color, char))
    if not found:
        return []
    boxes = np.array([item[4]["bbox"] for item in found], dtype=np.float64)
    origins = np.array([item[4]["origin"] for item in found], dtype=np.float64)
    if not (np.isfinite(boxes).all() and np.isfinite(origins).all()):
        return None
    ys0, ys1 = _transformed_rect(boxes, ctm)
    ox, oy = _transformed_points(origins[:, 0], origins[:, 1], ctm)
    first = pymupdf.Rect(found[0][4]["bbox"]) * ctm
    first_origin = pymupdf.Point(found[0][4]["origin"]) * ctm
    if (first.y0, first.y1, first_origin.x, first_origin.y) != (ys0[0], ys1[0], ox[0], oy[0]):
        return None
    page_number = page.number + 1
    doctop_base = page.rect.height * page.number
    chars = []
    for n, (ldir, span, bold, color, char) in enumerate(found):
        x0, top, x1, bottom = char["bbox"]
        upright = ldir[1] == 0
        matrix = (float(ldir[0]), float(-ldir[1]), float(ldir[1]), float(ldir[0]), ox[n], oy[n])
        chars.append(
            {
                "adv": x1 - x0 if upright else bottom - top,
                "bottom": bottom,
                "doctop": top + doctop_base,
                "fontname": span["font"],
                "height": bottom - top,
                "matrix": matrix,
                "ncs": "DeviceRGB",
                "non_stroking_color": color,
                "non_stroking_pattern": None,
                "object_type": "char",
                "page_number": page_number,
                "size": span["size"] if upright else bottom - top,
                "stroking_color": color,
                "stroking_pattern": None,
                "bold": bold,
                "text": char["c"],
                "top": top,
                "upright": upright,
                "width": x1 - x0,
                "x0": x0,
                "x1": x1,
                "y0": ys0[n],
                "y1": ys1[n],
            }
        )
    return chars


def _transformed_points(
    x: np.ndarray, y: np.ndarray, m: pymupdf.Matrix
) -> tuple[list[float], list[float]]:
    """fz_transform_point on arrays: x*a + y*c + e, x*b + y*d + f in float32."""
    x, y = x.astype(np.float32), y.astype(np.float32)
    a, b, c, d, e, f = (np.float32(v) for v in (m.a, m.b, m.c, m.d, m.e, m.f))
    return ((x * a + y * c) + e).tolist(), ((x * b + y * d) + f).tolist()


def _transformed_rect(boxes: np.ndarray, m: pymupdf.Matrix) -> tuple[list[float], list[float]]:
    """The y0 and y1 of fz_transform_rect for an axis-aligned matrix: the
    corners swapped where the matrix flips an axis, then transformed."""
    x0, y0, x1, y1 = boxes.T
    if m.a < 0:
        x0, x1 = x1, x0
    if m.d < 0:
        y0, y1 = y1, y0
    _, top = _transformed_points(x0, y0, m)
    _, bottom = _transformed_points(x1, y1, m)
    return top, bottom
