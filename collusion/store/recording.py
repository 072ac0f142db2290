"""Recording one project's scan in the history, in one transaction.
See :mod:`collusion.store`.
"""

from __future__ import annotations

import json
import operator
import zlib
from dataclasses import dataclass
from typing import Any

import numpy as np
from sqlite_utils import Database

from collusion.analysis import minhash
from collusion.errors import StoreError
from collusion.history import (
    TextFingerprints,
)
from collusion.runtime import clock
from collusion.runtime.heap import scan_heap
from collusion.store.companies import COMPANY_TABLES, company_scan_rows
from collusion.store.connection import (
    BAND_BUCKET_CAP,
    EXCERPT_CHARS,
    SQL_CHUNK,
    dialect,
    finish_run,
    start_run,
    transaction,
    utc_now,
)
from collusion.store.tenders import ScannedBid, record_scanned_tender

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
    *COMPANY_TABLES,
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
    # Recording builds a row per section and band (a hundred thousand at 40
    # bidders) beside the scan's millions of objects: collected as a scan is.
    with scan_heap():
        return _record(db, scan_result, run_id)


def _record(db: Database, scan_result: Any, run_id: str) -> RecordedCounts:
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
        band_rows = _number_sections(db, rows, _section_bands(ctx, text))
        _insert_project(conn, report, ctx, project_id, run_id, rows)
        for table, table_rows in rows.items():
            _insert_many(conn, table, table_rows)
        conn.executemany(
            "INSERT INTO section_bands (key, section_id, project_id) VALUES (?, ?, ?)", band_rows
        )
        _insert_file_failures(conn, rows["files"], run_id)
        _replace_project_shingles(conn, project_id, text.common_recipe, text.common)
        record_scanned_tender(conn, project_id, _opening_day(ctx), None, _scanned_bids(ctx))
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
        "alerts": _alert_rows(report, project_id),
        "pairs": _pair_rows(report, project_id),
        **company_scan_rows(report, ctx, project_id),
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
    values = operator.itemgetter(*columns)  # a tuple per row, or the value of one column
    conn.executemany(
        sql, [values(r) for r in rows] if len(columns) > 1 else [(values(r),) for r in rows]
    )


def upsert(conn: Any, table: str, row: dict) -> None:
    """Insert one row or replace the one with its primary key (UPSERT_KEYS)."""
    _insert_many(conn, table, [row], replace=True)


def _bidder_rows(ctx: Any, project_id: str) -> list[dict]:
    return [
        {"project_id": project_id, "id": b.id, "name": b.name, "price": b.price}
        for b in sorted(ctx.bidders, key=lambda b: b.id)
    ]


def _opening_day(ctx: Any) -> str:
    """project.json's date, else the day of the scan (a nightly scan follows the opening)."""
    return ctx.project.date or clock.now().date().isoformat()


def _scanned_bids(ctx: Any) -> list[ScannedBid]:
    winner = ctx.project.winner
    return [
        ScannedBid(b.id, b.name, b.price, b.id == winner, credit_code(ctx, b.id))
        for b in ctx.bidders
    ]


def credit_code(ctx: Any, bidder: str) -> str | None:
    """The bidder's 统一社会信用代码 as the company stage read it, or None."""
    company = ctx.companies.bidder_company(bidder) if ctx.companies is not None else None
    return company.credit_code if company is not None else None


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


def _owned_sections(ctx: Any) -> list[tuple[str | None, Any]]:
    """The tender's sections (owner None), then each bidder's, in id order."""
    owned: list[tuple[str | None, Any]] = [(None, s) for s in ctx.tender_sections]
    owned += [(bidder_id, s) for bidder_id in sorted(ctx.sections) for s in ctx.sections[bidder_id]]
    return owned


def _section_rows(ctx: Any, project_id: str, text: TextFingerprints) -> list[dict]:
    recipe, prints = text.minhash_recipe, text.prints
    rows = []
    for bidder_id, section in _owned_sections(ctx):
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


def _section_bands(ctx: Any, text: TextFingerprints) -> list[list[int] | None]:
    """Each section's LSH band keys, in ``_section_rows`` order, from the
    MinHashes the scan made (not from their bytes: no second decoding)."""
    bands: list[list[int] | None] = []
    for bidder_id, section in _owned_sections(ctx):
        found = text.prints.get((bidder_id, section.file, section.ordinal))
        if found is None or found.minhash is None:
            bands.append(None)
        else:
            bands.append(list(found.bands) or minhash.band_keys(found.minhash, text.minhash_recipe))
    return bands


def _number_sections(
    db: Database, rows: dict[str, list[dict]], bands: list[list[int] | None]
) -> list[tuple[int, int, str]]:
    """Give the new sections ids and return their band rows, (key, section
    id, project id) (inside the transaction); ``bands``: each section's band
    keys (``_section_bands``). A hundred thousand rows at 40 bidders: tuples,
    not dicts.

    SQLite: ids follow the highest one in use; the write lock the transaction
    holds means no other writer can take the same ids. PostgreSQL: ids come
    from the column's sequence, which concurrent workers share safely.
    Bands in a bucket already holding BAND_BUCKET_CAP sections are not added;
    the bucket is recorded in ``common_bands``.
    """
    ids = _new_section_ids(db, len(rows["sections"]))
    owned: list[tuple[int, int, str]] = []  # (key, section id, project id): a section_bands row
    for number, row, keys in zip(ids, rows["sections"], bands, strict=True):
        row["id"] = number
        owned.extend((key, number, row["project_id"]) for key in keys or ())
    owned.sort()
    full = _full_buckets(db.conn, sorted({key for key, _, _ in owned}))
    return [band for band in owned if band[0] not in full]


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
    old = unpack_hashes(row[0]) if row else np.array([], dtype="<u4")
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


def unpack_hashes(blob: bytes) -> np.ndarray:
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
