"""Near-duplicate text benchmark: accuracy on labeled bid sets, and speed.

    python benchmarks/textsim_bench.py [--seeds 5] [--bidders 12] [--scale-bidders 30]
                                        [--scale-pages 100] [--skip-scale]

Accuracy: several projects (one per seed) written as real DOCX and PDF files
with ``tools/synth.py``, read back through ``collusion.extract.extract_file``
and ``collusion.analysis.sections.split_sections``, compared by
``collusion.analysis.text.compare_project``. Prints, per case, how many planted
pairs were alerted (and how many reached "high"), honest pairs alerted, and
passage-level character precision and recall on the copier's side.

Speed: one project of ``--scale-bidders`` bidders of about ``--scale-pages``
pages each (700 characters a page), built as Blocks directly so that the
time is the text engine's, not extraction's; prints the section pairs
compared exactly against all cross-bidder section pairs, and pages per second.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from passage_metrics import Stretch, detects, merge_sentences, passage_scores  # noqa: E402
from reuse_gen import REUSE_CASES, reuse_project  # noqa: E402
from textsim_gen import (  # noqa: E402
    CASES,
    Bid,
    Project,
    bid_items,
    make_project,
    swap_names,
    write_project,
)

from collusion.analysis.normalize import normalize  # noqa: E402
from collusion.analysis.sections import split_sections  # noqa: E402
from collusion.analysis.text import ProjectComparison, TextSettings, compare_project  # noqa: E402
from collusion.extract import extract_file  # noqa: E402
from collusion.models import Block, Section  # noqa: E402

CHARS_PER_PAGE = 700
CHAR_CASES = ("verbatim", "light_edit", "cross_format")  # cases with a known copied text
VERBATIM_CASES = ("verbatim", "cross_format")  # copies word for word (names swapped)
SIDE_RATIO_MAX = 2.0  # a passage's sides differ by more than this only when rewritten


def blocks_from_items(items: Iterable) -> list[Block]:
    """Blocks as extraction gives them, pages cut every CHARS_PER_PAGE characters."""
    blocks, page, used = [], 1, 0
    for index, item in enumerate(items):
        if isinstance(item, tuple):
            blocks.append(Block(item[0], page, index, heading_level=item[1], kind="heading"))
            continue
        blocks.append(Block(item, page, index))
        used += len(item)
        if used >= CHARS_PER_PAGE:
            page, used = page + used // CHARS_PER_PAGE, used % CHARS_PER_PAGE
    return blocks


def sections_from_files(project: Project, root: Path) -> tuple[dict, tuple[Section, ...], int]:
    """Write the project, read every file back, section it; also count pages."""
    paths = write_project(project, root)
    sections, pages = {}, 0
    for bidder, rel in sorted(paths.items()):
        extracted = extract_file(root, rel)
        if extracted.status != "ok":
            raise RuntimeError(f"{rel}: {extracted.status} {extracted.error}")
        pages += extracted.pages or 0
        sections[bidder] = split_sections(bidder, rel, extracted.blocks)
    tender = extract_file(root, "tender/招标文件.docx")
    return sections, split_sections("tender", tender.path, tender.blocks), pages


def sections_from_blocks(project: Project) -> tuple[dict, tuple[Section, ...], int]:
    """Sections straight from generated text, no files (the speed benchmark)."""
    sections, pages = {}, 0
    for bid in project.bids:
        blocks = blocks_from_items(bid_items(bid))
        pages += blocks[-1].page or 0
        sections[bid.bidder] = split_sections(bid.bidder, f"bids/{bid.bidder}/技术标", blocks)
    tender_items = [
        x
        for title, lines in project.tender_forms + project.tender_text
        for x in [(title, 1), *lines]
    ]
    return sections, split_sections("tender", "tender", blocks_from_items(tender_items)), pages


def truth_intervals(comparison: ProjectComparison, bid: Bid) -> dict[int, list[tuple[int, int]]]:
    """Normalized intervals of the copier's text that were copied verbatim."""
    copied = [s for section in bid.plan for s in section.copied]
    out: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for p in comparison.prepared:
        if p.bidder != bid.bidder:
            continue
        for sentence in copied:
            needle = normalize(sentence, [bid.company]).text
            start = p.norm.text.find(needle)
            while needle and start >= 0:
                out[p.id].append((start, start + len(needle)))
                start = p.norm.text.find(needle, start + 1)
    return out


def predicted_intervals(
    comparison: ProjectComparison, pair_key: tuple[str, str], copier: str
) -> dict[int, list[tuple[int, int]]]:
    out: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for pair in comparison.pairs:
        if pair.bidders != pair_key:
            continue
        for ap in pair.passages:
            if comparison.prepared[ap.match.a].bidder == copier:
                out[ap.match.a].append((ap.passage.a_start, ap.passage.a_end))
            else:
                out[ap.match.b].append((ap.passage.b_start, ap.passage.b_end))
    return out


def _covered(intervals: dict[int, list[tuple[int, int]]]) -> set[tuple[int, int]]:
    return {(sid, i) for sid, spans in intervals.items() for s, e in spans for i in range(s, e)}


Document = tuple[str, str]  # a bidder's file


def file_offsets(comparison: ProjectComparison) -> dict[int, tuple[Document, int]]:
    """Each section's file and where its normalized text starts in the
    file's (its sections' texts one after the other): a copy over the
    boundary of two sections or windows is one stretch of its file."""
    out: dict[int, tuple[Document, int]] = {}
    ends: Counter[Document] = Counter()
    ordered = sorted(
        comparison.prepared, key=lambda p: (p.bidder, p.section.file, p.section.ordinal)
    )
    for p in ordered:
        doc = (p.bidder, p.section.file)
        out[p.id] = (doc, ends[doc])
        ends[doc] += len(p.norm.text)
    return out


def file_texts(comparison: ProjectComparison, bidder: str) -> list[tuple[Document, str]]:
    """A bidder's files as normalized texts."""
    parts: dict[Document, list[str]] = defaultdict(list)
    ordered = sorted(comparison.prepared, key=lambda p: (p.section.file, p.section.ordinal))
    for p in ordered:
        if p.bidder == bidder:
            parts[(bidder, p.section.file)].append(p.norm.text)
    return [(doc, "".join(texts)) for doc, texts in sorted(parts.items())]


def _locate(
    texts: list[tuple[Document, str]], needle: str, after: tuple[Document, int]
) -> tuple[Document, int] | None:
    """Where ``needle`` is in a bidder's files: the first place at or after
    ``after`` (file, offset), else the first anywhere."""
    for doc, text in texts:
        if (doc, len(text)) < after:
            continue
        start = text.find(needle, after[1] if doc == after[0] else 0)
        if start >= 0:
            return doc, start
    for doc, text in texts:
        start = text.find(needle)
        if start >= 0:
            return doc, start
    return None


def reuse_cases(
    comparison: ProjectComparison,
    copier: Bid,
    source: Bid,
    project_no: int,
    keep: Callable[[str], bool] | None = None,
) -> list[Stretch]:
    """The copied text as cases, located in the files on both sides:
    consecutive copied sentences joined while they follow each other on both
    sides (``keep``: only the sentences it accepts)."""
    texts = {b.bidder: file_texts(comparison, b.bidder) for b in (copier, source)}
    spots: list[Stretch] = []
    at: dict[str, tuple[Document, int]] = {b.bidder: (("", ""), 0) for b in (copier, source)}
    for sentence in (s for section in copier.plan for s in section.copied):
        if keep is not None and not keep(sentence):
            continue
        original = swap_names(sentence, copier.company, source.company)
        sides = []
        for bid, text in ((copier, sentence), (source, original)):
            needle = normalize(text, [bid.company]).text
            found = _locate(texts[bid.bidder], needle, at[bid.bidder]) if needle else None
            if found is None:
                break
            at[bid.bidder] = (found[0], found[1] + len(needle))
            sides.append(((project_no, *found[0]), found[1], found[1] + len(needle)))
        if len(sides) == 2:
            spots.append(Stretch(sides[0], sides[1]))
    return merge_sentences(spots, slack=2)


def reported_stretches(
    comparison: ProjectComparison, pair_key: tuple[str, str], copier: str, project_no: int
) -> list[Stretch]:
    """The pair's passages located in the files, copier's side first; the
    pieces of one passage (the same ``part_of``) as one stretch."""
    where = file_offsets(comparison)
    joined: dict[object, list[Stretch]] = defaultdict(list)
    for pair in comparison.pairs:
        if pair.bidders != pair_key:
            continue
        for n, ap in enumerate(pair.passages):
            sides = []
            for sid, start, end in (
                (ap.match.a, ap.passage.a_start, ap.passage.a_end),
                (ap.match.b, ap.passage.b_start, ap.passage.b_end),
            ):
                doc, offset = where[sid]
                sides.append(((project_no, *doc), offset + start, offset + end))
            mine = comparison.prepared[ap.match.a].bidder == copier
            part_of = getattr(ap, "part_of", None)
            joined[n if part_of is None else ("part", part_of)].append(
                Stretch(*sides) if mine else Stretch(sides[1], sides[0])
            )
    return [_spanning(pieces) for pieces in joined.values()]


def _spanning(pieces: list[Stretch]) -> Stretch:
    """Pieces of one passage as the stretch from their first to last character on each side."""
    sides = []
    for side in ("copy", "source"):
        spans = [getattr(p, side) for p in pieces]
        sides.append((spans[0][0], min(s[1] for s in spans), max(s[2] for s in spans)))
    return Stretch(*sides)


def check_sides(comparison: ProjectComparison, settings: TextSettings, tally: dict) -> None:
    """Count passages not marked rewritten whose two sides differ in length by
    more than ``SIDE_RATIO_MAX`` (in the file's own text, as the report
    locates them), or with a side shorter than the passage minimum."""
    for pair in comparison.pairs:
        for ap in pair.passages:
            if getattr(ap.passage, "rewritten", False):
                continue
            tally["sides"]["passages"] += 1
            a, b = comparison.prepared[ap.match.a], comparison.prepared[ap.match.b]
            p = ap.passage
            lengths = [
                e - s for s, e in (a.norm.span(p.a_start, p.a_end), b.norm.span(p.b_start, p.b_end))
            ]
            if max(lengths) > SIDE_RATIO_MAX * max(1, min(lengths)):
                tally["sides"]["uneven"] += 1
            if min(p.a_end - p.a_start, p.b_end - p.b_start) < settings.min_passage_chars:
                tally["sides"]["short"] += 1


def evaluate(project: Project, comparison: ProjectComparison, tally: dict) -> None:
    """Add this project's pair outcomes and character overlaps to `tally`."""
    results = {pair.bidders: pair for pair in comparison.pairs}
    bidders = sorted(b.bidder for b in project.bids)
    bids = {b.bidder: b for b in project.bids}
    for i, x in enumerate(bidders):
        for y in bidders[i + 1 :]:
            case = project.positives.get((x, y), "honest")
            result = results.get((x, y))
            severity = result.severity if result else None
            tally["pairs"][case] += 1
            tally["alerted"][case] += severity is not None
            tally["high"][case] += severity == "high"
            if case in CHAR_CASES:
                copier = next(
                    b for b in (x, y) if bids[b].plan and any(s.copied for s in bids[b].plan)
                )
                truth = _covered(truth_intervals(comparison, bids[copier]))
                pred = _covered(predicted_intervals(comparison, (x, y), copier))
                tally["chars"]["truth"] += len(truth)
                tally["chars"]["pred"] += len(pred)
                tally["chars"]["both"] += len(truth & pred)
                source = bids[x if copier == y else y]
                number = len(tally["projects"])
                tally["cases"][case] += reuse_cases(comparison, bids[copier], source, number)
                tally["detections"][case] += reported_stretches(comparison, (x, y), copier, number)
    tally["projects"].append(project)


def print_accuracy(tally: dict) -> None:
    print(f"{'case':<14}{'pairs':>7}{'alerted':>9}{'high':>7}")
    for case in (*CASES, "honest"):
        if not tally["pairs"][case]:
            continue
        n = tally["pairs"][case]
        print(f"{case:<14}{n:>7}{tally['alerted'][case]:>9}{tally['high'][case]:>7}")
    positives = sum(tally["pairs"][c] for c in CASES)
    tp = sum(tally["alerted"][c] for c in CASES)
    fp = tally["alerted"]["honest"]
    precision = tp / (tp + fp) if tp + fp else 1.0
    print(
        f"pair precision {precision:.3f}  recall {tp / max(1, positives):.3f}  "
        f"(alerted = severity medium or high; honest pairs alerted: {fp})"
    )
    tp_high = sum(tally["high"][c] for c in CASES)
    fp_high = tally["high"]["honest"]
    print(
        f"pair precision at high {tp_high / (tp_high + fp_high) if tp_high + fp_high else 1:.3f}"
        f"  recall at high {tp_high / max(1, positives):.3f}"
    )
    chars = tally["chars"]
    print(
        f"passage chars (verbatim, light_edit, cross_format; copier side): "
        f"precision {chars['both'] / max(1, chars['pred']):.3f}  "
        f"recall {chars['both'] / max(1, chars['truth']):.3f}"
    )
    print_passages(tally)


def print_passages(tally: dict) -> None:
    """PAN passage precision, recall and granularity (both sides), per case
    and over the verbatim copies; passages with uneven or short sides."""
    rows = [(case, tally["cases"][case], tally["detections"][case]) for case in CHAR_CASES]
    rows.append(
        (
            "verbatim copies",
            [c for case in VERBATIM_CASES for c in tally["cases"][case]],
            [d for case in VERBATIM_CASES for d in tally["detections"][case]],
        )
    )
    for name, cases, detections in rows:
        if not cases:
            continue
        scores = passage_scores(cases, detections)
        print(
            f"passages, {name} (PAN, both sides): precision {scores.precision:.3f}  "
            f"recall {scores.recall:.3f}  granularity {scores.granularity:.3f}  "
            f"({scores.cases} copied stretches, {scores.detections} passages)"
        )
    sides = tally["sides"]
    print(
        f"passages not marked rewritten: {sides['passages']}; sides differing by more than "
        f"{SIDE_RATIO_MAX:g}x: {sides['uneven']}; a side under the passage minimum: {sides['short']}"
    )


def new_tally() -> dict:
    return {
        "pairs": Counter(),
        "alerted": Counter(),
        "high": Counter(),
        "chars": Counter(),
        "cases": defaultdict(list),
        "detections": defaultdict(list),
        "sides": Counter(),
        "projects": [],
    }


def accuracy(seeds: int, bidders: int, settings: TextSettings) -> None:
    """Projects written as real files; every case planted once when there are
    enough bidders, else a different half of the cases each seed."""
    tally = new_tally()
    compared = all_pairs = pages = 0
    for seed in range(1, seeds + 1):
        room = bidders // 2
        cases = (
            CASES
            if room >= len(CASES)
            else tuple(CASES[(seed * room + i) % len(CASES)] for i in range(room))
        )
        project = make_project(seed, bidders=bidders, cases=cases)
        with tempfile.TemporaryDirectory() as tmp:
            sections, tender, n_pages = sections_from_files(project, Path(tmp))
        pages += n_pages
        names = {b.bidder: [b.company] for b in project.bids}
        comparison = compare_project(sections, tender, names, settings)
        compared += comparison.candidates
        all_pairs += comparison.all_pairs
        evaluate(project, comparison, tally)
        check_sides(comparison, settings, tally)
    print(
        f"== accuracy: {seeds} projects x {bidders} bidders, real DOCX/PDF files ({pages} pages) =="
    )
    print_accuracy(tally)
    print(f"section pairs compared exactly: {compared} of {all_pairs} cross-bidder pairs")


def embedded(seeds: range, settings: TextSettings) -> None:
    """Verbatim stretches of every length inside long bids (``reuse_gen``):
    PAN passage precision, recall and granularity per length and overall,
    passages with uneven or short sides, honest pairs alerted."""
    cases: dict[str, list[Stretch]] = defaultdict(list)
    detections: list[Stretch] = []
    tally = new_tally()
    honest = 0
    for seed in seeds:
        reuse = reuse_project(seed)
        sections, tender, _ = sections_from_blocks(reuse.project)
        names = {b.bidder: [b.company] for b in reuse.project.bids}
        comparison = compare_project(sections, tender, names, settings)
        bids = {b.bidder: b for b in reuse.project.bids}
        copier, source = bids[reuse.copier], bids[reuse.source]
        for case in REUSE_CASES:
            cases[case] += reuse_cases(
                comparison, copier, source, seed, lambda s, c=case, of=reuse.case_of: of[s] == c
            )
        pair = tuple(sorted((copier.bidder, source.bidder)))
        detections += reported_stretches(comparison, pair, copier.bidder, seed)  # type: ignore[arg-type]
        honest += sum(p.severity is not None and p.bidders != pair for p in comparison.pairs)
        check_sides(comparison, settings, tally)
    print(
        f"\n== verbatim stretches inside long bids: {len(seeds)} projects (seeds "
        f"{seeds.start}-{seeds.stop - 1}), one copier each =="
    )
    every = [c for found in cases.values() for c in found]
    for name, found in [*cases.items(), ("all", every)]:
        mine = (
            detections
            if name == "all"
            else [d for d in detections if any(detects(d, c) for c in found)]
        )
        scores = passage_scores(found, mine)
        print(
            f"{name:<10} precision {scores.precision:.3f}  recall {scores.recall:.3f}  "
            f"granularity {scores.granularity:.3f}  ({scores.cases} stretches, "
            f"{scores.detected_cases} found, {scores.detections} passages)"
        )
    sides = tally["sides"]
    print(
        f"passages not marked rewritten: {sides['passages']}; sides differing by more than "
        f"{SIDE_RATIO_MAX:g}x: {sides['uneven']}; a side under the passage minimum: "
        f"{sides['short']}; honest pairs alerted: {honest}"
    )


def scale(bidders: int, pages: int, settings: TextSettings) -> None:
    # technical_plan paragraphs run about 115 characters: 0.6 of them a page
    paragraphs = max(4, round(pages * CHARS_PER_PAGE / (10 * 115)))
    project = make_project(1000 + bidders, bidders=bidders, sections=10, paragraphs=paragraphs)
    sections, tender, n_pages = sections_from_blocks(project)
    names = {b.bidder: [b.company] for b in project.bids}
    started, cpu = time.perf_counter(), time.process_time()
    comparison = compare_project(sections, tender, names, settings)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    tally = new_tally()
    evaluate(project, comparison, tally)
    check_sides(comparison, settings, tally)
    n_sections = sum(len(s) for s in sections.values())
    print(
        f"\n== scale: {bidders} bidders, {n_pages} pages ({n_pages // bidders} a bidder), "
        f"{n_sections} sections =="
    )
    print_accuracy(tally)
    print(
        f"section pairs compared exactly: {comparison.candidates} of {comparison.all_pairs} "
        f"cross-bidder pairs ({comparison.candidates / max(1, comparison.all_pairs):.4%})"
    )
    print(
        f"text engine: {seconds:.1f} s wall, {cpu:.1f} s CPU: {n_pages / seconds:.0f} pages/s "
        f"({n_pages / cpu:.0f} pages per CPU second; one process)"
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument(
        "--bidders",
        type=int,
        nargs="+",
        default=[12, 6],
        help="bidders per project; one accuracy run for each",
    )
    parser.add_argument("--scale-bidders", type=int, default=30)
    parser.add_argument("--scale-pages", type=int, default=100)
    parser.add_argument("--skip-scale", action="store_true")
    parser.add_argument(
        "--embedded-seeds",
        type=int,
        default=5,
        help="projects with verbatim stretches inside long bids (seeds 101 on; 0: none)",
    )
    parser.add_argument("--skip-accuracy", action="store_true")
    args = parser.parse_args(argv)
    settings = TextSettings()
    if not args.skip_accuracy:
        for bidders in args.bidders:
            accuracy(args.seeds, bidders, settings)
    if args.embedded_seeds:
        embedded(range(101, 101 + args.embedded_seeds), settings)
    if not args.skip_scale:
        scale(args.scale_bidders, args.scale_pages, settings)


if __name__ == "__main__":
    main()
