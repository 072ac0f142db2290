"""Rows of ruled PDF tables: the header-free table finder with array-placed
characters reads exactly the rows PyMuPDF's own Table.extract() reads."""

from __future__ import annotations

from pathlib import Path

import pymupdf
import pymupdf.table as mupdf_table
import pytest

from collusion.extract.pdf import read_pdf
from collusion.extract.pdf_tables import page_table_rows
from collusion.settings import ExtractSettings
from tools import synth

BILL = [
    ["序号", "项目名称", "单位", "工程量", "单价（元）", "合价（元）"],
    [
        "1",
        "挖一般土方（含场内运输、弃土外运及余方处置，运距 15 km 以内）",
        "m3",
        "433",
        "841.73",
        "364469.09",
    ],
    ["2", "C30 concrete cushion", "m3", "", "787.63", "1064875.76"],
    ["3", "", "", "", "", ""],
    ["", "合计", "", "", "", "1429344.85"],
]
SECOND = [["名称", "数量"], ["钢筋", "12"], ["模板", "7"]]


def reference_rows(page: pymupdf.Page) -> list[tuple[str, ...]]:
    """Rows as PyMuPDF reads them, cleaned the way the extractor cleans cells."""
    return [
        tuple((cell or "").replace("\n", "").strip() for cell in row)
        for table in page.find_tables().tables
        for row in table.extract()
    ]


def merged_cell_pdf(path: Path) -> Path:
    """A ruled table whose last row joins its last two columns in one cell."""
    doc = pymupdf.open()
    page = doc.new_page()
    xs, ys = (72, 200, 330, 460), (100, 130, 160, 190)
    shape = page.new_shape()
    for y in ys:
        shape.draw_line((xs[0], y), (xs[-1], y))
    for n, x in enumerate(xs):
        shape.draw_line((x, ys[0]), (x, ys[-2] if n == 2 else ys[-1]))
    shape.finish(color=(0, 0, 0), width=0.6)
    shape.commit()
    cells = [("名称", "单价", "合价"), ("土方", "12.50", "1250.00")]
    for r, row in enumerate(cells):
        for c, text in enumerate(row):
            page.insert_text((xs[c] + 4, ys[r] + 20), text, fontname="china-s", fontsize=10)
    page.insert_text(
        (xs[0] + 4, ys[2] + 20), "备注：两列合并的单元格", fontname="china-s", fontsize=10
    )
    doc.save(path)
    return path


def test_rows_are_those_pymupdf_extracts(tmp_path: Path) -> None:
    path = synth.write_pdf(
        tmp_path / "bill.pdf",
        [
            [
                "工程量清单报价，单价与合价如下。",
                ("table", BILL),
                "表后说明文字。",
                ("table", SECOND),
            ]
        ],
    )
    with pymupdf.open(path) as doc:
        rows = page_table_rows(doc[0])
        assert rows == reference_rows(doc[0])
    assert rows[0] == tuple(BILL[0])
    assert rows[1][1].startswith("挖一般土方（含场内运输")
    assert rows[2][3] == ""  # an empty cell stays an empty cell
    assert ("模板", "7") in rows  # the second table on the page is read too


def test_merged_cell_rows_match(tmp_path: Path) -> None:
    with pymupdf.open(merged_cell_pdf(tmp_path / "merged.pdf")) as doc:
        rows = page_table_rows(doc[0])
        assert rows == reference_rows(doc[0])
    assert rows[0] == ("名称", "单价", "合价")
    assert rows[2][0] == "备注：两列合并的单元格"


def test_table_headers_are_named_again_afterwards(tmp_path: Path) -> None:
    """The header is skipped only while this module finds tables."""
    path = synth.write_pdf(tmp_path / "bill.pdf", [[("table", BILL)]])
    with pymupdf.open(path) as doc:
        page_table_rows(doc[0])
        table = doc[0].find_tables().tables[0]
        assert table.header is not None
        assert table.header.names[0] == "序号"
    assert mupdf_table.Table._get_header.__name__ == "_get_header"


@pytest.mark.parametrize("pages", [1, 2])
def test_read_pdf_keeps_every_bill_row(tmp_path: Path, pages: int) -> None:
    """A bill running over pages: every row is a table block with its cells."""
    rows = [BILL[0]] + [
        [str(n), f"分项{n}", "m3", str(n * 10), "12.50", f"{n * 125:.2f}"]
        for n in range(1, 30 * pages)
    ]
    path = synth.write_pdf(tmp_path / "bill.pdf", [["工程量清单", ("table", rows)]])
    content = read_pdf(path, "bill.pdf", ExtractSettings())
    table_rows = [b.cells for b in content.blocks if b.kind == "table"]
    assert table_rows[0] == tuple(BILL[0])
    assert [r[1] for r in table_rows if r[0].isdigit()] == [
        f"分项{n}" for n in range(1, 30 * pages)
    ]


def odd_pages_pdf(path: Path) -> Path:
    """Pages with offset media boxes, rotations and text at fractional places,
    sizes and directions, each over a ruled grid."""
    doc = pymupdf.open()
    boxes = [(0, 0, 595, 842), (-50.5, -30.25, 544.5, 811.75), (100, 200, 712.3, 1001.7)]
    for n, (box, rotation) in enumerate(zip(boxes * 2, (0, 90, 180, 270, 0, 90), strict=True)):
        page = doc.new_page(width=box[2] - box[0], height=box[3] - box[1])
        page.set_mediabox(pymupdf.Rect(box))
        shape = page.new_shape()
        for k in range(5):
            y = 120.3 + 31.7 * k
            shape.draw_line((70.1, y), (400.9, y))
            shape.draw_line((70.1 + 82.7 * k, 120.3), (70.1 + 82.7 * k, 247.1))
        shape.finish(color=(0, 0, 0), width=0.6)
        shape.commit()
        for k in range(4):
            page.insert_text(
                (75.3 + 82.7 * k, 141.17 + 31.7 * k),
                f"单价{n}.{k} Ab",
                fontname="china-s",
                fontsize=9.5 + 0.37 * k,
                rotate=90 * (k == 3),
            )
        page.set_rotation(rotation)
    doc.save(path)
    return path


def test_characters_are_listed_as_pymupdf_lists_them(tmp_path: Path) -> None:
    """The array arithmetic gives every character dict make_chars gives,
    bit for bit (float32 transforms included), on awkward pages, without
    falling back to make_chars."""
    from collusion.extract.pdf_tables import _page_chars

    old_small = pymupdf.TOOLS.set_small_glyph_heights(True)
    try:
        with pymupdf.open(odd_pages_pdf(tmp_path / "odd.pdf")) as doc:
            for page in doc:
                if page.rotation:
                    page, *_ = mupdf_table.page_rotation_set0(page)
                mupdf_table._CHARS_VAR.set([])
                textpage = mupdf_table.make_chars(page)
                expected = [{k: repr(v) for k, v in c.items()} for c in mupdf_table.CHARS]
                blocks = page.get_text("rawdict", textpage=textpage)["blocks"]
                listed = _page_chars(page, blocks, pymupdf.Matrix(page.transformation_matrix))
                assert expected, "the page has characters"
                assert listed is not None, "the array arithmetic agreed with PyMuPDF's"
                assert [{k: repr(v) for k, v in c.items()} for c in listed] == expected
    finally:
        pymupdf.TOOLS.set_small_glyph_heights(old_small)


def test_odd_pages_read_the_same_table_rows(tmp_path: Path) -> None:
    with pymupdf.open(odd_pages_pdf(tmp_path / "odd.pdf")) as doc:
        for page in doc:
            assert page_table_rows(page) == reference_rows(page)


def test_cell_text_is_extract_text(tmp_path: Path) -> None:
    """Cell texts joined here equal PyMuPDF's extract_text on the characters
    of real cells, moved about: lines within and past the tolerances, words
    apart and overlapping, blanks and ligatures."""
    import random

    from collusion.extract.pdf_tables import _cell_text

    path = synth.write_pdf(tmp_path / "bill.pdf", [[("table", BILL)]])
    with pymupdf.open(path) as doc:
        chars = list(doc[0].find_tables().tables[0]._chars)
    rng = random.Random(7)
    fast = 0
    for _ in range(3000):
        cell = []
        for char in rng.sample(chars, rng.randint(1, 10)):
            moved = dict(char)
            dy = rng.choice([0.0, 0.0, 0.5, 2.9, 3.0, 3.1, 7.0, -2.0])
            dx = rng.choice([0.0, 1.0, 3.0, 3.01, -5.0, 20.0])
            for key in ("top", "bottom", "doctop"):
                moved[key] += dy
            moved["x0"] += dx
            moved["x1"] += dx
            moved["text"] = rng.choice([moved["text"]] * 8 + [" ", "ﬁ"])
            cell.append(moved)
        text = _cell_text(cell)
        if text is not None:
            fast += 1
            assert text == mupdf_table.extract_text(cell), cell
    assert fast == 3000  # upright characters all take the fast path
    rotated = [dict(chars[0], upright=False)]
    assert _cell_text(rotated) is None  # left to extract_text


def test_another_make_chars_is_left_alone() -> None:
    """A PyMuPDF whose make_chars takes other arguments keeps its own."""
    from collusion.extract.pdf_tables import _known_make_chars

    assert _known_make_chars(mupdf_table.make_chars)
    assert not _known_make_chars(lambda page, clip=None, flags=0: None)
    assert not _known_make_chars(None)
