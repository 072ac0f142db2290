"""Scan with the history, and without it when the history is unusable: the one
recipe ``collusion scan --db`` and the nightly run share.

A history that fails under a scan (a locked, damaged or unreachable database:
StoreError) costs the scan its matches against earlier projects, never its
report: the scan runs again on the project alone, and the caller learns why.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from collusion.errors import StoreError
from collusion.history import HistoryView

Result = TypeVar("Result")


def scan_with_history(
    scan: Callable[[HistoryView | None], Result],
    history: HistoryView | None,
    on_unusable: Callable[[StoreError], None] | None = None,
) -> tuple[Result, StoreError | None]:
    """``scan(history)``, or ``scan(None)`` again when the history raises StoreError.

    Args:
        scan: runs the scan against the history it is given (None: the
            project alone), e.g. ``lambda h: scan_project(root, settings, history=h)``.
        history: the history to match against; None scans without one.
        on_unusable: called with the error before the scan runs again
            without the history (to log it, to close the database).

    Returns:
        The scan's result, and the error that made it leave the history out
        (None when the history served the scan, or there was none).
    """
    if history is None:
        return scan(None), None
    try:
        return scan(history), None
    except StoreError as exc:
        if on_unusable is not None:
            on_unusable(exc)
        return scan(None), exc
