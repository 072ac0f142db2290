"""Stage 1, ``prepare``: sections normalized and cut into hashed character
shingles, their technical parameters found.

``prepare_section`` is the whole stage for one section and depends on nothing
else in the project, so an extraction worker runs it for each file it has just
read (``collusion.scan``); ``prepare`` assembles the project from those, and
prepares itself whatever no worker did.
"""

from __future__ import annotations

import functools
from array import array
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import xxhash

from collusion.analysis.distinct import unique_sorted
from collusion.analysis.normalize import Normalized, normalize
from collusion.analysis.text.paramtext import ParamColumns
from collusion.analysis.text.settings import TextSettings
from collusion.analysis.text.words import SectionWords, section_words, sections_words
from collusion.models import Section
from collusion.runtime.parallel import split_map

SHINGLE_HASH_SEED = 0  # xxhash seed: part of the fingerprint, never change casually


def shingle_hashes(text: str, k: int) -> list[int]:
    """The 32-bit xxhash of each character k-gram of `text`, by position."""
    return shingle_array(text, k).tolist()


def shingle_array(text: str, k: int) -> np.ndarray:
    """``shingle_hashes`` as a uint32 array, computed on all windows at once.

    Each value is exactly ``xxhash.xxh32_intdigest(text[i:i+k].encode("utf-8"),
    SHINGLE_HASH_SEED)`` (the stored fingerprints depend on it): XXH32's
    short-input path (under 16 bytes, every k-gram of characters from the
    Basic Multilingual Plane when k is 5) is run on numpy arrays, and the few
    longer windows (characters beyond the BMP) through ``xxhash`` itself.
    """
    n = len(text) - k + 1
    if n <= 0:
        return np.zeros(0, dtype=np.uint32)
    if n < VECTOR_MIN_WINDOWS:
        return np.array(_python_shingles(text, k), dtype=np.uint32)
    try:
        data = text.encode("utf-8")
    except UnicodeEncodeError:  # lone surrogates: the per-window path says where
        return np.array(_python_shingles(text, k), dtype=np.uint32)
    codes = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
    widths = 1 + (codes >= 0x80) + (codes >= 0x800) + (codes >= 0x10000)
    offsets = np.zeros(len(codes) + 1, dtype=np.int64)
    np.cumsum(widths, out=offsets[1:])
    starts = offsets[:n]
    lengths = (offsets[k:] - starts).astype(np.uint32)
    padded = np.frombuffer(data + bytes(XXH32_SHORT_INPUT), dtype=np.uint8)
    out = _xxh32_short(padded, starts, lengths)
    long = np.flatnonzero(lengths >= XXH32_SHORT_INPUT)
    for i in long.tolist():
        out[i] = xxhash.xxh32_intdigest(text[i : i + k].encode("utf-8"), SHINGLE_HASH_SEED)
    return out


def _python_shingles(text: str, k: int) -> list[int]:
    hash_ = xxhash.xxh32_intdigest
    return [
        hash_(text[i : i + k].encode("utf-8"), SHINGLE_HASH_SEED) for i in range(len(text) - k + 1)
    ]


VECTOR_MIN_WINDOWS = 512  # below this, numpy's per-call cost exceeds the loop's
XXH32_SHORT_INPUT = 16  # XXH32 reads inputs of 16 bytes and more in stripes
_P1, _P2, _P3, _P4, _P5 = (
    np.uint32(p) for p in (0x9E3779B1, 0x85EBCA77, 0xC2B2AE3D, 0x27D4EB2F, 0x165667B1)
)


def _rotl(x: np.ndarray, r: int) -> np.ndarray:
    return (x << np.uint32(r)) | (x >> np.uint32(32 - r))


def _xxh32_short(data: np.ndarray, starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """XXH32 of the inputs ``data[start:start+length]`` shorter than 16 bytes
    (``data`` padded bytes); uint32 arithmetic wraps like C's."""
    size = len(data) - 3
    # The little-endian 4-byte word at every byte offset, read once.
    word_at = (
        data[:size].astype(np.uint32)
        | (data[1 : size + 1].astype(np.uint32) << 8)
        | (data[2 : size + 2].astype(np.uint32) << 16)
        | (data[3 : size + 3].astype(np.uint32) << 24)
    )
    byte_at = data.astype(np.uint32)
    with np.errstate(over="ignore"):
        h = np.uint32(SHINGLE_HASH_SEED) + _P5 + lengths
        words = lengths // 4
        for j in range(3):  # at most 3 whole 4-byte words under 16 bytes
            word = word_at[starts + 4 * j]
            h = np.where(words > j, _rotl(h + word * _P3, 17) * _P4, h)
        tail = starts + 4 * words
        for j in range(3):  # then at most 3 single bytes
            h = np.where(lengths % 4 > j, _rotl(h + byte_at[tail + j] * _P5, 11) * _P1, h)
        h ^= h >> np.uint32(15)
        h *= _P2
        h ^= h >> np.uint32(13)
        h *= _P3
        h ^= h >> np.uint32(16)
    return h.astype(np.uint32)


@dataclass(frozen=True, eq=False)
class Prepared:
    """One section ready to compare.

    Stored compactly (a project holds one hash per character of every bid):
    ``hashes`` is an ``array("I")``, ``unique`` a sorted numpy array; the set
    ``shingles`` is built only for the sections that are aligned.
    """

    id: int  # position in the project's sorted list of sections
    bidder: str
    section: Section
    norm: Normalized
    hashes: array[int]  # array("I"): the shingle hash at each normalized position
    unique: np.ndarray  # the distinct hashes, sorted (uint32)
    params: ParamColumns  # technical parameters, offsets in section.text
    words: SectionWords  # the word view: sentences and their words (``words``)

    @functools.cached_property
    def shingles(self) -> frozenset[int]:
        return frozenset(self.unique.tolist())

    def hash_array(self) -> np.ndarray:
        """``hashes`` as a numpy view (no copy)."""
        return np.frombuffer(self.hashes, dtype=np.uint32)


SectionKey = tuple[str, str, int]  # bidder, file, ordinal of the section in its file


@dataclass(frozen=True, eq=False)
class SectionPrep:
    """Stage 1 of one section, made wherever its file was read."""

    norm: Normalized
    hashes: array[int]  # array("I"): the shingle hash at each normalized position
    unique: np.ndarray
    params: ParamColumns
    words: SectionWords


def section_key(bidder: str, section: Section) -> SectionKey:
    return (bidder, section.file, section.ordinal)


def prepare_section(section: Section, names: Iterable[str], k: int) -> SectionPrep:
    """One section normalized (``names`` masked), shingled, its parameters
    found, its word view made."""
    text = section.text
    norm = normalize(text, names)
    return _prepared(text, norm, shingle_array(norm.text, k), section_words(section, text))


def prepare_sections(
    sections: Sequence[Section], names: Iterable[str], k: int
) -> list[SectionPrep]:
    """``prepare_section`` of each of a file's sections (the same values),
    the word view and the shingles made for all of them at once
    (``sections_words``, ``shingles_apart``)."""
    texts = [section.text for section in sections]
    names = tuple(names)
    norms = [normalize(text, names) for text in texts]
    hashes = shingles_apart([norm.text for norm in norms], k)
    views = sections_words(sections, texts)
    return [_prepared(*parts) for parts in zip(texts, norms, hashes, views, strict=True)]


def shingles_apart(texts: Sequence[str], k: int) -> list[np.ndarray]:
    """``shingle_array`` of each text, hashed in one pass over the texts
    joined: a window's hash is of its characters alone, and the windows
    that run over a join are left out."""
    if len(texts) < 2:
        return [shingle_array(text, k) for text in texts]
    joined = "\n".join(texts)
    try:
        joined.encode("utf-8")
    except UnicodeEncodeError:  # lone surrogates: each text says where
        return [shingle_array(text, k) for text in texts]
    found = shingle_array(joined, k)
    out, start = [], 0
    for text in texts:
        out.append(found[start : start + max(0, len(text) - k + 1)])
        start += len(text) + 1
    return out


def _prepared(text: str, norm: Normalized, found: np.ndarray, words: SectionWords) -> SectionPrep:
    hashes = array("I", found.tobytes())
    unique = unique_sorted(found)
    return SectionPrep(norm, hashes, unique, ParamColumns.found_in(text), words)


def prepare(
    sections: Mapping[str, Sequence[Section]],
    names: Mapping[str, Iterable[str]],
    settings: TextSettings,
    ready: Mapping[SectionKey, SectionPrep] | None = None,
) -> list[Prepared]:
    """Every section prepared, in a fixed order; ``ready`` holds sections
    prepared already (with the same names and settings), the rest are done here."""
    ordered = sorted(
        ((bidder, s) for bidder, secs in sections.items() for s in secs),
        key=lambda bs: (bs[0], bs[1].file, bs[1].ordinal),
    )
    k = settings.shingle_chars
    ready = ready or {}
    missing = [(b, s) for b, s in ordered if section_key(b, s) not in ready]
    done = split_map(
        lambda item: prepare_section(item[1], names.get(item[0], ()), k),
        missing,
        [sum(len(b.text) + 1 for b in section.blocks) for _, section in missing],
    )
    found = {**ready, **{section_key(b, s): d for (b, s), d in zip(missing, done, strict=True)}}
    out = []
    for n, (bidder, section) in enumerate(ordered):
        prep = found[section_key(bidder, section)]
        out.append(
            Prepared(
                n, bidder, section, prep.norm, prep.hashes, prep.unique, prep.params, prep.words
            )
        )
    return out
