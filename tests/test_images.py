"""Images by content: identical pixels in a DOCX and a PDF are one value (相同); a
re-encoded or scaled copy is near-identical (近似) by its pixels; two companies'
look-alike logos and seals stay apart; public pictures are set aside."""

from __future__ import annotations

from pathlib import Path

import pymupdf
import pytest
from conftest import ProjectBuilder

from collusion.analysis.images import candidates, difference, image_refs, near_matches
from collusion.extract import extract_file, images
from collusion.settings import ImageSettings
from tools import pictures, synth


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


def test_a_recompressed_copy_is_near_identical_by_its_pixels(tmp_path: Path) -> None:
    png = synth.smooth_png(3)
    jpeg = pymupdf.Pixmap(png).tobytes("jpeg", jpg_quality=75)
    a = images.signature(images.from_bytes(png), "a.docx", "docx")
    b = images.signature(images.from_bytes(jpeg), "b.pdf", "pdf")
    other = images.signature(images.from_bytes(synth.smooth_png(4)), "c.pdf", "pdf")
    assert a.normalized != b.normalized  # the pixels differ a little
    [match] = near_matches(image_refs([a, b, other]), ImageSettings())
    assert {match.left, match.right} == {a.normalized, b.normalized}
    assert 0 < match.worst_block <= ImageSettings().max_block_difference


def test_a_rescaled_copy_is_compared_at_a_common_size() -> None:
    pix = pictures.seal_pixmap("中山市宏达建设工程有限公司")
    a = _ref(pictures.png(pix))
    b = _ref(pictures.png(pictures.rescaled(pix, 0.6)))
    match = difference(a, b, ImageSettings())
    assert (match.width, match.height) == (b.width, b.height)  # the smaller one's size
    assert match.worst_block <= ImageSettings().max_block_difference


@pytest.mark.parametrize("draw", [pictures.logo_pixmap, pictures.seal_pixmap], ids=["logo", "seal"])
def test_look_alikes_of_two_companies_stay_apart(draw) -> None:
    """One template, two names: the dHash barely tells them apart, the pixels do."""
    first, second = pictures.company_names(2, seed=7)
    a, b = _ref(pictures.png(draw(first))), _ref(pictures.png(draw(second)))
    assert (a.width, a.height) == (b.width, b.height)
    assert candidates(a, b, ImageSettings())  # the coarse hash proposes them...
    measured = difference(a, b, ImageSettings())
    assert measured.worst_block > 1.5 * ImageSettings().max_block_difference  # ...pixels refuse
    assert near_matches((a, b), ImageSettings()) == ()


def _ref(data: bytes):
    printed = images.from_bytes(data)
    assert printed is not None
    [found] = image_refs([images.signature(printed, "x.docx", "docx")])
    return found


def _image_alerts(report: dict) -> list[dict]:
    return [a for a in report["alerts"] if a["details"].get("field") in ("image", "image_near")]


@pytest.mark.parametrize("draw", [pictures.logo_pixmap, pictures.seal_pixmap], ids=["logo", "seal"])
def test_two_companies_look_alike_pictures_are_not_one_value(
    project: ProjectBuilder, scan, draw
) -> None:
    first, second, third = pictures.company_names(3, seed=11)
    project.docx("b1", "技术标.docx", ["甲公司方案"], images=[pictures.png(draw(first))])
    project.pdf("b2", "技术标.pdf", [["乙公司方案"]], images=[pictures.png(draw(second))])
    project.docx("b3", "技术标.docx", ["丙公司方案"], images=[pictures.png(draw(third))])
    report = scan(project.write())
    assert _image_alerts(report) == []
    assert not any(p["flagged"] for p in report["pairs"])


def test_a_re_encoded_logo_is_near_identical_with_its_difference(
    project: ProjectBuilder, scan
) -> None:
    """近似: the measured difference and both pixel hashes in the alert, and a
    lower weight than identical pixels (相同, here another logo in two bids)."""
    name, other, third = pictures.company_names(3, seed=5)
    logo, other_logo = pictures.logo_pixmap(name), pictures.logo_pixmap(other)
    project.docx("b1", "技术标.docx", ["甲公司方案"], images=[pictures.png(logo)])
    project.pdf("b2", "技术标.pdf", [["乙公司方案"]], images=[pictures.jpeg(logo, 70)])
    project.docx("b3", "技术标.docx", ["丙公司方案"], images=[pictures.png(other_logo)])
    project.pdf("b4", "技术标.pdf", [["丁公司方案"]], images=[pictures.png(other_logo)])
    third_logo = pictures.png(pictures.logo_pixmap(third))
    project.docx("b5", "技术标.docx", ["戊公司方案"], images=[third_logo])
    report = scan(project.write())
    by_field = {a["details"]["field"]: a for a in _image_alerts(report)}
    assert sorted(by_field) == ["image", "image_near"]
    near, same = by_field["image_near"], by_field["image"]
    assert near["bidders"] == ["b1", "b2"] and same["bidders"] == ["b3", "b4"]
    assert near["details"]["label"] == "内嵌图片（像素近似）"
    assert same["details"]["label"] == "内嵌图片（像素相同）"
    assert 0 < near["details"]["worst_block"] <= ImageSettings().max_block_difference
    hashes = near["details"]["pixel_hashes"]
    assert hashes["b1"] != hashes["b2"]
    assert all(h[0].startswith("pixels:") for h in hashes.values())
    assert "近似" in near["summary"] and f"{near['details']['worst_block']:g}" in near["summary"]
    assert all(h[0] in near["summary"] for h in hashes.values())
    assert near["weight"]["log10_lr"] < same["weight"]["log10_lr"]


def test_a_private_logo_shared_across_formats_is_one_alert(project: ProjectBuilder, scan) -> None:
    logo = synth.smooth_png(21)
    project.docx("b1", "技术标.docx", ["甲公司方案"], images=[logo])
    project.pdf("b2", "技术标.pdf", [["乙公司方案"]], images=[logo])
    project.docx("b3", "技术标.docx", ["丙公司方案"], images=[synth.smooth_png(22)])
    report = scan(project.write())
    [alert] = _image_alerts(report)
    assert alert["details"]["field"] == "image"
    assert alert["details"]["label"] == "内嵌图片（像素相同）"  # 相同: identical pixels
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
