"""Migrations from an empty database, re-run safety, and the resulting schema."""

from __future__ import annotations

import sqlite3

import pytest
from sqlite_utils import Database

from collusion.store import migrations
from collusion.store.migrations import applied_migrations, migrate, migration_names

EXPECTED_TABLES = {
    "_migrations",
    "projects",
    "bidders",
    "files",
    "signature_values",
    "sections",
    "alerts",
    "pairs",
    "runs",
    "inbox_projects",
    "file_failures",
    "company_facts",
    "company_relations",
    "company_links",
}


def test_migrate_from_empty_file(tmp_path):
    db = Database(sqlite3.connect(tmp_path / "h.db"))
    assert applied_migrations(db) == []
    applied = migrate(db)
    assert applied == migration_names()
    assert applied_migrations(db) == migration_names()
    assert EXPECTED_TABLES <= set(db.table_names())


def test_migrate_twice_applies_nothing(tmp_path):
    db = Database(sqlite3.connect(tmp_path / "h.db"))
    migrate(db)
    assert migrate(db) == []
    count = db.execute("SELECT COUNT(*) FROM _migrations").fetchone()[0]
    assert count == len(migration_names())


def test_migration_names_are_ordered_and_unique():
    names = migration_names()
    assert names == sorted(names)
    assert len(set(names)) == len(names)


def test_schema_columns(tmp_path):
    db = Database(sqlite3.connect(tmp_path / "h.db"))
    migrate(db)
    assert db["sections"].columns_dict["minhash"] is bytes
    assert {"field", "value", "normalized"} <= set(db["signature_values"].columns_dict)
    assert db["files"].pks == ["project_id", "path"]
    assert db["alerts"].pks == ["project_id", "id"]
    assert {"started_at", "finished_at", "status"} <= set(db["runs"].columns_dict)


def test_failed_migration_leaves_nothing_behind(tmp_path, monkeypatch):
    db = Database(sqlite3.connect(tmp_path / "h.db"))
    migrate(db)

    def broken(db):
        db.conn.execute("CREATE TABLE half_done (x)")
        raise RuntimeError("boom")

    monkeypatch.setattr(
        migrations, "_MIGRATIONS", [*migrations._MIGRATIONS, ("m999_broken", broken)]
    )
    with pytest.raises(RuntimeError):
        migrate(db)
    assert "half_done" not in db.table_names()
    assert "m999_broken" not in applied_migrations(db)


def test_m006_keeps_sections_and_indexes_their_bands(tmp_path, monkeypatch):
    """Upgrade a database made before m006: sections keep their rows, gain ids and bands."""
    from collusion.analysis import minhash

    recipe = minhash.recipe(5, 0)
    db = Database(sqlite3.connect(tmp_path / "old.db"))
    before_m006 = [m for m in migrations._MIGRATIONS if m[0] < "m006"]
    monkeypatch.setattr(migrations, "_MIGRATIONS", before_m006)
    migrate(db)
    mh, chars, count = minhash.minhash_of(range(1000, 1100)), 104, 100
    db.conn.execute(
        "INSERT INTO sections (project_id, bidder_id, file, ordinal, chars, shingles, minhash, "
        "minhash_recipe) VALUES ('P1', 'b01', 'bids/b01/a.docx', 0, ?, ?, ?, ?)",
        (chars, count, minhash.to_bytes(mh), recipe),
    )
    db.conn.commit()
    monkeypatch.undo()
    assert migrate(db) == [name for name in migration_names() if name >= "m006"]
    assert db["sections"].pks == ["id"]
    assert [r["id"] for r in db.query("SELECT id FROM sections")] == [1]
    keys = [r["key"] for r in db.query("SELECT key FROM section_bands WHERE section_id = 1")]
    assert sorted(keys) == sorted(minhash.band_keys(mh, recipe))
    assert len(keys) == minhash.LSH_BANDS


def _columns(db) -> dict[str, list[str]]:
    """Every table's column names, on either backend."""
    from collusion import store

    if store.dialect(db) == "postgresql":
        rows = db.execute(
            "SELECT table_name, column_name FROM information_schema.columns "
            "WHERE table_schema = current_schema() ORDER BY table_name, ordinal_position"
        ).fetchall()
    else:
        rows = [(table, column) for table in db.table_names() for column in db[table].columns_dict]
    found: dict[str, list[str]] = {}
    for table, column in rows:
        found.setdefault(table, []).append(column)
    return found


def test_same_migrations_build_the_same_schema_on_both_backends(tmp_path, pg_dsn):
    """From empty, on SQLite and PostgreSQL: the same tables and columns, in order."""
    from collusion import store

    lite = store.open_db(tmp_path / "h.db")
    pg = store.open_db(pg_dsn)
    assert applied_migrations(pg) == migration_names() == applied_migrations(lite)
    assert _columns(pg) == _columns(lite)
    assert migrate(pg) == []
    assert EXPECTED_TABLES | {"section_bands", "common_bands"} <= set(pg.table_names())
    pg.close()
    lite.close()


def test_schema_newer_than_the_code_is_refused(history_target, monkeypatch):
    """A migration this code does not know: StoreError naming it, on both backends."""
    from collusion import store
    from collusion.errors import StoreError

    db = store.open_db(history_target)
    db.conn.execute(
        "INSERT INTO _migrations (name, applied_at) VALUES ('m999_from_the_future', 'x')"
    )
    db.conn.commit()
    db.close()
    with pytest.raises(StoreError, match="更新版本的 collusion.*m999_from_the_future.*pip install"):
        store.open_db(history_target)
    monkeypatch.setenv("COLLUSION_LANG", "en")
    with pytest.raises(StoreError, match="newer version of collusion.*m999_from_the_future"):
        store.open_db(history_target)
