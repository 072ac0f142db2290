"""Mask personal data in a report for circulation beyond the regulator.

The default report keeps full values: the regulator needs them to check the
evidence. ``--redact`` masks, wherever they appear in text (summaries,
excerpts, evidence and detail values, errors):

- resident ID numbers (18 and 15 digits), mobile and landline numbers with
  or without separators, bank accounts (12 to 25 digits, or groups of four),
  e-mail addresses, by pattern;
- the values the detectors themselves identified as personal (people's
  names, certificate numbers, phones, accounts, document authors), wherever
  else those exact values occur.

Each mask keeps just enough to tell two values apart (``138****5678``,
``张*``), and the same value always gets the same mask, so a shared phone is
still visibly shared. Hashes, paths, ids, bidder ids and technical signature
codes (rsids, PDF /ID, XMP ids, image hashes, machine codes) are left
untouched: they are evidence, not personal data. So are the item codes of
bills of quantities (twelve digits, ``010101001001``: they tell 平整场地 from
回填方 in unit-price evidence), firms' certificate and licence numbers
(资质证书, 安全生产许可证) and credit codes: a firm is not a person.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

# Not inside a longer token: hashes, hex ids, UUIDs with all-digit groups.
_B = r"(?<![0-9A-Za-z_-])"
_E = r"(?![0-9A-Za-z_-])"
_RESIDENT_ID = re.compile(_B + r"(\d{6})\d{8}(\d{3}[\dXx])" + _E)
_RESIDENT_ID_15 = re.compile(_B + r"(\d{6})\d{6}(\d{3})" + _E)
_BANK_ACCOUNT = re.compile(_B + r"(\d{4})\d{4,17}(\d{4})" + _E)
_BANK_ACCOUNT_GROUPED = re.compile(_B + r"(\d{4})(?:[ -]\d{4}){3,5}([ -]\d{1,4})?" + _E)
_MOBILE = re.compile(_B + r"((?:\+|00)?86[ -]?)?(1[3-9]\d)[ -]?\d{4}[ -]?(\d{4})" + _E)
_LANDLINE = re.compile(
    _B + r"(\(0\d{2,3}\)|（0\d{2,3}）|0\d{2,3})([ -]?)\d{3,4}[ -]?(\d{4})"
    r"((?:-|转)\d{1,5})?" + _E
)
# Bounded as RFC 5321 bounds addresses, and tried only where a token starts,
# so a long run of letters costs linear time.
_EMAIL = re.compile(
    r"(?<![A-Za-z0-9._%+-])([A-Za-z0-9._%+-])[A-Za-z0-9._%+-]{0,63}"
    r"(@[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63}){0,8}\.[A-Za-z]{2,24})"
    r"(?![A-Za-z])"
)


def _digits(text: str) -> str:
    return re.sub(r"\D", "", text)


_PATTERNS: tuple[tuple[re.Pattern[str], Callable[[re.Match[str]], str]], ...] = (
    (_RESIDENT_ID, lambda m: f"{m.group(1)}********{m.group(2)}"),
    (_BANK_ACCOUNT_GROUPED, lambda m: f"{m.group(1)}****{_digits(m.group(0))[-4:]}"),
    (_MOBILE, lambda m: f"{m.group(1) or ''}{m.group(2)}****{m.group(3)}"),
    (_RESIDENT_ID_15, lambda m: f"{m.group(1)}******{m.group(2)}"),
    (_BANK_ACCOUNT, lambda m: f"{m.group(1)}****{m.group(2)}"),
    (_LANDLINE, lambda m: f"{m.group(1)}{m.group(2)}****{m.group(3)}"),
    (_EMAIL, lambda m: f"{m.group(1)}***{m.group(2)}"),
)

# Keys whose strings are identifiers of the report itself, never personal.
KEEP_KEYS = frozenset(
    {
        "sha256",
        "id",
        "path",
        "file",
        "generated_at",
        "bidder",
        "bidders",
        "alerts",
        "kind",
        "kinds",
        "severity",
        "basis",
        "field",
        "source",
        "format",
        "status",
        "schema_version",
        "version",
        "label",
        "strength",
        "key",
        "alert",
        "method",
        "fact",
    }
)
# Signature fields that name a person: masked as names.
PERSON_FIELDS = frozenset(
    {
        "person",
        "author",
        "last_modified_by",
        "comment_author",
        "revision_author",
        "manager",
    }
)
# Identifier fields whose values are personal numbers or addresses.
NUMBER_FIELDS = frozenset(
    {
        "resident_id",
        "mobile",
        "landline",
        "email",
        "bank_account",
        "builder_cert",
        "safety_cert",
        "deposit_account",
    }
)
# Signature fields that are machine-made lineage ids or software names:
# evidence whose value must survive redaction unchanged.
TECHNICAL_FIELDS = frozenset(
    {
        "rsid_root",
        "rsid",
        "pdf_id_0",
        "pdf_id_1",
        "image_sha256",
        "image",
        "image_near",
        "docid_w14",
        "docid_w15",
        "wps_icv",
        "kso_product_build_ver",
        "machine_code",
        "mac",
        "cpu_id",
        "disk_serial",
        "ca_serial",
        "pricing_lock",
        "producer",
        "creator",
        "application",
        "app_version",
        "template",
        "attached_template",
        "created",
        "credit_code",
        "ofd_doc_id",
        "ofd_seal_id",
        "ofd_signer_cert_serial",
        "ofd_created",
        "ofd_modified",
        "ofd_created_date",
        "ofd_modified_date",
        "ofd_signature_time",
        "ofd_sign_provider",
    }
)
# Value-carrying keys of a dict that names its field.
VALUE_KEYS = ("value", "normalized", "raw", "display")
# Shorter names would mask common characters everywhere.
MIN_NAME_CHARS = 2


# A bill-of-quantities item code (GB 50500 项目编码): twelve digits, the first
# two a works class 01-09. Evidence of identical unit prices, never personal:
# kept, unless a contact or account label just before makes it a landline
# written without separators (0760 8888 1234) or an account number.
_ITEM_CODE = re.compile(_B + r"0[1-9]\d{10}" + _E)
_PERSONAL_LABEL = re.compile(
    r"(?:电话|手机|传真|联系|热线|账号|账户|帐号|帐户|卡号|开户|"
    r"tel|phone|fax|mobile|account)\W{0,3}$",
    re.IGNORECASE,
)
PERSONAL_LABEL_CHARS = 12  # how far before a number its label is looked for


def redact_text(text: str) -> str:
    """The text with ID, phone and account numbers and e-mails masked;
    bill-of-quantities item codes kept."""
    parts, start = [], 0
    for match in _ITEM_CODE.finditer(text):
        before = text[max(0, match.start() - PERSONAL_LABEL_CHARS) : match.start()]
        if _PERSONAL_LABEL.search(before):
            continue
        parts += [_mask_patterns(text[start : match.start()]), match.group(0)]
        start = match.end()
    parts.append(_mask_patterns(text[start:]))
    return "".join(parts)


def _mask_patterns(text: str) -> str:
    for pattern, mask in _PATTERNS:
        text = pattern.sub(mask, text)
    return text


def mask_name(name: str) -> str:
    """张三 -> 张*, Zhang San -> Z********."""
    name = name.strip()
    return name[:1] + "*" * (len(name) - 1) if name else name


def mask_number(value: str) -> str:
    """A personal number the patterns do not know (a certificate number):
    the first three and last two characters kept."""
    masked = redact_text(value)
    if masked != value:
        return masked
    if len(value) <= 5:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 5) + value[-2:]


def _collect(value: Any, known: dict[str, str]) -> None:
    """Personal values the detectors identified, with their masks."""
    if isinstance(value, list):
        for item in value:
            _collect(item, known)
        return
    if not isinstance(value, dict):
        return
    field = value.get("field")
    mask = mask_name if field in PERSON_FIELDS else mask_number if field in NUMBER_FIELDS else None
    if mask is not None:
        for key in VALUE_KEYS:
            text = value.get(key)
            if isinstance(text, str) and len(text.strip()) >= MIN_NAME_CHARS:
                known.setdefault(text, mask(text))
    # A company link's person (details.via, a chain step's holder).
    for kind_key, name_key in (("kind", "name"), ("holder_kind", "holder_name")):
        name = value.get(name_key)
        if value.get(kind_key) == "person" and isinstance(name, str):
            if len(name.strip()) >= MIN_NAME_CHARS:
                known.setdefault(name, mask_name(name))
    names = value.get("names")
    if isinstance(names, dict):
        for listed in names.values():
            for name in listed if isinstance(listed, list) else ():
                if isinstance(name, str) and len(name.strip()) >= MIN_NAME_CHARS:
                    known.setdefault(name, mask_name(name))
    for item in value.values():
        _collect(item, known)


class _Redactor:
    def __init__(self, known: dict[str, str]) -> None:
        self.known = known
        ordered = sorted(known, key=lambda v: (-len(v), v))
        self.known_re = re.compile("|".join(re.escape(v) for v in ordered)) if ordered else None

    def text(self, text: str) -> str:
        if self.known_re is not None:
            text = self.known_re.sub(lambda m: self.known[m.group(0)], text)
        return redact_text(text)

    def value(self, value: Any, key: str | None, technical: bool) -> Any:
        if isinstance(value, str):
            if key in KEEP_KEYS or (technical and key in VALUE_KEYS):
                return value
            return self.text(value)
        if isinstance(value, list):
            return [self.value(item, key, technical) for item in value]
        if isinstance(value, dict):
            field = value.get("field")
            # A dict naming a technical field (rsid, pdf_id_0, image_sha256,
            # machine_code, ...) keeps its value: it is evidence, not a person.
            is_technical = isinstance(field, str) and (
                field in TECHNICAL_FIELDS or field.startswith("xmp_")
            )
            return {k: self.value(v, k, is_technical) for k, v in value.items()}
        return value


def redact_report(report: dict[str, Any]) -> dict[str, Any]:
    """A copy of the report with personal data masked; marks itself redacted."""
    known: dict[str, str] = {}
    _collect(report, known)
    redacted = _Redactor(known).value(report, None, False)
    redacted["redacted"] = True
    return redacted
