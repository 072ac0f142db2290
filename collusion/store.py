"""The history database: every scanned project's bidders, files, signature
values, section MinHashes and alerts, in SQLite through sqlite-utils or in
PostgreSQL through psycopg 3 (``collusion.pgdb``).

Where the database lives (first that applies):

1. the path or ``postgresql://`` connection string given by the caller
   (``collusion scan --db``);
2. ``$COLLUSION_DB`` (a path or a connection string);
3. ``$COLLUSION_HOME/history.db``;
4. ``$XDG_DATA_HOME/collusion/history.db``, else
   ``~/.local/share/collusion/history.db``.

One SQL layer serves both backends: the queries below are written in the
SQL both accept, the migrations map SQLite's types to PostgreSQL's, and the
few places that must differ (section ids from a sequence, advisory locks)
ask :func:`dialect`.

The file holds confidential bid data, so it is created readable by its owner
only (0600) inside a folder created 0700.

Writes go through plain ``executemany`` inside one explicit transaction per
project (:func:`transaction`), never through sqlite-utils' own insert helpers:
those commit on their own in some sqlite-utils versions, which would split a
project's rows across commits and let a killed run leave half a project.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sqlite3
import stat
import unicodedata
import uuid
import zlib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from datasketch import LeanMinHash
from sqlite_utils import Database

from collusion import minhash, pgdb
from collusion.errors import StoreError
from collusion.history import (
    SectionMatch,
    SectionPrint,
    Sighting,
    TextFingerprints,
    company_key,
)
from collusion.migrations import dialect_of, migrate

DB_ENV = "COLLUSION_DB"
HOME_ENV = "COLLUSION_HOME"
DB_FILENAME = "history.db"

# A shingle in the tender or common text of this many OTHER projects is
# city-wide boilerplate (History.text_shingles).
TEXT_COMMON_PROJECTS = 3
SQL_CHUNK = 900  # host parameters per IN (...) query, well under SQLite's limit
# An LSH bucket (band key) holding this many sections is boilerplate or tender
# text many bids carry: no more sections are added to it, it is recorded in
# common_bands, and lookups skip it. A ring's copied plan sits in a handful of
# sections; a bucket this full would only return sections the cross-project
# detector drops as common (common_companies).
BAND_BUCKET_CAP = 100
EXCERPT_CHARS = 80


# ---------------------------------------------------------------------------
# Location and opening
# ---------------------------------------------------------------------------


def state_dir() -> Path:
    """The folder that holds collusion's state (``$COLLUSION_HOME`` wins)."""
    home = os.environ.get(HOME_ENV)
    if home:
        return Path(home).expanduser()
    data_home = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(data_home).expanduser() / "collusion"


def default_db_path() -> Path:
    """The database used when no path is given (``$COLLUSION_DB`` wins)."""
    explicit = os.environ.get(DB_ENV)
    if explicit:
        return Path(explicit).expanduser()
    return state_dir() / DB_FILENAME


def resolve_db_path(path: str | os.PathLike[str] | None = None) -> Path:
    """The caller's path when given, else the default location (SQLite only)."""
    return Path(path).expanduser() if path else default_db_path()


DbTarget = str | os.PathLike[str] | None


def resolve_db(target: DbTarget = None) -> Path | str:
    """The history the caller names: a SQLite path, or a PostgreSQL connection string.

    ``target`` wins, then ``$COLLUSION_DB``, then the default SQLite file.
    """
    for candidate in (target, os.environ.get(DB_ENV)):
        if pgdb.is_dsn(candidate):
            return str(candidate).strip()
        if candidate:
            return Path(candidate).expanduser()
    return default_db_path()


def describe(target: Path | str) -> str:
    """The history for messages: a path, or a connection string without password."""
    return pgdb.safe_dsn(target) if isinstance(target, str) else str(target)


def dialect(db: Database) -> str:
    """ "sqlite" or "postgresql"."""
    return dialect_of(db)


def open_db(path: DbTarget = None) -> Database:
    """Open and migrate the history database.

    Args:
        path: a SQLite file (created 0600 if needed) or a ``postgresql://``
            connection string; None for the default (see :func:`resolve_db`:
            ``$COLLUSION_DB``, else ``$COLLUSION_HOME/history.db``, else
            ``~/.local/share/collusion/history.db``).

    Returns:
        A ``sqlite_utils.Database`` or a ``collusion.pgdb.PgDatabase``, migrated
        to the current schema, which the functions of this module take alike.
        Close it with ``db.close()``.

    Raises:
        StoreError: the database cannot be reached or opened, or was made by
            a newer collusion. An existing SQLite file is checked before
            anything changes it: a file that is not a SQLite database is
            refused untouched (mode, content, size).
    """
    target = resolve_db(path)
    if isinstance(target, str):
        return _open_pg(target)
    db_path = target
    created = _create_private(db_path)
    try:
        if not created:
            _check_existing(db_path)
        conn = sqlite3.connect(str(db_path), timeout=30)
        try:
            # Reads the schema: a damaged first page fails here, before any write.
            conn.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()
            # WAL lets Datasette and `collusion history` read while a nightly
            # run writes; synchronous=NORMAL is still crash-safe in WAL mode.
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            db = Database(conn)
            migrate(db)
        except BaseException:
            conn.close()
            raise
    except sqlite3.DatabaseError as exc:
        raise StoreError(f"cannot use the history database {db_path}: {exc}") from exc
    if not created:
        _make_private(db_path)
    return db


def _open_pg(dsn: str) -> Any:
    db = pgdb.connect(dsn)
    try:
        migrate(db)
    except pgdb.database_errors() as exc:
        db.close()
        raise StoreError(f"cannot use the history database {pgdb.safe_dsn(dsn)}: {exc}") from exc
    except BaseException:
        db.close()
        raise
    return db


SQLITE_HEADER = b"SQLite format 3\x00"


def _check_existing(db_path: Path) -> None:
    """Refuse, without changing it, a path that is not a SQLite database file."""
    try:
        info = db_path.stat()
        if not stat.S_ISREG(info.st_mode):
            raise StoreError(f"the history database {db_path} is not a regular file")
        if info.st_size == 0:
            return  # an empty file becomes a database
        with open(db_path, "rb") as handle:
            header = handle.read(len(SQLITE_HEADER))
    except OSError as exc:
        raise StoreError(f"cannot read the history database {db_path}: {exc}") from exc
    if header != SQLITE_HEADER:
        raise StoreError(f"{db_path} is not a SQLite database; not using it as the history")


def _create_private(db_path: Path) -> bool:
    """Create the database file (and its folder) readable by the owner only.

    Returns whether the file was created; an existing file is left as it is.
    """
    try:
        if not db_path.parent.exists():
            db_path.parent.mkdir(parents=True, mode=0o700)
        fd = os.open(db_path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return False
    except OSError as exc:
        raise StoreError(f"cannot create the history database {db_path}: {exc}") from exc
    try:
        # os.open's mode is filtered by the umask. SQLite gives its -wal and
        # -shm files the database file's permissions.
        os.fchmod(fd, 0o600)
    finally:
        os.close(fd)
    return True


def _make_private(db_path: Path) -> None:
    """Owner-only access for an existing database, once it proved to be one."""
    try:
        if stat.S_IMODE(db_path.stat().st_mode) != 0o600:
            os.chmod(db_path, 0o600)
    except OSError as exc:
        raise StoreError(f"cannot make the history database {db_path} private: {exc}") from exc


@contextmanager
def transaction(db: Database) -> Iterator[Database]:
    """One transaction; nested use becomes a savepoint inside the outer one."""
    conn = db.conn
    if conn.in_transaction:
        name = f"sp_{uuid.uuid4().hex}"
        conn.execute(f"SAVEPOINT {name}")
        try:
            yield db
        except BaseException:
            conn.execute(f"ROLLBACK TO SAVEPOINT {name}")
            conn.execute(f"RELEASE SAVEPOINT {name}")
            raise
        conn.execute(f"RELEASE SAVEPOINT {name}")
        return
    # IMMEDIATE takes the write lock now, so a concurrent writer waits here
    # rather than failing half-way through the project.
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield db
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def utc_now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


# ---------------------------------------------------------------------------
# Runs
# ---------------------------------------------------------------------------


def new_run_id() -> str:
    """A sortable, unique run id: UTC time then random hex."""
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    return f"{stamp}-{uuid.uuid4().hex[:8]}"


def run_lock_key(run_id: str) -> int:
    """The PostgreSQL advisory lock a live run holds for as long as its session lives."""
    return pgdb.lock_key(f"collusion-run:{run_id}")


def start_run(db: Database, kind: str, inbox: str | None = None) -> str:
    """Record a run as started and return its id (committed at once).

    On PostgreSQL the run's session holds an advisory lock named after the
    run, so other workers can tell a live run from one whose process died
    (:func:`mark_stale_runs`).
    """
    run_id = new_run_id()
    if dialect(db) == "postgresql":
        db.conn.execute("SELECT pg_advisory_lock(?)", (run_lock_key(run_id),))
    with transaction(db):
        db.conn.execute(
            "INSERT INTO runs (id, kind, started_at, status, inbox) VALUES (?, ?, ?, ?, ?)",
            (run_id, kind, utc_now(), "running", inbox),
        )
    return run_id


def finish_run(db: Database, run_id: str, status: str, **counts: Any) -> None:
    """Record a run's end, its status and counts (projects_scanned=..., ...)."""
    allowed = {
        "projects_found",
        "projects_scanned",
        "projects_unchanged",
        "projects_failed",
        "files_scanned",
        "alerts",
        "error",
    }
    unknown = set(counts) - allowed
    if unknown:
        raise ValueError(f"unknown run counts: {sorted(unknown)}")
    columns = ["finished_at", "status", *sorted(counts)]
    values = [utc_now(), status, *(counts[k] for k in sorted(counts))]
    assignments = ", ".join(f"{c} = ?" for c in columns)
    with transaction(db):
        db.conn.execute(f"UPDATE runs SET {assignments} WHERE id = ?", (*values, run_id))


def mark_stale_runs(db: Database) -> int:
    """Mark runs still 'running' whose process died as 'interrupted'.

    SQLite: call only while holding the nightly lock (every 'running' run is
    then dead). PostgreSQL: a run is dead when nobody holds its advisory lock
    (the database released it when the run's session ended).
    """
    if dialect(db) == "postgresql":
        return _mark_dead_pg_runs(db)
    with transaction(db):
        cursor = db.conn.execute("UPDATE runs SET status = 'interrupted' WHERE status = 'running'")
    return cursor.rowcount


def _mark_dead_pg_runs(db: Database) -> int:
    running = [r[0] for r in db.conn.execute("SELECT id FROM runs WHERE status = 'running'")]
    dead = 0
    for run_id in running:
        key = run_lock_key(run_id)
        (free,) = db.conn.execute("SELECT pg_try_advisory_lock(?)", (key,)).fetchone()
        if not free:
            continue  # its session lives (or this session holds it: our own run)
        try:
            cursor = db.conn.execute(
                "UPDATE runs SET status = 'interrupted' WHERE id = ? AND status = 'running'",
                (run_id,),
            )
            dead += cursor.rowcount
        finally:
            db.conn.execute("SELECT pg_advisory_unlock(?)", (key,))
    return dead


# ---------------------------------------------------------------------------
# Claims: several nightly workers on one PostgreSQL history
# ---------------------------------------------------------------------------

CLAIM_MINE = "mine"  # this worker holds the claim and the folder still needs a scan
CLAIM_DONE = "done"  # claimed, but another worker committed this manifest meanwhile
CLAIM_HELD = "held"  # another live worker holds it (only when not waiting)
CLAIM_FREE = "free"  # nobody holds it and it is not recorded (claim_state)


def _claim_key(folder: str) -> int:
    return pgdb.lock_key(f"collusion-nightly:{folder}")


@contextmanager
def claim_project(
    db: Database, folder: str, manifest_hash: str, *, wait: bool = False
) -> Iterator[str]:
    """Claim an inbox folder for this worker while the block runs.

    PostgreSQL: a session advisory lock named after the folder. The database
    releases it when the block ends or when the worker's session ends, a
    SIGKILLed worker's too, so a claim never outlives its holder. Once held,
    the folder's manifest is read again: a worker that committed it in the
    meantime makes this claim CLAIM_DONE, so no folder is scanned twice.
    ``wait`` blocks until the holder lets go instead of answering CLAIM_HELD.
    SQLite: the nightly file lock already makes the run the only one (CLAIM_MINE).
    """
    if dialect(db) != "postgresql":
        yield CLAIM_MINE
        return
    key = _claim_key(folder)
    if wait:
        db.conn.execute("SELECT pg_advisory_lock(?)", (key,))
    else:
        (got,) = db.conn.execute("SELECT pg_try_advisory_lock(?)", (key,)).fetchone()
        if not got:
            yield CLAIM_HELD
            return
    try:
        row = db.conn.execute(
            "SELECT manifest_hash FROM inbox_projects WHERE folder = ?", (folder,)
        ).fetchone()
        yield CLAIM_DONE if row is not None and row[0] == manifest_hash else CLAIM_MINE
    finally:
        # A lost connection has released the lock already.
        with suppress(*pgdb.database_errors()):
            db.conn.execute("SELECT pg_advisory_unlock(?)", (key,))


def claim_state(db: Database, folder: str, manifest_hash: str) -> str:
    """Where a folder claimed earlier in this run stands, for a worker waiting on it.

    CLAIM_DONE: its manifest is committed (scanned, or recorded as failed).
    CLAIM_HELD: a live worker holds its claim. CLAIM_FREE: nobody holds it and
    it is not recorded (its holder died, or failed it without a record).
    """
    row = db.conn.execute(
        "SELECT manifest_hash FROM inbox_projects WHERE folder = ?", (folder,)
    ).fetchone()
    if row is not None and row[0] == manifest_hash:
        return CLAIM_DONE
    key = _claim_key(folder)
    (free,) = db.conn.execute("SELECT pg_try_advisory_lock(?)", (key,)).fetchone()
    if not free:
        return CLAIM_HELD
    db.conn.execute("SELECT pg_advisory_unlock(?)", (key,))
    return CLAIM_FREE


# ---------------------------------------------------------------------------
# Recording a scan
# ---------------------------------------------------------------------------

PROJECT_TABLES = (
    "bidders",
    "files",
    "signature_values",
    "section_bands",
    "sections",
    "alerts",
    "pairs",
)
# Primary keys of the tables rows are upserted into (INSERT ... ON CONFLICT,
# which SQLite and PostgreSQL both accept).
UPSERT_KEYS = {
    "projects": ("id",),
    "file_failures": ("sha256",),
    "project_shingles": ("project_id",),
    "inbox_projects": ("folder",),
}


@dataclass(frozen=True)
class RecordedCounts:
    """What one record_scan call wrote."""

    project_id: str
    bidders: int
    files: int
    signature_values: int
    sections: int
    alerts: int
    flagged_pairs: int


def record_scan(db: Database, scan_result: Any, run_id: str | None = None) -> RecordedCounts:
    """Store one project's scan in ONE transaction, replacing its earlier rows.

    ``scan_result`` is a ``collusion.scan.ScanResult`` (``.report``,
    ``.context``, ``.fingerprints``): the section MinHashes and common text
    are written as the text engine computed them, never recomputed here.
    Raises StoreError when the result carries no fingerprints. Without ``run_id`` the call is recorded as a run of its
    own (kind "scan", as ``collusion scan --db`` does). Called inside an open
    :func:`transaction` it joins it, so a caller can commit more rows (the
    nightly manifest) atomically with it.
    """
    if run_id is None:
        return _record_as_own_run(db, scan_result)
    report: dict[str, Any] = scan_result.report
    ctx = scan_result.context
    project_id = str(report.get("project", {}).get("id") or ctx.project.id)
    text: TextFingerprints | None = getattr(scan_result, "fingerprints", None)
    if text is None:
        raise StoreError(
            f"the scan of {project_id} carries no text fingerprints "
            "(a collusion.scan.ScanResult carries them)"
        )
    rows = _scan_rows(report, ctx, project_id, text)
    with transaction(db):
        conn = db.conn
        for table in PROJECT_TABLES:
            conn.execute(f"DELETE FROM {table} WHERE project_id = ?", (project_id,))
        _number_sections(db, rows)
        _insert_project(conn, report, ctx, project_id, run_id, rows)
        for table, table_rows in rows.items():
            _insert_many(conn, table, table_rows)
        _insert_file_failures(conn, rows["files"], run_id)
        _replace_project_shingles(conn, project_id, text.common_recipe, text.common)
    return RecordedCounts(
        project_id=project_id,
        bidders=len(rows["bidders"]),
        files=len(rows["files"]),
        signature_values=len(rows["signature_values"]),
        sections=len(rows["sections"]),
        alerts=len(rows["alerts"]),
        flagged_pairs=sum(1 for p in rows["pairs"] if p["flagged"]),
    )


def _record_as_own_run(db: Database, scan_result: Any) -> RecordedCounts:
    run_id = start_run(db, "scan", inbox=str(scan_result.context.project.root))
    try:
        counts = record_scan(db, scan_result, run_id)
    except BaseException as exc:
        finish_run(db, run_id, "failed", error=f"{type(exc).__name__}: {exc}")
        raise
    finish_run(
        db,
        run_id,
        "ok",
        projects_found=1,
        projects_scanned=1,
        files_scanned=counts.files,
        alerts=counts.alerts,
    )
    return counts


def _scan_rows(
    report: dict[str, Any], ctx: Any, project_id: str, text: TextFingerprints
) -> dict[str, list[dict]]:
    """Every row of the project, built before the transaction opens."""
    return {
        "bidders": _bidder_rows(ctx, project_id),
        "files": _file_rows(ctx, project_id),
        "signature_values": _signature_rows(ctx, project_id),
        "sections": _section_rows(ctx, project_id, text),
        "section_bands": [],  # filled by _number_sections once ids are known
        "alerts": _alert_rows(report, project_id),
        "pairs": _pair_rows(report, project_id),
    }


def _insert_project(
    conn: Any,
    report: dict[str, Any],
    ctx: Any,
    project_id: str,
    run_id: str,
    rows: dict[str, list[dict]],
) -> None:
    project = report.get("project") or {}
    summary = report.get("summary")
    if summary is not None and not isinstance(summary, str):
        summary = json.dumps(summary, ensure_ascii=False, sort_keys=True)
    row = {
        "id": project_id,
        "name": project.get("name", ctx.project.name),
        "industry": project.get("industry", ctx.project.industry),
        "root": str(ctx.project.root),
        "run_id": run_id,
        "scanned_at": utc_now(),
        "bidder_count": len(rows["bidders"]),
        "file_count": sum(1 for f in rows["files"] if f["bidder_id"] is not None),
        "alert_count": len(rows["alerts"]),
        "flagged_pairs": sum(1 for p in rows["pairs"] if p["flagged"]),
        "summary": summary,
    }
    _insert_many(conn, "projects", [row], replace=True)


def _insert_many(conn: Any, table: str, rows: list[dict], *, replace: bool = False) -> None:
    """Insert rows; ``replace`` upserts them on the table's primary key (UPSERT_KEYS)."""
    if not rows:
        return
    columns = list(rows[0])
    sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' for _ in columns)})"
    if replace:
        keys = UPSERT_KEYS[table]
        updates = ", ".join(f"{c} = excluded.{c}" for c in columns if c not in keys)
        sql += f" ON CONFLICT ({', '.join(keys)}) DO UPDATE SET {updates}"
    conn.executemany(sql, [tuple(r[c] for c in columns) for r in rows])


def upsert(conn: Any, table: str, row: dict) -> None:
    """Insert one row or replace the one with its primary key (UPSERT_KEYS)."""
    _insert_many(conn, table, [row], replace=True)


def _bidder_rows(ctx: Any, project_id: str) -> list[dict]:
    return [
        {"project_id": project_id, "id": b.id, "name": b.name, "price": b.price}
        for b in sorted(ctx.bidders, key=lambda b: b.id)
    ]


def _file_rows(ctx: Any, project_id: str) -> list[dict]:
    owned = [(None, f) for f in ctx.tender_files]
    owned += [(b.id, f) for b in ctx.bidders for f in b.files]
    rows = {}
    for bidder_id, f in owned:
        rows[f.path] = {
            "project_id": project_id,
            "path": f.path,
            "bidder_id": bidder_id,
            "sha256": f.sha256,
            "format": f.format,
            "pages": f.pages,
            "chars": f.chars,
            "status": f.status,
            "error": f.error,
        }
    return [rows[k] for k in sorted(rows)]


def _signature_rows(ctx: Any, project_id: str) -> list[dict]:
    """Bidder values (files and signatures.csv) and the tender's own values."""
    found: set[tuple] = set()
    for f in ctx.tender_files:
        found.update((None, f.path, s.source, s.field, s.value, s.normalized) for s in f.signatures)
    for bidder in ctx.bidders:
        for f in bidder.files:
            found.update(
                (bidder.id, f.path, s.source, s.field, s.value, s.normalized) for s in f.signatures
            )
    found.update(
        (s.bidder, s.file, s.source, s.field, s.value, s.normalized)
        for s in ctx.project.csv_signatures
    )
    keys = ("bidder_id", "file", "source", "field", "value", "normalized")
    ordered = sorted(found, key=lambda t: tuple("" if v is None else str(v) for v in t))
    return [
        {"project_id": project_id, **dict(zip(keys, t, strict=True))}
        for t in ordered
        if t[5] not in (None, "")
    ]


def _section_rows(ctx: Any, project_id: str, text: TextFingerprints) -> list[dict]:
    recipe, prints = text.minhash_recipe, text.prints
    owned = [(None, s) for s in ctx.tender_sections]
    owned += [(bidder_id, s) for bidder_id in sorted(ctx.sections) for s in ctx.sections[bidder_id]]
    rows = []
    for bidder_id, section in owned:
        found = prints.get((bidder_id, section.file, section.ordinal))
        mh = found.minhash if found else None
        rows.append(
            {
                "id": None,
                "project_id": project_id,
                "bidder_id": bidder_id,
                "file": section.file,
                "ordinal": section.ordinal,
                "title": section.title,
                "first_page": section.first_page,
                "chars": found.chars if found else None,
                "shingles": found.shingles if found else None,
                "excerpt": " ".join(section.text.split())[:EXCERPT_CHARS] or None,
                "minhash": minhash.to_bytes(mh) if mh is not None else None,
                "minhash_recipe": recipe if mh is not None else None,
            }
        )
    return rows


def _number_sections(db: Database, rows: dict[str, list[dict]]) -> None:
    """Give the new sections ids and build their band rows (inside the transaction).

    SQLite: ids follow the highest one in use; the write lock the transaction
    holds means no other writer can take the same ids. PostgreSQL: ids come
    from the column's sequence, which concurrent workers share safely.
    Bands in a bucket already holding BAND_BUCKET_CAP sections are not added;
    the bucket is recorded in ``common_bands``.
    """
    ids = _new_section_ids(db, len(rows["sections"]))
    wanted: dict[int, list[tuple[int, str]]] = {}
    for number, row in zip(ids, rows["sections"], strict=True):
        row["id"] = number
        if row["minhash"] is not None:
            for key in minhash.blob_band_keys(row["minhash"], row["minhash_recipe"]):
                wanted.setdefault(key, []).append((number, row["project_id"]))
    full = _full_buckets(db.conn, sorted(wanted))
    rows["section_bands"] = [
        {"key": key, "section_id": number, "project_id": project_id}
        for key in sorted(wanted)
        if key not in full
        for number, project_id in wanted[key]
    ]


def _new_section_ids(db: Database, count: int) -> list[int]:
    if count == 0:
        return []
    if dialect(db) == "postgresql":
        rows = db.conn.execute(
            "SELECT nextval(pg_get_serial_sequence('sections', 'id')) FROM generate_series(1, ?)",
            (count,),
        ).fetchall()
        return sorted(int(r[0]) for r in rows)
    (top,) = db.conn.execute("SELECT COALESCE(MAX(id), 0) FROM sections").fetchone()
    return list(range(top + 1, top + 1 + count))


def _full_buckets(conn: Any, keys: list[int]) -> set[int]:
    """The keys whose bucket is full (recorded now if it just filled up)."""
    full: set[int] = set()
    for start in range(0, len(keys), SQL_CHUNK):
        chunk = keys[start : start + SQL_CHUNK]
        marks = ", ".join("?" for _ in chunk)
        full.update(
            r[0]
            for r in conn.execute(f"SELECT key FROM common_bands WHERE key IN ({marks})", chunk)
        )
        filling = conn.execute(
            f"SELECT key, COUNT(*) FROM section_bands WHERE key IN ({marks}) "
            "GROUP BY key HAVING COUNT(*) >= ?",
            (*chunk, BAND_BUCKET_CAP),
        ).fetchall()
        fresh = [(int(k), int(n), utc_now()) for k, n in filling if k not in full]
        conn.executemany(
            "INSERT INTO common_bands (key, sections, capped_at) VALUES (?, ?, ?) "
            "ON CONFLICT (key) DO NOTHING",
            fresh,
        )
        full.update(k for k, _, _ in fresh)
    return full


def _replace_project_shingles(conn: Any, project_id: str, recipe: str, new: np.ndarray) -> None:
    """Move the per-shingle project counts from the project's old set to its new one.

    One pass in hash order: concurrent PostgreSQL workers lock the shared
    count rows in the same order, so they wait for each other, never deadlock.
    """
    row = conn.execute(
        "SELECT shingles FROM project_shingles WHERE project_id = ?", (project_id,)
    ).fetchone()
    old = _unpack_hashes(row[0]) if row else np.array([], dtype="<u4")
    removed = np.setdiff1d(old, new, assume_unique=True)
    added = np.setdiff1d(new, old, assume_unique=True)
    changes = sorted([(int(h), -1) for h in removed] + [(int(h), 1) for h in added])
    conn.executemany(
        "INSERT INTO shingle_projects (hash, projects) VALUES (?, ?) "
        "ON CONFLICT (hash) DO UPDATE SET projects = shingle_projects.projects + excluded.projects",
        changes,
    )
    conn.executemany(
        "DELETE FROM shingle_projects WHERE hash = ? AND projects <= 0",
        [(int(h),) for h in removed],
    )
    upsert(
        conn,
        "project_shingles",
        {
            "project_id": project_id,
            "recipe": recipe,
            "count": len(new),
            "shingles": zlib.compress(new.astype("<u4").tobytes()),
        },
    )


def _unpack_hashes(blob: bytes) -> np.ndarray:
    return np.frombuffer(zlib.decompress(blob), dtype="<u4")


def _alert_rows(report: dict[str, Any], project_id: str) -> list[dict]:
    def dumps(value: Any) -> str:
        return json.dumps(value, ensure_ascii=False, sort_keys=True)

    return [
        {
            "project_id": project_id,
            "id": a["id"],
            "kind": a["kind"],
            "severity": a.get("severity"),
            "score": a.get("score"),
            "bidders": dumps(a.get("bidders", [])),
            "basis": a.get("basis"),
            "summary": a.get("summary"),
            "details": dumps(a.get("details", {})),
            "evidence": dumps(a.get("evidence", [])),
        }
        for a in report.get("alerts", [])
    ]


def _pair_rows(report: dict[str, Any], project_id: str) -> list[dict]:
    rows = []
    for pair in report.get("pairs", []):
        a, b = (list(pair["bidders"]) + [None, None])[:2]
        rows.append(
            {
                "project_id": project_id,
                "bidder_a": a,
                "bidder_b": b,
                "score": pair.get("score"),
                "flagged": 1 if pair.get("flagged") else 0,
                "alerts": json.dumps(pair.get("alerts", []), ensure_ascii=False),
            }
        )
    return rows


def _insert_file_failures(conn: Any, files: list[dict], run_id: str) -> None:
    """Remember content that failed to parse, keyed by its hash."""
    now = utc_now()
    failed = [
        {
            "sha256": f["sha256"],
            "project_id": f["project_id"],
            "path": f["path"],
            "format": f["format"],
            "status": f["status"],
            "error": f["error"],
            "run_id": run_id,
            "recorded_at": now,
        }
        for f in files
        if f["status"] in ("error", "refused")
    ]
    _insert_many(conn, "file_failures", failed, replace=True)


def known_failure(db: Database, sha256: str) -> dict | None:
    """The recorded failure of this exact content, if it failed before."""
    rows = list(db.query("SELECT * FROM file_failures WHERE sha256 = ?", [sha256]))
    return rows[0] if rows else None


# ---------------------------------------------------------------------------
# Queries
# ---------------------------------------------------------------------------


def has_project(db: Database, project_id: str) -> bool:
    """Whether the history holds a scan of this project."""
    rows = db.query("SELECT 1 AS known FROM projects WHERE id = ?", [project_id])
    return next(iter(rows), None) is not None


def project_alerts(db: Database, project_id: str) -> list[dict]:
    """A project's stored alerts, in report order, JSON columns decoded."""
    rows = db.query(
        "SELECT id, kind, severity, score, bidders, basis, summary, details, evidence "
        "FROM alerts WHERE project_id = ? ORDER BY id",
        [project_id],
    )
    return [_decode(row, ("bidders", "details", "evidence")) for row in rows]


def signature_sightings(db: Database, value: str, field: str | None = None) -> list[dict]:
    """Where a signature value was seen: project, bidder, company, file, field.

    Matches the raw or the normalized value in the usual spellings (case,
    separators of MACs and serials), so a value copied from a report or
    typed by hand finds it. Tender rows have bidder None: a value in a
    tender is the tenderer's, not a bidder's.
    """
    forms = sorted(_spellings(value))
    marks = ", ".join("?" for _ in forms)
    sql = (
        "SELECT s.project_id, p.name AS project_name, s.bidder_id AS bidder, "
        "b.name AS company, s.file, s.source, s.field, s.value, s.normalized "
        "FROM signature_values s "
        "LEFT JOIN projects p ON p.id = s.project_id "
        "LEFT JOIN bidders b ON b.project_id = s.project_id AND b.id = s.bidder_id "
        f"WHERE (s.normalized IN ({marks}) OR s.value IN ({marks}))"
    )
    params: list[Any] = [*forms, *forms]
    if field:
        sql += " AND s.field = ?"
        params.append(field)
    sql += " ORDER BY s.project_id, s.bidder_id IS NULL, s.bidder_id, s.file, s.field"
    return list(db.query(sql, params))


def _spellings(value: str) -> set[str]:
    """The value as typed, trimmed, in both cases, and without separators."""
    trimmed = unicodedata.normalize("NFKC", value).strip()
    bare = "".join(ch for ch in trimmed if ch not in " -:._")
    return {
        value,
        *(form for text in (trimmed, bare) if text for form in (text, text.upper(), text.lower())),
    }


def _decode(row: dict, json_columns: Iterable[str]) -> dict:
    for column in json_columns:
        if row.get(column) is not None:
            row[column] = json.loads(row[column])
    return row


# ---------------------------------------------------------------------------
# History: what detectors ask of earlier projects
# ---------------------------------------------------------------------------


class History:
    """Read access to earlier projects for one scan (``ctx.history``): the
    store's :class:`collusion.history.HistoryView`.

    Every lookup is an indexed query, so one History can serve a whole
    nightly run and always sees the projects committed so far: signature
    values by (field, normalized), sections by their LSH band keys
    (``section_bands``), candidates then confirmed on the MinHash estimate.
    """

    def __init__(self, db: Database) -> None:
        self.db = db
        # Loaded candidate sections by id. Ids are never reused for other
        # content within a run, so entries never go stale.
        self._sections: dict[int, tuple[dict, LeanMinHash]] = {}

    # --- signature values ---

    def value_project_count(self, field: str, normalized: str, exclude_project: str) -> int:
        """How many OTHER projects carry this value (in bids or tenders)."""
        row = self.db.conn.execute(
            "SELECT COUNT(DISTINCT project_id) FROM signature_values "
            "WHERE field = ? AND normalized = ? AND project_id != ?",
            (field, normalized, exclude_project),
        ).fetchone()
        return int(row[0])

    def value_in_tenders(self, field: str, normalized: str) -> bool:
        """Whether any stored tender carries this value (then it is the tenderer's)."""
        row = self.db.conn.execute(
            "SELECT 1 FROM signature_values WHERE field = ? AND normalized = ? "
            "AND bidder_id IS NULL LIMIT 1",
            (field, normalized),
        ).fetchone()
        return row is not None

    def value_sightings(self, field: str, normalized: str, exclude_project: str) -> list[Sighting]:
        """The bids of OTHER projects that carry this value, sorted."""
        rows = self.db.conn.execute(
            "SELECT DISTINCT s.project_id, p.name, s.bidder_id, b.name, s.file, s.field, "
            "s.value FROM signature_values s "
            "LEFT JOIN projects p ON p.id = s.project_id "
            "LEFT JOIN bidders b ON b.project_id = s.project_id AND b.id = s.bidder_id "
            "WHERE s.field = ? AND s.normalized = ? AND s.project_id != ? "
            "AND s.bidder_id IS NOT NULL "
            "ORDER BY s.project_id, s.bidder_id, s.file",
            (field, normalized, exclude_project),
        ).fetchall()
        return [Sighting(*row) for row in rows]

    def value_company_count(self, field: str, normalized: str, exclude_project: str) -> int:
        """How many different companies carried this value in OTHER projects' bids.

        The better test of "everybody carries it" than a count of projects: a
        ring of three companies reusing one machine in ten tenders is still
        three companies; a hall computer is used by dozens. Bids with no
        company name count one each.
        """
        keys = {
            company_key(s.company) or f"{s.project_id}/{s.bidder_id}"
            for s in self.value_sightings(field, normalized, exclude_project)
        }
        return len(keys)

    # --- files ---

    def file_failure(self, sha256: str) -> str | None:
        """The error this exact content gave before, or None.

        For the extraction stage: content that failed once fails again, so
        it need not be opened until it changes (a new hash).
        """
        row = self.db.conn.execute(
            "SELECT error FROM file_failures WHERE sha256 = ?", (sha256,)
        ).fetchone()
        return (row[0] or "unreadable") if row else None

    # --- text ---

    def text_shingles(
        self, shingles: Iterable[int], exclude_project: str | None = None
    ) -> set[int]:
        """The shingles in the tender or common text of TEXT_COMMON_PROJECTS other projects.

        The history hook of ``collusion.text`` (``ctx.history.text_shingles``).
        ``exclude_project`` is the project being scanned: its own earlier
        record is left out of the counts. Without it that record may be among
        them, so one more project is required.
        """
        wanted = sorted({int(h) for h in shingles})
        own = self._own_shingles(exclude_project)
        frequent = set()
        for start in range(0, len(wanted), SQL_CHUNK):
            chunk = wanted[start : start + SQL_CHUNK]
            marks = ", ".join("?" for _ in chunk)
            rows = self.db.conn.execute(
                f"SELECT hash, projects FROM shingle_projects WHERE hash IN ({marks}) "
                "AND projects >= ?",
                (*chunk, TEXT_COMMON_PROJECTS),
            )
            for shingle, projects in rows:
                mine = 1 if own is None or shingle in own else 0
                if projects - mine >= TEXT_COMMON_PROJECTS:
                    frequent.add(shingle)
        return frequent

    def _own_shingles(self, project_id: str | None) -> set[int] | None:
        """A project's recorded common text; None when no project is named."""
        if project_id is None:
            return None
        row = self.db.conn.execute(
            "SELECT shingles FROM project_shingles WHERE project_id = ?",
            (project_id,),
        ).fetchone()
        return set(_unpack_hashes(row[0]).tolist()) if row else set()

    # --- sections ---

    def similar_sections(
        self, section: SectionPrint, recipe: str, exclude_project: str, min_jaccard: float
    ) -> list[SectionMatch]:
        """Stored sections of OTHER projects with estimated Jaccard >= min_jaccard.

        Only MinHashes made by the same ``recipe`` are compared; a section
        without a MinHash matches nothing.
        """
        mh = section.minhash
        if mh is None:
            return []
        matches = []
        for section_id in self._candidates(mh, recipe, exclude_project):
            meta, other = self._sections[section_id]
            jaccard = mh.jaccard(other)
            if jaccard < min_jaccard:
                continue
            containment = minhash.containment(jaccard, section.shingles, meta["shingles"])
            matches.append(
                SectionMatch(
                    project_id=meta["project_id"],
                    project_name=meta["project_name"],
                    bidder_id=meta["bidder_id"],
                    company=meta["company"],
                    file=meta["file"],
                    ordinal=meta["ordinal"],
                    title=meta["title"],
                    first_page=meta["first_page"],
                    excerpt=meta["excerpt"],
                    jaccard=round(jaccard, 4),
                    containment=round(containment, 4),
                )
            )
        return matches

    def _candidates(self, mh: LeanMinHash, recipe: str, exclude_project: str) -> list[int]:
        """Ids of sections sharing at least one band, loaded into the cache, sorted.

        One indexed query on the band keys; full buckets (``common_bands``)
        are skipped, so no lookup reads more than BAND_BUCKET_CAP rows a band.
        """
        ids = candidate_ids(self.db.conn, minhash.band_keys(mh, recipe), exclude_project)
        self._load([i for i in ids if i not in self._sections], recipe)
        return [i for i in ids if i in self._sections]

    def _load(self, ids: list[int], recipe: str) -> None:
        if not ids:
            return
        marks = ", ".join("?" for _ in ids)
        rows = self.db.conn.execute(
            "SELECT s.id, s.project_id, p.name, s.bidder_id, b.name, s.file, s.ordinal, "
            "s.title, s.first_page, s.excerpt, s.shingles, s.minhash "
            "FROM sections s LEFT JOIN projects p ON p.id = s.project_id "
            "LEFT JOIN bidders b ON b.project_id = s.project_id AND b.id = s.bidder_id "
            f"WHERE s.id IN ({marks}) AND s.minhash_recipe = ?",
            (*ids, recipe),
        ).fetchall()
        names = (
            "project_id",
            "project_name",
            "bidder_id",
            "company",
            "file",
            "ordinal",
            "title",
            "first_page",
            "excerpt",
            "shingles",
        )
        for section_id, *values, blob in rows:
            meta = dict(zip(names, values, strict=True))
            self._sections[section_id] = (meta, minhash.from_bytes(blob))


def candidate_ids(conn: Any, keys: list[int], exclude_project: str) -> list[int]:
    """Sections of other projects sharing a band key, full buckets left out, sorted."""
    marks = ", ".join("?" for _ in keys)
    rows = conn.execute(
        f"SELECT DISTINCT b.section_id FROM section_bands b WHERE b.key IN ({marks}) "
        "AND b.project_id != ? "
        f"AND b.key NOT IN (SELECT c.key FROM common_bands c WHERE c.key IN ({marks})) "
        "ORDER BY b.section_id",
        (*keys, exclude_project, *keys),
    ).fetchall()
    return [int(r[0]) for r in rows]
