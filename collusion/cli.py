"""The `collusion` command: a thin click layer over the library.

Exit status: 0 when the scan ran (whatever it found), 2 for usage errors
(click's own), 1 when the scan could not run (no such project, no bidders,
an unwritable output).
"""

from __future__ import annotations

import contextlib
import json
import signal
import sys
from pathlib import Path

import click

from collusion import __version__
from collusion.errors import CollusionError
from collusion.report.build import dumps, write_report


class _ProgressBar:
    """Fills a click progress bar from the library's progress callback."""

    def __init__(self) -> None:
        self.bar = None
        self.stage = None

    def __call__(self, stage: str, done: int, total: int) -> None:
        if stage != self.stage:
            self.close()
            self.stage = stage
            self.bar = click.progressbar(length=total, label=stage, file=sys.stderr)
            self.bar.__enter__()
        self.bar.update(done - self.bar.pos)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None


@click.group()
@click.version_option(__version__, prog_name="collusion")
def main() -> None:
    """Find signs of bid collusion (围标串标) among the bids of one tender."""


@main.command()
@click.argument("project", type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "--output",
    "-o",
    default="-",
    show_default=True,
    help="Where to write the JSON report; '-' for standard output.",
)
@click.option(
    "--html",
    "html_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also write a self-contained HTML report to this file.",
)
@click.option(
    "--db",
    "db_path",
    callback=lambda ctx, param, value: _db_target(value),
    help="Record the scan in this history database (and match against it): "
    "a SQLite file or a postgresql:// connection string.",
)
@click.option(
    "--redact",
    is_flag=True,
    help="Mask personal data (ID, phone, account numbers) for wider circulation.",
)
@click.option("--quiet", "-q", is_flag=True, help="No progress bar and no summary.")
@click.option("--max-file-mb", type=float, help="Refuse bid files larger than this (default 200).")
@click.option("--max-pages", type=int, help="Read at most this many pages of a PDF (default 3000).")
@click.option(
    "--seconds-per-file",
    type=float,
    help="Abandon a file whose parsing takes longer (default 120).",
)
@click.option(
    "--workers", type=int, help="Extraction processes (default: one per core, at most 2)."
)
def scan(
    project: Path,
    output: str,
    html_path: Path | None,
    db_path: Path | str | None,
    redact: bool,
    quiet: bool,
    max_file_mb: float | None,
    max_pages: int | None,
    seconds_per_file: float | None,
    workers: int | None,
) -> None:
    """Scan one PROJECT folder (project.json, tender/, bids/<bidder>/, signatures.csv)."""
    from collusion.report.build import check_output_paths
    from collusion.scan import scan_project

    settings = _settings_from_options(max_file_mb, max_pages, seconds_per_file, workers)
    progress = _ProgressBar() if not quiet and sys.stderr.isatty() else None
    try:
        check_output_paths(output, html_path)
        history = _History(db_path)
        with _ending_on_signals():
            result = history.scan(project, settings, progress, scan_project)
    except CollusionError as exc:
        from collusion.runtime.console import printable

        raise click.ClickException(printable(str(exc))) from exc
    finally:
        if progress:
            progress.close()
    report = result.report
    if redact:
        from collusion.report.redact import redact_report

        report = redact_report(report)
    try:
        if output == "-":
            click.echo(dumps(report), nl=False)
        else:
            with _ending_on_signals():
                write_report(report, output)
        if html_path is not None:
            from collusion.report.html import write_html

            with _ending_on_signals():
                write_html(report, html_path)
    except OSError as exc:
        history.close()
        raise click.ClickException(f"无法写出报告: {exc}") from exc
    # The report is out; only now is the scan recorded.
    history.record(result)
    if not quiet and sys.stderr.isatty():
        from collusion.report.terminal import format_terminal_summary

        click.echo(format_terminal_summary(report), err=True)
    if history.error:
        from collusion.runtime.console import printable

        raise click.ClickException(
            printable(f"报告已写出，但未记入历史库 {db_path}: {history.error}")
        )


@contextlib.contextmanager
def _ending_on_signals():  # noqa: ANN202
    """SIGTERM or SIGINT end the command cleanly: the library unwinds (workers
    killed, temporary files removed, a nightly run recorded as interrupted)
    and the exit status is 128 + the signal's number, as a shell reports it."""
    from collusion.errors import Interrupted
    from collusion.runtime.lifecycle import ending_on_signals

    try:
        with ending_on_signals():
            yield
    except Interrupted as exc:
        name = signal.Signals(exc.signum).name
        click.echo(f"interrupted by {name}; stopped cleanly", err=True)
        sys.exit(128 + exc.signum)


class _History:
    """The --db history of one scan: opened if it can be, recorded after the report.

    A database that cannot be read or written costs the scan its history,
    never its report; ``error`` says why, in one line.
    """

    def __init__(self, db_path: Path | str | None) -> None:
        from collusion import store
        from collusion.nightly.run import HISTORY_ERRORS

        self.db = None
        self.error: str | None = None
        if db_path is not None:
            try:
                self.db = store.open_db(db_path)
            except HISTORY_ERRORS as exc:
                self.error = str(exc)

    def scan(self, project: Path, settings, progress, scan_project):  # noqa: ANN001, ANN201
        from collusion import store
        from collusion.nightly.run import HISTORY_ERRORS

        if self.db is None:
            return scan_project(project, settings, progress=progress)
        try:
            return scan_project(
                project, settings, history=store.History(self.db), progress=progress
            )
        except HISTORY_ERRORS as exc:
            self.fail(exc)
            return scan_project(project, settings, progress=progress)

    def record(self, result) -> None:  # noqa: ANN001
        from collusion import store
        from collusion.nightly.run import HISTORY_ERRORS

        if self.db is not None:
            try:
                store.record_scan(self.db, result)
            except HISTORY_ERRORS as exc:
                self.fail(exc)
        self.close()

    def fail(self, exc: BaseException) -> None:
        self.error = f"{type(exc).__name__}: {exc}"
        self.close()

    def close(self) -> None:
        if self.db is not None:
            self.db.close()
            self.db = None


def _settings_from_options(
    max_file_mb: float | None,
    max_pages: int | None,
    seconds_per_file: float | None,
    workers: int | None,
):  # noqa: ANN202
    """Settings with the extraction limits given on the command line."""
    from dataclasses import replace

    from collusion.errors import SettingsError
    from collusion.settings import MiB, Settings

    given = {
        "max_file_bytes": None if max_file_mb is None else int(max_file_mb * MiB),
        "max_pages": max_pages,
        "seconds_per_file": seconds_per_file,
        "workers": workers,
    }
    settings = Settings()
    try:
        extract = replace(settings.extract, **{k: v for k, v in given.items() if v is not None})
    except SettingsError as exc:
        raise click.BadParameter(str(exc)) from exc
    return replace(settings, extract=extract)


@main.command()
@click.argument("report_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--html",
    "html_path",
    required=True,
    type=click.Path(path_type=Path),
    help="The HTML file to write.",
)
def render(report_file: Path, html_path: Path) -> None:
    """Render a saved JSON REPORT_FILE as a self-contained HTML page.

    The file is checked against the report schema first; exits 1 with one
    line saying why when it is not a report or the page cannot be written.
    """
    from collusion.report.build import check_output_paths, read_report
    from collusion.report.html import write_html

    try:
        check_output_paths(report_file, html_path)
        report = read_report(report_file)
    except CollusionError as exc:
        raise click.ClickException(str(exc)) from exc
    except OSError as exc:
        raise click.ClickException(
            f"无法读取报告 {report_file}：{_os_reason(exc, report_file)}"
        ) from exc
    try:
        write_html(report, html_path)
    except OSError as exc:
        raise click.ClickException(
            f"无法写出 HTML {html_path}：{_os_reason(exc, html_path)}"
        ) from exc


def _os_reason(exc: OSError, path: Path) -> str:
    """An OSError on one line, naming the path it hit when that is not ``path``."""
    reason = exc.strerror or str(exc)
    if exc.filename and str(exc.filename) != str(path):
        reason += f"（{exc.filename}）"
    return reason


# --- history and nightly commands ---
# Owned by the history/nightly work (collusion.store, collusion.nightly.run).

_DB_HELP = (
    "History database: a SQLite file or a postgresql:// connection string "
    "(default: $COLLUSION_DB, else $COLLUSION_HOME/history.db, "
    "else ~/.local/share/collusion/history.db)."
)


def _db_option(func):  # noqa: ANN001, ANN202
    return click.option(
        "--db", "db_path", callback=lambda ctx, param, value: _db_target(value), help=_DB_HELP
    )(func)


def _db_target(value: str | None) -> Path | str | None:
    """--db: a SQLite path, or a postgresql:// connection string without a password."""
    from collusion.store import pgdb

    if value is None or not pgdb.is_dsn(value):
        return Path(value) if value else None
    try:
        secret = pgdb.has_password(value)
    except CollusionError as exc:
        raise click.BadParameter(str(exc)) from exc
    if secret:
        raise click.BadParameter(
            "a password on the command line is visible to every user of the machine; "
            "put it in ~/.pgpass (PGPASSFILE) or a service file (PGSERVICEFILE), not in --db"
        )
    return value


def _log_line(line: str) -> None:
    """A plain, timestamped log line: what cron mails or a log file keeps."""
    import time

    from collusion.runtime.console import printable

    stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    click.echo(f"{stamp} {printable(line)}")


@main.command()
@click.argument("inbox", type=click.Path(path_type=Path))
@_db_option
@click.option(
    "--out",
    "out_dir",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder for <project_id>.json reports and runs/<run_id>.json summaries.",
)
@click.option(
    "--outbox",
    type=click.Path(file_okay=False, path_type=Path),
    help="Deliver reports with flagged pairs to OUTBOX/<regulator>/<project_id>.json.",
)
@click.option(
    "--regulators",
    "regulators_path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="JSON or TOML file mapping industry to regulator, e.g. "
    '{"construction": "住建局"}; "default" catches the rest.',
)
def nightly(
    inbox: Path,
    db_path: Path | str | None,
    out_dir: Path,
    outbox: Path | None,
    regulators_path: Path | None,
) -> None:
    """Scan the project folders under INBOX that are new or changed since the last run.

    A progress bar in a terminal, plain log lines otherwise (cron). Exits 1
    when the inbox is missing or holds no project folder, another run holds
    the lock, or the history database could not be used (the reports are
    still written).
    """
    from collusion.errors import LockHeld
    from collusion.nightly.run import run_nightly
    from collusion.runtime.console import printable

    interactive = sys.stdout.isatty()
    progress = _ProgressBar() if interactive else None
    try:
        with _ending_on_signals():
            summary = run_nightly(
                inbox,
                db_path,
                out_dir,
                outbox=outbox,
                regulators_config=regulators_path,
                progress=progress,
                log=None if interactive else _log_line,
            )
    except LockHeld as exc:
        raise click.ClickException(printable(f"{exc}; not starting a second run")) from exc
    except CollusionError as exc:
        raise click.ClickException(printable(str(exc))) from exc
    finally:
        if progress:
            progress.close()
    if interactive:
        for outcome in summary.failed:
            click.echo(printable(f"failed {outcome.folder}: {outcome.error}"), err=True)
        click.echo(printable(summary.message))
    click.echo(printable(f"run summary: {summary.summary_path}"))
    if summary.history_error:
        raise click.ClickException(
            printable(
                f"history database {summary.database} not recorded: {summary.history_error}; "
                "every report was written"
            )
        )


@main.group()
def history() -> None:
    """Query the history database: a project's alerts, where a value was seen."""


def _open_existing(db_path: Path | str | None):  # noqa: ANN202
    """Open the history for reading; never create an empty one by mistake."""
    from collusion import store

    path = store.resolve_db(db_path)
    if isinstance(path, Path) and not path.exists():
        raise click.ClickException(f"no history database at {path} (see --db, $COLLUSION_DB)")
    try:
        return store.open_db(path)
    except CollusionError as exc:
        raise click.ClickException(str(exc)) from exc


def _emit(rows: list[dict], as_json: bool, empty: str, line) -> None:  # noqa: ANN001
    """Rows as JSON, or one line each (``line(row)``), or ``empty`` when none."""
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    if not rows:
        click.echo(empty)
    for row in rows:
        click.echo(line(row))


def _alert_line(alert: dict) -> str:
    return (
        f"{alert['id']}  {alert['severity']:<6} {alert['kind']:<20} "
        f"{','.join(alert['bidders'])}  {alert['summary']}"
    )


def _sighting_line(row: dict) -> str:
    who = f"{row['bidder']} ({row['company'] or '?'})" if row["bidder"] else "tender"
    return (
        f"{row['project_id']}  {who}  {row['file'] or 'signatures.csv'}  "
        f"{row['field']}={row['value']}"
    )


@history.command("alerts")
@click.argument("project_id")
@_db_option
@click.option("--json", "as_json", is_flag=True, help="Print the alerts as JSON.")
def history_alerts(project_id: str, db_path: Path | str | None, as_json: bool) -> None:
    """List the stored alerts of PROJECT_ID (exits 1 when the history does not know it)."""
    from collusion.store import has_project, project_alerts

    db = _open_existing(db_path)
    known = has_project(db, project_id)
    alerts = project_alerts(db, project_id) if known else []
    db.close()
    if not known:
        raise click.ClickException(f"unknown project {project_id}: the history has no scan of it")
    _emit(alerts, as_json, f"no alerts stored for {project_id}", _alert_line)


@history.command("seen")
@click.argument("value")
@click.option("--field", help="Only this field (e.g. rsid_root, machine_code).")
@_db_option
@click.option("--json", "as_json", is_flag=True, help="Print the sightings as JSON.")
def history_seen(value: str, field: str | None, db_path: Path | str | None, as_json: bool) -> None:
    """Where a signature VALUE has been seen: project, bidder, company, file, field."""
    from collusion.store import signature_sightings

    db = _open_existing(db_path)
    rows = signature_sightings(db, value, field)
    db.close()
    _emit(rows, as_json, f"{value} has not been seen", _sighting_line)


if __name__ == "__main__":
    main()
