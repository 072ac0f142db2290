"""Stage 1, ``prepare``: sections normalized and cut into hashed character shingles."""

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

    @functools.cached_property
    def shingles(self) -> frozenset[int]:
        return frozenset(self.unique.tolist())

    def hash_array(self) -> np.ndarray:
        """``hashes`` as a numpy view (no copy)."""
        return np.frombuffer(self.hashes, dtype=np.uint32)


def prepare(
    sections: Mapping[str, Sequence[Section]],
    names: Mapping[str, Iterable[str]],
    settings: TextSettings,
) -> list[Prepared]:
    """Normalize and shingle every section, in a fixed order."""
    ordered = sorted(
        ((bidder, s) for bidder, secs in sections.items() for s in secs),
        key=lambda bs: (bs[0], bs[1].file, bs[1].ordinal),
    )
    k = settings.shingle_chars

    def one(item: tuple[str, Section]) -> tuple[Normalized, array, np.ndarray]:
        bidder, section = item
        norm = normalize(section.text, names.get(bidder, ()))
        hashes = array("I", shingle_hashes(norm.text, k))
        return norm, hashes, np.unique(np.frombuffer(hashes, dtype=np.uint32))

    weights = [sum(len(b.text) + 1 for b in section.blocks) for _, section in ordered]
    done = split_map(one, ordered, weights)
    return [
        Prepared(n, bidder, section, norm, hashes, unique)
        for n, ((bidder, section), (norm, hashes, unique)) in enumerate(
            zip(ordered, done, strict=True)
        )
    ]
