"""Both cores for the stages of a scan that split: work done in a forked
child process beside the caller.

Extraction already runs in worker processes (and prepares each file's text
there); after it, the main process compares text while the other detectors
run beside it (``beside``), and a few maps over independent items give half
of their items to a child (``split_map``). The child shares the parent's
memory copy-on-write, so inputs are never pickled; only results travel back.
Without ``fork`` (Windows, macOS defaults), with one core, for little work, or
inside such a child, everything runs in the calling process. A child that
dies or sends nothing is replaced by computing its part in the parent: the
result never depends on the child. A child dies with its parent.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Sequence
from multiprocessing.connection import Connection
from typing import TypeVar

from collusion.runtime.lifecycle import die_with_parent, worker_signals

T = TypeVar("T")
R = TypeVar("R")
S = TypeVar("S")

# Below this total weight (characters, usually) a fork costs more than it saves.
MIN_PARALLEL_WEIGHT = 200_000

_in_child = False  # set in a forked child: it never forks again (two cores)


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def can_fork() -> bool:
    """Whether work can go to a second core in a forked child."""
    return not _in_child and _cores() >= 2 and "fork" in multiprocessing.get_all_start_methods()


def _split_at(weights: Sequence[int]) -> int:
    """The index that splits the items into two halves of about equal weight."""
    total = sum(weights)
    running = 0
    for index, weight in enumerate(weights):
        running += weight
        if running * 2 >= total:
            return index + 1
    return len(weights)


def _child(conn: Connection, fn: Callable[[], R], parent_pid: int) -> None:
    global _in_child
    _in_child = True
    try:
        die_with_parent(parent_pid)
        worker_signals()
        conn.send(fn())
    except BaseException:  # the parent computes this part itself
        pass
    finally:
        conn.close()
        os._exit(0)  # no atexit handlers, no flushing of the parent's buffers


def beside(
    background: Callable[[], R], foreground: Callable[[], S], *, weight: int | None = None
) -> tuple[R, S]:
    """``(background(), foreground())``, the first computed in a forked child
    while the caller computes the second; both in the caller when ``weight``
    (characters, usually) says the work is too small to be worth a fork."""
    if not can_fork() or (weight is not None and weight < MIN_PARALLEL_WEIGHT):
        return background(), foreground()
    context = multiprocessing.get_context("fork")
    receive, send = context.Pipe(duplex=False)
    child = context.Process(target=_child, args=(send, background, os.getpid()), daemon=True)
    child.start()
    send.close()
    try:
        here = foreground()
        try:
            there = receive.recv()
        except (EOFError, OSError):
            there = background()
    finally:
        receive.close()
        if child.is_alive():
            child.kill()
        child.join()
    return there, here


def split_map(fn: Callable[[T], R], items: Sequence[T], weights: Sequence[int]) -> list[R]:
    """``[fn(item) for item in items]``, half of the weight in a forked child."""
    if len(items) < 2 or sum(weights) < MIN_PARALLEL_WEIGHT or not can_fork():
        return [fn(item) for item in items]
    cut = _split_at(weights)
    second, first = beside(
        lambda: [fn(item) for item in items[cut:]], lambda: [fn(item) for item in items[:cut]]
    )  # weight checked above
    return first + second
