"""PDF: text per page with heading levels from font size and weight, Info
metadata, trailer /ID, XMP ids, embedded image hashes, fonts, and the rows of
priced tables (PyMuPDF)."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path
from typing import NamedTuple

import pymupdf

from collusion.errors import ExtractionError
from collusion.extract import images as image_prints
from collusion.extract.pdf_tables import may_hold_priced_table, ruled, table_blocks
from collusion.extract.safexml import local_name, parse_xml
from collusion.keys import signature_key
from collusion.models import Block, SignatureValue
from collusion.settings import ExtractSettings

# A text block is a heading candidate when it is short and set larger or
# bolder than the body; the body size is the most common size by characters.
HEADING_MAX_CHARS = 60
HEADING_SIZE_RATIO = 1.15
BOLD_FLAG = 16
# Images below this many pixels are rules, bullets and spacer pixels.
MIN_IMAGE_PIXELS = 32 * 32
_INFO_FIELDS = {
    "author": "author",
    "creator": "creator",
    "producer": "producer",
    "title": "title",
    "creationDate": "created",
}
_XMP_FIELDS = {
    "DocumentID": "xmp_document_id",
    "InstanceID": "xmp_instance_id",
    "OriginalDocumentID": "xmp_original_document_id",
}
# A /ID element is a hex string <...> or a literal string (...): PyMuPDF and
# others write printable id bytes as a literal. Literal strings may hold
# escaped or balanced parentheses.
_ID_ELEMENT = re.compile(
    r"<([0-9A-Fa-f\s]*)>|\(((?:\\.|[^\\()]|\((?:\\.|[^\\()])*\))*)\)", re.DOTALL
)
_LITERAL_ESCAPES = {
    "n": b"\n",
    "r": b"\r",
    "t": b"\t",
    "b": b"\b",
    "f": b"\f",
    "(": b"(",
    ")": b")",
    "\\": b"\\",
}


@dataclass(frozen=True)
class PdfContent:
    blocks: tuple[Block, ...]
    signatures: tuple[SignatureValue, ...]
    pages: int
    pages_read: int
    fonts: tuple[str, ...]
    repaired: bool = False  # MuPDF rebuilt a broken or truncated file to read it
    broken: str | None = None  # why page pages_read + 1 could not be read


def read_pdf(
    path: Path, rel: str, settings: ExtractSettings, data: bytes | None = None
) -> PdfContent:
    """Read one PDF (from ``data`` when given, else from path); raise
    ExtractionError with a reason a clerk can act on."""
    try:
        if data is None:
            data = Path(path).read_bytes()
        document = pymupdf.open(stream=data, filetype="pdf")
    except Exception as exc:  # MuPDF raises FileDataError, RuntimeError, ...
        raise ExtractionError(f"无法打开 PDF：文件损坏或不完整（{_mupdf_reason(exc)}）") from exc
    with document:
        # A file with only an owner password (restricting printing or
        # copying) opens without one and is read like any other.
        if document.needs_pass:
            raise ExtractionError("PDF 已加密，需要打开密码，无法读取")
        try:
            declared = document.page_count
        except Exception as exc:  # a /Count MuPDF cannot accept
            raise ExtractionError(f"PDF 页面树损坏（{_mupdf_reason(exc)}）") from exc
        if declared == 0:
            if getattr(document, "is_repaired", False):
                raise ExtractionError("PDF 结构损坏（如缺少文档目录），自动修复后仍找不到任何页面")
            raise ExtractionError("PDF 没有任何页面")
        pages_read = min(declared, settings.max_pages)
        pages = _read_pages(document, pages_read, settings)
        if pages.broken is not None:
            # A page tree that lies about its /Count or loops: the pages
            # before the first unreadable one are kept.
            if not pages.read:
                raise ExtractionError(f"PDF 页面树损坏，无法读取任何页面（{pages.broken}）")
            pages_read = pages.read
        blocks = _assign_headings(pages.blocks, pages.sizes)
        blocks += table_blocks(document, pages.table_pages, pages_read, len(blocks))
        signatures = (
            _info_signatures(document, rel)
            + _id_signatures(document, rel)
            + _xmp_signatures(document, rel)
            + [image_prints.signature(printed, rel, "pdf") for printed in pages.images]
        )
        unique = {(s.field, s.normalized): s for s in signatures}
        return PdfContent(
            blocks=tuple(blocks),
            signatures=tuple(unique[key] for key in sorted(unique)),
            pages=declared,
            pages_read=pages_read,
            fonts=pages.fonts,
            broken=pages.broken,
            repaired=bool(getattr(document, "is_repaired", False)),
        )


def _mupdf_reason(exc: Exception) -> str:
    """MuPDF's message, short, without any file path, quoted as what the
    parsing library reported (it is English, not our sentence)."""
    text = " ".join(str(exc).split()) or type(exc).__name__
    text = re.sub(r"'[^']*'", "", text)
    return f"解析库报告“{text[:200]}”"


class _RawBlock(NamedTuple):
    text: str
    page: int
    size: float
    bold: bool


@dataclass
class _Pages:
    """What one pass over the pages found: text blocks with their font sizes,
    the pages that may hold a priced table, image digests and font names."""

    blocks: list[_RawBlock] = field(default_factory=list)
    sizes: Counter = field(default_factory=Counter)
    table_pages: list[int] = field(default_factory=list)  # 0-based page numbers
    images: list[image_prints.ImagePrint] = field(default_factory=list)
    font_names: set[str] = field(default_factory=set)
    read: int = 0  # pages read
    broken: str | None = None  # why page read + 1 could not be read

    @property
    def fonts(self) -> tuple[str, ...]:
        return tuple(sorted(n for n in self.font_names if n))


def _read_pages(document: pymupdf.Document, pages_read: int, settings: ExtractSettings) -> _Pages:
    """Each of the first pages_read pages loaded once: its text, its images
    and its fonts; up to the first page that cannot be read (then also why)."""
    pages = _Pages()
    seen_images: set[int] = set()
    seen_resources: set[str] = set()
    for page_no in range(pages_read):
        try:
            page = document.load_page(page_no)
            data = page.get_text("dict", flags=pymupdf.TEXTFLAGS_TEXT, sort=True)
            read = _read_page(data, page_no + 1)
            priced = may_hold_priced_table(read.text)
            # Table cells may be drawn column by column: a ruled table's rows
            # are read by the table finder, never merged line by line here.
            if read.out_of_order and not ruled(page):
                data = _reading_order(page.get_text("rawdict", flags=pymupdf.TEXTFLAGS_TEXT))
                read = _read_page(data, page_no + 1)
        except (MemoryError, RecursionError):
            raise
        except Exception as exc:  # MuPDF: a page missing from a lying page tree
            pages.broken = _mupdf_reason(exc)
            return pages
        for size, n in read.sizes.items():  # Counter.update, without its checks
            pages.sizes[size] = pages.sizes.get(size, 0) + n
        pages.blocks.extend(read.blocks)
        if priced:
            pages.table_pages.append(page_no)
        resources = _shared_resources(document, page)
        if resources is None or resources not in seen_resources:
            # Pages sharing one /Resources object list the same images and fonts.
            _page_images(document, page, seen_images, pages.images, settings)
            _page_fonts(page, pages.font_names)
            if resources is not None:
                seen_resources.add(resources)
        pages.read = page_no + 1
    return pages


class _PageRead(NamedTuple):
    """One get_text("dict") page, read in one pass: its text blocks, the
    characters of each font size, its text span after span, and whether
    its glyphs were drawn out of order (below: reading order)."""

    blocks: list[_RawBlock]
    sizes: dict[float, int]
    text: str
    out_of_order: bool


def _read_page(data: dict, page: int) -> _PageRead:
    """The page's text blocks with their main font size and weight.

    The main size is the one carrying most characters (the first such size
    on a tie, in the order the spans come), as Counter.most_common gives it;
    ``sizes`` counts the characters of each size over the blocks kept, in
    the order the sizes come.

    On the way, the page is found drawn out of order when many lines
    interleave with, start left of, or abut the line before them on the
    same baseline: MuPDF joins glyphs drawn in reading order into one line,
    so these are glyphs drawn out of order.
    """
    blocks = []
    sizes: dict[float, int] = {}
    texts: list[str] = []  # every span's text, for the page text
    rounded: dict[float, float] = {}  # a page has few sizes: round each once
    last_end: dict[int, float] = {}  # baseline -> right end of its last line
    total = disordered = 0
    for block in data.get("blocks", ()):
        lines = []
        span_sizes: dict[float, int] = {}
        bold_chars = chars = 0
        for line in block.get("lines", ()):
            spans = line.get("spans", ())
            line_texts = []
            line_chars = 0
            for span in spans:
                span_text = span["text"]
                line_texts.append(span_text)
                n = len(span_text.strip())
                line_chars += n
                size = rounded.get(span["size"])
                if size is None:
                    size = rounded[span["size"]] = round(span["size"], 1)
                span_sizes[size] = span_sizes.get(size, 0) + n
                if span["flags"] & BOLD_FLAG:
                    bold_chars += n
            texts += line_texts
            lines.append("".join(line_texts))
            chars += line_chars
            if line_chars:
                x0, _, x1, y1 = line["bbox"]
                total += line_chars
                bucket = round(y1 / BASELINE_BUCKET)
                end = last_end.get(bucket)
                if end is None:
                    last_end[bucket] = x1
                else:
                    if x0 < end + ABUTTING * spans[0]["size"]:
                        disordered += line_chars
                    last_end[bucket] = max(x1, end or x1)
        text = "\n".join(lines).strip()
        if not text or not span_sizes:
            continue
        for size, n in span_sizes.items():
            sizes[size] = sizes.get(size, 0) + n
        main_size = max(span_sizes, key=span_sizes.__getitem__)
        blocks.append(_RawBlock(text, page, main_size, bold_chars * 2 > chars))
    out_of_order = total >= OUT_OF_ORDER_MIN_CHARS and disordered >= OUT_OF_ORDER_SHARE * total
    return _PageRead(blocks, sizes, "".join(texts), out_of_order)


# --- reading order of glyphs drawn out of order ------------------------------------
#
# MuPDF joins glyphs into lines in the order the content stream draws them. A
# file that draws each glyph of a line at its place but in shuffled order
# (one text object per glyph) shows normal text in a viewer while get_text
# returns lines of scattered glyphs: a copy hidden from comparison. Such a
# page is recognised by lines that interleave or step backwards on one
# baseline, and is then read again glyph by glyph in geometric order (top to
# bottom, left to right: a page in columns drawn out of order reads across).
BASELINE_BUCKET = 2.0  # points: lines whose bottoms are this close share a baseline
OUT_OF_ORDER_SHARE = 0.2  # of the page's characters, in interleaved or backward lines
OUT_OF_ORDER_MIN_CHARS = 10
ABUTTING = 0.3  # of the font size: a line starting this close after another continues it
SAME_GLYPH_TOLERANCE = 0.5  # points: a glyph drawn twice here (fake bold) counts once
LINE_TOLERANCE = 0.5  # of the font size: glyph baselines this close are one line
BLOCK_GAP = 1.8  # of the font size: a larger step between baselines starts a block
WORD_GAP = 0.12  # of the font size: a larger gap between Latin glyphs is a space


@dataclass(frozen=True)
class _Glyph:
    x: float  # origin (on the baseline)
    y: float
    width: float
    char: str
    size: float
    flags: int


def _glyphs(raw: dict) -> list[_Glyph]:
    """Every glyph of a rawdict page once (a glyph drawn twice in one place,
    as fake bold is, counts once)."""
    found: dict[tuple[str, int, int], _Glyph] = {}
    for block in raw.get("blocks", []):
        for line in block.get("lines", []):
            for span in line.get("spans", []):
                for char in span.get("chars", []):
                    c = char["c"]
                    if not c.strip():
                        continue
                    x, y = char["origin"]
                    key = (c, round(x / SAME_GLYPH_TOLERANCE), round(y / SAME_GLYPH_TOLERANCE))
                    width = char["bbox"][2] - char["bbox"][0]
                    found.setdefault(key, _Glyph(x, y, width, c, span["size"], span["flags"]))
    return sorted(found.values(), key=lambda g: (g.y, g.x))


def _reading_order(raw: dict) -> dict:
    """A page's glyphs in reading order (top to bottom, left to right), as
    the blocks/lines/spans of get_text("dict"), one span per line."""
    lines: list[list[_Glyph]] = []
    for glyph in _glyphs(raw):
        if lines and abs(glyph.y - lines[-1][0].y) <= LINE_TOLERANCE * glyph.size:
            lines[-1].append(glyph)
        else:
            lines.append([glyph])
    blocks: list[dict] = []
    previous: list[_Glyph] | None = None
    for line in lines:
        line.sort(key=lambda g: g.x)
        size = Counter(g.size for g in line).most_common(1)[0][0]
        span = {
            "text": _line_text(line),
            "size": size,
            "flags": Counter(g.flags for g in line).most_common(1)[0][0],
        }
        entry = {
            "spans": [span],
            "bbox": (line[0].x, line[0].y - size, line[-1].x + line[-1].width, line[0].y),
        }
        if previous is None or line[0].y - previous[0].y > BLOCK_GAP * size:
            blocks.append({"lines": []})
        blocks[-1]["lines"].append(entry)
        previous = line
    return {"blocks": blocks}


def _line_text(line: list[_Glyph]) -> str:
    """The glyphs of one line joined, with a space where Latin words part."""
    out = [line[0].char]
    for before, glyph in pairwise(line):
        gap = glyph.x - (before.x + before.width)
        if gap > WORD_GAP * glyph.size and before.char.isascii() and glyph.char.isascii():
            out.append(" ")
        out.append(glyph.char)
    return "".join(out)


def _shared_resources(document: pymupdf.Document, page: pymupdf.Page) -> str | None:
    """The reference of the page's own /Resources object ("78 0 R"), or None
    when the page holds its resources inline, inherits them, or hides them."""
    if not document.is_pdf:  # MuPDF opened another format: its pages have no xref
        return None
    try:
        kind, value = document.xref_get_key(page.xref, "Resources")
    except Exception:  # a page object MuPDF cannot read: list its resources
        return None
    return value if kind == "xref" else None


def _page_images(
    document: pymupdf.Document,
    page: pymupdf.Page,
    seen: set[int],
    prints: list[image_prints.ImagePrint],
    settings: ExtractSettings,
) -> None:
    """The print (``collusion.extract.images``) of each new image object on the page."""
    try:
        images = page.get_images(full=True)
    except Exception:  # image hashes are best effort; the text is already kept
        return
    for image in images:
        xref, width, height = image[0], image[2], image[3]
        if xref in seen or width * height < MIN_IMAGE_PIXELS:
            continue
        if len(seen) >= settings.max_images_per_file:
            return
        seen.add(xref)
        printed = image_prints.from_pdf(document, xref, width, height)
        if printed is not None:
            prints.append(printed)


def _page_fonts(page: pymupdf.Page, names: set[str]) -> None:
    """Font names without the subset tag (ABCDEE+SimSun -> SimSun)."""
    try:
        fonts = page.get_fonts(full=False)
    except Exception:
        return
    for font in fonts:
        name = font[3] or ""
        names.add(name.split("+", 1)[1] if re.match(r"^[A-Z]{6}\+", name) else name)


def _assign_headings(raw: list[_RawBlock], sizes: Counter) -> list[Block]:
    """Heading levels from font size: the larger the size, the higher the level.

    A block is set larger than the body (a heading candidate) when it is
    short and its size is at least the body size times HEADING_SIZE_RATIO.
    """
    body_size = sizes.most_common(1)[0][0] if sizes else 0.0
    if body_size > 0:
        least = body_size * HEADING_SIZE_RATIO
        by_size = [len(b.text) <= HEADING_MAX_CHARS and b.size >= least for b in raw]
    else:
        by_size = [False] * len(raw)
    heading_sizes = sorted(
        {b.size for b, big in zip(raw, by_size, strict=True) if big}, reverse=True
    )
    level_of = {size: min(i + 1, 3) for i, size in enumerate(heading_sizes)}
    bold_level = min(len(heading_sizes) + 1, 3) if heading_sizes else 1
    blocks = []
    for index, (b, big) in enumerate(zip(raw, by_size, strict=True)):
        level = level_of.get(b.size) if big else None
        if level is None and b.bold and len(b.text) <= HEADING_MAX_CHARS and "\n" not in b.text:
            level = bold_level
        blocks.append(Block(b.text, b.page, index, level, "heading" if level else "para"))
    return blocks


def _sig(field: str, value: str, rel: str, normalized: str | None = None) -> SignatureValue:
    value = value.strip()
    norm = normalized if normalized is not None else signature_key(value)
    return SignatureValue(source="pdf", field=field, value=value, normalized=norm, file=rel)


def _info_signatures(document: pymupdf.Document, rel: str) -> list[SignatureValue]:
    metadata = document.metadata or {}
    return [
        _sig(field, str(metadata[key]), rel)
        for key, field in _INFO_FIELDS.items()
        if metadata.get(key) and str(metadata[key]).strip()
    ]


def parse_trailer_id(raw: str) -> list[str]:
    """The elements of a trailer /ID array as upper-case hex, in order; [] when absent."""
    ids = []
    for match in _ID_ELEMENT.finditer(raw or ""):
        hex_text, literal = match.group(1), match.group(2)
        if hex_text is not None:
            ids.append(re.sub(r"\s+", "", hex_text).upper())
        else:
            ids.append(_literal_bytes(literal).hex().upper())
    return ids


def _literal_bytes(literal: str) -> bytes:
    """The bytes of a PDF literal string body (escapes resolved, octal included)."""
    out = bytearray()
    index = 0
    while index < len(literal):
        char = literal[index]
        if char != "\\" or index + 1 == len(literal):
            out += char.encode("latin-1", "replace")
            index += 1
            continue
        following = literal[index + 1]
        octal = re.match(r"[0-7]{1,3}", literal[index + 1 :])
        if octal:
            out.append(int(octal.group(0), 8) & 0xFF)
            index += 1 + len(octal.group(0))
        elif following == "\n":
            index += 2  # a line continuation
        else:
            out += _LITERAL_ESCAPES.get(following, following.encode("latin-1", "replace"))
            index += 2
    return bytes(out)


def _id_signatures(document: pymupdf.Document, rel: str) -> list[SignatureValue]:
    try:
        kind, raw = document.xref_get_key(-1, "ID")
    except Exception:
        return []
    if kind != "array":
        return []
    ids = parse_trailer_id(raw)
    return [_sig(f"pdf_id_{i}", value, rel, value) for i, value in enumerate(ids[:2]) if value]


def _xmp_signatures(document: pymupdf.Document, rel: str) -> list[SignatureValue]:
    try:
        xml = document.get_xml_metadata()
    except Exception:
        return []
    if not xml or not xml.strip():
        return []
    try:
        root = parse_xml(xml.encode("utf-8"), "XMP")
    except ExtractionError:
        return []  # malformed XMP loses only the XMP ids, not the file
    found: list[SignatureValue] = []
    for element in root.iter():
        name = local_name(element)
        if name in _XMP_FIELDS and element.text and element.text.strip():
            found.append(_sig(_XMP_FIELDS[name], element.text, rel, _xmp_id(element.text)))
        for attr, value in element.attrib.items():
            attr_name = attr.rsplit("}", 1)[-1]
            if attr_name in _XMP_FIELDS and value.strip():
                found.append(_sig(_XMP_FIELDS[attr_name], value, rel, _xmp_id(value)))
    return found


def _xmp_id(value: str) -> str:
    """uuid:ABC / xmp.did:abc / {abc} all compare on the hex digits."""
    text = value.strip()
    text = re.sub(
        r"^(?:uuid:|xmp\.did:|xmp\.iid:|adobe:docid:[a-z]+:)", "", text, flags=re.IGNORECASE
    )
    return text.strip("{}").replace("-", "").upper()
