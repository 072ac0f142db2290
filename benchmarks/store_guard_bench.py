"""What turning the drivers' errors into StoreError costs the history's lookups.

    python benchmarks/store_guard_bench.py                       # 100,000 sections
    python benchmarks/store_guard_bench.py --sections 1000000 --projects 100000

Every statement the store runs goes through ``collusion.store.driver``'s
guarded sqlite3 connection (a Python method around each execute, fetch and
row). This loads one synthetic SQLite history (history_bench.py's loader),
then times the history's lookups on it through the store's own connection
and through a plain ``sqlite3`` connection to the same file, alternating
query by query so both see the same machine load, and prints the medians and
their ratio (guarded / plain): the cost of the guard, measured side by side.
"""

from __future__ import annotations

import argparse
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from sqlite_utils import Database

from collusion import store
from collusion.analysis import minhash

sys.path.insert(0, str(Path(__file__).resolve().parent))
from history_bench import (  # noqa: E402
    RECIPE,
    cap_buckets,
    create_indexes,
    drop_indexes,
    load_sqlite,
    queries,
)


def alternate(calls: list[tuple[Callable[[Database], object], ...]], dbs: tuple) -> tuple:
    """Median seconds per call on each database, the calls alternating between them."""
    times: tuple[list[float], list[float]] = ([], [])
    for n, (call,) in enumerate(calls):
        order = (0, 1) if n % 2 == 0 else (1, 0)
        for which in order:
            start = time.perf_counter()
            call(dbs[which])
            times[which].append(time.perf_counter() - start)
    return statistics.median(times[0]), statistics.median(times[1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sections", type=int, default=100_000)
    parser.add_argument("--projects", type=int, default=10_000)
    parser.add_argument("--queries", type=int, default=400)
    parser.add_argument("--seed", type=int, default=15)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="guard-bench-"))
    try:
        path = work / "history.db"
        db = store.open_db(path)
        drop_indexes(db)
        load_sqlite(db, args.sections, args.projects, args.seed)
        create_indexes(db)
        cap_buckets(db)
        db.conn.execute("ANALYZE")
        asked = queries(db, args.sections, args.queries, args.seed)
        db.close()
        guarded = store.open_db(path)
        plain = Database(sqlite3.connect(str(path)))
        dbs = (guarded, plain)
        print(f"{args.sections:,} sections, {args.projects:,} projects; {args.queries} lookups")
        rows = {
            "candidate query (store.candidate_ids)": [
                (
                    lambda d, s=s: store.candidate_ids(
                        d.conn, minhash.band_keys(s.minhash, RECIPE), "NEW"
                    ),
                )
                for s, _ in asked
            ],
            "whole lookup (History.similar_sections)": [
                (lambda d, s=s: store.History(d).similar_sections(s, RECIPE, "NEW", 0.6),)
                for s, _ in asked
            ],
            "signature value lookup (value_sightings)": [
                (lambda d, n=n: store.History(d).value_sightings("rsid_root", f"{n:016X}", "NEW"),)
                for n in range(args.queries)
            ],
            "every section row read (SELECT * FROM sections)": [
                (lambda d: sum(1 for _ in d.conn.execute("SELECT id, project_id FROM sections")),)
                for _ in range(5)
            ],
        }
        for name, calls in rows.items():
            with_guard, without = alternate(calls, dbs)
            print(
                f"  {name:<48} guarded {with_guard * 1000:8.3f} ms  plain {without * 1000:8.3f} ms"
                f"  ratio {with_guard / without:5.2f}"
            )
        guarded.close()
        plain.close()
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
