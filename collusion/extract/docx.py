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

import io
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

from collusion.errors import ExtractionError, FileRefused
from collusion.extract import images
from collusion.extract.docx_stories import StoryReader
from collusion.extract.office_props import APP_FIELDS, CORE_FIELDS
from collusion.extract.package import read_package
from collusion.extract.safexml import local_name, parse_xml
from collusion.keys import hex_id_key, signature_key
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
    pictures: int = 0  # picture files in word/media (a DOCX without text may be pasted scans)


def read_docx(
    path: Path, rel: str, settings: ExtractSettings, data: bytes | None = None
) -> DocxContent:
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
    pictures = sum(1 for name in parts if name.startswith("word/media/"))
    return DocxContent(
        blocks=blocks, signatures=signatures, pages=pages, notes=tuple(notes), pictures=pictures
    )


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


def _read_parts(
    source: Path | io.BytesIO, settings: ExtractSettings, notes: list[str]
) -> dict[str, bytes]:
    """Every part, read within the zip limits (collusion.extract.package)."""
    return read_package(source, settings, notes, label="DOCX", essential=ESSENTIAL_PARTS)


# --- signature codes ----------------------------------------------------------


def _sig(field: str, value: str | None, rel: str, normalized: str | None = None):
    if value is None:
        return None
    value = value.strip()
    if not value:
        return None
    norm = normalized if normalized is not None else signature_key(value)
    return SignatureValue(source="docx", field=field, value=value, normalized=norm, file=rel)


def _signatures(
    parts: dict[str, bytes], trees: dict[str, etree._Element], rel: str
) -> tuple[SignatureValue, ...]:
    found: list[SignatureValue | None] = []
    found += _core_signatures(trees, rel)
    found += _app_signatures(trees, rel)
    found += _custom_signatures(trees, rel)
    found += _settings_signatures(trees, rel)
    found += _people_signatures(trees, rel)
    for name in sorted(parts):
        if name.startswith("word/media/") and len(parts[name]) >= MIN_MEDIA_BYTES:
            image = images.from_bytes(parts[name])
            if image is not None:
                found.append(images.signature(image, rel, "docx"))
    unique = {(s.field, s.normalized): s for s in found if s is not None}
    return tuple(unique[key] for key in sorted(unique))


def _core_signatures(trees: dict[str, etree._Element], rel: str) -> list[SignatureValue | None]:
    root = trees.get("docProps/core.xml")
    if root is None:
        return []
    return [
        _sig(CORE_FIELDS[local_name(el)], el.text, rel)
        for el in root
        if local_name(el) in CORE_FIELDS
    ]


def _app_signatures(trees: dict[str, etree._Element], rel: str) -> list[SignatureValue | None]:
    root = trees.get("docProps/app.xml")
    if root is None:
        return []
    return [
        _sig(APP_FIELDS[local_name(el)], el.text, rel)
        for el in root
        if local_name(el) in APP_FIELDS
    ]


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
            name, f"custom:{name}"
        )
        normalized = hex_id_key(value) if field == "wps_icv" else None
        found.append(_sig(field, value, rel, normalized))
    return found


def _settings_signatures(trees: dict[str, etree._Element], rel: str) -> list[SignatureValue | None]:
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
                found.append(_sig(field, value, rel, hex_id_key(value or "")))
    rels = trees.get("word/_rels/settings.xml.rels")
    if rels is not None:
        for element in rels:
            if element.get("Type") == ATTACHED_TEMPLATE_TYPE:
                target = element.get("Target")
                found.append(_sig("attached_template", target, rel))
    return found


def _people_signatures(trees: dict[str, etree._Element], rel: str) -> list[SignatureValue | None]:
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
