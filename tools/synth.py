"""Write real synthetic bid documents with chosen signature codes.

Used by ``sample_bids/generate.py``, the tests and the benchmarks. Every file
written here is a genuine DOCX or PDF that Word, WPS and PDF readers open;
the signature codes (rsids, docId, /ID, XMP ids, authors, template paths ...)
are set to the values the caller chooses, so that detectors can be tested
against known answers.

Deterministic by construction: the same call writes the same bytes. DOCX
zips are rewritten with fixed timestamps; PDFs are saved without a fresh
/ID and with explicit dates.
"""

from __future__ import annotations

import io
import random
import re
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeAlias

import docx
import numpy as np
import pymupdf
from docx.enum.text import WD_BREAK
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Inches, Pt
from lxml import etree

# --------------------------------------------------------------------------
# Namespaces and relationship types
# --------------------------------------------------------------------------
W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
W14 = "http://schemas.microsoft.com/office/word/2010/wordml"
W15 = "http://schemas.microsoft.com/office/word/2012/wordml"
MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"
R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
CT = "http://schemas.openxmlformats.org/package/2006/content-types"
EP = "http://schemas.openxmlformats.org/officeDocument/2006/extended-properties"
CUSTOM = "http://schemas.openxmlformats.org/officeDocument/2006/custom-properties"
VT = "http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes"
REL_ATTACHED_TEMPLATE = (
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships/attachedTemplate"
)
REL_CUSTOM_PROPS = (
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships/custom-properties"
)
CT_CUSTOM_PROPS = "application/vnd.openxmlformats-officedocument.custom-properties+xml"
# The fmtid every Office application writes on user-defined custom properties.
CUSTOM_FMTID = "{D5CDD505-2E9C-101B-9397-08002B2CF9AE}"

# A fixed zip timestamp and document date make repeated runs byte-identical.
ZIP_DATE = (1980, 1, 1, 0, 0, 0)
FIXED_DATE = datetime(2026, 1, 5, 9, 0, 0, tzinfo=UTC)
FIXED_PDF_DATE = "D:20260105090000+08'00'"

_SAFE_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)

Paragraph: TypeAlias = str | tuple  # "text" | (text, level) | ("table", rows) | "\f"


# --------------------------------------------------------------------------
# DOCX
# --------------------------------------------------------------------------
def write_docx(
    path: str | Path,
    paragraphs: Sequence[Paragraph],
    *,
    core: Mapping[str, Any] | None = None,
    rsid_root: str | None = None,
    rsids: Sequence[str] = (),
    doc_id_w14: str | None = None,
    doc_id_w15: str | None = None,
    app: Mapping[str, Any] | None = None,
    custom: Mapping[str, str] | None = None,
    attached_template: str | None = None,
    images: Sequence[bytes] = (),
    comment_author: str | None = None,
    revision_author: str | None = None,
    tables: Sequence[Sequence[Sequence[str]]] = (),
) -> Path:
    """Write a DOCX with the given body and signature codes; return its path.

    ``paragraphs`` items: body text, ``(text, level)`` for a heading of level
    1..3, ``("table", rows)`` for a table in place, or ``"\\f"`` for a page
    break. ``tables`` are appended after the body. Core properties not given
    keep python-docx's defaults (creator "python-docx"), as a real
    python-docx file would.
    """
    path = Path(path)
    document = docx.Document()
    _set_east_asian_font(document, "宋体")
    _write_body(document, paragraphs)
    for rows in tables:
        _add_docx_table(document, rows)
    for image in images:
        document.add_picture(io.BytesIO(image), width=Inches(0.6))
    if comment_author:
        _add_comment(document, comment_author)
    if revision_author:
        _add_tracked_insertion(document, revision_author)
    _set_core(document, core or {})

    buffer = io.BytesIO()
    document.save(buffer)
    parts = _read_zip(buffer.getvalue())
    _patch_settings(parts, rsid_root, rsids, doc_id_w14, doc_id_w15, attached_template)
    if app:
        _patch_app(parts, app)
    if custom:
        _add_custom_props(parts, custom)
    _fix_comment_dates(parts)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(_write_zip(parts))
    return path


def _set_east_asian_font(document: Any, font: str) -> None:
    """Make Chinese text render in a Chinese font in Word and WPS."""
    for name in ("Normal", "Heading 1", "Heading 2", "Heading 3"):
        style = document.styles[name]
        rpr = style.element.get_or_add_rPr()
        fonts = rpr.find(qn("w:rFonts"))
        if fonts is None:
            fonts = OxmlElement("w:rFonts")
            rpr.insert(0, fonts)
        fonts.set(qn("w:eastAsia"), font)
    document.styles["Normal"].font.size = Pt(10.5)


def _write_body(document: Any, paragraphs: Sequence[Paragraph]) -> None:
    for item in paragraphs:
        if item == "\f":
            document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
        elif isinstance(item, str):
            document.add_paragraph(item)
        elif item[0] == "table":
            _add_docx_table(document, item[1])
        else:
            text, level = item
            document.add_heading(text, level=int(level))


def _add_docx_table(document: Any, rows: Sequence[Sequence[str]]) -> None:
    """A real Word table, first row the header, with visible grid lines."""
    if not rows:
        return
    ncols = max(len(r) for r in rows)
    table = document.add_table(rows=len(rows), cols=ncols)
    table.style = document.styles["Table Grid"]
    for r, row in enumerate(rows):
        for c in range(ncols):
            table.cell(r, c).text = str(row[c]) if c < len(row) else ""


def _body_paragraphs(document: Any) -> list[Any]:
    return [
        p
        for p in document.paragraphs
        if p.runs and p.text.strip() and not p.style.name.startswith("Heading")
    ]


def _add_comment(document: Any, author: str) -> None:
    paras = _body_paragraphs(document) or [document.add_paragraph("说明")]
    document.add_comment(paras[0].runs, text="此处请核对。", author=author, initials=author[:1])


def _add_tracked_insertion(document: Any, author: str) -> None:
    """Wrap one run in ``w:ins`` as Word does with track changes on."""
    paras = _body_paragraphs(document) or [document.add_paragraph("补充说明")]
    run = paras[-1].runs[0]._r
    ins = OxmlElement("w:ins")
    ins.set(qn("w:id"), "9001")
    ins.set(qn("w:author"), author)
    ins.set(qn("w:date"), FIXED_DATE.strftime("%Y-%m-%dT%H:%M:%SZ"))
    run.addprevious(ins)
    ins.append(run)


def _set_core(document: Any, core: Mapping[str, Any]) -> None:
    props = document.core_properties
    for key, value in core.items():
        if not hasattr(props, key):
            raise ValueError(f"unknown core property {key!r}; see docx CoreProperties")
        setattr(props, key, value)


def _read_zip(data: bytes) -> dict[str, bytes]:
    """Parts of a zip in their original order (dicts keep insertion order)."""
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return {name: z.read(name) for name in z.namelist()}


def _write_zip(parts: Mapping[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        for name, data in parts.items():
            info = zipfile.ZipInfo(name, date_time=ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, data)
    return buffer.getvalue()


def _xml(data: bytes) -> etree._Element:
    return etree.fromstring(data, _SAFE_PARSER)


def _dump(root: etree._Element) -> bytes:
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def _w(tag: str) -> str:
    return f"{{{W}}}{tag}"


def _patch_settings(
    parts: dict[str, bytes],
    rsid_root: str | None,
    rsids: Sequence[str],
    doc_id_w14: str | None,
    doc_id_w15: str | None,
    attached_template: str | None,
) -> None:
    root = _xml(parts["word/settings.xml"])
    if doc_id_w15 and "w15" not in root.nsmap:
        root = _with_namespace(root, "w15", W15)
    if rsid_root or rsids:
        _replace_rsids(root, rsid_root, rsids)
    if doc_id_w14:
        _set_val(root, f"{{{W14}}}docId", doc_id_w14, W14)
    if doc_id_w15:
        _set_val(root, f"{{{W15}}}docId", doc_id_w15, W15)
    if attached_template:
        _attach_template(parts, root, attached_template)
    parts["word/settings.xml"] = _dump(root)


def _with_namespace(root: etree._Element, prefix: str, uri: str) -> etree._Element:
    """lxml cannot add a prefix to an existing element: rebuild the root."""
    new = etree.Element(root.tag, nsmap={**root.nsmap, prefix: uri})
    for key, value in root.attrib.items():
        new.set(key, value)
    ignorable = f"{{{MC}}}Ignorable"
    if ignorable in new.attrib and prefix not in new.get(ignorable).split():
        new.set(ignorable, new.get(ignorable) + " " + prefix)
    new.extend(list(root))
    return new


def _replace_rsids(root: etree._Element, rsid_root: str | None, rsids: Sequence[str]) -> None:
    """Rebuild ``w:rsids``: Word lists every session id, the root's too, sorted."""
    old = root.find(_w("rsids"))
    new = etree.Element(_w("rsids"))
    if rsid_root:
        etree.SubElement(new, _w("rsidRoot")).set(_w("val"), rsid_root.upper())
    values = {v.upper() for v in rsids}
    if rsid_root:
        values.add(rsid_root.upper())
    for value in sorted(values):
        etree.SubElement(new, _w("rsid")).set(_w("val"), value)
    if old is not None:
        old.addprevious(new)
        root.remove(old)
    else:
        _insert_before_first(root, new, ("mathPr", "themeFontLang", "clrSchemeMapping"))


def _insert_before_first(root: etree._Element, new: etree._Element, names: Iterable[str]) -> None:
    for child in root:
        if etree.QName(child).localname in names:
            child.addprevious(new)
            return
    root.append(new)


def _set_val(root: etree._Element, tag: str, value: str, ns: str) -> None:
    element = root.find(tag)
    if element is None:
        element = etree.SubElement(root, tag)
    element.set(f"{{{ns}}}val", value)


def _attach_template(parts: dict[str, bytes], root: etree._Element, target: str) -> None:
    """``w:attachedTemplate`` plus the external relationship that names the file."""
    rid = "rId1"
    element = root.find(_w("attachedTemplate"))
    if element is None:
        element = etree.Element(_w("attachedTemplate"))
        anchor = root.find(_w("proofState"))
        if anchor is None:
            anchor = root.find(_w("zoom"))
        if anchor is not None:
            anchor.addnext(element)
        else:
            root.insert(0, element)
    element.set(f"{{{R}}}id", rid)
    rels = etree.Element(f"{{{PKG_REL}}}Relationships", nsmap={None: PKG_REL})
    rel = etree.SubElement(rels, f"{{{PKG_REL}}}Relationship")
    rel.set("Id", rid)
    rel.set("Type", REL_ATTACHED_TEMPLATE)
    rel.set("Target", target)
    rel.set("TargetMode", "External")
    parts["word/_rels/settings.xml.rels"] = _dump(rels)


def _patch_app(parts: dict[str, bytes], app: Mapping[str, Any]) -> None:
    root = _xml(parts["docProps/app.xml"])
    for key, value in app.items():
        element = root.find(f"{{{EP}}}{key}")
        if element is None:
            element = etree.SubElement(root, f"{{{EP}}}{key}")
        element.text = str(value)
    parts["docProps/app.xml"] = _dump(root)


def _add_custom_props(parts: dict[str, bytes], custom: Mapping[str, str]) -> None:
    """docProps/custom.xml with its content type and package relationship."""
    root = etree.Element(f"{{{CUSTOM}}}Properties", nsmap={None: CUSTOM, "vt": VT})
    for pid, (name, value) in enumerate(custom.items(), start=2):
        prop = etree.SubElement(root, f"{{{CUSTOM}}}property")
        prop.set("fmtid", CUSTOM_FMTID)
        prop.set("pid", str(pid))
        prop.set("name", name)
        etree.SubElement(prop, f"{{{VT}}}lpwstr").text = str(value)
    parts["docProps/custom.xml"] = _dump(root)

    types = _xml(parts["[Content_Types].xml"])
    if not any(o.get("PartName") == "/docProps/custom.xml" for o in types):
        override = etree.SubElement(types, f"{{{CT}}}Override")
        override.set("PartName", "/docProps/custom.xml")
        override.set("ContentType", CT_CUSTOM_PROPS)
    parts["[Content_Types].xml"] = _dump(types)

    rels = _xml(parts["_rels/.rels"])
    if not any(r.get("Type") == REL_CUSTOM_PROPS for r in rels):
        ids = {r.get("Id") for r in rels}
        n = 1
        while f"rId{n}" in ids:
            n += 1
        rel = etree.SubElement(rels, f"{{{PKG_REL}}}Relationship")
        rel.set("Id", f"rId{n}")
        rel.set("Type", REL_CUSTOM_PROPS)
        rel.set("Target", "docProps/custom.xml")
    parts["_rels/.rels"] = _dump(rels)


def _fix_comment_dates(parts: dict[str, bytes]) -> None:
    """python-docx stamps comments with the current time; fix it for determinism."""
    if "word/comments.xml" not in parts:
        return
    root = _xml(parts["word/comments.xml"])
    for comment in root.iter(_w("comment")):
        comment.set(_w("date"), FIXED_DATE.strftime("%Y-%m-%dT%H:%M:%SZ"))
    parts["word/comments.xml"] = _dump(root)


# --------------------------------------------------------------------------
# PDF
# --------------------------------------------------------------------------
PAGE_W, PAGE_H = 595.0, 842.0  # A4 in points
MARGIN_X, MARGIN_TOP, MARGIN_BOTTOM = 64.0, 72.0, 64.0
BODY_SIZE = 10.5
HEADING_SIZES = {1: 16.0, 2: 14.0, 3: 12.0}
LINE_FACTOR = 1.55
TABLE_SIZE = 8.0
CELL_PAD = 3.0


def write_pdf(
    path: str | Path,
    pages: Sequence[Sequence[Paragraph]],
    *,
    metadata: Mapping[str, str] | None = None,
    pdf_id: tuple[str, str] | None = None,
    xmp: Mapping[str, str] | None = None,
    images: Sequence[bytes] = (),
    font: str = "china-s",
) -> Path:
    """Write a PDF whose pages hold the given text; return its path.

    Page items: body text, ``(text, level)`` headings (larger, stroked to look
    bold), or ``("table", rows)`` for a ruled table that ``find_tables``
    recognizes. A page whose content overflows continues on a new page.
    Without ``pdf_id`` the file has no trailer /ID, like Skia or WeasyPrint
    output.
    """
    path = Path(path)
    doc = pymupdf.open()
    layout = _PdfLayout(doc, font)
    for items in pages:
        layout.new_page()
        for item in items:
            layout.add(item)
    if not len(doc):
        layout.new_page()
    for n, image in enumerate(images):
        page = doc[min(n, len(doc) - 1)]
        x1 = PAGE_W - MARGIN_X
        page.insert_image(pymupdf.Rect(x1 - 40, 18, x1, 58), stream=image)
    meta = {"creationDate": FIXED_PDF_DATE, "modDate": FIXED_PDF_DATE, **(metadata or {})}
    doc.set_metadata(meta)
    if xmp:
        doc.set_xml_metadata(_xmp_packet(xmp))
    if pdf_id:
        first, second = (_check_hex_id(v) for v in pdf_id)
        doc.xref_set_key(-1, "ID", f"[<{first}><{second}>]")
    path.parent.mkdir(parents=True, exist_ok=True)
    # no_new_id keeps our /ID (or its absence) instead of a random fresh one.
    doc.save(path, garbage=3, deflate=True, no_new_id=True)
    doc.close()
    return path


def _check_hex_id(value: str) -> str:
    if not re.fullmatch(r"[0-9A-Fa-f]{32}", value):
        raise ValueError(f"pdf_id parts must be 32 hex digits, got {value!r}")
    return value.upper()


def _xmp_packet(values: Mapping[str, str]) -> str:
    fields = "".join(
        f"<xmpMM:{key}>{_escape(values[key])}</xmpMM:{key}>"
        for key in ("DocumentID", "InstanceID", "OriginalDocumentID")
        if values.get(key)
    )
    return (
        '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>'
        '<x:xmpmeta xmlns:x="adobe:ns:meta/">'
        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        '<rdf:Description rdf:about="" xmlns:xmpMM="http://ns.adobe.com/xap/1.0/mm/">'
        f"{fields}</rdf:Description></rdf:RDF></x:xmpmeta>"
        '<?xpacket end="w"?>'
    )


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class _PdfLayout:
    """A top-to-bottom cursor that wraps text and opens pages as needed."""

    def __init__(self, doc: Any, font: str) -> None:
        self.doc = doc
        self.fontname = font
        # insert_text draws every character of the built-in CJK fonts one em
        # wide, ASCII too, so measure with the same rule, not Font.text_length.
        self.font = _Measure(font)
        self.page: Any = None
        self.y = 0.0

    def new_page(self) -> None:
        self.page = self.doc.new_page(width=PAGE_W, height=PAGE_H)
        self.y = MARGIN_TOP

    def add(self, item: Paragraph) -> None:
        if item == "\f":
            self.new_page()
        elif isinstance(item, str):
            self._text(item, BODY_SIZE, bold=False, indent=2 * BODY_SIZE)
        elif item[0] == "table":
            self._table(item[1])
        else:
            text, level = item
            size = HEADING_SIZES.get(int(level), BODY_SIZE)
            self.y += size * 0.4
            self._text(text, size, bold=True, indent=0.0)

    def _room(self, height: float) -> None:
        if self.y + height > PAGE_H - MARGIN_BOTTOM:
            self.new_page()

    def _text(self, text: str, size: float, *, bold: bool, indent: float) -> None:
        width = PAGE_W - 2 * MARGIN_X
        lines = _wrap(self.font, text, size, width, first_indent=indent)
        for n, line in enumerate(lines):
            self._room(size * LINE_FACTOR)
            self.y += size * LINE_FACTOR
            x = MARGIN_X + (indent if n == 0 else 0.0)
            self.page.insert_text(
                (x, self.y - size * 0.35),
                line,
                fontname=self.fontname,
                fontsize=size,
                # Fill+stroke thickens the glyphs: a bold look without a bold font file.
                render_mode=2 if bold else 0,
                border_width=0.04 if bold else 0.05,
            )
        self.y += size * 0.3

    def _table(self, rows: Sequence[Sequence[str]]) -> None:
        if not rows:
            return
        ncols = max(len(r) for r in rows)
        widths = _column_widths(self.font, rows, ncols, PAGE_W - 2 * MARGIN_X)
        self.y += 6
        for row in rows:
            cells = [str(row[c]) if c < len(row) else "" for c in range(ncols)]
            wrapped = [
                _wrap(self.font, cell, TABLE_SIZE, widths[c] - 2 * CELL_PAD)
                for c, cell in enumerate(cells)
            ]
            height = max(len(w) for w in wrapped) * TABLE_SIZE * 1.4 + 2 * CELL_PAD
            self._room(height)
            self._draw_row(wrapped, widths, height)
            self.y += height
        self.y += 8

    def _draw_row(self, wrapped: list[list[str]], widths: list[float], height: float) -> None:
        top, x = self.y, MARGIN_X
        right = MARGIN_X + sum(widths)
        shape = self.page.new_shape()
        shape.draw_line((MARGIN_X, top), (right, top))
        shape.draw_line((MARGIN_X, top + height), (right, top + height))
        shape.draw_line((x, top), (x, top + height))
        for width, lines in zip(widths, wrapped, strict=True):
            for n, line in enumerate(lines):
                baseline = top + CELL_PAD + (n + 1) * TABLE_SIZE * 1.4 - TABLE_SIZE * 0.4
                self.page.insert_text(
                    (x + CELL_PAD, baseline), line, fontname=self.fontname, fontsize=TABLE_SIZE
                )
            x += width
            shape.draw_line((x, top), (x, top + height))
        shape.finish(color=(0, 0, 0), width=0.6)
        shape.commit()


class _Measure:
    """Text width as ``page.insert_text`` will draw it with a built-in font."""

    def __init__(self, fontname: str) -> None:
        self.fontname = fontname

    def text_length(self, text: str, fontsize: float) -> float:
        return pymupdf.get_text_length(text, fontname=self.fontname, fontsize=fontsize)


# A wrap unit: a run of ASCII (a number, a phone, a code, "¥9,876,000.00") or
# one other character, with any closing punctuation that must not start a line.
_WRAP_UNIT = re.compile(r"(?:[\x21-\x7e¥]+|.)[，。、；：！？）》”’]*", re.S)


def _wrap(font: Any, text: str, size: float, width: float, first_indent: float = 0.0) -> list[str]:
    """Greedy wrap by measured width, never splitting a number or code.

    Splitting "0760-88231456" across lines would make it unreadable to the
    identifier and price extractors, as it is in real PDFs; samples should be
    readable. A unit wider than a whole line is split by character.
    """
    lines: list[str] = []
    current, used = "", 0.0  # widths add up: the built-in fonts do not kern
    limit = width - first_indent
    for unit in _WRAP_UNIT.findall(text):
        unit_width = font.text_length(unit, fontsize=size)
        if current and used + unit_width > limit:
            lines.append(current)
            current, used, limit = "", 0.0, width
        while unit_width > limit and len(unit) > 1:
            cut = max(1, int(len(unit) * limit / unit_width))
            lines.append(unit[:cut])
            unit, limit = unit[cut:], width
            unit_width = font.text_length(unit, fontsize=size)
        current += unit
        used += unit_width
    if current or not lines:
        lines.append(current)
    return lines


def _column_widths(
    font: Any, rows: Sequence[Sequence[str]], ncols: int, total: float
) -> list[float]:
    """Widths that keep numeric columns on one line; text columns share the rest.

    A wrapped number ("1200.0" / "0") would not parse back, a wrapped name is
    harmless, so only columns with Chinese text give up width.
    """
    need = [36.0] * ncols
    textual = [False] * ncols
    body = rows[1:] or rows  # the header is Chinese in every column
    for row in rows:
        for c, cell in enumerate(row):
            need[c] = max(
                need[c], font.text_length(str(cell), fontsize=TABLE_SIZE) + 2 * CELL_PAD + 2
            )
    for row in body:
        for c, cell in enumerate(row):
            textual[c] = textual[c] or any(ord(ch) > 0x2E80 for ch in str(cell))
    fixed = sum(w for w, t in zip(need, textual, strict=True) if not t)
    flexible = sum(w for w, t in zip(need, textual, strict=True) if t)
    if fixed + flexible <= total:
        return need
    if flexible and fixed < total:
        scale = (total - fixed) / flexible
        return [w * scale if t else w for w, t in zip(need, textual, strict=True)]
    return [w * total / (fixed + flexible) for w in need]


def make_png(seed: int, size: int = 32) -> bytes:
    """A small deterministic PNG, distinct for each seed (a seal or logo stand-in)."""
    rng = random.Random(seed)
    base = [rng.randrange(256) for _ in range(3)]
    cells = [[rng.randrange(256) for _ in range(3)] for _ in range(16)]
    samples = bytearray()
    block = max(1, size // 4)
    for y in range(size):
        for x in range(size):
            cell = cells[(y // block % 4) * 4 + (x // block % 4)]
            samples.extend((cell[i] + base[i] * ((x + y) % 2)) % 256 for i in range(3))
    pix = pymupdf.Pixmap(pymupdf.csRGB, size, size, bytes(samples), False)
    return pix.tobytes("png")


# --------------------------------------------------------------------------
# Identifiers with check characters
# --------------------------------------------------------------------------
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
# Real administrative division codes, so generated ids look like real ones.
AREA_CODES = (
    "442000",
    "440103",
    "440106",
    "440304",
    "440604",
    "441302",
    "445102",
    "430102",
    "430602",
    "360102",
    "450103",
    "510107",
    "420106",
    "350203",
)
_CREDIT_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_CREDIT_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


def resident_id_check(first17: str) -> str:
    """GB 11643 check digit of the first 17 digits of a 身份证号."""
    total = sum(int(d) * w for d, w in zip(first17, _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11]


def make_resident_id(rng: random.Random) -> str:
    """A valid 18-digit 身份证号: area code, birth date 1965-1992, order, check."""
    area = rng.choice(AREA_CODES)
    birth = f"{rng.randint(1965, 1992)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}"
    body = f"{area}{birth}{rng.randint(1, 999):03d}"
    return body + resident_id_check(body)


def credit_code_check(first17: str) -> str:
    """GB 32100 check character of a 统一社会信用代码."""
    total = sum(_CREDIT_CHARS.index(c) * w for c, w in zip(first17, _CREDIT_WEIGHTS, strict=True))
    return _CREDIT_CHARS[(31 - total % 31) % 31]


def _org_code(rng: random.Random) -> str:
    """A 9-character organization code with its GB 11714 check character."""
    body = "".join(rng.choice("0123456789ABCDEFGHJKLMNPQRTUWXY") for _ in range(8))
    values = [int(c) if c.isdigit() else ord(c) - 55 for c in body]
    check = 11 - sum(v * w for v, w in zip(values, _ORG_WEIGHTS, strict=True)) % 11
    return body + {10: "X", 11: "0"}.get(check, str(check))


def make_credit_code(rng: random.Random) -> str:
    """A valid 统一社会信用代码 of an enterprise (91 + area + org code + check)."""
    body = "91" + rng.choice(AREA_CODES) + _org_code(rng)
    return body + credit_code_check(body)


def make_builder_cert(rng: random.Random, province: str = "粤") -> str:
    """A 注册建造师 registration number in the usual 省简称 + 13 digits form."""
    return f"{province}1{rng.randint(440000, 449999)}{rng.randint(2010, 2023) % 100:02d}{rng.randint(100000, 999999)}"


def make_mobile(rng: random.Random) -> str:
    return (
        rng.choice(("138", "139", "135", "186", "189", "177", "150"))
        + f"{rng.randint(0, 99999999):08d}"
    )


# --------------------------------------------------------------------------
# Amounts
# --------------------------------------------------------------------------
_DIGITS = "零壹贰叁肆伍陆柒捌玖"
_SMALL_UNITS = ("", "拾", "佰", "仟")
_BIG_UNITS = ("", "万", "亿")


def format_amount(value: float) -> str:
    """9876000 -> '9,876,000.00'."""
    return f"{value:,.2f}"


def amount_in_words(value: float) -> str:
    """人民币大写 of an amount: 9876000.00 -> '玖佰捌拾柒万陆仟元整'."""
    cents = round(value * 100)
    if cents < 0:
        raise ValueError("amounts are not negative")
    yuan, jiao, fen = cents // 100, cents // 10 % 10, cents % 10
    words = (_integer_words(yuan) + "元") if yuan else ""
    if not jiao and not fen:
        return (words or "零元") + "整"
    if jiao:
        words += _DIGITS[jiao] + "角"
    elif yuan:
        words += "零"
    if fen:
        words += _DIGITS[fen] + "分"
    return words


def _integer_words(number: int) -> str:
    groups: list[int] = []
    while number:
        groups.append(number % 10000)
        number //= 10000
    words, zero_pending = "", False
    for index in range(len(groups) - 1, -1, -1):
        group = groups[index]
        if group == 0:
            zero_pending = bool(words)
            continue
        if words and (zero_pending or group < 1000):
            words += "零"
        words += _group_words(group) + _BIG_UNITS[index]
        zero_pending = False
    return words


def _group_words(group: int) -> str:
    words, zero = "", False
    for position in range(3, -1, -1):
        digit = group // 10**position % 10
        if digit == 0:
            zero = bool(words)
            continue
        if zero:
            words += "零"
            zero = False
        words += _DIGITS[digit] + _SMALL_UNITS[position]
    return words


# --------------------------------------------------------------------------
# Chinese bid text
# --------------------------------------------------------------------------
# Sentence templates: "[a|b]" picks one alternative, "{n:lo:hi}" an integer,
# "{d:lo:hi}" a one-decimal number, and named slots below. Fixed runs are
# kept short and broken by slots, so that two plans from different seeds share
# stock phrases and standard citations but not long passages, as two honest
# bidders' plans do.
STANDARDS = (
    "《混凝土结构工程施工质量验收规范》GB50204-2015",
    "《建筑工程施工质量验收统一标准》GB50300-2013",
    "《建筑地基基础工程施工质量验收标准》GB50202-2018",
    "《砌体结构工程施工质量验收规范》GB50203-2011",
    "《钢筋焊接及验收规程》JGJ18-2012",
    "《建筑施工安全检查标准》JGJ59-2011",
    "《施工现场临时用电安全技术规范》JGJ46-2005",
    "《建筑施工扣件式钢管脚手架安全技术规范》JGJ130-2011",
    "《城镇道路工程施工与质量验收规范》CJJ1-2008",
    "《公路沥青路面施工技术规范》JTG F40-2004",
    "《建筑机械使用安全技术规程》JGJ33-2012",
    "《建筑施工高处作业安全技术规范》JGJ80-2016",
    "《给水排水管道工程施工及验收规范》GB50268-2008",
    "《建设工程施工现场环境与卫生标准》JGJ146-2013",
)
EQUIPMENT_BY_USE = {
    "eq_earth": ("挖掘机PC200", "挖掘机PC220", "挖掘机SY215", "装载机ZL50"),
    "eq_roller": ("压路机XS222J", "振动压路机YZ18", "胶轮压路机XP302", "双钢轮压路机DD110"),
    "eq_pump": ("混凝土输送泵HBT60", "混凝土输送泵HBT80", "泵车SY5419"),
    "eq_survey": ("水准仪DS3", "全站仪TS09", "全站仪NTS-362", "GPS RTK接收机"),
    "eq_lift": ("塔吊QTZ80", "塔吊QTZ63", "汽车吊QY25", "施工电梯SC200"),
}
EQUIPMENT = (
    "塔吊QTZ80",
    "塔吊QTZ63",
    "挖掘机PC200",
    "挖掘机PC220",
    "装载机ZL50",
    "压路机XS222J",
    "振动压路机YZ18",
    "沥青摊铺机ABG423",
    "混凝土输送泵HBT60",
    "汽车吊QY25",
    "钢筋切断机GQ40",
    "钢筋弯曲机GW40",
    "交流电焊机BX1-500",
    "平板振动器ZB11",
    "插入式振动器ZN50",
    "施工电梯SC200",
    "自卸汽车15t",
    "洒水车8t",
    "水准仪DS3",
    "全站仪TS09",
)
GRADES = ("C15", "C20", "C25", "C30", "C35", "C40")
REBARS = ("HRB400", "HPB300", "HRB400E")
MONTHS = ("三月", "四月", "五月", "六月", "七月", "八月", "九月", "十月")
PEOPLE = ("项目经理", "技术负责人", "施工员", "质检员", "安全员", "材料员", "资料员", "测量员")
WORKS = (
    "土方开挖",
    "基础施工",
    "主体结构",
    "砌体工程",
    "屋面防水",
    "装饰装修",
    "道路基层",
    "沥青面层",
    "雨污水管道",
    "附属工程",
)

SECTION_TITLES = (
    "工程概况",
    "施工部署",
    "主要施工方法",
    "质量保证措施",
    "安全文明施工措施",
    "进度计划及保证措施",
    "主要机械设备配置",
    "劳动力安排计划",
    "环境保护措施",
    "冬雨季施工措施",
)

POOL: dict[str, tuple[str, ...]] = {
    "工程概况": (
        "{proj}[位于|地处|坐落于]{city}{district}，[总建筑面积约|施工范围约|主要工作面约]{n:3200:28000}平方米。",
        "[工程内容包括|本次招标范围包括|主要施工内容为]{work}、{work}及{work}等[，详见工程量清单|，以施工图纸为准|]。",
        "[计划工期|合同工期|招标工期]为{n:90:420}日历天，[质量目标为合格|质量要求达到合格标准|工程质量须一次验收合格]。",
        "[场地|现场]{pick:东侧|西侧|南侧|北侧}[紧邻|靠近|毗邻]{road}，[交通较为便利|材料运输条件较好|进出场道路需临时加固]。",
        "[基础形式为|设计采用|结构基础选用]{pick:预应力管桩|钻孔灌注桩|独立基础|筏板基础}，[桩长约|埋深约]{d:1.5:28.0}米。",
        "[主体结构|上部结构]为{pick:框架结构|框架剪力墙结构|砖混结构}，[地上|共]{n:3:18}层，[层高|标准层高]{d:3.0:4.5}米。",
        "[道路|路面]设计宽度{n:12:48}米，[全长|改造长度]约{n:380:3600}米，[面层采用|路面结构为]{n:4:6}厘米{pick:AC-13|AC-16|AC-20}沥青混凝土。",
        "{co}[经现场踏勘|通过踏勘现场|组织技术人员踏勘后]认为，[本工程|该项目]{pick:工序交叉多|施工场地狭小|地下管线复杂|交通疏导压力大}。",
        "[地下水位|勘察水位]埋深约{d:0.8:6.5}米，[土层以|地层主要为]{pick:粉质黏土|淤泥质土|砂质黏土|素填土}[为主|组成]。",
        "[混凝土强度等级|结构混凝土]为{grade}，[垫层|基础垫层]采用{grade}，钢筋[采用|主要为]{rebar}。",
        "[本工程|项目]{pick:重点|难点}在于{pick:深基坑支护|雨季土方施工|高支模施工|不中断交通施工|管线迁改协调}，[需提前编制专项方案|须重点组织]。",
    ),
    "施工部署": (
        "{co}[将|拟]组建[项目经理部|项目管理班子]，[设|配备]{person}、{person}等[管理人员|岗位]{n:8:26}名。",
        "[施工区域|全线|场区]划分为{n:2:6}个[施工段|作业区|流水段]，[按|采取]{pick:分段流水|平行交叉|先地下后地上}[方式|原则]组织施工。",
        "[临时设施|生活区|办公区]布置在场地{pick:东北角|西南角|东南角|西北角}，[占地约|面积约]{n:300:1600}平方米。",
        "[施工用水|临时用水]从{pick:市政管网|业主指定接驳点|现场水井}接入，[主管|干管]管径DN{pick:50|65|80|100}。",
        "[施工用电|临时用电]由{pick:业主提供的变压器|现场箱变|市政电网}引入，[配备|设置]{n:2:8}个二级配电箱。",
        "[总体|施工]顺序按照{pick:先地下后地上|先主体后围护|先结构后装修|先深后浅}的原则，[统筹|合理]安排{work}与{work}。",
        "[项目部|我方]实行{pick:周例会|日碰头会|月度计划}制度，[每|按]{n:1:7}天[检查|通报]一次[进度与质量|现场情况]。",
        "[现场|施工]道路[采用|铺设]{n:15:25}厘米厚{grade}混凝土，宽度{n:4:7}米[，形成环形通道|，满足车辆通行|]。",
        "[材料堆场|钢筋加工场]设于{pick:塔吊覆盖范围内|场地北侧|主体结构西侧}，[面积约|约]{n:200:900}平方米。",
        "[管理目标|施工目标]：{pick:工期|质量|安全|文明施工}[达到|满足]{pick:合同要求|招标文件要求|市级标准化工地要求}。",
    ),
    "主要施工方法": (
        "[土方开挖|基坑开挖]采用{eq_earth}[配合人工|辅以人工]清底，[分层|每层]开挖厚度不超过{d:1.0:2.5}米。",
        "[回填土|填方]应分层[压实|夯实]，每层[虚铺|铺土]厚度{n:200:300}毫米，压实度不小于{n:93:97}%。",
        "[模板|支模]采用{n:12:18}毫米厚[木胶合板|多层板]，[背楞|次楞]间距不大于{n:200:300}毫米。",
        "[钢筋|受力钢筋]采用{rebar}，直径{n:16:32}毫米以上[采用|优先采用]{pick:直螺纹套筒连接|电渣压力焊|闪光对焊}。",
        "[混凝土|商品混凝土]采用{eq_pump}泵送[浇筑|入模]，[坍落度|入泵坍落度]控制在{n:140:200}毫米[左右|以内]。",
        "[浇筑后|混凝土终凝后]应在{n:8:12}小时内[覆盖|开始]养护，养护时间不少于{n:7:14}天。",
        "[砌体|填充墙]采用{pick:蒸压加气混凝土砌块|页岩多孔砖|混凝土空心砌块}，砂浆强度等级M{pick:5|7.5|10}。",
        "[水泥稳定碎石|基层]水泥剂量{d:4.0:6.0}%，[分层摊铺|摊铺]厚度{n:15:20}厘米，[采用|配合]{eq_roller}碾压。",
        "[沥青混合料|面层]摊铺温度不低于{n:135:160}℃，[初压|碾压]采用{eq_roller}，[碾压遍数|复压]不少于{n:3:6}遍。",
        "[管道|雨污水管]采用{pick:HDPE双壁波纹管|钢筋混凝土管|球墨铸铁管}，[管径|规格]DN{pick:300|400|500|600|800}。",
        "[测量放线|施工测量]使用{eq_survey}，[控制点|导线点]每{n:50:200}米[设置|布设]一个并[定期|每月]复核。",
        "[外脚手架|脚手架]采用{pick:双排落地式|悬挑式|盘扣式}，立杆纵距{d:1.2:1.8}米，[步距|横杆步距]{d:1.5:1.8}米。",
        "[屋面防水|防水层]采用{n:3:4}毫米厚{pick:SBS改性沥青卷材|高分子防水卷材|聚氨酯涂膜}，[搭接宽度|搭接]不小于{n:80:100}毫米。",
        "{work}[共|约]{n:6:40}道工序应[符合|执行]{std}第{n:3:9}.{n:1:6}.{n:1:12}条。",
    ),
    "质量保证措施": (
        "[对|针对]{work}的{n:12:96}个检验批[严格执行|认真贯彻|全面落实]{std}第{n:3:9}.{n:1:6}.{n:1:12}条。",
        "{co}[建立|推行]以{person}为[首|核心]的质量管理体系，[质检员|专职质检人员]{n:2:5}名[全程|驻场]旁站。",
        "[钢筋|水泥|砂石]按每{n:30:200}吨{pick:为一批|一个检验批}[见证取样|抽样送检]，[不合格材料|不合格品]{n:24:48}小时内[清退出场|退场]。",
        "{work}[涉及的|中的]隐蔽[部位|工程]提前{n:24:48}小时[通知|书面通知][监理工程师|监理单位]，验收签字后[进入|转入][下道工序|后续施工]。",
        "[混凝土试块|同条件试块]每{n:50:100}立方米[留置|制作]一组，[标准养护|养护]{n:28:28}天后送检。",
        "[实测实量|质量检查]合格率[目标|须达到]{n:90:98}%以上，[问题|偏差]在{n:24:72}小时内整改。",
        "[推行|开展]{pick:QC小组活动|质量月活动|质量样板制度}，[每|按]{pick:月|季度}[评比|总结]一次。",
        "[钢筋保护层|保护层厚度]偏差控制在±{n:3:8}毫米以内，[采用|使用]{pick:塑料垫块|砂浆垫块}。",
        "[模板|支模]拆除时混凝土强度[须|应]达到设计强度的{n:75:100}%，[并经|经]{person}[确认|签认]。",
        "[关键工序|重要部位]{n:5:30}处实行[挂牌|责任]制度，[标明|注明]{pick:施工班组|责任人|检查时间}。",
    ),
    "安全文明施工措施": (
        "[按|依照]{std}第{n:3:9}.{n:1:6}.{n:1:12}条，{pick:楼层临边|基坑周边|楼梯口|电梯井口}防护栏杆高度不低于{d:1.2:1.5}米。",
        "[施工现场|工地]设置{n:2:4}道门禁[系统|通道]，[登记|录入]人员约{n:60:260}人，[实行|推行]实名制管理。",
        "[临时用电|现场用电]采用TN-S系统，[设|配置]配电箱{n:12:48}个，[三级配电|实行三级配电]两级保护。",
        "[开关箱|末级开关箱]{n:20:90}个，[漏电保护器|末级漏电]动作电流不大于{n:15:30}mA，[动作时间|额定漏电动作时间]不大于0.1秒。",
        "[特种作业人员|电工、焊工等]{n:4:30}人[必须|均须]持证上岗，[每日|每天]开工前进行{n:10:20}分钟[班前|安全]教育。",
        "[围挡|施工围挡]高度{d:1.8:2.5}米，[采用|统一使用]{pick:彩钢板|装配式围挡|砖砌围墙}[连续|封闭]设置。",
        "[塔吊|起重设备]{eq_lift}[安装|投入使用]前须经检测合格，[回转半径内|作业范围内]设警戒区。",
        "[脚手架|外架]搭设高度约{d:12.0:60.0}米，每{n:2:4}步[组织|进行][验收|检查]，[挂牌|验收合格后][使用|投入使用]。",
        "{co}[配备|设置]专职{person}{n:1:3}名，[每周|每月]组织{n:1:4}次安全检查。",
        "[消防|防火]器材按每{n:100:300}平方米不少于{n:2:4}具[配置|设置]，动火作业[办理|须办理]审批。",
        "[夜间施工|夜间作业]照度不低于{n:30:80}勒克斯，[并|同时]做好[噪声|扰民]控制。",
    ),
    "进度计划及保证措施": (
        "[总工期|计划工期]{n:120:420}日历天，计划于{month}[开工|进场]，[其中|]{work}[安排|计划]{n:15:60}天。",
        "[采用|编制]{pick:横道图|网络计划|双代号网络图}[控制|管理]进度，[关键线路|主线]为{work}至{work}。",
        "[每周|每旬]对比计划与实际进度，偏差超过{n:3:7}天时[调整|增加]{pick:劳动力|机械|作业班次}。",
        "[材料|主要材料]提前{n:7:20}天[订货|组织进场]，[现场储备|储备量]满足{n:5:15}天用量。",
        "[高峰期|施工高峰]投入劳动力约{n:60:220}人，[实行|安排]{pick:两班倒|轮班作业|平行作业}。",
        "[雨季|汛期]到来前{n:10:40}天完成{work}，[避免|减少]对{work}的影响。",
        "[设立|制定]{n:3:6}个进度节点，[节点|里程碑]滞后时由{person}[组织|召开]专题会。",
        "[与|和]{pick:监理单位|建设单位|设计单位}[保持|建立]日常沟通，[图纸问题|设计变更]在{n:24:48}小时内[答复|落实]。",
    ),
    "主要机械设备配置": (
        "[投入|配置]{eq}{n:1:6}台，[主要用于|承担]{work}[施工|作业]。",
        "[计划|拟]投入{eq}{n:1:4}台、{eq}{n:1:4}台，[设备|机械]均为{pick:自有|租赁|自有及租赁}。",
        "[设备|机械]进场前{n:3:10}天[完成|进行]检修保养，[完好率|完好率要求]不低于{n:90:98}%。",
        "[检测仪器|测量仪器]配备{eq_survey}{n:1:3}台，[均在|须在]检定有效期内。",
        "[机械|设备]操作人员{n:6:30}名[持证上岗|须持证]，[执行|实行]{pick:定人定机|交接班|日检}制度。",
        "[备用|应急]{pick:发电机|抽水泵|照明设备}{n:1:4}台，[满足|保证]{pick:停电|暴雨|夜间}时连续施工。",
    ),
    "劳动力安排计划": (
        "[木工|钢筋工|混凝土工]{n:8:40}人，[按|随]{work}进度[分批|逐步]进场。",
        "[劳务|作业]人员进场前[接受|进行]不少于{n:20:48}学时的[三级安全教育|岗前培训]，[考核合格|培训合格]后上岗。",
        "[工资|劳务费]于每月{n:5:25}日前[足额|及时]发放，[工资专户|农民工工资专用账户]由{person}[负责|监督]。",
        "[高峰期|施工高峰]总人数约{n:70:240}人，[平均|日常]约{n:30:120}人。",
        "[管理人员|项目管理人员]{n:8:20}人，[其中|包括]{person}{n:1:2}人、{person}{n:1:3}人。",
        "[特殊工种|特种作业人员]包括{pick:电工|焊工|架子工|起重司机}{n:2:10}人，[均|全部]持有效证件。",
    ),
    "环境保护措施": (
        "[出入口|大门口]设置洗车槽及{n:3:8}米长[冲洗平台|沉淀池]，车辆[冲洗后|清洗干净]出场。",
        "[裸露土方|堆土]采用{pick:密目网|防尘网|绿网}覆盖，[覆盖率|覆盖]达到{n:95:100}%。",
        "[施工噪声|噪声]昼间不超过{n:65:70}分贝，夜间不超过{n:50:55}分贝。",
        "[建筑垃圾|施工垃圾]分类[堆放|收集]，[每|按]{n:1:3}天[清运|外运]一次。",
        "[现场|工地]配备{pick:雾炮机|喷淋系统|洒水车}{n:1:4}台，[每日|每天]洒水不少于{n:3:6}次。",
        "[执行|遵守]{std}第{n:3:9}.{n:1:6}.{n:1:12}条，[围挡内|场内]{pick:工完场清|六个百分百|绿色施工}[检查|考核]每{n:3:15}天一次。",
    ),
    "冬雨季施工措施": (
        "[雨季|汛期]前[疏通|检查]排水沟，[设置|配备]集水井{n:2:8}个及{pick:抽水泵|潜水泵}{n:2:6}台。",
        "[降雨|雨天]超过{pick:中雨|大雨}时[停止|暂停]{work}，[并|同时]做好[覆盖|防护]。",
        "[日平均气温|平均气温]连续{n:3:5}天低于{n:3:5}℃时[按|执行]冬期施工。",
        "[混凝土|浇筑后]采用{pick:塑料薄膜加草帘|保温被|电热毯}覆盖，入模温度不低于{n:5:10}℃。",
        "[台风|大风]天气前对{pick:塔吊|脚手架|围挡}[加固|检查]，风力{n:6:7}级以上[停止|暂停]高处作业。",
    ),
}
SECTION_OPENERS = (
    "{co}[针对|结合]本工程[特点|实际情况]，[编制|制定]{title}如下。",
    "[为|为了][确保|保证]{n:90:420}天工期内顺利实施，{co}[就|对]{title}[作如下安排|说明如下]。",
    "[本节|以下]分{n:3:9}[条|点|项][说明|阐述]{co}的{title}。",
    "{title}[是|为][本工程|项目]实施的[重要环节|重点]，{co}[安排|指定]{n:2:9}名[专人|技术人员][负责|落实]。",
)
# Random connectives between sentences also break up long shared runs.
CONNECTORS = (
    "",
    "",
    "",
    "同时，",
    "此外，",
    "另外，",
    "其中，",
    "并且",
    "施工中",
    "为此，",
    "具体而言，",
    "必要时",
)
CITIES = ("中山市", "江门市", "佛山市", "珠海市", "肇庆市", "清远市", "惠州市")
DISTRICTS = ("石岐街道", "东区", "火炬开发区", "南头镇", "小榄镇", "三乡镇", "坦洲镇", "古镇镇")
ROADS = ("兴中道", "博爱路", "中山路", "港口大道", "民众大道", "东明路", "南外环")

_CHOICE = re.compile(r"\[([^\[\]]*)\]")
_SLOT = re.compile(r"\{(\w+)(?::([^}]*))?\}")


def _fill(template: str, rng: random.Random, context: Mapping[str, str]) -> str:
    """Expand "[a|b]" choices, then "{slot}" values, in template order."""
    text = _CHOICE.sub(lambda m: rng.choice(m.group(1).split("|")), template)
    return _SLOT.sub(lambda m: _slot(m, rng, context), text)


def _slot(match: re.Match, rng: random.Random, context: Mapping[str, str]) -> str:
    name, args = match.group(1), match.group(2) or ""
    if name == "n":
        lo, hi = args.split(":")
        return str(rng.randint(int(lo), int(hi)))
    if name == "d":
        lo, hi = args.split(":")
        return f"{rng.uniform(float(lo), float(hi)):.1f}"
    if name == "pick":
        return rng.choice(args.split("|"))
    tables = {
        "grade": GRADES,
        "rebar": REBARS,
        "eq": EQUIPMENT,
        "std": STANDARDS,
        "month": MONTHS,
        "person": PEOPLE,
        "work": WORKS,
        "city": CITIES,
        "district": DISTRICTS,
        "road": ROADS,
        **EQUIPMENT_BY_USE,
    }
    if name in tables:
        return rng.choice(tables[name])
    return context[name]


def short_name(company: str) -> str:
    """中山市宏达建设有限公司 -> 宏达建设: what a bid calls itself in the text."""
    name = re.sub(r"^(广东省|广东|\w{2}市)", "", company)
    name = re.sub(r"(股份)?有限(责任)?公司$|集团$", "", name)
    return name or company


def technical_plan(
    rng: random.Random,
    company: str,
    *,
    sections: int = 6,
    paragraphs_per_section: int = 4,
    project: str = "本工程",
) -> list[tuple[str, list[str]]]:
    """A plausible 施工组织设计: [(heading, [paragraph, ...]), ...].

    Section titles come from ``SECTION_TITLES`` (工程概况 first, the rest
    chosen by ``rng`` in their usual order); each paragraph joins 3-5 filled
    sentence templates of its section's pool.
    """
    if not 1 <= sections <= len(SECTION_TITLES):
        raise ValueError(f"sections must be 1..{len(SECTION_TITLES)}, got {sections}")
    chosen = [0] + sorted(rng.sample(range(1, len(SECTION_TITLES)), sections - 1))
    numbering = rng.choice((_chapter_number, _chinese_number, _arabic_number))
    # Each bidder has a habit ("我公司", "我方" ...) but names itself now and then.
    context = {
        "co": rng.choice(("我公司", "我单位", "我方")),
        "short": short_name(company),
        "proj": project,
    }
    plan = []
    for ordinal, index in enumerate(chosen, start=1):
        title = SECTION_TITLES[index]
        paragraphs = [
            _paragraph(rng, title, context, opener=(n == 0)) for n in range(paragraphs_per_section)
        ]
        plan.append((numbering(ordinal) + title, paragraphs))
    return plan


def _paragraph(rng: random.Random, title: str, context: Mapping[str, str], opener: bool) -> str:
    pool = POOL[title]
    templates = rng.sample(pool, min(len(pool), rng.randint(3, 5)))
    if opener:
        templates.insert(0, rng.choice(SECTION_OPENERS))
    # The bidder calls itself by its habit or by name, varying by sentence;
    # section openers name it more often, as real bids do.
    sentences = [
        _fill(
            t, rng, {**context, "title": title, "co": _self_name(rng, context, opener and n == 0)}
        )
        for n, t in enumerate(templates)
    ]
    joined = sentences[0]
    for sentence in sentences[1:]:
        joined += rng.choice(CONNECTORS) + sentence
    return joined


def _self_name(rng: random.Random, context: Mapping[str, str], opening: bool) -> str:
    habit, name = context["co"], context["short"]
    return rng.choice((habit, name) if opening else (habit, habit, name))


_CN_NUMBERS = "一二三四五六七八九十"


def _chapter_number(n: int) -> str:
    return f"第{_CN_NUMBERS[n - 1]}章 "


def _chinese_number(n: int) -> str:
    return f"{_CN_NUMBERS[n - 1]}、"


def _arabic_number(n: int) -> str:
    return f"{n} "


# --------------------------------------------------------------------------
# Tender forms
# --------------------------------------------------------------------------
BLANK = "________"
# The labels after a blank say what the bidder writes there.
FIELD_LABELS = {
    "company": "投标人名称",
    "legal_rep": "法定代表人姓名",
    "agent": "委托代理人姓名",
    "price_figures": "小写金额",
    "price_words": "大写金额",
}


def _blank(label: str) -> str:
    return f"{BLANK}（{label}）"


def tender_forms(
    project_name: str, tenderer: str, agency: str, agency_phone: str
) -> list[tuple[str, list[str]]]:
    """The standard bid forms as printed in a 招标文件, blanks left open."""
    company, rep, agent = (_blank(FIELD_LABELS[k]) for k in ("company", "legal_rep", "agent"))
    return [
        (
            "投标函",
            [
                f"致：{tenderer}",
                f"1. 我方已仔细研究了{project_name}招标文件的全部内容，愿意以人民币"
                f"{_blank(FIELD_LABELS['price_words'])}（¥{_blank(FIELD_LABELS['price_figures'])}）"
                "的投标总报价，按合同约定实施和完成承包工程，修补工程中的任何缺陷，工程质量达到合格标准。",
                "2. 我方承诺在投标有效期内不修改、撤销投标文件。投标有效期为自投标截止之日起90日历天。",
                f"3. 我方已知悉招标代理机构{agency}（联系电话：{agency_phone}）发布的全部澄清与修改文件。",
                "4. 如我方中标，我方承诺在收到中标通知书后，在中标通知书规定的期限内与你方签订合同。",
                f"投标人：{company}（盖单位章）",
                f"法定代表人或其委托代理人：{rep}（签字）",
                f"统一社会信用代码：{_blank('统一社会信用代码')}",
            ],
        ),
        (
            "法定代表人身份证明",
            [
                f"投标人名称：{company}",
                f"姓名：{rep}　性别：{_blank('性别')}　职务：{_blank('职务')}",
                f"身份证号码：{_blank('法定代表人身份证号码')}",
                f"系{company}的法定代表人。特此证明。",
            ],
        ),
        (
            "授权委托书",
            [
                f"本人{rep}系{company}的法定代表人，现委托{agent}为我方代理人。"
                f"代理人根据授权，以我方名义签署、澄清、说明、补正、递交、撤回、修改{project_name}投标文件，"
                "其法律后果由我方承担。委托期限：自本委托书签署之日起至投标有效期满。代理人无转委托权。",
                f"委托代理人身份证号码：{_blank('委托代理人身份证号码')}",
                f"联系电话：{_blank('委托代理人联系电话')}",
            ],
        ),
        (
            "投标保证金承诺",
            [
                f"我方已按招标文件要求从本单位基本账户向{agency}指定账户递交投标保证金。",
                f"开户银行：{_blank('开户银行')}　账号：{_blank('保证金转出账号')}",
                "如我方在投标有效期内撤销投标文件，或中标后无正当理由拒签合同，同意投标保证金不予退还。",
            ],
        ),
        (
            "廉洁承诺书",
            [
                "我方承诺在本项目投标活动中遵守国家有关法律法规，不与其他投标人相互串通投标，"
                "不向招标人或评标委员会成员行贿，不以他人名义投标或者以其他方式弄虚作假。",
                "如有违反，我方愿意承担相应法律责任，并接受有关行政监督部门的处理。",
            ],
        ),
    ]


def filled_forms(
    forms: Sequence[tuple[str, Sequence[str]]],
    company: str,
    legal_rep: str,
    agent: str,
    price: float,
    *,
    extra: Mapping[str, str] | None = None,
) -> list[tuple[str, list[str]]]:
    """Fill the blanks as a bidder does; ``extra`` maps other blank labels to values.

    Blanks nobody fills (e.g. 性别 when ``extra`` omits it) are left as printed.
    """
    values = {
        FIELD_LABELS["company"]: company,
        FIELD_LABELS["legal_rep"]: legal_rep,
        FIELD_LABELS["agent"]: agent,
        FIELD_LABELS["price_figures"]: format_amount(price),
        FIELD_LABELS["price_words"]: amount_in_words(price),
        **(extra or {}),
    }
    pattern = re.compile(re.escape(BLANK) + r"（([^）]+)）")

    def fill(match: re.Match) -> str:
        return values.get(match.group(1), match.group(0))

    return [(title, [pattern.sub(fill, line) for line in lines]) for title, lines in forms]


def sections_to_paragraphs(
    sections: Sequence[tuple[str, Sequence[str]]], level: int = 1
) -> list[Paragraph]:
    """[(heading, [para])] -> write_docx/write_pdf items: heading tuple then texts."""
    items: list[Paragraph] = []
    for heading, paragraphs in sections:
        items.append((heading, level))
        items.extend(paragraphs)
    return items


def smooth_png(seed: int, size: int = 96) -> bytes:
    """A photo-like picture (smooth colour waves), distinct per seed."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:size, 0:size] / size
    img = np.zeros((size, size, 3))
    for c in range(3):
        a, b, f, g = rng.uniform(0, 6, 4)
        img[:, :, c] = 127 + 100 * np.sin(a * x * 3 + f) * np.cos(b * y * 3 + g)
    samples = np.clip(img, 0, 255).astype(np.uint8).tobytes()
    return pymupdf.Pixmap(pymupdf.csRGB, size, size, samples, False).tobytes("png")
