"""DOCX headings: outline levels, style chains and list numbering that reads
like a chapter label. See :mod:`collusion.extract.docx_stories`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from lxml import etree

from collusion.extract.docx_xml import (
    VAL,
    _w,
)

# Headings.
_HEADING_STYLE = re.compile(r"^(?:heading|标题)\s*(\d)$", re.IGNORECASE)
TITLE_STYLES = frozenset({"title", "标题"})
# A list level whose label reads like a chapter or section title.
_CHAPTER_LABEL = re.compile(r"第[^%]*%\d[^%]*[章节篇部]")
# A numbered paragraph longer than this, or ending like a sentence, is a
# numbered list item, not a title.
NUMBERED_HEADING_MAX_CHARS = 40
SENTENCE_ENDS = ("。", "；", ";", "：", ":", "，")


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
