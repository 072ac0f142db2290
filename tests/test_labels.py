"""One table of Chinese labels: every field and kind the detectors emit has one."""

from __future__ import annotations

import ast
import json
from pathlib import Path

from collusion import labels
from collusion.analysis import identifiers
from collusion.detectors.signature_fields import FIELD_STRENGTH, field_label
from collusion.report.present import field_label as shown_label

ROOT = Path(__file__).resolve().parent.parent


def test_every_signature_field_has_a_label():
    missing = sorted(f for f in FIELD_STRENGTH if f not in labels.FIELD_LABELS)
    assert missing == []


def test_every_identifier_kind_has_a_label():
    kinds = {
        identifiers.PERSON,
        *identifiers.PERSONAL_NUMBER_KINDS,
        identifiers.MOBILE,
        identifiers.LANDLINE,
        identifiers.EMAIL,
        identifiers.BANK_ACCOUNT,
        identifiers.CREDIT_CODE,
    }
    assert kinds == set(labels.IDENTIFIER_LABELS)


def schema_enum(*path: str) -> set[str]:
    node = json.loads(
        (ROOT / "collusion" / "report" / "report.schema.json").read_text(encoding="utf-8")
    )
    for key in path:
        node = node[key]
    return set(node["enum"])


def test_every_alert_kind_status_and_severity_has_a_label():
    assert schema_enum("$defs", "kind") == set(labels.KIND_LABELS)
    assert schema_enum("$defs", "file", "properties", "status") == set(labels.STATUS_LABELS)
    assert schema_enum("$defs", "alert", "properties", "severity") == set(labels.SEVERITY_LABELS)


def test_detector_and_views_show_the_same_label():
    # The report carries the detector's label; a report without one shows
    # ours, in Chinese only (the raw name is a JSON key, not a word of the page).
    for field in ("company", "rsid", "custom:投标单位", "mobile"):
        assert shown_label(field) == field_label(field)
    assert shown_label("not_a_field") == "not_a_field"  # no Chinese name: the raw one


def test_terminal_summary_does_not_import_the_html_package():
    tree = ast.parse((ROOT / "collusion" / "report" / "terminal.py").read_text(encoding="utf-8"))
    imported = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
    imported |= {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    assert not {m for m in imported if m and m.startswith("collusion.report.html")}
