"""Tenders as data: a scanned project's bids beside the imported archive, and
who a scanned bidder is across tenders.

A scanned bidder is known by a folder name (``bids/b01``) that means nothing in
another tender. It takes, in order: its 统一社会信用代码 when the scan read one
(from the bid or companies.csv), the id the imported archive gives its
company name (when exactly one id carries that name), else its name
(``collusion.keys.stored_company_key``), else ``<project>/<bidder>`` (a bidder
with no name, which meets nobody elsewhere). An archive imported later
renames the scanned bidders whose name it knows (:func:`remap_scanned_companies`).

An imported tender is the center's own record of who bid and who won: a scan
of a project with the same id leaves its rows as the archive has them.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from collusion.keys import stored_company_key
from collusion.store.connection import SQL_CHUNK

SOURCE_IMPORT = "import"
SOURCE_SCAN = "scan"


@dataclass(frozen=True)
class ScannedBid:
    """One bidder of a scanned project, as the tender rows keep it."""

    bidder_id: str
    name: str | None
    price: float | None
    winner: bool
    credit_code: str | None = None  # from the bid or companies.csv (collusion.analysis.companies)


def record_scanned_tender(
    conn: Any,
    project_id: str,
    date: str | None,
    control_price: float | None,
    bids: Sequence[ScannedBid],
) -> bool:
    """Write a scanned project's tender and bids (inside the caller's transaction).

    Returns False, writing nothing, when the archive holds this tender.
    """
    row = conn.execute("SELECT source FROM tenders WHERE id = ?", (project_id,)).fetchone()
    if row is not None and row[0] == SOURCE_IMPORT:
        return False
    ids = company_ids(conn, project_id, bids)
    conn.execute("DELETE FROM tender_bids WHERE tender_id = ?", (project_id,))
    conn.execute(
        "INSERT INTO tenders (id, date, region, control_price, source, bidder_count) "
        "VALUES (?, ?, NULL, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET date = excluded.date, "
        "region = excluded.region, control_price = excluded.control_price, "
        "source = excluded.source, bidder_count = excluded.bidder_count",
        (project_id, date, control_price, SOURCE_SCAN, len(bids)),
    )
    conn.executemany(
        "INSERT INTO tender_bids (tender_id, company_id, company_name, price, winner) "
        "VALUES (?, ?, ?, ?, ?)",
        sorted(
            {
                ids[b.bidder_id]: (project_id, ids[b.bidder_id], b.name, b.price, int(b.winner))
                for b in bids
            }.values()
        ),
    )
    return True


def company_ids(conn: Any, project_id: str, bids: Iterable[ScannedBid]) -> dict[str, str]:
    """Bidder id -> the company id it bids under across tenders (see the module docstring)."""
    bids = list(bids)
    known = archive_ids(conn, [b.name for b in bids if b.name])
    out = {}
    for bid in bids:
        key = stored_company_key(bid.name)
        if bid.credit_code:
            out[bid.bidder_id] = bid.credit_code.strip().upper()
        else:
            out[bid.bidder_id] = (known.get(key) or key) if key else f"{project_id}/{bid.bidder_id}"
    return out


def archive_ids(conn: Any, names: Iterable[str]) -> dict[str, str]:
    """Company key -> the one id the imported archive gives that name (ambiguous names left out)."""
    wanted = {stored_company_key(n): n for n in names if stored_company_key(n)}
    forms = sorted({f for n in wanted.values() for f in _spellings(n)})
    seen: dict[str, set[str]] = {}
    for start in range(0, len(forms), SQL_CHUNK):
        chunk = forms[start : start + SQL_CHUNK]
        marks = ", ".join("?" for _ in chunk)
        rows = conn.execute(
            "SELECT DISTINCT b.company_name, b.company_id FROM tender_bids b "
            "JOIN tenders t ON t.id = b.tender_id "
            f"WHERE b.company_name IN ({marks}) AND t.source = ?",
            (*chunk, SOURCE_IMPORT),
        ).fetchall()
        for name, company_id in rows:
            key = stored_company_key(name)
            if key is not None and key in wanted:
                seen.setdefault(key, set()).add(company_id)
    return {key: next(iter(ids)) for key, ids in seen.items() if len(ids) == 1}


def _spellings(name: str) -> set[str]:
    """The name as written and without spaces after NFKC (how archives usually differ)."""
    folded = "".join(unicodedata.normalize("NFKC", name).split())
    return {name, name.strip(), folded}


def remap_scanned_companies(conn: Any) -> int:
    """Give scanned bidders known by their name the id the archive now gives that name.

    Returns how many bids changed id. A tender already holding the archive's
    id for another of its bidders keeps the name (one company, one bid).
    """
    rows = conn.execute(
        "SELECT b.tender_id, b.company_id, b.company_name FROM tender_bids b "
        "JOIN tenders t ON t.id = b.tender_id WHERE t.source = ? AND b.company_name IS NOT NULL",
        (SOURCE_SCAN,),
    ).fetchall()
    by_name = [(t, c, n) for t, c, n in rows if c == stored_company_key(n)]
    known = archive_ids(conn, sorted({n for _, _, n in by_name}))
    held = {(t, c) for t, c, _ in rows}
    changes = []
    for tender_id, company_id, name in by_name:
        new = known.get(stored_company_key(name) or "")
        if new and new != company_id and (tender_id, new) not in held:
            changes.append((new, tender_id, company_id))
            held.add((tender_id, new))
    conn.executemany(
        "UPDATE tender_bids SET company_id = ? WHERE tender_id = ? AND company_id = ?", changes
    )
    return len(changes)
