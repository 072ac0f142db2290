"""The history database: every scanned project's bidders, files, signature
values, section MinHashes and alerts, in SQLite through sqlite-utils or in
PostgreSQL through psycopg 3 (``collusion.store.pgdb``).

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

Company facts and links (issue 22) are in :mod:`collusion.store.companies`.

The store owns the database: every SQL statement of the package is in
``collusion/store/``, and the drivers' exceptions leave it as
:class:`collusion.errors.StoreError` (:mod:`collusion.store.driver`); code
outside speaks to the history only through the functions named here.

The code lives in these modules, imported here so ``from collusion.store
import open_db`` and ``store.record_scan`` keep working:
:mod:`collusion.store.connection` (location, opening, transactions, runs,
claims), :mod:`collusion.store.recording` (``record_scan``),
:mod:`collusion.store.queries` (queries and :class:`History`),
:mod:`collusion.store.inbox` (the nightly run's manifests),
:mod:`collusion.store.fallback` (a scan with the history, and without it
when it fails), :mod:`collusion.store.driver` (the drivers' errors) and
:mod:`collusion.store.pgdb` (PostgreSQL).
"""

from __future__ import annotations

from sqlite_utils import Database

from collusion.errors import SchemaMismatch, StoreError
from collusion.store.companies import company_links, company_sightings
from collusion.store.connection import (
    BAND_BUCKET_CAP,
    CLAIM_DONE,
    CLAIM_FREE,
    CLAIM_HELD,
    CLAIM_MINE,
    DB_ENV,
    DB_FILENAME,
    EXCERPT_CHARS,
    HOME_ENV,
    SQL_CHUNK,
    SQLITE_HEADER,
    TEXT_COMMON_PROJECTS,
    DbTarget,
    claim_project,
    claim_state,
    default_db_path,
    describe,
    dialect,
    finish_run,
    mark_stale_runs,
    new_run_id,
    open_db,
    resolve_db,
    resolve_db_path,
    run_lock_key,
    run_started_at,
    start_run,
    state_dir,
    transaction,
    upgrade_db,
    utc_now,
)
from collusion.store.fallback import scan_with_history
from collusion.store.inbox import folders_of_project, inbox_manifests, record_manifest
from collusion.store.queries import (
    History,
    candidate_ids,
    has_project,
    project_alerts,
    signature_sightings,
)
from collusion.store.recording import (
    PROJECT_TABLES,
    UPSERT_KEYS,
    RecordedCounts,
    known_failure,
    record_scan,
    unpack_hashes,
    upsert,
)

__all__ = [
    "BAND_BUCKET_CAP",
    "CLAIM_DONE",
    "CLAIM_FREE",
    "CLAIM_HELD",
    "CLAIM_MINE",
    "DB_ENV",
    "DB_FILENAME",
    "Database",
    "DbTarget",
    "EXCERPT_CHARS",
    "HOME_ENV",
    "History",
    "PROJECT_TABLES",
    "RecordedCounts",
    "SQLITE_HEADER",
    "SQL_CHUNK",
    "SchemaMismatch",
    "StoreError",
    "TEXT_COMMON_PROJECTS",
    "UPSERT_KEYS",
    "candidate_ids",
    "claim_project",
    "claim_state",
    "company_links",
    "company_sightings",
    "default_db_path",
    "describe",
    "dialect",
    "finish_run",
    "folders_of_project",
    "has_project",
    "inbox_manifests",
    "known_failure",
    "mark_stale_runs",
    "new_run_id",
    "open_db",
    "project_alerts",
    "record_manifest",
    "record_scan",
    "resolve_db",
    "resolve_db_path",
    "run_lock_key",
    "run_started_at",
    "scan_with_history",
    "signature_sightings",
    "start_run",
    "state_dir",
    "transaction",
    "unpack_hashes",
    "upgrade_db",
    "upsert",
    "utc_now",
]
