"""Stage 6, ``shared_typos``: input-method slips that exactly two bidders share.

Non-words that exactly two bidders write where others write a word that
sounds the same in pinyin, judged against the project's own rate.
"""

from __future__ import annotations

import functools
import os
from collections import defaultdict
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from collusion.analysis.distinct import unique_sorted
from collusion.analysis.reference import is_common_misspelling
from collusion.analysis.text.boilerplate import (
    Boilerplate,
    ShingleCounts,
    by_bidder,
    members,
)
from collusion.analysis.text.settings import TYPO_POSITIONS, TextSettings
from collusion.analysis.text.shingles import Prepared
from collusion.runtime.lifecycle import import_whole

# Characters that are values, not spelling: a different numeral or direction
# in the same context is a different statement, never a typo.
VALUE_CHARS = frozenset(
    "零〇一二三四五六七八九十百千万亿两壹贰叁肆伍陆柒捌玖拾佰仟元角分东西南北上下左右前后内外甲乙丙丁"
)

# A shared typo must sound like the word it replaces. Chinese is typed with a
# pinyin input method, so a typing error is a wrong candidate of the right
# syllable (的/得, 帐/账, 模版/模板) or of a syllable the IME's fuzzy-pinyin
# (模糊音) settings merge (混泥土/混凝土). A character that sounds different is
# a choice, not a slip: honest bidders write 虚铺/摊铺厚度, 次楞/背楞, 砂质/粉质黏土,
# all real terms, and sharing one is no evidence. See `sounds_alike`.
#
# Initials, longest first so that zh/ch/sh are split before z/c/s; y and w
# count as initials, as in pypinyin's non-strict style.
PINYIN_INITIALS = (
    "zh",
    "ch",
    "sh",
    "b",
    "p",
    "m",
    "f",
    "d",
    "t",
    "n",
    "l",
    "g",
    "k",
    "h",
    "j",
    "q",
    "x",
    "r",
    "z",
    "c",
    "s",
    "y",
    "w",
)
# The fuzzy-pinyin pairs of the common IMEs (Sogou, Microsoft, Rime 模糊音):
# southern speakers merge retroflex and flat initials, n/l, f/h and r/l.
FUZZY_INITIALS = frozenset(
    frozenset(p)
    for p in (
        ("z", "zh"),
        ("c", "ch"),
        ("s", "sh"),
        ("n", "l"),
        ("f", "h"),
        ("r", "l"),
    )
)
# ...and front and back nasal finals (-n/-ng).
FUZZY_FINALS = frozenset(
    frozenset(p)
    for p in (
        ("an", "ang"),
        ("en", "eng"),
        ("in", "ing"),
        ("ian", "iang"),
        ("uan", "uang"),
    )
)


@dataclass(frozen=True)
class SharedTypo:
    """A misspelling two bidders share and nobody else writes (混泥土 for 混凝土)."""

    a: int  # section id on each side
    b: int
    a_start: int  # the shared 5-gram holding the typo, normalized offsets
    a_end: int
    b_start: int
    b_end: int
    typo: str  # the character both wrote
    usual: str  # what other bidders write there


CJK_FIRST, CJK_LAST = 0x4E00, 0x9FFF  # CJK Unified Ideographs


@functools.cache
def pinyin_readings(char: str) -> frozenset[str]:
    """Every toneless reading of a character (a polyphone has several)."""
    # Imported when a project first has a typo candidate to judge. A single
    # character's readings come from pypinyin's character dictionary alone:
    # its documented switches leave out the phrase dictionary and the copies
    # of both (about 47 MB that stayed for the rest of a scan; the readings
    # of U+3400-U+9FFF were checked identical with and without them).
    # Whole or not at all: an interrupt is held until the import ends
    # (``import_whole``), as for the modules a scan imports while it reads.
    os.environ.setdefault("PYPINYIN_NO_PHRASES", "1")
    os.environ.setdefault("PYPINYIN_NO_DICT_COPY", "1")
    import_whole(["pypinyin"])
    from pypinyin import Style, pinyin

    found = pinyin(char, style=Style.NORMAL, heteronym=True, errors="ignore")
    return frozenset(reading for readings in found for reading in readings)


def _split_syllable(syllable: str) -> tuple[str, str]:
    """A toneless syllable's initial (empty for zero-initial ones) and final."""
    for initial in PINYIN_INITIALS:
        if syllable.startswith(initial) and len(syllable) > len(initial):
            return initial, syllable[len(initial) :]
    return "", syllable


def _same_or_fuzzy(x: str, y: str, fuzzy: frozenset[frozenset[str]]) -> bool:
    return x == y or frozenset((x, y)) in fuzzy


def sounds_alike(a: str, b: str) -> bool:
    """Whether a pinyin IME could give character `a` where `b` was meant.

    Some reading of each (any reading of a polyphone) is the same syllable
    ignoring tones (帐/账, 版/板), or differs only by fuzzy-pinyin pairs:
    initials in `FUZZY_INITIALS`, finals in `FUZZY_FINALS` (制 zhi/资 zi).
    """
    for x in pinyin_readings(a):
        x_initial, x_final = _split_syllable(x)
        for y in pinyin_readings(b):
            y_initial, y_final = _split_syllable(y)
            if _same_or_fuzzy(x_initial, y_initial, FUZZY_INITIALS) and _same_or_fuzzy(
                x_final, y_final, FUZZY_FINALS
            ):
                return True
    return False


def _masked(window: str, p: int) -> str:
    return window[:p] + "\0" + window[p + 1 :]


def _codes(text: str) -> np.ndarray:
    """The code points of a text as uint64 (numpy does the per-position work)."""
    return np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)


BMP_END = 0x10000  # code points below it fit 16 bits


def _bigram_codes(codes: np.ndarray) -> np.ndarray:
    """One integer per character bigram (code points fit in 21 bits)."""
    return (codes[:-1] << np.uint64(21)) | codes[1:]


def _masked_codes(codes: np.ndarray, k: int, pos: int) -> np.ndarray:
    """A hash per k-window of its characters but the one at `pos` (collisions
    are possible and are checked on the strings afterwards)."""
    n = len(codes) - k + 1
    out = np.zeros(max(0, n), dtype=np.uint64)
    if n <= 0:
        return out
    for j in range(k):
        if j != pos:
            out = out * np.uint64(MASK_HASH_BASE) + codes[j : j + n]
    return out


MASK_HASH_BASE = 1_000_003


@dataclass(frozen=True)
class _Joined:
    """One bidder's sections as one text, so that each step below is a few
    numpy calls per bidder rather than per section. Only the windows of a
    section's own shingles are looked at: none spans two sections."""

    sections: tuple[Prepared, ...]
    text: str  # the sections' normalized texts, joined
    codes: np.ndarray  # its code points (``_codes``)
    starts: np.ndarray  # where each section's text starts in it, then its end
    hashes: np.ndarray  # every section's shingle hashes, in order
    windows: np.ndarray  # the offset in ``text`` of each of those windows
    owner: np.ndarray  # the index in ``sections`` of each of those windows


def _joined(sections: Sequence[Prepared]) -> _Joined:
    texts = [p.norm.text for p in sections]
    text = "".join(texts)
    starts = np.zeros(len(texts) + 1, dtype=np.int64)
    np.cumsum([len(t) for t in texts], out=starts[1:])
    arrays = [p.hash_array() for p in sections]
    counts = np.array([len(a) for a in arrays], dtype=np.int64)
    first = np.zeros(len(arrays), dtype=np.int64)  # where each section's hashes start
    np.cumsum(counts[:-1], out=first[1:])
    total = int(counts.sum())
    hashes = np.concatenate(arrays) if total else np.zeros(0, dtype=np.uint32)
    owner = np.repeat(np.arange(len(arrays)), counts)
    windows = np.arange(total, dtype=np.int64) + (starts[:-1] - first)[owner]
    return _Joined(tuple(sections), text, _codes(text), starts, hashes, windows, owner)


def bigram_df(prepared: Sequence[Prepared]) -> ShingleCounts:
    """How many bidders use each character bigram (keyed by `_bigram_codes`)
    inside one of their sections."""
    uniques = []
    for sections in by_bidder(prepared).values():
        joined = _joined(sections)
        codes = joined.codes
        inside = np.ones(max(0, len(codes) - 1), dtype=bool)
        across = joined.starts[1:-1] - 1  # the bigrams over a section boundary
        inside[across[(across >= 0) & (across < len(inside))]] = False
        if len(codes) and int(codes.max()) < BMP_END:
            # Characters of the Basic Multilingual Plane: 32-bit keys sort
            # faster, and (first << 21 | second) keeps their order.
            small = codes.astype(np.uint32)
            found = unique_sorted(((small[:-1] << np.uint32(16)) | small[1:])[inside])
            wide = found.astype(np.uint64)
            uniques.append(((wide >> np.uint64(16)) << np.uint64(21)) | (wide & np.uint64(0xFFFF)))
        else:
            uniques.append(unique_sorted(_bigram_codes(codes)[inside]))
    if not uniques:
        return ShingleCounts(np.zeros(0, dtype=np.uint64), np.zeros(0, dtype=np.int64))
    values, counts = np.unique(np.concatenate(uniques), return_counts=True)
    return ShingleCounts(values, counts)


def _pair_held(
    prepared: Sequence[Prepared], boiler: Boilerplate
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The non-boilerplate shingles exactly two bidders hold (sorted), with
    the two bidders of each (indexes into the sorted bidder ids, first < second)."""
    table = boiler.bidder_df
    two = table.shingles[table.counts == 2]
    two = two[~members(two, boiler.removed_array)]
    shingles: list[np.ndarray] = []
    owners: list[np.ndarray] = []
    for n, sections in enumerate(by_bidder(prepared).values()):
        unique = np.concatenate([p.unique for p in sections])
        held = unique[members(unique, two)]
        shingles.append(held)
        owners.append(np.full(len(held), n, dtype=np.int32))
    values = np.concatenate(shingles) if shingles else np.zeros(0, dtype=np.uint32)
    if not len(values):
        empty = np.zeros(0, dtype=np.int32)
        return values, empty, empty
    who = np.concatenate(owners)
    order = np.lexsort((who, values))
    values, who = values[order], who[order]
    # Each shingle's sections, by bidder: the first and last rows of its run.
    starts = np.flatnonzero(np.r_[True, values[1:] != values[:-1]])
    ends = np.r_[starts[1:], len(values)] - 1
    return values[starts], who[starts], who[ends]


@dataclass(frozen=True)
class _TypoCandidate:
    pair: tuple[str, str]
    section: int
    window: int  # start of the exclusive 5-gram
    pos: int  # the character's place in it
    char: str


def typo_candidates(
    prepared: Sequence[Prepared], boiler: Boilerplate, settings: TextSettings
) -> dict[str, list[_TypoCandidate]]:
    """Characters inside 5-grams held by exactly two bidders whose bigrams with
    both neighbours nobody else uses: the non-words a typo makes. Keyed by
    the 5-gram with that character blanked."""
    k = settings.shingle_chars
    exclusive, first_owner, second_owner = _pair_held(prepared, boiler)
    bidders = list(by_bidder(prepared))
    place = {id(p): n for n, p in enumerate(prepared)}
    bigrams = bigram_df(prepared)
    found: list[tuple[int, int, int, Prepared, int]] = []
    for me, sections in enumerate(by_bidder(prepared).values()):
        joined = _joined(sections)
        # each pair's windows counted once: at the first bidder's
        hit = np.flatnonzero(members(joined.hashes, exclusive[first_owner == me]))
        if not len(hit):
            continue
        other = second_owner[np.searchsorted(exclusive, joined.hashes[hit])]
        windows, owner, codes = joined.windows[hit], joined.owner[hit], joined.codes
        for pos in TYPO_POSITIONS:
            middle = codes[windows + pos]
            left = (codes[windows + pos - 1] << np.uint64(21)) | middle
            right = (middle << np.uint64(21)) | codes[windows + pos + 1]
            slip = (
                (middle >= CJK_FIRST)
                & (middle <= CJK_LAST)
                & (bigrams.lookup(left) == 2)
                & (bigrams.lookup(right) == 2)
            )
            for i, n, y in zip(
                windows[slip].tolist(), owner[slip].tolist(), other[slip].tolist(), strict=True
            ):
                p = sections[n]
                found.append((place[id(p)], pos, i - int(joined.starts[n]), p, y))
    needed: dict[str, list[_TypoCandidate]] = defaultdict(list)
    for _, pos, i, p, y in sorted(found, key=lambda f: f[:3]):
        window = p.norm.text[i : i + k]
        char = window[pos]
        if char in VALUE_CHARS:
            continue
        needed[_masked(window, pos)].append(
            _TypoCandidate((p.bidder, bidders[y]), p.id, i, pos, char)
        )
    return needed


def context_fills(
    needed: Collection[str], prepared: Sequence[Prepared], k: int
) -> dict[str, dict[str, set[str]]]:
    """For each masked 5-gram, which bidders write which character in the blank."""
    fills: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    if not needed:
        return fills
    by_pos: dict[int, np.ndarray] = {}
    for pos in TYPO_POSITIONS:
        keys = [key for key in needed if key[pos] == "\0"]
        window_codes = [_masked_codes(_codes(key), k, pos)[0] for key in keys]
        by_pos[pos] = unique_sorted(np.asarray(window_codes, dtype=np.uint64))
    for bidder, sections in by_bidder(prepared).items():
        joined = _joined(sections)
        if not len(joined.windows):
            continue
        text = joined.text
        for pos in TYPO_POSITIONS:
            masked = _masked_codes(joined.codes, k, pos)[joined.windows]
            for i in joined.windows[members(masked, by_pos[pos])].tolist():
                key = text[i : i + pos] + "\0" + text[i + pos + 1 : i + k]
                if key in needed:
                    fills[key][text[i + pos]].add(bidder)
    return fills


def usual_char(
    candidate: _TypoCandidate, fills: Mapping[str, set[str]], settings: TextSettings
) -> str | None:
    """What others write where this pair wrote `candidate.char`, when enough do
    and it sounds like the pair's character (`sounds_alike`)."""
    owners = set(candidate.pair)
    if fills.get(candidate.char, set()) - owners:
        return None
    others = sorted(
        ((len(who - owners), c) for c, who in fills.items() if c != candidate.char),
        key=lambda nc: (-nc[0], nc[1]),
    )
    if not others or others[0][0] < settings.typo_min_other_bidders:
        return None
    usual = others[0][1]
    return usual if sounds_alike(candidate.char, usual) else None


def shared_typos(
    prepared: Sequence[Prepared], boiler: Boilerplate, settings: TextSettings
) -> dict[tuple[str, str], list[SharedTypo]]:
    """Typos shared by exactly two bidders, one per distinct (typo, usual) word.

    A shared typo: inside a 5-gram only the two bidders hold, a character
    whose bigrams with both neighbours nobody else in the project uses (a
    non-word: 混泥 where others write 混凝), in a context where at least
    `typo_min_other_bidders` others write another character, which sounds
    like it in pinyin (`sounds_alike`: 泥/凝, 版/板). A synonym (依照/依据,
    材料员/资料员) fails the bigram test; a real alternative term that sounds
    different (虚铺/摊铺, 次楞/背楞) fails the sound test. A misspelling much
    of the trade writes (``fingerprints/common_misspellings.csv``: 模版 for
    模板, 帐户 for 账户) is no shared slip; nor is one in a 5-gram that the
    history finds in many past projects (it is boilerplate, layer (d)).
    """
    k = settings.shingle_chars
    needed = typo_candidates(prepared, boiler, settings)
    fills = context_fills(needed.keys(), prepared, k)
    first: dict[tuple[int, str], tuple[int, int]] = {}
    out: dict[tuple[str, str], list[SharedTypo]] = defaultdict(list)
    seen: set[tuple[tuple[str, str], str, str]] = set()
    for key in sorted(needed):
        for c in needed[key]:
            usual = usual_char(c, fills.get(key, {}), settings)
            if usual is None:
                continue
            a = prepared[c.section]
            if is_common_misspelling(a.norm.text, c.window + c.pos, c.char, usual):
                continue  # 模版 for 模板: written by much of the trade, not a shared slip
            word = a.norm.text[c.window + c.pos - 1 : c.window + c.pos + 2]
            if (c.pair, word, usual) in seen:
                continue
            other = c.pair[1] if c.pair[0] == a.bidder else c.pair[0]
            where = _find_shingle(prepared, a.hashes[c.window], other, first)
            if where is None:
                continue
            seen.add((c.pair, word, usual))
            sid, j = where
            out[c.pair].append(
                SharedTypo(a.id, sid, c.window, c.window + k, j, j + k, c.char, usual)
            )
    return {pair: sorted(typos, key=lambda t: (t.a, t.a_start)) for pair, typos in out.items()}


def _find_shingle(
    prepared: Sequence[Prepared],
    shingle: int,
    bidder: str,
    cache: dict[tuple[int, str], tuple[int, int]],
) -> tuple[int, int] | None:
    """The first (section id, position) of a shingle in a bidder's text."""
    if (shingle, bidder) not in cache:
        for p in prepared:
            if p.bidder == bidder and members(np.array([shingle], dtype=np.uint32), p.unique)[0]:
                cache[(shingle, bidder)] = (p.id, p.hashes.index(shingle))
                break
    return cache.get((shingle, bidder))
