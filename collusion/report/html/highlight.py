"""Highlighting: the text two excerpts share, as ``(text, is_shared)`` segments."""

from __future__ import annotations

from collections.abc import Iterable

# A common run shorter than this (in characters) is not highlighted: short
# runs ("的", "工程") match everywhere and would only add noise.
MIN_HIGHLIGHT_CHARS = 6
# Excerpts longer than this are shown without highlighting (a guard on
# memory; highlighting is linear in the excerpt's length).
MAX_HIGHLIGHT_CHARS = 200_000


Segments = list[tuple[str, bool]]


def _segments(text: str, spans: Iterable[tuple[int, int]]) -> Segments:
    """Cut ``text`` into (text, is_shared) runs from sorted, disjoint spans."""
    out: Segments = []
    pos = 0
    for start, end in spans:
        if start > pos:
            out.append((text[pos:start], False))
        if end > start:
            out.append((text[start:end], True))
        pos = max(pos, end)
    if pos < len(text):
        out.append((text[pos:], False))
    return out


def _shared_spans(text: str, grams: set[str], k: int) -> list[tuple[int, int]]:
    """The runs of ``text`` covered by k-character substrings found in ``grams``."""
    spans: list[tuple[int, int]] = []
    for i in range(len(text) - k + 1):
        if text[i : i + k] in grams:
            if spans and spans[-1][1] >= i:
                spans[-1] = (spans[-1][0], i + k)
            else:
                spans.append((i, i + k))
    return spans


def highlight_shared(
    a: str, b: str, min_chars: int = MIN_HIGHLIGHT_CHARS
) -> tuple[Segments, Segments]:
    """Mark the text two excerpts share: every run of ``min_chars`` or more
    characters that also stands anywhere in the other excerpt.

    Returns each side as (text, is_shared) segments. Unlike difflib's
    matching blocks this also marks sentences the other side moved, and it
    takes linear time, so long excerpts of large projects render quickly.
    """
    if len(a) > MAX_HIGHLIGHT_CHARS or len(b) > MAX_HIGHLIGHT_CHARS:
        return [(a, False)], [(b, False)]
    k = max(min_chars, 1)
    grams_a = {a[i : i + k] for i in range(len(a) - k + 1)}
    grams_b = {b[i : i + k] for i in range(len(b) - k + 1)}
    return (
        _segments(a, _shared_spans(a, grams_b, k)),
        _segments(b, _shared_spans(b, grams_a, k)),
    )


def highlight_value(text: str, value: str | None) -> Segments:
    """Mark every occurrence of ``value`` in ``text``."""
    if not value or value not in text:
        return [(text, False)]
    spans = []
    start = text.find(value)
    while start != -1:
        spans.append((start, start + len(value)))
        start = text.find(value, start + len(value))
    return _segments(text, spans)
