"""price_pattern: bid prices with a regular pattern, and bills of quantities priced alike.

Article 40 item 四 (投标报价呈规律性差异, 投标文件异常一致). Pair-level signs:

- identical bid prices (to the cent);
- three or more bid prices in an arithmetic progression (a constant
  difference) or a geometric one (a constant ratio);
- priced bills of quantities whose unit prices agree on a high share of the
  competitive lines (fixed and provisional sums and prices the tender gives
  are left out), or are one bidder's prices times a constant;
- the same arithmetic error (quantity x unit price != total) on the same line.

Project-level screens (coefficient of variation, spread, DIFFP, RD,
skewness, kurtosis, KS) describe a whole tender and are returned by
`project_indicators` for the report's ``indicators.prices``: they are never
turned into accusations against a pair, because Chinese evaluation methods
that score against an average-based benchmark price push honest and
colluding bidders alike to spread their bids.

Each bidder's price is ``bidders.<id>.price`` from project.json, else the
price its files state (投标总价/投标报价, the value written most often; the
uppercase form prevails where the two forms disagree).
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from dataclasses import dataclass, replace
from decimal import Decimal
from itertools import combinations
from typing import Any

from collusion import basis
from collusion.analysis.bills import BoqComparison, BoqItem, compare_boq, parse_boq
from collusion.analysis.identifiers import section_titles
from collusion.analysis.prices import (
    CENT,
    CONTROL_PRICE_LABELS,
    PriceFinding,
    discount,
    find_prices,
    identical_prices,
    is_round_amount,
    progressions,
    screens,
)
from collusion.models import Alert, Evidence, ScanContext, Weight
from collusion.settings import PriceSettings

KIND = "price_pattern"
# (round step or ratio, four or more bidders) -> severity, score.
PROGRESSION_STRENGTH = {
    (True, True): ("high", 0.85),
    (True, False): ("medium", 0.7),
    (False, True): ("medium", 0.5),
    (False, False): ("low", 0.3),
}
INDICATOR_NOTE = "项目级报价筛查指标，仅描述本项目报价分布，不构成对任何投标人的指控。"


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


def money(value: float) -> Decimal:
    """A setting as Decimal, by its shortest repr (0.01 stays 0.01, not 0.01000000000000000020)."""
    return Decimal(str(value))


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


# --- project indicators ------------------------------------------------------------------


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


def project_indicators(ctx: ScanContext) -> dict:
    """The project's price screens for ``indicators.prices``, with every bid price used."""
    settings = _settings(ctx)
    prices = bid_prices(ctx)
    known = [p.price for p in prices.values() if p.price is not None]
    ceiling = ceiling_price(ctx)
    return {
        "note": INDICATOR_NOTE,
        "bids": len(known),
        "min_bids": settings.min_bids_for_screens,
        "ceiling": None
        if ceiling is None
        else {"price": float(ceiling.price), "page": ceiling.page, "excerpt": ceiling.excerpt},
        "screens": screens([float(price) for price in known], settings.min_bids_for_screens),
        "prices": [
            {
                "bidder": p.bidder,
                "price": float(p.price) if p.price is not None else None,
                "source": p.source,
                "file": p.file,
                "page": p.finding.page if p.finding else None,
                "stated_in_files": float(p.stated) if p.stated is not None else None,
                # 下浮率: how far below the tender's ceiling price the bid is.
                "below_ceiling": (
                    round(float(1 - p.price / ceiling.price), 6)
                    if ceiling and p.price is not None and ceiling.price > 0
                    else None
                ),
                "amount_mismatches": [_mismatch(file, f) for file, f in p.mismatches],
            }
            for p in sorted(prices.values(), key=lambda p: p.bidder)
        ],
    }


# --- alerts ----------------------------------------------------------------------------------------


def detect(ctx: ScanContext) -> list[Alert]:
    """Alerts for identical or progressive bid prices and alike bills of quantities."""
    settings = _settings(ctx)
    titles = section_titles(ctx.sections)
    prices = bid_prices(ctx)
    known = {b: p.price for b, p in prices.items() if p.price is not None}
    control = ceiling_price(ctx)
    chance = PriceChance.of(list(known.values()))
    alerts = []
    for group in identical_prices(known):
        alert = _identical_alert(ctx, group, prices, control, settings, titles)
        p = chance.identical(len(group), known[group[0]], control, settings)
        alerts.append(_weighed(alert, p, chance))
    for prog in progressions(
        known,
        money(settings.progression_abs_tolerance),
        money(settings.progression_rel_tolerance),
        settings.min_progression_bidders,
        settings.ratio_decimals,
        money(settings.round_step),
    ):
        p = chance.progression(prog, settings)
        alerts.append(_weighed(_progression_alert(ctx, prog, prices, titles), p, chance))
    # Groups are never built from chance links: a pattern this likely among
    # these bids is not reported at all.
    alerts = [a for a in alerts if a.details["chance"] <= settings.max_chance]
    alerts += _boq_alerts(ctx, settings, titles)
    return sorted(alerts, key=Alert.sort_key)


RESOLUTIONS = tuple(Decimal(x) for x in ("10000", "1000", "100", "10", "1", "0.1", "0.01"))
# No price pattern alone weighs more than a lineage id (1e-4).
MAX_PRICE_LOG10_LR = 4.0


def resolution_of(values: list[Decimal]) -> Decimal:
    """The coarsest rounding every value follows (10,000 yuan down to the cent)."""
    for step in RESOLUTIONS:
        if all(v % step == 0 for v in values):
            return step
    return CENT


@dataclass(frozen=True)
class PriceChance:
    """How likely a price pattern is by chance, given the number of bids, their
    spread and their rounding.

    Bids are taken as spread evenly over their range, each rounded to the
    project's resolution. Then, with ``M = spread / resolution + 1`` possible
    values, ``g`` identical bids among ``n`` are expected ``C(n, g) / M^(g-1)``
    times; a chain of ``L`` bids with equal steps, within a window ``w`` of
    what the first two fix, ``L * C(n, L) * (w / spread)^(L-2)`` times, and a
    round step (a multiple of 1,000 yuan) among those ``w / 1000`` as often.
    The chance of the pattern is ``1 - exp(-expected)`` (Poisson): an identical
    price among 8 bids to the cent is near impossible, among 1,000 integer
    bids it is expected.
    """

    n: int
    spread: Decimal
    resolution: Decimal
    mean: Decimal

    @classmethod
    def of(cls, values: list[Decimal]) -> PriceChance:
        positive = [v for v in values if v > 0] or [Decimal(1)]
        spread = max(positive) - min(positive)
        mean = sum(positive, Decimal(0)) / len(positive)
        # A tight cluster still spreads over at least a thousandth of its value.
        spread = max(spread, mean / 1000, Decimal(1))
        return cls(len(values), spread, resolution_of(positive), mean)

    def _possible(self, resolution: Decimal) -> float:
        return float(self.spread / resolution) + 1.0

    def identical(
        self, group: int, price: Decimal, control: PriceFinding | None, settings: PriceSettings
    ) -> float:
        resolution = max(self.resolution, resolution_of([price]))
        if control is not None and discount(
            price, control.price, settings.ratio_decimals, money(settings.progression_abs_tolerance)
        ):
            # one round rate off the ceiling: as many values as rates in the spread
            resolution = max(resolution, control.price / Decimal(10) ** settings.ratio_decimals)
        expected = math.comb(self.n, group) / self._possible(resolution) ** (group - 1)
        return _poisson_any(expected)

    def progression(self, prog, settings: PriceSettings) -> float:
        length = len(prog.prices)
        window = max(2 * money(settings.progression_abs_tolerance), self.resolution)
        if prog.kind == "geometric":
            window = max(window, 2 * money(settings.progression_rel_tolerance) * self.mean)
        share = min(1.0, float(window / self.spread))
        expected = length * math.comb(self.n, length) * share ** (length - 2)
        if prog.round:
            per = (
                money(settings.round_step)
                if prog.kind == "arithmetic"
                else self.mean * Decimal(10) ** -settings.ratio_decimals
            )
            expected *= min(1.0, float(window / per))
        return _poisson_any(expected)


def _poisson_any(expected: float) -> float:
    return 1.0 - math.exp(-expected) if expected < 50 else 1.0


def _weighed(alert: Alert, chance: float, model: PriceChance) -> Alert:
    """The alert with its chance and the weight it gives: log10(1 / chance), capped."""
    log10_lr = min(MAX_PRICE_LOG10_LR, -math.log10(max(chance, 1e-12)))
    inputs = {
        "chance": chance,
        "bids": model.n,
        "spread": float(model.spread),
        "resolution": float(model.resolution),
    }
    details = {
        **alert.details,
        "chance": float(f"{chance:.3g}"),
        "bids": model.n,
        "resolution": float(model.resolution),
    }
    return replace(
        alert, details=details, weight=Weight(log10_lr=log10_lr, method="chance", inputs=inputs)
    )


def _who(ctx: ScanContext, bidder_id: str) -> str:
    name = ctx.bidder_name(bidder_id)
    return f"{name}（{bidder_id}）" if name else bidder_id


def _yuan(value: Decimal) -> str:
    return f"{value:,.2f}元"


def _priced(p: BidPrice) -> Decimal:
    """The price of a bid in an alert: alerts are only made from bids with a price."""
    assert p.price is not None, p.bidder
    return p.price


def _price_evidence(
    ctx: ScanContext,
    bidders: tuple[str, ...],
    prices: dict[str, BidPrice],
    titles: dict[tuple[str, str, int], str],
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


def _identical_alert(
    ctx: ScanContext,
    group: tuple[str, ...],
    prices: dict[str, BidPrice],
    control: PriceFinding | None,
    settings: PriceSettings,
    titles: dict[tuple[str, str, int], str],
) -> Alert:
    """Identical prices: high, unless the price is round or a round discount off the ceiling.

    Bidders often bid 最高投标限价 x (1 - a round rate) or a round sum, and two
    honest bidders can pick the same one.
    """
    price = _priced(prices[group[0]])
    rate = (
        discount(
            price, control.price, settings.ratio_decimals, money(settings.progression_abs_tolerance)
        )
        if control
        else None
    )
    plain = rate is not None or is_round_amount(price, money(settings.round_step))
    summary = f"{'、'.join(_who(ctx, b) for b in group)}的投标报价完全相同，均为{_yuan(price)}"
    if rate is not None:
        summary += f"，即最高投标限价下浮{rate:.{max(settings.ratio_decimals - 2, 0)}%}，可能为按相同下浮率报价"
    elif plain:
        summary += "，为整数报价，可能为巧合"
    details = {
        "pattern": "identical_price",
        "price": float(price),
        "round_price": plain,
        "sources": {b: prices[b].source for b in group},
    }
    if rate is not None:
        details["discount_from_ceiling"] = float(rate)
    return Alert(
        kind=KIND,
        severity="medium" if plain else "high",
        score=0.6 if plain else 0.9,
        bidders=group,
        basis=basis.ART40_ABNORMAL_CONSISTENCY,
        summary=summary,
        details=details,
        evidence=_price_evidence(ctx, group, prices, titles),
        key=f"price:{price}",
    )


def ceiling_price(ctx: ScanContext) -> PriceFinding | None:
    """The tender's 最高投标限价 (招标控制价), as its files state it most often."""
    settings = _settings(ctx)
    stated = [
        (file.path, finding)
        for file in ctx.tender_files
        for finding in find_prices(
            file.blocks,
            ctx.settings.excerpt_chars,
            money(settings.amount_mismatch_tolerance),
            CONTROL_PRICE_LABELS,
        )
    ]
    best = _most_stated(stated)
    return best[1] if best else None


def _progression_alert(
    ctx: ScanContext, prog, prices: dict[str, BidPrice], titles: dict[tuple[str, str, int], str]
) -> Alert:
    who = "、".join(_who(ctx, b) for b in prog.bidders)
    if prog.kind == "arithmetic":
        pattern, step_text = "arithmetic_progression", f"公差{_yuan(prog.step)}"
        summary = f"{who}的投标报价按从低到高呈等差数列（{step_text}）"
    else:
        pattern, step_text = "geometric_progression", f"公比{prog.step:.6f}"
        summary = f"{who}的投标报价按从低到高呈等比数列（{step_text}）"
    # A round step or ratio is what people choose; a chance chain among many
    # bids almost never has one. Longer chains are stronger either way.
    long_chain = len(prog.bidders) >= 4
    severity, score = PROGRESSION_STRENGTH[(prog.round, long_chain)]
    if not prog.round:
        summary += "，步长不是整数值，可能为巧合"
    return Alert(
        kind=KIND,
        severity=severity,
        score=score,
        bidders=tuple(sorted(prog.bidders)),
        basis=basis.ART40_ABNORMAL_CONSISTENCY,
        summary=summary,
        details={
            "pattern": pattern,
            "order": list(prog.bidders),
            "prices": [float(p) for p in prog.prices],
            "step": float(prog.step),
            "round_step": prog.round,
            "sources": {b: prices[b].source for b in prog.bidders},
        },
        evidence=_price_evidence(ctx, tuple(sorted(prog.bidders)), prices, titles),
        key=f"progression:{','.join(sorted(prog.bidders))}",
    )


# --- bills of quantities ------------------------------------------------------------------------------


def _boq_by_bidder(ctx: ScanContext) -> dict[str, list[tuple[str, BoqItem]]]:
    """bidder -> (file, line) of its priced BoQs; the first file carrying a line wins."""
    result = {}
    for bidder in ctx.bidders:
        lines: list[tuple[str, BoqItem]] = []
        seen: set[str] = set()
        for file in sorted(bidder.files, key=lambda f: f.path):
            for item in parse_boq(file.blocks):
                if item.key not in seen:
                    seen.add(item.key)
                    lines.append((file.path, item))
        if lines:
            result[bidder.id] = lines
    return result


def expected_unit_prices(
    ctx: ScanContext, boqs: dict[str, list[tuple[str, BoqItem]]], settings: PriceSettings
) -> dict[str, frozenset[Decimal]]:
    """line -> unit prices that are no evidence there.

    The tender's own prices (a priced 招标控制价, fixed rates), and a price
    that most of the project's bidders use on that line (the same quota and
    信息价 in everyone's pricing software), as shared values are treated in
    shared_identifier.
    """
    expected: dict[str, set[Decimal]] = defaultdict(set)
    for file in ctx.tender_files:
        for item in parse_boq(file.blocks):
            expected[item.key].add(item.unit_price)
    users: dict[tuple[str, Decimal], int] = Counter(
        (item.key, item.unit_price) for lines in boqs.values() for _, item in lines
    )
    bidders = len(ctx.bidders)
    for (key, price), count in users.items():
        if count >= settings.common_min_bidders and count > settings.common_share * bidders:
            expected[key].add(price)
    return {key: frozenset(prices) for key, prices in expected.items()}


def _boq_alerts(
    ctx: ScanContext, settings: PriceSettings, titles: dict[tuple[str, str, int], str]
) -> list[Alert]:
    boqs = _boq_by_bidder(ctx)
    expected = expected_unit_prices(ctx, boqs, settings)
    alerts = []
    for a, b in combinations(sorted(boqs), 2):
        files = {a: {i.key: f for f, i in boqs[a]}, b: {i.key: f for f, i in boqs[b]}}
        comparison = compare_boq(
            [i for _, i in boqs[a]],
            [i for _, i in boqs[b]],
            expected,
            money(settings.ratio_tolerance),
            money(settings.arithmetic_abs_tolerance),
            money(settings.arithmetic_per_unit),
        )
        # One priced bill per pair is one fact, whatever it shows: its lines
        # (as text too) are what the alert covers.
        key = f"boq:{a}|{b}"
        covers = frozenset((f, i.index) for x in (a, b) for f, i in boqs[x])
        alert = _unit_price_alert(ctx, a, b, comparison, settings, files, titles)
        if alert is not None:
            alerts.append(replace(alert, key=key, covers=covers))
        if comparison.shared_errors:
            error = _error_alert(ctx, a, b, comparison, settings, files, titles)
            alerts.append(replace(error, key=key, covers=covers))
    return alerts


def _row_evidence(
    a: str,
    b: str,
    lines: tuple[tuple[BoqItem, BoqItem], ...],
    settings: PriceSettings,
    files: dict[str, dict[str, str]],
    titles: dict[tuple[str, str, int], str],
    limit: int,
    field: str,
) -> tuple[Evidence, ...]:
    evidence = []
    for side, bidder in ((0, a), (1, b)):
        for pair in lines[: settings.evidence_rows]:
            item = pair[side]
            file = files[bidder][item.key]
            evidence.append(
                Evidence(
                    bidder=bidder,
                    file=file,
                    page=item.page,
                    section=titles.get((bidder, file, item.index)),
                    excerpt=item.row[:limit],
                    field=field,
                    value=f"{item.code or item.name} 综合单价{item.unit_price}",
                    paragraph=item.index,
                )
            )
    return tuple(evidence)


def _unit_price_alert(
    ctx: ScanContext,
    a: str,
    b: str,
    comparison: BoqComparison,
    settings: PriceSettings,
    files: dict[str, dict[str, str]],
    titles: dict[tuple[str, str, int], str],
) -> Alert | None:
    if comparison.comparable < settings.boq_min_lines:
        return None
    limit = ctx.settings.excerpt_chars
    measures = {
        "comparable_lines": comparison.comparable,
        "identical_lines": len(comparison.identical),
        "identical_share": round(comparison.identical_share, 4),
    }
    if comparison.identical_share >= settings.identical_share:
        high = comparison.identical_share >= settings.identical_share_high
        return Alert(
            kind=KIND,
            severity="high" if high else "medium",
            score=0.9 if high else 0.6,
            bidders=(a, b),
            basis=basis.ART40_ABNORMAL_CONSISTENCY,
            summary=(
                f"{_who(ctx, a)}与{_who(ctx, b)}的已标价工程量清单中，"
                f"{comparison.comparable}项可竞争清单项目有{len(comparison.identical)}项"
                f"综合单价完全相同（{comparison.identical_share:.0%}）"
            ),
            details={"pattern": "identical_unit_prices", **measures},
            evidence=_row_evidence(
                a, b, comparison.identical, settings, files, titles, limit, "unit_price"
            ),
        )
    ratio = comparison.ratio
    if (
        ratio is not None
        and abs(ratio - 1) > money(settings.ratio_min_deviation)
        and comparison.ratio_share >= settings.ratio_share
    ):
        return Alert(
            kind=KIND,
            severity="high",
            score=0.85,
            bidders=(a, b),
            basis=basis.ART40_ABNORMAL_CONSISTENCY,
            summary=(
                f"{_who(ctx, b)}的已标价工程量清单综合单价约为{_who(ctx, a)}的"
                f"{ratio:.4f}倍（{len(comparison.ratio_lines)}/{comparison.comparable}项），"
                "呈固定比例"
            ),
            details={
                "pattern": "constant_unit_price_ratio",
                "ratio": float(round(ratio, 6)),
                "ratio_lines": len(comparison.ratio_lines),
                "ratio_share": round(comparison.ratio_share, 4),
                **measures,
            },
            evidence=_row_evidence(
                a, b, comparison.ratio_lines, settings, files, titles, limit, "unit_price"
            ),
        )
    return None


def _error_alert(
    ctx: ScanContext,
    a: str,
    b: str,
    comparison: BoqComparison,
    settings: PriceSettings,
    files: dict[str, dict[str, str]],
    titles: dict[tuple[str, str, int], str],
) -> Alert:
    shared = comparison.shared_errors
    same = comparison.identical_errors
    high = same >= 1 or len(shared) >= 2
    names = "、".join(x.code or x.name for x, _ in shared[:3])
    return Alert(
        kind=KIND,
        severity="high" if high else "medium",
        score=0.9 if high else 0.6,
        bidders=(a, b),
        basis=basis.ART40_ABNORMAL_CONSISTENCY,
        summary=(
            f"{_who(ctx, a)}与{_who(ctx, b)}的已标价工程量清单在相同的{len(shared)}个"
            f"清单项目（{names}）出现“工程量×综合单价≠合价”的计算错误"
            + (f"，其中{same}项数值完全相同" if same else "")
        ),
        details={
            "pattern": "shared_arithmetic_errors",
            "shared_errors": len(shared),
            "identical_errors": same,
            "lines": [
                {
                    "key": x.key,
                    "quantity": float(x.quantity),
                    "unit_price": [float(x.unit_price), float(y.unit_price)],
                    "total": [_amount(x.total), _amount(y.total)],
                }
                for x, y in shared
            ],
        },
        evidence=_row_evidence(
            a, b, shared, settings, files, titles, ctx.settings.excerpt_chars, "arithmetic_error"
        ),
    )


def _amount(value: Decimal | None) -> float | None:
    return None if value is None else float(value)
