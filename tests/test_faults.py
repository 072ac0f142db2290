"""Faults a night job meets: hostile project ids, a broken history, output
paths that are not files, a wrong inbox. Real project folders (DOCX made by
tools/synth.py), real SQLite files, the real CLI."""

from __future__ import annotations

import json
import os
import re
import stat
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import ProjectBuilder, plan_paragraphs

from collusion import store
from collusion.cli import main
from collusion.nightly import output as nightly_output
from collusion.nightly import run as nightly
from collusion.runtime.console import printable

# A log line: the reader's time with its offset, then a [tag]; or the summary's path; or the error.
LOG_LINE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d \[[a-z-]+\] |^错误：")
LONG_ID = "中山市火炬开发区某某片区市政道路及配套管网综合改造提升工程" * 3  # 85+ characters
HOSTILE_IDS = {
    "long": LONG_ID[:85],
    "slash": "x/y",
    "underscore": "x_y",
    "newline": "ZS-1\n2026-01-01T00:00:00+08:00 [scanned] FORGED（p）：0 个文件",
}


def make_project(root: Path, project_id: str, seed: int) -> Path:
    """Two bidders, one real DOCX each, under ``root``."""
    builder = ProjectBuilder(root)
    builder.meta["id"] = project_id
    for offset, bidder in enumerate(("b01", "b02")):
        company = f"中山市{seed}{bidder}建设有限公司"
        builder.bidder(bidder, name=company)
        builder.docx(bidder, "技术标.docx", plan_paragraphs(seed * 10 + offset, company))
    return builder.write()


def invoke(*args: str | Path) -> tuple[int, str]:
    result = CliRunner().invoke(main, [str(a) for a in args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.exit_code, result.output


def assert_one_line_error(output: str) -> str:
    """The error is one line, and no traceback was printed."""
    assert "Traceback" not in output
    errors = [line for line in output.splitlines() if line.startswith("错误：")]
    assert len(errors) == 1, output
    return errors[0]


# --- hostile project metadata -------------------------------------------------


@pytest.fixture
def hostile_inbox(tmp_path: Path) -> Path:
    inbox = tmp_path / "inbox"
    for seed, (folder, project_id) in enumerate(sorted(HOSTILE_IDS.items()), start=1):
        make_project(inbox / folder, project_id, seed)
    return inbox


def test_hostile_ids_each_get_their_own_report(hostile_inbox, tmp_path):
    out = tmp_path / "out"
    code, output = invoke("nightly", hostile_inbox, "--db", tmp_path / "h.db", "--out", out)
    assert code == 0, output
    reports = sorted(out.glob("*.json"))
    assert len(reports) == len(HOSTILE_IDS)  # distinct files, none overwritten
    ids = {json.loads(p.read_text("utf-8"))["project"]["id"] for p in reports}
    assert ids == set(HOSTILE_IDS.values())  # kept verbatim inside the report
    for path in reports:
        assert len(path.name.encode()) <= 255 and "/" not in path.name
    assert (out / "x_y.json").is_file()  # a plain id keeps its plain name
    summary = json.loads((out / "runs" / "latest.json").read_text("utf-8"))
    assert summary["status"] == "ok" and len(summary["scanned"]) == len(HOSTILE_IDS)
    # The newline is escaped: no line of the log is forged.
    assert all(LOG_LINE.match(line) for line in output.splitlines()), output
    assert "ZS-1\\n2026-01-01T00:00:00+08:00 [scanned] FORGED" in output


def test_safe_name_is_injective_and_bounded():
    names = ["x/y", "x_y", "x\\y", "x y", "x_y-" + "0" * 16, "", ".", "..", "中" * 300, "a\0b"]
    made = [nightly_output.safe_name(n) for n in names]
    assert len(set(made)) == len(names)
    for name in made:
        assert name and not name.startswith(".") and len(name.encode()) < 200
        assert not set(name) & {"/", "\\", "\0", "\n"}
    assert nightly_output.safe_name("ZS-2026-0001") == "ZS-2026-0001"


def test_printable_escapes_control_characters():
    assert printable("a\nb\x1b[31mc\u202e") == "a\\nb\\x1b[31mc\\u202e"
    assert printable("项目 ZS-1") == "项目 ZS-1"


def test_one_failing_project_does_not_stop_the_night(tmp_path):
    """A project whose report cannot be written fails alone."""
    inbox, out = tmp_path / "inbox", tmp_path / "out"
    make_project(inbox / "a", "P-A", 1)
    make_project(inbox / "b", "P-B", 2)
    make_project(inbox / "c", "P-C", 3)
    (out / "P-B.json").mkdir(parents=True)  # the report's place is taken by a folder
    summary = nightly.run_nightly(inbox, tmp_path / "h.db", out)
    assert [o.project_id for o in summary.scanned] == ["P-A", "P-C"]
    assert [o.folder for o in summary.failed] == ["b"]
    assert "无法写出 P-B 的报告" in summary.failed[0].error
    assert (out / "P-A.json").is_file() and (out / "P-C.json").is_file()


# --- a broken history ---------------------------------------------------------


def corrupt(db_path: Path, where: str) -> None:
    """Damage a real history: its header, or every page after the first."""
    data = bytearray(db_path.read_bytes())
    if where == "header":
        data[:100] = b"\xff" * 100
    else:
        page = int.from_bytes(data[16:18], "big")
        data[page:] = bytes((i * 7 + 3) % 256 for i in range(len(data) - page))
    db_path.write_bytes(bytes(data))
    for suffix in ("-wal", "-shm"):
        Path(f"{db_path}{suffix}").unlink(missing_ok=True)


@pytest.mark.parametrize("where", ["header", "pages"])
def test_corrupted_history_nightly_still_writes_every_report(tmp_path, where):
    inbox, db_path = tmp_path / "inbox", tmp_path / "h.db"
    make_project(inbox / "a", "P-A", 1)
    assert nightly.run_nightly(inbox, db_path, tmp_path / "first").scanned
    make_project(inbox / "b", "P-B", 2)
    corrupt(db_path, where)
    out = tmp_path / "out"
    code, output = invoke("nightly", inbox, "--db", db_path, "--out", out)
    assert code == 1
    error = assert_one_line_error(output)
    assert "未记入历史库" in error and "所有报告均已写出" in error
    assert (out / "P-A.json").is_file() and (out / "P-B.json").is_file()
    summary = json.loads((out / "runs" / "latest.json").read_text("utf-8"))
    assert summary["status"] == "failed" and summary["history_error"]
    assert len(summary["failed"]) == 2  # each project: written, not recorded
    assert all(o["report"] and "未记入历史库" in o["error"] for o in summary["failed"])


@pytest.mark.parametrize("where", ["header", "pages"])
def test_corrupted_history_scan_writes_the_report(tmp_path, where):
    project = make_project(tmp_path / "p", "P-A", 1)
    db_path = tmp_path / "h.db"
    assert invoke("scan", project, "--db", db_path, "-o", tmp_path / "first.json")[0] == 0
    corrupt(db_path, where)
    report = tmp_path / "r.json"
    code, output = invoke("scan", project, "--db", db_path, "-o", report)
    assert code == 1
    assert "未记入历史库" in assert_one_line_error(output)
    assert json.loads(report.read_text("utf-8"))["project"]["id"] == "P-A"


def test_db_that_is_not_a_database_is_left_untouched(tmp_path):
    project = make_project(tmp_path / "p", "P-A", 1)
    notes = tmp_path / "notes.txt"
    notes.write_text("not a database\n", encoding="utf-8")
    notes.chmod(0o644)
    before = notes.stat()
    code, output = invoke("scan", project, "--db", notes, "-o", tmp_path / "r.json")
    assert code == 1
    assert "不是 SQLite 数据库" in assert_one_line_error(output)
    after = notes.stat()
    assert stat.S_IMODE(after.st_mode) == 0o644 and after.st_size == before.st_size
    assert notes.read_text(encoding="utf-8") == "not a database\n"
    assert after.st_mtime_ns == before.st_mtime_ns
    assert (tmp_path / "r.json").is_file()


def test_new_history_is_private(tmp_path):
    db_path = tmp_path / "new.db"
    store.open_db(db_path).close()
    assert stat.S_IMODE(db_path.stat().st_mode) == 0o600


# --- output paths -------------------------------------------------------------


def test_device_output_refused(tmp_path):
    project = make_project(tmp_path / "p", "P-A", 1)
    before = os.stat("/dev/null")
    code, output = invoke("scan", project, "-o", "/dev/null")
    assert code == 1
    assert "不是普通文件" in assert_one_line_error(output)
    after = os.stat("/dev/null")
    assert stat.S_ISCHR(after.st_mode) and after.st_rdev == before.st_rdev


def test_folder_output_refused(tmp_path):
    project = make_project(tmp_path / "p", "P-A", 1)
    code, output = invoke("scan", project, "-o", tmp_path, "--html", tmp_path / "r.html")
    assert code == 1 and "不是普通文件" in assert_one_line_error(output)
    assert not (tmp_path / "r.html").exists()  # refused before the scan


def test_html_same_as_output_refused(tmp_path):
    project = make_project(tmp_path / "p", "P-A", 1)
    report = tmp_path / "r.json"
    alias = tmp_path / "sub" / ".." / "r.json"
    (tmp_path / "sub").mkdir()
    code, output = invoke("scan", project, "-o", report, "--html", alias)
    assert code == 1 and "同一个文件" in assert_one_line_error(output)
    assert not report.exists()


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_read_only_output_folder(tmp_path):
    project = make_project(tmp_path / "p", "P-A", 1)
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        code, output = invoke("scan", project, "-o", folder / "r.json")
        assert code == 1 and "无法写出报告" in assert_one_line_error(output)
        code, output = invoke("nightly", tmp_path, "--db", tmp_path / "h.db", "--out", folder)
        assert code == 1 and "无法写入输出文件夹" in assert_one_line_error(output)
    finally:
        folder.chmod(0o755)


def test_unwritable_nightly_out(tmp_path):
    """--out below a regular file cannot be created, even by root."""
    make_project(tmp_path / "inbox" / "a", "P-A", 1)
    blocker = tmp_path / "file"
    blocker.write_text("x", encoding="utf-8")
    code, output = invoke(
        "nightly", tmp_path / "inbox", "--db", tmp_path / "h.db", "--out", blocker / "out"
    )
    assert code == 1
    assert "无法写入输出文件夹" in assert_one_line_error(output)


# --- no quiet failures --------------------------------------------------------


def test_missing_inbox_is_an_error(tmp_path):
    code, output = invoke(
        "nightly", tmp_path / "nowhere", "--db", tmp_path / "h.db", "--out", tmp_path / "out"
    )
    assert code == 1
    error = assert_one_line_error(output)
    assert str(tmp_path / "nowhere") in error and "bids/" in error


def test_inbox_without_projects_is_an_error(tmp_path):
    (tmp_path / "inbox" / "2026" / "not-a-project").mkdir(parents=True)
    code, output = invoke(
        "nightly", tmp_path / "inbox", "--db", tmp_path / "h.db", "--out", tmp_path / "out"
    )
    assert code == 1
    error = assert_one_line_error(output)
    assert "没有项目文件夹" in error and "bids/" in error
    assert not (tmp_path / "out").exists()


def test_error_naming_a_hostile_path_stays_one_line(tmp_path):
    inbox = tmp_path / "in\nbox"
    code, output = invoke("nightly", inbox, "--db", tmp_path / "h.db", "--out", tmp_path / "o")
    assert code == 1
    assert "in\\nbox" in assert_one_line_error(output)
    code, output = invoke("scan", tmp_path / "no\x1b[2Jproject", "-o", tmp_path / "r.json")
    assert code == 1
    assert "\\x1b[2J" in assert_one_line_error(output)
