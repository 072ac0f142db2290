"""`collusion nightly`: scan an inbox's new and changed projects into the history."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from collusion.cli.common import (
    ProgressBar,
    db_option,
    ending_on_signals,
    log_line,
    screens_model_option,
    with_screens_model,
)
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
    help="TOML (or JSON) file mapping industry to regulator, one line each, e.g. "
    'construction = "住建局"; the key "default" catches the rest.',
)
@screens_model_option
def nightly(
    inbox: Path,
    db_path: Path | str | None,
    out_dir: Path,
    outbox: Path | None,
    regulators_path: Path | None,
    screens_model: Path | None,
) -> None:
    """Scan the project folders under INBOX that are new or changed since the last run.

    A progress bar in a terminal, plain log lines otherwise (cron): the time
    with its offset, a fixed [tag] to grep, and a sentence in the chosen
    language (see --lang on collusion). Exits 1
    when the inbox is missing or holds no project folder, another run holds
    the lock, or the history database could not be used (the reports are
    still written).
    """
    from collusion.errors import LockHeld
    from collusion.nightly import messages
    from collusion.nightly.run import run_nightly
    from collusion.runtime.console import printable
    from collusion.runtime.lang import tr
    from collusion.settings import Settings

    settings = with_screens_model(Settings(), screens_model)
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
                settings=settings,
                progress=progress,
                log=None if interactive else log_line,
            )
    except LockHeld as exc:
        raise click.ClickException(
            printable(tr(f"{exc}；不启动第二个运行", f"{exc}; not starting a second run"))
        ) from exc
    except CollusionError as exc:
        raise click.ClickException(printable(str(exc))) from exc
    finally:
        if progress:
            progress.close()
    if interactive:
        for outcome in summary.failed:
            click.echo(messages.failed(outcome.folder, outcome.error or ""), err=True)
        click.echo(printable(summary.message))
    written = messages.summary_written(str(summary.summary_path))
    if interactive:
        click.echo(written.split("] ", 1)[1])  # a terminal: the sentence alone
    else:
        log_line(written)
    if summary.history_error:
        raise click.ClickException(
            printable(
                tr(
                    f"未记入历史库 {summary.database}：{summary.history_error}；所有报告均已写出",
                    f"history database {summary.database} not recorded: "
                    f"{summary.history_error}; every report was written",
                )
            )
        )
