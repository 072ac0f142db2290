"""The headless-Chromium render check the HTML tests share (scripts/check_html_chromium.py)."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = Path("/usr/bin/chromium")

needs_chromium = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason="Debian's chromium is not installed (apt-get install chromium); "
    "the headless render check needs it",
)


def render_in_chromium(
    page: Path, screenshot: Path, expect: Iterable[str] = ()
) -> subprocess.CompletedProcess[str]:
    """Render ``page`` headless, write ``screenshot``, and look for each ``expect`` text."""
    return subprocess.run(
        [
            sys.executable,
            str(ROOT / "scripts" / "check_html_chromium.py"),
            str(page),
            "--screenshot",
            str(screenshot),
            *(arg for text in expect for arg in ("--expect", text)),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
