"""Company facts and links in the history (issue 22): the rows a scan records,
and the queries later scans, ``collusion history seen`` and the ring search ask.

Tables (migration ``m009_company_facts_and_links``): ``company_facts`` (a
company's name, code, address, phone, e-mail, capital), ``company_relations``
(people and companies holding a share of, or a post in, a company) and
``company_links`` (one row per bidder pair of each ``company_link`` alert).
Every row names its source: a bid's file and page, or a registry file's line.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from itertools import combinations
from typing import Any

from collusion.analysis.companies.model import (
    BIDDER_PREFIX,
    Company,
    CompanyFacts,
    Fact,
    Relation,
    Source,
)
from collusion.store.connection import SQL_CHUNK

COMPANY_TABLES = ("company_facts", "company_relations", "company_links")
LINK_KIND = "company_link"

_SOURCE_COLUMNS = ("source", "file", "page", "line", "section", "paragraph", "excerpt")


def _source_row(source: Source) -> dict[str, Any]:
    return {
        "source": source.kind,
        "file": source.file,
        "page": source.page,
        "line": source.line,
        "section": source.section,
        "paragraph": source.paragraph,
        "excerpt": source.excerpt,
    }


def company_scan_rows(report: dict[str, Any], ctx: Any, project_id: str) -> dict[str, list[dict]]:
    """The company rows of one scan: its own facts (not those recalled from
    other projects) and one link row per bidder pair of each company_link alert."""
    known: CompanyFacts = getattr(ctx, "companies", None) or CompanyFacts()
    bidder_of = {c.key: c.bidder for c in known.companies}

    def row(item: Fact | Relation, **columns: Any) -> dict[str, Any]:
        return {
            "project_id": project_id,
            "company": item.company,
            "bidder_id": bidder_of.get(item.company),
            **columns,
            **_source_row(item.source),
        }

    facts = [
        row(f, field=f.field, value=f.value, normalized=f.normalized)
        for f in known.facts
        if f.source.project is None
    ]
    relations = [
        row(
            r,
            role=r.role,
            holder=r.holder,
            holder_kind=r.holder_kind,
            holder_name=r.holder_name,
            share=r.share,
        )
        for r in known.relations
        if r.source.project is None
    ]
    return {
        "company_facts": sorted(facts, key=_row_order),
        "company_relations": sorted(relations, key=_row_order),
        "company_links": _link_rows(report, project_id),
    }


def _row_order(row: dict) -> tuple:
    return tuple("" if v is None else str(v) for v in row.values())


def _link_rows(report: dict[str, Any], project_id: str) -> list[dict]:
    rows = []
    for alert in report.get("alerts", []):
        if alert.get("kind") != LINK_KIND:
            continue
        details = alert.get("details") or {}
        companies = details.get("companies") or {}
        via = details.get("via") or {}
        for a, b in combinations(sorted(alert.get("bidders", [])), 2):
            key_a = (companies.get(a) or {}).get("key") or BIDDER_PREFIX + a
            key_b = (companies.get(b) or {}).get("key") or BIDDER_PREFIX + b
            (first, bidder_first), (second, bidder_second) = sorted([(key_a, a), (key_b, b)])
            rows.append(
                {
                    "project_id": project_id,
                    "alert_id": alert["id"],
                    "link": details.get("link") or "",
                    "company_a": first,
                    "company_b": second,
                    "bidder_a": bidder_first,
                    "bidder_b": bidder_second,
                    "via": via.get("value"),
                    "via_name": via.get("name"),
                    "basis": alert.get("basis"),
                }
            )
    return rows


# ---------------------------------------------------------------------------
# Queries
# ---------------------------------------------------------------------------


def company_links(db: Any, companies: Iterable[str]) -> list[dict]:
    """The links stored between any two of ``companies`` (credit codes), in any project.

    For the ring search (issue 23): each row names the project and its alert,
    the link (``same_legal_representative``, ``control``, ...), the two
    companies (``company_a`` < ``company_b``), the bidders they were in that
    project, the person, company or contact linking them (``via``,
    ``via_name``) and the legal basis. Sorted by companies, project, alert.
    """
    wanted = sorted({str(c).strip().upper() for c in companies if c and str(c).strip()})
    if len(wanted) < 2:
        return []
    rows: list[dict] = []
    seen: set[tuple] = set()
    for start in range(0, len(wanted), SQL_CHUNK // 2):
        chunk = wanted[start : start + SQL_CHUNK // 2]
        marks = ", ".join("?" for _ in chunk)
        found = db.conn.execute(
            "SELECT project_id, alert_id, link, company_a, company_b, bidder_a, bidder_b, "
            "via, via_name, basis FROM company_links "
            f"WHERE company_a IN ({marks}) OR company_b IN ({marks})",
            (*chunk, *chunk),
        ).fetchall()
        names = (
            "project_id",
            "alert_id",
            "link",
            "company_a",
            "company_b",
            "bidder_a",
            "bidder_b",
            "via",
            "via_name",
            "basis",
        )
        members = set(wanted)
        for row in found:
            record = dict(zip(names, row, strict=True))
            key = tuple(row)
            if (
                record["company_a"] in members
                and record["company_b"] in members
                and key not in seen
            ):
                seen.add(key)
                rows.append(record)
    return sorted(
        rows, key=lambda r: (r["company_a"], r["company_b"], r["project_id"], r["alert_id"])
    )


# Columns every sighting row has, after the relation's or fact's own.
_SIGHTING_TAIL = ("source", "file", "page", "line", "section", "paragraph", "company_name")
_RELATION_SIGHTING = (
    "project_id",
    "project_name",
    "bidder",
    "credit_code",
    "role",
    "value",
    "normalized",
    "share",
    *_SIGHTING_TAIL,
)
_FACT_SIGHTING = (
    "project_id",
    "project_name",
    "bidder",
    "credit_code",
    "field",
    "value",
    "normalized",
    *_SIGHTING_TAIL,
)


def _named(alias: str) -> str:
    """SQL: the company's name in that project (its name fact, else its bidder's name)."""
    return (
        f"COALESCE((SELECT n.value FROM company_facts n WHERE n.project_id = {alias}.project_id "
        f"AND n.company = {alias}.company AND n.field = 'name' ORDER BY n.value LIMIT 1), "
        f"(SELECT b.name FROM bidders b WHERE b.project_id = {alias}.project_id "
        f"AND b.id = {alias}.bidder_id))"
    )


def company_sightings(db: Any, value: str) -> list[dict]:
    """Where a person (身份证号 or name) or a company (credit code or name) was
    seen: as a company (its facts and the people and companies tied to it), as
    a holder of a share or a post, or as a contact.

    Rows have the keys of ``signature_sightings`` (project_id, project_name,
    bidder, company, file, source, field, value, normalized) and
    ``credit_code``, ``page``, ``line``, ``section``, ``paragraph``, ``role``
    and ``share``; ``field`` is the role or the fact.
    """
    text = unicodedata.normalize("NFKC", value).strip()
    if not text:
        return []
    forms = sorted({text, text.upper(), "name:" + "".join(text.split())})
    marks = ", ".join("?" for _ in forms)
    tail = "source, file, page, line, section, paragraph"
    relation_rows = db.conn.execute(
        "SELECT r.project_id, p.name, r.bidder_id, r.company, r.role, r.holder_name, r.holder, "
        f"r.share, {', '.join('r.' + c for c in tail.split(', '))}, {_named('r')} "
        "FROM company_relations r LEFT JOIN projects p ON p.id = r.project_id "
        f"WHERE r.holder IN ({marks}) OR r.holder_name = ? OR r.company IN ({marks})",
        (*forms, text, *forms),
    ).fetchall()
    fact_rows = db.conn.execute(
        "SELECT f.project_id, p.name, f.bidder_id, f.company, f.field, f.value, f.normalized, "
        f"{', '.join('f.' + c for c in tail.split(', '))}, {_named('f')} "
        "FROM company_facts f LEFT JOIN projects p ON p.id = f.project_id "
        f"WHERE f.normalized IN ({marks}) OR f.value = ? OR f.company IN ({marks})",
        (*forms, text, *forms),
    ).fetchall()
    rows = []
    for row in relation_rows:
        record = dict(zip(_RELATION_SIGHTING, row, strict=True))
        rows.append({**record, "field": record["role"]})
    for row in fact_rows:
        record = dict(zip(_FACT_SIGHTING, row, strict=True))
        rows.append({**record, "role": None, "share": None})
    for record in rows:
        record["company"] = record.pop("company_name") or record["credit_code"]
        if str(record["credit_code"]).startswith(BIDDER_PREFIX):
            record["credit_code"] = None
    order = (
        "project_id",
        "bidder",
        "company",
        "field",
        "value",
        "file",
        "line",
        "page",
        "paragraph",
    )
    unique = {tuple(sorted((k, str(v)) for k, v in r.items())): r for r in rows}
    return sorted(
        unique.values(), key=lambda r: tuple("" if r[k] is None else str(r[k]) for k in order)
    )


def stored_companies(
    conn: Any, keys: Iterable[str], exclude_project: str
) -> tuple[list[Fact], list[Relation], list[Company]]:
    """The latest other project's facts and relations of each company in ``keys``.

    For each company, only the rows of the most recently scanned OTHER project
    that recorded it are returned (a company's shareholders or officers may
    have changed since older projects), each with its source marked as
    recalled from that project.
    """
    wanted = sorted({k for k in keys if k and not k.startswith(BIDDER_PREFIX)})
    facts: list[Fact] = []
    relations: list[Relation] = []
    companies: dict[str, Company] = {}
    for start in range(0, len(wanted), SQL_CHUNK):
        chunk = wanted[start : start + SQL_CHUNK]
        marks = ", ".join("?" for _ in chunk)
        latest = dict(
            conn.execute(
                "SELECT x.company, x.project_id FROM ("
                " SELECT company, project_id FROM company_facts"
                f" WHERE company IN ({marks}) AND project_id != ?"
                " UNION SELECT company, project_id FROM company_relations"
                f" WHERE company IN ({marks}) AND project_id != ?) x "
                "JOIN projects p ON p.id = x.project_id "
                "ORDER BY x.company, p.scanned_at, x.project_id",
                (*chunk, exclude_project, *chunk, exclude_project),
            ).fetchall()
        )  # the last row per company wins: its latest project
        if not latest:
            continue
        pairs = sorted(latest.items())
        where = " OR ".join("(company = ? AND project_id = ?)" for _ in pairs)
        params = [v for pair in pairs for v in pair]
        for company, field, value, normalized, project, *src in conn.execute(
            "SELECT company, field, value, normalized, project_id, "
            f"{', '.join(_SOURCE_COLUMNS)} FROM company_facts WHERE {where}",
            params,
        ).fetchall():
            facts.append(Fact(company, field, value, normalized, _source(src, project)))
            if field == "name":
                companies.setdefault(company, Company(company, company, value, None))
        for company, role, holder, kind, holder_name, share, project, *src in conn.execute(
            "SELECT company, role, holder, holder_kind, holder_name, share, project_id, "
            f"{', '.join(_SOURCE_COLUMNS)} FROM company_relations WHERE {where}",
            params,
        ).fetchall():
            relations.append(
                Relation(company, role, holder, kind, holder_name, share, _source(src, project))
            )
    order = lambda x: repr(x)  # noqa: E731  (dataclasses of plain values)
    return (
        sorted(facts, key=order),
        sorted(relations, key=order),
        sorted(companies.values(), key=lambda c: c.key),
    )


def _source(columns: list[Any], project: str) -> Source:
    kind, file, page, line, section, paragraph, excerpt = columns
    return Source(kind, file, page, line, excerpt, None, project, section, paragraph)


def company_value_count(conn: Any, field: str, normalized: str, exclude_project: str) -> int:
    """How many different companies OTHER projects tied to this value: as a
    contact (field address, phone, email) or, for ``holder``, as the person or
    company holding shares in them."""
    if field == "holder":
        row = conn.execute(
            "SELECT COUNT(DISTINCT company) FROM company_relations "
            "WHERE holder = ? AND role = 'shareholder' AND project_id != ? "
            "AND company NOT LIKE 'bidder:%'",
            (normalized, exclude_project),
        ).fetchone()
    else:
        row = conn.execute(
            "SELECT COUNT(DISTINCT company) FROM company_facts "
            "WHERE field = ? AND normalized = ? AND project_id != ? "
            "AND company NOT LIKE 'bidder:%'",
            (field, normalized, exclude_project),
        ).fetchone()
    return int(row[0])
