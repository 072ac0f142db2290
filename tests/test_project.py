"""Loading a project folder per contract §1, and its input errors."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import ProjectBuilder

from collusion.errors import ProjectError
from collusion.project import load_project


def test_files_at_any_depth_and_tender(project: ProjectBuilder) -> None:
    project.docx("b1", "技术标.docx")
    project.pdf("b1", "子目录/深层/商务标.pdf")
    project.docx("tender", "招标文件.docx")
    (project.root / "bids" / "b1" / "说明.txt").write_text("listed", encoding="utf-8")
    loaded = load_project(project.write())
    assert loaded.bidder_files == {
        "b1": ("bids/b1/子目录/深层/商务标.pdf", "bids/b1/技术标.docx", "bids/b1/说明.txt")
    }
    assert loaded.tender_files == ("tender/招标文件.docx",)
    assert loaded.id == "T-0001" and loaded.industry == "construction"


def test_malformed_project_json_names_file_and_line(project: ProjectBuilder) -> None:
    project.docx("b1", "a.docx")
    root = project.write()
    (root / "project.json").write_text('{\n  "id": "X",\n  "name": \n}', encoding="utf-8")
    loaded = load_project(root)
    [error] = loaded.errors
    assert error["file"] == "project.json"
    assert "第 4 行" in error["error"]
    assert loaded.bidder_files == {"b1": ("bids/b1/a.docx",)}
    assert loaded.id == "project"  # falls back to the folder name


def test_malformed_signatures_csv_rows_are_reported_by_line(project: ProjectBuilder) -> None:
    project.docx("b1", "a.docx")
    project.docx("b2", "a.docx")
    root = project.write()
    (root / "signatures.csv").write_text(
        "bidder,code,value\nb1,mac,00-1A-2B-3C-4D-5E\nb2,mac\nb9,mac,11\nb2,MAC,00:1a:2b:3c:4d:5e\n",
        encoding="utf-8",
    )
    loaded = load_project(root)
    lines = sorted(e["line"] for e in loaded.errors)
    assert lines == [3, 4]
    assert all(e["file"] == "signatures.csv" for e in loaded.errors)
    values = {(s.bidder, s.field, s.normalized) for s in loaded.csv_signatures}
    assert values == {("b1", "mac", "001a2b3c4d5e"), ("b2", "mac", "001a2b3c4d5e")}


def test_bad_header_of_signatures_csv(project: ProjectBuilder) -> None:
    project.docx("b1", "a.docx")
    root = project.write()
    (root / "signatures.csv").write_text("who,what\nb1,x\n", encoding="utf-8")
    loaded = load_project(root)
    assert loaded.errors[0]["line"] == 1
    assert loaded.csv_signatures == ()


def test_no_folder_and_no_bidders_cannot_be_scanned(tmp_path: Path) -> None:
    with pytest.raises(ProjectError):
        load_project(tmp_path / "missing")
    (tmp_path / "empty" / "bids").mkdir(parents=True)
    with pytest.raises(ProjectError):
        load_project(tmp_path / "empty")


def test_symlink_under_bids_is_refused(project: ProjectBuilder, tmp_path: Path) -> None:
    project.docx("b1", "a.docx")
    outside = tmp_path / "secret.pdf"
    outside.write_bytes(b"%PDF-1.4 secret")
    (project.root / "bids" / "b1" / "link.pdf").symlink_to(outside)
    loaded = load_project(project.write())
    assert loaded.bidder_files == {"b1": ("bids/b1/a.docx",)}
    assert loaded.errors[0]["file"] == "bids/b1/link.pdf"
    assert "符号链接" in loaded.errors[0]["error"]
