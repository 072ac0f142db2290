"""A real `collusion nightly` killed during extraction leaves nothing behind:
no worker process, no lock holder, no temporary file; the next run starts and
completes. Real PDFs, a real subprocess, the process table read from /proc."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from conftest import plan_paragraphs
from formats_support import SOFFICE, convert

from collusion.errors import LockHeld
from collusion.nightly import lock as nightly_lock
from collusion.nightly import run as nightly
from collusion.runtime.lifecycle import POOL_TEMP_PREFIX, make_pool_temp_dir, remove_pool_temp_dir
from tools import synth

pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc")

BIDDERS = 6
FILES_PER_BIDDER = 4  # 24 PDFs of 30 pages: several seconds of extraction on 2 workers
PAGES = 30
SETTLE_SECONDS = 5.0  # "within a few seconds"


def stat_fields(pid: int) -> tuple[int, int] | None:
    """(parent pid, process group) of a live process, None when it is gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = text.rsplit(")", 1)[1].split()
    if fields[0] == "Z":  # a zombie holds nothing; its parent has not reaped it
        return None
    return int(fields[1]), int(fields[2])


def processes() -> dict[int, tuple[int, int]]:
    found = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit() and (fields := stat_fields(int(entry))) is not None:
            found[int(entry)] = fields
    return found


def left_of(run_pid: int) -> list[int]:
    """Live processes of the run: its process group, or children of the run."""
    return sorted(
        pid
        for pid, (ppid, group) in processes().items()
        if pid != run_pid and (group == run_pid or ppid == run_pid)
    )


def children(pid: int) -> list[int]:
    return [p for p, (ppid, _) in processes().items() if ppid == pid]


@pytest.fixture(scope="module")
def slow_inbox(tmp_path_factory) -> Path:
    """One project whose extraction takes seconds: many distinct multi-page PDFs."""
    inbox = tmp_path_factory.mktemp("slow") / "inbox"
    project = inbox / "p1"
    template = project / "template.pdf"
    synth.write_pdf(template, [plan_paragraphs(7, "中山市甲建设有限公司")] * PAGES)
    data = template.read_bytes()
    template.unlink()
    for b in range(BIDDERS):
        folder = project / "bids" / f"b{b:02d}"
        folder.mkdir(parents=True)
        for n in range(FILES_PER_BIDDER):
            # Distinct bytes per copy (a comment after %%EOF): nothing can
            # skip a copy as already extracted.
            (folder / f"技术标{n}.pdf").write_bytes(data + f"\n%copy {b}-{n}\n".encode())
    (project / "project.json").write_text(json.dumps({"id": "SLOW-1"}), encoding="utf-8")
    return inbox


def start_nightly(inbox: Path, tmp: Path) -> subprocess.Popen:
    return start("nightly", str(inbox), "--db", str(tmp / "h.db"), "--out", str(tmp / "out"))


def start(*args: str, temp: Path | None = None) -> subprocess.Popen:
    """The CLI in its own process group; ``temp``: its TMPDIR (a run of its
    own, so another test run's pool cleaning cannot touch its folders)."""
    env = None if temp is None else {**os.environ, "TMPDIR": str(temp)}
    return subprocess.Popen(
        [sys.executable, "-m", "collusion", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group: everything it starts is found
        env=env,
    )


def wait_for_workers(proc: subprocess.Popen, seconds: float = 120) -> list[int]:
    """Block until the run has forked its extraction workers; return them."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"the run ended before extracting: {proc.stdout.read()!r}")
        workers = children(proc.pid)
        if workers:
            time.sleep(0.5)  # well inside extraction
            return workers
        time.sleep(0.02)
    raise AssertionError("no extraction worker appeared")


def kill_run(proc: subprocess.Popen, signum: int, watched: list[int] = ()) -> list[int]:
    """Send ``signum`` to the run alone, then wait up to SETTLE_SECONDS for
    its processes (and the ``watched`` pids) to go; the ones left (killed
    here, so no test leaves them behind)."""
    try:
        os.kill(proc.pid, signum)
        proc.wait(timeout=120)  # a loaded machine: the clean ending must come, not be fast
        deadline = time.monotonic() + SETTLE_SECONDS
        while (left := still_alive(proc.pid, watched)) and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    kill_leftovers(left)
    return left


def still_alive(run_pid: int, watched: list[int]) -> list[int]:
    return sorted(set(left_of(run_pid)) | {p for p in watched if stat_fields(p)})


def kill_leftovers(pids: list[int]) -> None:
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


@pytest.mark.parametrize("signum", [signal.SIGKILL, signal.SIGTERM], ids=["SIGKILL", "SIGTERM"])
def test_killed_nightly_leaves_no_process_and_the_next_run_completes(slow_inbox, tmp_path, signum):
    proc = start_nightly(slow_inbox, tmp_path)
    workers = wait_for_workers(proc)
    sent = time.monotonic()
    left = kill_run(proc, signum, workers)  # the run only: its workers must follow by themselves
    gone_after = time.monotonic() - sent
    assert left == [], f"processes of the run still alive {SETTLE_SECONDS}s later: {left}"
    print(f"{signal.Signals(signum).name}: run and workers gone in {gone_after:.2f}s")
    if signum == signal.SIGTERM:
        output = proc.stdout.read().decode()
        assert proc.returncode == 128 + signal.SIGTERM, output
        assert "被 SIGTERM 中断" in output and "Traceback" not in output
        conn = sqlite3.connect(tmp_path / "h.db")
        assert conn.execute("SELECT status FROM runs").fetchall() == [("interrupted",)]
        conn.close()
    else:
        assert proc.returncode == -signal.SIGKILL
    assert not list((tmp_path / "out").rglob(".*"))  # no temporary files
    # The next run takes the lock and completes.
    summary = nightly.run_nightly(slow_inbox, tmp_path / "h.db", tmp_path / "out")
    assert [o.project_id for o in summary.scanned] == ["SLOW-1"]
    assert summary.interrupted_runs == (1 if signum == signal.SIGKILL else 0)


LEFTOVER_HOLDER = """
import fcntl, os, sys, time
fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT, 0o600)
fcntl.flock(fd, fcntl.LOCK_EX)
os.ftruncate(fd, 0)
os.write(fd, (sys.argv[2] + "\\n").encode())
print("holding", flush=True)
time.sleep(60)
"""


def dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_lock_held_for_a_dead_run_is_taken_over(tmp_path):
    """A leftover process holding the lock of a run that died does not block the next."""
    db_path = tmp_path / "h.db"
    lock = nightly_lock.lock_path_for(db_path)
    holder = subprocess.Popen(
        [sys.executable, "-c", LEFTOVER_HOLDER, str(lock), str(dead_pid())],
        stdout=subprocess.PIPE,
    )
    try:
        assert holder.stdout.readline() == b"holding\n"
        lines: list[str] = []
        with nightly_lock.nightly_lock(db_path, lines.append) as path:
            assert path.read_text().strip() == str(os.getpid())
        assert "[lock]" in lines[0] and "替换锁文件" in lines[0]
    finally:
        holder.kill()
        holder.wait()


def test_lock_held_by_a_live_run_is_refused(tmp_path):
    db_path = tmp_path / "h.db"
    lock = nightly_lock.lock_path_for(db_path)
    holder = subprocess.Popen(
        [sys.executable, "-c", LEFTOVER_HOLDER, str(lock), "self"], stdout=subprocess.PIPE
    )
    try:
        assert holder.stdout.readline() == b"holding\n"
        lock.write_text(f"{holder.pid}\n")
        with pytest.raises(LockHeld, match=f"pid {holder.pid}"), nightly_lock.nightly_lock(db_path):
            pass
    finally:
        holder.kill()
        holder.wait()


def test_forked_children_do_not_hold_the_lock(tmp_path):
    """A child forked while the lock is held (as workers are) closes it at once."""
    db_path = tmp_path / "h.db"
    read_end, write_end = os.pipe()
    with nightly_lock.nightly_lock(db_path):
        pid = os.fork()
        if pid == 0:  # the child: report whether the lock file is among its open files
            lock = str(nightly_lock.lock_path_for(db_path))
            held = any(
                os.path.realpath(f"/proc/self/fd/{fd}") == lock
                for fd in os.listdir("/proc/self/fd")
            )
            os.write(write_end, b"1" if held else b"0")
            os._exit(0)
        os.close(write_end)
        answer = os.read(read_end, 1)
        os.waitpid(pid, 0)
    os.close(read_end)
    assert answer == b"0"


@pytest.mark.parametrize("signum", [signal.SIGKILL, signal.SIGTERM], ids=["SIGKILL", "SIGTERM"])
def test_killed_scan_leaves_no_process(slow_inbox, tmp_path, signum, monkeypatch):
    report = tmp_path / "out" / "report.json"
    temp = tmp_path / "tmp"
    temp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    proc = start(
        "scan", str(slow_inbox / "p1"), "-o", str(report), "--db", str(tmp_path / "h.db"), temp=temp
    )
    left = kill_run(proc, signum, wait_for_workers(proc))
    assert left == [], f"processes of the scan still alive {SETTLE_SECONDS}s later: {left}"
    if signum == signal.SIGTERM:
        output = proc.stdout.read().decode()
        assert proc.returncode == 128 + signal.SIGTERM, output
        assert "被 SIGTERM 中断" in output and "Traceback" not in output
    assert not report.exists() and not list(report.parent.glob(".*"))
    # The workers' temporary folder: removed on SIGTERM; after SIGKILL, by the next pool.
    pools = list(Path(tempfile.gettempdir()).glob(f"{POOL_TEMP_PREFIX}{proc.pid}-*"))
    if signum == signal.SIGTERM:
        assert pools == []
    else:
        assert pools
        remove_pool_temp_dir(make_pool_temp_dir())
        assert not any(p.exists() for p in pools)


def descendants(pid: int) -> dict[int, str]:
    """Live descendants of ``pid`` with their command names."""
    table = processes()
    found: dict[int, str] = {}
    frontier = [pid]
    while frontier:
        parent = frontier.pop()
        for child, (ppid, _group) in table.items():
            if ppid == parent and child not in found:
                found[child] = (
                    Path(f"/proc/{child}/comm").read_text().strip() if stat_fields(child) else ""
                )
                frontier.append(child)
    return found


@pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) is not installed")
def test_killed_scan_leaves_no_libreoffice(tmp_path):
    """LibreOffice converting a DOC inside a worker dies with the run."""
    project = tmp_path / "p"
    source = synth.write_docx(
        tmp_path / "src" / "a.docx", plan_paragraphs(3, "中山市乙建设有限公司")
    )
    doc = convert(source, "doc", tmp_path / "converted").read_bytes()
    for bidder in ("b1", "b2"):
        for n in range(3):
            target = project / "bids" / bidder / f"技术标{n}.doc"
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(doc)
    proc = start("scan", str(project), "-o", str(tmp_path / "r.json"))
    deadline = time.monotonic() + 120
    while "soffice.bin" not in (tree := descendants(proc.pid)).values():
        if proc.poll() is not None or time.monotonic() > deadline:
            kill_run(proc, signal.SIGKILL)
            raise AssertionError("no LibreOffice conversion was seen")
        time.sleep(0.05)
    left = kill_run(proc, signal.SIGKILL, list(tree))
    assert left == [], f"still alive: {[(p, tree.get(p)) for p in left]}"
