"""SIGTERM arriving while the scan imports its later stages (the workers reading).

The process under test holds one module's import (tests/held_import.py)
until this test has sent the signal: the signal lands inside that import
every time. The run must end as interrupted, and a process that goes on
(as a library caller may, or nightly's next project) must import and scan
as if nothing happened: no module left half-imported.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from held_import import MARK

from collusion.errors import Interrupted
from collusion.runtime.lifecycle import ending_on_signals, signals_held
from collusion.scan import LATER_STAGES, scan_project

pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc")

TESTS = Path(__file__).parent
SAMPLE = TESTS.parent / "sample_bids" / "road-2026-017"
AT = datetime(2026, 1, 1, tzinfo=UTC)
# Imported by the scan only while its workers read (LATER_STAGES): SciPy
# (through datasketch) after its body ran, a package while its __init__
# imports it, scikit-learn's TF-IDF before its body ran.
HELD = [
    ("scipy", "after"),
    ("collusion.detectors.near_duplicate_text", "before"),
    ("sklearn.feature_extraction.text", "before"),
]

SCAN_TWICE = """
import json, sys
sys.path.insert(0, {tests!r})
import held_import
held_import.hold({name!r}, {when!r})
from datetime import datetime, timezone
from collusion.errors import Interrupted
from collusion.runtime.lifecycle import ending_on_signals
from collusion.scan import scan_project

at = datetime(2026, 1, 1, tzinfo=timezone.utc)
try:
    with ending_on_signals():
        scan_project({root!r}, generated_at=at)
    print("not interrupted")
except Interrupted as exc:
    print("interrupted", exc.signum)
half = [
    name for name, module in list(sys.modules.items())
    if getattr(getattr(module, "__spec__", None), "_initializing", False)
]
print("half-imported", half)
report = scan_project({root!r}, generated_at=at).report
with open({out!r}, "w", encoding="utf-8") as file:
    json.dump(report, file, ensure_ascii=False)
"""

NIGHTLY = """
import sys
sys.path.insert(0, {tests!r})
import held_import
held_import.hold({name!r}, {when!r})
sys.argv = ["collusion", "nightly", {inbox!r}, "--db", {db!r}, "--out", {out!r}]
from collusion.cli import main
main()
"""


def children(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        if entry.isdigit() and int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            found.append(int(entry))
    return found


def run_held(script: str) -> tuple[int, str, str]:
    """Run ``script``; send SIGTERM to it when it holds its import (while its
    extraction workers read), then let the import go on. Its exit status,
    standard output and error."""
    proc = subprocess.Popen(
        [sys.executable, "-c", script],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    assert proc.stdin is not None and proc.stderr is not None
    seen = []
    try:
        for line in proc.stderr:  # blocks until the import is held
            seen.append(line.decode(errors="replace"))
            if line.startswith(MARK.encode()):
                break
        else:
            proc.wait(120)
            raise AssertionError(f"the import was never held: {''.join(seen)}")
        assert children(proc.pid), "the import was held before the workers started"
        os.kill(proc.pid, signal.SIGTERM)
        proc.stdin.write(b"go\n")
        proc.stdin.flush()
        out, err = proc.communicate(timeout=300)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    return proc.returncode, out.decode(), "".join(seen) + err.decode()


def test_a_signal_held_takes_effect_when_the_block_ends():
    done = []
    before = signal.getsignal(signal.SIGTERM)
    with pytest.raises(Interrupted) as raised, ending_on_signals():
        with signals_held():
            with signals_held():  # nested: the outer block ends the run
                os.kill(os.getpid(), signal.SIGTERM)
                done.append("inner")
            done.append("outer")
        done.append("after")  # not reached
    assert raised.value.signum == signal.SIGTERM
    assert done == ["inner", "outer"]
    assert signal.getsignal(signal.SIGTERM) == before  # every handler restored


WAIT = """
import sys
import collusion.scan as scan
print("at start-up", [name for name in scan.LATER_STAGES if name in sys.modules])
from collusion.settings import Settings
scan.warm_up(Settings())
after = set(sys.modules)
from collusion.analysis import minhash
from collusion.analysis.text.aggregation import tfidf_tools
minhash.datasketch()
tfidf_tools()
print("after the wait", sorted(set(sys.modules) - after))
"""


def test_the_later_stages_are_imported_in_the_wait_not_at_start_up():
    """Importing the scan imports none of them (start-up stays light); the
    wait imports everything the text comparison imports on first use, so
    none of it is imported later, where nothing holds an interrupt."""
    done = subprocess.run(
        [sys.executable, "-c", WAIT], capture_output=True, text=True, check=True, timeout=300
    )
    assert done.stdout.splitlines() == ["at start-up []", "after the wait []"], done.stdout


def test_held_modules_are_later_stages():
    """The held modules are ones the scan imports while its workers read."""
    assert {"datasketch", "sklearn.feature_extraction.text", "collusion.detectors"} <= set(
        LATER_STAGES
    )


@pytest.mark.parametrize(("name", "when"), HELD, ids=[f"{n}-{w}" for n, w in HELD])
def test_sigterm_in_an_import_interrupts_and_the_next_scan_is_whole(tmp_path, name, when):
    out = tmp_path / "report.json"
    script = SCAN_TWICE.format(
        tests=str(TESTS), name=name, when=when, root=str(SAMPLE), out=str(out)
    )
    status, stdout, stderr = run_held(script)
    assert status == 0, stderr
    assert "interrupted 15" in stdout.splitlines(), stdout
    assert "half-imported []" in stdout.splitlines(), stdout
    # The same process's next scan: the report of a scan in a fresh process.
    again = json.loads(out.read_text(encoding="utf-8"))
    assert again == json.loads(json.dumps(scan_project(SAMPLE, generated_at=AT).report))


def test_sigterm_in_an_import_ends_the_nightly_as_interrupted(tmp_path):
    inbox = tmp_path / "inbox"
    for sample in ("road-2026-017", "school-2026-031"):
        shutil.copytree(TESTS.parent / "sample_bids" / sample, inbox / sample)
    db = tmp_path / "h.db"
    script = NIGHTLY.format(
        tests=str(TESTS),
        name="sklearn.feature_extraction.text",
        when="after",
        inbox=str(inbox),
        db=str(db),
        out=str(tmp_path / "out"),
    )
    status, stdout, stderr = run_held(script)
    output = stdout + stderr
    assert status == 128 + signal.SIGTERM, output
    assert "被 SIGTERM 中断" in output and "Traceback" not in output, output
    conn = sqlite3.connect(db)
    try:
        assert conn.execute("SELECT status FROM runs").fetchall() == [("interrupted",)]
        assert conn.execute("SELECT folder, status FROM inbox_projects").fetchall() == []
    finally:
        conn.close()
