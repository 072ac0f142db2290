"""Every threshold of a scan, as named constants in frozen dataclasses.

``Settings`` has one field per stage and detector, each its own dataclass that
validates itself on construction, so that a maintainer finds each number in
one place and a scan records exactly what it used. The text engine's
``TextSettings`` lives beside the engine (``collusion.analysis.text.settings``); every
other detector's settings are here.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import InitVar, dataclass, field, fields
from typing import Any

from collusion.analysis.text.settings import TextSettings
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
    # Rows of companies.csv and of company_relations.csv: a project's bidders
    # and their holding companies come to hundreds. A larger file is not read
    # at all (half a registry would hide links without saying which).
    max_company_rows: int = 20_000
    ocr_seconds_per_file: float = 60.0  # OCR of scanned pages, within seconds_per_file

    def __post_init__(self) -> None:
        for name in (
            "max_file_bytes",
            "max_docx_part_bytes",
            "max_docx_total_bytes",
            "max_pages",
            "max_images_per_file",
            "max_docx_parts",
            "max_worker_memory_bytes",
            "max_sheet_rows",
            "max_signature_rows",
            "max_company_rows",
        ):
            if getattr(self, name) <= 0:
                raise SettingsError(f"{name} must be positive, got {getattr(self, name)}")
        if self.seconds_per_file <= 0:
            raise SettingsError("seconds_per_file must be positive")
        if self.ocr_seconds_per_file <= 0:
            raise SettingsError("ocr_seconds_per_file must be positive")
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
            raise SettingsError(
                "public_image_min_bidders must be at least 2 and public_image_share in (0, 1]"
            )


@dataclass(frozen=True)
class ImageSettings:
    """When two decoded images are one picture saved again or scaled (近似)."""

    # Candidates only: copies differ in up to 15 of the dHash's 256 bits,
    # unrelated pictures in about half; look-alikes in a few, so the pixels decide.
    candidate_bits: int = 40
    # |log(aspect ratio a / aspect ratio b)|: a scaled copy keeps its shape
    # within a rounded pixel.
    aspect_tolerance: float = 0.03
    # Gaussian smoothing (pixels) before comparing: what a scaler's filter and
    # sub-pixel placement change, not what a changed character changes.
    blur_sigma: float = 0.7
    block: int = 8  # pixels of a block side
    # Largest block mean absolute grey difference (0-255) of one picture.
    # Chosen on generated logos and seals (seed 1 of
    # benchmarks/image_lookalike_bench.py): re-encoded and scaled copies
    # measured at most 13.6, two companies' look-alikes at least 31.4; 20 is
    # near their geometric mean (20.7). Seeds 2 and 3 are the figures.
    max_block_difference: float = 20.0

    def __post_init__(self) -> None:
        if not 0 <= self.candidate_bits <= 256:
            raise SettingsError("images.candidate_bits must be in [0, 256]")
        if self.aspect_tolerance < 0 or self.blur_sigma < 0:
            raise SettingsError("images.aspect_tolerance and blur_sigma must be 0 or more")
        if self.block < 1:
            raise SettingsError("images.block must be at least 1")
        if not 0 <= self.max_block_difference <= 255:
            raise SettingsError("images.max_block_difference must be in [0, 255]")


@dataclass(frozen=True)
class ScoreSettings:
    """How a pair's facts combine into one score (see scoring.py).

    score = 1 / (1 + exp(-(calibration_intercept + calibration_slope * W))),
    W the sum of the pair's log10 likelihood ratios.
    """

    # Pairs scoring at or above go to the regulator: even odds, the calibrated
    # score saying a pair is likelier to collude than not (a weight of
    # -a/b = 3.20 with the constants below). Not fitted: a threshold fitted
    # to the lowest colluding pair of separable generated data moves with
    # that one pair (W 3.17, 3.72 and 1.58 on three fitting sets).
    flag_threshold: float = 0.5
    # Fitted by logistic regression (scikit-learn, C=1) on the pairs of the
    # generated fitting projects, seeds 1000-1002 at 5, 15 and 40 bidders:
    # `python benchmarks/collusion_bench.py --fit --projects 3`. The figures
    # in the README are measured on other projects (seeds 1-3).
    calibration_intercept: float = -9.3517
    calibration_slope: float = 2.9213
    # Weak facts (CPU model id, title, upload IP, generic fields) add at most
    # this much together: less than the weight a pair needs to be flagged.
    weak_cap: float = 1.0
    # Severity follows weight (collusion/scoring/severity.py): an alert is
    # high when its weight alone flags a pair, medium from this share of that
    # weight (two such facts flag a pair together), low below.
    medium_share: float = 0.5

    @property
    def flag_weight(self) -> float:
        """The weight at which one fact alone flags a pair: the score's inverse
        at ``flag_threshold``, (logit(flag_threshold) - intercept) / slope."""
        t = min(self.flag_threshold, 1 - 1e-9)
        logit = math.log(t / (1 - t))
        return (logit - self.calibration_intercept) / self.calibration_slope

    def __post_init__(self) -> None:
        if not 0 < self.flag_threshold <= 1:
            raise SettingsError("flag_threshold must be in (0, 1]")
        if self.calibration_slope <= 0:
            raise SettingsError("calibration_slope must be positive")
        if self.weak_cap < 0:
            raise SettingsError("weak_cap must be 0 or more")
        if not 0 < self.medium_share < 1:
            raise SettingsError("medium_share must be in (0, 1)")


@dataclass(frozen=True)
class IdentifierSettings:
    """When a shared identifier is evidence, and how strong."""

    # A value carried by more than this share of the bidders (and by at least
    # `common_min_bidders`) is what most bidders share: a form, a common
    # supplier, the trading center's hotline. Not evidence.
    common_share: float = 0.5
    common_min_bidders: int = 3
    evidence_per_bidder: int = 2  # occurrences quoted per bidder and alert
    # Scores per strength; the pair score combines them (scoring.py).
    score_personal_number: float = 0.95  # certificate or ID number
    score_deposit_account: float = 0.9
    score_other_account: float = 0.6
    score_mobile: float = 0.7
    score_email: float = 0.65
    score_landline: float = 0.5
    score_credit_code: float = 0.3
    score_name_only: float = 0.25

    def __post_init__(self) -> None:
        if not 0 < self.common_share <= 1:
            raise SettingsError("identifiers.common_share must be in (0, 1]")
        if self.common_min_bidders < 2:
            raise SettingsError("identifiers.common_min_bidders must be at least 2")
        if self.evidence_per_bidder < 1:
            raise SettingsError("identifiers.evidence_per_bidder must be at least 1")
        for name in (
            "score_personal_number",
            "score_deposit_account",
            "score_other_account",
            "score_mobile",
            "score_email",
            "score_landline",
            "score_credit_code",
            "score_name_only",
        ):
            if not 0 <= getattr(self, name) <= 1:
                raise SettingsError(f"identifiers.{name} must be in [0, 1]")


@dataclass(frozen=True)
class MixedSettings:
    """What counts as one bidder's file naming another."""

    context_blocks: int = 2  # blocks either side searched for 联合体/分包
    list_min_bidders: int = 3  # a block naming this many bidders is a quoted list
    min_name_chars: int = 6  # shorter names are too generic to search for
    evidence_per_alert: int = 3
    score_declared: float = 0.95  # named as the bidder, in a seal, or by credit code
    score_mentioned: float = 0.75

    def __post_init__(self) -> None:
        if self.context_blocks < 0:
            raise SettingsError("mixed_documents.context_blocks must be 0 or more")
        if self.list_min_bidders < 2:
            raise SettingsError("mixed_documents.list_min_bidders must be at least 2")
        if self.min_name_chars < 2:
            raise SettingsError("mixed_documents.min_name_chars must be at least 2")
        if self.evidence_per_alert < 1:
            raise SettingsError("mixed_documents.evidence_per_alert must be at least 1")
        for name in ("score_declared", "score_mentioned"):
            if not 0 <= getattr(self, name) <= 1:
                raise SettingsError(f"mixed_documents.{name} must be in [0, 1]")


@dataclass(frozen=True)
class PriceSettings:
    """Tolerances and thresholds of the price screens and patterns.

    Plain numbers, so that settings load from any config file; money
    comparisons convert them with `money()` to Decimal.
    """

    min_bids_for_screens: int = 4  # the screening literature's minimum
    min_progression_bidders: int = 3
    # A cartel deriving prices from one another rounds to the yuan at most:
    # differences equal within one yuan, ratios within 1e-5 of the price
    # (100 yuan on ten million). Random bids almost never come this close.
    progression_abs_tolerance: float = 1.0
    # Round ratios (0.98) with prices rounded to the hundred yuan: 50 yuan on
    # ten million.
    progression_rel_tolerance: float = 0.000005
    ratio_decimals: int = 3  # a ratio with this many places is a round one
    round_step: float = 1000.0  # a difference that is an exact multiple of this is a round one
    amount_mismatch_tolerance: float = 0.01  # yuan: numeric vs uppercase form
    # Bills of quantities.
    boq_min_lines: int = 5  # comparable lines needed before shares mean anything
    # A unit price used on one line by more than this share of the bidders
    # (and by at least `common_min_bidders`) is common pricing, not evidence.
    common_share: float = 0.5
    common_min_bidders: int = 3
    identical_share: float = 0.5  # share of identical unit prices to flag (medium)
    identical_share_high: float = 0.8  # ... and to call it high
    ratio_share: float = 0.8  # share of lines following one constant ratio
    ratio_min_deviation: float = 0.0005  # a ratio this close to 1 is "identical"
    ratio_tolerance: float = 0.02  # yuan: B vs A x ratio, both rounded to cents
    arithmetic_abs_tolerance: float = 1.0  # yuan of rounding in a line total
    arithmetic_per_unit: float = 0.005  # half a cent per unit of quantity
    evidence_rows: int = 3  # BoQ lines quoted per side
    # A bid-price pattern more likely than this by chance (analysis/lattice.py)
    # is not reported as an alert, only listed in indicators.prices.set_aside:
    # among many bids, or rounded bids, equal prices and equal gaps are expected.
    max_chance: float = 0.01
    # A price held by more bidders than this is a cap, a floor or a price
    # everyone computes, not a ring's secret (rings have two to four members,
    # as scoring.RING_SIZE): listed, never weighed.
    max_ring_bidders: int = 4
    # A pattern's weight is log10(ring_pattern_share / chance): the likelihood
    # ratio P(pattern | ring) / P(pattern | honest), whose numerator is the
    # share of rings whose prices show such a pattern at all. About one in five:
    # 8 of the 43 real collusive tenders of issue 21 got a price-pattern flag.
    ring_pattern_share: float = 0.2

    def __post_init__(self) -> None:
        if self.min_bids_for_screens < 3:
            raise SettingsError("prices.min_bids_for_screens must be at least 3")
        if self.ratio_decimals < 1 or self.round_step <= 0:
            raise SettingsError("prices.ratio_decimals and round_step must be positive")
        if self.min_progression_bidders < 3:
            raise SettingsError("prices.min_progression_bidders must be at least 3")
        if self.max_ring_bidders < 2:
            raise SettingsError("prices.max_ring_bidders must be at least 2")
        if not 0 < self.max_chance <= 1:
            raise SettingsError("prices.max_chance must be in (0, 1]")
        if not 0 < self.ring_pattern_share <= 1:
            raise SettingsError("prices.ring_pattern_share must be in (0, 1]")
        for name in (
            "progression_abs_tolerance",
            "progression_rel_tolerance",
            "amount_mismatch_tolerance",
            "ratio_min_deviation",
            "ratio_tolerance",
            "arithmetic_abs_tolerance",
            "arithmetic_per_unit",
        ):
            value = getattr(self, name)
            if not isinstance(value, (int, float)) or value < 0:
                raise SettingsError(f"prices.{name} must be a number, 0 or more")
        if self.common_min_bidders < 2:
            raise SettingsError("prices.common_min_bidders must be at least 2")
        for name in ("identical_share", "identical_share_high", "ratio_share", "common_share"):
            if not 0 < getattr(self, name) <= 1:
                raise SettingsError(f"prices.{name} must be in (0, 1]")
        if self.identical_share_high < self.identical_share:
            raise SettingsError("prices.identical_share_high must be >= identical_share")
        if self.boq_min_lines < 1 or self.evidence_rows < 1:
            raise SettingsError("prices.boq_min_lines and evidence_rows must be at least 1")


@dataclass(frozen=True)
class CrossProjectSettings:
    """Thresholds of the cross-project detector."""

    # A value or section that this many different companies carried in OTHER
    # projects is common: rings have a handful of members, city-wide
    # templates and hall computers have dozens.
    common_companies: int = 5
    # Estimated Jaccard of two sections' 5-gram sets to call them near-duplicates.
    # 0.6 sits where the LSH (32 bands x 4 rows) finds 99% of pairs, and well
    # above what two independently written plans on one topic share.
    min_jaccard: float = 0.6
    # A copy this close, of at least `strong_shingles` non-boilerplate
    # shingles (about as many characters) in all, is high severity.
    strong_jaccard: float = 0.8
    strong_shingles: int = 500
    # Section pairs quoted in one alert's evidence (the count is in details).
    max_evidence_sections: int = 5
    signature_score: float = 0.9
    text_score_high: float = 0.9
    text_score_medium: float = 0.6

    def __post_init__(self) -> None:
        if self.common_companies < 2:
            raise SettingsError("cross_project.common_companies must be at least 2")
        for name in (
            "min_jaccard",
            "strong_jaccard",
            "signature_score",
            "text_score_high",
            "text_score_medium",
        ):
            if not 0 < getattr(self, name) <= 1:
                raise SettingsError(f"cross_project.{name} must be in (0, 1]")
        if self.max_evidence_sections < 1:
            raise SettingsError("cross_project.max_evidence_sections must be at least 1")
        if self.strong_shingles < 0:
            raise SettingsError("cross_project.strong_shingles must not be negative")


@dataclass(frozen=True)
class CompanySettings:
    """When two bidders' companies are linked (collusion.detectors.company_link)."""

    # A holding of this many percent or more controls the company (控股:
    # 公司法 defines the controlling shareholder by more than half the capital
    # or the votes; 50% is the line registries and tender documents use).
    control_share: float = 50.0
    # Steps of a control chain followed upward from a bidder: a holding
    # company, its parent and the parent's parent.
    max_chain_depth: int = 3
    # A holder of shares in this many companies (of the registry, or of
    # other projects in the history) is a public shareholder: its holdings
    # link nobody. Rings have a handful of members.
    public_holder_companies: int = 5
    # A registered address, phone or e-mail this many other companies in the
    # history carry is a business centre's or a bookkeeping agent's.
    common_companies: int = 5
    evidence_per_tie: int = 4  # steps quoted per bidder of a link

    def __post_init__(self) -> None:
        if not 0 < self.control_share <= 100:
            raise SettingsError("companies.control_share must be in (0, 100]")
        if not 1 <= self.max_chain_depth <= 6:
            raise SettingsError("companies.max_chain_depth must be 1 to 6")
        for name in ("public_holder_companies", "common_companies"):
            if getattr(self, name) < 2:
                raise SettingsError(f"companies.{name} must be at least 2")
        if self.evidence_per_tie < 1:
            raise SettingsError("companies.evidence_per_tie must be at least 1")


@dataclass(frozen=True)
class ScreensSettings:
    """The tender-level screens (indicators.screens) and the model that scores them."""

    # A model file written by `collusion screens fit` (the center's own cases);
    # None: the report carries the screens without a probability.
    model: str | None = None

    def __post_init__(self) -> None:
        if self.model is not None and (not isinstance(self.model, str) or not self.model):
            raise SettingsError("screens.model must be the path of a model file, or None")


@dataclass(frozen=True)
class Settings:
    """Everything a scan is tuned by: one typed field per stage and detector.

    ``Settings(prices=PriceSettings(min_bids_for_screens=5))`` changes one
    number. The earlier form ``Settings(detectors={"prices": PriceSettings(...)})``
    is still accepted: each entry sets the field of that name.
    """

    extract: ExtractSettings = field(default_factory=ExtractSettings)
    signatures: SignatureSettings = field(default_factory=SignatureSettings)
    images: ImageSettings = field(default_factory=ImageSettings)
    score: ScoreSettings = field(default_factory=ScoreSettings)
    text: TextSettings = field(default_factory=TextSettings)
    identifiers: IdentifierSettings = field(default_factory=IdentifierSettings)
    mixed_documents: MixedSettings = field(default_factory=MixedSettings)
    prices: PriceSettings = field(default_factory=PriceSettings)
    cross_project: CrossProjectSettings = field(default_factory=CrossProjectSettings)
    companies: CompanySettings = field(default_factory=CompanySettings)
    screens: ScreensSettings = field(default_factory=ScreensSettings)
    excerpt_chars: int = 160  # longest excerpt quoted in evidence
    detectors: InitVar[Mapping[str, Any] | None] = None

    def __post_init__(self, detectors: Mapping[str, Any] | None) -> None:
        for name, value in (detectors or {}).items():
            if name not in DETECTOR_FIELDS:
                known = ", ".join(DETECTOR_FIELDS)
                raise SettingsError(f"unknown detector settings {name!r}; known: {known}")
            object.__setattr__(self, name, value)
        for f in fields(self):
            expected = SETTINGS_TYPES.get(f.name)
            if expected is not None and not isinstance(getattr(self, f.name), expected):
                raise SettingsError(
                    f"settings.{f.name} must be a {expected.__name__}, "
                    f"got {type(getattr(self, f.name)).__name__}"
                )
        if self.excerpt_chars < 1:
            raise SettingsError("excerpt_chars must be at least 1")


# The fields of Settings that hold one detector's or stage's dataclass.
SETTINGS_TYPES: dict[str, type] = {
    "extract": ExtractSettings,
    "signatures": SignatureSettings,
    "images": ImageSettings,
    "score": ScoreSettings,
    "text": TextSettings,
    "identifiers": IdentifierSettings,
    "mixed_documents": MixedSettings,
    "prices": PriceSettings,
    "cross_project": CrossProjectSettings,
    "companies": CompanySettings,
    "screens": ScreensSettings,
}
# The names the earlier ``detectors={...}`` form accepted.
DETECTOR_FIELDS = ("text", "identifiers", "mixed_documents", "prices", "cross_project")
