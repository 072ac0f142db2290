"""Identifiers found in text, tables and real files, and the shared_identifier detector."""

from __future__ import annotations

import json
import random
import time
from pathlib import Path

import pytest

from collusion import basis
from collusion.analysis.identifier_patterns import (
    BANK_ACCOUNT,
    BUILDER_CERT,
    CREDIT_CODE,
    EMAIL,
    LANDLINE,
    MOBILE,
    PERSON,
    RESIDENT_ID,
    SAFETY_CERT,
    credit_code_check_char,
    is_valid_credit_code,
    is_valid_resident_id,
    resident_id_check_char,
)
from collusion.analysis.identifiers import (
    find_in_block,
    find_in_blocks,
    find_numbers,
    find_people,
    is_plausible_name,
    may_hold_identifiers,
)
from collusion.detectors import shared_identifier
from collusion.detectors.shared_identifier import IdentifierSettings
from collusion.models import Bidder, Block, ExtractedFile, ProjectInput, ScanContext
from collusion.settings import Settings
from tools import synth

# The worked examples of the two standards.
GB11643_EXAMPLE = "11010519491231002X"
GB32100_EXAMPLE = "91350100M000100Y43"


def para(text: str, index: int = 0, page: int | None = 1) -> Block:
    return Block(text=text, page=page, index=index)


def row(*cells: str, index: int = 0) -> Block:
    return Block(text="\t".join(cells), page=1, index=index, kind="table", cells=tuple(cells))


def context_of(
    bidders: dict[str, list[Block]],
    tender: list[Block] = (),
    names: dict[str, str] | None = None,
    prices: dict[str, float] | None = None,
    detectors: dict | None = None,
) -> ScanContext:
    """A ScanContext built by hand: one file per bidder holding `blocks`."""
    names, prices = names or {}, prices or {}

    def file(path: str, blocks: list[Block]) -> ExtractedFile:
        return ExtractedFile(
            path=path,
            sha256="0" * 64,
            format="docx",
            pages=1,
            chars=sum(len(b.text) for b in blocks),
            status="ok",
            error=None,
            blocks=tuple(blocks),
        )

    bidder_list = tuple(
        Bidder(
            id=b,
            name=names.get(b),
            price=prices.get(b),
            files=(file(f"bids/{b}/投标文件.docx", blocks),),
        )
        for b, blocks in sorted(bidders.items())
    )
    project = ProjectInput(
        root="/nowhere",
        id="T-1",
        name="测试工程",
        industry="construction",
        bidder_meta={
            b: {
                k: v for k, v in (("name", names.get(b)), ("price", prices.get(b))) if v is not None
            }
            for b in bidders
        },
        bidder_files={b: (f"bids/{b}/投标文件.docx",) for b in bidders},
        tender_files=("tender/招标文件.docx",) if tender else (),
        csv_signatures=(),
        errors=(),
    )
    return ScanContext(
        project=project,
        bidders=bidder_list,
        tender_files=(file("tender/招标文件.docx", list(tender)),) if tender else (),
        sections={},
        tender_sections=(),
        settings=Settings(detectors=detectors or {}),
        known_common=None,
    )


def kinds(text: str) -> dict[str, str]:
    return {m.kind: m.value for m in find_numbers(text)}


# --- checksums ---------------------------------------------------------------------------


def test_resident_id_check_digit_of_the_standard_example():
    assert resident_id_check_char(GB11643_EXAMPLE[:17]) == "X"
    assert is_valid_resident_id(GB11643_EXAMPLE)
    assert is_valid_resident_id(GB11643_EXAMPLE.lower())


@pytest.mark.parametrize(
    "number",
    [
        "110105194912310021",  # wrong check digit
        "110105194902300027",  # 30 February
        "010105194912310021",  # area code cannot start with 0
        "11010519491231002",  # 17 digits
    ],
)
def test_resident_id_look_alikes_are_rejected(number):
    assert not is_valid_resident_id(number)
    assert RESIDENT_ID not in kinds(f"身份证号：{number}")


def test_credit_code_check_character_of_the_standard_example():
    assert credit_code_check_char(GB32100_EXAMPLE[:17]) == "3"
    assert is_valid_credit_code(GB32100_EXAMPLE)


@pytest.mark.parametrize(
    "code",
    [
        "91350100M000100Y44",  # wrong check character
        "91350100M000100Y4I",  # I is not in the alphabet
        "9135010OM000100Y43",  # O in the area code
    ],
)
def test_credit_code_look_alikes_are_rejected(code):
    assert not is_valid_credit_code(code)
    assert CREDIT_CODE not in kinds(f"统一社会信用代码：{code}")


def test_generated_identifiers_validate():
    rng = random.Random(7)
    for _ in range(200):
        assert is_valid_resident_id(synth.make_resident_id(rng))
        assert is_valid_credit_code(synth.make_credit_code(rng))


# --- numbers in text ------------------------------------------------------------------------


def test_each_number_kind_is_found_and_normalized():
    text = (
        "身份证号：11010519491231002X；注册编号：浙133111112345；"
        "安全生产考核合格证书编号：浙建安B（2019）0012345；手机：138-1234-5678；"
        "电话：（0571）87654321转 802；邮箱：Zhang.San@Example.COM；"
        "统一社会信用代码：91350100M000100Y43"
    )
    found = kinds(text)
    assert found == {
        RESIDENT_ID: GB11643_EXAMPLE,
        BUILDER_CERT: "浙133111112345",
        SAFETY_CERT: "浙建安B(2019)0012345",
        MOBILE: "13812345678",
        LANDLINE: "0571-87654321-802",
        EMAIL: "zhang.san@example.com",
        CREDIT_CODE: GB32100_EXAMPLE,
    }


def test_certificate_formats():
    assert kinds("京1112017201745983")[BUILDER_CERT] == "京1112017201745983"  # new 16-digit form
    assert kinds("粤233121234567")[BUILDER_CERT] == "粤233121234567"  # 二级
    assert BUILDER_CERT not in kinds("浙333111112345")  # level must be 1 or 2
    # Half- and full-width brackets are the same certificate.
    assert kinds("川建安C(2021)1052428") == kinds("川建安Ｃ（２０２１）１０５２４２８")


def test_landline_forms_and_non_phones():
    assert kinds("0571-87654321")[LANDLINE] == "0571-87654321"
    assert kinds("联系电话：02087654321")[LANDLINE] == "020-87654321"
    assert LANDLINE not in kinds("合同编号 02087654321")  # bare digits, no phone label
    assert kinds("20260105") == {}  # a date is not a phone
    assert MOBILE not in kinds("账号 6222021309001234567")  # no mobile inside a longer number


def test_bank_account_needs_a_label_and_a_bank():
    found = find_in_block(
        para("开户银行：中国工商银行杭州西湖支行 账号：1202 0212 0900 1234 567"), 160
    )
    assert [(f.kind, f.value, f.bank) for f in found] == [
        (BANK_ACCOUNT, "1202021209001234567", "中国工商银行杭州西湖支行")
    ]
    assert not find_in_block(para("账号：1202021209001234567"), 160)  # no bank named
    assert not find_in_block(para("中国工商银行 合同编号 1202021209001234567"), 160)  # no label


def test_bank_named_on_the_line_before_the_account():
    blocks = [para("开户银行：中国农业银行中山分行", 0), para("账号：44-3312-0104-0012345", 1)]
    (account,) = find_in_blocks(blocks, 160)
    assert (account.value, account.bank, account.index) == (
        "443312010400123" + "45",
        "中国农业银行中山分行",
        1,
    )


def test_long_runs_do_not_backtrack():
    """Digit runs (a barcode, a hex dump) and letter runs stay linear: no unbounded repeats."""
    started = time.perf_counter()
    assert find_numbers("账号：" + "1" * 5000) == []
    assert find_numbers("账号：" + "12 " * 3000) == []
    assert find_numbers("a" * 20000 + "@b") == []
    assert find_numbers("x@" + "a." * 20000 + "!") == []
    assert time.perf_counter() - started < 2


def test_deposit_is_read_from_the_heading_and_the_blocks_before():
    blocks = [
        Block("投标保证金承诺", 1, 0, heading_level=2, kind="heading"),
        para("我方已从本单位基本账户递交投标保证金。", 1),
        para("开户银行：中国建设银行中山分行 账号：4463211208446206860", 2),
    ]
    (account,) = find_in_blocks(blocks, 160)
    assert account.deposit
    (other,) = find_in_blocks(
        [para("开户银行：中国建设银行中山分行 账号：4463211208446206860")], 160
    )
    assert not other.deposit


def test_the_cheap_pre_test_passes_every_text_the_search_finds_something_in():
    """find_in_blocks searches only the blocks may_hold_identifiers passes: it
    must pass every text in which find_in_block finds something, however the
    text is written (full width, hidden characters, traditional characters,
    look-alike letters), and it does leave out plain technical text."""
    pieces = [
        *"0123456789０１２３４５６７８９@＠-－ 　：:（）(),，。\n",
        *("\u200b", "\u00ad", "а", "З", "О", "٣", "\U0001d7ce", "x", "一"),
        *("項目經理", "项目经理", "姓\u200b名", "姓名", "姓 名", "經理", "建\u200b安", "建安"),
        *("水安", "項目負責人", "聯系人", "代理人", "安全員", "安全员", "为", "是", "张三"),
        *("身份证号", "电话", "账号", "开户银行", "中国工商银行", "138", "0571", "8888"),
        *("项目经理：李四", "項目經理為王五", "1381234５６７８", "a@b.cn", "0571-87654321"),
        *("91350100M000100Y43", "11010519491231002X", "浙建安B（2019）0012345"),
    ]
    rng = random.Random(11)
    texts = ["".join(rng.choice(pieces) for _ in range(rng.randint(0, 12))) for _ in range(20000)]
    texts += ["混凝土强度等级C30，养护28天；项目经理负责质量管理。", "安全员每日巡查"]
    passed = may_hold_identifiers(texts)
    found_in = [bool(find_in_block(para(text), 80, context="保证金 中国银行")) for text in texts]
    assert not any(found and not ok for found, ok in zip(found_in, passed, strict=True))
    assert sum(found_in) > 5000  # the generated texts do hold identifiers
    assert not passed[-2:].any()  # a role word without a name, a short number: left out
    assert 0.1 < 1 - passed.mean() < 0.9  # and some generated texts are left out too


# --- people ------------------------------------------------------------------------------


def test_people_with_roles_in_sentences():
    text = (
        "本人王五（姓名）系浙江甲建设有限公司的法定代表人，现委托李四（姓名）为我方代理人。"
        "拟派项目经理为欧阳明日，技术负责人：赵六身份证号11010519491231002X，"
        "项目负责人 张三丰。"
    )
    assert [(n, r) for n, r, _, _ in find_people(text)] == [
        ("王五", "法定代表人"),
        ("李四", "委托代理人"),
        ("欧阳明日", "项目经理"),
        ("赵六", "技术负责人"),
        ("张三丰", "项目经理"),
    ]


@pytest.mark.parametrize(
    "text",
    [
        "项目经理：建造师",
        "委托代理人：代理人",
        "姓名：姓名 职务：项目经理",
        "项目经理部署施工力量",
        "项目经理：（签字）",
        "技术负责人：待定",
    ],
)
def test_template_words_are_never_names(text):
    assert find_people(text) == []


def test_plausible_names():
    assert (
        is_plausible_name("罗志强")
        and is_plausible_name("司马光")
        and is_plausible_name("欧阳明日")
    )
    for word in ("建造师", "代理人", "姓名", "工程师", "施工", "负责人", "王", "王某某公司"):
        assert not is_plausible_name(word)


def test_staff_table_rows_carry_role_name_and_numbers():
    blocks = [
        row("岗位", "姓名", "身份证号", "证书名称", "证书编号", index=0),
        row("项目经理", "罗志强", GB11643_EXAMPLE, "一级注册建造师", "粤144055423211063", index=1),
        row(
            "安全员",
            "陈静",
            "110105194912310021",
            "安全生产考核合格证",
            "粤建安C（2020）1234567",
            index=2,
        ),
    ]
    people = [f for f in find_in_blocks(blocks, 160) if f.kind == PERSON]
    assert [(p.value, p.role) for p in people] == [("罗志强", "项目经理"), ("陈静", "安全员")]
    assert people[0].linked == ((BUILDER_CERT, "粤144055423211063"), (RESIDENT_ID, GB11643_EXAMPLE))
    # The look-alike ID number (bad check digit) is not linked; the certificate is.
    assert people[1].linked == ((SAFETY_CERT, "粤建安C(2020)1234567"),)


def test_label_value_rows_without_a_header():
    blocks = [row("项目经理姓名", "张伟", "注册编号", "浙133111112345"), row("姓名", "建造师")]
    people = [f for f in find_in_blocks(blocks, 160) if f.kind == PERSON]
    assert [(p.value, p.role, p.linked) for p in people] == [
        ("张伟", "项目经理", ((BUILDER_CERT, "浙133111112345"),))
    ]


def test_numbers_on_the_line_after_a_name_belong_to_that_person():
    blocks = [
        para("委托代理人：李娜", 0),
        para(f"身份证号码：{GB11643_EXAMPLE}", 1),
        para("项目经理：张伟", 2),
        para("法定代表人身份证号码：110105194912310011", 3),
    ]
    found = find_in_blocks(blocks, 160)
    people = {f.value: f for f in found if f.kind == PERSON}
    assert people["李娜"].linked == ((RESIDENT_ID, GB11643_EXAMPLE),)
    assert people["张伟"].linked == ()  # the next line's number is labelled for another role
    roles = {f.value: f.role for f in found if f.kind == RESIDENT_ID}
    assert roles == {GB11643_EXAMPLE: "委托代理人", "110105194912310011": "法定代表人"}


def test_each_finding_keeps_its_block_and_an_excerpt():
    (phone,) = find_in_block(Block("……联系电话：13812345678 ……", 7, 42), 20)
    assert (phone.page, phone.index, phone.raw) == (7, 42, "13812345678")
    assert "13812345678" in phone.excerpt and len(phone.excerpt) <= 20


# --- the detector on hand-built contexts ----------------------------------------------------


def team(name: str, rid: str, cert: str) -> list[Block]:
    return [
        row("岗位", "姓名", "身份证号", "证书编号", index=0),
        row("项目经理", name, rid, cert, index=1),
    ]


def test_shared_project_manager_is_high_and_names_the_person():
    rng = random.Random(1)
    rid, cert = synth.make_resident_id(rng), synth.make_builder_cert(rng)
    ctx = context_of(
        {
            "b1": team("罗志强", rid, cert),
            "b2": team("罗志强", rid, cert),
            "b3": team("陈静", synth.make_resident_id(rng), synth.make_builder_cert(rng)),
        }
    )
    alerts = shared_identifier.detect(ctx)
    assert {(a.details["field"], a.bidders, a.severity) for a in alerts} == {
        (BUILDER_CERT, ("b1", "b2"), "high"),
        (RESIDENT_ID, ("b1", "b2"), "high"),
    }
    cert_alert = next(a for a in alerts if a.details["field"] == BUILDER_CERT)
    assert cert_alert.basis == basis.ART40_SAME_TEAM_MEMBER
    assert cert_alert.details["names"] == {"b1": ["罗志强"], "b2": ["罗志强"]}
    assert "罗志强" in cert_alert.summary and cert in cert_alert.summary
    assert {(e.bidder, e.file, e.page) for e in cert_alert.evidence} == {
        ("b1", "bids/b1/投标文件.docx", 1),
        ("b2", "bids/b2/投标文件.docx", 1),
    }
    assert all(cert in e.excerpt for e in cert_alert.evidence)


def test_name_alone_is_low_and_different_ids_are_different_people():
    rng = random.Random(2)
    ctx = context_of(
        {
            "b1": [para("项目经理：张伟")],
            "b2": [para("项目经理：张伟")],
            "b3": team("王芳", synth.make_resident_id(rng), synth.make_builder_cert(rng)),
            "b4": team("王芳", synth.make_resident_id(rng), synth.make_builder_cert(rng)),
        }
    )
    alerts = shared_identifier.detect(ctx)
    assert [(a.bidders, a.severity, a.details["value"]) for a in alerts] == [
        (("b1", "b2"), "low", "张伟")
    ]


def test_tender_phone_and_most_bidders_values_are_not_evidence():
    agency = [para("招标代理机构：广东华信招标代理有限公司 联系电话：0760-88886666")]
    quoted = para("如有疑问请联系招标代理机构，电话：0760-88886666")
    hotline = para("售后服务热线：400-800-1234 联系电话：020-66668888")
    ctx = context_of(
        {"b1": [quoted, hotline], "b2": [quoted, hotline], "b3": [hotline], "b4": [para("无")]},
        tender=agency,
    )
    assert shared_identifier.detect(ctx) == []
    # Without the tender, the label still says it is the agency's phone; the
    # same phone written with no such label is evidence: the test can fail.
    ctx = context_of({"b1": [quoted], "b2": [quoted], "b3": [], "b4": []})
    assert shared_identifier.detect(ctx) == []
    unlabelled = para("如有疑问请致电：0760-88886666")
    ctx = context_of({"b1": [unlabelled], "b2": [unlabelled], "b3": [], "b4": []})
    assert [a.details["value"] for a in shared_identifier.detect(ctx)] == ["0760-88886666"]


def test_shared_deposit_account_and_contacts():
    account = [
        Block("投标保证金", 1, 0, heading_level=2, kind="heading"),
        para("开户银行：中国建设银行中山分行 账号：4463211208446206860", 1),
        para("委托代理人：李娜 手机：13912345678 邮箱：lina@qq.com", 2),
    ]
    ctx = context_of({"b1": account, "b2": account, "b3": [], "b4": [], "b5": []})
    alerts = {a.details["field"]: a for a in shared_identifier.detect(ctx)}
    assert set(alerts) == {BANK_ACCOUNT, MOBILE, EMAIL, PERSON}
    assert alerts[BANK_ACCOUNT].severity == "high"
    assert alerts[BANK_ACCOUNT].basis == basis.ART40_SAME_DEPOSIT_ACCOUNT
    assert alerts[MOBILE].basis == basis.ART40_SAME_AGENT
    assert alerts[PERSON].severity == "low" and alerts[PERSON].basis == basis.ART40_SAME_AGENT


def test_invalid_checksum_look_alikes_are_not_shared():
    text = "委托代理人身份证号：110105194912310021 统一社会信用代码：91350100M000100Y44"
    ctx = context_of({"b1": [para(text)], "b2": [para(text)]})
    assert shared_identifier.detect(ctx) == []


def test_settings_are_validated():
    with pytest.raises(ValueError):
        IdentifierSettings(common_share=0)
    with pytest.raises(ValueError):
        IdentifierSettings(score_mobile=2)
    ctx = context_of(
        {
            "b1": [para("手机：13812345678")],
            "b2": [para("手机：13812345678")],
            "b3": [para("手机：13812345678")],
        },
        detectors={"identifiers": IdentifierSettings(common_share=1.0)},
    )
    assert len(shared_identifier.detect(ctx)) == 1  # 3 of 3 is "most" only below share 1


# --- real files -----------------------------------------------------------------------------


def test_identifiers_read_from_real_docx_and_pdf(tmp_path: Path):
    """Every kind from generated DOCX and PDF files, through the real extraction."""
    from collusion.scan import scan_project

    rng = random.Random(11)
    rid, cert, code = (
        synth.make_resident_id(rng),
        synth.make_builder_cert(rng),
        synth.make_credit_code(rng),
    )
    bad_rid = rid[:17] + ("0" if rid[17] != "0" else "1")
    rows = [
        ["岗位", "姓名", "身份证号", "证书编号"],
        ["项目经理", "罗志强", rid, cert],
        ["安全员", "陈静", bad_rid, "粤建安C（2020）1234567"],
    ]
    body = [
        "投标人：广州市某建设有限公司（盖单位章）",
        f"统一社会信用代码：{code}",
        "委托代理人：李娜 手机：13912345678 邮箱：lina@example.com",
        "招标代理机构联系电话：0760-88886666",
        "开户银行：中国建设银行中山分行 账号：4463211208446206860（投标保证金转出账户）",
        ("table", rows),
    ]
    root = tmp_path / "p"
    synth.write_docx(root / "bids" / "b1" / "商务标.docx", body)
    synth.write_pdf(root / "bids" / "b2" / "商务标.pdf", [body])
    synth.write_docx(root / "bids" / "b3" / "商务标.docx", ["项目经理：陈静"])
    synth.write_docx(root / "tender" / "招标文件.docx", ["联系电话：0760-88886666"])
    ctx = scan_project(root).context
    for bidder in ("b1", "b2"):
        (file,) = ctx.bidder(bidder).files
        found = {(f.kind, f.value) for f in find_in_blocks(file.blocks, 160)}
        assert {
            (RESIDENT_ID, rid),
            (BUILDER_CERT, cert),
            (CREDIT_CODE, code),
            (MOBILE, "13912345678"),
            (EMAIL, "lina@example.com"),
            (LANDLINE, "0760-88886666"),
            (BANK_ACCOUNT, "4463211208446206860"),
            (SAFETY_CERT, "粤建安C(2020)1234567"),
            (PERSON, "罗志强"),
            (PERSON, "陈静"),
            (PERSON, "李娜"),
        } <= found, bidder
        assert (RESIDENT_ID, bad_rid) not in found
    alerts = shared_identifier.detect(ctx)
    fields = {a.details["field"] for a in alerts if a.bidders == ("b1", "b2")}
    assert {RESIDENT_ID, BUILDER_CERT, SAFETY_CERT, MOBILE, EMAIL, BANK_ACCOUNT} <= fields
    assert LANDLINE not in fields  # the agency's phone, printed in the tender
    # Two bidders carrying one unowned credit code equally often: a third company, weak.
    assert all(a.severity == "low" for a in alerts if a.details["field"] == CREDIT_CODE)
    assert not any("b3" in a.bidders and a.severity != "low" for a in alerts)


# --- the sample projects -------------------------------------------------------------------------

SAMPLE_BIDS = Path(__file__).resolve().parent.parent / "sample_bids"
MY_KINDS = ("shared_identifier", "mixed_documents", "price_pattern")


def planted_cases() -> list[tuple[str, set[tuple[str, tuple[str, ...]]]]]:
    key_file = SAMPLE_BIDS / "answer_key.json"
    if not key_file.is_file():
        return []
    key = json.loads(key_file.read_text(encoding="utf-8"))
    return [
        (
            project,
            {
                (p["kind"], tuple(sorted(p["bidders"])))
                for p in entry.get("planted", [])
                if p["kind"] in MY_KINDS
            },
        )
        for project, entry in sorted(key.items())
    ]


@pytest.mark.parametrize(("project", "expected"), planted_cases())
def test_sample_bids_planted_cases_and_nothing_else(project, expected):
    """The three detectors find what the generator planted in sample_bids, and no more."""
    from collusion.detectors import mixed_documents, price_pattern
    from collusion.scan import scan_project

    ctx = scan_project(SAMPLE_BIDS / project).context
    found = {
        (a.kind, a.bidders)
        for detector in (shared_identifier, mixed_documents, price_pattern)
        for a in detector.detect(ctx)
    }
    assert found == expected


def test_identifiers_hidden_by_invisible_characters_are_found_and_quoted_as_written():
    rng = random.Random(3)
    rid, cert = synth.make_resident_id(rng), synth.make_builder_cert(rng)
    hidden_rid = "\u200b".join(rid[:9]) + "\u3164" + rid[9:]
    ctx = context_of(
        {
            "b1": team("罗志强", rid, cert),
            "b2": team("羅志強", hidden_rid, cert),  # traditional characters, fillers in the number
            "b3": team("陈静", synth.make_resident_id(rng), synth.make_builder_cert(rng)),
        }
    )
    alerts = shared_identifier.detect(ctx)
    id_alert = next(a for a in alerts if a.details["field"] == RESIDENT_ID)
    assert id_alert.bidders == ("b1", "b2")
    b2 = next(e for e in id_alert.evidence if e.bidder == "b2")
    assert hidden_rid in b2.excerpt  # the file's own characters, fillers included


def test_an_agency_phone_quoted_by_three_bidders_is_no_alert(project, scan) -> None:
    """No tender folder: the label alone says whose the phone is."""
    for n, name in ((1, "甲"), (2, "乙"), (3, "丙")):
        project.docx(
            f"b{n}",
            "投标函.docx",
            [
                f"{name}建设有限公司投标文件",
                "招标代理机构为中山市公信招标代理有限公司，联系电话：0760-88886666，"
                "电子邮箱：zb@gongxin.cn。",
                f"投标人联系电话：1391234567{n}。",
            ],
        )
    for n in range(4, 9):
        project.docx(f"b{n}", "投标函.docx", [f"第{n}家投标文件"])
    report = scan(project.write())
    assert [a for a in report["alerts"] if a["kind"] == "shared_identifier"] == []


def test_contact_owner_is_the_nearest_party_named_before_it() -> None:
    from collusion.analysis.identifier_patterns import contact_owner

    text = "招标代理机构：某某公司，电话0760-88886666；投标人联系电话13912345678"
    assert contact_owner(text, text.index("0760")) == "招标代理机构"
    assert contact_owner(text, text.index("139")) is None
    row = "交易中心 | 咨询电话 | 0760-12345678"
    assert contact_owner(row, row.index("0760")) == "交易中心"
