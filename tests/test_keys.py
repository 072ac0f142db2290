"""The keys by which values are compared, tested together (collusion/keys.py)."""

from __future__ import annotations

from collusion import keys


def test_signature_key_collapses_space_and_case():
    assert keys.signature_key("  Zhang  San\tLTD ") == "zhang san ltd"
    assert keys.signature_key("张三") == keys.signature_key(" 张三 ")


def test_code_key_drops_separators_but_keeps_addresses():
    assert keys.code_key("mac", "00-1A-2B-3C-4D-5E") == keys.code_key("mac", "00:1a:2b:3c:4d:5e")
    assert keys.code_key("upload_ip", " 10.0.0.1 ") == "10.0.0.1"
    assert keys.code_key("machine_code", "----") == "----"  # nothing left: kept as written


def test_hex_ids_compare_without_braces_dashes_or_case():
    assert keys.hex_id_key("{ab-cd}") == keys.hex_id_key("ABCD") == "ABCD"


def test_reference_values_are_keyed_like_their_fields():
    assert keys.reference_key("mac", "00-50-56") == "005056"
    assert keys.reference_key("rsid_root", " 00b47730 ") == "00B47730"
    assert keys.reference_key("author", "Administrator") == keys.signature_key("administrator")


def test_width_folding_keeps_every_offset():
    text = "ＡＢＣ１２３　电话：１３８"
    folded = keys.width_folded(text)
    assert folded == "ABC123 电话:138"
    assert len(folded) == len(text)


def test_company_name_keys():
    assert keys.company_name_key("广东 恒基（集团）有限公司") == "广东恒基(集团)有限公司"
    assert keys.stored_company_key("  ＡＢＣ 建设 ") == "abc建设"
    assert keys.stored_company_key("") is None
    assert keys.stored_company_key(None) is None


def test_fact_key_is_one_key_for_one_value_and_a_digest():
    account = keys.fact_key("6222 0210 0101 2345 678")
    assert account == keys.fact_key("6222-0210-0101-2345-678")
    assert account.startswith("value:") and "6222" not in account
    # Short values are kept apart by their kind.
    assert keys.fact_key("张三", "person") != keys.fact_key("张三", "author")
    assert keys.fact_key("6222021001012345678", "a") == keys.fact_key("6222021001012345678", "b")
