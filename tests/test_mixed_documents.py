"""mixed_documents: one bidder's files naming another, and the legitimate exceptions."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from test_identifiers import context_of, para

from collusion import basis
from collusion.detectors import mixed_documents, shared_identifier
from collusion.detectors.mixed_documents import MixedSettings, identities, own_credit_codes
from collusion.models import Block
from tools import synth

NAMES = {
    "b1": "中山市正泰建筑工程有限公司",
    "b2": "广东建华建设集团有限公司",
    "b3": "江门市城建工程有限公司",
    "b4": "佛山市顺联建设有限公司",
}
RNG = random.Random(31)
CODES = {b: synth.make_credit_code(RNG) for b in NAMES}


def own_pages(bidder: str) -> list[Block]:
    """A cover and a signature block in the bidder's own name."""
    return [
        para(f"投标人：{NAMES[bidder]}（盖单位章）", 0),
        para(f"统一社会信用代码：{CODES[bidder]}", 1),
        para("第一章 施工组织设计 本工程采用流水施工。", 2),
    ]


def detect(
    extra: dict[str, list[Block]], tender: list[Block] = (), names: dict | None = None, **settings
) -> list:
    blocks = {
        b: own_pages(b) + [Block(p.text, p.page, 10 + i) for i, p in enumerate(extra.get(b, []))]
        for b in NAMES
    }
    detectors = {"mixed_documents": MixedSettings(**settings)} if settings else None
    ctx = context_of(
        blocks, tender=list(tender), names=NAMES if names is None else names, detectors=detectors
    )
    return mixed_documents.detect(ctx)


def test_another_bidders_signature_block_is_high():
    (alert,) = detect(
        {
            "b2": [
                para(f"投标人：{NAMES['b1']}（盖单位章）"),
                para(f"统一社会信用代码：{CODES['b1']}"),
            ]
        }
    )
    assert (alert.bidders, alert.severity, alert.basis) == (
        ("b1", "b2"),
        "high",
        basis.ART40_MIXED_UP,
    )
    assert alert.details["carrier"] == "b2" and alert.details["named"] == "b1"
    assert alert.details["fields"] == ["company_name", "credit_code"]
    assert NAMES["b1"] in alert.summary and "混装" in alert.summary
    assert {e.bidder for e in alert.evidence} == {"b2"}
    assert all(e.file == "bids/b2/投标文件.docx" for e in alert.evidence)


def test_a_plain_mention_is_medium_and_spacing_does_not_hide_it():
    spaced = " ".join(NAMES["b3"]).replace("有 限 公 司", "有限公司")
    (alert,) = detect({"b4": [para(f"本工程参照{spaced}的施工经验组织实施。")]})
    assert (alert.details["carrier"], alert.details["named"], alert.severity) == (
        "b4",
        "b3",
        "medium",
    )


def test_credit_code_alone_is_enough():
    (alert,) = detect({"b3": [para(f"营业执照 统一社会信用代码 {CODES['b2']}")]})
    assert alert.details["fields"] == ["credit_code"] and alert.severity == "high"


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("本项目由{me}（牵头人）与{other}组成联合体投标，联合体协议书附后。", "joint_venture"),
        ("拟将钢结构专业工程分包给{other}，分包单位资质证书附后。", "subcontractor"),
    ],
)
def test_joint_venture_and_subcontractor_mentions_are_not_flagged(text, reason):
    mention = para(text.format(me=NAMES["b3"], other=NAMES["b1"]))
    ctx_alerts = detect({"b3": [mention]})
    assert ctx_alerts == []
    # The same sentence without the qualifying word is flagged: the test can fail.
    bare = para(
        text.format(me=NAMES["b3"], other=NAMES["b1"])
        .replace("联合体", "")
        .replace("牵头人", "")
        .replace("分包", "承接")
    )
    (alert,) = detect({"b3": [bare]})
    assert alert.details["named"] == "b1"


def test_exemption_reads_the_neighbouring_blocks():
    blocks = [para("联合体协议书"), para("甲方：" + NAMES["b3"]), para("乙方：" + NAMES["b1"])]
    assert detect({"b3": blocks}) == []
    assert detect({"b3": blocks}, context_blocks=0) != []


def test_names_quoted_from_the_tender_or_in_a_list_are_not_flagged():
    listed = para(f"通过资格预审的投标人：{NAMES['b1']}、{NAMES['b2']}、{NAMES['b4']}")
    assert detect({"b3": [listed]}) == []  # a list of three bidders
    quoted = para(f"本项目资格预审合格申请人包括{NAMES['b1']}")
    assert detect({"b3": [quoted]}, tender=[quoted]) == []
    assert len(detect({"b3": [quoted]})) == 1


def test_a_carriers_own_longer_name_is_not_another_bidder():
    names = {**NAMES, "b4": NAMES["b1"].replace("有限公司", "") + "第二分公司有限公司"}
    # b4's own name contains b1's name minus the suffix; that is not a mention of b1.
    assert detect({"b4": [para(f"投标人：{names['b4']}（盖单位章）")]}, names=names) == []


def test_names_come_from_cover_pages_without_project_json():
    ctx = context_of({b: own_pages(b) for b in NAMES}, names={})
    people = identities(ctx, MixedSettings())
    assert {b: i.names for b, i in people.items()} == {b: (n,) for b, n in NAMES.items()}
    assert own_credit_codes(ctx) == CODES
    blocks = {b: own_pages(b) for b in NAMES}
    blocks["b2"] = blocks["b2"] + [para(f"投标人：{NAMES['b4']}（盖单位章）", page=9)]
    (alert,) = mixed_documents.detect(context_of(blocks, names={}))
    assert alert.details["carrier"] == "b2" and alert.details["named"] == "b4"
    assert alert.evidence[0].page == 9


def test_own_credit_code_in_another_bid_is_left_to_mixed_documents():
    blocks = {b: own_pages(b) for b in NAMES}
    blocks["b2"] = blocks["b2"] + [para(f"统一社会信用代码：{CODES['b1']}")]
    ctx = context_of(blocks, names=NAMES)
    assert shared_identifier.detect(ctx) == []
    assert len(mixed_documents.detect(ctx)) == 1


def test_settings_are_validated():
    with pytest.raises(ValueError):
        MixedSettings(list_min_bidders=1)
    with pytest.raises(ValueError):
        MixedSettings(score_declared=1.5)


def test_mixed_documents_in_real_files(tmp_path: Path):
    """b2's PDF ends with b1's signature block; b3's DOCX names b1 as its JV partner."""
    from collusion.scan import scan_project

    root = tmp_path / "p"
    for bidder in NAMES:
        body = [
            (f"{NAMES[bidder]}投标文件", 1),
            f"投标人：{NAMES[bidder]}（盖单位章）",
            f"统一社会信用代码：{CODES[bidder]}",
            "本工程采用流水施工，确保工期。",
        ]
        if bidder == "b3":
            body += [
                ("联合体投标说明", 2),
                f"本项目由{NAMES['b3']}（牵头人）与{NAMES['b1']}组成联合体投标。",
            ]
        if bidder == "b2":
            synth.write_pdf(
                root / "bids" / bidder / "技术标.pdf",
                [
                    body,
                    [
                        f"投标人：{NAMES['b1']}（盖单位章）",
                        f"统一社会信用代码：{CODES['b1']}",
                        "日期：2026年3月20日",
                    ],
                ],
            )
        else:
            synth.write_docx(root / "bids" / bidder / "技术标.docx", body)
    ctx = scan_project(root).context
    alerts = mixed_documents.detect(ctx)
    assert [(a.details["carrier"], a.details["named"], a.severity) for a in alerts] == [
        ("b2", "b1", "high")
    ]
    assert {e.page for e in alerts[0].evidence} == {2}
