"""Near-duplicate text engine: shingles, boilerplate layers, candidates, alignment.

The engine reads top to bottom (``compare_project``):

1. ``prepare``: each section normalized (names masked) and cut into character
   5-gram shingles hashed with 32-bit xxhash.
2. ``build_boilerplate``: the shingles that are never evidence, in layers:
   (a) the tender's text; (b) shingles in a large share of the project's
   bidders; (c) the reviewed reference texts in ``fingerprints/boilerplate``;
   (d) a history hook (shingles frequent across past projects).
3. candidates (``lsh_candidates``, ``rare_candidates``, ``param_candidates``):
   section pairs from ``MinHashLSH`` (Jaccard path), from an inverted index
   of shingles held by few bidders (containment path: a section copied into
   a larger one, a passage copied into two otherwise different sections),
   and from an inverted index of rare technical parameters (paraphrase
   path). Sorted: LSH order is arbitrary.
4. ``verify``: every candidate confirmed by exact Jaccard and containment on
   the remaining (non-boilerplate) shingles, or by the weighted parameter
   match; ``unit_param_matches`` compares the parameters of whole
   heading-sections that were cut into windows.
5. ``align``: passages of each confirmed pair (seed on shared non-boilerplate
   shingles, chain along a diagonal, extend exactly through boilerplate,
   merge across small gaps on both sides, minimum non-boilerplate length).
6. ``shared_typos``: non-words that exactly two bidders write where others
   write a word that sounds the same in pinyin (what an input-method slip
   gives), judged against the project's own rate.
7. ``aggregate``: one result per bidder pair with its measures, passages,
   typos and parameter matches; severity from the amount and rarity of what
   is shared.

LSH parameters. With ``num_perm=128`` split into b=64 bands of r=2 rows, the
probability that a section pair of Jaccard s becomes a candidate is
``1 - (1 - s**2)**64``::

    s        0.02   0.05   0.10   0.15   0.20   0.30   0.50
    P(cand)  0.025  0.148  0.474  0.767  0.927  0.998  1.000

Confirmation needs Jaccard >= 0.2 (or containment >= 0.5, found by the
rare-shingle index instead), so recall at and above the threshold is at
least 0.93 and 0.998 from s = 0.3; sections of unrelated text (s < 0.02 once
boilerplate is removed) rarely become candidates, and the few that do are
rejected by the exact check. datasketch's own choice for a 0.2 threshold
(b=28, r=2, weighing false positives and negatives equally) recalls 0.68 of
the pairs at s = 0.2 and 0.47 at s = 0.15.
"""

from __future__ import annotations

import functools
import importlib.resources
import math
import re
import unicodedata
from bisect import bisect_right
from collections import Counter, defaultdict
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from itertools import combinations

import numpy as np
import xxhash
from datasketch import MinHash, MinHashLSH
from pypinyin import Style, pinyin

from collusion.errors import SettingsError
from collusion.models import Section
from collusion.normalize import Normalized, normalize

SHINGLE_HASH_SEED = 0  # xxhash seed: part of the fingerprint, never change casually
BOILERPLATE_PACKAGE = "collusion.fingerprints.boilerplate"
BOILERPLATE_HEADER_KEYS = ("source", "licence")

# Characters that are values, not spelling: a different numeral or direction
# in the same context is a different statement, never a typo.
VALUE_CHARS = frozenset(
    "零〇一二三四五六七八九十百千万亿两壹贰叁肆伍陆柒捌玖拾佰仟元角分东西南北上下左右前后内外甲乙丙丁"
)
TYPO_POSITIONS = (1, 2, 3)  # the typo's place in a 5-character window: never its edge

# A shared typo must sound like the word it replaces. Chinese is typed with a
# pinyin input method, so a typing error is a wrong candidate of the right
# syllable (的/得, 帐/账, 模版/模板) or of a syllable the IME's fuzzy-pinyin
# (模糊音) settings merge (混泥土/混凝土). A character that sounds different is
# a choice, not a slip: honest bidders write 虚铺/摊铺厚度, 次楞/背楞, 砂质/粉质黏土,
# all real terms, and sharing one is no evidence. See `sounds_alike`.
#
# Initials, longest first so that zh/ch/sh are split before z/c/s; y and w
# count as initials, as in pypinyin's non-strict style.
PINYIN_INITIALS = ("zh", "ch", "sh", "b", "p", "m", "f", "d", "t", "n", "l", "g", "k", "h",
                   "j", "q", "x", "r", "z", "c", "s", "y", "w")
# The fuzzy-pinyin pairs of the common IMEs (Sogou, Microsoft, Rime 模糊音):
# southern speakers merge retroflex and flat initials, n/l, f/h and r/l.
FUZZY_INITIALS = frozenset(frozenset(p) for p in (
    ("z", "zh"), ("c", "ch"), ("s", "sh"), ("n", "l"), ("f", "h"), ("r", "l"),
))
# ...and front and back nasal finals (-n/-ng).
FUZZY_FINALS = frozenset(frozenset(p) for p in (
    ("an", "ang"), ("en", "eng"), ("in", "ing"), ("ian", "iang"), ("uan", "uang"),
))

# A history hook: a set of shingle hashes, or a callable given the hashes
# that returns those frequent across past projects.
HistoryHook = Collection[int] | Callable[[Iterable[int]], Collection[int]] | None


@dataclass(frozen=True)
class TextSettings:
    """Every threshold of sectioning and near-duplicate text, with its reason.

    Composed into ``Settings.detectors["text"]``; detectors read it with
    ``ctx.settings.detectors.get("text", TextSettings())``. Character counts
    are of normalized text (no spaces or punctuation) unless said otherwise.
    """

    # --- sections (collusion.sections) ---
    # A block longer than this is body text, never a numbered heading.
    max_heading_chars: int = 40
    # Sections shorter than this (in characters) are merged into the one
    # before them (a heading followed by a one-line paragraph is not a unit).
    min_section_chars: int = 200
    # Longer sections, and text with no structure at all, are cut into
    # windows of `window_chars` at block (or, failing that, character)
    # boundaries, so that a 40-page chapter is not one set of shingles.
    max_section_chars: int = 6000
    window_chars: int = 3000
    # Running headers/footers: a short line (at most this many characters)
    # found at the top or bottom of at least `running_min_pages` pages and of
    # at least `running_page_share` of the file's pages.
    running_max_chars: int = 60
    running_min_pages: int = 3
    running_page_share: float = 0.3
    running_edge_blocks: int = 2  # blocks at each edge of a page examined
    # A page whose lines are at least this share of TOC entries is a TOC page.
    toc_page_share: float = 0.5

    # --- shingles and MinHash ---
    shingle_chars: int = 5  # character n-grams: 5 is the usual choice for Chinese
    num_perm: int = 128
    minhash_seed: int = 1
    lsh_bands: int = 64  # b: see the S-curve in the module docstring
    lsh_rows: int = 2  # r: b * r must not exceed num_perm

    # --- boilerplate layers ---
    # (b) a shingle in at least this share of the project's bidders, and in at
    # least `common_min_bidders` of them, is common text, not evidence. The
    # minimum keeps a copying pair in a small project from erasing itself.
    common_share: float = 0.5
    common_min_bidders: int = 4
    use_reference_boilerplate: bool = True  # (c) fingerprints/boilerplate/*.txt

    # --- candidates ---
    min_section_shingles: int = 20  # sections with fewer remaining shingles are skipped
    # Containment path: shingles held by 2..rare_max_bidders bidders are
    # indexed; a section pair sharing `rare_min_shared` of them is a candidate.
    rare_max_bidders: int = 3
    rare_max_postings: int = 16  # a shingle in more sections than this is not indexed
    rare_min_shared: int = 20

    # --- exact confirmation (on remaining shingles) ---
    min_shared_shingles: int = 20  # about a 25-character passage
    jaccard_min: float = 0.2
    containment_min: float = 0.5
    # A pair sharing this many remaining shingles is confirmed whatever the
    # ratios: a passage copied into two otherwise different sections. Only
    # aligned passages are reported, so scattered common words give nothing.
    confirm_shared_shingles: int = 80

    # --- passage alignment ---
    min_run_chars: int = 10  # an exact run shorter than this is noise
    max_gap_chars: int = 24  # runs closer than this (on both sides) are one passage
    min_passage_chars: int = 40  # non-boilerplate characters a passage needs
    max_seed_positions: int = 8  # a shingle repeated more often in a section seeds nothing

    # --- technical parameters (paraphrase path) ---
    # A section pair sharing at least `param_min_matches` distinct parameters (those
    # of the tender and those most bidders use weigh nothing) whose weight,
    # ln((bidders + 1) / holders) each, is at least `param_match_min` of the
    # larger section's is a near-duplicate, whatever its wording. Measured:
    # copies and paraphrases 0.87-1.0, honest pairs at most 0.56.
    # And at least `param_order_min` of that weight in the same order: a
    # paraphrase keeps the plan's sequence; two honest plans that happen to
    # use the same values use them in another order (measured: copies and
    # paraphrases 0.6-1.0, honest pairs passing the overlap test 0.33).
    param_min_matches: int = 6
    param_match_min: float = 0.7
    param_order_min: float = 0.5
    param_max_postings: int = 200  # a key in more sections (or units) than this is not indexed

    # --- shared typos (short spans shared by exactly two bidders) ---
    # A typo both bidders wrote, in a context of four characters where at
    # least `typo_min_other_bidders` other bidders write another character
    # (混泥土 where others write 混凝土); see `shared_typos`. Chance short
    # spans shared by two honest bids are common; shared non-words are not.
    typo_min_other_bidders: int = 2
    # Honest pairs share a few typo-like variants by chance, more in small
    # projects (few bidders to tell a variant from a non-word). A pair's count
    # is compared with the project's own rate (the mean over the other pairs,
    # at least `typo_min_rate`) as a Poisson tail: it counts as evidence at
    # p <= typo_max_p (medium alone) and p <= typo_high_p (high alone).
    typo_min_count: int = 2
    typo_min_rate: float = 0.01
    typo_max_p: float = 0.01
    typo_high_p: float = 1e-4

    # --- severity (weighted shared characters: chars x rarity) ---
    medium_chars: int = 120
    high_chars: int = 400
    high_share: float = 0.15  # or this share of either bidder's remaining text
    score_scale_chars: float = 300.0  # score = 1 - exp(-weighted / scale)
    param_score: float = 0.75  # score of a parameter-sequence match alone
    typo_score: float = 0.6  # score of a significant shared-typo signal alone

    # --- evidence ---
    max_evidence_passages: int = 5  # strongest passages quoted per pair (two Evidence each)
    tfidf_second_opinion: bool = True  # TF-IDF char n-gram cosine in details
    tfidf_ngram_min: int = 2
    tfidf_ngram_max: int = 4

    def __post_init__(self) -> None:
        positive = (
            "max_heading_chars", "min_section_chars", "max_section_chars", "window_chars",
            "running_max_chars", "running_min_pages", "running_edge_blocks",
            "shingle_chars", "num_perm", "lsh_bands", "lsh_rows", "common_min_bidders",
            "min_section_shingles", "rare_max_bidders", "rare_max_postings",
            "rare_min_shared", "min_shared_shingles", "confirm_shared_shingles", "min_run_chars", "max_gap_chars",
            "min_passage_chars", "max_seed_positions", "param_min_matches",
            "param_max_postings", "typo_min_other_bidders", "typo_min_count", "medium_chars", "high_chars", "score_scale_chars",
            "max_evidence_passages", "tfidf_ngram_min", "tfidf_ngram_max",
        )
        for name in positive:
            if getattr(self, name) <= 0:
                raise SettingsError(f"text.{name} must be positive, got {getattr(self, name)}")
        if self.window_chars > self.max_section_chars:
            raise SettingsError("text.window_chars must not exceed text.max_section_chars")
        unit = ("running_page_share", "toc_page_share", "common_share", "jaccard_min",
                "containment_min", "param_match_min", "param_order_min", "high_share", "param_score",
                "typo_score", "typo_min_rate", "typo_max_p", "typo_high_p")
        for name in unit:
            if not 0 < getattr(self, name) <= 1:
                raise SettingsError(f"text.{name} must be in (0, 1]")
        if self.lsh_bands * self.lsh_rows > self.num_perm:
            raise SettingsError(
                f"text.lsh_bands * text.lsh_rows ({self.lsh_bands * self.lsh_rows}) must not "
                f"exceed text.num_perm ({self.num_perm}); raise num_perm or lower the bands"
            )
        if self.rare_max_bidders < 2:
            raise SettingsError("text.rare_max_bidders must be at least 2")
        if self.medium_chars > self.high_chars:
            raise SettingsError("text.medium_chars must not exceed text.high_chars")
        if self.tfidf_ngram_min > self.tfidf_ngram_max:
            raise SettingsError("text.tfidf_ngram_min must not exceed text.tfidf_ngram_max")
        if self.typo_high_p > self.typo_max_p:
            raise SettingsError("text.typo_high_p must not exceed text.typo_max_p")
        if self.shingle_chars < max(TYPO_POSITIONS) + 2:
            raise SettingsError("text.shingle_chars must be at least 5 (typo context)")


# --- shingles -------------------------------------------------------------------


def shingle_hashes(text: str, k: int) -> list[int]:
    """The 32-bit xxhash of each character k-gram of `text`, by position."""
    hash_ = xxhash.xxh32_intdigest
    return [hash_(text[i : i + k].encode("utf-8"), SHINGLE_HASH_SEED)
            for i in range(len(text) - k + 1)]


def _identity(value: int) -> int:
    """MinHash hashfunc: shingles are already 32-bit hashes."""
    return value


@dataclass(frozen=True)
class Prepared:
    """One section ready to compare."""

    id: int  # position in the project's sorted list of sections
    bidder: str
    section: Section
    norm: Normalized
    hashes: tuple[int, ...]  # shingle hash at each normalized position
    shingles: frozenset[int]


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
    out = []
    for bidder, section in ordered:
        norm = normalize(section.text, names.get(bidder, ()))
        hashes = tuple(shingle_hashes(norm.text, settings.shingle_chars))
        out.append(Prepared(len(out), bidder, section, norm, hashes, frozenset(hashes)))
    return out


# --- boilerplate ---------------------------------------------------------------


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
    reference = (reference_shingles(settings.shingle_chars)
                 if settings.use_reference_boilerplate else frozenset())
    shared = sorted(s for s, n in df.items() if n >= 2)
    return Boilerplate(
        tender=frozenset(tender_shingles),
        common=common,
        reference=reference,
        history=history_hits(history, shared),
        bidder_df=df,
        bidders=len(per_bidder),
    )


# --- technical parameters --------------------------------------------------------

_UNITS = (
    "mm|cm|km|m2|m3|m²|m³|kg|kn|mpa|kpa|kw|kva|t|m|%|℃|"
    "个|台|套|辆|人|名|日历天|天|日|小时|层|米|厘米|毫米|吨|道|处|根|块|组|座|部|个月|月|周|次|遍|级"
)
PARAM_PATTERN = re.compile(
    r"(?P<grade>(?<![a-z])(?:c|hrb|hpb|mu)\d{2,3}e?(?!\d))"
    r"|(?P<model>(?<![a-z0-9])[a-z]{2,5}-?\d{2,5}[a-z]?(?![a-z0-9]))"
    rf"|(?P<num>(?<![\d.a-z])\d+(?:\.\d+)?)\s*(?P<unit>{_UNITS})(?![a-z])"
)
PARAM_TERM_CHARS = 1  # characters of the term that are part of a parameter's key
PARAM_TERM = re.compile(r"([\u4e00-\u9fff]{1,4})$")
PARAM_FILLER = re.compile(r"(?:为|是|约|达|不小于|不少于|不大于|不超过|大于|小于|控制在)$")


@dataclass(frozen=True)
class Param:
    """A technical parameter: its comparable key and the term it qualifies."""

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
    folded = unicodedata.normalize("NFKC", text).lower()
    if len(folded) == len(text):
        return folded
    return "".join(map(_fold_one, text))


def extract_params(text: str) -> tuple[Param, ...]:
    """Parameters of a text in order: grades, equipment models, number+unit."""
    folded = _fold_same_length(text)
    out = []
    for match in PARAM_PATTERN.finditer(folded):
        if match.group("num") is not None:
            value = f"{float(match.group('num')):g}{match.group('unit')}"
        else:
            value = match.group(0).replace("-", "")
        before = PARAM_FILLER.sub("", folded[max(0, match.start() - 8) : match.start()].strip())
        term_match = PARAM_TERM.search(before)
        term = term_match.group(1) if term_match else ""
        # The value alone is too common ("5天", "4米" are in every long bid);
        # with the last character of its term it says what it measures, and
        # survives most rewording of the term (采用/使用/选用 C25).
        out.append(Param(term[-PARAM_TERM_CHARS:] + value, value, term, match.start(),
                         match.end()))
    return tuple(out)


def weighted_lcs(
    a: Sequence[str], b: Sequence[str], weight: Mapping[str, float]
) -> tuple[float, list[tuple[int, int]]]:
    """Weighted longest common subsequence of two key sequences, with the matched indices."""
    n, m = len(a), len(b)
    table = [[0.0] * (m + 1) for _ in range(n + 1)]
    for i in range(n - 1, -1, -1):
        row, below = table[i], table[i + 1]
        for j in range(m - 1, -1, -1):
            if a[i] == b[j]:
                row[j] = weight.get(a[i], 0.0) + below[j + 1]
            else:
                row[j] = max(below[j], row[j + 1])
    pairs = []
    i = j = 0
    while i < n and j < m:
        if a[i] == b[j] and math.isclose(table[i][j], weight.get(a[i], 0.0) + table[i + 1][j + 1]):
            pairs.append((i, j))
            i, j = i + 1, j + 1
        elif table[i + 1][j] >= table[i][j + 1]:
            i += 1
        else:
            j += 1
    return table[0][0], pairs


@dataclass(frozen=True)
class ParamIndex:
    """Each section's parameters and each key's weight (rarity in the project)."""

    params: Mapping[int, tuple[Param, ...]]  # section id -> its parameters
    weight: Mapping[str, float]  # key -> ln((bidders + 1) / holders); 0 = not evidence
    units: tuple[tuple[int, ...], ...] = ()  # the windows of each heading-section


WINDOW_SUFFIX = re.compile(r"（第\d+段）$")  # what collusion.sections adds to a window's title


def section_units(prepared: Sequence[Prepared]) -> tuple[tuple[int, ...], ...]:
    """Windows of one heading-section grouped again: (bidder, file, title) -> ids."""
    units: dict[tuple[str, str, str], list[int]] = defaultdict(list)
    for p in prepared:
        base = WINDOW_SUFFIX.sub("", p.section.title)
        units[(p.bidder, p.section.file, base)].append(p.id)
    return tuple(tuple(ids) for _, ids in sorted(units.items()))


def build_param_index(
    prepared: Sequence[Prepared], tender: Sequence[Section], settings: TextSettings
) -> ParamIndex:
    """Extract parameters; weigh each key by rarity, the tender's and common ones 0."""
    params = {p.id: tuple(replace(q, section=p.id) for q in extract_params(p.section.text))
              for p in prepared}
    tender_keys = {q.key for s in tender for q in extract_params(s.text)}
    holders: dict[str, set[str]] = defaultdict(set)
    for p in prepared:
        for q in params[p.id]:
            holders[q.key].add(p.bidder)
    bidders = len({p.bidder for p in prepared})
    cutoff = common_cutoff(bidders, settings)
    weight = {}
    for key, who in holders.items():
        if key in tender_keys or len(who) >= cutoff or len(who) < 2:
            weight[key] = 0.0
        else:
            weight[key] = math.log((bidders + 1) / len(who))
    return ParamIndex(params, weight, section_units(prepared))


@dataclass(frozen=True)
class ParamMatch:
    """Technical parameters two sections share.

    ``score`` is the weighted overlap of the two parameter multisets over the
    larger one's weight (order-free: a paraphrase reorders sentences but keeps
    the numbers; over the larger, because a long section holds some of any
    short one's numbers by chance); ``order_score`` the weighted longest
    common subsequence over the same total (how much is also in order).
    """

    shared: tuple[tuple[Param, Param], ...]  # a's parameter and b's, in a's order
    score: float
    order_score: float


NO_PARAM_MATCH = ParamMatch((), 0.0, 0.0)


def match_params(
    a: Sequence[Param], b: Sequence[Param], weight: Mapping[str, float]
) -> ParamMatch:
    """The weighted overlap (and in-order overlap) of two sections' parameters."""
    items_a = [p for p in a if weight.get(p.key, 0) > 0]
    items_b = [p for p in b if weight.get(p.key, 0) > 0]
    total = max(sum(weight[p.key] for p in items_a), sum(weight[p.key] for p in items_b))
    if total <= 0:
        return NO_PARAM_MATCH
    pool: dict[str, list[Param]] = defaultdict(list)
    for q in items_b:
        pool[q.key].append(q)
    shared = []
    for p in items_a:
        if pool.get(p.key):
            shared.append((p, pool[p.key].pop(0)))
    overlap = sum(weight[p.key] for p, _ in shared)
    if not shared:
        return ParamMatch((), 0.0, 0.0)
    used = {id(y) for _, y in shared}
    in_order, _ = weighted_lcs([p.key for p, _ in shared],
                               [q.key for q in items_b if id(q) in used], weight)
    return ParamMatch(tuple(shared), overlap / total, in_order / total)


# --- candidates -----------------------------------------------------------------


def cross_pair(a: Prepared, b: Prepared) -> tuple[int, int] | None:
    """The ordered id pair of two sections of different bidders, else None."""
    if a.bidder == b.bidder:
        return None
    return (a.id, b.id) if a.id < b.id else (b.id, a.id)


def lsh_candidates(
    prepared: Sequence[Prepared], kept: Mapping[int, frozenset[int]], settings: TextSettings
) -> set[tuple[int, int]]:
    """Section pairs from MinHashLSH over the remaining shingles."""
    eligible = [p for p in prepared if len(kept[p.id]) >= settings.min_section_shingles]
    if len(eligible) < 2:
        return set()
    minhashes = MinHash.bulk(
        [sorted(kept[p.id]) for p in eligible],
        num_perm=settings.num_perm, seed=settings.minhash_seed, hashfunc=_identity,
    )
    lsh = MinHashLSH(num_perm=settings.num_perm, params=(settings.lsh_bands, settings.lsh_rows))
    for p, mh in zip(eligible, minhashes, strict=True):
        lsh.insert(p.id, mh)
    out = set()
    for p, mh in zip(eligible, minhashes, strict=True):
        for other in sorted(lsh.query(mh)):
            pair = cross_pair(p, prepared[other])
            if pair:
                out.add(pair)
    return out


def _count_co_postings(
    postings: Iterable[list[int]], prepared: Sequence[Prepared], max_postings: int
) -> Counter[tuple[int, int]]:
    """How many postings lists each cross-bidder section pair appears in together."""
    counts: Counter[tuple[int, int]] = Counter()
    for ids in postings:
        if len(ids) > max_postings:
            continue
        for i, j in combinations(ids, 2):
            pair = cross_pair(prepared[i], prepared[j])
            if pair:
                counts[pair] += 1
    return counts


def rare_candidates(
    prepared: Sequence[Prepared],
    kept: Mapping[int, frozenset[int]],
    boiler: Boilerplate,
    settings: TextSettings,
) -> set[tuple[int, int]]:
    """Section pairs sharing many shingles held by few bidders (containment path)."""
    postings: dict[int, list[int]] = defaultdict(list)
    for p in prepared:
        for s in kept[p.id]:
            if 2 <= boiler.bidder_df.get(s, 0) <= settings.rare_max_bidders:
                postings[s].append(p.id)
    counts = _count_co_postings(postings.values(), prepared, settings.rare_max_postings)
    return {pair for pair, n in counts.items() if n >= settings.rare_min_shared}


def param_candidates(
    prepared: Sequence[Prepared], index: ParamIndex, settings: TextSettings
) -> set[tuple[int, int]]:
    """Section pairs sharing enough weighted parameters to be worth matching."""
    postings: dict[str, list[int]] = defaultdict(list)
    for p in prepared:
        for key in sorted({q.key for q in index.params[p.id]}):
            if index.weight.get(key, 0) > 0:
                postings[key].append(p.id)
    counts = _count_co_postings(postings.values(), prepared, settings.param_max_postings)
    return {pair for pair, n in counts.items() if n >= settings.param_min_matches}


def params_match(match: ParamMatch, settings: TextSettings) -> bool:
    """Enough distinct shared parameters, weighing enough: a near-duplicate."""
    distinct = len({p.key for p, _ in match.shared})
    return (distinct >= settings.param_min_matches and match.score >= settings.param_match_min
            and match.order_score >= settings.param_order_min)


def _param_candidate_min(settings: TextSettings) -> int:
    """Distinct shared keys that make a pair of heading-sections a candidate:
    fewer than a match needs, because a key shared in several of the windows
    of a long section counts once here."""
    return max(2, settings.param_min_matches // 2)


def unit_param_matches(
    prepared: Sequence[Prepared], index: ParamIndex, settings: TextSettings
) -> list[SectionMatch]:
    """Parameter matches between whole heading-sections cut into windows: a
    paraphrase shifts the window boundaries, its parameters stay together."""
    split = [u for u in index.units if len(u) > 1]
    if not split:
        return []
    units = list(index.units)
    unit_params = [tuple(q for sid in u for q in index.params[sid]) for u in units]
    owner = [prepared[u[0]].bidder for u in units]
    postings: dict[str, list[int]] = defaultdict(list)
    for n, params in enumerate(unit_params):
        for key in sorted({q.key for q in params if index.weight.get(q.key, 0) > 0}):
            postings[key].append(n)
    counts: Counter[tuple[int, int]] = Counter()
    for ids in postings.values():
        if len(ids) <= settings.param_max_postings:
            counts.update((i, j) for i, j in combinations(ids, 2) if owner[i] != owner[j])
    out = []
    least = _param_candidate_min(settings)
    for (i, j), n in sorted(counts.items()):
        if n < least or (len(units[i]) == 1 and len(units[j]) == 1):
            continue
        match = match_params(unit_params[i], unit_params[j], index.weight)
        if params_match(match, settings):
            a, b = match.shared[0][0].section, match.shared[0][1].section
            out.append(SectionMatch(a, b, 0, 0.0, 0.0, match, by_text=False, by_params=True))
    return out


# --- exact confirmation ------------------------------------------------------------


@dataclass(frozen=True)
class SectionMatch:
    """A confirmed pair of sections with its exact measures."""

    a: int
    b: int
    shared: int  # remaining shingles in both
    jaccard: float
    containment: float  # shared / the smaller section's remaining shingles
    params: ParamMatch
    by_text: bool
    by_params: bool


def verify(
    a: Prepared,
    b: Prepared,
    kept: Mapping[int, frozenset[int]],
    index: ParamIndex,
    settings: TextSettings,
) -> SectionMatch | None:
    """Confirm a candidate exactly; None when it is not a near-duplicate."""
    ka, kb = kept[a.id], kept[b.id]
    shared = len(ka & kb)
    union = len(ka | kb)
    jaccard = shared / union if union else 0.0
    containment = shared / min(len(ka), len(kb)) if ka and kb else 0.0
    by_text = shared >= settings.confirm_shared_shingles or (
        shared >= settings.min_shared_shingles
        and (jaccard >= settings.jaccard_min or containment >= settings.containment_min)
    )
    params = match_params(index.params[a.id], index.params[b.id], index.weight)
    by_params = params_match(params, settings)
    if not (by_text or by_params):
        return None
    return SectionMatch(a.id, b.id, shared, jaccard, containment, params, by_text, by_params)


# --- passage alignment --------------------------------------------------------------


@dataclass(frozen=True)
class Passage:
    """A matching stretch of two sections, in normalized character offsets."""

    a_start: int
    a_end: int
    b_start: int
    b_end: int
    chars: int  # non-boilerplate characters on side a
    rarity: float  # mean rarity of its non-boilerplate shingles (1 = only these two bidders)

    @property
    def weighted(self) -> float:
        return self.chars * self.rarity


@dataclass
class _Run:
    a_start: int
    a_end: int
    b_start: int
    b_end: int


def seed_runs(
    a: Prepared, b: Prepared, removed: Collection[int], settings: TextSettings
) -> list[_Run]:
    """Exact runs: shared non-boilerplate shingles chained along each diagonal
    across small gaps (a short standard phrase inside a copy is bridged)."""
    k = settings.shingle_chars
    positions: dict[int, list[int]] = defaultdict(list)
    shared = (a.shingles & b.shingles) - removed
    for j, h in enumerate(b.hashes):
        if h in shared:
            positions[h].append(j)
    open_runs: dict[int, _Run] = {}
    runs: list[_Run] = []
    for i, h in enumerate(a.hashes):
        js = positions.get(h)
        if not js or len(js) > settings.max_seed_positions:
            continue
        for j in js:
            diag = j - i
            run = open_runs.get(diag)
            if run is not None and i - (run.a_end - k) <= settings.max_gap_chars:
                run.a_end, run.b_end = i + k, j + k
            else:
                run = _Run(i, i + k, j, j + k)
                open_runs[diag] = run
                runs.append(run)
    return runs


def extend_runs(a: str, b: str, runs: list[_Run], settings: TextSettings) -> list[_Run]:
    """Extend each run character by character while both texts agree (through
    boilerplate that seeded nothing), then keep the runs long enough."""
    out = []
    reach: dict[int, int] = {}  # diagonal -> end on side a of the runs extended so far
    for run in sorted(runs, key=lambda r: (r.b_start - r.a_start, r.a_start)):
        diagonal = run.b_start - run.a_start
        if reach.get(diagonal, -1) >= run.a_end:
            continue  # inside a run already extended over it
        while run.a_start > 0 and run.b_start > 0 and a[run.a_start - 1] == b[run.b_start - 1]:
            run.a_start, run.b_start = run.a_start - 1, run.b_start - 1
        while run.a_end < len(a) and run.b_end < len(b) and a[run.a_end] == b[run.b_end]:
            run.a_end, run.b_end = run.a_end + 1, run.b_end + 1
        reach[diagonal] = run.a_end
        if run.a_end - run.a_start >= settings.min_run_chars:
            out.append(run)
    return out


def merge_runs(runs: list[_Run], settings: TextSettings) -> list[_Run]:
    """Merge runs across small gaps on both sides (edits shift the diagonal)."""
    runs = sorted(runs, key=lambda r: (r.a_start, r.b_start))
    merged: list[_Run] = []
    gap = settings.max_gap_chars
    for run in runs:
        for prev in reversed(merged[-4:]):
            a_gap = run.a_start - prev.a_end
            b_gap = run.b_start - prev.b_end
            if -gap <= a_gap <= gap and -gap <= b_gap <= gap and run.b_end > prev.b_start:
                prev.a_end = max(prev.a_end, run.a_end)
                prev.b_end = max(prev.b_end, run.b_end)
                break
        else:
            merged.append(_Run(run.a_start, run.a_end, run.b_start, run.b_end))
    return merged


def _overlaps(start: int, end: int, taken: Iterable[tuple[int, int]]) -> bool:
    return any(start < e and s < end for s, e in taken)


def align(
    a: Prepared, b: Prepared, boiler: Boilerplate, settings: TextSettings
) -> list[Passage]:
    """Passages shared by two sections, not overlapping on either side, in order."""
    seeds = seed_runs(a, b, boiler.removed, settings)
    runs = merge_runs(extend_runs(a.norm.text, b.norm.text, seeds, settings), settings)
    runs.sort(key=lambda r: (-(r.a_end - r.a_start), r.a_start, r.b_start))
    taken_a: list[tuple[int, int]] = []
    taken_b: list[tuple[int, int]] = []
    out = []
    k = settings.shingle_chars
    for run in runs:
        if _overlaps(run.a_start, run.a_end, taken_a) or _overlaps(run.b_start, run.b_end, taken_b):
            continue
        live = [h for h in a.hashes[run.a_start : run.a_end - k + 1]
                if h not in boiler.removed and h in b.shingles]
        chars = min(len(live) + k - 1, run.a_end - run.a_start) if live else 0
        if chars < settings.min_passage_chars:
            continue
        rarity = sum(boiler.rarity(h) for h in live) / len(live)
        taken_a.append((run.a_start, run.a_end))
        taken_b.append((run.b_start, run.b_end))
        out.append(Passage(run.a_start, run.a_end, run.b_start, run.b_end, chars, rarity))
    return sorted(out, key=lambda p: (p.a_start, p.b_start))


# --- shared typos -------------------------------------------------------------------


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




def _is_cjk(char: str) -> bool:
    return "\u4e00" <= char <= "\u9fff"


@functools.cache
def pinyin_readings(char: str) -> frozenset[str]:
    """Every toneless reading of a character (a polyphone has several)."""
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
            if (_same_or_fuzzy(x_initial, y_initial, FUZZY_INITIALS)
                    and _same_or_fuzzy(x_final, y_final, FUZZY_FINALS)):
                return True
    return False


def _masked(window: str, p: int) -> str:
    return window[:p] + "\0" + window[p + 1 :]


def _codes(text: str) -> np.ndarray:
    """The code points of a text as uint64 (numpy does the per-position work)."""
    return np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)


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


def _members(values: np.ndarray, sorted_set: np.ndarray) -> np.ndarray:
    """Whether each value is in `sorted_set` (sorted once, searched many times)."""
    if not len(sorted_set):
        return np.zeros(len(values), dtype=bool)
    at = np.searchsorted(sorted_set, values).clip(0, len(sorted_set) - 1)
    return sorted_set[at] == values


def bigram_df(prepared: Sequence[Prepared]) -> dict[int, int]:
    """How many bidders use each character bigram (keyed by `_bigram_codes`)."""
    per_bidder: dict[str, list[np.ndarray]] = defaultdict(list)
    for p in prepared:
        per_bidder[p.bidder].append(_bigram_codes(_codes(p.norm.text)))
    uniques = [np.unique(np.concatenate(arrays)) for _, arrays in sorted(per_bidder.items())]
    if not uniques:
        return {}
    values, counts = np.unique(np.concatenate(uniques), return_counts=True)
    return dict(zip(values.tolist(), counts.tolist(), strict=True))


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
    owners: dict[int, set[str]] = defaultdict(set)
    for p in prepared:
        for h in p.shingles:
            if boiler.bidder_df.get(h) == 2 and h not in boiler.removed:
                owners[h].add(p.bidder)
    exclusive = np.sort(np.fromiter(owners.keys(), dtype=np.uint64, count=len(owners)))
    bigrams = bigram_df(prepared)
    needed: dict[str, list[_TypoCandidate]] = defaultdict(list)
    for p in prepared:
        if not p.hashes:
            continue
        hashes = np.asarray(p.hashes, dtype=np.uint64)
        text = p.norm.text
        for i in np.flatnonzero(_members(hashes, exclusive)).tolist():
            who = owners[p.hashes[i]]
            if min(who) != p.bidder:
                continue
            window = text[i : i + k]
            for pos in TYPO_POSITIONS:
                char = window[pos]
                if not _is_cjk(char) or char in VALUE_CHARS:
                    continue
                left = (ord(window[pos - 1]) << 21) | ord(char)
                right = (ord(char) << 21) | ord(window[pos + 1])
                if bigrams.get(left) != 2 or bigrams.get(right) != 2:
                    continue
                pair = tuple(sorted(who))
                needed[_masked(window, pos)].append(
                    _TypoCandidate(pair, p.id, i, pos, char)  # type: ignore[arg-type]
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
        by_pos[pos] = np.unique(np.asarray(window_codes, dtype=np.uint64))
    for p in prepared:
        codes = _codes(p.norm.text)
        text = p.norm.text
        for pos in TYPO_POSITIONS:
            hits = np.flatnonzero(_members(_masked_codes(codes, k, pos), by_pos[pos]))
            for i in hits.tolist():
                key = text[i : i + pos] + "\0" + text[i + pos + 1 : i + k]
                if key in needed:
                    fills[key][text[i + pos]].add(p.bidder)
    return fills


def usual_char(candidate: _TypoCandidate, fills: Mapping[str, set[str]],
               settings: TextSettings) -> str | None:
    """What others write where this pair wrote `candidate.char`, when enough do
    and it sounds like the pair's character (`sounds_alike`)."""
    owners = set(candidate.pair)
    if fills.get(candidate.char, set()) - owners:
        return None
    others = sorted(((len(who - owners), c) for c, who in fills.items() if c != candidate.char),
                    key=lambda nc: (-nc[0], nc[1]))
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
    different (虚铺/摊铺, 次楞/背楞) fails the sound test.
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
            word = a.norm.text[c.window + c.pos - 1 : c.window + c.pos + 2]
            if (c.pair, word, usual) in seen:
                continue
            other = c.pair[1] if c.pair[0] == a.bidder else c.pair[0]
            where = _find_shingle(prepared, a.hashes[c.window], other, first)
            if where is None:
                continue
            seen.add((c.pair, word, usual))
            sid, j = where
            out[c.pair].append(SharedTypo(a.id, sid, c.window, c.window + k, j, j + k,
                                          c.char, usual))
    return {pair: sorted(typos, key=lambda t: (t.a, t.a_start)) for pair, typos in out.items()}


def _find_shingle(prepared: Sequence[Prepared], shingle: int, bidder: str,
                  cache: dict[tuple[int, str], tuple[int, int]]) -> tuple[int, int] | None:
    """The first (section id, position) of a shingle in a bidder's text."""
    if (shingle, bidder) not in cache:
        for p in prepared:
            if p.bidder == bidder and shingle in p.shingles:
                cache[(shingle, bidder)] = (p.id, p.hashes.index(shingle))
                break
    return cache.get((shingle, bidder))


# --- the pair result --------------------------------------------------------------


@dataclass(frozen=True)
class AlignedPassage:
    """A passage with the section pair it belongs to."""

    match: SectionMatch
    passage: Passage


@dataclass(frozen=True)
class PairResult:
    """Everything the text engine found between two bidders."""

    bidders: tuple[str, str]
    matches: tuple[SectionMatch, ...]
    passages: tuple[AlignedPassage, ...]  # strongest first
    typos: tuple[SharedTypo, ...]
    shared_chars: int  # non-boilerplate characters in passages (the smaller side)
    weighted_chars: float  # shared characters x rarity
    share: tuple[float, float]  # of each bidder's remaining text
    param_sections: tuple[SectionMatch, ...]  # matched by parameters only
    tfidf: float | None
    score: float
    severity: str | None  # None: below reporting
    measures: dict = field(default_factory=dict)


@dataclass(frozen=True)
class ProjectComparison:
    """The engine's result over a project, with its cost."""

    prepared: tuple[Prepared, ...]
    boilerplate: Boilerplate
    pairs: tuple[PairResult, ...]
    candidates: int  # section pairs compared exactly
    all_pairs: int  # section pairs of different bidders
    lsh_params: tuple[int, int]


def _union_length(spans: Iterable[tuple[int, int]]) -> int:
    total, end = 0, -1
    for s, e in sorted(spans):
        if e <= end:
            continue
        total += e - max(s, end)
        end = e
    return total


def _remaining_chars(p: Prepared, boiler: Boilerplate, k: int) -> int:
    return sum(1 for h in p.hashes if h not in boiler.removed) + (k - 1 if p.hashes else 0)


def poisson_tail(count: int, rate: float) -> float:
    """P(X >= count) for X ~ Poisson(rate)."""
    term, below = math.exp(-rate), 0.0
    for i in range(count):
        below += term
        term *= rate / (i + 1)
    return max(0.0, 1.0 - below)


def typo_p_values(
    typos: Mapping[tuple[str, str], Sequence[SharedTypo]], bidders: int, settings: TextSettings
) -> dict[tuple[str, str], float]:
    """Each pair's chance of sharing as many typo-like variants as it does,
    given the rate among the project's other pairs."""
    pairs = bidders * (bidders - 1) // 2
    total = sum(len(t) for t in typos.values())
    out = {}
    for pair, found in typos.items():
        rate = (total - len(found)) / max(1, pairs - 1)
        out[pair] = poisson_tail(len(found), max(settings.typo_min_rate, rate))
    return out


def typo_level(count: int, p_value: float, settings: TextSettings) -> int:
    """0: not evidence; 1: evidence (medium alone); 2: strong (high alone)."""
    if count < settings.typo_min_count or p_value > settings.typo_max_p:
        return 0
    return 2 if p_value <= settings.typo_high_p else 1


def severity_of(weighted: float, share: float, by_params: bool, typo: int,
                settings: TextSettings) -> str | None:
    """High, medium or None from the amount, rarity and spread of what is shared."""
    if weighted >= settings.high_chars or (
        share >= settings.high_share and weighted >= settings.medium_chars
    ):
        return "high"
    if typo >= 2:
        return "high"
    signals = sum([weighted >= settings.medium_chars, by_params, typo >= 1])
    if signals >= 2:
        return "high"
    if signals == 1:
        return "medium"
    return None


def score_of(weighted: float, by_params: bool, typo: int, settings: TextSettings) -> float:
    """Noisy-OR of the text amount, the parameter match and the shared typos."""
    miss = math.exp(-weighted / settings.score_scale_chars)
    if by_params:
        miss *= 1 - settings.param_score
    if typo:
        miss *= (1 - settings.typo_score) ** typo
    return round(1 - miss, 4)


def tfidf_cosine(texts_a: Sequence[str], texts_b: Sequence[str], settings: TextSettings) -> float:
    """Char n-gram TF-IDF cosine of two texts (a paraphrase-tolerant second opinion)."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.metrics.pairwise import cosine_similarity

    a, b = "".join(texts_a), "".join(texts_b)
    if not a or not b:
        return 0.0
    vectorizer = TfidfVectorizer(
        analyzer="char", ngram_range=(settings.tfidf_ngram_min, settings.tfidf_ngram_max)
    )
    matrix = vectorizer.fit_transform([a, b])
    return round(float(cosine_similarity(matrix[0], matrix[1])[0, 0]), 4)


def aggregate(
    bidders: tuple[str, str],
    matches: Sequence[SectionMatch],
    typos: Sequence[SharedTypo],
    typo_p: float,
    prepared: Sequence[Prepared],
    boiler: Boilerplate,
    remaining: Mapping[str, int],
    settings: TextSettings,
) -> PairResult:
    """One result per bidder pair: passages, shared typos, measures, severity."""
    aligned: list[AlignedPassage] = []
    for m in matches:
        a, b = prepared[m.a], prepared[m.b]
        aligned.extend(AlignedPassage(m, p) for p in align(a, b, boiler, settings))
    covered: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for ap in aligned:
        covered[ap.match.a].append((ap.passage.a_start, ap.passage.a_end))
        covered[ap.match.b].append((ap.passage.b_start, ap.passage.b_end))
    side_a = sum(_union_length(covered[m.a]) for m in _unique(matches, "a"))
    side_b = sum(_union_length(covered[m.b]) for m in _unique(matches, "b"))
    non_boiler = sum(ap.passage.chars for ap in aligned)
    shared_chars = min(side_a, side_b, non_boiler)
    weighted = sum(ap.passage.weighted for ap in aligned) * (
        shared_chars / non_boiler if non_boiler else 0.0
    )
    typos = [t for t in typos if not _overlaps(t.a_start, t.a_end, covered.get(t.a, []))
             and not _overlaps(t.b_start, t.b_end, covered.get(t.b, []))]
    share = (shared_chars / max(1, remaining[bidders[0]]), shared_chars / max(1, remaining[bidders[1]]))
    param_sections = tuple(m for m in matches if m.by_params)
    typo = typo_level(len(typos), typo_p, settings)
    severity = severity_of(weighted, max(share), bool(param_sections), typo, settings)
    score = score_of(weighted, bool(param_sections), typo, settings)
    tfidf = None
    if settings.tfidf_second_opinion and severity is not None:
        tfidf = tfidf_cosine([prepared[m.a].norm.text for m in _unique(matches, "a")],
                             [prepared[m.b].norm.text for m in _unique(matches, "b")], settings)
    aligned.sort(key=lambda ap: (-ap.passage.weighted, ap.match.a, ap.passage.a_start))
    measures = {
        "typo_p_value": round(typo_p, 6),
        "jaccard": round(max((m.jaccard for m in matches), default=0.0), 4),
        "containment": round(max((m.containment for m in matches), default=0.0), 4),
    }
    return PairResult(
        bidders=bidders,
        matches=tuple(matches),
        passages=tuple(aligned),
        typos=tuple(typos),
        shared_chars=shared_chars,
        weighted_chars=round(weighted, 1),
        share=(round(share[0], 4), round(share[1], 4)),
        param_sections=param_sections,
        tfidf=tfidf,
        score=score,
        severity=severity,
        measures=measures,
    )


def _swap(match: SectionMatch) -> SectionMatch:
    """The same match seen from the other side."""
    params = ParamMatch(tuple((y, x) for x, y in match.params.shared), match.params.score,
                        match.params.order_score)
    return replace(match, a=match.b, b=match.a, params=params)


def _unique(matches: Sequence[SectionMatch], side: str) -> list[SectionMatch]:
    seen: set[int] = set()
    out = []
    for m in matches:
        sid = getattr(m, side)
        if sid not in seen:
            seen.add(sid)
            out.append(m)
    return out


# --- the whole project ------------------------------------------------------------


def compare_project(
    sections: Mapping[str, Sequence[Section]],
    tender: Sequence[Section] = (),
    names: Mapping[str, Iterable[str]] | None = None,
    settings: TextSettings | None = None,
    history: HistoryHook = None,
) -> ProjectComparison:
    """Compare every bidder's sections with every other's; one result per bidder pair."""
    settings = settings or TextSettings()
    prepared = prepare(sections, names or {}, settings)
    boiler = build_boilerplate(prepared, tender, settings, history)
    kept = {p.id: p.shingles - boiler.removed for p in prepared}
    index = build_param_index(prepared, tender, settings)
    pairs = sorted(
        lsh_candidates(prepared, kept, settings)
        | rare_candidates(prepared, kept, boiler, settings)
        | param_candidates(prepared, index, settings)
    )
    by_bidders: dict[tuple[str, str], list[SectionMatch]] = defaultdict(list)
    for i, j in pairs:
        match = verify(prepared[i], prepared[j], kept, index, settings)
        if match is not None:
            by_bidders[(prepared[i].bidder, prepared[j].bidder)].append(match)
    for match in unit_param_matches(prepared, index, settings):
        a, b = sorted((match.a, match.b))
        key = (prepared[a].bidder, prepared[b].bidder)
        if not any(m.by_params and {m.a, m.b} == {a, b} for m in by_bidders[key]):
            by_bidders[key].append(replace(match, a=a, b=b) if a == match.a else _swap(match))
    remaining: Counter[str] = Counter()
    for p in prepared:
        remaining[p.bidder] += _remaining_chars(p, boiler, settings.shingle_chars)
    typos = shared_typos(prepared, boiler, settings)
    typo_p = typo_p_values(typos, boiler.bidders, settings)
    keys = sorted(set(by_bidders) | {key for key, found in typos.items()
                                     if typo_level(len(found), typo_p[key], settings)})
    results = [
        aggregate(key, by_bidders.get(key, []), typos.get(key, []), typo_p.get(key, 1.0),
                  prepared, boiler,
                  remaining, settings)
        for key in keys
    ]
    counts = Counter(p.bidder for p in prepared)
    all_pairs = sum(counts[x] * counts[y] for x, y in combinations(sorted(counts), 2))
    return ProjectComparison(
        prepared=tuple(prepared),
        boilerplate=boiler,
        pairs=tuple(results),
        candidates=len(pairs),
        all_pairs=all_pairs,
        lsh_params=(settings.lsh_bands, settings.lsh_rows),
    )


def page_at(section: Section, offset: int) -> tuple[int | None, int]:
    """The page and block index at a character offset of the section text."""
    starts = []
    pos = 0
    for block in section.blocks:
        starts.append(pos)
        pos += len(block.text) + 1
    i = max(0, bisect_right(starts, offset) - 1)
    block = section.blocks[i] if section.blocks else None
    return (block.page if block else None, block.index if block else 0)
