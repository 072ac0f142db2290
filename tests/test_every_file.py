"""No file goes unmentioned: every file under a bidder's folder is read or
listed in errors with its reason, and bidders without files are reported."""

from __future__ import annotations

from conftest import ProjectBuilder
from formats_support import zip_bytes

from collusion.report.build import load_schema


def _errors_by_file(report: dict) -> dict[str, dict]:
    return {e["file"]: e for e in report["errors"]}


def test_every_file_is_read_or_listed_with_what_it_is(project: ProjectBuilder, scan) -> None:
    project.docx("b1", "技术标.docx")
    project.pdf("b2", "技术标.pdf")
    folder = project.bidder("b2")
    (folder / "说明.txt").write_text("本文件为投标说明。", encoding="utf-8")
    (folder / "照片.pdf").write_bytes(b"\xff\xd8\xff\xe0" + bytes(300))  # a JPEG named .pdf
    (folder / "附件.rar").write_bytes(b"Rar!\x1a\x07\x00" + bytes(100))
    (folder / "演示.pptx").write_bytes(zip_bytes({"ppt/presentation.xml": b"<p/>"}))
    (folder / "资料.zip").write_bytes(zip_bytes({"readme.md": b"x"}))
    report = scan(project.write())

    listed = {f["path"] for b in report["bidders"] for f in b["files"]}
    on_disk = {
        p.relative_to(project.root).as_posix()
        for p in (project.root / "bids").rglob("*")
        if p.is_file()
    }
    assert listed == on_disk
    errors = _errors_by_file(report)
    assert "纯文本文件" in errors["bids/b2/说明.txt"]["error"]
    assert "JPEG 图片" in errors["bids/b2/照片.pdf"]["error"]
    assert "RAR 压缩包" in errors["bids/b2/附件.rar"]["error"]
    assert "PowerPoint" in errors["bids/b2/演示.pptx"]["error"]
    assert "不是 Word、OFD 或 Excel" in errors["bids/b2/资料.zip"]["error"]
    assert all(
        errors[p]["bidder"] == "b2"
        for p in on_disk
        if p not in {"bids/b1/技术标.docx", "bids/b2/技术标.pdf"}
    )
    b2 = next(b for b in report["bidders"] if b["id"] == "b2")
    assert b2["files_not_analysed"] == 5
    # Unread files are still hashed, so a file shared by two bidders is found.
    assert all(len(f["sha256"]) == 64 for f in b2["files"])


def test_empty_folder_and_missing_bidder_are_reported(project: ProjectBuilder, scan) -> None:
    project.docx("b1", "技术标.docx")
    project.docx("b2", "技术标.docx")
    project.bidder("b3")  # an empty folder
    project.meta["bidders"]["b9"] = {"name": "未递交文件的公司"}
    report = scan(project.write())
    errors = _errors_by_file(report)
    assert errors["bids/b3"]["bidder"] == "b3" and "没有任何文件" in errors["bids/b3"]["error"]
    assert errors["bids/b9"]["bidder"] == "b9" and "project.json" in errors["bids/b9"]["error"]
    assert "投标人 b3 文件夹为空" in report["summary"]
    assert "投标人 b9 在 project.json 中列出但没有文件夹" in report["summary"]
    b3 = next(b for b in report["bidders"] if b["id"] == "b3")
    assert b3["files"] == [] and b3["files_not_analysed"] == 0
    import jsonschema

    jsonschema.validate(report, load_schema())


def test_one_bidder_says_nothing_can_be_compared(project: ProjectBuilder, scan) -> None:
    project.docx("b1", "技术标.docx")
    report = scan(project.write())
    assert "只有 1 家投标人，投标人之间无法比对" in report["summary"]


def test_only_one_readable_bidder_is_said(project: ProjectBuilder, scan) -> None:
    project.docx("b1", "技术标.docx")
    (project.bidder("b2") / "报价.txt").write_text("报价", encoding="utf-8")
    report = scan(project.write())
    assert "只有 1 家投标人有可分析的文件" in report["summary"]


def test_tender_files_of_any_format_are_listed(project: ProjectBuilder, scan) -> None:
    project.docx("b1", "a.docx")
    project.docx("b2", "a.docx")
    tender = project.root / "tender"
    tender.mkdir()
    (tender / "图纸.dwg").write_bytes(b"AC1027" + bytes(64))
    report = scan(project.write())
    assert [f["path"] for f in report["tender"]["files"]] == ["tender/图纸.dwg"]
    assert "无法识别的格式" in _errors_by_file(report)["tender/图纸.dwg"]["error"]
