"""The `collusion` command: a thin click layer over the library.

Exit status: 0 when the scan ran (whatever it found), 2 for usage errors
(click's own), 1 when the scan could not run (no such project, no bidders,
an unwritable output).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from collusion import __version__
from collusion.errors import CollusionError
from collusion.report import dumps, write_report


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
@click.option("--output", "-o", default="-", show_default=True,
              help="Where to write the JSON report; '-' for standard output.")
@click.option("--html", "html_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Also write a self-contained HTML report to this file.")
@click.option("--db", "db_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Record the scan in this history database (and match against it).")
@click.option("--redact", is_flag=True,
              help="Mask personal data (ID, phone, account numbers) for wider circulation.")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar and no summary.")
def scan(project: Path, output: str, html_path: Path | None, db_path: Path | None,
         redact: bool, quiet: bool) -> None:
    """Scan one PROJECT folder (project.json, tender/, bids/<bidder>/, signatures.csv)."""
    from collusion.scan import scan_project

    progress = _ProgressBar() if not quiet and sys.stderr.isatty() else None
    try:
        result = _scan_with_history(project, db_path, progress, scan_project)
    except CollusionError as exc:
        raise click.ClickException(str(exc)) from exc
    finally:
        if progress:
            progress.close()
    report = result.report
    if redact:
        from collusion.redact import redact_report

        report = redact_report(report)
    try:
        if output == "-":
            click.echo(dumps(report), nl=False)
        else:
            write_report(report, output)
        if html_path is not None:
            from collusion.html_report import write_html

            write_html(report, html_path)
    except OSError as exc:
        raise click.ClickException(f"无法写出报告: {exc}") from exc
    if not quiet and sys.stderr.isatty():
        from collusion.summary_text import format_terminal_summary

        click.echo(format_terminal_summary(report), err=True)


def _scan_with_history(project: Path, db_path: Path | None, progress, scan_project):  # noqa: ANN001, ANN202
    if db_path is None:
        return scan_project(project, progress=progress)
    from collusion import store

    db = store.open_db(db_path)
    history = store.History(db)
    result = scan_project(project, history=history, progress=progress)
    store.record_scan(db, result)
    return result


@main.command()
@click.argument("report_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--html", "html_path", required=True,
              type=click.Path(dir_okay=False, path_type=Path),
              help="The HTML file to write.")
def render(report_file: Path, html_path: Path) -> None:
    """Render a saved JSON REPORT_FILE as a self-contained HTML page."""
    from collusion.html_report import write_html

    try:
        report = json.loads(report_file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise click.ClickException(f"无法读取报告 {report_file}: {exc}") from exc
    write_html(report, html_path)


# --- history and nightly commands ---
