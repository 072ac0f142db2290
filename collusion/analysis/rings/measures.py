"""What is measured of one group: its tenders and their chance under the null,
exclusivity, rotation of winners, and price screens.

- **Group tenders**: the tenders in which at least the group's quorum of its
  members bid, and their chance under the null (``chance``).
- **Exclusivity** (Wachs & Kertesz): the share of the members' meetings with
  other bidders that are meetings with each other,
  ``2 * sum_{i<j in G} C_ij / sum_{i in G} sum_{t: i bids} (n_t - 1)``.
- **Rotation**: among the group tenders with a known winner, the share won by
  a member against the share a random winner would give the members
  (``members present / bidders``), times how evenly the members share the
  wins (normalised Shannon entropy; 1 when every member wins as often).
- **Screens**: ``collusion.analysis.screens.screens`` over each group tender's
  bids (tender screens) and over the members' own bids when at least four
  members bid (coalition screens, Imhof & Wallimann), as medians over the
  group tenders, beside the market's medians.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from collusion.analysis.rings.chance import GroupChance, group_chance
from collusion.analysis.rings.market import Archive, Market
from collusion.analysis.rings.null import expected_cobids
from collusion.analysis.screens import SCREEN_NAMES, screens

# The screens whose direction under cover bidding the literature agrees on:
# a low coefficient of variation, a large relative distance (the winner apart
# from a tight band of losing bids).
LOW_IS_SUSPICIOUS = ("cv",)
HIGH_IS_SUSPICIOUS = ("rd",)


@dataclass(frozen=True)
class GroupTender:
    """One tender in which enough members bid."""

    tender: int
    members: tuple[int, ...]  # the members that bid
    winner: int  # company index, -1 when unknown


@dataclass
class GroupMeasures:
    """Everything measured of one group (company and tender indices)."""

    members: tuple[int, ...]
    chance: GroupChance
    tenders: list[GroupTender]
    exclusivity: float
    pair_counts: dict[tuple[int, int], int]
    pair_expected: dict[tuple[int, int], float]
    wins: dict[int, int]
    known_winner: int  # group tenders whose winner is known
    win_share: float | None
    expected_win_share: float | None
    evenness: float | None
    tender_screens: dict[str, float | None] = field(default_factory=dict)
    coalition_screens: dict[str, float | None] = field(default_factory=dict)
    screened_tenders: int = 0
    coalition_tenders: int = 0

    @property
    def log10_chance(self) -> float:
        return self.chance.log10_chance

    @property
    def rotation(self) -> float | None:
        """Wins above what chance gives the members, times their evenness, in [0, 1]."""
        if self.win_share is None or self.evenness is None or self.expected_win_share is None:
            return None
        if self.expected_win_share >= 1:
            return 0.0
        excess = (self.win_share - self.expected_win_share) / (1 - self.expected_win_share)
        return round(max(0.0, min(1.0, excess)) * self.evenness, 6)


def group_tenders(archive: Archive, members: tuple[int, ...], quorum: int) -> list[GroupTender]:
    """The tenders where at least ``quorum`` members bid, in tender order."""
    tenders = np.concatenate([archive.bid_tender[archive.bids_of(m)] for m in members])
    owners = np.concatenate([np.full(len(archive.bids_of(m)), m) for m in members])
    order = np.lexsort((owners, tenders))
    tenders, owners = tenders[order], owners[order]
    unique, start, count = np.unique(tenders, return_index=True, return_counts=True)
    winner_of = archive.winner_of
    return [
        GroupTender(int(t), tuple(int(o) for o in owners[s : s + c]), int(winner_of[t]))
        for t, s, c in zip(unique, start, count, strict=True)
        if c >= quorum
    ]


def pair_expectations(
    market: Market, members: tuple[int, ...], companies: int
) -> dict[tuple[int, int], float]:
    """E_ij under the null for every pair of members."""
    pairs = [(a, b) for i, a in enumerate(members) for b in members[i + 1 :]]
    a = np.array([p[0] for p in pairs], dtype=np.int64)
    b = np.array([p[1] for p in pairs], dtype=np.int64)
    expected = expected_cobids(market, a, b, companies)
    return {pair: float(e) for pair, e in zip(pairs, expected, strict=True)}


def exclusivity(archive: Archive, members: tuple[int, ...]) -> tuple[float, dict]:
    """The share of the members' meetings that are with each other, and the pair counts."""
    tenders = {m: archive.bid_tender[archive.bids_of(m)] for m in members}
    pairs = {
        (a, b): int(len(np.intersect1d(tenders[a], tenders[b], assume_unique=True)))
        for i, a in enumerate(members)
        for b in members[i + 1 :]
    }
    met = sum(float((archive.tender_size[tenders[m]] - 1).sum()) for m in members)
    return (2 * sum(pairs.values()) / met if met else 0.0), pairs


def rotation(archive: Archive, members: tuple[int, ...], tenders: list[GroupTender]) -> dict:
    """Wins of each member over the group tenders, and how they compare with chance."""
    wins = dict.fromkeys(members, 0)
    known = [g for g in tenders if g.winner >= 0]
    for g in known:
        if g.winner in wins:
            wins[g.winner] += 1
    total = sum(wins.values())
    if not known:
        return {"wins": wins, "known": 0, "share": None, "expected": None, "evenness": None}
    expected = sum(len(g.members) / archive.tender_size[g.tender] for g in known) / len(known)
    evenness = 0.0
    if total and len(members) > 1:
        shares = [w / total for w in wins.values() if w]
        evenness = -sum(p * math.log(p) for p in shares) / math.log(len(members))
    return {
        "wins": wins,
        "known": len(known),
        "share": total / len(known),
        "expected": float(expected),
        "evenness": round(evenness, 6),
    }


def tender_prices(archive: Archive, tender: int) -> tuple[np.ndarray, np.ndarray]:
    """(companies, prices) of a tender's priced bids."""
    start = archive.tender_start[tender]
    stop = start + archive.tender_size[tender]
    prices = archive.bid_price[start:stop]
    known = ~np.isnan(prices)
    return archive.bid_company[start:stop][known], prices[known]


def median_screens(values: list[dict[str, dict]]) -> dict[str, float | None]:
    """The median of each screen over the tenders where it could be computed."""
    out: dict[str, float | None] = {}
    for name in SCREEN_NAMES:
        got = [v[name]["value"] for v in values if v[name]["value"] is not None]
        out[name] = round(float(np.median(got)), 6) if got else None
    return out


def group_screens(
    archive: Archive, members: tuple[int, ...], tenders: list[GroupTender], min_bids: int
) -> tuple[dict, dict, int, int]:
    """Median tender and coalition screens over the group tenders, and how many tenders each."""
    inside = set(members)
    whole, coalition = [], []
    for g in tenders:
        companies, prices = tender_prices(archive, g.tender)
        if len(prices) >= min_bids:
            whole.append(screens(prices.tolist(), min_bids))
        own = [p for c, p in zip(companies, prices, strict=True) if int(c) in inside]
        if len(own) >= min_bids:
            coalition.append(screens(own, min_bids))
    return median_screens(whole), median_screens(coalition), len(whole), len(coalition)


def market_screens(archive: Archive, min_bids: int, sample: int) -> dict[str, np.ndarray]:
    """The tender screens of up to ``sample`` tenders spread evenly over the archive, sorted."""
    priced = [
        t
        for t in np.flatnonzero(archive.tender_size >= min_bids)
        if np.count_nonzero(~np.isnan(archive.bid_price[tender_slice(archive, int(t))])) >= min_bids
    ]
    step = max(1, math.ceil(len(priced) / sample))
    values: dict[str, list[float]] = {name: [] for name in SCREEN_NAMES}
    for t in priced[::step]:
        _, prices = tender_prices(archive, int(t))
        for name, entry in screens(prices.tolist(), min_bids).items():
            value = entry["value"]
            if isinstance(value, float):
                values[name].append(value)
    return {name: np.sort(np.array(v)) for name, v in values.items()}


def tender_slice(archive: Archive, tender: int) -> slice:
    start = int(archive.tender_start[tender])
    return slice(start, start + int(archive.tender_size[tender]))


def price_suspicion(group: dict[str, float | None], market: dict[str, np.ndarray]) -> float | None:
    """How far the group's tender screens sit on the collusive side of the market, in [0, 1].

    The mean, over CV (low is suspicious) and RD (high is suspicious), of the
    share of the market's tenders less suspicious than the group's median.
    """
    parts = []
    for name in (*LOW_IS_SUSPICIOUS, *HIGH_IS_SUSPICIOUS):
        value, reference = group.get(name), market.get(name)
        if value is None or reference is None or not len(reference):
            continue
        below = np.searchsorted(reference, value, side="left") / len(reference)
        parts.append(1 - below if name in LOW_IS_SUSPICIOUS else below)
    return round(float(np.mean(parts)), 6) if parts else None


def measure_group(
    archive: Archive, market: Market, members: tuple[int, ...], min_bids: int
) -> GroupMeasures:
    """Every measure of one group."""
    chance = group_chance(archive, market, members)
    tenders = group_tenders(archive, members, chance.quorum)
    share, pairs = exclusivity(archive, members)
    turns = rotation(archive, members, tenders)
    whole, coalition, screened, coalition_count = group_screens(archive, members, tenders, min_bids)
    return GroupMeasures(
        members=members,
        chance=chance,
        tenders=tenders,
        exclusivity=round(share, 6),
        pair_counts=pairs,
        pair_expected=pair_expectations(market, members, len(archive.companies)),
        wins=turns["wins"],
        known_winner=turns["known"],
        win_share=turns["share"],
        expected_win_share=turns["expected"],
        evenness=turns["evenness"],
        tender_screens=whole,
        coalition_screens=coalition,
        screened_tenders=screened,
        coalition_tenders=coalition_count,
    )
