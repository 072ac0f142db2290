"""Rewritten copies: the word view, sentence alignment by meaning, the alert and its evidence."""

from __future__ import annotations

import dataclasses
import math
import random
import re
from pathlib import Path

import numpy as np
import pytest
from docx import Document

from collusion.analysis.text import TextSettings
from collusion.analysis.text.rewrite_chance import tail_at_least
from collusion.analysis.text.words import CJK, LATIN, NUMBER, TERM, text_words
from collusion.errors import SettingsError
from collusion.report.html import render_html
from collusion.settings import Settings
from tools import synth

# The test's own rewriting, unlike the benchmark's lists: synonyms, then the
# clauses of each sentence rotated.
REWORDING = {
    "采用": "使用",
    "设置": "布置",
    "不少于": "至少",
    "不超过": "不大于",
    "进行": "开展",
    "检查": "检验",
    "管理": "管控",
    "人员": "员工",
    "现场": "工地",
    "配备": "配置",
    "组织": "安排",
    "覆盖": "遮盖",
    "做好": "落实",
    "施工": "作业",
    "要求": "规定",
    "确保": "保证",
    "材料": "物料",
    "提前": "预先",
    "工程": "项目",
    "按照": "依照",
    "质量": "品质",
}


def words_of(text: str) -> list[tuple[str, int, int]]:
    """(sentence text, number of words, number of kinds) for each sentence."""
    w = text_words(text)
    return [
        (text[s:e], int(w.ptr[i + 1] - w.ptr[i]), len(set(w.kinds[w.ptr[i] : w.ptr[i + 1]])))
        for i, (s, e) in enumerate(w.spans.tolist())
    ]


def test_word_view_cuts_sentences_and_kinds_of_words() -> None:
    text = (
        "土方开挖采用挖掘机PC200配合人工清底，分层开挖厚度不超过1.5米。\n"
        "The concrete is CURED for 28 days; slump 1.5m.\n第三章 主要施工方法\n"
    )
    w = text_words(text)
    sentences = [text[s:e] for s, e in w.spans.tolist()]
    assert sentences == [
        "土方开挖采用挖掘机PC200配合人工清底，分层开挖厚度不超过1.5米。",
        "The concrete is CURED for 28 days;",
        "slump 1.5m.",
        "第三章 主要施工方法",
    ]
    first = w.kinds[w.ptr[0] : w.ptr[1]]
    assert TERM in first and NUMBER in first and CJK in first  # pc200, 1.5, 开挖
    assert LATIN in w.kinds[w.ptr[1] : w.ptr[2]]
    # "1.5米" and "1.5m": the same number, cut from its unit either way
    numbers = [set(w.words[w.ptr[i] : w.ptr[i + 1]][w.kinds[w.ptr[i] : w.ptr[i + 1]] == NUMBER])
               for i in (0, 2)]  # fmt: skip
    assert numbers[0] == numbers[1] and len(numbers[0]) == 1


def test_latin_words_are_stemmed_and_cased_alike() -> None:
    a, b = text_words("Curing concrete."), text_words("the concrete is CURED.")
    assert set(a.words) <= set(b.words)


def test_a_sentence_cut_by_a_page_break_stays_one_sentence() -> None:
    head = "混凝土浇筑完成后应在十二小时以内覆盖并开始洒水养护工作，养护时间"
    text = f"质量保证措施\n{head}\n不少于七天。下一句。"
    spans = text_words(text).spans.tolist()
    assert [text[s:e] for s, e in spans] == [
        "质量保证措施",
        f"{head}\n不少于七天。",
        "下一句。",
    ]


def test_word_hashes_are_the_same_in_every_process() -> None:
    # fixed polynomial hashes, no Python hash(): the values are part of the behaviour
    w = text_words("钢筋采用HRB400。")
    assert w.words.dtype == np.uint32
    assert list(w.words) == list(text_words("钢筋采用HRB400。").words)
    assert len(set(w.words.tolist())) == len(w.words)


def test_poisson_binomial_tail_matches_the_binomial() -> None:
    p = np.full(12, 0.2)
    for k in (0, 1, 5, 12, 13):
        exact = sum(math.comb(12, m) * 0.2**m * 0.8 ** (12 - m) for m in range(k, 13))
        assert tail_at_least(p, k) == pytest.approx(exact, rel=1e-9, abs=1e-15)


def test_rewrite_settings_are_checked() -> None:
    with pytest.raises(SettingsError):
        TextSettings(rewrite_seed_cosine=0)
    with pytest.raises(SettingsError):
        TextSettings(rewrite_levels=(0.5, 1.5))
    with pytest.raises(SettingsError):
        TextSettings(rewrite_max_gap=0)


# --- the alert, end to end on real DOCX files ---------------------------------------


def reworded(sentence: str, rng: random.Random) -> str:
    for word, other in REWORDING.items():
        sentence = sentence.replace(word, other)
    clauses = [c for c in sentence.rstrip("。").split("，") if c]
    if len(clauses) > 1:
        clauses = clauses[1:] + clauses[:1]
    return "，".join(clauses) + "。"


def rewritten_project(project, copies: bool = True) -> tuple[list[str], list[str]]:  # noqa: ANN001
    """Five bidders writing their own plans on the same topics; b04 rewrote a
    section of b02's. Returns the source's and the copy's paragraphs."""
    rng = random.Random(7)
    plans = {}
    for n, bidder in enumerate(("b01", "b02", "b03", "b04", "b05"), start=1):
        company = f"中山市第{n}建设有限公司"
        plan = synth.technical_plan(
            random.Random(100 + n), company, sections=6, paragraphs_per_section=5
        )
        plans[bidder] = (company, plan)
    source_title, source = plans["b02"][1][3]
    copy = [
        "".join(reworded(s, rng) for s in re.findall(r"[^。]+。", paragraph))
        for paragraph in source
    ]
    if copies:
        company, plan = plans["b04"]
        plan[3] = (plan[3][0], copy)
    for bidder, (company, plan) in plans.items():
        project.bidder(bidder, name=company)
        project.docx(bidder, "技术标.docx", synth.sections_to_paragraphs(plan))
    return source, copy


def paragraphs_of(path: Path) -> list[str]:
    return [p.text for p in Document(str(path)).paragraphs]


def test_rewritten_section_is_one_passage_with_aligned_sentences(project, scan) -> None:  # noqa: ANN001
    source, copy = rewritten_project(project)
    root = project.write()
    report = scan(root)
    text_alerts = [a for a in report["alerts"] if a["kind"] == "near_duplicate_text"]
    assert [a["bidders"] for a in text_alerts] == [["b02", "b04"]]
    alert = text_alerts[0]
    details = alert["details"]
    assert details["rewritten"] is True
    [passage] = details["rewritten_passages"]
    assert passage["p_value"] <= TextSettings().rewrite_max_p
    assert 0 < passage["similarity"] <= 1
    assert len(passage["sentences"]) >= len(source)  # a sentence or more a paragraph
    for pair in passage["sentences"]:
        assert pair["b02"] in "".join(source) and pair["b04"] in "".join(copy)
    # Both sides located: paragraph and character locators lead to the text.
    sides = [e for e in alert["evidence"] if e.get("passage") == passage["passage"]]
    assert sorted(e["bidder"] for e in sides) == ["b02", "b04"]
    for e in sides:
        paragraphs = paragraphs_of(root / e["file"])
        first = paragraphs[e["paragraph"]][e["char_start"] :]
        last = paragraphs[e["paragraph_end"]][: e["char_end"]]
        assert e["excerpt"].startswith(first[:20])
        assert last[-10:] in "".join(source + copy)
        assert e["section"] and e["page"] is None  # DOCX: no pages
    assert "改写" in alert["summary"]
    assert alert["weight"]["from_rewritten"] > 0
    # the weight alone flags the pair
    assert [p["flagged"] for p in report["pairs"] if p["bidders"] == ["b02", "b04"]] == [True]
    html = render_html(report)
    assert "改写段落" in html and passage["sentences"][0]["b04"][:10] in html


def test_honest_bidders_on_the_same_topics_are_not_a_pair(project, scan) -> None:  # noqa: ANN001
    rewritten_project(project, copies=False)
    report = scan(project.write())
    assert [a for a in report["alerts"] if a["kind"] == "near_duplicate_text"] == []
    assert not any(p["flagged"] for p in report["pairs"])


def test_rewritten_search_can_be_switched_off(project, scan) -> None:  # noqa: ANN001
    rewritten_project(project)
    settings = Settings()
    settings = dataclasses.replace(
        settings, text=dataclasses.replace(settings.text, rewrite_search=False)
    )
    report = scan(project.write(), settings=settings)
    for alert in report["alerts"]:
        assert not alert["details"].get("rewritten")


# --- one fact once: sentences copied word for word are literal evidence ---------------


def sections_of(plans: dict) -> dict:  # noqa: ANN001
    from collusion.analysis.sections import split_sections
    from collusion.models import Block

    out = {}
    for bidder, plan in plans.items():
        blocks: list[Block] = []
        for title, paragraphs in plan:
            blocks.append(Block(title, 1, len(blocks), heading_level=1, kind="heading"))
            blocks += [Block(p, 1, len(blocks)) for p in paragraphs]
        out[bidder] = list(split_sections(bidder, f"bids/{bidder}/技术标.docx", blocks))
    return out


def test_sentences_copied_word_for_word_are_no_rewritten_passage() -> None:
    """The same source section put into b04's plan: reworded, the search by
    meaning finds it; word for word, it leaves it to the character engine."""
    from collusion.analysis.text.engine import prepare_project
    from collusion.analysis.text.meaning import build_units, rewritten_passages

    found = {}
    for copied in ("reworded", "verbatim"):
        plans = {
            f"b0{n}": synth.technical_plan(
                random.Random(100 + n),
                f"中山市第{n}建设有限公司",
                sections=6,
                paragraphs_per_section=5,
            )
            for n in range(1, 6)
        }
        title, source = plans["b02"][3]
        rng = random.Random(7)
        copy = [
            "".join(reworded(s, rng) for s in re.findall(r"[^。]+。", p))
            if copied == "reworded"
            else p
            for p in source
        ]
        plans["b04"][3] = (plans["b04"][3][0], copy)
        settings = TextSettings()
        prepared = prepare_project(sections_of(plans), settings=settings).prepared
        units = build_units([p.bidder for p in prepared], [p.section for p in prepared])
        found[copied] = rewritten_passages(units, [p.words for p in prepared], (), settings)
    assert list(found["reworded"].passages) == [("b02", "b04")]
    assert found["verbatim"].seeds > 0 and found["verbatim"].passages == {}


def test_chains_of_one_copy_are_joined_when_they_follow_on_both_sides() -> None:
    from collusion.analysis.text.meaning import joined_chains

    # seeds 0-5: unit pair 7; seeds 6-7: unit pair 8 (same positions)
    group = np.array([7, 7, 7, 7, 7, 7, 8, 8])
    pa = np.array([0, 1, 2, 6, 7, 30, 8, 9])
    pb = np.array([0, 1, 2, 4, 5, 6, 6, 7])
    chains = [[3, 4], [0, 1, 2], [5], [6, 7]]
    # [0, 1, 2] and [3, 4]: 4 and 2 sentences apart -> one; [5]: 23 apart on
    # side a -> alone; [6, 7]: another unit pair -> alone
    assert joined_chains(chains, group, pa, pb, gap=8) == [[0, 1, 2, 3, 4], [5], [6, 7]]
    assert joined_chains(chains, group, pa, pb, gap=3) == [[0, 1, 2], [3, 4], [5], [6, 7]]


def test_rowwise_measures_in_blocks_equal_the_whole(monkeypatch: pytest.MonkeyPatch) -> None:
    from scipy import sparse

    from collusion.analysis.text import sentence_matrix as sm

    rng = np.random.default_rng(3)
    m = sparse.random(50, 30, density=0.2, format="csr", random_state=4, dtype=np.float64)
    i, j = rng.integers(0, 50, 200), rng.integers(0, 50, 200)
    dense = m.toarray()
    want_dot = (dense[i] * dense[j]).sum(axis=1)
    want_min = np.minimum(dense[i], dense[j]).sum(axis=1)
    monkeypatch.setattr(sm, "BLOCK_PAIRS", 7)
    assert np.allclose(sm.rowwise_dot(m, i, j), want_dot)
    assert np.allclose(sm.rowwise_min(m, i, j), want_min)


def test_rows_made_on_demand_equal_the_whole_matrix(monkeypatch: pytest.MonkeyPatch) -> None:
    """The tf-idf rows of unit length and the content-word rows, made a block
    at a time from the counts, are bit for bit the whole matrices' rows."""
    from scipy import sparse

    from collusion.analysis.text import sentence_matrix as sm

    rng = np.random.default_rng(5)
    counts = sparse.random(300, 40, density=0.15, format="csr", random_state=6, dtype=np.float32)
    counts.data = rng.integers(1, 4, counts.nnz).astype(np.float32)
    idf = rng.random(40).astype(np.float32)
    monkeypatch.setattr(sm, "BLOCK_ROWS", 17)
    whole = counts.multiply(idf.reshape(1, -1)).tocsr()
    norms = np.sqrt(np.asarray(whole.multiply(whole).sum(axis=1)).ravel())
    whole = (sparse.diags(1.0 / np.maximum(norms, np.float32(1e-9))) @ whole).tocsr()
    assert np.array_equal(np.sqrt(sm.DerivedRows(counts, idf).row_sums(squared=True)), norms)
    weighted = sm.DerivedRows(counts, idf, 1.0 / np.maximum(norms, np.float32(1e-9)))
    at = rng.integers(0, 300, 120)
    made, want = weighted.rows(at), whole[at]
    assert made.dtype == np.float32
    assert np.array_equal(made.toarray(), want.toarray())
    content = rng.random(40) < 0.5
    kept = sm.DerivedRows(counts, content.astype(np.float32), counted=False)
    present = (counts[:, np.flatnonzero(content)] > 0).astype(np.float32)
    assert np.array_equal(kept.row_sums(), np.asarray(present.sum(axis=1)).ravel())
    i, j = rng.integers(0, 300, 500), rng.integers(0, 300, 500)
    assert np.array_equal(sm.rowwise_dot(kept, i, j), sm.rowwise_dot(present.tocsr(), i, j))


def test_word_counts_built_by_groups_equal_one_build(monkeypatch: pytest.MonkeyPatch) -> None:
    """Sentences x words counted a group of sections at a time: the same
    canonical matrix, vocabulary and first-occurrence kinds as counting the
    whole project at once, however the groups fall."""
    from scipy import sparse

    from collusion.analysis.distinct import unique_sorted
    from collusion.analysis.text import sentence_matrix as sm
    from collusion.analysis.text.words import QUANTITY, quantities

    texts = [
        "混凝土强度等级C30，坍落度160mm。钢筋保护层厚度25mm，间距200mm。",
        "施工用水量5吨，配备洒水车3辆。每日检查2次，记录存档。",
        "",
        "模板支撑体系间距900mm，立杆高度4.5m。混凝土强度等级C30。",
    ] * 3
    views = [text_words(t) for t in texts if t]
    flat = np.concatenate([w.words for w in views])
    kinds = np.concatenate([w.kinds for w in views])
    lengths = np.concatenate([np.diff(w.ptr) for w in views])
    rows = np.repeat(np.arange(len(lengths), dtype=np.int32), lengths)
    extra, _, extra_rows = quantities(flat, kinds, rows)
    vocab = unique_sorted(np.concatenate([flat, extra]))
    want = sparse.csr_matrix(
        (
            np.ones(len(flat) + len(extra), dtype=np.float32),
            (
                np.concatenate([rows, extra_rows]),
                np.searchsorted(vocab, np.concatenate([flat, extra])),
            ),
        ),
        shape=(len(lengths), len(vocab)),
    )
    want.sum_duplicates()
    want_kind = np.full(len(vocab), QUANTITY, dtype=np.uint8)
    first = np.searchsorted(vocab, flat)
    want_kind[first[::-1]] = kinds[::-1]
    for group_words in (1, 7, 10_000):
        monkeypatch.setattr(sm, "GROUP_WORDS", group_words)
        groups = sm.word_groups(views)
        assert len(groups) > 1 or group_words == 10_000
        counts, got_vocab, got_kind = sm.word_counts([sm.sentence_words(g) for g in groups])
        assert np.array_equal(got_vocab, vocab)
        assert np.array_equal(got_kind, want_kind)
        assert counts.has_canonical_format
        assert np.array_equal(counts.indptr, want.indptr)
        assert np.array_equal(counts.indices, want.indices)
        assert np.array_equal(counts.data, want.data)


# --- one copy over a heading: pieces of one passage ---------------------------------


def test_a_rewritten_copy_over_a_heading_is_one_passage_in_pieces(project, scan) -> None:  # noqa: ANN001
    """b04's rewrite of b02's section runs over a heading b04 put in its middle:
    each piece lies in its own section, the pieces share one passage number."""
    source, copy = rewritten_project(project)
    plan = synth.technical_plan(
        random.Random(104), "中山市第4建设有限公司", sections=6, paragraphs_per_section=5
    )
    # two paragraphs, then three: each piece must reach the chance on its own
    plan[3] = (plan[3][0], copy[:2])
    plan.insert(4, ("四、施工进度安排", copy[2:]))
    project.docx("b04", "技术标.docx", synth.sections_to_paragraphs(plan))
    report = scan(project.write())
    [alert] = [a for a in report["alerts"] if a["kind"] == "near_duplicate_text"]
    assert alert["bidders"] == ["b02", "b04"]
    pieces = alert["details"]["rewritten_passages"]
    assert len(pieces) == 2
    [number] = {p["passage"] for p in pieces}
    sides = [e for e in alert["evidence"] if e.get("passage") == number]
    assert sorted(e["bidder"] for e in sides) == ["b02", "b02", "b04", "b04"]
    # each piece located in its own section of b04's file, the heading between
    assert len({e["section"] for e in sides if e["bidder"] == "b04"}) == 2
    copied = {s["b04"] for p in pieces for s in p["sentences"]}
    assert any(s in "".join(copy[:2]) for s in copied)
    assert any(s in "".join(copy[2:]) for s in copied)
    assert "有1处段落经改写后雷同" in alert["summary"]
    html = render_html(report)
    assert html.count(f"改写段落 {number}：") == 1


def test_pieces_of_one_copy_follow_each_other_over_a_heading() -> None:
    from collusion.analysis.text.meaning import RewrittenPassage, Unit
    from collusion.analysis.text.rewrite_merge import copy_numbers, copy_pieces, numbered_pieces
    from collusion.models import Section

    def unit(bidder: str, file: str) -> Unit:
        return Unit(bidder, Section(bidder, file, "t", 0, ()), (0,), (0,))

    # units 0-2: b01's file (two sections, then another file); units 3-4: b02's
    units = [unit("b01", "a.docx"), unit("b01", "a.docx"), unit("b01", "x.docx")]
    units += [unit("b02", "b.docx"), unit("b02", "b.docx")]

    def passage(a: int, b: int, p: float, rows: tuple[int, int, int, int]) -> RewrittenPassage:
        return RewrittenPassage(a, b, 0, 10, 0, 10, (), 0.5, p, 1, rows)

    # rows: the first and last sentence on side a, then on side b
    first = passage(0, 3, 1e-3, (0, 9, 100, 109))
    over = passage(0, 4, 1e-6, (12, 20, 112, 120))  # b side over the heading
    far = passage(1, 4, 1e-5, (40, 45, 125, 130))  # 20 sentences on from `over`
    other_file = passage(2, 4, 1e-5, (21, 25, 121, 125))  # another file of b01
    found = copy_pieces([far, over, first, other_file], units, gap=8)
    parts = {(p.a, p.b): p.part_of for p in found}
    assert parts[(0, 3)] is not None and parts[(0, 3)] == parts[(0, 4)]
    assert parts[(1, 4)] is None and parts[(2, 4)] is None
    # numbered: the copy by its least likely piece first, its pieces in file order
    numbered = numbered_pieces(found)
    assert [(p.a, p.b, p.part_of) for p in numbered[:2]] == [(0, 3, 0), (0, 4, 0)]
    assert copy_numbers(numbered, 5) == [5, 5, 6, 7]
    # a piece left alone (the other one dropped) is a passage of its own
    assert numbered_pieces(numbered[1:])[0].part_of is None
    # within one section pair no piece is joined (``joined_chains`` did that)
    same = passage(0, 3, 1e-3, (12, 20, 112, 120))
    assert all(p.part_of is None for p in copy_pieces([first, same], units, gap=8))
