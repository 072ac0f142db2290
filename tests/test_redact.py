"""`--redact`: personal data masked wherever it appears, evidence ids untouched;
reports and the history database readable by their owner only."""

from __future__ import annotations

import json
import random
import stat
import time
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner
from conftest import ProjectBuilder, plan_paragraphs

from collusion.cli import main
from collusion.report.build import load_schema
from collusion.report.redact import mask_name, redact_report, redact_text
from tools import synth

RNG = random.Random(6)
RESIDENT_ID = synth.make_resident_id(RNG)
MOBILE = "13912345678"
LANDLINE = "0760-88881234"
ACCOUNT = "6222021234567890123"
EMAIL = "zhangsan.pm@example.com"
MANAGER = "欧阳振华"
AUTHOR = "李建国"
RSID = "00C0FFEE"
PERSONAL = (RESIDENT_ID, MOBILE, "139-1234-5678", "88881234", ACCOUNT, EMAIL, MANAGER, AUTHOR)


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("电话13812345678", "电话138****5678"),
        ("手机：+86 138 1234 5678。", "手机：+86 138****5678。"),
        ("手机 138-1234-5678", "手机 138****5678"),
        ("身份证号 11010119900307123X", "身份证号 110101********123X"),
        ("身份证 110101900307123", "身份证 110101******123"),
        ("电话（0760）88881234", "电话（0760）****1234"),
        ("(020)12345678", "(020)****5678"),
        ("电话 0760-8888-1234", "电话 0760-****1234"),
        ("总机 020-12345678-801", "总机 020-****5678"),
        ("账号：6222 0212 3456 7890 123", "账号：6222****0123"),
        ("账号 6222021234567890123。", "账号 6222****0123。"),
        ("基本户44001234567890", "基本户4400****7890"),
        ("邮箱 zhang.san@example.com", "邮箱 z***@example.com"),
    ],
)
def test_patterns_mask(text: str, masked: str) -> None:
    assert redact_text(text) == masked


@pytest.mark.parametrize(
    "text",
    [
        "a3f1c9e2b4d6138123456789012345678901234567890abcdef0123456789ab",  # sha256-like
        "ab13812345678cd",  # digits inside a hex token
        "0123456789ABCDEF0123456789ABCDEF",  # PDF /ID
        "uuid:0A1B2C3D-0000-4000-8000-000000000001",  # XMP id
        "2025-11-28T02:00:00Z",
        "合同价 12345678.90 元，工期 365 日历天",
        "项目编号 ZS-2025-0142，第 3 章 1.2.3 条",
        "7F3A-99C1-0B2E",
        "91440101MA5CXXXX1Y",
    ],
)
def test_patterns_leave_evidence_alone(text: str) -> None:
    assert redact_text(text) == text


def test_mask_name() -> None:
    assert mask_name("张三") == "张*"
    assert mask_name("欧阳振华") == "欧***"


def _project_with_personal_data(project: ProjectBuilder) -> Path:
    staff = [
        ("第一章 项目管理机构", 1),
        f"项目经理：{MANAGER}，身份证号：{RESIDENT_ID}，联系电话：{MOBILE}。",
        f"办公电话：{LANDLINE}，电子邮箱：{EMAIL}。",
        f"投标保证金从基本账户 {ACCOUNT} 转出，开户行：中国工商银行中山分行。",
    ]
    for bidder, seed, company in (("b1", 1, "甲建设有限公司"), ("b2", 2, "乙建设有限公司")):
        project.docx(
            bidder,
            "技术标.docx",
            staff + plan_paragraphs(seed, company),
            rsid_root=RSID,
            core={"author": AUTHOR},
        )
        project.bidder(bidder, name=company)
    project.docx("b3", "技术标.docx", plan_paragraphs(3, "丙建设有限公司"))
    project.signature("b1", "deposit_account", ACCOUNT)
    project.signature("b2", "deposit_account", ACCOUNT)
    return project.write()


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, dict, Path, Path]:
    """The full and the redacted report of one project, scanned once."""
    base = tmp_path_factory.mktemp("redact")
    root = _project_with_personal_data(ProjectBuilder(base / "project"))
    full_path, redacted_path = base / "full.json", base / "redacted.json"
    runner = CliRunner()
    assert runner.invoke(main, ["scan", str(root), "-o", str(full_path)]).exit_code == 0
    done = runner.invoke(main, ["scan", str(root), "-o", str(redacted_path), "--redact"])
    assert done.exit_code == 0, done.output
    return (
        json.loads(full_path.read_text("utf-8")),
        json.loads(redacted_path.read_text("utf-8")),
        redacted_path,
        root,
    )


def _strings(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [s for item in value for s in _strings(item)]
    if isinstance(value, dict):
        return [s for item in value.values() for s in _strings(item)]
    return []


def test_personal_data_is_in_the_full_report_and_masked_in_the_redacted(reports) -> None:
    full, redacted, _, _ = reports
    full_text = json.dumps(full, ensure_ascii=False)
    for value in (RESIDENT_ID, MOBILE, ACCOUNT, EMAIL, MANAGER, AUTHOR):
        assert value in full_text, value  # the regulator's copy keeps everything
    kinds = {a["details"].get("field") for a in full["alerts"]}
    assert {"mobile", "resident_id", "bank_account", "deposit_account"} & kinds
    for text in _strings(redacted):
        for value in PERSONAL:
            assert value not in text, (value, text)
    redacted_text = json.dumps(redacted, ensure_ascii=False)
    assert "139****5678" in redacted_text
    assert "6222****0123" in redacted_text
    assert redacted["redacted"] is True
    jsonschema.validate(redacted, load_schema())


def test_excerpts_summaries_and_values_are_masked(reports) -> None:
    _, redacted, _, _ = reports
    excerpts = [e["excerpt"] for a in redacted["alerts"] for e in a["evidence"] if e["excerpt"]]
    assert any("139****5678" in e for e in excerpts)
    assert any(MANAGER[0] + "***" in e for e in excerpts)
    summaries = [a["summary"] for a in redacted["alerts"]] + [redacted["summary"]]
    assert any("****" in s for s in summaries)
    values = [
        a["details"].get("value")
        for a in redacted["alerts"]
        if a["details"].get("field")
        in {"mobile", "bank_account", "deposit_account", "resident_id", "author"}
    ]
    assert values and all("*" in v for v in values)


def test_hashes_paths_ids_and_lineage_codes_are_untouched(reports) -> None:
    full, redacted, _, _ = reports
    assert [b["id"] for b in full["bidders"]] == [b["id"] for b in redacted["bidders"]]
    for before, after in zip(full["bidders"], redacted["bidders"], strict=True):
        assert before["files"] == after["files"]  # paths, sha256, statuses
    assert [(a["id"], a["kind"], a["bidders"], a["basis"]) for a in full["alerts"]] == [
        (a["id"], a["kind"], a["bidders"], a["basis"]) for a in redacted["alerts"]
    ]
    assert full["pairs"] == redacted["pairs"]
    assert full["groups"] == redacted["groups"]
    rsid = [a["details"] for a in redacted["alerts"] if a["details"].get("field") == "rsid_root"]
    assert rsid and rsid[0]["value"] == RSID
    for before, after in zip(full["alerts"], redacted["alerts"], strict=True):
        assert [(e["bidder"], e["file"], e["page"]) for e in before["evidence"]] == [
            (e["bidder"], e["file"], e["page"]) for e in after["evidence"]
        ]


def test_a_shared_value_keeps_one_mask(reports) -> None:
    _, redacted, _, _ = reports
    alert = next(a for a in redacted["alerts"] if a["details"].get("field") == "mobile")
    masks = {e.get("value") for e in alert["evidence"] if e.get("value")}
    assert len(masks) <= 1


def test_reports_are_owner_only(reports, tmp_path: Path) -> None:
    _, _, redacted_path, root = reports
    assert stat.S_IMODE(redacted_path.stat().st_mode) == 0o600
    html = tmp_path / "r.html"
    db = tmp_path / "state" / "history.db"
    done = CliRunner().invoke(
        main,
        ["scan", str(root), "-o", str(tmp_path / "x.json"), "--html", str(html), "--db", str(db)],
    )
    assert done.exit_code == 0, done.output
    assert stat.S_IMODE(html.stat().st_mode) == 0o600
    for path in [db, *db.parent.glob("history.db-*")]:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path


def test_redact_report_does_not_touch_its_input() -> None:
    report = {"summary": f"电话 {MOBILE}", "bidders": [], "alerts": [], "errors": []}
    copy = json.loads(json.dumps(report))
    redact_report(report)
    assert report == copy


@pytest.mark.parametrize(
    "text",
    [
        "a" * 200_000,
        "1" * 200_000,
        "a@" + "b" * 200_000,
        "a." * 100_000,
        "1 " * 100_000,
        "0760-" * 50_000,
        "x@" + "a." * 100_000,
    ],
)
def test_long_hostile_strings_take_linear_time(text: str) -> None:
    """A metadata value can be megabytes: no pattern may backtrack on it."""
    started = time.monotonic()
    redact_text(text)
    assert time.monotonic() - started < 3


BOQ = [  # GB 50500 item codes: twelve digits, not personal
    ("010101001001", "平整场地", "m2", "3260.00", "2.84"),
    ("010101004001", "挖基坑土方", "m3", "4120.00", "28.23"),
    ("010103001001", "回填方", "m3", "2380.00", "32.14"),
    ("010502001001", "矩形柱（C30）", "m3", "520.00", "662.97"),
    ("010503002001", "矩形梁（C30）", "m3", "610.00", "671.20"),
    ("010505001001", "有梁板（C30）", "m3", "1450.00", "598.35"),
    ("011702001001", "基础模板", "m2", "1850.00", "52.10"),
]
FIRM_NUMBERS = ("(粤)JZ安许证字[2019]010123", "D244012345", "91440101MA5C12345X")


@pytest.mark.parametrize(
    "text",
    [
        "1 010101001001 平整场地 m2 3260.00 2.84",
        "项目编码 010103001001 回填方",
        f"安全生产许可证 {FIRM_NUMBERS[0]}，资质证书编号 {FIRM_NUMBERS[1]}",
    ],
)
def test_item_codes_and_firm_numbers_are_not_personal(text: str) -> None:
    assert redact_text(text) == text


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("电话 076088881234", "电话 0760****1234"),  # a landline without separators
        ("账号：012345678901", "账号：0123****8901"),
    ],
)
def test_twelve_digits_after_a_contact_label_are_masked(text: str, masked: str) -> None:
    assert redact_text(text) == masked


def test_redacted_report_keeps_unit_price_evidence(project: ProjectBuilder, tmp_path: Path):
    """Identical unit prices in real DOCX bills: after --redact the item codes
    still tell the lines apart; the phone next to them is masked."""
    rows = [["项目编码", "项目名称", "计量单位", "工程量", "综合单价", "合价"]]
    rows += [[c, n, u, q, p, f"{float(q) * float(p):.2f}"] for c, n, u, q, p in BOQ]
    for bidder, company in (("b1", "甲建设有限公司"), ("b2", "乙建设有限公司")):
        project.bidder(bidder, name=company)
        project.docx(
            bidder,
            "商务标.docx",
            [
                f"投标人：{company}。联系电话：{MOBILE}；安全生产许可证：{FIRM_NUMBERS[0]}；"
                f"资质证书编号：{FIRM_NUMBERS[1]}。",
                ("table", rows),
            ],
        )
    root = project.write()
    out = tmp_path / "r.json"
    result = CliRunner().invoke(main, ["scan", str(root), "-o", str(out), "--redact"])
    assert result.exit_code == 0, result.output
    report = json.loads(out.read_text("utf-8"))
    prices = [
        a
        for a in report["alerts"]
        if a["kind"] == "price_pattern" and a["details"].get("pattern") == "identical_unit_prices"
    ]
    assert prices, [a["kind"] for a in report["alerts"]]
    text = json.dumps(prices, ensure_ascii=False)
    assert "010101001001" in text and "010103001001" in text
    dumped = out.read_text("utf-8")
    assert MOBILE not in dumped
    assert all(number in dumped for number in FIRM_NUMBERS[:2])
