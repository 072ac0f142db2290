"""Technical parameters (数值+单位 with their term): the paraphrase path.

Extracted per section, weighted by rarity in the project, matched in order
(weighted LCS); used by the candidates and the exact confirmation.
"""

from __future__ import annotations

import functools
import math
import re
import unicodedata
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from collusion.folding import visible_with_offsets
from collusion.models import Section
from collusion.parallel import split_map
from collusion.text.boilerplate import (
    common_cutoff,
)
from collusion.text.settings import TextSettings
from collusion.text.shingles import Prepared

_UNITS = (
    "mm|cm|km|m2|m3|m²|m³|kg|kn|mpa|kpa|kw|kva|t|m|%|℃|"
    "个|台|套|辆|人|名|日历天|天|日|小时|层|米|厘米|毫米|吨|道|处|根|块|组|座|部|个月|月|周|次|遍|级"
)
PARAM_PATTERN = re.compile(
    r"(?P<grade>(?<![a-z])(?:c|hrb|hpb|mu)\d{2,3}e?(?!\d))"
    r"|(?P<model>(?<![a-z0-9])[a-z]{2,5}-?\d{2,5}[a-z]?(?![a-z0-9]))"
    rf"|(?P<num>(?<![\d.a-z])\d+(?:\.\d+)?)\s*(?P<unit>{_UNITS})(?![a-z])"
)
PARAM_TERM_CHARS = 1  # characters of the term that are part of a parameter's key
PARAM_TERM = re.compile(r"([\u4e00-\u9fff]{1,4})$")
PARAM_FILLER = re.compile(r"(?:为|是|约|达|不小于|不少于|不大于|不超过|大于|小于|控制在)$")


@dataclass(frozen=True)
class Param:
    """A technical parameter: its comparable key and the term it qualifies."""

    key: str  # what is compared: the term's last character and the value, "度6m"
    value: str  # "c25", "qtz80", "6m", "2台"
    term: str  # the words before it, for display: "宽度", "塔吊"
    start: int  # character offsets in the section text
    end: int
    section: int = -1  # id of the Prepared section it is in, once indexed


@functools.lru_cache(maxsize=65536)
def _fold_one(char: str) -> str:
    return (unicodedata.normalize("NFKC", char).lower() or " ")[0]


def _fold_same_length(text: str) -> str:
    """NFKC and lower case, one character for one, so offsets stay valid."""
    folded = unicodedata.normalize("NFKC", text).lower()
    if len(folded) == len(text):
        return folded
    return "".join(map(_fold_one, text))


def extract_params(text: str) -> tuple[Param, ...]:
    """Parameters of a text in order: grades, equipment models, number+unit
    (read as a reader sees them: `visible_with_offsets`)."""
    visible, where = visible_with_offsets(text)
    folded = _fold_same_length(visible)
    out = []
    for match in PARAM_PATTERN.finditer(folded):
        if match.group("num") is not None:
            value = f"{float(match.group('num')):g}{match.group('unit')}"
        else:
            value = match.group(0).replace("-", "")
        before = PARAM_FILLER.sub("", folded[max(0, match.start() - 8) : match.start()].strip())
        term_match = PARAM_TERM.search(before)
        term = term_match.group(1) if term_match else ""
        # The value alone is too common ("5天", "4米" are in every long bid);
        # with the last character of its term it says what it measures, and
        # survives most rewording of the term (采用/使用/选用 C25).
        start, end = match.start(), match.end()
        if where is not None:
            start, end = where[start], where[end - 1] + 1
        out.append(Param(term[-PARAM_TERM_CHARS:] + value, value, term, start, end))
    return tuple(out)


def weighted_lcs(
    a: Sequence[str], b: Sequence[str], weight: Mapping[str, float]
) -> tuple[float, list[tuple[int, int]]]:
    """Weighted longest common subsequence of two key sequences, with the matched indices."""
    n, m = len(a), len(b)
    table = [[0.0] * (m + 1) for _ in range(n + 1)]
    for i in range(n - 1, -1, -1):
        row, below = table[i], table[i + 1]
        for j in range(m - 1, -1, -1):
            if a[i] == b[j]:
                row[j] = weight.get(a[i], 0.0) + below[j + 1]
            else:
                row[j] = max(below[j], row[j + 1])
    pairs = []
    i = j = 0
    while i < n and j < m:
        if a[i] == b[j] and math.isclose(table[i][j], weight.get(a[i], 0.0) + table[i + 1][j + 1]):
            pairs.append((i, j))
            i, j = i + 1, j + 1
        elif table[i + 1][j] >= table[i][j + 1]:
            i += 1
        else:
            j += 1
    return table[0][0], pairs


@dataclass(frozen=True)
class ParamIndex:
    """Each section's parameters and each key's weight (rarity in the project)."""

    params: Mapping[int, tuple[Param, ...]]  # section id -> its parameters
    weight: Mapping[str, float]  # key -> ln((bidders + 1) / holders); 0 = not evidence
    units: tuple[tuple[int, ...], ...] = ()  # the windows of each heading-section


WINDOW_SUFFIX = re.compile(r"（第\d+段）$")  # what collusion.sections adds to a window's title


def section_units(prepared: Sequence[Prepared]) -> tuple[tuple[int, ...], ...]:
    """Windows of one heading-section grouped again: (bidder, file, title) -> ids."""
    units: dict[tuple[str, str, str], list[int]] = defaultdict(list)
    for p in prepared:
        base = WINDOW_SUFFIX.sub("", p.section.title)
        units[(p.bidder, p.section.file, base)].append(p.id)
    return tuple(tuple(ids) for _, ids in sorted(units.items()))


def build_param_index(
    prepared: Sequence[Prepared], tender: Sequence[Section], settings: TextSettings
) -> ParamIndex:
    """Extract parameters; weigh each key by rarity, the tender's and common ones 0."""
    found = split_map(
        lambda p: tuple(replace(q, section=p.id) for q in extract_params(p.section.text)),
        prepared,
        [len(p.norm.text) for p in prepared],
    )
    params = {p.id: params for p, params in zip(prepared, found, strict=True)}
    tender_keys = {q.key for s in tender for q in extract_params(s.text)}
    holders: dict[str, set[str]] = defaultdict(set)
    for p in prepared:
        for q in params[p.id]:
            holders[q.key].add(p.bidder)
    bidders = len({p.bidder for p in prepared})
    cutoff = common_cutoff(bidders, settings)
    weight = {}
    for key, who in holders.items():
        if key in tender_keys or len(who) >= cutoff or len(who) < 2:
            weight[key] = 0.0
        else:
            weight[key] = math.log((bidders + 1) / len(who))
    return ParamIndex(params, weight, section_units(prepared))


@dataclass(frozen=True)
class ParamMatch:
    """Technical parameters two sections share.

    ``score`` is the weighted overlap of the two parameter multisets over the
    larger one's weight (order-free: a paraphrase reorders sentences but keeps
    the numbers; over the larger, because a long section holds some of any
    short one's numbers by chance); ``order_score`` the weighted longest
    common subsequence over the same total (how much is also in order).
    """

    shared: tuple[tuple[Param, Param], ...]  # a's parameter and b's, in a's order
    score: float
    order_score: float


NO_PARAM_MATCH = ParamMatch((), 0.0, 0.0)


def match_params(a: Sequence[Param], b: Sequence[Param], weight: Mapping[str, float]) -> ParamMatch:
    """The weighted overlap (and in-order overlap) of two sections' parameters."""
    items_a = [p for p in a if weight.get(p.key, 0) > 0]
    items_b = [p for p in b if weight.get(p.key, 0) > 0]
    total = max(sum(weight[p.key] for p in items_a), sum(weight[p.key] for p in items_b))
    if total <= 0:
        return NO_PARAM_MATCH
    pool: dict[str, list[Param]] = defaultdict(list)
    for q in items_b:
        pool[q.key].append(q)
    shared = []
    for p in items_a:
        if pool.get(p.key):
            shared.append((p, pool[p.key].pop(0)))
    overlap = sum(weight[p.key] for p, _ in shared)
    if not shared:
        return ParamMatch((), 0.0, 0.0)
    used = {id(y) for _, y in shared}
    in_order, _ = weighted_lcs(
        [p.key for p, _ in shared], [q.key for q in items_b if id(q) in used], weight
    )
    return ParamMatch(tuple(shared), overlap / total, in_order / total)
