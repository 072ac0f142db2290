"""Ring leads: two bidders of the project in one group the ring search found across tenders.

Read from the history (``ctx.history.ring_leads``, the groups the last
``collusion history rings`` or nightly run stored) for the report's
``indicators.rings``. A lead for the regulator, never an alert and never part
of a pair's score: that two firms bid together more often than chance across
many tenders says nothing about this tender's bids by itself.
"""

from __future__ import annotations

from typing import Any

from collusion.detectors.near_duplicate_text import chance_words
from collusion.models import ScanContext

NOTE = "历史共同投标线索：仅提示相关企业在以往标段中共同投标异常频繁，不是本项目串通的证据。"


def project_indicators(ctx: ScanContext) -> dict[str, Any] | None:
    """``indicators.rings``: the leads, or None when the scan has no history."""
    if ctx.history is None:
        return None
    companies = ctx.companies
    bidders = []
    for bidder in ctx.bidders:
        company = companies.bidder_company(bidder.id) if companies is not None else None
        bidders.append((bidder.id, bidder.name, company.credit_code if company else None))
    leads = ctx.history.ring_leads(ctx.project.id, bidders)
    return {
        "note": NOTE,
        "leads": [
            {
                "bidders": list(lead.bidders),
                "companies": list(lead.companies),
                "group": lead.group,
                "members": list(lead.members),
                "score": lead.score,
                "tenders": lead.tenders,
                "expected": round(lead.expected, 6),
                "chance_log10": round(lead.log10_chance, 3),
                "computed_at": lead.computed_at,
                "summary": (
                    f"投标人 {lead.bidders[0]} 与 {lead.bidders[1]} 同属历史企业组 {lead.group}"
                    f"（{len(lead.members)} 家企业，共同投标 {lead.tenders} 个标段，"
                    f"随机预期约 {lead.expected:.2f} 个，概率"
                    f"{chance_words(10 ** max(lead.log10_chance, -300))}）。此为线索，不是证据。"
                ),
            }
            for lead in leads
        ],
    }
