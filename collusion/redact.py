"""Mask personal data in a report for circulation beyond the regulator.

The default report keeps full values: the regulator needs them to check the
evidence. ``--redact`` masks ID numbers, phone numbers, bank accounts and
e-mail addresses wherever they appear in text (summaries, excerpts, values),
keeping just enough digits to tell two values apart.
"""

from __future__ import annotations

import re
from typing import Any

_RESIDENT_ID = re.compile(r"(?<![0-9A-Za-z])(\d{6})\d{8}(\d{3}[\dXx])(?![0-9A-Za-z])")
_MOBILE = re.compile(r"(?<!\d)(1[3-9]\d)\d{4}(\d{4})(?!\d)")
_LANDLINE = re.compile(r"(?<!\d)(0\d{2,3}-?)\d{3,4}(\d{4})(?!\d)")
_BANK_ACCOUNT = re.compile(r"(?<!\d)(\d{4})\d{8,15}(\d{4})(?!\d)")
_EMAIL = re.compile(r"([A-Za-z0-9._%+-])[A-Za-z0-9._%+-]*(@[A-Za-z0-9.-]+\.[A-Za-z]{2,})")


def redact_text(text: str) -> str:
    text = _RESIDENT_ID.sub(lambda m: f"{m.group(1)}********{m.group(2)}", text)
    text = _BANK_ACCOUNT.sub(lambda m: f"{m.group(1)}****{m.group(2)}", text)
    text = _MOBILE.sub(lambda m: f"{m.group(1)}****{m.group(2)}", text)
    text = _LANDLINE.sub(lambda m: f"{m.group(1)}****{m.group(2)}", text)
    return _EMAIL.sub(lambda m: f"{m.group(1)}***{m.group(2)}", text)


def _redact(value: Any, key: str | None) -> Any:
    if isinstance(value, str):
        # Hashes and ids of files and alerts are not personal data.
        return value if key in {"sha256", "id", "path", "file", "generated_at"} else redact_text(value)
    if isinstance(value, list):
        return [_redact(item, key) for item in value]
    if isinstance(value, dict):
        return {k: _redact(v, k) for k, v in value.items()}
    return value


def redact_report(report: dict[str, Any]) -> dict[str, Any]:
    """A copy of the report with personal data masked; marks itself redacted."""
    redacted = _redact(report, None)
    redacted["redacted"] = True
    return redacted
