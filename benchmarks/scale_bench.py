"""How `collusion scan` grows with the number of bidders, next to bare reading.

    python benchmarks/scale_bench.py                       # 10, 20, 40, 80 bidders
    python benchmarks/scale_bench.py --bidders 10 20 --pages 40
    python benchmarks/scale_bench.py --cache ~/.cache/collusion-bench   # keep projects

For each project size it generates (or reuses from ``--cache``) a project of
that many bidders, each with a technical bid PDF of about ``--pages`` pages
(headings, body text, a priced bill of quantities, two images) and a business
bid DOCX (a tenth of the pages, with a table); one bidder in ten copies a
chapter from the bidder before it, so the text engine has real work. Then, in
one run, side by side:

1. bare reading: every PDF page through PyMuPDF ``page.get_text()`` and every
   DOCX through python-docx (paragraphs and table cells), in one process,
   measured before and after the scan (the faster of the two is used, so the
   ratio is never flattered by a slow moment of a shared machine);
2. the scan, in a fresh process doing what ``collusion scan --output`` does,
   with the time of each stage (extraction, in which the workers also section
   and prepare each file's text; the detectors, those that read only the
   project running in a second process beside the text comparison; the rest),
   its memory (below), and the text engine's candidate and alignment counts;
3. with ``--db-at N``, for that size also ``scan --db`` on a fresh database,
   twice, interleaved with a second plain scan, and the ratio of the faster
   of each.

Memory, three figures, each saying what it is:

- the whole scan: the peak of the total PSS (proportional set size, from
  /proc/<pid>/smaps_rollup) of the scan process and every process below it
  (extraction workers, the forked child running detectors beside the text
  comparison, split_map children), sampled every MEMORY_SAMPLE_SECONDS by
  this script. A page shared by n processes counts 1/n in each, so the sum
  is what the scan holds of the machine's memory. This is the figure to hold
  against a memory goal; a peak shorter than the sampling interval can be
  missed;
- the scan process's own peak RSS (VmHWM), and each child's peak USS (its
  private pages: what it holds on its own, beyond what it shares with the
  scan process it was forked from);
- the largest child's peak RSS (RUSAGE_CHILDREN ru_maxrss), as printed
  before: for a forked child it counts every page it shares copy-on-write
  with the scan process, so it says little about the machine.

Prints one block per size and a summary table with the growth factor of scan
time per doubling of bidders. Generated data never goes into the repository:
a temporary folder, or the ``--cache`` folder given.
"""

from __future__ import annotations

import argparse
import dataclasses
import importlib
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import docx
import pymupdf

GENERATOR_VERSION = 1  # bump when the generated projects change
STOCK_VERSION = 2  # bump when the "stock" shape changes
COPY_EVERY = 10  # bidder n*10+2 copies a chapter of bidder n*10+1
# The "stock" shape (issue 19): bids of STOCK_PAGES pages, STOCK_SHARE of their
# body paragraphs taken from a library of stock paragraphs (in blocks of 1 to
# STOCK_BLOCK paragraphs), each block held by STOCK_HOLDERS bidders; bidder
# n*REWRITE_EVERY+6 rewrites a chapter of bidder n*REWRITE_EVERY+5.
STOCK_PAGES = (100, 180)
STOCK_SHARE = 0.25
STOCK_BLOCK = 4
STOCK_HOLDERS = (3, 10)
REWRITE_EVERY = 20
PAGE_PARAGRAPHS = 11  # body paragraphs of a PDF page: about 1,400 characters
TABLE_ROWS = 24  # rows of the priced bill of quantities
GENERATION_WAIT_SECONDS = 3600  # for another run writing the same cached project


def _synth() -> Any:
    """The synthetic bid writer (tools/synth.py; tools/ is not installed)."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    return importlib.import_module("tools.synth")


def _textsim_gen() -> Any:
    """The labelled text generator beside this script (its paraphraser)."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    return importlib.import_module("textsim_gen")


# --- the generated project ------------------------------------------------------


def _plan_pages(synth: Any, rng: random.Random, company: str, pages: int) -> list[list]:
    """PDF page items: a heading and a few fresh paragraphs per page."""
    items: list[list] = []
    while len(items) < pages:
        plan = synth.technical_plan(
            rng, company, sections=8, paragraphs_per_section=PAGE_PARAGRAPHS * 2
        )
        for heading, paragraphs in plan:
            for start in range(0, len(paragraphs), PAGE_PARAGRAPHS):
                body = paragraphs[start : start + PAGE_PARAGRAPHS]
                items.append([(heading if start == 0 else heading + "（续）", 1), *body])
    return items[:pages]


def _bill(rng: random.Random) -> list[list[str]]:
    """A priced bill of quantities with the columns the table finder keys on."""
    rows = [["序号", "项目名称", "单位", "工程量", "单价（元）", "合价（元）"]]
    works = (
        "平整场地",
        "挖一般土方",
        "回填方",
        "C30混凝土垫层",
        "钢筋制作安装",
        "模板安装",
        "砌筑工程",
        "防水卷材",
        "外墙涂料",
        "屋面保温",
    )
    for n in range(1, TABLE_ROWS + 1):
        qty = rng.randint(10, 5000)
        price = round(rng.uniform(5, 900), 2)
        rows.append(
            [str(n), works[n % len(works)], "m3", str(qty), f"{price:.2f}", f"{qty * price:.2f}"]
        )
    return rows


def build_project(root: Path, bidders: int, pages: int, shape: str = "plain") -> None:
    """Write the project: project.json, and per bidder a PDF and a DOCX.

    ``plain``: every bid of ``pages`` pages. ``stock``: bids of ``STOCK_PAGES``
    pages with stock paragraphs and a rewritten chapter (``stock_pages``).
    """
    synth = _synth()
    meta: dict[str, Any] = {
        "id": f"SCALE-{bidders}" if shape == "plain" else f"SCALE-{shape}-{bidders}",
        "name": "规模基准测试工程",
        "industry": "construction",
        "bidders": {},
    }
    shared_logo = synth.make_png(9999)
    previous: list[list] | None = None
    companies = [f"规模第{n}号建设工程有限公司" for n in range(1, bidders + 1)]
    sizes = [pages] * bidders
    if shape == "stock":
        sizes = [random.Random(500 + n).randint(*STOCK_PAGES) for n in range(1, bidders + 1)]
        stock = stock_blocks(synth, random.Random(7), sizes)
    for n in range(1, bidders + 1):
        bidder = f"b{n:03d}"
        rng = random.Random(1000 + n)
        company = companies[n - 1]
        meta["bidders"][bidder] = {"name": company, "price": 10_000_000 + rng.randint(0, 900_000)}
        body = _plan_pages(synth, rng, company, sizes[n - 1] - 1)
        if shape == "stock":
            place_stock(rng, body, stock.get(n - 1, []))
            if n % REWRITE_EVERY == 6 and previous is not None:
                body[12:18] = rewritten(rng, previous[12:18], companies[n - 2], company)
        if n % COPY_EVERY == 2 and previous is not None:
            body[3:9] = previous[3:9]  # a copied chapter of six pages
        previous = body
        body.insert(len(body) // 2, [("工程量清单报价", 1), ("table", _bill(rng))])
        synth.write_pdf(
            root / "bids" / bidder / "技术标.pdf",
            body,
            metadata={"author": f"user{n}", "creator": "WPS 文字"},
            images=[synth.make_png(n), shared_logo],
        )
        business = _plan_pages(synth, rng, company, max(1, pages // 10))
        paragraphs = [item for page in business for item in page]
        synth.write_docx(
            root / "bids" / bidder / "商务标.docx",
            paragraphs,
            core={"author": f"user{n}"},
            tables=[_bill(rng)[:8]],
        )
    (root / "project.json").write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")


def stock_blocks(synth: Any, rng: random.Random, sizes: list[int]) -> dict[int, list[list[str]]]:
    """Stock text (a consultant's library, a supplier's write-ups): blocks of
    paragraphs, each held by ``STOCK_HOLDERS`` bidders; bidder index -> its blocks."""
    per_bid = STOCK_SHARE * PAGE_PARAGRAPHS * sum(sizes) / len(sizes)
    mean_holders = sum(STOCK_HOLDERS) / 2
    mean_block = (1 + STOCK_BLOCK) / 2
    count = round(per_bid * len(sizes) / mean_holders / mean_block)
    held: dict[int, list[list[str]]] = {}
    library: list[str] = []
    while len(library) < count * STOCK_BLOCK:
        plan = synth.technical_plan(rng, "某某咨询公司", sections=8, paragraphs_per_section=8)
        library.extend(p for _, paragraphs in plan for p in paragraphs)
    at = 0
    for _ in range(count):
        size = rng.randint(1, STOCK_BLOCK)
        block, at = library[at : at + size], at + size
        holders = rng.sample(range(len(sizes)), min(len(sizes), rng.randint(*STOCK_HOLDERS)))
        for h in holders:
            held.setdefault(h, []).append(block)
    return held


def place_stock(rng: random.Random, body: list[list], blocks: list[list[str]]) -> None:
    """Each block in place of as many paragraphs of a random page."""
    for block in blocks:
        page = body[rng.randrange(len(body))]
        start = rng.randrange(1, max(2, len(page) - len(block) + 1))
        page[start : start + len(block)] = block


def rewritten(rng: random.Random, pages: list[list], source: str, target: str) -> list[list]:
    """Pages another bidder rewrote: every sentence with synonyms and its
    clauses rotated, the sentences of each paragraph shuffled, names swapped."""
    gen = _textsim_gen()
    out = []
    for page in pages:
        items: list = []
        for item in page:
            if not isinstance(item, str):
                items.append(item)
                continue
            text = gen.swap_names(item, source, target)
            sentences = [gen.paraphrase_sentence(rng, s, True) for s in gen.sentences_of(text)]
            rng.shuffle(sentences)
            items.append("".join(sentences))
        out.append(items)
    return out


def project_at(base: Path, bidders: int, pages: int, shape: str = "plain") -> Path:
    if shape == "plain":
        root = base / f"v{GENERATOR_VERSION}-b{bidders}-p{pages}"
    else:  # pages: of the business DOCX, times ten
        root = base / f"{shape}{STOCK_VERSION}-b{bidders}"
    done = root / ".complete"
    waited = 0.0
    while root.exists() and not done.exists() and waited < GENERATION_WAIT_SECONDS:
        time.sleep(10)  # another run is writing this project into the cache
        waited += 10
    if not done.exists():
        started = time.perf_counter()
        build_project(root, bidders, pages, shape)
        done.write_text("ok")
        print(
            f"  (generated {bidders} bidders in {time.perf_counter() - started:.0f} s)", flush=True
        )
    return root


# --- bare reading ---------------------------------------------------------------


def bare_reading(root: Path) -> tuple[float, float, int, int]:
    """Seconds (wall and CPU) to read every file's text with plain PyMuPDF and
    python-docx; also the PDF pages and characters read."""
    pages = chars = 0
    started = time.perf_counter()
    cpu = time.process_time()
    for path in sorted(root.glob("bids/*/*")):
        if path.suffix == ".pdf":
            with pymupdf.open(path) as document:
                for page in document:
                    chars += len(page.get_text())
                    pages += 1
        elif path.suffix == ".docx":
            document = docx.Document(str(path))
            chars += sum(len(p.text) for p in document.paragraphs)
            for table in document.tables:
                for row in table.rows:
                    chars += sum(len(cell.text) for cell in row.cells)
    return time.perf_counter() - started, time.process_time() - cpu, pages, chars


# --- the scan, in its own process -------------------------------------------------


def _rss_mb(field: str = "VmHWM:") -> float:
    """A memory figure of this process from /proc (VmHWM: peak resident)."""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith(field):
                return int(line.split()[1]) / 1024
    return float("nan")


def child_scan(root: str, output: str, db: str | None) -> dict[str, Any]:
    """What `collusion scan ROOT --output OUTPUT [--db DB]` does, timed by stage."""
    started = time.perf_counter()
    from collusion import scan
    from collusion.runtime.heap import keep_to_exit

    startup_cpu = time.process_time()  # this process's CPU from its start to here

    stages: dict[str, float] = {}
    memory: dict[str, tuple[float, float]] = {}  # stage -> (RSS, peak RSS) after it
    captured: dict[str, Any] = {}

    def timed(name: str, fn: Any) -> Any:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            t0 = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                stages[name] = stages.get(name, 0.0) + time.perf_counter() - t0
                memory[name] = (_rss_mb("VmRSS:"), _rss_mb("VmHWM:"))

        return wrapper

    def time_detectors() -> None:
        """Each detector of this process timed, the comparison captured (once
        the scan has imported them)."""
        from collusion import detectors
        from collusion.detectors import near_duplicate_text

        detectors.REGISTRY = tuple(
            spec
            if spec.project_only
            else dataclasses.replace(spec, detect=timed(f"  of which {spec.name}", spec.detect))
            for spec in detectors.REGISTRY
        )
        compare = near_duplicate_text.compare_project

        def capture(*args: Any, **kwargs: Any) -> Any:
            result = compare(*args, **kwargs)
            captured["comparison"] = result
            return result

        near_duplicate_text.compare_project = capture

    run_detectors = scan.run_detectors

    def detect(*args: Any, **kwargs: Any) -> Any:
        time_detectors()
        return run_detectors(*args, **kwargs)

    scan.extract_all = timed("extract", scan.extract_all)
    scan.section_bidders = timed("sections", scan.section_bidders)
    # Detectors that read only the project run in a child beside the text
    # preparation and the others (scan.run_detectors): their time is the whole
    # stage's, not each one's.
    scan.prepare_text = timed("  of which text preparation", scan.prepare_text)
    scan.run_detectors = timed("detectors, text preparation (wall)", detect)
    history = None
    database = None
    if db is not None:
        from collusion import store

        database = store.open_db(db)
        history = store.History(database)
    t0 = time.perf_counter()
    result = scan.scan_project(root, history=history)
    scanned = time.perf_counter() - t0
    if database is not None:
        from collusion import store

        t0 = time.perf_counter()
        store.record_scan(database, result)
        stages["record history"] = time.perf_counter() - t0
        database.close()
    keep_to_exit()  # as `collusion scan` does
    from collusion.report.build import write_report

    t0 = time.perf_counter()
    write_report(result.report, output)
    stages["write report"] = time.perf_counter() - t0
    stages["scoring, report, other"] = scanned - sum(
        v
        for k, v in stages.items()
        if k not in ("record history", "write report") and not k.startswith("  of which")
    )
    comparison = captured.get("comparison")
    workers = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return {
        "stages": stages,
        "startup_cpu": startup_cpu,
        "in_process": time.perf_counter() - started,
        "peak_rss_mb": _rss_mb(),
        "memory": memory,
        "worker_peak_rss_mb": workers,
        "candidates": getattr(comparison, "candidates", None),
        "all_section_pairs": getattr(comparison, "all_pairs", None),
        "aligned": (
            sum(len(p.matches) for p in comparison.pairs) if comparison is not None else None
        ),
        "alerts": len(result.report["alerts"]),
        "alert_kinds": sorted({a["kind"] for a in result.report["alerts"]}),
        "errors": len(result.report["errors"]),
    }


# --- what the scan's processes hold, as the machine sees it ------------------------

MEMORY_SAMPLE_SECONDS = 0.2


def _process_tree(root: int) -> list[int]:
    """``root`` and every process below it (parents read from /proc/*/stat)."""
    parents: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as stat:
                ppid = int(stat.read().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        parents.setdefault(ppid, []).append(int(entry))
    tree, todo = [], [root]
    while todo:
        pid = todo.pop()
        tree.append(pid)
        todo.extend(parents.get(pid, ()))
    return tree


def _rollup_kb(pid: int) -> tuple[int, int] | None:
    """(PSS, USS) of a process in kB from /proc/<pid>/smaps_rollup, or None if gone.

    PSS: its private pages plus its share of each page it shares (a page
    shared by two processes counts half in each), so the PSS of a group of
    processes adds up to the memory they hold together. USS: its private
    pages alone (Private_Clean + Private_Dirty), what its exit would free.
    """
    pss = private = 0
    try:
        with open(f"/proc/{pid}/smaps_rollup", encoding="ascii") as rollup:
            for line in rollup:
                if line.startswith("Pss:"):
                    pss = int(line.split()[1])
                elif line.startswith(("Private_Clean:", "Private_Dirty:")):
                    private += int(line.split()[1])
    except (OSError, ValueError):
        return None
    return pss, private


class TreeMemory(threading.Thread):
    """Samples the scan's process tree every ``MEMORY_SAMPLE_SECONDS``: the
    peak of its total PSS (what the whole scan holds of the machine's
    memory), and each child's peak USS (what it holds of its own) with the
    second of the scan it was first seen at."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.started = time.perf_counter()
        self.peak_pss_kb = 0
        self.children: dict[int, dict[str, float]] = {}  # pid -> first seen, peak USS kB
        self.samples = 0
        self.peak_at = 0.0
        self.peak_parts: list[tuple[float, int]] = []
        self._done = threading.Event()

    def run(self) -> None:
        while not self._done.is_set():
            self.sample()
            self._done.wait(MEMORY_SAMPLE_SECONDS)

    def sample(self) -> None:
        total = 0
        now = time.perf_counter() - self.started
        parts = []  # (first seen, PSS kB) of each process, the scan process first
        for pid in _process_tree(self.pid):
            figures = _rollup_kb(pid)
            if figures is None:
                continue
            total += figures[0]
            seen = -1.0
            if pid != self.pid:
                child = self.children.setdefault(pid, {"seen": now, "uss_kb": 0})
                child["uss_kb"] = max(child["uss_kb"], figures[1])
                seen = child["seen"]
            parts.append((seen, figures[0]))
        if total > self.peak_pss_kb:
            self.peak_pss_kb, self.peak_at, self.peak_parts = total, now, sorted(parts)
        self.samples += 1

    def stop(self) -> dict[str, Any]:
        self._done.set()
        self.join()
        return {
            "tree_peak_pss_mb": self.peak_pss_kb / 1024,
            "children_uss_mb": sorted(
                ((c["seen"], c["uss_kb"] / 1024) for c in self.children.values()),
            ),
            "memory_samples": self.samples,
            "tree_peak_at": self.peak_at,
            "tree_peak_parts_mb": [(seen, kb / 1024) for seen, kb in self.peak_parts],
        }


def run_scan(root: Path, work: Path, db: Path | None = None) -> dict[str, Any]:
    """Run child_scan in a fresh interpreter; wall time includes start-up.
    Its process tree's memory is sampled meanwhile (``TreeMemory``)."""
    command = [sys.executable, __file__, "--child", str(root), str(work / "report.json")]
    if db is not None:
        command += ["--db", str(db)]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    sampler = TreeMemory(process.pid)
    sampler.start()
    stdout, stderr = process.communicate()
    wall = time.perf_counter() - started
    memory = sampler.stop()
    if process.returncode:
        raise subprocess.CalledProcessError(process.returncode, command, stdout, stderr)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    figures = json.loads(stdout.strip().splitlines()[-1])
    figures.update(memory)
    figures["wall"] = wall
    # CPU of the scan and of every process it waited for (extraction workers,
    # split_map children): what the scan costs, whatever else the machine runs.
    figures["cpu"] = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    figures["stages"]["start-up, imports"] = wall - sum(
        v for k, v in figures["stages"].items() if not k.startswith("  of which")
    )
    return figures


# --- the run --------------------------------------------------------------------


def measure(
    base: Path, bidders: int, pages: int, with_db: bool, shape: str = "plain"
) -> dict[str, Any]:
    root = project_at(base, bidders, pages, shape)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        bare_before, cpu_before, pdf_pages, chars = bare_reading(root)
        scan = run_scan(root, work)
        bare_after, cpu_after, _, _ = bare_reading(root)
        row = {
            "bidders": bidders,
            "pdf_pages": pdf_pages,
            "chars": chars,
            "bare": min(bare_before, bare_after),
            "bare_runs": (bare_before, bare_after),
            "bare_cpu": min(cpu_before, cpu_after),
            "scan": scan,
        }
        print_row(row)
        if with_db:
            # Two runs of each, interleaved, each on a fresh database; the
            # faster of each is compared (single runs on a shared 2-core
            # machine swing by 10-15 %).
            first = run_scan(root, work, work / "history.db")
            row["scan_again"] = run_scan(root, work)
            second = run_scan(root, work, work / "history-2.db")
            row["scan_db_runs"] = (first, second)
            row["scan_db"] = min(first, second, key=lambda run: run["wall"])
    return row


def print_row(row: dict[str, Any]) -> None:
    scan = row["scan"]
    print(
        f"\n== {row['bidders']} bidders: {row['pdf_pages']} PDF pages + "
        f"{row['bidders']} DOCX, {row['chars']:,} characters"
    )
    before, after = row["bare_runs"]
    print(
        f"bare reading (PyMuPDF get_text + python-docx, 1 process): {row['bare']:7.1f} s "
        f"(before scan {before:.1f} s, after {after:.1f} s)"
    )
    print(
        f"collusion scan (wall, fresh process)                   : {scan['wall']:7.1f} s "
        f"= {scan['wall'] / row['bare']:.2f}x bare reading"
    )
    print(
        f"CPU: bare reading {row['bare_cpu']:.1f} s, scan {scan['cpu']:.1f} s (all its processes) "
        f"= {scan['cpu'] / row['bare_cpu']:.2f}x"
    )
    stages = scan["stages"]
    parts = sorted((k for k in stages if k.startswith("  of which")), key=lambda k: -stages[k])
    for name in sorted((k for k in stages if k not in parts), key=lambda k: -stages[k]):
        for shown in [name] + (parts if name.startswith("detectors") else []):
            rss, peak = scan["memory"].get(shown, (None, None))
            after = f"   RSS after {rss:5.0f} MB, peak {peak:5.0f} MB" if rss is not None else ""
            if shown == "start-up, imports":
                after = f"   CPU {scan['startup_cpu']:.2f} s (interpreter and imports)"
            print(f"    {shown:<34} {stages[shown]:7.2f} s{after}")
    children = ", ".join(
        f"{uss:.0f} MB (from {seen:.0f} s)" for seen, uss in scan["children_uss_mb"]
    )
    parts = " + ".join(
        f"{pss:.0f}" + (" (scan)" if seen < 0 else f" (child from {seen:.0f} s)")
        for seen, pss in scan["tree_peak_parts_mb"]
    )
    print(
        f"memory: whole scan (the scan process and its children, total PSS) peak "
        f"{scan['tree_peak_pss_mb']:.0f} MB at {scan['tree_peak_at']:.0f} s = {parts} MB, "
        f"sampled every {MEMORY_SAMPLE_SECONDS} s\n"
        f"    scan process peak RSS (VmHWM) {scan['peak_rss_mb']:.0f} MB; each child's own "
        f"memory (USS) at its peak: {children or 'none seen'}\n"
        f"    largest child's peak RSS (counts the pages a forked child shares with the scan "
        f"process) {scan['worker_peak_rss_mb']:.0f} MB"
    )
    print(
        f"text engine: {scan['candidates']} candidate section pairs of "
        f"{scan['all_section_pairs']}, {scan['aligned']} aligned; alerts {scan['alerts']} "
        f"({', '.join(scan['alert_kinds'])}), errors {scan['errors']}"
    )


def print_db(row: dict[str, Any]) -> None:
    scan = row["scan"]
    if "scan_db" in row:
        plain = min(scan["wall"], row["scan_again"]["wall"])
        first, second = row["scan_db_runs"]
        print(
            f"scan --db (fresh database)                             : "
            f"{row['scan_db']['wall']:7.1f} s = {row['scan_db']['wall'] / plain:.2f}x scan "
            f"(scan --db {first['wall']:.1f} s and {second['wall']:.1f} s; "
            f"scan {scan['wall']:.1f} s and {row['scan_again']['wall']:.1f} s; "
            f"recording {row['scan_db']['stages'].get('record history', 0):.1f} s)"
        )
        db_cpu = min(first["cpu"], second["cpu"])
        print(
            f"  CPU: scan --db {first['cpu']:.1f} s and {second['cpu']:.1f} s, scan "
            f"{scan['cpu']:.1f} s and {row['scan_again']['cpu']:.1f} s = "
            f"{db_cpu / min(scan['cpu'], row['scan_again']['cpu']):.2f}x"
        )
        print(
            f"  memory: scan --db, whole scan (total PSS) peak "
            f"{first['tree_peak_pss_mb']:.0f} MB and {second['tree_peak_pss_mb']:.0f} MB; "
            f"scan process peak RSS (VmHWM) {first['peak_rss_mb']:.0f} MB and "
            f"{second['peak_rss_mb']:.0f} MB"
        )


def print_summary(rows: list[dict[str, Any]]) -> None:
    print(
        "\nbidders  pages   bare s   scan s   ratio  cpu ratio  PSS MB  candidates  aligned  growth"
    )
    previous = None
    for row in rows:
        scan = row["scan"]
        growth = ""
        if previous is not None and row["bidders"] == 2 * previous["bidders"]:
            growth = f"x{scan['wall'] / previous['scan']['wall']:.2f}"
        print(
            f"{row['bidders']:7d} {row['pdf_pages']:6d} {row['bare']:8.1f} {scan['wall']:8.1f} "
            f"{scan['wall'] / row['bare']:7.2f} {scan['cpu'] / row['bare_cpu']:10.2f} "
            f"{scan['tree_peak_pss_mb']:7.0f} "
            f"{scan['candidates']!s:>11} {scan['aligned']!s:>8}  {growth}"
        )
        previous = row
    print(f"\nmachine: {os.cpu_count()} cores; figures from one run, ratios side by side")


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        db = sys.argv[sys.argv.index("--db") + 1] if "--db" in sys.argv else None
        print(json.dumps(child_scan(sys.argv[2], sys.argv[3], db)))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bidders", type=int, nargs="+", default=[10, 20, 40, 80])
    parser.add_argument("--pages", type=int, default=100, help="PDF pages per bidder")
    parser.add_argument(
        "--db-at", type=int, default=40, help="also time scan --db at this many bidders (0: never)"
    )
    parser.add_argument("--cache", type=Path, help="keep generated projects in this folder")
    parser.add_argument(
        "--shape",
        choices=("plain", "stock"),
        default="plain",
        help=f"stock: bids of {STOCK_PAGES[0]}-{STOCK_PAGES[1]} pages with stock paragraphs "
        "held by 3-10 bidders and a rewritten chapter (issue 19)",
    )
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        base = args.cache.expanduser() if args.cache else Path(tmp)
        for bidders in args.bidders:
            pages = args.pages if args.shape == "plain" else sum(STOCK_PAGES) // 2
            row = measure(base, bidders, pages, bidders == args.db_at, args.shape)
            print_db(row)
            rows.append(row)
            sys.stdout.flush()
    print_summary(rows)


if __name__ == "__main__":
    main()
