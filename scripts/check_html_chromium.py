#!/usr/bin/env python3
"""Open an HTML report in headless Chromium and check that it renders cleanly.

Usage:
    python scripts/check_html_chromium.py REPORT.html [--screenshot FILE.png] [--pdf FILE.pdf]

Runs Debian's ``/usr/bin/chromium`` (``apt-get install chromium``) with a
throw-away profile and checks that:

* the page loads and its DOM holds the report (the expected headings);
* nothing was written to the browser console (the report has no script, so
  any console message, "Uncaught ..." above all, is a fault);
* the page made no network request: every request the browser makes is sent
  to a dead proxy on the loopback address, so nothing leaves the machine, and
  the network log is read for requests made on behalf of the page.

With ``--screenshot`` it also writes a PNG of the first screen (1280 px wide
by default); with ``--pdf`` it prints the page to PDF (A4 by the page's own
print CSS) and reports the page count.

Exit status: 0 when every check passed, 1 when one failed, 2 when Chromium
could not be run.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import struct
import subprocess
import sys
import tempfile
from pathlib import Path

DEFAULT_CHROMIUM = "/usr/bin/chromium"
DEFAULT_EXPECT = ("围标串标风险线索报告", "投标人与文件", "投标人关联矩阵", "标记的投标人对")
BASE_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--hide-scrollbars",
    # Chromium calls home (time, updates, accounts) even with the flags above:
    # resolve no name and send every request to a closed loopback port.
    "--host-resolver-rules=MAP * ~NOTFOUND",
    "--proxy-server=127.0.0.1:9",
    "--proxy-bypass-list=<-loopback>",
)
CONSOLE = re.compile(r":CONSOLE[:(]|Uncaught")


class CheckFailed(Exception):
    """The page did not render as it should."""


def run_chromium(
    chromium: str, profile: Path, extra: list[str], url: str, timeout: float
) -> subprocess.CompletedProcess[str]:
    """One Chromium run; the whole process group is killed on timeout."""
    args = [chromium, *BASE_FLAGS, f"--user-data-dir={profile}", *extra, url]
    proc = subprocess.Popen(
        args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True
    )
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        raise CheckFailed(f"chromium did not finish within {timeout:.0f} s") from None
    return subprocess.CompletedProcess(args, proc.returncode, out, err)


def page_requests(net_log: Path) -> list[str]:
    """URLs the page itself asked the network for (file:// pages have a file:// key)."""
    try:
        data = json.loads(net_log.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        # Chromium may leave the log without its closing bracket when killed.
        text = net_log.read_text(encoding="utf-8", errors="replace").rstrip().rstrip(",")
        data = json.loads(text + "]}")
    names = {v: k for k, v in data["constants"]["logEventTypes"].items()}
    urls = []
    for event in data.get("events", []):
        params = event.get("params") or {}
        if names.get(event.get("type")) != "URL_REQUEST_START_JOB" or "url" not in params:
            continue
        if "file://" in str(params.get("network_isolation_key", "")):
            urls.append(params["url"])
    return sorted(set(urls))


def png_size(path: Path) -> tuple[int, int]:
    head = path.read_bytes()[:24]
    if head[:8] != b"\x89PNG\r\n\x1a\n":
        raise CheckFailed(f"{path} is not a PNG")
    return struct.unpack(">II", head[16:24])


def write_output(
    chromium: str, profile: Path, url: str, timeout: float, target: Path, flags: list[str]
) -> None:
    """One Chromium run that writes ``target`` (a screenshot or a PDF)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    run = run_chromium(chromium, profile, flags, url, timeout)
    if run.returncode != 0 or not target.exists():
        raise CheckFailed(f"{target} was not written:\n{run.stderr[-2000:]}")


def check(
    report: Path,
    chromium: str,
    expect: list[str],
    screenshot: Path | None,
    pdf: Path | None,
    window: str,
    timeout: float,
) -> list[str]:
    """Run every check; return the lines to print. Raises CheckFailed."""
    url = report.resolve().as_uri()
    notes = []
    with tempfile.TemporaryDirectory(prefix="collusion-chromium-") as tmp:
        tmpdir = Path(tmp)
        net_log = tmpdir / "net.json"
        run = run_chromium(
            chromium,
            tmpdir / "profile",
            ["--enable-logging=stderr", "--v=0", f"--log-net-log={net_log}", "--dump-dom"],
            url,
            timeout,
        )
        if run.returncode != 0:
            raise CheckFailed(f"chromium exited with {run.returncode}:\n{run.stderr[-2000:]}")
        dom = run.stdout
        missing = [text for text in expect if text not in dom]
        if "<main" not in dom or missing:
            raise CheckFailed(f"the rendered DOM lacks {missing or ['<main>']}")
        console = [line for line in run.stderr.splitlines() if CONSOLE.search(line)]
        if console:
            raise CheckFailed("console messages:\n" + "\n".join(console))
        requests = page_requests(net_log) if net_log.exists() else []
        if requests:
            raise CheckFailed("the page asked the network for:\n" + "\n".join(requests))
        notes.append(
            f"ok: DOM {len(dom):,} characters, no console message, "
            f"no network request ({'net log read' if net_log.exists() else 'no net log'})"
        )

        if screenshot is not None:
            write_output(
                chromium,
                tmpdir / "profile-shot",
                url,
                timeout,
                screenshot,
                [f"--screenshot={screenshot.resolve()}", f"--window-size={window}"],
            )
            width, height = png_size(screenshot)
            notes.append(
                f"ok: screenshot {screenshot} {width}x{height}, {screenshot.stat().st_size:,} bytes"
            )
        if pdf is not None:
            write_output(
                chromium,
                tmpdir / "profile-pdf",
                url,
                timeout,
                pdf,
                [f"--print-to-pdf={pdf.resolve()}", "--no-pdf-header-footer"],
            )
            if pdf.read_bytes()[:5] != b"%PDF-":
                raise CheckFailed(f"{pdf} is not a PDF")
            pages = len(re.findall(rb"/Type\s*/Page[^s]", pdf.read_bytes()))
            notes.append(f"ok: PDF {pdf} with {pages} page(s)")
    return notes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("report", type=Path, help="the HTML report to open")
    parser.add_argument("--screenshot", type=Path, help="write a PNG of the first screen here")
    parser.add_argument("--pdf", type=Path, help="print the page to this PDF")
    parser.add_argument("--window-size", default="1280,2000", help="WIDTH,HEIGHT of the screenshot")
    parser.add_argument(
        "--expect",
        action="append",
        help="text the rendered page must contain (repeatable; "
        "default: the report's section headings)",
    )
    parser.add_argument("--chromium", default=DEFAULT_CHROMIUM, help="the Chromium binary")
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds per Chromium run")
    args = parser.parse_args(argv)

    if not args.report.is_file():
        print(f"error: no such file: {args.report}", file=sys.stderr)
        return 2
    if not Path(args.chromium).exists():
        print(
            f"error: {args.chromium} not found; install it with `apt-get install -y chromium`",
            file=sys.stderr,
        )
        return 2
    try:
        notes = check(
            args.report,
            args.chromium,
            args.expect or list(DEFAULT_EXPECT),
            args.screenshot,
            args.pdf,
            args.window_size,
            args.timeout,
        )
    except CheckFailed as exc:
        print(f"FAILED: {args.report}: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"error: could not run {args.chromium}: {exc}", file=sys.stderr)
        return 2
    for note in notes:
        print(note)
    return 0


if __name__ == "__main__":
    sys.exit(main())
