"""The rewritten passages of a ``near_duplicate_text`` alert: evidence,
details, summary words and weight (``collusion.analysis.text.meaning`` finds them).

A rewritten passage is part of the pair's one text alert: its two sides are
evidence items linked by ``passage`` like any passage, and
``details.rewritten_passages`` lists, for each, the similarity it reached, its
chance among honest bidders of the project, and the aligned sentences side by
side (each quoted from its file). The pieces of one copy over a heading (each
in its own section) share one passage number, like the pieces of a literal
copy over a section boundary.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

from collusion.analysis.text.aggregation import PairResult, ProjectComparison
from collusion.analysis.text.meaning import RewrittenPassage
from collusion.analysis.text.rewrite_merge import copy_numbers
from collusion.models import Evidence, Section

# The weight of a rewritten passage (scoring.py): -log10 of its chance among
# honest bidders of the project (already multiplied by the section pairs
# tested), capped like shared typos; a pair's passages add up to the cap.
REWRITTEN_MAX_LOG10_LR = 4.0

Locate = Callable[[str, Section, int, int, int], Evidence]


def rewritten_weight(pair: PairResult, chars_per_unit: float) -> float:
    """The log10 likelihood ratio of the pair's rewritten passages, beyond
    what the literal passages folded into them weigh already (their
    characters count in the text weight, ``chars_per_unit`` a unit)."""
    total = sum(
        max(0.0, -math.log10(max(p.p_value, 1e-12)) - p.absorbed / chars_per_unit)
        for p in pair.rewritten
    )
    return round(min(REWRITTEN_MAX_LOG10_LR, total), 4)


def rewritten_evidence(
    comparison: ProjectComparison, pair: PairResult, first: int, locate: Locate
) -> list[Evidence]:
    """Both sides of each rewritten passage, numbered on from ``first``."""
    x, y = pair.bidders
    out = []
    for n, p in zip(copy_numbers(pair.rewritten, first), pair.rewritten, strict=True):
        a, b = comparison.units[p.a].section, comparison.units[p.b].section
        out.append(locate(x, a, p.a_start, p.a_end, n))
        out.append(locate(y, b, p.b_start, p.b_end, n))
    return out


def rewritten_details(
    comparison: ProjectComparison, pair: PairResult, first: int
) -> list[dict[str, Any]]:
    """Each rewritten passage: its evidence number, measures and aligned sentences."""
    x, y = pair.bidders
    out = []
    for n, p in zip(copy_numbers(pair.rewritten, first), pair.rewritten, strict=True):
        a, b = comparison.units[p.a].section, comparison.units[p.b].section
        out.append(
            {
                "passage": n,
                "similarity": p.similarity,
                "p_value": _significant(p.p_value),
                "section_pairs_tested": p.tests,
                "sentences": [
                    {
                        x: a.text[s.a_start : s.a_end],
                        y: b.text[s.b_start : s.b_end],
                        "cosine": s.cosine,
                        "dice": s.dice,
                    }
                    for s in p.sentences
                ],
            }
        )
    return out


def _significant(p: float) -> float:
    """A p-value to three significant digits."""
    return float(f"{p:.3g}")


def rewritten_words(passages: Sequence[RewrittenPassage], more: bool) -> str:
    """The summary's words for the pair's rewritten passages (Chinese);
    ``more``: literal passages were named before."""
    sentences = sum(len(p.sentences) for p in passages)
    copies = rewritten_copies(passages)
    best = min(p.p_value for p in passages)
    chance = "小于万分之一" if best < 1e-4 else f"约{best:.2g}"
    return (
        f"{'另' if more else ''}有{copies}处段落经改写后雷同（同义词替换、语序调整或增删语句，"
        f"逐句对应{sentences}句，技术参数一致；诚实投标人之间出现此种对应的概率{chance}）"
    )


def rewritten_copies(passages: Sequence[RewrittenPassage]) -> int:
    """How many passage numbers the rewritten passages take (the pieces of
    one copy over a heading share one)."""
    numbers = copy_numbers(passages, 1)
    return numbers[-1] if numbers else 0


def rewritten_blocks(comparison: ProjectComparison, pair: PairResult) -> set[tuple[str, int]]:
    """(file, block index) of every block the pair's rewritten passages touch."""
    found: set[tuple[str, int]] = set()
    for p in pair.rewritten:
        for unit, start, end in ((p.a, p.a_start, p.a_end), (p.b, p.b_start, p.b_end)):
            section = comparison.units[unit].section
            pos = 0
            for block in section.blocks:
                block_end = pos + len(block.text)
                if block_end >= start and pos < max(start + 1, end):
                    found.add((section.file, block.index))
                pos = block_end + 1
    return found
