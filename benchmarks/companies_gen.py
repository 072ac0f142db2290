"""Labelled registries for the company-links benchmark, generated at run time.

One project: 10 to 16 bidders, each with its own bid (the tender's forms
filled with its legal representative, the representative's 身份证号 and its
credit code), a ``companies.csv`` row (legal representative, address, phone,
e-mail) and rows of ``company_relations.csv`` the way a 市场主体库 export
holds them: one to three shareholders, a chairman or executive director, a
manager, a supervisor, its bank and its auditor. Some honest bidders belong
to groups: a holding company that does not bid owns 51-100% of them (one
bidder per group in a project).

What honest bidders share and must NOT be linked by:

- ``bank``: one of four banks; ``auditor``: one of three audit firms;
- ``public``: a state asset commission (国资委) controls a fifth of them;
  an industry fund holds 5-10% of six or more of them;
- ``same_name``: legal representatives with the same common name (张伟,
  王芳 ...) and different 身份证号.

Planted links, each between bidders that share nothing else (the truth):

- ``same_legal_representative``: one person is the legal representative of both;
- ``control``: one bidder controls the other through 0, 1 or 2 holding
  companies that do not bid (depth 1-3), every holding 51-100%;
- ``common_controller``: a person or a company that does not bid controls
  both, down chains of depth 1-3 each;
- ``management``: one person is the manager of one and a director (or the
  chairman) of the other.
"""

from __future__ import annotations

import json
import random
import sys
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tools/ is not installed
sys.path.insert(0, str(Path(__file__).resolve().parent))

from textsim_gen import CITIES, COMPANY_CORES, GIVEN, SURNAMES  # noqa: E402

from tools import synth  # noqa: E402

KINDS = ("same_legal_representative", "control", "common_controller", "management")
BANKS = (
    "中国建设银行中山分行",
    "中国工商银行中山分行",
    "中国农业银行中山分行",
    "中国银行中山分行",
)
AUDITORS = (
    "中山市正信会计师事务所有限公司",
    "广东华联会计师事务所（特殊普通合伙）",
    "中山市诚达会计师事务所有限公司",
)
STATE_HOLDER = "中山市人民政府国有资产监督管理委员会"
FUND = "广东省建筑产业发展投资基金合伙企业（有限合伙）"
COMMON_NAMES = ("张伟", "王伟", "王芳", "李伟", "李娜", "刘伟", "张敏", "李静")
FUND_COMPANIES = 6  # companies of the registry the industry fund holds shares in, at least
TRADES = ("建设", "建筑工程", "市政工程", "工程", "建工", "路桥", "水利工程", "园林工程")


@dataclass
class Company:
    code: str
    name: str
    bidder: str | None
    rep: tuple[str, str] | None = None  # (name, 身份证号)
    address: str = ""
    phone: str = ""
    email: str = ""


@dataclass
class Truth:
    """What a project's generator planted."""

    planted: list[dict] = field(default_factory=list)  # kind, bidders, depths, via
    honest: dict[str, list[list[str]]] = field(default_factory=dict)  # confounder -> pairs


class Registry:
    """The rows of companies.csv and company_relations.csv being built."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.companies: list[Company] = []
        self.relations: list[tuple[str, str, str, str, str]] = []  # company, role, name, id, share
        self.names: set[str] = set()

    def person(self, name: str | None = None) -> tuple[str, str]:
        rng = self.rng
        name = name or rng.choice(SURNAMES) + "".join(
            rng.choice(GIVEN) for _ in range(rng.randint(1, 2))
        )
        return name, synth.make_resident_id(rng)

    def company(self, bidder: str | None, kind: str = "trade") -> Company:
        rng = self.rng
        while True:
            core = rng.choice(COMPANY_CORES) + rng.choice(COMPANY_CORES)[0]
            if kind == "trade":
                name = f"{rng.choice(CITIES)}{core}{rng.choice(TRADES)}有限公司"
            else:
                name = f"{rng.choice(CITIES)}{core}投资控股有限公司"
            if name not in self.names:
                break
        self.names.add(name)
        number = len(self.companies) + 1
        company = Company(
            synth.make_credit_code(rng),
            name,
            bidder,
            address=f"{name[:3]}{core}路{number}号{rng.randint(1, 30)}0{rng.randint(1, 9)}室",
            phone=f"0760-8{rng.randint(1000000, 9999999)}",
            email=f"office{number}@{''.join(rng.choice('abcdefghjkmnpqrstuvwxyz') for _ in range(6))}.cn",
        )
        self.companies.append(company)
        return company

    def relate(
        self, company: Company, role: str, name: str, number: str, share: float | None = None
    ) -> None:
        self.relations.append(
            (company.code, role, name, number, "" if share is None else f"{share:g}")
        )

    def own_people(self, company: Company, rep: tuple[str, str] | None = None) -> tuple[str, str]:
        """A company's legal representative, shareholders and officers, its own."""
        rng = self.rng
        rep = rep or self.person(rng.choice(COMMON_NAMES) if rng.random() < 0.3 else None)
        company.rep = rep
        self.relate(company, "执行董事" if rng.random() < 0.5 else "董事长", *rep)
        self.relate(company, "总经理", *(rep if rng.random() < 0.5 else self.person()))
        self.relate(company, "监事", *self.person())
        return rep

    def own_shareholders(self, company: Company, rep: tuple[str, str], free: float = 100.0) -> None:
        """Shareholders holding ``free`` percent, none of them controlling alone."""
        rng = self.rng
        first = round(min(free, rng.uniform(20, 49)), 2)
        self.relate(company, "股东", *rep, share=first)
        left = round(free - first, 2)
        while left > 0:
            share = round(min(left, rng.uniform(10, 45)), 2)
            self.relate(company, "股东", *self.person(), share=share)
            left = round(left - share, 2)

    def services(self, company: Company) -> None:
        self.relate(company, "开户银行", self.rng.choice(BANKS), "")
        self.relate(company, "审计机构", self.rng.choice(AUDITORS), "")

    def chain(self, top: tuple[str, str], bottom: Company, depth: int) -> list[str]:
        """``top`` (name, id) controls ``bottom`` through depth - 1 new holding
        companies; returns the codes of the companies in between."""
        held, between = bottom, []
        holders = [self.company(None, "holding") for _ in range(depth - 1)]
        for holder in holders:
            share = self.rng.choice((51, 60, 70, 80, 100))
            self.relate(held, "股东", holder.name, holder.code, share=share)
            between.append(holder.code)
            held = holder
            self.own_people(holder)
        share = self.rng.choice((51, 60, 70, 80, 100))
        self.relate(held, "股东", *top, share=share)
        return list(reversed(between))


def make_project(root: Path, seed: int, history: bool = False) -> Truth:
    """Write one labelled project under ``root``: bids, companies.csv, company_relations.csv."""
    rng = random.Random(seed)
    bidders = [f"b{n:02d}" for n in range(1, rng.randint(10, 16) + 1)]
    registry = Registry(rng)
    companies = {b: registry.company(b) for b in bidders}
    truth = Truth()
    free = list(bidders)
    rng.shuffle(free)
    plans = list(KINDS) + [rng.choice(KINDS)]
    controlled: set[str] = set()  # bidders whose shareholders a plan already wrote
    for kind in plans:
        if len(free) < 2:
            break
        a, b = sorted(free.pop() for _ in range(2))
        case = {"kind": kind, "bidders": [a, b]}
        if kind == "same_legal_representative":
            rep = registry.person()
            registry.own_people(companies[a], rep)
            registry.own_people(companies[b], rep)
            case["via"] = rep[1]
        elif kind == "control":
            depth = rng.randint(1, 3)
            top = (companies[a].name, companies[a].code)
            case["between"] = registry.chain(top, companies[b], depth)
            case["depths"] = {a: 0, b: depth}
            case["via"] = companies[a].code
            controlled.add(b)
            registry.own_people(companies[a])
            registry.own_people(companies[b])
        elif kind == "common_controller":
            top = registry.person() if rng.random() < 0.5 else None
            if top is None:
                holding = registry.company(None, "holding")
                registry.own_people(holding)
                top = (holding.name, holding.code)
            depths = {a: rng.randint(1, 3), b: rng.randint(1, 3)}
            case["between"] = {x: registry.chain(top, companies[x], depths[x]) for x in (a, b)}
            case["depths"] = depths
            case["via"] = top[1]
            controlled.update((a, b))
            registry.own_people(companies[a])
            registry.own_people(companies[b])
        else:  # management
            person = registry.person()
            registry.own_people(companies[a])
            registry.own_people(companies[b])
            registry.relate(companies[a], "总经理", *person)
            registry.relate(companies[b], rng.choice(("董事", "董事长")), *person)
            case["via"] = person[1]
        truth.planted.append(case)
    for bidder in free:
        registry.own_people(companies[bidder])
    for company in companies.values():
        registry.services(company)
    _confounders(registry, companies, controlled, truth)
    _write(root, registry, companies, seed, history)
    return truth


def _confounders(
    registry: Registry, companies: dict[str, Company], controlled: set[str], truth: Truth
) -> None:
    """Shareholders for every bidder no plan holds: some under the state,
    some in honest groups (one bidder each), some with the industry fund."""
    rng = registry.rng
    state, fund = [], []
    for bidder, company in sorted(companies.items()):
        if bidder in controlled:
            continue
        roll = rng.random()
        if roll < 0.2:
            registry.relate(company, "股东", STATE_HOLDER, "", share=rng.choice((51, 70, 100)))
            state.append(bidder)
            continue
        if roll < 0.35:  # an honest group's subsidiary: its parent holds no other bidder
            registry.chain(registry.person(), company, rng.randint(1, 3))
            continue
        free = 100.0
        if roll < 0.7:
            share = rng.choice((5, 8, 10))
            registry.relate(company, "股东", FUND, "", share=share)
            free -= share
            fund.append(bidder)
        registry.own_shareholders(company, company.rep or registry.person(), free)
    # The fund is large: the market's registry lists it in other companies too.
    for _ in range(FUND_COMPANIES - len(fund)):
        other = registry.company(None)
        registry.own_people(other)
        registry.relate(other, "股东", FUND, "", share=rng.choice((5, 8, 10)))
    pairs = lambda members: [[a, b] for i, a in enumerate(members) for b in members[i + 1 :]]  # noqa: E731
    truth.honest["public_state"] = pairs(state)
    truth.honest["public_fund"] = pairs(fund)
    banks: dict[str, list[str]] = {}
    auditors: dict[str, list[str]] = {}
    for bidder, company in companies.items():
        for code, role, name, _, _ in registry.relations:
            if code == company.code and role == "开户银行":
                banks.setdefault(name, []).append(bidder)
            if code == company.code and role == "审计机构":
                auditors.setdefault(name, []).append(bidder)
    truth.honest["bank"] = [p for members in banks.values() for p in pairs(sorted(members))]
    truth.honest["auditor"] = [p for members in auditors.values() for p in pairs(sorted(members))]
    names: dict[str, list[str]] = {}
    for bidder, company in companies.items():
        if company.rep:
            names.setdefault(company.rep[0], []).append(bidder)
    truth.honest["same_name"] = [
        p
        for members in names.values()
        for p in pairs(sorted(members))
        if companies[p[0]].rep != companies[p[1]].rep
    ]


def _write(
    root: Path, registry: Registry, companies: dict[str, Company], seed: int, history: bool
) -> None:
    """The bids and project.json; the registry files unless ``history`` (a
    follow-up project whose links the history must recall)."""
    forms = synth.tender_forms(
        "某某路改造工程", "中山市某某局", "中山市公信招标代理有限公司", "0760-88886666"
    )
    rng = random.Random(seed + 7)
    for bidder, company in sorted(companies.items()):
        rep_name, rep_id = company.rep or ("", "")
        filled = synth.filled_forms(
            forms,
            company.name,
            rep_name,
            registry.person()[0],
            10_000_000 + rng.random() * 2_000_000,
            extra={
                "法定代表人身份证号码": rep_id,
                "委托代理人身份证号码": synth.make_resident_id(rng),
                "统一社会信用代码": company.code,
            },
        )
        synth.write_docx(
            root / "bids" / bidder / "商务标.docx", synth.sections_to_paragraphs(filled)
        )
    (root / "project.json").write_text(
        json.dumps(
            {
                "id": f"CO-{seed}{'-later' if history else ''}",
                "name": "某某路改造工程",
                "bidders": {b: {"name": c.name} for b, c in companies.items()},
            },
            ensure_ascii=False,
        ),
        encoding="utf-8",
    )
    if history:
        return
    rows = [
        "bidder,credit_code,name,legal_representative,legal_representative_id,address,phone,email"
    ]
    for company in registry.companies:
        rep_name, rep_id = company.rep or ("", "")
        rows.append(
            f"{company.bidder or ''},{company.code},{company.name},{rep_name},{rep_id},"
            f"{company.address},{company.phone},{company.email}"
        )
    (root / "companies.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    lines = ["company,role,name,id,share"] + [",".join(r) for r in registry.relations]
    (root / "company_relations.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
