"""Every threshold of a scan, as named constants in one frozen dataclass.

Detector-specific settings live in their own dataclasses (defined next to the
detector that reads them) and are composed here, so that a maintainer finds
each number in one place and a scan records exactly what it used.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from collusion.errors import SettingsError

MiB = 1024 * 1024


@dataclass(frozen=True)
class ExtractSettings:
    """Limits that keep one hostile file from taking the scan down."""

    max_file_bytes: int = 200 * MiB  # larger files are refused before opening
    max_docx_part_bytes: int = 64 * MiB  # a DOCX part inflating past this is a bomb
    max_docx_total_bytes: int = 512 * MiB  # all parts of one DOCX, inflated
    max_pages: int = 3000  # pages read per PDF; the rest is reported, not read
    seconds_per_file: float = 120.0  # a file taking longer is abandoned
    max_images_per_file: int = 2000  # embedded images hashed per file
    max_docx_parts: int = 10_000  # zip entries of one DOCX; Word writes a few dozen
    max_worker_memory_bytes: int = 6 * 1024 * MiB  # address-space cap of a worker
    workers: int = 0  # extraction worker processes; 0 = one per core, at most 2
    max_sheet_rows: int = 200_000  # spreadsheet rows read per workbook; the rest reported
    # Rows of signatures.csv read: an export lists tens of codes per bidder;
    # past this the rest of the file is an error, not a scan of hours.
    max_signature_rows: int = 20_000

    def __post_init__(self) -> None:
        for name in ("max_file_bytes", "max_docx_part_bytes", "max_docx_total_bytes",
                     "max_pages", "max_images_per_file", "max_docx_parts",
                     "max_worker_memory_bytes", "max_sheet_rows",
                     "max_signature_rows"):
            if getattr(self, name) <= 0:
                raise SettingsError(f"{name} must be positive, got {getattr(self, name)}")
        if self.seconds_per_file <= 0:
            raise SettingsError("seconds_per_file must be positive")
        if self.workers < 0:
            raise SettingsError("workers must be 0 (automatic) or a positive count")


@dataclass(frozen=True)
class SignatureSettings:
    """When a shared signature value counts as rare enough to be evidence."""

    # A value carried by more than this share of the project's bidders (and by
    # at least `common_min_bidders` of them) is what most bidders share: a
    # lobby computer, a common installer, a template. Not evidence for weak
    # fields; a lineage id shared that widely is kept but downgraded.
    common_share: float = 0.5
    common_min_bidders: int = 3
    # Shared DOCX rsids (editing sessions) needed to call two files related,
    # beyond rsidRoot. One shared session can be a common template.
    min_shared_rsids: int = 2
    # An image (compared by its pixels) that at least this many bidders and
    # more than this share of them carry is a public picture: the national
    # emblem, a CMA/ISO mark, a bank's or the platform's logo, a QR code.
    public_image_min_bidders: int = 3
    public_image_share: float = 0.25

    def __post_init__(self) -> None:
        if not 0 < self.common_share <= 1:
            raise SettingsError("common_share must be in (0, 1]")
        if self.common_min_bidders < 2:
            raise SettingsError("common_min_bidders must be at least 2")
        if self.min_shared_rsids < 1:
            raise SettingsError("min_shared_rsids must be at least 1")
        if self.public_image_min_bidders < 2 or not 0 < self.public_image_share <= 1:
            raise SettingsError("public_image_min_bidders must be at least 2 and "
                                "public_image_share in (0, 1]")


@dataclass(frozen=True)
class ScoreSettings:
    """How a pair's facts combine into one score (see scoring.py).

    score = 1 / (1 + exp(-(calibration_intercept + calibration_slope * W))),
    W the sum of the pair's log10 likelihood ratios.
    """

    flag_threshold: float = 0.6  # pairs scoring at or above go to the regulator
    # Before fitting these are a prior odds of 1:100 and Bayes' rule (slope ln 10).
    calibration_intercept: float = -4.6052
    calibration_slope: float = 2.3026
    # Weak facts (CPU model id, title, upload IP, generic fields) add at most
    # this much together: less than the weight a pair needs to be flagged.
    weak_cap: float = 1.0

    def __post_init__(self) -> None:
        if not 0 < self.flag_threshold <= 1:
            raise SettingsError("flag_threshold must be in (0, 1]")
        if self.calibration_slope <= 0:
            raise SettingsError("calibration_slope must be positive")
        if self.weak_cap < 0:
            raise SettingsError("weak_cap must be 0 or more")


@dataclass(frozen=True)
class Settings:
    extract: ExtractSettings = field(default_factory=ExtractSettings)
    signatures: SignatureSettings = field(default_factory=SignatureSettings)
    score: ScoreSettings = field(default_factory=ScoreSettings)
    # Detector settings composed in as they are added (text, identifiers,
    # prices) are reached through `detector(name)`.
    detectors: dict[str, Any] = field(default_factory=dict)
    excerpt_chars: int = 160  # longest excerpt quoted in evidence
