"""A real, throwaway PostgreSQL for the tests that run on both history backends.

``$COLLUSION_TEST_PG`` names a server to use (an admin connection string:
``.ci/run`` starts a cluster and exports it). Otherwise, when PostgreSQL's
``initdb`` is installed, one cluster is started for the test session in a
temporary folder, listening on a Unix socket only (as the ``postgres`` user
when the tests run as root), and stopped at the end. Each test gets a
database of its own. Without either, the PostgreSQL cases skip and say why.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from collusion import store

PG_ENV = "COLLUSION_TEST_PG"
BACKENDS = ("sqlite", "postgresql")


def _pg_bin() -> Path | None:
    found = shutil.which("initdb")
    if found:
        return Path(found).resolve().parent
    versions = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return Path(versions[-1]).parent if versions else None


def _as_owner(args: list[str]) -> list[str]:
    """Run as ``postgres`` when we are root (initdb refuses root)."""
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *args]
    return args


class Cluster:
    """initdb in a temporary folder, started on a Unix socket, stopped on close."""

    def __init__(self, bin_dir: Path) -> None:
        self.bin = bin_dir
        self.dir = Path(tempfile.mkdtemp(prefix="collusion-pg-"))
        self.data = self.dir / "data"
        self.user = "postgres" if os.geteuid() == 0 else os.environ.get("USER", "postgres")
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres")
        self._run(
            [
                str(self.bin / "initdb"),
                "-D",
                str(self.data),
                "-A",
                "trust",
                "-U",
                self.user,
                "-E",
                "UTF8",
                "--no-sync",
            ]
        )
        options = f"-k {self.dir} -c listen_addresses='' -c fsync=off"
        self._run(
            [
                str(self.bin / "pg_ctl"),
                "-D",
                str(self.data),
                "-o",
                options,
                "-w",
                "-l",
                str(self.dir / "log"),
                "start",
            ]
        )
        self.dsn = f"postgresql:///postgres?host={self.dir}&user={self.user}"

    def _run(self, args: list[str]) -> None:
        subprocess.run(_as_owner(args), check=True, capture_output=True, timeout=120)

    def close(self) -> None:
        try:
            self._run([str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop"])
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)


@pytest.fixture(scope="session")
def pg_server() -> Iterator[str]:
    """An admin connection string, or a skip saying why there is none."""
    pytest.importorskip("psycopg", reason="psycopg is not installed (pip install '.[test]')")
    given = os.environ.get(PG_ENV)
    if given:
        yield given
        return
    bin_dir = _pg_bin()
    if bin_dir is None:
        pytest.skip(
            f"PostgreSQL is not installed (apt-get install postgresql) and ${PG_ENV} is unset"
        )
    try:
        cluster = Cluster(bin_dir)
    except (OSError, subprocess.SubprocessError) as exc:
        pytest.skip(f"could not start a throwaway PostgreSQL cluster: {exc}")
    try:
        yield cluster.dsn
    finally:
        cluster.close()


def with_database(dsn: str, name: str) -> str:
    import psycopg

    parts = psycopg.conninfo.conninfo_to_dict(dsn)
    parts["dbname"] = name
    return "postgresql://?" + "&".join(f"{k}={v}" for k, v in parts.items() if v is not None)


@pytest.fixture
def pg_dsn(pg_server: str) -> Iterator[str]:
    """A fresh, empty database for one test, dropped afterwards."""
    import psycopg

    name = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(pg_server, autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {name}")
    try:
        yield with_database(pg_server, name)
    finally:
        with psycopg.connect(pg_server, autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture(params=BACKENDS)
def history_target(request, tmp_path: Path) -> str | Path:
    """The history on each backend: a SQLite file, then a PostgreSQL database."""
    if request.param == "sqlite":
        return tmp_path / "history.db"
    return request.getfixturevalue("pg_dsn")


def history_dump(target: Path | str) -> dict[str, list[tuple]]:
    """Every table's rows on either backend, sorted, without run ids, times and section ids."""
    db = store.open_db(target)
    try:
        dump = {}
        for table in sorted(set(db.table_names()) - {"runs", "_migrations"}):
            columns = _columns(db, table)
            kept = [c for c in columns if c != "run_id" and not c.endswith("_at")]
            if table in ("sections", "section_bands"):
                # Section ids depend on the order workers recorded the projects.
                kept = [c for c in kept if c not in ("id", "section_id")]
            rows = db.execute(f"SELECT {', '.join(kept)} FROM {table}").fetchall()
            dump[table] = sorted((tuple(_plain(v) for v in r) for r in rows), key=repr)
    finally:
        db.close()
    return dump


def _columns(db, table: str) -> list[str]:
    if store.dialect(db) == "postgresql":
        rows = db.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = ? "
            "AND table_schema = current_schema() ORDER BY ordinal_position",
            (table,),
        ).fetchall()
        return [r[0] for r in rows]
    return list(db[table].columns_dict)


def _plain(value):
    return bytes(value) if isinstance(value, memoryview) else value
