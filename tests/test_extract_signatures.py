"""Every signature field is read back from real generated PDF and DOCX files."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from collusion.extract import extract_file
from tools import synth


def _values(extracted) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for sig in extracted.signatures:
        found.setdefault(sig.field, set()).add(sig.value)
    return found


def _normalized(extracted) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for sig in extracted.signatures:
        found.setdefault(sig.field, set()).add(sig.normalized)
    return found


def test_docx_signature_fields_read_back(tmp_path: Path) -> None:
    image = synth.make_png(7, size=64)
    synth.write_docx(
        tmp_path / "a.docx",
        [
            ("第一章 施工方案", 1),
            "本工程采用C30混凝土。",
            "\f",
            ("第二章 质量", 1),
            "质量目标合格。",
        ],
        core={"author": "张工", "last_modified_by": "李工", "created": datetime(2025, 3, 1, 8, 0)},
        rsid_root="00A1B2C3",
        rsids=["00A1B2C3", "0011AA22", "00DEAD01"],
        doc_id_w14="1A2B3C4D",
        doc_id_w15="{6F1D3E22-1111-2222-3333-444455556666}",
        app={"Company": "某某建设有限公司", "Template": "投标模板.dotm", "AppVersion": "16.0000"},
        custom={
            "KSOProductBuildVer": "2052-11.1.0.14309",
            "ICV": "8E5B9C3F1A2B4C5D6E7F8091A2B3C4D5",
        },
        attached_template=r"file:///C:\Users\zhangsan\Templates\投标模板.dotm",
        images=[image],
        comment_author="王审核",
        revision_author="赵修订",
    )
    extracted = extract_file(tmp_path, "a.docx")
    assert extracted.status == "ok", extracted.error
    assert extracted.format == "docx"
    values = _values(extracted)
    assert values["author"] == {"张工"}
    assert values["last_modified_by"] == {"李工"}
    assert values["created"] == {"2025-03-01T08:00:00Z"}
    assert values["rsid_root"] == {"00A1B2C3"}
    assert {"00A1B2C3", "0011AA22", "00DEAD01"} <= values["rsid"]
    assert values["docid_w14"] == {"1A2B3C4D"}
    assert _normalized(extracted)["docid_w15"] == {"6F1D3E22111122223333444455556666"}
    assert values["company"] == {"某某建设有限公司"}
    assert values["template"] == {"投标模板.dotm"}
    assert values["app_version"] == {"16.0000"}
    assert values["kso_product_build_ver"] == {"2052-11.1.0.14309"}
    assert values["wps_icv"] == {"8E5B9C3F1A2B4C5D6E7F8091A2B3C4D5"}
    assert values["attached_template"] == {r"file:///C:\Users\zhangsan\Templates\投标模板.dotm"}
    assert values["comment_author"] == {"王审核"}
    assert values["revision_author"] == {"赵修订"}
    assert len(values["image"]) == 1 and next(iter(values["image"])).startswith("pixels:")


def test_docx_blocks_carry_headings_and_page_locator(tmp_path: Path) -> None:
    synth.write_docx(
        tmp_path / "a.docx",
        [("第一章 施工方案", 1), "第一页正文。", "\f", ("第二章 质量", 1), "第二页正文。"],
        tables=[[["项目", "数量"], ["挖土方", "120"]]],
    )
    extracted = extract_file(tmp_path, "a.docx")
    headings = [(b.text, b.heading_level, b.page) for b in extracted.blocks if b.kind == "heading"]
    assert headings == [("第一章 施工方案", 1, 1), ("第二章 质量", 1, 2)]
    rows = [b.cells for b in extracted.blocks if b.kind == "table"]
    assert ("挖土方", "120") in rows
    indexes = [b.index for b in extracted.blocks]
    assert indexes == sorted(indexes) and len(set(indexes)) == len(indexes)
    assert extracted.pages == 2


def test_pdf_signature_fields_read_back(tmp_path: Path) -> None:
    image = synth.make_png(3, size=64)
    synth.write_pdf(
        tmp_path / "a.pdf",
        [[("第一章 施工部署", 1), "本工程计划工期180日历天。"], ["第二页正文内容。"]],
        metadata={
            "author": "张工",
            "creator": "WPS 文字",
            "producer": "某PDF引擎",
            "title": "技术标",
        },
        pdf_id=("0123456789ABCDEF0123456789ABCDEF", "FEDCBA9876543210FEDCBA9876543210"),
        xmp={
            "DocumentID": "uuid:11111111-2222-3333-4444-555555555555",
            "InstanceID": "uuid:66666666-7777-8888-9999-000000000000",
            "OriginalDocumentID": "xmp.did:ABCDEF0123",
        },
        images=[image],
    )
    extracted = extract_file(tmp_path, "a.pdf")
    assert extracted.status == "ok", extracted.error
    assert extracted.pages == 2
    values = _values(extracted)
    norm = _normalized(extracted)
    assert values["author"] == {"张工"}
    assert values["creator"] == {"WPS 文字"}
    assert values["producer"] == {"某PDF引擎"}
    assert norm["pdf_id_0"] == {"0123456789ABCDEF0123456789ABCDEF"}
    assert norm["pdf_id_1"] == {"FEDCBA9876543210FEDCBA9876543210"}
    assert norm["xmp_document_id"] == {"11111111222233334444555555555555"}
    assert norm["xmp_instance_id"] == {"66666666777788889999000000000000"}
    assert norm["xmp_original_document_id"] == {"ABCDEF0123"}
    assert len(values["image"]) == 1
    assert extracted.fonts  # the CJK font is listed without its subset tag
    assert all("+" not in font[:7] for font in extracted.fonts)
    headings = [(b.text, b.page) for b in extracted.blocks if b.heading_level]
    assert ("第一章 施工部署", 1) in headings
    assert any("180日历天" in b.text and b.page == 1 for b in extracted.blocks)


def test_pdf_without_id_has_no_id_fields(tmp_path: Path) -> None:
    synth.write_pdf(tmp_path / "a.pdf", [["正文"]])
    fields = {s.field for s in extract_file(tmp_path, "a.pdf").signatures}
    assert not fields & {"pdf_id_0", "pdf_id_1"}


def test_pdf_priced_table_rows_become_cells(tmp_path: Path) -> None:
    rows = [
        ["项目编码", "项目名称", "单位", "工程量", "综合单价", "合价"],
        ["010101001001", "平整场地", "m2", "1200", "3.50", "4200.00"],
    ]
    synth.write_pdf(tmp_path / "a.pdf", [["工程量清单报价表", ("table", rows)]])
    cells = [b.cells for b in extract_file(tmp_path, "a.pdf").blocks if b.kind == "table"]
    assert ("010101001001", "平整场地", "m2", "1200", "3.50", "4200.00") in cells


def test_format_is_decided_by_content_not_name(tmp_path: Path) -> None:
    synth.write_docx(tmp_path / "really-docx.pdf", ["这是一个 Word 文件。"])
    synth.write_pdf(tmp_path / "really-pdf.docx", [["这是一个 PDF 文件。"]])
    as_docx = extract_file(tmp_path, "really-docx.pdf")
    as_pdf = extract_file(tmp_path, "really-pdf.docx")
    assert (as_docx.format, as_docx.status) == ("docx", "ok")
    assert (as_pdf.format, as_pdf.status) == ("pdf", "ok")
    assert "实际内容为 DOCX" in as_docx.error
    assert "实际内容为 PDF" in as_pdf.error


def test_trailer_id_as_literal_or_hex_strings() -> None:
    from collusion.extract.pdf import parse_trailer_id

    # PyMuPDF writes printable id bytes as a literal string: order must hold.
    assert parse_trailer_id("[(ZZZZ)<00FF>]") == ["5A5A5A5A", "00FF"]
    assert parse_trailer_id("[<ab cd><EF01>]") == ["ABCD", "EF01"]
    assert parse_trailer_id(r"[(a\)\051)(x(y)z)]") == ["612929", "782879297A"]
    assert parse_trailer_id("null") == []


def test_printable_pdf_id_reads_back_in_order(tmp_path: Path) -> None:
    synth.write_pdf(tmp_path / "a.pdf", [["正文"]], pdf_id=("5A" * 16, "0" * 32))
    ids = {s.field: s.normalized for s in extract_file(tmp_path, "a.pdf").signatures}
    assert ids["pdf_id_0"] == "5A" * 16
    assert ids["pdf_id_1"] == "0" * 32


def _numbered_docx(path: Path, label: str, fmt: str, paragraphs: list[str]) -> None:
    """A DOCX whose paragraphs use a list definition with the given label."""
    import docx
    from docx.oxml import parse_xml as oxml
    from docx.oxml.ns import nsdecls

    document = docx.Document()
    numbering = document.part.numbering_part.element
    numbering.append(
        oxml(
            f'<w:abstractNum {nsdecls("w")} w:abstractNumId="90"><w:lvl w:ilvl="0">'
            f'<w:start w:val="1"/><w:numFmt w:val="{fmt}"/><w:lvlText w:val="{label}"/>'
            "</w:lvl></w:abstractNum>"
        )
    )
    numbering.append(
        oxml(f'<w:num {nsdecls("w")} w:numId="90"><w:abstractNumId w:val="90"/></w:num>')
    )
    for text in paragraphs:
        paragraph = document.add_paragraph(text)
        paragraph._p.get_or_add_pPr().append(
            oxml(f'<w:numPr {nsdecls("w")}><w:ilvl w:val="0"/><w:numId w:val="90"/></w:numPr>')
        )
        document.add_paragraph("本章正文内容，采用常规段落样式书写，不是标题。")
    document.save(path)


def test_docx_chapter_numbering_marks_headings(tmp_path: Path) -> None:
    _numbered_docx(tmp_path / "a.docx", "第%1章", "chineseCounting", ["施工部署", "质量保证措施"])
    blocks = extract_file(tmp_path, "a.docx").blocks
    headings = [(b.text, b.heading_level) for b in blocks if b.kind == "heading"]
    assert headings == [("施工部署", 1), ("质量保证措施", 1)]


def test_docx_numbered_list_items_stay_body_text(tmp_path: Path) -> None:
    _numbered_docx(
        tmp_path / "a.docx",
        "%1.",
        "decimal",
        ["钢筋进场时应按批次见证取样送检。", "模板支撑体系验收合格后方可浇筑"],
    )
    blocks = extract_file(tmp_path, "a.docx").blocks
    assert [b for b in blocks if b.kind == "heading"] == []
