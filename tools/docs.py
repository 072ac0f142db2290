"""Examples in README.md and docs/ made by running the real commands (cog).

Every command output, help text and report excerpt in the documents sits
inside a cog block that calls one of these functions::

    <!-- [[[cog
    from tools.docs import shell
    shell("collusion scan sample_bids/road-2026-017 --output /tmp/r.json")
    ]]] -->
    ... what the command printed, written by cog ...
    <!-- [[[end]]] -->

``cog -r -I . README.md docs/*.md`` rewrites the blocks from fresh runs;
``cog --check -I . README.md docs/*.md`` (run by tests/test_docs_current.py
in CI) fails when a document no longer shows what the code prints. The
output of a block must not depend on the clock or the machine: a function
here takes ``replace`` (pattern -> text) for what does, and scans write
into a temporary folder whose name is replaced by ``$TMP``.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import cog  # provided by cogapp while it runs a block

ROOT = Path(__file__).resolve().parent.parent
# One scratch folder per cog run, so that blocks can share what they made
# (a scan in one block, an excerpt of its report in the next).
SCRATCH = Path(tempfile.mkdtemp(prefix="collusion-docs-"))
# Times in a report or log line: the documents show a fixed stand-in.
TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})?")


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env.update({"COLUMNS": "100", "PYTHONHASHSEED": "0", "TMP": str(SCRATCH)})
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    return env


def normalise(text: str, replace: Mapping[str, str] | None = None) -> str:
    """The scratch folder as ``$TMP``, times as a fixed stand-in, then ``replace``."""
    text = text.replace(str(SCRATCH), "$TMP")
    text = TIMESTAMP.sub("2026-12-07T10:00:00+08:00", text)
    for pattern, new in (replace or {}).items():
        text = re.sub(pattern, new, text)
    return text


def run(command: str, *, check: bool = True, stdin: str | None = None) -> str:
    """Run ``command`` in the repository (``$TMP`` is the scratch folder): stdout + stderr."""
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
    if check and done.returncode != 0:
        raise RuntimeError(f"{command} exited {done.returncode}:\n{done.stdout}{done.stderr}")
    return done.stdout + done.stderr


def shell(
    command: str,
    *,
    replace: Mapping[str, str] | None = None,
    check: bool = True,
    show: str | None = None,
) -> None:
    """A console block: ``$ command`` and what it printed (``show`` replaces the shown line)."""
    out = normalise(run(command, check=check), replace)
    cog.outl("```console")
    cog.outl(f"$ {show or command}")
    cog.out(out if out.endswith("\n") or not out else out + "\n")
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
