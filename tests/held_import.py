"""Test support: hold one module's import in this process until the test says go.

``hold(name, when)``, called in the process under test before anything
imports ``name``: the first import of ``name`` in this process (not in the
processes it forks) writes ``HOLDING <name>`` to standard error, then waits
for a line on standard input, either before the module's code runs
(``"before"``) or after it ran, the import not yet finished (``"after"``).
A test that sends a signal when it reads ``HOLDING`` and then writes the
line has the signal land inside that import, every time.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import os
import select
import sys
from collections.abc import Sequence
from types import ModuleType

MARK = "HOLDING"
WAIT_SECONDS = 120.0  # a test that never says go does not leave this process behind


class _Held(importlib.abc.MetaPathFinder):
    def __init__(self, name: str, when: str) -> None:
        self.name, self.when, self.pid = name, when, os.getpid()

    def find_spec(
        self,
        fullname: str,
        path: Sequence[str] | None,
        target: ModuleType | None = None,
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname != self.name or os.getpid() != self.pid:
            return None
        sys.meta_path.remove(self)  # once
        spec = importlib.machinery.PathFinder.find_spec(fullname, path, target)
        assert spec is not None and spec.loader is not None, fullname
        run = spec.loader.exec_module

        def exec_module(module: ModuleType) -> None:
            if self.when == "after":
                run(module)
            sys.stderr.write(f"\n{MARK} {fullname}\n")
            sys.stderr.flush()
            ready, _, _ = select.select([sys.stdin], [], [], WAIT_SECONDS)
            if ready:
                sys.stdin.readline()
            if self.when == "before":
                run(module)

        spec.loader.exec_module = exec_module  # type: ignore[method-assign]
        return spec


def hold(name: str, when: str = "before") -> None:
    """Hold the first import of ``name`` in this process (see the module's doc)."""
    assert when in ("before", "after"), when
    assert name not in sys.modules, f"{name} is imported already"
    sys.meta_path.insert(0, _Held(name, when))
