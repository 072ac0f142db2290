"""price_pattern: bid prices with a regular pattern, and bills of quantities priced alike.

Article 40 item 四 (投标报价呈规律性差异, 投标文件异常一致). Pair-level signs:

- identical bid prices (to the cent);
- three or more bid prices in an arithmetic progression (a constant
  difference) or a geometric one (a constant ratio);
- priced bills of quantities priced alike (``price_bills``).

A price pattern weighs what its chance says: ``log10(q / chance)``, at most
MAX_PRICE_LOG10_LR, where q (``PriceSettings.ring_pattern_share``) is the
share of rings whose prices show such a pattern at all and the chance is
computed on the lattice the tender's bids really lie on (``collusion.analysis.lattice``: prices to the fen, rounded
to the thousand, or a discount rate on the control price). Severity follows
the weight (``severity_of``), and so do the words: an alert that says it may
be chance (可能为巧合) never weighs enough to flag a pair on its own. A pattern
that weighs nothing is not an alert; it is listed with its reason in
``indicators.prices.set_aside``:

- ``control_price``/``floor_price``: equal prices at the published cap or
  floor (project.json ``control_price``/``floor_price``, or the tender
  file's 最高投标限价/招标控制价 and 最低投标限价), or at it as a bidder
  rounds it (2,171,000 under a cap of 2,171,100);
- ``many_holders``: a price held by more bidders than a ring explains
  (``PriceSettings.max_ring_bidders``);
- ``top_price``/``bottom_price``: with no cap (floor) stated, equal prices
  in whole yuan at the highest bid (three or more at the lowest), where a
  cap (a floor) gathers bids;
- ``chance``: more likely than ``PriceSettings.max_chance`` on the lattice.

Project-level screens describe a whole tender (``indicators.prices`` and
``indicators.screens``): they are never turned into accusations against a
pair, because Chinese evaluation methods that score against an
average-based benchmark price push honest and colluding bidders alike to
spread their bids.

Each bidder's price is ``bidders.<id>.price`` from project.json, else the
price its files state (投标总价/投标报价, the value written most often; the
uppercase form prevails where the two forms disagree).
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from collusion import basis
from collusion.analysis.identifiers import SectionTitles, section_titles
from collusion.analysis.lattice import (
    CENT,
    Chance,
    Lattice,
    Spread,
    candidate_lattices,
    identical_chance,
    progression_chance,
    step_precision,
    step_round_unit,
    tender_lattice,
    written_unit,
)
from collusion.analysis.prices import (
    CONTROL_PRICE_LABELS,
    FLOOR_PRICE_LABELS,
    PriceFinding,
    find_prices,
    identical_prices,
    progressions,
)
from collusion.analysis.screens import screens
from collusion.detectors.price_bills import bill_alerts, money, who
from collusion.models import Alert, Evidence, ScanContext, Weight
from collusion.settings import PriceSettings, ScoreSettings

KIND = "price_pattern"
INDICATOR_NOTE = "项目级报价筛查指标，仅描述本项目报价分布，不构成对任何投标人的指控。"
# No price pattern alone weighs more than a lineage id (1e-4).
MAX_PRICE_LOG10_LR = 4.0
SET_ASIDE_REASONS = {
    "control_price": "报价等于招标控制价（最高投标限价），为公开价格",
    "floor_price": "报价等于最低投标限价，为公开价格",
    "many_holders": "持有该报价的投标人多于一个围标团伙通常的规模（{limit}家），多为限价或共同算法",
    "chance": "按本项目报价所在的价格格点估计，偶然出现的概率约为{chance}，不作为预警",
    "top_price": "多家投标人报价相同（整数元）且为本项目最高报价，可能为最高投标限价（本项目未载明招标控制价）",
    "bottom_price": "三家以上投标人报价相同（整数元）且为本项目最低报价，可能为最低投标限价（本项目未载明）",
}
# Kinds of pattern looked for: equal prices, and chains of equal differences,
# equal ratios to the yuan, round ratios (a chance pattern of any kind
# would be found, so each pattern's chance counts them all).
PATTERN_KINDS = 4
# A price held in whole yuan at the control price as a bidder rounds it
# (2,171,000 under a cap of 2,171,100) is the cap, when the rounding is at
# most this share of it.
CAP_ROUNDING_SHARE = Decimal("0.001")
# Equal prices at the lowest bid, with no floor stated, set aside from this many holders.
BOTTOM_MIN_HOLDERS = 3


@dataclass(frozen=True)
class BidPrice:
    """A bidder's price and where it came from."""

    bidder: str
    price: Decimal | None
    source: str | None  # project.json | text | None
    file: str | None
    finding: PriceFinding | None  # the stated price in the files, when read from them
    mismatches: tuple[tuple[str, PriceFinding], ...]  # numeric vs uppercase disagreements
    stated: Decimal | None  # the price the files state most often, whatever the source


@dataclass(frozen=True)
class Limit:
    """A published price limit: the control price (cap) or the floor."""

    price: Decimal
    source: str  # project.json, or the tender file it was read from
    finding: PriceFinding | None = None

    def to_dict(self) -> dict:
        data: dict = {"price": float(self.price), "source": self.source}
        if self.finding is not None:
            data["page"] = self.finding.page
            data["excerpt"] = self.finding.excerpt
        return data


@dataclass(frozen=True)
class Limits:
    control: Limit | None
    floor: Limit | None


@dataclass(frozen=True)
class PricePattern:
    """Equal prices or a progression among the bids, with its chance or why it weighs nothing."""

    pattern: str  # identical_price | arithmetic_progression | geometric_progression
    bidders: tuple[str, ...]  # price order for a progression, sorted for equal prices
    prices: tuple[Decimal, ...]
    step: Decimal | None  # the common difference or ratio
    round: bool  # the finder's round step (a multiple of round_step) or ratio
    chance: Chance | None  # None when set aside before any chance was computed
    set_aside: str | None  # a key of SET_ASIDE_REASONS, or None for an alert

    def to_dict(self, settings: PriceSettings) -> dict:
        """As listed in ``indicators.prices.set_aside``."""
        data: dict = {
            "pattern": self.pattern,
            "bidders": sorted(self.bidders),
            "prices": [float(p) for p in self.prices],
            "reason": self.set_aside,
            "explanation": _set_aside_words(self, settings),
        }
        if self.chance is not None:
            data.update(self.chance.to_dict())
        return data


def _set_aside_words(pattern: PricePattern, settings: PriceSettings) -> str:
    template = SET_ASIDE_REASONS.get(pattern.set_aside or "", "")
    chance = _percent(pattern.chance.chance) if pattern.chance else ""
    return template.format(limit=settings.max_ring_bidders, chance=chance)


def _settings(ctx: ScanContext) -> PriceSettings:
    return ctx.settings.prices


def bid_prices(ctx: ScanContext) -> dict[str, BidPrice]:
    """Every bidder's price: project.json first, else the price its files state most."""
    settings = _settings(ctx)
    prices = {}
    for bidder in ctx.bidders:
        stated: list[tuple[str, PriceFinding]] = [
            (file.path, finding)
            for file in sorted(bidder.files, key=lambda f: f.path)
            for finding in find_prices(
                file.blocks, ctx.settings.excerpt_chars, money(settings.amount_mismatch_tolerance)
            )
        ]
        mismatches = tuple(s for s in stated if s[1].mismatch)
        best = _most_stated(stated)
        stated_price = best[1].price.quantize(CENT) if best else None
        if bidder.price is not None:
            price = Decimal(str(bidder.price)).quantize(CENT)
            # The files' own statement of that price, quoted as evidence.
            quoted = next((s for s in stated if s[1].price.quantize(CENT) == price), None)
            prices[bidder.id] = BidPrice(
                bidder.id,
                price,
                "project.json",
                quoted[0] if quoted else None,
                quoted[1] if quoted else None,
                mismatches,
                stated_price,
            )
        elif best is not None:
            prices[bidder.id] = BidPrice(
                bidder.id, stated_price, "text", best[0], best[1], mismatches, stated_price
            )
        else:
            prices[bidder.id] = BidPrice(bidder.id, None, None, None, None, mismatches, None)
    return prices


def _most_stated(stated: list[tuple[str, PriceFinding]]) -> tuple[str, PriceFinding] | None:
    """The finding whose price the files state most often; the first on a tie."""
    if not stated:
        return None
    counts = Counter(f.price.quantize(CENT) for _, f in stated)
    top = max(counts.values())
    return next(s for s in stated if counts[s[1].price.quantize(CENT)] == top)


def _tender_limit(ctx: ScanContext, labels) -> Limit | None:  # noqa: ANN001
    """A limit the tender files state (most often), after one of ``labels``."""
    settings = _settings(ctx)
    stated = [
        (file.path, finding)
        for file in ctx.tender_files
        for finding in find_prices(
            file.blocks,
            ctx.settings.excerpt_chars,
            money(settings.amount_mismatch_tolerance),
            labels,
        )
    ]
    best = _most_stated(stated)
    return Limit(best[1].price.quantize(CENT), best[0], best[1]) if best else None


def ceiling_price(ctx: ScanContext) -> PriceFinding | None:
    """The tender's 最高投标限价 (招标控制价), as its files state it most often."""
    limit = _tender_limit(ctx, CONTROL_PRICE_LABELS)
    return limit.finding if limit else None


def price_limits(ctx: ScanContext) -> Limits:
    """The control price and the floor: project.json first, else the tender files."""

    def given(value: float | None) -> Limit | None:
        return Limit(Decimal(str(value)).quantize(CENT), "project.json") if value else None

    project = ctx.project
    return Limits(
        control=given(project.control_price) or _tender_limit(ctx, CONTROL_PRICE_LABELS),
        floor=given(project.floor_price) or _tender_limit(ctx, FLOOR_PRICE_LABELS),
    )


# --- weighing the patterns ---------------------------------------------------------------------


def weigh_patterns(
    known: dict[str, Decimal], limits: Limits, settings: PriceSettings
) -> list[PricePattern]:
    """Equal prices and progressions among the bids, each with its chance on the
    tender's lattice, or the reason it weighs nothing."""
    values = [v for v in known.values() if v > 0]
    if len(values) < 2:
        return []
    control = limits.control.price if limits.control else None
    lattices = candidate_lattices(values, control)
    spreads = Spread.of_bids(values)
    found = []
    for group in identical_prices(known):
        price = known[group[0]]
        reason = _public_price(price, len(group), limits, settings, values)
        chance = None
        if reason is None:
            chance = identical_chance(len(group), price, values, spreads, lattices, PATTERN_KINDS)
            reason = "chance" if chance.chance > settings.max_chance else None
        found.append(
            PricePattern(
                "identical_price", group, (price,) * len(group), None, False, chance, reason
            )
        )
    abs_tolerance = money(settings.progression_abs_tolerance)
    mean = sum(values, Decimal(0)) / len(values)
    for prog in progressions(
        known,
        abs_tolerance,
        money(settings.progression_rel_tolerance),
        settings.min_progression_bidders,
        settings.ratio_decimals,
        money(settings.round_step),
    ):
        geometric = prog.kind == "geometric"
        window = 2 * abs_tolerance
        width = None  # a ratio is judged round within the window
        if geometric:
            window = max(window, 2 * money(settings.progression_rel_tolerance) * mean)
            unit = mean * Decimal(10) ** -settings.ratio_decimals if prog.round else None
        else:
            # A difference is round only exactly (lattice.step_round_unit),
            # never within the chain's tolerance.
            unit = step_round_unit(prog.prices[0], prog.prices[1])
            width = step_precision(prog.prices[0], prog.prices[1])
        chance = progression_chance(
            prog.prices,
            prog.step,
            geometric,
            values,
            spreads,
            lattices,
            window,
            unit,
            PATTERN_KINDS,
            width,
        )
        found.append(
            PricePattern(
                f"{prog.kind}_progression",
                prog.bidders,
                prog.prices,
                prog.step,
                prog.round,
                chance,
                "chance" if chance.chance > settings.max_chance else None,
            )
        )
    return found


def _public_price(
    price: Decimal, holders: int, limits: Limits, settings: PriceSettings, values: list[Decimal]
) -> str | None:
    """Why equal prices at ``price`` weigh nothing, or None.

    With no control price stated, equal prices in whole yuan at the highest
    bid (or at it as a bidder rounds it) are most likely the cap (no bid may
    exceed it, and caps are stated in whole yuan or rounder); with no floor
    stated, three or more in whole yuan at the lowest bid most likely the
    floor (no bid may go under it).
    A ring copying one priced file shares a price to the fen.
    """
    whole = price % 1 == 0
    if limits.control is not None and price in _as_written(limits.control.price, price, down=True):
        return "control_price"
    if limits.floor is not None and price in _as_written(limits.floor.price, price, down=False):
        return "floor_price"
    if holders > settings.max_ring_bidders:
        return "many_holders"
    # The highest (lowest) bid stands for the cap (floor) not stated, as a
    # bidder rounds it too.
    if limits.control is None and whole and price in _as_written(max(values), price, True):
        return "top_price"
    if (
        limits.floor is None
        and whole
        and holders >= BOTTOM_MIN_HOLDERS
        and price in _as_written(min(values), price, False)
    ):
        return "bottom_price"
    return None


def _as_written(limit: Decimal, price: Decimal, down: bool) -> tuple[Decimal, ...]:
    """The limit, and the limit rounded the way ``price`` is (down for a cap, up
    for a floor) when that rounding is at most CAP_ROUNDING_SHARE of it."""
    unit = written_unit(price)
    if unit > limit * CAP_ROUNDING_SHARE:
        return (limit,)
    below = (limit // unit) * unit
    return (limit, below if down or below == limit else below + unit)


def pattern_weight(pattern: PricePattern, settings: PriceSettings) -> Weight:
    """log10(ring_pattern_share / chance), between 0 and MAX_PRICE_LOG10_LR;
    nothing for a set-aside pattern."""
    chance = pattern.chance
    if pattern.set_aside is not None or chance is None:
        return Weight(log10_lr=0.0, method="chance", inputs={"set_aside": pattern.set_aside})
    ratio = settings.ring_pattern_share / max(chance.chance, 1e-12)
    log10_lr = max(0.0, min(MAX_PRICE_LOG10_LR, math.log10(ratio)))
    inputs = {
        "ring_pattern_share": settings.ring_pattern_share,
        "chance": chance.chance,
        "bids": chance.bids,
        "on_lattice": chance.members,
        "lattice_step": float(chance.lattice.step),
        "effective_spread": round(chance.spread, 2),
    }
    return Weight(log10_lr=log10_lr, method="chance", inputs=inputs)


def severity_of(log10_lr: float, score: ScoreSettings) -> str:
    """high when the weight alone flags a pair, else low: under the flag weight
    the alert's words say it may be chance, and scoring weighs it as a weak
    fact (``collusion.scoring.severity``), which is low."""
    return "high" if log10_lr >= score.flag_weight else "low"


def chance_words(chance: Chance, log10_lr: float, score: ScoreSettings) -> str:
    """How likely the pattern is by chance on the tender's lattice, in words; it
    says 可能为巧合 only when the weight alone cannot flag the pair."""
    lattice = chance.lattice.describe()
    words = (
        f"。本项目{chance.bids}家报价中{chance.members}家{lattice}，"
        f"按此估计偶然出现的概率约为{_percent(chance.chance)}"
    )
    if log10_lr < score.flag_weight:
        words += "，可能为巧合"
    return words


def _percent(chance: float) -> str:
    return f"{chance * 100:.2g}%" if chance >= 1e-6 else "0.0001%以下"


# --- alerts ----------------------------------------------------------------------------------------


def detect(ctx: ScanContext) -> list[Alert]:
    """Alerts for identical or progressive bid prices and alike bills of quantities."""
    settings = _settings(ctx)
    titles = section_titles(ctx.sections)
    prices = bid_prices(ctx)
    known = {b: p.price for b, p in prices.items() if p.price is not None}
    alerts = [
        _pattern_alert(ctx, pattern, prices, titles)
        for pattern in weigh_patterns(known, price_limits(ctx), settings)
        if pattern.set_aside is None
    ]
    alerts += bill_alerts(ctx, settings, titles)
    return sorted(alerts, key=Alert.sort_key)


def _yuan(value: Decimal) -> str:
    return f"{value:,.2f}元"


def _priced(p: BidPrice) -> Decimal:
    """The price of a bid in an alert: alerts are only made from bids with a price."""
    assert p.price is not None, p.bidder
    return p.price


def _price_evidence(
    bidders: tuple[str, ...],
    prices: dict[str, BidPrice],
    titles: SectionTitles,
) -> tuple[Evidence, ...]:
    evidence = []
    for bidder in bidders:
        p = prices[bidder]
        if p.finding is not None and p.file is not None:
            evidence.append(
                Evidence(
                    bidder=bidder,
                    file=p.file,
                    page=p.finding.page,
                    section=titles.get((bidder, p.file, p.finding.index)),
                    excerpt=p.finding.excerpt,
                    field="bid_price",
                    value=_yuan(_priced(p)),
                    paragraph=p.finding.index,
                )
            )
        else:
            evidence.append(
                Evidence(
                    bidder=bidder, file="project.json", field="bid_price", value=_yuan(_priced(p))
                )
            )
    return tuple(evidence)


def _pattern_alert(
    ctx: ScanContext,
    pattern: PricePattern,
    prices: dict[str, BidPrice],
    titles: SectionTitles,
) -> Alert:
    """The alert of a weighed pattern: its words and severity follow its weight."""
    assert pattern.chance is not None
    weight = pattern_weight(pattern, _settings(ctx))
    chance = pattern.chance
    names = "、".join(who(ctx, b) for b in pattern.bidders)
    details: dict = {
        "pattern": pattern.pattern,
        "sources": {b: prices[b].source for b in pattern.bidders},
        **chance.to_dict(),
    }
    if pattern.pattern == "identical_price":
        price = pattern.prices[0]
        summary = f"{names}的投标报价完全相同，均为{_yuan(price)}"
        rate = chance.lattice.rate_of(price)
        if rate is not None:
            summary += f"，即招标控制价下浮{_rate_text(rate)}"
            details["discount_from_ceiling"] = float(rate)
        details["price"] = float(price)
        key = f"price:{price}"
    else:
        step = pattern.step
        assert step is not None
        if pattern.pattern == "arithmetic_progression":
            summary = f"{names}的投标报价按从低到高呈等差数列（公差{_yuan(step)}）"
        else:
            summary = f"{names}的投标报价按从低到高呈等比数列（公比{step:.6f}）"
        details.update(
            order=list(pattern.bidders),
            prices=[float(p) for p in pattern.prices],
            step=float(step),
            round_step=pattern.round,
        )
        key = f"progression:{','.join(sorted(pattern.bidders))}"
    summary += chance_words(chance, weight.log10_lr, ctx.settings.score)
    bidders = tuple(sorted(pattern.bidders))
    return Alert(
        kind=KIND,
        severity=severity_of(weight.log10_lr, ctx.settings.score),
        score=0.0,  # the scoring stage sets it from the weight
        bidders=bidders,
        basis=basis.ART40_ABNORMAL_CONSISTENCY,
        summary=summary,
        details=details,
        evidence=_price_evidence(bidders, prices, titles),
        key=key,
        weight=weight,
    )


def _rate_text(rate: Decimal) -> str:
    return f"{(rate * 100).normalize():f}%"


# --- project indicators ------------------------------------------------------------------


def project_indicators(ctx: ScanContext, prices: dict[str, BidPrice] | None = None) -> dict:
    """The project's price screens for ``indicators.prices``, with every bid price used,
    the lattice the bids lie on and the patterns set aside (``prices``: ``bid_prices``
    of ``ctx``, when made already)."""
    settings = _settings(ctx)
    prices = bid_prices(ctx) if prices is None else prices
    known = {b: p.price for b, p in prices.items() if p.price is not None}
    limits = price_limits(ctx)
    ceiling = ceiling_price(ctx)
    control = limits.control.price if limits.control else None
    lattice, on_lattice = tender_lattice(list(known.values()), control)
    return {
        "note": INDICATOR_NOTE,
        "bids": len(known),
        "min_bids": settings.min_bids_for_screens,
        "ceiling": None
        if ceiling is None
        else {"price": float(ceiling.price), "page": ceiling.page, "excerpt": ceiling.excerpt},
        "control_price": limits.control.to_dict() if limits.control else None,
        "floor_price": limits.floor.to_dict() if limits.floor else None,
        "lattice": _lattice_dict(lattice, on_lattice, len(known)),
        "screens": screens([float(v) for v in known.values()], settings.min_bids_for_screens),
        "set_aside": [
            p.to_dict(settings)
            for p in weigh_patterns(known, limits, settings)
            if p.set_aside is not None
        ],
        "prices": [
            _price_entry(p, lattice, control)
            for p in sorted(prices.values(), key=lambda p: p.bidder)
        ],
    }


def _lattice_dict(lattice: Lattice, members: int, bids: int) -> dict:
    return {
        **lattice.to_dict(),
        "description": lattice.describe(),
        "on_lattice": members,
        "bids": bids,
    }


def _price_entry(p: BidPrice, lattice: Lattice, control: Decimal | None) -> dict:
    return {
        "bidder": p.bidder,
        "price": float(p.price) if p.price is not None else None,
        "source": p.source,
        "file": p.file,
        "page": p.finding.page if p.finding else None,
        "stated_in_files": float(p.stated) if p.stated is not None else None,
        # 下浮率: how far below the control price the bid is.
        "below_ceiling": (
            round(float(1 - p.price / control), 6)
            if control and p.price is not None and control > 0
            else None
        ),
        "amount_mismatches": [_mismatch(file, f) for file, f in p.mismatches],
    }


def _mismatch(file: str, f: PriceFinding) -> dict[str, Any]:
    """One place where the numeric and the uppercase amount disagree (so both are there)."""
    assert f.numeric is not None and f.uppercase is not None
    return {
        "file": file,
        "page": f.page,
        "numeric": float(f.numeric),
        "uppercase": float(f.uppercase),
        "uppercase_text": f.uppercase_raw,
        "excerpt": f.excerpt,
    }
