"""The archive as arrays, and the null model's market: strata, tender sizes, participation.

A bid is four numbers (tender, company, price, winner): a province's 10^6 bids
take some 20 MB, never a Python object per row. ``collusion.store.rings``
reads them from the history in chunks.

The null model draws each tender's bidders by their participation rates
within the tender's stratum (region x calendar year, so that firms of one
district, or of one year, are compared with each other): company i is in
tender t with probability ``pi_it = n_t * c_is / B_s``, where n_t is the
tender's number of bidders, c_is the company's bids in the stratum s of t and
B_s all bids of s. Summed over the stratum's tenders this gives back c_is:
a firm expected to bid as often as it did, in proportion to tender sizes.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np


@dataclass(frozen=True)
class Archive:
    """Every tender and bid of the history, as arrays.

    Tenders and companies are numbered in sorted id order; bids are sorted by
    tender, then company (so a tender's bids are one slice).
    """

    tender_ids: list[str]
    tender_dates: list[str | None]  # YYYY-MM-DD
    tender_regions: list[str | None]
    companies: list[str]
    company_names: list[str | None]  # the latest name each id was seen with
    bid_tender: np.ndarray  # int32
    bid_company: np.ndarray  # int32
    bid_price: np.ndarray  # float64, NaN when unknown
    bid_winner: np.ndarray  # bool

    @property
    def tenders(self) -> int:
        return len(self.tender_ids)

    @property
    def bids(self) -> int:
        return len(self.bid_tender)

    @cached_property
    def tender_size(self) -> np.ndarray:
        return np.bincount(self.bid_tender, minlength=self.tenders).astype(np.int64)

    @cached_property
    def tender_start(self) -> np.ndarray:
        """Index of each tender's first bid (bids are sorted by tender)."""
        return np.concatenate(([0], np.cumsum(self.tender_size)[:-1])).astype(np.int64)

    @cached_property
    def company_bids(self) -> tuple[np.ndarray, np.ndarray]:
        """(bid indices sorted by company, each company's first position in them)."""
        order = np.argsort(self.bid_company, kind="stable")
        counts = np.bincount(self.bid_company, minlength=len(self.companies))
        return order, np.concatenate(([0], np.cumsum(counts))).astype(np.int64)

    def bids_of(self, company: int) -> np.ndarray:
        """The indices of a company's bids, in tender order."""
        order, start = self.company_bids
        return order[start[company] : start[company + 1]]

    @cached_property
    def winner_of(self) -> np.ndarray:
        """Each tender's winning company, -1 when the archive names none."""
        out = np.full(self.tenders, -1, dtype=np.int64)
        won = np.flatnonzero(self.bid_winner)
        out[self.bid_tender[won]] = self.bid_company[won]
        return out


@dataclass(frozen=True)
class Market:
    """The null model's view of the archive (see the module docstring)."""

    stratum: np.ndarray  # per tender
    labels: list[tuple[str, str]]  # per stratum: (region, year), "" when unknown
    size: np.ndarray  # bidders per tender
    size_sq: np.ndarray  # per stratum: sum of n_t^2
    bids: np.ndarray  # per stratum: B_s
    # Participation: (company, stratum) keys as company * strata + stratum, sorted,
    # with the company's bids in that stratum.
    keys: np.ndarray
    counts: np.ndarray

    @property
    def strata(self) -> int:
        return len(self.labels)

    def strata_of(self, company: int) -> dict[int, int]:
        """Stratum -> c_is for the strata the company bid in."""
        low, high = np.searchsorted(self.keys, [company * self.strata, (company + 1) * self.strata])
        return {
            int(k) % self.strata: int(c)
            for k, c in zip(self.keys[low:high], self.counts[low:high], strict=True)
        }

    def count(self, company: int, stratum: int) -> int:
        """c_is: the company's bids in the stratum."""
        key = company * self.strata + stratum
        at = int(np.searchsorted(self.keys, key))
        return int(self.counts[at]) if at < len(self.keys) and self.keys[at] == key else 0

    @cached_property
    def tenders_of(self) -> list[np.ndarray]:
        """Each stratum's tenders."""
        order = np.argsort(self.stratum, kind="stable")
        cuts = np.searchsorted(self.stratum[order], np.arange(1, self.strata))
        return np.split(order, cuts)

    def column(self, stratum: int, companies: int) -> np.ndarray:
        """c_is of every company for one stratum, as a dense vector."""
        mask = self.keys % self.strata == stratum
        out = np.zeros(companies, dtype=np.float64)
        out[self.keys[mask] // self.strata] = self.counts[mask]
        return out


def stratum_labels(
    archive: Archive, regions: list[str | None] | None = None
) -> tuple[np.ndarray, list[tuple[str, str]]]:
    """Each tender's stratum (region x year of its date), and the strata's labels;
    ``regions`` in place of the archive's (those with inferred markets)."""
    keys = [
        (region or "", (date or "")[:4])
        for region, date in zip(
            archive.tender_regions if regions is None else regions,
            archive.tender_dates,
            strict=True,
        )
    ]
    labels = sorted(set(keys))
    number = {label: n for n, label in enumerate(labels)}
    return np.array([number[k] for k in keys], dtype=np.int64), labels


def market(archive: Archive, regions: list[str | None] | None = None) -> Market:
    """Strata, tender sizes and every company's participation per stratum
    (``regions`` in place of the archive's, as in :func:`stratum_labels`)."""
    stratum, labels = stratum_labels(archive, regions)
    strata = len(labels)
    size = archive.tender_size
    weights = size.astype(np.float64)
    size_sq = np.bincount(stratum, weights=weights**2, minlength=strata).astype(np.float64)
    bids = np.bincount(stratum, weights=weights, minlength=strata).astype(np.float64)
    bid_keys = archive.bid_company.astype(np.int64) * strata + stratum[archive.bid_tender]
    keys, counts = np.unique(bid_keys, return_counts=True)
    return Market(stratum, labels, size, size_sq, bids, keys, counts)
