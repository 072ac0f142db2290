"""The documents show what the code prints today.

Every command output, help text and report excerpt in README.md and docs/
sits in a cog block that runs the real command (tools/docs.py). This test
runs ``cog --check``: a block whose text differs from a fresh run fails it,
with the file and block named. ``cog -r -I . README.md docs/*.md`` brings
them up to date.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def documents() -> list[Path]:
    return [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def test_the_documents_hold_generated_examples():
    with_blocks = [p.name for p in documents() if "[[[cog" in p.read_text(encoding="utf-8")]
    assert "cli.md" in with_blocks


def test_every_generated_example_is_current():
    done = subprocess.run(
        [sys.executable, "-m", "cogapp", "--check", "-I", ".", *map(str, documents())],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=1200,
    )
    assert done.returncode == 0, (
        "a document no longer shows what the code prints; run "
        "`cog -r -I . README.md docs/*.md` and review the change:\n" + done.stdout + done.stderr
    )
