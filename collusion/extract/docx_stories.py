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

The reader is here; WordprocessingML names and shared walks are in
:mod:`collusion.extract.docx_xml`, headings in :mod:`collusion.extract.docx_styles`,
relationships and altChunk text in :mod:`collusion.extract.docx_parts`.
"""

from __future__ import annotations

import posixpath
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field

from lxml import etree

from collusion.errors import ExtractionError
from collusion.extract.docx_parts import (
    decode_text,
    document_relationships,
    html_lines,
)
from collusion.extract.docx_styles import (
    heading_level,
    numbering_heading_level,
    numbering_levels,
    read_styles,
)
from collusion.extract.docx_xml import (
    BLOCK_WRAPPERS,
    BODY_STORIES,
    BOX_HOLDERS,
    BR,
    BREAK_TYPES_WITHOUT_TEXT,
    DEL_TEXT,
    DELETIONS,
    DOCUMENT_RELS,
    INLINE_WRAPPERS,
    MATH,
    MATH_TEXT,
    MAX_EMBEDDED_DEPTH,
    MC_ALTERNATE,
    MC_CHOICE,
    MC_FALLBACK,
    NOTE_ITEMS,
    PART_STORIES,
    R_NS,
    RUN_TEXT,
    SDT,
    SDT_CONTENT,
    SEPARATOR_NOTES,
    TBL,
    TC,
    TR,
    TXBX_CONTENT,
    VAL,
    P,
    R,
    T,
    _block_children,
    _children,
    _int_val,
    _w,
    page_breaks_in,
)
from collusion.models import Block

# Reads an embedded DOCX (altChunk) into blocks: its bytes, its depth, a list
# for its notes; raises ExtractionError.
EmbeddedReader = Callable[[bytes, int, list[str]], tuple[Block, ...]]


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
        out: list[tuple[str, str]] = []
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
