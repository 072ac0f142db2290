"""Rarity rules of shared_signature, through real scans of generated projects."""

from __future__ import annotations

import pytest
from conftest import ProjectBuilder


def _signature_alerts(report: dict, field: str) -> list[dict]:
    return [
        a
        for a in report["alerts"]
        if a["kind"] == "shared_signature"
        and a["details"]["field"] == field
        and a["details"].get("scope") != "cross_project"
    ]


def _ignored(report: dict, field: str) -> list[dict]:
    return [r for r in report["ignored_signatures"] if r["field"] == field]


def test_rare_lineage_id_is_high_and_flags_the_pair(project: ProjectBuilder, scan) -> None:
    project.docx("b1", "技术标.docx", ["甲公司方案"], rsid_root="00C0FFEE")
    project.docx("b2", "技术标.docx", ["乙公司方案"], rsid_root="00C0FFEE")
    project.docx("b3", "技术标.docx", ["丙公司方案"], rsid_root="00ABCDEF")
    report = scan(project.write())
    [alert] = _signature_alerts(report, "rsid_root")
    assert alert["bidders"] == ["b1", "b2"]
    assert alert["severity"] == "high"
    assert alert["basis"].endswith("第四十条第（一）项")
    assert {e["file"] for e in alert["evidence"]} == {"bids/b1/技术标.docx", "bids/b2/技术标.docx"}
    pair = next(p for p in report["pairs"] if p["bidders"] == ["b1", "b2"])
    assert pair["flagged"] is True
    assert report["groups"] == [
        {"bidders": ["b1", "b2"], "score": pair["score"], "weight": pair["weight"]}
    ]


def test_known_common_values_are_never_evidence(project: ProjectBuilder, scan) -> None:
    # python-docx's own rsidRoot 00B47730 and author "Administrator": common.
    for bidder in ("b1", "b2"):
        project.docx(
            bidder,
            "技术标.docx",
            [f"{bidder} 方案"],
            core={"author": "Administrator"},
            app={"Template": "Normal.dotm"},
        )
    report = scan(project.write())
    assert report["alerts"] == []
    assert report["pairs"] == []
    fields = {r["field"] for r in report["ignored_signatures"]}
    assert {"author", "template", "rsid_root"} <= fields
    [author] = _ignored(report, "author")
    assert author["bidders"] == ["b1", "b2"]
    assert "常见值" in author["reason"]


def test_values_in_the_tender_are_not_evidence(project: ProjectBuilder, scan) -> None:
    codes = {
        "rsid_root": "00777777",
        "doc_id_w15": "{AAAAAAAA-BBBB-CCCC-DDDD-EEEEEEEEEEEE}",
        "core": {"author": "招标代理张三"},
    }
    project.docx("tender", "招标文件.docx", ["招标文件正文"], **codes)
    project.docx("b1", "投标文件.docx", ["甲方案"], **codes)
    project.docx("b2", "投标文件.docx", ["乙方案"], **codes)
    report = scan(project.write())
    assert report["alerts"] == []
    reasons = {r["field"]: r["reason"] for r in report["ignored_signatures"]}
    assert "招标文件" in reasons["rsid_root"]
    assert "招标文件" in reasons["docid_w15"]
    assert "招标文件" in reasons["author"]


def test_weak_value_shared_by_most_bidders_is_ignored(project: ProjectBuilder, scan) -> None:
    for n in range(1, 8):
        project.docx(f"b{n}", "投标文件.docx", [f"第{n}家方案"])
        project.signature(f"b{n}", "upload_ip", "59.41.1.10" if n <= 5 else f"10.0.0.{n}")
    project.signature("b6", "machine_code", "7F3A-99C1-0B2E")
    project.signature("b7", "machine_code", "7f3a99c10b2e")  # same code, other spelling
    report = scan(project.write())
    assert _signature_alerts(report, "upload_ip") == []
    [ip] = _ignored(report, "upload_ip")
    assert ip["bidders"] == ["b1", "b2", "b3", "b4", "b5"]
    assert "5/7" in ip["reason"]
    [machine] = _signature_alerts(report, "machine_code")
    assert machine["bidders"] == ["b6", "b7"]
    assert machine["severity"] == "high"
    assert machine["evidence"][0]["file"] == "signatures.csv"


def test_lineage_id_shared_by_most_bidders_is_kept_with_a_caution(
    project: ProjectBuilder, scan
) -> None:
    """Three of four bidders can be a ring: the id keeps its weight (a ring of
    up to four needs no honest carrier), so its severity is what that weight
    says (scoring.severity); the note asks the regulator to check the tender."""
    for n in range(1, 5):
        project.docx(
            f"b{n}",
            "投标文件.docx",
            [f"第{n}家方案"],
            rsid_root="00123456" if n <= 3 else "00654321",
        )
    report = scan(project.write())
    [alert] = _signature_alerts(report, "rsid_root")
    assert alert["bidders"] == ["b1", "b2", "b3"]
    assert alert["weight"]["log10_lr"] == 4.0
    assert alert["severity"] == "high"
    assert "3/4" in alert["details"]["note"]


def test_shared_editing_sessions_need_more_than_one_rsid(project: ProjectBuilder, scan) -> None:
    project.docx(
        "b1", "a.docx", ["甲"], rsid_root="00000001", rsids=["00000001", "00AA0001", "00AA0002"]
    )
    project.docx(
        "b2", "a.docx", ["乙"], rsid_root="00000002", rsids=["00000002", "00AA0001", "00AA0002"]
    )
    project.docx("b3", "a.docx", ["丙"], rsid_root="00000003", rsids=["00000003", "00AA0002"])
    for n in (4, 5, 6):  # so that 00AA0002 (3 of 6) is not what most bidders share
        project.docx(f"b{n}", "a.docx", ["丁"], rsid_root=f"0000000{n}", rsids=[f"0000000{n}"])
    report = scan(project.write())
    rsid_alerts = _signature_alerts(report, "rsid")
    assert [a["bidders"] for a in rsid_alerts] == [["b1", "b2"]]
    assert rsid_alerts[0]["details"]["shared_count"] == 2


def test_identical_files_across_bidders(project: ProjectBuilder, scan) -> None:
    path = project.pdf("b1", "资格证明.pdf", [["营业执照复印件"]])
    project.bidder("b2")
    (project.root / "bids" / "b2" / "资格.pdf").write_bytes(path.read_bytes())
    project.pdf("b3", "资格证明.pdf", [["另一份营业执照"]])
    report = scan(project.write())
    [alert] = [a for a in report["alerts"] if a["kind"] == "identical_file"]
    assert alert["bidders"] == ["b1", "b2"]
    assert alert["details"]["files"] == ["bids/b1/资格证明.pdf", "bids/b2/资格.pdf"]


def test_value_common_across_past_projects_is_ignored(tmp_path, scan) -> None:
    from collusion import store
    from collusion.scan import scan_project

    db = store.open_db(tmp_path / "history.db")
    # A city-wide template id turns up under five different companies in
    # earlier, unrelated tenders; one company in many tenders would not count.
    for n in range(5):
        past = ProjectBuilder(tmp_path / f"past{n}")
        past.meta["id"] = f"PAST-{n}"
        past.bidder("b1", name=f"往期第{n}建设有限公司")
        past.docx("b1", "a.docx", [f"往期{n}"], doc_id_w15="{ABABABAB-0000-0000-0000-000000000001}")
        past.docx("b2", "a.docx", [f"往期{n}乙"])
        store.record_scan(db, scan_project(past.write()))
    current = ProjectBuilder(tmp_path / "now")
    current.docx("b1", "a.docx", ["甲"], doc_id_w15="{ABABABAB-0000-0000-0000-000000000001}")
    current.docx("b2", "a.docx", ["乙"], doc_id_w15="{ABABABAB-0000-0000-0000-000000000001}")
    without_history = scan(current.write())
    with_history = scan(current.root, history=store.History(db))
    assert _signature_alerts(without_history, "docid_w15")
    assert _signature_alerts(with_history, "docid_w15") == []
    [row] = _ignored(with_history, "docid_w15")
    assert "5 家不同单位" in row["reason"]


def test_a_ring_repeating_across_tenders_stays_evidence(tmp_path, scan) -> None:
    from collusion import store
    from collusion.scan import scan_project

    db = store.open_db(tmp_path / "history.db")
    for n in range(4):  # the same two companies, the same machine, four tenders
        past = ProjectBuilder(tmp_path / f"past{n}")
        past.meta["id"] = f"PAST-{n}"
        for bidder, name in (("b1", "甲建设有限公司"), ("b2", "乙建设有限公司")):
            past.bidder(bidder, name=name)
            past.docx(bidder, "a.docx", [f"往期{n}{bidder}"])
            past.signature(bidder, "machine_code", "AAAA-BBBB-CCCC")
        store.record_scan(db, scan_project(past.write()))
    current = ProjectBuilder(tmp_path / "now")
    for bidder, name in (("b1", "甲建设有限公司"), ("b2", "乙建设有限公司")):
        current.bidder(bidder, name=name)
        current.docx(bidder, "a.docx", [f"本期{bidder}"])
        current.signature(bidder, "machine_code", "AAAA-BBBB-CCCC")
    report = scan(current.write(), history=store.History(db))
    assert [a["bidders"] for a in _signature_alerts(report, "machine_code")] == [["b1", "b2"]]


# --- one identity, one fact (issue 20) ----------------------------------------------


def _two_bids_by(project: ProjectBuilder, name: str) -> None:
    for bidder, text in (
        ("b1", "甲公司技术方案"),
        ("b2", "乙公司技术方案"),
        ("b3", "丙公司技术方案"),
    ):
        who = name if bidder != "b3" else "王五"
        project.docx(bidder, "技术标.docx", [text], core={"author": who, "last_modified_by": who})


def _account_rows(rows: list[dict], value: str) -> list[dict]:
    return [r for r in rows if r["value"].casefold() == value.casefold()]


def test_author_and_last_modified_by_pc_is_one_known_common_fact(
    project: ProjectBuilder, scan
) -> None:
    """author = last-modified-by = "PC" in two bids: one identity, a generic
    Windows account name, never evidence, and nothing flagged."""
    _two_bids_by(project, "PC")
    report = scan(project.write())
    assert [a for a in report["alerts"] if a["kind"] == "shared_signature"] == []
    assert not any(p["flagged"] for p in report["pairs"])
    [row] = _account_rows(report["ignored_signatures"], "PC")
    assert row["bidders"] == ["b1", "b2"]
    assert row["label"] == "文档作者、最后修改人"
    assert row["reason"].startswith("常见值：") and "默认用户名" in row["reason"]


def test_author_and_last_modified_by_are_one_identity_weighed_once(
    project: ProjectBuilder, scan
) -> None:
    """The same account in both fields of two bids is one alert with one
    typed name's weight (log10 50 = 1.7), not 1.7 + 1.7."""
    _two_bids_by(project, "liujun")
    report = scan(project.write())
    [alert] = [a for a in report["alerts"] if a["kind"] == "shared_signature"]
    assert alert["bidders"] == ["b1", "b2"]
    assert alert["details"]["identity_fields"] == ["author", "last_modified_by"]
    assert alert["details"]["label"] == "文档作者、最后修改人"
    assert alert["weight"]["log10_lr"] == pytest.approx(1.699, abs=1e-3)
    assert "同一身份" in alert["summary"] and "liujun" in alert["summary"]
    [pair] = [p for p in report["pairs"] if p["bidders"] == ["b1", "b2"]]
    assert pair["weight"] == pytest.approx(1.699, abs=1e-3) and not pair["flagged"]


def test_a_short_account_name_weighs_as_a_weak_fact(project: ProjectBuilder, scan) -> None:
    _two_bids_by(project, "zy")
    report = scan(project.write())
    [alert] = [a for a in report["alerts"] if a["kind"] == "shared_signature"]
    assert alert["weight"]["weak"] and alert["severity"] == "low"
    assert alert["details"]["generic_name"]
    assert not any(p["flagged"] for p in report["pairs"])
