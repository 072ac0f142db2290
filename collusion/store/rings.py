"""The ring search's data in the history: the archive read as arrays, and the groups found.

:func:`load_archive` reads every tender and bid in chunks (a server-side
cursor on PostgreSQL) into the compact arrays of
``collusion.analysis.rings.Archive``: some 20 bytes a bid, never a Python
row per bid kept. :func:`save_rings` replaces the stored groups, which scans
read back through :func:`ring_leads` (a pair of bidders in one group is a
lead, never proof).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import numpy as np

from collusion.analysis.rings import Archive, RingSettings, find_rings
from collusion.history import RingLead
from collusion.report.rings import rings_report
from collusion.store import pgdb
from collusion.store.companies import company_links
from collusion.store.connection import SQL_CHUNK, dialect, transaction, utc_now
from collusion.store.tenders import ScannedBid, company_ids

FETCH_ROWS = 50_000  # rows per chunk read from the history


def stream(db: Any, sql: str, params: Sequence[Any] = ()) -> Iterator[list[tuple]]:
    """The query's rows in chunks of FETCH_ROWS, never all at once."""
    if dialect(db) == "postgresql":
        yield from pgdb.stream(db.conn, sql, params, FETCH_ROWS)
        return
    cursor = db.conn.execute(sql, params)
    while rows := cursor.fetchmany(FETCH_ROWS):
        yield rows


def load_archive(db: Any) -> Archive:
    """Every tender and bid of the history as arrays (see the module docstring)."""
    ids: list[str] = []
    dates: list[str | None] = []
    regions: list[str | None] = []
    for rows in stream(db, "SELECT id, date, region FROM tenders"):
        for tender_id, date, region in rows:
            ids.append(tender_id)
            dates.append(date)
            regions.append(region)
    order = sorted(range(len(ids)), key=ids.__getitem__)
    ids = [ids[i] for i in order]
    dates = [dates[i] for i in order]
    regions = [regions[i] for i in order]
    number = {tender_id: n for n, tender_id in enumerate(ids)}
    # The name a company bid under in its latest tender (date, then tender id).
    rank = sorted(range(len(ids)), key=lambda n: (dates[n] or "", ids[n]))
    recency = np.empty(len(ids), dtype=np.int64)
    recency[rank] = np.arange(len(ids))
    company_number: dict[str, int] = {}
    latest: dict[int, tuple[int, str | None]] = {}
    tenders, companies, prices, winners = [], [], [], []
    for rows in stream(
        db, "SELECT tender_id, company_id, company_name, price, winner FROM tender_bids"
    ):
        t = np.fromiter((number[r[0]] for r in rows), dtype=np.int32, count=len(rows))
        c = np.empty(len(rows), dtype=np.int32)
        for i, (_, company_id, name, _, _) in enumerate(rows):
            n = company_number.setdefault(company_id, len(company_number))
            c[i] = n
            when = int(recency[t[i]])
            if n not in latest or latest[n][0] < when:
                latest[n] = (when, name)
        tenders.append(t)
        companies.append(c)
        prices.append(np.array([np.nan if r[3] is None else r[3] for r in rows], dtype=np.float64))
        winners.append(np.fromiter((bool(r[4]) for r in rows), dtype=bool, count=len(rows)))
    return _sorted_archive(
        ids, dates, regions, company_number, latest, tenders, companies, prices, winners
    )


def _sorted_archive(
    ids: list[str],
    dates: list[str | None],
    regions: list[str | None],
    company_number: dict[str, int],
    latest: dict[int, tuple[int, str | None]],
    tenders: list[np.ndarray],
    companies: list[np.ndarray],
    prices: list[np.ndarray],
    winners: list[np.ndarray],
) -> Archive:
    """Companies numbered in id order, bids sorted by tender then company."""
    names = sorted(company_number)
    renumber = np.empty(len(names), dtype=np.int32)
    for new, company_id in enumerate(names):
        renumber[company_number[company_id]] = new
    empty_int = [np.zeros(0, dtype=np.int32)]
    bid_tender = np.concatenate(tenders or empty_int)
    bid_company = renumber[np.concatenate(companies or empty_int)]
    order = np.lexsort((bid_company, bid_tender))
    return Archive(
        tender_ids=ids,
        tender_dates=dates,
        tender_regions=regions,
        companies=names,
        company_names=[latest[company_number[c]][1] for c in names],
        bid_tender=bid_tender[order],
        bid_company=bid_company[order],
        bid_price=np.concatenate(prices or [np.zeros(0)])[order],
        bid_winner=np.concatenate(winners or [np.zeros(0, dtype=bool)])[order],
    )


RINGS_LOCK = "collusion-rings"


@contextmanager
def exclusive_search(db: Any) -> Iterator[bool]:
    """On PostgreSQL, whether this session got the ring search's advisory lock (held
    for the block); on SQLite always True (the nightly file lock makes the run the only one)."""
    if dialect(db) != "postgresql":
        yield True
        return
    key = pgdb.lock_key(RINGS_LOCK)
    (got,) = db.conn.execute("SELECT pg_try_advisory_lock(?)", (key,)).fetchone()
    try:
        yield bool(got)
    finally:
        if got:
            db.conn.execute("SELECT pg_advisory_unlock(?)", (key,))


def search_rings(db: Any, settings: RingSettings | None = None) -> dict[str, Any]:
    """Find the rings of the history's tenders, store the groups, return the rings report.

    The links the history knows between members of a group (company facts,
    ``collusion.store.companies.company_links``) go into the group's ``links``.
    """
    result = find_rings(load_archive(db), settings)
    members = {result.archive.companies[i] for r in result.rings for i in r.measures.members}
    links: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for link in company_links(db, members):
        links.setdefault((link["company_a"], link["company_b"]), []).append(link)
    report = rings_report(result, settings, links)
    save_rings(db, report["groups"])
    return report


# --- the groups found --------------------------------------------------------------------------


def save_rings(db: Any, groups: Sequence[dict[str, Any]]) -> None:
    """Replace the stored groups with ``groups`` (the rings report's entries), in one transaction."""
    now = utc_now()
    with transaction(db):
        db.conn.execute("DELETE FROM ring_members")
        db.conn.execute("DELETE FROM ring_groups")
        db.conn.executemany(
            "INSERT INTO ring_groups "
            "(id, score, log10_chance, tenders, expected, members, computed_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    g["id"],
                    g["score"],
                    g["chance_log10"],
                    g["cobids"]["observed"],
                    g["cobids"]["expected"],
                    json.dumps(g["members"], ensure_ascii=False),
                    now,
                )
                for g in groups
            ],
        )
        db.conn.executemany(
            "INSERT INTO ring_members (group_id, company_id) VALUES (?, ?)",
            [(g["id"], member) for g in groups for member in g["members"]],
        )


def ring_leads(
    db: Any, project_id: str, bidders: Sequence[tuple[str, str | None, str | None]]
) -> list[RingLead]:
    """The stored groups holding two or more of a project's bidders, one lead per pair.

    ``bidders`` are (bidder id, company name, credit code); each is known
    across tenders as the history records it (``collusion.store.tenders.company_ids``).
    """
    scanned = [ScannedBid(b, name, None, False, code) for b, name, code in bidders]
    ids = company_ids(db.conn, project_id, scanned)
    by_company: dict[str, list[str]] = {}
    for bidder, company in ids.items():
        by_company.setdefault(company, []).append(bidder)
    wanted = sorted(by_company)
    rows = []
    for start in range(0, len(wanted), SQL_CHUNK):
        chunk = wanted[start : start + SQL_CHUNK]
        marks = ", ".join("?" for _ in chunk)
        rows += db.conn.execute(
            "SELECT m.group_id, m.company_id, g.score, g.log10_chance, g.tenders, g.expected, "
            "g.members, g.computed_at FROM ring_members m JOIN ring_groups g ON g.id = m.group_id "
            f"WHERE m.company_id IN ({marks})",
            chunk,
        ).fetchall()
    found: dict[str, list] = {}
    for group_id, company, *rest in rows:
        found.setdefault(group_id, [rest, []])[1].append(company)
    leads = []
    for group_id, ((score, chance, tenders, expected, members, at), present) in sorted(
        found.items()
    ):
        inside = sorted({b for c in present for b in by_company[c]})
        company_of = {b: c for c in present for b in by_company[c]}
        for i, a in enumerate(inside):
            for b in inside[i + 1 :]:
                if company_of[a] == company_of[b]:
                    continue
                leads.append(
                    RingLead(
                        bidders=(a, b),
                        companies=(company_of[a], company_of[b]),
                        group=group_id,
                        members=tuple(json.loads(members)),
                        score=float(score),
                        log10_chance=float(chance),
                        tenders=int(tenders),
                        expected=float(expected),
                        computed_at=at,
                    )
                )
    return leads
