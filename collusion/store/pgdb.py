"""PostgreSQL behind the small part of sqlite3 / sqlite-utils the store uses.

The store speaks one SQL that SQLite and PostgreSQL both accept (``?``
placeholders, ``INSERT ... ON CONFLICT``, explicit ``BEGIN``/``COMMIT``);
this adapter gives a psycopg 3 connection the same surface as a
``sqlite_utils.Database`` over ``sqlite3``: ``db.conn.execute``,
``executemany``, ``in_transaction``, ``db.query`` returning dicts,
``db[table].count``. It translates placeholders, turns ``BEGIN IMMEDIATE``
into ``BEGIN``, and drops NUL characters from text (PostgreSQL's text type
cannot hold them; a bid's text sometimes does).

The connection runs in autocommit mode, as sqlite3 does between explicit
transactions: each statement outside ``BEGIN`` commits on its own.

Connection strings never need a password: libpq reads ``PGPASSFILE``
(``~/.pgpass``), a service file (``PGSERVICEFILE``, ``service=`` in the DSN)
and the ``PG*`` environment variables.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import xxhash

from collusion.errors import StoreError
from collusion.store.driver import store_error

DSN_SCHEMES = ("postgresql://", "postgres://")
CONNECT_TIMEOUT_SECONDS = 10
_PLACEHOLDER = re.compile(r"\?")


def is_dsn(target: object) -> bool:
    """Whether a --db / COLLUSION_DB value names a PostgreSQL database."""
    return isinstance(target, str) and target.strip().lower().startswith(DSN_SCHEMES)


def _psycopg() -> Any:
    try:
        import psycopg
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise StoreError("PostgreSQL needs psycopg 3: pip install 'collusion[postgresql]'") from exc
    return psycopg


def has_password(dsn: str) -> bool:
    """Whether the connection string carries a password (it must not: see libpq)."""
    psycopg = _psycopg()
    try:
        return bool(psycopg.conninfo.conninfo_to_dict(dsn).get("password"))
    except psycopg.ProgrammingError as exc:
        raise StoreError(f"not a valid PostgreSQL connection string: {exc}") from None


def safe_dsn(dsn: str) -> str:
    """The connection string for messages: any password replaced by ***."""
    psycopg = _psycopg()
    try:
        parts = psycopg.conninfo.conninfo_to_dict(dsn)
    except psycopg.ProgrammingError:
        return "postgresql://…"
    if parts.get("password"):
        parts["password"] = "***"
    return psycopg.conninfo.make_conninfo(**{k: v for k, v in parts.items() if v is not None})


def lock_key(name: str) -> int:
    """A signed 64-bit advisory lock key for a name (``pg_advisory_lock(bigint)``)."""
    value = xxhash.xxh64_intdigest(name.encode("utf-8"))
    return value - (1 << 64) if value >= (1 << 63) else value


def translate(sql: str) -> str:
    """sqlite-style SQL to psycopg's: ``?`` -> ``%s``, ``%`` escaped, BEGIN IMMEDIATE."""
    sql = sql.replace("%", "%%")
    sql = _PLACEHOLDER.sub("%s", sql)
    if sql.lstrip().upper().startswith("BEGIN IMMEDIATE"):
        return "BEGIN"
    return sql


def _clean(value: Any) -> Any:
    if isinstance(value, str) and "\x00" in value:
        return value.replace("\x00", "")
    return value


def _params(params: Sequence[Any] | None) -> tuple[Any, ...]:
    return tuple(_clean(v) for v in params or ())


class PgCursor:
    """A psycopg cursor whose fetches raise StoreError (see :mod:`collusion.store.driver`)."""

    def __init__(self, raw: Any) -> None:
        self.raw = raw

    @property
    def description(self) -> Any:
        return self.raw.description

    @property
    def rowcount(self) -> int:
        return int(self.raw.rowcount)

    def fetchone(self) -> Any:
        with _driver_errors():
            return self.raw.fetchone()

    def fetchall(self) -> list[Any]:
        with _driver_errors():
            return self.raw.fetchall()

    def __iter__(self) -> Iterator[Any]:
        return iter(self.fetchall())


class PgConnection:
    """A psycopg connection shaped like the sqlite3 connection the store uses;
    the driver's exceptions leave it as StoreError."""

    dialect = "postgresql"

    def __init__(self, raw: Any) -> None:
        self.raw = raw

    def execute(self, sql: str, params: Sequence[Any] | None = None) -> PgCursor:
        with _driver_errors():
            return PgCursor(self.raw.execute(translate(sql), _params(params)))

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> PgCursor:
        batch = [_params(r) for r in rows]
        with _driver_errors():
            cursor = self.raw.cursor()
            if batch:
                cursor.executemany(translate(sql), batch)
        return PgCursor(cursor)

    @property
    def in_transaction(self) -> bool:
        status = self.raw.info.transaction_status
        return status != _psycopg().pq.TransactionStatus.IDLE

    def commit(self) -> None:
        if self.in_transaction:
            self.execute("COMMIT")

    def close(self) -> None:
        with _driver_errors():
            self.raw.close()


@contextmanager
def _driver_errors() -> Iterator[None]:
    """psycopg's exceptions as StoreError."""
    try:
        yield
    except _psycopg().Error as exc:
        raise store_error(exc) from exc


class PgTable:
    """``db[name]``: the few sqlite-utils table calls the store and tests make."""

    def __init__(self, db: PgDatabase, name: str) -> None:
        self.db = db
        self.name = name

    def exists(self) -> bool:
        row = self.db.conn.execute("SELECT to_regclass(?) IS NOT NULL", (self.name,)).fetchone()
        return bool(row[0])

    @property
    def count(self) -> int:
        return int(self.db.conn.execute(f"SELECT COUNT(*) FROM {self.name}").fetchone()[0])

    def get(self, pk: Any) -> dict[str, Any]:
        rows = list(self.db.query(f"SELECT * FROM {self.name} WHERE id = ?", (pk,)))
        if not rows:
            raise KeyError(pk)
        return rows[0]


class PgDatabase:
    """A PostgreSQL history database with the surface of ``sqlite_utils.Database``."""

    dialect = "postgresql"

    def __init__(self, conn: PgConnection, dsn: str) -> None:
        self.conn = conn
        self.dsn = dsn

    def __getitem__(self, name: str) -> PgTable:
        return PgTable(self, name)

    def execute(self, sql: str, params: Sequence[Any] | None = None) -> Any:
        return self.conn.execute(sql, params)

    def query(self, sql: str, params: Sequence[Any] | None = None) -> Iterator[dict[str, Any]]:
        cursor = self.conn.execute(sql, params)
        names = [d.name for d in cursor.description or ()]
        for row in cursor.fetchall():
            yield dict(zip(names, row, strict=True))

    def table_names(self) -> list[str]:
        rows = self.conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename"
        ).fetchall()
        return [r[0] for r in rows]

    def close(self) -> None:
        self.conn.close()


def connect(dsn: str) -> PgDatabase:
    """Connect (autocommit) or raise StoreError saying which server could not be reached."""
    psycopg = _psycopg()
    try:
        raw = psycopg.connect(
            dsn,
            autocommit=True,
            connect_timeout=CONNECT_TIMEOUT_SECONDS,
            application_name="collusion",
        )
    except psycopg.Error as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise StoreError(f"cannot reach the PostgreSQL history {safe_dsn(dsn)}: {reason}") from None
    return PgDatabase(PgConnection(raw), dsn)


def stream(conn: PgConnection, sql: str, params: Sequence[Any], size: int) -> Iterator[list]:
    """A query's rows in lists of ``size`` from a server-side cursor (never all at once).

    The cursor lives in a transaction of its own, ended when the rows are read.
    """
    with (
        _driver_errors(),
        conn.raw.transaction(),
        conn.raw.cursor(name="collusion_stream") as cursor,
    ):
        cursor.itersize = size
        cursor.execute(translate(sql), _params(params))
        while rows := cursor.fetchmany(size):
            yield rows
