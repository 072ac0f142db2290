"""The rings report (``collusion history rings --output rings.json``): the groups that
bid together more often than chance across the history's tenders, and every company's score.

``groups`` are ordered from most to least suspicious; ``companies`` hold one
entry per company id, its ``score`` that of its strongest group (0 when in
none). Everything a regulator reads (summaries, notes) is in Chinese; a group
is a lead (风险线索), never a finding of collusion.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from collusion import __version__
from collusion.analysis.rings import Ring, RingResult, RingSettings
from collusion.analysis.rings.null import poisson_tail_log10
from collusion.detectors.near_duplicate_text import chance_words
from collusion.labels import LINK_LABELS
from collusion.runtime import clock

RINGS_SCHEMA = "collusion.rings/1"
GROUP_ID_DIGITS = 3
DECIMALS = 6
NOTE = (
    "本结果依据历史投标记录统计得出：所列企业组共同投标的次数远高于按各企业参与率随机抽取时的预期，"
    "属于围标串标风险线索，不是对串通投标的认定，需结合投标文件、主体关联等证据核查。"
)
NULL_MODEL = (
    "每个标段的投标人按各企业在同一地区、同一年度的参与率随机抽取（参与多的大企业本就常相遇，"
    "不因此被列出）；某组企业共同投标次数在此模型下出现的概率低于阈值时列出。"
)
NO_REGION = (
    "档案未提供 region（地区）列：各地区的企业按全部标段比较，同一地区的企业相遇会多于模型预期，"
    "可能被误列为企业组；请在导入的档案中提供 region 列。"
)
INFERRED_FROM_COMMUNITIES = (
    "档案未提供 region（地区）列：已根据共同投标网络推断各标段所属的市场——经常共同投标的企业"
    "划为同一市场（共同投标网络中的社区），每个标段归入最可能产生其全部投标人的市场；"
    "共 {tenders} 个标段归入 {markets} 个推断市场{left}。推断市场只用于模型分层，不是标段的实际地区，"
    "可能与实际地区不完全一致；档案有 region 列时请在导入时提供。"
)
LEFT_UNINFERRED = (
    "；另 {left} 个标段的投标人都不属于任何推断市场（如在各市场普遍投标的企业），"
    "这些标段按年度另行比较"
)
INFERRED_FROM_REGIONS = (
    "{missing} 个标段未填 region（地区）：已按其投标人最常投标的地区推断所属市场，"
    "共 {tenders} 个标段归入 {markets} 个地区，只用于模型分层。"
)


def rings_report(
    result: RingResult,
    settings: RingSettings | None = None,
    links: dict[tuple[str, str], list[dict[str, Any]]] | None = None,
    generated_at: datetime | None = None,
) -> dict[str, Any]:
    """The report as a dict, ready for JSON; ``links`` by sorted company-id pair."""
    settings = settings or RingSettings()
    archive = result.archive
    groups = [
        _group(f"R{n:0{GROUP_ID_DIGITS}d}", ring, result, links or {})
        for n, ring in enumerate(result.rings, start=1)
    ]
    regions = {r for r in archive.tender_regions if r}
    dates = sorted(d for d in archive.tender_dates if d)
    moment = generated_at or clock.now()
    return {
        "schema": RINGS_SCHEMA,
        "generator": {"name": "collusion", "version": __version__},
        "generated_at": clock.local_iso(moment),
        "archive": {
            "tenders": archive.tenders,
            "bids": archive.bids,
            "companies": len(archive.companies),
            "first_date": dates[0] if dates else None,
            "last_date": dates[-1] if dates else None,
            "regions": len(regions),
            "strata": result.market.strata,
            "tenders_with_winner": int((archive.winner_of >= 0).sum()),
        },
        "method": {
            "null_model": NULL_MODEL,
            "strata": "region × year",
            "inferred_markets": _inferred(result),
            "alpha": settings.alpha,
            "companies_tested": result.pairs.eligible,
            "min_cobids": settings.min_cobids,
            "max_group_size": settings.max_group_size,
            "candidates_tested": result.candidates,
            "warnings": _warnings(result),
        },
        "market_screens": result.market_screens,
        "groups": groups,
        "companies": _companies(result, groups),
        "summary": _summary(groups, archive.tenders),
        "note": NOTE,
    }


def _inferred(result: RingResult) -> dict[str, Any]:
    """Tenders whose market was inferred, the markets, and from what."""
    inferred = result.inferred
    source = None
    if inferred.inferred_tenders:
        source = "cobidding_communities" if inferred.from_communities else "bidders_regions"
    return {
        "tenders": inferred.inferred_tenders,
        "markets": inferred.markets,
        "source": source,
    }


def _warnings(result: RingResult) -> list[str]:
    """What the regulator must know of the strata (in Chinese)."""
    inferred = result.inferred
    missing = sum(1 for r in result.archive.tender_regions if not r)
    if inferred.inferred_tenders and inferred.from_communities:
        rest = missing - inferred.inferred_tenders
        left = LEFT_UNINFERRED.format(left=rest) if rest else ""
        text = INFERRED_FROM_COMMUNITIES
        return [text.format(tenders=inferred.inferred_tenders, markets=inferred.markets, left=left)]
    if inferred.inferred_tenders:
        return [
            INFERRED_FROM_REGIONS.format(
                missing=missing, tenders=inferred.inferred_tenders, markets=inferred.markets
            )
        ]
    return [] if any(result.archive.tender_regions) else [NO_REGION]


def _round(value: float | None) -> float | None:
    return None if value is None else round(float(value), DECIMALS)


def _group(
    group_id: str,
    ring: Ring,
    result: RingResult,
    links: dict[tuple[str, str], list[dict[str, Any]]],
) -> dict[str, Any]:
    archive, m = result.archive, ring.measures
    ids = [archive.companies[i] for i in m.members]
    chance = m.chance
    pairs = []
    for (a, b), count in sorted(m.pair_counts.items()):
        expected = m.pair_expected[(a, b)]
        pairs.append(
            {
                "companies": [archive.companies[a], archive.companies[b]],
                "tenders": count,
                "expected": _round(expected),
                "chance_log10": round(poisson_tail_log10(count, expected), 3),
            }
        )
    known = m.known_winner
    return {
        "id": group_id,
        "members": ids,
        "names": {archive.companies[i]: archive.company_names[i] for i in m.members},
        "score": ring.score,
        "parts": ring.parts,
        "chance": float(f"{10**chance.log10_chance:.3g}") if chance.log10_chance > -300 else 0.0,
        "chance_log10": round(chance.log10_chance, 3),
        "threshold_log10": round(ring.threshold, 3),
        "cobids": {
            "quorum": chance.quorum,
            "observed": chance.observed,
            "expected": _round(chance.expected),
        },
        "pairs": pairs,
        "exclusivity": m.exclusivity,
        "rotation": {
            "wins": {archive.companies[c]: n for c, n in sorted(m.wins.items())},
            "tenders_with_winner": known,
            "win_share": _round(m.win_share),
            "expected_win_share": _round(m.expected_win_share),
            "evenness": m.evenness,
            "score": m.rotation,
        },
        "screens": {
            "tenders": m.tender_screens,
            "tenders_screened": m.screened_tenders,
            "coalition": m.coalition_screens,
            "coalition_screened": m.coalition_tenders,
        },
        "links": _links(ids, links),
        "tenders": [_tender(archive, g) for g in m.tenders],
        "summary": _group_summary(group_id, ring, len(ids)),
    }


def _links(
    ids: list[str], links: dict[tuple[str, str], list[dict[str, Any]]]
) -> list[dict[str, Any]]:
    """The stored links between two members (company keys are upper-case credit codes)."""
    keys = sorted({i.strip().upper() for i in ids})
    found = []
    for n, a in enumerate(keys):
        for b in keys[n + 1 :]:
            for link in links.get((a, b), []):
                via = link.get("via_name") or link.get("via") or ""
                found.append(
                    {
                        **link,
                        "summary": f"{LINK_LABELS.get(link.get('link') or '', link.get('link'))}"
                        + (f"（{via}）" if via else "")
                        + f"，见项目 {link.get('project_id')} 预警 {link.get('alert_id')}",
                    }
                )
    return found


def _tender(archive: Any, g: Any) -> dict[str, Any]:
    winner = archive.companies[g.winner] if g.winner >= 0 else None
    return {
        "id": archive.tender_ids[g.tender],
        "date": archive.tender_dates[g.tender],
        "region": archive.tender_regions[g.tender],
        "bidders": int(archive.tender_size[g.tender]),
        "members": [archive.companies[c] for c in g.members],
        "winner": winner,
        "member_won": g.winner in g.members,
    }


def _group_summary(group_id: str, ring: Ring, size: int) -> str:
    m = ring.measures
    chance = m.chance
    text = (
        f"{group_id}：{size} 家企业中至少 {chance.quorum} 家同时投标的标段有 "
        f"{chance.observed} 个，按各企业参与率随机抽取预期约 {chance.expected:.2f} 个，"
        f"出现这种情况的概率{chance_words(10 ** max(chance.log10_chance, -300))}"
    )
    if m.known_winner:
        won = sum(1 for g in m.tenders if g.winner in g.members)
        winners = sum(1 for n in m.wins.values() if n)
        text += f"；其中 {m.known_winner} 个有中标人的标段由成员中标 {won} 个，中标者涉及 {winners} 家成员"
    return text + "。此为线索，不是串通的认定。"


def _companies(result: RingResult, groups: list[dict[str, Any]]) -> list[dict[str, Any]]:
    archive = result.archive
    best: dict[str, float] = {}
    member_of: dict[str, list[str]] = {}
    for group in groups:
        for company in group["members"]:
            member_of.setdefault(company, []).append(group["id"])
            best[company] = max(best.get(company, 0.0), group["score"])
    bids = archive.company_bids[1]
    wins: dict[int, int] = {}
    for company in archive.winner_of[archive.winner_of >= 0]:
        wins[int(company)] = wins.get(int(company), 0) + 1
    entries = [
        {
            "id": company,
            "name": archive.company_names[i],
            "score": best.get(company, 0.0),
            "groups": member_of.get(company, []),
            "bids": int(bids[i + 1] - bids[i]),
            "wins": wins.get(i, 0),
        }
        for i, company in enumerate(archive.companies)
    ]
    return sorted(entries, key=lambda e: (-e["score"], e["id"]))


def _summary(groups: list[dict[str, Any]], tenders: int) -> str:
    if not groups:
        return f"历史中的 {tenders} 个标段里，未发现共同投标次数显著高于随机预期的企业组。"
    members = len({c for g in groups for c in g["members"]})
    return (
        f"历史中的 {tenders} 个标段里，发现 {len(groups)} 个企业组（共 {members} 家企业）"
        "共同投标的次数显著高于按参与率随机抽取的预期，按可疑程度由高到低排列。"
    )
