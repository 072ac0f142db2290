"""Both cores for the stages of a scan that split: a map over independent
items, half of the work done in a forked child process.

Extraction already runs in worker processes; after it, the main process
prepares every section's text, extracts parameters and searches identifiers
one item at a time. ``split_map`` gives the second half of the items (by
weight, e.g. characters) to a child forked for the call, computes the first
half itself and returns the results in order. The child shares the parent's
memory copy-on-write, so the items are never pickled; only results travel
back. Without ``fork`` (Windows, macOS defaults), with one core, or for little
work, everything runs in the calling process. A child that dies or sends
nothing is replaced by computing its half in the parent: the result never
depends on the child.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Sequence
from multiprocessing.connection import Connection
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")

# Below this total weight (characters, usually) a fork costs more than it saves.
MIN_PARALLEL_WEIGHT = 200_000


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def _split_at(weights: Sequence[int]) -> int:
    """The index that splits the items into two halves of about equal weight."""
    total = sum(weights)
    running = 0
    for index, weight in enumerate(weights):
        running += weight
        if running * 2 >= total:
            return index + 1
    return len(weights)


def _child(conn: Connection, fn: Callable[[T], R], items: Sequence[T]) -> None:
    try:
        conn.send([fn(item) for item in items])
    except BaseException:  # the parent computes this half itself
        pass
    finally:
        conn.close()
        os._exit(0)  # no atexit handlers, no flushing of the parent's buffers


def split_map(fn: Callable[[T], R], items: Sequence[T], weights: Sequence[int]) -> list[R]:
    """``[fn(item) for item in items]``, half of the weight in a forked child."""
    if (
        len(items) < 2
        or sum(weights) < MIN_PARALLEL_WEIGHT
        or _cores() < 2
        or "fork" not in multiprocessing.get_all_start_methods()
    ):
        return [fn(item) for item in items]
    cut = _split_at(weights)
    context = multiprocessing.get_context("fork")
    receive, send = context.Pipe(duplex=False)
    child = context.Process(target=_child, args=(send, fn, items[cut:]), daemon=True)
    child.start()
    send.close()
    try:
        first = [fn(item) for item in items[:cut]]
        try:
            second = receive.recv()
        except (EOFError, OSError):
            second = [fn(item) for item in items[cut:]]
    finally:
        receive.close()
        child.join()
    return first + second
