"""Rewritten copies: recall per strength, passage precision and granularity,
honest pairs alerted and flagged.

    python benchmarks/rewrite_bench.py [--seeds 1 2 3] [--languages zh en]
                                       [--bidders 12] [--paragraphs 8]
                                       [--scale-bidders 40] [--scale-pages 100]

Projects from ``rewrite_gen.py`` (Chinese and English, long bids with stock
paragraphs 3-10 bidders share), written as real DOCX and PDF files, read back
with ``collusion.extract.extract_file``, sectioned and compared by
``collusion.analysis.text.compare_project``. Measured in the PAN manner on
the characters of both files (whitespace left out):

- recall: the share of a planted case's characters (the source's copied
  paragraphs and the copier's rewrite) inside a reported passage of that
  pair (rewritten or literal), averaged over the cases of a strength;
- precision: the share of the planted pairs' reported characters inside
  their case;
- granularity: passages per case found (1 is one passage per copy; the
  pieces of one passage over a section boundary or a heading, which share
  one evidence number in the report, count once);
- honest pairs: pairs with nothing planted that get a text alert at all
  (medium or high), and that the text alone would flag (its weight reaching
  the scoring's flag threshold).

Tuning used seeds 101-103; the figures in docs/text.md are from seeds 1-3.
Then the cost (``--scale-bidders``, ``--scale-pages``): on one long project
of ``textsim_gen`` text, the character engine, the word view and the
rewritten-passage search timed one after the other in one process, and the
process's peak memory.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import sys
import tempfile
import time
from collections import Counter, defaultdict
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from rewrite_gen import LANGUAGES, STRENGTHS, Project, make_project, write_project  # noqa: E402

from collusion.analysis.sections import split_sections  # noqa: E402
from collusion.analysis.text import ProjectComparison, TextSettings, compare_project  # noqa: E402
from collusion.analysis.text.meaning import build_units, rewritten_passages  # noqa: E402
from collusion.analysis.text.words import ready as words_ready  # noqa: E402
from collusion.analysis.text.words import section_words  # noqa: E402
from collusion.detectors.near_duplicate_text import text_weight  # noqa: E402
from collusion.extract import extract_file  # noqa: E402
from collusion.models import Section  # noqa: E402
from collusion.settings import ScoreSettings  # noqa: E402

Positions = set[tuple[str, int]]  # (file, offset in the file's text without whitespace)


class FileText:
    """A file's text (blocks joined) without whitespace, and where each block starts."""

    def __init__(self, path: str, blocks: list) -> None:
        self.path = path
        self.block_start: dict[int, int] = {}
        chars: list[str] = []
        self.dense: list[int] = []  # per character of each block: position in `flat`
        for block in blocks:
            self.block_start.setdefault(block.index, len(self.dense))
            for c in block.text + "\n":
                self.dense.append(len(chars))
                if not c.isspace():
                    chars.append(c)
        self.flat = "".join(chars)

    def find(self, text: str) -> Positions:
        needle = "".join(text.split())
        at = self.flat.find(needle)
        return {(self.path, i) for i in range(at, at + len(needle))} if at >= 0 else set()

    def span(self, section: Section, start: int, end: int) -> Positions:
        """Positions of ``section.text[start:end]``."""
        out: Positions = set()
        pos = 0
        for block in section.blocks:
            lo, hi = max(start, pos), min(end, pos + len(block.text))
            base = self.block_start.get(block.index)
            if hi > lo and base is not None:
                for k in range(lo - pos, hi - pos):
                    out.add((self.path, self.dense[base + k]))
            pos += len(block.text) + 1
        # Positions of whitespace collapse onto the next character: keep only real ones.
        return {(p, i) for p, i in out if i < len(self.flat)}


def read(project: Project, root: Path) -> tuple[dict, tuple[Section, ...], dict[str, FileText]]:
    paths = write_project(project, root)
    sections, texts = {}, {}
    for bidder, rel in sorted(paths.items()):
        extracted = extract_file(root, rel)
        if extracted.status != "ok":
            raise RuntimeError(f"{rel}: {extracted.status} {extracted.error}")
        sections[bidder] = split_sections(bidder, rel, extracted.blocks)
        texts[bidder] = FileText(rel, list(extracted.blocks))
    tender = extract_file(root, "tender/tender.docx")
    return sections, tuple(split_sections("tender", tender.path, tender.blocks)), texts


def detections(
    comparison: ProjectComparison, pair: tuple[str, str], texts: dict[str, FileText]
) -> list[Positions]:
    """Every passage of a pair (literal and rewritten) as positions of both
    files; the pieces of one passage over a section boundary or a heading
    (the same ``part_of``, one evidence ``passage`` number in the report)
    as one passage, as ``textsim_bench`` counts literal ones."""
    result = next((r for r in comparison.pairs if r.bidders == pair), None)
    if result is None:
        return []
    out: dict[object, Positions] = defaultdict(set)
    prepared = comparison.prepared
    for n, ap in enumerate(result.passages):
        found = out[("literal", n if ap.part_of is None else ("part", ap.part_of))]
        for sid, start, end in (
            (ap.match.a, ap.passage.a_start, ap.passage.a_end),
            (ap.match.b, ap.passage.b_start, ap.passage.b_end),
        ):
            p = prepared[sid]
            o_start, o_end = p.norm.span(start, end)
            found |= texts[p.bidder].span(p.section, o_start, o_end)
    for n, rp in enumerate(result.rewritten):
        found = out[("rewritten", n if rp.part_of is None else ("part", rp.part_of))]
        for unit, start, end in ((rp.a, rp.a_start, rp.a_end), (rp.b, rp.b_start, rp.b_end)):
            u = comparison.units[unit]
            found |= texts[u.bidder].span(u.section, start, end)
    return list(out.values())


def evaluate(
    project: Project, comparison: ProjectComparison, texts: dict[str, FileText], tally: dict
) -> None:
    flag_weight = flag_threshold_weight()
    planted = set()
    for case in project.cases:
        pair = tuple(sorted((case.source, case.copier)))
        planted.add(pair)
        truth: Positions = set()
        for text in case.source_paragraphs:
            truth |= texts[case.source].find(text)
        for text in case.copier_paragraphs:
            truth |= texts[case.copier].find(text)
        found = detections(comparison, pair, texts)  # type: ignore[arg-type]
        hits = [d for d in found if d & truth]
        covered = set().union(*hits) if hits else set()
        reported = set().union(*found) if found else set()
        s = tally[case.strength]
        s["cases"] += 1
        s["recall"] += len(covered & truth) / max(1, len(truth))
        s["found"] += bool(hits)
        s["pieces"] += len(hits)
        s["reported"] += len(reported)
        s["inside"] += len(reported & truth)
        result = next((r for r in comparison.pairs if r.bidders == pair), None)
        s["flagged"] += bool(result) and text_weight(result).log10_lr >= flag_weight
    bidders = sorted(b.bidder for b in project.bids)
    results = {r.bidders: r for r in comparison.pairs}
    honest = tally["honest"]
    for n, x in enumerate(bidders):
        for y in bidders[n + 1 :]:
            if (x, y) in planted:
                continue
            honest["pairs"] += 1
            result = results.get((x, y))
            honest["alerted"] += bool(result) and result.severity is not None
            honest["rewritten"] += bool(result) and bool(result.rewritten)
            honest["flagged"] += bool(result) and text_weight(result).log10_lr >= flag_weight


def flag_threshold_weight() -> float:
    """The weight at which the scoring flags a pair (score 0.5)."""
    s = ScoreSettings()
    return -s.calibration_intercept / s.calibration_slope


def print_tally(title: str, tally: dict) -> None:
    print(f"== {title} ==")
    print(
        f"{'strength':<10}{'cases':>6}{'recall':>8}{'found':>7}{'gran.':>7}{'prec.':>7}{'flag':>6}"
    )
    for strength in STRENGTHS:
        s = tally[strength]
        if not s["cases"]:
            continue
        print(
            f"{strength:<10}{s['cases']:>6}{s['recall'] / s['cases']:>8.3f}{s['found']:>7}"
            f"{s['pieces'] / max(1, s['found']):>7.3f}"
            f"{s['inside'] / max(1, s['reported']):>7.3f}{s['flagged']:>6}"
        )
    h = tally["honest"]
    print(
        f"honest pairs {h['pairs']}: alerted {h['alerted']}, with rewritten passages "
        f"{h['rewritten']}, flagged by text {h['flagged']}"
    )


def new_tally() -> dict:
    return defaultdict(Counter)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="*", default=[1, 2, 3])
    parser.add_argument("--languages", nargs="+", default=list(LANGUAGES), choices=LANGUAGES)
    parser.add_argument("--bidders", type=int, default=12)
    parser.add_argument("--paragraphs", type=int, default=8, help="paragraphs per plan section")
    parser.add_argument("--scale-bidders", type=int, default=40, help="0: no cost measurement")
    parser.add_argument("--scale-pages", type=int, default=100)
    args = parser.parse_args(argv)
    settings = TextSettings()
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    )
    every = new_tally()
    chars = 0
    for language in args.languages if args.seeds else ():
        tally = new_tally()
        for seed in args.seeds:
            project = make_project(seed, language, bidders=args.bidders, paragraphs=args.paragraphs)
            with tempfile.TemporaryDirectory() as tmp:
                sections, tender, texts = read(project, Path(tmp))
            names = {b.bidder: [b.company] for b in project.bids}
            chars += sum(len(s.text) for secs in sections.values() for s in secs)
            comparison = compare_project(sections, tender, names, settings)
            for t in (tally, every):
                evaluate(project, comparison, texts, t)
        print_tally(
            f"{language}: {len(args.seeds)} projects x {args.bidders} bidders (seeds {args.seeds})",
            tally,
        )
    if len(args.languages) > 1 and args.seeds:
        print_tally("both languages", every)
    if args.seeds:
        print(f"({chars} characters of bids)")
    if args.scale_bidders:
        scale(args.scale_bidders, args.scale_pages, settings)


def scale(bidders: int, pages: int, settings: TextSettings) -> None:
    """The cost of the word view and of the rewritten-passage search beside the
    character engine's, on one long project (``textsim_gen``, built as
    blocks: no file reading), one process, measured in one run."""
    from textsim_bench import CHARS_PER_PAGE, sections_from_blocks
    from textsim_gen import make_project as literal_project

    paragraphs = max(4, round(pages * CHARS_PER_PAGE / (10 * 115)))
    project = literal_project(1000 + bidders, bidders=bidders, sections=10, paragraphs=paragraphs)
    sections, tender, n_pages = sections_from_blocks(project)
    names = {b.bidder: [b.company] for b in project.bids}
    flat = [(b, s) for b in sorted(sections) for s in sections[b]]
    words_ready()
    started = time.perf_counter()
    words = [section_words(s) for _, s in flat]
    word_view = time.perf_counter() - started
    started = time.perf_counter()
    compare_project(sections, tender, names, replace(settings, rewrite_search=False))
    engine = time.perf_counter() - started
    started = time.perf_counter()
    units = build_units([b for b, _ in flat], [s for _, s in flat])
    found = rewritten_passages(units, words, tender, settings)
    search = time.perf_counter() - started
    chars = sum(len(s.text) for _, s in flat)
    before = engine - word_view
    print(f"\n== cost: {bidders} bidders, {n_pages} pages, {chars} characters (one process) ==")
    print(
        f"character engine {before:.1f} s; word view {word_view:.1f} s "
        f"({chars / word_view / 1e6:.2f} M characters/s); rewritten search {search:.1f} s "
        f"({found.candidates} sentence pairs compared, {found.seeds} seeds)"
    )
    print(
        f"text engine with the rewritten search: {(engine + search) / before:.2f}x its time "
        f"without it; peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB"
    )


if __name__ == "__main__":
    main()
