"""Pages per second of `collusion scan` next to bare PyMuPDF text extraction.

Generates a project of Chinese PDF and DOCX bids (tools/synth.py), then in
one run measures:
  1. bare PyMuPDF: open each PDF and call page.get_text() on every page, in
     one process (the floor any PDF tool pays);
  2. the extraction stage alone (collusion.extract.extract_files: worker
     processes, text with font sizes, metadata, ids, images, tables);
  3. the whole scan (scan_project: extraction, sections, every detector,
     scoring, report).
Figures are printed as pages per second and as ratios to (1), since absolute
speed depends on the machine.

    python benchmarks/extract_bench.py [--bidders 10] [--pages 40]
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from pathlib import Path

import pymupdf

from collusion.extract import extract_files
from collusion.project import load_project
from collusion.scan import scan_project

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tools/ is not installed
from tools import synth  # noqa: E402


def build_project(root: Path, bidders: int, pages: int) -> int:
    """A project of `bidders` PDF bids of about `pages` pages; returns PDF pages."""
    meta = {"id": "BENCH", "name": "基准测试工程", "bidders": {}}
    total_pages = 0
    for n in range(1, bidders + 1):
        bidder = f"b{n:02d}"
        rng = random.Random(n)
        company = f"基准第{n}建设有限公司"
        meta["bidders"][bidder] = {"name": company}
        plan = synth.technical_plan(rng, company, sections=8, paragraphs_per_section=6)
        page_items: list[list] = []
        while len(page_items) < pages:
            for heading, paragraphs in plan:
                page_items.append([(heading, 1), *paragraphs])
                if len(page_items) >= pages:
                    break
        path = synth.write_pdf(root / "bids" / bidder / "技术标.pdf", page_items)
        with pymupdf.open(path) as doc:
            total_pages += doc.page_count
        synth.write_docx(root / "bids" / bidder / "商务标.docx",
                         [(h, 1) for h, _ in plan[:3]] + [p for _, ps in plan[:3] for p in ps])
    (root / "project.json").write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
    return total_pages


def bare_pymupdf(pdfs: list[Path]) -> float:
    started = time.perf_counter()
    for path in pdfs:
        with pymupdf.open(path) as doc:
            for page in doc:
                page.get_text()
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bidders", type=int, default=10)
    parser.add_argument("--pages", type=int, default=40)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "project"
        pages = build_project(root, args.bidders, args.pages)
        pdfs = sorted(root.glob("bids/*/*.pdf"))
        bare = bare_pymupdf(pdfs)
        project = load_project(root)
        rels = [p for files in project.bidder_files.values() for p in files]
        started = time.perf_counter()
        extract_files(root, rels)
        extract = time.perf_counter() - started
        started = time.perf_counter()
        report = scan_project(root).report
        scan = time.perf_counter() - started
    print(f"project: {args.bidders} bidders, {pages} PDF pages (+ {args.bidders} DOCX files)")
    print(f"bare PyMuPDF get_text, 1 process : {pages / bare:8.1f} pages/s  (1.00x)")
    print(f"collusion extraction stage       : {pages / extract:8.1f} pages/s  "
          f"({bare / extract:.2f}x of bare)")
    print(f"collusion scan, end to end       : {pages / scan:8.1f} pages/s  "
          f"({bare / scan:.2f}x of bare)")
    print(f"alerts: {len(report['alerts'])}, errors: {len(report['errors'])}")


if __name__ == "__main__":
    main()
