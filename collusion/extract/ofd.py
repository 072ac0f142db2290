"""OFD (GB/T 33190 版式文档): text per page in reading order, headings from
font size, and the OFD's own signature codes.

An OFD is a zip package of XML parts: ``OFD.xml`` names each document's
root (``Document.xml``), which lists the pages and templates; page content
holds ``TextObject``s placed by a boundary box and font size. The package is
read within the zip limits and every XML part through the safe parser (no
DTD, no entities), like a DOCX. Element names are matched without their
namespace: producers write the standard one, an older one, or none.

Reading order: the text pieces of a page (template and page alike) are put
in lines by their baseline, lines top to bottom and pieces left to right;
consecutive lines of one font size and ordinary spacing form a paragraph.
Locator: ``page`` is the 1-based page in the order the document lists them.
"""

from __future__ import annotations

import posixpath
from collections import Counter
from dataclasses import dataclass

from lxml import etree

from collusion.errors import ExtractionError, FileRefused
from collusion.extract.content import (
    FormatContent,
    image_signatures,
    signature,
    unique_signatures,
)
from collusion.extract.package import read_package
from collusion.extract.safexml import local_name, parse_xml
from collusion.extract.ses import ses_codes
from collusion.models import Block, SignatureValue
from collusion.settings import ExtractSettings

SOURCE = "ofd"
# A line at least this much larger than the body text, and short, is a heading.
HEADING_SIZE_RATIO = 1.15
HEADING_MAX_CHARS = 60
MAX_HEADING_LEVELS = 3
# Pieces whose baselines differ by less than this share of the font size are
# one line; a line further below the previous than this many sizes starts a
# new paragraph, as does a change of font size beyond SAME_SIZE.
SAME_LINE = 0.5
PARAGRAPH_GAP = 2.0
SAME_SIZE = 0.05
# A gap between pieces of one line wider than this many font sizes is a
# column gap, kept as a space.
COLUMN_GAP = 1.5
DEFAULT_SIZE = 3.5  # millimetres; OFD's default when a TextObject gives none
DATE_ONLY_CHARS = 10  # "2020-04-25": a date without a time of day

_DOC_INFO_FIELDS = {
    "DocID": "ofd_doc_id",
    "Author": "author",
    "Title": "title",
    "Creator": "creator",
    "CreatorVersion": "app_version",
}


@dataclass(frozen=True)
class _Piece:
    text: str
    x: float
    y: float  # baseline, millimetres from the top of the page
    size: float
    width: float


@dataclass(frozen=True)
class _Paragraph:
    text: str
    page: int
    size: float


@dataclass(frozen=True)
class _Line:
    text: str
    y: float
    size: float


class _Package:
    """The parts of one OFD, looked up by path whatever its case or slashes."""

    def __init__(self, parts: dict[str, bytes]) -> None:
        self.parts = parts
        self.by_key = {self.key(name): name for name in parts}

    @staticmethod
    def key(path: str) -> str:
        return posixpath.normpath(path.replace("\\", "/").lstrip("/")).casefold()

    def resolve(self, base: str, location: str | None) -> str | None:
        """The part a location names, relative to base's folder or the root."""
        if not location:
            return None
        location = location.strip().replace("\\", "/")
        tries = (
            [location]
            if location.startswith("/")
            else [posixpath.join(posixpath.dirname(base), location), location]
        )
        for path in tries:
            name = self.by_key.get(self.key(path))
            if name is not None:
                return name
        return None

    def xml(self, name: str) -> etree._Element:
        return parse_xml(self.parts[name], name)


def read_ofd(rel: str, data: bytes, settings: ExtractSettings) -> FormatContent:
    """Read one OFD; raise ExtractionError with a reason a clerk can act on."""
    notes: list[str] = []
    package = _Package(read_package(data, settings, notes, label="OFD"))
    entry = package.by_key.get("ofd.xml")
    if entry is None:
        raise ExtractionError("OFD 缺少入口文件 OFD.xml")
    root = package.xml(entry)
    bodies = [el for el in root if local_name(el) == "DocBody"]
    if not bodies:
        raise ExtractionError("OFD.xml 中没有 DocBody（文档入口），无法读取")
    signatures: list[SignatureValue | None] = []
    paragraphs: list[_Paragraph] = []
    empty = None
    pages_total = 0
    partial = False
    for body in bodies:
        signatures += _doc_info_signatures(body, rel)
        document = package.resolve(entry, _child_text(body, "DocRoot"))
        if document is None:
            notes.append(f"OFD 文档入口 {_child_text(body, 'DocRoot') or '（空）'} 不存在，已跳过")
            continue
        total, cut = _document_paragraphs(
            package, document, settings, pages_total, paragraphs, notes
        )
        pages_total += total
        partial = partial or cut
        signatures += _sign_signatures(package, entry, body, rel, notes)
    if not paragraphs:
        empty = _empty_reason(package)
    if partial:
        notes.append(
            f"共 {pages_total} 页，超过 {settings.max_pages} 页上限，"
            f"只分析了前 {settings.max_pages} 页"
        )
    return FormatContent(
        blocks=tuple(_assign_headings(paragraphs)),
        signatures=unique_signatures([*signatures, *image_signatures(package.parts, SOURCE, rel)]),
        pages=pages_total,
        notes=tuple(notes),
        partial=partial,
        empty_reason=empty,
    )


def _empty_reason(package: _Package) -> str:
    """Why an OFD gave no text: image pages (a scan) or drawings only."""
    images = any(
        b"ImageObject" in data
        for name, data in package.parts.items()
        if name.lower().endswith(".xml")
    )
    if images:
        return "OFD 页面只有图像，没有文字（可能是扫描件），未做文本比对"
    return "OFD 页面没有文字对象（只有图形路径或空白页），未做文本比对"


def _child(element: etree._Element, name: str) -> etree._Element | None:
    return next((el for el in element if local_name(el) == name), None)


def _child_text(element: etree._Element, name: str) -> str | None:
    found = _child(element, name)
    return (found.text or "").strip() or None if found is not None else None


# --- pages ------------------------------------------------------------------------


def _document_paragraphs(
    package: _Package,
    document: str,
    settings: ExtractSettings,
    first_page: int,
    out: list[_Paragraph],
    notes: list[str],
) -> tuple[int, bool]:
    """Append the paragraphs of one document's pages; return (pages, cut short)."""
    root = package.xml(document)
    templates = _templates(package, document, root)
    pages_el = _child(root, "Pages")
    pages = [el for el in pages_el if local_name(el) == "Page"] if pages_el is not None else []
    budget = max(0, settings.max_pages - first_page)
    for number, page in enumerate(pages[:budget], start=first_page + 1):
        name = package.resolve(document, page.get("BaseLoc"))
        if name is None:
            notes.append(f"OFD 第 {number} 页的内容文件 {page.get('BaseLoc')} 不存在，已跳过该页")
            continue
        try:
            pieces = _page_pieces(package, name, templates)
        except FileRefused:
            raise
        except ExtractionError as exc:
            notes.append(f"OFD 第 {number} 页无法读取（{exc}），已跳过该页")
            continue
        for group in _paragraphs(_lines(pieces)):
            out.append(_Paragraph("\n".join(line.text for line in group), number, group[0].size))
    return len(pages), len(pages) > budget


def _templates(package: _Package, document: str, root: etree._Element) -> dict[str, str]:
    """Template page id -> its content part."""
    common = _child(root, "CommonData")
    found: dict[str, str] = {}
    if common is None:
        return found
    for template in common:
        if local_name(template) == "TemplatePage":
            name = package.resolve(document, template.get("BaseLoc"))
            if name is not None and template.get("ID"):
                found[template.get("ID")] = name
    return found


def _page_pieces(package: _Package, name: str, templates: dict[str, str]) -> list[_Piece]:
    root = package.xml(name)
    pieces: list[_Piece] = []
    for element in root:
        if local_name(element) == "Template":
            template = templates.get(element.get("TemplateID") or "")
            if template is not None and template != name:
                pieces += _text_pieces(package.xml(template))
    pieces += _text_pieces(root)
    return pieces


def _text_pieces(root: etree._Element) -> list[_Piece]:
    pieces: list[_Piece] = []
    for text_object in root.iter("{*}TextObject", "TextObject"):
        box = _numbers(text_object.get("Boundary"))
        left, top = (box[0], box[1]) if len(box) >= 2 else (0.0, 0.0)
        size = _number(text_object.get("Size"), DEFAULT_SIZE)
        for code in text_object:
            if local_name(code) != "TextCode" or not (code.text or "").strip():
                continue
            x = left + _number(code.get("X"), 0.0)
            y = top + _number(code.get("Y"), 0.0)
            text = code.text or ""
            pieces.append(_Piece(text, x, y, size, _width(code, text, size)))
    return pieces


def _width(code: etree._Element, text: str, size: float) -> float:
    """The advance of a piece: DeltaX when given (with "g n d" runs), else a guess."""
    deltas = (code.get("DeltaX") or "").split()
    total = 0.0
    count = 0
    index = 0
    while index < len(deltas):
        if deltas[index] == "g" and index + 2 < len(deltas):
            repeat = int(_number(deltas[index + 1], 0))
            total += repeat * _number(deltas[index + 2], 0.0)
            count += repeat
            index += 3
            continue
        total += _number(deltas[index], 0.0)
        count += 1
        index += 1
    if count:
        return total + size  # the last character's own width
    return sum(size if ord(ch) > 0x2E7F else size / 2 for ch in text)


def _numbers(value: str | None) -> list[float]:
    out = []
    for token in (value or "").split():
        try:
            out.append(float(token))
        except ValueError:
            return out
    return out


def _number(value: str | None, default: float) -> float:
    try:
        return float(value) if value is not None else default
    except ValueError:
        return default


def _lines(pieces: list[_Piece]) -> list[_Line]:
    """Pieces on one baseline joined left to right; lines top to bottom."""
    lines: list[_Line] = []
    current: list[_Piece] = []
    for piece in sorted(pieces, key=lambda p: (p.y, p.x)):
        if current and abs(piece.y - current[0].y) > SAME_LINE * min(piece.size, current[0].size):
            lines.append(_join_line(current))
            current = []
        current.append(piece)
    if current:
        lines.append(_join_line(current))
    return [line for line in lines if line.text]


def _join_line(pieces: list[_Piece]) -> _Line:
    pieces = sorted(pieces, key=lambda p: p.x)
    parts: list[str] = []
    end = None
    for piece in pieces:
        if end is not None and piece.x - end > COLUMN_GAP * piece.size:
            parts.append(" ")
        parts.append(piece.text)
        end = piece.x + piece.width
    sizes: Counter[float] = Counter()
    for piece in pieces:
        sizes[piece.size] += len(piece.text)
    return _Line("".join(parts).strip(), pieces[0].y, sizes.most_common(1)[0][0])


def _paragraphs(lines: list[_Line]) -> list[list[_Line]]:
    groups: list[list[_Line]] = []
    for line in lines:
        if groups:
            last = groups[-1][-1]
            same_size = abs(line.size - last.size) <= SAME_SIZE * last.size
            if same_size and line.y - last.y <= PARAGRAPH_GAP * last.size:
                groups[-1].append(line)
                continue
        groups.append([line])
    return groups


def _assign_headings(paragraphs: list[_Paragraph]) -> list[Block]:
    """Heading levels from font size: larger sizes are higher levels."""
    sizes: Counter = Counter()
    for paragraph in paragraphs:
        sizes[paragraph.size] += len(paragraph.text)
    body = sizes.most_common(1)[0][0] if sizes else 0.0

    def is_heading(paragraph: _Paragraph) -> bool:
        return (
            body > 0
            and paragraph.size >= body * HEADING_SIZE_RATIO
            and len(paragraph.text) <= HEADING_MAX_CHARS
            and "\n" not in paragraph.text
        )

    heading_sizes = sorted({p.size for p in paragraphs if is_heading(p)}, reverse=True)
    level_of = {size: min(i + 1, MAX_HEADING_LEVELS) for i, size in enumerate(heading_sizes)}
    blocks = []
    for index, paragraph in enumerate(paragraphs):
        level = level_of.get(paragraph.size) if is_heading(paragraph) else None
        blocks.append(
            Block(
                text=paragraph.text,
                page=paragraph.page,
                index=index,
                heading_level=level,
                kind="heading" if level else "para",
            )
        )
    return blocks


# --- signature codes ----------------------------------------------------------------


def _doc_info_signatures(body: etree._Element, rel: str) -> list[SignatureValue | None]:
    info = _child(body, "DocInfo")
    if info is None:
        return []
    found: list[SignatureValue | None] = []
    for element in info:
        name = local_name(element)
        text = (element.text or "").strip()
        if name in _DOC_INFO_FIELDS:
            normalized = text.replace("-", "").casefold() if name == "DocID" else None
            found.append(signature(SOURCE, _DOC_INFO_FIELDS[name], text, rel, normalized))
        elif name in {"CreationDate", "ModDate"}:
            found.append(_date_signature(name, text, rel))
        elif name == "CustomDatas":
            for custom in element:
                key = (custom.get("Name") or "").strip()
                if key:
                    found.append(signature(SOURCE, f"custom:{key}", custom.text, rel))
    return found


def _date_signature(name: str, text: str, rel: str) -> SignatureValue | None:
    """A date with its time of day is rare; a bare date is shared by every
    file made that day, so it is a weaker field."""
    base = "ofd_created" if name == "CreationDate" else "ofd_modified"
    field = base if len(text) > DATE_ONLY_CHARS else f"{base}_date"
    return signature(SOURCE, field, text, rel)


def _sign_signatures(
    package: _Package, entry: str, body: etree._Element, rel: str, notes: list[str]
) -> list[SignatureValue | None]:
    """Seal ids and signer certificate serials of the document's signatures."""
    index = package.resolve(entry, _child_text(body, "Signatures"))
    if index is None:
        return []
    found: list[SignatureValue | None] = []
    try:
        listing = package.xml(index)
    except FileRefused:
        raise
    except ExtractionError as exc:
        notes.append(f"{exc}，签章信息未读取")
        return []
    for item in listing:
        if local_name(item) != "Signature":
            continue
        name = package.resolve(index, item.get("BaseLoc"))
        if name is None:
            continue
        try:
            found += _one_signature(package, name, rel)
        except FileRefused:
            raise
        except ExtractionError as exc:
            notes.append(f"{exc}，该签章信息未读取")
    return found


def _one_signature(package: _Package, name: str, rel: str) -> list[SignatureValue | None]:
    root = package.xml(name)
    found: list[SignatureValue | None] = []
    signed_info = _child(root, "SignedInfo")
    if signed_info is not None:
        time = _child_text(signed_info, "SignatureDateTime")
        found.append(signature(SOURCE, "ofd_signature_time", time, rel))
        provider = _child(signed_info, "Provider")
        if provider is not None:
            found.append(
                signature(
                    SOURCE,
                    "ofd_sign_provider",
                    " ".join(
                        filter(
                            None,
                            (
                                provider.get("ProviderName"),
                                provider.get("Version"),
                                provider.get("Company"),
                            ),
                        )
                    ),
                    rel,
                )
            )
    binaries = [package.resolve(name, _child_text(root, "SignedValue"))]
    if signed_info is not None:
        seal = _child(signed_info, "Seal")
        if seal is not None:
            binaries.append(package.resolve(name, _child_text(seal, "BaseLoc")))
    for binary in filter(None, binaries):
        codes = ses_codes(package.parts[binary])
        for seal_id in codes.seal_ids:
            found.append(signature(SOURCE, "ofd_seal_id", seal_id, rel, seal_id.casefold()))
        for cert in codes.signer_certificates:
            shown = f"{cert.serial}（{cert.subject_cn}）" if cert.subject_cn else cert.serial
            found.append(
                signature(SOURCE, "ofd_signer_cert_serial", shown, rel, cert.serial.casefold())
            )
    return found
