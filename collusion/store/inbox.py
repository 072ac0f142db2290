"""What the nightly run keeps of each inbox folder: the manifest hash of the
content last committed, its status, and which project id it stood for.
See :mod:`collusion.nightly.run`.
"""

from __future__ import annotations

from sqlite_utils import Database

from collusion.store.connection import utc_now
from collusion.store.recording import upsert


def inbox_manifests(db: Database) -> dict[str, str]:
    """Folder (relative to the inbox) -> the manifest hash last committed for it."""
    rows = db.conn.execute("SELECT folder, manifest_hash FROM inbox_projects").fetchall()
    return {row[0]: row[1] for row in rows}


def record_manifest(
    db: Database,
    folder: str,
    *,
    manifest_hash: str,
    file_count: int,
    status: str,
    run_id: str,
    project_id: str | None = None,
    error: str | None = None,
) -> None:
    """Remember a folder's manifest as scanned ("ok") or unscannable ("failed").

    Call it inside the :func:`collusion.store.transaction` that records the
    project's scan, so the folder counts as done exactly when its rows are in.
    """
    upsert(
        db.conn,
        "inbox_projects",
        {
            "folder": folder,
            "project_id": project_id,
            "manifest_hash": manifest_hash,
            "file_count": file_count,
            "status": status,
            "error": error,
            "run_id": run_id,
            "recorded_at": utc_now(),
        },
    )


def folders_of_project(db: Database, project_id: str, *, besides: str) -> list[str]:
    """The other inbox folders recorded with this project id, sorted."""
    rows = db.conn.execute(
        "SELECT folder FROM inbox_projects WHERE project_id = ? AND folder != ? ORDER BY folder",
        (project_id, besides),
    ).fetchall()
    return [row[0] for row in rows]
