"""OCR of scanned PDF pages: only pages without a text layer, marked in the
report and the evidence, within a time budget, and a reason saying how to
enable it when Tesseract is not installed."""

from __future__ import annotations

import difflib
from pathlib import Path

import pytest
from formats_support import scan_pdf

from collusion.extract import extract_file
from collusion.extract.ocr import find_tesseract, parse_tsv
from collusion.settings import ExtractSettings
from tools import synth

needs_tesseract = pytest.mark.skipif(
    find_tesseract() is None,
    reason="Tesseract with chi_sim is not installed: apt-get install tesseract-ocr "
    "tesseract-ocr-chi-sim (.ci/run installs it)",
)
TEXT = [
    ("第一章 工程概况", 1),
    "本工程位于城区东侧，道路全长约三千米，面层采用四厘米沥青混凝土，基层为水泥稳定碎石。",
    "施工组织按照先地下后地上的原则，分三个施工段流水作业，确保合同工期内完成全部工程。",
]


def _similarity(a: str, b: str) -> float:
    return difflib.SequenceMatcher(None, "".join(a.split()), "".join(b.split())).ratio()


@needs_tesseract
def test_scanned_pdf_is_read_by_ocr_and_marked(tmp_path: Path) -> None:
    synth.write_pdf(tmp_path / "src.pdf", [TEXT])
    scan_pdf(tmp_path / "src.pdf", tmp_path / "扫描件.pdf")
    file = extract_file(tmp_path, "扫描件.pdf")
    assert file.status == "ok", file.error
    assert [p for p, _ in file.ocr_pages] == [1] and file.ocr_pages[0][1] > 50
    assert "OCR 识别" in file.error  # the note in errors says the text was recognised
    text = "".join(b.text for b in file.blocks)
    original = "".join(t if isinstance(t, str) else t[0] for t in TEXT)
    assert _similarity(text, original) > 0.9, text


@needs_tesseract
def test_only_pages_without_text_are_ocr_read(tmp_path: Path) -> None:
    synth.write_pdf(tmp_path / "page2.pdf", [TEXT])
    scan_pdf(tmp_path / "page2.pdf", tmp_path / "page2-scan.pdf")
    import pymupdf

    mixed = pymupdf.open()
    synth.write_pdf(tmp_path / "page1.pdf", [["这是有文字层的第一页，正文由程序直接写入。"]])
    mixed.insert_pdf(pymupdf.open(tmp_path / "page1.pdf"))
    mixed.insert_pdf(pymupdf.open(tmp_path / "page2-scan.pdf"))
    mixed.save(tmp_path / "mixed.pdf")
    file = extract_file(tmp_path, "mixed.pdf")
    assert [p for p, _ in file.ocr_pages] == [2]
    assert file.blocks[0].page == 1 and "第一页" in file.blocks[0].text
    assert [b.index for b in file.blocks] == list(range(len(file.blocks)))
    assert {b.page for b in file.blocks} == {1, 2}


@needs_tesseract
def test_ocr_time_budget_leaves_pages_unread_and_says_so(tmp_path: Path) -> None:
    synth.write_pdf(tmp_path / "src.pdf", [TEXT, TEXT])
    scan_pdf(tmp_path / "src.pdf", tmp_path / "scan.pdf")
    file = extract_file(tmp_path, "scan.pdf", ExtractSettings(ocr_seconds_per_file=0.5))
    assert file.ocr_pages == () and "OCR 时间上限" in file.error


def test_without_tesseract_the_reason_says_how_to_enable_ocr(tmp_path: Path, monkeypatch) -> None:
    synth.write_pdf(tmp_path / "src.pdf", [TEXT])
    scan_pdf(tmp_path / "src.pdf", tmp_path / "scan.pdf")
    monkeypatch.setenv("PATH", str(tmp_path / "no-programs-here"))
    file = extract_file(tmp_path, "scan.pdf")
    assert (
        file.status == "no_text"
        and "apt-get install tesseract-ocr tesseract-ocr-chi-sim" in file.error
    )


def test_tsv_words_join_into_lines_and_paragraphs() -> None:
    header = "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext"
    rows = [
        "5\t1\t1\t1\t1\t1\t0\t0\t40\t60\t91\t第一章",
        "5\t1\t1\t1\t1\t2\t40\t0\t40\t60\t90\t概况",
        "5\t1\t2\t1\t1\t1\t0\t80\t20\t30\t95\t本工程",
        "5\t1\t2\t1\t1\t2\t20\t80\t20\t30\t5\t噪",  # too unsure: dropped
        "5\t1\t2\t1\t2\t1\t0\t120\t20\t30\t88\tC30",
        "5\t1\t2\t1\t2\t2\t20\t120\t20\t30\t87\tconcrete",
    ]
    page = parse_tsv("\n".join([header, *rows]))
    assert [line.text for line in page.lines] == ["第一章概况", "本工程", "C30 concrete"]
    assert page.confidence == pytest.approx((91 + 90 + 95 + 88 + 87) / 5, abs=0.1)
