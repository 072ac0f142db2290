"""The nightly run on real project folders (DOCX made by tools/synth.py) and
real SQLite files: skipping unchanged projects, cross-project alerts, the
lock, delivery, and a run killed with SIGKILL then resumed."""

from __future__ import annotations

import hashlib
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner
from pgtest import history_dump

import collusion.scan
from collusion import store
from collusion.cli import main
from collusion.errors import LockHeld, SettingsError
from collusion.nightly import inbox as nightly_inbox
from collusion.nightly import lock as nightly_lock
from collusion.nightly import output as nightly_output
from collusion.nightly import run as nightly
from collusion.nightly.inbox import find_projects
from collusion.nightly.output import load_regulators
from collusion.nightly.run import run_nightly
from tools import synth

SCHEMA = Path(collusion.scan.__file__).parent / "report" / "report.schema.json"


def make_project(
    inbox: Path,
    folder: str,
    project_id: str,
    bidders: dict[str, dict],
    industry: str = "construction",
    tender: bool = False,
) -> Path:
    """A project folder with one real DOCX per bidder (and a PDF when asked).

    bidders: id -> {"name", "rsid" (rsidRoot), "seed" (text), "broken",
    "pdf_id" (a 商务标.pdf of filled-in tender forms with this trailer /ID[0])};
    ``tender``: a tender/ folder with the blank forms.
    """
    root = inbox / folder
    (root / "bids").mkdir(parents=True, exist_ok=True)
    meta = {
        "id": project_id,
        "name": f"{project_id} 道路改造工程",
        "industry": industry,
        "bidders": {
            b: {"name": s["name"], "price": 1_000_000.0 + n}
            for n, (b, s) in enumerate(sorted(bidders.items()))
        },
    }
    (root / "project.json").write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
    forms = synth.tender_forms(meta["name"], "某建设局", "某招标代理有限公司", "0760-88880000")
    if tender:
        synth.write_docx(root / "tender" / "招标文件.docx", synth.sections_to_paragraphs(forms))
    for bidder, spec in sorted(bidders.items()):
        target = root / "bids" / bidder / "技术标.docx"
        if spec.get("broken"):
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(b"PK\x03\x04 not really a docx")
            continue
        rng = random.Random(spec["seed"])
        plan = synth.technical_plan(rng, spec["name"], sections=4, paragraphs_per_section=3)
        synth.write_docx(
            target,
            synth.sections_to_paragraphs(plan),
            rsid_root=spec["rsid"],
            rsids=[spec["rsid"]],
            core={"author": "Administrator"},
        )
        if spec.get("pdf_id"):
            people = (f"法人{spec['seed']}", f"代理{spec['seed']}")
            filled = synth.filled_forms(forms, spec["name"], *people, 1_000_000.0 + spec["seed"])
            # /ID[1] changes on every save: a fresh one per file.
            instance = hashlib.md5(spec["name"].encode()).hexdigest().upper()
            synth.write_pdf(
                root / "bids" / bidder / "商务标.pdf",
                [synth.sections_to_paragraphs(filled)],
                pdf_id=(spec["pdf_id"], instance),
            )
    return root


def honest(name: str, rsid: str, seed: int) -> dict:
    return {"name": name, "rsid": rsid, "seed": seed}


def three_projects(inbox: Path) -> None:
    """P1 and P3 share a lineage id and a copied plan under different names."""
    make_project(
        inbox,
        "2026/p1",
        "ZS-2026-0001",
        {
            "b01": honest("中山市甲建设有限公司", "00A1B2C3", 11),
            "b02": honest("中山市乙建设有限公司", "00D4E5F6", 12),
        },
    )
    make_project(
        inbox,
        "2026/p2",
        "ZS-2026-0002",
        {
            "b01": honest("中山市戊建设有限公司", "00112233", 21),
            "b02": honest("中山市己建设有限公司", "00445566", 22),
        },
    )
    make_project(
        inbox,
        "2026/p3",
        "ZS-2026-0003",
        {
            "b01": honest("中山市丁建设有限公司", "00778899", 31),
            "b03": honest("中山市丙建设有限公司", "00A1B2C3", 11),
        },
    )


def dump_tables(db_path: Path) -> dict[str, list[tuple]]:
    """Every table's rows, sorted, without run ids, timestamps and rowids."""
    conn = sqlite3.connect(db_path)
    tables = [
        r[0]
        for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        )
    ]
    dump = {}
    for table in sorted(set(tables) - {"runs", "_migrations"}):
        columns = [r[1] for r in conn.execute(f"PRAGMA table_info({table})")]
        kept = [c for c in columns if c != "run_id" and not c.endswith("_at")]
        rows = conn.execute(f"SELECT {', '.join(kept)} FROM {table}").fetchall()
        dump[table] = sorted(rows, key=repr)
    conn.close()
    return dump


def run(inbox: Path, tmp: Path, db=None, **kwargs) -> nightly.NightlySummary:
    """A nightly run into tmp/out; the history is ``db`` (a path or DSN), else tmp/history.db."""
    return run_nightly(inbox, db or tmp / "history.db", tmp / "out", **kwargs)


def cross_alerts(out: Path, project_id: str, kind: str | None = None) -> list[dict]:
    """The cross-project alerts of a written report, optionally of one kind."""
    report = json.loads((out / f"{project_id}.json").read_text("utf-8"))
    return [
        a
        for a in report["alerts"]
        if a["details"].get("scope") == "cross_project" and kind in (None, a["kind"])
    ]


@pytest.fixture
def inbox(tmp_path) -> Path:
    path = tmp_path / "inbox"
    three_projects(path)
    return path


def test_find_projects(inbox):
    (inbox / ".trash" / "old" / "bids").mkdir(parents=True)
    (inbox / "notes").mkdir()
    assert find_projects(inbox) == ["2026/p1", "2026/p2", "2026/p3"]


def test_second_run_processes_nothing(inbox, tmp_path, history_target):
    first = run(inbox, tmp_path, history_target)
    assert [p.project_id for p in first.scanned] == ["ZS-2026-0001", "ZS-2026-0002", "ZS-2026-0003"]
    assert (tmp_path / "out" / "ZS-2026-0001.json").is_file()
    before = history_dump(history_target)
    second = run(inbox, tmp_path, history_target)
    assert second.nothing_new and second.scanned == ()
    assert second.unchanged == ("2026/p1", "2026/p2", "2026/p3")
    assert "没有新内容" in second.message
    assert history_dump(history_target) == before
    latest = json.loads((tmp_path / "out" / "runs" / "latest.json").read_text("utf-8"))
    assert latest["run_id"] == second.run_id and latest["nothing_new"] is True
    db = store.open_db(history_target)
    statuses = [r["status"] for r in db.query("SELECT status FROM runs ORDER BY id")]
    assert statuses == ["ok", "ok"]


def test_changed_file_rescans_only_its_project(inbox, tmp_path, history_target):
    run(inbox, tmp_path, history_target)
    meta_path = inbox / "2026/p2" / "project.json"
    meta = json.loads(meta_path.read_text("utf-8"))
    meta["name"] = "改名后的工程"
    meta_path.write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
    summary = run(inbox, tmp_path, history_target)
    assert [p.folder for p in summary.scanned] == ["2026/p2"]
    db = store.open_db(history_target)
    assert db["projects"].get("ZS-2026-0002")["name"] == "改名后的工程"
    assert db["bidders"].count == 6  # replaced, not doubled


def test_cross_project_alert(inbox, tmp_path, history_target):
    run(inbox, tmp_path, history_target)
    cross = cross_alerts(tmp_path / "out", "ZS-2026-0003")
    report = json.loads((tmp_path / "out" / "ZS-2026-0003.json").read_text("utf-8"))
    jsonschema.validate(report, json.loads(SCHEMA.read_text("utf-8")))
    kinds = sorted(a["kind"] for a in cross)
    assert kinds == ["near_duplicate_text", "shared_signature"]
    for alert in cross:
        assert alert["bidders"] == ["b03"]
        assert "ZS-2026-0001" in alert["summary"]
        others = [e for e in alert["evidence"] if e["bidder"] == "ZS-2026-0001/b01"]
        assert others and others[0]["file"] == "bids/b01/技术标.docx"
    signature = next(a for a in cross if a["kind"] == "shared_signature")
    assert signature["details"]["other_project"] == "ZS-2026-0001"
    assert signature["details"]["field"] == "rsid_root"
    text = next(a for a in cross if a["kind"] == "near_duplicate_text")
    assert text["details"]["other_project"] == "ZS-2026-0001"
    assert text["details"]["jaccard"] >= 0.9
    # The honest projects raise nothing across projects, and neither does P1
    # (it was scanned before P3 existed in the history).
    for pid in ("ZS-2026-0001", "ZS-2026-0002"):
        assert not cross_alerts(tmp_path / "out", pid)
    # The stored alerts and the sighting query say the same.
    db = store.open_db(history_target)
    assert {a["kind"] for a in store.project_alerts(db, "ZS-2026-0003")} >= set(kinds)
    seen = store.signature_sightings(db, "00a1b2c3", field="rsid_root")
    assert [(s["project_id"], s["company"]) for s in seen] == [
        ("ZS-2026-0001", "中山市甲建设有限公司"),
        ("ZS-2026-0003", "中山市丙建设有限公司"),
    ]


def test_same_company_across_projects_is_no_alert(tmp_path):
    inbox = tmp_path / "inbox"
    make_project(
        inbox,
        "a",
        "A-1",
        {
            "b01": honest("中山市甲建设有限公司", "00A1B2C3", 11),
            "b02": honest("中山市乙建设有限公司", "00D4E5F6", 12),
        },
    )
    make_project(
        inbox,
        "b",
        "B-1",
        {
            "b07": honest("中山市甲建设有限公司", "00A1B2C3", 11),
            "b08": honest("中山市丁建设有限公司", "00778899", 31),
        },
    )
    run(inbox, tmp_path)
    assert not cross_alerts(tmp_path / "out", "B-1")


def test_value_many_companies_carried_is_no_alert(tmp_path, history_target):
    """A lineage id five other companies carried is everybody's template, not a ring."""
    inbox = tmp_path / "inbox"
    for n in range(6):
        make_project(
            inbox,
            f"p{n}",
            f"P-{n}",
            {
                "b01": honest(f"公司{n}甲", "00ABCDEF", 100 + n),
                "b02": honest(f"公司{n}乙", f"0012340{n}", 200 + n),
            },
        )
    run(inbox, tmp_path, history_target)
    # One other company so far: a lead. Five other companies: common.
    assert cross_alerts(tmp_path / "out", "P-1", "shared_signature")
    assert not cross_alerts(tmp_path / "out", "P-5", "shared_signature")


def test_ring_repeating_across_tenders_stays_evidence(tmp_path, history_target):
    """Two companies sharing one machine in four tenders are still two companies."""
    inbox = tmp_path / "inbox"
    for n in range(4):
        make_project(
            inbox,
            f"p{n}",
            f"R-{n}",
            {
                "b01": honest(
                    "中山市甲建设有限公司" if n % 2 else "中山市乙建设有限公司", "00BADBAD", 300 + n
                ),
                "b02": honest(f"诚实公司{n}", f"0055660{n}", 400 + n),
            },
        )
    run(inbox, tmp_path, history_target)
    signature = cross_alerts(tmp_path / "out", "R-3", "shared_signature")
    assert signature and signature[0]["details"]["other_projects"] == ["R-0", "R-2"]


def test_unscannable_folder_is_retried_only_when_it_changes(tmp_path, history_target):
    inbox = tmp_path / "inbox"
    (inbox / "empty" / "bids").mkdir(parents=True)  # no bidders: ProjectError
    first = run(inbox, tmp_path, history_target)
    assert [p.folder for p in first.failed] == ["empty"]
    second = run(inbox, tmp_path, history_target)
    assert second.nothing_new and second.unchanged == ("empty",)
    make_project(inbox, "empty", "E-1", {"b01": honest("甲公司", "00A1B2C3", 1)})
    third = run(inbox, tmp_path, history_target)
    assert [p.project_id for p in third.scanned] == ["E-1"]


def test_unreadable_file_is_recorded_by_content(tmp_path, history_target):
    inbox = tmp_path / "inbox"
    make_project(
        inbox,
        "p",
        "P-1",
        {"b01": honest("甲公司", "00A1B2C3", 1), "b02": {"name": "乙公司", "broken": True}},
    )
    summary = run(inbox, tmp_path, history_target)
    assert summary.scanned[0].file_errors == 1
    db = store.open_db(history_target)
    broken = nightly_inbox.file_sha256(inbox / "p" / "bids" / "b02" / "技术标.docx")
    assert store.known_failure(db, broken)["path"] == "bids/b02/技术标.docx"
    assert run(inbox, tmp_path, history_target).nothing_new  # not retried while unchanged


def test_concurrent_run_refused(inbox, tmp_path):
    db_path = tmp_path / "history.db"
    with nightly_lock.nightly_lock(db_path), pytest.raises(LockHeld, match="另一个 nightly 运行"):
        run_nightly(inbox, db_path, tmp_path / "out")
    assert not (tmp_path / "out").exists()  # nothing started


def test_concurrent_run_refused_across_processes(inbox, tmp_path):
    """A real second process running nightly is refused while the first holds the lock."""
    db_path = tmp_path / "history.db"
    marker = tmp_path / "holding"
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            textwrap.dedent(f"""
        import time, pathlib
        from collusion.nightly.lock import nightly_lock
        with nightly_lock(pathlib.Path({str(db_path)!r})):
            pathlib.Path({str(marker)!r}).write_text("x")
            time.sleep(60)
        """),
        ]
    )
    try:
        _wait_for(marker, holder)
        result = CliRunner().invoke(
            main, ["nightly", str(inbox), "--db", str(db_path), "--out", str(tmp_path / "o")]
        )
        assert result.exit_code == 1
        assert "另一个 nightly 运行" in result.output
        assert f"pid {holder.pid}" in result.output
    finally:
        holder.kill()
        holder.wait()
    # The kernel dropped the dead holder's lock: the next run goes ahead.
    assert run_nightly(inbox, db_path, tmp_path / "o").scanned


def _wait_for(marker: Path, proc: subprocess.Popen, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while not marker.exists():
        if proc.poll() is not None:
            raise AssertionError(f"the subprocess ended early with {proc.returncode}")
        if time.monotonic() > deadline:
            raise AssertionError("the subprocess never reached the marker")
        time.sleep(0.05)


KILLABLE_RUN = textwrap.dedent(
    """
    import pathlib, sys, time
    from collusion import store
    from collusion.nightly import run as nightly

    inbox, db, out, marker, mode = sys.argv[1:6]
    calls = []

    def pause():
        pathlib.Path(marker).write_text("x")
        time.sleep(600)

    def pause_on_second(original):
        def wrapper(*args, **kwargs):
            calls.append(1)
            if len(calls) == 2 and mode == "scan":
                pause()
            result = original(*args, **kwargs)
            if len(calls) == 2 and mode == "after":
                pause()  # the project's rows are written, not committed
            return result
        return wrapper

    if mode == "scan":      # killed while scanning the second project
        nightly._scan = pause_on_second(nightly._scan)
    else:                   # killed inside the second project's open transaction
        store.record_scan = pause_on_second(store.record_scan)
    nightly.run_nightly(inbox, db, out)
    """
)


@pytest.mark.parametrize("mode", ["scan", "after"])
def test_killed_run_resumes_to_the_same_database(inbox, tmp_path, mode):
    """SIGKILL mid-run, then a normal run, equals one uninterrupted run."""
    killed_db, out = tmp_path / "killed.db", tmp_path / "out-killed"
    marker = tmp_path / "paused"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-c",
            KILLABLE_RUN,
            str(inbox),
            str(killed_db),
            str(out),
            str(marker),
            mode,
        ],
        start_new_session=True,
    )
    try:
        _wait_for(marker, proc)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    assert proc.returncode == -signal.SIGKILL
    # What was committed before the kill survived: the first project only.
    conn = sqlite3.connect(killed_db)
    assert [r[0] for r in conn.execute("SELECT id FROM projects")] == ["ZS-2026-0001"]
    assert conn.execute("SELECT status FROM runs").fetchall() == [("running",)]
    conn.close()

    resumed = run_nightly(inbox, killed_db, out)
    assert [p.folder for p in resumed.scanned] == ["2026/p2", "2026/p3"]
    assert resumed.interrupted_runs == 1

    clean_db = tmp_path / "clean.db"
    run_nightly(inbox, clean_db, tmp_path / "out-clean")
    assert dump_tables(killed_db) == dump_tables(clean_db)
    assert not list(out.glob(".*"))  # no temporary files left behind


def test_delivery_to_regulator_outbox(tmp_path):
    inbox = tmp_path / "inbox"
    # Two bidders sharing a lineage id and a copied plan: a flagged pair.
    make_project(
        inbox,
        "p",
        "ZS-9",
        {"b01": honest("甲公司", "00A1B2C3", 5), "b02": honest("乙公司", "00A1B2C3", 5)},
        industry="water",
    )
    make_project(
        inbox,
        "q",
        "ZS-10",
        {"b01": honest("丙公司", "00111111", 6), "b02": honest("丁公司", "00222222", 7)},
    )
    config = tmp_path / "regulators.toml"
    config.write_text('construction = "住建局"\nwater = "水务局"\n', encoding="utf-8")
    summary = run(inbox, tmp_path, outbox=tmp_path / "outbox", regulators_config=config)
    delivered = tmp_path / "outbox" / "水务局" / "ZS-9.json"
    assert delivered.is_file()
    report = json.loads(delivered.read_text("utf-8"))
    assert any(p["flagged"] for p in report["pairs"])
    assert not (tmp_path / "outbox" / "住建局").exists()  # ZS-10 has no flagged pair
    by_id = {p.project_id: p for p in summary.scanned}
    assert by_id["ZS-9"].delivered == str(delivered)
    assert by_id["ZS-10"].delivered is None


def test_regulators_config(tmp_path):
    good = tmp_path / "r.json"
    good.write_text('{"construction": "住建局", "default": "发改局"}', encoding="utf-8")
    regulators = load_regulators(good)
    assert nightly_output.regulator_for("construction", regulators) == "住建局"
    assert nightly_output.regulator_for("transport", regulators) == "发改局"
    assert nightly_output.regulator_for(None, {}) == nightly_output.UNROUTED
    unsafe = nightly_output.regulator_for("x", {"x": "../etc"})  # one safe component
    assert "/" not in unsafe and not unsafe.startswith(".") and unsafe.startswith("_etc-")
    bad = tmp_path / "bad.json"
    bad.write_text('["住建局"]', encoding="utf-8")
    with pytest.raises(SettingsError, match="bad.json"):
        load_regulators(bad)


def test_cli_nightly_and_history(inbox, tmp_path):
    runner = CliRunner()
    db = str(tmp_path / "h.db")
    result = runner.invoke(main, ["nightly", str(inbox), "--db", db, "--out", str(tmp_path / "o")])
    assert result.exit_code == 0, result.output
    assert "[scanned] ZS-2026-0003（2026/p3）" in result.output  # log lines, not a bar
    again = runner.invoke(main, ["nightly", str(inbox), "--db", db, "--out", str(tmp_path / "o")])
    assert "[run] 没有新内容" in again.output
    alerts = runner.invoke(main, ["history", "alerts", "ZS-2026-0003", "--db", db, "--json"])
    assert alerts.exit_code == 0
    assert any(a["details"].get("scope") == "cross_project" for a in json.loads(alerts.output))
    seen = runner.invoke(main, ["history", "seen", "00A1B2C3", "--field", "rsid_root", "--db", db])
    assert seen.exit_code == 0
    assert "ZS-2026-0001  b01（中山市甲建设有限公司）" in seen.output
    missing = runner.invoke(main, ["history", "seen", "x", "--db", str(tmp_path / "no.db")])
    assert missing.exit_code == 1 and "处没有历史库" in missing.output
    assert not (tmp_path / "no.db").exists()


def test_database_opens_in_datasette(inbox, tmp_path):
    datasette_app = pytest.importorskip("datasette.app")
    import asyncio

    run(inbox, tmp_path)
    ds = datasette_app.Datasette([str(tmp_path / "history.db")])

    async def fetch() -> dict:
        response = await ds.client.get("/history/alerts.json?_shape=objects")
        assert response.status_code == 200
        return response.json()

    data = asyncio.run(fetch())
    assert any(row["project_id"] == "ZS-2026-0003" for row in data["rows"])


def test_two_folders_with_one_project_id_are_reported(tmp_path, history_target):
    inbox = tmp_path / "inbox"
    make_project(inbox, "a", "SAME-1", {"b01": honest("甲公司", "00A1B2C3", 1)})
    make_project(inbox, "b", "SAME-1", {"b01": honest("乙公司", "00A1B2C4", 2)})
    lines: list[str] = []
    run(inbox, tmp_path, history_target, log=lines.append)
    assert "[warning] b 的项目编号 SAME-1 与 a 相同；历史库中该项目的记录被替换" in lines
    assert store.open_db(history_target)["bidders"].count == 1  # one record per id


OTHER_IDS = ("1B2C3D4E5F60718293A4B5C6D7E8F901", "2C3D4E5F60718293A4B5C6D7E8F9011B")


def test_cross_project_pdf_lineage_id(tmp_path, history_target):
    """The same PDF /ID[0] under two company names in two tenders (real PDFs)."""
    shared = "9F3C2A7B1E4D5C6B8A9F0E1D2C3B4A59"
    inbox = tmp_path / "inbox"
    make_project(
        inbox,
        "a",
        "A-1",
        {
            "b01": {**honest("中山市甲建设有限公司", "00A1B2C3", 1), "pdf_id": shared},
            "b02": {**honest("中山市乙建设有限公司", "00A1B2C4", 2), "pdf_id": OTHER_IDS[0]},
        },
        tender=True,
    )
    make_project(
        inbox,
        "b",
        "B-1",
        {
            "b05": {**honest("中山市丙建设有限公司", "00A1B2C5", 3), "pdf_id": shared},
            "b06": {**honest("中山市丁建设有限公司", "00A1B2C6", 4), "pdf_id": OTHER_IDS[1]},
        },
        tender=True,
    )
    run(inbox, tmp_path, history_target)
    alerts = cross_alerts(tmp_path / "out", "B-1", "shared_signature")
    assert [(a["bidders"], a["details"]["field"]) for a in alerts] == [(["b05"], "pdf_id_0")]
    assert {"bidder": "A-1/b01", "file": "bids/b01/商务标.pdf"}.items() <= (
        alerts[0]["evidence"][-1].items()
    )
    # The filled-in tender forms of both tenders are alike, but they are forms:
    # no cross-project text alert.
    assert not cross_alerts(tmp_path / "out", "B-1", "near_duplicate_text")
