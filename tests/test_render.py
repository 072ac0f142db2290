"""`collusion render` and `history alerts` on bad input: one line, exit 1, never a traceback."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from test_html_report import sample_report

from collusion.cli import main

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "sample_bids" / "road-2026-017"


def render(*args: str) -> tuple[int, str]:
    """Run the command; an exception other than click's exit fails the test."""
    result = CliRunner().invoke(main, ["render", *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exc_info
    return result.exit_code, result.output


@pytest.fixture
def example(tmp_path: Path) -> Path:
    """A saved report with an alert of every kind (test_html_report's hand-made one)."""
    path = tmp_path / "example-report.json"
    path.write_text(json.dumps(sample_report(), ensure_ascii=False, indent=2), encoding="utf-8")
    return path


def one_line_error(output: str) -> str:
    lines = [line for line in output.splitlines() if line.strip()]
    assert len(lines) == 1, output
    assert lines[0].startswith("错误：") and "Traceback" not in output
    return lines[0]


def test_a_saved_report_renders(tmp_path, example):
    out = tmp_path / "r.html"
    code, output = render(str(example), "--html", str(out))
    assert code == 0, output
    assert out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


@pytest.mark.parametrize(
    ("content", "said"),
    [
        (b"[]", "顶层是数组"),
        (b'"a report"', "顶层是字符串"),
        (b"not json at all", "不是 JSON 文件"),
        (b'{"alerts": [', "不是 JSON 文件"),
        ("{}".encode("utf-16"), "不是 UTF-8"),
        (b"[" * 100_000 + b"]" * 100_000, "不是"),
        (b'{"schema_version": "1.0"}', "不符合 report.schema.json"),
    ],
)
def test_not_a_report_is_one_line_and_exit_1(tmp_path, content, said):
    bad = tmp_path / "bad.json"
    bad.write_bytes(content)
    out = tmp_path / "r.html"
    code, output = render(str(bad), "--html", str(out))
    assert code == 1
    assert said in one_line_error(output)
    assert not out.exists()


def test_schema_error_names_where(tmp_path, example):
    report = json.loads(example.read_text(encoding="utf-8"))
    report["alerts"][0]["severity"] = "catastrophic"
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(report, ensure_ascii=False), encoding="utf-8")
    code, output = render(str(bad), "--html", str(tmp_path / "r.html"))
    assert code == 1
    assert "alerts/0/severity" in one_line_error(output)


@pytest.mark.parametrize("where", ["under_a_file", "a_folder", "the_report_itself"])
def test_unwritable_output_is_one_line_and_exit_1(tmp_path, where, example):
    report = tmp_path / "r.json"
    shutil.copyfile(example, report)
    blocker = tmp_path / "plain.txt"
    blocker.write_text("x", encoding="utf-8")
    (tmp_path / "folder").mkdir()
    target = {
        "under_a_file": blocker / "r.html",
        "a_folder": tmp_path / "folder",
        "the_report_itself": report,
    }[where]
    code, output = render(str(report), "--html", str(target))
    assert code == 1
    one_line_error(output)
    assert report.read_bytes() == example.read_bytes()  # never overwritten
    assert blocker.read_text(encoding="utf-8") == "x"


def test_installed_command_prints_no_traceback(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text("[]", encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "collusion", "render", str(bad), "--html", str(tmp_path / "r.html")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr


def test_history_alerts_of_an_unknown_project_exits_1(tmp_path):
    db = tmp_path / "history.db"
    scanned = CliRunner().invoke(
        main, ["scan", str(SAMPLE), "--db", str(db), "--output", str(tmp_path / "r.json"), "-q"]
    )
    assert scanned.exit_code == 0, scanned.output
    project_id = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))["project"]["id"]

    known = CliRunner().invoke(main, ["history", "alerts", project_id, "--db", str(db)])
    assert known.exit_code == 0 and known.output.strip()

    unknown = CliRunner().invoke(main, ["history", "alerts", "NO-SUCH-0001", "--db", str(db)])
    assert unknown.exit_code == 1
    assert "历史库中没有项目 NO-SUCH-0001 的扫描记录" in one_line_error(unknown.output)
