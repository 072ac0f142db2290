"""price_pattern, bills of quantities: priced bills whose unit prices agree.

Two bidders' priced bills of quantities whose unit prices agree on a high
share of the competitive lines (fixed and provisional sums and prices the
tender gives are left out), or are one bidder's prices times a constant; and
the same arithmetic error (quantity x unit price != total) on the same line.
Called by ``collusion.detectors.price_pattern.detect``.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import replace
from decimal import Decimal
from itertools import combinations

from collusion import basis
from collusion.analysis.bills import BoqComparison, BoqItem, compare_boq, parse_boq
from collusion.analysis.identifiers import SectionTitles
from collusion.models import Alert, Evidence, ScanContext
from collusion.settings import PriceSettings

KIND = "price_pattern"


def money(value: float) -> Decimal:
    """A setting as Decimal, by its shortest repr (0.01 stays 0.01, not 0.01000000000000000020)."""
    return Decimal(str(value))


def who(ctx: ScanContext, bidder_id: str) -> str:
    """A bidder as the report names it: 名称（id）, or the id alone."""
    name = ctx.bidder_name(bidder_id)
    return f"{name}（{bidder_id}）" if name else bidder_id


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


def bill_alerts(ctx: ScanContext, settings: PriceSettings, titles: SectionTitles) -> list[Alert]:
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


def _strength(high: bool) -> tuple[str, float]:
    """Severity and score of a bill alert: strong, or plain."""
    return ("high", 0.9) if high else ("medium", 0.6)


def _bill_alert(
    a: str, b: str, severity: str, score: float, *, summary: str, details: dict, evidence: tuple
) -> Alert:
    return Alert(
        kind=KIND,
        severity=severity,
        score=score,
        bidders=(a, b),
        basis=basis.ART40_ABNORMAL_CONSISTENCY,
        summary=summary,
        details=details,
        evidence=evidence,
    )


def _row_evidence(
    a: str,
    b: str,
    lines: tuple[tuple[BoqItem, BoqItem], ...],
    settings: PriceSettings,
    files: dict[str, dict[str, str]],
    titles: SectionTitles,
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
    titles: SectionTitles,
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
        return _bill_alert(
            a,
            b,
            *_strength(high),
            summary=(
                f"{who(ctx, a)}与{who(ctx, b)}的已标价工程量清单中，"
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
        return _bill_alert(
            a,
            b,
            "high",
            0.85,
            summary=(
                f"{who(ctx, b)}的已标价工程量清单综合单价约为{who(ctx, a)}的"
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
    titles: SectionTitles,
) -> Alert:
    shared = comparison.shared_errors
    same = comparison.identical_errors
    high = same >= 1 or len(shared) >= 2
    names = "、".join(x.code or x.name for x, _ in shared[:3])
    return _bill_alert(
        a,
        b,
        *_strength(high),
        summary=(
            f"{who(ctx, a)}与{who(ctx, b)}的已标价工程量清单在相同的{len(shared)}个"
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
    """A line total as the report holds it (None when the bill states none)."""
    return None if value is None else float(value)
