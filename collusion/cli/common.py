"""What the commands share: the progress bar, clean ending on signals, the --db option,
extraction limits from options, and one-line OS errors."""

from __future__ import annotations

import contextlib
import signal
import sys
from pathlib import Path
from typing import Any

import click

from collusion.errors import CollusionError

# The library's progress stages, as the bar labels them in Chinese.
STAGE_LABELS = {"extract": "读取文件", "detect": "检测", "hash": "核对内容", "scan": "扫描项目"}


class ProgressBar:
    """Fills a click progress bar from the library's progress callback."""

    def __init__(self) -> None:
        self.bar: Any = None  # click's progress bar of the current stage
        self.stage: str | None = None

    def __call__(self, stage: str, done: int, total: int) -> None:
        if stage != self.stage:
            self.close()
            self.stage = stage
            from collusion.runtime.lang import tr

            label = tr(STAGE_LABELS.get(stage, stage), stage)
            self.bar = click.progressbar(length=total, label=label, file=sys.stderr)
            self.bar.__enter__()
        self.bar.update(done - self.bar.pos)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None


@contextlib.contextmanager
def ending_on_signals():  # noqa: ANN202
    """SIGTERM or SIGINT end the command cleanly: the library unwinds (workers
    killed, temporary files removed, a nightly run recorded as interrupted)
    and the exit status is 128 + the signal's number, as a shell reports it."""
    from collusion.errors import Interrupted
    from collusion.runtime.lifecycle import ending_on_signals

    try:
        with ending_on_signals():
            yield
    except Interrupted as exc:
        from collusion.runtime.lang import tr

        name = signal.Signals(exc.signum).name
        click.echo(
            tr(f"被 {name} 中断，已干净地停止", f"interrupted by {name}; stopped cleanly"), err=True
        )
        sys.exit(128 + exc.signum)


def settings_from_options(
    max_file_mb: float | None,
    max_pages: int | None,
    seconds_per_file: float | None,
    workers: int | None,
):  # noqa: ANN202
    """Settings with the extraction limits given on the command line."""
    from dataclasses import replace

    from collusion.errors import SettingsError
    from collusion.settings import MiB, Settings

    given: dict[str, Any] = {
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


def screens_model_option(func):  # noqa: ANN001, ANN202
    return click.option(
        "--screens-model",
        "screens_model",
        type=click.Path(exists=True, dir_okay=False, path_type=Path),
        help="A model from `collusion screens fit`: the report's indicators.screens "
        "gains the tender's probability of collusion.",
    )(func)


def with_screens_model(settings, model: Path | None):  # noqa: ANN001, ANN202
    """The settings scoring tenders with ``model``, read and checked now: a model
    that cannot be used stops the command before any scan, with the reason."""
    if model is None:
        return settings
    from dataclasses import replace

    from collusion.analysis.screens_model import load_model
    from collusion.runtime.console import printable
    from collusion.settings import ScreensSettings

    try:
        load_model(model)
    except CollusionError as exc:
        raise click.ClickException(printable(str(exc))) from exc
    return replace(settings, screens=ScreensSettings(model=str(model)))


def os_reason(exc: OSError, path: Path) -> str:
    """An OSError on one line, naming the path it hit when that is not ``path``."""
    reason = exc.strerror or str(exc)
    if exc.filename and str(exc.filename) != str(path):
        reason += f"（{exc.filename}）"
    return reason


_DB_HELP = (
    "History database: a SQLite file or a postgresql:// connection string "
    "(default: $COLLUSION_DB, else $COLLUSION_HOME/history.db, "
    "else ~/.local/share/collusion/history.db)."
)


def db_option(func):  # noqa: ANN001, ANN202
    return click.option(
        "--db", "db_path", callback=lambda ctx, param, value: db_target(value), help=_DB_HELP
    )(func)


def db_target(value: str | None) -> Path | str | None:
    """--db: a SQLite path, or a postgresql:// connection string without a password."""
    from collusion.runtime.lang import tr
    from collusion.store import pgdb

    if value is None or not pgdb.is_dsn(value):
        return Path(value) if value else None
    try:
        secret = pgdb.has_password(value)
    except CollusionError as exc:
        raise click.BadParameter(str(exc)) from exc
    if secret:
        raise click.BadParameter(
            tr(
                "命令行上的密码本机所有用户都看得到；请把它放进 ~/.pgpass（PGPASSFILE）"
                "或服务文件（PGSERVICEFILE），不要写在 --db 里",
                "a password on the command line is visible to every user of the machine; "
                "put it in ~/.pgpass (PGPASSFILE) or a service file (PGSERVICEFILE), not in --db",
            )
        )
    return value


def log_line(line: str) -> None:
    """A plain log line, its time in the reader's zone with the offset
    (``2026-12-07T02:00:13+08:00 [scanned] …``): what cron mails or a log file keeps."""
    from collusion.runtime import clock
    from collusion.runtime.console import printable

    click.echo(f"{clock.now().isoformat()} {printable(line)}")
