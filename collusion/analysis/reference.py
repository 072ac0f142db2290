"""Load the reviewed reference data shipped in ``fingerprints/``."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from collusion.keys import reference_key

KNOWN_COMMON_FILE = "known_common.csv"
KNOWN_COMMON_COLUMNS = ("field", "match", "value", "reason", "source")
# The signature fields that record one person's or one account's name: a row
# of known_common.csv whose field is ACCOUNT applies to each of them.
ACCOUNT = "account"
ACCOUNT_FIELDS = frozenset({"author", "last_modified_by", "comment_author", "revision_author"})


@dataclass(frozen=True)
class KnownCommonRow:
    field: str  # a signature field, "account" for every ACCOUNT_FIELDS, or "*" for every field
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
            if row.field not in (field, "*") and not (
                row.field == ACCOUNT and field in ACCOUNT_FIELDS
            ):
                continue
            if row.match == "exact" and normalized == row.value:
                return row.reason
            if row.match == "prefix" and normalized.startswith(row.value):
                return row.reason
        return None


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
        rows.append(
            KnownCommonRow(
                row["field"],
                row["match"],
                reference_key(row["field"], row["value"]),
                row["reason"],
                row["source"],
            )
        )
    return KnownCommon(tuple(rows))


@lru_cache(maxsize=1)
def load_known_common() -> KnownCommon:
    text = (
        resources.files("collusion.fingerprints")
        .joinpath(KNOWN_COMMON_FILE)
        .read_text(encoding="utf-8")
    )
    return parse_known_common(text)


COMMON_MISSPELLINGS_FILE = "common_misspellings.csv"
COMMON_MISSPELLINGS_COLUMNS = ("misspelt", "correct", "reason", "source")


@dataclass(frozen=True)
class CommonMisspelling:
    """A misspelling a large share of the trade writes: never a shared slip."""

    misspelt: str
    correct: str
    reason: str
    source: str


def parse_common_misspellings(text: str) -> tuple[CommonMisspelling, ...]:
    """Parse common_misspellings.csv text; raise ValueError naming the bad line."""
    reader = csv.DictReader(io.StringIO(text))
    if tuple(reader.fieldnames or ()) != COMMON_MISSPELLINGS_COLUMNS:
        raise ValueError(
            f"{COMMON_MISSPELLINGS_FILE}: header must be {','.join(COMMON_MISSPELLINGS_COLUMNS)}"
        )
    rows = []
    for line_no, row in enumerate(reader, start=2):
        misspelt, correct = row["misspelt"] or "", row["correct"] or ""
        differing = [(x, y) for x, y in zip(misspelt, correct, strict=False) if x != y]
        if len(misspelt) != len(correct) or len(differing) != 1:
            raise ValueError(
                f"{COMMON_MISSPELLINGS_FILE} line {line_no}: the two words must "
                f"differ in exactly one character: {row}"
            )
        if not row["reason"] or not row["source"]:
            raise ValueError(f"{COMMON_MISSPELLINGS_FILE} line {line_no}: reason and source needed")
        rows.append(CommonMisspelling(misspelt, correct, row["reason"], row["source"]))
    return tuple(rows)


@lru_cache(maxsize=1)
def load_common_misspellings() -> tuple[CommonMisspelling, ...]:
    text = (
        resources.files("collusion.fingerprints")
        .joinpath(COMMON_MISSPELLINGS_FILE)
        .read_text(encoding="utf-8")
    )
    return parse_common_misspellings(text)


def is_common_misspelling(text: str, position: int, typo: str, usual: str) -> bool:
    """Whether the character ``typo`` at ``text[position]``, where others write
    ``usual``, is one side of a listed common misspelling: the misspelling
    itself (模版 where others write 模板), or the correct word where much of the
    project writes the misspelling (模板 where others write 模版: the minority
    there is the bidders who spell it right, which is no shared slip either)."""
    for row in load_common_misspellings():
        offset = next(
            i for i, (x, y) in enumerate(zip(row.misspelt, row.correct, strict=True)) if x != y
        )
        for written, other in ((row.misspelt, row.correct), (row.correct, row.misspelt)):
            if written[offset] != typo or other[offset] != usual:
                continue
            start = position - offset
            if start >= 0 and text[start : start + len(written)] == written:
                return True
    return False
