#!/usr/bin/env python3
"""Make docs/report-screenshot.png from a real scan of the school sample, and
docs/rings-screenshot.png from a real ring search.

Usage:
    python scripts/screenshot.py [--project sample_bids/school-2026-031]
                                 [--out docs/report-screenshot.png]
    python scripts/screenshot.py --rings [--out docs/rings-screenshot.png]

With ``--rings`` the page is the rings page of the archive docs/rings.md
shows (``tools.tenders.generate(seed=RINGS_SEED)``, imported into a fresh
history and searched as ``collusion history rings --html`` does),
photographed 1,280 pixels wide and 1,500 high.

Scans the project (``collusion.scan.scan_project``, as ``collusion scan``
does), writes its HTML page into a temporary folder, checks the page in
headless Chromium and photographs it there exactly as
``scripts/check_html_chromium.py`` does (no network, a throw-away profile,
no console message allowed), 1280 pixels wide and 2,400 high, then reduces
the picture to 256 colours. The PNG carries, in a text chunk named
``collusion-report``, the digest of the page it shows (``page_digest``);
``tests/test_sample_bids.py`` scans the sample and fails when the digest
differs, so the picture in the documents is never of an older report or an
older page.

Needs Debian's ``chromium`` and a CJK font (``fonts-noto-cjk`` or
``fonts-wqy-microhei``) for the Chinese text, and Pillow (in the test
extras). Exit status: 0 when the picture was written, 1 when the page failed
its check, 2 when Chromium could not be run.
"""

from __future__ import annotations

import argparse
import hashlib
import sys
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DIGEST_KEY = "collusion-report"
WINDOW = "1280,2400"
COLOURS = 256
# The time the digest renders every page with (the page shows when it was made).
FIXED_TIME = "2026-01-01T00:00:00Z"
RINGS_SEED = 3  # the archive of docs/rings.md
RINGS_WINDOW = "1280,1500"
RINGS_EXPECT = ("跨标段企业组风险线索报告", "企业组关系图")


def page_digest(report: Mapping[str, Any]) -> str:
    """SHA-256 of the HTML page a report makes, everything but the time it was made.

    The page is rendered as ``collusion render`` renders it, with the report's
    ``generated_at`` set to a fixed time: a change to the report or to the
    page's code (template, styles, labels) changes the digest.
    """
    from collusion.report.html import render_html

    page = render_html({**report, "generated_at": FIXED_TIME})
    return hashlib.sha256(page.encode("utf-8")).hexdigest()


def rings_page_digest(report: Mapping[str, Any]) -> str:
    """SHA-256 of the rings page a ring report makes, everything but its time."""
    from collusion.report.html.rings import render_rings_html

    page = render_rings_html({**report, "generated_at": FIXED_TIME})
    return hashlib.sha256(page.encode("utf-8")).hexdigest()


def rings_report(folder: Path) -> dict[str, Any]:
    """The ring report of docs/rings.md's archive, searched in a fresh history under ``folder``."""
    sys.path.insert(0, str(ROOT))
    from collusion import store
    from collusion.store.archive import import_archive
    from collusion.store.rings import search_rings
    from tools import tenders

    rows, _ = tenders.generate(seed=RINGS_SEED)
    archive = tenders.write_csv(rows, folder / "archive.csv")
    db = store.open_db(folder / "rings.db")
    try:
        import_archive(db, archive)
        return search_rings(db)
    finally:
        db.close()


def picture_digest(png: Path) -> str | None:
    """The page digest a screenshot carries, or None."""
    from PIL import Image

    with Image.open(png) as image:
        return image.info.get(DIGEST_KEY)


def shrink(png: Path, digest: str) -> None:
    """The screenshot reduced to COLOURS colours, with the page's digest in a text chunk."""
    from PIL import Image, PngImagePlugin

    with Image.open(png) as image:
        small = image.convert("RGB").quantize(colors=COLOURS, method=Image.Quantize.MEDIANCUT)
    info = PngImagePlugin.PngInfo()
    info.add_text(DIGEST_KEY, digest)
    small.save(png, optimize=True, pnginfo=info)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--project", type=Path, default=ROOT / "sample_bids" / "school-2026-031")
    parser.add_argument("--rings", action="store_true", help="the rings page of docs/rings.md")
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--chromium", default=None, help="the Chromium binary")
    args = parser.parse_args(argv)

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import check_html_chromium as browser

    from collusion.report.html import write_html
    from collusion.report.html.rings import write_rings_html
    from collusion.scan import scan_project

    chromium = args.chromium or browser.DEFAULT_CHROMIUM
    if not Path(chromium).exists():
        print(f"error: {chromium} not found; install it with `apt-get install -y chromium`")
        return 2
    name = "rings" if args.rings else "report"
    out = args.out or ROOT / "docs" / f"{name}-screenshot.png"
    with tempfile.TemporaryDirectory(prefix="collusion-screenshot-") as tmp:
        page = Path(tmp) / f"{name}.html"
        shot = Path(tmp) / "shot.png"
        if args.rings:
            report = rings_report(Path(tmp))
            write_rings_html(report, page)
            expect, window, digest = list(RINGS_EXPECT), RINGS_WINDOW, rings_page_digest(report)
        else:
            report = scan_project(args.project).report
            write_html(report, page)
            expect, window, digest = list(browser.DEFAULT_EXPECT), WINDOW, page_digest(report)
        try:
            notes = browser.check(page, chromium, expect, shot, None, window, 180.0)
        except browser.CheckFailed as exc:
            print(f"FAILED: {exc}", file=sys.stderr)
            return 1
        except OSError as exc:
            print(f"error: could not run {chromium}: {exc}", file=sys.stderr)
            return 2
        shrink(shot, digest)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(shot.read_bytes())
    for note in notes:
        print(note)
    shown = f"the archive of seed {RINGS_SEED}" if args.rings else args.project.name
    print(f"wrote {out} ({out.stat().st_size:,} bytes) of {shown}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
