"""Python's cyclic garbage collector, set for a batch scan.

A scan builds millions of small objects that live until it ends (blocks,
sections, parameters, alerts) and makes almost no reference cycles. With
the default thresholds the collector walks the whole heap again every few
thousand allocations: measured at 10-20 % of the text comparison's time on a
40-bidder project. While a scan runs, young collections are rarer and what
the scan has built so far can be frozen out of later collections; memory is
still freed by reference counting as usual, and everything is restored (and
unfrozen) when the scan ends.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator

YOUNG_THRESHOLD = 100_000  # allocations between young collections (default 700)
OLDER_THRESHOLDS = (50, 100)  # young (then middle) collections between older ones


def fewer_collections() -> None:
    """For a process that only scans (an extraction worker): rarer collections."""
    gc.set_threshold(YOUNG_THRESHOLD, *OLDER_THRESHOLDS)


@contextlib.contextmanager
def scan_heap() -> Iterator[None]:
    """Rarer collections for the length of a scan (or of recording one),
    restored afterwards."""
    before = gc.get_threshold()
    fewer_collections()
    try:
        yield
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)


def freeze_built() -> None:
    """Leave everything built so far out of later collections (until the
    scan ends): call it once the long-lived inputs of a stage are built."""
    gc.freeze()


def keep_to_exit() -> None:
    """For a process that exits once its scan is written (``collusion scan``):
    leave everything it holds out of the collections that the interpreter's
    shutdown runs over the whole heap (measured: about a second of CPU after
    a 40-bidder scan, benchmarks/scale_bench.py). Memory is released by the
    exit itself."""
    gc.freeze()
