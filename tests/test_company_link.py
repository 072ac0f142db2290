"""company_link: links between the bidders' companies, each with its legal
basis, its chain and the source of every step."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
from click.testing import CliRunner

from collusion import basis
from collusion.analysis.companies.graph import GraphSettings, find_links
from collusion.analysis.companies.registry import read_registry
from collusion.cli import main
from collusion.detectors.company_link import LEGAL_NOTES
from collusion.models import InputFile
from collusion.report.build import schema_problem
from collusion.report.terminal import format_terminal_summary
from collusion.scan import scan_project
from tools import synth

RNG = random.Random(2201)
BIDDERS = ("b01", "b02", "b03", "b04", "b05", "b06")
NAMES = {b: f"中山市{'甲乙丙丁戊己'[i]}建设有限公司" for i, b in enumerate(BIDDERS)}
CODES = {b: synth.make_credit_code(RNG) for b in BIDDERS}
HOLD = [synth.make_credit_code(RNG) for _ in range(4)]  # holding companies that do not bid
PEOPLE = [synth.make_resident_id(RNG) for _ in range(8)]
SETTINGS = GraphSettings(control_share=50.0, max_depth=3, public_holder_companies=5)


def registry(relations: list[str], reps: dict[str, tuple[str, str]] | None = None, extra: str = ""):
    """companies.csv for the six bidders (legal reps distinct unless given) and relations."""
    reps = reps or {}
    rows = ["bidder,credit_code,name,legal_representative,legal_representative_id,address,phone"]
    for i, b in enumerate(BIDDERS):
        name, number = reps.get(b, (f"法人{'一二三四五六'[i]}", ""))
        rows.append(f"{b},{CODES[b]},{NAMES[b]},{name},{number},中山市东区{i + 1}号路{i + 1}号,")
    companies = InputFile("companies.csv", ("\n".join(rows) + "\n" + extra).encode())
    relation_text = InputFile(
        "company_relations.csv", ("company,role,name,id,share\n" + "\n".join(relations)).encode()
    )
    facts = read_registry(companies, relation_text, set(BIDDERS), 1000)
    assert facts.errors == ()
    return facts


def links_of(facts, public=lambda key, name, held: False):
    companies = {c.bidder: c.key for c in facts.companies if c.bidder}
    return find_links(facts, companies, SETTINGS, public)


def only(links, kind):
    found = [link for link in links if link.kind == kind]
    assert len(found) == 1, [(x.kind, x.bidders) for x in links]
    return found[0]


# --- the link kinds ----------------------------------------------------------------------------


def test_same_legal_representative_by_number():
    facts = registry([], {"b01": ("张三", PEOPLE[0]), "b04": ("张三", PEOPLE[0])})
    link = only(links_of(facts), "same_legal_representative")
    assert link.bidders == ("b01", "b04") and not link.by_name
    assert [src.line for t in link.ties for s in t.steps for src in s.sources] == [2, 5]


def test_two_people_of_one_name_are_not_linked():
    facts = registry([], {"b01": ("张三", PEOPLE[0]), "b04": ("张三", PEOPLE[1])})
    assert links_of(facts) == []


def test_one_side_by_name_alone_is_a_lead_by_name():
    facts = registry([], {"b01": ("张三", PEOPLE[0]), "b04": ("张三", "")})
    link = only(links_of(facts), "same_legal_representative")
    assert link.by_name and link.bidders == ("b01", "b04")


@pytest.mark.parametrize("depth", [1, 2, 3])
def test_control_chains_through_holding_companies(depth):
    """b01 controls b02 through depth - 1 holding companies that do not bid."""
    chain = [CODES["b01"], *HOLD[: depth - 1], CODES["b02"]]
    relations = [
        f"{held},shareholder,控股{n},{holder},{60 + n}"
        for n, (holder, held) in enumerate(zip(chain, chain[1:], strict=False))
    ]
    link = only(links_of(registry(relations)), "control")
    assert link.bidders == ("b01", "b02")
    held = next(t for t in link.ties if t.bidder == "b02")
    assert held.kind == "control" and len(held.steps) == depth
    assert [s.company for s in held.steps] == chain[1:]
    assert [s.share for s in held.steps] == [60.0 + n for n in range(depth)]
    assert all(s.sources[0].file == "company_relations.csv" for s in held.steps)


def test_a_chain_longer_than_the_depth_is_not_followed():
    chain = [CODES["b01"], *HOLD[:3], CODES["b02"]]  # four steps
    relations = [
        f"{held},shareholder,控股{n},{holder},70"
        for n, (holder, held) in enumerate(zip(chain, chain[1:], strict=False))
    ]
    assert [x.kind for x in links_of(registry(relations))] == []


def test_common_controller_two_levels_up():
    relations = [
        f"b02,shareholder,甲控股,{HOLD[0]},80",
        f"{HOLD[0]},shareholder,李四,{PEOPLE[2]},100",
        f"b03,shareholder,李四,{PEOPLE[2]},51",
    ]
    link = only(links_of(registry(relations)), "common_controller")
    assert link.via == PEOPLE[2] and link.bidders == ("b02", "b03")
    assert {t.bidder: len(t.steps) for t in link.ties} == {"b02": 2, "b03": 1}


def test_the_nearest_common_controller_is_reported_once():
    """X controls H, H controls b02 and b03: one fact, reported through H."""
    relations = [
        f"b02,shareholder,控股公司,{HOLD[0]},60",
        f"b03,shareholder,控股公司,{HOLD[0]},70",
        f"{HOLD[0]},shareholder,集团公司,{HOLD[1]},100",
    ]
    links = links_of(registry(relations))
    assert [(x.kind, x.via) for x in links] == [("common_controller", HOLD[0])]
    assert all(len(t.steps) == 1 for t in links[0].ties)


def test_a_controller_of_a_controlling_bidder_adds_nothing():
    """A person controls b01, which controls b02: one fact, b01 controls b02."""
    relations = [f"b02,shareholder,甲,{CODES['b01']},60", f"b01,shareholder,钱某,{PEOPLE[6]},90"]
    assert [x.kind for x in links_of(registry(relations))] == ["control"]


def test_cross_held_manager_is_management():
    relations = [f"b02,经理,王五,{PEOPLE[3]},", f"b05,董事,王五,{PEOPLE[3]},"]
    link = only(links_of(registry(relations)), "management")
    assert link.bidders == ("b02", "b05")
    assert {t.bidder: t.roles for t in link.ties} == {"b02": ("manager",), "b05": ("director",)}


def test_legal_representative_of_one_and_director_of_the_other_is_management():
    relations = [f"b05,董事,张三,{PEOPLE[0]},"]
    facts = registry(relations, {"b01": ("张三", PEOPLE[0])})
    link = only(links_of(facts), "management")
    assert {t.bidder: t.kind for t in link.ties} == {"b01": "legal_rep", "b05": "office"}


def test_shared_minority_shareholder_is_shareholding():
    relations = [f"b01,shareholder,赵六,{PEOPLE[4]},20", f"b06,shareholder,赵六,{PEOPLE[4]},10"]
    link = only(links_of(registry(relations)), "shareholding")
    assert link.bidders == ("b01", "b06")


def test_a_supervisor_in_both_links_nobody():
    relations = [f"b01,监事,钱七,{PEOPLE[5]},", f"b02,监事,钱七,{PEOPLE[5]},"]
    assert links_of(registry(relations)) == []


def test_bank_auditor_and_public_shareholder_link_nobody():
    relations = [
        "b01,开户银行,中国建设银行中山分行,,",
        "b02,开户银行,中国建设银行中山分行,,",
        "b01,审计机构,中山市正信会计师事务所有限公司,,",
        "b02,审计机构,中山市正信会计师事务所有限公司,,",
        "b01,shareholder,中山市人民政府国有资产监督管理委员会,,60",
        "b02,shareholder,中山市人民政府国有资产监督管理委员会,,70",
    ]
    from collusion.analysis.companies.public import public_reason

    facts = registry(relations)
    assert links_of(facts, lambda key, name, held: public_reason(name) is not None) == []
    # Without the public list the state holder would be a common controller.
    assert [x.kind for x in links_of(facts)] == ["common_controller"]


def test_a_holder_of_many_companies_is_public():
    """A large holder of five companies (the cap) links none of them."""
    investor = HOLD[3]
    relations = [
        f"{b},shareholder,某某创业投资有限公司,{investor},{10 + n}"
        for n, b in enumerate(BIDDERS[:5])
    ]
    assert links_of(registry(relations)) == []
    assert [x.kind for x in links_of(registry(relations[:4]))] == ["shareholding"]


def test_shared_registered_contacts():
    extra = f",{HOLD[2]},某某公司,,,中山市东区1号路1号,\n"
    facts = registry([], extra="")
    rows = [
        "bidder,credit_code,name,legal_representative,legal_representative_id,address,phone,email",
        f"b01,{CODES['b01']},{NAMES['b01']},甲,,中山市东区 中山四路88号,0760-88123456,a@x.cn",
        f"b02,{CODES['b02']},{NAMES['b02']},乙,,中山市东区中山四路８８号,(0760)88123456,A@X.CN",
    ]
    facts = read_registry(
        InputFile("companies.csv", "\n".join(rows).encode()), None, set(BIDDERS), 100
    )
    kinds = sorted(x.kind for x in links_of(facts))
    assert kinds == ["shared_address", "shared_email", "shared_phone"]
    assert extra  # the holding-company row form is covered by registry()


# --- through a scan: bids alone, the report, the legal basis ------------------------------------


def write_bid(folder: Path, company: str, rep: str, rep_id: str, code: str, seed: int) -> None:
    forms = synth.tender_forms(
        "某某路改造工程", "中山市某某局", "中山市公信招标代理有限公司", "0760-88886666"
    )
    rng = random.Random(seed)
    filled = synth.filled_forms(
        forms,
        company,
        rep,
        "代理人" + "甲乙丙丁"[seed % 4],
        10_000_000 + rng.random() * 1_000_000,
        extra={
            "法定代表人身份证号码": rep_id,
            "委托代理人身份证号码": synth.make_resident_id(rng),
            "统一社会信用代码": code,
        },
    )
    synth.write_docx(folder / "商务标.docx", synth.sections_to_paragraphs(filled))


def bids_project(root: Path, reps: dict[str, tuple[str, str]]) -> Path:
    for n, (bidder, (rep, rep_id)) in enumerate(sorted(reps.items())):
        write_bid(root / "bids" / bidder, NAMES[bidder], rep, rep_id, CODES[bidder], n)
    (root / "project.json").write_text(
        json.dumps(
            {"id": "LR-1", "bidders": {b: {"name": NAMES[b]} for b in reps}}, ensure_ascii=False
        ),
        encoding="utf-8",
    )
    return root


def test_bids_alone_show_the_same_legal_representative(tmp_path):
    """Must show: the same name and ID number on two 法定代表人身份证明, no companies.csv."""
    root = bids_project(
        tmp_path,
        {"b01": ("张三", PEOPLE[0]), "b02": ("李四", PEOPLE[1]), "b03": ("张三", PEOPLE[0])},
    )
    out = tmp_path / "r.json"
    result = CliRunner().invoke(main, ["scan", str(root), "--output", str(out)])
    assert result.exit_code == 0, result.output
    report = json.loads(out.read_text(encoding="utf-8"))
    links = [a for a in report["alerts"] if a["kind"] == "company_link"]
    assert len(links) == 1
    link = links[0]
    assert link["bidders"] == ["b01", "b03"] and link["severity"] == "high"
    assert link["basis"] == basis.ART34 == "《招标投标法实施条例》第三十四条第二款"
    assert link["details"]["link"] == "same_legal_representative"
    assert PEOPLE[0] in link["summary"] and "第三十四条" in link["summary"]
    quoted = {(e["bidder"], e["section"], e["excerpt"]) for e in link["evidence"]}
    assert ("b01", "法定代表人身份证明", f"身份证号码：{PEOPLE[0]}") in quoted
    assert ("b03", "法定代表人身份证明", f"身份证号码：{PEOPLE[0]}") in quoted
    pair = next(p for p in report["pairs"] if p["bidders"] == ["b01", "b03"])
    assert pair["flagged"] and link["id"] in pair["alerts"]
    # One fact once: the ID number and the name that shared_identifier also
    # finds are cited in the link, not counted beside it.
    also = {(x["kind"], x.get("field")) for x in link["details"].get("also_found", [])}
    assert ("shared_identifier", "resident_id") in also
    counted = [t for t in pair["terms"] if t["counted"] > 0]
    assert sum(1 for t in counted if t["alert"] == link["id"]) == 1
    assert not any(
        a["kind"] == "shared_identifier" and a["bidders"] == ["b01", "b03"]
        for a in report["alerts"]
    )
    group = next(g for g in report["groups"] if g["bidders"] == ["b01", "b03"])
    assert [x["link"] for x in group["company_links"]] == ["same_legal_representative"]
    summary = format_terminal_summary(report)
    assert "投标人之间的企业关联 1 条" in summary
    assert f"b01 {NAMES['b01']} ↔ b03 {NAMES['b03']}  法定代表人为同一人（张三）" in summary
    assert "企业关联：法定代表人为同一人" in summary  # on the group's line


def test_legal_basis_of_each_link_kind(tmp_path):
    """Every kind carries its clause and its note on what the law says."""
    for kind, note in LEGAL_NOTES.items():
        assert ("第三十四条" in note) == (not kind.startswith("shared_")), kind
    reps = {"b01": ("张三", PEOPLE[0]), "b02": ("张三", PEOPLE[0])}
    relations = "\n".join(
        [
            "company,role,name,id,share",
            f"b04,shareholder,甲控股,{HOLD[0]},55",
            f"{HOLD[0]},shareholder,b03的母公司,{CODES['b03']},90",
            f"b05,总经理,王五,{PEOPLE[3]},",
            f"b06,执行董事,王五,{PEOPLE[3]},",
            f"b05,shareholder,赵六,{PEOPLE[4]},20",
            f"b01,shareholder,赵六,{PEOPLE[4]},30",
            f"b02,shareholder,乙控股,{HOLD[1]},60",
            f"b06,shareholder,乙控股,{HOLD[1]},70",
        ]
    )
    root = tmp_path / "p"
    for n, bidder in enumerate(BIDDERS):
        rep, rep_id = reps.get(bidder, (f"法人{n}", PEOPLE[6] if n == 2 else ""))
        write_bid(
            root / "bids" / bidder,
            NAMES[bidder],
            rep,
            rep_id or synth.make_resident_id(RNG),
            CODES[bidder],
            n,
        )
    rows = ["bidder,credit_code,name,legal_representative,legal_representative_id,phone"]
    for bidder in BIDDERS:
        phone = "0760-88123456" if bidder in ("b03", "b06") else ""
        rows.append(f"{bidder},{CODES[bidder]},{NAMES[bidder]},,,{phone}")
    (root / "companies.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    (root / "company_relations.csv").write_text(relations + "\n", encoding="utf-8")
    report = scan_project(root).report
    by_kind = {a["details"]["link"]: a for a in report["alerts"] if a["kind"] == "company_link"}
    assert set(by_kind) == {
        "same_legal_representative",
        "control",
        "common_controller",
        "management",
        "shareholding",
        "shared_phone",
    }
    assert by_kind["common_controller"]["bidders"] == ["b02", "b06"]
    for kind, alert in by_kind.items():
        expected = basis.ART40_SAME_AGENT if kind.startswith("shared_") else basis.ART34
        assert alert["basis"] == expected, kind
        assert alert["details"]["legal_note"] == LEGAL_NOTES[kind]
    control = by_kind["control"]
    assert control["bidders"] == ["b03", "b04"]
    chain = control["details"]["ties"]["b04"]["chain"]
    assert [(s["holder"], s["company"], s["share"]) for s in chain] == [
        (CODES["b03"], HOLD[0], 90.0),
        (HOLD[0], CODES["b04"], 55.0),
    ]
    assert [e["line"] for e in control["evidence"]] == [3, 2]
    assert all(e["file"] == "company_relations.csv" for e in control["evidence"])
    assert by_kind["shared_phone"]["bidders"] == ["b03", "b06"]
    assert report["errors"] == []
    assert schema_problem(report) is None
