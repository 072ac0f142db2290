"""signatures.csv at scale and damaged: a row cap with a clear error, codes
outside the known fields weak, NUL bytes and undecodable lines reported with
their line numbers. Real project folders, real CSV files, the real scan."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from pathlib import Path

import pytest
from conftest import ProjectBuilder

from collusion.errors import SettingsError
from collusion.project import load_project
from collusion.scan import scan_project
from collusion.settings import ExtractSettings, Settings

HEADER = b"bidder,code,value\n"


def three_bidders(project: ProjectBuilder) -> Path:
    """Three bidders whose documents share nothing."""
    for bidder in ("b1", "b2", "b3"):
        project.bidder(bidder, name=f"{bidder}建设有限公司")
        project.docx(bidder, "技术标.docx", [f"{bidder}建设有限公司 投标文件"])
    return project.write()


def csv_errors(report: dict) -> list[dict]:
    return [e for e in report["errors"] if e["file"] == "signatures.csv"]


def test_million_rows_stop_at_the_cap_with_an_error(project: ProjectBuilder):
    root = three_bidders(project)
    # One million rows of codes nobody knows; the first ten values b1 and b2 share.
    shared = b"".join(b"b1,pos_terminal,T%d\nb2,pos_terminal,T%d\n" % (i, i) for i in range(5))
    body = b"".join(b"b%d,k%d,%d\n" % (1 + i % 3, i % 7, i) for i in range(1_000_000 - 10))
    (root / "signatures.csv").write_bytes(HEADER + shared + body)
    cap = ExtractSettings().max_signature_rows
    report = scan_project(root).report
    (error,) = csv_errors(report)
    assert error["line"] == cap + 2  # the header is line 1
    assert f"超过 {cap} 行的上限" in error["error"] and "max_signature_rows" in error["error"]
    alerts = [a for a in report["alerts"] if a["kind"] == "shared_signature"]
    assert alerts and {a["severity"] for a in alerts} == {"low"}  # unknown codes are weak
    assert not any(p["flagged"] for p in report["pairs"])  # weak codes never flag alone


def test_cap_is_a_setting(project: ProjectBuilder):
    root = three_bidders(project)
    rows = b"".join(b"b%d,machine_code,M%d\n" % (1 + i % 3, i) for i in range(10))
    (root / "signatures.csv").write_bytes(HEADER + rows)
    settings = replace(Settings(), extract=ExtractSettings(max_signature_rows=4))
    report = scan_project(root, settings).report
    assert [e["line"] for e in csv_errors(report)] == [6]
    assert len(load_project(root, settings.extract).csv_signatures) == 4
    assert len(load_project(root).csv_signatures) == 10
    with pytest.raises(SettingsError, match="max_signature_rows"):
        ExtractSettings(max_signature_rows=0)


def test_known_code_stays_strong(project: ProjectBuilder):
    root = three_bidders(project)
    (root / "signatures.csv").write_bytes(
        HEADER + b"b1,machine_code,7F3A-99C1-0B2E\nb2,machine_code,7f3a99c10b2e\n"
        b"b1,pos_terminal,T-1\nb2,pos_terminal,T-1\n"
    )
    report = scan_project(root).report
    severities = Counter(
        (a["details"].get("field"), a["severity"])
        for a in report["alerts"]
        if a["kind"] == "shared_signature"
    )
    assert severities == {("machine_code", "high"): 1, ("pos_terminal", "low"): 1}


def test_nul_and_undecodable_lines_are_reported_by_line(project: ProjectBuilder):
    root = three_bidders(project)
    (root / "signatures.csv").write_bytes(
        HEADER
        + b"b1,machine_code,AAAA-0001\n"  # line 2
        + b"b2,machine_code,AA\x00AA\n"  # line 3: a NUL byte
        + "b2,mac,\u00e9\n".encode("latin-1")  # line 4: not UTF-8
        + b"b3,machine_code,AAAA-0001\n"  # line 5
        + b'b1,mac,"00-1A\r\n2B"\n'  # lines 6-7: a quoted value over two lines
        + b"b3,disk_serial\n"  # line 8: short
    )
    report = scan_project(root).report
    errors = {e["line"]: e["error"] for e in csv_errors(report)}
    assert set(errors) == {3, 4, 8}
    assert "NUL" in errors[3] and "第 3 行" in errors[3]
    assert "UTF-8" in errors[4] and "第 4 行" in errors[4]
    assert "列数不足" in errors[8]
    codes = load_project(root).csv_signatures
    assert sorted((c.bidder, c.field) for c in codes) == [
        ("b1", "mac"),
        ("b1", "machine_code"),
        ("b3", "machine_code"),
    ]
    # The rest of the file still counts: b1 and b3 share a machine code.
    assert any(
        a["kind"] == "shared_signature" and a["bidders"] == ["b1", "b3"] for a in report["alerts"]
    )


def test_many_bad_lines_are_counted_not_listed(project: ProjectBuilder):
    root = three_bidders(project)
    (root / "signatures.csv").write_bytes(HEADER + b"b9,mac,X\n" * 500)
    errors = csv_errors(scan_project(root).report)
    assert len(errors) == 101
    (count,) = [e for e in errors if "line" not in e]
    assert "另有 400 行有问题" in count["error"]
