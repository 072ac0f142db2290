"""External programs a reader runs (LibreOffice, Tesseract), each in its own
process group with a time limit; the whole group is ended afterwards, so
nothing it started outlives the file being read, and the program is killed
by the kernel if its worker dies (``PR_SET_PDEATHSIG``)."""

from __future__ import annotations

import os
import signal
import subprocess

from collusion.runtime.lifecycle import die_with_parent_preexec


class ToolTimeout(Exception):
    """The program did not finish within its time."""


def run_tool(
    command: list[str], *, data: bytes | None, seconds: float, env: dict[str, str] | None = None
) -> tuple[int, bytes]:
    """Run ``command`` with ``data`` on its standard input; return its exit
    status and standard output (standard error joined in when no input is
    given). Raise ToolTimeout past ``seconds``."""
    process = subprocess.Popen(
        command,
        stdin=subprocess.PIPE if data is not None else subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL if data is not None else subprocess.STDOUT,
        start_new_session=True,
        # Killed by the kernel if the worker dies first (the worker is
        # single-threaded, so preexec_fn is safe).
        preexec_fn=die_with_parent_preexec,
        env={**os.environ, **(env or {})},
    )
    try:
        output, _ = process.communicate(data, timeout=max(1.0, seconds))
    except subprocess.TimeoutExpired as exc:
        raise ToolTimeout(f"{command[0]} took more than {seconds:g} s") from exc
    finally:
        _end_group(process)
    return process.returncode, output


def _end_group(process: subprocess.Popen) -> None:
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    try:
        process.wait(5)
    except subprocess.TimeoutExpired:
        pass
