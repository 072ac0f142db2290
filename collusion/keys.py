"""The keys by which values are compared: one recipe per purpose, all here.

Two bids "share" a value when their keys are equal, so every comparison of a
value goes through one of these functions; which one depends on what the
value is and what the key must survive:

=========================  ====================================================
``signature_key``          a document's metadata value (author, company,
                           template): spaces collapsed, case folded.
``code_key``               an e-bidding system code (MAC, machine code,
                           serial): separators and case dropped; IPs as written.
``hex_id_key``             a random document id (rsid, /ID, docId): upper case.
``reference_key``          a known-common value of ``fingerprints/``: the key
                           its field's values get, so the list matches them.
``width_folded``           running text searched for numbers and names, with
                           every offset kept (full-width ASCII to half-width).
``company_name_key``       a company name searched for in text (mixed
                           documents, declared bidders): width folded, no
                           spaces, ASCII brackets.
``stored_company_key``     a company name as the history stores it (NFKC, no
                           spaces, case folded); stored rows depend on it.
``fact_key``               the fact key of a written value, the same whichever
                           detector reports it (a digest, so it survives a
                           redacted report).
=========================  ====================================================

Running text compared by shingles is folded with offsets by
``collusion.analysis.normalize`` (NFKC, confusables, traditional to
simplified, invisible characters), which is a text stage, not a key.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

# Fields whose values are random ids in hexadecimal (case carries nothing).
HEX_ID_FIELDS = frozenset({"rsid_root", "rsid", "docid_w14", "docid_w15", "pdf_id_0", "pdf_id_1"})
# e-bidding codes kept as written but for case: addresses whose separators count.
ADDRESS_CODES = frozenset({"upload_ip", "download_ip", "decrypt_ip", "ip"})
# Hardware codes compared on their letters and digits alone.
HARDWARE_FIELDS = frozenset({"mac", "machine_code"})
# Values shorter than this (a name, a short code) are not merged across detectors.
MIN_FACT_KEY_CHARS = 6
FACT_KEY_DIGEST_CHARS = 16

_NOT_ALNUM_LOWER = re.compile(r"[^0-9a-z]+")
_WIDTH_TABLE = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)} | {0x3000: " "}
_WIDE_RE = re.compile("[\uff01-\uff5e\u3000]")
_SPACES = re.compile(r"\s+")
_NOT_WORD = re.compile(r"[\W_]+")


def signature_key(value: str) -> str:
    """A metadata value as compared: runs of whitespace one space, case folded."""
    return " ".join(value.split()).casefold()


def code_key(code: str, value: str) -> str:
    """An e-bidding system code as compared.

    MACs, machine codes and serials are written with varying separators and
    case (00-1A-2B..., 00:1a:2b...); IPs and accounts keep their digits.
    """
    text = value.strip().lower()
    if code in ADDRESS_CODES:
        return text
    return _NOT_ALNUM_LOWER.sub("", text) or text


def hex_id_key(value: str) -> str:
    """A random hexadecimal document id: braces and dashes dropped, upper case."""
    return value.strip().strip("{}").replace("-", "").upper()


def reference_key(field: str, value: str) -> str:
    """A reviewed known-common value keyed as extracted values of its field are."""
    if field in HARDWARE_FIELDS:
        return "".join(ch for ch in value.lower() if ch.isalnum())
    if field in HEX_ID_FIELDS:
        return value.strip().upper()
    return signature_key(value)


def width_folded(text: str) -> str:
    """Full-width ASCII and the ideographic space to half-width, keeping every offset.

    NFKC would do more but can change the length of the text, and offsets are
    needed for excerpts.
    """
    return text.translate(_WIDTH_TABLE) if _WIDE_RE.search(text) else text


def company_name_key(name: str) -> str:
    """A company name as searched for in text: width folded, spaces removed, ASCII brackets."""
    name = _SPACES.sub("", width_folded(name))
    return name.replace("（", "(").replace("）", ")")


def stored_company_key(name: str | None) -> str | None:
    """A company name as the history stores it: NFKC, no spaces, casefolded; None if unknown."""
    if not name:
        return None
    key = "".join(unicodedata.normalize("NFKC", name).split()).casefold()
    return key or None


def fact_key(value: str, kind: str = "") -> str:
    """The fact key of a written value, the same whichever detector reports it.

    The deposit account in signatures.csv and the same account written in
    both bids are one fact; a short value is kept apart by its ``kind``.
    """
    compact = _NOT_WORD.sub("", value).casefold()
    if len(compact) < MIN_FACT_KEY_CHARS:
        compact = f"{kind}:{compact}"
    # A digest, not the value: keys survive a redacted report unchanged.
    return f"value:{hashlib.sha256(compact.encode()).hexdigest()[:FACT_KEY_DIGEST_CHARS]}"
