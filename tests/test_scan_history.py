"""The scan names its project to the history's queries; it never mutates the history."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from collusion import store
from collusion.scan import scan_project

SAMPLE = Path(__file__).resolve().parent.parent / "sample_bids" / "road-2026-017"


class RecordingHistory(store.History):
    """The real SQLite history, noting which project each text query excluded."""

    def __init__(self, db: store.Database) -> None:
        super().__init__(db)
        self.excluded: list[str | None] = []

    def text_shingles(
        self, shingles: Iterable[int], exclude_project: str | None = None
    ) -> set[int]:
        self.excluded.append(exclude_project)
        return super().text_shingles(shingles, exclude_project)


def test_scan_passes_its_project_id_and_leaves_the_history_untouched(tmp_path):
    db = store.open_db(tmp_path / "history.db")
    try:
        history = RecordingHistory(db)
        before = set(vars(history))
        result = scan_project(SAMPLE, history=history)
        assert history.excluded  # the text engine asked
        assert set(history.excluded) == {result.report["project"]["id"]}
        assert set(vars(history)) == before  # no attribute set by the scan
    finally:
        db.close()
