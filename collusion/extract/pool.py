"""Extraction in worker processes: each file within its time budget and memory cap.

A worker reads the files it is sent with ``collusion.extract.extract_file``
(and, with ``derive``, makes what the scan needs of each right after), so a
file that hangs or crashes its parser is abandoned and reported while the
scan goes on. Files whose exact content failed before are reported without
being opened again (``previously_failed``).
"""

from __future__ import annotations

import functools
import hashlib
import multiprocessing
import os
import sys
import time
from collections.abc import Callable, Iterable
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import Any

from collusion.errors import ExtractionError
from collusion.extract import NOT_RETRIED, _failed, extract_file, read_bounded
from collusion.models import ExtractedFile
from collusion.runtime.heap import fewer_collections
from collusion.runtime.lifecycle import (
    close_in_forked_children,
    die_with_parent,
    keep_in_forked_children,
    make_pool_temp_dir,
    remove_pool_temp_dir,
    signals_held,
    use_temp_dir,
    worker_signals,
)
from collusion.settings import ExtractSettings

Progress = Callable[[str, int, int], None]
Derive = Callable[[ExtractedFile], Any]  # run in the worker on each file it read


def abandoned(root: Path, rel: str, settings: ExtractSettings, message: str) -> ExtractedFile:
    """The entry of a file whose worker was killed: its hash and format by
    magic bytes (read here, with the same checks), so a hostile file shared by
    two bidders is still found identical."""
    try:
        data = read_bounded(root, rel, settings)
    except ExtractionError:
        return _failed(rel, "", "unknown", message)
    return _failed(rel, hashlib.sha256(data).hexdigest(), _format_by_magic(data), message)


def _format_by_magic(data: bytes) -> str:
    """The format by magic bytes alone, for files no parser finished."""
    if b"%PDF-" in data[:1024]:
        return "pdf"
    if data.startswith(b"PK\x03\x04"):
        for body, fmt in (
            (b"word/document.xml", "docx"),
            (b"xl/workbook.xml", "xlsx"),
            (b"OFD.xml", "ofd"),
        ):
            if body in data:
                return fmt
        return "zip"
    if data.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "ole"
    return "unknown"


def previously_failed(
    root: str | os.PathLike[str],
    rels: Iterable[str],
    settings: ExtractSettings,
    failure_of: Callable[[str], str | None],
) -> dict[str, ExtractedFile]:
    """Files whose exact content failed to parse before (``failure_of(sha256)``
    gives the earlier error): reported again without being opened, so a
    hostile file costs its time budget once, not on every rescan."""
    found: dict[str, ExtractedFile] = {}
    for rel in rels:
        try:
            data = read_bounded(Path(root), rel, settings)
        except ExtractionError:
            continue  # refused or unreadable: extract_file reports it as usual
        sha = hashlib.sha256(data).hexdigest()
        error = failure_of(sha)
        if error:
            note = error if error.endswith(NOT_RETRIED) else error + NOT_RETRIED
            found[rel] = _failed(rel, sha, _format_by_magic(data), note)
    return found


def _worker_main(
    conn: Connection,
    root: str,
    settings: ExtractSettings,
    parent_pid: int,
    temp: str,
    derive: Derive | None = None,
) -> None:
    """Serve extraction requests until the parent closes the pipe or dies."""
    die_with_parent(parent_pid)
    worker_signals()
    fewer_collections()
    use_temp_dir(temp)
    # The report may be going to standard output: nothing a parser prints may
    # land in it, so the worker's stdout is pointed at stderr.
    try:
        sys.stdout.flush()
        os.dup2(sys.stderr.fileno(), 1)
        sys.stdout = sys.stderr
    except (OSError, ValueError, AttributeError):
        pass
    try:
        import resource

        cap = settings.max_worker_memory_bytes
        resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
    except (ImportError, ValueError, OSError):
        pass
    try:
        import pymupdf

        pymupdf.TOOLS.mupdf_display_errors(False)
        pymupdf.TOOLS.mupdf_display_warnings(False)
        if hasattr(pymupdf, "no_recommend_layout"):
            pymupdf.no_recommend_layout()  # a package advert, not a finding
    except Exception:
        pass
    while True:
        try:
            rel = conn.recv()
        except EOFError:
            return
        if rel is None:
            return
        extracted = extract_file(root, rel, settings)
        conn.send((extracted, _derived(derive, extracted)))


def _derived(derive: Derive | None, extracted: ExtractedFile) -> Any:
    """What ``derive`` makes of a file, or None: the parent then does it."""
    if derive is None:
        return None
    try:
        return derive(extracted)
    except Exception:  # never lose the file for what comes after its reading
        return None


class _Worker:
    def __init__(
        self,
        context,
        root: str,
        settings: ExtractSettings,  # noqa: ANN001
        temp: str,
        derive: Derive | None = None,
    ) -> None:
        self.conn, child = context.Pipe()
        # Later workers must not hold this pipe open (nor this one its own
        # parent end): the worker then sees end-of-file when the parent dies.
        close_in_forked_children(self.conn.fileno())
        self.process = context.Process(
            target=_worker_main,
            args=(child, root, settings, os.getpid(), temp, derive),
            daemon=True,
        )
        self.process.start()
        child.close()
        self.task: str | None = None
        self.started = 0.0

    def submit(self, rel: str) -> None:
        self.task = rel
        self.started = time.monotonic()
        self.conn.send(rel)

    def kill(self) -> None:
        self.process.kill()
        self.process.join(5)
        self._close()

    def _close(self) -> None:
        keep_in_forked_children(self.conn.fileno())
        self.conn.close()

    def stop(self) -> None:
        try:
            self.conn.send(None)
        except (BrokenPipeError, OSError):
            pass
        self.process.join(5)
        if self.process.is_alive():
            self.process.kill()
            self.process.join(5)
        self._close()


def _size_or_zero(root: Path, rel: str) -> int:
    try:
        return (root / rel).stat().st_size
    except OSError:  # reported when the worker opens it
        return 0


def worker_count(settings: ExtractSettings, files: int) -> int:
    wanted = settings.workers or min(2, os.cpu_count() or 1)
    return max(1, min(wanted, files))


def extract_files(
    root: str | os.PathLike[str],
    rels: Iterable[str],
    settings: ExtractSettings | None = None,
    progress: Progress | None = None,
) -> dict[str, ExtractedFile]:
    """Extract every file in worker processes, each within its time budget."""
    return extract_and_derive(root, rels, settings, progress)[0]


def extract_and_derive(
    root: str | os.PathLike[str],
    rels: Iterable[str],
    settings: ExtractSettings | None = None,
    progress: Progress | None = None,
    derive: Derive | None = None,
    while_waiting: Callable[[], Any] | None = None,
) -> tuple[dict[str, ExtractedFile], dict[str, Any]]:
    """Extract every file in worker processes, each within its time budget;
    with ``derive``, the worker also computes ``derive(file)`` right after
    reading it (in parallel with the other workers, and not pickled twice).

    ``while_waiting`` is called once in this process after the workers
    start: work of the caller's that needs no file (it would else wait).
    SIGTERM and SIGINT are held while it runs (``signals_held``): it is
    short, and what it imports is never left half-imported.

    Returns the files and, by path, what ``derive`` gave; a path is missing
    there when the file was abandoned or ``derive`` failed on it.
    """
    settings = settings or ExtractSettings()
    pending = sorted(set(rels))
    total = len(pending)
    results: dict[str, ExtractedFile] = {}
    derived: dict[str, Any] = {}
    if not pending:
        return results, derived
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
    if "fork" not in methods:
        derive = None  # a spawned worker cannot be handed a closure: the caller derives
    # One temporary folder for the workers and the programs they run, removed
    # with the pool: a worker killed mid-file leaves nothing in /tmp.
    temp = make_pool_temp_dir()
    new_worker = functools.partial(_Worker, context, str(root), settings, temp, derive)
    workers = [new_worker() for _ in range(worker_count(settings, total))]
    waiting = while_waiting
    # Largest files first (popped from the end): the last file to finish is
    # then a small one, and both workers stay busy to the end.
    queue = sorted(pending, key=lambda rel: (_size_or_zero(Path(root), rel), rel))
    try:
        while queue or any(w.task for w in workers):
            for index, worker in enumerate(workers):
                if worker.task is None and queue:
                    try:
                        worker.submit(queue[-1])
                        queue.pop()
                    except (BrokenPipeError, OSError):
                        worker.kill()
                        workers[index] = new_worker()
            if waiting is not None:  # once, the workers having their first files
                work, waiting = waiting, None
                with signals_held():  # an interrupt ends the run once it is done
                    work()
            busy = {w.conn: w for w in workers if w.task}
            ready = wait(list(busy), timeout=0.5)
            for conn in ready:
                worker = busy[conn]
                result: ExtractedFile
                try:
                    result, made = worker.conn.recv()
                    if made is not None:
                        derived[result.path] = made
                except (EOFError, OSError):
                    result = abandoned(
                        Path(root),
                        worker.task or "",
                        settings,
                        "解析进程异常退出（文件可能被恶意构造），已跳过",
                    )
                    worker.kill()
                    workers[workers.index(worker)] = new_worker()
                else:
                    worker.task = None
                results[result.path] = result
                if progress:
                    progress("extract", len(results), total)
            now = time.monotonic()
            for index, worker in enumerate(workers):
                if worker.task and now - worker.started > settings.seconds_per_file:
                    rel = worker.task
                    worker.kill()
                    results[rel] = abandoned(
                        Path(root),
                        rel,
                        settings,
                        f"解析超过 {settings.seconds_per_file:g} 秒时间上限，已放弃",
                    )
                    workers[index] = new_worker()
                    if progress:
                        progress("extract", len(results), total)
    except BaseException:
        # Interrupted (SIGTERM, Ctrl-C) or failing: no file is worth waiting for.
        for worker in workers:
            worker.kill()
        remove_pool_temp_dir(temp)
        raise
    for worker in workers:
        worker.stop()
    remove_pool_temp_dir(temp)
    return results, derived
