"""The nightly run: scan the project folders of an inbox that changed since
the last run, record them in the history database and deliver the reports.

Reads top to bottom in :func:`run_nightly`: take the lock, open the database,
find project folders, hash them, scan the changed ones one by one (each
written out, then committed in one transaction), write the run summary.

Crash safety comes from the order of the steps for each project: the report
files are written first (atomically), and only then are the project's rows
and its manifest hash committed together. A run killed at any point leaves
every project either fully committed (skipped next time) or not committed at
all (scanned again next time, its report files overwritten): never half a
project, never a project twice.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import time
import traceback
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

from collusion import store
from collusion.errors import (
    CollusionError,
    OutputError,
    ProjectError,
    StoreError,
)
from collusion.history import HistoryView
from collusion.nightly import messages
from collusion.nightly.inbox import Manifest, Progress, changed_projects, find_projects
from collusion.nightly.lock import Log, nightly_lock
from collusion.nightly.output import (
    RUNS_FOLDER,
    load_regulators,
    one_line,
    prepare_output,
    regulator_for,
    report_file_name,
    write_json_atomic,
)
from collusion.nightly.rings import RingsOutcome, nightly_rings
from collusion.runtime import clock
from collusion.runtime.console import printable
from collusion.runtime.lang import tr
from collusion.store import Database

# How often a PostgreSQL worker looks again at the earlier projects it waits for.
CLAIM_POLL_SECONDS = 0.2


@dataclass(frozen=True)
class ProjectOutcome:
    """What the run did with one project folder."""

    folder: str  # relative to the inbox
    status: str  # scanned | failed (unchanged folders are only listed by name)
    project_id: str | None = None
    files: int = 0
    file_errors: int = 0
    alerts: int = 0
    flagged_pairs: int = 0
    report: str | None = None
    delivered: str | None = None
    error: str | None = None


@dataclass(frozen=True)
class NightlySummary:
    """The run as a whole; ``to_dict`` is what the run summary JSON holds."""

    run_id: str
    status: str  # ok | failed
    started_at: str
    finished_at: str
    inbox: str
    database: str
    projects_found: int
    scanned: tuple[ProjectOutcome, ...] = ()
    failed: tuple[ProjectOutcome, ...] = ()
    unchanged: tuple[str, ...] = ()
    interrupted_runs: int = 0  # earlier runs found dead and marked interrupted
    summary_path: str | None = None
    # Set when the history database could not be read or written: the
    # reports are written, the run is not (fully) recorded; status "failed".
    history_error: str | None = None
    # The ring search across the history's tenders after the scans (None without a history).
    rings: RingsOutcome | None = None

    def __post_init__(self) -> None:
        if self.history_error and self.status == "ok":
            object.__setattr__(self, "status", "failed")

    @property
    def nothing_new(self) -> bool:
        return not self.scanned and not self.failed

    @property
    def files_scanned(self) -> int:
        return sum(p.files for p in self.scanned)

    @property
    def alerts(self) -> int:
        return sum(p.alerts for p in self.scanned)

    @property
    def message(self) -> str:
        """The run in one sentence, in the reader's language."""
        return messages.run_sentence(self)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data.update(
            nothing_new=self.nothing_new,
            files_scanned=self.files_scanned,
            alerts=self.alerts,
            message=self.message,
        )
        return data


@dataclass(frozen=True)
class _Options:
    """What the caller asked for, resolved."""

    inbox: Path
    database: Path | str  # a SQLite file or a PostgreSQL connection string
    out_dir: Path
    outbox: Path | None
    regulators: dict[str, str]
    settings: Any
    progress: Progress
    log: Log


@dataclass(frozen=True)
class _Run:
    """One run in progress: its options, database, history and id.

    ``db`` is None when the history database could not be used: the run
    then scans every project, writes every report, and records nothing.
    """

    options: _Options
    db: Database | None
    history: store.History | None
    run_id: str
    history_error: str | None = None  # why db is None


def run_nightly(
    inbox: str | os.PathLike[str],
    db_path: str | os.PathLike[str] | None,
    out_dir: str | os.PathLike[str],
    *,
    outbox: str | os.PathLike[str] | None = None,
    regulators_config: str | os.PathLike[str] | None = None,
    settings: Any = None,
    progress: Progress | None = None,
    log: Log | None = None,
) -> NightlySummary:
    """Scan the inbox's new or changed projects; see the module docstring.

    ``progress(stage, done, total)`` is called per project hashed ("hash")
    and scanned ("scan"); ``log(line)`` with one line per project and one
    for the run. Raises ProjectError when the inbox is missing or holds no
    project folder, LockHeld when another run holds the database's lock,
    SettingsError for a bad regulators file. A history database that cannot
    be used does not stop the run: every report is still written and the
    summary says what failed (``history_error``).
    """
    options = _Options(
        inbox=Path(inbox),
        database=store.resolve_db(db_path),
        out_dir=Path(out_dir),
        outbox=Path(outbox) if outbox else None,
        regulators=load_regulators(regulators_config) if regulators_config else {},
        settings=settings,
        progress=progress or (lambda stage, done, total: None),
        log=log or (lambda line: None),
    )
    folders = inbox_projects(options.inbox)
    with _run_lock(options):
        try:
            db = store.open_db(options.database)
        except StoreError as exc:
            if isinstance(options.database, str):
                # Shared by several workers: running without it would scan
                # every project in each of them. Stop and say why.
                raise
            return _run_without_history(options, folders, _reason(exc))
        try:
            return _locked_run(db, options, folders)
        finally:
            db.close()


def _run_lock(options: _Options) -> contextlib.AbstractContextManager[Any]:
    """SQLite: one run at a time (the file lock). PostgreSQL: workers run
    side by side and claim projects one by one (``store.claim_project``)."""
    if isinstance(options.database, str):
        return contextlib.nullcontext()
    return nightly_lock(options.database, options.log)


def inbox_projects(inbox: Path) -> list[str]:
    """The project folders of the inbox; ProjectError when there are none.

    Under cron a wrong or empty inbox must not look like a quiet night.
    """
    if not inbox.is_dir():
        raise ProjectError(
            tr(
                f"收件夹 {inbox} 不是文件夹（应在其中查找含 bids/ 子文件夹的项目文件夹）",
                f"the inbox {inbox} is not a folder "
                "(looked for project folders with a bids/ subfolder)",
            )
        )
    folders = find_projects(inbox)
    if not folders:
        raise ProjectError(
            tr(
                f"收件夹 {inbox} 下没有项目文件夹（查找了任意深度下含 bids/ 子文件夹的文件夹）",
                f"no project folder under the inbox {inbox} "
                "(looked for folders holding a bids/ subfolder, at any depth)",
            )
        )
    return folders


def _locked_run(db: Database, options: _Options, folders: list[str]) -> NightlySummary:
    """The run proper, once the lock is held and the database open."""
    try:
        interrupted = store.mark_stale_runs(db)
        run_id = store.start_run(db, "nightly", inbox=str(options.inbox))
        started_at = store.run_started_at(db, run_id)
    except StoreError as exc:
        return _run_without_history(options, folders, _reason(exc))
    if interrupted:
        options.log(messages.interrupted_runs(interrupted))
    run = _Run(options=options, db=db, history=store.History(db), run_id=run_id)
    try:
        prepare_output(options.out_dir, options.outbox, shared=store.dialect(db) != "sqlite")
        try:
            known = store.inbox_manifests(db)
        except StoreError as exc:
            with contextlib.suppress(StoreError):
                store.finish_run(db, run_id, "failed", error=_reason(exc))
            return _run_without_history(options, folders, _reason(exc))
        to_scan, unchanged = changed_projects(known, options.inbox, folders, options.progress)
        outcomes = _process_all(run, to_scan)
        rings = nightly_rings(db, options.out_dir, options.log)
    except BaseException as exc:
        status = "interrupted" if isinstance(exc, KeyboardInterrupt) else "failed"
        with contextlib.suppress(StoreError):
            store.finish_run(db, run_id, status, error=one_line(exc))
        raise
    summary = _summary(options, run_id, started_at, folders, outcomes, unchanged, interrupted)
    summary = replace(summary, rings=rings)
    summary = _write_summary(options.out_dir, summary)
    try:
        store.finish_run(
            db,
            run_id,
            "ok",
            projects_found=len(folders),
            projects_scanned=len(summary.scanned),
            projects_unchanged=len(unchanged),
            projects_failed=len(summary.failed),
            files_scanned=summary.files_scanned,
            alerts=summary.alerts,
        )
    except StoreError as exc:
        summary = replace(summary, status="failed", history_error=_reason(exc))
        summary = _write_summary(options.out_dir, summary)
    options.log(messages.run_line(summary))
    return summary


def _run_without_history(options: _Options, folders: list[str], error: str) -> NightlySummary:
    """Every project scanned and reported, nothing recorded: the history is unusable."""
    options.log(messages.history_unusable(store.describe(options.database), error))
    run = _Run(options, db=None, history=None, run_id=store.new_run_id(), history_error=error)
    started_at = store.utc_now()
    prepare_output(options.out_dir, options.outbox)
    manifests = [(folder, Manifest("", 0)) for folder in folders]
    outcomes = _process_all(run, manifests)
    summary = _summary(options, run.run_id, started_at, folders, outcomes, [], 0)
    summary = _write_summary(options.out_dir, replace(summary, history_error=error))
    options.log(messages.run_line(summary))
    return summary


def _process_all(run: _Run, to_scan: list[tuple[str, Manifest]]) -> list[ProjectOutcome]:
    """Each project in turn; one project's failure never stops the others.

    On PostgreSQL each project is first claimed (``store.claim_project``):
    one another worker holds is passed over, then waited for at the end, so
    a worker that died mid-project leaves it to this one; one another worker
    has committed meanwhile is skipped. Workers read and section their
    projects side by side, but a project asks the history about other
    projects only once every project before it in the inbox's order is
    recorded (``store.claim_state``), so each project sees the history one
    run alone would have shown it: the same alerts, whatever the workers. A
    waiting worker takes over, in order, a project whose worker died.
    """
    outcomes: list[ProjectOutcome] = []
    taken_over: set[str] = set()
    passed_over: list[tuple[int, str, Manifest]] = []
    for done, (folder, manifest) in enumerate(to_scan, start=1):
        wait = _wait_for_earlier(run, to_scan[: done - 1], outcomes, taken_over)
        if not _claimed_process(run, folder, manifest, outcomes, wait=False, before=wait):
            passed_over.append((done - 1, folder, manifest))
        run.options.progress("scan", done, len(to_scan))
    for index, folder, manifest in passed_over:
        wait = _wait_for_earlier(run, to_scan[:index], outcomes, taken_over)
        _claimed_process(run, folder, manifest, outcomes, wait=True, before=wait)
    return outcomes


def _wait_for_earlier(
    run: _Run,
    earlier: list[tuple[str, Manifest]],
    outcomes: list[ProjectOutcome],
    taken_over: set[str],
) -> Callable[[], None] | None:
    """On PostgreSQL: a wait until every earlier folder of the run is recorded.

    An earlier folder nobody holds and nobody recorded (its worker died) is
    taken over and scanned right here, in order, once per run and worker.
    """
    if run.db is None or store.dialect(run.db) != "postgresql" or not earlier:
        return None
    db = run.db

    def wait() -> None:
        pending = list(earlier)
        while pending:
            waiting = []
            for folder, manifest in pending:
                state = store.claim_state(db, folder, manifest.hash)
                if state == store.CLAIM_FREE and folder not in taken_over:
                    taken_over.add(folder)
                    run.options.log(messages.taken_over(folder))
                    position = earlier.index((folder, manifest))
                    before = _wait_for_earlier(run, earlier[:position], outcomes, taken_over)
                    if _claimed_process(run, folder, manifest, outcomes, wait=False, before=before):
                        continue
                    state = store.CLAIM_HELD
                if state == store.CLAIM_HELD:
                    waiting.append((folder, manifest))
            pending = waiting
            if pending:
                time.sleep(CLAIM_POLL_SECONDS)

    return wait


def _claimed_process(
    run: _Run,
    folder: str,
    manifest: Manifest,
    outcomes: list[ProjectOutcome],
    *,
    wait: bool,
    before: Callable[[], None] | None = None,
) -> bool:
    """Process the folder if this worker holds its claim; False when another holds it."""
    if run.db is None:
        outcomes.append(_process_project(run, folder, manifest))
        return True
    with store.claim_project(run.db, folder, manifest.hash, wait=wait) as claim:
        if claim == store.CLAIM_HELD:
            return False
        if claim == store.CLAIM_MINE:
            outcomes.append(_process_project(run, folder, manifest, before))
        else:
            run.options.log(messages.recorded_elsewhere(folder))
    return True


def _summary(
    options: _Options,
    run_id: str,
    started_at: str,
    folders: list[str],
    outcomes: list[ProjectOutcome],
    unchanged: list[str],
    interrupted: int,
) -> NightlySummary:
    return NightlySummary(
        run_id=run_id,
        status="ok",
        started_at=_local(started_at),
        finished_at=_local(store.utc_now()),
        inbox=str(options.inbox),
        database=store.describe(options.database),
        projects_found=len(folders),
        scanned=tuple(o for o in outcomes if o.status == "scanned"),
        failed=tuple(o for o in outcomes if o.status == "failed"),
        unchanged=tuple(unchanged),
        interrupted_runs=interrupted,
    )


# ---------------------------------------------------------------------------
# One project
# ---------------------------------------------------------------------------


def _scan(
    root: Path,
    settings: Any,
    history: HistoryView | None,
    before_history: Callable[[], None] | None = None,
) -> Any:
    """Run the scan pipeline (imported here: it pulls in every detector)."""
    from collusion.scan import scan_project

    return scan_project(root, settings, history=history, before_history=before_history)


def _process_project(
    run: _Run, folder: str, manifest: Manifest, before: Callable[[], None] | None = None
) -> ProjectOutcome:
    """Scan one folder, write its reports, then commit it with its manifest.

    ``before`` runs inside the scan before the history is asked (a worker's
    wait for the projects before this one).

    Whatever fails here fails this project only: an unreadable history is
    left out of the scan, an unwritable report or history is this
    project's error in the summary.
    """
    log = run.options.log
    root, settings = run.options.inbox / folder, run.options.settings

    def unusable(exc: StoreError) -> None:
        # The history broke under the scan: the report is still owed.
        log(messages.history_broke_under(folder, _reason(exc)))

    try:
        result, broke = store.scan_with_history(
            lambda history: _scan(root, settings, history, before if history else None),
            run.history,
            unusable,
        )
    except CollusionError as exc:
        # The folder cannot be scanned as it is (no bidders...): remember it
        # with its manifest so it is tried again only when its content changes.
        error = printable(str(exc))
        _commit_failure(run, folder, manifest, error)
        log(messages.failed(folder, error))
        return ProjectOutcome(folder=folder, status="failed", error=error)
    except Exception as exc:
        # A bug in one project's scan must not cost the other projects their
        # night. Not recorded as done, so the next run tries it again.
        detail = printable("".join(traceback.format_exception_only(type(exc), exc)).strip())
        log(messages.failed(folder, detail))
        return ProjectOutcome(folder=folder, status="failed", error=detail)
    history_error = _reason(broke) if broke else run.history_error
    report = result.report
    project_id = str(report["project"]["id"])
    try:
        report_path = write_json_atomic(run.options.out_dir / report_file_name(project_id), report)
        delivered = _deliver(run, project_id, report)
    except OSError as exc:
        error = messages.report_not_written(project_id, one_line(exc))
        log(messages.failed(folder, error))
        return ProjectOutcome(folder=folder, status="failed", project_id=project_id, error=error)
    outcome = ProjectOutcome(
        folder=folder,
        status="scanned",
        project_id=project_id,
        files=_files(report),
        file_errors=len(report.get("errors", [])),
        alerts=len(report.get("alerts", [])),
        flagged_pairs=sum(1 for p in report.get("pairs", []) if p.get("flagged")),
        report=str(report_path),
        delivered=str(delivered) if delivered else None,
    )
    if history_error is None and run.db is not None:
        db = run.db
        try:
            _warn_shared_id(run, db, folder, project_id)
            with store.transaction(db):
                counts = store.record_scan(db, result, run.run_id)
                _record_manifest(run, db, folder, manifest, "ok", project_id=project_id)
            outcome = replace(
                outcome,
                files=counts.files,
                alerts=counts.alerts,
                flagged_pairs=counts.flagged_pairs,
            )
        except StoreError as exc:
            history_error = _reason(exc)
    if history_error is not None:
        # The report is written; the history does not know it. Failed, so
        # the summary says so, and the next run scans it again.
        error = messages.not_recorded(history_error)
        log(messages.failed(folder, error))
        return replace(outcome, status="failed", error=error)
    log(messages.scanned(outcome))
    return outcome


def _files(report: dict[str, Any]) -> int:
    """Bid and tender files in a report."""
    bidders = sum(len(b.get("files", [])) for b in report.get("bidders", []))
    return bidders + len((report.get("tender") or {}).get("files", []))


def _warn_shared_id(run: _Run, db: Database, folder: str, project_id: str) -> None:
    """Say so when another folder already stands for this project id.

    The history keeps one record per project id: the later folder's scan
    replaces the earlier one's, which is right for a re-submitted project
    and wrong for two projects that reuse an id by mistake.
    """
    others = store.folders_of_project(db, project_id, besides=folder)
    if others:
        run.options.log(messages.shared_project_id(folder, project_id, others))


def _commit_failure(run: _Run, folder: str, manifest: Manifest, error: str) -> None:
    """Remember an unscannable folder (skipped while unchanged), if the history works."""
    if run.db is None:
        return
    with contextlib.suppress(StoreError), store.transaction(run.db):
        _record_manifest(run, run.db, folder, manifest, "failed", error=error)


def _record_manifest(
    run: _Run,
    db: Database,
    folder: str,
    manifest: Manifest,
    status: str,
    *,
    project_id: str | None = None,
    error: str | None = None,
) -> None:
    store.record_manifest(
        db,
        folder,
        manifest_hash=manifest.hash,
        file_count=manifest.files,
        status=status,
        run_id=run.run_id,
        project_id=project_id,
        error=error,
    )


def _local(utc: str) -> str:
    """A time the history keeps in UTC, in the reader's zone with its offset."""
    return clock.local_iso(dt.datetime.fromisoformat(utc))


def _reason(exc: StoreError) -> str:
    """Why the history failed, on one line."""
    return printable(str(exc))


def _deliver(run: _Run, project_id: str, report: dict[str, Any]) -> Path | None:
    """Copy a report with flagged pairs into OUTBOX/<regulator>/, atomically."""
    if run.options.outbox is None or not any(p.get("flagged") for p in report.get("pairs", [])):
        return None
    industry = (report.get("project") or {}).get("industry")
    regulator = regulator_for(industry, run.options.regulators)
    return write_json_atomic(run.options.outbox / regulator / report_file_name(project_id), report)


def _write_summary(out_dir: Path, summary: NightlySummary) -> NightlySummary:
    """Write runs/<run_id>.json and runs/latest.json; return the summary with its path."""
    runs = out_dir / RUNS_FOLDER
    path = runs / f"{summary.run_id}.json"
    summary = replace(summary, summary_path=str(path))
    data = summary.to_dict()
    try:
        write_json_atomic(path, data)
        write_json_atomic(runs / "latest.json", data)
    except OSError as exc:
        raise OutputError(
            tr(
                f"无法写出运行摘要 {path}：{one_line(exc)}",
                f"cannot write the run summary {path}: {one_line(exc)}",
            )
        ) from exc
    return summary
