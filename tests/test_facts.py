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
