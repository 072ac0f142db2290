"""The reviewed reference data loads, and every row says why and from where."""

from __future__ import annotations

import pytest

from collusion.analysis.reference import load_known_common, parse_known_common


def test_known_common_loads_with_reasons_and_sources() -> None:
    known = load_known_common()
    assert len(known.rows) > 40
    assert all(row.reason and row.source for row in known.rows)
    assert known.reason_for("author", "administrator")
    assert known.reason_for("rsid_root", "00B47730")
    assert known.reason_for("mac", "000c29aabbcc")  # VMware prefix
    assert known.reason_for("author", "张三") is None
    assert known.reason_for("rsid_root", "00B47731") is None


def test_a_row_without_source_is_rejected() -> None:
    with pytest.raises(ValueError, match="line 2"):
        parse_known_common("field,match,value,reason,source\nauthor,exact,x,reason,\n")


def test_common_misspellings_load_with_reason_and_source() -> None:
    from collusion.analysis.reference import is_common_misspelling, load_common_misspellings

    rows = load_common_misspellings()
    assert ("模版", "模板") in {(r.misspelt, r.correct) for r in rows}
    assert all(r.reason and r.source for r in rows)
    text = "模版拆除时"
    assert is_common_misspelling(text, 1, "版", "板")
    assert not is_common_misspelling("出版社", 1, "版", "板")


GENERIC_ACCOUNTS = (
    "PC",
    "User",
    "Administrator",
    "admin",
    "微软用户",
    "Windows 用户",
    "微软中国",
    "lenovo",
    "dell",
    "hp",
    "HP Inc.",
    "Microsoft",
    "HP Authorized Customer",
)


@pytest.mark.parametrize("name", GENERIC_ACCOUNTS)
def test_generic_account_names_are_known_common_in_every_identity_field(name: str) -> None:
    from collusion.analysis.reference import ACCOUNT_FIELDS
    from collusion.keys import signature_key

    known = load_known_common()
    for field in sorted(ACCOUNT_FIELDS):
        assert known.reason_for(field, signature_key(name)), (field, name)


def test_account_rows_apply_only_to_identity_fields() -> None:
    known = parse_known_common(
        "field,match,value,reason,source\naccount,exact,pc,默认用户名,test\n"
    )
    assert known.reason_for("last_modified_by", "pc") == "默认用户名"
    assert known.reason_for("revision_author", "pc") == "默认用户名"
    assert known.reason_for("title", "pc") is None
    assert known.reason_for("company", "pc") is None
