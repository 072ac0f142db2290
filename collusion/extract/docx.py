"""DOCX: the package read with hard caps, every XML part parsed once with a
parser that resolves nothing, the text of every story
(``collusion.extract.docx_stories``) and the signature codes.

Locator: DOCX has no pages. Every block carries its position in the file's
reading sequence (``index``, stable whatever renders the file), its
``story`` (body, textbox, header, footnote, ...) and, when Word recorded
them, the page counted from ``w:lastRenderedPageBreak`` and explicit page
breaks; a file that records no break at all gets ``page = None``.
"""

from __future__ import annotations

import hashlib
import io
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

from collusion.errors import ExtractionError, FileRefused
from collusion.extract.docx_stories import StoryReader
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
# Without these the body cannot be found or read: damage here fails the file.
ESSENTIAL_PARTS = frozenset({"word/document.xml", "[Content_Types].xml", "_rels/.rels"})


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
    trees = _parse_parts(parts, notes)
    blocks, pages = StoryReader(trees, parts, notes, _embedded_reader(settings)).read()
    signatures = _signatures(parts, trees, rel)
    return DocxContent(blocks=blocks, signatures=signatures, pages=pages, notes=tuple(notes))


def _parse_parts(parts: dict[str, bytes], notes: list[str]) -> dict[str, etree._Element]:
    """Every XML part parsed once, safely: a part with a DTD or entities is
    refused (FileRefused propagates); a broken part the body does not need is
    left out with a note."""
    if "word/document.xml" not in parts:
        raise ExtractionError("DOCX 缺少 word/document.xml 正文部件")
    trees: dict[str, etree._Element] = {}
    for name in sorted(parts):
        if not name.endswith((".xml", ".rels")):
            continue
        try:
            trees[name] = parse_xml(parts[name], name)
        except FileRefused:
            raise
        except ExtractionError as exc:
            if name in ESSENTIAL_PARTS:
                raise
            del parts[name]
            notes.append(f"{exc}，已跳过该部件（其中的文字和特征码未读取）")
    return trees


def _embedded_reader(settings: ExtractSettings):  # noqa: ANN202 - docx_stories.EmbeddedReader
    """Reads a DOCX embedded as an altChunk, with the same caps, into blocks."""

    def read(data: bytes, depth: int, notes: list[str]) -> tuple[Block, ...]:
        parts = _read_parts(io.BytesIO(data), settings, notes)
        trees = _parse_parts(parts, notes)
        blocks, _ = StoryReader(trees, parts, notes, read, depth).read()
        return blocks

    return read


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
