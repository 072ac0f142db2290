"""One pass over a PDF's pages: images and fonts listed once per shared
/Resources object find what listing them on every page finds."""

from __future__ import annotations

import re
from pathlib import Path

import pymupdf

from collusion.extract import images
from collusion.extract.pdf import read_pdf
from collusion.settings import ExtractSettings
from tools import synth


def shared_resources_pdf(path: Path) -> Path:
    """Pages 1-3 share one /Resources object (one picture, one font); page 4
    has its own with a second picture and a second font; page 5 inherits."""
    doc = pymupdf.open()
    for n in range(4):
        page = doc.new_page()
        page.insert_text((72, 100), f"第{n + 1}页 正文", fontname="china-s", fontsize=11)
        page.insert_image(pymupdf.Rect(72, 120, 168, 216), stream=synth.smooth_png(1))
    page = doc[3]
    page.insert_text((72, 300), "Times text", fontname="tiro", fontsize=11)
    page.insert_image(pymupdf.Rect(72, 320, 168, 416), stream=synth.smooth_png(2))
    shared = doc.xref_get_key(doc[0].xref, "Resources")[1]
    for n in (1, 2):
        doc.xref_set_key(doc[n].xref, "Resources", shared)
    last = doc.new_page()
    last.insert_text((72, 100), "第五页", fontname="china-s", fontsize=11)
    doc.save(path, garbage=1)
    return path


def every_page(path: Path) -> tuple[set[str], set[str]]:
    """Image prints and font names, listing every page (the reference)."""
    prints, fonts = set(), set()
    with pymupdf.open(path) as doc:
        for page in doc:
            for image in page.get_images(full=True):
                printed = images.from_pdf(doc, image[0], image[2], image[3])
                if printed is not None:
                    prints.add(printed.value)
            for font in page.get_fonts():
                name = font[3]
                fonts.add(name.split("+", 1)[1] if re.match(r"^[A-Z]{6}\+", name) else name)
    return prints, {f for f in fonts if f}


def test_shared_resources_list_the_same_images_and_fonts(tmp_path: Path) -> None:
    path = shared_resources_pdf(tmp_path / "shared.pdf")
    with pymupdf.open(path) as doc:
        refs = [doc.xref_get_key(page.xref, "Resources") for page in doc]
    assert refs[0] == refs[1] == refs[2] and refs[0][0] == "xref"  # the layout under test
    assert refs[3] != refs[0]
    content = read_pdf(path, "shared.pdf", ExtractSettings())
    prints, fonts = every_page(path)
    assert len(prints) == 2
    assert {s.normalized for s in content.signatures if s.field == images.FIELD} == prints
    assert set(content.fonts) == fonts
    assert len(fonts) == 2


def test_a_file_mupdf_opens_as_another_format_is_read_without_crashing(tmp_path: Path) -> None:
    """MuPDF opens an Office file handed over as a PDF as what it is; its
    pages have no PDF objects to share resources by."""
    docx = synth.write_docx(tmp_path / "a.docx", ["正文一段"])
    content = read_pdf(Path("a.pdf"), "a.pdf", ExtractSettings(), data=docx.read_bytes())
    assert "正文一段" in "".join(b.text for b in content.blocks)
