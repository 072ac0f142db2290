"""Passages that are exact: one copy is one passage, even over the boundary
of two windows of a long section; no passage pairs a short phrase with a long
span; a reordered copy is one passage, a lone common phrase none."""

from __future__ import annotations

import random

from collusion.analysis.sections import split_sections
from collusion.analysis.text import TextSettings, compare_project
from collusion.analysis.text.reordered import ReorderedPassage
from collusion.detectors.near_duplicate_text import passage_count
from collusion.models import Block, Section
from collusion.report.html import pairs

CHARS = (
    "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子"
    "说产种面而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机"
)
SETTINGS = TextSettings()


def sentences(rng: random.Random, count: int) -> list[str]:
    """Sentences no other bidder writes: common characters drawn at random."""
    return [
        "".join(rng.choice(CHARS) for _ in range(rng.randint(18, 30))) + "。" for _ in range(count)
    ]


def paragraphs(items: list[str], per: int = 4) -> list[str]:
    return ["".join(items[i : i + per]) for i in range(0, len(items), per)]


def bid(bidder: str, chapters: list[tuple[str, list[str]]]) -> list[Section]:
    blocks: list[Block] = []
    for title, paras in chapters:
        blocks.append(
            Block(title, 1 + len(blocks) // 8, len(blocks), heading_level=1, kind="heading")
        )
        blocks += [Block(p, 1 + len(blocks) // 8, len(blocks)) for p in paras]
    return list(split_sections(bidder, f"bids/{bidder}/技术标.docx", blocks, SETTINGS))


def project(copy: list[str], source_at: int, copier_at: int, seed: int = 1) -> dict:
    """Four bidders with a long chapter of their own each; the source's
    chapter holds ``copy`` at sentence ``source_at``, the copier's at ``copier_at``."""
    rng = random.Random(seed)
    out = {}
    for n, bidder in enumerate(("b01", "b02", "b03", "b04")):
        own = sentences(rng, 320)
        if bidder == "b01":
            own[source_at:source_at] = copy
        elif bidder == "b02":
            own[copier_at:copier_at] = copy
        out[bidder] = bid(bidder, [("第一章 施工方案", paragraphs(own)), (f"第二章 其他{n}", [])])
    return out


def pair_result(sections: dict):
    comparison = compare_project(sections, (), {}, SETTINGS)
    (pair,) = [p for p in comparison.pairs if p.bidders == ("b01", "b02")]
    assert all(p.bidders == ("b01", "b02") for p in comparison.pairs)
    return comparison, pair


def test_a_copy_over_window_boundaries_is_one_passage() -> None:
    copy = sentences(random.Random(9), 180)  # about 4,500 characters
    sections = project(copy, source_at=40, copier_at=130)
    assert sum("（第" in s.title for s in sections["b01"]) >= 3  # cut into windows
    comparison, pair = pair_result(sections)
    pieces = pair.passages
    assert len(pieces) >= 3  # the windows end at other places on the two sides
    assert {ap.part_of for ap in pieces} == {0}
    assert passage_count(pair) == 1
    copied = len("".join(copy)) - len(copy)  # normalized: no 。
    for side in ("a", "b"):
        ids = {getattr(ap.match, side) for ap in pieces}
        assert len(ids) >= 2
        covered = sum(
            getattr(ap.passage, f"{side}_end") - getattr(ap.passage, f"{side}_start")
            for ap in pieces
        )
        assert copied - 5 <= covered <= copied + 5


def test_a_short_phrase_is_never_paired_with_a_long_span() -> None:
    """The source writes a phrase once; the copier, besides a copied passage,
    repeats it with a few characters between: each repeat matches the same
    phrase, and merging those matches would pair 45 characters with 200."""
    rng = random.Random(3)
    phrase = "".join(rng.choice(CHARS) for _ in range(45)) + "。"
    shared = sentences(rng, 12)  # a real copy, so that the section pair is confirmed
    own = [sentences(rng, 40) for _ in range(4)]
    filler = ["".join(rng.choice(CHARS) for _ in range(8)) + "，" for _ in range(4)]
    repeated = "".join(phrase[:-1] + "，" + f for f in filler)
    source = own[0][:20] + shared + own[0][20:30] + [phrase] + own[0][30:]
    copier = own[1] + shared + [repeated]
    sections = {
        "b01": bid("b01", [("第一章 方案", paragraphs(source))]),
        "b02": bid("b02", [("第一章 方案", paragraphs(copier))]),
        "b03": bid("b03", [("第一章 方案", paragraphs(own[2]))]),
        "b04": bid("b04", [("第一章 方案", paragraphs(own[3]))]),
    }
    _, pair = pair_result(sections)
    assert len(pair.passages) == 2  # the copy, and the phrase with one of its repeats
    for ap in pair.passages:
        p = ap.passage
        a, b = p.a_end - p.a_start, p.b_end - p.b_start
        assert min(a, b) >= SETTINGS.min_passage_chars
        assert max(a, b) <= SETTINGS.max_side_ratio * min(a, b)


def test_a_shuffled_paragraph_is_one_reordered_passage_and_a_lone_phrase_none() -> None:
    rng = random.Random(5)
    chapter = sentences(rng, 16)
    shuffled = chapter[:]
    random.Random(6).shuffle(shuffled)
    lone = "".join(rng.choice(CHARS) for _ in range(12)) + "。"
    others = [sentences(rng, 6) for _ in range(4)]
    sections = {
        "b01": bid("b01", [("第一章 方案", paragraphs(chapter, 16) + [others[0][0] + lone])]),
        "b02": bid("b02", [("第一章 方案", [lone + others[1][0]] + paragraphs(shuffled, 16))]),
        "b03": bid("b03", [("第一章 方案", paragraphs(others[2]))]),
        "b04": bid("b04", [("第一章 方案", paragraphs(others[3]))]),
    }
    _, pair = pair_result(sections)
    reordered = [ap for ap in pair.passages if isinstance(ap.passage, ReorderedPassage)]
    assert len(pair.passages) == len(reordered) == 1
    p = reordered[0].passage
    assert p.sentences >= 10
    span = len("".join(chapter)) - len(chapter)
    assert span - 5 <= p.a_end - p.a_start <= span + 5
    assert span - 5 <= p.b_end - p.b_start <= span + 5


def test_the_pieces_of_one_passage_show_as_one_excerpt_a_side() -> None:
    """A copy over a section boundary: four evidence items, one passage number."""
    evidence = [
        {"bidder": "b01", "file": "a.pdf", "page": 3, "excerpt": "甲段前半", "passage": 1},
        {"bidder": "b01", "file": "a.pdf", "page": 4, "excerpt": "甲段后半", "passage": 1},
        {"bidder": "b02", "file": "b.pdf", "page": 7, "excerpt": "甲段前半", "passage": 1},
        {"bidder": "b02", "file": "b.pdf", "page": 7, "excerpt": "甲段后半", "passage": 1},
    ]
    (passage,) = pairs._passages(evidence, ("b01", "b02"))
    assert [s["bidder"] for s in passage["sides"]] == ["b01", "b02"]
    for side in passage["sides"]:
        text = "".join(t for t, _ in side["segments"])
        assert text == "甲段前半" + pairs.PIECE_JOINER + "甲段后半"
    assert passage["sides"][0]["page"] == "第 3 页"
