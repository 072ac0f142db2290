"""Public shareholders (``fingerprints/public_holders.csv``): holders of a
great many companies, whose holdings link no two bidders."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from collusion.analysis.companies.model import clean_name

PUBLIC_HOLDERS_FILE = "public_holders.csv"
PUBLIC_HOLDERS_COLUMNS = ("match", "value", "reason", "source")
MATCHES = ("exact", "contains", "suffix")


@dataclass(frozen=True)
class PublicHolder:
    match: str
    value: str
    reason: str
    source: str

    def matches(self, name: str) -> bool:
        if self.match == "exact":
            return name == self.value
        if self.match == "suffix":
            return name.endswith(self.value)
        return self.value in name


def parse_public_holders(text: str) -> tuple[PublicHolder, ...]:
    """Parse public_holders.csv; raise ValueError naming the bad line."""
    reader = csv.DictReader(io.StringIO(text))
    if tuple(reader.fieldnames or ()) != PUBLIC_HOLDERS_COLUMNS:
        raise ValueError(
            f"{PUBLIC_HOLDERS_FILE}: header must be {','.join(PUBLIC_HOLDERS_COLUMNS)}"
        )
    rows = []
    for line_no, row in enumerate(reader, start=2):
        if row["match"] not in MATCHES or not row["value"] or not row["reason"]:
            raise ValueError(f"{PUBLIC_HOLDERS_FILE} line {line_no}: bad row {row}")
        if not row["source"]:
            raise ValueError(f"{PUBLIC_HOLDERS_FILE} line {line_no}: every row needs a source")
        rows.append(
            PublicHolder(row["match"], clean_name(row["value"]), row["reason"], row["source"])
        )
    return tuple(rows)


@lru_cache(maxsize=1)
def load_public_holders() -> tuple[PublicHolder, ...]:
    text = (
        resources.files("collusion.fingerprints")
        .joinpath(PUBLIC_HOLDERS_FILE)
        .read_text(encoding="utf-8")
    )
    return parse_public_holders(text)


def public_reason(name: str) -> str | None:
    """Why a holder of this name is a public shareholder, or None."""
    clean = clean_name(name)
    return next((h.reason for h in load_public_holders() if h.matches(clean)), None)
