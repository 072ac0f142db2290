"""Where the database drivers' exceptions stop: they leave the store as StoreError.

Every statement the store runs goes through a connection made here (SQLite)
or through :class:`collusion.store.pgdb.PgConnection` (PostgreSQL), and both
turn a driver exception (``sqlite3.Error``, ``psycopg.Error``) into
:class:`collusion.errors.StoreError` at the call that raised it: executing,
fetching a row, committing. Code outside ``collusion/store/`` names only
StoreError, whichever backend holds the history (a test checks that no
driver exception is named outside the store).
"""

from __future__ import annotations

import functools
import itertools
import sqlite3
from collections.abc import Callable, Iterator
from typing import Any

from collusion.errors import StoreError

ROW_BATCH = 512  # rows fetched at a time when a loop iterates a cursor


def store_error(exc: BaseException) -> StoreError:
    """A driver exception as StoreError: its class and first line, e.g. ``OperationalError: …``."""
    text = str(exc).strip()
    reason = text.splitlines()[0] if text else ""
    return StoreError(f"{type(exc).__name__}: {reason}" if reason else type(exc).__name__)


def _guarded(method: Callable[..., Any]) -> Callable[..., Any]:
    """``method`` raising StoreError where sqlite3 raised its own error."""

    @functools.wraps(method)
    def call(*args: Any, **kwargs: Any) -> Any:
        try:
            return method(*args, **kwargs)
        except sqlite3.Error as exc:
            raise store_error(exc) from exc

    return call


class GuardedCursor(sqlite3.Cursor):
    """A sqlite3 cursor whose every call raises StoreError instead of sqlite3.Error."""

    execute = _guarded(sqlite3.Cursor.execute)
    executemany = _guarded(sqlite3.Cursor.executemany)
    executescript = _guarded(sqlite3.Cursor.executescript)
    fetchone = _guarded(sqlite3.Cursor.fetchone)
    fetchmany = _guarded(sqlite3.Cursor.fetchmany)
    fetchall = _guarded(sqlite3.Cursor.fetchall)
    __next__ = _guarded(sqlite3.Cursor.__next__)

    def __iter__(self) -> Iterator[Any]:  # type: ignore[override]
        """Rows fetched in guarded batches, iterated in C: no Python call per row."""
        batches = iter(functools.partial(self.fetchmany, ROW_BATCH), [])
        return itertools.chain.from_iterable(batches)


class GuardedConnection(sqlite3.Connection):
    """A sqlite3 connection (``sqlite3.connect(..., factory=GuardedConnection)``)
    whose statements, cursors and transactions raise StoreError."""

    def cursor(self, factory: Any = GuardedCursor) -> Any:
        return super().cursor(factory)

    def execute(self, *args: Any) -> Any:
        return self.cursor().execute(*args)

    def executemany(self, *args: Any) -> Any:
        return self.cursor().executemany(*args)

    def executescript(self, *args: Any) -> Any:
        return self.cursor().executescript(*args)

    commit = _guarded(sqlite3.Connection.commit)
    rollback = _guarded(sqlite3.Connection.rollback)
    close = _guarded(sqlite3.Connection.close)
    __exit__ = _guarded(sqlite3.Connection.__exit__)
