"""One detector per alert kind of the contract; each is ``detect(ctx) -> list[Alert]``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from collusion.detectors import (
    cross_project,
    identical_file,
    mixed_documents,
    near_duplicate_text,
    price_pattern,
    shared_identifier,
    shared_signature,
)
from collusion.models import Alert, ScanContext

Detector = Callable[[ScanContext], list[Alert]]

# Run in this order; the order does not change the report (alerts are sorted).
DETECTORS: tuple[tuple[str, Detector], ...] = (
    ("identical_file", identical_file.detect),
    ("shared_signature", shared_signature.detect),
    ("near_duplicate_text", near_duplicate_text.detect),
    ("shared_identifier", shared_identifier.detect),
    ("mixed_documents", mixed_documents.detect),
    ("price_pattern", price_pattern.detect),
    ("cross_project", cross_project.detect),  # only with a history database
)

# Detectors that read nothing but the project (no history connection, which a
# forked process must not share): they may run in a child process beside the
# text comparison (``collusion.scan.run_detectors``).
PROJECT_ONLY: frozenset[str] = frozenset(
    {"identical_file", "shared_identifier", "mixed_documents", "price_pattern"}
)
# Detectors that read the sections' fingerprints (``ctx.fingerprints``), made
# beside the text comparison when the scan has a history.
FINGERPRINT_READERS: frozenset[str] = frozenset({"cross_project"})


def project_indicators(ctx: ScanContext) -> dict[str, Any]:
    """Project-level indicators (not accusations), e.g. price screens."""
    return {"prices": price_pattern.project_indicators(ctx)}
