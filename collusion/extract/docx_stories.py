"""DOCX text: every story a reader sees, read from the parsed XML parts in one pass.

Word shows more than the body's top-level paragraphs, and each place it shows
text can hide a copy from a reader that looks only there. Read here, each
block naming its ``story``:

- ``body``: paragraphs and table rows of ``word/document.xml``, including
  what sits inside content controls (``w:sdt``, block and inline), custom XML
  (``w:customXml``), tracked insertions and moves (``w:ins``, ``w:moveTo``),
  smart tags, simple fields (``w:fldSimple``), hyperlinks and nested tables
  (a nested table's rows follow the row holding it);
- ``textbox``: text boxes, DrawingML (``wps:txbx``) and VML (``v:textbox``),
  right after the paragraph that anchors them; of an ``mc:AlternateContent``
  only the first ``mc:Choice`` is read (its ``mc:Fallback`` repeats the same
  text for older readers);
- ``embedded``: ``w:altChunk`` parts (HTML, plain text or a whole DOCX that
  Word merges into the body when it opens the file), where they stand;
- ``header``, ``footer``, ``footnote``, ``endnote``, ``comment``: those parts,
  after the body;
- ``deleted``: text of tracked deletions (``w:delText`` in ``w:del`` and
  ``w:moveFrom``), last. A reader with "show markup" sees it struck through;
  two bids deleting the same sentence share a draft.

Locators. ``Block.index`` is the block's position in that reading sequence:
body paragraphs and table rows in order (a paragraph counts even when empty, a
table row only when it holds text, as before), each text box's paragraphs
right after the paragraph holding it, then the other stories in the order
above. ``Block.page`` is counted from the page breaks Word recorded in the
body (``w:lastRenderedPageBreak`` and explicit breaks); blocks of headers,
footers, notes, comments and deleted text have no page.

Headings: a paragraph's outline level, its style chain (Heading N / 标题 N /
Title, or a style's outline level), else its list numbering when that reads
like a chapter label (see ``numbering_heading_level``).
"""

from __future__ import annotations

import codecs
import posixpath
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field

from lxml import etree
from lxml import html as lxml_html

from collusion.errors import ExtractionError
from collusion.models import Block

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

# Headings.
_HEADING_STYLE = re.compile(r"^(?:heading|标题)\s*(\d)$", re.IGNORECASE)
TITLE_STYLES = frozenset({"title", "标题"})
# A list level whose label reads like a chapter or section title.
_CHAPTER_LABEL = re.compile(r"第[^%]*%\d[^%]*[章节篇部]")
# A numbered paragraph longer than this, or ending like a sentence, is a
# numbered list item, not a title.
NUMBERED_HEADING_MAX_CHARS = 40
SENTENCE_ENDS = ("。", "；", ";", "：", ":", "，")

# Reads an embedded DOCX (altChunk) into blocks: its bytes, its depth, a list
# for its notes; raises ExtractionError.
EmbeddedReader = Callable[[bytes, int, list[str]], tuple[Block, ...]]


# --- styles and numbering ------------------------------------------------------


@dataclass(frozen=True)
class NumberingLevel:
    """One level of a Word list definition: its label pattern and format."""

    label: str  # w:lvlText, e.g. "第%1章", "%1、", "%1.%2"
    fmt: str  # w:numFmt, e.g. "chineseCounting", "decimal"
    outline: int | None  # heading level from the level's own outlineLvl


def outline_to_level(value: str | None) -> int | None:
    try:
        level = int(value or "")
    except ValueError:
        return None
    # outlineLvl 9 means body text in Word.
    return level + 1 if 0 <= level < 9 else None


def numbering_levels(numbering: etree._Element | None) -> dict[tuple[str, int], NumberingLevel]:
    """(numId, ilvl) -> the level definition, from word/numbering.xml."""
    if numbering is None:
        return {}
    abstract: dict[str, dict[int, NumberingLevel]] = {}
    for definition in numbering.iter(_w("abstractNum")):
        levels: dict[int, NumberingLevel] = {}
        for lvl in definition.iter(_w("lvl")):
            try:
                ilvl = int(lvl.get(_w("ilvl")) or "0")
            except ValueError:
                continue
            text = lvl.find(_w("lvlText"))
            fmt = lvl.find(_w("numFmt"))
            outline = lvl.find(f"{_w('pPr')}/{_w('outlineLvl')}")
            levels[ilvl] = NumberingLevel(
                label=(text.get(VAL) or "") if text is not None else "",
                fmt=(fmt.get(VAL) or "") if fmt is not None else "",
                outline=outline_to_level(outline.get(VAL)) if outline is not None else None,
            )
        abstract[definition.get(_w("abstractNumId")) or ""] = levels
    found: dict[tuple[str, int], NumberingLevel] = {}
    for num in numbering.iter(_w("num")):
        ref = num.find(_w("abstractNumId"))
        if ref is None:
            continue
        for ilvl, level in abstract.get(ref.get(VAL) or "", {}).items():
            found[(num.get(_w("numId")) or "", ilvl)] = level
    return found


@dataclass(frozen=True)
class Style:
    """What a paragraph style says about headings and numbering."""

    name: str
    based_on: str | None
    outline: etree._Element | None  # w:outlineLvl of its pPr
    num_pr: etree._Element | None  # w:numPr of its pPr


@dataclass(frozen=True)
class Styles:
    """The paragraph styles of word/styles.xml, by id, and the default one."""

    by_id: Mapping[str, Style]
    default: str | None

    def chain(self, style_id: str | None) -> Iterator[Style]:
        """The style (the default one when missing or unknown) and its bases."""
        current = style_id if style_id in self.by_id else self.default
        seen: set[str] = set()
        while current is not None and current in self.by_id and current not in seen:
            seen.add(current)
            style = self.by_id[current]
            yield style
            current = style.based_on


def read_styles(root: etree._Element | None) -> Styles:
    if root is None:
        return Styles({}, None)
    by_id: dict[str, Style] = {}
    default = None
    for style in root.iter(_w("style")):
        if style.get(_w("type")) not in (None, "paragraph"):
            continue
        style_id = style.get(_w("styleId"))
        if not style_id:
            continue
        name = style.find(_w("name"))
        based = style.find(_w("basedOn"))
        ppr = style.find(_w("pPr"))
        by_id[style_id] = Style(
            name=((name.get(VAL) or "") if name is not None else "").strip(),
            based_on=based.get(VAL) if based is not None else None,
            outline=ppr.find(_w("outlineLvl")) if ppr is not None else None,
            num_pr=ppr.find(_w("numPr")) if ppr is not None else None,
        )
        if style.get(_w("default")) in ("1", "true", "on") and default is None:
            default = style_id
    return Styles(by_id, default)


def _style_id(ppr: etree._Element | None) -> str | None:
    if ppr is None:
        return None
    style = ppr.find(_w("pStyle"))
    return style.get(VAL) if style is not None else None


def heading_level(ppr: etree._Element | None, styles: Styles) -> int | None:
    """Heading level from the paragraph's outline level or its style chain."""
    if ppr is not None:
        outline = ppr.find(_w("outlineLvl"))
        if outline is not None:
            return outline_to_level(outline.get(VAL))
    for style in styles.chain(_style_id(ppr)):
        match = _HEADING_STYLE.match(style.name)
        if match:
            return int(match.group(1))
        if style.name.lower() in TITLE_STYLES:
            return 1
        if style.outline is not None:
            return outline_to_level(style.outline.get(VAL))
    return None


def _num_pr(ppr: etree._Element | None, styles: Styles) -> etree._Element | None:
    """The paragraph's list numbering, set on it or inherited from its style."""
    if ppr is not None and ppr.find(_w("numPr")) is not None:
        return ppr.find(_w("numPr"))
    for style in styles.chain(_style_id(ppr)):
        if style.num_pr is not None:
            return style.num_pr
    return None


def numbering_heading_level(
    ppr: etree._Element | None,
    text: str,
    styles: Styles,
    levels: Mapping[tuple[str, int], NumberingLevel],
) -> int | None:
    """A heading level for a paragraph Word numbers as a chapter or section.

    Chinese bid templates often number chapters with a list definition
    (第%1章, %1、 in Chinese counting) on a plain style; the number is not in
    the paragraph's text, so only the list definition shows it is a title.
    """
    num_pr = _num_pr(ppr, styles) if levels else None
    if num_pr is None:
        return None
    num_id = num_pr.find(_w("numId"))
    ilvl_el = num_pr.find(_w("ilvl"))
    try:
        ilvl = int(ilvl_el.get(VAL) or "0") if ilvl_el is not None else 0
    except ValueError:
        return None
    level = levels.get(((num_id.get(VAL) or "") if num_id is not None else "", ilvl))
    if level is None:
        return None
    if level.outline is not None:
        return level.outline
    if not text or len(text) > NUMBERED_HEADING_MAX_CHARS or text.endswith(SENTENCE_ENDS):
        return None
    if _CHAPTER_LABEL.search(level.label):
        return min(ilvl + 1, 3)
    if level.fmt.startswith("chinese") and ilvl < 3:
        return min(ilvl + 1, 3)  # 一、 / （一） numbering: titles, not list items
    return None


def page_breaks_in(element: etree._Element) -> int:
    rendered = sum(1 for _ in element.iter(_w("lastRenderedPageBreak")))
    explicit = sum(1 for br in element.iter(BR) if br.get(_w("type")) == "page")
    return rendered + explicit


# --- relationships -------------------------------------------------------------------


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


@dataclass
class _Item:
    text: str
    story: str
    breaks_before: int
    level: int | None = None
    kind: str = "para"
    cells: tuple[str, ...] | None = None


@dataclass
class _Paragraph:
    """What one paragraph holds: visible text, deleted text, text boxes."""

    text: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    boxes: list[etree._Element] = field(default_factory=list)


def _choice(alternate: etree._Element) -> etree._Element | None:
    """The first mc:Choice of an mc:AlternateContent, else its mc:Fallback."""
    choice = alternate.find(MC_CHOICE)
    return choice if choice is not None else alternate.find(MC_FALLBACK)


def _text_boxes(element: etree._Element) -> Iterator[etree._Element]:
    """The outermost w:txbxContent below `element`, skipping mc:Fallback copies."""
    for child in element:
        tag = child.tag
        if tag == TXBX_CONTENT:
            yield child
        elif tag == MC_ALTERNATE:
            choice = _choice(child)
            if choice is not None:
                yield from _text_boxes(choice)
        elif tag != MC_FALLBACK and isinstance(tag, str):
            yield from _text_boxes(child)


class StoryReader:
    """Walks the parts of one DOCX and collects its blocks in reading order."""

    def __init__(
        self,
        trees: Mapping[str, etree._Element],
        parts: Mapping[str, bytes],
        notes: list[str],
        embedded: EmbeddedReader | None = None,
        depth: int = 0,
    ) -> None:
        self.trees = trees
        self.parts = parts
        self.notes = notes
        self.embedded = embedded
        self.depth = depth
        self.styles = read_styles(trees.get("word/styles.xml"))
        self.levels = numbering_levels(trees.get("word/numbering.xml"))
        self.rels = document_relationships(trees.get(DOCUMENT_RELS))
        self.items: list[_Item] = []
        self.deleted: list[str] = []
        self.breaks = 0

    # -- whole document --

    def read(self) -> tuple[tuple[Block, ...], int | None]:
        """Blocks of every story, and the page count when Word recorded breaks."""
        document = self.trees["word/document.xml"]
        if document.tag != _w("document"):
            raise ExtractionError("word/document.xml 不是 Word 正文（根元素不是 w:document）")
        body = document.find(_w("body"))
        if body is not None:
            self.block_content(body, "body")
        for part, story in self.story_parts():
            self.story_part(part, story)
        for text in self.deleted:
            self.items.append(_Item(text, "deleted", 0))
        has_pages = self.breaks > 0
        blocks = tuple(
            Block(
                text=item.text,
                page=(item.breaks_before + 1) if has_pages and item.story in BODY_STORIES else None,
                index=index,
                heading_level=item.level if item.kind == "heading" else None,
                kind=item.kind,
                cells=item.cells,
                story=item.story,
            )
            for index, item in enumerate(self.items)
            if item.text
        )
        return blocks, (self.breaks + 1) if has_pages else None

    def story_parts(self) -> list[tuple[str, str]]:
        """(part name, story) of headers, footers, notes and comments, in order."""
        out = []
        for rel_type, story in PART_STORIES:
            names = sorted({r.part for r in self.rels.values() if r.type == rel_type})
            out.extend((name, story) for name in names if name in self.trees)
        return out

    def story_part(self, name: str, story: str) -> None:
        root = self.trees[name]
        item_tag = NOTE_ITEMS.get(story)
        if item_tag is None:  # a header or footer: block content at the root
            self.block_content(root, story)
            return
        for note in root.iter(item_tag):
            if note.get(_w("type")) in SEPARATOR_NOTES:
                continue
            self.block_content(note, story)

    # -- block level --

    def block_content(self, container: etree._Element, story: str) -> None:
        """Paragraphs, tables and what wraps them, in document order."""
        for child in container:
            tag = child.tag
            if tag == P:
                self.paragraph(child, story)
            elif tag == TBL:
                self.table(child, story)
            elif tag == SDT:
                content = child.find(SDT_CONTENT)
                if content is not None:
                    self.block_content(content, story)
            elif tag in BLOCK_WRAPPERS:
                self.block_content(child, story)
            elif tag in DELETIONS:
                self.deleted_block(child)
            elif tag == MC_ALTERNATE:
                choice = _choice(child)
                if choice is not None:
                    self.block_content(choice, story)
            elif tag == _w("altChunk"):
                self.alt_chunk(child)

    def paragraph(self, p: etree._Element, story: str) -> None:
        held = _Paragraph()
        self.inline(p, held, held.text)
        text = "".join(held.text).strip()
        ppr = p.find(_w("pPr"))
        level = heading_level(ppr, self.styles)
        if level is None:
            level = numbering_heading_level(ppr, text, self.styles, self.levels)
        kind = "heading" if level is not None and text else "para"
        self.items.append(_Item(text, story, self.breaks, level, kind))
        self.after_paragraph(held)
        if story == "body":
            self.breaks += page_breaks_in(p)

    def after_paragraph(self, held: _Paragraph) -> None:
        """Text boxes right after their anchor; deleted text kept for the end."""
        for box in held.boxes:
            self.block_content(box, "textbox")
        deleted = "".join(held.deleted).strip()
        if deleted:
            self.deleted.append(deleted)

    def deleted_block(self, element: etree._Element) -> None:
        """A deleted paragraph or table (block-level w:del): deleted text only."""
        for p in element.iter(P):
            held = _Paragraph()
            self.inline(p, held, held.deleted)
            deleted = "".join(held.deleted).strip()
            if deleted:
                self.deleted.append(deleted)

    def table(self, tbl: etree._Element, story: str) -> None:
        """One block per row with text, cells as python-docx gives them (a
        vertically merged cell repeated in each row it spans), nested tables
        and text boxes after the row holding them."""
        above: dict[int, str] = {}  # grid column -> text of the cell started there
        for tr in _children(tbl, TR):
            cells: list[str] = []
            nested: list[etree._Element] = []
            held = _Paragraph()
            column = _int_val(tr.find(f"{_w('trPr')}/{_w('gridBefore')}"), 0)
            for tc in _children(tr, TC):
                tcpr = tc.find(_w("tcPr"))
                span = max(1, _int_val(tcpr.find(_w("gridSpan")) if tcpr is not None else None, 1))
                merge = tcpr.find(_w("vMerge")) if tcpr is not None else None
                if merge is not None and merge.get(VAL) != "restart":
                    text = above.get(column, "")
                else:
                    text = self.cell_text(tc, held, nested)
                    above[column] = text
                cells.append(text.strip())
                column += span
            if any(cells):
                self.items.append(
                    _Item(" | ".join(cells), story, self.breaks, kind="table", cells=tuple(cells))
                )
            for inner in nested:
                self.table(inner, story)
            self.after_paragraph(held)
        if story == "body":
            self.breaks += page_breaks_in(tbl)

    def cell_text(self, tc: etree._Element, held: _Paragraph, nested: list[etree._Element]) -> str:
        """The cell's paragraphs joined by newlines; its tables set aside."""
        lines: list[str] = []
        for child in _block_children(tc):
            if child.tag == P:
                line: list[str] = []
                self.inline(child, held, line)
                lines.append("".join(line))
            elif child.tag == TBL:
                nested.append(child)
        return "\n".join(lines)

    # -- inline level --

    def inline(self, element: etree._Element, held: _Paragraph, out: list[str]) -> None:
        """Runs in document order; deleted runs go to ``held.deleted``."""
        for child in element:
            tag = child.tag
            if tag == R:
                self.run(child, held, out)
            elif tag in INLINE_WRAPPERS:
                self.inline(child, held, out)
            elif tag == SDT:
                content = child.find(SDT_CONTENT)
                if content is not None:
                    self.inline(content, held, out)
            elif tag in DELETIONS:
                self.inline(child, held, held.deleted)
            elif tag == MC_ALTERNATE:
                choice = _choice(child)
                if choice is not None:
                    self.inline(choice, held, out)
            elif tag in MATH:
                out.append("".join(t.text or "" for t in child.iter(MATH_TEXT)))

    def run(self, r: etree._Element, held: _Paragraph, out: list[str]) -> None:
        for child in r:
            tag = child.tag
            if tag == T:
                out.append(child.text or "")
            elif tag == DEL_TEXT:
                held.deleted.append(child.text or "")
            elif tag in RUN_TEXT:
                out.append(RUN_TEXT[tag])
            elif tag == BR:
                if child.get(_w("type")) not in BREAK_TYPES_WITHOUT_TEXT:
                    out.append("\n")
            elif tag == MC_ALTERNATE:
                choice = _choice(child)
                if choice is not None:
                    self.run(choice, held, out)
            elif tag in BOX_HOLDERS:
                held.boxes.extend(_text_boxes(child))

    # -- altChunk --

    def alt_chunk(self, element: etree._Element) -> None:
        """Text of an embedded part Word merges into the body, else a note."""
        rel = self.rels.get(element.get(f"{{{R_NS}}}id") or "")
        if rel is None or rel.part not in self.parts:
            self.notes.append("DOCX 含嵌入内容（altChunk），但其部件缺失，未读取")
            return
        data = self.parts[rel.part]
        lowered = rel.part.lower()
        lines: list[str] = []
        if lowered.endswith((".htm", ".html", ".xhtml")):
            lines = html_lines(data)
        elif lowered.endswith(".txt"):
            lines = decode_text(data).splitlines()
        elif (
            lowered.endswith((".docx", ".docm"))
            and self.embedded is not None
            and self.depth < MAX_EMBEDDED_DEPTH
        ):
            self.embedded_docx(data, rel.part)
            return
        else:
            self.notes.append(
                f"DOCX 含嵌入内容（altChunk: {posixpath.basename(rel.part)}），"
                "其格式未读取，其中文字未参与比对"
            )
            return
        for line in lines:
            self.items.append(_Item(line.strip(), "embedded", self.breaks))

    def embedded_docx(self, data: bytes, part: str) -> None:
        if self.embedded is None:
            return
        where = posixpath.basename(part)
        notes: list[str] = []
        try:
            blocks = self.embedded(data, self.depth + 1, notes)
        except ExtractionError as exc:
            self.notes.append(f"嵌入的文档（altChunk: {where}）无法读取: {exc}")
            return
        self.notes.extend(f"嵌入的文档（altChunk: {where}）: {note}" for note in notes)
        for block in blocks:
            self.items.append(
                _Item(
                    block.text,
                    "embedded",
                    self.breaks,
                    block.heading_level,
                    block.kind,
                    block.cells,
                )
            )


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
