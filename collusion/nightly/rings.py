"""The nightly ring search: after the night's scans, the groups that bid together more
often than chance across every tender of the history, written to ``OUT/rings/``.

``rings.json`` (the rings report) and ``rings.html`` (its page) replace last
night's atomically; the
groups are stored in the history, so tomorrow's scans cite a pair of their
bidders in one group as a lead. A failure here is logged and recorded in the
run summary; the night's reports are already written and committed.

On PostgreSQL, workers run side by side: the first to get the search's
advisory lock runs it, the others pass.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from collusion.errors import StoreError
from collusion.nightly import messages
from collusion.nightly.output import one_line, write_json_atomic
from collusion.report.html.rings import write_rings_html
from collusion.store.rings import exclusive_search, search_rings

RINGS_FOLDER = "rings"
RINGS_FILE = "rings.json"
RINGS_PAGE = "rings.html"


@dataclass(frozen=True)
class RingsOutcome:
    """What the night's ring search did."""

    path: str | None = None  # the rings report written
    groups: int | None = None
    error: str | None = None
    skipped: bool = False  # another worker ran it


def nightly_rings(db: Any, out_dir: Path, log: Callable[[str], None]) -> RingsOutcome:
    """Search the history for rings and write ``OUT/rings/rings.json``."""
    try:
        with exclusive_search(db) as mine:
            if not mine:
                log(messages.rings_elsewhere())
                return RingsOutcome(skipped=True)
            report = search_rings(db)
    except StoreError as exc:
        log(messages.rings_failed(one_line(exc)))
        return RingsOutcome(error=one_line(exc))
    path = out_dir / RINGS_FOLDER / RINGS_FILE
    try:
        write_json_atomic(path, report)
        write_rings_html(report, out_dir / RINGS_FOLDER / RINGS_PAGE)
    except OSError as exc:
        log(messages.rings_unwritten(str(path), one_line(exc)))
        return RingsOutcome(groups=len(report["groups"]), error=one_line(exc))
    log(messages.rings_found(len(report["groups"]), report["archive"]["tenders"], str(path)))
    return RingsOutcome(path=str(path), groups=len(report["groups"]))
