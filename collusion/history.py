"""What a scan may ask of earlier projects, and what it hands the history to keep.

Detectors see the history only through :class:`HistoryView` (``ctx.history``):
sightings of a signature value, stored sections near a MinHash, shingles
common across projects, content that failed before. ``collusion.store``
implements it over SQLite or PostgreSQL; detectors never import the store.

:class:`SectionPrint` and :class:`TextFingerprints` are what the text engine
computes once per scan (``ScanResult.fingerprints``) and the store writes
as they are.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

import numpy as np

if TYPE_CHECKING:
    from datasketch import LeanMinHash

    from collusion.analysis.companies.model import Company, Fact, Relation


@dataclass(frozen=True)
class SectionPrint:
    """What the history keeps of one section's text."""

    minhash: LeanMinHash | None  # None: too little non-boilerplate text
    shingles: int  # non-boilerplate shingles
    chars: int  # normalized characters
    # The MinHash's LSH band keys (collusion.analysis.minhash.band_keys), made with it
    # beside the text comparison; empty when not made (the store makes them).
    bands: tuple[int, ...] = ()


@dataclass(frozen=True)
class TextFingerprints:
    """A project's section fingerprints, as computed by the text engine.

    ``prints`` is keyed by (bidder, file, ordinal), bidder None for tender
    sections. ``common`` is the sorted uint32 array of the shingles the
    project treats as common (its tender's and most bidders'), which the
    history counts across projects to learn city-wide boilerplate.
    """

    prints: dict[tuple[str | None, str, int], SectionPrint]
    common: np.ndarray
    common_recipe: str  # how the shingle hashes of ``common`` were made
    minhash_recipe: str  # how the MinHashes of ``prints`` were made (collusion.analysis.minhash)


@dataclass(frozen=True)
class Sighting:
    """A signature value found in another project's bid."""

    project_id: str
    project_name: str | None
    bidder_id: str | None
    company: str | None
    file: str | None
    field: str
    value: str | None


@dataclass(frozen=True)
class SectionMatch:
    """A stored section whose MinHash is close to a query section's."""

    project_id: str
    project_name: str | None
    bidder_id: str | None  # None: the section is from that project's tender
    company: str | None
    file: str
    ordinal: int
    title: str | None
    first_page: int | None
    excerpt: str | None
    jaccard: float  # MinHash estimate
    containment: float  # estimated share of the query section found in this one


@dataclass(frozen=True)
class RingLead:
    """Two bidders of the project in one group the ring search found across tenders.

    A lead for the regulator (they bid together more often than chance),
    never proof of collusion.
    """

    bidders: tuple[str, str]  # bidder ids of this project
    companies: tuple[str, str]  # their company ids across tenders
    group: str  # the group's id in the last ring search (R001 ...)
    members: tuple[str, ...]  # every member's company id
    score: float
    log10_chance: float
    tenders: int  # tenders in which enough members bid together
    expected: float  # ... expected under the null
    computed_at: str | None


class CompanyHistory(Protocol):
    """What the company stage asks of earlier projects (``collusion.store.History``)."""

    def company_records(
        self, companies: Iterable[str], exclude_project: str
    ) -> tuple[list[Fact], list[Relation], list[Company]]:
        """The latest OTHER project's facts and relations of these companies."""
        ...

    def company_value_count(self, field: str, normalized: str, exclude_project: str) -> int:
        """How many companies OTHER projects tied to this contact (field address,
        phone, email) or, for field ``holder``, as a shareholder to this person or company."""
        ...


class HistoryView(CompanyHistory, Protocol):
    """Read access to earlier projects for one scan (``ctx.history``), the
    company facts included (``CompanyHistory``)."""

    def value_project_count(self, field: str, normalized: str, exclude_project: str) -> int:
        """How many OTHER projects carry this value (in bids or tenders)."""
        ...

    def value_in_tenders(self, field: str, normalized: str) -> bool:
        """Whether any stored tender carries this value."""
        ...

    def value_sightings(self, field: str, normalized: str, exclude_project: str) -> list[Sighting]:
        """The bids of OTHER projects that carry this value, sorted."""
        ...

    def value_company_count(self, field: str, normalized: str, exclude_project: str) -> int:
        """How many different companies carried this value in OTHER projects' bids."""
        ...

    def file_failure(self, sha256: str) -> str | None:
        """The error this exact content gave before, or None."""
        ...

    def text_shingles(
        self, shingles: Iterable[int], exclude_project: str | None = None
    ) -> set[int]:
        """The shingles common in the tenders or common text of several OTHER projects."""
        ...

    def ring_leads(
        self, project_id: str, bidders: Sequence[tuple[str, str | None, str | None]]
    ) -> list[RingLead]:
        """Pairs of these bidders (id, company name, credit code) in one group of the
        last ring search."""
        ...

    def similar_sections(
        self,
        section: SectionPrint,
        recipe: str,
        exclude_project: str,
        min_jaccard: float,
    ) -> list[SectionMatch]:
        """Stored sections of OTHER projects with estimated Jaccard >= min_jaccard."""
        ...
