"""Cut one file's blocks into Sections, the unit that text comparison works on.

Stages, top to bottom (``split_sections``):

1. drop blocks extraction already marked as header, footer or toc, and the
   bill of quantities (``drop_bills``: the tender's bill, filled in by every
   bidder; its prices are the price detector's evidence); keep the
   reading flow (body, text boxes, embedded parts) apart from the DOCX
   stories a reader finds elsewhere (headers, footers, notes, comments,
   deleted text): each of those becomes sections of its own, titled by the
   story (页眉, 脚注, ...), with no headings looked for;
2. add, after each table of text, its columns read top to bottom (a text
   cut into cells and laid down the columns reads as fragments row by row);
3. drop table-of-contents lines and pages (dot leaders and page numbers, 目录);
4. drop running headers and footers (the same short line at the top or bottom
   of many pages) and bare page numbers;
5. find headings: extraction's heading level (DOCX styles, outline levels,
   PDF font size), else Chinese numbering on a short title-like block
   (第X章, 第X节, 一、, （一）, 1., 1.1, 1.1.1);
6. split at headings, merge sections too short to stand alone;
7. cut very long sections, and text with no headings, into fixed-size windows.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import replace

from collusion.analysis.bills import is_boq_header
from collusion.analysis.text import TextSettings
from collusion.labels import STORY_LABELS
from collusion.models import Block, Section

DROPPED_KINDS = frozenset({"header", "footer", "toc"})
HEADING_KIND = "heading"

_CN_NUM = "一二三四五六七八九十百零〇两"
_NUM = rf"[{_CN_NUM}]+|\d+"
# After an arabic number, a title starts with a space or a Chinese character
# ("1.1 编制依据", "2.施工工艺"), not a unit ("1.5m宽"); after the space, not
# with a small Latin letter: that is a unit or a sentence going on ("1.4 m
# high.", "20 mm thick", a PDF line that a wrapped sentence starts with).
_TITLE_START = r"(?=\s+(?![\sa-z])|[\u4e00-\u9fff])"

# (pattern, level) for numbered titles; first match wins, so longer forms first.
HEADING_PATTERNS: tuple[tuple[re.Pattern[str], int], ...] = (
    (re.compile(rf"^第\s*(?:{_NUM})\s*[篇部卷]"), 1),
    (re.compile(rf"^第\s*(?:{_NUM})\s*章"), 1),
    (re.compile(rf"^第\s*(?:{_NUM})\s*节"), 2),
    (re.compile(rf"^[{_CN_NUM}]+\s*[、.．]"), 2),
    (re.compile(rf"^[（(]\s*[{_CN_NUM}]+\s*[）)]"), 3),
    (re.compile(rf"^\d{{1,2}}[.．]\d{{1,2}}[.．]\d{{1,2}}{_TITLE_START}"), 4),
    (re.compile(rf"^\d{{1,2}}[.．]\d{{1,2}}{_TITLE_START}"), 3),
    (re.compile(rf"^\d{{1,2}}\s*[、.．]{_TITLE_START}"), 4),
)
# A title does not end like a sentence and has few clause breaks.
SENTENCE_END = re.compile(r"[。；;！!？?，,：:]$")
MAX_TITLE_COMMAS = 1

# "第一章 总则 ........ 3", "1.1 工程概况……12", "施工方案 3"
TOC_LINE = re.compile(
    r"^.{0,80}?[^\d\s](?:\s*(?:[.．·。\-_—]{3,}|…+|·{2,})\s*|\s{2,}|\t)"
    r"[-—(（]?\d{1,4}[)）]?\s*$"
)
TOC_TITLE = re.compile(r"^\s*目\s*录\s*$|^\s*(?:contents|table of contents)\s*$", re.I)
TOC_TITLE_ENDS = "录sSſ"  # the last character of a stripped line TOC_TITLE matches
# "- 3 -", "第 3 页", "第3页 共120页", "3/120", "Page 3 of 10"
PAGE_NUMBER = re.compile(
    r"^\s*(?:[-—–\s]*\d{1,4}[-—–\s]*|第\s*\d{1,4}\s*页(?:\s*[，,]?\s*共\s*\d{1,4}\s*页)?"
    r"|共\s*\d{1,4}\s*页\s*第\s*\d{1,4}\s*页|\d{1,4}\s*/\s*\d{1,4}"
    r"|page\s*\d{1,4}(?:\s*of\s*\d{1,4})?)\s*$",
    re.I,
)
DIGITS = re.compile(r"\d+")
UNSTRUCTURED_TITLE = "正文"
# Stories read in the flow of the body; every other story is sectioned apart.
FLOW_STORIES = frozenset({"body", "textbox", "embedded"})


def split_sections(
    bidder: str, file: str, blocks: Sequence[Block], settings: TextSettings | None = None
) -> tuple[Section, ...]:
    """Cut one file's blocks into Sections (TOC, headers and footers left out)."""
    settings = settings or TextSettings()
    kept = drop_bills([b for b in blocks if b.kind not in DROPPED_KINDS and b.text.strip()])
    groups: list[Group] = []
    for story, story_blocks in by_story(kept):
        story_blocks = drop_toc(with_column_readings(story_blocks), settings)
        story_blocks = drop_running_lines(story_blocks, settings)
        if not story_blocks:
            continue
        if story in FLOW_STORIES:
            groups += merge_short_groups(group_by_heading(story_blocks, settings), settings)
        else:
            groups.append((STORY_LABELS.get(story, story), 0, story_blocks))
    return build_sections(bidder, file, groups, settings)


def by_story(blocks: list[Block]) -> list[tuple[str, list[Block]]]:
    """The reading flow first, then each other story in order of appearance."""
    flow = [b for b in blocks if b.story in FLOW_STORIES]
    others: dict[str, list[Block]] = {}
    for block in blocks:
        if block.story not in FLOW_STORIES:
            others.setdefault(block.story, []).append(block)
    return [("body", flow), *others.items()]


# --- bills of quantities ---------------------------------------------------

# A PDF text block is the page text of a bill when this share of its
# characters sits in words (runs without whitespace) found inside the bill's
# cells of that page.
BILL_TEXT_SHARE = 0.8
_SPACE = re.compile(r"\s+")


def drop_bills(blocks: list[Block]) -> list[Block]:
    """The blocks without the bills of quantities they hold.

    A bill (工程量清单) is the tender's: its codes, names, features, units and
    quantities are written by every bidder alike, and its prices are the price
    detector's evidence (``collusion.analysis.prices``), so its text is never evidence
    of copying. A bill is a table whose header row names BoQ columns
    (``is_boq_header``) and the rows after it with as many cells. A PDF holds
    the bill twice, as table rows and as page text; a text block on a page
    with bill rows is dropped too when its lines are found in those rows' cells.
    """
    rows = _bill_rows(blocks)
    if not rows:
        return blocks
    cells_by_page: dict[int | None, list[str]] = defaultdict(list)
    for pos in rows:
        cells_by_page[blocks[pos].page].extend(_SPACE.sub("", c) for c in blocks[pos].cells or ())
    joined = {page: "\x00".join(cells) for page, cells in cells_by_page.items() if page is not None}
    return [
        block
        for pos, block in enumerate(blocks)
        if pos not in rows
        and not (
            block.cells is None
            and block.page in joined
            and _in_bill(block.text, joined[block.page])
        )
    ]


def _bill_rows(blocks: list[Block]) -> set[int]:
    """Positions of BoQ header rows and of the rows of their tables."""
    rows: set[int] = set()
    width = 0  # cells of the open bill's header; 0 when no bill is open
    for pos, block in enumerate(blocks):
        cells = block.cells or ()
        if cells and is_boq_header(cells):
            width = len(cells)
        elif not cells or len(cells) != width:
            width = 0
        if width:
            rows.add(pos)
    return rows


def _in_bill(text: str, cells: str) -> bool:
    """Whether most characters of a text block are words found in the cells
    (a PDF line may run across cells, a cell across lines)."""
    words = text.split()
    total = sum(map(len, words))
    found = sum(len(word) for word in words if word in cells)
    return total > 0 and found >= BILL_TEXT_SHARE * total


# --- tables read down their columns ---------------------------------------

# A table is text (not a form of numbers and labels) when at least this share
# of its non-empty cells are mostly Chinese characters.
TEXT_TABLE_CELL_SHARE = 0.8
CJK = re.compile(r"[\u4e00-\u9fff]")
MIN_TABLE_ROWS = 2
MIN_TABLE_COLUMNS = 2


def with_column_readings(blocks: list[Block]) -> list[Block]:
    """The blocks, each table of text followed by one block per column, its
    cells read top to bottom (located at the table's first row). A table is a
    run of consecutive rows with the same number of cells."""
    out: list[Block] = []
    table: list[Block] = []
    for block in blocks:
        if (
            block.cells
            and table
            and block.index == table[-1].index + 1
            and len(block.cells) == len(table[-1].cells or ())
        ):
            table.append(block)
        else:
            out.extend(column_readings(table))
            table = [block] if block.cells else []
        out.append(block)
    out.extend(column_readings(table))
    return out


def _is_text_cell(cell: str) -> bool:
    return len(CJK.findall(cell)) * 2 >= len(cell.strip())


def column_readings(rows: list[Block]) -> list[Block]:
    """One block per column of a table of text; none for forms and price lists."""
    if len(rows) < MIN_TABLE_ROWS:
        return []
    cells = [c for row in rows for c in row.cells or () if c.strip()]
    columns = max((len(row.cells or ()) for row in rows), default=0)
    if columns < MIN_TABLE_COLUMNS or not cells:
        return []
    if sum(map(_is_text_cell, cells)) < TEXT_TABLE_CELL_SHARE * len(cells):
        return []
    first = rows[0]
    out = []
    for column in range(columns):
        text = "\n".join(
            row.cells[column]
            for row in rows
            if row.cells and column < len(row.cells) and row.cells[column].strip()
        )
        if text:
            out.append(
                Block(
                    text=text, page=first.page, index=first.index, kind="table", story=first.story
                )
            )
    return out


# --- table of contents ---------------------------------------------------


def is_toc_line(line: str) -> bool:
    """A TOC entry: a title followed by dot leaders (or a wide gap) and a page number."""
    line = line.strip()
    if not line:
        return False
    # Most lines are told apart by their last character: TOC_LINE ends in a
    # page number, TOC_TITLE in 录 or s (ſ matches s without case).
    last = line[-1]
    if last.isdigit() or last in ")）":
        return bool(TOC_LINE.match(line))
    return last in TOC_TITLE_ENDS and bool(TOC_TITLE.match(line))


def _toc_share(block: Block) -> float:
    if block.kind == "table":
        return 0.0
    lines = [ln for ln in block.text.splitlines() if ln.strip()]
    if not lines:
        return 0.0
    return sum(map(is_toc_line, lines)) / len(lines)


def drop_toc(blocks: list[Block], settings: TextSettings) -> list[Block]:
    """Drop TOC blocks, and whole pages mostly made of TOC entries."""
    shares = [_toc_share(block) for block in blocks]
    by_page: dict[int, list[float]] = defaultdict(list)
    for block, share in zip(blocks, shares, strict=True):
        if block.page is not None:
            by_page[block.page].append(share)
    toc_pages = {
        page
        for page, on_page in by_page.items()
        if sum(on_page) / len(on_page) >= settings.toc_page_share
    }
    return [
        block
        for block, share in zip(blocks, shares, strict=True)
        if block.page not in toc_pages and share < settings.toc_page_share
    ]


# --- running headers and footers ------------------------------------------


def _line_key(text: str) -> str:
    """Compare running lines with their digits blanked ("第3页" ~ "第4页")."""
    return DIGITS.sub("#", _SPACE.sub("", text))


def _edge_blocks(blocks: list[Block], edge: int) -> set[int]:
    """Positions (in `blocks`) of the first and last `edge` blocks of each page."""
    by_page: dict[int, list[int]] = defaultdict(list)
    for pos, block in enumerate(blocks):
        if block.page is not None:
            by_page[block.page].append(pos)
    edges: set[int] = set()
    for positions in by_page.values():
        edges.update(positions[:edge])
        edges.update(positions[-edge:])
    return edges


def drop_running_lines(blocks: list[Block], settings: TextSettings) -> list[Block]:
    """Drop page numbers and short lines repeated at the edge of many pages."""
    edges = _edge_blocks(blocks, settings.running_edge_blocks)
    pages_total = len({b.page for b in blocks if b.page is not None})
    pages_by_key: dict[str, set[int]] = defaultdict(set)
    for pos in edges:
        block = blocks[pos]
        if len(block.text.strip()) <= settings.running_max_chars:
            pages_by_key[_line_key(block.text)].add(block.page)  # type: ignore[arg-type]
    needed = max(settings.running_min_pages, settings.running_page_share * pages_total)
    running = {key for key, pages in pages_by_key.items() if len(pages) >= needed}
    kept = []
    for pos, block in enumerate(blocks):
        if PAGE_NUMBER.match(block.text):
            continue
        if pos in edges and _line_key(block.text) in running:
            continue
        kept.append(block)
    return kept


# --- headings ----------------------------------------------------------------


def numbered_heading_level(text: str, settings: TextSettings) -> int | None:
    """The level of a short title-like block starting with Chinese numbering."""
    text = text.strip()
    if "\n" in text or len(text) > settings.max_heading_chars:
        return None
    if SENTENCE_END.search(text) or len(re.findall(r"[，,；;]", text)) > MAX_TITLE_COMMAS:
        return None
    for pattern, level in HEADING_PATTERNS:
        match = pattern.match(text)
        if match and len(text) > match.end():  # a number alone is not a title
            return level
    return None


def heading_level(block: Block, settings: TextSettings) -> int | None:
    """Extraction's heading level when it gave one, else the numbering's."""
    if block.kind == "table":
        return None
    if block.heading_level is not None:
        return block.heading_level
    numbered = numbered_heading_level(block.text, settings)
    if numbered is None and block.kind == HEADING_KIND:
        return 1
    return numbered


Group = tuple[str, int, list[Block]]  # (title, level, blocks)


def group_by_heading(blocks: list[Block], settings: TextSettings) -> list[Group]:
    """Start a group at each heading; text before the first heading is its own group."""
    groups: list[Group] = []
    path: list[tuple[int, str]] = []  # the open headings, outermost first
    current: list[Block] = []
    title, level = UNSTRUCTURED_TITLE, 0
    for block in blocks:
        found = heading_level(block, settings)
        if found is None:
            current.append(block)
            continue
        if current:
            groups.append((title, level, current))
        path = [(lvl, t) for lvl, t in path if lvl < found] + [(found, _clean_title(block.text))]
        title, level = _title_from_path(path), found
        current = [block]
    if current:
        groups.append((title, level, current))
    return groups


def _clean_title(text: str) -> str:
    return re.sub(r"\s+", " ", text.strip())


def _title_from_path(path: list[tuple[int, str]]) -> str:
    """The chapter and the innermost heading: "第三章 施工方案 / 二、土方开挖"."""
    if len(path) == 1:
        return path[0][1]
    return f"{path[0][1]} / {path[-1][1]}"


def _chars(blocks: Sequence[Block]) -> int:
    return sum(len(b.text) for b in blocks)


def merge_short_groups(groups: list[Group], settings: TextSettings) -> list[Group]:
    """Merge a group shorter than `min_section_chars` with the next one, when it
    is not a higher-level heading (a bare chapter title joins its first part)."""
    merged: list[Group] = []
    for title, level, blocks in groups:
        if merged:
            prev_title, prev_level, prev_blocks = merged[-1]
            short = _chars(prev_blocks) < settings.min_section_chars
            if short and (level >= prev_level or prev_level == 0):
                merged[-1] = (prev_title, prev_level, prev_blocks + blocks)
                continue
        merged.append((title, level, list(blocks)))
    return merged


# --- windows ---------------------------------------------------------------------


def split_long_block(block: Block, size: int) -> list[Block]:
    """A block longer than `size` cut into pieces of `size` characters."""
    if len(block.text) <= size:
        return [block]
    return [replace(block, text=block.text[i : i + size]) for i in range(0, len(block.text), size)]


def windows(blocks: list[Block], settings: TextSettings) -> list[list[Block]]:
    """Cut blocks into consecutive windows of about `window_chars` characters."""
    out: list[list[Block]] = []
    current: list[Block] = []
    size = 0
    for block in blocks:
        for piece in split_long_block(block, settings.window_chars):
            if current and size + len(piece.text) > settings.window_chars:
                out.append(current)
                current, size = [], 0
            current.append(piece)
            size += len(piece.text) + 1
    if current:
        out.append(current)
    # A short tail joins the window before it.
    if len(out) > 1 and _chars(out[-1]) < settings.min_section_chars:
        tail = out.pop()
        out[-1] = out[-1] + tail
    return out


def build_sections(
    bidder: str, file: str, groups: list[Group], settings: TextSettings
) -> tuple[Section, ...]:
    """Sections from groups, windowing those too long (or with no structure)."""
    sections: list[Section] = []
    for title, _level, blocks in groups:
        if _chars(blocks) <= settings.max_section_chars:
            parts = [blocks]
        else:
            parts = windows(blocks, settings)
        for n, part in enumerate(parts, start=1):
            part_title = title if len(parts) == 1 else f"{title}（第{n}段）"
            sections.append(
                Section(
                    bidder=bidder,
                    file=file,
                    title=part_title,
                    ordinal=len(sections),
                    blocks=tuple(part),
                )
            )
    return tuple(sections)
