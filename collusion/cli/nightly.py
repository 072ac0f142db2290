"""`collusion nightly`: scan an inbox's new and changed projects into the history."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from collusion.cli.common import ProgressBar, db_option, ending_on_signals, log_line
from collusion.errors import CollusionError


@click.command()
@click.argument("inbox", type=click.Path(path_type=Path))
@db_option
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
    progress = ProgressBar() if interactive else None
    try:
        with ending_on_signals():
            summary = run_nightly(
                inbox,
                db_path,
                out_dir,
                outbox=outbox,
                regulators_config=regulators_path,
                progress=progress,
                log=None if interactive else log_line,
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
