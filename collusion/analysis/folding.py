"""Fold what a reader cannot see or tell apart, one character for one.

A copy can be hidden from a byte comparison without a reader noticing:

- ``invisible``: characters Unicode says a renderer ignores
  (Default_Ignorable_Code_Point, through the ``regex`` module): zero-width
  spaces and joiners, soft hyphens, variation selectors (U+FE00-FE0F,
  U+E0100-E01EF), the combining grapheme joiner U+034F, the Hangul fillers
  U+115F, U+1160, U+3164 and U+FFA0, tags. They are removed.
- ``confusable``: a Latin, Cyrillic or Greek letter outside ASCII whose
  Unicode TR39 confusable is one ASCII letter or digit (Cyrillic а, Greek ο
  for o; Cyrillic З for 3) becomes that ASCII character. ASCII itself is never
  changed, so 0 and O, 1 and l stay apart and numbers stay numbers. The data
  is Unicode's confusables.txt as shipped by the ``confusable_homoglyphs``
  package.
- ``traditional``: traditional characters become simplified through OpenCC's
  ``t2s`` (phrase-aware: 乾燥 becomes 干燥, 乾隆 stays), the conversion any IME
  or editor offers in one click.

``collusion.analysis.normalize`` applies these with the rest of its folding and
records, per kind, the original offsets it changed (``Normalized.concealed``),
so that an alert can say a copy was found only after folding: concealment
is itself a sign.
"""

from __future__ import annotations

import functools
import importlib.resources
import json
import unicodedata
from collections.abc import Iterable

import numpy as np
import regex

INVISIBLE = "invisible"
CONFUSABLE = "confusable"
TRADITIONAL = "traditional"
KINDS = (INVISIBLE, CONFUSABLE, TRADITIONAL)
CONFUSABLE_SCRIPTS = frozenset({"LATIN", "CYRILLIC", "GREEK"})
CONFUSABLES_PACKAGE = "confusable_homoglyphs"
OPENCC_CONFIG = "t2s"
UNICODE_MAX = 0x110000
_IGNORABLE = regex.compile(r"\p{Default_Ignorable_Code_Point}+")


@functools.lru_cache(maxsize=1)
def ignorable_table() -> np.ndarray:
    """For every code point, whether it is Default_Ignorable_Code_Point."""
    table = np.zeros(UNICODE_MAX, dtype=bool)
    codes = np.concatenate((np.arange(0xD800), np.arange(0xE000, UNICODE_MAX))).astype(np.uint32)
    planes = codes.tobytes().decode("utf-32-le")
    offset = 0x800  # the surrogates left out of `planes`
    for match in _IGNORABLE.finditer(planes):
        start, end = match.start(), match.end()
        if start >= 0xD800:
            start, end = start + offset, end + offset
        table[start:end] = True
    return table


def is_ignorable(char: str) -> bool:
    return bool(ignorable_table()[ord(char)])


@functools.lru_cache(maxsize=1)
def confusable_map() -> dict[int, str]:
    """Non-ASCII Latin/Cyrillic/Greek letter -> the ASCII letter or digit it is
    confusable with (TR39), for ``str.translate``."""
    from confusable_homoglyphs import categories

    resource = importlib.resources.files(CONFUSABLES_PACKAGE).joinpath("confusables.json")
    data = json.loads(resource.read_text(encoding="utf-8"))
    table: dict[int, str] = {}
    for char, homoglyphs in data.items():
        if len(char) != 1 or char.isascii() or categories.alias(char) not in CONFUSABLE_SCRIPTS:
            continue
        ascii_like = sorted(
            h["c"] for h in homoglyphs if len(h["c"]) == 1 and h["c"].isascii() and h["c"].isalnum()
        )
        if not ascii_like:
            continue
        letters = [c for c in ascii_like if c.isalpha()]
        same_case = [c for c in letters if c.isupper() == char.isupper()]
        table[ord(char)] = (same_case or letters or ascii_like)[0]
    return table


def code_points(text: str) -> np.ndarray:
    """The code point of each character (lone surrogates included), as uint32."""
    return np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)


def _table_of(codes: Iterable[int]) -> np.ndarray:
    table = np.zeros(UNICODE_MAX, dtype=bool)
    table[np.fromiter(codes, dtype=np.int64)] = True
    return table


@functools.lru_cache(maxsize=1)
def _confusable_table() -> np.ndarray:
    """For every code point, whether ``confusable_map`` changes it (one array
    lookup per character tells where a text has any)."""
    return _table_of(confusable_map())


@functools.lru_cache(maxsize=1)
def _confusable_chars() -> frozenset[str]:
    return frozenset(chr(c) for c in confusable_map())


@functools.lru_cache(maxsize=1)
def _ignorable_chars() -> frozenset[str]:
    return frozenset(chr(c) for c in np.flatnonzero(ignorable_table()).tolist())


def fold_confusables(text: str) -> tuple[str, list[int]]:
    """`text` with confusable letters replaced, and the positions replaced."""
    if text.isascii():
        return text, []
    positions = np.flatnonzero(_confusable_table()[code_points(text)])
    if not len(positions):
        return text, []
    return text.translate(confusable_map()), positions.tolist()


@functools.lru_cache(maxsize=1)
def _converter():  # noqa: ANN202 - opencc.OpenCC
    import opencc

    return opencc.OpenCC(OPENCC_CONFIG)


def to_simplified(text: str) -> tuple[str, list[int]]:
    """`text` with traditional characters made simplified, one character for
    one, and the positions changed.

    OpenCC converts whole phrases; when a phrase changes length (rare in
    t2s) the text is converted character by character instead.
    """
    if not text or text.isascii() or not _traditional_table()[code_points(text)].any():
        return text, []
    converted = _converter().convert(text)
    if len(converted) != len(text):
        converted = "".join(_one_char(c) for c in text)
    if converted == text:
        return text, []
    old = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
    new = np.frombuffer(converted.encode("utf-32-le"), dtype=np.uint32)
    return converted, np.flatnonzero(old != new).tolist()


# Where OpenCC may change a character: CJK punctuation, radicals, the
# ideographs of the BMP and of the supplementary ideographic plane.
CONVERTIBLE_RANGES = (
    (0x2E80, 0xA000),
    (0xF900, 0xFB00),
    (0xFE30, 0xFE50),
    (0xFF00, 0xFFF0),
    (0x20000, 0x323B0),
)


@functools.lru_cache(maxsize=1)
def _traditional_chars() -> frozenset[str]:
    """The characters t2s changes on their own: a text without any of them is
    left as it is, without calling OpenCC (most bids are simplified)."""
    chars = [chr(c) for start, end in CONVERTIBLE_RANGES for c in range(start, end)]
    converted = _converter().convert("\n".join(chars)).split("\n")
    if len(converted) != len(chars):  # never expected: convert one by one
        converted = [_converter().convert(c) for c in chars]
    return frozenset(c for c, d in zip(chars, converted, strict=True) if c != d)


@functools.lru_cache(maxsize=1)
def _traditional_table() -> np.ndarray:
    return _table_of(ord(c) for c in _traditional_chars())


@functools.lru_cache(maxsize=65536)
def _one_char(char: str) -> str:
    converted = _converter().convert(char)
    return converted if len(converted) == 1 else char


@functools.lru_cache(maxsize=1)
def foldable_table() -> np.ndarray:
    """For every code point, whether ``visible_text`` may change it."""
    return ignorable_table() | _confusable_table() | _traditional_table()


def load_tables() -> None:
    """Build every folding table now (about a second of work, once per
    process): a scan calls it before it forks its workers, which then share
    the tables instead of each building its own."""
    ignorable_table()
    _ignorable_chars()
    _confusable_table()
    _confusable_chars()
    _traditional_table()
    foldable_table()
    nfkc_lower_tables()
    expanding_folds()


def visible_text(text: str) -> str:
    """`text` as a reader takes it in: invisible characters removed, confusable
    letters and traditional characters folded (offsets not kept)."""
    text = _IGNORABLE.sub("", text)
    return to_simplified(fold_confusables(text)[0])[0]


def visible_with_offsets(text: str) -> tuple[str, list[int] | None]:
    """`visible_text` with the original offset of each character kept, or
    None for the offsets when nothing was removed (one character for one)."""
    if text.isascii() or not foldable_table()[code_points(text)].any():
        return text, None  # nothing to fold: the common case, one array lookup
    present = set(text)  # each test below then looks at distinct characters only
    where = None
    if not _ignorable_chars().isdisjoint(present):
        where = [i for i, c in enumerate(text) if not is_ignorable(c)]
        text = "".join(text[i] for i in where)
        present = set(text)
    if not _confusable_chars().isdisjoint(present):
        text = text.translate(confusable_map())
        present = set(text)
    if not _traditional_chars().isdisjoint(present):
        text = to_simplified(text)[0]
    return text, where


# --- NFKC and lower case by table, for text where that is exact -----------------

HANGUL_VOWELS_AND_TAILS = ((0x1161, 0x1176), (0x11A8, 0x11C3))  # compose with a preceding jamo
COMPLEX = 0  # in the tables below: fold this character with unicodedata itself
CAPITAL_SIGMA = 0x03A3  # lower-cases to σ or ς by its place in the word


@functools.lru_cache(maxsize=1)
def _composing_seconds() -> frozenset[int]:
    """Characters that can compose with the one before them under NFC: every
    second character of a canonical pair decomposition, the Hangul vowels and
    tails, and every combining mark."""
    seconds = set()
    for code in range(UNICODE_MAX):
        char = chr(code)
        if unicodedata.combining(char):
            seconds.add(code)
        parts = unicodedata.decomposition(char).split()
        if len(parts) == 2 and not parts[0].startswith("<"):
            seconds.add(int(parts[1], 16))
    for start, end in HANGUL_VOWELS_AND_TAILS:
        seconds.update(range(start, end))
    return frozenset(seconds)


def _one_for_one(folded: str, seconds: frozenset[int]) -> int:
    """The code of a one-character fold that no neighbour can change, else COMPLEX."""
    if len(folded) != 1 or any(ord(c) in seconds for c in unicodedata.normalize("NFD", folded)):
        return COMPLEX
    return ord(folded)


@functools.lru_cache(maxsize=1)
def nfkc_lower_tables() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For each code point of the Basic Multilingual Plane:

    - NFKC then lower case, as one code point;
    - NFKC, confusable letters to ASCII, then lower case (``normalize``'s
      order), as one code point;
    - whether NFKC gives a confusable letter.

    COMPLEX where the fold is not one character, or where the character or
    its fold takes part in composition or in context-dependent lower casing:
    there the whole-text ``unicodedata`` fold may differ from the character's
    own, and callers fold the text with ``unicodedata``. Elsewhere, folding a
    text character by character through these tables gives exactly what
    NFKC and ``str.lower`` give on the whole text, an array lookup per
    character instead of a pass of each (measured: about ten times faster).
    """
    seconds = _composing_seconds()
    confusables = confusable_map()
    lowered = np.zeros(BMP_SIZE, dtype=np.uint32)
    unconfused = np.zeros(BMP_SIZE, dtype=np.uint32)
    confused = np.zeros(BMP_SIZE, dtype=bool)
    for code in range(BMP_SIZE):
        if code == CAPITAL_SIGMA or 0xD800 <= code < 0xE000:
            continue
        char = chr(code)
        if code in seconds:
            continue
        nfkc = unicodedata.normalize("NFKC", char)
        lowered[code] = _one_for_one(nfkc.lower(), seconds)
        mapped = nfkc.translate(confusables)
        unconfused[code] = _one_for_one(mapped.lower(), seconds)
        confused[code] = len(nfkc) == 1 and ord(nfkc) in confusables
        if CAPITAL_SIGMA in (ord(c) for c in nfkc + mapped):
            lowered[code] = unconfused[code] = COMPLEX
    return lowered, unconfused, confused


BMP_SIZE = 0x10000


@functools.lru_cache(maxsize=1)
def expanding_folds() -> np.ndarray:
    """For each code point of the Basic Multilingual Plane that NFKC expands
    to several characters (℃ -> °C, ㎡ -> m2, ½ -> 1⁄2), none of them a
    capital sigma or one that can compose with a neighbour or decompose
    into one: the first character of that expansion in lower case; 0 for
    every other code point.

    A text whose characters are each one-for-one in ``nfkc_lower_tables`` or
    expanding here grows under NFKC by exactly what its expanding characters
    add: whole-text folding then falls back to folding character by
    character, and callers may go there at once.
    """
    seconds = _composing_seconds()
    lowered, unconfused, _ = nfkc_lower_tables()
    first = np.zeros(BMP_SIZE, dtype=np.uint32)
    for code in np.flatnonzero((lowered == COMPLEX) | (unconfused == COMPLEX)).tolist():
        if code in seconds or code == CAPITAL_SIGMA or 0xD800 <= code < 0xE000:
            continue
        nfkc = unicodedata.normalize("NFKC", chr(code))
        if len(nfkc) < 2 or chr(CAPITAL_SIGMA) in nfkc:
            continue
        if any(ord(c) in seconds for c in unicodedata.normalize("NFD", nfkc)):
            continue
        first[code] = ord(nfkc.lower()[0])
    return first
