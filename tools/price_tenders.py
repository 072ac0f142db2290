"""Generated tenders: honest bidding as trading centers see it, and cartels' styles.

For the tests and the benchmarks (``benchmarks/prices_bench.py``); not part of
the installed package. Everything is drawn from one ``random.Random``, so a
seed gives the same tenders.

Honest bidding. A tender has a control price (招标控制价, the cap) between
two and fifty million yuan. Each honest bidder's discount below it is its
cost position: normal around the tender's mean discount (3% to 15%) with a
spread of 1% to 4% (bid CVs of about 1% to 5%, as public-works tenders show),
and never above the cap. How a bidder writes its price is the tender's style:

- ``fen``: to the fen, as pricing software totals a bill of quantities;
- ``yuan``, ``hundred``, ``thousand``, ``ten_thousand``: rounded to that;
- ``rate_1``, ``rate_0.5``, ``rate_0.1``, ``rate_0.01``: a discount rate
  (下浮率) in whole steps of 1%, 0.5%, 0.1% or 0.01% of the control price,
  the price being ``control x (1 - rate)`` to the fen; bidders favour round
  rates (a quarter of them round to 5%, 1%, 0.5% or 0.1% respectively);
- ``cap_floor``: a published floor (最低投标限价, 8% to 15% under the cap)
  that rejects lower bids, bids rounded to the thousand; bidders whose cost
  falls under the floor bid the floor itself, a few bid the cap;
- ``mixed``: each bidder its own habit (fen, yuan, thousand or ten thousand;
  a discount rate is the tender's rule, not a bidder's habit).

Cartels (a collusive tender, label 1): two or more bidders, sometimes all,
under one designated winner:

- ``cover``: the covers bid 0.5% to 3% above the winner, in a tight band;
- ``complementary``: the covers bid 5% to 15% above the winner, well out of
  reach;
- ``rotation``: as cover, the winner taken in turn from the cartel's
  companies over a region's tenders (``cases``).

The cartel's winner bids below the honest bidders' usual discount (it knows
it meets no competition from the covers, and it has outsiders to beat).

Planted price rings (for the price patterns' recall): ``identical``, the
covers copy the lead's price; ``progression``, the covers add a round step
(20,000, 50,000 or 100,000 yuan; on a rate tender half a percent of the
control price, or the grid's step when that is coarser). A ring prices from its own file: to the fen on a tender of
free prices, on the rate grid on a rate tender.
"""

from __future__ import annotations

import argparse
import csv
import random
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, Decimal
from pathlib import Path
from typing import Any

if __name__ == "__main__":  # run as a script: the repository's collusion
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

CENT = Decimal("0.01")
ADDITIVE = {
    "fen": Decimal("0.01"),
    "yuan": Decimal(1),
    "hundred": Decimal(100),
    "thousand": Decimal(1000),
    "ten_thousand": Decimal(10000),
}
RATES = {
    "rate_1": Decimal("0.01"),
    "rate_0.5": Decimal("0.005"),
    "rate_0.1": Decimal("0.001"),
    "rate_0.01": Decimal("0.0001"),
}
STYLES = (*ADDITIVE, *RATES, "cap_floor", "mixed")
CARTEL_STYLES = ("cover", "complementary", "rotation")
RING_KINDS = ("identical", "progression")
ROUND_RATE_SHARE = 0.25  # rate bidders rounding their rate to a rounder unit
ROUND_RATE_UNIT = {
    "rate_1": Decimal("0.05"),
    "rate_0.5": Decimal("0.01"),
    "rate_0.1": Decimal("0.005"),
    "rate_0.01": Decimal("0.001"),
}
FLOOR_STYLE_CAP_SHARE = 0.05  # cap_floor bidders bidding the cap itself
REGIONS = ("north", "south", "east", "west")
# Each region's styles: centers differ in how they let bidders offer prices.
REGION_STYLES = {
    "north": ("fen", "fen", "yuan", "mixed"),
    "south": ("thousand", "ten_thousand", "hundred", "fen"),
    "east": ("rate_0.1", "rate_0.5", "rate_0.01", "fen"),
    "west": ("cap_floor", "mixed", "thousand", "rate_1"),
}


@dataclass
class Tender:
    """One tender's bids and what was planted in it."""

    id: str
    style: str
    control: Decimal
    floor: Decimal | None
    bids: dict[str, Decimal]
    label: int = 0  # 1 when a cartel bid in it
    cartel: tuple[str, ...] = ()
    cartel_style: str | None = None
    ring: tuple[str, ...] = ()  # a planted price ring
    ring_kind: str | None = None
    winner: str | None = None  # the lowest bid
    designated: str | None = None  # the cartel's chosen winner
    region: str | None = None
    date: str | None = None
    companies: dict[str, str] = field(default_factory=dict)  # bidder -> company id


def _round(value: Decimal, step: Decimal) -> Decimal:
    return ((value / step).to_integral_value(ROUND_HALF_EVEN) * step).quantize(CENT)


def write_price(
    rng: random.Random,
    style: str,
    control: Decimal,
    discount: float,
    floor: Decimal | None = None,
) -> Decimal:
    """A bid with this discount below the control price, written in the tender's style."""
    discount = max(discount, 0.0)
    raw = control * (1 - Decimal(f"{discount:.8f}"))
    if style == "mixed":
        style = rng.choice(("fen", "yuan", "thousand", "ten_thousand"))
    if style in ADDITIVE:
        return min(_round(raw, ADDITIVE[style]), control)
    if style in RATES:
        unit = ROUND_RATE_UNIT[style] if rng.random() < ROUND_RATE_SHARE else RATES[style]
        k = (Decimal(f"{discount:.8f}") / unit).to_integral_value(ROUND_HALF_EVEN)
        return (control * (1 - k * unit)).quantize(CENT)
    if style == "cap_floor":
        assert floor is not None
        if rng.random() < FLOOR_STYLE_CAP_SHARE:
            return control
        return max(min(_round(raw, Decimal(1000)), control), floor)
    raise ValueError(f"unknown style {style!r}")


def _control(rng: random.Random) -> Decimal:
    return _round(Decimal(f"{10 ** rng.uniform(6.3, 7.7):.2f}"), Decimal(100))


def honest_tender(
    rng: random.Random, tender_id: str, style: str, bidders: int, **extra: object
) -> Tender:
    """A tender in which every bidder bids its own cost position, in ``style``."""
    control = _control(rng)
    floor = None
    if style == "cap_floor":
        floor = _round(control * (1 - Decimal(f"{rng.uniform(0.08, 0.15):.4f}")), Decimal(1000))
    mean, sd = rng.uniform(0.03, 0.15), rng.uniform(0.01, 0.04)
    bids = {
        f"b{i:02d}": write_price(rng, style, control, rng.gauss(mean, sd), floor)
        for i in range(1, bidders + 1)
    }
    tender = Tender(tender_id, style, control, floor, bids, **extra)  # type: ignore[arg-type]
    tender.winner = min(bids, key=lambda b: (bids[b], b))
    return tender


def plant_ring(rng: random.Random, tender: Tender, kind: str, size: int) -> Tender:
    """Bidders of the tender made a price ring of ``size``: the lead bids, the
    covers copy its price (identical) or add a round step (progression).

    Every member's bid is a valid one: not over the cap, not under the floor
    (the lead moves down or up by whole steps of its own rounding if needed).
    """
    members = tuple(sorted(rng.sample(sorted(tender.bids), size)))
    lead = members[0]
    rate_step = RATES.get(tender.style)
    price = tender.bids[lead]
    if kind == "identical":
        step = Decimal(0)
    elif rate_step is not None:  # half a percent, or the grid's own step when coarser
        step = (tender.control * max(rate_step, Decimal("0.005"))).quantize(CENT)
    else:
        step = Decimal(rng.choice((20000, 50000, 100000)))
    if rate_step is None:  # the ring prices from its own file: to the fen
        price = (price + Decimal(f"{rng.uniform(-999, 999):.2f}")).quantize(CENT)
    unit = (tender.control * rate_step).quantize(CENT) if rate_step else Decimal(1000)
    while price + (size - 1) * step >= tender.control:
        price -= unit
    while tender.floor is not None and price < tender.floor:
        price += unit
    tender.bids[lead] = price
    for k, cover in enumerate(members[1:], start=1):
        tender.bids[cover] = price + k * step
    tender.ring, tender.ring_kind = members, kind
    return tender


def cartel_tender(
    rng: random.Random,
    tender_id: str,
    style: str,
    bidders: int,
    cartel_style: str,
    members: int | None = None,
    winner_index: int = 0,
    **extra: object,
) -> Tender:
    """A tender with a cartel of ``members`` bidders (all when None) in ``cartel_style``."""
    tender = honest_tender(rng, tender_id, style, bidders, **extra)
    count = members or bidders
    cartel = tuple(sorted(rng.sample(sorted(tender.bids), count)))
    winner = cartel[winner_index % len(cartel)]
    mean_discount = 1 - float(sum(tender.bids.values()) / len(tender.bids) / tender.control)
    outsiders = [tender.bids[b] for b in tender.bids if b not in cartel]
    lowest = min(outsiders) if outsiders else None
    win_discount = mean_discount + rng.uniform(0.0, 0.02)
    if lowest is not None:  # beat the outsiders
        win_discount = max(win_discount, 1 - float(lowest / tender.control) + 0.002)
    tender.bids[winner] = write_price(rng, style, tender.control, win_discount, tender.floor)
    band = (0.005, 0.03) if cartel_style in ("cover", "rotation") else (0.05, 0.15)
    for member in cartel:
        if member != winner:
            cover = float(tender.bids[winner]) * (1 + rng.uniform(*band))
            discount = 1 - cover / float(tender.control)
            tender.bids[member] = write_price(rng, style, tender.control, discount, tender.floor)
    tender.designated = winner
    tender.label, tender.cartel, tender.cartel_style = 1, cartel, cartel_style
    tender.winner = min(tender.bids, key=lambda b: (tender.bids[b], b))
    return tender


def cases(seed: int, tenders: int, collusive_share: float = 0.4) -> Iterator[Tender]:
    """Labelled tenders across four regions and two years, for ``screens fit``.

    Companies belong to a region; a region's cartel of four to six companies
    bids together and rotates its winner (``rotation``), or covers or
    complements for one designated member.
    """
    rng = random.Random(seed)
    companies = {r: [f"{r[0].upper()}{i:03d}" for i in range(1, 41)] for r in REGIONS}
    cartels = {r: rng.sample(companies[r], rng.randint(4, 6)) for r in REGIONS}
    turn = dict.fromkeys(REGIONS, 0)
    for number in range(tenders):
        region = REGIONS[number % len(REGIONS)]
        style = rng.choice(REGION_STYLES[region])
        bidders = rng.randint(5, 20)
        date = f"{2023 + number * 2 // tenders}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        extra = {"region": region, "date": date}
        tender_id = f"T{seed}-{number:05d}"
        if rng.random() < collusive_share:
            ring = cartels[region]
            # Half the cartels take every bidder in (a complete cartel).
            members = min(len(ring), bidders) if rng.random() < 0.5 else None
            cartel_style = rng.choice(CARTEL_STYLES)
            tender = cartel_tender(
                rng,
                tender_id,
                style,
                bidders,
                cartel_style,
                members=members,
                winner_index=turn[region],
                **extra,
            )
            turn[region] += 1
            tender.companies = _cartel_companies(rng, tender, ring, companies[region], turn[region])
        else:
            tender = honest_tender(rng, tender_id, style, bidders, **extra)
            chosen = rng.sample(companies[region], bidders)
            tender.companies = dict(zip(sorted(tender.bids), chosen, strict=True))
        yield tender


def _cartel_companies(
    rng: random.Random, tender: Tender, ring: list[str], region: list[str], turn: int
) -> dict[str, str]:
    """Company ids: the designated winner is the ring company whose turn it is,
    the other members the ring's other companies (then outsiders), the rest outsiders."""
    order = ring[turn % len(ring) :] + ring[: turn % len(ring)]
    outsiders = iter(rng.sample([c for c in region if c not in ring], len(tender.bids)))
    members = [tender.designated] + [b for b in tender.cartel if b != tender.designated]
    named = dict(zip(members, order, strict=False))
    return {b: named.get(b) or next(outsiders) for b in sorted(tender.bids)}


CASE_COLUMNS = (
    "tender_id",
    "price",
    "label",
    "company_id",
    "control_price",
    "date",
    "region",
    "winner",
)


def write_cases(path: Path, tenders: list[Tender]) -> None:
    """The labelled cases as ``collusion screens fit`` reads them: one row per bid."""
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(CASE_COLUMNS)
        for tender in tenders:
            for bidder in sorted(tender.bids):
                writer.writerow(
                    (
                        tender.id,
                        f"{tender.bids[bidder]:.2f}",
                        tender.label,
                        tender.companies.get(bidder, bidder),
                        f"{tender.control:.2f}",
                        tender.date or "",
                        tender.region or "",
                        int(bidder == tender.winner),
                    )
                )


def price_context(tender: Tender, settings: Any = None, limits: bool = False) -> Any:
    """A scan context holding only the tender's project.json: its prices, and the
    control and floor prices when ``limits`` (as ``collusion scan`` sees a
    project whose bids link by nothing but their prices)."""
    from collusion.models import Bidder, ProjectInput, ScanContext
    from collusion.settings import Settings

    ids = sorted(tender.bids)
    project = ProjectInput(
        root="/generated",
        id=tender.id,
        name=None,
        industry=None,
        bidder_meta={b: {"price": float(tender.bids[b])} for b in ids},
        bidder_files={b: () for b in ids},
        tender_files=(),
        csv_signatures=(),
        errors=(),
        control_price=float(tender.control) if limits else None,
        floor_price=float(tender.floor) if limits and tender.floor else None,
    )
    bidders = tuple(Bidder(id=b, name=None, price=float(tender.bids[b])) for b in ids)
    return ScanContext(
        project=project,
        bidders=bidders,
        tender_files=(),
        sections={},
        tender_sections=(),
        settings=settings or Settings(),
        known_common=None,
    )


def price_findings(prices: list[str], control: str | None = None) -> dict[str, Any]:
    """What the price detector makes of these bids (b01, b02, ... in order): its
    alerts with their weights, the patterns it set aside, and the tender's lattice."""
    from collusion.detectors import price_pattern
    from collusion.scoring.score import weigh_alerts

    bids = {f"b{i:02d}": Decimal(p) for i, p in enumerate(prices, start=1)}
    control_price = Decimal(control) if control else max(bids.values())
    tender = Tender("example", "example", control_price, None, bids)
    ctx = price_context(tender, limits=control is not None)
    alerts = weigh_alerts(price_pattern.detect(ctx), ctx.settings.score)
    indicators = price_pattern.project_indicators(ctx)
    return {
        "lattice": indicators["lattice"],
        "alerts": [
            {
                "kind": a.kind,
                "bidders": list(a.bidders),
                "severity": a.severity,
                "weight": round(a.weight.log10_lr, 2) if a.weight else None,
                "summary": a.summary,
                "chance": a.details.get("chance"),
            }
            for a in alerts
        ],
        "set_aside": indicators["set_aside"],
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description="Write generated labelled cases (one row per bid)."
    )
    parser.add_argument("output", type=Path, help="the cases CSV to write")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--tenders", type=int, default=400)
    parser.add_argument("--collusive-share", type=float, default=0.4)
    args = parser.parse_args(argv)
    tenders = list(cases(args.seed, args.tenders, args.collusive_share))
    write_cases(args.output, tenders)
    collusive = sum(t.label for t in tenders)
    print(f"{len(tenders)} tenders ({collusive} collusive) written to {args.output}")


if __name__ == "__main__":
    main()
