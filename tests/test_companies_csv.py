"""companies.csv and company_relations.csv: what is read, and every bad row
named by its line with nothing half-read."""

from __future__ import annotations

import random

import pytest

from collusion.analysis.companies.model import LEGAL_REP, PERSON, SHAREHOLDER
from collusion.analysis.companies.registry import project_registry
from collusion.project import load_project as load_folder
from collusion.settings import ExtractSettings
from tools import synth

RNG = random.Random(22)
CODE_A, CODE_B, CODE_H = (synth.make_credit_code(RNG) for _ in range(3))
REP_ID, OTHER_ID = synth.make_resident_id(RNG), synth.make_resident_id(RNG)
HEADER = "bidder,credit_code,name,legal_representative,legal_representative_id,phone,email"


def bad_check(code: str) -> str:
    """The code with a wrong check character."""
    last = "0" if code[-1] != "0" else "1"
    return code[:-1] + last


def project(tmp_path, companies: str | bytes | None = None, relations: str | bytes | None = None):
    for bidder in ("b01", "b02", "b03"):
        folder = tmp_path / "bids" / bidder
        folder.mkdir(parents=True)
        (folder / "投标文件.txt").write_text("投标文件", encoding="utf-8")
    for name, text in (("companies.csv", companies), ("company_relations.csv", relations)):
        if text is not None:
            data = text if isinstance(text, bytes) else text.encode("utf-8")
            (tmp_path / name).write_bytes(data)
    return tmp_path


class Loaded:
    """A project folder as loaded and its registry files as parsed."""

    def __init__(self, root, limits=None, **given) -> None:
        limits = limits or ExtractSettings()
        project = load_folder(root, limits, **given)
        self.registry = project_registry(project, limits.max_company_rows)
        self.errors = (*project.errors, *self.registry.errors)


def load_project(root, limits=None, **given) -> Loaded:
    return Loaded(root, limits, **given)


def errors_of(loaded, file: str) -> dict[int | None, str]:
    return {e.get("line"): e["error"] for e in loaded.errors if e["file"] == file}


def test_good_rows_are_read_with_their_lines(tmp_path):
    companies = (
        f"name,bidder,legal_representative_id,credit_code,legal_representative,phone,email,extra\n"
        f"甲建设有限公司,b01,{REP_ID},{CODE_A},张 三,0760-88886666,a@jia.cn,ignored\n"
        f"乙工程有限公司,b02,,{CODE_B.lower()},李四,,,\n"
        f"丙投资有限公司,,,{CODE_H},王五,,,\n"
    )
    relations = (
        "company,role,name,id,share\n"
        f"b01,shareholder,丙投资有限公司,{CODE_H},60%\n"
        f"{CODE_H},股东,赵六,{OTHER_ID},80\n"
        f"b02,董事,张三,{REP_ID},\n"
        "b03,开户银行,中国建设银行中山分行,,\n"
    )
    loaded = load_project(project(tmp_path, companies, relations))
    assert loaded.errors == ()
    registry = loaded.registry
    assert [(c.key, c.bidder) for c in registry.companies] == [
        (CODE_A, "b01"),
        (CODE_B, "b02"),
        (CODE_H, None),
    ]
    rep = next(r for r in registry.relations if r.company == CODE_A and r.role == LEGAL_REP)
    assert (rep.holder, rep.holder_kind, rep.holder_name) == (REP_ID, PERSON, "张三")
    assert (rep.source.file, rep.source.line) == ("companies.csv", 2)
    assert rep.source.excerpt.startswith("甲建设有限公司,b01,")
    held = next(r for r in registry.relations if r.role == SHAREHOLDER and r.company == CODE_A)
    assert (held.holder, held.holder_kind, held.share, held.source.line) == (
        CODE_H,
        "company",
        60.0,
        2,
    )
    # A row about a bidder without a companies.csv row keeps the bidder's key.
    bank = next(r for r in registry.relations if r.role == "bank")
    assert bank.company == "bidder:b03" and bank.holder_kind == "company"
    phone = next(f for f in registry.facts if f.field == "phone")
    assert phone.normalized == "076088886666"


def test_bad_company_rows_are_named_by_line_and_left_out_whole(tmp_path):
    rows = [
        HEADER,
        f"b01,{CODE_A},甲建设有限公司,张三,{REP_ID},,",  # 2: good
        f"b09,{CODE_B},乙工程有限公司,李四,,,",  # 3: no such bidder
        f"b01,{CODE_B},乙工程有限公司,李四,,,",  # 4: bidder again
        f"b02,{bad_check(CODE_B)},乙工程有限公司,李四,,,",  # 5: wrong check character
        f"b02,{CODE_A},乙工程有限公司,李四,,,",  # 6: code again
        f"b02,{CODE_B},,李四,,,",  # 7: no name
        f"b02,{CODE_B},乙工程有限公司,李四,{bad_check(REP_ID)},,",  # 8: bad ID
        f"b02,{CODE_B},乙工程有限公司,,{REP_ID},,",  # 9: ID without name
        f"b02,{CODE_B},乙工程有限公司,李四,,12,",  # 10: not a phone
        f"b02,{CODE_B},乙工程有限公司,李四,,,li.example.cn",  # 11: not an e-mail
        f"b02,{CODE_B}",  # 12: short row
        f"b03,{CODE_H},丙\x00公司,王五,,,",  # 13: NUL
    ]
    data = "\n".join(rows).encode("utf-8") + b"\nb03,X,\xff\xfe,bad,,,\n"  # 14: not UTF-8
    loaded = load_project(project(tmp_path, data))
    errors = errors_of(loaded, "companies.csv")
    assert sorted(errors) == list(range(3, 15))
    assert "b09 不在 bids/ 中" in errors[3]
    assert "已在第 2 行出现" in errors[4] and "已在第 2 行出现" in errors[6]
    assert "校验位" in errors[5] and "身份证号" in errors[8]
    assert "缺少企业名称" in errors[7] and "缺少法定代表人姓名" in errors[9]
    assert "不是电话号码" in errors[10] and "不是电子邮箱地址" in errors[11]
    assert "列数不足" in errors[12] and "NUL" in errors[13] and "UTF-8" in errors[14]
    assert all(e.startswith(f"companies.csv 第 {line} 行") for line, e in errors.items())
    registry = loaded.registry
    assert [c.bidder for c in registry.companies] == ["b01"]
    assert {f.source.line for f in registry.facts} == {2}
    assert {r.source.line for r in registry.relations} == {2}


def test_bad_relation_rows_are_named_by_line(tmp_path):
    rows = [
        "company,role,name,id,share",
        f"b01,shareholder,丙投资有限公司,{CODE_H},60",  # 2: good
        "b09,director,张三,,",  # 3: not a bidder nor a code
        "b01,老板,张三,,",  # 4: unknown role
        "b01,shareholder,李四,,",  # 5: shareholder without share
        "b01,director,李四,,30",  # 6: share of a director
        "b01,shareholder,李四,,130",  # 7: over 100
        "b01,shareholder,李四,,六成",  # 8: not a number
        f"b01,director,李四,{bad_check(REP_ID)},",  # 9: bad id
        "b01,director,某某咨询有限公司,,",  # 10: a company as director
        f"b01,股东,丙投资有限公司,{CODE_H},40",  # 11: same holder again
        "b01,director,,,",  # 12: no name
        f"{bad_check(CODE_H)},shareholder,赵六,,80",  # 13: bad code as company
    ]
    loaded = load_project(project(tmp_path, relations="\n".join(rows) + "\n"))
    errors = errors_of(loaded, "company_relations.csv")
    assert sorted(errors) == list(range(3, 14))
    assert "既不是 bids/ 中的投标人" in errors[3] and "既不是" in errors[13]
    assert "角色 老板 无法识别" in errors[4]
    assert "缺少持股比例" in errors[5] and "不应填写持股比例" in errors[6]
    assert "0 到 100" in errors[7] and "0 到 100" in errors[8]
    assert "证件号" in errors[9] and "只能由个人担任" in errors[10]
    assert "与第 2 行重复" in errors[11] and "缺少姓名" in errors[12]
    assert [r.source.line for r in loaded.registry.relations] == [2]


@pytest.mark.parametrize(
    "name, header",
    [
        ("companies.csv", "bidder,credit_code,name,legal_representative\n"),
        ("company_relations.csv", "company,role,holder\n"),
    ],
)
def test_a_header_without_a_required_column_reads_nothing(tmp_path, name, header):
    body = (
        f"b01,{CODE_A},甲建设有限公司,张三\n" if name == "companies.csv" else "b01,director,张三\n"
    )
    args = {"companies": header + body} if name == "companies.csv" else {"relations": header + body}
    loaded = load_project(project(tmp_path, **args))
    errors = errors_of(loaded, name)
    assert list(errors) == [1] and "整个文件未读取" in errors[1]
    assert loaded.registry.empty


def test_over_the_cap_nothing_is_read(tmp_path):
    rows = [HEADER] + [
        f"{b},{code},公司{b},张三,,,"
        for b, code in (("b01", CODE_A), ("b02", CODE_B), ("", CODE_H))
    ]
    loaded = load_project(
        project(tmp_path, "\n".join(rows) + "\n"), ExtractSettings(max_company_rows=2)
    )
    errors = errors_of(loaded, "companies.csv")
    assert list(errors) == [4] and "超过 2 行的上限" in errors[4] and "整个文件未读取" in errors[4]
    assert loaded.registry.empty


def test_files_given_outside_the_project(tmp_path):
    root = project(tmp_path / "p")
    given = tmp_path / "export.csv"
    given.write_text(f"{HEADER}\nb01,{CODE_A},甲建设有限公司,张三,{REP_ID},,\n", encoding="utf-8")
    loaded = load_project(root, companies=given, relations=tmp_path / "missing.csv")
    assert [c.key for c in loaded.registry.companies] == [CODE_A]
    assert [e["error"] for e in loaded.errors] == [f"找不到文件 {tmp_path / 'missing.csv'}"]


def test_a_symbolic_link_is_refused(tmp_path):
    outside = tmp_path / "outside.csv"
    outside.write_text(f"{HEADER}\nb01,{CODE_A},甲建设有限公司,张三,,,\n", encoding="utf-8")
    root = project(tmp_path / "p")
    (root / "companies.csv").symlink_to(outside)
    loaded = load_project(root)
    assert loaded.registry.empty
    assert [e["status"] for e in loaded.errors] == ["refused"]


def test_no_registry_changes_nothing(tmp_path):
    loaded = load_project(project(tmp_path))
    assert loaded.errors == () and loaded.registry.empty
