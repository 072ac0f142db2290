"""Many short texts searched as one.

A detector that asks one question of every block of a bid (does it name a
competitor, hold a price label, an 18-character code?) spent most of its
time calling a search from Python once per block, for blocks that hold
nothing: a bid has thousands of blocks and names a person or a price in a
few. Here the texts are joined by a separator that the searched patterns
never match, searched in one call, and each match is mapped back to the
text that holds it; the per-block work then runs on those texts alone.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from collusion.analysis.folding import UNICODE_MAX

SEPARATOR = "\x00"  # between the joined texts: no searched pattern matches it


@dataclass(frozen=True)
class Joined:
    """Texts joined by ``SEPARATOR``; ``starts[i]`` is where text ``i`` starts."""

    text: str
    starts: np.ndarray  # int64
    count: int

    def holders(self, positions: Iterable[int] | np.ndarray) -> np.ndarray:
        """For each text, whether one of ``positions`` (in ``text``) falls in it."""
        at = np.asarray(
            positions if isinstance(positions, np.ndarray) else list(positions), dtype=np.int64
        )
        held = np.zeros(self.count, dtype=bool)
        held[np.searchsorted(self.starts, at, side="right") - 1] = True
        return held

    def searched(self, pattern: re.Pattern[str]) -> np.ndarray:
        """For each text, whether ``pattern.search(text)`` finds anything.

        Exact for a pattern that can neither match the separator nor look
        across it (no anchors; a lookbehind then sees the separator, as a
        search of the text alone sees its start) and never matches the empty
        string: a match cannot span two texts, so the texts holding a match of
        ``finditer`` over the joined text are the texts ``search`` finds in.
        """
        return self.holders([m.start() for m in pattern.finditer(self.text)])


def join(texts: Sequence[str]) -> Joined:
    """``texts`` joined by ``SEPARATOR``, with where each starts."""
    lengths = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
    starts = np.concatenate(([0], np.cumsum(lengths + 1)[:-1])).astype(np.int64)
    return Joined(SEPARATOR.join(texts), starts, len(texts))


def run_starts(marks: np.ndarray, width: int) -> np.ndarray:
    """At each position ``i``, whether ``marks[i:i + width]`` are all True."""
    run = np.zeros(len(marks), dtype=bool)
    if len(marks) >= width:
        counts = np.concatenate(([0], np.cumsum(marks, dtype=np.int64)))
        run[: len(marks) - width + 1] = counts[width:] - counts[:-width] == width
    return run


@functools.lru_cache(maxsize=4)
def char_table(char_class: str) -> np.ndarray:
    """For every code point, whether the regular-expression class
    ``char_class`` (``\\d``, ``\\s``) matches it, as ``re`` decides."""
    table = np.zeros(UNICODE_MAX, dtype=bool)
    for m in re.finditer(f"{char_class}+", _every_character()):
        table[m.start() : m.end()] = True
    return table


def _every_character() -> str:
    codes = np.arange(UNICODE_MAX, dtype=np.uint32)
    return codes.tobytes().decode("utf-32-le", "surrogatepass")
