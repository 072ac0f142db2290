"""Generated pictures that look alike: company logos drawn from one template and
electronic seals, each naming a different company, and copies of one picture
re-encoded or re-scaled.

What honest bidders' documents hold and what must never be taken for one
picture: two companies whose designer used the same logo template (a coloured
square with 工程 in it and the company name beside it), and every company's
electronic seal (a red circle, a star in the middle, the company name around
it). What a copied document holds: the same picture saved again as JPEG, or
scaled. Drawn with PyMuPDF and its built-in Chinese font, so that the files
are real PNG and JPEG that any viewer opens; deterministic for a given
company name and seed.
"""

from __future__ import annotations

import math
import random

import pymupdf

CJK_FONT = "china-s"  # PyMuPDF's built-in Simplified Chinese font
RED = (0.85, 0.1, 0.1)

# Chinese characters company names are drawn from, so that a set of names
# differs as real ones do: in a few characters of the same length.
PLACE_NAMES = (
    "中山", "江门", "佛山", "珠海", "清远", "肇庆", "惠州", "东莞", "韶关", "湛江",
    "茂名", "汕头", "潮州", "揭阳", "梅州", "河源", "阳江", "云浮", "深圳", "广州",
)  # fmt: skip
TRADE_NAMES = (
    "宏达", "恒基", "粤通", "南华", "鸿锦", "正泰", "城建", "建华", "顺联", "金鼎",
    "利和", "华信", "永安", "新力", "盛世", "安达", "中誉", "信和", "宏图", "远景",
)  # fmt: skip
KINDS = ("建设工程有限公司", "市政工程有限公司", "建筑工程有限公司", "路桥建设有限公司")


def company_names(count: int, seed: int) -> list[str]:
    """``count`` different company names of one shape (place, trade name, kind)."""
    rng = random.Random(seed)
    names: list[str] = []
    seen: set[str] = set()
    while len(names) < count:
        name = rng.choice(PLACE_NAMES) + "市" + rng.choice(TRADE_NAMES) + rng.choice(KINDS)
        if name not in seen:
            seen.add(name)
            names.append(name)
    return names


def _render(page: pymupdf.Page, dpi: int) -> pymupdf.Pixmap:
    return page.get_pixmap(dpi=dpi, colorspace=pymupdf.csRGB, alpha=False)


def logo_pixmap(company: str, *, colour: tuple[float, float, float] = (0.12, 0.3, 0.6),
                dpi: int = 96) -> pymupdf.Pixmap:  # fmt: skip
    """A logo from one template: a coloured square with 工程 in white and the
    company's name beside it, on white."""
    document = pymupdf.open()
    page = document.new_page(width=300, height=72)
    page.draw_rect(pymupdf.Rect(6, 6, 66, 66), color=colour, fill=colour)
    page.insert_text((14, 44), "工程", fontsize=22, fontname=CJK_FONT, color=(1, 1, 1))
    short = company.replace("有限公司", "")
    page.insert_text((76, 42), short, fontsize=17, fontname=CJK_FONT, color=colour)
    page.insert_text((76, 60), "ENGINEERING", fontsize=8, fontname="helv", color=colour)
    pix = _render(page, dpi)
    document.close()
    return pix


def seal_pixmap(company: str, *, dpi: int = 96, seal_text: str = "投标专用章") -> pymupdf.Pixmap:
    """An electronic seal: a red ring, a red star in the middle, the company's
    name around the upper arc and the seal's use below the star."""
    document = pymupdf.open()
    size = 160
    page = document.new_page(width=size, height=size)
    centre = pymupdf.Point(size / 2, size / 2)
    page.draw_circle(centre, 74, color=RED, width=4)
    page.draw_polyline(_star(centre, 22, 9), color=RED, fill=RED, closePath=True)
    _text_on_arc(page, company, centre, radius=58, fontsize=14)
    width = pymupdf.get_text_length(seal_text, fontname=CJK_FONT, fontsize=11)
    page.insert_text((centre.x - width / 2, centre.y + 44), seal_text, fontsize=11,
                     fontname=CJK_FONT, color=RED)  # fmt: skip
    pix = _render(page, dpi)
    document.close()
    return pix


def _star(centre: pymupdf.Point, outer: float, inner: float) -> list[pymupdf.Point]:
    points = []
    for i in range(10):
        radius = outer if i % 2 == 0 else inner
        angle = -math.pi / 2 + i * math.pi / 5
        points.append(
            pymupdf.Point(centre.x + radius * math.cos(angle), centre.y + radius * math.sin(angle))
        )
    return points


def _text_on_arc(
    page: pymupdf.Page, text: str, centre: pymupdf.Point, radius: float, fontsize: float
) -> None:
    """Each character upright to the circle, spread over the upper 240 degrees."""
    span = math.radians(240)
    step = span / max(len(text) - 1, 1)
    start = -math.pi / 2 - span / 2
    for i, char in enumerate(text):
        angle = start + i * step
        x = centre.x + radius * math.cos(angle)
        y = centre.y + radius * math.sin(angle)
        rotation = math.degrees(angle) + 90
        origin = pymupdf.Point(x - fontsize / 2, y + fontsize / 2)
        page.insert_text(origin, char, fontsize=fontsize, fontname=CJK_FONT, color=RED,
                         morph=(pymupdf.Point(x, y), pymupdf.Matrix(-rotation)))  # fmt: skip


def png(pix: pymupdf.Pixmap) -> bytes:
    return pix.tobytes("png")


def jpeg(pix: pymupdf.Pixmap, quality: int = 75) -> bytes:
    """The picture saved again as JPEG (what a PDF writer or a re-save does)."""
    return pix.tobytes("jpg", jpg_quality=quality)


def rescaled(pix: pymupdf.Pixmap, factor: float) -> pymupdf.Pixmap:
    """The picture scaled by ``factor`` (what pasting it at another size does)."""
    width = max(1, round(pix.width * factor))
    height = max(1, round(pix.height * factor))
    return pymupdf.Pixmap(pix, width, height, None)
