"""One detector per alert kind of the contract; each is ``detect(ctx) -> list[Alert]``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from collusion.detectors import identical_file, shared_signature
from collusion.models import Alert, ScanContext

Detector = Callable[[ScanContext], list[Alert]]

# Run in this order; the order does not change the report (alerts are sorted).
DETECTORS: tuple[tuple[str, Detector], ...] = (
    ("identical_file", identical_file.detect),
    ("shared_signature", shared_signature.detect),
)


def project_indicators(ctx: ScanContext) -> dict[str, Any]:
    """Project-level indicators (not accusations), e.g. price screens."""
    return {}
