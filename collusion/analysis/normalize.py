"""Text normalization before shingling, with a map back to the original text.

``normalize(text, names)`` applies, in order:

1. NFKC per character (full-width letters, digits and spaces become half-width,
   "㎡" becomes "m2"), confusable letters to ASCII, then lower case;
2. removal of whitespace, punctuation and control characters, and of every
   character a renderer ignores (zero-width, variation selectors, fillers);
3. traditional characters to simplified (``collusion.analysis.folding``);
4. masking: every occurrence of a name (a bidder's own company name, its short
   form, names written after signature labels, anything shaped like a company
   name) is replaced by one placeholder character, so that swapping the names
   in a copied text does not hide the copy.

Each character of the result remembers the span ``[start, end)`` of the
original text it came from, so that a match found on normalized text is
quoted from the original (``Normalized.span``); ``Normalized.concealed`` keeps
the original offsets of what steps 1-3 folded away as concealment
(``collusion.analysis.folding``: invisible, confusable, traditional).
"""

from __future__ import annotations

import functools
import re
import unicodedata
from bisect import bisect_left
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np

from collusion.analysis.distinct import unique_sorted
from collusion.analysis.folding import (
    COMPLEX,
    CONFUSABLE,
    INVISIBLE,
    TRADITIONAL,
    UNICODE_MAX,
    code_points,
    expanding_folds,
    fold_confusables,
    ignorable_table,
    is_ignorable,
    nfkc_lower_tables,
    to_simplified,
    visible_text,
)

PLACEHOLDER = "\ue000"  # a private-use character: never in real text
DROPPED_CATEGORIES = ("P", "Z", "Cc", "Cf")
MIN_NAME_CHARS = 2
MIN_SHORT_NAME_CHARS = 3  # a short form like "甲建设"; "建设" alone is too common

# Labels in signature blocks and forms after which a name is written.
SIGNATURE_LABEL = re.compile(
    r"(?:投标人|投标单位|单位名称|公司名称|法定代表人|委托代理人|授权代表|授权委托人|"
    r"项目经理|项目负责人|技术负责人|编制人|审核人|联系人|签字人)"
    r"(?:（[^）]{0,8}）)?\s*[：:]\s*"
    r"([\u4e00-\u9fff（）()·]{2,30}?)"
    r"(?=[（(]\s*(?:盖|签)|\s|$|[，,。；;])"
)
COMPANY_SUFFIX = (
    r"(?:有限责任公司|股份有限公司|有限公司|集团公司|分公司|公司|工程局|研究院|设计院|事务所)"
)
COMPANY_SUFFIX_RE = re.compile(COMPANY_SUFFIX)
NAME_CHAR = re.compile(r"[\u4e00-\u9fff（）()]")
MAX_NAME_CHARS = 24  # characters before the legal suffix
REGION_PREFIX = re.compile(r"^(?:[\u4e00-\u9fff]{1,4}?[省市县区州])+")
NAME_SUFFIX = re.compile(rf"{COMPANY_SUFFIX}$")


@dataclass(frozen=True, eq=False)
class OffsetMap:
    """Per character of a normalized text, the ``[start, end)`` of the
    original text it came from, stored as runs: a project holds one offset
    per character of every bid, but normalization only drops characters
    (spaces, punctuation) or widens a few (a masked name), so the starts
    climb one by one between the places it did.

    ``runs[r] = (at, base)``: from normalized position ``at`` to the next
    run's, the start is ``base + (position - at)``; ``wide[w] = (at, end)``:
    the positions whose end is not their start + 1 (sorted).
    """

    length: int
    runs: np.ndarray  # int32, (runs, 2)
    wide: np.ndarray  # int32, (positions, 2)

    @classmethod
    def of(cls, starts: np.ndarray, ends: np.ndarray) -> OffsetMap:
        """The map of per-character ``starts`` and ``ends`` (equal lengths)."""
        starts = np.asarray(starts, dtype=np.int32)
        ends = np.asarray(ends, dtype=np.int32)
        # a run starts where the start does not climb by one (and at position 0)
        at = np.flatnonzero(np.diff(starts, prepend=starts[:1] - 2) != 1).astype(np.int32)
        wide = np.flatnonzero(ends != starts + 1).astype(np.int32)
        return cls(
            len(starts),
            np.stack([at, starts[at]], axis=1),
            np.stack([wide, ends[wide]], axis=1),
        )

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, OffsetMap)
            and self.length == other.length
            and np.array_equal(self.runs, other.runs)
            and np.array_equal(self.wide, other.wide)
        )

    __hash__ = None  # type: ignore[assignment]  # arrays: compared by value, never hashed

    def start(self, position: int) -> int:
        """The original start of the normalized character at ``position``."""
        if not 0 <= position < self.length:
            raise IndexError(position)
        r = int(np.searchsorted(self.runs[:, 0], position, side="right")) - 1
        at, base = self.runs[r]
        return int(base) + position - int(at)

    def end(self, position: int) -> int:
        """The original end of the normalized character at ``position``."""
        w = int(np.searchsorted(self.wide[:, 0], position))
        if w < len(self.wide) and self.wide[w, 0] == position:
            return int(self.wide[w, 1])
        return self.start(position) + 1

    def starts(self) -> np.ndarray:
        """Every character's original start (int64)."""
        at, base = self.runs[:, 0].astype(np.int64), self.runs[:, 1].astype(np.int64)
        lengths = np.diff(np.append(at, self.length))
        return np.arange(self.length, dtype=np.int64) + np.repeat(base - at, lengths)


@dataclass(frozen=True)
class Normalized:
    """Normalized text and, per character, the original span it came from."""

    text: str
    offsets: OffsetMap
    # kind (invisible, confusable, traditional) -> sorted original offsets folded
    concealed: Mapping[str, tuple[int, ...]] = field(default_factory=dict)

    def span(self, start: int, end: int) -> tuple[int, int]:
        """The original ``[start, end)`` covering normalized ``[start, end)``."""
        if start >= end:
            raise ValueError("empty span")
        return self.offsets.start(start), self.offsets.end(end - 1)

    def concealed_in(self, start: int, end: int) -> dict[str, int]:
        """How many characters of each concealment kind were folded in the
        original ``[start, end)``."""
        counts = {}
        for kind, offsets in self.concealed.items():
            n = bisect_left(offsets, end) - bisect_left(offsets, start)
            if n:
                counts[kind] = n
        return counts


def _kept(char: str) -> bool:
    return not (unicodedata.category(char).startswith(DROPPED_CATEGORIES) or is_ignorable(char))


@functools.lru_cache(maxsize=65536)
def _fold_char(char: str) -> tuple[str, bool, bool]:
    """NFKC, confusables and lower case of one character ("" for what is
    removed); whether it was invisible; whether it was a confusable."""
    nfkc, confused = fold_confusables(unicodedata.normalize("NFKC", char))
    lowered = nfkc.lower()
    invisible = is_ignorable(char) or any(is_ignorable(c) for c in lowered)
    return "".join(c for c in lowered if _kept(c)), invisible, bool(confused)


def plain_fold(text: str) -> str:
    """NFKC, lower case, no whitespace, punctuation or controls: the folding
    before concealment was folded too (to tell what that adds)."""
    folded = unicodedata.normalize("NFKC", text).lower()
    return "".join(c for c in folded if not unicodedata.category(c).startswith(DROPPED_CATEGORIES))


@functools.lru_cache(maxsize=65536)
def fold(text: str) -> str:
    """The normalized form of `text`, without masking or offsets (cached: the
    same company names are folded for every section)."""
    return to_simplified(_fold_with_offsets(text)[0])[0]


def short_name(name: str) -> str | None:
    """A company's short form: region prefix and legal suffix dropped."""
    core = NAME_SUFFIX.sub("", REGION_PREFIX.sub("", name))
    return core if len(core) >= MIN_SHORT_NAME_CHARS and core != name else None


def names_in_text(text: str) -> set[str]:
    """Names written after signature labels, and company-shaped names."""
    found = {m.group(1).strip() for m in SIGNATURE_LABEL.finditer(text)}
    found.update(company_names(text))
    return {n for n in found if len(n) >= MIN_NAME_CHARS}


def company_names(text: str) -> list[str]:
    """Company-shaped names: up to MAX_NAME_CHARS Chinese characters before a
    legal suffix (有限公司, 集团公司, ...), as far back as they go."""
    names = []
    last_end = 0
    for match in COMPANY_SUFFIX_RE.finditer(text):
        start = match.start()
        limit = max(last_end, start - MAX_NAME_CHARS)
        while start > limit and NAME_CHAR.match(text[start - 1]):
            start -= 1
        if match.start() - start >= MIN_NAME_CHARS:
            names.append(text[start : match.end()])
        last_end = match.end()
    return names


def expand_names(names: Iterable[str]) -> set[str]:
    """Names plus the short forms of company names."""
    out = set()
    for name in names:
        name = name.strip()
        if len(name) < MIN_NAME_CHARS:
            continue
        out.add(name)
        short = short_name(name)
        if short:
            out.add(short)
    return out


def _dropped_table() -> np.ndarray:
    """For each code point of the Basic Multilingual Plane, whether NFKC-folded
    text drops it (whitespace, punctuation, controls)."""
    return np.array(
        [unicodedata.category(chr(c)).startswith(DROPPED_CATEGORIES) for c in range(BMP)],
        dtype=bool,
    )


BMP = 0x10000
_DROPPED = _dropped_table()


Folded = tuple[str, np.ndarray, np.ndarray, dict[str, list[int]]]


def _fold_with_offsets(text: str) -> Folded:
    """Folded text, the original span of each character (start and end
    arrays), and the original offsets folded as concealment (invisible,
    confusable)."""
    codes = code_points(text)
    if len(codes) and codes.max() < BMP:
        _, unconfused, confusable = nfkc_lower_tables()
        mapped = unconfused[codes]
        if mapped.all():  # the common case: every character folds by table
            return _fold_fast(mapped, np.flatnonzero(confusable[codes]).tolist())
        if expanding_folds()[codes[mapped == COMPLEX]].all():
            return _fold_by_char(text)  # what NFKC, longer than the text, leads to
    nfkc = unicodedata.normalize("NFKC", text)
    if len(nfkc) == len(text):
        mapped_text, confused = fold_confusables(nfkc)
        whole = mapped_text.lower()
        if len(whole) == len(text):  # one character for one
            return _fold_fast(code_points(whole), confused)
    return _fold_by_char(text)


def _fold_fast(codes: np.ndarray, confused: list[int]) -> Folded:
    """The fold of a text whose folded code points ``codes`` are one for one."""
    invisible = ignorable_table()[codes]
    dropped = invisible.copy()
    in_bmp = codes < BMP
    dropped[in_bmp] |= _DROPPED[codes[in_bmp]]
    positions = np.flatnonzero(~dropped).astype(np.int32)
    kept = codes[positions].tobytes().decode("utf-32-le", "surrogatepass")
    concealed = {INVISIBLE: np.flatnonzero(invisible).tolist(), CONFUSABLE: confused}
    return kept, positions, positions + 1, concealed


class _CharFolds:
    """``_fold_char`` of every code point met so far, as arrays over the code
    points (its length, invisible, confusable) and a ``str.translate`` table:
    a text is then folded character by character with array lookups, each
    distinct character worked out once per process."""

    def __init__(self) -> None:
        self.length = np.full(UNICODE_MAX, -1, dtype=np.int8)
        self.invisible = np.zeros(UNICODE_MAX, dtype=bool)
        self.confusable = np.zeros(UNICODE_MAX, dtype=bool)
        self.translate: dict[int, str] = {}

    def learn(self, codes: np.ndarray) -> None:
        """Fill in the code points of ``codes`` not met before."""
        new = codes[self.length[codes] < 0]
        if not len(new):
            return
        for code in unique_sorted(new).tolist():
            folded, invisible, confusable = _fold_char(chr(code))
            self.length[code] = len(folded)
            self.invisible[code] = invisible
            self.confusable[code] = confusable
            if folded != chr(code):
                self.translate[code] = folded


_CHAR_FOLDS = _CharFolds()


def _fold_by_char(text: str) -> Folded:
    """``_fold_char`` of every character (a character may become several, as
    ℃ becomes °c, or none)."""
    codes = code_points(text)
    _CHAR_FOLDS.learn(codes)
    out = text.translate(_CHAR_FOLDS.translate)
    lengths = _CHAR_FOLDS.length[codes].astype(np.int64)
    starts = np.repeat(np.arange(len(text), dtype=np.int32), lengths)
    concealed = {
        INVISIBLE: np.flatnonzero(_CHAR_FOLDS.invisible[codes]).tolist(),
        CONFUSABLE: np.flatnonzero(_CHAR_FOLDS.confusable[codes]).tolist(),
    }
    return out, starts, starts + 1, concealed


@functools.lru_cache(maxsize=4096)
def _mask_pattern(names: frozenset[str]) -> re.Pattern[str] | None:
    """One regex of the folded names, longest first (cached: a bidder's
    sections mostly mask the same names)."""
    folded = sorted(
        {f for f in map(fold, names) if len(f) >= MIN_NAME_CHARS}, key=lambda n: (-len(n), n)
    )
    if not folded:
        return None
    return re.compile("|".join(re.escape(n) for n in folded))


def normalize(text: str, names: Iterable[str] = ()) -> Normalized:
    """Fold `text` and mask `names` (and the names it contains) with PLACEHOLDER."""
    folded, starts, ends, found = _fold_with_offsets(text)
    folded, changed = to_simplified(folded)
    found[TRADITIONAL] = starts[changed].tolist()
    concealed = {kind: tuple(sorted(offsets)) for kind, offsets in found.items() if offsets}
    pattern = _mask_pattern(frozenset(expand_names(set(names) | names_in_text(visible_text(text)))))
    if pattern is None:
        return Normalized(folded, OffsetMap.of(starts, ends), concealed)
    out: list[str] = []
    out_starts: list[np.ndarray] = []
    out_ends: list[np.ndarray] = []
    pos = 0
    for match in pattern.finditer(folded):
        out.append(folded[pos : match.start()])
        out_starts += [starts[pos : match.start()], starts[match.start() : match.start() + 1]]
        out_ends += [ends[pos : match.start()], ends[match.end() - 1 : match.end()]]
        out.append(PLACEHOLDER)
        pos = match.end()
    out.append(folded[pos:])
    out_starts.append(starts[pos:])
    out_ends.append(ends[pos:])
    return Normalized(
        "".join(out),
        OffsetMap.of(np.concatenate(out_starts), np.concatenate(out_ends)),
        concealed,
    )
