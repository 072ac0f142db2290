"""Parse the XML parts of an untrusted DOCX without entities, DTDs or network."""

from __future__ import annotations

import codecs
import re

from lxml import etree

from collusion.errors import ExtractionError, FileRefused

# Word never writes a DTD. A part that declares one is at best odd and at
# worst an entity-expansion ("billion laughs") or external-entity attack, so
# it is refused outright rather than parsed with entities switched off. The
# whole part is searched (a DOCTYPE may follow any amount of comments), in
# the part's own encoding (UTF-16 hides the ASCII bytes), and the parsed tree
# is checked again in case some other encoding hid it from both.
_DOCTYPE = "<!DOCTYPE"
_WIDE_ENCODINGS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (b"<\0\0\0", "utf-32-le"),
    (b"\0\0\0<", "utf-32-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
    (b"<\0", "utf-16-le"),
    (b"\0<", "utf-16-be"),
)


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


def declares_doctype(data: bytes) -> bool:
    """Whether the part carries a DOCTYPE anywhere, in whatever encoding it is."""
    for prefix, encoding in _WIDE_ENCODINGS:
        if data.startswith(prefix):
            text = data.decode(encoding, errors="replace")
            return _DOCTYPE in text.upper()
    marker = _DOCTYPE.encode("ascii")
    return marker in data or marker.lower() in data


def refuse_doctype(data: bytes, part: str) -> None:
    if declares_doctype(data):
        raise FileRefused(
            f"{part} 含有 DTD/实体声明（可用于实体膨胀或读取外部文件的攻击），出于安全未解析"
        )


def parse_xml(data: bytes, part: str) -> etree._Element:
    """Parse one part; raise ExtractionError naming the part on anything odd."""
    refuse_doctype(data, part)
    try:
        root = etree.fromstring(data, _parser())
    except etree.XMLSyntaxError as exc:
        if any(entry.type_name == "ERR_NO_MEMORY" for entry in exc.error_log):
            raise MemoryError(f"{part}: libxml2 out of memory") from exc
        detail = re.sub(r",? line \d+, column \d+| \(<string>, line \d+\)", "", str(exc))
        where = f"第 {exc.lineno} 行" if exc.lineno else "开头"
        raise ExtractionError(f"{part} 不是有效的 XML（{where}: {detail.strip()}）") from exc
    except ValueError as exc:  # lxml refuses some inputs before parsing
        raise ExtractionError(f"{part} 不是有效的 XML: {exc}") from exc
    docinfo = root.getroottree().docinfo
    if docinfo.internalDTD is not None or docinfo.externalDTD is not None or docinfo.doctype:
        raise FileRefused(
            f"{part} 含有 DTD/实体声明（可用于实体膨胀或读取外部文件的攻击），出于安全未解析"
        )
    return root


def local_name(element: etree._Element) -> str:
    tag = element.tag
    if not isinstance(tag, str):
        return ""
    return tag.rsplit("}", 1)[-1]
