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
import fcntl
import hashlib
import json
import os
import stat
import tomllib
import traceback
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from collusion import store
from collusion.errors import CollusionError, LockHeld, SettingsError, StoreError
from collusion.report import dumps, write_private

Progress = Callable[[str, int, int], None]
Log = Callable[[str], None]

UNROUTED = "_unrouted"  # outbox folder for flagged reports whose industry has no regulator
DEFAULT_REGULATOR_KEY = "default"  # a regulators-config key used for unmapped industries
RUNS_FOLDER = "runs"  # under the output folder: one summary per run, and latest.json
HASH_CHUNK = 1024 * 1024


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
        """One line for the log."""
        if self.nothing_new:
            return (
                f"nothing new: {self.projects_found} project folder(s) unchanged since the last run"
            )
        flagged = sum(1 for p in self.scanned if p.flagged_pairs)
        return (
            f"scanned {len(self.scanned)} of {self.projects_found} project folder(s) "
            f"({self.files_scanned} files, {self.alerts} alerts, {flagged} with flagged "
            f"pairs); {len(self.unchanged)} unchanged, {len(self.failed)} failed"
        )

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
    database: Path
    out_dir: Path
    outbox: Path | None
    regulators: dict[str, str]
    settings: Any
    progress: Progress
    log: Log


@dataclass(frozen=True)
class _Run:
    """One run in progress: its options, database, history and id."""

    options: _Options
    db: Database
    history: store.History
    run_id: str


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
    for the run. Raises LockHeld when another run holds the database's
    lock, StoreError when the database cannot be used, SettingsError for a
    bad regulators file.
    """
    options = _Options(
        inbox=Path(inbox),
        database=store.resolve_db_path(db_path),
        out_dir=Path(out_dir),
        outbox=Path(outbox) if outbox else None,
        regulators=load_regulators(regulators_config) if regulators_config else {},
        settings=settings,
        progress=progress or (lambda stage, done, total: None),
        log=log or (lambda line: None),
    )
    if not options.inbox.is_dir():
        raise StoreError(f"the inbox {options.inbox} is not a folder")
    with nightly_lock(options.database):
        db = store.open_db(options.database)
        try:
            return _locked_run(db, options)
        finally:
            db.close()


def _locked_run(db: Database, options: _Options) -> NightlySummary:
    """The run proper, once the lock is held and the database open."""
    interrupted = store.mark_stale_runs(db)
    if interrupted:
        options.log(f"{interrupted} earlier run(s) had died and are marked interrupted")
    run_id = store.start_run(db, "nightly", inbox=str(options.inbox))
    started_at = _run_started_at(db, run_id)
    run = _Run(options=options, db=db, history=store.History(db), run_id=run_id)
    try:
        _prepare_output(options.out_dir, options.outbox)
        folders = find_projects(options.inbox)
        to_scan, unchanged = _changed_projects(db, options.inbox, folders, options.progress)
        outcomes = []
        for done, (folder, manifest) in enumerate(to_scan, start=1):
            outcomes.append(_process_project(run, folder, manifest))
            options.progress("scan", done, len(to_scan))
    except BaseException as exc:
        status = "interrupted" if isinstance(exc, KeyboardInterrupt) else "failed"
        store.finish_run(db, run_id, status, error=f"{type(exc).__name__}: {exc}")
        raise
    summary = NightlySummary(
        run_id=run_id,
        status="ok",
        started_at=started_at,
        finished_at=store.utc_now(),
        inbox=str(options.inbox),
        database=str(options.database),
        projects_found=len(folders),
        scanned=tuple(o for o in outcomes if o.status == "scanned"),
        failed=tuple(o for o in outcomes if o.status == "failed"),
        unchanged=tuple(unchanged),
        interrupted_runs=interrupted,
    )
    summary = _write_summary(options.out_dir, summary)
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
    options.log(summary.message)
    return summary


def _run_started_at(db: Database, run_id: str) -> str:
    return db.conn.execute("SELECT started_at FROM runs WHERE id = ?", (run_id,)).fetchone()[0]


# ---------------------------------------------------------------------------
# The lock
# ---------------------------------------------------------------------------


def lock_path_for(db_path: Path) -> Path:
    return db_path.with_name(db_path.name + ".lock")


@contextlib.contextmanager
def nightly_lock(db_path: Path) -> Iterator[Path]:
    """Hold ``<db>.lock`` for the run; raise LockHeld at once if it is taken.

    ``flock`` is released by the kernel when the holder dies, even by
    SIGKILL, so a killed run never leaves a stale lock behind. The file is
    never deleted: deleting it would let two runs lock two different files.
    """
    path = lock_path_for(db_path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    except OSError as exc:
        raise StoreError(f"cannot create the lock file {path}: {exc}") from exc
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 64, 0).decode(errors="replace").strip() or "unknown"
            raise LockHeld(
                f"another nightly run (pid {holder}) is using {db_path}; it holds {path}"
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        yield path
    finally:
        os.close(fd)  # closing releases the flock


# ---------------------------------------------------------------------------
# Finding what changed
# ---------------------------------------------------------------------------


def find_projects(inbox: Path) -> list[str]:
    """Project folders under the inbox (folders with a bids/ subfolder), sorted.

    Returned relative to the inbox ("." when the inbox itself is a project).
    A project folder is not searched further: its bids/ hold bidders, not
    projects. Hidden folders are skipped.
    """
    found = []
    for dirpath, dirnames, _ in os.walk(inbox):
        here = Path(dirpath)
        if (here / "bids").is_dir():
            found.append(here.relative_to(inbox).as_posix())
            dirnames[:] = []
            continue
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
    return sorted(found)


def manifest_hash(project_dir: Path) -> tuple[str, int]:
    """(sha256 over every file's relative path and content hash, file count).

    Every file counts, not only bids: a changed project.json, tender or
    signatures.csv changes the report too. A symbolic link counts by its
    target's name (the scan never follows links out of the project). Plain
    string paths and one lstat per file: a re-run with nothing new is
    mostly this function.
    """
    entries = []
    top = os.fspath(project_dir)
    for dirpath, _, filenames in os.walk(top):
        rel_dir = os.path.relpath(dirpath, top).replace(os.sep, "/")
        prefix = "" if rel_dir == "." else rel_dir + "/"
        for name in filenames:
            path = os.path.join(dirpath, name)
            mode = os.lstat(path).st_mode
            if stat.S_ISLNK(mode):
                entries.append(f"{prefix}{name}\0link:{os.readlink(path)}")
            elif stat.S_ISREG(mode):
                entries.append(f"{prefix}{name}\0{file_sha256(path)}")
    digest = hashlib.sha256("\n".join(sorted(entries)).encode()).hexdigest()
    return digest, len(entries)


def file_sha256(path: str | os.PathLike[str]) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(HASH_CHUNK):
            h.update(chunk)
    return h.hexdigest()


@dataclass(frozen=True)
class Manifest:
    hash: str
    files: int


def _changed_projects(
    db: Database, inbox: Path, folders: list[str], progress: Progress
) -> tuple[list[tuple[str, Manifest]], list[str]]:
    """Split the folders into (to scan, with manifests) and unchanged."""
    known = {
        row[0]: row[1]
        for row in db.conn.execute("SELECT folder, manifest_hash FROM inbox_projects")
    }
    to_scan, unchanged = [], []
    for done, folder in enumerate(folders, start=1):
        digest, count = manifest_hash(inbox / folder)
        if known.get(folder) == digest:
            unchanged.append(folder)
        else:
            to_scan.append((folder, Manifest(digest, count)))
        progress("hash", done, len(folders))
    return to_scan, unchanged


# ---------------------------------------------------------------------------
# One project
# ---------------------------------------------------------------------------


def _scan(root: Path, settings: Any, history: store.History) -> Any:
    """Run the scan pipeline (imported here: it pulls in every detector)."""
    from collusion.scan import scan_project

    history.current_project = _project_id(root)
    return scan_project(root, settings, history=history)


def _project_id(root: Path) -> str | None:
    """The id the scan will give the project, so history leaves its old record out."""
    from collusion.project import load_project

    try:
        return load_project(root).id
    except CollusionError:
        return None  # the scan itself will raise and say why


def _process_project(run: _Run, folder: str, manifest: Manifest) -> ProjectOutcome:
    """Scan one folder, write its reports, then commit it with its manifest."""
    try:
        result = _scan(run.options.inbox / folder, run.options.settings, run.history)
    except CollusionError as exc:
        # The folder cannot be scanned as it is (no bidders...): remember it
        # with its manifest so it is tried again only when its content changes.
        _commit_failure(run, folder, manifest, str(exc))
        run.options.log(f"failed {folder}: {exc}")
        return ProjectOutcome(folder=folder, status="failed", error=str(exc))
    except Exception as exc:
        # A bug in one project's scan must not cost the other projects their
        # night. Not recorded as done, so the next run tries it again.
        detail = "".join(traceback.format_exception_only(type(exc), exc)).strip()
        run.options.log(f"failed {folder}: {detail}")
        return ProjectOutcome(folder=folder, status="failed", error=detail)
    report = result.report
    project_id = str(report["project"]["id"])
    _warn_shared_id(run, folder, project_id)
    report_path = write_json_atomic(run.options.out_dir / f"{safe_name(project_id)}.json", report)
    delivered = _deliver(run, project_id, report)
    with store.transaction(run.db):
        counts = store.record_scan(run.db, result, run.run_id)
        _record_manifest(run, folder, project_id, manifest, "ok", None)
    outcome = ProjectOutcome(
        folder=folder,
        status="scanned",
        project_id=project_id,
        files=counts.files,
        file_errors=len(report.get("errors", [])),
        alerts=counts.alerts,
        flagged_pairs=counts.flagged_pairs,
        report=str(report_path),
        delivered=str(delivered) if delivered else None,
    )
    run.options.log(_outcome_line(outcome))
    return outcome


def _warn_shared_id(run: _Run, folder: str, project_id: str) -> None:
    """Say so when another folder already stands for this project id.

    The history keeps one record per project id: the later folder's scan
    replaces the earlier one's, which is right for a re-submitted project
    and wrong for two projects that reuse an id by mistake.
    """
    rows = run.db.conn.execute(
        "SELECT folder FROM inbox_projects WHERE project_id = ? AND folder != ? ORDER BY folder",
        (project_id, folder),
    ).fetchall()
    if rows:
        others = ", ".join(r[0] for r in rows)
        run.options.log(
            f"warning: {folder} has project id {project_id}, as {others} had; "
            "its record is replaced"
        )


def _outcome_line(o: ProjectOutcome) -> str:
    line = (
        f"scanned {o.project_id} ({o.folder}): {o.files} files, {o.alerts} alerts, "
        f"{o.flagged_pairs} flagged pair(s)"
    )
    if o.file_errors:
        line += f", {o.file_errors} unreadable"
    if o.delivered:
        line += f"; delivered to {o.delivered}"
    return line


def _commit_failure(run: _Run, folder: str, manifest: Manifest, error: str) -> None:
    with store.transaction(run.db):
        _record_manifest(run, folder, None, manifest, "failed", error)


def _record_manifest(
    run: _Run,
    folder: str,
    project_id: str | None,
    manifest: Manifest,
    status: str,
    error: str | None,
) -> None:
    run.db.conn.execute(
        "INSERT OR REPLACE INTO inbox_projects (folder, project_id, manifest_hash, "
        "file_count, status, error, run_id, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (
            folder,
            project_id,
            manifest.hash,
            manifest.files,
            status,
            error,
            run.run_id,
            store.utc_now(),
        ),
    )


# ---------------------------------------------------------------------------
# Output and delivery
# ---------------------------------------------------------------------------


def safe_name(name: str) -> str:
    """A single path component: separators and a leading dot replaced."""
    cleaned = "".join("_" if ch in "/\\\0" or ord(ch) < 32 else ch for ch in name).strip()
    if not cleaned or cleaned.startswith("."):
        cleaned = "_" + cleaned
    return cleaned


def write_json_atomic(path: Path, data: Any) -> Path:
    """Write a JSON file atomically and owner-only, as ``collusion scan`` does."""
    write_private(path, dumps(data))
    return path


def _prepare_output(out_dir: Path, outbox: Path | None) -> None:
    """Create the output folders and remove temporary files of killed runs.

    Safe only under the lock: no other run can be writing there.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    folders = [out_dir, out_dir / RUNS_FOLDER]
    if outbox is not None:
        outbox.mkdir(parents=True, exist_ok=True)
        folders += [p for p in outbox.iterdir() if p.is_dir()]
    for folder in folders:
        # write_private's temporary files: ".<name>.<random>" next to <name>.
        for stale in folder.glob(".*.json.*"):
            with contextlib.suppress(FileNotFoundError):
                stale.unlink()


def load_regulators(path: str | os.PathLike[str]) -> dict[str, str]:
    """Read ``{"industry": "regulator", ...}`` from a JSON or TOML file."""
    config = Path(path)
    try:
        text = config.read_text(encoding="utf-8-sig")
        if config.suffix.lower() == ".toml":
            data = tomllib.loads(text)
        else:
            data = json.loads(text)
    except (OSError, ValueError) as exc:
        raise SettingsError(f"cannot read the regulators file {config}: {exc}") from exc
    if not isinstance(data, dict) or not all(
        isinstance(k, str) and isinstance(v, str) and v.strip() for k, v in data.items()
    ):
        raise SettingsError(
            f"the regulators file {config} must map each industry to a regulator name, "
            'e.g. {"construction": "住建局", "water": "水务局"}'
        )
    return {k.strip(): v.strip() for k, v in data.items()}


def regulator_for(industry: str | None, regulators: dict[str, str]) -> str:
    """The regulator's outbox folder name for an industry."""
    name = regulators.get(industry or "") or regulators.get(DEFAULT_REGULATOR_KEY)
    return safe_name(name) if name else UNROUTED


def _deliver(run: _Run, project_id: str, report: dict[str, Any]) -> Path | None:
    """Copy a report with flagged pairs into OUTBOX/<regulator>/, atomically."""
    if run.options.outbox is None or not any(p.get("flagged") for p in report.get("pairs", [])):
        return None
    industry = (report.get("project") or {}).get("industry")
    regulator = regulator_for(industry, run.options.regulators)
    return write_json_atomic(
        run.options.outbox / regulator / f"{safe_name(project_id)}.json", report
    )


def _write_summary(out_dir: Path, summary: NightlySummary) -> NightlySummary:
    """Write runs/<run_id>.json and runs/latest.json; return the summary with its path."""
    runs = out_dir / RUNS_FOLDER
    path = runs / f"{summary.run_id}.json"
    summary = replace(summary, summary_path=str(path))
    data = summary.to_dict()
    write_json_atomic(path, data)
    write_json_atomic(runs / "latest.json", data)
    return summary
