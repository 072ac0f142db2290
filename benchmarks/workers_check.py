"""Two nightly workers on PostgreSQL against one SQLite run, over the same inbox.

    python benchmarks/workers_check.py --dsn 'postgresql:///check?host=/tmp/pg'

Generates an inbox of ``--projects`` projects (benchmarks/nightly_bench.py's
generator: real DOCX and PDF bids), runs one ``collusion nightly`` on a
SQLite file, then two ``collusion nightly`` processes at once on the
PostgreSQL database named by --dsn (emptied first), and prints: which worker
scanned which project (each must be scanned exactly once), whether every
report's alerts equal the SQLite run's, and each table's row count on both
backends. Exits 1 when anything differs.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from collusion import store
from collusion.store import pgdb

sys.path.insert(0, str(Path(__file__).resolve().parent))
from nightly_bench import make_inbox  # noqa: E402


def nightly(inbox: Path, db: str, out: Path) -> subprocess.Popen:
    args = [sys.executable, "-m", "collusion", "nightly", str(inbox), "--db", db, "--out", str(out)]
    return subprocess.Popen(args, stdout=subprocess.DEVNULL)


def alerts(out: Path) -> dict[str, list]:
    return {p.name: json.loads(p.read_text("utf-8"))["alerts"] for p in out.glob("*.json")}


def row_counts(target: str | Path) -> dict[str, int]:
    db = store.open_db(target)
    try:
        return {
            t: int(db.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0])
            for t in sorted(set(db.table_names()) - {"_migrations"})
        }
    finally:
        db.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--dsn", required=True, help="PostgreSQL database (emptied first)")
    parser.add_argument("--projects", type=int, default=10)
    parser.add_argument("--bidders", type=int, default=5)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="workers-check-"))
    try:
        inbox = work / "inbox"
        make_inbox(inbox, args.projects, args.bidders)
        lite = work / "history.db"
        assert nightly(inbox, str(lite), work / "out-sqlite").wait() == 0
        db = pgdb.connect(args.dsn)
        tables = db.table_names()
        if tables:
            db.execute(f"DROP TABLE {', '.join(tables)} CASCADE")
        db.close()
        store.open_db(args.dsn).close()
        workers = [nightly(inbox, args.dsn, work / f"out-{w}") for w in ("a", "b")]
        assert [p.wait() for p in workers] == [0, 0]
        scanned = {
            w: [
                o["folder"]
                for o in json.loads((work / f"out-{w}/runs/latest.json").read_text())["scanned"]
            ]
            for w in ("a", "b")
        }
        folders = sorted(scanned["a"] + scanned["b"])
        once = folders == sorted(set(folders)) and len(folders) == args.projects
        print(f"worker a scanned {len(scanned['a'])}: {', '.join(scanned['a'])}")
        print(f"worker b scanned {len(scanned['b'])}: {', '.join(scanned['b'])}")
        print(f"every project scanned exactly once: {once}")
        pg_alerts = {**alerts(work / "out-a"), **alerts(work / "out-b")}
        same_alerts = pg_alerts == alerts(work / "out-sqlite")
        print(
            f"same alerts as the SQLite run in all {len(pg_alerts)} reports: {same_alerts} "
            f"({sum(map(len, pg_alerts.values()))} alerts)"
        )
        lite_rows, pg_rows = row_counts(lite), row_counts(args.dsn)
        print(f"{'table':<20} {'sqlite':>8} {'postgresql':>11}")
        for table in sorted(set(lite_rows) | set(pg_rows)):
            print(f"{table:<20} {lite_rows.get(table, 0):>8} {pg_rows.get(table, 0):>11}")
        runs = {"runs"}  # one SQLite run, two PostgreSQL runs: expected to differ
        same_rows = all(lite_rows[t] == pg_rows.get(t) for t in set(lite_rows) - runs)
        print(f"same row counts (runs aside): {same_rows}")
        return 0 if once and same_alerts and same_rows else 1
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
