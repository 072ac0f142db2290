"""Plain data passed between the stages of a scan.

Every stage takes and returns these frozen dataclasses, so that each stage
can be tested on its own and nothing is shared by mutation.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collusion.analysis.companies.model import CompanyFacts
    from collusion.analysis.reference import KnownCommon
    from collusion.analysis.text import PreparedText
    from collusion.history import HistoryView, TextFingerprints
    from collusion.settings import Settings


@dataclass(frozen=True)
class Block:
    """One paragraph, heading, table row or PDF text block of a document.

    ``page`` is 1-based for PDF. For DOCX it is the page counted from the
    page breaks Word recorded in the file (``w:lastRenderedPageBreak`` and
    explicit breaks), or None when the file records none. ``index`` is the
    block's position in its file (the DOCX paragraph index), a locator that
    is stable whatever renders the file.
    """

    text: str
    page: int | None
    index: int
    heading_level: int | None = None  # 1 = chapter; None = body text
    kind: str = "para"  # para | heading | table | header | footer | toc
    cells: tuple[str, ...] | None = None  # the cells, when the block is a table row
    story: str = "body"


@dataclass(frozen=True)
class Thumbnail:
    """An embedded image's decoded pixels as 8-bit grey, scaled down to at
    most ``collusion.extract.images.THUMB_MAX_PIXELS``: what near-identical
    copies (re-encoded, re-scaled) are compared on."""

    width: int
    height: int
    grey: bytes  # zlib-compressed, width * height samples row by row


@dataclass(frozen=True)
class SignatureValue:
    """One signature code (特征码) read from a file or from signatures.csv."""

    source: str  # pdf | docx | csv
    field: str  # e.g. rsid_root, pdf_id_0, author, machine_code
    value: str  # as found, for the regulator
    normalized: str  # what is compared
    file: str | None = None  # project-relative path; None for csv rows
    bidder: str | None = None
    # An embedded image's pixels (field ``image``); never stored or shown.
    thumbnail: Thumbnail | None = dataclasses.field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class ExtractedFile:
    """Everything read from one file, or why it could not be read."""

    path: str  # relative to the project folder, with forward slashes
    sha256: str
    format: str  # pdf | docx | unknown
    pages: int | None
    chars: int
    status: str  # ok | no_text | error | refused
    error: str | None
    blocks: tuple[Block, ...] = ()
    signatures: tuple[SignatureValue, ...] = ()
    fonts: tuple[str, ...] = ()
    ocr_pages: tuple[tuple[int, float], ...] = ()  # (page, mean confidence) read by OCR


@dataclass(frozen=True)
class Section:
    """A span of consecutive blocks under one heading, the unit compared."""

    bidder: str
    file: str
    title: str
    ordinal: int  # position of the section in its file
    blocks: tuple[Block, ...]

    @property
    def text(self) -> str:
        return "\n".join(b.text for b in self.blocks)

    @property
    def first_page(self) -> int | None:
        return next((b.page for b in self.blocks if b.page is not None), None)


@dataclass(frozen=True)
class Bidder:
    id: str
    name: str | None
    price: float | None
    files: tuple[ExtractedFile, ...] = ()


@dataclass(frozen=True)
class InputFile:
    """A small input file of the project folder as read: its name as shown, its bytes."""

    name: str
    data: bytes


@dataclass(frozen=True)
class ProjectInput:
    """A project folder as read from disk, before any analysis."""

    root: str
    id: str
    name: str | None
    industry: str | None
    bidder_meta: dict[str, dict[str, Any]]
    bidder_files: dict[str, tuple[str, ...]]  # bidder id -> relative paths
    tender_files: tuple[str, ...]
    csv_signatures: tuple[SignatureValue, ...]
    errors: tuple[dict[str, Any], ...]  # problems found while loading
    # project.json's winner (a bidder id) and date (YYYY-MM-DD, bids opened):
    # the history's tender rows (collusion history rings).
    winner: str | None = None
    date: str | None = None
    # companies.csv and company_relations.csv as read, not yet parsed (None: none)
    companies_csv: InputFile | None = None
    relations_csv: InputFile | None = None

    # project.json's control_price (招标控制价, the published cap) and
    # floor_price (最低投标限价), in yuan; None when not given.
    control_price: float | None = None
    floor_price: float | None = None

    def bidder_name(self, bidder_id: str) -> str | None:
        """The bidder's company name as project.json gives it, or None.

        The one recipe for a bidder's own name: the bidders of the report, the
        names masked before text comparison and the mixed-documents search
        all take it from here.
        """
        value = (self.bidder_meta.get(bidder_id) or {}).get("name")
        return (str(value).strip() or None) if value is not None else None

    def own_names(self) -> dict[str, list[str]]:
        """Each bidder's own names, masked in its text before comparison."""
        return {
            bidder: [name] if (name := self.bidder_name(bidder)) else []
            for bidder in sorted(self.bidder_files)
        }


@dataclass(frozen=True)
class Evidence:
    bidder: str
    file: str | None
    page: int | None = None
    section: str | None = None
    excerpt: str | None = None
    field: str | None = None
    value: str | None = None
    paragraph: int | None = None  # DOCX paragraph index / block index
    start: int | None = None  # character offsets in the section text
    end: int | None = None
    passage: int | None = None  # links the two sides of one aligned passage
    story: str | None = None  # where in the file: body, textbox, header, footnote, ...
    ocr_confidence: float | None = None  # the page was read by OCR, with this mean confidence
    # A passage located paragraph by paragraph: it starts at character
    # `char_start` of paragraph `paragraph` and ends before character
    # `char_end` of paragraph `paragraph_end` (block indexes as `paragraph`,
    # 0-based; offsets 0-based in that paragraph's text).
    char_start: int | None = None
    paragraph_end: int | None = None
    char_end: int | None = None
    line: int | None = None  # 1-based line of a CSV input (companies.csv, company_relations.csv)
    project: str | None = None  # the evidence is another project's, recalled from the history

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "bidder": self.bidder,
            "file": self.file,
            "page": self.page,
            "section": self.section,
            "excerpt": self.excerpt,
        }
        for key in (
            "field",
            "value",
            "paragraph",
            "start",
            "end",
            "passage",
            "story",
            "char_start",
            "paragraph_end",
            "char_end",
            "line",
            "project",
        ):
            value = getattr(self, key)
            if value is not None:
                data[key] = value
        # Counted from 1 as a reader counts paragraphs; ``paragraph`` keeps
        # its 0-based meaning for tools that read it (schema 1.0).
        if self.paragraph is not None:
            data["paragraph_number"] = self.paragraph + 1
        if self.paragraph_end is not None:
            data["paragraph_end_number"] = self.paragraph_end + 1
        if self.ocr_confidence is not None:
            data["read_by"] = "ocr"
            data["ocr_confidence"] = self.ocr_confidence
        return data


@dataclass(frozen=True)
class Weight:
    """How much one fact weighs in a pair's score (see collusion/scoring.py).

    ``log10_lr`` is the base-10 logarithm of the fact's likelihood ratio: how
    many times likelier the fact is between colluding bidders than between
    honest ones (2.0 = a hundred times). ``inputs`` holds the numbers it was
    computed from, so that a regulator can redo the arithmetic; ``weak`` facts
    (a CPU model's id, a document title, an upload IP, a generic field) add up
    only to a capped total.
    """

    log10_lr: float
    method: str  # rarity | text | chance | fixed
    inputs: dict[str, Any] = field(default_factory=dict)
    weak: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "log10_lr": round(self.log10_lr, 4),
            "method": self.method,
            "weak": self.weak,
            **self.inputs,
        }


@dataclass(frozen=True)
class Alert:
    """A detector's finding about two or more bidders.

    ``key`` names the underlying fact (one document lineage, one file, one
    value, one passage): alerts with the same key are one fact and count once.
    ``id`` is given when the scan numbers its alerts (``report.number_alerts``);
    alerts stay typed objects through scoring and become dicts only when the
    report is written.
    """

    kind: str
    severity: str  # high | medium | low
    score: float
    bidders: tuple[str, ...]
    basis: str
    summary: str
    details: dict[str, Any] = field(default_factory=dict)
    evidence: tuple[Evidence, ...] = ()
    key: str = ""
    weight: Weight | None = None
    # (file, paragraph) of every block the fact spans, where known: lets a
    # fact reported by a stronger detector be recognised in another's alert.
    covers: frozenset[tuple[str, int]] = frozenset()
    id: str | None = None

    def sort_key(self) -> tuple[Any, ...]:
        order = {"high": 0, "medium": 1, "low": 2}
        return (
            order.get(self.severity, 3),
            -self.score,
            self.kind,
            self.bidders,
            repr(sorted(self.details.items(), key=lambda kv: kv[0])),
        )


@dataclass(frozen=True)
class ScanContext:
    """What every detector receives: the whole project, read and sectioned.

    Detectors are pure functions ``detect(ctx) -> list[Alert]``; they must not
    read files themselves.
    """

    project: ProjectInput
    bidders: tuple[Bidder, ...]  # sorted by id
    tender_files: tuple[ExtractedFile, ...]
    sections: dict[str, tuple[Section, ...]]  # bidder id -> its sections
    tender_sections: tuple[Section, ...]
    settings: Settings
    known_common: KnownCommon
    history: HistoryView | None = None  # collusion.store.History when a --db is given
    # The text engine's stages 1-2 (prepared sections, boilerplate), made once
    # per scan, and the section fingerprints made from them when a history is
    # given (cross-project matching and the store use them).
    text: PreparedText | None = None
    fingerprints: TextFingerprints | None = None
    # Company facts from the bids, companies.csv and the history
    # (collusion.analysis.companies), gathered before the detectors run.
    companies: CompanyFacts | None = None

    def bidder(self, bidder_id: str) -> Bidder:
        return next(b for b in self.bidders if b.id == bidder_id)

    def bidder_name(self, bidder_id: str) -> str | None:
        return self.bidder(bidder_id).name
