"""Passage-level precision, recall and granularity of detected text reuse.

The measures of the PAN text-reuse evaluations (Potthast, Stein,
Barrón-Cedeño and Rosso, "An Evaluation Framework for Plagiarism
Detection", COLING 2010), on characters of both sides:

- a *case* is a stretch of text reused from a source, with its source
  stretch; a *detection* is a reported passage, with its two sides;
- a detection detects a case when it overlaps the case on both sides;
- precision: the mean, over detections, of the share of the detection's
  characters (both sides) inside the cases it detects;
- recall: the mean, over cases, of the share of the case's characters
  inside the detections that detect it;
- granularity: the mean, over detected cases, of how many detections
  detect each (1: every case found in one piece).

Sides are (document, start, end) with end exclusive; a document is any
hashable name (here a prepared section's id).
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass

Side = tuple[Hashable, int, int]


@dataclass(frozen=True)
class Stretch:
    """A case or a detection: its stretch on the reusing side and on the source side."""

    copy: Side
    source: Side

    @property
    def size(self) -> int:
        return (self.copy[2] - self.copy[1]) + (self.source[2] - self.source[1])


@dataclass(frozen=True)
class PassageScores:
    precision: float
    recall: float
    granularity: float
    cases: int
    detections: int
    detected_cases: int


def _overlap(x: Side, y: Side) -> int:
    if x[0] != y[0]:
        return 0
    return max(0, min(x[2], y[2]) - max(x[1], y[1]))


def detects(detection: Stretch, case: Stretch) -> bool:
    return _overlap(detection.copy, case.copy) > 0 and _overlap(detection.source, case.source) > 0


def _covered(side: Side, others: Sequence[Side]) -> int:
    """Characters of ``side`` inside the union of ``others``."""
    spans = sorted(
        (max(side[1], o[1]), min(side[2], o[2])) for o in others if _overlap(side, o) > 0
    )
    total, end = 0, side[1]
    for start, stop in spans:
        start = max(start, end)
        if stop > start:
            total += stop - start
            end = stop
    return total


def _share(stretch: Stretch, others: Sequence[Stretch]) -> float:
    inside = _covered(stretch.copy, [o.copy for o in others]) + _covered(
        stretch.source, [o.source for o in others]
    )
    return inside / stretch.size if stretch.size else 0.0


def passage_scores(cases: Sequence[Stretch], detections: Sequence[Stretch]) -> PassageScores:
    """PAN precision, recall and granularity of ``detections`` against ``cases``."""
    hits = [[d for d in detections if detects(d, c)] for c in cases]
    detected = [h for h in hits if h]
    precision = (
        sum(_share(d, [c for c in cases if detects(d, c)]) for d in detections) / len(detections)
        if detections
        else 1.0
    )
    recall = (
        sum(_share(c, h) for c, h in zip(cases, hits, strict=True)) / len(cases) if cases else 1.0
    )
    granularity = sum(len(h) for h in detected) / len(detected) if detected else 1.0
    return PassageScores(precision, recall, granularity, len(cases), len(detections), len(detected))


def merge_sentences(spots: Sequence[Stretch], slack: int = 0) -> list[Stretch]:
    """Consecutive reused sentences joined into cases: a sentence continues
    the case before it when both its sides follow that case's sides in the
    same documents (within ``slack`` characters)."""
    out: list[Stretch] = []
    for spot in spots:
        if out:
            last = out[-1]
            if (
                spot.copy[0] == last.copy[0]
                and spot.source[0] == last.source[0]
                and 0 <= spot.copy[1] - last.copy[2] <= slack
                and 0 <= spot.source[1] - last.source[2] <= slack
            ):
                out[-1] = Stretch(
                    (last.copy[0], last.copy[1], spot.copy[2]),
                    (last.source[0], last.source[1], spot.source[2]),
                )
                continue
        out.append(spot)
    return out
