"""Spreadsheets: XLSX and XLS bills of quantities read into the table rows
the price detector uses, and the workbook's document properties."""

from __future__ import annotations

import zipfile
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from conftest import ProjectBuilder
from formats_support import SOFFICE, convert, zip_bytes
from lxml import etree

from collusion.analysis.bills import parse_boq
from collusion.extract import extract_file
from collusion.settings import ExtractSettings

HEADER = ("序号", "项目编码", "项目名称", "项目特征", "计量单位", "工程量", "综合单价", "合价")
LINES = [  # code, name, unit, quantity
    ("010101001001", "平整场地", "m2", "3520.5"),
    ("010101002001", "挖一般土方", "m3", "8740"),
    ("010401001001", "砖基础", "m3", "126.4"),
    ("010501001001", "垫层 C15", "m3", "88.2"),
    ("010502001001", "矩形柱 C30", "m3", "214.75"),
    ("010505001001", "有梁板 C30", "m3", "612.3"),
    ("011702001001", "基础模板", "m2", "940"),
]
COPIED = ["3.17", "27.85", "498.60", "455.12", "689.44", "671.93", "49.86"]
OWN = ["3.05", "29.40", "512.30", "447.90", "702.15", "660.08", "52.47"]


def bill_rows(prices: list[str], slips: dict[int, str] | None = None) -> list[tuple]:
    """The bill's header, priced lines (a total in ``slips`` replaces the
    product, as a slip of the pen would) and its total row."""
    rows: list[tuple] = [HEADER]
    for n, ((code, name, unit, qty), price) in enumerate(zip(LINES, prices, strict=True), 1):
        total = (Decimal(qty) * Decimal(price)).quantize(Decimal("0.01"))
        total = Decimal((slips or {}).get(n, total))
        rows.append((n, code, name, "详见图纸", unit, float(qty), float(price), float(total)))
    rows.append(("", "", "合计", "", "", "", "", 0))
    return rows


def write_xlsx(
    path: Path,
    rows: list[tuple],
    *,
    creator: str = "张造价",
    company: str | None = None,
    custom: dict[str, str] | None = None,
) -> Path:
    """A real XLSX of the rows (openpyxl), with Company and custom properties
    added to its docProps parts as Excel and WPS write them."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "分部分项工程量清单与计价表"
    workbook.create_sheet("说明").append(["本清单依据GB50500-2013编制"])
    for row in rows:
        sheet.append(list(row))
    workbook.properties.creator = creator
    workbook.properties.lastModifiedBy = creator
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook.save(path)
    if company or custom:
        _add_properties(path, company, custom or {})
    return path


def _add_properties(path: Path, company: str | None, custom: dict[str, str]) -> None:
    with zipfile.ZipFile(path) as archive:
        parts = {n: archive.read(n) for n in archive.namelist()}
    ep = "http://schemas.openxmlformats.org/officeDocument/2006/extended-properties"
    app = etree.fromstring(parts["docProps/app.xml"])
    if company:
        etree.SubElement(app, f"{{{ep}}}Company").text = company
    parts["docProps/app.xml"] = etree.tostring(app, xml_declaration=True, encoding="UTF-8")
    if custom:
        cp = "http://schemas.openxmlformats.org/officeDocument/2006/custom-properties"
        vt = "http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes"
        root = etree.Element(f"{{{cp}}}Properties", nsmap={None: cp, "vt": vt})
        for pid, (name, value) in enumerate(custom.items(), start=2):
            prop = etree.SubElement(
                root,
                f"{{{cp}}}property",
                pid=str(pid),
                name=name,
                fmtid="{D5CDD505-2E9C-101B-9397-08002B2CF9AE}",
            )
            etree.SubElement(prop, f"{{{vt}}}lpwstr").text = value
        parts["docProps/custom.xml"] = etree.tostring(root, xml_declaration=True, encoding="UTF-8")
    path.write_bytes(zip_bytes(parts))


def test_xlsx_rows_are_boq_table_rows(tmp_path: Path) -> None:
    write_xlsx(tmp_path / "清单.xlsx", bill_rows(COPIED))
    file = extract_file(tmp_path, "清单.xlsx")
    assert file.status == "ok" and file.format == "xlsx" and file.pages == 2
    assert file.chars == sum(len(b.text) for b in file.blocks) > 200
    headings = [b.text for b in file.blocks if b.kind == "heading"]
    assert headings == ["分部分项工程量清单与计价表", "说明"]
    items = parse_boq(file.blocks)
    assert [i.code for i in items] == [code for code, *_ in LINES]
    assert [i.unit_price for i in items] == [Decimal(p) for p in COPIED]
    assert items[0].page == 1 and items[0].quantity == Decimal("3520.5")
    assert "平整场地" in items[0].row


def test_xlsx_document_properties_are_signatures(tmp_path: Path) -> None:
    write_xlsx(
        tmp_path / "a.xlsx",
        bill_rows(COPIED),
        creator="李四",
        company="某某造价咨询公司",
        custom={"ICV": "{8A2B4C6D-1E3F-4A5B-9C7D-0E1F2A3B4C5D}", "计价软件": "GBQ5"},
    )
    codes = {s.field: s for s in extract_file(tmp_path, "a.xlsx").signatures}
    assert codes["author"].value == "李四" and codes["last_modified_by"].value == "李四"
    assert codes["company"].value == "某某造价咨询公司"
    assert codes["wps_icv"].normalized == "8A2B4C6D1E3F4A5B9C7D0E1F2A3B4C5D"
    assert codes["custom:计价软件"].value == "GBQ5"
    assert "created" in codes
    assert all(s.source == "xlsx" for s in codes.values())


def test_identical_unit_prices_across_xlsx_and_pdf_are_flagged(
    project: ProjectBuilder, scan
) -> None:
    write_xlsx(project.bidder("b1") / "工程量清单.xlsx", bill_rows(COPIED))
    table = [[str(c) for c in row] for row in bill_rows(COPIED)]
    project.pdf("b2", "商务标.pdf", [[("工程量清单", 1), ("table", table)]])
    honest = [[str(c) for c in row] for row in bill_rows(OWN)]
    project.pdf("b3", "商务标.pdf", [[("工程量清单", 1), ("table", honest)]])
    report = scan(project.write())
    boq = [
        a
        for a in report["alerts"]
        if a["kind"] == "price_pattern" and "unit" in str(a["details"]).lower()
    ]
    assert [a["bidders"] for a in boq] == [["b1", "b2"]], report["alerts"]
    files = {e["file"] for e in boq[0]["evidence"]}
    assert files == {"bids/b1/工程量清单.xlsx", "bids/b2/商务标.pdf"}


def test_shared_arithmetic_error_across_xlsx_and_pdf_is_flagged(
    project: ProjectBuilder, scan
) -> None:
    slip = {3: "61000.00"}  # 126.4 m3 of brick footing, whatever its price, is not 61000
    write_xlsx(project.bidder("b1") / "工程量清单.xlsx", bill_rows(OWN, slip))
    factors = ["1.03", "0.97", "1.05", "0.98", "1.02", "0.96", "1.04"]  # no common ratio
    other = [f"{Decimal(p) * Decimal(f):.2f}" for p, f in zip(OWN, factors, strict=True)]
    table = [[str(c) for c in row] for row in bill_rows(other, slip)]
    project.pdf("b2", "商务标.pdf", [[("工程量清单", 1), ("table", table)]])
    honest = [[str(c) for c in row] for row in bill_rows(COPIED)]
    project.pdf("b3", "商务标.pdf", [[("工程量清单", 1), ("table", honest)]])
    report = scan(project.write())
    errors = [
        a
        for a in report["alerts"]
        if a["kind"] == "price_pattern"
        and a["details"].get("pattern") == "shared_arithmetic_errors"
    ]
    assert [a["bidders"] for a in errors] == [["b1", "b2"]], report["alerts"]
    assert {e["file"] for e in errors[0]["evidence"]} == {
        "bids/b1/工程量清单.xlsx",
        "bids/b2/商务标.pdf",
    }


def test_dtd_in_a_sheet_part_is_refused(tmp_path: Path) -> None:
    write_xlsx(tmp_path / "a.xlsx", bill_rows(COPIED))
    with zipfile.ZipFile(tmp_path / "a.xlsx") as archive:
        parts = {n: archive.read(n) for n in archive.namelist()}
    sheet = "xl/worksheets/sheet1.xml"
    body = parts[sheet].split(b"?>", 1)[-1]
    parts[sheet] = b'<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>' + body
    (tmp_path / "b.xlsx").write_bytes(zip_bytes(parts))
    file = extract_file(tmp_path, "b.xlsx")
    assert file.status == "refused" and "DTD" in file.error


def test_row_limit_gives_partial(tmp_path: Path) -> None:
    write_xlsx(tmp_path / "a.xlsx", bill_rows(COPIED))
    file = extract_file(tmp_path, "a.xlsx", ExtractSettings(max_sheet_rows=4))
    assert file.status == "partial" and "只分析了前 4 行" in file.error
    assert sum(b.kind == "table" for b in file.blocks) == 4


def test_damaged_part_the_sheets_do_not_need_is_skipped_with_a_note(tmp_path: Path) -> None:
    write_xlsx(tmp_path / "a.xlsx", bill_rows(COPIED))
    data = bytearray((tmp_path / "a.xlsx").read_bytes())
    with zipfile.ZipFile(tmp_path / "a.xlsx") as archive:
        info = archive.getinfo("docProps/core.xml")
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    data[start + info.compress_size // 2] ^= 0xFF
    (tmp_path / "b.xlsx").write_bytes(bytes(data))
    file = extract_file(tmp_path, "b.xlsx")
    assert file.status == "ok" and "docProps/core.xml 已损坏" in file.error
    assert len(parse_boq(file.blocks)) == len(LINES)


def test_damaged_workbook_is_a_reason(tmp_path: Path) -> None:
    write_xlsx(tmp_path / "a.xlsx", bill_rows(COPIED))
    with zipfile.ZipFile(tmp_path / "a.xlsx") as archive:
        parts = {n: archive.read(n) for n in archive.namelist()}
    parts["xl/workbook.xml"] = b"<workbook><sheets><sheet name='x'"
    (tmp_path / "b.xlsx").write_bytes(zip_bytes(parts))
    file = extract_file(tmp_path, "b.xlsx")
    assert file.status == "error" and "XLSX" in file.error


@pytest.mark.skipif(
    SOFFICE is None,
    reason="LibreOffice (soffice) is not installed: "
    "apt-get install libreoffice-calc-nogui to write the XLS test file",
)
def test_xls_rows_and_properties(tmp_path: Path) -> None:
    source = write_xlsx(tmp_path / "src" / "清单.xlsx", bill_rows(COPIED), creator="王五")
    xls = convert(source, "xls", tmp_path / "bids")
    file = extract_file(xls.parent, xls.name)
    assert file.status == "ok" and file.format == "xls", file.error
    items = parse_boq(file.blocks)
    assert [i.unit_price for i in items] == [Decimal(p) for p in COPIED]
    codes = {s.field: s.value for s in file.signatures}
    assert codes.get("author") == "王五"
