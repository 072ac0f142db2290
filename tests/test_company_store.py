"""Company facts and links in the history, on SQLite and PostgreSQL."""

from __future__ import annotations

from dataclasses import replace

import pytest
from test_store import make_scan

from collusion.analysis.companies.model import (
    BID,
    REGISTRY,
    Company,
    CompanyFacts,
    Fact,
    Relation,
    Source,
)
from collusion.store import company_links, company_sightings, open_db, record_scan
from collusion.store.companies import company_value_count, stored_companies

CODE_A = "91440101MA5XY00100"
CODE_B = "91440101MA5XY00200"
CODE_H = "91440101MA5XY00300"
REP_ID = "440101198001011234"


def _valid(code: str) -> str:
    """A credit code whose check character is right (the test codes are shaped by hand)."""
    from collusion.analysis.identifier_patterns import credit_code_check_char

    return code[:17] + credit_code_check_char(code[:17])


def _valid_id(number: str) -> str:
    from collusion.analysis.identifier_patterns import resident_id_check_char

    return number[:17] + resident_id_check_char(number[:17])


A, B, H = _valid(CODE_A), _valid(CODE_B), _valid(CODE_H)
REP = _valid_id(REP_ID)


def link_alert(alert_id: str, bidders: list[str], keys: dict[str, str]) -> dict:
    return {
        "id": alert_id,
        "kind": "company_link",
        "severity": "high",
        "score": 0.99,
        "bidders": bidders,
        "basis": "《招标投标法实施条例》第三十四条第二款",
        "summary": "法定代表人为同一人",
        "details": {
            "link": "same_legal_representative",
            "via": {"value": REP, "name": "张三", "kind": "person"},
            "companies": {b: {"key": keys[b]} for b in bidders},
        },
        "evidence": [{"bidder": bidders[0], "file": "companies.csv"}],
    }


def company_facts() -> CompanyFacts:
    registry = Source(REGISTRY, "companies.csv", line=2, excerpt=f"b01,{A},甲公司,张三,{REP}")
    page = Source(BID, "bids/b02/商务标.pdf", page=3, excerpt="法定代表人：张三", bidder="b02")
    return CompanyFacts(
        companies=(
            Company(A, A, "甲建设有限公司", "b01"),
            Company(B, B, "乙工程有限公司", "b02"),
            Company(H, H, "丙投资有限公司", None),
        ),
        facts=(
            Fact(A, "name", "甲建设有限公司", "甲建设有限公司", registry),
            Fact(A, "phone", "0760-88886666", "076088886666", registry),
            Fact(B, "name", "乙工程有限公司", "乙工程有限公司", page),
        ),
        relations=(
            Relation(A, "legal_representative", REP, "person", "张三", None, registry),
            Relation(B, "legal_representative", REP, "person", "张三", None, page),
            Relation(B, "shareholder", H, "company", "丙投资有限公司", 60.0, registry),
            # Recalled from another project: never recorded again under this one.
            Relation(
                H, "shareholder", "name:李四", "person", "李四", 80.0, registry.recalled("P0")
            ),
        ),
    )


@pytest.fixture
def db(history_target):
    database = open_db(history_target)
    yield database
    database.close()


def scan_with_links(project_id: str) -> object:
    scan = make_scan(
        project_id,
        {"b01": {"name": "甲建设有限公司"}, "b02": {"name": "乙工程有限公司"}, "b03": {}},
        alerts=[
            link_alert("A0001", ["b01", "b02"], {"b01": A, "b02": B}),
            link_alert("A0002", ["b02", "b03"], {"b02": B, "b03": "bidder:b03"}),
        ],
    )
    return replace(scan, context=replace(scan.context, companies=company_facts()))


def test_links_recorded_and_found_by_credit_code(db):
    record_scan(db, scan_with_links("P1"))
    found = company_links(db, [A, B.lower(), H])
    assert [(r["company_a"], r["company_b"], r["link"], r["alert_id"]) for r in found] == [
        tuple(sorted((A, B))) + ("same_legal_representative", "A0001")
    ]
    assert found[0]["via"] == REP and found[0]["project_id"] == "P1"
    assert {found[0]["bidder_a"], found[0]["bidder_b"]} == {"b01", "b02"}
    # A company alone, or companies never linked, have no links.
    assert company_links(db, [A]) == []
    assert company_links(db, [A, H]) == []


def test_rescan_replaces_the_project_rows(db):
    record_scan(db, scan_with_links("P1"))
    record_scan(db, scan_with_links("P1"))
    assert len(company_links(db, [A, B])) == 1
    count = db.conn.execute("SELECT COUNT(*) FROM company_relations").fetchone()[0]
    assert count == 3  # the recalled relation is not this project's


def test_sightings_of_a_person_and_a_credit_code(db):
    record_scan(db, scan_with_links("P1"))
    person = company_sightings(db, REP)
    assert {(r["bidder"], r["role"], r["source"]) for r in person} == {
        ("b01", "legal_representative", "registry"),
        ("b02", "legal_representative", "bid"),
    }
    by_line = next(r for r in person if r["source"] == "registry")
    assert by_line["file"] == "companies.csv" and by_line["line"] == 2
    assert by_line["company"] == "甲建设有限公司"
    holder = company_sightings(db, H.lower())
    assert [(r["role"], r["share"], r["bidder"]) for r in holder] == [("shareholder", 60.0, "b02")]
    assert company_sightings(db, "无此人") == []


def test_history_recalls_the_latest_project_of_a_company(db):
    record_scan(db, scan_with_links("P1"))
    facts, relations, companies = stored_companies(db.conn, [B, "bidder:b03"], "P9")
    assert {(r.role, r.holder, r.source.project) for r in relations} == {
        ("legal_representative", REP, "P1"),
        ("shareholder", H, "P1"),
    }
    assert [f.field for f in facts] == ["name"]
    assert [c.key for c in companies] == [B]
    # The project being scanned is left out.
    assert stored_companies(db.conn, [B], "P1") == ([], [], [])
    assert company_value_count(db.conn, "phone", "076088886666", "P9") == 1
    assert company_value_count(db.conn, "holder", H, "P9") == 1  # shares only
    assert company_value_count(db.conn, "holder", REP, "P9") == 0
    assert company_value_count(db.conn, "holder", H, "P1") == 0
