"""DOCX: body text with headings and tables (python-docx), and the signature
codes python-docx does not expose (zipfile + a parser that resolves nothing).

Locator: DOCX has no pages. Every block carries its paragraph index in the
body (``index``, stable whatever renders the file) and, when Word recorded
them, the page counted from ``w:lastRenderedPageBreak`` and explicit page
breaks; a file that records no break at all gets ``page = None``.
"""

from __future__ import annotations

import hashlib
import io
import posixpath
import re
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote

import docx
from docx.document import Document as DocxDocument
from docx.table import Table
from docx.text.paragraph import Paragraph
from lxml import etree

from collusion.errors import ExtractionError, FileRefused
from collusion.extract.safexml import local_name, parse_xml
from collusion.extract.sniff import ZIP_ERRORS
from collusion.models import Block, SignatureValue
from collusion.settings import ExtractSettings

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
W14_NS = "http://schemas.microsoft.com/office/word/2010/wordml"
W15_NS = "http://schemas.microsoft.com/office/word/2012/wordml"
ATTACHED_TEMPLATE_TYPE = (
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships/attachedTemplate"
)
# Media smaller than this are spacer pixels (a 1x1 PNG or GIF is under 100
# bytes); anything larger, a logo or a seal scan, is hashed.
MIN_MEDIA_BYTES = 200
_PARSED_PARTS = (
    "word/document.xml", "word/settings.xml", "word/_rels/settings.xml.rels",
    "docProps/core.xml", "docProps/app.xml", "docProps/custom.xml", "word/comments.xml",
    "word/styles.xml", "word/numbering.xml",
)
# Without these the body cannot be found or read: damage here fails the file.
ESSENTIAL_PARTS = frozenset({"word/document.xml", "[Content_Types].xml", "_rels/.rels"})
# A list level whose label reads like a chapter or section title.
_CHAPTER_LABEL = re.compile(r"第[^%]*%\d[^%]*[章节篇部]")
# A numbered paragraph longer than this, or ending like a sentence, is a
# numbered list item, not a title.
NUMBERED_HEADING_MAX_CHARS = 40
SENTENCE_ENDS = ("。", "；", ";", "：", ":", "，")
_HEADING_STYLE = re.compile(r"^(?:heading|标题)\s*(\d)$", re.IGNORECASE)


@dataclass(frozen=True)
class DocxContent:
    blocks: tuple[Block, ...]
    signatures: tuple[SignatureValue, ...]
    pages: int | None
    notes: tuple[str, ...] = ()  # damaged parts left out, for the report


def read_docx(path: Path, rel: str, settings: ExtractSettings,
              data: bytes | None = None) -> DocxContent:
    """Read one DOCX (from ``data`` when given, else from path); raise
    ExtractionError with a reason a clerk can act on.

    A damaged part that the body does not need (a thumbnail, the core
    properties, a header) is left out and named in ``notes``: the file is
    still read, less the signature codes that part held.
    """
    notes: list[str] = []
    parts = _read_parts(io.BytesIO(data) if data is not None else path, settings, notes)
    if "word/document.xml" not in parts:
        raise ExtractionError("DOCX 缺少 word/document.xml 正文部件")
    # Every XML part is parsed here, safely, before python-docx sees any of
    # them: a part with a DTD or entities is refused (FileRefused propagates),
    # and the metadata is read from these trees.
    trees: dict[str, etree._Element] = {}
    for name in sorted(parts):
        if not name.endswith((".xml", ".rels")):
            continue
        try:
            tree = parse_xml(parts[name], name)
        except FileRefused:
            raise
        except ExtractionError as exc:
            if name in ESSENTIAL_PARTS:
                raise
            del parts[name]
            notes.append(f"{exc}，已跳过该部件（其中的特征码未读取）")
            continue
        if name in _PARSED_PARTS:
            trees[name] = tree
    try:
        document = docx.Document(io.BytesIO(_rezip(parts)))
    except Exception as exc:  # python-docx raises many kinds on broken packages
        raise ExtractionError(f"python-docx 无法打开此文件: {type(exc).__name__}: {exc}") from exc
    levels = numbering_levels(trees.get("word/numbering.xml"))
    blocks, pages = _body_blocks(document, levels)
    signatures = _signatures(parts, trees, rel)
    return DocxContent(blocks=blocks, signatures=signatures, pages=pages, notes=tuple(notes))


def _bomb(message: str) -> FileRefused:
    return FileRefused(f"{message}（疑似压缩炸弹），出于安全未读取")


def _read_parts(source: Path | io.BytesIO, settings: ExtractSettings,
                notes: list[str]) -> dict[str, bytes]:
    """Every part, read with a hard cap so a decompression bomb stops early.

    A part that will not inflate (bad CRC, broken deflate data) is left out
    with a note, unless the body needs it.
    """
    try:
        archive = zipfile.ZipFile(source)
    except ZIP_ERRORS as exc:
        raise ExtractionError(f"不是有效的 DOCX（zip 结构损坏）: {exc}") from exc
    parts: dict[str, bytes] = {}
    total = 0
    with archive:
        infos = [info for info in archive.infolist() if not info.is_dir()]
        max_parts = settings.max_docx_parts
        if len(infos) > max_parts:
            raise _bomb(f"DOCX 含 {len(infos)} 个部件，超过上限 {max_parts}")
        # The declared sizes are checked before anything is inflated.
        for info in infos:
            if info.file_size > settings.max_docx_part_bytes:
                raise _bomb(f"DOCX 部件 {info.filename} 声明解压后 {info.file_size} 字节，"
                            f"超过上限 {settings.max_docx_part_bytes} 字节")
        declared = sum(info.file_size for info in infos)
        if declared > settings.max_docx_total_bytes:
            raise _bomb(f"DOCX 各部件声明解压后总大小 {declared} 字节，"
                        f"超过上限 {settings.max_docx_total_bytes} 字节")
        for info in infos:
            # Declared sizes can lie, so the read itself is bounded too.
            try:
                with archive.open(info) as handle:
                    data = handle.read(settings.max_docx_part_bytes + 1)
            except (*ZIP_ERRORS, zlib.error) as exc:
                reason = f"DOCX 部件 {info.filename} 已损坏，无法解压（{_zip_reason(exc)}）"
                if info.filename in ESSENTIAL_PARTS:
                    raise ExtractionError(reason) from exc
                notes.append(f"{reason}，已跳过该部件")
                continue
            if len(data) > settings.max_docx_part_bytes:
                raise _bomb(f"DOCX 部件 {info.filename} 解压后超过上限 "
                            f"{settings.max_docx_part_bytes} 字节")
            total += len(data)
            if total > settings.max_docx_total_bytes:
                raise _bomb(f"DOCX 解压后总大小超过上限 {settings.max_docx_total_bytes} 字节")
            parts.setdefault(info.filename, data)
    return parts


def _zip_reason(exc: Exception) -> str:
    text = str(exc)
    if "CRC" in text:
        return "校验和不符"
    if "decompressing" in text or isinstance(exc, zlib.error):
        return "压缩数据损坏"
    if "differ" in text:
        return "目录与文件头不一致"
    if isinstance(exc, RuntimeError) and "encrypted" in text:
        return "部件已加密"
    if isinstance(exc, NotImplementedError):
        return "不支持的压缩方式"
    return text[:120] or type(exc).__name__


def _rezip(parts: dict[str, bytes]) -> bytes:
    """The package rebuilt from the checked parts, so python-docx reads only
    those, without relationships to parts that are missing (Word opens such a
    file; python-docx would stop at the first dangling one)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        for name, data in parts.items():
            if name.endswith(".rels"):
                data = _without_dangling(name, data, parts)
            archive.writestr(name, data)
    return buffer.getvalue()


def _without_dangling(name: str, data: bytes, parts: dict[str, bytes]) -> bytes:
    try:
        root = parse_xml(data, name)
    except ExtractionError:
        return data  # python-docx reports it in its own words
    folder = posixpath.dirname(posixpath.dirname(name))  # word/_rels/x.rels -> word
    dropped = False
    for rel in list(root):
        target = rel.get("Target") or ""
        if rel.get("TargetMode") == "External" or not target:
            continue
        joined = target.lstrip("/") if target.startswith("/") else posixpath.join(folder, target)
        resolved = posixpath.normpath(joined)
        if resolved not in parts and unquote(resolved) not in parts:
            root.remove(rel)
            dropped = True
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8") if dropped else data


# --- body -------------------------------------------------------------------

def _paragraph_heading_level(paragraph: Paragraph) -> int | None:
    p_pr = paragraph._p.pPr
    if p_pr is not None:
        outline = p_pr.find(f"{{{W_NS}}}outlineLvl")
        if outline is not None:
            return _outline_to_level(outline.get(f"{{{W_NS}}}val"))
    style = _safe_style(paragraph)
    while style is not None:
        match = _HEADING_STYLE.match((style.name or "").strip())
        if match:
            return int(match.group(1))
        if (style.name or "").lower() in {"title", "标题"}:
            return 1
        style_ppr = style.element.pPr
        if style_ppr is not None:
            outline = style_ppr.find(f"{{{W_NS}}}outlineLvl")
            if outline is not None:
                return _outline_to_level(outline.get(f"{{{W_NS}}}val"))
        style = style.base_style
    return None


def _safe_style(paragraph: Paragraph):  # noqa: ANN202 - python-docx style object
    try:
        return paragraph.style
    except (KeyError, ValueError, AttributeError):
        return None


def _outline_to_level(value: str | None) -> int | None:
    try:
        level = int(value or "")
    except ValueError:
        return None
    # outlineLvl 9 means body text in Word.
    return level + 1 if 0 <= level < 9 else None


def _page_breaks_in(element) -> int:  # noqa: ANN001 - lxml element
    rendered = len(element.findall(f".//{{{W_NS}}}lastRenderedPageBreak"))
    explicit = sum(1 for br in element.iter(f"{{{W_NS}}}br")
                   if br.get(f"{{{W_NS}}}type") == "page")
    return rendered + explicit


@dataclass(frozen=True)
class NumberingLevel:
    """One level of a Word list definition: its label pattern and format."""

    label: str  # w:lvlText, e.g. "第%1章", "%1、", "%1.%2"
    fmt: str  # w:numFmt, e.g. "chineseCounting", "decimal"
    outline: int | None  # heading level from the level's own outlineLvl


def numbering_levels(numbering: etree._Element | None) -> dict[tuple[str, int], NumberingLevel]:
    """(numId, ilvl) -> the level definition, from word/numbering.xml."""
    if numbering is None:
        return {}
    val = f"{{{W_NS}}}val"
    abstract: dict[str, dict[int, NumberingLevel]] = {}
    for definition in numbering.iter(f"{{{W_NS}}}abstractNum"):
        levels: dict[int, NumberingLevel] = {}
        for lvl in definition.iter(f"{{{W_NS}}}lvl"):
            try:
                ilvl = int(lvl.get(f"{{{W_NS}}}ilvl") or "0")
            except ValueError:
                continue
            text = lvl.find(f"{{{W_NS}}}lvlText")
            fmt = lvl.find(f"{{{W_NS}}}numFmt")
            outline = lvl.find(f"{{{W_NS}}}pPr/{{{W_NS}}}outlineLvl")
            levels[ilvl] = NumberingLevel(
                label=(text.get(val) or "") if text is not None else "",
                fmt=(fmt.get(val) or "") if fmt is not None else "",
                outline=_outline_to_level(outline.get(val)) if outline is not None else None)
        abstract[definition.get(f"{{{W_NS}}}abstractNumId") or ""] = levels
    found: dict[tuple[str, int], NumberingLevel] = {}
    for num in numbering.iter(f"{{{W_NS}}}num"):
        ref = num.find(f"{{{W_NS}}}abstractNumId")
        if ref is None:
            continue
        for ilvl, level in abstract.get(ref.get(val) or "", {}).items():
            found[(num.get(f"{{{W_NS}}}numId") or "", ilvl)] = level
    return found


def _num_pr(paragraph: Paragraph):  # noqa: ANN202 - lxml element or None
    """The paragraph's list numbering, set on it or inherited from its style."""
    p_pr = paragraph._p.pPr
    if p_pr is not None and p_pr.find(f"{{{W_NS}}}numPr") is not None:
        return p_pr.find(f"{{{W_NS}}}numPr")
    style = _safe_style(paragraph)
    while style is not None:
        style_ppr = style.element.pPr
        if style_ppr is not None and style_ppr.find(f"{{{W_NS}}}numPr") is not None:
            return style_ppr.find(f"{{{W_NS}}}numPr")
        style = style.base_style
    return None


def _numbering_heading_level(paragraph: Paragraph,
                             levels: dict[tuple[str, int], NumberingLevel]) -> int | None:
    """A heading level for a paragraph Word numbers as a chapter or section.

    Chinese bid templates often number chapters with a list definition
    (第%1章, %1、 in Chinese counting) on a plain style; the number is not in
    the paragraph's text, so only the list definition shows it is a title.
    """
    num_pr = _num_pr(paragraph) if levels else None
    if num_pr is None:
        return None
    val = f"{{{W_NS}}}val"
    num_id = num_pr.find(f"{{{W_NS}}}numId")
    ilvl_el = num_pr.find(f"{{{W_NS}}}ilvl")
    try:
        ilvl = int(ilvl_el.get(val) or "0") if ilvl_el is not None else 0
    except ValueError:
        return None
    level = levels.get(((num_id.get(val) or "") if num_id is not None else "", ilvl))
    if level is None:
        return None
    if level.outline is not None:
        return level.outline
    text = paragraph.text.strip()
    if not text or len(text) > NUMBERED_HEADING_MAX_CHARS or text.endswith(SENTENCE_ENDS):
        return None
    if _CHAPTER_LABEL.search(level.label):
        return min(ilvl + 1, 3)
    if level.fmt.startswith("chinese") and ilvl < 3:
        return min(ilvl + 1, 3)  # 一、 / （一） numbering: titles, not list items
    return None


def _body_blocks(document: DocxDocument, levels: dict[tuple[str, int], NumberingLevel]
                 ) -> tuple[tuple[Block, ...], int | None]:
    """Paragraphs and table rows in reading order, with their page locator."""
    items: list[tuple[str, int | None, str, tuple[str, ...] | None, int]] = []
    breaks_before = 0
    for item in document.iter_inner_content():
        if isinstance(item, Paragraph):
            level = _paragraph_heading_level(item)
            if level is None:
                level = _numbering_heading_level(item, levels)
            text = item.text.strip()
            kind = "heading" if level is not None and text else "para"
            items.append((text, level, kind, None, breaks_before))
            breaks_before += _page_breaks_in(item._p)
        elif isinstance(item, Table):
            for row_text, cells in _table_rows(item):
                items.append((row_text, None, "table", cells, breaks_before))
            breaks_before += _page_breaks_in(item._tbl)
    has_pages = breaks_before > 0
    blocks = tuple(
        Block(text=text, page=(before + 1) if has_pages else None, index=index,
              heading_level=level if kind == "heading" else None, kind=kind, cells=cells)
        for index, (text, level, kind, cells, before) in enumerate(items)
        if text
    )
    return blocks, (breaks_before + 1) if has_pages else None


def _table_rows(table: Table) -> list[tuple[str, tuple[str, ...]]]:
    rows: list[tuple[str, tuple[str, ...]]] = []
    for row in table.rows:
        cells: list[str] = []
        previous = None
        try:
            row_cells = row.cells
        except (IndexError, ValueError):
            continue
        for cell in row_cells:
            # Merged cells repeat the same object; keep the text once.
            if previous is not None and cell._tc is previous:
                continue
            previous = cell._tc
            cells.append(cell.text.strip())
        if any(cells):
            rows.append((" | ".join(cells), tuple(cells)))
    return rows


# --- signature codes ----------------------------------------------------------

def _sig(field: str, value: str | None, rel: str, normalized: str | None = None):
    if value is None:
        return None
    value = value.strip()
    if not value:
        return None
    norm = normalized if normalized is not None else " ".join(value.split()).casefold()
    return SignatureValue(source="docx", field=field, value=value, normalized=norm, file=rel)


def _hex_id(value: str) -> str:
    return value.strip().strip("{}").replace("-", "").upper()


def _signatures(parts: dict[str, bytes], trees: dict[str, etree._Element],
                rel: str) -> tuple[SignatureValue, ...]:
    found: list[SignatureValue | None] = []
    found += _core_signatures(trees, rel)
    found += _app_signatures(trees, rel)
    found += _custom_signatures(trees, rel)
    found += _settings_signatures(trees, rel)
    found += _people_signatures(trees, rel)
    for name in sorted(parts):
        if name.startswith("word/media/") and len(parts[name]) >= MIN_MEDIA_BYTES:
            digest = hashlib.sha256(parts[name]).hexdigest()
            found.append(_sig("image_sha256", digest, rel, digest))
    unique = {(s.field, s.normalized): s for s in found if s is not None}
    return tuple(unique[key] for key in sorted(unique))


_CORE_FIELDS = {
    "creator": "author",
    "lastModifiedBy": "last_modified_by",
    "created": "created",
    "title": "title",
}


def _core_signatures(trees: dict[str, etree._Element], rel: str) -> list[SignatureValue | None]:
    root = trees.get("docProps/core.xml")
    if root is None:
        return []
    return [_sig(_CORE_FIELDS[local_name(el)], el.text, rel)
            for el in root if local_name(el) in _CORE_FIELDS]


_APP_FIELDS = {
    "Company": "company",
    "Template": "template",
    "Application": "application",
    "AppVersion": "app_version",
    "Manager": "manager",
}


def _app_signatures(trees: dict[str, etree._Element], rel: str) -> list[SignatureValue | None]:
    root = trees.get("docProps/app.xml")
    if root is None:
        return []
    return [_sig(_APP_FIELDS[local_name(el)], el.text, rel)
            for el in root if local_name(el) in _APP_FIELDS]


def _custom_signatures(trees: dict[str, etree._Element], rel: str) -> list[SignatureValue | None]:
    root = trees.get("docProps/custom.xml")
    if root is None:
        return []
    found: list[SignatureValue | None] = []
    for prop in root:
        name = prop.get("name")
        if not name:
            continue
        value = "".join(prop.itertext())
        field = {"KSOProductBuildVer": "kso_product_build_ver", "ICV": "wps_icv"}.get(
            name, f"custom:{name}")
        normalized = _hex_id(value) if field == "wps_icv" else None
        found.append(_sig(field, value, rel, normalized))
    return found


def _settings_signatures(trees: dict[str, etree._Element],
                         rel: str) -> list[SignatureValue | None]:
    found: list[SignatureValue | None] = []
    root = trees.get("word/settings.xml")
    if root is not None:
        val = f"{{{W_NS}}}val"
        for element in root.iter(f"{{{W_NS}}}rsidRoot"):
            value = element.get(val)
            found.append(_sig("rsid_root", value, rel, (value or "").upper()))
        for element in root.iter(f"{{{W_NS}}}rsid"):
            value = element.get(val)
            found.append(_sig("rsid", value, rel, (value or "").upper()))
        for ns, field in ((W14_NS, "docid_w14"), (W15_NS, "docid_w15")):
            for element in root.iter(f"{{{ns}}}docId"):
                value = element.get(f"{{{ns}}}val")
                found.append(_sig(field, value, rel, _hex_id(value or "")))
    rels = trees.get("word/_rels/settings.xml.rels")
    if rels is not None:
        for element in rels:
            if element.get("Type") == ATTACHED_TEMPLATE_TYPE:
                target = element.get("Target")
                found.append(_sig("attached_template", target, rel))
    return found


def _people_signatures(trees: dict[str, etree._Element],
                       rel: str) -> list[SignatureValue | None]:
    """Comment authors and tracked-change authors: names of real editors."""
    found: list[SignatureValue | None] = []
    author = f"{{{W_NS}}}author"
    comments = trees.get("word/comments.xml")
    if comments is not None:
        for comment in comments.iter(f"{{{W_NS}}}comment"):
            found.append(_sig("comment_author", comment.get(author), rel))
    root = trees["word/document.xml"]
    for tag in ("ins", "del", "moveFrom", "moveTo"):
        for change in root.iter(f"{{{W_NS}}}{tag}"):
            found.append(_sig("revision_author", change.get(author), rel))
    return found
