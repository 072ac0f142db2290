"""The limits of ExtractSettings hold, in bounded time and memory, and a
parser that hangs or dies takes only its own file with it.

Time and peak memory are measured in a fresh process and printed (run with
``-s`` to see them); the assertions only use generous bounds.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import REPO, plan_paragraphs
from test_hostile import GiB, bomb_docx, docx_from_parts, docx_parts, slow_pdf, text_pages_pdf

from collusion.extract.pool import extract_files
from collusion.scan import scan_project
from collusion.settings import ExtractSettings, Settings
from tools import synth

# Peak memory is VmHWM where there is /proc: ru_maxrss survives exec on
# Linux, so it would report the (larger) test process that forked this one.
MEASURE = """
import json, resource, sys, time
from pathlib import Path
from collusion.extract import extract_file
started = time.monotonic()
result = extract_file(sys.argv[1], sys.argv[2])
seconds = time.monotonic() - started
status = Path("/proc/self/status")
if status.exists():
    peak = int(status.read_text().split("VmHWM:")[1].split()[0]) / 1024
else:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"seconds": seconds, "peak_mib": peak, "status": result.status,
                  "error": result.error, "pages": result.pages}))
"""


def measure(root: Path, rel: str) -> dict:
    """extract_file on one file in a fresh process: its time and peak RSS."""
    done = subprocess.run(
        [sys.executable, "-c", MEASURE, str(root), rel],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=REPO,
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    print(
        f"\n{rel}: {result['status']} in {result['seconds']:.2f} s, "
        f"peak RSS {result['peak_mib']:.0f} MiB"
    )
    return result


def test_five_thousand_pages_read_up_to_max_pages(tmp_path: Path) -> None:
    started = time.monotonic()
    (tmp_path / "big.pdf").write_bytes(text_pages_pdf(5000))
    print(f"\n5,000-page PDF written in {time.monotonic() - started:.2f} s")
    result = measure(tmp_path, "big.pdf")
    assert result["status"] == "partial"
    assert result["pages"] == 5000
    assert "共 5000 页" in result["error"] and "3000 页上限" in result["error"]
    assert result["seconds"] < 90
    assert result["peak_mib"] < 1500


def test_three_gib_bomb_is_refused_at_once(tmp_path: Path) -> None:
    good = synth.write_docx(tmp_path / "good.docx", ["正文"])
    started = time.monotonic()
    (tmp_path / "bomb.docx").write_bytes(bomb_docx(docx_parts(good), "word/document.xml", 3 * GiB))
    print(
        f"\n3 GiB bomb written in {time.monotonic() - started:.2f} s, "
        f"{(tmp_path / 'bomb.docx').stat().st_size / 2**20:.1f} MiB on disk"
    )
    result = measure(tmp_path, "bomb.docx")
    assert result["status"] == "refused" and "压缩炸弹" in result["error"]
    assert result["seconds"] < 10
    assert result["peak_mib"] < 500


def test_sparse_file_is_refused_on_size(tmp_path: Path) -> None:
    with (tmp_path / "huge.pdf").open("wb") as handle:
        handle.write(b"%PDF-1.7\n")
        handle.truncate(5 * GiB)
    result = measure(tmp_path, "huge.pdf")
    assert result["status"] == "refused" and "5.0 GiB" in result["error"]
    assert result["seconds"] < 5
    assert result["peak_mib"] < 500


def _slow_bidder(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    folder = root / "bids" / "b1"
    folder.mkdir(parents=True)
    synth.write_docx(folder / "技术标.docx", plan_paragraphs(1, "甲公司"))
    (folder / "慢.pdf").write_bytes(slow_pdf(400_000))  # tens of seconds unbounded
    other = root / "bids" / "b2"
    other.mkdir()
    synth.write_docx(other / "技术标.docx", plan_paragraphs(2, "乙公司"))
    return root


def _files(report: dict) -> dict[str, dict]:
    return {f["path"]: f for b in report["bidders"] for f in b["files"]}


def test_a_file_over_its_time_budget_is_abandoned(tmp_path: Path) -> None:
    root = _slow_bidder(tmp_path)
    settings = Settings(extract=ExtractSettings(seconds_per_file=2.0, workers=2))
    started = time.monotonic()
    report = scan_project(root, settings).report
    elapsed = time.monotonic() - started
    print(f"\nscan with a slow file and a 2 s budget: {elapsed:.1f} s")
    files = _files(report)
    slow = files["bids/b1/慢.pdf"]
    assert slow["status"] == "error" and "2 秒时间上限" in slow["error"]
    assert (slow["format"], len(slow["sha256"])) == ("pdf", 64)  # still comparable
    assert files["bids/b1/技术标.docx"]["status"] == "ok"
    assert files["bids/b2/技术标.docx"]["status"] == "ok"
    assert next(b for b in report["bidders"] if b["id"] == "b1")["files_not_analysed"] == 1
    assert elapsed < 20


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs POSIX signals")
def test_a_worker_killed_by_a_signal_costs_only_its_file(tmp_path: Path) -> None:
    root = _slow_bidder(tmp_path)
    rels = ["bids/b1/慢.pdf", "bids/b1/技术标.docx", "bids/b2/技术标.docx"]
    before = {p.pid for p in multiprocessing.active_children()}
    results: dict = {}
    runner = threading.Thread(
        target=lambda: results.update(
            extract_files(root, rels, ExtractSettings(workers=1, seconds_per_file=60))
        )
    )
    runner.start()
    # With one worker, files go in sorted order: the slow PDF is first.
    deadline = time.monotonic() + 20
    victim = None
    while victim is None and time.monotonic() < deadline:
        fresh = [p for p in multiprocessing.active_children() if p.pid not in before]
        victim = fresh[0] if fresh else None
        time.sleep(0.2)
    assert victim is not None
    time.sleep(1.0)  # well inside the slow PDF
    os.kill(victim.pid, signal.SIGKILL)  # as the kernel's OOM killer would
    runner.join(60)
    assert not runner.is_alive()
    assert results["bids/b1/慢.pdf"].status == "error"
    assert "异常退出" in results["bids/b1/慢.pdf"].error
    assert results["bids/b1/技术标.docx"].status == "ok"
    assert results["bids/b2/技术标.docx"].status == "ok"


@dataclass(frozen=True)
class _TightMemory(ExtractSettings):
    """ExtractSettings with a worker memory cap low enough to hit."""

    max_worker_memory_bytes: int = 0


def _memory_hungry_docx(path: Path) -> Path:
    """A 100 KiB DOCX whose body is seven million empty paragraphs: about a
    gigabyte once parsed."""
    parts = docx_parts(synth.write_docx(path.with_suffix(".seed.docx"), ["正文"]))
    body = parts["word/document.xml"]
    at = body.index(b"<w:body>") + len(b"<w:body>")
    parts["word/document.xml"] = body[:at] + b"<w:p/>" * (7 * 2**20) + body[at:]
    path.write_bytes(docx_from_parts(parts))
    return path


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs Linux /proc")
def test_a_file_over_the_memory_cap_is_reported(tmp_path: Path) -> None:
    if "fork" not in multiprocessing.get_all_start_methods():
        pytest.skip("the cap is set relative to a forked worker's size")
    root = tmp_path / "project"
    folder = root / "bids" / "b1"
    folder.mkdir(parents=True)
    synth.write_docx(folder / "技术标.docx", plan_paragraphs(1, "甲公司"))
    _memory_hungry_docx(folder / "大.docx")
    status = Path("/proc/self/status").read_text()
    address_space = int(status.split("VmSize:")[1].split()[0]) * 1024
    # A forked worker starts at this process's size; 250 MiB more reads a
    # normal DOCX but not seven million paragraphs.
    settings = _TightMemory(
        max_worker_memory_bytes=address_space + 250 * 2**20, workers=1, seconds_per_file=60
    )
    results = extract_files(root, ["bids/b1/大.docx", "bids/b1/技术标.docx"], settings)
    hungry = results["bids/b1/大.docx"]
    assert hungry.status == "error"
    print(f"\nover the memory cap: {hungry.error}")
    assert "内存" in hungry.error or "异常退出" in hungry.error, hungry.error
    assert results["bids/b1/技术标.docx"].status == "ok"
