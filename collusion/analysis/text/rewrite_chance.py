"""The chance of a rewritten passage between honest bidders of this project.

A passage aligns ``k`` sentences of one bidder's range with another's. How
likely is as much between two honest bidders of this project? On either side
of the passage, at each cosine level of ``rewrite_levels``:

1. Each sentence's rate: the share of the other bidders (all but its own,
   the partner included: an observed match is one) whose text matches it at
   that level, smoothed towards ``rewrite_prior_rate`` with the weight of
   ``rewrite_prior_bidders`` bidders.
2. Stock text: a template paragraph is held letter for letter by several
   bidders, and each holder matches all its sentences at once, so its
   sentences are not matched independently. An honest partner is taken to
   write like one of the project's third bidders (all but the pair), each
   equally likely, holding what that bidder holds letter for letter, or like
   none of them (the prior's weight). Stock is what ``rewrite_stock_holders``
   third bidders or more hold: one more holder beside the pair may as well be
   a third member of the same group. Like a third bidder, it explains the
   aligned sentences of stock that bidder holds; the other aligned sentences must be
   matched by chance, each at its rate (the Poisson-binomial tail of
   matching as many of the sentences that bidder does not hold); like none,
   all ``k`` must. The chance is the mixture's. (A group that rewrote one
   text in its own words each holds no sentence of another's letter for
   letter.)
3. Where the passage lies: its range runs from its first to its last aligned
   sentence, chosen where the alignment is, so the chance counts once for
   every position a range of its length has in its section.

The passage's chance is the smaller side's, times two, at the strongest
level, times the levels tried.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from collusion.analysis.text.settings import TextSettings


@dataclass(frozen=True)
class Matches:
    """Each sentence's best seed cosine with each other bidder, keyed
    ``sentence * bidders + bidder`` (sorted): how third bidders match it."""

    keys: np.ndarray
    best: np.ndarray
    bidders: int
    sentences: int  # in the project


def matches_of(i: np.ndarray, j: np.ndarray, cosine: np.ndarray, bidder: np.ndarray) -> Matches:
    """The best cosine of every (sentence, other bidder) among the seeds."""
    bidders = int(bidder.max()) + 1 if len(bidder) else 1
    keys = np.concatenate([i * bidders + bidder[j], j * bidders + bidder[i]])
    values = np.concatenate([cosine, cosine])
    order = np.lexsort((-values, keys))
    keys, values = keys[order], values[order]
    first = np.flatnonzero(np.diff(keys, prepend=-1))
    return Matches(keys[first], values[first], bidders, len(bidder))


@dataclass(frozen=True)
class Alignment:
    """A passage's aligned sentences: table rows of side a and b, their cosines."""

    a: np.ndarray
    b: np.ndarray
    cosine: np.ndarray


@dataclass(frozen=True)
class Side:
    """One side of a passage: its range of table rows, the sentences of its
    unit, and the bidder on the other side (whose matches are not third)."""

    rows: np.ndarray
    unit_sentences: int
    other: int
    holders: Matches  # who holds each sentence letter for letter (``literal_holders``)


def passage_chance(
    alignment: Alignment, sides: tuple[Side, Side], matches: Matches, settings: TextSettings
) -> float:
    """The chance that honest bidders of the project align this passage (see
    the module's docstring), before the unit pairs tested."""
    best = 1.0
    for level in settings.rewrite_levels:
        strong = alignment.cosine >= level
        k = int(strong.sum())
        if k < settings.rewrite_min_sentences:
            continue
        p = min(
            side_chance(side, aligned, level, k, matches, settings)
            for side, aligned in zip(sides, (alignment.a[strong], alignment.b[strong]), strict=True)
        )
        best = min(best, 2 * p)
    return min(1.0, best * len(settings.rewrite_levels))


def side_chance(
    side: Side,
    aligned: np.ndarray,
    level: float,
    k: int,
    matches: Matches,
    settings: TextSettings,
) -> float:
    """The chance that an honest partner aligns the ``k`` sentences
    ``aligned`` (rows) of this side's range at ``level``, for any position
    of the range in its unit: the mixture over third bidders (the aligned
    sentences each does not hold letter for letter matched at their rates)
    and an unseen bidder (all ``k`` at their rates)."""
    rows, n = side.rows, matches.bidders
    lo, hi = np.searchsorted(matches.keys, [rows[0] * n, (rows[-1] + 1) * n])
    keys, best = matches.keys[lo:hi], matches.best[lo:hi]
    third = keys[(best >= level) & (keys % n != side.other)] // n - rows[0]
    observed = np.bincount(third, minlength=len(rows)).astype(float)
    observed[aligned - rows[0]] += 1.0  # the partner's match
    prior = settings.rewrite_prior_bidders
    thirds = max(0, n - 2)
    rates = (observed + prior * settings.rewrite_prior_rate) / (thirds + 1 + prior)
    lo, hi = np.searchsorted(side.holders.keys, [rows[0] * n, (rows[-1] + 1) * n])
    held = side.holders.keys[lo:hi]
    held = held[held % n != side.other]
    sentence, holder = held // n - rows[0], held % n
    # stock: sentences held by ``rewrite_stock_holders`` third bidders or more
    stock = np.bincount(sentence, minlength=len(rows))[sentence] >= settings.rewrite_stock_holders
    sentence, holder = sentence[stock], holder[stock]
    profiles = np.unique(holder).tolist()
    total = (thirds - len(profiles) + prior) * tail_at_least(rates, k)
    for t in profiles:
        matched = np.zeros(len(rows), dtype=bool)
        matched[sentence[holder == t]] = True
        total += tail_at_least(rates[~matched], int((~matched[aligned - rows[0]]).sum()))
    positions = max(1, side.unit_sentences - len(rows) + 1)
    return min(1.0, positions * total / (thirds + prior))


def tail_at_least(probabilities: np.ndarray, k: int) -> float:
    """P(X >= k), X the number of successes of independent trials (Poisson-binomial)."""
    if k <= 0:
        return 1.0
    if k > len(probabilities):
        return 0.0
    dist = np.zeros(k + 1)  # dist[m]: P(m successes), m = k meaning k or more
    dist[0] = 1.0
    for p in probabilities.tolist():
        top = dist[k] + dist[k - 1] * p
        dist[1:k] = dist[1:k] * (1 - p) + dist[: k - 1] * p
        dist[0] *= 1 - p
        dist[k] = top
    return float(min(1.0, dist[k]))


def literal_holders(literal: np.ndarray, bidder: np.ndarray) -> Matches:
    """For every sentence, the other bidders holding a sentence with the same
    letters (``Table.literal``), keyed ``sentence * bidders + bidder`` (sorted)."""
    bidders = int(bidder.max()) + 1 if len(bidder) else 1
    order = np.lexsort((bidder, literal))
    text, who = literal[order], bidder[order]
    group = np.cumsum(np.concatenate(([0], text[1:] != text[:-1]))) if len(order) else order
    # each group's distinct holders, contiguous
    first = np.concatenate(([True], (group[1:] != group[:-1]) | (who[1:] != who[:-1])))
    held_group, held = group[first], who[first]
    count = np.bincount(held_group, minlength=int(group[-1]) + 1 if len(group) else 0)
    start = np.concatenate(([0], np.cumsum(count)[:-1])) if len(count) else count
    shared = count[group] >= 2
    rows, groups = order[shared], group[shared]
    times = count[groups]
    # every (sentence, holder of its letters): stock text held by all bidders
    # makes millions, so each array is made once and changed in place
    at = np.repeat(start[groups] - (np.cumsum(times) - times), times)
    at += np.arange(len(at))
    holder = held[at]
    del at
    sentence = np.repeat(rows.astype(np.int64), times)
    other = holder != bidder[sentence]
    keys = sentence[other]
    del sentence
    keys *= bidders
    keys += holder[other]
    keys.sort()
    # a holder's match is certain: one value for all, not one per key
    return Matches(keys, np.broadcast_to(np.float64(1.0), keys.shape), bidders, len(bidder))
