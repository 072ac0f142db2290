"""The scan of one project, top to bottom: load, extract, section, detect,
score, report. Each stage is a short function; detectors are pure."""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

# Imported here: what the scan needs before its extraction workers start (they
# are forked from it and read, section and prepare the files). The stages
# after extraction are imported while the workers read (``LATER_STAGES``,
# ``warm_up``), each name where it is used.
from collusion.analysis.folding import load_tables
from collusion.analysis.reference import load_known_common
from collusion.analysis.sections import split_sections
from collusion.analysis.text.shingles import SectionKey, SectionPrep, prepare_sections, section_key
from collusion.analysis.text.words import ready as words_ready
from collusion.extract.pool import extract_and_derive, previously_failed
from collusion.history import HistoryView, TextFingerprints
from collusion.models import Alert, Bidder, ExtractedFile, ProjectInput, ScanContext, Section
from collusion.project import load_project
from collusion.runtime.heap import freeze_built, scan_heap
from collusion.runtime.lifecycle import import_whole
from collusion.runtime.parallel import beside
from collusion.settings import Settings

if TYPE_CHECKING:
    from collusion.detectors import DetectorSpec

# The stages after extraction and what they import on first use (datasketch
# with SciPy, scikit-learn's TF-IDF), about 0.3 s of CPU: imported while the
# workers read, each whole (``import_whole``: an interrupt never stops one
# half-way).
LATER_STAGES = (
    "collusion.analysis.text.engine",
    "collusion.analysis.text.fingerprints",
    "collusion.detectors",
    "collusion.scoring.facts",
    "collusion.scoring.score",
    "collusion.report.build",
    "datasketch",
    "sklearn.feature_extraction.text",
    "sklearn.metrics.pairwise",
)

Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class ScanResult:
    """The report, and the context it was built from (sections, prepared text)."""

    report: dict[str, Any]
    context: ScanContext

    @functools.cached_property
    def fingerprints(self) -> TextFingerprints:
        """The sections' fingerprints the history stores: made during the scan
        when it had a history, else now from the scan's prepared text."""
        return self.context.fingerprints or fingerprint_context(self.context)


def scan_project(
    root: str | os.PathLike[str],
    settings: Settings | None = None,
    *,
    history: HistoryView | None = None,
    progress: Progress | None = None,
    generated_at: datetime | None = None,
    before_history: Callable[[], None] | None = None,
    companies: str | os.PathLike[str] | None = None,
    relations: str | os.PathLike[str] | None = None,
) -> ScanResult:
    """Scan one project folder and return the report with what it was built from.

    Args:
        root: the project folder (project.json, tender/, bids/<bidder>/,
            signatures.csv; contract §1).
        settings: every threshold; ``Settings()`` when None.
        history: earlier projects to match against (``collusion.store.History``);
            None scans the project on its own. The history is only read; the
            scan passes its project id to the queries that must leave the
            project's own earlier record out.
        progress: called as ``progress(stage, done, total)`` while files are
            extracted and detectors run.
        generated_at: the report's timestamp; now when None (written in the
            reader's zone, ``collusion.runtime.clock``).
        before_history: called once the files are read and sectioned, before
            anything asks the history about other projects (a nightly worker
            waits there for the projects before this one).
        companies: a companies.csv to read instead of the project folder's.
        relations: a company_relations.csv to read instead of the project folder's.

    Returns:
        A ScanResult: ``report`` is the report dict (contract §3, valid
        against ``report.schema.json``), ``context`` what it was built from
        (sections, prepared text) for the store and the HTML.

    Raises:
        ProjectError: the folder cannot be scanned at all (missing, bids/ a
            symbolic link, no bidder folder); a bad project.json is an entry
            of the report's ``errors``, not an exception.
        Interrupted: SIGTERM or SIGINT ended the scan, when the caller
            installed ``collusion.runtime.lifecycle``'s handlers (the CLI does);
            extraction workers are stopped first.

    A file that cannot be read never raises: it becomes an entry of the
    report's ``errors`` and the scan goes on.
    """
    with scan_heap():
        return _scan_project(
            root,
            settings or Settings(),
            history=history,
            progress=progress,
            generated_at=generated_at,
            before_history=before_history,
            registry=(companies, relations),
        )


def _scan_project(
    root: str | os.PathLike[str],
    settings: Settings,
    *,
    history: HistoryView | None,
    progress: Progress | None,
    generated_at: datetime | None,
    before_history: Callable[[], None] | None,
    registry: tuple[str | os.PathLike[str] | None, str | os.PathLike[str] | None] = (None, None),
) -> ScanResult:
    project = load_project(root, settings.extract, companies=registry[0], relations=registry[1])
    extracted, texts = extract_all(project, settings, progress, history)
    bidders = assemble_bidders(project, extracted)
    tender_files = tuple(extracted[path] for path in project.tender_files)
    context = ScanContext(
        project=project,
        bidders=bidders,
        tender_files=tender_files,
        sections=section_bidders(bidders, settings, texts),
        tender_sections=section_files("tender", tender_files, settings, texts),
        settings=settings,
        known_common=load_known_common(),
        history=history,
    )
    if before_history is not None:
        before_history()
    import_whole(LATER_STAGES)  # done while the workers read, unless there was no file
    from collusion.detectors import company_link, project_indicators, shared_signature
    from collusion.report.build import build_report, number_alerts
    from collusion.scoring.facts import consolidate, fold_cross_project
    from collusion.scoring.score import score_pairs, weigh_alerts

    # Company facts (companies.csv, the bids, the history), for company_link and the store.
    companies = company_link.gather(context)
    project = replace(project, errors=(*project.errors, *companies.errors))
    context = replace(context, project=project, companies=companies)
    ready = prepared_sections(texts)
    freeze_built()  # the files and sections live to the end

    def with_text(context: ScanContext) -> ScanContext:
        context = prepare_text(context, ready)
        freeze_built()  # so does the prepared text
        return context

    context, alerts = run_detectors(
        context, progress, prepare=with_text, fingerprints=history is not None
    )
    alerts = mark_ocr_evidence(alerts, context)
    alerts = weigh_alerts(alerts, settings.score)
    numbered = number_alerts(consolidate(alerts))
    pairs = score_pairs(numbered, settings.score)
    numbered = fold_cross_project(numbered, {p.bidders for p in pairs if p.flagged})
    report = build_report(
        project,
        list(bidders),
        list(tender_files),
        numbered,
        pairs,
        score_settings=settings.score,
        ignored_signatures=shared_signature.ignored(context),
        indicators=project_indicators(context),
        generated_at=generated_at,
    )
    return ScanResult(report=report, context=context)


@dataclass(frozen=True)
class FileText:
    """What an extraction worker makes of a file's text right after reading
    it: its sections and, for a bidder's file, each section prepared for the
    text comparison (``collusion.analysis.text.shingles.prepare_section``)."""

    sections: tuple[Section, ...]
    prepared: dict[SectionKey, SectionPrep]


def extract_all(
    project: ProjectInput,
    settings: Settings,
    progress: Progress | None,
    history: HistoryView | None = None,
) -> tuple[dict[str, ExtractedFile], dict[str, FileText]]:
    """Every bid and tender file, extracted in worker processes, which also
    section and prepare each file's text (both cores, overlapped with the
    reading); content that the history knows failed before is reported
    without being opened again."""
    paths = [p for files in project.bidder_files.values() for p in files]
    paths += list(project.tender_files)
    known: dict[str, ExtractedFile] = {}
    if history is not None:
        known = previously_failed(project.root, paths, settings.extract, history.file_failure)
    fresh, texts = extract_and_derive(
        project.root,
        [p for p in paths if p not in known],
        settings.extract,
        progress,
        derive=file_text_maker(project, settings),
        while_waiting=functools.partial(warm_up, settings),
    )
    return {**fresh, **known}, texts


def warm_up(settings: Settings) -> None:
    """What the stages after extraction will need whatever the files hold,
    made while the workers read them: their modules (``LATER_STAGES``) and
    the reference texts' shingles."""
    import_whole(LATER_STAGES)
    from collusion.analysis.text.boilerplate import reference_shingles

    reference_shingles(settings.text.shingle_chars)


def file_text_maker(
    project: ProjectInput, settings: Settings
) -> Callable[[ExtractedFile], FileText]:
    """The function a worker runs on each file it has read (the folding
    tables and the word segmenter it needs are loaded here, before the
    workers fork)."""
    load_tables()
    words_ready()
    owners = {path: bidder for bidder, files in project.bidder_files.items() for path in files}
    names = project.own_names()
    text_settings = settings.text

    def file_text(file: ExtractedFile) -> FileText:
        owner = owners.get(file.path)
        sections = tuple(
            split_sections(owner or "tender", file.path, file.blocks, text_settings)
            if file.blocks
            else ()
        )
        if owner is None or not sections:
            return FileText(sections, {})
        made = prepare_sections(sections, names.get(owner, ()), text_settings.shingle_chars)
        return FileText(
            sections, {section_key(owner, s): p for s, p in zip(sections, made, strict=True)}
        )

    return file_text


def prepared_sections(texts: dict[str, FileText]) -> dict[SectionKey, SectionPrep]:
    """The sections the workers prepared, with the names ``ProjectInput.own_names`` gives."""
    return {key: prep for text in texts.values() for key, prep in text.prepared.items()}


def assemble_bidders(
    project: ProjectInput, extracted: dict[str, ExtractedFile]
) -> tuple[Bidder, ...]:
    """Bidders sorted by id, with name and price from project.json when given."""
    bidders = []
    for bidder_id in sorted(project.bidder_files):
        meta = project.bidder_meta.get(bidder_id, {})
        bidders.append(
            Bidder(
                id=bidder_id,
                name=project.bidder_name(bidder_id),
                price=_price_or_none(meta.get("price")),
                files=tuple(extracted[p] for p in project.bidder_files[bidder_id]),
            )
        )
    return tuple(bidders)


def _price_or_none(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value.replace(",", "").strip())
        except ValueError:
            return None
    return None


def section_files(
    owner: str,
    files: tuple[ExtractedFile, ...],
    settings: Settings,
    texts: dict[str, FileText] | None = None,
) -> tuple[Section, ...]:
    """Every file's blocks cut into sections with the scan's text settings
    (taken from ``texts`` where a worker cut them already)."""
    text_settings = settings.text
    texts = texts or {}
    sections: list[Section] = []
    for file in files:
        if file.path in texts:
            sections.extend(texts[file.path].sections)
        elif file.blocks:
            sections.extend(split_sections(owner, file.path, file.blocks, text_settings))
    return tuple(sections)


def section_bidders(
    bidders: tuple[Bidder, ...], settings: Settings, texts: dict[str, FileText] | None = None
) -> dict[str, tuple[Section, ...]]:
    return {
        bidder.id: section_files(bidder.id, bidder.files, settings, texts) for bidder in bidders
    }


def prepare_text(
    context: ScanContext, ready: dict[SectionKey, SectionPrep] | None = None
) -> ScanContext:
    """The text stage: every section prepared for comparison and the text
    that is never evidence (``collusion.analysis.text.prepare_project``), once
    for the whole scan, from the sections the workers prepared (``ready``).
    Boilerplate counts include the history's earlier projects, this
    project's own earlier record left out."""
    from collusion.analysis.text.engine import prepare_project

    history = None
    if context.history is not None:
        history = functools.partial(
            context.history.text_shingles, exclude_project=context.project.id
        )
    text = prepare_project(
        context.sections,
        context.tender_sections,
        context.project.own_names(),
        context.settings.text,
        history,
        ready,
    )
    return replace(context, text=text)


def fingerprint_context(context: ScanContext) -> TextFingerprints:
    """The sections' fingerprints the history keeps (from the prepared text)."""
    from collusion.analysis.text.fingerprints import fingerprint_project

    text = context.text or prepare_text(context).text
    assert text is not None
    settings = context.settings.text
    return fingerprint_project(text.prepared, text.boilerplate, context.tender_sections, settings)


OCR_NOTE = (
    "部分证据来自 OCR 识别的扫描页（见证据的 ocr_confidence），识别文字可能有误，"
    "请对照原件核实后再作认定"
)


def mark_ocr_evidence(alerts: list[Alert], context: ScanContext) -> list[Alert]:
    """Evidence on a page read by OCR says so, with the page's confidence; an
    alert resting on such evidence carries a note to check the original."""
    read = {
        (f.path, page): confidence
        for b in context.bidders
        for f in b.files
        for page, confidence in f.ocr_pages
    }
    if not read:
        return alerts
    marked = []
    for alert in alerts:
        evidence = tuple(
            replace(e, ocr_confidence=read[(e.file, e.page)])
            if e.file is not None and e.page is not None and (e.file, e.page) in read
            else e
            for e in alert.evidence
        )
        if evidence != alert.evidence:
            alert = replace(
                alert, evidence=evidence, details={**alert.details, "ocr_note": OCR_NOTE}
            )
        marked.append(alert)
    return marked


def run_detectors(
    context: ScanContext,
    progress: Progress | None,
    prepare: Callable[[ScanContext], ScanContext] | None = None,
    fingerprints: bool = False,
) -> tuple[ScanContext, list[Alert]]:
    """Every detector of ``REGISTRY``; the alerts in its order, and the
    context the text detectors saw.

    The project-only detectors run first, then ``prepare`` (the text stage,
    which only the others need) and the others, in this process: a second
    process beside the text comparison held a copy of every page either
    process touched (hundreds of MB at 40 bidders, benchmarks/scale_bench.py)
    for about a second saved. With ``fingerprints`` (a history to match
    against), the text stage comes first and the sections' fingerprints are
    made in a second process beside the project-only detectors, which
    allocate little. Each detector sees the history only when its spec says
    it reads it.
    """
    from collusion.detectors import REGISTRY

    done: list[str] = []

    def run(specs: list[DetectorSpec], ctx: ScanContext) -> dict[str, list[Alert]]:
        found = {}
        without_history = replace(ctx, history=None)
        for spec in specs:
            found[spec.name] = spec.detect(ctx if spec.reads_history else without_history)
            if progress:
                done.append(spec.name)
                progress("detect", len(done), len(REGISTRY))
        return found

    project_only = [s for s in REGISTRY if s.project_only]
    if fingerprints:
        context = prepare(context) if prepare is not None else context
        if context.fingerprints is None:
            ctx = context
            prints, found = beside(
                functools.partial(fingerprint_context, ctx),
                lambda: run(project_only, replace(ctx, history=None)),
                weight=sum(len(b.text) for d in ctx.bidders for f in d.files for b in f.blocks),
            )
            context = replace(context, fingerprints=prints)
        else:
            found = run(project_only, replace(context, history=None))
    else:
        found = run(project_only, replace(context, history=None))
        context = prepare(context) if prepare is not None else context
    found.update(run([s for s in REGISTRY if not s.project_only], context))
    if progress:
        progress("detect", len(REGISTRY), len(REGISTRY))
    return context, [alert for spec in REGISTRY for alert in found[spec.name]]
