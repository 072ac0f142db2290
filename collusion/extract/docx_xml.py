"""WordprocessingML names and the small walks every DOCX story reader shares
(content-control and custom-XML wrappers, page breaks). See
:mod:`collusion.extract.docx_stories`.
"""

from __future__ import annotations

from collections.abc import Iterator

from lxml import etree

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
MC_NS = "http://schemas.openxmlformats.org/markup-compatibility/2006"
M_NS = "http://schemas.openxmlformats.org/officeDocument/2006/math"
R_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"


def _w(tag: str) -> str:
    return f"{{{W_NS}}}{tag}"


P, TBL, TR, TC, R = _w("p"), _w("tbl"), _w("tr"), _w("tc"), _w("r")
SDT, SDT_CONTENT = _w("sdt"), _w("sdtContent")
TXBX_CONTENT = _w("txbxContent")
MC_ALTERNATE = f"{{{MC_NS}}}AlternateContent"
MC_CHOICE, MC_FALLBACK = f"{{{MC_NS}}}Choice", f"{{{MC_NS}}}Fallback"
VAL = _w("val")
# Block-level wrappers whose content is read as if it stood in their place.
BLOCK_WRAPPERS = frozenset(map(_w, ("customXml", "ins", "moveTo", "smartTag")))
# Inline wrappers whose runs are part of the paragraph's visible text.
INLINE_WRAPPERS = frozenset(
    map(
        _w,
        (
            "hyperlink",
            "ins",
            "moveTo",
            "smartTag",
            "customXml",
            "fldSimple",
            "dir",
            "bdo",
            "sdtContent",
        ),
    )
)
DELETIONS = frozenset(map(_w, ("del", "moveFrom")))
MATH = frozenset({f"{{{M_NS}}}oMath", f"{{{M_NS}}}oMathPara"})
MATH_TEXT = f"{{{M_NS}}}t"
# Run children and the text python-docx gives them (page and column breaks: none).
RUN_TEXT = {_w("tab"): "\t", _w("ptab"): "\t", _w("cr"): "\n", _w("noBreakHyphen"): "-"}
BR = _w("br")
BREAK_TYPES_WITHOUT_TEXT = frozenset({"page", "column"})
T, DEL_TEXT = _w("t"), _w("delText")
# Run children that may hold text boxes (DrawingML, VML, embedded objects).
BOX_HOLDERS = frozenset(map(_w, ("drawing", "pict", "object")))

# Stories after the body, in reading order: relationship type -> story.
REL_TYPE_PREFIX = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
PART_STORIES = (
    ("header", "header"),
    ("footer", "footer"),
    ("footnotes", "footnote"),
    ("endnotes", "endnote"),
    ("comments", "comment"),
)
# Note parts hold Word's own separator "notes", which are not text.
NOTE_ITEMS = {"footnote": _w("footnote"), "endnote": _w("endnote"), "comment": _w("comment")}
SEPARATOR_NOTES = frozenset({"separator", "continuationSeparator", "continuationNotice"})
ALT_CHUNK_TYPE = REL_TYPE_PREFIX + "aFChunk"
DOCUMENT_RELS = "word/_rels/document.xml.rels"
BODY_STORIES = frozenset({"body", "textbox", "embedded"})
# An altChunk DOCX inside an altChunk DOCX: read this deep, no deeper.
MAX_EMBEDDED_DEPTH = 1


def page_breaks_in(element: etree._Element) -> int:
    rendered = sum(1 for _ in element.iter(_w("lastRenderedPageBreak")))
    explicit = sum(1 for br in element.iter(BR) if br.get(_w("type")) == "page")
    return rendered + explicit


# --- relationships -------------------------------------------------------------------


def _int_val(element: etree._Element | None, default: int) -> int:
    if element is None:
        return default
    try:
        return int(element.get(VAL) or default)
    except ValueError:
        return default


def _block_children(container: etree._Element) -> Iterator[etree._Element]:
    """Paragraphs and tables of a container, through sdt and customXml wrappers."""
    for child in container:
        tag = child.tag
        if tag in (P, TBL):
            yield child
        elif tag == SDT:
            content = child.find(SDT_CONTENT)
            if content is not None:
                yield from _block_children(content)
        elif tag in BLOCK_WRAPPERS:
            yield from _block_children(child)


def _children(element: etree._Element, tag: str) -> Iterator[etree._Element]:
    """Children with `tag`, also inside content controls and custom XML (rows
    and cells can be wrapped like paragraphs)."""
    for child in element:
        if child.tag == tag:
            yield child
        elif child.tag == SDT:
            content = child.find(SDT_CONTENT)
            if content is not None:
                yield from _children(content, tag)
        elif child.tag in BLOCK_WRAPPERS:
            yield from _children(child, tag)
