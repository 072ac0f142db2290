"""Processes that end with their run, whatever ends it.

A run forks extraction workers. Three things keep a killed run from leaving
anything behind:

- every worker asks the kernel to kill it when its parent dies
  (``PR_SET_PDEATHSIG`` on Linux), and ends anyway when its pipe closes;
- descriptors a run registers with :func:`close_in_forked_children` (the
  nightly lock, the parent's ends of worker pipes) are closed in every child
  it forks, so no child keeps the lock or a sibling's pipe open;
- SIGTERM and SIGINT become :class:`Interrupted` in the parent (see
  :func:`ending_on_signals`), so the run unwinds: workers are killed,
  temporary files removed, a nightly run is recorded as interrupted.
  Never inside an import the run makes while its workers read
  (:func:`import_whole`): there the signal is held until the module is
  imported.
"""

from __future__ import annotations

import contextlib
import ctypes
import importlib
import os
import re
import shutil
import signal
import sys
import tempfile
from collections.abc import Callable, Iterable, Iterator
from types import FrameType
from typing import Any

from collusion.errors import Interrupted

PR_SET_PDEATHSIG = 1  # <linux/prctl.h>
ENDING_SIGNALS = (signal.SIGTERM, signal.SIGINT)

_close_in_children: set[int] = set()


def close_in_forked_children(fd: int) -> None:
    """Have every child forked from now on close ``fd`` at once."""
    _close_in_children.add(fd)


def keep_in_forked_children(fd: int) -> None:
    """Undo :func:`close_in_forked_children` (call before closing ``fd``)."""
    _close_in_children.discard(fd)


def _after_fork_in_child() -> None:
    for fd in _close_in_children:
        with contextlib.suppress(OSError):
            os.close(fd)
    _close_in_children.clear()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)


def die_with_parent(parent_pid: int) -> None:
    """In a worker: be killed when the parent ``parent_pid`` ends.

    On Linux the kernel sends SIGKILL on the parent's death, even when the
    parent was killed with SIGKILL. Elsewhere the worker ends when its pipe
    reaches end-of-file. A parent that died before this call is noticed here.
    """
    die_with_parent_preexec()
    if os.getppid() != parent_pid:
        os._exit(1)


def die_with_parent_preexec() -> None:
    """``preexec_fn`` of a program a worker runs: killed when the worker dies (Linux)."""
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)


def worker_signals() -> None:
    """In a worker: SIGTERM ends it at once; SIGINT (Ctrl-C reaches the whole
    terminal group) is left to the parent, which stops its workers."""
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_IGN)


POOL_TEMP_PREFIX = "collusion-pool-"  # + the pid of the run owning the folder
_POOL_TEMP = re.compile(re.escape(POOL_TEMP_PREFIX) + r"(\d+)-")


def make_pool_temp_dir() -> str:
    """A fresh temporary folder for one extraction pool; the folders of pools
    whose run died (SIGKILL leaves them) are removed first."""
    base = tempfile.gettempdir()
    with contextlib.suppress(OSError):
        for entry in os.scandir(base):
            match = _POOL_TEMP.match(entry.name)
            if match and entry.is_dir(follow_symlinks=False) and pid_is_dead(int(match.group(1))):
                shutil.rmtree(entry.path, ignore_errors=True)
    return tempfile.mkdtemp(prefix=f"{POOL_TEMP_PREFIX}{os.getpid()}-", dir=base)


def remove_pool_temp_dir(path: str) -> None:
    shutil.rmtree(path, ignore_errors=True)


def use_temp_dir(path: str) -> None:
    """In a worker: every temporary file, its own and its programs', under ``path``."""
    tempfile.tempdir = path
    os.environ["TMPDIR"] = path


def pid_is_dead(pid: int) -> bool:
    """Whether ``pid`` names no process (one owned by another user is alive)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except OSError:
        return False
    return False


def _raise_interrupted(signum: int, _frame: object) -> None:
    raise Interrupted(signum)


@contextlib.contextmanager
def ending_on_signals() -> Iterator[None]:
    """SIGTERM and SIGINT raise :class:`Interrupted` in the block (main thread only)."""
    previous = {}
    for signum in ENDING_SIGNALS:
        with contextlib.suppress(ValueError):  # not the main thread: leave as is
            previous[signum] = signal.signal(signum, _raise_interrupted)
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


@contextlib.contextmanager
def signals_held() -> Iterator[None]:
    """SIGTERM and SIGINT arriving in the block take effect when it ends.

    The handler in place (``ending_on_signals``'s, Python's KeyboardInterrupt
    for SIGINT) is called on leaving the block with the first signal held,
    so its exception is raised there, whatever the block raised. Signals
    without a Python handler, and calls outside the main thread, are left
    as they are.
    """
    held: list[int] = []
    previous: dict[int, Callable[[int, FrameType | None], Any]] = {}

    def hold(signum: int, _frame: FrameType | None) -> None:
        held.append(signum)

    for signum in ENDING_SIGNALS:
        handler = signal.getsignal(signum)
        if callable(handler):
            with contextlib.suppress(ValueError):  # not the main thread
                signal.signal(signum, hold)
                previous[signum] = handler
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
        if held:
            previous[held[0]](held[0], None)


def import_whole(names: Iterable[str]) -> None:
    """Import each module, SIGTERM and SIGINT held until it is imported.

    An interrupt then ends the run between two imports, never inside one:
    an import stopped half-way leaves modules behind (in ``sys.modules``, in
    their packages) that the next import of it in the process trips over
    (NumPy's and SciPy's do), and a nightly run scans many projects in one
    process.
    """
    for name in names:
        with signals_held():
            importlib.import_module(name)
