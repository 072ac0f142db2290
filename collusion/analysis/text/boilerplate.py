"""Stage 2, ``build_boilerplate``: the shingles that are never evidence, in layers.

(a) the tender's text; (b) shingles in a large share of the project's
bidders; (c) the reviewed reference texts in ``fingerprints/boilerplate``;
(d) a history hook (shingles frequent across past projects).
"""

from __future__ import annotations

import functools
import importlib.resources
import math
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from collusion.analysis.distinct import unique_sorted
from collusion.analysis.normalize import normalize
from collusion.analysis.text.groups import GroupCopy, find_group_copies
from collusion.analysis.text.settings import TextSettings
from collusion.analysis.text.shingles import Prepared, shingle_hashes
from collusion.models import Section

BOILERPLATE_PACKAGE = "collusion.fingerprints.boilerplate"
BOILERPLATE_HEADER_KEYS = ("source", "licence")

# A history hook: a set of shingle hashes, or a callable given the hashes
# that returns those frequent across past projects.
HistoryHook = Collection[int] | Callable[[Iterable[int]], Collection[int]] | None


@dataclass(frozen=True)
class ReferenceText:
    """One reviewed boilerplate file: its header fields and its text lines."""

    name: str
    header: dict[str, str]
    lines: tuple[str, ...]


def parse_reference(name: str, content: str) -> ReferenceText:
    """Header lines are "# key: value"; every other non-empty line is text."""
    header: dict[str, str] = {}
    lines = []
    for raw in content.splitlines():
        line = raw.strip()
        if line.startswith("#"):
            key, sep, value = line.lstrip("#").partition(":")
            if sep:
                header[key.strip().lower()] = value.strip()
        elif line:
            lines.append(line)
    return ReferenceText(name, header, tuple(lines))


@functools.lru_cache(maxsize=1)
def load_reference_texts() -> tuple[ReferenceText, ...]:
    """The reviewed boilerplate shipped in fingerprints/boilerplate/*.txt."""
    folder = importlib.resources.files(BOILERPLATE_PACKAGE)
    texts = []
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".txt"):
            texts.append(parse_reference(entry.name, entry.read_text(encoding="utf-8")))
    return tuple(texts)


@functools.lru_cache(maxsize=4)
def reference_shingles(k: int) -> frozenset[int]:
    """Shingles of every reference line, normalized as bids are."""
    out: set[int] = set()
    for ref in load_reference_texts():
        for line in ref.lines:
            out.update(shingle_hashes(normalize(line).text, k))
    return frozenset(out)


class ShingleCounts(Mapping[int, int]):
    """How many bidders hold each shingle, as two sorted arrays (a dict of a
    project's millions of shingles would take hundreds of megabytes)."""

    def __init__(self, shingles: np.ndarray, counts: np.ndarray) -> None:
        # Not ``keys``: that would hide Mapping.keys().
        self.shingles = shingles  # sorted distinct shingles (uint32)
        self.counts = counts  # bidders holding each

    def lookup(self, wanted: np.ndarray) -> np.ndarray:
        """The count of each shingle of an array, 0 for those not held."""
        if not len(self.shingles):
            return np.zeros(len(wanted), dtype=self.counts.dtype)
        at = np.searchsorted(self.shingles, wanted).clip(0, len(self.shingles) - 1)
        return np.where(self.shingles[at] == wanted, self.counts[at], 0)

    def __getitem__(self, shingle: int) -> int:
        at = int(np.searchsorted(self.shingles, shingle))
        if at < len(self.shingles) and int(self.shingles[at]) == shingle:
            return int(self.counts[at])
        raise KeyError(shingle)

    def __iter__(self) -> Iterator[int]:
        return iter(self.shingles.tolist())

    def __len__(self) -> int:
        return len(self.shingles)


def sorted_array(shingles: Iterable[int]) -> np.ndarray:
    """A set of shingles as a sorted uint32 array, for vectorized membership."""
    return np.array(sorted(shingles), dtype=np.uint32)


# Many values tested against a set of hashes: a bit per bucket of the hash
# range first (2**20 buckets: a megabyte, read in cache), the binary search
# only for the values whose bucket holds a member. A value is in the set
# exactly as the search alone says; most of a project's values are not, and
# the filter answers those 10-15 times faster than the search.
FILTER_MIN_VALUES = 1 << 15  # fewer values: the filter costs more than it saves
FILTER_BITS = 20
_GOLDEN64 = np.uint64(0x9E3779B97F4A7C15)  # spreads any uint64 over the buckets


def _buckets(values: np.ndarray) -> np.ndarray:
    """Each value's bucket: the top bits of a uint32 hash, or of a uint64 times a constant."""
    if values.dtype == np.uint32:
        return values >> np.uint32(32 - FILTER_BITS)
    with np.errstate(over="ignore"):
        return (values * _GOLDEN64) >> np.uint64(64 - FILTER_BITS)


def members(values: np.ndarray, sorted_set: np.ndarray) -> np.ndarray:
    """Whether each value is in `sorted_set` (a sorted array)."""
    if not len(sorted_set):
        return np.zeros(len(values), dtype=bool)
    if (
        len(values) >= FILTER_MIN_VALUES
        and values.dtype in (np.uint32, np.uint64)
        and sorted_set.dtype == values.dtype
    ):
        held = np.zeros(1 << FILTER_BITS, dtype=bool)
        held[_buckets(sorted_set)] = True
        maybe = np.flatnonzero(held[_buckets(values)])
        out = np.zeros(len(values), dtype=bool)
        out[maybe] = _searched(values[maybe], sorted_set)
        return out
    return _searched(values, sorted_set)


def _searched(values: np.ndarray, sorted_set: np.ndarray) -> np.ndarray:
    at = np.searchsorted(sorted_set, values).clip(0, len(sorted_set) - 1)
    return sorted_set[at] == values


@dataclass(frozen=True)
class Boilerplate:
    """The shingles that are never evidence, by layer, and bidder frequency."""

    tender: frozenset[int]
    common: frozenset[int]
    reference: frozenset[int]
    history: frozenset[int]
    bidder_df: ShingleCounts  # shingle -> number of bidders holding it
    bidders: int
    # Text a ring of three or more shares in several places (collusion.analysis.text.groups).
    groups: tuple[GroupCopy, ...] = ()

    @functools.cached_property
    def removed(self) -> frozenset[int]:
        return self.tender | self.common | self.reference | self.history

    @functools.cached_property
    def removed_array(self) -> np.ndarray:
        """``removed`` as a sorted array."""
        return sorted_array(self.removed)

    def kept(self, p: Prepared) -> np.ndarray:
        """A section's distinct shingles that are not boilerplate, sorted."""
        return p.unique[~members(p.unique, self.removed_array)]

    def kept_all(self, prepared: Sequence[Prepared]) -> dict[int, np.ndarray]:
        """``kept`` of every section by id, a bidder's sections searched at once."""
        out: dict[int, np.ndarray] = {}
        for sections in by_bidder(prepared).values():
            values = np.concatenate([p.unique for p in sections])
            keep = ~members(values, self.removed_array)
            cuts = np.cumsum([len(p.unique) for p in sections])[:-1]
            for p, v, k in zip(sections, np.split(values, cuts), np.split(keep, cuts), strict=True):
                out[p.id] = v[k]
        return out

    def rarity(self, shingle: int) -> float:
        """1 for a shingle held by two bidders only, 1/(n-1) for n bidders."""
        return 1.0 / max(1, self.bidder_df.get(shingle, 2) - 1)

    @functools.cached_property
    def _groups_by_pair(self) -> dict[frozenset[str], list[GroupCopy]]:
        index: dict[frozenset[str], list[GroupCopy]] = defaultdict(list)
        for group in self.groups:
            for i, x in enumerate(group.bidders):
                for y in group.bidders[i + 1 :]:
                    index[frozenset((x, y))].append(group)
        return index

    def groups_of(self, pair: Collection[str]) -> list[GroupCopy]:
        """The group copies whose bidders include both of a pair."""
        return list(self._groups_by_pair.get(frozenset(pair), ()))


def by_bidder(prepared: Sequence[Prepared]) -> dict[str, list[Prepared]]:
    """Each bidder's sections, in the order of ``prepared``; bidders sorted."""
    grouped: dict[str, list[Prepared]] = defaultdict(list)
    for p in prepared:
        grouped[p.bidder].append(p)
    return {bidder: grouped[bidder] for bidder in sorted(grouped)}


def common_cutoff(bidders: int, settings: TextSettings) -> int:
    """Bidders that must share a shingle for layer (b) to call it common."""
    return max(settings.common_min_bidders, math.ceil(settings.common_share * bidders))


def history_hits(hook: HistoryHook, shingles: Iterable[int]) -> frozenset[int]:
    """The shingles the history hook reports as frequent in past projects."""
    if hook is None:
        return frozenset()
    if callable(hook):
        return frozenset(hook(shingles))
    return frozenset(s for s in shingles if s in hook)


def build_boilerplate(
    prepared: Sequence[Prepared],
    tender: Sequence[Section],
    settings: TextSettings,
    history: HistoryHook = None,
) -> Boilerplate:
    """The four layers of text that is never evidence."""
    tender_shingles: set[int] = set()
    for section in tender:
        tender_shingles.update(shingle_hashes(normalize(section.text).text, settings.shingle_chars))
    df = bidder_counts(prepared)
    cutoff = common_cutoff(len(df.bidders), settings)
    common = frozenset(df.shingles[df.counts >= cutoff].tolist())
    reference = (
        reference_shingles(settings.shingle_chars)
        if settings.use_reference_boilerplate
        else frozenset()
    )
    shared = df.shingles[df.counts >= 2].tolist()
    past = history_hits(history, shared)
    removed = sorted_array(frozenset(tender_shingles) | common | reference | past)
    groups = find_group_copies(prepared, removed, settings)
    return Boilerplate(
        tender=frozenset(tender_shingles),
        common=common,
        reference=reference,
        history=past,
        bidder_df=df.table,
        bidders=len(df.bidders),
        groups=groups,
    )


@dataclass(frozen=True)
class _BidderCounts:
    table: ShingleCounts
    bidders: tuple[str, ...]

    @property
    def shingles(self) -> np.ndarray:
        return self.table.shingles

    @property
    def counts(self) -> np.ndarray:
        return self.table.counts


def bidder_counts(prepared: Sequence[Prepared]) -> _BidderCounts:
    """How many bidders hold each shingle of the project."""
    per_bidder: dict[str, list[np.ndarray]] = defaultdict(list)
    for p in prepared:
        per_bidder[p.bidder].append(p.unique)
    uniques = [unique_sorted(np.concatenate(per_bidder[b])) for b in sorted(per_bidder)]
    if not uniques:
        empty = np.zeros(0, dtype=np.uint32)
        return _BidderCounts(ShingleCounts(empty, np.zeros(0, dtype=np.int32)), ())
    keys, counts = np.unique(np.concatenate(uniques), return_counts=True)
    return _BidderCounts(ShingleCounts(keys, counts.astype(np.int32)), tuple(sorted(per_bidder)))
