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

from collusion.models import Section
from collusion.normalize import Normalized, normalize
from collusion.parallel import split_map
from collusion.text.paramtext import Param, extract_params
from collusion.text.settings import TextSettings

SHINGLE_HASH_SEED = 0  # xxhash seed: part of the fingerprint, never change casually


def shingle_hashes(text: str, k: int) -> list[int]:
    """The 32-bit xxhash of each character k-gram of `text`, by position."""
    hash_ = xxhash.xxh32_intdigest
    return [
        hash_(text[i : i + k].encode("utf-8"), SHINGLE_HASH_SEED) for i in range(len(text) - k + 1)
    ]


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
    hashes: Sequence[int]  # the shingle hash at each normalized position
    unique: np.ndarray  # the distinct hashes, sorted (uint32)
    params: tuple[Param, ...]  # technical parameters, offsets in section.text

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
    hashes: array  # array("I"): the shingle hash at each normalized position
    unique: np.ndarray
    params: tuple[Param, ...]


def section_key(bidder: str, section: Section) -> SectionKey:
    return (bidder, section.file, section.ordinal)


def prepare_section(section: Section, names: Iterable[str], k: int) -> SectionPrep:
    """One section normalized (``names`` masked), shingled, its parameters found."""
    norm = normalize(section.text, names)
    hashes = array("I", shingle_hashes(norm.text, k))
    unique = np.unique(np.frombuffer(hashes, dtype=np.uint32))
    return SectionPrep(norm, hashes, unique, extract_params(section.text))


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
        out.append(Prepared(n, bidder, section, prep.norm, prep.hashes, prep.unique, prep.params))
    return out
