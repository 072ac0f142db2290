"""Running the real commands for the documents, and writing what they print (cog).

The runner (``run``, ``shell``, ``help_text``, ``python_example``) runs a
command with the scratch folder as ``$TMP``, a fixed terminal width and hash
seed, and replaces what depends on the clock or the machine
(``normalise``); the writers (``text_block``, ``json_block``, ``table``)
put it in a block. Imported through ``tools.docs``.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shlex
import subprocess
import sys
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import cog  # provided by cogapp while it runs a block

ROOT = Path(__file__).resolve().parent.parent
# One scratch folder per cog run, so that blocks can share what they made
# (a scan in one block, an excerpt of its report in the next).
SCRATCH = Path(tempfile.mkdtemp(prefix="collusion-docs-"))
# Times of the run itself (a report's generated_at, a log line's stamp, the
# day a scan records when project.json names none): the documents show a
# fixed stand-in. Only times within NOW_WINDOW of the run are replaced, so a
# time a bid file carries (a document's creation time) is shown as it is.
TIMESTAMP = re.compile(
    r"(?<![\d-])(\d{4}-\d{2}-\d{2})(?:T(\d{2}:\d{2}:\d{2})(\.\d+)?(Z|[+-]\d{2}:\d{2})?)?(?![\d-])"
)
STAND_IN_DATE, STAND_IN_TIME = "2026-12-07", "10:00:00"
# A nightly run's id: its start time and eight random hex digits.
RUN_ID = re.compile(r"\b\d{8}T\d{6}Z-[0-9a-f]{8}\b")
NOW_WINDOW = dt.timedelta(days=2)


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env.update({"COLUMNS": "100", "PYTHONHASHSEED": "0", "TMP": str(SCRATCH)})
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    return env


def normalise(text: str, replace: Mapping[str, str] | None = None) -> str:
    """The scratch folder as ``$TMP``, times as a fixed stand-in, then ``replace``."""
    text = text.replace(str(SCRATCH), "$TMP")
    text = RUN_ID.sub("20261207T100000Z-0a1b2c3d", text)
    text = TIMESTAMP.sub(_stand_in, text)
    for pattern, new in (replace or {}).items():
        text = re.sub(pattern, new, text)
    return text


def _stand_in(found: re.Match[str]) -> str:
    """A time of this run as the fixed stand-in (its zone suffix kept); any other as it is."""
    day, clock, _fraction, zone = found.groups()
    try:
        when = dt.datetime.fromisoformat(
            f"{day}T{clock or '12:00:00'}{zone or ''}".replace("Z", "+00:00")
        )
    except ValueError:
        return found.group(0)
    now = dt.datetime.now(when.tzinfo) if when.tzinfo else dt.datetime.now()
    if abs(when - now) > NOW_WINDOW:
        return found.group(0)
    if clock is None:
        return STAND_IN_DATE
    return f"{STAND_IN_DATE}T{STAND_IN_TIME}{zone or ''}"


def run_status(command: str, *, stdin: str | None = None) -> tuple[int, str]:
    """Run ``command`` in the repository (``$TMP`` is the scratch folder): exit status, stdout + stderr."""
    argv = [a.replace("$TMP", str(SCRATCH)) for a in shlex.split(command)]
    done = subprocess.run(
        argv,
        cwd=ROOT,
        env=_env(),
        input=stdin,
        capture_output=True,
        text=True,
        timeout=600,
    )
    return done.returncode, done.stdout + done.stderr


def run(command: str, *, check: bool = True, stdin: str | None = None) -> str:
    """Run ``command`` in the repository (``$TMP`` is the scratch folder): stdout + stderr."""
    status, out = run_status(command, stdin=stdin)
    if check and status != 0:
        raise RuntimeError(f"{command} exited {status}:\n{out}")
    return out


def shell(
    command: str,
    *,
    replace: Mapping[str, str] | None = None,
    check: bool = True,
    show: str | None = None,
    status: bool = False,
) -> None:
    """A console block: ``$ command`` and what it printed (``show`` replaces the shown line).

    With ``status`` the block ends with the exit status (``$ echo $?``), and a
    command that fails is shown rather than stopping the run.
    """
    code, out = run_status(command)
    if check and not status and code != 0:
        raise RuntimeError(f"{command} exited {code}:\n{out}")
    out = normalise(out, replace)
    cog.outl("```console")
    cog.outl(f"$ {show or command}")
    cog.out(out if out.endswith("\n") or not out else out + "\n")
    if status:
        cog.outl("$ echo $?")
        cog.outl(str(code))
    cog.outl("```")


def help_text(*command: str) -> None:
    """``collusion <command> --help`` as a console block."""
    shell(" ".join(["collusion", *command, "--help"]))


def scratch(name: str) -> Path:
    """A path in the scratch folder (for reports a later block reads)."""
    return SCRATCH / name


def read_json(path: str | Path) -> Any:
    """A JSON file: relative to the repository, or ``$TMP/...`` in the scratch folder."""
    text = str(path).replace("$TMP", str(SCRATCH))
    full = Path(text) if Path(text).is_absolute() else ROOT / text
    return json.loads(full.read_text(encoding="utf-8"))


def json_block(value: Any, *, replace: Mapping[str, str] | None = None) -> None:
    """A JSON block of ``value`` (already cut down to what the document shows)."""
    text = json.dumps(value, ensure_ascii=False, indent=2)
    cog.outl("```json")
    cog.outl(normalise(text, replace))
    cog.outl("```")


def text_block(text: str, *, lang: str = "text", replace: Mapping[str, str] | None = None) -> None:
    """A fenced block of text the code made (a terminal summary, a CSV)."""
    cog.outl(f"```{lang}")
    cog.out(normalise(text if text.endswith("\n") else text + "\n", replace))
    cog.outl("```")


def cli_reference() -> None:
    """Every command's ``--help``, a heading each, in the order ``collusion --help`` lists them."""
    import click

    from collusion.cli import main

    def walk(group: click.Group, path: tuple[str, ...]) -> list[tuple[str, ...]]:
        found = [path]
        for name, command in sorted(group.commands.items()):
            if isinstance(command, click.Group):
                found += walk(command, (*path, name))
            else:
                found.append((*path, name))
        return found

    for path in walk(main, ()):
        cog.outl(f"## collusion {' '.join(path)}".rstrip())
        cog.outl("")
        help_text(*path)
        cog.outl("")


def table(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """A Markdown table (cells made safe for one table row)."""

    def cell(value: Any) -> str:
        text = "" if value is None else str(value)
        return normalise(text).replace("|", "\\|").replace("\n", " ")

    cog.outl("")
    cog.outl("| " + " | ".join(headers) + " |")
    cog.outl("|" + "|".join("---" for _ in headers) + "|")
    for row in rows:
        cog.outl("| " + " | ".join(cell(v) for v in row) + " |")


def terminal_summary(path: str | Path) -> None:
    """What ``collusion scan`` prints on a terminal once the report is written.

    The summary goes to standard error only when that is a terminal (never
    into a pipe or a cron log), so a document shows it by rendering the saved
    report with the same function the command calls.
    """
    from collusion.report.terminal import format_terminal_summary

    text_block(format_terminal_summary(read_json(path)))


def pick(value: Mapping[str, Any], *keys: str) -> dict[str, Any]:
    """The entries ``keys`` of a mapping, in that order (absent ones left out)."""
    return {key: value[key] for key in keys if key in value}


def trim(value: Any, *, items: int = 2, whole: tuple[str, ...] = ("bidders", "fields")) -> Any:
    """``value`` with every list cut to its first ``items`` entries (for an excerpt).

    Lists under the keys ``whole`` (the bidders an alert names, the codes of
    one fact) are never cut: an excerpt must not change what an entry says.
    """
    if isinstance(value, Mapping):
        return {
            key: inner if key in whole else trim(inner, items=items, whole=whole)
            for key, inner in value.items()
        }
    if isinstance(value, list):
        return [trim(inner, items=items, whole=whole) for inner in value[:items]]
    return value


def find_alert(report: Mapping[str, Any], **match: Any) -> dict[str, Any]:
    """The first alert whose entries (``kind=...``, or ``details__field=...`` for
    an entry of ``details``) equal ``match``; an error when none does, so that
    a document never shows an alert the report no longer has."""

    def entry(alert: Mapping[str, Any], key: str) -> Any:
        for part in key.split("__"):
            alert = alert.get(part) if isinstance(alert, Mapping) else None
        return alert

    for alert in report["alerts"]:
        if all(entry(alert, key) == want for key, want in match.items()):
            return alert
    raise LookupError(f"no alert with {match}")


def first_line(text: str | None) -> str:
    """The first sentence-line of a docstring (its summary)."""
    return (text or "").strip().split("\n\n", 1)[0].replace("\n", " ").strip()


def scanned(project: str, report: str, *, options: str = "") -> Path:
    """``$TMP/<report>``: the report of ``collusion scan PROJECT``, made once per cog run.

    Every document that shows the same project's report calls this with the
    same name, so the project is scanned once however many blocks show it,
    and a document run alone (``cog -r docs/report.md``) still has it.
    """
    path = scratch(report)
    if not path.exists():
        extra = f" {options}" if options else ""
        run(f"collusion scan {project} --output $TMP/{report}{extra}")
    return path


def terminal_scan(project: str, report: str, *, options: str = "") -> None:
    """``collusion scan PROJECT --output REPORT`` as a terminal shows it.

    The scan writes ``$TMP/<report>``; the block shows the command with the
    plain file name and, below it, the summary the command prints on a
    terminal (``terminal_summary``; the progress bar is left out).
    """
    from collusion.report.terminal import format_terminal_summary

    summary = format_terminal_summary(read_json(scanned(project, report, options=options)))
    extra = f" {options}" if options else ""
    cog.outl("```console")
    cog.outl(f"$ collusion scan {project} --output {report}{extra.replace('$TMP/', '')}")
    cog.out(normalise(summary))
    cog.outl("```")


def python_example(code: str) -> None:
    """A Python block and, below it, what it printed when run (``$TMP/`` is left out of the shown code)."""
    status, out = run_status(
        f"{sys.executable} -c {shlex.quote(code.replace('$TMP', str(SCRATCH)))}"
    )
    if status != 0:
        raise RuntimeError(f"the example exited {status}:\n{out}")
    cog.outl("```python")
    cog.out(code.replace("$TMP/", ""))
    cog.outl("```")
    text_block(out)
