"""The project's sentences as a sparse matrix (sentences x words), for the
rewritten-passage search (``meaning``).

At 40 bidders of 100-180 pages the matrix holds about 4 million stored
counts: it is built a group of sections at a time into arrays of its final
size, and the matrices derived from it (tf-idf rows, content words) are made
a block of rows at a time, on demand, instead of as whole copies.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypeAlias

import numpy as np
from scipy import sparse

from collusion.analysis.distinct import unique_sorted
from collusion.analysis.text.words import QUANTITY, SectionWords, quantities

BLOCK_ROWS = 4096  # sentences per block of the candidate product (bounds its memory)
BLOCK_PAIRS = 8192  # sentence pairs compared at a time (bounds their rows' memory)


GROUP_WORDS = 65536  # words of the sentence table built at a time (bounds its memory)


def word_groups(found: Sequence[SectionWords]) -> list[list[SectionWords]]:
    """Consecutive sections in groups of about ``GROUP_WORDS`` words."""
    groups: list[list[SectionWords]] = [[]]
    size = 0
    for w in found:
        if size and size + len(w.words) > GROUP_WORDS:
            groups.append([])
            size = 0
        groups[-1].append(w)
        size += len(w.words)
    return groups


@dataclass(frozen=True)
class SentenceWords:
    """A group of sections' sentences: their words and kinds in order, each
    sentence's number of words, and the quantities made of them
    (``words.quantities``) with their sentences (from 0 in the group)."""

    lengths: np.ndarray
    words: np.ndarray
    kinds: np.ndarray
    extra: np.ndarray
    extra_rows: np.ndarray

    def rows(self) -> np.ndarray:
        """Each word's sentence (from 0 in the group)."""
        return word_sentences(self.lengths)


def word_sentences(lengths: np.ndarray) -> np.ndarray:
    """Each word's sentence, from the sentences' numbers of words."""
    return np.repeat(np.arange(len(lengths), dtype=np.int32), lengths)


def sentence_words(group: Sequence[SectionWords]) -> SentenceWords:
    """The words of a group of sections (``word_groups``)."""
    lengths = np.concatenate([np.diff(w.ptr) for w in group])
    flat = np.concatenate([w.words for w in group])
    kinds = np.concatenate([w.kinds for w in group])
    extra, _, extra_rows = quantities(flat, kinds, word_sentences(lengths))
    return SentenceWords(lengths, flat, kinds, extra, extra_rows)


def word_counts(
    groups: list[SentenceWords],
) -> tuple[sparse.csr_matrix, np.ndarray, np.ndarray]:
    """Sentences x words, occurrences (quantities included), in canonical
    form, built a group at a time into arrays of the final size; the words
    (sorted hashes) and each one's kind where it first occurs (among the
    words, then the quantities made of them). ``groups`` is emptied: each
    group is let go once counted."""
    vocab = unique_sorted(
        np.concatenate([unique_sorted(np.concatenate([g.words, g.extra])) for g in groups])
    )
    kind = np.full(len(vocab), QUANTITY, dtype=np.uint8)  # a quantity's, unless a word's
    seen = np.zeros(len(vocab), dtype=bool)
    total = sum(len(g.words) + len(g.extra) for g in groups)
    sentences = sum(len(g.lengths) for g in groups)
    indices = np.empty(total, dtype=np.int32)
    data = np.empty(total, dtype=np.float32)
    indptr = [np.zeros(1, dtype=np.int64)]
    filled = 0
    groups.reverse()
    while groups:
        g = groups.pop()
        at = np.searchsorted(vocab, g.words).astype(np.int32)
        new = np.flatnonzero(~seen[at])[::-1]  # reversed: the first occurrence written last
        kind[at[new]] = g.kinds[new]
        seen[at[new]] = True
        part = sparse.csr_matrix(
            (
                np.ones(len(at) + len(g.extra), dtype=np.float32),
                (
                    np.concatenate([g.rows(), g.extra_rows]),
                    np.concatenate([at, np.searchsorted(vocab, g.extra).astype(np.int32)]),
                ),
            ),
            shape=(len(g.lengths), len(vocab)),
        )
        part.sum_duplicates()
        indices[filled : filled + part.nnz] = part.indices
        data[filled : filled + part.nnz] = part.data
        indptr.append(part.indptr[1:].astype(np.int64) + filled)
        filled += part.nnz
    counts = sparse.csr_matrix(
        (data[:filled], indices[:filled], np.concatenate(indptr)),
        shape=(sentences, len(vocab)),
        copy=False,
    )
    counts.has_canonical_format = True
    return counts, vocab, kind


@dataclass(frozen=True)
class DerivedRows:
    """Rows of the sentence counts with other stored values, made on demand
    (a whole second matrix would copy the counts' tens of MB at 40 bidders):
    each stored count becomes ``count (or 1) x word_factor[word] x
    row_scale[sentence]``, in float32 as the counts."""

    counts: sparse.csr_matrix
    word_factor: np.ndarray  # float32, per word
    row_scale: np.ndarray | None = None  # float32, per sentence
    counted: bool = True  # False: every stored count taken as 1

    def rows(self, at: np.ndarray) -> sparse.csr_matrix:
        """The rows ``at``, in that order."""
        sub = self.counts[at]
        base = sub.data if self.counted else np.ones_like(sub.data)
        data = base * self.word_factor[sub.indices]
        if self.row_scale is not None:
            data *= np.repeat(self.row_scale[at], np.diff(sub.indptr))
        return with_values(sub, data)

    def row_sums(self, squared: bool = False) -> np.ndarray:
        """Each row's sum of values (of their squares), ``BLOCK_ROWS`` rows at a time."""
        n = self.counts.shape[0]
        out = np.zeros(n, dtype=np.float32)
        for lo in range(0, n, BLOCK_ROWS):
            block = self.rows(np.arange(lo, min(n, lo + BLOCK_ROWS)))
            if squared:
                block = with_values(block, block.data**2)
            out[lo : lo + BLOCK_ROWS] = np.asarray(block.sum(axis=1)).ravel()
        return out


Rows: TypeAlias = sparse.csr_matrix | DerivedRows


def rows_of(m: Rows, at: np.ndarray) -> sparse.csr_matrix:
    """Rows ``at`` of a matrix, or of rows made on demand."""
    return m.rows(at) if isinstance(m, DerivedRows) else m[at]


def rowwise_dot(m: Rows, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    """``m[i[k]] . m[j[k]]`` for every k."""
    return _rowwise(m, i, j, lambda x, y: x.multiply(y))


def rowwise_min(m: Rows, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    """The sum of ``min(m[i[k]], m[j[k]])`` for every k (a multiset intersection)."""
    return _rowwise(m, i, j, lambda x, y: x.minimum(y))


def _rowwise(
    m: Rows,
    i: np.ndarray,
    j: np.ndarray,
    op: Callable[[sparse.csr_matrix, sparse.csr_matrix], sparse.spmatrix],
) -> np.ndarray:
    """The row sums of ``op(m[i], m[j])``, ``BLOCK_PAIRS`` pairs at a time
    (the rows of hundreds of thousands of pairs at once take hundreds of MB)."""
    out = np.zeros(len(i))
    for lo in range(0, len(i), BLOCK_PAIRS):
        hi = lo + BLOCK_PAIRS
        out[lo:hi] = np.asarray(op(rows_of(m, i[lo:hi]), rows_of(m, j[lo:hi])).sum(axis=1)).ravel()
    return out


def candidate_pairs(
    anchors: sparse.csr_matrix, bidder: np.ndarray, least: float
) -> tuple[np.ndarray, np.ndarray]:
    """Sentence pairs (i < j) of different bidders whose shared anchors weigh
    ``least`` or more (the product of the weighted anchor matrix)."""
    at = anchors.T.tocsr()
    out_i, out_j = [], []
    for lo in range(0, anchors.shape[0], BLOCK_ROWS):
        block = (anchors[lo : lo + BLOCK_ROWS] @ at).tocoo()
        i = block.row.astype(np.int64) + lo
        j = block.col.astype(np.int64)
        keep = (j > i) & (bidder[i] != bidder[j]) & (block.data >= least)
        out_i.append(i[keep])
        out_j.append(j[keep])
    if not out_i:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    return np.concatenate(out_i), np.concatenate(out_j)


def binary(m: sparse.csr_matrix) -> sparse.csr_matrix:
    """``m`` with every stored value 1 (its index arrays shared, not copied)."""
    return with_values(m, np.ones_like(m.data))


def bidders_of_columns(present: sparse.csr_matrix, bidder: np.ndarray, bidders: int) -> np.ndarray:
    """For each column of a binary matrix, how many bidders have a row holding it
    (``bidder``: each row's bidder), a run of rows of one bidder at a time
    (a bidder per stored value, sorted, would be two copies of the matrix)."""
    held = np.zeros((bidders, present.shape[1]), dtype=bool)
    cuts = np.flatnonzero(np.diff(bidder)) + 1
    starts, ends = np.concatenate(([0], cuts)), np.append(cuts, len(bidder))
    for lo, hi in zip(starts.tolist(), ends.tolist(), strict=True):
        held[bidder[lo], present.indices[present.indptr[lo] : present.indptr[hi]]] = True
    return held.sum(axis=0, dtype=np.int64)


def with_values(m: sparse.csr_matrix, values: np.ndarray) -> sparse.csr_matrix:
    """``m``'s sparsity (its index arrays shared, not copied) with other stored values."""
    return sparse.csr_matrix((values, m.indices, m.indptr), shape=m.shape, copy=False)
