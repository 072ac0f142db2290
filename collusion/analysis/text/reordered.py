"""Order-insensitive copies: the shared sentences of a section pair that
overlaps heavily although its passages, found in order, are short.

Shuffling the sentences of a copied paragraph keeps every sentence and most
of the section's shingles, but breaks the runs that ``alignment.align``
chains along a diagonal: no run reaches the passage minimum, and the copy
goes unreported. Here a confirmed section pair whose non-boilerplate
shingles overlap enough (``reorder_jaccard_min``, or
``reorder_containment_min`` of the smaller section) is read sentence by
sentence: each normalized sentence of one side found identical on the other
side, with enough non-boilerplate characters and not already inside an
aligned passage, becomes a ``ReorderedPassage``, located on both sides like
any passage.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from collusion.analysis.text.alignment import (
    Passage,
    align,
    live_shingles,
    mean_rarity,
    overlaps,
)
from collusion.analysis.text.boilerplate import Boilerplate
from collusion.analysis.text.settings import TextSettings
from collusion.analysis.text.shingles import Prepared
from collusion.analysis.text.verify import SectionMatch

# Where a sentence ends in the original text: Chinese and Western sentence
# punctuation, and line breaks (paragraphs, table cells).
SENTENCE_END = re.compile(r"[。！？!?；;\n]")


@dataclass(frozen=True)
class ReorderedPassage(Passage):
    """A sentence shared by two sections whose order differs."""


def is_reordered(match: SectionMatch, settings: TextSettings) -> bool:
    """Overlap high enough that the pair is a copy whatever its order."""
    return match.by_text and (
        match.jaccard >= settings.reorder_jaccard_min
        or match.containment >= settings.reorder_containment_min
    )


def sentence_spans(p: Prepared) -> list[tuple[int, int]]:
    """The normalized ``[start, end)`` of each sentence of the section."""
    if not p.norm.text:
        return []
    breaks = np.array([m.start() for m in SENTENCE_END.finditer(p.section.text)], dtype=np.int64)
    owner = np.searchsorted(breaks, np.asarray(p.norm.starts, dtype=np.int64), side="right")
    cuts = np.flatnonzero(np.diff(owner)) + 1
    bounds = [0, *cuts.tolist(), len(owner)]
    return list(zip(bounds[:-1], bounds[1:], strict=True))


def passages(
    a: Prepared, b: Prepared, match: SectionMatch, boiler: Boilerplate, settings: TextSettings
) -> list[Passage]:
    """The pair's aligned passages, then, for a heavily overlapping pair, its
    shared sentences outside them."""
    found = align(a, b, boiler, settings)
    if not is_reordered(match, settings):
        return found
    return found + shared_sentences(a, b, found, boiler, settings)


def shared_sentences(
    a: Prepared,
    b: Prepared,
    aligned: Sequence[Passage],
    boiler: Boilerplate,
    settings: TextSettings,
) -> list[ReorderedPassage]:
    """Sentences of `a` found identical in `b`, outside the aligned passages,
    each used once on each side."""
    taken_a = [(p.a_start, p.a_end) for p in aligned]
    taken_b = [(p.b_start, p.b_end) for p in aligned]
    in_b: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for start, end in sentence_spans(b):
        if not overlaps(start, end, taken_b):
            in_b[b.norm.text[start:end]].append((start, end))
    k = settings.shingle_chars
    hashes = a.hash_array()
    out = []
    for start, end in sentence_spans(a):
        if overlaps(start, end, taken_a):
            continue
        spots = in_b.get(a.norm.text[start:end])
        if not spots:
            continue
        live = live_shingles(hashes[start : end - k + 1], boiler)
        chars = min(len(live) + k - 1, end - start) if len(live) else 0
        if chars < settings.reorder_min_sentence_chars:
            continue
        b_start, b_end = spots.pop(0)
        rarity = mean_rarity(live, boiler)
        out.append(ReorderedPassage(start, end, b_start, b_end, chars, rarity))
    return out
