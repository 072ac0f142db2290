"""The must-show project: bidders submit PDF, DOCX, OFD, DOC, XLSX and a
scanned PDF. Every file is read or listed in errors; a technical section
copied DOCX->OFD, DOCX->DOC and PDF->scanned PDF is found as near-duplicate
text with both sides located; identical unit prices across an XLSX and a PDF
bill of quantities are flagged."""

from __future__ import annotations

from pathlib import Path

import jsonschema
import pytest
from conftest import ProjectBuilder, plan_paragraphs
from formats_support import SOFFICE, copy_second_section, scan_pdf, write_ofd
from test_doc import make_doc
from test_sheets import COPIED, OWN, bill_rows, write_xlsx

from collusion.extract.ocr import find_tesseract
from collusion.report.build import load_schema
from tools import synth

pytestmark = pytest.mark.skipif(
    SOFFICE is None or find_tesseract() is None,
    reason="needs LibreOffice (libreoffice-writer-nogui, libreoffice-calc-nogui) and Tesseract "
    "(tesseract-ocr, tesseract-ocr-chi-sim); .ci/run installs them",
)


def _table(prices: list[str]) -> list[list[str]]:
    return [[str(c) for c in row] for row in bill_rows(prices)]


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> dict:
    project = ProjectBuilder(tmp_path_factory.mktemp("cross") / "project")
    source = plan_paragraphs(31, "甲建设集团有限公司")
    project.docx("b1", "技术标.docx", source)
    project.pdf("b1", "商务标.pdf", [[("工程量清单", 1), ("table", _table(COPIED))]])
    write_ofd(
        project.bidder("b2") / "技术标.ofd",
        copy_second_section(source, plan_paragraphs(32, "乙路桥工程有限公司")),
    )
    make_doc(
        project.bidder("b3"),
        "技术标.doc",
        copy_second_section(source, plan_paragraphs(33, "丙市政建设有限公司")),
    )
    pdf_source = plan_paragraphs(34, "丁建工集团有限公司")
    project.pdf("b4", "技术标.pdf", [pdf_source])
    own = copy_second_section(pdf_source, plan_paragraphs(35, "戊水利水电有限公司"))
    synth.write_pdf(project.root / "scan-src.pdf", [own])
    scan_pdf(project.root / "scan-src.pdf", project.bidder("b5") / "技术标（扫描件）.pdf")
    (project.root / "scan-src.pdf").unlink()
    write_xlsx(project.bidder("b5") / "工程量清单.xlsx", bill_rows(COPIED))
    project.docx("b6", "技术标.docx", plan_paragraphs(36, "己园林绿化有限公司"))
    project.pdf("b6", "商务标.pdf", [[("工程量清单", 1), ("table", _table(OWN))]])
    (project.bidder("b6") / "营业执照.jpg").write_bytes(b"\xff\xd8\xff\xe0" + bytes(500))
    # The tender's unpriced bill: the lines every priced bill repeats.
    unpriced = [row[:6] for row in bill_rows(COPIED)]
    write_xlsx(project.root / "tender" / "招标工程量清单.xlsx", unpriced)
    from collusion.scan import scan_project

    result = scan_project(project.write()).report
    result["_root"] = str(project.root)
    return result


def _near(report: dict) -> dict[tuple[str, ...], dict]:
    return {tuple(a["bidders"]): a for a in report["alerts"] if a["kind"] == "near_duplicate_text"}


def test_every_file_is_read_or_listed(report: dict) -> None:
    root = Path(report["_root"])
    on_disk = {p.relative_to(root).as_posix() for p in (root / "bids").rglob("*") if p.is_file()}
    files = {f["path"]: f for b in report["bidders"] for f in b["files"]}
    assert set(files) == on_disk
    listed = {e["file"] for e in report["errors"]}
    formats = {f["format"] for f in files.values()}
    assert {"pdf", "docx", "ofd", "doc", "xlsx"} <= formats
    for path, file in files.items():
        assert file["status"] == "ok" or path in listed, file
    assert files["bids/b6/营业执照.jpg"]["status"] == "error"
    scanned = files["bids/b5/技术标（扫描件）.pdf"]
    assert scanned["status"] == "ok" and scanned["ocr_pages"]
    report = {k: v for k, v in report.items() if k != "_root"}
    jsonschema.validate(report, load_schema())


@pytest.mark.parametrize(
    ("pair", "files"),
    [
        (("b1", "b2"), {"bids/b1/技术标.docx", "bids/b2/技术标.ofd"}),
        (("b1", "b3"), {"bids/b1/技术标.docx", "bids/b3/技术标.doc"}),
        (("b4", "b5"), {"bids/b4/技术标.pdf", "bids/b5/技术标（扫描件）.pdf"}),
    ],
)
def test_copied_section_found_across_formats(report: dict, pair: tuple, files: set) -> None:
    alert = _near(report).get(pair)
    assert alert is not None, sorted(_near(report))
    evidence = alert["evidence"]
    assert {e["file"] for e in evidence} == files
    for e in evidence:
        assert e["excerpt"] and (e["page"] is not None or e.get("paragraph") is not None), e


def test_scanned_side_is_marked_as_ocr(report: dict) -> None:
    alert = _near(report)[("b4", "b5")]
    scanned = [e for e in alert["evidence"] if e["bidder"] == "b5"]
    assert scanned and all(e["read_by"] == "ocr" and e["ocr_confidence"] > 0 for e in scanned)
    assert "OCR" in alert["details"]["ocr_note"]
    assert all("read_by" not in e for e in alert["evidence"] if e["bidder"] == "b4")


def test_identical_unit_prices_across_xlsx_and_pdf(report: dict) -> None:
    prices = [
        a
        for a in report["alerts"]
        if a["kind"] == "price_pattern"
        and {e["file"] for e in a["evidence"]} == {"bids/b1/商务标.pdf", "bids/b5/工程量清单.xlsx"}
    ]
    assert prices and prices[0]["bidders"] == ["b1", "b5"]
