"""The version is written once (pyproject.toml) and read back everywhere."""

from __future__ import annotations

import tomllib
from importlib.metadata import version
from pathlib import Path

from click.testing import CliRunner

import collusion
from collusion.cli import main

ROOT = Path(__file__).resolve().parent.parent


def test_one_version_everywhere():
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]["version"]
    assert collusion.__version__ == version("collusion") == declared
    result = CliRunner().invoke(main, ["--version"])
    assert result.exit_code == 0 and declared in result.output
