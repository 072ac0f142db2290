"""Benchmark of the nightly run: many small projects, then a re-run with nothing new.

    python benchmarks/nightly_bench.py                 # 200 projects x 8 bidders
    python benchmarks/nightly_bench.py --projects 20   # a quick look

Generates an inbox of projects with real DOCX and PDF bids (tools/synth.py;
one small file per bidder, a ring of three companies reusing one lineage id
and plan across every tenth project so the cross-project detector has work),
then times, in one process:

1. the first nightly run over an empty database (every file is new);
2. a re-run with nothing new (hashing every file, scanning none);
3. a run after one file of one project changed.

Prints time per new file, the re-run's time and its ratio to the first run.
Not a timed test: numbers depend on the machine.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

from collusion.nightly.run import run_nightly

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tools/ is not installed
from tools import synth  # noqa: E402

RING = ("中山市恒达建设有限公司", "中山市盛远建设有限公司", "中山市华泰建设有限公司")
RING_EVERY = 10  # every tenth project has one ring member among its bidders


def make_inbox(inbox: Path, projects: int, bidders: int, seed: int = 7) -> int:
    """Write the projects; return the number of bid files."""
    rng = random.Random(seed)
    files = 0
    for p in range(projects):
        root = inbox / f"2026-{p:04d}"
        names = {f"b{b + 1:02d}": f"中山市第{p}{b}号建设有限公司" for b in range(bidders)}
        ring_member = RING[(p // RING_EVERY) % len(RING)] if p % RING_EVERY == 0 else None
        if ring_member:
            names["b01"] = ring_member
        meta = {
            "id": f"ZS-2026-{p:04d}",
            "name": f"第{p}号道路改造工程",
            "industry": "construction",
            "bidders": {
                b: {"name": n, "price": 1_000_000.0 + rng.randint(0, 99_999)}
                for b, n in names.items()
            },
        }
        (root / "bids").mkdir(parents=True, exist_ok=True)
        (root / "project.json").write_text(json.dumps(meta, ensure_ascii=False), "utf-8")
        for n, (bidder, company) in enumerate(sorted(names.items())):
            is_ring = company == ring_member
            text_rng = random.Random(424242 if is_ring else rng.random())
            plan = synth.technical_plan(text_rng, company, sections=3, paragraphs_per_section=2)
            items = synth.sections_to_paragraphs(plan)
            rsid = "00C0FFEE" if is_ring else f"{rng.getrandbits(32):08X}"
            if n % 2 == 0:
                synth.write_docx(
                    root / "bids" / bidder / "技术标.docx",
                    items,
                    rsid_root=rsid,
                    rsids=[rsid],
                    core={"author": "Administrator"},
                )
            else:
                synth.write_pdf(
                    root / "bids" / bidder / "技术标.pdf",
                    [items],
                    pdf_id=(f"{rng.getrandbits(128):032X}", f"{rng.getrandbits(128):032X}"),
                )
            files += 1
    return files


class StageClock:
    """Progress callback that records when each stage (hash, scan) ends."""

    def __init__(self) -> None:
        self.start = time.perf_counter()
        self.ends: dict[str, float] = {}

    def __call__(self, stage: str, done: int, total: int) -> None:
        if done == total:
            self.ends[stage] = time.perf_counter() - self.start


def timed_run(inbox: Path, work: Path) -> tuple[float, object, StageClock]:
    clock = StageClock()
    start = time.perf_counter()
    summary = run_nightly(inbox, work / "history.db", work / "out", progress=clock)
    return time.perf_counter() - start, summary, clock


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--projects", type=int, default=200)
    parser.add_argument("--bidders", type=int, default=8)
    parser.add_argument("--workdir", type=Path, help="keep the inbox and database here")
    parser.add_argument(
        "--reuse-inbox", action="store_true", help="with --workdir: keep an inbox made before"
    )
    args = parser.parse_args()

    work = args.workdir or Path(tempfile.mkdtemp(prefix="nightly-bench-"))
    inbox = work / "inbox"
    try:
        start = time.perf_counter()
        for stale in ("history.db", "history.db-wal", "history.db-shm", "out"):
            path = work / stale
            if path.is_dir():
                shutil.rmtree(path)
            elif path.exists():
                path.unlink()
        if args.reuse_inbox and inbox.is_dir():
            files = sum(1 for f in inbox.glob("*/bids/*/*") if f.is_file())
            print(f"reusing {inbox}: {files} bid files")
        else:
            if inbox.exists():
                shutil.rmtree(inbox)
            files = make_inbox(inbox, args.projects, args.bidders)
            size = sum(f.stat().st_size for f in inbox.rglob("*") if f.is_file())
            print(
                f"generated {args.projects} projects x {args.bidders} bidders = {files} bid "
                f"files ({size / 1e6:.1f} MB) in {time.perf_counter() - start:.1f} s"
            )

        first, summary, clock = timed_run(inbox, work)
        alerts = sum(p.alerts for p in summary.scanned)
        print(
            f"first run:  {first:8.2f} s  ({len(summary.scanned)} projects, {files} files, "
            f"{alerts} alerts)  {first / files * 1000:.1f} ms per new file  "
            f"[hashing {clock.ends.get('hash', 0):.2f} s]"
        )

        rerun, summary, _ = timed_run(inbox, work)
        assert summary.nothing_new, "the re-run scanned something"
        print(
            f"re-run:     {rerun:8.2f} s  (nothing new)  "
            f"{rerun / first:.4f} of the first run ({first / rerun:.0f}x faster)"
        )

        changed = next(inbox.glob("2026-0001/bids/b01/*"))
        changed.write_bytes(changed.read_bytes() + b"\n")
        one, summary, _ = timed_run(inbox, work)
        print(f"one change: {one:8.2f} s  ({len(summary.scanned)} project rescanned)")
        cross = sum(
            1
            for p in (work / "out").glob("ZS-*.json")
            for a in json.loads(p.read_text("utf-8"))["alerts"]
            if a["details"].get("scope") == "cross_project"
        )
        print(f"cross-project alerts in the reports: {cross}")
    finally:
        if args.workdir is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
