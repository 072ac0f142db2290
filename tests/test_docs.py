"""The README tells the truth about the command line.

Every command and every option that ``--help`` shows appears in the README,
and the command synopsis under "## The command" lists each command with
exactly its options.
"""

from __future__ import annotations

import re
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from collusion.cli import main

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
LONG_OPTION = re.compile(r"--[a-z][a-z0-9-]*")


def commands(group: click.Group = main, path: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """Every command path under ``collusion``, groups included ("" is the root)."""
    found = [path]
    for name, command in sorted(group.commands.items()):
        if isinstance(command, click.Group):
            found += commands(command, (*path, name))
        else:
            found.append((*path, name))
    return found


def command_at(path: tuple[str, ...]) -> click.Command:
    command: click.Command = main
    for name in path:
        assert isinstance(command, click.Group)
        command = command.commands[name]
    return command


def help_text(path: tuple[str, ...]) -> str:
    result = CliRunner().invoke(main, [*path, "--help"])
    assert result.exit_code == 0, result.output
    return result.output


def synopsis() -> dict[tuple[str, ...], set[str]]:
    """Command path -> long options, from the code block under "## The command"."""
    section = README.split("## The command", 1)[1]
    block = section.split("```", 2)[1]
    entries: list[str] = []
    for line in block.splitlines():
        if line.startswith("collusion"):
            entries.append(line.split("#", 1)[0])
        elif line.strip() and entries:
            entries[-1] += " " + line.split("#", 1)[0]
    out: dict[tuple[str, ...], set[str]] = {}
    for entry in entries:
        words = entry.split()[1:]
        path = tuple(w for w in words[:2] if re.fullmatch(r"[a-z]+", w))
        out[path] = set(LONG_OPTION.findall(entry))
    return out


def long_options(command: click.Command) -> set[str]:
    return {
        opt
        for param in command.params
        if isinstance(param, click.Option)
        for opt in (*param.opts, *param.secondary_opts)
        if opt.startswith("--")
    } - {"--help"}


@pytest.mark.parametrize("path", commands(), ids=lambda p: " ".join(p) or "collusion")
def test_every_command_and_option_in_help_is_in_the_readme(path):
    text = help_text(path)
    if path:
        assert f"collusion {' '.join(path)}" in README
    missing = sorted(o for o in set(LONG_OPTION.findall(text)) - {"--help"} if o not in README)
    assert missing == []


def test_synopsis_lists_every_command_with_exactly_its_options():
    listed = synopsis()
    leaves = [p for p in commands() if not isinstance(command_at(p), click.Group)]
    assert set(listed) == {*leaves, ()}
    for path in leaves:
        assert listed[path] == long_options(command_at(path)), " ".join(path)
    assert listed[()] == long_options(main)


def test_synopsis_parser_reads_continuation_lines():
    assert "--workers" in synopsis()[("scan",)]
