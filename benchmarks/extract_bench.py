"""Pages per second of `collusion scan` next to bare PyMuPDF text extraction.

Generates a project of Chinese PDF and DOCX bids (tools/synth.py), then in
one run measures:
  1. bare PyMuPDF: open each PDF and call page.get_text() on every page, in
     one process (the floor any PDF tool pays);
  2. the extraction stage alone (collusion.extract.pool.extract_files: worker
     processes, text with font sizes, metadata, ids, images, tables);
  3. the whole scan (scan_project: extraction, sections, every detector,
     scoring, report).
Figures are printed as pages per second and as ratios to (1), since absolute
speed depends on the machine.

With --files, it measures instead the CPU of extracting each file in this
process (collusion.extract.extract_file: the work one extraction worker does
per file) next to the CPU of its bare reading (PyMuPDF page.get_text() for a
PDF, python-docx paragraphs and table cells for a DOCX, as
benchmarks/scale_bench.py reads them), file by file in one run, and prints
per file type the ratio of the two. FOLDER is a project (its bids/*/* are
read) or any folder of .pdf and .docx files.

    python benchmarks/extract_bench.py [--bidders 10] [--pages 40]
    python benchmarks/extract_bench.py --files FOLDER [--repeat 3] [--limit N] [--each]
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import docx
import pymupdf

from collusion.extract import extract_file
from collusion.extract.pool import extract_files
from collusion.project import load_project
from collusion.runtime.heap import fewer_collections
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
        synth.write_docx(
            root / "bids" / bidder / "商务标.docx",
            [(h, 1) for h, _ in plan[:3]] + [p for _, ps in plan[:3] for p in ps],
        )
    (root / "project.json").write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
    return total_pages


def bare_pymupdf(pdfs: list[Path]) -> float:
    started = time.perf_counter()
    for path in pdfs:
        with pymupdf.open(path) as doc:
            for page in doc:
                page.get_text()
    return time.perf_counter() - started


def bare_read(path: Path) -> int:
    """Characters of one file read the plain way (PyMuPDF or python-docx)."""
    if path.suffix.lower() == ".pdf":
        with pymupdf.open(path) as doc:
            return sum(len(page.get_text()) for page in doc)
    document = docx.Document(str(path))
    chars = sum(len(p.text) for p in document.paragraphs)
    for table in document.tables:
        for row in table.rows:
            chars += sum(len(cell.text) for cell in row.cells)
    return chars


def _cpu(fn: Callable[..., object], *args: object) -> float:
    started = time.process_time()
    fn(*args)
    return time.process_time() - started


def files_of(folder: Path) -> list[Path]:
    """A project's bid files, or every PDF and DOCX under a folder."""
    bids = sorted(p for p in folder.glob("bids/*/*") if p.is_file())
    found = bids or sorted(p for p in folder.rglob("*") if p.is_file())
    return [p for p in found if p.suffix.lower() in (".pdf", ".docx")]


def per_file(folder: Path, repeat: int, limit: int | None, each: bool = False) -> None:
    """Extraction CPU next to bare-reading CPU, file by file, per file type."""
    fewer_collections()  # as in an extraction worker
    pymupdf.TOOLS.mupdf_display_errors(False)
    pymupdf.TOOLS.mupdf_display_warnings(False)
    rows: dict[str, list[tuple[float, float]]] = {}
    skipped = 0
    for path in files_of(folder)[:limit]:
        try:
            bare_read(path)  # warm: fonts, caches, imports
        except Exception:  # a file the bare reader cannot open has no ratio
            skipped += 1
            continue
        bare = extracted = float("inf")
        for _ in range(repeat):  # the fastest of each, taken side by side
            bare = min(bare, _cpu(bare_read, path))
            extracted = min(extracted, _cpu(extract_file, path.parent, path.name))
        rows.setdefault(path.suffix.lower().lstrip("."), []).append((bare, extracted))
        if each:
            print(
                f"  {extracted / max(bare, 1e-9):8.2f}x  {bare:7.3f} s  {path.relative_to(folder)}"
            )
    print(
        f"{folder}: extraction CPU per file against its bare reading "
        f"(fastest of {repeat}, one process)"
    )
    for kind, pairs in sorted(rows.items()):
        bare = sum(b for b, _ in pairs)
        extracted = sum(e for _, e in pairs)
        ratios = sorted(e / b for b, e in pairs if b > 0)
        median = ratios[len(ratios) // 2] if ratios else float("nan")
        print(
            f"  {kind:4s} {len(pairs):4d} files: bare {bare:7.3f} s, extraction "
            f"{extracted:7.3f} s CPU = {extracted / bare:5.2f}x "
            f"(per file median {median:.2f}x, max {max(ratios, default=float('nan')):.2f}x)"
        )
    if skipped:
        print(f"  {skipped} files the bare reader cannot open were left out")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bidders", type=int, default=10)
    parser.add_argument("--pages", type=int, default=40)
    parser.add_argument("--files", type=Path, help="per-file CPU ratios on this folder")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--limit", type=int, help="at most this many files")
    parser.add_argument("--each", action="store_true", help="print every file's ratio")
    args = parser.parse_args()
    if args.files:
        per_file(args.files, args.repeat, args.limit, args.each)
        return
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
    print(
        f"collusion extraction stage       : {pages / extract:8.1f} pages/s  "
        f"({bare / extract:.2f}x of bare)"
    )
    print(
        f"collusion scan, end to end       : {pages / scan:8.1f} pages/s  "
        f"({bare / scan:.2f}x of bare)"
    )
    print(f"alerts: {len(report['alerts'])}, errors: {len(report['errors'])}")


if __name__ == "__main__":
    main()
