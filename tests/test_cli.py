"""The command line, through click's CliRunner and a real subprocess."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner
from conftest import ProjectBuilder, plan_paragraphs

from collusion.cli import main
from collusion.report.build import load_schema


def _colluding_project(project: ProjectBuilder) -> Path:
    project.docx(
        "b1",
        "技术标.docx",
        plan_paragraphs(1, "甲公司"),
        rsid_root="00C0FFEE",
        core={"author": "Administrator"},
    )
    project.pdf(
        "b2",
        "技术标.pdf",
        [plan_paragraphs(2, "乙公司")[:12]],
        pdf_id=("0123456789ABCDEF0123456789ABCDEF",) * 2,
    )
    project.docx(
        "b3",
        "技术标.docx",
        plan_paragraphs(3, "丙公司"),
        rsid_root="00C0FFEE",
        core={"author": "Administrator"},
    )
    (project.bidder("b3") / "坏文件.pdf").write_bytes(b"%PDF-1.7\n1 0 obj\n<< /Type /Catal")
    return project.write()


def test_scan_writes_a_schema_valid_report(project: ProjectBuilder, tmp_path: Path) -> None:
    root = _colluding_project(project)
    out = tmp_path / "r.json"
    result = CliRunner().invoke(main, ["scan", str(root), "--output", str(out)])
    assert result.exit_code == 0, result.output
    report = json.loads(out.read_text(encoding="utf-8"))
    jsonschema.validate(report, load_schema())
    assert [p["bidders"] for p in report["pairs"] if p["flagged"]] == [["b1", "b3"]]
    assert report["errors"][0]["file"] == "bids/b3/坏文件.pdf"
    assert report["errors"][0]["bidder"] == "b3"
    b3 = next(b for b in report["bidders"] if b["id"] == "b3")
    assert b3["files_not_analysed"] == 1
    assert "风险线索" in report["disclaimer"]
    assert out.stat().st_mode & 0o077 == 0  # personal data: owner only


def test_scan_to_stdout_and_determinism(project: ProjectBuilder) -> None:
    root = _colluding_project(project)
    runner = CliRunner()
    first = runner.invoke(main, ["scan", str(root), "--output", "-"])
    second = runner.invoke(main, ["scan", str(root), "-o", "-"])
    assert first.exit_code == second.exit_code == 0
    one, two = json.loads(first.stdout), json.loads(second.stdout)
    one.pop("generated_at")
    two.pop("generated_at")
    assert one == two
    assert first.stdout.splitlines()[1:3] == second.stdout.splitlines()[1:3]


def test_scan_without_output_writes_beside_the_project_and_says_where(
    project: ProjectBuilder,
) -> None:
    """No --output: PROJECT.collusion.json beside the folder (never JSON into a
    terminal, never a file among the bids), and one line on stderr saying where."""
    root = _colluding_project(project)
    before = sorted(p.relative_to(root) for p in root.rglob("*"))
    result = CliRunner().invoke(main, ["scan", str(root)])
    assert result.exit_code == 0, result.output
    beside = root.parent / f"{root.name}.collusion.json"
    assert result.stdout == ""
    assert result.stderr.strip() == f"报告已写入 {beside}（未指定 --output，写在项目文件夹旁）"
    report = json.loads(beside.read_text(encoding="utf-8"))
    assert report["alerts"] and sorted(p.relative_to(root) for p in root.rglob("*")) == before
    english = CliRunner().invoke(main, ["--lang", "en", "scan", str(root), "-q"])
    assert english.stderr.strip() == (
        f"report written to {beside} (no --output given: beside the project folder)"
    )
    # A pipe still takes the JSON with --output -; the contract's form is unchanged.
    piped = CliRunner().invoke(main, ["scan", str(root), "--output", "-"])
    assert json.loads(piped.stdout)["alerts"] == report["alerts"] and piped.stderr == ""
    named = CliRunner().invoke(main, ["scan", str(root), "--output", str(root.parent / "r.json")])
    assert named.exit_code == 0 and named.stderr == "" and (root.parent / "r.json").is_file()


def test_scan_of_the_current_folder_writes_beside_it(
    project: ProjectBuilder, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _colluding_project(project)
    monkeypatch.chdir(root)
    result = CliRunner().invoke(main, ["scan", "."])
    assert result.exit_code == 0, result.output
    assert (root.parent / f"{root.name}.collusion.json").is_file()


def test_exit_status(tmp_path: Path) -> None:
    runner = CliRunner()
    missing = runner.invoke(main, ["scan", str(tmp_path / "nope")])
    assert missing.exit_code == 1
    assert "不存在" in missing.output
    (tmp_path / "empty" / "bids").mkdir(parents=True)
    empty = runner.invoke(main, ["scan", str(tmp_path / "empty")])
    assert empty.exit_code == 1
    assert "没有投标人" in empty.output
    usage = runner.invoke(main, ["scan"])
    assert usage.exit_code == 2
    unknown = runner.invoke(main, ["scan", str(tmp_path), "--no-such-option"])
    assert unknown.exit_code == 2


def test_redact_masks_personal_data(project: ProjectBuilder) -> None:
    project.docx("b1", "a.docx", ["联系电话 13812345678"], core={"author": "13812345678"})
    # (different files: an identical file would be one alert implying the rest)
    project.docx("b2", "a.docx", ["乙方联系电话 13812345678"], core={"author": "13812345678"})
    root = project.write()
    full = CliRunner().invoke(main, ["scan", str(root), "-o", "-"])
    redacted = CliRunner().invoke(main, ["scan", str(root), "--redact", "-o", "-"])
    assert "13812345678" in full.stdout
    assert "13812345678" not in redacted.stdout
    assert "138****5678" in redacted.stdout
    assert json.loads(redacted.stdout)["redacted"] is True


def test_installed_command_runs_as_a_subprocess(project: ProjectBuilder, tmp_path: Path) -> None:
    root = _colluding_project(project)
    out = tmp_path / "r.json"
    done = subprocess.run(
        [sys.executable, "-m", "collusion", "scan", str(root), "-o", str(out)],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    assert json.loads(out.read_text(encoding="utf-8"))["schema_version"] == "1.0"


def test_every_command_has_help() -> None:
    def walk(command, path):
        yield path, command
        for name, sub in getattr(command, "commands", {}).items():
            yield from walk(sub, [*path, name])

    for path, command in walk(main, []):
        assert command.help, f"command {' '.join(path) or 'collusion'} has no help text"
        result = CliRunner().invoke(main, [*path, "--help"])
        assert result.exit_code == 0


def test_limits_from_the_command_line(project: ProjectBuilder) -> None:
    project.pdf("b1", "长文件.pdf", [["第一页"], ["第二页"], ["第三页"]])
    project.docx("b2", "a.docx")
    root = project.write()
    result = CliRunner().invoke(
        main, ["scan", str(root), "--max-pages", "2", "--workers", "1", "-o", "-"]
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    [entry] = report["errors"]
    assert entry["status"] == "partial" and "前 2 页" in entry["error"]
    bad = CliRunner().invoke(main, ["scan", str(root), "--max-pages", "0"])
    assert bad.exit_code == 2
    assert "max_pages" in bad.output


def test_content_that_failed_before_is_not_parsed_again(
    project: ProjectBuilder, tmp_path: Path
) -> None:
    project.docx("b1", "a.docx")
    bad = project.bidder("b2") / "坏.pdf"
    bad.write_bytes(b"%PDF-1.7\n1 0 obj\n<< /Type /Catal")
    root = project.write()
    db = tmp_path / "history.db"
    runner = CliRunner()
    first = json.loads(runner.invoke(main, ["scan", str(root), "--db", str(db), "-o", "-"]).stdout)
    second = json.loads(runner.invoke(main, ["scan", str(root), "--db", str(db), "-o", "-"]).stdout)
    [before] = [e for e in first["errors"] if e["file"] == "bids/b2/坏.pdf"]
    [after] = [e for e in second["errors"] if e["file"] == "bids/b2/坏.pdf"]
    assert "未重新解析" not in before["error"]
    assert after["error"] == before["error"] + "（内容与上次解析失败时相同，未重新解析）"
    third = json.loads(runner.invoke(main, ["scan", str(root), "--db", str(db), "-o", "-"]).stdout)
    assert [e["error"] for e in third["errors"]] == [after["error"]]  # no pile-up
    bad.write_bytes(b"not a pdf at all")  # changed content is tried again
    fourth = json.loads(runner.invoke(main, ["scan", str(root), "--db", str(db), "-o", "-"]).stdout)
    assert "未重新解析" not in fourth["errors"][0]["error"]
