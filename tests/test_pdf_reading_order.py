"""PDF text read in reading order even when the file draws its glyphs out of order."""

from __future__ import annotations

import random
from pathlib import Path

import pymupdf
from conftest import plan_paragraphs

from collusion.extract.pdf import read_pdf
from collusion.settings import ExtractSettings

FONT = "china-s"
SIZE = 11.0
LEFT, TOP, RIGHT, BOTTOM = 72.0, 80.0, 523.0, 770.0
LEADING = 1.6  # baseline to baseline, in font sizes


def write_shuffled_pdf(path: Path, paragraphs: list[str], seed: int) -> Path:
    """A PDF showing the paragraphs as normal lines, each glyph drawn on its
    own at its place, the glyphs of a page drawn in shuffled order."""
    font = pymupdf.Font(FONT)
    doc = pymupdf.open()
    placed: list[list[tuple[float, float, str]]] = [[]]
    y = TOP
    for paragraph in paragraphs:
        x = LEFT
        for char in paragraph:
            width = font.text_length(char, SIZE)
            if x + width > RIGHT:
                x, y = LEFT, y + SIZE * LEADING
            if y > BOTTOM:
                placed.append([])
                x, y = LEFT, TOP
            placed[-1].append((x, y, char))
            x += width
        y += SIZE * LEADING * 1.5
    rng = random.Random(seed)
    for glyphs in placed:
        page = doc.new_page()
        rng.shuffle(glyphs)
        for x, gy, char in glyphs:
            page.insert_text((x, gy), char, fontname=FONT, fontsize=SIZE)
    path.parent.mkdir(parents=True, exist_ok=True)
    doc.save(path)
    doc.close()
    return path


def body_text(items: list) -> list[str]:
    return [item for item in items if isinstance(item, str)]


def test_shuffled_glyphs_read_in_reading_order(tmp_path: Path) -> None:
    paragraphs = body_text(plan_paragraphs(3, "中山市甲建设有限公司"))[:4]
    path = write_shuffled_pdf(tmp_path / "shuffled.pdf", paragraphs, seed=1)
    with pymupdf.open(path) as document:
        dict_order = "".join(
            span["text"]
            for block in document[0].get_text("dict", sort=True)["blocks"]
            for line in block["lines"]
            for span in line["spans"]
        )
    expected = "".join(paragraphs)
    assert paragraphs[0][:20] not in dict_order  # MuPDF's drawing order is scrambled
    content = read_pdf(path, "shuffled.pdf", ExtractSettings())
    read = "".join(b.text.replace("\n", "") for b in content.blocks)
    assert read == expected.replace(" ", "")
    assert len(content.blocks) == len(paragraphs)  # the gaps between paragraphs kept


def test_ordinary_pages_are_not_reread(tmp_path: Path, project) -> None:  # noqa: ANN001
    path = project.pdf("b01", "技术标.pdf", [plan_paragraphs(5, "中山市乙建设有限公司")])
    content = read_pdf(path, "技术标.pdf", ExtractSettings())
    assert any(b.kind == "heading" for b in content.blocks)  # sizes kept from the one pass
    with pymupdf.open(path) as document:
        plain = "".join("".join(p.get_text().split()) for p in document)
    assert "".join("".join(b.text.split()) for b in content.blocks) == plain


def test_copy_drawn_in_shuffled_glyph_order_is_found(project, scan) -> None:  # noqa: ANN001
    companies = {f"b0{n}": f"中山市第{n}建设有限公司" for n in range(1, 6)}
    for n, (bidder, company) in enumerate(sorted(companies.items()), start=1):
        project.bidder(bidder, company)
        if bidder != "b02":
            project.pdf(bidder, "技术标.pdf", [plan_paragraphs(100 + n, company)])
    source = plan_paragraphs(101, companies["b01"])
    copied = body_text(source)[:6]
    own = body_text(plan_paragraphs(102, companies["b02"]))[:4]
    write_shuffled_pdf(project.root / "bids" / "b02" / "技术标.pdf", own + copied, seed=7)
    report = scan(project.write())
    alerts = [a for a in report["alerts"] if a["kind"] == "near_duplicate_text"]
    assert [a["bidders"] for a in alerts] == [["b01", "b02"]]
    copier = [e for e in alerts[0]["evidence"] if e["bidder"] == "b02"]
    assert copier and all(e["file"] == "bids/b02/技术标.pdf" and e["page"] for e in copier)
    flat = "".join(copied)
    assert all("".join(e["excerpt"].rstrip("…").split()) in flat for e in copier)
