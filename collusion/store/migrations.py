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
primary keys that Datasette shows as row links. The same migrations build a
PostgreSQL history (``collusion.store.pgdb``): :func:`pg_sql` maps SQLite's
types to PostgreSQL's (INTEGER -> BIGINT, BLOB -> BYTEA, REAL -> DOUBLE
PRECISION, an ``id INTEGER PRIMARY KEY`` to an identity column) and leaves out the
REFERENCES clauses, which SQLite does not enforce either, so both backends
hold the same rows under the same rules. Concurrent workers migrating one
PostgreSQL database take turns under an advisory lock.
"""

from __future__ import annotations

import datetime as dt
import re
import shlex
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from collusion.analysis import minhash
from collusion.errors import SchemaMismatch
from collusion.runtime.lang import tr

MIGRATIONS_TABLE = "_migrations"
# pg_advisory_lock key held while migrating a PostgreSQL history ("collusion" in hex).
PG_MIGRATE_LOCK = 0x636F6C6C7573696F

Database = Any  # sqlite_utils.Database or collusion.store.pgdb.PgDatabase

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


def dialect_of(db: Database) -> str:
    """ "sqlite" or "postgresql"."""
    return getattr(db, "dialect", "sqlite")


def applied_migrations(db: Database) -> list[str]:
    """Names of the migrations this database has already run, in the order they apply."""
    if not db[MIGRATIONS_TABLE].exists():
        return []
    rows = db.conn.execute(f"SELECT name FROM {MIGRATIONS_TABLE}").fetchall()
    order = {name: n for n, name in enumerate(migration_names())}
    return sorted((row[0] for row in rows), key=lambda name: (order.get(name, len(order)), name))


def migrate(db: Database, where: str = "") -> list[str]:
    """Apply every pending migration in order; return the names applied now.

    Raises SchemaMismatch when the database has run migrations this code
    does not know: it was made by a newer collusion, whose rows this one
    would misread. ``where`` names the database in that message.
    """
    with _migration_lock(db):
        _ensure_migrations_table(db)
        done = set(applied_migrations(db))
        unknown = sorted(done - set(migration_names()))
        if unknown:
            raise SchemaMismatch(_newer(where, unknown))
        applied: list[str] = []
        for name, fn in _MIGRATIONS:
            if name in done:
                continue
            _apply(db, name, fn)
            applied.append(name)
    return applied


def check_current(db: Database, where: str) -> None:
    """Raise SchemaMismatch, one line saying what to run, unless the schema is this code's.

    For readers that must not write (``collusion history alerts|seen``): they
    neither create ``_migrations`` nor migrate, so a read-only PostgreSQL
    role or a read-only SQLite file serves them.
    """
    done = applied_migrations(db)
    unknown = sorted(set(done) - set(migration_names()))
    if unknown:
        raise SchemaMismatch(_newer(where, unknown))
    pending = [name for name in migration_names() if name not in set(done)]
    if pending:
        command = f"collusion history migrate --db {shlex.quote(where)}"
        raise SchemaMismatch(
            tr(
                f"历史库 {where} 的结构比本版 collusion 旧（缺 {len(pending)} 项迁移，"
                f"自 {pending[0]} 起）：请用有写权限的账户运行 {command}，再查询",
                f"the history database {where} has an older schema than this collusion "
                f"({len(pending)} migration(s) missing, from {pending[0]}): run {command} "
                "as a user who may write to it, then query again",
            )
        )


def _newer(where: str, unknown: list[str]) -> str:
    names = ", ".join(unknown)
    place = f" {where}" if where else ""
    return tr(
        f"历史库{place} 由更新版本的 collusion 写入（本版不认识的迁移：{names}）："
        "请升级 collusion（pip install -U collusion）后再使用",
        f"the history database{place} was made by a newer version of collusion "
        f"(unknown migrations: {names}); upgrade collusion (pip install -U collusion) to use it",
    )


@contextmanager
def _migration_lock(db: Database) -> Iterator[None]:
    """On PostgreSQL, one migrating process at a time (SQLite's BEGIN IMMEDIATE suffices)."""
    if dialect_of(db) != "postgresql":
        yield
        return
    db.conn.execute("SELECT pg_advisory_lock(?)", (PG_MIGRATE_LOCK,))
    try:
        yield
    finally:
        db.conn.execute("SELECT pg_advisory_unlock(?)", (PG_MIGRATE_LOCK,))


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


_PG_TYPES = (
    (
        re.compile(r"\bid INTEGER PRIMARY KEY\b"),
        "id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY",
    ),
    (re.compile(r"\bINTEGER\b"), "BIGINT"),
    (re.compile(r"\bBLOB\b"), "BYTEA"),
    (re.compile(r"\bREAL\b"), "DOUBLE PRECISION"),
    (re.compile(r"\s+REFERENCES \w+\(\w+\)"), ""),
    (re.compile(r"\browid\b"), "ctid"),
)


def pg_sql(sql: str) -> str:
    """A migration's SQLite DDL as PostgreSQL takes it (see the module docstring)."""
    for pattern, replacement in _PG_TYPES:
        sql = pattern.sub(replacement, sql)
    return sql


def _script(db: Database, sql: str) -> None:
    """Run several statements inside the caller's transaction.

    ``executescript`` would COMMIT first, so statements are run one by one,
    split where SQLite itself says a statement is complete (comments stay in
    the stored schema, where Datasette shows them).
    """
    if dialect_of(db) == "postgresql":
        sql = pg_sql(sql)
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
            for key in minhash.blob_band_keys(blob, recipe)
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


@migration
def m008_common_bands(db: Database) -> None:
    """Record full LSH buckets, and index band lookups so they read the index alone.

    A band key shared by a hundred stored sections is boilerplate many bids
    carry (collusion.store.BAND_BUCKET_CAP): the store stops adding to it and
    lookups skip it, so a query per section stays bounded however large the
    history grows. Buckets already that full are recorded here.
    """
    _script(
        db,
        """
        CREATE TABLE common_bands (
            key INTEGER PRIMARY KEY,   -- a section_bands key no longer added to
            sections INTEGER,          -- sections in the bucket when it was capped
            capped_at TEXT
        );
        INSERT INTO common_bands (key, sections, capped_at)
            SELECT key, COUNT(*), NULL FROM section_bands GROUP BY key HAVING COUNT(*) >= 100;
        DROP INDEX idx_section_bands_key;
        CREATE INDEX idx_section_bands_lookup ON section_bands(key, project_id, section_id)
        """,
    )


@migration
def m009_tenders(db: Database) -> None:
    """Past tenders as data: who bid, at what price, who won (``collusion history import``).

    A center's archive and every scanned project add their tenders here, so
    the ring search (``collusion history rings``) sees who bids with whom
    across tenders. ``company_id`` is the archive's id (a credit code or any
    stable id); a scanned bidder takes the id the archive gives its name, else
    its name (see ``collusion.store.tenders``).
    """
    _script(
        db,
        """
        CREATE TABLE tenders (
            id TEXT PRIMARY KEY,       -- the archive's project_id, or a scanned project's id
            date TEXT,                 -- YYYY-MM-DD: the day the bids were opened
            region TEXT,
            control_price REAL,
            source TEXT NOT NULL,      -- import | scan: who recorded its bids
            bidder_count INTEGER NOT NULL
        );
        CREATE INDEX idx_tenders_date ON tenders(date);
        CREATE TABLE tender_bids (
            tender_id TEXT NOT NULL REFERENCES tenders(id),
            company_id TEXT NOT NULL,
            company_name TEXT,
            price REAL,
            winner INTEGER NOT NULL,   -- 1: this bid won the tender
            PRIMARY KEY (tender_id, company_id)
        );
        CREATE INDEX idx_tender_bids_company ON tender_bids(company_id);
        CREATE INDEX idx_tender_bids_name ON tender_bids(company_name)
        """,
    )


@migration
def m010_company_facts_and_links(db: Database) -> None:
    """Who the bidders are (issue 22): company facts, people and holdings, and
    the links found between companies, so a link found once is seen again.

    A company is keyed by its 统一社会信用代码, else ``bidder:<bidder id>``
    (known in its own project only). A person is keyed by the 身份证号, else
    ``name:<name>``; a holder that is a company by its credit code, else
    ``name:<name>``. ``source`` says where a row was read: ``bid`` (a page of a
    bid file) or ``registry`` (a line of companies.csv or company_relations.csv).
    """
    _script(
        db,
        """
        CREATE TABLE company_facts (
            project_id TEXT NOT NULL REFERENCES projects(id),
            company TEXT NOT NULL,     -- credit code, else bidder:<bidder id>
            bidder_id TEXT,            -- NULL: a company that did not bid (a holding company)
            field TEXT NOT NULL,       -- name | credit_code | address | phone | email | registered_capital
            value TEXT,                -- as written
            normalized TEXT NOT NULL,  -- what is compared
            source TEXT NOT NULL,      -- bid | registry
            file TEXT,
            page INTEGER,
            line INTEGER,              -- of a registry file, 1-based
            section TEXT,              -- the bid's heading above the text
            paragraph INTEGER,         -- the block's index in the bid file
            excerpt TEXT               -- the text of the page, or the registry row
        );
        CREATE INDEX idx_company_facts_company ON company_facts(company);
        CREATE INDEX idx_company_facts_lookup ON company_facts(field, normalized);
        CREATE INDEX idx_company_facts_project ON company_facts(project_id);
        CREATE TABLE company_relations (
            project_id TEXT NOT NULL REFERENCES projects(id),
            company TEXT NOT NULL,     -- the company held or served
            bidder_id TEXT,            -- NULL: a company that did not bid
            role TEXT NOT NULL,        -- shareholder | legal_representative | chairman |
                                       -- director | manager | supervisor | agent
            holder TEXT NOT NULL,      -- 身份证号 or credit code, else name:<name>
            holder_kind TEXT NOT NULL, -- person | company
            holder_name TEXT,
            share REAL,                -- percent held (shareholders)
            source TEXT NOT NULL,      -- bid | registry
            file TEXT,
            page INTEGER,
            line INTEGER,
            section TEXT,
            paragraph INTEGER,
            excerpt TEXT
        );
        CREATE INDEX idx_company_relations_company ON company_relations(company);
        CREATE INDEX idx_company_relations_holder ON company_relations(holder);
        CREATE INDEX idx_company_relations_project ON company_relations(project_id);
        CREATE TABLE company_links (
            project_id TEXT NOT NULL REFERENCES projects(id),
            alert_id TEXT NOT NULL,    -- the report's company_link alert
            link TEXT NOT NULL,        -- same_legal_representative | control | ...
            company_a TEXT NOT NULL,   -- company keys, company_a < company_b
            company_b TEXT NOT NULL,
            bidder_a TEXT,
            bidder_b TEXT,
            via TEXT,                  -- the person, company or contact linking them
            via_name TEXT,
            basis TEXT
        );
        CREATE INDEX idx_company_links_a ON company_links(company_a);
        CREATE INDEX idx_company_links_b ON company_links(company_b);
        CREATE INDEX idx_company_links_project ON company_links(project_id)
        """,
    )


@migration
def m011_ring_groups(db: Database) -> None:
    """The groups the last ring search found (``collusion history rings``, the nightly step).

    Scans read them back to cite a pair of their bidders in one group as a
    lead (``indicators.rings`` of the report), never as proof.
    """
    _script(
        db,
        """
        CREATE TABLE ring_groups (
            id TEXT PRIMARY KEY,       -- R001 ... in order of suspicion
            score REAL NOT NULL,       -- higher is more suspicious, in [0, 1]
            log10_chance REAL,         -- log10 of the chance of its co-bidding under the null
            tenders INTEGER,           -- tenders in which enough members bid together
            expected REAL,             -- ... expected under the null
            members TEXT NOT NULL,     -- JSON list of company ids
            computed_at TEXT
        );
        CREATE TABLE ring_members (
            group_id TEXT NOT NULL REFERENCES ring_groups(id),
            company_id TEXT NOT NULL,
            PRIMARY KEY (company_id, group_id)
        )
        """,
    )
