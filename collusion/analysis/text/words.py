"""The word view of a section: its sentences, each a sequence of hashed words.

The character view (``shingles``) finds literal copies; a copy rewritten in
other words shares few 5-character runs but keeps its content words, its
numbers and its technical terms. Here each section is cut into sentences
(Chinese and Western sentence punctuation, line breaks) and each sentence into
words:

- Chinese by ``rjieba`` (the jieba-rs segmenter; its dictionary is compiled
  into the package, nothing is downloaded), with the hidden Markov model off so
  that the output depends on the dictionary alone;
- Latin-script words lower-cased and stemmed by Snowball's English stemmer
  (``pystemmer``): "cured" and "curing" are one word;
- numbers ("1.5", "28") and terms that mix letters and digits ("c30",
  "hrb400", "pc200") kept as written: the skeleton a rewrite keeps.

Whitespace and punctuation are dropped. Nothing here weighs a word: stop words
and the tender's vocabulary are down-weighted later by their frequency in the
project (``meaning``). Every word is a 32-bit xxhash of its text, so that
sections made in different worker processes agree without a shared vocabulary.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from collusion.analysis.distinct import unique_sorted
from collusion.models import Section

# Kinds of word, by their first character and content.
CJK, LATIN, NUMBER, TERM, QUANTITY = 0, 1, 2, 3, 4
SENTENCE_ENDS = np.array([ord(c) for c in "。！？!?；;\n"], dtype=np.uint32)
BMP = 0x10000
NO_FENCES = np.zeros(0, dtype=np.int64)  # ``text_words`` of one text


@dataclass(frozen=True, eq=False)
class SectionWords:
    """A section's sentences and their words.

    ``spans[i]`` is the ``[start, end)`` of sentence ``i`` in ``section.text``;
    its words are ``words[ptr[i]:ptr[i + 1]]`` in order, of kinds
    ``kinds[...]`` (CJK, LATIN, NUMBER, TERM); ``literal[i]`` hashes its
    letters and digits (folded; spaces, line breaks and punctuation left
    out), the same for a sentence copied word for word.
    """

    spans: np.ndarray  # int32, (sentences, 2)
    ptr: np.ndarray  # int32, sentences + 1
    words: np.ndarray  # uint32 hashes
    kinds: np.ndarray  # uint8
    literal: np.ndarray  # uint32, per sentence

    @property
    def sentences(self) -> int:
        return len(self.spans)


EMPTY = SectionWords(
    np.zeros((0, 2), dtype=np.int32),
    np.zeros(1, dtype=np.int32),
    np.zeros(0, dtype=np.uint32),
    np.zeros(0, dtype=np.uint8),
    np.zeros(0, dtype=np.uint32),
)


@functools.cache
def _fold_table() -> np.ndarray:
    """One code point for one (offsets kept): full-width ASCII to ASCII, the
    ideographic space to a space, upper case to lower case (BMP only)."""
    table = np.arange(BMP, dtype=np.uint32)
    table[0xFF01:0xFF5F] -= 0xFEE0
    table[0x3000] = 0x20
    upper = np.arange(ord("A"), ord("Z") + 1)
    table[upper] += 32
    table[upper + 0xFEE0] = upper + 32
    return table


def fold(text: str) -> tuple[str, np.ndarray]:
    """``text`` folded one character for one, and its code points."""
    codes = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
    inside = codes < BMP
    folded = np.where(inside, _fold_table()[np.where(inside, codes, 0)], codes).astype(np.uint32)
    return folded.tobytes().decode("utf-32-le"), folded


# Words hash as polynomials of their code points modulo 2**64 (odd base, so it
# has an inverse): every word of a section at once, from prefix sums.
HASH_BASE = np.uint64(0x9E3779B97F4A7C15)
HASH_INVERSE = np.uint64(pow(0x9E3779B97F4A7C15, -1, 2**64))


def _powers(base: np.uint64, n: int) -> np.ndarray:
    """``base ** k`` modulo 2**64 for k < n (kept, grown by doubling)."""
    have = _POWERS.get(int(base))
    if have is None or len(have) < n:
        size = max(n, 2 * len(have) if have is not None else 4096)
        out = np.full(size, base, dtype=np.uint64)
        out[0] = 1
        with np.errstate(over="ignore"):
            have = _POWERS[int(base)] = np.cumprod(out, dtype=np.uint64)
    return have[:n]


_POWERS: dict[int, np.ndarray] = {}


def span_hashes(codes: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """The 32-bit hash of each ``codes[start:end]``: the same text, the same hash."""
    n = len(codes) + 1
    with np.errstate(over="ignore"):
        prefix = np.zeros(n, dtype=np.uint64)
        np.cumsum(
            (codes.astype(np.uint64) + np.uint64(1)) * _powers(HASH_BASE, n)[:-1], out=prefix[1:]
        )
        h = (prefix[ends] - prefix[starts]) * _powers(HASH_INVERSE, n)[starts]
        h ^= h >> np.uint64(29)
        h *= np.uint64(0xBF58476D1CE4E5B9)
        h ^= h >> np.uint64(32)
    return (h & np.uint64(0xFFFFFFFF)).astype(np.uint32)


@functools.cache
def _char_classes() -> np.ndarray:
    """For each BMP code point: 0 dropped (space, punctuation), 1 CJK or other
    letter, 2 ASCII digit, 3 ASCII letter."""
    import unicodedata

    classes = np.ones(BMP, dtype=np.uint8)
    for c in range(BMP):
        if unicodedata.category(chr(c)).startswith(("P", "Z", "Cc", "Cf", "S")):
            classes[c] = 0
    classes[ord("0") : ord("9") + 1] = 2
    classes[ord("a") : ord("z") + 1] = 3
    classes[ord("A") : ord("Z") + 1] = 3
    classes[ord("%")] = 3  # a unit: "95%" -> "95", "%"
    return classes


@functools.cache
def _segmenter():  # noqa: ANN202 - rjieba's module
    import rjieba

    return rjieba


@functools.cache
def _stemmer():  # noqa: ANN202 - Stemmer.Stemmer
    import Stemmer

    return Stemmer.Stemmer("english")


def ready() -> None:
    """Load the segmenter's dictionary (about a second), the stemmer and the
    tables, so that processes forked afterwards share them."""
    _segmenter().cut("预热", False)
    _stemmer()
    _fold_table()
    _char_classes()


def boundaries(
    text: str, codes: np.ndarray, classes: np.ndarray, fences: np.ndarray = NO_FENCES
) -> np.ndarray:
    """Where the words of folded text start, and its length at the end.

    jieba's cuts, corrected for numbers: it cuts "1.5m" into "1", ".", "5m";
    a decimal point between digits joins its neighbours, and a number is cut
    from the unit written against it ("5m" -> "5", "m"; "c30" stays whole).
    ``fences`` (``text_words``): the line break before each is a word of its own.
    """
    if not text:
        return np.zeros(1, dtype=np.int64)
    pieces = _segmenter().cut(text, False)
    lengths = np.fromiter(map(len, pieces), dtype=np.int64, count=len(pieces))
    cuts = np.zeros(len(codes) + 1, dtype=bool)
    cuts[np.cumsum(lengths)[:-1]] = True
    cuts[0] = cuts[-1] = True
    cuts[fences - 1] = cuts[fences] = True
    digit = np.zeros(len(codes) + 2, dtype=bool)
    digit[1:-1] = classes == 2
    # digit[i + 1] is whether codes[i] is a digit (False outside the text)
    point = np.flatnonzero((codes == ord(".")) & digit[:-2] & digit[2:])
    cuts[point] = False
    cuts[point + 1] = False
    starts = np.flatnonzero(cuts[:-1])
    owner = np.cumsum(cuts[:-1]) - 1  # the word each character is in
    numeric = digit[1:-1][starts][owner]  # the word starts with a digit
    letter = np.zeros(len(codes), dtype=bool)
    letter[1:] = (classes[1:] == 3) & digit[1:-2]
    cuts[:-1] |= letter & numeric
    return np.flatnonzero(cuts)


def section_words(section: Section, text: str | None = None) -> SectionWords:
    """The word view of one section (``SectionWords``), without its headings
    (the outline every bid follows) and the rows of its tables: a bill of
    quantities or an equipment list repeats the tender's items and figures
    in every bid, and is not prose to rewrite (the character engine and the
    parameters compare tables). ``text``: ``section.text``, when made already."""
    return without_skipped(section, text_words(section.text if text is None else text))


def sections_words(sections: Sequence[Section], texts: Sequence[str]) -> list[SectionWords]:
    """``section_words`` of each section (``texts`` their texts), the same
    arrays, made in one pass over the texts joined by line breaks: a section
    is a few hundred characters, and the pass is mostly per-call overhead.

    The joint text is cut where each section starts (``text_words``'
    ``fences``): jieba cuts at line breaks anyway, no word or sentence runs
    over a fence, and every hash is of the characters alone, not of where
    they are; each section's sentences and words are then its slice, its
    offsets made its own.
    """
    if len(texts) == 1:
        return [section_words(sections[0], texts[0])]
    sizes = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
    starts = np.zeros(len(texts), dtype=np.int64)
    np.cumsum(sizes[:-1] + 1, out=starts[1:])
    joint = text_words("\n".join(texts), starts[1:])
    first = np.searchsorted(joint.spans[:, 0], starts, side="left").tolist()
    first.append(joint.sentences)
    out = []
    for n, section in enumerate(sections):
        lo, hi = first[n], first[n + 1]
        words_lo, words_hi = int(joint.ptr[lo]), int(joint.ptr[hi])
        words = SectionWords(
            joint.spans[lo:hi] - np.int32(starts[n]),
            joint.ptr[lo : hi + 1] - np.int32(words_lo),
            joint.words[words_lo:words_hi],
            joint.kinds[words_lo:words_hi],
            joint.literal[lo:hi],
        )
        out.append(without_skipped(section, words))
    return out


def without_skipped(section: Section, words: SectionWords) -> SectionWords:
    """The sentences of ``words`` (the word view of ``section``'s text) that
    start outside its headings, tables and tables of contents."""
    tables, pos = [], 0
    for block in section.blocks:
        if block.kind in SKIPPED_KINDS:
            tables.append((pos, pos + len(block.text)))
        pos += len(block.text) + 1
    if not tables or not words.sentences:
        return words
    starts = words.spans[:, 0]
    inside = np.zeros(len(starts), dtype=bool)
    for lo, hi in tables:
        inside |= (starts >= lo) & (starts < hi)
    return keep_sentences(words, ~inside)


SKIPPED_KINDS = ("table", "toc", "heading")  # headings: the tender's outline, not content


def keep_sentences(words: SectionWords, keep: np.ndarray) -> SectionWords:
    """Only the sentences where ``keep`` is true."""
    if keep.all():
        return words
    lengths = np.diff(words.ptr)
    per_word = np.repeat(keep, lengths)
    ptr = np.concatenate(([0], np.cumsum(lengths[keep]))).astype(np.int32)
    return SectionWords(
        words.spans[keep], ptr, words.words[per_word], words.kinds[per_word], words.literal[keep]
    )


def text_words(text: str, fences: np.ndarray = NO_FENCES) -> SectionWords:
    """The sentences of ``text`` and their words (``SectionWords``).

    ``fences``: offsets of texts joined by line breaks (``sections_words``),
    each preceded by its line break: the break is a word and a sentence end
    of its own, and a sentence starts at the fence, as the texts apart give.
    """
    folded, codes = fold(text)
    classes = _char_classes()[np.minimum(codes, BMP - 1)]
    cut = boundaries(folded, codes, classes, fences)
    if len(cut) < 2:
        return EMPTY
    starts, ends = cut[:-1], cut[1:]
    classes[codes >= BMP] = 1
    first = classes[starts]
    digits = np.concatenate(([0], np.cumsum(classes == 2)))
    has_digit = digits[ends] > digits[starts]
    kind = np.full(len(starts), CJK, dtype=np.uint8)
    kind[first == 2] = NUMBER
    kind[(first == 3) & has_digit] = TERM
    kind[(first == 3) & ~has_digit] = LATIN
    keep = np.flatnonzero(first > 0)
    hashes = span_hashes(codes, starts[keep], ends[keep])
    latin = keep[kind[keep] == LATIN]
    if len(latin):
        hashes[kind[keep] == LATIN] = _stem_hashes(
            [folded[s:e] for s, e in zip(starts[latin].tolist(), ends[latin].tolist(), strict=True)]
        )
    # Sentences: the text between sentence ends, where a word was kept.
    bounds = sentence_bounds(codes, fences)
    owner = np.searchsorted(bounds, starts[keep], side="right") - 1
    present, first_word = np.unique(owner, return_index=True)
    # A sentence runs from its first word to its last visible character.
    visible = np.flatnonzero(~_member(SPACES)[_clamped(codes[starts])])
    last = np.searchsorted(bounds, starts[visible], side="right") - 1
    final = np.full(len(bounds), -1, dtype=np.int64)
    final[last] = ends[visible]  # later tokens overwrite earlier ones
    spans = np.stack([starts[keep][first_word], final[present]], axis=1)
    ptr = np.append(first_word, len(keep)).astype(np.int32)
    shown = classes > 0
    before = np.concatenate(([0], np.cumsum(shown)))
    literal = span_hashes(codes[shown], before[spans[:, 0]], before[spans[:, 1]])
    return SectionWords(spans.astype(np.int32), ptr, hashes, kind[keep], literal)


def sentence_bounds(codes: np.ndarray, fences: np.ndarray = NO_FENCES) -> np.ndarray:
    """0 and the offset after each run of sentence-ending characters.

    A line break ends a sentence after a short line (a heading, a table
    cell) or after sentence punctuation; after a long line that stops
    mid-sentence (a paragraph cut by a page break) it is a space. The line
    break before a fence (``text_words``) ends one, and each fence is a bound.
    """
    end = np.zeros(len(codes) + 1, dtype=bool)
    ends_table = _member(SENTENCE_ENDS)
    end[:-1] = ends_table[_clamped(codes)]
    # A full stop ends a Western sentence when a space or the end follows it.
    stops = np.flatnonzero(codes == FULL_STOP)
    after = np.append(codes, SPACE)[stops + 1]
    end[stops[_member(SPACES)[_clamped(after)]]] = True
    breaks = np.flatnonzero(codes == NEWLINE)
    if len(breaks):
        line = np.diff(np.concatenate(([-1], breaks))) - 1
        before = codes[np.maximum(breaks - 1, 0)]
        soft = (line >= SOFT_BREAK_MIN_CHARS) & ~ends_table[_clamped(before)]
        end[breaks[soft]] = False
    if not len(fences):
        return np.concatenate(([0], np.flatnonzero(end[:-1] & ~end[1:]) + 1)).astype(np.int64)
    end[fences - 1] = True
    bounds = np.concatenate(([0], np.flatnonzero(end[:-1] & ~end[1:]) + 1, fences))
    return unique_sorted(bounds.astype(np.int64))


NEWLINE, FULL_STOP, SPACE = ord("\n"), ord("."), ord(" ")
SOFT_BREAK_MIN_CHARS = 20  # a line this long that stops mid-sentence runs on


def _clamped(codes: np.ndarray) -> np.ndarray:
    """Code points as indexes of a BMP table (beyond it: the last entry, no member)."""
    return np.minimum(codes, BMP - 1)


@functools.cache
def _member_table(chars: bytes) -> np.ndarray:
    table = np.zeros(BMP, dtype=bool)
    table[np.frombuffer(chars, dtype=np.uint32)] = True
    return table


def _member(chars: np.ndarray) -> np.ndarray:
    """A BMP table: whether each code point is one of ``chars``."""
    return _member_table(chars.tobytes())


SPACES = np.array([ord(c) for c in " \t\r\n\u3000\xa0"], dtype=np.uint32)


def _stem_hashes(words: list[str]) -> np.ndarray:
    """The hashes of the stems of Latin words, in the word hash space."""
    stems = _stemmer().stemWords(words)
    lengths = np.fromiter(map(len, stems), dtype=np.int64, count=len(stems))
    ends = np.cumsum(lengths)
    codes = np.frombuffer("".join(stems).encode("utf-32-le"), dtype=np.uint32)
    return span_hashes(codes, ends - lengths, ends)


_AFTER, _BEFORE = np.uint64(0x85EBCA77C2B2AE63), np.uint64(0x27D4EB2F165667C5)


def quantities(
    words: np.ndarray, kinds: np.ndarray, rows: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Numbers with their units: for each number, a word made of it and the
    word after it ("5|米", "95|%"), and one of the word before it and it
    ("洒水车|3"), in the same sentence (``rows`` per word). Far rarer than
    their parts, they survive synonyms of the words around them. Returns the
    new words, their kind (QUANTITY) and their rows."""
    at = np.flatnonzero(kinds == NUMBER)
    after = at[(at + 1 < len(words)) & (rows[np.minimum(at + 1, len(rows) - 1)] == rows[at])]
    before = at[(at > 0) & (rows[np.maximum(at - 1, 0)] == rows[at])]

    def wide(at: np.ndarray) -> np.ndarray:  # only the words used, not all of them
        return words[at].astype(np.uint64)

    with np.errstate(over="ignore"):
        made = np.concatenate(
            [
                (wide(after) * _AFTER + wide(after + 1)) ^ (wide(after + 1) >> np.uint64(7)),
                (wide(before - 1) * _BEFORE + wide(before)) ^ (wide(before - 1) >> np.uint64(11)),
            ]
        )
    hashes = ((made ^ (made >> np.uint64(32))) & np.uint64(0xFFFFFFFF)).astype(np.uint32)
    return (
        hashes,
        np.full(len(hashes), QUANTITY, dtype=np.uint8),
        np.concatenate([rows[after], rows[before]]),
    )
