"""Load the reviewed reference data shipped in ``fingerprints/``."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

KNOWN_COMMON_FILE = "known_common.csv"
KNOWN_COMMON_COLUMNS = ("field", "match", "value", "reason", "source")


@dataclass(frozen=True)
class KnownCommonRow:
    field: str  # a signature field, or "*" for every field
    match: str  # exact | prefix
    value: str  # compared with SignatureValue.normalized
    reason: str
    source: str


@dataclass(frozen=True)
class KnownCommon:
    rows: tuple[KnownCommonRow, ...]

    def reason_for(self, field: str, normalized: str) -> str | None:
        """Why a value is known to be common, or None when it is not."""
        for row in self.rows:
            if row.field not in (field, "*"):
                continue
            if row.match == "exact" and normalized == row.value:
                return row.reason
            if row.match == "prefix" and normalized.startswith(row.value):
                return row.reason
        return None


def _normalize_reference(field: str, value: str) -> str:
    """Reference values are written readably; compare them like extracted ones."""
    if field in {"mac", "machine_code"}:
        return "".join(ch for ch in value.lower() if ch.isalnum())
    if field in {"rsid_root", "rsid", "docid_w14", "docid_w15", "pdf_id_0", "pdf_id_1"}:
        return value.strip().upper()
    return " ".join(value.split()).casefold()


def parse_known_common(text: str) -> KnownCommon:
    """Parse known_common.csv text; raise ValueError naming the bad line."""
    reader = csv.DictReader(io.StringIO(text))
    if tuple(reader.fieldnames or ()) != KNOWN_COMMON_COLUMNS:
        raise ValueError(f"{KNOWN_COMMON_FILE}: header must be {','.join(KNOWN_COMMON_COLUMNS)}")
    rows = []
    for line_no, row in enumerate(reader, start=2):
        if row["match"] not in {"exact", "prefix"} or not row["value"] or not row["reason"]:
            raise ValueError(f"{KNOWN_COMMON_FILE} line {line_no}: bad row {row}")
        if not row["source"]:
            raise ValueError(f"{KNOWN_COMMON_FILE} line {line_no}: every row needs a source")
        rows.append(KnownCommonRow(row["field"], row["match"],
                                   _normalize_reference(row["field"], row["value"]),
                                   row["reason"], row["source"]))
    return KnownCommon(tuple(rows))


@lru_cache(maxsize=1)
def load_known_common() -> KnownCommon:
    text = resources.files("collusion.fingerprints").joinpath(KNOWN_COMMON_FILE).read_text(
        encoding="utf-8")
    return parse_known_common(text)
