"""Parse the XML parts of an untrusted DOCX without entities, DTDs or network."""

from __future__ import annotations

from lxml import etree

from collusion.errors import ExtractionError

# Word never writes a DTD. A part that declares one is at best odd and at
# worst an entity-expansion ("billion laughs") or external-entity attack, so
# it is refused outright rather than parsed with entities switched off.
_DOCTYPE = b"<!DOCTYPE"


def _parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )


def refuse_doctype(data: bytes, part: str) -> None:
    if _DOCTYPE in data[:4096].upper():
        raise ExtractionError(f"{part} 含有 DTD/实体声明，疑似恶意构造，未解析")


def parse_xml(data: bytes, part: str) -> etree._Element:
    """Parse one part; raise ExtractionError naming the part on anything odd."""
    refuse_doctype(data, part)
    try:
        return etree.fromstring(data, _parser())
    except etree.XMLSyntaxError as exc:
        raise ExtractionError(f"{part} 不是有效的 XML: {exc}") from exc


def local_name(element: etree._Element) -> str:
    tag = element.tag
    if not isinstance(tag, str):
        return ""
    return tag.rsplit("}", 1)[-1]
