"""Stage 7, ``aggregate``: one result per bidder pair with its measures and severity.

The pair's passages, typos and parameter matches; severity from the amount
and rarity of what is shared.
"""

from __future__ import annotations

import functools
import math
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from collusion.analysis.text.alignment import (
    Passage,
    overlaps,
    union_length,
)
from collusion.analysis.text.boilerplate import (
    Boilerplate,
)
from collusion.analysis.text.meaning import RewrittenPassage, Unit
from collusion.analysis.text.parameters import (
    ParamMatch,
)
from collusion.analysis.text.reordered import ReorderedPassage, passages
from collusion.analysis.text.settings import TextSettings
from collusion.analysis.text.shingles import Prepared
from collusion.analysis.text.typos import (
    SharedTypo,
)
from collusion.analysis.text.verify import (
    SectionMatch,
)


@dataclass(frozen=True)
class AlignedPassage:
    """A passage with the section pair it belongs to.

    ``part_of``: pieces of one copy that runs over the boundary of two
    sections (or windows of a long section) on either side share it (the
    first piece's position in the pair's passages), and are quoted as one
    passage; None for a passage in one piece.
    """

    match: SectionMatch
    passage: Passage
    part_of: int | None = None


@dataclass(frozen=True)
class PairResult:
    """Everything the text engine found between two bidders."""

    bidders: tuple[str, str]
    matches: tuple[SectionMatch, ...]
    passages: tuple[AlignedPassage, ...]  # strongest first
    typos: tuple[SharedTypo, ...]
    shared_chars: int  # non-boilerplate characters in passages (the smaller side)
    weighted_chars: float  # shared characters x rarity
    share: tuple[float, float]  # of each bidder's remaining text
    param_sections: tuple[SectionMatch, ...]  # matched by parameters only
    tfidf: float | None
    score: float
    severity: str | None  # None: below reporting
    measures: dict = field(default_factory=dict)
    # passages rewritten in other words (collusion.analysis.text.meaning), side a
    # in a unit of bidders[0]; their units are ProjectComparison.units
    rewritten: tuple[RewrittenPassage, ...] = ()


@dataclass(frozen=True)
class ProjectComparison:
    """The engine's result over a project, with its cost."""

    prepared: tuple[Prepared, ...]
    boilerplate: Boilerplate
    pairs: tuple[PairResult, ...]
    candidates: int  # section pairs compared exactly
    all_pairs: int  # section pairs of different bidders
    lsh_params: tuple[int, int]
    units: tuple[Unit, ...] = ()  # the heading-sections rewritten passages are located in


def poisson_tail(count: int, rate: float) -> float:
    """P(X >= count) for X ~ Poisson(rate)."""
    term, below = math.exp(-rate), 0.0
    for i in range(count):
        below += term
        term *= rate / (i + 1)
    return max(0.0, 1.0 - below)


def typo_p_values(
    typos: Mapping[tuple[str, str], Sequence[SharedTypo]], bidders: int, settings: TextSettings
) -> dict[tuple[str, str], float]:
    """Each pair's chance of sharing as many typo-like variants as it does,
    given the rate among the project's other pairs."""
    pairs = bidders * (bidders - 1) // 2
    total = sum(len(t) for t in typos.values())
    out = {}
    for pair, found in typos.items():
        rate = (total - len(found)) / max(1, pairs - 1)
        out[pair] = poisson_tail(len(found), max(settings.typo_min_rate, rate))
    return out


def typo_level(count: int, p_value: float, settings: TextSettings) -> int:
    """0: not evidence; 1: evidence (medium alone); 2: strong (high alone)."""
    if count < settings.typo_min_count or p_value > settings.typo_max_p:
        return 0
    return 2 if p_value <= settings.typo_high_p else 1


def severity_of(
    weighted: float, share: float, by_params: bool, typo: int, settings: TextSettings
) -> str | None:
    """High, medium or None from the amount, rarity and spread of what is shared."""
    if weighted >= settings.high_chars or (
        share >= settings.high_share and weighted >= settings.medium_chars
    ):
        return "high"
    if typo >= 2:
        return "high"
    signals = sum([weighted >= settings.medium_chars, by_params, typo >= 1])
    if signals >= 2:
        return "high"
    if signals == 1:
        return "medium"
    return None


def score_of(weighted: float, by_params: bool, typo: int, settings: TextSettings) -> float:
    """Noisy-OR of the text amount, the parameter match and the shared typos."""
    miss = math.exp(-weighted / settings.score_scale_chars)
    if by_params:
        miss *= 1 - settings.param_score
    if typo:
        miss *= (1 - settings.typo_score) ** typo
    return round(1 - miss, 4)


@functools.cache
def tfidf_tools() -> tuple[Any, Any]:
    """scikit-learn's TF-IDF vectorizer and cosine, imported on first use
    (about half a second; a scan imports them while its files are read)."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.metrics.pairwise import cosine_similarity

    return TfidfVectorizer, cosine_similarity


def tfidf_cosine(texts_a: Sequence[str], texts_b: Sequence[str], settings: TextSettings) -> float:
    """Char n-gram TF-IDF cosine of two texts (a paraphrase-tolerant second opinion)."""
    TfidfVectorizer, cosine_similarity = tfidf_tools()  # noqa: N806 - a class
    a, b = "".join(texts_a), "".join(texts_b)
    if not a or not b:
        return 0.0
    vectorizer = TfidfVectorizer(
        analyzer="char", ngram_range=(settings.tfidf_ngram_min, settings.tfidf_ngram_max)
    )
    matrix = vectorizer.fit_transform([a, b])
    return round(float(cosine_similarity(matrix[0], matrix[1])[0, 0]), 4)


def aligned_passages(
    matches: Sequence[SectionMatch],
    prepared: Sequence[Prepared],
    boiler: Boilerplate,
    settings: TextSettings,
) -> list[AlignedPassage]:
    """The passages of a bidder pair's confirmed section pairs, in their order."""
    aligned: list[AlignedPassage] = []
    for m in matches:
        a, b = prepared[m.a], prepared[m.b]
        aligned.extend(AlignedPassage(m, p) for p in passages(a, b, m, boiler, settings))
    return aligned


@dataclass(frozen=True)
class LiteralPart:
    """What a bidder pair's confirmed section pairs give before its shared
    typos are known: its passages, the spans they cover, its measures, and
    its TF-IDF cosine when the pair is alerted whatever its typos (None when
    that is not known yet)."""

    aligned: list[AlignedPassage]
    covered: dict[int, list[tuple[int, int]]]
    shared_chars: int
    weighted: float
    share: tuple[float, float]
    param_sections: tuple[SectionMatch, ...]
    tfidf: float | None


def literal_part(
    bidders: tuple[str, str],
    matches: Sequence[SectionMatch],
    prepared: Sequence[Prepared],
    boiler: Boilerplate,
    remaining: Mapping[str, int],
    settings: TextSettings,
    aligned: list[AlignedPassage] | None = None,
) -> LiteralPart:
    """``LiteralPart`` of a bidder pair (``aligned``: ``aligned_passages`` of
    ``matches``, when known). Typos only raise a severity, so a pair with one
    without them has its TF-IDF second opinion worked out here."""
    if aligned is None:
        aligned = aligned_passages(matches, prepared, boiler, settings)
    covered: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for ap in aligned:
        covered[ap.match.a].append((ap.passage.a_start, ap.passage.a_end))
        covered[ap.match.b].append((ap.passage.b_start, ap.passage.b_end))
    side_a = sum(union_length(covered[m.a]) for m in _unique(matches, "a"))
    side_b = sum(union_length(covered[m.b]) for m in _unique(matches, "b"))
    non_boiler = sum(ap.passage.chars for ap in aligned)
    shared_chars = min(side_a, side_b, non_boiler)
    weighted = sum(ap.passage.weighted for ap in aligned) * (
        shared_chars / non_boiler if non_boiler else 0.0
    )
    share = (
        shared_chars / max(1, remaining[bidders[0]]),
        shared_chars / max(1, remaining[bidders[1]]),
    )
    param_sections = tuple(m for m in matches if m.by_params)
    tfidf = None
    if severity_of(weighted, max(share), bool(param_sections), 0, settings) is not None:
        tfidf = second_opinion(matches, prepared, settings)
    return LiteralPart(aligned, covered, shared_chars, weighted, share, param_sections, tfidf)


def second_opinion(
    matches: Sequence[SectionMatch], prepared: Sequence[Prepared], settings: TextSettings
) -> float | None:
    """The TF-IDF cosine of the pair's matched sections, unless switched off."""
    if not settings.tfidf_second_opinion:
        return None
    return tfidf_cosine(
        [prepared[m.a].norm.text for m in _unique(matches, "a")],
        [prepared[m.b].norm.text for m in _unique(matches, "b")],
        settings,
    )


def aggregate(
    bidders: tuple[str, str],
    matches: Sequence[SectionMatch],
    typos: Sequence[SharedTypo],
    typo_p: float,
    prepared: Sequence[Prepared],
    boiler: Boilerplate,
    remaining: Mapping[str, int],
    settings: TextSettings,
    literal: LiteralPart | None = None,
) -> PairResult:
    """One result per bidder pair: passages, shared typos, measures, severity
    (``literal``: ``literal_part`` of the pair, when known)."""
    if literal is None:
        literal = literal_part(bidders, matches, prepared, boiler, remaining, settings)
    covered, shared_chars, weighted, share = (
        literal.covered,
        literal.shared_chars,
        literal.weighted,
        literal.share,
    )
    param_sections = literal.param_sections
    typos = [
        t
        for t in typos
        if not overlaps(t.a_start, t.a_end, covered.get(t.a, []))
        and not overlaps(t.b_start, t.b_end, covered.get(t.b, []))
    ]
    typo = typo_level(len(typos), typo_p, settings)
    severity = severity_of(weighted, max(share), bool(param_sections), typo, settings)
    score = score_of(weighted, bool(param_sections), typo, settings)
    tfidf = None
    if severity is not None:
        tfidf = (
            literal.tfidf
            if literal.tfidf is not None
            else second_opinion(matches, prepared, settings)
        )
    aligned = joined_pieces(literal.aligned, prepared, settings)
    measures = {
        "typo_p_value": round(typo_p, 6),
        "jaccard": round(max((m.jaccard for m in matches), default=0.0), 4),
        "containment": round(max((m.containment for m in matches), default=0.0), 4),
        "reordered_passages": sum(isinstance(ap.passage, ReorderedPassage) for ap in aligned),
    }
    return PairResult(
        bidders=bidders,
        matches=tuple(matches),
        passages=tuple(aligned),
        typos=tuple(typos),
        shared_chars=shared_chars,
        weighted_chars=round(weighted, 1),
        share=(round(share[0], 4), round(share[1], 4)),
        param_sections=param_sections,
        tfidf=tfidf,
        score=score,
        severity=severity,
        measures=measures,
    )


def joined_pieces(
    aligned: Sequence[AlignedPassage], prepared: Sequence[Prepared], settings: TextSettings
) -> list[AlignedPassage]:
    """The pair's passages, strongest first, the pieces of one copy over a
    section boundary together and marked with ``part_of``.

    A piece continues another when, on both sides, it starts within
    ``max_gap_chars`` of where the other ends: in the same section, or at
    the start of the next section of the same file (sections are numbered
    in file order) when the other ends as near the end of its section.
    """
    order = sorted(aligned, key=lambda ap: (ap.match.a, ap.passage.a_start, ap.match.b))
    chains: list[list[AlignedPassage]] = []
    for ap in order:
        for chain in chains:
            if _continues(chain[-1], ap, prepared, settings):
                chain.append(ap)
                break
        else:
            chains.append([ap])

    def strength(chain: list[AlignedPassage]) -> tuple[float, int, int]:
        first = chain[0]
        return (-sum(ap.passage.weighted for ap in chain), first.match.a, first.passage.a_start)

    out: list[AlignedPassage] = []
    for chain in sorted(chains, key=strength):
        part_of = len(out) if len(chain) > 1 else None
        out.extend(replace(ap, part_of=part_of) for ap in chain)
    return out


def _continues(
    before: AlignedPassage,
    after: AlignedPassage,
    prepared: Sequence[Prepared],
    settings: TextSettings,
) -> bool:
    gap, least = settings.max_gap_chars, -settings.shingle_chars
    crossed = False
    for x, y, x_end, y_start in (
        (before.match.a, after.match.a, before.passage.a_end, after.passage.a_start),
        (before.match.b, after.match.b, before.passage.b_end, after.passage.b_start),
    ):
        if x == y:
            distance = y_start - x_end
        elif y == x + 1 and _same_file(prepared[x], prepared[y]):
            distance = len(prepared[x].norm.text) - x_end + y_start
            crossed = True
        else:
            return False
        if not least <= distance <= gap:
            return False
    return crossed


def _same_file(x: Prepared, y: Prepared) -> bool:
    return x.bidder == y.bidder and x.section.file == y.section.file


def swapped(match: SectionMatch) -> SectionMatch:
    """The same match seen from the other side."""
    params = ParamMatch(
        tuple((y, x) for x, y in match.params.shared), match.params.score, match.params.order_score
    )
    return replace(match, a=match.b, b=match.a, params=params)


def _unique(matches: Sequence[SectionMatch], side: str) -> list[SectionMatch]:
    seen: set[int] = set()
    out = []
    for m in matches:
        sid = getattr(m, side)
        if sid not in seen:
            seen.add(sid)
            out.append(m)
    return out
