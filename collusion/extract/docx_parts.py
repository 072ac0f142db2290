"""DOCX parts: the relationships of word/document.xml, and the text of the
HTML or plain-text parts an ``w:altChunk`` merges into the body. See
:mod:`collusion.extract.docx_stories`.
"""

from __future__ import annotations

import codecs
import posixpath
import re
from dataclasses import dataclass

from lxml import etree
from lxml import html as lxml_html

from collusion.extract.docx_xml import (
    REL_NS,
)


@dataclass(frozen=True)
class Relationship:
    type: str  # the last segment of the relationship type: header, footer, aFChunk...
    part: str  # the target part's name in the package


def document_relationships(
    rels: etree._Element | None, folder: str = "word"
) -> dict[str, Relationship]:
    """rId -> internal relationship of word/document.xml."""
    found: dict[str, Relationship] = {}
    if rels is None:
        return found
    for rel in rels.iter(f"{{{REL_NS}}}Relationship"):
        target = rel.get("Target") or ""
        if rel.get("TargetMode") == "External" or not target or not rel.get("Id"):
            continue
        joined = target.lstrip("/") if target.startswith("/") else posixpath.join(folder, target)
        kind = (rel.get("Type") or "").rsplit("/", 1)[-1]
        found[rel.get("Id") or ""] = Relationship(kind, posixpath.normpath(joined))
    return found


# --- the reader -------------------------------------------------------------------------


def html_lines(data: bytes) -> list[str]:
    """The visible text of an HTML part, one line per block element."""
    try:
        root = lxml_html.document_fromstring(_XML_DECLARATION.sub("", decode_text(data)))
    except (etree.ParserError, ValueError):
        return []
    for element in root.iter("script", "style"):
        element.text = None
    for element in root.iter(*HTML_BLOCKS):
        element.tail = "\n" + (element.tail or "")
    return [line for line in root.text_content().splitlines() if line.strip()]


HTML_BLOCKS = (
    "p",
    "div",
    "li",
    "tr",
    "td",
    "th",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "br",
    "table",
    "blockquote",
    "pre",
)
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")
_META_CHARSET = re.compile(rb"""charset\s*=\s*["']?([A-Za-z0-9_.:-]+)""", re.IGNORECASE)
# Chinese HTML without a declared charset: UTF-8 when it decodes, else GB18030.
FALLBACK_ENCODING = "gb18030"
BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def decode_text(data: bytes) -> str:
    """Text of an embedded HTML or plain-text part: its BOM, its declared
    charset, else UTF-8, else GB18030."""
    for bom, encoding in BOMS:
        if data.startswith(bom):
            return data.decode(encoding, errors="replace")
    declared = _META_CHARSET.search(data[:4096])
    if declared:
        try:
            return data.decode(declared.group(1).decode("ascii"), errors="replace")
        except LookupError:
            pass
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode(FALLBACK_ENCODING, errors="replace")
