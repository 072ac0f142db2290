"""DOC and WPS: text through LibreOffice, OLE properties as signature codes,
and a clear reason when LibreOffice is missing or the file is locked."""

from __future__ import annotations

import shutil
from pathlib import Path

import olefile
import pytest
from conftest import ProjectBuilder, plan_paragraphs
from formats_support import SOFFICE, convert, copy_second_section

from collusion.extract import extract_file
from tools import synth

pytestmark = pytest.mark.skipif(
    SOFFICE is None,
    reason="LibreOffice (soffice) is not installed: apt-get install libreoffice-writer-nogui "
    "(.ci/run installs it); it writes the test DOC files and reads their text",
)


def make_doc(folder: Path, name: str, paragraphs: list, **codes) -> Path:  # noqa: ANN003
    """A real Word 97-2003 file: a python-docx DOCX saved as DOC by LibreOffice."""
    source = synth.write_docx(folder / ".src" / f"{Path(name).stem}.docx", paragraphs, **codes)
    doc = convert(source, "doc", folder / ".out")
    target = folder / name
    target.parent.mkdir(parents=True, exist_ok=True)
    doc.rename(target)
    shutil.rmtree(folder / ".src")
    shutil.rmtree(folder / ".out")
    return target


def test_doc_text_headings_and_properties(tmp_path: Path) -> None:
    paragraphs = plan_paragraphs(5, "甲建设公司")
    make_doc(
        tmp_path, "技术标.doc", paragraphs, core={"author": "赵工", "last_modified_by": "钱工"}
    )
    file = extract_file(tmp_path, "技术标.doc")
    assert file.status == "ok" and file.format == "doc" and file.error is None
    headings = [b.text for b in file.blocks if b.kind == "heading"]
    assert headings == [p[0] for p in paragraphs if isinstance(p, tuple)]
    body = [b.text for b in file.blocks if b.kind == "para"]
    assert body == [p for p in paragraphs if isinstance(p, str)]
    codes = {s.field: s.value for s in file.signatures}
    assert codes["author"] == "赵工" and codes["last_modified_by"] == "钱工"
    assert "created" in codes and all(s.source == "doc" for s in file.signatures)


def test_wps_name_is_the_same_format(tmp_path: Path) -> None:
    make_doc(tmp_path, "商务标.wps", ["正文一段，用于检验 WPS 扩展名。"])
    file = extract_file(tmp_path, "商务标.wps")
    assert file.format == "doc" and file.status == "ok" and file.error is None


def test_without_libreoffice_the_reason_says_how_to_install(tmp_path: Path, monkeypatch) -> None:
    make_doc(tmp_path, "a.doc", ["正文"], core={"author": "赵工"})
    monkeypatch.setenv("PATH", str(tmp_path / "no-programs-here"))
    file = extract_file(tmp_path, "a.doc")
    assert file.status == "no_text" and "apt-get install libreoffice-writer-nogui" in file.error
    assert {s.field: s.value for s in file.signatures}["author"] == "赵工"


def test_encrypted_doc_is_an_error_with_its_reason(tmp_path: Path) -> None:
    path = make_doc(tmp_path, "a.doc", ["正文"])
    with olefile.OleFileIO(str(path), write_mode=True) as ole:
        stream = bytearray(ole.openstream("WordDocument").read())
        stream[0x0B] |= 0x01  # fEncrypted, bit 8 of the FIB flags word at 0x0A
        ole.write_stream("WordDocument", bytes(stream))
    file = extract_file(tmp_path, "a.doc")
    assert file.status == "error" and "已加密" in file.error


def test_section_copied_from_docx_into_doc_is_near_duplicate(project: ProjectBuilder, scan) -> None:
    source = plan_paragraphs(21, "甲建设公司")
    project.docx("b1", "技术标.docx", source)
    make_doc(
        project.bidder("b2"),
        "技术标.doc",
        copy_second_section(source, plan_paragraphs(22, "乙建设公司")),
    )
    project.docx("b3", "技术标.docx", plan_paragraphs(23, "丙建设公司"))
    report = scan(project.write())
    near = [a for a in report["alerts"] if a["kind"] == "near_duplicate_text"]
    assert [a["bidders"] for a in near] == [["b1", "b2"]]
    doc_side = [e for e in near[0]["evidence"] if e["file"] == "bids/b2/技术标.doc"]
    assert doc_side and all(e["excerpt"] and e["paragraph"] is not None for e in doc_side)
