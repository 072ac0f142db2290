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
aligned passage, is a piece of a reordered copy. The pieces of one copy
(shared sentences and short aligned passages next to each other on one side,
lying together on the other) become one ``ReorderedPassage`` spanning them on
both sides; a shared sentence on its own is reported only when it reaches
the passage minimum, as any passage must (a common phrase is no copy).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise

import numpy as np

from collusion.analysis.text.alignment import (
    Passage,
    align,
    live_shingles,
    mean_rarity,
    overlaps,
    union_length,
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
    """Sentences two sections share in another order, as one passage
    spanning them on both sides."""

    sentences: int = 1  # the shared sentences and in-order pieces it joins


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
    owner = np.searchsorted(breaks, p.norm.offsets.starts(), side="right")
    cuts = np.flatnonzero(np.diff(owner)) + 1
    bounds = [0, *cuts.tolist(), len(owner)]
    return list(zip(bounds[:-1], bounds[1:], strict=True))


def passages(
    a: Prepared, b: Prepared, match: SectionMatch, boiler: Boilerplate, settings: TextSettings
) -> list[Passage]:
    """The pair's aligned passages; for a heavily overlapping pair, its shared
    sentences outside them too, and neighbouring pieces of one reordered copy
    joined into one ``ReorderedPassage`` (``reordered_blocks``)."""
    found = align(a, b, boiler, settings)
    if not is_reordered(match, settings):
        return found
    pieces = found + shared_sentences(a, b, found, boiler, settings)
    return reordered_blocks(a, b, pieces, boiler, settings)


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


def reordered_blocks(
    a: Prepared,
    b: Prepared,
    pieces: Sequence[Passage],
    boiler: Boilerplate,
    settings: TextSettings,
) -> list[Passage]:
    """One passage per reordered copy: pieces that follow each other on both
    sides, whatever their order (``_groups``), become one passage spanning
    them on both sides when they cover most of both spans
    (``reorder_block_cover``) and the spans' lengths agree within
    ``max_side_ratio``; any other piece must hold the unit that confirms a
    section pair on its own (``unit_chars``: a short common phrase is no copy)."""
    out: list[Passage] = []
    least = unit_chars(settings)
    for group in _groups(pieces, settings.max_gap_chars):
        if len(group) > 1 and _block_holds(group, settings):
            out.append(_block(a, b, group, boiler, settings))
        else:
            out += [p for p in group if p.chars >= least]
    return sorted(out, key=lambda p: (p.a_start, p.b_start))


def unit_chars(settings: TextSettings) -> int:
    """The least text a piece of a copy is: the shingles that confirm a
    section pair (``min_shared_shingles``, about 24 characters)."""
    return settings.min_shared_shingles + settings.shingle_chars - 1


def _in_order(group: Sequence[Passage]) -> bool:
    """Whether the pieces follow each other in the same order on both sides."""
    in_a_order = sorted(group, key=lambda p: p.a_start)
    return all(x.b_end <= y.b_start for x, y in pairwise(in_a_order))


def _groups(pieces: Sequence[Passage], gap: int) -> list[list[Passage]]:
    """Pieces that follow each other within ``gap`` on side a (a chain), cut
    where, in side-b order, the chain's pieces leave a gap over ``gap``: a
    shuffled paragraph's sentences tile one stretch on each side."""
    out: list[list[Passage]] = []
    for chain in _runs_of(sorted(pieces, key=lambda p: (p.a_start, p.b_start)), "a", gap):
        out += _runs_of(sorted(chain, key=lambda p: (p.b_start, p.a_start)), "b", gap)
    return out


def _runs_of(pieces: Sequence[Passage], side: str, gap: int) -> list[list[Passage]]:
    """Pieces (in order on ``side``) cut where the next starts over ``gap``
    after the furthest end so far."""
    runs: list[list[Passage]] = []
    reach = 0
    for piece in pieces:
        start, end = getattr(piece, f"{side}_start"), getattr(piece, f"{side}_end")
        if runs and start - reach <= gap:
            runs[-1].append(piece)
            reach = max(reach, end)
        else:
            runs.append([piece])
            reach = end
    return runs


def _block_holds(chain: Sequence[Passage], settings: TextSettings) -> bool:
    """Whether a group's pieces fill its spans on both sides, of like lengths."""
    a_span = max(p.a_end for p in chain) - min(p.a_start for p in chain)
    b_span = max(p.b_end for p in chain) - min(p.b_start for p in chain)
    covered_a = union_length([(p.a_start, p.a_end) for p in chain])
    covered_b = union_length([(p.b_start, p.b_end) for p in chain])
    return (
        covered_a >= settings.reorder_block_cover * a_span
        and covered_b >= settings.reorder_block_cover * b_span
        and max(a_span, b_span) <= settings.max_side_ratio * min(a_span, b_span)
    )


def _block(
    a: Prepared,
    b: Prepared,
    chain: Sequence[Passage],
    boiler: Boilerplate,
    settings: TextSettings,
) -> Passage:
    """The group as one passage: its spans on both sides, the non-boilerplate
    characters and rarity of its pieces taken together; a ``ReorderedPassage``
    unless its pieces follow each other in the same order on both sides."""
    k = settings.shingle_chars
    hashes = a.hash_array()
    lives = [live_shingles(hashes[p.a_start : p.a_end - k + 1], boiler, b.unique) for p in chain]
    live = np.concatenate(lives)
    chars = sum(
        min(len(x) + k - 1, p.a_end - p.a_start)
        for x, p in zip(lives, chain, strict=True)
        if len(x)
    )
    spans = (
        min(p.a_start for p in chain),
        max(p.a_end for p in chain),
        min(p.b_start for p in chain),
        max(p.b_end for p in chain),
    )
    rarity = mean_rarity(live, boiler) if len(live) else 0.0
    if _in_order(chain):
        return Passage(*spans, chars, rarity)  # in order after all: one literal passage
    sentences = sum(p.sentences if isinstance(p, ReorderedPassage) else 1 for p in chain)
    return ReorderedPassage(*spans, chars, rarity, sentences)
