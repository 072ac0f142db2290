"""Stage 2, ``build_boilerplate``: the shingles that are never evidence, in layers.

(a) the tender's text; (b) shingles in a large share of the project's
bidders; (c) the reviewed reference texts in ``fingerprints/boilerplate``;
(d) a history hook (shingles frequent across past projects).
"""

from __future__ import annotations

import functools
import importlib.resources
import math
from collections import Counter, defaultdict
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass

from collusion.models import Section
from collusion.normalize import normalize
from collusion.text.settings import TextSettings
from collusion.text.shingles import Prepared, shingle_hashes

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


@dataclass(frozen=True)
class Boilerplate:
    """The shingles that are never evidence, by layer, and bidder frequency."""

    tender: frozenset[int]
    common: frozenset[int]
    reference: frozenset[int]
    history: frozenset[int]
    bidder_df: Mapping[int, int]  # shingle -> number of bidders holding it
    bidders: int

    @functools.cached_property
    def removed(self) -> frozenset[int]:
        return self.tender | self.common | self.reference | self.history

    def rarity(self, shingle: int) -> float:
        """1 for a shingle held by two bidders only, 1/(n-1) for n bidders."""
        return 1.0 / max(1, self.bidder_df.get(shingle, 2) - 1)


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
    per_bidder: dict[str, set[int]] = defaultdict(set)
    for p in prepared:
        per_bidder[p.bidder].update(p.shingles)
    df: Counter[int] = Counter()
    for bidder in sorted(per_bidder):
        df.update(per_bidder[bidder])
    cutoff = common_cutoff(len(per_bidder), settings)
    common = frozenset(s for s, n in df.items() if n >= cutoff)
    reference = (
        reference_shingles(settings.shingle_chars)
        if settings.use_reference_boilerplate
        else frozenset()
    )
    shared = sorted(s for s, n in df.items() if n >= 2)
    return Boilerplate(
        tender=frozenset(tender_shingles),
        common=common,
        reference=reference,
        history=history_hits(history, shared),
        bidder_df=df,
        bidders=len(per_bidder),
    )
