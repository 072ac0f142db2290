"""Images by content: one picture in a DOCX and a PDF is one value; public pictures are set aside."""

from __future__ import annotations

from pathlib import Path

import pymupdf
from conftest import ProjectBuilder

from collusion.extract import extract_file, images
from tools import synth


def _image_values(path: Path, name: str) -> set[str]:
    return {s.normalized for s in extract_file(path, name).signatures if s.field == "image"}


def test_the_same_image_in_a_docx_and_a_pdf_is_one_value(tmp_path: Path) -> None:
    logo = synth.make_png(11, size=64)
    synth.write_docx(tmp_path / "a.docx", ["甲"], images=[logo])
    synth.write_pdf(tmp_path / "b.pdf", [["乙"]], images=[logo])
    in_docx, in_pdf = _image_values(tmp_path, "a.docx"), _image_values(tmp_path, "b.pdf")
    assert in_docx and in_docx == in_pdf
    synth.write_pdf(tmp_path / "c.pdf", [["丙"]], images=[synth.make_png(12, size=64)])
    assert _image_values(tmp_path, "c.pdf") != in_docx


def test_a_recompressed_copy_is_joined_by_its_perceptual_hash(tmp_path: Path) -> None:
    png = synth.smooth_png(3)
    jpeg = pymupdf.Pixmap(png).tobytes("jpeg", jpg_quality=75)
    a = images.signature(images.from_bytes(png), "a.docx", "docx")
    b = images.signature(images.from_bytes(jpeg), "b.pdf", "pdf")
    other = images.signature(images.from_bytes(synth.smooth_png(4)), "c.pdf", "pdf")
    assert a.normalized != b.normalized  # the pixels differ a little
    joined = images.near_identical([a, b, other])
    assert joined == {max(a.normalized, b.normalized): min(a.normalized, b.normalized)}


def test_a_private_logo_shared_across_formats_is_one_alert(project: ProjectBuilder, scan) -> None:
    logo = synth.smooth_png(21)
    project.docx("b1", "技术标.docx", ["甲公司方案"], images=[logo])
    project.pdf("b2", "技术标.pdf", [["乙公司方案"]], images=[logo])
    project.docx("b3", "技术标.docx", ["丙公司方案"], images=[synth.smooth_png(22)])
    report = scan(project.write())
    [alert] = [a for a in report["alerts"] if a["details"].get("field") == "image"]
    assert alert["bidders"] == ["b1", "b2"]


def test_an_image_in_5_of_12_bidders_is_public_and_ignored(project: ProjectBuilder, scan) -> None:
    emblem = synth.smooth_png(31)
    for n in range(1, 13):
        bidder = f"b{n:02d}"
        pictures = [emblem] if n <= 5 else [synth.smooth_png(100 + n)]
        if n % 2:
            project.docx(bidder, "资格.docx", [f"第{n}家资格文件"], images=pictures)
        else:
            project.pdf(bidder, "资格.pdf", [[f"第{n}家资格文件"]], images=pictures)
    report = scan(project.write())
    assert not [a for a in report["alerts"] if a["details"].get("field") == "image"]
    [row] = [r for r in report["ignored_signatures"] if r["field"] == "image"]
    assert row["bidders"] == ["b01", "b02", "b03", "b04", "b05"]
    assert "5/12" in row["reason"] and "公共图片" in row["reason"]
