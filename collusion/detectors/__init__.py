"""One detector per alert kind of the contract; each is ``detect(ctx) -> list[Alert]``.

``REGISTRY`` says what each detector needs, and the scan gives it only that:
a detector that does not read the history receives a context without one
(so it may run in a forked process, which must not share a database
connection), and the ones that read the prepared text or the sections'
fingerprints run after the stage that makes them (``collusion.scan``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from collusion.detectors import (
    company_link,
    cross_project,
    identical_file,
    mixed_documents,
    near_duplicate_text,
    price_pattern,
    ring_leads,
    shared_identifier,
    shared_signature,
    tender_screens,
)
from collusion.models import Alert, ScanContext

Detector = Callable[[ScanContext], list[Alert]]


@dataclass(frozen=True)
class DetectorSpec:
    """One detector and what it reads besides the project's files and sections."""

    name: str
    detect: Detector
    reads_history: bool = False  # ctx.history: earlier projects (None without --db)
    reads_text: bool = False  # ctx.text: the text engine's preparation
    reads_fingerprints: bool = False  # ctx.fingerprints: made beside the text comparison

    @property
    def project_only(self) -> bool:
        """Reads nothing the scan makes after sectioning, and no history:
        may run in a child process beside the text comparison."""
        return not (self.reads_history or self.reads_text or self.reads_fingerprints)


# Run in this order; the order does not change the report (alerts are sorted).
REGISTRY: tuple[DetectorSpec, ...] = (
    DetectorSpec("identical_file", identical_file.detect),
    DetectorSpec("shared_signature", shared_signature.detect, reads_history=True),
    DetectorSpec("near_duplicate_text", near_duplicate_text.detect, reads_text=True),
    DetectorSpec("shared_identifier", shared_identifier.detect),
    DetectorSpec("mixed_documents", mixed_documents.detect),
    DetectorSpec("price_pattern", price_pattern.detect),
    # Reads ctx.companies, gathered before the detectors (company_link.gather).
    DetectorSpec("company_link", company_link.detect),
    # Only with a history database: the project against earlier ones.
    DetectorSpec(
        "cross_project", cross_project.detect, reads_history=True, reads_fingerprints=True
    ),
)


def project_indicators(ctx: ScanContext) -> dict[str, Any]:
    """Project-level indicators (not accusations): the prices and where they were
    read, the tender's screens with a center's model's probability, and with a
    history the pairs of bidders in one group found across tenders (leads)."""
    prices = price_pattern.bid_prices(ctx)  # read from the files once for both
    indicators = {
        "prices": price_pattern.project_indicators(ctx, prices),
        "screens": tender_screens.screens_indicator(ctx, prices),
    }
    rings = ring_leads.project_indicators(ctx)
    if rings is not None:
        indicators["rings"] = rings
    return indicators
