"""Technical parameters as a section states them (数值+单位 with their term):
what ``extract_params`` finds in one text, with offsets into it.

Pure and per section, so an extraction worker runs it with the rest of a
file's text preparation; ``parameters`` weighs and matches them.
"""

from __future__ import annotations

import functools
import re
import sys
import unicodedata
from array import array
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from itertools import repeat
from typing import NamedTuple

import numpy as np

from collusion.analysis.folding import (
    BMP_SIZE,
    COMPLEX,
    code_points,
    expanding_folds,
    nfkc_lower_tables,
    visible_with_offsets,
)

_UNITS = (
    "mm|cm|km|m2|m3|m²|m³|kg|kn|mpa|kpa|kw|kva|t|m|%|℃|"
    "个|台|套|辆|人|名|日历天|天|日|小时|层|米|厘米|毫米|吨|道|处|根|块|组|座|部|个月|月|周|次|遍|级"
)
# Every alternative starts with a digit or a Latin letter: the lookahead in
# front lets the regex engine pass over the Chinese text between them at once.
PARAM_PATTERN = re.compile(
    r"(?=[\da-z])(?:"
    r"(?P<grade>(?<![a-z])(?:c|hrb|hpb|mu)\d{2,3}e?(?!\d))"
    r"|(?P<model>(?<![a-z0-9])[a-z]{2,5}-?\d{2,5}[a-z]?(?![a-z0-9]))"
    rf"|(?P<num>(?<![\d.a-z])\d+(?:\.\d+)?)\s*(?P<unit>{_UNITS})(?![a-z]))"
)
PARAM_TERM_CHARS = 1  # characters of the term that are part of a parameter's key
PARAM_TERM = re.compile(r"([\u4e00-\u9fff]{1,4})$")
PARAM_FILLER = re.compile(r"(?:为|是|约|达|不小于|不少于|不大于|不超过|大于|小于|控制在)$")


class Param(NamedTuple):
    """A technical parameter: its comparable key and the term it qualifies.

    A named tuple: a 40-bidder project holds about a hundred thousand, made
    in the workers and renumbered per section in the parent.
    """

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
    codes = code_points(text)
    if len(codes) and codes.max() < BMP_SIZE:
        mapped = nfkc_lower_tables()[0][codes]
        if mapped.all():  # every character folds by table: exactly what follows
            return mapped.tobytes().decode("utf-32-le")
        first = expanding_folds()[codes]
        if first[mapped == COMPLEX].all():  # NFKC grows the text: _fold_one of each
            return np.where(mapped == COMPLEX, first, mapped).tobytes().decode("utf-32-le")
    folded = unicodedata.normalize("NFKC", text).lower()
    if len(folded) == len(text):
        return folded
    return "".join(map(_fold_one, text))


def extract_params(text: str) -> tuple[Param, ...]:
    """Parameters of a text in order: grades, equipment models, number+unit
    (read as a reader sees them: `visible_with_offsets`)."""
    return tuple(Param(*found) for found in _found_params(text))


Found = tuple[str, str, str, int, int]  # the fields of a Param but its section


def _found_params(text: str) -> list[Found]:
    """What ``extract_params`` makes each Param of, in order."""
    visible, where = visible_with_offsets(text)
    folded = _fold_same_length(visible)
    out = []
    for match in PARAM_PATTERN.finditer(folded):
        _, _, number, unit = match.groups()
        start, end = match.span()
        if number is not None:
            value = _number_value(number, unit)
        else:
            value = match.group().replace("-", "")
        term = _term_before(folded[max(0, start - 8) : start])
        # The value alone is too common ("5天", "4米" are in every long bid);
        # with the last character of its term it says what it measures, and
        # survives most rewording of the term (采用/使用/选用 C25).
        if where is not None:
            start, end = where[start], where[end - 1] + 1
        out.append((term[-PARAM_TERM_CHARS:] + value, value, term, start, end))
    return out


@functools.lru_cache(maxsize=65536)
def _number_value(number: str, unit: str) -> str:
    """The number as its value reads: ("6.0", "m") -> "6m"."""
    return f"{float(number):g}{unit}"


@functools.lru_cache(maxsize=65536)
def _term_before(context: str) -> str:
    """The term a parameter qualifies, from the characters before it
    ("宽度为" -> "宽度"); bids repeat their contexts, so it is cached."""
    term_match = PARAM_TERM.search(PARAM_FILLER.sub("", context.strip()))
    return term_match.group(1) if term_match else ""


SEPARATOR = "\x1f"  # never in a key, value or term (CJK terms; values of digits, letters, units)


@dataclass(frozen=True)
class ParamColumns:
    """A section's parameters as columns: what an extraction worker sends to
    the scan (a hundred thousand small tuples pickle slower than the text),
    made back into ``Param`` with the section's id by ``params``."""

    keys: str  # joined by SEPARATOR
    values: str
    terms: str
    spans: array  # array("i"): start, end of each parameter

    @classmethod
    def of(cls, params: Sequence[Param]) -> ParamColumns:
        return cls(
            SEPARATOR.join(p.key for p in params),
            SEPARATOR.join(p.value for p in params),
            SEPARATOR.join(p.term for p in params),
            array("i", [offset for p in params for offset in (p.start, p.end)]),
        )

    @classmethod
    def found_in(cls, text: str) -> ParamColumns:
        """``of(extract_params(text))``, without making each Param."""
        found = _found_params(text)
        if not found:
            return cls("", "", "", array("i"))
        keys, values, terms, starts, ends = zip(*found, strict=True)
        spans = array("i", [0]) * (2 * len(found))
        spans[0::2], spans[1::2] = array("i", starts), array("i", ends)
        return cls(SEPARATOR.join(keys), SEPARATOR.join(values), SEPARATOR.join(terms), spans)

    def params(self, section: int = -1) -> tuple[Param, ...]:
        if not self.spans:
            return ()
        starts, ends = self.spans[0::2], self.spans[1::2]
        # Interned: a project's few thousand keys, values and terms repeat
        # over hundreds of thousands of parameters (71 MB of copies at 40
        # bidders of 100-180 pages).
        columns = (
            map(sys.intern, self.keys.split(SEPARATOR)),
            map(sys.intern, self.values.split(SEPARATOR)),
            map(sys.intern, self.terms.split(SEPARATOR)),
            starts,
            ends,
            repeat(section),
        )
        return tuple(map(Param, *columns))

    def keys_list(self) -> list[str]:
        """The parameters' keys, in order."""
        return self.keys.split(SEPARATOR) if self.spans else []

    def params_with(self, section: int, wanted: Collection[str]) -> tuple[Param, ...]:
        """``params(section)`` of those whose key is in ``wanted`` alone (a
        project's parameters are mostly common ones: only the few that weigh
        are made into ``Param``)."""
        keys = self.keys_list()
        at = [n for n, key in enumerate(keys) if key in wanted]
        if not at:
            return ()
        values, terms = self.values.split(SEPARATOR), self.terms.split(SEPARATOR)
        spans, intern = self.spans, sys.intern
        return tuple(
            Param(
                intern(keys[n]),
                intern(values[n]),
                intern(terms[n]),
                spans[2 * n],
                spans[2 * n + 1],
                section,
            )
            for n in at
        )
