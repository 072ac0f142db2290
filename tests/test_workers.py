"""Several nightly workers on one PostgreSQL history, against one SQLite run.

Real worker processes (``collusion nightly`` through subprocess), a real
throwaway PostgreSQL (tests/pgtest.py) and real DOCX bids.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest
from pgtest import history_dump
from test_nightly import honest, make_project

from collusion import store
from collusion.nightly.run import run_nightly

PROJECTS = 10


def ten_projects(inbox: Path, count: int = PROJECTS) -> list[str]:
    """Ten projects, each with a pair sharing a lineage id and a copied plan,
    and one lineage id that every project carries under another name."""
    folders = []
    for n in range(1, count + 1):
        rsid = f"00{n:02d}AB{n:02d}"
        make_project(
            inbox,
            f"p{n:02d}",
            f"W-2026-{n:04d}",
            {
                "b01": honest(f"第{n}甲建设有限公司", rsid, 100 + n),
                "b02": honest(f"第{n}乙建设有限公司", rsid, 100 + n),  # same plan, same rsid
                "b03": honest(f"第{n}丙建设有限公司", f"00{n:02d}CD{n:02d}", 200 + n),
                # One lineage id under a new company name in every project: a
                # cross-project lead until five other companies carried it,
                # then common. What each project says depends on the projects
                # recorded before it, as in one run.
                "b04": honest(f"第{n}丁建设有限公司", "00FACADE", 300 + n),
            },
        )
        folders.append(f"p{n:02d}")
    return folders


def reports(out: Path) -> dict[str, list[dict]]:
    """Each written report's alerts, by file name."""
    return {p.name: json.loads(p.read_text("utf-8"))["alerts"] for p in sorted(out.glob("*.json"))}


def worker(inbox: Path, dsn: str, out: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "collusion", "nightly", str(inbox), "--db", dsn, "--out", str(out)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def summary_of(out: Path) -> dict:
    return json.loads((out / "runs" / "latest.json").read_text("utf-8"))


def test_two_workers_scan_each_project_once_like_one_sqlite_run(tmp_path, pg_dsn):
    inbox = tmp_path / "inbox"
    folders = ten_projects(inbox)
    lite = run_nightly(inbox, tmp_path / "history.db", tmp_path / "out-sqlite")
    assert sorted(p.folder for p in lite.scanned) == folders

    store.open_db(pg_dsn).close()  # migrated once, so the workers start together
    procs = [worker(inbox, pg_dsn, tmp_path / f"out-{w}") for w in ("a", "b")]
    logs = [p.communicate(timeout=600)[0] for p in procs]
    assert [p.returncode for p in procs] == [0, 0], logs

    scanned = [
        [o["folder"] for o in summary_of(tmp_path / f"out-{w}")["scanned"]] for w in ("a", "b")
    ]
    assert sorted(scanned[0] + scanned[1]) == folders  # every project, none twice
    assert all(scanned), f"both workers took projects: {scanned}"

    pg_reports = {**reports(tmp_path / "out-a"), **reports(tmp_path / "out-b")}
    assert pg_reports == reports(tmp_path / "out-sqlite")
    leads = [
        name
        for name, alerts in sorted(pg_reports.items())
        if any(a["details"].get("scope") == "cross_project" for a in alerts)
    ]
    assert leads == [f"W-2026-{n:04d}.json" for n in range(2, 6)]  # order-dependent, as in one run
    assert all(pg_reports.values()), "every project has its pair's alerts"
    assert history_dump(pg_dsn) == history_dump(tmp_path / "history.db")

    again = run_nightly(inbox, pg_dsn, tmp_path / "out-again")
    assert again.scanned == () and sorted(again.unchanged) == folders


PAUSING_WORKER = textwrap.dedent(
    """
    import pathlib, sys, time
    from collusion.nightly import run as nightly

    inbox, db, out, marker = sys.argv[1:5]
    calls = []
    original = nightly._scan

    def pausing(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:  # holding the claim on its second project
            pathlib.Path(marker).write_text("x")
            time.sleep(600)
        return original(*args, **kwargs)

    nightly._scan = pausing
    nightly.run_nightly(inbox, db, out)
    """
)


def pausing_worker(inbox: Path, dsn: str, out: Path, marker: Path) -> subprocess.Popen:
    """A worker process that stops, holding its claim, on its second project."""
    args = [sys.executable, "-c", PAUSING_WORKER, str(inbox), dsn, str(out), str(marker)]
    return subprocess.Popen(args, start_new_session=True)


def _wait_for(marker: Path, proc: subprocess.Popen, seconds: float = 180) -> None:
    deadline = time.monotonic() + seconds
    while not marker.exists():
        assert proc.poll() is None, f"the worker ended early with {proc.returncode}"
        assert time.monotonic() < deadline, "the worker never reached its second project"
        time.sleep(0.05)


def test_killed_worker_leaves_its_project_to_the_other(tmp_path, pg_dsn):
    """Worker A dies (SIGKILL) holding a claim; worker B, already running, takes it over."""
    inbox = tmp_path / "inbox"
    folders = ten_projects(inbox)
    store.open_db(pg_dsn).close()
    marker = tmp_path / "paused"
    a = pausing_worker(inbox, pg_dsn, tmp_path / "out-a", marker)
    try:
        _wait_for(marker, a)
        lines: list[str] = []
        result: dict = {}
        b = threading.Thread(
            target=lambda: result.update(
                summary=run_nightly(inbox, pg_dsn, tmp_path / "out-b", log=lines.append)
            )
        )
        b.start()
        # B passes over A's held project, reads the next, and waits for A's
        # before asking the history: A dies meanwhile.
        time.sleep(5)
        assert b.is_alive()
    finally:
        os.killpg(a.pid, signal.SIGKILL)
        a.wait()
    b.join(timeout=300)
    assert not b.is_alive()
    summary = result["summary"]
    db = store.open_db(pg_dsn)
    try:
        by_run = dict(db.execute("SELECT folder, run_id FROM inbox_projects").fetchall())
        statuses = sorted(r[0] for r in db.execute("SELECT status FROM runs").fetchall())
    finally:
        db.close()
    mine = sorted(o.folder for o in summary.scanned)
    theirs = sorted(f for f, run in by_run.items() if run != summary.run_id)
    assert len(theirs) == 1 and theirs[0] not in mine  # A's first project, committed before
    assert sorted(mine + theirs) == folders  # nothing lost, nothing twice
    assert statuses == ["ok", "running"]  # A's run is marked by the next run
    assert any(line.startswith("[taken-over] ") and "接手" in line for line in lines)
    nxt = run_nightly(inbox, pg_dsn, tmp_path / "out-next")
    assert nxt.scanned == () and nxt.interrupted_runs == 1


def test_killed_worker_is_finished_by_the_next_run(tmp_path, pg_dsn):
    """Worker A dies alone mid-run; the next run scans exactly what A left."""
    inbox = tmp_path / "inbox"
    folders = ten_projects(inbox, count=3)
    marker = tmp_path / "paused"
    a = pausing_worker(inbox, pg_dsn, tmp_path / "out-a", marker)
    try:
        _wait_for(marker, a)
    finally:
        os.killpg(a.pid, signal.SIGKILL)
        a.wait()
    nxt = run_nightly(inbox, pg_dsn, tmp_path / "out-next")
    assert [p.folder for p in nxt.scanned] == folders[1:]
    assert nxt.unchanged == (folders[0],) and nxt.interrupted_runs == 1


def test_unreachable_server_is_a_clear_error_and_exit_1(tmp_path):
    from click.testing import CliRunner

    from collusion.cli import main

    inbox = tmp_path / "inbox"
    make_project(inbox, "p01", "W-1", {"b01": honest("甲公司", "00AA0001", 1)})
    dsn = f"postgresql:///nowhere?host={tmp_path}&connect_timeout=2"
    result = CliRunner().invoke(
        main, ["nightly", str(inbox), "--db", dsn, "--out", str(tmp_path / "out")]
    )
    assert result.exit_code == 1
    assert "cannot reach the PostgreSQL history" in result.output
    assert "Traceback" not in result.output


def test_password_on_the_command_line_is_refused(tmp_path):
    from click.testing import CliRunner

    from collusion.cli import main

    pytest.importorskip("psycopg")
    result = CliRunner().invoke(
        main, ["history", "seen", "x", "--db", "postgresql://u:secret@localhost/h"]
    )
    assert result.exit_code == 2
    assert "~/.pgpass" in result.output and "secret" not in result.output
