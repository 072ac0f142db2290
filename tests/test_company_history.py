"""A link found once is seen again: company facts kept in the history (SQLite
and PostgreSQL), recalled by a later project whose bids alone say little, and
`collusion history seen` for a person or a credit code."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from test_company_link import CODES, HOLD, NAMES, PEOPLE, write_bid

from collusion import store
from collusion.cli import main
from collusion.scan import scan_project


def first_project(root: Path) -> Path:
    """b01 and b02 under one holding company (registry), b03 honest."""
    for n, bidder in enumerate(("b01", "b02", "b03")):
        write_bid(root / "bids" / bidder, NAMES[bidder], f"法人{n}", PEOPLE[n], CODES[bidder], n)
    (root / "project.json").write_text(
        json.dumps(
            {"id": "P-2025-1", "bidders": {b: {"name": NAMES[b]} for b in ("b01", "b02", "b03")}}
        ),
        encoding="utf-8",
    )
    (root / "company_relations.csv").write_text(
        "company,role,name,id,share\n"
        f"b01,shareholder,中山市宏达控股有限公司,{HOLD[0]},60\n"
        f"b02,shareholder,中山市宏达控股有限公司,{HOLD[0]},80\n"
        f"{HOLD[0]},shareholder,孙八,{PEOPLE[7]},100\n",
        encoding="utf-8",
    )
    return root


def later_project(root: Path) -> Path:
    """The same two companies bid again under other folder names; no registry files."""
    for n, (bidder, company) in enumerate((("x1", "b01"), ("x2", "b02"), ("x3", "b04"))):
        write_bid(root / "bids" / bidder, NAMES[company], f"法人{n}", PEOPLE[n], CODES[company], n)
    (root / "project.json").write_text(
        json.dumps(
            {
                "id": "P-2026-9",
                "bidders": {
                    "x1": {"name": NAMES["b01"]},
                    "x2": {"name": NAMES["b02"]},
                    "x3": {"name": NAMES["b04"]},
                },
            }
        ),
        encoding="utf-8",
    )
    return root


@pytest.fixture
def db(history_target):
    database = store.open_db(history_target)
    yield database
    database.close()


def test_a_link_found_once_is_seen_again(tmp_path, db):
    first = scan_project(first_project(tmp_path / "p1"), history=store.History(db))
    linked = [a for a in first.report["alerts"] if a["kind"] == "company_link"]
    assert [(a["details"]["link"], a["bidders"]) for a in linked] == [
        ("common_controller", ["b01", "b02"])
    ]
    store.record_scan(db, first)

    later = scan_project(later_project(tmp_path / "p2"), history=store.History(db)).report
    again = [a for a in later["alerts"] if a["kind"] == "company_link"]
    assert [(a["details"]["link"], a["bidders"]) for a in again] == [
        ("common_controller", ["x1", "x2"])
    ]
    link = again[0]
    assert link["details"]["via"]["value"] == HOLD[0]
    steps = [s for tie in link["details"]["ties"].values() for s in tie["chain"]]
    assert all(src["project"] == "P-2025-1" for s in steps for src in s["sources"])
    assert {e.get("project") for e in link["evidence"]} == {"P-2025-1"}
    assert {(e["file"], e["line"]) for e in link["evidence"]} == {
        ("company_relations.csv", 2),
        ("company_relations.csv", 3),
    }
    pair = next(p for p in later["pairs"] if p["bidders"] == ["x1", "x2"])
    assert pair["flagged"]
    # The link itself is kept: the ring search asks for it by credit code.
    found = store.company_links(db, [CODES["b01"], CODES["b02"], CODES["b04"]])
    assert [(r["project_id"], r["link"], r["via"]) for r in found] == [
        ("P-2025-1", "common_controller", HOLD[0])
    ]


def test_history_seen_answers_for_a_person_and_a_credit_code(tmp_path, history_target):
    db = store.open_db(history_target)
    store.record_scan(db, scan_project(first_project(tmp_path / "p1")))
    db.close()
    target = str(history_target)
    runner = CliRunner()
    by_code = runner.invoke(main, ["history", "seen", HOLD[0].lower(), "--db", target])
    assert by_code.exit_code == 0, by_code.output
    lines = by_code.output.splitlines()
    assert (
        f"P-2025-1  b01（{NAMES['b01']}）  company_relations.csv 第 2 行  shareholder=中山市宏达控股有限公司 60%"
        in lines
    )
    assert (
        f"P-2025-1  b02（{NAMES['b02']}）  company_relations.csv 第 3 行  shareholder=中山市宏达控股有限公司 80%"
        in lines
    )
    by_person = runner.invoke(main, ["history", "seen", PEOPLE[0], "--db", target, "--json"])
    rows = json.loads(by_person.output)
    assert {(r["bidder"], r["role"], r["source"]) for r in rows} == {
        ("b01", "legal_representative", "bid")
    }
    assert all(r["file"] == "bids/b01/商务标.docx" for r in rows)
    # Lines count paragraphs from 1 like the report's paragraph_number (the
    # JSON keeps the 0-based index), and Chinese lines use Chinese brackets.
    read = next(r for r in rows if r["paragraph"] is not None and r["section"])
    as_text = runner.invoke(main, ["history", "seen", PEOPLE[0], "--db", target])
    assert f"第 {read['paragraph'] + 1} 段（{read['section']}）" in as_text.output
    shown = {int(n) for n in re.findall(r"第 (\d+) 段", as_text.output)}
    assert shown == {r["paragraph"] + 1 for r in rows if r["paragraph"] is not None}
    assert " (" not in as_text.output
    by_name = runner.invoke(main, ["history", "seen", "孙八", "--db", target])
    assert "shareholder=孙八 100%" in by_name.output
    nobody = runner.invoke(main, ["history", "seen", "无此人", "--db", target])
    assert nobody.output.strip() == "历史库中没有见过 无此人"
