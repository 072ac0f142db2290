"""A generated archive of past tenders with planted rings, for the ring search's tests
and benchmarks (``collusion history import`` reads what this writes).

The market: firms with a home region (a few large ones bid everywhere), heavy-tailed
activity (most firms bid now and then, a few very often), some entering or leaving the
market during the period, and tenders whose bidders are drawn by those activities.
Two kinds of honest firms meet often on purpose: large firms that bid on a good share
of all tenders, and the few large firms of a small region that bid on most of its
tenders. A planted ring is a handful of small or middle firms of one region that bid
together on some of its tenders: one member, chosen in turn (rotation), wins; the
others bid cover prices in a tight band just above it, and outsiders bid as usual.

Deterministic: the same arguments give the same rows. ``truth`` says who is who, so a
test or a benchmark can score what the ring search found.
"""

from __future__ import annotations

import csv
import datetime as dt
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from tools.synth import make_credit_code

COLUMNS = ("project_id", "date", "company_id", "company_name", "price", "winner")
OPTIONAL_COLUMNS = ("control_price", "region")
_NAME_HEADS = "华建中城安鑫宏盛恒泰达远晟鼎新兴隆嘉正通宇顺瑞丰祥和"
_NAME_TAILS = ("建设工程有限公司", "建筑工程有限公司", "市政工程有限公司", "路桥建设有限公司")


@dataclass(frozen=True)
class Market:
    """The shape of a generated market; the defaults are the issue's archive."""

    tenders: int = 2000
    firms: int = 150
    rings: int = 5
    regions: int = 4
    years: int = 3
    first_year: int = 2023
    # Firms bidding everywhere, with a high activity (honest, meet often).
    large_firms: int = 6
    # The small region: this share of tenders, and this many large local firms
    # that bid on most of them (big firms in a small market, honest).
    small_region_share: float = 0.08
    small_region_large: int = 4
    ring_sizes: tuple[int, ...] = (3, 4, 4, 5, 6)
    # Tenders each ring takes part in, drawn uniformly in this range.
    ring_tenders: tuple[int, int] = (15, 35)
    mean_bidders: float = 7.0
    max_bidders: int = 25
    # Share of the ordinary firms active only part of the period.
    churn: float = 0.25

    def __post_init__(self) -> None:
        if len(self.ring_sizes) < self.rings:
            sizes = (self.ring_sizes * (self.rings // max(len(self.ring_sizes), 1) + 1))[
                : self.rings
            ]
            object.__setattr__(self, "ring_sizes", tuple(sizes))


@dataclass
class Truth:
    """Who is who in a generated archive."""

    rings: list[list[str]] = field(default_factory=list)  # company ids, sorted
    large: list[str] = field(default_factory=list)  # large firms bidding everywhere
    small_market: list[str] = field(default_factory=list)  # large firms of the small region
    ring_tenders: dict[str, int] = field(default_factory=dict)  # tender id -> ring index
    names: dict[str, str] = field(default_factory=dict)  # company id -> name


@dataclass(frozen=True)
class _Firm:
    id: str
    name: str
    region: int  # -1: bids in every region
    activity: float
    start: int  # first day index active
    end: int  # last day index active
    discount: float  # usual discount on the control price


def _firms(rng: np.random.Generator, pyrng: random.Random, market: Market, days: int) -> list:
    region_weights = _region_weights(market)
    firms: list[_Firm] = []
    seen: set[str] = set()
    names: set[str] = set()
    for number in range(market.firms):
        code = make_credit_code(pyrng)
        while code in seen:
            code = make_credit_code(pyrng)
        seen.add(code)
        name = _firm_name(pyrng, number)
        while name in names:
            name = _firm_name(pyrng, number + len(names))
        names.add(name)
        if number < market.large_firms:
            region, activity = -1, float(rng.uniform(6.0, 10.0))
        elif number < market.large_firms + market.small_region_large:
            region, activity = market.regions - 1, float(rng.uniform(8.0, 12.0))
        else:
            region = int(rng.choice(market.regions, p=region_weights))
            activity = float(rng.lognormal(0.0, 0.9))
        start, end = 0, days - 1
        ordinary = number >= market.large_firms + market.small_region_large
        if ordinary and rng.random() < market.churn:
            cut = int(rng.integers(days // 4, 3 * days // 4))
            start, end = (cut, days - 1) if rng.random() < 0.5 else (0, cut)
        discount = float(rng.uniform(0.03, 0.12))
        firms.append(_Firm(code, name, region, activity, start, end, discount))
    return firms


def _firm_name(pyrng: random.Random, number: int) -> str:
    head = "".join(pyrng.choice(_NAME_HEADS) for _ in range(2))
    return f"{head}{number:03d}{pyrng.choice(_NAME_TAILS)}"


def _region_weights(market: Market) -> np.ndarray:
    """Tender shares of the regions: the last one is the small region."""
    if market.regions == 1:
        return np.array([1.0])
    big = np.linspace(2.0, 1.0, market.regions - 1)
    big = big / big.sum() * (1 - market.small_region_share)
    return np.append(big, market.small_region_share)


def _rings(rng: np.random.Generator, market: Market, firms: list[_Firm]) -> list[list[int]]:
    """Ring members: ordinary firms of one region, active the whole period."""
    taken: set[int] = set()
    rings = []
    ordinary = market.large_firms + market.small_region_large
    median = float(np.median([f.activity for f in firms[ordinary:]]))
    for size in market.ring_sizes[: market.rings]:
        # Small and middle firms (at most the median activity of the ordinary
        # ones) of one of the larger regions (the small one has too few firms),
        # active the whole period.
        pools = []
        for region in range(max(market.regions - 1, 1)):
            pool = [
                i
                for i in range(ordinary, len(firms))
                if i not in taken
                and firms[i].region == region
                and firms[i].start == 0
                and firms[i].end == firms[0].end
                and firms[i].activity <= median
            ]
            if len(pool) >= size:
                pools.append(pool)
        if not pools:
            raise ValueError(f"the market has too few small firms for a ring of {size}")
        pool = pools[int(rng.integers(0, len(pools)))]
        members = sorted(int(i) for i in rng.choice(pool, size=size, replace=False))
        taken.update(members)
        rings.append(members)
    return rings


def _tender_size(rng: np.random.Generator, market: Market) -> int:
    extra = rng.negative_binomial(3, 3 / (3 + market.mean_bidders - 3))
    return int(min(3 + extra, market.max_bidders))


def _pick(rng: np.random.Generator, candidates: np.ndarray, weights: np.ndarray, k: int) -> list:
    k = min(k, len(candidates))
    if k <= 0:
        return []
    chosen = rng.choice(len(candidates), size=k, replace=False, p=weights / weights.sum())
    return [int(candidates[int(i)]) for i in chosen]


def _honest_price(rng: np.random.Generator, control: float, firm: _Firm) -> float:
    discount = min(max(rng.normal(firm.discount, 0.02), 0.0), 0.3)
    return round(control * (1 - discount))


def _winner_by_price(rng: np.random.Generator, prices: dict[int, float]) -> int:
    """Comprehensive scoring: usually one of the lowest prices, not always the lowest."""
    noisy = {f: p * (1 + rng.normal(0, 0.02)) for f, p in prices.items()}
    return min(noisy, key=lambda f: (noisy[f], f))


def generate(market: Market | None = None, seed: int = 0) -> tuple[list[dict], Truth]:
    """Rows of the archive (one per bid, ``COLUMNS`` + ``OPTIONAL_COLUMNS``) and the truth."""
    truth = Truth()
    rows = list(stream(market or Market(), seed, truth))
    return rows, truth


def stream(market: Market, seed: int, truth: Truth) -> Iterator[dict]:
    """The rows one tender after the other (an archive too large to hold), filling ``truth``."""
    rng = np.random.default_rng(seed)
    pyrng = random.Random(seed)
    first = dt.date(market.first_year, 1, 1)
    days = (dt.date(market.first_year + market.years, 1, 1) - first).days
    firms = _firms(rng, pyrng, market, days)
    rings = _rings(rng, market, firms)
    truth.names = {f.id: f.name for f in firms}
    truth.rings = [sorted(firms[i].id for i in members) for members in rings]
    truth.large = sorted(f.id for f in firms[: market.large_firms])
    small = firms[market.large_firms : market.large_firms + market.small_region_large]
    truth.small_market = sorted(f.id for f in small)
    regions = rng.choice(market.regions, size=market.tenders, p=_region_weights(market))
    day_of = np.sort(rng.integers(0, days, size=market.tenders))
    ring_of = _ring_tenders(rng, market, firms, rings, regions)
    wins = [dict.fromkeys(members, 0) for members in rings]
    local = _local_firms(firms, market.regions)
    for t in range(market.tenders):
        region, day = int(regions[t]), int(day_of[t])
        tender_id = f"T{seed:02d}-{t + 1:06d}"
        control = float(round(rng.lognormal(np.log(5e6), 1.0), -3))
        index, start, end, activity = local[region]
        live = (start <= day) & (end >= day)
        size = _tender_size(rng, market)
        prices: dict[int, float] = {}
        forced: int | None = None
        if t in ring_of:
            forced = _ring_bids(rng, rings[ring_of[t]], wins[ring_of[t]], control, prices)
            truth.ring_tenders[tender_id] = ring_of[t]
        free = live & ~np.isin(index, list(prices))
        for i in _pick(rng, index[free], activity[free], size - len(prices)):
            prices[i] = _honest_price(rng, control, firms[i])
        winner = forced if forced is not None else _winner_by_price(rng, prices)
        if t in ring_of and winner in wins[ring_of[t]]:
            wins[ring_of[t]][winner] += 1
        date = (first + dt.timedelta(days=day)).isoformat()
        for i in sorted(prices, key=lambda i: firms[i].id):
            yield {
                "project_id": tender_id,
                "date": date,
                "company_id": firms[i].id,
                "company_name": firms[i].name,
                "price": f"{prices[i]:.2f}",
                "winner": "1" if i == winner else "0",
                "control_price": f"{control:.2f}",
                "region": f"R{region + 1}",
            }


def _local_firms(firms: list[_Firm], regions: int) -> list[tuple[np.ndarray, ...]]:
    """Per region: the firms that bid there (index, start, end, activity arrays)."""
    out = []
    for region in range(regions):
        idx = np.array([i for i, f in enumerate(firms) if f.region in (region, -1)], dtype=int)
        out.append(
            (
                idx,
                np.array([firms[i].start for i in idx]),
                np.array([firms[i].end for i in idx]),
                np.array([firms[i].activity for i in idx]),
            )
        )
    return out


def _ring_tenders(
    rng: np.random.Generator,
    market: Market,
    firms: list[_Firm],
    rings: list[list[int]],
    regions: np.ndarray,
) -> dict[int, int]:
    """Each ring's tenders: some of its region's tenders (tender index -> ring index)."""
    ring_of: dict[int, int] = {}
    for index, members in enumerate(rings):
        own = np.flatnonzero(regions == firms[members[0]].region)
        own = np.array([t for t in own if int(t) not in ring_of], dtype=int)
        low, high = market.ring_tenders
        count = min(int(rng.integers(low, high + 1)), len(own))
        for t in rng.choice(own, size=count, replace=False):
            ring_of[int(t)] = index
    return ring_of


def _ring_bids(
    rng: np.random.Generator,
    members: list[int],
    wins: dict[int, int],
    control: float,
    prices: dict[int, float],
) -> int | None:
    """The ring's bids in one of its tenders; returns the member who wins (usually)."""
    least = min(wins.values())
    winner = int(rng.choice([m for m in members if wins[m] == least]))
    covers = [m for m in members if m != winner and rng.random() < 0.8]
    if not covers:
        covers = [int(rng.choice([m for m in members if m != winner]))]
    win_price = round(control * (1 - min(max(rng.normal(0.04, 0.01), 0.005), 0.1)))
    prices[winner] = win_price
    for m in covers:
        prices[m] = round(win_price * (1 + rng.uniform(0.005, 0.03)))
    return winner if rng.random() < 0.9 else None


def write_csv(rows: list[dict], path: str | Path, columns: tuple[str, ...] | None = None) -> Path:
    """Write the rows as the CSV ``collusion history import`` reads (UTF-8, header)."""
    path = Path(path)
    columns = columns or (*COLUMNS, *OPTIONAL_COLUMNS)
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(columns), extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    return path


def frequent_honest_pairs(rows: list[dict], truth: Truth, top: int = 20) -> list[tuple]:
    """The honest pairs that bid together most often: (count, a, b), most first."""
    ringed = {c for ring in truth.rings for c in ring}
    by_tender: dict[str, list[str]] = {}
    for row in rows:
        by_tender.setdefault(row["project_id"], []).append(row["company_id"])
    counts: dict[tuple[str, str], int] = {}
    for companies in by_tender.values():
        honest = sorted(c for c in companies if c not in ringed)
        for i, a in enumerate(honest):
            for b in honest[i + 1 :]:
                counts[(a, b)] = counts.get((a, b), 0) + 1
    ranked = sorted(((n, a, b) for (a, b), n in counts.items()), reverse=True)
    return ranked[:top]
