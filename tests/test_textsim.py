"""Near-duplicate text: copies found with both sides located, boilerplate never."""

from __future__ import annotations

import dataclasses
import random
from pathlib import Path

import pytest

from collusion.analysis.normalize import PLACEHOLDER, normalize
from collusion.analysis.sections import split_sections
from collusion.analysis.text import (
    TextSettings,
    compare_project,
    extract_params,
    load_reference_texts,
    reference_shingles,
    shingle_hashes,
    sounds_alike,
    typos,
)
from collusion.detectors import near_duplicate_text
from collusion.errors import SettingsError
from collusion.extract import extract_file
from collusion.models import Bidder, Block, ProjectInput, ScanContext, Section
from collusion.settings import Settings
from tools import synth

COMPANIES = {
    "b01": "中山市宏达建设有限公司",
    "b02": "江门市恒信建筑工程有限公司",
    "b03": "佛山市永安市政工程有限公司",
    "b04": "珠海市鑫盛建设有限公司",
    "b05": "肇庆市华建建工集团有限公司",
    "b06": "中山市正元建设有限公司",
}
TENDER_REQUIREMENT = (
    "投标人应充分考虑雨季施工对工期的影响，在施工组织设计中提出相应的排水、防雨和材料保护措施，"
    "并对深基坑、高支模等危险性较大的分部分项工程编制专项施工方案，经专家论证后方可实施。"
)
# Tender text that no bidder's forms carry: only the tender layer makes it boilerplate.
TENDER_CLAUSE = (
    "承包人应在开工前十四天内向监理人提交施工场地内地下管线和地下设施的保护方案，经发包人确认后实施；"
    "因承包人原因造成地下管线损坏的，由承包人负责修复并承担由此增加的费用和延误的工期。"
    "施工期间承包人应按发包人要求设置交通导行标志，保证沿线单位和居民的出行安全。"
)
# Standards in the reference file that no bidder's 编制依据 cites here.
MORE_CITATIONS = (
    "《建筑基坑支护技术规程》JGJ120-2012《建筑桩基技术规范》JGJ94-2008"
    "《建筑施工模板安全技术规范》JGJ162-2008《钢筋机械连接技术规程》JGJ107-2016"
    "《普通混凝土配合比设计规程》JGJ55-2011《建筑工程冬期施工规程》JGJ/T104-2011"
    "《公路路基施工技术规范》JTG/T 3610-2019《大体积混凝土施工标准》GB50496-2018"
)
CITATIONS = [
    "《混凝土结构工程施工质量验收规范》GB50204-2015",
    "《建筑施工安全检查标准》JGJ59-2011",
    "《施工现场临时用电安全技术规范》JGJ46-2005",
    "《建筑施工扣件式钢管脚手架安全技术规范》JGJ130-2011",
]


def plan(bidder: str, seed: int) -> list[tuple[str, list[str]]]:
    """An honest bidder's own 施工组织设计."""
    return synth.technical_plan(
        random.Random(seed), COMPANIES[bidder], sections=8, paragraphs_per_section=3
    )


def blocks_of(chapters: list[tuple[str, list[str]]], start_page: int = 1) -> list[Block]:
    """Blocks as extraction gives them: a heading, then paragraphs, two a page."""
    blocks: list[Block] = []
    page = start_page
    for title, paragraphs in chapters:
        blocks.append(Block(title, page, len(blocks), heading_level=1, kind="heading"))
        for n, text in enumerate(paragraphs):
            blocks.append(Block(text, page, len(blocks)))
            if n % 2 == 1:
                page += 1
    return blocks


def bid(bidder: str, chapters: list[tuple[str, list[str]]]) -> list[Section]:
    forms = [
        ("投标函", [f"投标人：{COMPANIES[bidder]}（盖单位章）", TENDER_REQUIREMENT]),
        ("编制依据", CITATIONS),
    ]
    return list(split_sections(bidder, f"bids/{bidder}/技术标.docx", blocks_of(forms + chapters)))


def tender_sections() -> tuple[Section, ...]:
    blocks = blocks_of([("技术要求", [TENDER_REQUIREMENT, TENDER_CLAUSE])])
    return split_sections("tender", "tender/招标文件.docx", blocks)


def context(
    sections: dict[str, list[Section]], settings: TextSettings | None = None
) -> ScanContext:
    bidders = tuple(Bidder(b, COMPANIES[b], None) for b in sorted(sections))
    project = ProjectInput(
        root=".",
        id="T-1",
        name="某某路改造工程",
        industry="construction",
        bidder_meta={b: {"name": COMPANIES[b]} for b in sections},
        bidder_files={b: (f"bids/{b}/技术标.docx",) for b in sections},
        tender_files=("tender/招标文件.docx",),
        csv_signatures=(),
        errors=(),
    )
    detectors = {"text": settings} if settings else {}
    return ScanContext(
        project=project,
        bidders=bidders,
        tender_files=(),
        sections={b: tuple(s) for b, s in sections.items()},
        tender_sections=tender_sections(),
        settings=Settings(detectors=detectors),
        known_common=None,
    )


def honest_project(bidders: int = 6) -> dict[str, list[tuple[str, list[str]]]]:
    ids = sorted(COMPANIES)[:bidders]
    return {b: plan(b, seed) for seed, b in enumerate(ids, start=100)}


def swap(text: str, source: str, target: str) -> str:
    return text.replace(COMPANIES[source], COMPANIES[target]).replace(
        synth.short_name(COMPANIES[source]), synth.short_name(COMPANIES[target])
    )


def alerts_for(plans: dict[str, list[tuple[str, list[str]]]], settings: TextSettings | None = None):
    return near_duplicate_text.detect(context({b: bid(b, p) for b, p in plans.items()}, settings))


# --- normalization -------------------------------------------------------------------


def test_normalize_folds_width_masks_names_and_maps_offsets_back() -> None:
    text = "投标人：中山市宏达建设有限公司（盖单位章）本工程采用Ｃ２５砼，宽度６ｍ。"
    norm = normalize(text, [COMPANIES["b01"]])
    assert " " not in norm.text and "，" not in norm.text
    assert "c25砼宽度6m" in norm.text
    assert norm.text.count(PLACEHOLDER) == 1 and "宏达" not in norm.text
    at = norm.text.index("c25")
    start, end = norm.span(at, at + 3)
    assert text[start:end] == "Ｃ２５"
    at = norm.text.index(PLACEHOLDER)
    start, end = norm.span(at, at + 1)
    assert text[start:end] == COMPANIES["b01"]


def test_swapped_names_normalize_alike() -> None:
    one = normalize(f"{COMPANIES['b01']}承诺，宏达建设将配备专职安全员。", [COMPANIES["b01"]])
    two = normalize(f"{COMPANIES['b02']}承诺，恒信建筑工程将配备专职安全员。", [COMPANIES["b02"]])
    assert one.text == two.text


# --- the detector ----------------------------------------------------------------------


def test_honest_bidders_give_nothing() -> None:
    assert alerts_for(honest_project()) == []


def test_copied_section_with_swapped_names_found_with_offsets_and_pages() -> None:
    plans = honest_project()
    copied = plans["b01"][3]
    plans["b03"][5] = (plans["b03"][5][0], [swap(p, "b01", "b03") for p in copied[1]])
    ctx = context({b: bid(b, p) for b, p in plans.items()})
    alerts = near_duplicate_text.detect(ctx)
    assert [a.bidders for a in alerts] == [("b01", "b03")]
    alert = alerts[0]
    assert alert.kind == "near_duplicate_text" and alert.severity == "high"
    assert alert.basis == "《招标投标法实施条例》第四十条第（四）项"
    assert "b01" in alert.summary and "b03" in alert.summary and "字" in alert.summary
    assert alert.details["shared_chars"] >= 150
    sections = {(s.bidder, s.title): s for b in ctx.sections.values() for s in b}
    passages = {e.passage for e in alert.evidence}
    assert passages and all(
        sorted(e.bidder for e in alert.evidence if e.passage == k) == ["b01", "b03"]
        for k in passages
    )
    for e in alert.evidence:
        if e.field is not None:  # parameter lists and typos are quoted differently
            continue
        section = sections[(e.bidder, e.section)]
        quoted = section.text[e.start : e.end]
        assert e.file == f"bids/{e.bidder}/技术标.docx"
        # the excerpt quotes the original text (spaces folded), not the normalized one
        assert " ".join(quoted.split())[:20] in e.excerpt
        block = next(b for b in section.blocks if b.index == e.paragraph)
        assert e.page == block.page
    b01 = next(e for e in alert.evidence if e.bidder == "b01")
    assert b01.section == copied[0]
    # the copy's text on b03's side, names swapped back, is b01's original
    b03 = next(e for e in alert.evidence if e.bidder == "b03" and e.passage == b01.passage)
    b03_text = sections[("b03", b03.section)].text[b03.start : b03.end]
    assert swap(b03_text, "b03", "b01") in "\n".join(copied[1])


def test_tender_text_and_standard_citations_are_not_reported() -> None:
    plans = honest_project()
    shared = [TENDER_CLAUSE, MORE_CITATIONS]
    for b in ("b02", "b04"):
        title, paragraphs = plans[b][2]
        plans[b][2] = (title, paragraphs + shared)
    assert alerts_for(plans) == []
    # the same text, not in the tender or the reference files, is reported
    odd = [
        "本项目拟在东侧红线外设置一处临时沉淀池，尺寸为长十二米宽四米深二米，雨水经三级沉淀后"
        "回用于洒水降尘，沉淀池底部淤泥每周清掏一次并外运至指定消纳场。夜间施工时沿围挡内侧"
        "布设暖色低位照明灯带，灯具朝向作业面，避免光线直射北侧居民楼窗户；混凝土罐车在场外"
        "候车区熄火等候，由专人持对讲机逐车引导进场，减少鸣笛与怠速噪声对周边学校的影响。"
    ]
    for b in ("b02", "b04"):
        title, paragraphs = plans[b][4]
        plans[b][4] = (title, paragraphs + odd)
    assert [a.bidders for a in alerts_for(plans)] == [("b02", "b04")]


def test_section_copied_into_a_larger_one_found_by_containment() -> None:
    plans = honest_project()
    title, paragraphs = plans["b02"][4]
    small = [swap(p, "b02", "b05") for p in paragraphs[:2]]
    big_title, big = plans["b05"][1]
    filler = [p for _, ps in plans["b05"][2:7] for p in ps]
    plans["b05"][1] = (big_title, big + filler[:6] + small + filler[6:])
    settings = TextSettings(max_section_chars=20000, window_chars=10000)
    alerts = alerts_for(plans, settings)
    assert [a.bidders for a in alerts] == [("b02", "b05")]
    best = alerts[0].details["sections"][0]
    assert best["containment"] >= 0.8
    assert best["jaccard"] < best["containment"]


def test_rewritten_section_matched_by_its_technical_parameters() -> None:
    plans = honest_project()
    title, paragraphs = plans["b01"][3]
    rewritten = []
    for paragraph in paragraphs:
        params = extract_params(paragraph)
        # every sentence rewritten around the parameters, each kept with its term
        rewritten.append(
            "；".join(
                f"结合本单位类似工程经验，第{n + 1}项控制指标{p.term}{paragraph[p.start : p.end]}，"
                "实施中视现场情况动态复核"
                for n, p in enumerate(params)
            )
            + "。"
        )
    plans["b06"][3] = (plans["b06"][3][0], rewritten)
    kept = [p.key for p in extract_params("".join(paragraphs))]
    assert len(kept) >= 6
    alerts = alerts_for(plans)
    assert [a.bidders for a in alerts] == [("b01", "b06")]
    assert alerts[0].details["parameter_section_pairs"] >= 1
    assert "技术参数" in alerts[0].summary


def test_shared_typos_in_otherwise_different_bids() -> None:
    plans = honest_project()
    correct = "砌体灰缝砂浆应饱满密实并浇水养护，钢筋骨架绑扎应牢固可靠"
    typo = "砌体灰缝砂浆应饱蛮密实并浇水养户，钢筋骨架绑扎应牢故可靠"
    for b in plans:
        title, paragraphs = plans[b][2]
        plans[b][2] = (title, [*paragraphs, (typo if b in ("b02", "b05") else correct) + "。"])
    alerts = alerts_for(plans)
    assert [a.bidders for a in alerts] == [("b02", "b05")]
    found = {(t["usual"], t["typo"]) for t in alerts[0].details["shared_typos"]}
    assert {("满", "蛮"), ("固", "故")} <= found
    assert "错别字" in alerts[0].summary


def test_misspellings_the_whole_trade_writes_are_not_shared_slips() -> None:
    """模版 for 模板 (and 混泥土, 帐户) in two bids: chance, not a shared slip."""
    plans = honest_project()
    correct = "混凝土终凝后应及时覆盖养护，模板拆除时混凝土强度须达到设计要求，保证金账户另附"
    common = "混泥土终凝后应及时覆盖养护，模版拆除时混凝土强度须达到设计要求，保证金帐户另附"
    for b in plans:
        title, paragraphs = plans[b][2]
        plans[b][2] = (title, [*paragraphs, (common if b in ("b02", "b05") else correct) + "。"])
    assert alerts_for(plans) == []


def test_the_right_spelling_where_most_write_a_common_misspelling_is_no_shared_slip() -> None:
    """Most bids write 模版, 混泥土 and 帐户 throughout; the two that spell
    模板, 混凝土 and 账户 right share no slip (the minority side of a listed
    misspelling)."""
    plans = honest_project()
    right = ("b02", "b05")
    extra = "混凝土终凝后应及时覆盖养护，模板拆除时须达到设计要求，保证金账户另附。"
    for b in plans:
        title, paragraphs = plans[b][2]
        plans[b][2] = (title, [*paragraphs, extra])
        if b not in right:
            plans[b] = [
                (
                    t,
                    [
                        p.replace("模板", "模版")
                        .replace("混凝土", "混泥土")
                        .replace("账户", "帐户")
                        for p in paras
                    ],
                )
                for t, paras in plans[b]
            ]
    assert alerts_for(plans) == []


# (what the others write, what the pair writes instead)
HOMOPHONES = (
    ("施工日志和材料台账须每日登记。", "施工日志和材料台帐须每日登记。"),  # zhang
    ("电焊工须持证上岗并佩戴防护面罩。", "电焊工须持正上岗并佩戴防护面罩。"),
)  # zheng
FUZZY = (
    ("脚手架连墙件应按规定设置。", "脚手架粘墙件应按规定设置。"),  # lian/nian
    ("楼板混凝土浇筑前应清除模内杂物。", "楼板混凝土浇族前应清除模内杂物。"),
)  # zhu/zu
# Real terms, each a legitimate alternative to the usual one, that sound different.
ALTERNATIVES = (
    ("回填土每层摊铺厚度不大于三百毫米。", "回填土每层虚铺厚度不大于三百毫米。"),
    ("模板背楞间距不大于二百五十毫米。", "模板次楞间距不大于二百五十毫米。"),
)


def plant_variants(pair: tuple[str, str], sentences: tuple[tuple[str, str], ...]):
    """An honest project where the pair writes each variant and the others the usual text.

    synth plans may use 虚铺 and 次楞 themselves; they are taken out so that
    the pair's variants are theirs alone (the bigram test of a non-word).
    """
    plans = honest_project()
    for b in plans:
        plans[b] = [
            (title, [p.replace("虚铺", "铺土").replace("次楞", "背楞") for p in paragraphs])
            for title, paragraphs in plans[b]
        ]
        title, paragraphs = plans[b][2]
        text = "".join(variant if b in pair else usual for usual, variant in sentences)
        plans[b][2] = (title, [*paragraphs, text])
    return plans


@pytest.mark.parametrize(
    "sentences, expected",
    [
        (HOMOPHONES, {("账", "帐"), ("证", "正")}),
        (FUZZY, {("连", "粘"), ("筑", "族")}),
    ],
)
def test_pinyin_typos_shared_by_two_bidders_are_reported(sentences, expected) -> None:
    alerts = alerts_for(plant_variants(("b02", "b05"), sentences))
    assert [a.bidders for a in alerts] == [("b02", "b05")]
    assert {(t["usual"], t["typo"]) for t in alerts[0].details["shared_typos"]} == expected


def test_shared_legitimate_alternative_terms_are_not_typos(monkeypatch) -> None:
    plans = plant_variants(("b02", "b05"), ALTERNATIVES)
    assert alerts_for(plans) == []
    # Only the sound rule stands between these honest bidders and an alert.
    monkeypatch.setattr(typos, "sounds_alike", lambda a, b: True)
    alerts = alerts_for(plans)
    assert [a.bidders for a in alerts] == [("b02", "b05")]
    assert {(t["usual"], t["typo"]) for t in alerts[0].details["shared_typos"]} == {
        ("摊", "虚"),
        ("背", "次"),
    }


@pytest.mark.parametrize(
    "typo, usual, alike",
    [
        ("帐", "账", True),
        ("的", "得", True),
        ("作", "做", True),
        ("象", "像", True),  # same syllable
        ("泥", "凝", True),
        ("族", "筑", True),
        ("资", "制", True),
        ("蓝", "男", True),
        ("程", "陈", True),  # fuzzy pinyin
        ("欢", "翻", False),  # f/h initial but another final
        ("虚", "摊", False),
        ("次", "背", False),
        ("砂", "粉", False),
        ("筯", "筋", False),
    ],
)
def test_sounds_alike_is_what_a_pinyin_ime_confuses(typo: str, usual: str, alike: bool) -> None:
    assert sounds_alike(typo, usual) is alike


def test_readings_come_without_the_phrase_dictionary() -> None:
    """A character's readings (polyphones too) are read without pypinyin's
    phrase dictionary, which held about 47 MB to the end of a scan."""
    import subprocess
    import sys

    code = (
        "import sys; from collusion.analysis.text.typos import pinyin_readings as r; "
        "print(sorted(r('行')), sorted(r('账')), 'pypinyin.phrases_dict' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.split("] ")[-1].strip() == "False"
    assert "hang" in done.stdout and "xing" in done.stdout and "zhang" in done.stdout


def test_output_is_deterministic_whatever_the_input_order() -> None:
    plans = honest_project()
    plans["b04"][2] = (plans["b04"][2][0], [swap(p, "b02", "b04") for p in plans["b02"][6][1]])
    sections = {b: bid(b, p) for b, p in plans.items()}
    first = near_duplicate_text.detect(context(sections))
    reordered = {b: sections[b] for b in reversed(sorted(sections))}
    second = near_duplicate_text.detect(context(reordered))
    assert first and first == second
    assert [e.to_dict() for e in first[0].evidence] == [e.to_dict() for e in second[0].evidence]


def test_docx_and_pdf_of_the_same_text_match(tmp_path: Path) -> None:
    plans = honest_project(4)
    plans["b04"][3] = (plans["b04"][3][0], [swap(p, "b01", "b04") for p in plans["b01"][3][1]])
    sections = {}
    for b, chapters in plans.items():
        items = synth.sections_to_paragraphs(chapters)
        rel = f"bids/{b}/技术标.{'pdf' if b == 'b04' else 'docx'}"
        if rel.endswith(".pdf"):
            synth.write_pdf(tmp_path / rel, [items])
        else:
            synth.write_docx(tmp_path / rel, items)
        extracted = extract_file(tmp_path, rel)
        assert extracted.status == "ok"
        sections[b] = list(split_sections(b, rel, extracted.blocks))
    alerts = near_duplicate_text.detect(context(sections))
    assert [a.bidders for a in alerts] == [("b01", "b04")]
    files = {e.file for e in alerts[0].evidence}
    assert files == {"bids/b01/技术标.docx", "bids/b04/技术标.pdf"}
    assert all(e.page is not None for e in alerts[0].evidence if e.file.endswith(".pdf"))


# --- engine parts ------------------------------------------------------------------------


def test_boilerplate_files_load_with_source_header() -> None:
    texts = load_reference_texts()
    assert {t.name for t in texts} >= {"standard_bid_forms.txt", "standard_citations.txt"}
    for ref in texts:
        assert ref.header.get("source"), ref.name
        assert ref.header.get("licence"), ref.name
        assert ref.lines and all(not line.startswith("#") for line in ref.lines)
    shingles = reference_shingles(5)
    citation = normalize("《混凝土结构工程施工质量验收规范》GB50204-2015").text
    assert set(shingle_hashes(citation, 5)) <= shingles


def test_parameters_extracted_with_terms() -> None:
    params = extract_params("基础垫层采用C25砼，道路宽度为6.5m，设2个出入口，配备塔吊QTZ80 2台。")
    assert [p.value for p in params] == ["c25", "6.5m", "2个", "qtz80", "2台"]
    assert params[1].term.endswith("宽度") and params[1].key == "度6.5m"
    assert params[3].key == "吊qtz80"


def test_one_bidder_or_empty_sections_give_nothing() -> None:
    empty = [Section("b01", "f", "空", 0, (Block("。", 1, 0),))]
    assert compare_project({"b01": bid("b01", plan("b01", 1))}).pairs == ()
    assert compare_project({"b01": empty, "b02": empty}).pairs == ()
    assert compare_project({}).pairs == ()


def test_cost_is_reported_and_below_all_pairs() -> None:
    plans = honest_project()
    comparison = compare_project(
        {b: bid(b, p) for b, p in plans.items()},
        tender_sections(),
        {b: [COMPANIES[b]] for b in plans},
    )
    assert comparison.all_pairs > comparison.candidates >= 0
    assert comparison.lsh_params == (64, 2)


@pytest.mark.parametrize(
    "change",
    [
        {"lsh_bands": 100},
        {"jaccard_min": 0},
        {"containment_min": 1.5},
        {"typo_high_p": 0.5},
        {"shingle_chars": 3},
        {"medium_chars": 500, "high_chars": 400},
    ],
)
def test_settings_validate(change: dict) -> None:
    with pytest.raises(SettingsError):
        dataclasses.replace(TextSettings(), **change)


def test_normalize_folds_concealment_and_records_where() -> None:
    plain = "采用C25混凝土浇筑，模板支撑体系经验算后方可施工。"
    tricks = {
        "invisible": "\u3164".join(plain) + "\ufe0f\U000e0100\u034f\u115f\u1160\uffa0\u200b",
        "traditional": "採用C25混凝土澆築，模板支撐體系經驗算後方可施工。",
        # Cyrillic С and Greek Ο / ο for the Latin letters
        "confusable": plain.replace("C25", "\u042125"),
    }
    for kind, text in tricks.items():
        norm = normalize(text)
        assert norm.text == normalize(plain).text, kind
        assert set(norm.concealed) == {kind}
        assert sum(norm.concealed_in(0, len(text)).values()) == len(norm.concealed[kind])
        assert text[slice(*norm.span(0, 2))].replace("\u3164", "")[:2] in ("采用", "採用")
    assert normalize(plain).concealed == {}
    # ASCII look-alikes stay apart: a number stays a number
    assert normalize("O0l1").text == "o0l1"
    assert normalize("\u039f\u03bf").text == "oo"  # Greek capital and small omicron
