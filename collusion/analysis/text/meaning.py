"""Rewritten passages: sentences aligned by meaning, between bidders.

A copy rewritten in other words (synonyms, clauses in another order,
sentences dropped, added or summarised) keeps few literal runs, so the
character engine misses it. It keeps its content words, numbers and terms,
and the order of its sentences. Here, in the manner of the PAN text-alignment
winners (Sanchez-Perez, Sidorov & Gelbukh 2014):

1. Units: the heading-sections of every bidder's files (their windows joined),
   each a sequence of sentences in the word view (``words``).
2. Weights from this project: a word's weight is the log of the project's
   sentences over the sentences holding it (the tender's sentences counted
   once per bidder), so function words and the tender's own vocabulary weigh
   little. Content words are the words in at most ``rewrite_content_share`` of
   the sentences.
3. Candidates: sentence pairs of different bidders sharing an anchor, a
   content word, number or term held by two bidders or more and by at most
   ``rewrite_anchor_postings`` sentences (an inverted index as a sparse
   product; never all pairs).
4. Seeds: candidates whose tf-idf cosine and content-word Dice reach the
   seed thresholds and whose numbers agree (when both hold numbers).
5. Passages: a unit pair's seeds clustered by their sentence positions on
   both sides (gaps of at most ``rewrite_max_gap`` sentences), neighbouring
   clusters merged (``rewrite_merge_gap``); in each, the longest chain of
   seeds in the same order on both sides, each sentence once; chains that
   follow each other on both sides within ``rewrite_merge_gap`` sentences
   joined (stray seeds can keep the clusters of one rewritten section
   apart). A chain is a passage, from its first to its last aligned
   sentence, when it aligns ``rewrite_min_sentences`` in other words
   (sentences copied word for word are the character engine's). A passage
   stays in one heading-section on each side; ``rewrite_merge`` marks the
   pieces of one copy over a heading (``part_of``).
6. Chance (``rewrite_chance``): each sentence's chance to be matched by an
   honest bidder is the share of the project's other bidders whose text
   matches it at the same cosine level (smoothed towards
   ``rewrite_prior_rate``); stock text held letter for letter by third
   bidders is matched all at once (a mixture over the third bidders); the
   passage's p-value is the Poisson-binomial chance of aligning as many of
   its sentences (the stronger side, times two; the strongest of
   ``rewrite_levels``, times their number), for every position of its range
   in its section, times the number of unit pairs tested; passages at
   ``rewrite_max_p`` or below are kept.
"""

from __future__ import annotations

import math
import re
from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import sparse

from collusion.analysis.distinct import unique_sorted
from collusion.analysis.text.rewrite_chance import (
    Alignment,
    Matches,
    Side,
    literal_holders,
    matches_of,
    passage_chance,
)
from collusion.analysis.text.sentence_matrix import (
    DerivedRows,
    bidders_of_columns,
    binary,
    candidate_pairs,
    rowwise_dot,
    rowwise_min,
    sentence_words,
    word_counts,
    word_groups,
)
from collusion.analysis.text.settings import TextSettings
from collusion.analysis.text.words import NUMBER, TERM, SectionWords, quantities, text_words
from collusion.models import Section

WINDOW_SUFFIX = re.compile(r"（第\d+段）$")


@dataclass(frozen=True)
class Unit:
    """A heading-section of one bidder's file: its windows joined."""

    bidder: str
    section: Section  # the windows' blocks as one section
    sections: tuple[int, ...]  # the windows (ids of the prepared sections)
    starts: tuple[int, ...]  # where each window's text starts in the unit's text


@dataclass(frozen=True)
class AlignedSentence:
    """Two sentences aligned by meaning, in their units' text offsets."""

    a_start: int
    a_end: int
    b_start: int
    b_end: int
    cosine: float
    dice: float


@dataclass(frozen=True)
class RewrittenPassage:
    """A passage of unit ``a`` rewritten in unit ``b`` (units of two bidders)."""

    a: int  # unit ids
    b: int
    a_start: int  # offsets in the units' text: first to last aligned sentence
    a_end: int
    b_start: int
    b_end: int
    sentences: tuple[AlignedSentence, ...]
    similarity: float  # tf-idf cosine of the two sides' words
    p_value: float  # chance of such an alignment between honest bidders, times tests
    tests: int  # unit pairs tested in the project
    # its first and last sentence on side a, then on side b, as rows of the
    # project's sentences (units in file order, their sentences in turn)
    rows: tuple[int, int, int, int]
    absorbed: float = 0.0  # weighted characters of literal passages folded into it
    # Pieces of one copy that runs over a heading on either side share it
    # (``rewrite_merge.copy_pieces``): the first piece's position in the
    # pair's passages; None for a passage in one piece.
    part_of: int | None = None


@dataclass(frozen=True)
class Rewritten:
    """The project's rewritten passages by bidder pair (units by their index
    in ``build_units`` of the project's sections)."""

    passages: dict[tuple[str, str], tuple[RewrittenPassage, ...]]
    candidates: int  # sentence pairs compared
    seeds: int


def unit_sections(
    bidders: Sequence[str], sections: Sequence[Section]
) -> list[tuple[str, list[int]]]:
    """Consecutive windows of one heading-section grouped: (bidder, indexes)."""
    groups: list[tuple[str, list[int]]] = []
    key = None
    for n, (bidder, section) in enumerate(zip(bidders, sections, strict=True)):
        here = (bidder, section.file, WINDOW_SUFFIX.sub("", section.title))
        windowed = WINDOW_SUFFIX.search(section.title) is not None
        if windowed and here == key and not section.title.endswith("（第1段）"):
            groups[-1][1].append(n)
        else:
            groups.append((bidder, [n]))
        key = here
    return groups


def build_units(bidders: Sequence[str], sections: Sequence[Section]) -> list[Unit]:
    """The units of a project's sections (in their order)."""
    units = []
    for bidder, members in unit_sections(bidders, sections):
        parts = [sections[i] for i in members]
        starts, pos = [], 0
        for part in parts:
            starts.append(pos)
            pos += len(part.text) + 1
        first = parts[0]
        title = WINDOW_SUFFIX.sub("", first.title) if len(parts) > 1 else first.title
        blocks = tuple(b for part in parts for b in part.blocks)
        whole = Section(first.bidder, first.file, title, first.ordinal, blocks)
        units.append(Unit(bidder, whole, tuple(members), tuple(starts)))
    return units


@dataclass(frozen=True)
class Table:
    """Every sentence of the project's units, with its words as a sparse row."""

    unit: np.ndarray  # per sentence
    pos: np.ndarray  # position in its unit
    bidder: np.ndarray  # bidder index
    start: np.ndarray  # offsets in the unit's text
    end: np.ndarray
    counts: sparse.csr_matrix  # sentences x words, occurrences
    kinds: np.ndarray  # per word
    literal: np.ndarray  # per sentence, a hash of its letters (``SectionWords.literal``)


def sentence_table(
    units: Sequence[Unit], words: Sequence[SectionWords]
) -> tuple[Table, np.ndarray]:
    """The sentences of every unit and their words; also the words' hashes."""
    bidder_ids = {b: n for n, b in enumerate(sorted({u.bidder for u in units}))}
    # Every section with sentences, in unit order, and its unit, bidder and offset.
    parts = [
        (words[sid], n, bidder_ids[unit.bidder], offset)
        for n, unit in enumerate(units)
        for sid, offset in zip(unit.sections, unit.starts, strict=True)
        if words[sid].sentences
    ]
    if not parts:
        empty = np.zeros(0, dtype=np.int64)
        return Table(
            empty, empty, empty, empty, empty, sparse.csr_matrix((0, 0)), empty, empty
        ), empty
    found = [w for w, _, _, _ in parts]
    sentences = np.array([w.sentences for w in found], dtype=np.int64)
    owner = np.repeat(np.array([n for _, n, _, _ in parts], dtype=np.int32), sentences)
    bidder = np.repeat(np.array([b for _, _, b, _ in parts], dtype=np.int32), sentences)
    shift = np.repeat(np.array([o for _, _, _, o in parts], dtype=np.int64), sentences)
    spans = np.concatenate([w.spans for w in found]).astype(np.int64)
    first = np.flatnonzero(np.diff(owner, prepend=-1))
    pos = np.arange(len(owner)) - np.repeat(first, np.diff(np.append(first, len(owner))))
    counts, vocab, vocab_kind = word_counts([sentence_words(g) for g in word_groups(found)])
    table = Table(
        owner,
        pos,
        bidder,
        spans[:, 0] + shift,
        spans[:, 1] + shift,
        counts,
        vocab_kind,
        np.concatenate([w.literal for w in found]),
    )
    return table, vocab


def tender_frequency(vocab: np.ndarray, tender: Sequence[Section]) -> np.ndarray:
    """For each word of the project, the tender's sentences holding it."""
    out = np.zeros(len(vocab), dtype=np.int64)
    for section in tender:
        w = text_words(section.text)
        if not w.sentences or not len(vocab):
            continue
        sentence = np.repeat(np.arange(w.sentences), np.diff(w.ptr))
        extra, _, extra_rows = quantities(w.words, w.kinds, sentence)
        found = np.concatenate([w.words, extra]).astype(np.int64)
        pairs = np.unique(np.stack([np.concatenate([sentence, extra_rows]), found], axis=1), axis=0)
        at = np.minimum(np.searchsorted(vocab, pairs[:, 1]), len(vocab) - 1)
        np.add.at(out, at[vocab[at] == pairs[:, 1]], 1)
    return out


@dataclass(frozen=True)
class Seeds:
    """Sentence pairs (i < j) that seed passages, with their measures."""

    i: np.ndarray
    j: np.ndarray
    cosine: np.ndarray
    dice: np.ndarray
    compared: int  # candidate pairs compared
    weighted: DerivedRows  # sentences x words, tf-idf, rows of unit length


def seeds_of(table: Table, tender_df: np.ndarray, settings: TextSettings) -> Seeds:
    """Candidate sentence pairs from anchors, kept as seeds when alike enough.

    The matrices derived from ``table.counts`` (tf-idf, content words) share
    its index arrays and differ only in their values: each full copy would
    take tens of MB at 40 bidders."""
    counts = table.counts
    n_sent = counts.shape[0]
    bidders = int(table.bidder.max()) + 1 if n_sent else 0
    df = np.bincount(counts.indices, minlength=counts.shape[1])  # sentences holding each word
    frequency = df + tender_df * max(1, bidders)
    idf = np.log(np.maximum(1.0, (n_sent + 1) / (frequency + 1))).astype(np.float32)
    norms = np.sqrt(DerivedRows(counts, idf).row_sums(squared=True))
    weighted = DerivedRows(counts, idf, 1.0 / np.maximum(norms, np.float32(1e-9)))
    content = frequency <= settings.rewrite_content_share * n_sent
    word_bidders = bidders_of_columns(counts, table.bidder, bidders)
    anchor = (
        content & (word_bidders >= 2) & (df <= settings.rewrite_anchor_postings) & (tender_df == 0)
    )
    # A rare anchor counts twice: its square root weight squares to 2 in the product.
    columns = np.flatnonzero(anchor)
    scale = np.where(df[columns] <= settings.rewrite_rare_postings, math.sqrt(2.0), 1.0)
    anchors = (binary(counts[:, columns].tocsr()) @ sparse.diags(scale)).tocsr()
    i, j = candidate_pairs(anchors, table.bidder, settings.rewrite_min_anchors - 1e-6)
    del anchors
    compared = len(i)
    cosine = rowwise_dot(weighted, i, j)
    ok = cosine >= settings.rewrite_seed_cosine
    i, j, cosine = i[ok], j[ok], cosine[ok]
    # content words: 1 where a sentence holds one, an explicit 0 for the others
    kept = DerivedRows(counts, content.astype(np.float32), counted=False)
    sizes = kept.row_sums().astype(np.int64)  # exact: small counts
    dice = 2 * rowwise_dot(kept, i, j) / np.maximum(1, sizes[i] + sizes[j])
    numbers = counts[:, np.flatnonzero(np.isin(table.kinds, (NUMBER, TERM)))].tocsr()
    n_numbers = np.asarray(numbers.sum(axis=1)).ravel()
    fewer = np.minimum(n_numbers[i], n_numbers[j])
    agree = rowwise_min(numbers, i, j) / np.maximum(1, fewer)
    ok = (dice >= settings.rewrite_seed_dice) & (
        (fewer == 0) | (agree >= settings.rewrite_seed_numbers)
    )
    return Seeds(i[ok], j[ok], cosine[ok], dice[ok], compared, weighted)


def clusters(group: np.ndarray, a: np.ndarray, b: np.ndarray, gap: int) -> np.ndarray:
    """A cluster label per seed: seeds of one group (unit pair) whose
    neighbours are at most ``gap`` sentences apart on each side, split
    alternately on either side until stable (all groups at once)."""
    labels = np.unique(group, return_inverse=True)[1].ravel()
    count, side, stable = int(labels.max()) + 1 if len(labels) else 0, 0, 0
    while stable < 2 and len(labels):
        key = a if side == 0 else b
        order = np.lexsort((key, labels))
        lab, k = labels[order], key[order]
        new = np.ones(len(order), dtype=bool)
        new[1:] = (lab[1:] != lab[:-1]) | (np.diff(k) > gap)
        labels = np.empty(len(order), dtype=np.int64)
        labels[order] = np.cumsum(new) - 1
        found = int(labels.max()) + 1
        stable = stable + 1 if found == count else 0
        count, side = found, 1 - side
    return labels


def merged(
    labels: np.ndarray, group: np.ndarray, a: np.ndarray, b: np.ndarray, settings: TextSettings
) -> np.ndarray:
    """Cluster labels with the clusters that follow each other on both sides
    within ``rewrite_merge_gap`` sentences joined (the pieces of one
    rewritten section, split where sentences were dropped or added)."""
    if not len(labels):
        return labels
    n = int(labels.max()) + 1
    lo_a, hi_a = np.full(n, np.iinfo(np.int64).max), np.full(n, -1)
    lo_b, hi_b = lo_a.copy(), hi_a.copy()
    np.minimum.at(lo_a, labels, a)
    np.maximum.at(hi_a, labels, a)
    np.minimum.at(lo_b, labels, b)
    np.maximum.at(hi_b, labels, b)
    owner = np.zeros(n, dtype=np.int64)
    owner[labels] = group
    order = np.lexsort((lo_b, lo_a, owner))
    gap = settings.rewrite_merge_gap
    a_gap = lo_a[order][1:] - hi_a[order][:-1]
    b_gap = lo_b[order][1:] - hi_b[order][:-1]
    joins = (owner[order][1:] == owner[order][:-1]) & (0 < a_gap) & (a_gap <= gap)
    joins &= (0 < b_gap) & (b_gap <= gap)
    chain = np.cumsum(np.concatenate(([True], ~joins))) - 1
    relabel = np.empty(n, dtype=np.int64)
    relabel[order] = chain
    return relabel[labels]


def in_order(chosen: list[int], b: np.ndarray) -> list[int]:
    """The longest chain of ``chosen`` (sorted by their side-a position) whose
    side-b positions increase strictly too: a rewrite keeps the order of its
    sentences, two honest texts on one topic match in any order."""
    values = b[chosen].tolist() if len(chosen) else []
    tails: list[int] = []  # tails[n]: index in chosen ending a chain of n + 1
    ends: list[int] = []  # ends[n]: its side-b position
    before = [-1] * len(chosen)
    for n, value in enumerate(values):
        at = bisect_left(ends, value)
        before[n] = tails[at - 1] if at else -1
        if at == len(tails):
            tails.append(n)
            ends.append(value)
        else:
            tails[at] = n
            ends[at] = value
    chain = []
    n = tails[-1] if tails else -1
    while n >= 0:
        chain.append(chosen[n])
        n = before[n]
    return chain[::-1]


def rewritten_passages(
    units: Sequence[Unit],
    words: Sequence[SectionWords],
    tender: Sequence[Section],
    settings: TextSettings,
) -> Rewritten:
    """The project's rewritten passages between its ``units`` (``build_units``);
    ``words[n]`` is the word view of the project's section ``n``."""
    table, vocab = sentence_table(units, words)
    if not len(table.unit):
        return Rewritten({}, 0, 0)
    # made before the seeds, while less is held (millions of keys for stock text)
    holders = literal_holders(table.literal, table.bidder)
    tender_df = tender_frequency(vocab, tender)
    seeds = seeds_of(table, tender_df, settings)
    i, j, cosine, dice = seeds.i, seeds.j, seeds.cosine, seeds.dice
    partnered = matches_of(i, j, cosine, table.bidder)
    pair_units = table.unit[i].astype(np.int64) * len(units) + table.unit[j]
    order = np.lexsort((table.pos[i], pair_units))
    i, j, cosine, dice, pair_units = (
        i[order],
        j[order],
        cosine[order],
        dice[order],
        pair_units[order],
    )
    groups, starts = np.unique(pair_units, return_index=True)
    sizes = np.diff(np.append(starts, len(i)))
    tests = max(1, int((sizes >= settings.rewrite_min_sentences).sum()))
    unit_sentences = np.bincount(table.unit, minlength=len(units))
    pa, pb = table.pos[i], table.pos[j]
    labels = merged(
        clusters(pair_units, pa, pb, settings.rewrite_max_gap), pair_units, pa, pb, settings
    )
    found: dict[tuple[str, str], list[RewrittenPassage]] = {}
    names = sorted({u.bidder for u in units})
    reworded = table.literal[i] != table.literal[j]
    chains = [
        chain
        for members in candidate_clusters(labels, pa, pb, reworded, settings)
        if len(chain := cluster_chain(pa, pb, members)) >= settings.rewrite_min_sentences
    ]
    for chain in joined_chains(chains, pair_units, pa, pb, settings.rewrite_merge_gap):
        passage = chain_passage(
            table,
            seeds.weighted,
            i,
            j,
            cosine,
            dice,
            chain,
            partnered,
            tests,
            settings,
            unit_sentences,
            holders,
        )
        if passage is not None:
            x, y = names[table.bidder[i[chain[0]]]], names[table.bidder[j[chain[0]]]]
            found.setdefault((x, y), []).append(passage)
    return Rewritten(
        {
            k: tuple(sorted(v, key=lambda p: (p.p_value, p.a, p.a_start)))
            for k, v in sorted(found.items())
        },
        seeds.compared,
        len(i),
    )


def candidate_clusters(
    labels: np.ndarray,
    a: np.ndarray,
    b: np.ndarray,
    reworded: np.ndarray,
    settings: TextSettings,
) -> list[np.ndarray]:
    """The seeds of each cluster with enough distinct sentences on both sides,
    and enough in other words, to align ``rewrite_min_sentences`` (sorted by
    label; ``reworded``: whether a seed's sentences differ in their letters)."""
    if not len(labels):
        return []
    n = int(labels.max()) + 1
    keep = (distinct_per_label(labels, a, n) >= settings.rewrite_min_sentences) & (
        distinct_per_label(labels, b, n) >= settings.rewrite_min_sentences
    )
    keep &= distinct_per_label(labels[reworded], a[reworded], n) >= settings.rewrite_min_sentences
    order = np.argsort(labels, kind="stable")
    bounds = np.searchsorted(labels[order], np.arange(n + 1))
    return [order[bounds[c] : bounds[c + 1]] for c in np.flatnonzero(keep).tolist()]


def distinct_per_label(labels: np.ndarray, values: np.ndarray, n: int) -> np.ndarray:
    """For each of ``n`` labels, how many distinct values its members hold."""
    if not len(labels):
        return np.zeros(n, dtype=np.int64)
    span = int(values.max()) + 1
    return np.bincount(unique_sorted(labels * span + values) // span, minlength=n)


def cluster_chain(pa: np.ndarray, pb: np.ndarray, seeds: np.ndarray) -> list[int]:
    """The longest chain of a cluster's ``seeds`` in the same order on both
    sides, each sentence once (seed indexes, by side-a position)."""
    # every seed, by side-a position (ties: side b descending, so that a
    # chain increasing on side b uses each sentence once)
    return in_order(seeds[np.lexsort((-pb[seeds], pa[seeds]))].tolist(), pb)


def joined_chains(
    chains: list[list[int]], group: np.ndarray, pa: np.ndarray, pb: np.ndarray, gap: int
) -> list[list[int]]:
    """Chains of one unit pair that follow each other on both sides, at most
    ``gap`` sentences apart, joined: the pieces of one rewritten section
    whose clusters stray seeds kept apart (one copy, one passage)."""
    out: list[list[int]] = []
    for chain in sorted(chains, key=lambda c: (int(group[c[0]]), int(pa[c[0]]))):
        if out:
            last, first = out[-1][-1], chain[0]
            if (
                group[last] == group[first]
                and 0 < pa[first] - pa[last] <= gap
                and 0 < pb[first] - pb[last] <= gap
            ):
                out[-1] = out[-1] + chain
                continue
        out.append(chain)
    return out


def chain_passage(
    table: Table,
    weighted: DerivedRows,
    i: np.ndarray,
    j: np.ndarray,
    cosine: np.ndarray,
    dice: np.ndarray,
    chosen: list[int],
    partnered: Matches,
    tests: int,
    settings: TextSettings,
    unit_sentences: np.ndarray,
    holders: Matches,
) -> RewrittenPassage | None:
    """The passage of a chain of seeds (``cluster_chain``), or None when
    it aligns too few sentences or honest bidders would align as many
    (``unit_sentences``: the sentences of each unit; ``holders``: who holds
    each sentence letter for letter)."""
    ka = np.array(chosen)
    # A passage of sentences copied word for word is the character engine's
    # (one fact once, weighed there by how many bidders hold its text): a
    # rewritten passage needs ``rewrite_min_sentences`` in other words.
    reworded = int((table.literal[i[ka]] != table.literal[j[ka]]).sum())
    if reworded < settings.rewrite_min_sentences:
        return None
    rows_a = np.arange(int(i[ka].min()), int(i[ka].max()) + 1)
    rows_b = np.arange(int(j[ka].min()), int(j[ka].max()) + 1)
    bx, by = int(table.bidder[i[ka[0]]]), int(table.bidder[j[ka[0]]])
    alignment = Alignment(i[ka], j[ka], cosine[ka])
    sides = (
        Side(rows_a, int(unit_sentences[table.unit[rows_a[0]]]), by, holders),
        Side(rows_b, int(unit_sentences[table.unit[rows_b[0]]]), bx, holders),
    )
    p_value = min(1.0, tests * passage_chance(alignment, sides, partnered, settings))
    if p_value > settings.rewrite_max_p:
        return None
    return RewrittenPassage(
        a=int(table.unit[rows_a[0]]),
        b=int(table.unit[rows_b[0]]),
        a_start=int(table.start[rows_a[0]]),
        a_end=int(table.end[rows_a[-1]]),
        b_start=int(table.start[rows_b[0]]),
        b_end=int(table.end[rows_b[-1]]),
        sentences=tuple(
            AlignedSentence(
                int(table.start[i[k]]),
                int(table.end[i[k]]),
                int(table.start[j[k]]),
                int(table.end[j[k]]),
                round(float(cosine[k]), 4),
                round(float(dice[k]), 4),
            )
            for k in chosen
        ),
        similarity=round(_side_cosine(weighted, rows_a, rows_b), 4),
        p_value=p_value,
        tests=tests,
        rows=(int(rows_a[0]), int(rows_a[-1]), int(rows_b[0]), int(rows_b[-1])),
    )


def _side_cosine(weighted: DerivedRows, rows_a: np.ndarray, rows_b: np.ndarray) -> float:
    """Cosine of the two sides' summed tf-idf rows (the passage's overall likeness)."""
    a = np.asarray(weighted.rows(rows_a).sum(axis=0)).ravel()
    b = np.asarray(weighted.rows(rows_b).sum(axis=0)).ravel()
    norm = math.sqrt(float(a @ a) * float(b @ b))
    return float(a @ b) / norm if norm else 0.0
