"""Projects with rewritten copies, generated at run time (``rewrite_bench.py``).

Each project, in Chinese or English, has long bids: the tender's forms filled
in, stock paragraphs that 3-10 bidders share (the same templates), and a
technical plan written by each bidder from one phrase grammar (every bidder
writes on the same topics in its own words: ``tools/synth.py`` for Chinese,
``EN_POOL`` here for English). Planted pairs: one bidder takes a section of
another's plan and rewrites it at one of four strengths:

- ``synonyms``: words replaced by synonyms;
- ``reorder``: synonyms, and the clauses of most sentences put in another order;
- ``drop_add``: as ``reorder``, and a quarter of the sentences dropped, new
  ones of its own added;
- ``summary``: every paragraph summarised to at most half its length (clauses
  without numbers dropped, then sentences), with synonyms.

The synonym lists here are this generator's own: the detector uses no synonym
resource at all (``collusion/analysis/text/meaning.py``), so nothing in it
was fitted to these lists. Every other pair is honest.
"""

from __future__ import annotations

import random
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tools/ is not installed

from tools import synth  # noqa: E402

STRENGTHS = ("synonyms", "reorder", "drop_add", "summary")
LANGUAGES = ("zh", "en")

ZH_SYNONYMS: tuple[tuple[str, ...], ...] = (
    ("采用", "选用", "运用"),
    ("设置", "布设", "设立"),
    ("配备", "装备", "配齐"),
    ("不少于", "至少为"),
    ("不超过", "最多为"),
    ("不小于", "至少为"),
    ("不低于", "至少达到"),
    ("不大于", "最多为"),
    ("控制在", "限定在"),
    ("严格执行", "切实执行"),
    ("认真贯彻", "切实贯彻"),
    ("全面落实", "切实落实"),
    ("确保", "务必保证"),
    ("检查", "查验"),
    ("按照", "依照"),
    ("现场", "工地"),
    ("提前", "预先"),
    ("负责", "主管"),
    ("实行", "推行"),
    ("管理", "管控"),
    ("措施", "办法"),
    ("人员", "员工"),
    ("浇筑", "灌注"),
    ("养护", "保养"),
    ("开挖", "挖掘"),
    ("材料", "物料"),
    ("建立", "构建"),
    ("组建", "成立"),
    ("划分为", "分成"),
    ("满足", "符合"),
    ("覆盖", "遮盖"),
    ("疏通", "清理"),
    ("暂停", "中止"),
    ("加固", "补强"),
    ("配合", "辅助以"),
    ("分层", "逐层"),
    ("位于", "坐落在"),
    ("地处", "坐落在"),
    ("计划", "拟定"),
    ("及时", "迅速"),
    ("足额", "全额"),
    ("发放", "支付"),
    ("进场", "入场"),
    ("定期", "按时"),
    ("复核", "复测"),
    ("投入", "调配"),
    ("每日", "每天"),
    ("每周", "每星期"),
    ("做好", "落实好"),
    ("防护", "保护"),
    ("设于", "设在"),
    ("布置在", "设在"),
    ("约", "大约"),
    ("以内", "之内"),
    ("主要", "重点"),
    ("组织", "安排"),
    ("通知", "告知"),
    ("见证取样", "抽样见证"),
    ("合格", "达标"),
    ("工程", "项目"),
    ("质量", "品质"),
    ("安全", "安全生产"),
    ("规范", "标准"),
    ("环节", "步骤"),
    ("顺利", "平稳"),
    ("连续", "接连"),
    ("进行", "开展"),
)
EN_SYNONYMS: tuple[tuple[str, ...], ...] = (
    ("use", "employ", "apply"),
    ("uses", "employs", "applies"),
    ("install", "set up", "fit"),
    ("ensure", "make sure", "guarantee"),
    ("check", "inspect", "verify"),
    ("checked", "inspected", "verified"),
    ("at least", "no less than", "a minimum of"),
    ("not more than", "no more than", "at most"),
    ("within", "inside"),
    ("site", "works area"),
    ("workers", "operatives", "labourers"),
    ("staff", "personnel"),
    ("measures", "steps", "arrangements"),
    ("concrete", "concrete mix"),
    ("pour", "place", "cast"),
    ("poured", "placed", "cast"),
    ("cover", "protect"),
    ("covered", "protected"),
    ("excavation", "digging"),
    ("material", "supplies"),
    ("materials", "supplies"),
    ("schedule", "programme", "timetable"),
    ("plan", "arrange"),
    ("planned", "arranged"),
    ("weekly", "every week"),
    ("daily", "every day"),
    ("before", "prior to"),
    ("after", "following"),
    ("must", "shall", "is required to"),
    ("will", "shall"),
    ("equipment", "plant"),
    ("machines", "plant items"),
    ("approximately", "about", "around"),
    ("temporary", "interim"),
    ("quality", "workmanship"),
    ("safety", "health and safety"),
    ("inspection", "examination"),
    ("inspections", "examinations"),
    ("provide", "supply", "furnish"),
    ("provided", "supplied", "furnished"),
    ("manager", "lead"),
    ("carry out", "perform", "undertake"),
    ("carried out", "performed", "undertaken"),
    ("stop", "suspend", "halt"),
    ("heavy", "intense"),
    ("team", "crew"),
    ("records", "logs"),
    ("immediately", "at once", "without delay"),
    ("area", "zone"),
    ("road", "carriageway"),
    ("layer", "lift"),
    ("layers", "lifts"),
)

# English technical plans: "[a|b]" choices, "{n:lo:hi}", "{d:lo:hi}",
# "{pick:a|b}" and the named slots of ``EN_TABLES`` (tools.synth._fill).
EN_TITLES = (
    "Project Overview",
    "Site Organisation",
    "Construction Methods",
    "Quality Assurance",
    "Health and Safety",
    "Programme and Progress",
    "Plant and Equipment",
    "Environmental Protection",
)
EN_POOL: dict[str, tuple[str, ...]] = {
    "Project Overview": (
        "The [works|project|scheme] [lies|is located] in {district}, with a [site area|footprint] of about {n:3200:28000} square metres.",
        "The [contract|tender] period is {n:90:420} calendar days and the [quality target|required standard] is a first-time pass.",
        "[Foundations|The substructure] will be {pick:bored piles|pad footings|a raft|driven precast piles} about {d:1.5:28.0} m deep.",
        "The [building|structure] is a {pick:reinforced concrete frame|steel frame|load-bearing masonry} of {n:3:18} storeys at {d:3.0:4.5} m per storey.",
        "[Groundwater|The water table] was found at {d:0.8:6.5} m, in {pick:silty clay|soft clay|sandy clay|made ground}.",
        "Structural concrete is grade {grade} and reinforcement is {rebar} throughout.",
        "The [carriageway|road] is {n:12:48} m wide and {n:380:3600} m long with a {n:4:6} cm {pick:AC-13|AC-16|AC-20} surface course.",
    ),
    "Site Organisation": (
        "{co} will [set up|establish] a site team of {n:8:26} [staff|people] led by the {person}.",
        "The site [is divided|will be split] into {n:2:6} [work zones|sections] worked {pick:in sequence|in parallel|bottom-up}.",
        "[Welfare facilities|Site offices] of about {n:300:1600} square metres [are placed|will sit] at the {pick:north-east|south-west|south-east|north-west} corner.",
        "Temporary water is taken from the {pick:public main|client's connection|site borehole} through a DN{pick:50|65|80|100} pipe.",
        "Temporary power comes from {pick:the client's transformer|a site substation|the grid} through {n:2:8} distribution boards.",
        "[Progress meetings|Coordination meetings] are held every {n:1:7} days to review {pick:progress and quality|site matters}.",
        "Haul roads are {n:15:25} cm of grade {grade} concrete, {n:4:7} m wide.",
    ),
    "Construction Methods": (
        "Excavation uses {eq_earth} with hand trimming, in [layers|lifts] of not more than {d:1.0:2.5} m.",
        "Fill is compacted in layers of {n:200:300} mm to at least {n:93:97}% of maximum dry density.",
        "Formwork is {n:12:18} mm plywood with secondary bearers at not more than {n:200:300} mm centres.",
        "Reinforcement is {rebar}; bars of {n:16:32} mm and above are joined by {pick:threaded couplers|electroslag welding|flash butt welding}.",
        "Concrete is pumped by {eq_pump} with a slump of {n:140:200} mm.",
        "Curing starts within {n:8:12} hours of placing and continues for at least {n:7:14} days.",
        "Asphalt is laid at not less than {n:135:160} degrees and rolled by {eq_roller} in at least {n:3:6} passes.",
        "Setting out uses {eq_survey}, with control points every {n:50:200} m checked monthly.",
    ),
    "Quality Assurance": (
        "{co} runs a quality system led by the {person} with {n:2:5} full-time inspectors on site.",
        "Cement and steel are sampled every {n:30:200} tonnes and failed batches leave site within {n:24:48} hours.",
        "Hidden works are notified to the supervisor {n:24:48} hours before cover-up and signed off before the next stage.",
        "Test cubes are taken every {n:50:100} cubic metres and crushed at {n:28:28} days.",
        "Cover to reinforcement is held within plus or minus {n:3:8} mm using {pick:plastic spacers|mortar blocks}.",
        "Formwork is struck only when the concrete reaches {n:75:100}% of its design strength.",
        "Defects found in [inspections|checks] are closed out within {n:24:72} hours.",
    ),
    "Health and Safety": (
        "Edge protection at {pick:slab edges|excavations|stair openings|lift shafts} is at least {d:1.2:1.5} m high.",
        "Access is controlled at {n:2:4} gates with about {n:60:260} workers registered by name.",
        "Temporary power uses a TN-S system with {n:12:48} distribution boards and two-stage earth leakage protection.",
        "Residual current devices trip at not more than {n:15:30} mA within 0.1 seconds.",
        "All {n:4:30} operatives in specialist trades hold valid cards and attend a {n:10:20} minute briefing each morning.",
        "Hoardings are {d:1.8:2.5} m high and continuous around the site.",
        "Scaffolds up to {d:12.0:60.0} m high are inspected every {n:2:4} lifts before use.",
        "Fire extinguishers are provided at {n:2:4} per {n:100:300} square metres and hot work needs a permit.",
    ),
    "Programme and Progress": (
        "The programme runs {n:120:420} calendar days from a start in {month}, with {n:15:60} days for {work}.",
        "Progress is managed with a {pick:bar chart|network programme|critical path plan}, the critical path running through {work}.",
        "Actual progress is compared with the plan weekly and a slip of more than {n:3:7} days brings extra {pick:labour|plant|shifts}.",
        "Main materials are ordered {n:7:20} days ahead and {n:5:15} days of stock are kept on site.",
        "At peak about {n:60:220} workers are on site working {pick:two shifts|rotating shifts|in parallel gangs}.",
        "{n:3:6} milestones are set and a missed milestone triggers a review chaired by the {person}.",
    ),
    "Plant and Equipment": (
        "{n:1:6} units of {eq} are deployed, mainly for {work}.",
        "Plant is serviced {n:3:10} days before arrival and availability is kept above {n:90:98}%.",
        "Survey instruments comprise {n:1:3} {eq_survey}, all within their calibration period.",
        "{n:6:30} plant operators hold valid tickets and each machine has a named driver.",
        "{n:1:4} standby {pick:generators|pumps|lighting towers} keep work going through {pick:power cuts|heavy rain|night shifts}.",
    ),
    "Environmental Protection": (
        "A wheel wash with a {n:3:8} m washing bay is installed at the exit and every vehicle is washed.",
        "Stockpiles are covered with {pick:dust nets|sheeting|green mesh} to at least {n:95:100}% coverage.",
        "Noise is kept below {n:65:70} dB by day and {n:50:55} dB at night.",
        "Construction waste is sorted and removed every {n:1:3} days.",
        "{n:1:4} {pick:mist cannons|sprinkler lines|water bowsers} damp down the site at least {n:3:6} times a day.",
    ),
}
EN_OPENERS = (
    "{co} has prepared this {title} [for the works|with the site in mind].",
    "To complete the works within {n:90:420} days, {co} sets out its {title} below.",
    "This section describes {co}'s {title} in {n:3:9} points.",
)
EN_TABLES = {
    "district": ("Riverside", "Northgate", "Eastfield", "Harbour Ward", "Old Town"),
    "month": ("March", "April", "May", "June", "July", "August", "September", "October"),
    "person": (
        "project manager",
        "site agent",
        "quality manager",
        "safety officer",
        "planning engineer",
    ),
    "work": (
        "earthworks",
        "foundations",
        "the frame",
        "masonry",
        "roofing",
        "finishes",
        "road base",
        "surfacing",
        "drainage",
        "external works",
    ),
}
EN_TABLES.update(
    {
        "eq_earth": ("a 20 t excavator", "a 22 t excavator", "a wheel loader"),
        "eq_roller": ("a 12 t vibratory roller", "a pneumatic tyred roller", "a tandem roller"),
        "eq_pump": ("a 60 m3/h line pump", "an 80 m3/h line pump", "a 42 m boom pump"),
        "eq_survey": ("total station", "digital level", "GNSS rover"),
        "eq": ("excavator", "wheel loader", "tower crane", "mobile crane", "dumper", "roller"),
    }
)
EN_SLOT = re.compile(r"\{(" + "|".join(EN_TABLES) + r")\}")
EN_STANDARDS = (
    "BS EN 206 Concrete. Specification, performance, production and conformity.",
    "BS 8000 Workmanship on construction sites.",
    "BS 5975 Code of practice for temporary works procedures.",
    "BS 7671 Requirements for electrical installations.",
    "BS 6187 Code of practice for full and partial demolition.",
    "The Construction (Design and Management) Regulations 2015.",
    "BS EN 13108 Bituminous mixtures. Material specifications.",
)
EN_FORMS = (
    (
        "Form of Tender",
        [
            "To: the Employer. We have examined the tender documents for the Riverside Road "
            "Improvement and offer to carry out the whole of the works for the sum stated.",
            "We undertake to keep this tender open for 90 days from the closing date.",
            "Tenderer: ________ (company)",
        ],
    ),
    (
        "Declaration of Integrity",
        [
            "We declare that we have not colluded with any other tenderer and have not "
            "offered any inducement to the Employer or its evaluators.",
        ],
    ),
)
EN_CONNECTORS = ("", "", "", "In addition, ", "Also, ", "Where needed, ", "In practice, ")
EN_COMPANIES = (
    "Alder",
    "Beacon",
    "Cedar",
    "Dalton",
    "Elm",
    "Fairway",
    "Granite",
    "Hawthorn",
    "Ironbridge",
    "Juniper",
    "Kestrel",
    "Linden",
    "Meridian",
    "Northstone",
    "Oakridge",
    "Pennant",
    "Quarry",
    "Redwood",
    "Sterling",
    "Thornbury",
)
CLAUSE_ZH = re.compile(r"(?<=，)")
SENTENCE_ZH = re.compile(r"(?<=[。；])")
SENTENCE_EN = re.compile(r"(?<=\.) ")
NUMBER = re.compile(r"\d")


@dataclass
class PlanSection:
    title: str
    paragraphs: list[list[str]]  # sentences


@dataclass
class Bid:
    bidder: str
    company: str
    forms: list[tuple[str, list[str]]]
    citations: list[str]
    plan: list[PlanSection]


@dataclass
class Case:
    """A planted rewritten copy: the source's paragraphs and the copier's."""

    strength: str
    source: str
    copier: str
    source_paragraphs: list[str]
    copier_paragraphs: list[str]


@dataclass
class Project:
    language: str
    tender: list[tuple[str, list[str]]]
    bids: list[Bid]
    cases: list[Case] = field(default_factory=list)


# --- writing plans ----------------------------------------------------------------


def zh_plan(rng: random.Random, company: str, paragraphs: int) -> list[PlanSection]:
    plan = synth.technical_plan(
        rng, company, sections=10, paragraphs_per_section=paragraphs, project="本工程"
    )
    return [PlanSection(title, [split_zh(p) for p in paras]) for title, paras in plan]


def en_paragraph(rng: random.Random, title: str, context: dict, opener: bool) -> list[str]:
    pool = EN_POOL[title]
    templates = rng.sample(pool, min(len(pool), rng.randint(3, 5)))
    if opener:
        templates.insert(0, rng.choice(EN_OPENERS))
    out = []
    for t in templates:
        t = EN_SLOT.sub(lambda m: rng.choice(EN_TABLES[m.group(1)]), t)
        text = synth._fill(t, rng, {**context, "title": title.lower()})
        connector = rng.choice(EN_CONNECTORS)
        if connector and not text.startswith(("We ", "Our ")):
            text = text[0].lower() + text[1:]
        sentence = connector + text
        out.append(sentence[0].upper() + sentence[1:])
    return out


def en_plan(rng: random.Random, company: str, paragraphs: int) -> list[PlanSection]:
    context = {"co": rng.choice(("We", "Our team", company.split()[0]))}
    return [
        PlanSection(
            f"{n}. {title}",
            [en_paragraph(rng, title, context, opener=(k == 0)) for k in range(paragraphs)],
        )
        for n, title in enumerate(EN_TITLES, start=1)
    ]


def split_zh(paragraph: str) -> list[str]:
    return [s for s in SENTENCE_ZH.split(paragraph) if s]


def joined(language: str, sentences: list[str]) -> str:
    return ("" if language == "zh" else " ").join(sentences)


# --- rewriting --------------------------------------------------------------------


def synonym_table(groups: tuple[tuple[str, ...], ...]) -> tuple[re.Pattern[str], dict]:
    others: dict[str, list[str]] = {}
    for group in groups:
        for word in group:
            others.setdefault(word, []).extend(w for w in group if w != word)
    words = sorted(others, key=len, reverse=True)
    pattern = "|".join(re.escape(w) for w in words)
    return re.compile(pattern if groups is ZH_SYNONYMS else rf"\b(?:{pattern})\b"), others


ZH_TABLE = synonym_table(ZH_SYNONYMS)
EN_TABLE = synonym_table(EN_SYNONYMS)


def synonyms(rng: random.Random, language: str, sentence: str, share: float = 0.9) -> str:
    pattern, others = ZH_TABLE if language == "zh" else EN_TABLE
    return pattern.sub(
        lambda m: rng.choice(others[m.group(0)]) if rng.random() < share else m.group(0), sentence
    )


def clauses(language: str, sentence: str) -> tuple[list[str], str]:
    """The sentence's clauses (without its final stop) and the stop."""
    stop = sentence[-1] if sentence and sentence[-1] in "。；." else ""
    body = sentence[: len(sentence) - len(stop)]
    parts = (
        [c.rstrip("，") for c in CLAUSE_ZH.split(body)] if language == "zh" else body.split(", ")
    )
    return [p for p in parts if p], stop


def reorder(rng: random.Random, language: str, sentence: str) -> str:
    """Clauses in another order: the last moved to the front, or two swapped."""
    parts, stop = clauses(language, sentence)
    if len(parts) < 2 or rng.random() < 0.2:
        return sentence
    if rng.random() < 0.5:
        parts = [parts[-1], *parts[:-1]]
    else:
        k = rng.randrange(len(parts) - 1)
        parts[k], parts[k + 1] = parts[k + 1], parts[k]
    if language == "en":
        parts = [parts[0][0].upper() + parts[0][1:], *(p[0].lower() + p[1:] for p in parts[1:])]
        return ", ".join(parts) + stop
    return "，".join(parts) + stop


def summarise(rng: random.Random, language: str, paragraph: list[str]) -> list[str]:
    """At most half the paragraph: clauses without numbers dropped, then sentences."""
    limit = sum(len(s) for s in paragraph) / 2
    short = []
    for sentence in paragraph:
        parts, stop = clauses(language, sentence)
        kept = [parts[0]] + [p for p in parts[1:] if NUMBER.search(p)]
        short.append((", " if language == "en" else "，").join(kept) + (stop or "。"))
    order = list(range(len(short)))
    rng.shuffle(order)
    while sum(len(short[i]) for i in order) > limit and len(order) > 1:
        order.pop()
    return [short[i] for i in sorted(order)]


def rewrite(
    rng: random.Random,
    language: str,
    strength: str,
    paragraphs: list[list[str]],
    own: list[list[str]],
) -> list[list[str]]:
    """The copier's version of the source's paragraphs; ``own`` its own
    sentences, for those it adds."""
    pool = [s for p in own for s in p]
    out = []
    for paragraph in paragraphs:
        if strength == "summary":
            paragraph = summarise(rng, language, paragraph)
        new = []
        for sentence in paragraph:
            if strength == "drop_add" and rng.random() < 0.25:
                continue
            sentence = synonyms(rng, language, sentence)
            if strength in ("reorder", "drop_add"):
                sentence = reorder(rng, language, sentence)
            new.append(sentence)
            if strength == "drop_add" and rng.random() < 0.25 and pool:
                new.append(rng.choice(pool))
        out.append(new or [synonyms(rng, language, paragraph[0])])
    return out


# --- projects ---------------------------------------------------------------------


def make_project(
    seed: int, language: str, bidders: int = 12, paragraphs: int = 12, copied: int = 8
) -> Project:
    """A project: honest bidders, stock paragraphs 3-10 of them share, and one
    rewritten copy per strength (of ``copied`` paragraphs of a source section)."""
    rng = random.Random(seed * 7919 + (1 if language == "en" else 0))
    ids = [f"b{n:02d}" for n in range(1, bidders + 1)]
    if language == "zh":
        names = [n for n in _zh_companies(rng, bidders)]
        tender = synth.tender_forms(
            "某某路改造工程", "中山市某某局", "中山市某某招标代理有限公司", "0760-88886666"
        )
    else:
        names = [f"{c} Construction Ltd" for c in rng.sample(EN_COMPANIES, bidders)]
        tender = [(t, list(lines)) for t, lines in EN_FORMS]
    bids = []
    for bidder, company in zip(ids, names, strict=True):
        if language == "zh":
            people = (_person(rng), _person(rng))
            forms = synth.filled_forms(tender, company, *people, rng.uniform(8e6, 12e6))
            citations = rng.sample(synth.STANDARDS, rng.randint(6, 10))
            plan = zh_plan(rng, company, paragraphs)
        else:
            forms = [(t, [x.replace("________", company) for x in lines]) for t, lines in tender]
            citations = rng.sample(EN_STANDARDS, rng.randint(4, 6))
            plan = en_plan(rng, company, paragraphs)
        bids.append(Bid(bidder, company, forms, citations, plan))
    add_stock(rng, language, bids)
    project = Project(language, tender, bids)
    order = list(range(bidders))
    rng.shuffle(order)
    for strength in STRENGTHS:
        src, dst = bids[order.pop()], bids[order.pop()]
        project.cases.append(plant(rng, language, strength, src, dst, copied))
    return project


def _person(rng: random.Random) -> str:
    return rng.choice("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗") + "".join(
        rng.choice("伟芳娜敏静丽强磊军洋勇艳杰涛明超秀霞平刚") for _ in range(rng.randint(1, 2))
    )


def _zh_companies(rng: random.Random, count: int) -> list[str]:
    cores = rng.sample(("宏达", "恒信", "永安", "鑫盛", "华建", "正元", "远大", "金鼎", "中诚",
                        "盛世", "新源", "腾飞", "锦程", "博远", "瑞丰", "建安", "天成", "兴业",
                        "广厦", "万通"), count)  # fmt: skip
    return [rng.choice(("中山市", "江门市", "佛山市")) + c + "建设有限公司" for c in cores]


def add_stock(rng: random.Random, language: str, bids: list[Bid], count: int = 12) -> None:
    """Stock paragraphs (the same template text), each held by 3-10 bidders."""
    stock_rng = random.Random(rng.random())
    for _ in range(count):
        if language == "zh":
            title = stock_rng.choice(synth.SECTION_TITLES[1:])
            text = synth._paragraph(
                stock_rng, title, {"co": "我公司", "short": "我公司", "proj": "本工程"}, False
            )
            sentences = split_zh(text)
        else:
            sentences = en_paragraph(
                stock_rng, stock_rng.choice(EN_TITLES[1:]), {"co": "We"}, False
            )
        for bid in rng.sample(bids, rng.randint(3, min(10, len(bids)))):
            section = rng.choice(bid.plan[1:])
            section.paragraphs.insert(rng.randrange(len(section.paragraphs) + 1), list(sentences))


def plant(
    rng: random.Random, language: str, strength: str, src: Bid, dst: Bid, copied: int
) -> Case:
    """``dst`` replaces one section of its plan with a rewrite of ``src``'s."""
    index = rng.randrange(1, len(src.plan))
    source = src.plan[index]
    start = rng.randrange(max(1, len(source.paragraphs) - copied + 1))
    taken = [list(p) for p in source.paragraphs[start : start + copied]]
    target = next(
        (k for k, s in enumerate(dst.plan) if _base(s.title) == _base(source.title)), index
    )
    own = dst.plan[target].paragraphs
    new = rewrite(rng, language, strength, taken, own)
    dst.plan[target] = PlanSection(dst.plan[target].title, new)
    return Case(
        strength,
        src.bidder,
        dst.bidder,
        [joined(language, p) for p in taken],
        [joined(language, p) for p in new],
    )


def _base(title: str) -> str:
    return re.sub(r"^(第.章 |.、|\d+\.? )", "", title)


def bid_items(language: str, bid: Bid) -> list[synth.Paragraph]:
    items: list[synth.Paragraph] = []
    for title, lines in bid.forms:
        items.append((title, 1))
        items.extend(lines)
    items.append(("编制依据" if language == "zh" else "References", 1))
    items.extend(bid.citations)
    for section in bid.plan:
        items.append((section.title, 1))
        items.extend(joined(language, p) for p in section.paragraphs)
    return items


def write_project(project: Project, root: Path) -> dict[str, str]:
    """Each bid as a DOCX (every third as a PDF), the tender as a DOCX."""
    tender_items: list[synth.Paragraph] = []
    for title, lines in project.tender:
        tender_items.append((title, 1))
        tender_items.extend(lines)
    synth.write_docx(root / "tender" / "tender.docx", tender_items)
    paths = {}
    for n, bid in enumerate(project.bids):
        fmt = "pdf" if n % 3 == 2 else "docx"
        rel = f"bids/{bid.bidder}/plan.{fmt}"
        items = bid_items(project.language, bid)
        if fmt == "docx":
            synth.write_docx(root / rel, items)
        else:
            synth.write_pdf(root / rel, [items])
        paths[bid.bidder] = rel
    return paths
