"""split_map: half of a map in a forked child, the same results as a plain map."""

from __future__ import annotations

import multiprocessing
import os

import pytest

from collusion.runtime import parallel
from collusion.runtime.parallel import split_map

needs_fork = pytest.mark.skipif(
    "fork" not in multiprocessing.get_all_start_methods(), reason="no fork on this platform"
)


def test_small_work_runs_in_the_caller() -> None:
    parent = os.getpid()
    assert split_map(lambda _: os.getpid(), [1, 2, 3], [1, 1, 1]) == [parent] * 3


@needs_fork
def test_results_in_order_with_half_in_a_child(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parallel, "_cores", lambda: 2)
    parent = os.getpid()
    items = list(range(40))
    weights = [parallel.MIN_PARALLEL_WEIGHT // 10] * 40
    found = split_map(lambda n: (n * n, os.getpid()), items, weights)
    assert [square for square, _ in found] == [n * n for n in items]
    pids = [pid for _, pid in found]
    assert pids[:20] == [parent] * 20  # the first half by weight in the caller
    assert parent not in pids[20:]  # the second in one child
    assert len(set(pids[20:])) == 1


@needs_fork
def test_a_child_that_dies_is_replaced_by_the_caller(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parallel, "_cores", lambda: 2)
    parent = os.getpid()

    def fragile(n: int) -> int:
        if os.getpid() != parent:
            os._exit(3)  # the child dies without sending anything
        return n + 1

    weights = [parallel.MIN_PARALLEL_WEIGHT] * 6
    assert split_map(fragile, list(range(6)), weights) == [1, 2, 3, 4, 5, 6]


@pytest.mark.parametrize(("weights", "cut"), [([1, 1, 1, 1], 2), ([10, 1, 1], 1), ([1, 1, 10], 3)])
def test_split_by_weight(weights: list[int], cut: int) -> None:
    assert parallel._split_at(weights) == cut


@needs_fork
def test_beside_runs_the_background_in_a_child(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parallel, "_cores", lambda: 2)
    parent = os.getpid()
    there, here = parallel.beside(os.getpid, lambda: ("here", os.getpid()))
    assert here == ("here", parent)
    assert there != parent


@needs_fork
def test_beside_never_forks_from_a_child(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parallel, "_cores", lambda: 2)
    inner, _ = parallel.beside(lambda: parallel.beside(os.getpid, os.getpid), lambda: None)
    assert inner[0] == inner[1]  # both halves in the one child


@needs_fork
def test_beside_replaces_a_child_that_dies(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parallel, "_cores", lambda: 2)
    parent = os.getpid()

    def fragile() -> str:
        if os.getpid() != parent:
            os._exit(3)
        return "done in the parent"

    assert parallel.beside(fragile, lambda: 1) == ("done in the parent", 1)
