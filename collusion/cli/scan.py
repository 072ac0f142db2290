"""`collusion scan` and `collusion render`: one project to a report, a saved report to HTML."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from collusion.cli.common import (
    ProgressBar,
    db_target,
    ending_on_signals,
    os_reason,
    screens_model_option,
    settings_from_options,
    with_screens_model,
)
from collusion.errors import CollusionError, StoreError
from collusion.report.build import dumps, write_report
from collusion.runtime.heap import keep_to_exit
from collusion.runtime.lang import tr

# A report written where --output did not say: beside the project folder.
REPORT_SUFFIX = ".collusion.json"


def report_beside(project: Path) -> Path:
    """``PROJECT.collusion.json`` in the folder that holds PROJECT.

    Never inside the project: the nightly run hashes every file there, and
    a report among the bids would make the project look changed.
    """
    folder = project
    if folder.name in ("", ".", ".."):
        folder = Path(os.path.abspath(folder))
    if not folder.name:
        raise click.UsageError(
            tr(
                f"无法在 {project} 旁写出报告（它是根目录）：请用 --output 指定报告文件",
                f"no place beside {project} for the report (it is the root): give --output",
            )
        )
    return folder.parent / f"{folder.name}{REPORT_SUFFIX}"


@click.command()
@click.argument("project", type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "--output",
    "-o",
    help="Where to write the JSON report, or '-' for standard output (a pipe). "
    f"Default: beside the PROJECT folder, named after it (PROJECT{REPORT_SUFFIX}); "
    "the path is then said on standard error.",
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
    callback=lambda ctx, param, value: db_target(value),
    help="Record the scan in this history database (and match against it): "
    "a SQLite file or a postgresql:// connection string.",
)
@click.option(
    "--redact",
    is_flag=True,
    help="Mask personal data (ID, phone, account numbers) for wider circulation.",
)
@click.option(
    "--companies",
    "companies_path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="The bidders' registry facts (companies.csv format) to read instead of "
    "PROJECT/companies.csv.",
)
@click.option(
    "--company-relations",
    "relations_path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Shareholders and officers (company_relations.csv format) to read instead of "
    "PROJECT/company_relations.csv.",
)
@screens_model_option
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
    output: str | None,
    html_path: Path | None,
    db_path: Path | str | None,
    redact: bool,
    companies_path: Path | None,
    relations_path: Path | None,
    screens_model: Path | None,
    quiet: bool,
    max_file_mb: float | None,
    max_pages: int | None,
    seconds_per_file: float | None,
    workers: int | None,
) -> None:
    """Scan one PROJECT folder (project.json, tender/, bids/<bidder>/, signatures.csv,
    companies.csv, company_relations.csv)."""
    import functools

    from collusion.report.build import check_output_paths
    from collusion.scan import scan_project

    scan_project = functools.partial(
        scan_project, companies=companies_path, relations=relations_path
    )

    settings = settings_from_options(max_file_mb, max_pages, seconds_per_file, workers)
    settings = with_screens_model(settings, screens_model)
    beside = output is None
    if output is None:
        output = str(report_beside(project))
    progress = ProgressBar() if not quiet and sys.stderr.isatty() else None
    try:
        check_output_paths(output, html_path)
        history = _History(db_path)
        with ending_on_signals():
            result = history.scan(project, settings, progress, scan_project)
    except CollusionError as exc:
        from collusion.runtime.console import printable

        raise click.ClickException(printable(str(exc))) from exc
    finally:
        if progress:
            progress.close()
    keep_to_exit()  # the scan's objects live until the process exits
    report = result.report
    if redact:
        from collusion.report.redact import redact_report

        report = redact_report(report)
    try:
        if output == "-":
            click.echo(dumps(report), nl=False)
        else:
            with ending_on_signals():
                write_report(report, output)
        if html_path is not None:
            from collusion.report.html import write_html

            with ending_on_signals():
                write_html(report, html_path)
    except OSError as exc:
        history.close()
        hint = tr("（可用 --output 指定别处）", " (choose another place with --output)")
        raise click.ClickException(
            tr(f"无法写出报告：{exc}", f"cannot write the report: {exc}") + (hint if beside else "")
        ) from exc
    if beside:
        click.echo(
            tr(
                f"报告已写入 {output}（未指定 --output，写在项目文件夹旁）",
                f"report written to {output} (no --output given: beside the project folder)",
            ),
            err=True,
        )
    # The report is out; only now is the scan recorded.
    history.record(result)
    if not quiet and sys.stderr.isatty():
        from collusion.report.terminal import format_terminal_summary

        click.echo(format_terminal_summary(report), err=True)
    if history.error:
        from collusion.runtime.console import printable

        raise click.ClickException(
            printable(
                tr(
                    f"报告已写出，但未记入历史库 {db_path}：{history.error}",
                    f"report written, but not recorded in the history {db_path}: {history.error}",
                )
            )
        )


class _History:
    """The --db history of one scan: opened if it can be, recorded after the report.

    A database that cannot be read or written costs the scan its history,
    never its report (``store.scan_with_history``); ``error`` says why, in one line.
    """

    def __init__(self, db_path: Path | str | None) -> None:
        from collusion import store

        self.db = None
        self.error: str | None = None
        if db_path is not None:
            try:
                self.db = store.open_db(db_path)
            except StoreError as exc:
                self.error = str(exc)

    def scan(self, project: Path, settings, progress, scan_project):  # noqa: ANN001, ANN201
        from collusion import store

        result, _ = store.scan_with_history(
            lambda history: scan_project(project, settings, history=history, progress=progress),
            store.History(self.db) if self.db is not None else None,
            self.fail,
        )
        return result

    def record(self, result) -> None:  # noqa: ANN001
        from collusion import store

        if self.db is not None:
            try:
                store.record_scan(self.db, result)
            except StoreError as exc:
                self.fail(exc)
        self.close()

    def fail(self, exc: StoreError) -> None:
        self.error = str(exc)
        self.close()

    def close(self) -> None:
        from contextlib import suppress

        if self.db is not None:
            with suppress(StoreError):
                self.db.close()
            self.db = None


@click.command()
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
        reason = os_reason(exc, report_file)
        raise click.ClickException(
            tr(
                f"无法读取报告 {report_file}：{reason}",
                f"cannot read the report {report_file}: {reason}",
            )
        ) from exc
    try:
        write_html(report, html_path)
    except OSError as exc:
        reason = os_reason(exc, html_path)
        raise click.ClickException(
            tr(
                f"无法写出 HTML {html_path}：{reason}",
                f"cannot write the HTML {html_path}: {reason}",
            )
        ) from exc
