"""Benchmark of the history at a province's size, on SQLite and PostgreSQL.

    python benchmarks/history_bench.py --dsn postgresql:///bench?host=/tmp/pg
    python benchmarks/history_bench.py --sections 100000 --projects 10000   # a quick look

In one run, for each backend (SQLite in a temporary file; PostgreSQL in the
database named by --dsn, emptied first):

1. loads ``--sections`` synthetic stored sections (MinHashes of the shipped
   recipe, their LSH band keys; one section in fifty carries one of a few
   boilerplate bands, so full buckets are capped as in real use) and
   ``--projects`` projects' signature values (10 a project), in bulk, then
   builds the indexes the migrations define;
2. times, per new section, the cross-project candidate query
   (``store.candidate_ids``: band keys -> candidate section ids, one indexed
   query) and the whole lookup (``History.similar_sections``: candidates,
   their stored MinHashes loaded and confirmed), each section on a fresh
   History so nothing is cached: median and 99th percentile; half the new
   sections are near-copies of stored ones (estimated Jaccard about 0.8),
   which must be found;
3. times a signature-value lookup (``History.value_sightings``) likewise;
4. on PostgreSQL only: a nightly run of ``--nightly`` new projects
   (benchmarks/nightly_bench.py's generator, real DOCX and PDF bids) with one
   worker, then on a fresh copy with two worker processes at once.

Figures depend on the machine; the README states the ones measured there.
"""

from __future__ import annotations

import argparse
import io
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from datasketch import LeanMinHash

from collusion import store
from collusion.analysis import minhash
from collusion.analysis.text import SHINGLE_HASH_SEED
from collusion.history import SectionPrint
from collusion.store import pgdb

sys.path.insert(0, str(Path(__file__).resolve().parent))
from nightly_bench import make_inbox  # noqa: E402

RECIPE = minhash.recipe(5, SHINGLE_HASH_SEED)
VALUES_PER_PROJECT = 10
SECTIONS_PER_BIDDER = 10
BIDDERS_PER_PROJECT = 10
BOILERPLATE_EVERY = 50  # one section in this many carries a boilerplate band
BOILERPLATE_BANDS = 20  # distinct boilerplate band values
MAX_UINT32 = (1 << 32) - 1


def synthetic_hashvalues(rng: np.random.Generator, count: int) -> np.ndarray:
    """MinHash values of unrelated texts: independent uniform 32-bit values."""
    return rng.integers(0, MAX_UINT32, size=(count, minhash.NUM_PERM), dtype=np.uint64)


def lean(values: np.ndarray) -> LeanMinHash:
    return LeanMinHash(seed=minhash.MINHASH_SEED, hashvalues=values, scheme=minhash.scheme())


def blob_header() -> bytes:
    """The serialized MinHash's bytes before its values (seed, size, scheme), checked.

    Making a LeanMinHash object per section would take most of the load time;
    the bytes are the same.
    """
    values = np.arange(minhash.NUM_PERM, dtype=np.uint64)
    blob = minhash.to_bytes(lean(values))
    header = blob[: len(blob) - 4 * minhash.NUM_PERM]
    assert header + values.astype("<u4").tobytes() == blob
    return header


def section_rows(count: int, seed: int):
    """(section row, band keys) for ``count`` stored sections, in id order."""
    rng = np.random.default_rng(seed)
    boiler = synthetic_hashvalues(rng, BOILERPLATE_BANDS)
    header = blob_header()
    per_project = SECTIONS_PER_BIDDER * BIDDERS_PER_PROJECT
    batch = 10_000
    for start in range(0, count, batch):
        values = synthetic_hashvalues(rng, min(batch, count - start))
        for offset, row in enumerate(values):
            number = start + offset + 1
            if number % BOILERPLATE_EVERY == 0:  # a tender clause many bids carry
                row[: minhash.LSH_ROWS] = boiler[number % BOILERPLATE_BANDS][: minhash.LSH_ROWS]
            project = f"P{(number - 1) // per_project:07d}"
            bidder = f"b{((number - 1) // SECTIONS_PER_BIDDER) % BIDDERS_PER_PROJECT:02d}"
            yield (
                (
                    number,
                    project,
                    bidder,
                    f"bids/{bidder}/技术标.docx",
                    number % 50,
                    f"第{number % 50}章",
                    1,
                    2000,
                    1500,
                    "施工组织设计……",
                    header + row.astype("<u4").tobytes(),
                    RECIPE,
                ),
                minhash.values_band_keys(row, RECIPE),
            )


SECTION_COLUMNS = (
    "id, project_id, bidder_id, file, ordinal, title, first_page, chars, shingles, "
    "excerpt, minhash, minhash_recipe"
)
BAND_INDEXES = {
    "idx_section_bands_lookup": "section_bands(key, project_id, section_id)",
    "idx_section_bands_project": "section_bands(project_id)",
    "idx_sections_project": "sections(project_id)",
    "idx_signature_values_lookup": "signature_values(field, normalized)",
    "idx_signature_values_normalized": "signature_values(normalized)",
    "idx_signature_values_project": "signature_values(project_id)",
}


def value_rows(projects: int, seed: int):
    rng = random.Random(seed)
    for p in range(projects):
        for v in range(VALUES_PER_PROJECT):
            code = f"{rng.getrandbits(64):016X}"
            yield (
                f"P{p:07d}",
                f"b{v:02d}",
                f"bids/b{v:02d}/技术标.docx",
                "docx",
                "rsid_root" if v % 2 else "machine_code",
                code,
                code,
            )


def drop_indexes(db) -> None:
    for name in BAND_INDEXES:
        db.conn.execute(f"DROP INDEX IF EXISTS {name}")


def create_indexes(db) -> None:
    for name, target in BAND_INDEXES.items():
        db.conn.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {target}")


def cap_buckets(db) -> int:
    """What the store does as buckets fill: full ones recorded in common_bands."""
    db.conn.execute(
        "INSERT INTO common_bands (key, sections, capped_at) SELECT key, COUNT(*), 'bench' "
        "FROM section_bands GROUP BY key HAVING COUNT(*) >= ?",
        (store.BAND_BUCKET_CAP,),
    )
    return int(db.conn.execute("SELECT COUNT(*) FROM common_bands").fetchone()[0])


def load_sqlite(db, sections: int, projects: int, seed: int) -> None:
    conn = db.conn
    conn.execute("PRAGMA synchronous=OFF")
    conn.execute("BEGIN")
    _load_projects(conn.executemany, projects)
    rows, bands = [], []
    for row, keys in section_rows(sections, seed):
        rows.append(row)
        bands += [(k, row[0], row[1]) for k in keys]
        if len(rows) >= 20_000:
            conn.executemany(
                f"INSERT INTO sections ({SECTION_COLUMNS}) VALUES ({', '.join('?' * 12)})", rows
            )
            conn.executemany(
                "INSERT INTO section_bands (key, section_id, project_id) VALUES (?, ?, ?)", bands
            )
            rows, bands = [], []
    conn.executemany(
        f"INSERT INTO sections ({SECTION_COLUMNS}) VALUES ({', '.join('?' * 12)})", rows
    )
    conn.executemany(
        "INSERT INTO section_bands (key, section_id, project_id) VALUES (?, ?, ?)", bands
    )
    conn.executemany(
        "INSERT INTO signature_values (project_id, bidder_id, file, source, field, value, "
        "normalized) VALUES (?, ?, ?, ?, ?, ?, ?)",
        value_rows(projects, seed),
    )
    conn.execute("COMMIT")


def _load_projects(executemany, projects: int) -> None:
    executemany(
        "INSERT INTO projects (id, name) VALUES (?, ?)",
        [(f"P{p:07d}", f"第{p}号工程") for p in range(projects)],
    )
    executemany(
        "INSERT INTO bidders (project_id, id, name) VALUES (?, ?, ?)",
        [
            (f"P{p:07d}", f"b{b:02d}", f"第{p}号第{b}建设有限公司")
            for p in range(projects)
            for b in range(BIDDERS_PER_PROJECT)
        ],
    )


def load_postgresql(db, sections: int, projects: int, seed: int) -> None:
    raw = db.conn.raw
    with raw.transaction():
        cur = raw.cursor()
        with cur.copy("COPY projects (id, name) FROM STDIN") as copy:
            for p in range(projects):
                copy.write_row((f"P{p:07d}", f"第{p}号工程"))
        with cur.copy("COPY bidders (project_id, id, name) FROM STDIN") as copy:
            for p in range(projects):
                for b in range(BIDDERS_PER_PROJECT):
                    copy.write_row((f"P{p:07d}", f"b{b:02d}", f"第{p}号第{b}建设有限公司"))
        bands = io.StringIO()
        with cur.copy(f"COPY sections ({SECTION_COLUMNS}) FROM STDIN") as copy:
            for row, keys in section_rows(sections, seed):
                copy.write_row(row)
                bands.writelines(f"{k}\t{row[0]}\t{row[1]}\n" for k in keys)
        bands.seek(0)
        with cur.copy("COPY section_bands (key, section_id, project_id) FROM STDIN") as copy:
            while chunk := bands.read(1 << 20):
                copy.write(chunk)
        with cur.copy(
            "COPY signature_values (project_id, bidder_id, file, source, field, "
            "value, normalized) FROM STDIN"
        ) as copy:
            for row in value_rows(projects, seed):
                copy.write_row(row)
        cur.execute("SELECT setval(pg_get_serial_sequence('sections', 'id'), %s)", (sections,))
    raw.execute("SET maintenance_work_mem = '512MB'")


def queries(db, sections: int, count: int, seed: int) -> list[tuple[SectionPrint, int | None]]:
    """New sections: half near-copies of stored ones (id returned), half unrelated."""
    rng = np.random.default_rng(seed + 1)
    found = []
    for n in range(count):
        if n % 2 == 0:
            target = int(rng.integers(1, sections + 1))
            blob = db.conn.execute(
                "SELECT minhash FROM sections WHERE id = ?", (target,)
            ).fetchone()[0]
            values = np.array(minhash.from_bytes(bytes(blob)).hashvalues, dtype=np.uint64)
            changed = rng.random(minhash.NUM_PERM) < 0.2  # estimated Jaccard about 0.8
            values[changed] = rng.integers(0, MAX_UINT32, size=int(changed.sum()))
            found.append((SectionPrint(lean(values), 1500, 2000), target))
        else:
            found.append((SectionPrint(lean(synthetic_hashvalues(rng, 1)[0]), 1500, 2000), None))
    return found


def percentiles(samples: list[float]) -> str:
    ms = sorted(s * 1000 for s in samples)
    p99 = ms[min(len(ms) - 1, int(round(0.99 * (len(ms) - 1))))]
    return f"median {statistics.median(ms):7.2f} ms   p99 {p99:7.2f} ms"


def time_lookups(db, sections: int, count: int, seed: int) -> None:
    asked = queries(db, sections, count, seed)
    candidate, whole, hits = [], [], 0
    for section, target in asked:
        keys = minhash.band_keys(section.minhash, RECIPE)
        start = time.perf_counter()
        store.candidate_ids(db.conn, keys, "NEW")
        candidate.append(time.perf_counter() - start)
        start = time.perf_counter()
        matches = store.History(db).similar_sections(section, RECIPE, "NEW", 0.6)
        whole.append(time.perf_counter() - start)
        if target is not None:
            project = f"P{(target - 1) // (SECTIONS_PER_BIDDER * BIDDERS_PER_PROJECT):07d}"
            hits += any(m.project_id == project for m in matches)
    print(f"  candidate query per new section ({count}):  {percentiles(candidate)}")
    print(f"  whole lookup (query, load, confirm):       {percentiles(whole)}")
    print(f"  near-copies found: {hits}/{count // 2 + count % 2}")
    values = [f"{random.Random(seed).getrandbits(64):016X}", "0000000000000000"]
    timings = []
    history = store.History(db)
    for n in range(count):
        start = time.perf_counter()
        history.value_sightings("rsid_root", values[n % 2], "NEW")
        timings.append(time.perf_counter() - start)
    print(f"  signature value lookup:                    {percentiles(timings)}")


def bench_backend(name: str, target, args) -> None:
    db = store.open_db(target)
    try:
        drop_indexes(db)
        start = time.perf_counter()
        loader = load_postgresql if name == "postgresql" else load_sqlite
        loader(db, args.sections, args.projects, args.seed)
        loaded = time.perf_counter() - start
        start = time.perf_counter()
        create_indexes(db)
        capped = cap_buckets(db)
        db.conn.execute("ANALYZE")
        indexed = time.perf_counter() - start
        bands = db.conn.execute("SELECT COUNT(*) FROM section_bands").fetchone()[0]
        print(
            f"{name}: {args.sections:,} sections ({bands:,} band rows, {capped} full buckets "
            f"capped), {args.projects * VALUES_PER_PROJECT:,} signature values of "
            f"{args.projects:,} projects; load {loaded:.0f} s, indexes {indexed:.0f} s"
        )
        time_lookups(db, args.sections, args.queries, args.seed)
    finally:
        db.close()


def reset_postgresql(dsn: str) -> None:
    db = pgdb.connect(dsn)
    try:
        tables = db.table_names()
        if tables:
            db.conn.execute(f"DROP TABLE {', '.join(tables)} CASCADE")
    finally:
        db.close()


def nightly_workers(dsn: str, projects: int, work: Path) -> None:
    inbox = work / "inbox"
    files = make_inbox(inbox, projects, bidders=5)
    for workers in (1, 2):
        reset_postgresql(dsn)
        store.open_db(dsn).close()
        start = time.perf_counter()
        procs = [
            subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "collusion",
                    "nightly",
                    str(inbox),
                    "--db",
                    dsn,
                    "--out",
                    str(work / f"out-{workers}-{w}"),
                ],
                stdout=subprocess.DEVNULL,
            )
            for w in range(workers)
        ]
        codes = [p.wait() for p in procs]
        elapsed = time.perf_counter() - start
        db = store.open_db(dsn)
        recorded = db.conn.execute("SELECT COUNT(*) FROM projects").fetchone()[0]
        db.close()
        print(
            f"  nightly of {projects} new projects ({files} bid files), {workers} worker(s): "
            f"{elapsed:.1f} s, exit {codes}, {recorded} projects recorded"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sections", type=int, default=1_000_000)
    parser.add_argument("--projects", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=400)
    parser.add_argument("--nightly", type=int, default=20)
    parser.add_argument("--seed", type=int, default=15)
    parser.add_argument(
        "--dsn",
        default=os.environ.get("COLLUSION_BENCH_PG"),
        help="PostgreSQL database to use (emptied first)",
    )
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument(
        "--nightly-only",
        action="store_true",
        help="only the PostgreSQL nightly of --nightly new projects",
    )
    args = parser.parse_args()
    print(f"seed {args.seed}; {os.cpu_count()} cores; bucket cap {store.BAND_BUCKET_CAP}")
    work = Path(tempfile.mkdtemp(prefix="history-bench-"))
    try:
        if args.nightly_only:
            nightly_workers(args.dsn, args.nightly, work)
            return
        if args.backend in ("sqlite", "both"):
            bench_backend("sqlite", work / "history.db", args)
            size = (work / "history.db").stat().st_size
            print(f"  SQLite file: {size / 1e9:.2f} GB")
        if args.backend in ("postgresql", "both"):
            if not args.dsn:
                sys.exit("--dsn (or $COLLUSION_BENCH_PG) is needed for PostgreSQL")
            reset_postgresql(args.dsn)
            bench_backend("postgresql", args.dsn, args)
            if args.nightly:
                nightly_workers(args.dsn, args.nightly, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
