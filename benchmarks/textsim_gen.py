"""Labeled bid sets for the near-duplicate text benchmark, generated at run time.

Each project has honest bidders (their own 施工组织设计 from
``tools.synth.technical_plan``, the tender's forms filled in, standard
citations) and planted pairs, one per case:

- ``verbatim``: sections copied word for word, the source's names swapped;
- ``light_edit``: copied sections with 10-25% of sentences rewritten, some
  reordered, numbers changed;
- ``paraphrase``: one section rewritten heavily (synonyms, clause order,
  sentence order), its technical parameters kept;
- ``cross_format``: sections copied from a DOCX bid into a PDF bid;
- ``shared_typos``: otherwise independent bids sharing three short odd
  phrases with the same pinyin-input typos.

Every copied sentence is recorded, so passage-level character precision and
recall can be measured on the copier's side.
"""

from __future__ import annotations

import random
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tools/ is not installed

from tools import synth  # noqa: E402

CASES = ("verbatim", "light_edit", "paraphrase", "cross_format", "shared_typos")
COMPANY_CORES = (
    "宏达",
    "恒信",
    "永安",
    "鑫盛",
    "华建",
    "正元",
    "远大",
    "金鼎",
    "中诚",
    "盛世",
    "新源",
    "腾飞",
    "锦程",
    "博远",
    "瑞丰",
    "建安",
    "长城",
    "天成",
    "兴业",
    "广厦",
    "万通",
    "国泰",
    "东方",
    "联创",
    "鸿运",
    "立信",
    "合力",
    "顺通",
    "安泰",
    "卓越",
    "宇通",
    "昌盛",
    "大地",
    "明珠",
    "海川",
    "振华",
    "嘉禾",
    "富源",
    "汇通",
    "裕丰",
)
CITIES = ("中山市", "江门市", "佛山市", "珠海市", "肇庆市")
SUFFIXES = ("建设有限公司", "建筑工程有限公司", "市政工程有限公司", "建工集团有限公司")
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰涛明超秀霞平刚桂英华建国志红文斌"

# Clauses with one typo each, inside phrasing that other bids also use: what
# two bids share when one copied the other's notes and rewrote the rest. Each
# typo is a pinyin-input slip, as real ones are (and as `sounds_alike` asks):
# the same syllable (养户/养护, 牢故/牢固, 编织/编制, 受理/受力, 持正/持证, 合各/合格)
# or a fuzzy-pinyin one (饱蛮/饱满), never a look-alike character, and never
# one the whole trade writes (模版, 混泥土: fingerprints/common_misspellings.csv).
TYPO_PHRASES = (
    "砌体灰缝砂浆应饱蛮密实",
    "养户时间不少于十四天",
    "钢筋骨架绑扎应牢故可靠",
    "本工程需提前编织专项方案",
    "受理钢筋采用HRB400",
    "特种作业人员必须持正上岗",
    "脚手架验收合各后投入使用",
)

# Synonyms used to paraphrase: each word may become any other of its group.
SYNONYMS: tuple[tuple[str, ...], ...] = (
    # Whole words only, each a real word: a paraphrase writes Chinese, not typos.
    ("采用", "使用", "选用"),
    ("设置", "布置", "设立"),
    ("配备", "配置"),
    ("进行", "开展", "实施"),
    ("不少于", "不低于"),
    ("不小于", "不低于"),
    ("控制在", "保持在"),
    ("严格", "认真"),
    ("确保", "保证"),
    ("及时", "立即"),
    ("组织", "安排"),
    ("检查", "检验", "巡查"),
    ("按照", "依照", "根据"),
    ("现场", "工地"),
    ("要求", "规定"),
    ("提前", "预先"),
    ("负责", "承担"),
    ("实行", "推行", "执行"),
    ("施工", "作业"),
    ("管理", "管控"),
    ("必须", "务必"),
    ("不超过", "不大于"),
    ("主要", "重点"),
    ("措施", "办法"),
    ("人员", "员工"),
    ("通知", "告知"),
    ("合格", "达标"),
    ("浇筑", "灌注"),
    ("养护", "保养"),
    ("开挖", "挖掘"),
    ("材料", "物料"),
    ("建立", "构建"),
    ("全面", "全方位"),
    ("划分为", "分为"),
    ("布置在", "设在"),
    ("满足", "符合"),
    ("立即", "马上"),
    ("以上", "及以上"),
)
CLAUSE_SPLIT = re.compile(r"(?<=，)")
SENTENCE_SPLIT = re.compile(r"(?<=[。；])")
NUMBER = re.compile(r"\d+(?:\.\d+)?")


@dataclass
class BidSection:
    """A section of a bid: heading and paragraphs, each a list of sentences,
    with the sentences copied from the source marked."""

    title: str
    paragraphs: list[list[str]]
    copied: list[str] = field(default_factory=list)  # sentences copied verbatim (names swapped)


@dataclass
class Bid:
    bidder: str
    company: str
    fmt: str  # docx | pdf
    forms: list[tuple[str, list[str]]]
    citations: list[str]
    plan: list[BidSection]


@dataclass
class Project:
    tender_forms: list[tuple[str, list[str]]]
    tender_text: list[tuple[str, list[str]]]
    bids: list[Bid]
    positives: dict[tuple[str, str], str]  # sorted bidder pair -> case
    names: dict[str, str]


def company_names(rng: random.Random, count: int) -> list[str]:
    cores = rng.sample(COMPANY_CORES, count)
    return [rng.choice(CITIES) + core + rng.choice(SUFFIXES) for core in cores]


def person(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.randint(1, 2)))


def sentences_of(paragraph: str) -> list[str]:
    return [s for s in SENTENCE_SPLIT.split(paragraph) if s]


def own_plan(rng: random.Random, company: str, sections: int, paragraphs: int) -> list[BidSection]:
    plan = synth.technical_plan(
        rng, company, sections=sections, paragraphs_per_section=paragraphs, project="本工程"
    )
    return [BidSection(title, [sentences_of(p) for p in paras]) for title, paras in plan]


def swap_names(text: str, source: str, target: str) -> str:
    """What a copier does first: put its own name where the source's was."""
    return text.replace(source, target).replace(synth.short_name(source), synth.short_name(target))


def paraphrase_sentence(rng: random.Random, sentence: str, heavy: bool) -> str:
    """Synonyms for most words; clauses rotated (heavy); numbers kept."""
    out = sentence
    for group in SYNONYMS:
        for word in group:
            if word in out and (heavy or rng.random() < 0.5):
                out = out.replace(word, rng.choice([w for w in group if w != word]))
                break
    clauses = CLAUSE_SPLIT.split(out.rstrip("。；"))
    if heavy and len(clauses) > 1:
        first = clauses.pop(0).rstrip("，")
        out = "".join(clauses).rstrip("，") + "，" + first + "。"
    return out


def change_numbers(rng: random.Random, sentence: str) -> str:
    return NUMBER.sub(lambda m: str(int(float(m.group(0))) + rng.randint(1, 9)), sentence, count=1)


def copy_section(
    rng: random.Random, section: BidSection, source: str, target: str, case: str, fresh: BidSection
) -> BidSection:
    """The copier's version of a source section for one case."""
    pool = [s for p in fresh.paragraphs for s in p]
    paragraphs: list[list[str]] = []
    copied: list[str] = []
    for para in section.paragraphs:
        out: list[str] = []
        for sentence in para:
            sentence = swap_names(sentence, source, target)
            if case == "paraphrase":
                out.append(paraphrase_sentence(rng, sentence, heavy=True))
                continue
            if case == "light_edit":
                roll = rng.random()
                if roll < 0.12:
                    out.append(
                        rng.choice(pool) if pool else paraphrase_sentence(rng, sentence, True)
                    )
                    continue
                if roll < 0.20:
                    out.append(paraphrase_sentence(rng, sentence, heavy=False))
                    continue
                if roll < 0.28:
                    out.append(change_numbers(rng, sentence))
                    continue
            out.append(sentence)
            copied.append(sentence)
        if case == "light_edit" and len(out) > 2 and rng.random() < 0.3:
            i = rng.randrange(len(out) - 1)
            out[i], out[i + 1] = out[i + 1], out[i]
        if case == "paraphrase":
            rng.shuffle(out)
        paragraphs.append(out)
    return BidSection(fresh.title, paragraphs, copied)


def insert_phrases(rng: random.Random, plan: list[BidSection], phrases: Sequence[str]) -> None:
    """Put each phrase at the end of a random sentence of the plan."""
    for phrase in phrases:
        section = rng.choice(plan)
        para = rng.choice(section.paragraphs)
        i = rng.randrange(len(para))
        para[i] = para[i].rstrip("。；") + "，" + phrase + "。"


def tender_requirements(rng: random.Random) -> list[tuple[str, list[str]]]:
    """The tender's own technical text, which bidders quote."""
    return [
        (
            "技术要求",
            [
                "本工程质量标准为合格，须符合国家现行施工质量验收规范。",
                "投标人应充分考虑雨季施工对工期的影响，并在施工组织设计中提出相应措施。",
                "施工现场须实行封闭管理，严格执行安全文明施工标准化要求。",
            ],
        )
    ]


def make_project(
    seed: int,
    bidders: int = 12,
    sections: int = 8,
    paragraphs: int = 4,
    cases: Sequence[str] = CASES,
) -> Project:
    """A project with one planted pair per case and honest bidders for the rest."""
    rng = random.Random(seed)
    names = company_names(rng, bidders)
    ids = [f"b{n:02d}" for n in range(1, bidders + 1)]
    tender = synth.tender_forms(
        "某某路改造工程", "中山市某某局", "中山市某某招标代理有限公司", "0760-88886666"
    )
    bids = []
    for bidder, company in zip(ids, names, strict=True):
        forms = synth.filled_forms(
            tender, company, person(rng), person(rng), rng.uniform(8e6, 12e6)
        )
        citations = rng.sample(synth.STANDARDS, rng.randint(6, 10))
        fmt = rng.choice(("docx", "pdf"))
        bids.append(
            Bid(
                bidder, company, fmt, forms, citations, own_plan(rng, company, sections, paragraphs)
            )
        )
    positives: dict[tuple[str, str], str] = {}
    free = list(range(len(bids)))
    rng.shuffle(free)
    for case in cases:
        src, dst = bids[free.pop()], bids[free.pop()]
        plant(rng, case, src, dst, sections, paragraphs)
        positives[tuple(sorted((src.bidder, dst.bidder)))] = case  # type: ignore[index]
    return Project(
        tender, tender_requirements(rng), bids, positives, dict(zip(ids, names, strict=True))
    )


def plant(
    rng: random.Random, case: str, src: Bid, dst: Bid, sections: int, paragraphs: int
) -> None:
    """Make `dst` copy from `src` as the case says."""
    if case == "shared_typos":
        phrases = rng.sample(TYPO_PHRASES, 3)
        insert_phrases(rng, src.plan, phrases)
        insert_phrases(rng, dst.plan, phrases)
        return
    if case == "cross_format":
        src.fmt, dst.fmt = "docx", "pdf"
    count = 1 if case == "paraphrase" else max(2, len(src.plan) // 3)
    chosen = sorted(rng.sample(range(len(src.plan)), count))
    for index in chosen:
        target = min(index, len(dst.plan) - 1)
        dst.plan[target] = copy_section(
            rng, src.plan[index], src.company, dst.company, case, dst.plan[target]
        )


# --- writing and reading ---------------------------------------------------------


def bid_items(bid: Bid) -> list[synth.Paragraph]:
    """The bid as write_docx/write_pdf items: forms, citations, technical plan."""
    items: list[synth.Paragraph] = []
    for title, lines in bid.forms:
        items.append((title, 1))
        items.extend(lines)
    items.append(("编制依据", 1))
    items.extend(bid.citations)
    for section in bid.plan:
        items.append((section.title, 1))
        items.extend("".join(p) for p in section.paragraphs)
    return items


def write_project(project: Project, root: Path) -> dict[str, str]:
    """Write each bid as a real DOCX or PDF; return bidder -> relative path."""
    paths = {}
    tender_items: list[synth.Paragraph] = []
    for title, lines in project.tender_forms + project.tender_text:
        tender_items.append((title, 1))
        tender_items.extend(lines)
    synth.write_docx(root / "tender" / "招标文件.docx", tender_items)
    for bid in project.bids:
        rel = f"bids/{bid.bidder}/技术标.{bid.fmt}"
        items = bid_items(bid)
        if bid.fmt == "docx":
            synth.write_docx(root / rel, items)
        else:
            synth.write_pdf(root / rel, [items])
        paths[bid.bidder] = rel
    return paths
