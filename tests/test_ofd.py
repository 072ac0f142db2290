"""OFD: text per page in reading order, headings, signature codes, safety,
and every real OFD of the shared corpora read or given a clear reason."""

from __future__ import annotations

import random
import zipfile
from pathlib import Path

import pytest
from conftest import REALWORLD, ProjectBuilder, plan_paragraphs
from formats_support import (
    OfdSignature,
    OfdSpec,
    certificate,
    copy_second_section,
    ses_signature,
    write_ofd,
    zip_bytes,
)
from lxml import etree

from collusion.extract import extract_file
from collusion.extract.ses import ses_codes
from collusion.settings import ExtractSettings
from tools import synth

PLAN = [
    ("第一章 工程概况", 1),
    "本工程位于城区东侧，道路全长约三千米，面层采用沥青混凝土。" * 3,
    ("第二章 施工方法", 1),
    "土方开挖采用挖掘机辅以人工清底，分层开挖厚度不超过两米。" * 2,
]


def _read(tmp_path: Path, name: str = "a.ofd"):  # noqa: ANN202
    return extract_file(tmp_path, name)


def test_text_headings_and_pages(tmp_path: Path) -> None:
    write_ofd(tmp_path / "a.ofd", PLAN)
    file = _read(tmp_path)
    assert file.status == "ok" and file.format == "ofd" and file.pages == 1
    headings = [b.text for b in file.blocks if b.kind == "heading"]
    assert headings == ["第一章 工程概况", "第二章 施工方法"]
    assert all(b.heading_level == 1 for b in file.blocks if b.kind == "heading")
    body = [b.text.replace("\n", "") for b in file.blocks if b.kind == "para"]
    assert body == [PLAN[1], PLAN[3]]
    assert file.chars == sum(len(b.text) for b in file.blocks)


def test_pieces_in_any_order_are_read_top_to_bottom_left_to_right(tmp_path: Path) -> None:
    write_ofd(tmp_path / "a.ofd", PLAN)
    with zipfile.ZipFile(tmp_path / "a.ofd") as archive:
        parts = {n: archive.read(n) for n in archive.namelist()}
    content = "Doc_0/Pages/Page_0/Content.xml"
    root = etree.fromstring(parts[content])
    layer = root[0][0]
    objects = list(layer)
    random.Random(7).shuffle(objects)
    for obj in objects:  # each line split into two pieces, the right one first
        code = obj[0]
        text = code.text
        size = float(obj.get("Size"))
        right = etree.SubElement(obj, code.tag, X=str(size * (len(text) // 2)), Y=code.get("Y"))
        right.text = text[len(text) // 2 :]
        code.text = text[: len(text) // 2]
        obj.remove(code)
        obj.append(code)
        layer.remove(obj)
        layer.append(obj)
    parts[content] = etree.tostring(root, xml_declaration=True, encoding="UTF-8")
    with zipfile.ZipFile(tmp_path / "b.ofd", "w") as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    assert [b.text for b in _read(tmp_path, "b.ofd").blocks] == [
        b.text for b in _read(tmp_path).blocks
    ]


def test_pages_follow_the_document_order(tmp_path: Path) -> None:
    paragraphs = [("第一章 概况", 1)] + [
        f"第{i}段。" + "施工内容说明文字。" * 20 for i in range(40)
    ]
    write_ofd(tmp_path / "a.ofd", paragraphs)
    file = _read(tmp_path)
    assert file.pages > 2
    pages = [b.page for b in file.blocks]
    assert pages == sorted(pages) and pages[0] == 1 and pages[-1] == file.pages
    assert "第39段" in file.blocks[-1].text


def test_signature_codes(tmp_path: Path) -> None:
    spec = OfdSpec(
        doc_id="ab12cd34ef5648789abc0123456789ef",
        creation_date="2025-03-01T09:30:12",
        mod_date="2025-03-02",
        author="张工",
        custom={"投标工具编号": "TB-7788"},
        signature=OfdSignature(seal_id="44010000123456", cert_serial=0x1A2B3C4D5E),
    )
    write_ofd(tmp_path / "a.ofd", PLAN, spec)
    codes = {s.field: s for s in _read(tmp_path).signatures}
    assert codes["ofd_doc_id"].value == spec.doc_id
    assert codes["ofd_created"].value == "2025-03-01T09:30:12"
    assert codes["ofd_modified_date"].value == "2025-03-02"  # a bare date: the weak field
    assert codes["author"].value == "张工"
    assert codes["creator"].value == "测试生成器" and codes["app_version"].value == "1.0"
    assert codes["custom:投标工具编号"].value == "TB-7788"
    assert codes["ofd_seal_id"].value == "44010000123456"
    assert codes["ofd_signer_cert_serial"].normalized == "1a2b3c4d5e"
    assert "测试签章人" in codes["ofd_signer_cert_serial"].value
    assert codes["ofd_signature_time"].value == "20250301093000.000Z"
    assert all(s.source == "ofd" for s in codes.values())


def test_pictures_are_signatures_by_what_they_show(project: ProjectBuilder, scan) -> None:
    logo = synth.make_png(5, size=64)
    write_ofd(
        project.bidder("b1") / "a.ofd",
        plan_paragraphs(1, "甲公司"),
        OfdSpec(doc_id="11111111111111111111111111111111", images=[logo]),
    )
    write_ofd(
        project.bidder("b2") / "a.ofd",
        plan_paragraphs(2, "乙公司"),
        OfdSpec(doc_id="22222222222222222222222222222222", images=[logo]),
    )
    project.docx("b3", "a.docx", plan_paragraphs(3, "丙公司"))
    report = scan(project.write())
    assert any(
        a["kind"] == "shared_signature"
        and a["bidders"] == ["b1", "b2"]
        and "image" in str(a["details"])
        for a in report["alerts"]
    )


def test_seal_makers_certificate_is_not_a_signer() -> None:
    codes = ses_codes(ses_signature(OfdSignature(seal_id="S1", cert_serial=77)))
    assert codes.seal_ids == ("S1",)
    assert [c.serial for c in codes.signer_certificates] == ["4D"]  # 77, not the maker's 0x5EA1


def test_garbage_der_gives_nothing() -> None:
    assert ses_codes(b"\x30\x84\xff\xff\xff\xff" + bytes(20)).seal_ids == ()
    assert ses_codes(certificate(5, "x")[:40]).signer_certificates == ()


def test_shared_seal_and_doc_id_are_shared_signatures(project: ProjectBuilder, scan) -> None:
    sign = OfdSignature(seal_id="44010000999999", cert_serial=0xABCDEF01)
    for bidder, seed in (("b1", 1), ("b2", 2)):
        write_ofd(
            project.bidder(bidder) / "商务标.ofd",
            plan_paragraphs(seed, f"{bidder}公司"),
            OfdSpec(signature=sign),
        )
    project.docx("b3", "技术标.docx", plan_paragraphs(3, "丙公司"))
    report = scan(project.write())
    fields = str([a["details"] for a in report["alerts"] if a["kind"] == "shared_signature"])
    for field in ("ofd_doc_id", "ofd_seal_id", "ofd_signer_cert_serial"):
        assert field in fields
    flagged = [p["bidders"] for p in report["pairs"] if p["flagged"]]
    assert flagged == [["b1", "b2"]]


def test_section_copied_from_docx_into_ofd_is_near_duplicate(project: ProjectBuilder, scan) -> None:
    source = plan_paragraphs(11, "甲建设公司")
    project.docx("b1", "技术标.docx", source)
    copied = copy_second_section(source, plan_paragraphs(12, "乙建设公司"))
    write_ofd(project.bidder("b2") / "技术标.ofd", copied)
    project.docx("b3", "技术标.docx", plan_paragraphs(13, "丙建设公司"))
    report = scan(project.write())
    near = [a for a in report["alerts"] if a["kind"] == "near_duplicate_text"]
    assert [a["bidders"] for a in near] == [["b1", "b2"]]
    ofd_side = [e for e in near[0]["evidence"] if e["file"] == "bids/b2/技术标.ofd"]
    assert ofd_side and all(e["page"] for e in ofd_side)
    assert all(e["excerpt"] for e in near[0]["evidence"])


def test_dtd_in_any_part_is_refused(tmp_path: Path) -> None:
    write_ofd(tmp_path / "a.ofd", PLAN)
    with zipfile.ZipFile(tmp_path / "a.ofd") as archive:
        parts = {n: archive.read(n) for n in archive.namelist()}
    laughs = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        b'<!ENTITY lol2 "&lol;&lol;&lol;">]>'
    )
    parts["Doc_0/Document.xml"] = laughs + parts["Doc_0/Document.xml"].split(b"?>", 1)[1]
    (tmp_path / "b.ofd").write_bytes(zip_bytes(parts))
    file = _read(tmp_path, "b.ofd")
    assert file.status == "refused" and "DTD" in file.error


def test_decompression_bomb_is_refused(tmp_path: Path) -> None:
    write_ofd(tmp_path / "a.ofd", PLAN)
    with zipfile.ZipFile(tmp_path / "a.ofd") as archive:
        parts = {n: archive.read(n) for n in archive.namelist()}
    parts["Doc_0/Res/huge.bin"] = bytes(3 * 1024 * 1024)
    (tmp_path / "b.ofd").write_bytes(zip_bytes(parts))
    settings = ExtractSettings(max_docx_part_bytes=1024 * 1024)
    file = extract_file(tmp_path, "b.ofd", settings)
    assert file.status == "refused" and "压缩炸弹" in file.error


def test_missing_pages_and_document_are_reasons_not_crashes(tmp_path: Path) -> None:
    write_ofd(tmp_path / "a.ofd", PLAN)
    with zipfile.ZipFile(tmp_path / "a.ofd") as archive:
        parts = {n: archive.read(n) for n in archive.namelist()}
    del parts["Doc_0/Pages/Page_0/Content.xml"]
    (tmp_path / "b.ofd").write_bytes(zip_bytes(parts))
    file = _read(tmp_path, "b.ofd")
    assert file.status == "no_text" and "第 1 页的内容文件" in file.error
    del parts["Doc_0/Document.xml"]
    (tmp_path / "c.ofd").write_bytes(zip_bytes(parts))
    assert "文档入口" in _read(tmp_path, "c.ofd").error
    parts["OFD.xml"] = b"<ofd:OFD xmlns:ofd='x'><broken"
    (tmp_path / "d.ofd").write_bytes(zip_bytes(parts))
    broken = _read(tmp_path, "d.ofd")
    assert broken.status == "error" and "OFD.xml 不是有效的 XML" in broken.error


def test_page_limit_gives_partial(tmp_path: Path) -> None:
    paragraphs = [f"第{i}段。" + "施工内容说明文字。" * 20 for i in range(60)]
    write_ofd(tmp_path / "a.ofd", paragraphs)
    file = extract_file(tmp_path, "a.ofd", ExtractSettings(max_pages=2))
    assert file.status == "partial" and "只分析了前 2 页" in file.error
    assert max(b.page for b in file.blocks) == 2


OFD_CORPUS = sorted((REALWORLD / "ofd").glob("*.ofd"))


@pytest.mark.skipif(not OFD_CORPUS, reason=f"no OFD corpus at {REALWORLD / 'ofd'}")
def test_every_realworld_ofd_reads_to_text_or_a_clear_reason() -> None:
    statuses = {}
    for path in OFD_CORPUS:
        file = extract_file(path.parent, path.name)
        statuses[path.name] = file.status
        assert file.format == "ofd", file
        if file.status == "ok":
            assert file.chars > 0 and file.blocks
        else:
            assert file.status == "no_text" and file.error.startswith("OFD 页面"), file
        assert "Traceback" not in (file.error or "") and "解析失败" not in (file.error or "")
    assert sum(s == "ok" for s in statuses.values()) >= 30, statuses
    seal = extract_file(REALWORLD / "ofd", "ofdrw-reader__SESV4SignDoc.ofd")
    assert {"ofd_seal_id", "ofd_signer_cert_serial", "ofd_doc_id"} <= {
        s.field for s in seal.signatures
    }
