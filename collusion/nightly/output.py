"""Where the nightly run writes: report file names, atomic JSON writes, the
output and outbox folders, and the regulator each flagged report goes to.
See :mod:`collusion.nightly.run`.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import math
import os
import re
import tempfile
import time
import tomllib
from pathlib import Path
from typing import Any

from collusion.errors import (
    OutputError,
    SettingsError,
)
from collusion.report.build import dumps, write_private
from collusion.runtime.console import printable
from collusion.runtime.lang import tr

UNROUTED = "_unrouted"  # outbox folder for flagged reports whose industry has no regulator
DEFAULT_REGULATOR_KEY = "default"  # a regulators-config key used for unmapped industries
RUNS_FOLDER = "runs"  # under the output folder: one summary per run, and latest.json
# A temporary report file this old belongs to a dead worker (workers side by
# side on PostgreSQL write one report in seconds, never in an hour).
STALE_TEMP_SECONDS = 3600
# A report's file name: the project id itself when it is a short, plain name;
# else its first characters, sanitized, plus a hash of the whole id.
FILE_NAME_MAX_BYTES = 120  # of the readable part, in UTF-8; NAME_MAX is 255
FILE_NAME_HASH_CHARS = 16  # hex digits of sha256 appended to sanitized names
_PLAIN_NAME = re.compile(r"[^\W][\w.-]*")
_UNSAFE_CHARS = re.compile(r"[^\w.-]")
_HASHED_TAIL = re.compile(rf"-[0-9a-f]{{{FILE_NAME_HASH_CHARS}}}$")


# ---------------------------------------------------------------------------
# Output and delivery
# ---------------------------------------------------------------------------


def safe_name(name: str) -> str:
    """One path component for ``name``, injective and bounded.

    A short name of letters, digits (any script), ``-``, ``_`` and ``.``,
    not starting with a dot, is kept as it is. Anything else (separators,
    control characters, spaces, a name too long for a file name) becomes its
    sanitized first characters plus ``-`` and a hash of the whole name. A
    kept name never ends like a hashed one, so two names never share a file.
    """
    if (
        _PLAIN_NAME.fullmatch(name)
        and len(name.encode()) <= FILE_NAME_MAX_BYTES
        and not (_HASHED_TAIL.search(name))
    ):
        return name
    prefix = _UNSAFE_CHARS.sub("_", name).lstrip(".")
    while len(prefix.encode()) > FILE_NAME_MAX_BYTES:
        prefix = prefix[:-1]
    digest = hashlib.sha256(name.encode("utf-8", "surrogatepass")).hexdigest()
    return f"{prefix or '_'}-{digest[:FILE_NAME_HASH_CHARS]}"


def report_file_name(project_id: str) -> str:
    """``<project id>.json``, the id made a safe file name by :func:`safe_name`."""
    return f"{safe_name(project_id)}.json"


def write_json_atomic(path: Path, data: Any) -> Path:
    """Write a JSON file atomically and owner-only, as ``collusion scan`` does."""
    write_private(path, dumps(data))
    return path


def prepare_output(out_dir: Path, outbox: Path | None, *, shared: bool = False) -> None:
    """Create the output folders, check they take files, and remove
    temporary files of killed runs. OutputError when one cannot be written.

    Safe only under the lock: no other run can be writing there. ``shared``
    (workers side by side on PostgreSQL): only temporary files older than
    STALE_TEMP_SECONDS are removed, never one a live worker is writing.
    """
    oldest = time.time() - STALE_TEMP_SECONDS if shared else math.inf
    try:
        folders = [out_dir, out_dir / RUNS_FOLDER]
        for folder in folders:
            folder.mkdir(parents=True, exist_ok=True)
        if outbox is not None:
            outbox.mkdir(parents=True, exist_ok=True)
            folders += [outbox] + [p for p in outbox.iterdir() if p.is_dir()]
        for folder in folders:
            # write_private's temporary files: ".<name>.<random>" next to <name>.
            for stale in folder.glob(".*.json.*"):
                with contextlib.suppress(FileNotFoundError):
                    if stale.stat().st_mtime < oldest:
                        stale.unlink()
            _probe_writable(folder)
    except OSError as exc:
        raise OutputError(
            tr(
                f"无法写入输出文件夹：{one_line(exc)}",
                f"cannot write to the output folder: {one_line(exc)}",
            )
        ) from exc


def _probe_writable(folder: Path) -> None:
    """Create and remove a file in ``folder``: the one sure test of writing."""
    fd, name = tempfile.mkstemp(prefix=".probe.", dir=folder)
    os.close(fd)
    os.unlink(name)


def load_regulators(path: str | os.PathLike[str]) -> dict[str, str]:
    """Read ``{"industry": "regulator", ...}`` from a JSON or TOML file."""
    config = Path(path)
    try:
        text = config.read_text(encoding="utf-8-sig")
        if config.suffix.lower() == ".toml":
            data = tomllib.loads(text)
        else:
            data = json.loads(text)
    except (OSError, ValueError) as exc:
        raise SettingsError(
            tr(
                f"无法读取监管部门分派文件 {config}：{exc}",
                f"cannot read the regulators file {config}: {exc}",
            )
        ) from exc
    if not isinstance(data, dict) or not all(
        isinstance(k, str) and isinstance(v, str) and v.strip() for k, v in data.items()
    ):
        example = (
            'construction = "住建局"'
            if config.suffix.lower() == ".toml"
            else '{"construction": "住建局", "water": "水务局"}'
        )
        raise SettingsError(
            tr(
                f"监管部门分派文件 {config} 应把每个行业对应到一个监管部门名称，例如 {example}",
                f"the regulators file {config} must map each industry to a regulator name, "
                f"e.g. {example}",
            )
        )
    return {k.strip(): v.strip() for k, v in data.items()}


def regulator_for(industry: str | None, regulators: dict[str, str]) -> str:
    """The regulator's outbox folder name for an industry."""
    name = regulators.get(industry or "") or regulators.get(DEFAULT_REGULATOR_KEY)
    return safe_name(name) if name else UNROUTED


def one_line(exc: BaseException) -> str:
    """``Type: message`` on one line (a message may quote a hostile name)."""
    return printable(f"{type(exc).__name__}: {exc}")
