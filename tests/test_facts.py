"""One fact, one alert: a document lineage, an identical file, a value reported twice."""

from __future__ import annotations

from datetime import datetime

from conftest import ProjectBuilder

LINEAGE = {
    "rsid_root": "00C0FFEE",
    "rsids": ["00C0FFEE", "00AA0001", "00AA0002", "00AA0003"],
    "doc_id_w14": "3A5F0C1D",
    "doc_id_w15": "{12345678-ABCD-4EF0-9876-0123456789AB}",
    "core": {"author": "张晓明", "created": datetime(2026, 3, 2, 9, 15, 27)},
}


def _own(report: dict, kind: str) -> list[dict]:
    return [
        a
        for a in report["alerts"]
        if a["kind"] == kind and a["details"].get("scope") != "cross_project"
    ]


def test_one_document_lineage_is_one_alert_listing_every_field(
    project: ProjectBuilder, scan
) -> None:
    project.docx("b1", "技术标.docx", ["甲公司的施工方案"], **LINEAGE)
    project.docx("b2", "技术标.docx", ["乙公司的施工组织设计"], **LINEAGE)
    project.docx("b3", "技术标.docx", ["丙公司方案"], rsid_root="00ABCDEF")
    report = scan(project.write())
    [alert] = _own(report, "shared_signature")
    assert alert["bidders"] == ["b1", "b2"]
    assert alert["details"]["fact"] == "document_lineage"
    fields = {f["field"] for f in alert["details"]["fields"]}
    assert {"rsid_root", "rsid", "docid_w14", "docid_w15", "author", "created"} <= fields
    [pair] = report["pairs"]
    # counted once: the pair's weight is the lineage's, not the sum of its fields
    assert pair["weight"] == alert["weight"]["log10_lr"]
    assert pair["flagged"]


def test_an_identical_file_is_one_alert_listing_what_it_implies(
    project: ProjectBuilder, scan
) -> None:
    path = project.docx(
        "b1",
        "技术标.docx",
        [
            "第一章 施工方案",
            "本工程项目经理联系电话13912345678，负责现场组织。",
            "我公司自行编写的独特的桥面铺装工艺说明文字足够长以便被识别为雷同文本的内容" * 3,
        ],
        **LINEAGE,
    )
    project.bidder("b2")
    (project.root / "bids" / "b2" / "技术标.docx").write_bytes(path.read_bytes())
    project.docx("b3", "技术标.docx", ["丙公司方案"])
    report = scan(project.write())
    alerts = [a for a in report["alerts"] if set(a["bidders"]) == {"b1", "b2"}]
    assert [a["kind"] for a in alerts] == ["identical_file"]
    [alert] = alerts
    implied = {s["field"] for s in alert["details"]["implies"]["signatures"]}
    assert {"rsid_root", "docid_w15", "author"} <= implied
    also = {a["kind"] for a in alert["details"].get("also_found", [])}
    assert "shared_signature" in also


def test_cross_project_leads_fold_into_a_flagged_pair_and_are_counted(tmp_path, scan) -> None:
    from collusion import store
    from collusion.report.html import render_html
    from collusion.scan import scan_project

    db = store.open_db(tmp_path / "history.db")
    past = ProjectBuilder(tmp_path / "past")
    past.meta["id"] = "PAST-1"
    for bidder, name in (("b1", "往期甲建设有限公司"), ("b2", "往期乙建设有限公司")):
        past.bidder(bidder, name=name)
        past.docx(bidder, "a.docx", [f"往期{bidder}"])
        past.signature(bidder, "machine_code", "AAAA-BBBB-CCCC")
        past.signature(bidder, "ca_serial", "5A00000123")
    store.record_scan(db, scan_project(past.write()))
    now = ProjectBuilder(tmp_path / "now")
    for bidder, name in (
        ("b1", "本期甲建设有限公司"),
        ("b2", "本期乙建设有限公司"),
        ("b3", "本期丙建设有限公司"),
    ):
        now.bidder(bidder, name=name)
        now.docx(bidder, "a.docx", [f"本期{bidder}"])
    for bidder in ("b1", "b2"):
        now.signature(bidder, "machine_code", "AAAA-BBBB-CCCC")  # a flagged pair here
    now.signature("b3", "ca_serial", "5A00000123")  # a lead only the history shows
    report = scan(now.write(), history=store.History(db))
    leads = [a for a in report["alerts"] if a["details"].get("scope") == "cross_project"]
    assert [(a["bidders"], a["details"]["field"]) for a in leads] == [(["b3"], "ca_serial")]
    [machine] = [
        a
        for a in report["alerts"]
        if a["details"].get("field") == "machine_code"
        and a["details"].get("scope") != "cross_project"
    ]
    assert {c.get("other_project") for c in machine["details"]["also_found"]} == {"PAST-1"}
    assert "1 条为跨项目线索" in report["summary"]
    html = render_html(report)
    assert "跨项目线索" in html
    others = html.split('id="h-others"')[1] if 'id="h-others"' in html else ""
    assert "5A00000123" not in others
