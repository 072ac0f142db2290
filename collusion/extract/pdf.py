"""PDF: text per page with heading levels from font size and weight, Info
metadata, trailer /ID, XMP ids, embedded image hashes, fonts, and the rows of
priced tables (PyMuPDF)."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pymupdf

from collusion import images as image_prints
from collusion.errors import ExtractionError
from collusion.extract.safexml import local_name, parse_xml
from collusion.models import Block, SignatureValue
from collusion.settings import ExtractSettings

# A text block is a heading candidate when it is short and set larger or
# bolder than the body; the body size is the most common size by characters.
HEADING_MAX_CHARS = 60
HEADING_SIZE_RATIO = 1.15
BOLD_FLAG = 16
# Images below this many pixels are rules, bullets and spacer pixels.
MIN_IMAGE_PIXELS = 32 * 32
# find_tables costs ~0.3 s a page, so it runs only where a priced bill of
# quantities can be: a page naming a unit price and an amount or quantity
# column, and carrying the ruled lines a table is drawn with.
TABLE_PRICE_WORD = "单价"
TABLE_COLUMN_WORDS = ("合价", "金额", "工程量", "数量")
TABLE_MIN_RULES = 4
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
_ID_ELEMENT = re.compile(r"<([0-9A-Fa-f\s]*)>|\(((?:\\.|[^\\()]|\((?:\\.|[^\\()])*\))*)\)",
                         re.DOTALL)
_LITERAL_ESCAPES = {"n": b"\n", "r": b"\r", "t": b"\t", "b": b"\b", "f": b"\f",
                    "(": b"(", ")": b")", "\\": b"\\"}


@dataclass(frozen=True)
class PdfContent:
    blocks: tuple[Block, ...]
    signatures: tuple[SignatureValue, ...]
    pages: int
    pages_read: int
    fonts: tuple[str, ...]
    repaired: bool = False  # MuPDF rebuilt a broken or truncated file to read it
    broken: str | None = None  # why page pages_read + 1 could not be read


def read_pdf(path: Path, rel: str, settings: ExtractSettings,
             data: bytes | None = None) -> PdfContent:
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
        raw_blocks, sizes, page_texts, broken = _page_blocks(document, pages_read)
        if broken is not None:
            # A page tree that lies about its /Count or loops: the pages
            # before the first unreadable one are kept.
            if not page_texts:
                raise ExtractionError(f"PDF 页面树损坏，无法读取任何页面（{broken}）")
            pages_read = len(page_texts)
        blocks = _assign_headings(raw_blocks, sizes)
        blocks += _table_blocks(document, page_texts, len(blocks))
        signatures = (_info_signatures(document, rel) + _id_signatures(document, rel)
                      + _xmp_signatures(document, rel)
                      + _image_signatures(document, rel, pages_read, settings))
        unique = {(s.field, s.normalized): s for s in signatures}
        fonts = _fonts(document, pages_read)
        return PdfContent(
            blocks=tuple(blocks),
            signatures=tuple(unique[key] for key in sorted(unique)),
            pages=declared,
            pages_read=pages_read,
            fonts=fonts,
            broken=broken,
            repaired=bool(getattr(document, "is_repaired", False)),
        )


def _mupdf_reason(exc: Exception) -> str:
    """MuPDF's message, short and without any file path."""
    text = " ".join(str(exc).split()) or type(exc).__name__
    text = re.sub(r"'[^']*'", "", text)
    return text[:200]


@dataclass(frozen=True)
class _RawBlock:
    text: str
    page: int
    size: float
    bold: bool


def _page_blocks(document: pymupdf.Document, pages_read: int
                 ) -> tuple[list[_RawBlock], Counter, list[str], str | None]:
    """Text blocks of the first pages_read pages, up to the first page that
    cannot be read (then also why)."""
    blocks: list[_RawBlock] = []
    sizes: Counter = Counter()
    page_texts: list[str] = []
    for page_no in range(pages_read):
        try:
            page = document.load_page(page_no)
            data = page.get_text("dict", flags=pymupdf.TEXTFLAGS_TEXT, sort=True)
        except (MemoryError, RecursionError):
            raise
        except Exception as exc:  # MuPDF: a page missing from a lying page tree
            return blocks, sizes, page_texts, _mupdf_reason(exc)
        page_start = len(blocks)
        for block in data.get("blocks", []):
            lines = []
            span_sizes: Counter = Counter()
            bold_chars = 0
            chars = 0
            for line in block.get("lines", []):
                line_text = "".join(span["text"] for span in line.get("spans", []))
                lines.append(line_text)
                for span in line.get("spans", []):
                    n = len(span["text"].strip())
                    span_sizes[round(span["size"], 1)] += n
                    chars += n
                    if span["flags"] & BOLD_FLAG:
                        bold_chars += n
            text = "\n".join(lines).strip()
            if not text or not span_sizes:
                continue
            size = span_sizes.most_common(1)[0][0]
            sizes.update(span_sizes)
            blocks.append(_RawBlock(text, page_no + 1, size, bold_chars * 2 > chars))
        page_texts.append("\n".join(b.text for b in blocks[page_start:]))
    return blocks, sizes, page_texts, None


def _assign_headings(raw: list[_RawBlock], sizes: Counter) -> list[Block]:
    """Heading levels from font size: the larger the size, the higher the level."""
    body_size = sizes.most_common(1)[0][0] if sizes else 0.0
    heading_sizes = sorted(
        {b.size for b in raw if _looks_like_heading(b, body_size)}, reverse=True)
    level_of = {size: min(i + 1, 3) for i, size in enumerate(heading_sizes)}
    blocks = []
    for index, b in enumerate(raw):
        level = level_of.get(b.size) if _looks_like_heading(b, body_size) else None
        if level is None and b.bold and len(b.text) <= HEADING_MAX_CHARS and "\n" not in b.text:
            level = len(heading_sizes) + 1 if heading_sizes else 1
            level = min(level, 3)
        blocks.append(Block(text=b.text, page=b.page, index=index, heading_level=level,
                            kind="heading" if level else "para"))
    return blocks


def _looks_like_heading(block: _RawBlock, body_size: float) -> bool:
    return (len(block.text) <= HEADING_MAX_CHARS
            and body_size > 0 and block.size >= body_size * HEADING_SIZE_RATIO)


def _may_hold_priced_table(text: str) -> bool:
    return TABLE_PRICE_WORD in text and any(word in text for word in TABLE_COLUMN_WORDS)


def _table_blocks(document: pymupdf.Document, page_texts: list[str],
                  first_index: int) -> list[Block]:
    """Rows of ruled tables on pages that carry prices, and on the pages a
    priced table runs on to (rows without the header), as table blocks with cells."""
    blocks: list[Block] = []
    for page_no, text in enumerate(page_texts):
        runs_on = bool(blocks) and blocks[-1].page == page_no  # the page before ended in a table
        if not (runs_on or _may_hold_priced_table(text)):
            continue
        page = document.load_page(page_no)
        try:
            rules = sum(len(path.get("items", ())) for path in page.get_cdrawings())
            if rules < TABLE_MIN_RULES:
                continue
            tables = page.find_tables()
        except Exception:  # table finding is best effort; the text is already kept
            continue
        for table in tables.tables:
            for row in table.extract():
                cells = tuple((cell or "").replace("\n", "").strip() for cell in row)
                if any(cells):
                    blocks.append(Block(text=" | ".join(cells), page=page_no + 1,
                                        index=first_index + len(blocks), kind="table",
                                        cells=cells))
    return blocks


def _sig(field: str, value: str, rel: str, normalized: str | None = None) -> SignatureValue:
    value = value.strip()
    norm = normalized if normalized is not None else " ".join(value.split()).casefold()
    return SignatureValue(source="pdf", field=field, value=value, normalized=norm, file=rel)


def _info_signatures(document: pymupdf.Document, rel: str) -> list[SignatureValue]:
    metadata = document.metadata or {}
    return [_sig(field, str(metadata[key]), rel)
            for key, field in _INFO_FIELDS.items()
            if metadata.get(key) and str(metadata[key]).strip()]


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
        octal = re.match(r"[0-7]{1,3}", literal[index + 1:])
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
    text = re.sub(r"^(?:uuid:|xmp\.did:|xmp\.iid:|adobe:docid:[a-z]+:)", "", text,
                  flags=re.IGNORECASE)
    return text.strip("{}").replace("-", "").upper()


def _image_signatures(document: pymupdf.Document, rel: str, pages_read: int,
                      settings: ExtractSettings) -> list[SignatureValue]:
    seen: set[int] = set()
    found: list[SignatureValue] = []
    for page_no in range(pages_read):
        try:
            images = document.load_page(page_no).get_images(full=True)
        except Exception:  # image hashes are best effort; the text is already kept
            continue
        for image in images:
            xref, width, height = image[0], image[2], image[3]
            if xref in seen or width * height < MIN_IMAGE_PIXELS:
                continue
            seen.add(xref)
            if len(seen) > settings.max_images_per_file:
                return found
            printed = image_prints.from_pdf(document, xref, width, height)
            if printed is not None:
                found.append(image_prints.signature(printed, rel, "pdf"))
    return found


def _fonts(document: pymupdf.Document, pages_read: int) -> tuple[str, ...]:
    """Font names without the subset tag (ABCDEE+SimSun -> SimSun)."""
    names: set[str] = set()
    for page_no in range(pages_read):
        try:
            fonts = document.load_page(page_no).get_fonts(full=False)
        except Exception:
            continue
        for font in fonts:
            name = font[3] or ""
            names.add(name.split("+", 1)[1] if re.match(r"^[A-Z]{6}\+", name) else name)
    return tuple(sorted(n for n in names if n))
