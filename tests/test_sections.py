"""Sections: headings by numbering, TOC and running lines left out, windows."""

from __future__ import annotations

import pytest

from collusion.analysis.sections import is_toc_line, numbered_heading_level, split_sections
from collusion.analysis.text import TextSettings
from collusion.errors import SettingsError
from collusion.models import Block

BODY = "本工程基础采用C30混凝土浇筑，振捣密实，养护时间不少于七天，确保结构质量满足设计要求。" * 6


def _blocks(texts: list[tuple[str, int | None]], kind: str = "para") -> list[Block]:
    return [Block(text=t, page=p, index=i, kind=kind) for i, (t, p) in enumerate(texts)]


@pytest.mark.parametrize(
    ("text", "level"),
    [
        ("第一章 施工组织设计", 1),
        ("第三节 质量保证措施", 2),
        ("一、工程概况", 2),
        ("（二）土方开挖", 3),
        ("1.1 编制依据", 3),
        ("1.1.1 主要规范", 4),
        ("2.施工工艺流程", 4),
        ("1.5m宽的道路采用C25混凝土", None),  # a number with a unit, not a heading
        ("1.2 Scope of Works", 3),
        ("3. Construction Methods", 4),
        # a wrapped sentence's line starting with a number and its unit
        ("1.4 m high.", None),
        ("1.5  m宽的道路", None),
        ("一、本工程采用C30混凝土浇筑，振捣密实，养护不少于7天。", None),  # a sentence
        ("3、", None),  # a number alone
    ],
)
def test_numbered_heading_level(text: str, level: int | None) -> None:
    assert numbered_heading_level(text, TextSettings()) == level


@pytest.mark.parametrize(
    ("line", "toc"),
    [
        ("第一章 总则 ........ 3", True),
        ("1.1 工程概况……12", True),
        ("二、施工部署…………………………15", True),
        ("目 录", True),
        ("塔吊 QTZ80  2", False),
        ("混凝土强度等级C30", False),
    ],
)
def test_toc_line(line: str, toc: bool) -> None:
    assert is_toc_line(line) is toc


def test_split_at_numbered_headings_with_chapter_in_title() -> None:
    blocks = _blocks(
        [
            ("第一章 施工方案", 1),
            ("一、土方开挖", 1),
            (BODY, 1),
            ("二、混凝土工程", 2),
            (BODY, 2),
        ]
    )
    sections = split_sections("b01", "bids/b01/a.docx", blocks)
    assert [s.title for s in sections] == ["第一章 施工方案", "第一章 施工方案 / 二、混凝土工程"]
    # The bare chapter title merged with its first part; nothing lost.
    assert sections[0].text.count(BODY) == 1 and "一、土方开挖" in sections[0].text
    assert [s.ordinal for s in sections] == [0, 1]
    assert sections[1].first_page == 2


def test_extraction_heading_level_is_trusted() -> None:
    blocks = [
        Block("施工总体部署", 1, 0, heading_level=1, kind="heading"),
        Block(BODY, 1, 1),
        Block("进度计划", 2, 2, heading_level=1, kind="heading"),
        Block(BODY, 2, 3),
    ]
    titles = [s.title for s in split_sections("b", "f", blocks)]
    assert titles == ["施工总体部署", "进度计划"]


def test_toc_page_and_running_lines_left_out() -> None:
    texts: list[tuple[str, int | None]] = [
        ("目 录", 1),
        ("第一章 总则 ........ 3", 1),
        ("第二章 施工方案 ........ 5", 1),
    ]
    for page in range(2, 8):
        texts += [("某某路改造工程投标文件", page), (BODY, page), (f"- {page} -", page)]
    blocks = _blocks(texts)
    text = "\n".join(s.text for s in split_sections("b", "f", blocks))
    assert "目 录" not in text and "........" not in text
    assert "某某路改造工程投标文件" not in text
    assert "- 3 -" not in text
    assert text.count(BODY) == 6


def test_extraction_marked_header_footer_toc_dropped() -> None:
    blocks = [
        Block("页眉文字", 1, 0, kind="header"),
        Block("第一章 ...... 1", 1, 1, kind="toc"),
        Block(BODY, 1, 2),
        Block("页脚文字", 1, 3, kind="footer"),
    ]
    (section,) = split_sections("b", "f", blocks)
    assert section.text == BODY


def test_unstructured_text_is_windowed() -> None:
    settings = TextSettings(window_chars=500, max_section_chars=1000, min_section_chars=100)
    blocks = _blocks([(BODY, p) for p in range(1, 11)])
    sections = split_sections("b", "f", blocks, settings)
    assert len(sections) > 1
    assert all(len(s.text) <= 1000 for s in sections)
    assert "".join(s.text.replace("\n", "") for s in sections) == BODY * 10
    assert sections[0].title.startswith("正文")


def test_one_huge_block_is_cut() -> None:
    settings = TextSettings(window_chars=500, max_section_chars=1000, min_section_chars=100)
    blocks = [Block(BODY * 20, 3, 0)]
    sections = split_sections("b", "f", blocks, settings)
    assert len(sections) >= 4
    assert all(s.first_page == 3 for s in sections)
    assert "".join(s.text.replace("\n", "") for s in sections) == BODY * 20


def test_settings_validate() -> None:
    with pytest.raises(SettingsError):
        TextSettings(window_chars=0)
    with pytest.raises(SettingsError):
        TextSettings(window_chars=9000, max_section_chars=6000)
