"""Queries on the history, and :class:`History`, the store's implementation
of the history protocol detectors ask (``ctx.history``). See :mod:`collusion.store`.
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from sqlite_utils import Database

from collusion.analysis import minhash
from collusion.history import (
    RingLead,
    SectionMatch,
    SectionPrint,
    Sighting,
)
from collusion.keys import stored_company_key
from collusion.store.companies import company_value_count, stored_companies
from collusion.store.connection import (
    SQL_CHUNK,
    TEXT_COMMON_PROJECTS,
)
from collusion.store.recording import (
    unpack_hashes,
)

if TYPE_CHECKING:  # datasketch (and SciPy) load on first use: collusion.analysis.minhash
    from datasketch import LeanMinHash

    from collusion.analysis.companies.model import Company, Fact, Relation

# ---------------------------------------------------------------------------
# Queries
# ---------------------------------------------------------------------------


def has_project(db: Database, project_id: str) -> bool:
    """Whether the history holds a scan of this project."""
    rows = db.query("SELECT 1 AS known FROM projects WHERE id = ?", [project_id])
    return next(iter(rows), None) is not None


def project_alerts(db: Database, project_id: str) -> list[dict]:
    """A project's stored alerts, in report order, JSON columns decoded."""
    rows = db.query(
        "SELECT id, kind, severity, score, bidders, basis, summary, details, evidence "
        "FROM alerts WHERE project_id = ? ORDER BY id",
        [project_id],
    )
    return [_decode(row, ("bidders", "details", "evidence")) for row in rows]


def signature_sightings(db: Database, value: str, field: str | None = None) -> list[dict]:
    """Where a signature value was seen: project, bidder, company, file, field.

    Matches the raw or the normalized value in the usual spellings (case,
    separators of MACs and serials), so a value copied from a report or
    typed by hand finds it. Tender rows have bidder None: a value in a
    tender is the tenderer's, not a bidder's.
    """
    forms = sorted(_spellings(value))
    marks = ", ".join("?" for _ in forms)
    sql = (
        "SELECT s.project_id, p.name AS project_name, s.bidder_id AS bidder, "
        "b.name AS company, s.file, s.source, s.field, s.value, s.normalized "
        "FROM signature_values s "
        "LEFT JOIN projects p ON p.id = s.project_id "
        "LEFT JOIN bidders b ON b.project_id = s.project_id AND b.id = s.bidder_id "
        f"WHERE (s.normalized IN ({marks}) OR s.value IN ({marks}))"
    )
    params: list[Any] = [*forms, *forms]
    if field:
        sql += " AND s.field = ?"
        params.append(field)
    sql += " ORDER BY s.project_id, s.bidder_id IS NULL, s.bidder_id, s.file, s.field"
    return list(db.query(sql, params))


def _spellings(value: str) -> set[str]:
    """The value as typed, trimmed, in both cases, and without separators."""
    trimmed = unicodedata.normalize("NFKC", value).strip()
    bare = "".join(ch for ch in trimmed if ch not in " -:._")
    return {
        value,
        *(form for text in (trimmed, bare) if text for form in (text, text.upper(), text.lower())),
    }


def _decode(row: dict, json_columns: Iterable[str]) -> dict:
    for column in json_columns:
        if row.get(column) is not None:
            row[column] = json.loads(row[column])
    return row


# ---------------------------------------------------------------------------
# History: what detectors ask of earlier projects
# ---------------------------------------------------------------------------


class History:
    """Read access to earlier projects for one scan (``ctx.history``): the
    store's :class:`collusion.history.HistoryView`.

    Every lookup is an indexed query, so one History can serve a whole
    nightly run and always sees the projects committed so far: signature
    values by (field, normalized), sections by their LSH band keys
    (``section_bands``), candidates then confirmed on the MinHash estimate.
    """

    def __init__(self, db: Database) -> None:
        self.db = db
        # Loaded candidate sections by id. Ids are never reused for other
        # content within a run, so entries never go stale.
        self._sections: dict[int, tuple[dict, LeanMinHash]] = {}

    # --- signature values ---

    def value_project_count(self, field: str, normalized: str, exclude_project: str) -> int:
        """How many OTHER projects carry this value (in bids or tenders)."""
        row = self.db.conn.execute(
            "SELECT COUNT(DISTINCT project_id) FROM signature_values "
            "WHERE field = ? AND normalized = ? AND project_id != ?",
            (field, normalized, exclude_project),
        ).fetchone()
        return int(row[0])

    def value_in_tenders(self, field: str, normalized: str) -> bool:
        """Whether any stored tender carries this value (then it is the tenderer's)."""
        row = self.db.conn.execute(
            "SELECT 1 FROM signature_values WHERE field = ? AND normalized = ? "
            "AND bidder_id IS NULL LIMIT 1",
            (field, normalized),
        ).fetchone()
        return row is not None

    def value_sightings(self, field: str, normalized: str, exclude_project: str) -> list[Sighting]:
        """The bids of OTHER projects that carry this value, sorted."""
        rows = self.db.conn.execute(
            "SELECT DISTINCT s.project_id, p.name, s.bidder_id, b.name, s.file, s.field, "
            "s.value FROM signature_values s "
            "LEFT JOIN projects p ON p.id = s.project_id "
            "LEFT JOIN bidders b ON b.project_id = s.project_id AND b.id = s.bidder_id "
            "WHERE s.field = ? AND s.normalized = ? AND s.project_id != ? "
            "AND s.bidder_id IS NOT NULL "
            "ORDER BY s.project_id, s.bidder_id, s.file",
            (field, normalized, exclude_project),
        ).fetchall()
        return [Sighting(*row) for row in rows]

    def value_company_count(self, field: str, normalized: str, exclude_project: str) -> int:
        """How many different companies carried this value in OTHER projects' bids.

        The better test of "everybody carries it" than a count of projects: a
        ring of three companies reusing one machine in ten tenders is still
        three companies; a hall computer is used by dozens. Bids with no
        company name count one each.
        """
        keys = {
            stored_company_key(s.company) or f"{s.project_id}/{s.bidder_id}"
            for s in self.value_sightings(field, normalized, exclude_project)
        }
        return len(keys)

    # --- companies ---

    def company_records(
        self, companies: Iterable[str], exclude_project: str
    ) -> tuple[list[Fact], list[Relation], list[Company]]:
        """The latest OTHER project's facts and relations of these companies."""
        return stored_companies(self.db.conn, companies, exclude_project)

    def company_value_count(self, field: str, normalized: str, exclude_project: str) -> int:
        """How many companies OTHER projects tied to this contact or holder."""
        return company_value_count(self.db.conn, field, normalized, exclude_project)

    # --- rings across tenders ---

    def ring_leads(
        self, project_id: str, bidders: Sequence[tuple[str, str | None, str | None]]
    ) -> list[RingLead]:
        """Pairs of these bidders (id, company name, credit code) in one group of the
        last ring search."""
        from collusion.store.rings import ring_leads

        return ring_leads(self.db, project_id, bidders)

    # --- files ---

    def file_failure(self, sha256: str) -> str | None:
        """The error this exact content gave before, or None.

        For the extraction stage: content that failed once fails again, so
        it need not be opened until it changes (a new hash).
        """
        row = self.db.conn.execute(
            "SELECT error FROM file_failures WHERE sha256 = ?", (sha256,)
        ).fetchone()
        return (row[0] or "unreadable") if row else None

    # --- text ---

    def text_shingles(
        self, shingles: Iterable[int], exclude_project: str | None = None
    ) -> set[int]:
        """The shingles in the tender or common text of TEXT_COMMON_PROJECTS other projects.

        The history hook of ``collusion.analysis.text`` (``ctx.history.text_shingles``).
        ``exclude_project`` is the project being scanned: its own earlier
        record is left out of the counts. Without it that record may be among
        them, so one more project is required.
        """
        wanted = sorted({int(h) for h in shingles})
        own = self._own_shingles(exclude_project)
        frequent = set()
        for start in range(0, len(wanted), SQL_CHUNK):
            chunk = wanted[start : start + SQL_CHUNK]
            marks = ", ".join("?" for _ in chunk)
            rows = self.db.conn.execute(
                f"SELECT hash, projects FROM shingle_projects WHERE hash IN ({marks}) "
                "AND projects >= ?",
                (*chunk, TEXT_COMMON_PROJECTS),
            )
            for shingle, projects in rows:
                mine = 1 if own is None or shingle in own else 0
                if projects - mine >= TEXT_COMMON_PROJECTS:
                    frequent.add(shingle)
        return frequent

    def _own_shingles(self, project_id: str | None) -> set[int] | None:
        """A project's recorded common text; None when no project is named."""
        if project_id is None:
            return None
        row = self.db.conn.execute(
            "SELECT shingles FROM project_shingles WHERE project_id = ?",
            (project_id,),
        ).fetchone()
        return set(unpack_hashes(row[0]).tolist()) if row else set()

    # --- sections ---

    def similar_sections(
        self, section: SectionPrint, recipe: str, exclude_project: str, min_jaccard: float
    ) -> list[SectionMatch]:
        """Stored sections of OTHER projects with estimated Jaccard >= min_jaccard.

        Only MinHashes made by the same ``recipe`` are compared; a section
        without a MinHash matches nothing.
        """
        mh = section.minhash
        if mh is None:
            return []
        matches = []
        for section_id in self._candidates(mh, recipe, exclude_project):
            meta, other = self._sections[section_id]
            jaccard = mh.jaccard(other)
            if jaccard < min_jaccard:
                continue
            containment = minhash.containment(jaccard, section.shingles, meta["shingles"])
            matches.append(
                SectionMatch(
                    project_id=meta["project_id"],
                    project_name=meta["project_name"],
                    bidder_id=meta["bidder_id"],
                    company=meta["company"],
                    file=meta["file"],
                    ordinal=meta["ordinal"],
                    title=meta["title"],
                    first_page=meta["first_page"],
                    excerpt=meta["excerpt"],
                    jaccard=round(jaccard, 4),
                    containment=round(containment, 4),
                )
            )
        return matches

    def _candidates(self, mh: LeanMinHash, recipe: str, exclude_project: str) -> list[int]:
        """Ids of sections sharing at least one band, loaded into the cache, sorted.

        One indexed query on the band keys; full buckets (``common_bands``)
        are skipped, so no lookup reads more than BAND_BUCKET_CAP rows a band.
        """
        ids = candidate_ids(self.db.conn, minhash.band_keys(mh, recipe), exclude_project)
        self._load([i for i in ids if i not in self._sections], recipe)
        return [i for i in ids if i in self._sections]

    def _load(self, ids: list[int], recipe: str) -> None:
        if not ids:
            return
        marks = ", ".join("?" for _ in ids)
        rows = self.db.conn.execute(
            "SELECT s.id, s.project_id, p.name, s.bidder_id, b.name, s.file, s.ordinal, "
            "s.title, s.first_page, s.excerpt, s.shingles, s.minhash "
            "FROM sections s LEFT JOIN projects p ON p.id = s.project_id "
            "LEFT JOIN bidders b ON b.project_id = s.project_id AND b.id = s.bidder_id "
            f"WHERE s.id IN ({marks}) AND s.minhash_recipe = ?",
            (*ids, recipe),
        ).fetchall()
        names = (
            "project_id",
            "project_name",
            "bidder_id",
            "company",
            "file",
            "ordinal",
            "title",
            "first_page",
            "excerpt",
            "shingles",
        )
        for section_id, *values, blob in rows:
            meta = dict(zip(names, values, strict=True))
            self._sections[section_id] = (meta, minhash.from_bytes(blob))


def candidate_ids(conn: Any, keys: list[int], exclude_project: str) -> list[int]:
    """Sections of other projects sharing a band key, full buckets left out, sorted."""
    marks = ", ".join("?" for _ in keys)
    rows = conn.execute(
        f"SELECT DISTINCT b.section_id FROM section_bands b WHERE b.key IN ({marks}) "
        "AND b.project_id != ? "
        f"AND b.key NOT IN (SELECT c.key FROM common_bands c WHERE c.key IN ({marks})) "
        "ORDER BY b.section_id",
        (*keys, exclude_project, *keys),
    ).fetchall()
    return [int(r[0]) for r in rows]
