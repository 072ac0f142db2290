"""The nightly lock: one run at a time per SQLite history, a lock file beside
the database that a dead holder's successor takes over. See :mod:`collusion.nightly.run`.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Callable, Iterator
from pathlib import Path

from collusion.errors import (
    LockHeld,
    StoreError,
)
from collusion.nightly import messages
from collusion.runtime.lang import tr
from collusion.runtime.lifecycle import (
    close_in_forked_children,
    keep_in_forked_children,
    pid_is_dead,
)

Log = Callable[[str], None]


# ---------------------------------------------------------------------------
# The lock
# ---------------------------------------------------------------------------


def lock_path_for(db_path: Path) -> Path:
    return db_path.with_name(db_path.name + ".lock")


@contextlib.contextmanager
def nightly_lock(db_path: Path, log: Log | None = None) -> Iterator[Path]:
    """Hold ``<db>.lock`` for the run; raise LockHeld at once if it is taken.

    ``flock`` is released by the kernel when the holder dies, even by
    SIGKILL; the descriptor is not inherited by programs the run starts and
    is closed in the processes it forks, so only a live run holds the lock.
    Should some other process still hold it while the run that wrote its pid
    is dead (a leftover child of an older version), the lock file is
    replaced and the run goes ahead. Otherwise the file is never deleted:
    deleting it would let two runs lock two different files.
    """
    path = lock_path_for(db_path)
    fd = _take_lock(path, db_path, log or (lambda line: None))
    close_in_forked_children(fd)
    try:
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        yield path
    finally:
        keep_in_forked_children(fd)
        os.close(fd)  # closing releases the flock


def _take_lock(path: Path, db_path: Path, log: Log) -> int:
    """An open descriptor of ``path`` holding its flock (see nightly_lock)."""
    for _attempt in range(3):
        fd = _open_lock_file(path)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 64, 0).decode(errors="replace").strip() or "unknown"
            if not _pid_is_dead(holder) or not _same_file(fd, path):
                os.close(fd)
                raise LockHeld(
                    tr(
                        f"另一个 nightly 运行（pid {holder}）正在使用 {db_path}，它持有 {path}",
                        f"another nightly run (pid {holder}) is using {db_path}; it holds {path}",
                    )
                ) from None
            log(messages.lock_replaced(str(path), holder))
            path.unlink(missing_ok=True)
            os.close(fd)
            continue
        if _same_file(fd, path):
            return fd
        os.close(fd)  # replaced under us by a run taking over: lock the new file
    raise LockHeld(
        tr(
            f"无法取得锁 {path}：它不断被替换",
            f"cannot take the lock {path}: it keeps being replaced",
        )
    )


def _open_lock_file(path: Path) -> int:
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        return os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    except OSError as exc:
        raise StoreError(
            tr(f"无法创建锁文件 {path}：{exc}", f"cannot create the lock file {path}: {exc}")
        ) from exc


def _same_file(fd: int, path: Path) -> bool:
    """Whether ``path`` still names the file open as ``fd``."""
    try:
        on_disk, opened = path.stat(), os.fstat(fd)
    except OSError:
        return False
    return (on_disk.st_dev, on_disk.st_ino) == (opened.st_dev, opened.st_ino)


def _pid_is_dead(text: str) -> bool:
    """Whether the pid written in the lock file names no process."""
    try:
        pid = int(text)
    except ValueError:
        return False
    return pid > 0 and pid_is_dead(pid)
