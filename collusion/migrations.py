"""Ordered, named schema migrations of the history database.

The shape follows llm's ``migrations.py``: each migration is a function
registered in order with ``@migration``; the ``_migrations`` table records the
ones that ran, so ``migrate`` on any database (empty or years old) applies
exactly the missing ones, in order. A migration never changes once released:
a schema change is a new migration appended at the end.

Each migration runs in its own transaction together with the row recording
it (SQLite DDL is transactional), so a process killed mid-migration leaves
the database as it was before that migration.

Tables are created with plain SQL so the schema reads as a schema, with
primary keys that Datasette shows as row links.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Callable

from sqlite_utils import Database

MIGRATIONS_TABLE = "_migrations"

MigrationFn = Callable[[Database], None]
_MIGRATIONS: list[tuple[str, MigrationFn]] = []


def migration(fn: MigrationFn) -> MigrationFn:
    """Register ``fn`` as the next migration, named after the function."""
    if any(name == fn.__name__ for name, _ in _MIGRATIONS):
        raise ValueError(f"migration {fn.__name__!r} is registered twice")
    _MIGRATIONS.append((fn.__name__, fn))
    return fn


def migration_names() -> list[str]:
    """Every migration, in the order it is applied."""
    return [name for name, _ in _MIGRATIONS]


def applied_migrations(db: Database) -> list[str]:
    """Names of the migrations this database has already run, oldest first."""
    if not db[MIGRATIONS_TABLE].exists():
        return []
    rows = db.conn.execute(f"SELECT name FROM {MIGRATIONS_TABLE} ORDER BY rowid").fetchall()
    return [row[0] for row in rows]


def migrate(db: Database) -> list[str]:
    """Apply every pending migration in order; return the names applied now."""
    _ensure_migrations_table(db)
    done = set(applied_migrations(db))
    applied: list[str] = []
    for name, fn in _MIGRATIONS:
        if name in done:
            continue
        _apply(db, name, fn)
        applied.append(name)
    return applied


def _ensure_migrations_table(db: Database) -> None:
    db.conn.execute(
        f"CREATE TABLE IF NOT EXISTS {MIGRATIONS_TABLE} ("
        " name TEXT PRIMARY KEY,"
        " applied_at TEXT NOT NULL)"
    )
    db.conn.commit()


def _apply(db: Database, name: str, fn: MigrationFn) -> None:
    """Run one migration and record it, both or neither."""
    conn = db.conn
    conn.execute("BEGIN IMMEDIATE")
    try:
        fn(db)
        conn.execute(
            f"INSERT INTO {MIGRATIONS_TABLE} (name, applied_at) VALUES (?, ?)",
            (name, dt.datetime.now(dt.UTC).isoformat(timespec="seconds")),
        )
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def _script(db: Database, sql: str) -> None:
    """Run several statements inside the caller's transaction.

    ``executescript`` would COMMIT first, so statements are run one by one,
    split where SQLite itself says a statement is complete (comments stay in
    the stored schema, where Datasette shows them).
    """
    pending = ""
    for line in sql.splitlines(keepends=True):
        pending += line
        if sqlite3.complete_statement(pending):
            db.conn.execute(pending)
            pending = ""
    if pending.strip():
        db.conn.execute(pending)


# --- the migrations, oldest first; never edit one that has been released ---


@migration
def m001_projects_bidders_files(db: Database) -> None:
    _script(
        db,
        """
        CREATE TABLE projects (
            id TEXT PRIMARY KEY,
            name TEXT,
            industry TEXT,
            root TEXT,                 -- folder scanned last
            run_id TEXT,               -- run that recorded the current rows
            scanned_at TEXT,
            bidder_count INTEGER,
            file_count INTEGER,
            alert_count INTEGER,
            flagged_pairs INTEGER,
            summary TEXT               -- the report's Chinese summary
        );
        CREATE TABLE bidders (
            project_id TEXT NOT NULL REFERENCES projects(id),
            id TEXT NOT NULL,
            name TEXT,
            price REAL,
            PRIMARY KEY (project_id, id)
        );
        CREATE INDEX idx_bidders_name ON bidders(name);
        CREATE TABLE files (
            project_id TEXT NOT NULL REFERENCES projects(id),
            path TEXT NOT NULL,        -- relative to the project folder
            bidder_id TEXT,            -- NULL for the tender's own files
            sha256 TEXT NOT NULL,
            format TEXT,
            pages INTEGER,
            chars INTEGER,
            status TEXT,
            error TEXT,
            PRIMARY KEY (project_id, path)
        );
        CREATE INDEX idx_files_sha256 ON files(sha256)
        """,
    )


@migration
def m002_signatures_sections(db: Database) -> None:
    _script(
        db,
        """
        CREATE TABLE signature_values (
            project_id TEXT NOT NULL REFERENCES projects(id),
            bidder_id TEXT,            -- NULL for values read from the tender
            file TEXT,                 -- NULL for signatures.csv rows
            source TEXT NOT NULL,      -- pdf | docx | csv
            field TEXT NOT NULL,
            value TEXT,                -- as found
            normalized TEXT NOT NULL   -- what is compared
        );
        CREATE INDEX idx_signature_values_lookup
            ON signature_values(field, normalized);
        CREATE INDEX idx_signature_values_normalized ON signature_values(normalized);
        CREATE INDEX idx_signature_values_project ON signature_values(project_id);
        CREATE TABLE sections (
            project_id TEXT NOT NULL REFERENCES projects(id),
            bidder_id TEXT,            -- NULL for the tender's sections
            file TEXT NOT NULL,
            ordinal INTEGER NOT NULL,
            title TEXT,
            first_page INTEGER,
            chars INTEGER,             -- normalized characters
            shingles INTEGER,          -- distinct 5-gram shingles
            excerpt TEXT,              -- opening words, for evidence
            minhash BLOB,              -- LeanMinHash.serialize(byteorder='<')
            minhash_recipe TEXT        -- how the MinHash was made: only equal recipes compare
        );
        CREATE INDEX idx_sections_project ON sections(project_id)
        """,
    )


@migration
def m003_alerts_pairs(db: Database) -> None:
    _script(
        db,
        """
        CREATE TABLE alerts (
            project_id TEXT NOT NULL REFERENCES projects(id),
            id TEXT NOT NULL,          -- the report's alert id, e.g. A0001
            kind TEXT NOT NULL,
            severity TEXT,
            score REAL,
            bidders TEXT,              -- JSON list of bidder ids
            basis TEXT,
            summary TEXT,
            details TEXT,              -- JSON
            evidence TEXT,             -- JSON
            PRIMARY KEY (project_id, id)
        );
        CREATE INDEX idx_alerts_kind ON alerts(kind);
        CREATE TABLE pairs (
            project_id TEXT NOT NULL REFERENCES projects(id),
            bidder_a TEXT NOT NULL,
            bidder_b TEXT NOT NULL,
            score REAL,
            flagged INTEGER,
            alerts TEXT,               -- JSON list of alert ids
            PRIMARY KEY (project_id, bidder_a, bidder_b)
        )
        """,
    )


@migration
def m004_runs(db: Database) -> None:
    _script(
        db,
        """
        CREATE TABLE runs (
            id TEXT PRIMARY KEY,
            kind TEXT NOT NULL,        -- nightly | scan
            started_at TEXT NOT NULL,
            finished_at TEXT,
            status TEXT NOT NULL,      -- running | ok | interrupted | failed
            inbox TEXT,
            projects_found INTEGER,
            projects_scanned INTEGER,
            projects_unchanged INTEGER,
            projects_failed INTEGER,
            files_scanned INTEGER,
            alerts INTEGER,
            error TEXT
        )
        """,
    )


@migration
def m005_manifests_file_failures(db: Database) -> None:
    _script(
        db,
        """
        CREATE TABLE inbox_projects (
            folder TEXT PRIMARY KEY,   -- project folder relative to the inbox
            project_id TEXT,
            manifest_hash TEXT NOT NULL, -- sha256 over every file's path and content
            file_count INTEGER,
            status TEXT NOT NULL,      -- ok | failed
            error TEXT,
            run_id TEXT,
            recorded_at TEXT
        );
        CREATE TABLE file_failures (
            sha256 TEXT PRIMARY KEY,   -- content that failed; new content is retried
            project_id TEXT,
            path TEXT,
            format TEXT,
            status TEXT,
            error TEXT,
            run_id TEXT,
            recorded_at TEXT
        )
        """,
    )


@migration
def m006_section_ids_and_lsh_bands(db: Database) -> None:
    """Give sections a stable integer id and keep their LSH band keys in SQLite.

    Candidates were found with an in-memory MinHashLSH built from every stored
    section at the start of each run: seconds per thousand sections, growing
    with the history. Indexed band keys make a lookup cost the same whatever
    the history holds. Sections get ``id INTEGER PRIMARY KEY`` because VACUUM
    may renumber an implicit rowid, which the band rows point to.
    """
    from collusion.store import section_band_keys  # store imports this module

    _script(
        db,
        """
        CREATE TABLE sections_new (
            id INTEGER PRIMARY KEY,
            project_id TEXT NOT NULL REFERENCES projects(id),
            bidder_id TEXT,            -- NULL for the tender's sections
            file TEXT NOT NULL,
            ordinal INTEGER NOT NULL,
            title TEXT,
            first_page INTEGER,
            chars INTEGER,             -- normalized characters
            shingles INTEGER,          -- distinct 5-gram shingles
            excerpt TEXT,              -- opening words, for evidence
            minhash BLOB,              -- LeanMinHash.serialize(byteorder='<')
            minhash_recipe TEXT        -- how the MinHash was made: only equal recipes compare
        );
        INSERT INTO sections_new (project_id, bidder_id, file, ordinal, title, first_page,
            chars, shingles, excerpt, minhash, minhash_recipe)
            SELECT project_id, bidder_id, file, ordinal, title, first_page, chars, shingles,
            excerpt, minhash, minhash_recipe FROM sections ORDER BY rowid;
        DROP TABLE sections;
        ALTER TABLE sections_new RENAME TO sections;
        CREATE INDEX idx_sections_project ON sections(project_id);
        CREATE TABLE section_bands (
            key INTEGER NOT NULL,      -- 64-bit hash of (recipe, band number, band values)
            section_id INTEGER NOT NULL REFERENCES sections(id),
            project_id TEXT NOT NULL   -- to replace a project's rows and skip its own
        );
        CREATE INDEX idx_section_bands_key ON section_bands(key);
        CREATE INDEX idx_section_bands_project ON section_bands(project_id)
        """,
    )
    rows = db.conn.execute(
        "SELECT id, project_id, minhash, minhash_recipe FROM sections WHERE minhash IS NOT NULL"
    ).fetchall()
    db.conn.executemany(
        "INSERT INTO section_bands (key, section_id, project_id) VALUES (?, ?, ?)",
        [
            (key, section_id, project_id)
            for section_id, project_id, blob, recipe in rows
            for key in section_band_keys(blob, recipe)
        ],
    )


@migration
def m007_text_shingle_history(db: Database) -> None:
    """Remember which text each project treats as common, to learn city-wide boilerplate.

    A project records the shingles of its tender and those most of its
    bidders share (never what a few bidders share: a ring's copied text is
    not learned as boilerplate). A shingle recorded by several projects is
    stock text that the near-duplicate detector then stops counting.
    """
    _script(
        db,
        """
        CREATE TABLE shingle_projects (
            hash INTEGER PRIMARY KEY,  -- collusion.textsim shingle hash (32-bit xxhash)
            projects INTEGER NOT NULL  -- projects whose tender or common text holds it
        );
        CREATE TABLE project_shingles (
            project_id TEXT PRIMARY KEY REFERENCES projects(id),
            recipe TEXT NOT NULL,      -- how the hashes were made: only equal recipes count
            count INTEGER NOT NULL,
            shingles BLOB NOT NULL     -- sorted little-endian uint32, zlib-compressed
        )
        """,
    )
