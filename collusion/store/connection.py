"""Where the history database lives, opening it (SQLite or PostgreSQL, private
files), transactions, runs and nightly claims. See :mod:`collusion.store`.
"""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
import stat
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from collusion.errors import SchemaMismatch, StoreError
from collusion.runtime.lang import tr
from collusion.store import pgdb
from collusion.store.driver import GuardedConnection, store_error
from collusion.store.migrations import check_current, dialect_of, migrate

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


def open_db(path: DbTarget = None, *, read_only: bool = False, create: bool = True) -> Database:
    """Open the history database: migrated for writing, or as it is for reading.

    Args:
        path: a SQLite file (created 0600 if needed) or a ``postgresql://``
            connection string; None for the default (see :func:`resolve_db`:
            ``$COLLUSION_DB``, else ``$COLLUSION_HOME/history.db``, else
            ``~/.local/share/collusion/history.db``).
        read_only: open for queries that never write: nothing is created,
            migrated or re-permissioned, SQLite opens the file read-only and
            a PostgreSQL session is read-only, so a read-only file or a role
            with only SELECT serves. The schema must then be this code's
            (SchemaMismatch says what to run otherwise).
        create: False: a SQLite file that does not exist is an error, not a
            new, empty history (for commands that work on an existing one).

    Returns:
        A ``sqlite_utils.Database`` or a ``collusion.store.pgdb.PgDatabase``,
        which the functions of this package take alike. Close it with
        ``db.close()``.

    Raises:
        StoreError: the database cannot be reached or opened, or (for
            reading) does not exist. SchemaMismatch: it was made by a newer
            collusion, or (for reading) by an older one. An existing SQLite
            file is checked before anything changes it: a file that is not a
            SQLite database is refused untouched (mode, content, size).
    """
    target = resolve_db(path)
    if read_only:
        return _open_for_reading(target)
    if not create and isinstance(target, Path) and not target.exists():
        raise StoreError(_no_history(target))
    db, _ = _open_for_writing(target)
    return db


def upgrade_db(path: DbTarget = None) -> list[str]:
    """Bring an existing history to this code's schema; the migrations applied now.

    What ``collusion history migrate`` runs, as a user who may write to the
    database, after an upgrade of collusion and before read-only queries.
    """
    target = resolve_db(path)
    if isinstance(target, Path) and not target.exists():
        raise StoreError(_no_history(target))
    db, applied = _open_for_writing(target)
    db.close()
    return applied


def _open_for_writing(target: Path | str) -> tuple[Any, list[str]]:
    """The history migrated (see :func:`open_db`), and the migrations applied now."""
    applied: list[str] = []
    if isinstance(target, str):
        db = pgdb.connect(target)
        where = pgdb.safe_dsn(target)
        _or_close(db, lambda: applied.extend(migrate(db, where=where)), where)
        return db, applied
    db_path = target
    created = _create_private(db_path)
    if not created:
        _check_existing(db_path)
    conn = _connect_sqlite(str(db_path), db_path)

    def prepare() -> None:
        # Reads the schema: a damaged first page fails here, before any write.
        conn.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()
        # WAL lets Datasette and `collusion history` read while a nightly
        # run writes; synchronous=NORMAL is still crash-safe in WAL mode.
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        applied.extend(migrate(Database(conn), where=str(db_path)))

    _or_close(conn, prepare, str(db_path))
    if not created:
        _make_private(db_path)
    return Database(conn), applied


def _connect_sqlite(address: str, db_path: Path, **options: Any) -> Any:
    try:
        return sqlite3.connect(address, timeout=30, factory=GuardedConnection, **options)
    except sqlite3.Error as exc:
        raise StoreError(_unusable(str(db_path), store_error(exc))) from exc


def _or_close(conn: Any, prepare: Any, where: str) -> None:
    """Run ``prepare()`` on a new connection; close it when that fails.

    A driver error names the database; SchemaMismatch says what to run as it is.
    """
    try:
        prepare()
    except BaseException as exc:
        with suppress(StoreError):
            conn.close()
        if isinstance(exc, StoreError) and not isinstance(exc, SchemaMismatch):
            raise StoreError(_unusable(where, exc)) from exc
        raise


def _open_for_reading(target: Path | str) -> Any:
    """The history as it is, for queries: see :func:`open_db` (``read_only``)."""
    where = describe(target)
    if isinstance(target, str):
        db = pgdb.connect(target)

        def prepare_pg() -> None:
            # Every statement of this session is read-only, whatever the role may do.
            db.conn.execute("SET default_transaction_read_only = on")
            check_current(db, where)

        _or_close(db, prepare_pg, where)
        return db
    if not target.exists():
        raise StoreError(_no_history(target))
    _check_existing(target)
    address = target.resolve().as_uri()
    # With no -wal file beside it no connection is open on the history, and
    # every committed row is in the file itself. A reader that may not write
    # the file then reads it as it stands: a WAL reader would leave its own
    # -shm and -wal files beside it (in a folder it cannot write it cannot
    # make them at all), and a -shm file the nightly run's account cannot
    # write would stop that run's writes.
    if not Path(f"{target}-wal").exists() and not os.access(target, os.W_OK):
        return _read_sqlite(f"{address}?mode=ro&immutable=1", target, where)
    try:
        return _read_sqlite(f"{address}?mode=ro", target, where)
    except SchemaMismatch:
        raise
    except StoreError:
        # A WAL database needs its -shm file, which a reader in a folder it
        # cannot write cannot create. With no -wal file beside it, every
        # committed row is in the file itself: read it as it stands.
        if Path(f"{target}-wal").exists():
            raise
    return _read_sqlite(f"{address}?mode=ro&immutable=1", target, where)


def _read_sqlite(address: str, path: Path, where: str) -> Database:
    conn = _connect_sqlite(address, path, uri=True)
    _or_close(conn, lambda: check_current(Database(conn), where), where)
    return Database(conn)


def _unusable(where: str, reason: object) -> str:
    return tr(
        f"无法使用历史库 {where}：{reason}", f"cannot use the history database {where}: {reason}"
    )


def _no_history(path: Path) -> str:
    return tr(
        f"{path} 处没有历史库（见 --db、${DB_ENV}）",
        f"no history database at {path} (see --db, ${DB_ENV})",
    )


SQLITE_HEADER = b"SQLite format 3\x00"


def _check_existing(db_path: Path) -> None:
    """Refuse, without changing it, a path that is not a SQLite database file."""
    try:
        info = db_path.stat()
        if not stat.S_ISREG(info.st_mode):
            raise StoreError(
                tr(
                    f"历史库 {db_path} 不是普通文件",
                    f"the history database {db_path} is not a regular file",
                )
            )
        if info.st_size == 0:
            return  # an empty file becomes a database
        with open(db_path, "rb") as handle:
            header = handle.read(len(SQLITE_HEADER))
    except OSError as exc:
        raise StoreError(
            tr(
                f"无法读取历史库 {db_path}：{exc}",
                f"cannot read the history database {db_path}: {exc}",
            )
        ) from exc
    if header != SQLITE_HEADER:
        raise StoreError(
            tr(
                f"{db_path} 不是 SQLite 数据库，未把它当作历史库（未作任何改动）",
                f"{db_path} is not a SQLite database; not using it as the history",
            )
        )


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
        raise StoreError(
            tr(
                f"无法创建历史库 {db_path}：{exc}",
                f"cannot create the history database {db_path}: {exc}",
            )
        ) from exc
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
        raise StoreError(
            tr(
                f"无法把历史库 {db_path} 设为仅属主可读写：{exc}",
                f"cannot make the history database {db_path} private: {exc}",
            )
        ) from exc


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


def run_started_at(db: Database, run_id: str) -> str:
    """When a run started, as recorded (UTC, ISO 8601)."""
    row = db.conn.execute("SELECT started_at FROM runs WHERE id = ?", (run_id,)).fetchone()
    if row is None:
        raise StoreError(f"no run {run_id} in the history")
    return str(row[0])


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
        with suppress(StoreError):
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
