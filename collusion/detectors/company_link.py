"""company_link: the bidders' companies are linked (《招标投标法实施条例》第三十四条).

Article 34(2): units whose 单位负责人 is the same person, or between which a
控股 or 管理 relationship exists, may not bid in the same 标段; their bids are
invalid. What is reported, each with the chain a regulator can follow and,
for every step, the bid page or registry row it was read from:

- ``same_legal_representative``: one person is the legal representative
  (the 单位负责人 of a company) of both: article 34, high;
- ``control``: one bidder holds 50% or more of the other, directly or down a
  chain of such holdings through companies that need not bid: article 34;
- ``common_controller``: one person or company controls both, each down its
  own chain of at most three holdings: article 34 (each is in a 控股
  relation with the controller);
- ``management``: one person directs or manages both (legal representative,
  chairman, director, manager), or controls one and directs the other:
  article 34's 管理关系;
- ``shareholding``: a holding below control, direct or through a controlled
  company, or one holder of shares in both: a lead to check for control under
  article 34, medium;
- ``shared_address``, ``shared_phone``, ``shared_email``: the same registered
  address, phone or e-mail, which means one office or one person handles both
  companies' affairs: article 40 item 二 (as the same contact written in two
  bids), medium.

Weights (log10 of the likelihood ratio, ``scoring.score``): a link through a
person known by 身份证号 or a company known by credit code is what honest
companies almost never share (u = 1e-4; 1e-3 for a minority holding); a
person known by name alone on one side is 1e-2, a name shared by chance in a
small market; an address, phone or e-mail 1e-2 (a business centre, a
bookkeeping agent), a landline 0.03 as in shared_identifier. The usual
rarity rule applies on top (a value carried by more than four bidders).

One fact once: a link's key is its entity's (the person's 身份证号, the
company's credit code, the contact's value), the key ``shared_identifier``
gives the same number written in both bids; a pair counts the entity once.

Not links: a bank or an auditor both companies use, and shareholders that
hold shares in many companies (public_holders.csv, or ``public_holder_companies``
companies of the registry or of the history).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from collusion import basis
from collusion.analysis.companies.gather import gather_companies
from collusion.analysis.companies.graph import (
    COMMON_CONTROLLER,
    CONTROL,
    CONTROL_LINK,
    MANAGEMENT,
    SAME_LEGAL_REP,
    SELF,
    SHAREHOLDING,
    GraphSettings,
    Link,
    Step,
    Tie,
    bidder_companies,
    find_links,
)
from collusion.analysis.companies.model import (
    ADDRESS,
    BIDDER_PREFIX,
    EMAIL,
    ORGANISATION,
    PERSON,
    CompanyFacts,
    Source,
    is_name_key,
)
from collusion.analysis.companies.public import public_reason
from collusion.analysis.identifier_patterns import CREDIT_CODE, LANDLINE, MOBILE, RESIDENT_ID
from collusion.detectors.mixed_documents import own_credit_codes
from collusion.detectors.shared_identifier import U_BY_KIND
from collusion.detectors.weights import rarity_weight
from collusion.keys import fact_key
from collusion.labels import LINK_LABELS, ROLE_LABELS
from collusion.models import Alert, Evidence, ScanContext
from collusion.settings import CompanySettings

KIND = "company_link"

# u_field: the chance that two honest bidders are tied through one such entity.
U_IDENTIFIED = 1e-4  # a person by 身份证号, a company by credit code or full name
U_MINORITY = 1e-3  # shares below control held by one holder
U_BY_NAME = 1e-2  # a person by name alone on one side at least
U_CONTACT = {ADDRESS: 1e-2, EMAIL: U_BY_KIND[EMAIL]}

ARTICLE_34 = frozenset({SAME_LEGAL_REP, CONTROL_LINK, COMMON_CONTROLLER, MANAGEMENT, SHAREHOLDING})
LEGAL_NOTES = {
    SAME_LEGAL_REP: "单位负责人为同一人的不同单位，不得参加同一标段投标或者未划分标段的同一招标项目投标，"
    "违反规定的相关投标均无效（第三十四条第二款、第三款）；法定代表人即公司的单位负责人",
    CONTROL_LINK: "存在控股关系的不同单位，不得参加同一标段投标或者未划分标段的同一招标项目投标，"
    "违反规定的相关投标均无效（第三十四条第二款、第三款）",
    COMMON_CONTROLLER: "两家投标人分别与同一控股方存在控股关系（同受一方控制），属第三十四条第二款所指控股关系的情形之一，"
    "招标文件通常明确禁止；请结合国家企业信用信息公示系统核实",
    MANAGEMENT: "同一人同时担任两家单位的法定代表人、董事、经理等职务或控制其中一家，"
    "可能构成第三十四条第二款所指管理关系；请核实任职情况",
    SHAREHOLDING: "参股而未达控股，本身不构成第三十四条所指控股关系，是提示可能存在关联关系的线索；"
    "请核实是否存在未披露的控股或管理关系，招标文件对关联关系另有规定的从其规定",
    "shared_address": "登记的注册地址相同，提示两家单位由同一场所或同一人员办理事务，"
    "与第四十条第（二）项“委托同一单位或者个人办理投标事宜”相关；集中登记地址需排除",
    "shared_phone": "登记的联系电话相同，提示两家单位由同一人员办理事务，与第四十条第（二）项相关；"
    "代理记账机构的电话需排除",
    "shared_email": "登记的电子邮箱相同，提示两家单位由同一人员办理事务，与第四十条第（二）项相关；"
    "代理记账机构的邮箱需排除",
}


@dataclass(frozen=True)
class _Who:
    """How a bidder is named in summaries."""

    names: dict[str, str]

    def __call__(self, bidder: str) -> str:
        name = self.names.get(bidder)
        return f"{name}（{bidder}）" if name else bidder


def gather(ctx: ScanContext) -> CompanyFacts:
    """The scan's company facts: companies.csv, the bids and, with a --db, the history.

    A stage the scan runs before the detectors (it reads the history, which
    the detectors that run beside the text comparison must not); its result
    is ``ctx.companies``, which ``detect`` and the store read.
    """
    settings = ctx.settings.companies
    return gather_companies(
        ctx.project,
        ctx.bidders,
        own_credit_codes(ctx),
        history=ctx.history,
        max_depth=settings.max_chain_depth,
        excerpt_chars=ctx.settings.excerpt_chars,
        max_rows=ctx.settings.extract.max_company_rows,
    )


def detect(ctx: ScanContext) -> list[Alert]:
    """Alerts for the links between the bidders' companies."""
    known = ctx.companies
    if known is None or known.empty or len(ctx.bidders) < 2:
        return []
    settings = ctx.settings.companies
    companies = bidder_companies(known, [b.id for b in ctx.bidders])
    graph_settings = GraphSettings(
        settings.control_share, settings.max_chain_depth, settings.public_holder_companies
    )

    def is_public(key: str, name: str, held: int) -> bool:
        if public_reason(name):
            return True
        limit = settings.public_holder_companies if held else settings.common_companies
        return known.seen_elsewhere.get(key, 0) >= limit

    links = find_links(known, companies, graph_settings, is_public)
    names = {b.id: b.name for b in ctx.bidders if b.name}
    names.update({c.bidder: c.name for c in known.companies if c.bidder and c.name})
    who = _Who(names)
    alerts = [_alert(link, known, companies, who, len(ctx.bidders), settings) for link in links]
    return sorted(alerts, key=Alert.sort_key)


# --- one alert ------------------------------------------------------------------------------


def _alert(
    link: Link,
    known: CompanyFacts,
    companies: dict[str, str],
    who: _Who,
    bidder_count: int,
    settings: CompanySettings,
) -> Alert:
    u = _u_field(link)
    contact = link.kind not in ARTICLE_34
    return Alert(
        kind=KIND,
        severity=_severity(link),
        score=0.0,
        weight=rarity_weight(u, len(link.bidders), bidder_count),
        bidders=link.bidders,
        basis=basis.ART40_SAME_AGENT if contact else basis.ART34,
        summary=_summary(link, who),
        details=_details(link, known, companies),
        evidence=_evidence(link, settings),
        key=_key(link),
    )


def _u_field(link: Link) -> float:
    if link.kind == "shared_phone":
        digits = link.via.split(":", 1)[1]
        return U_BY_KIND[MOBILE if digits.startswith("1") and len(digits) == 11 else LANDLINE]
    if link.kind in ("shared_address", "shared_email"):
        return U_CONTACT[link.via_kind]
    if link.by_name:
        return U_BY_NAME
    return U_MINORITY if link.kind == SHAREHOLDING else U_IDENTIFIED


def _severity(link: Link) -> str:
    """high: article 34 on identified people and companies; medium: minority
    holdings, contacts, and a legal representative or officer by name alone."""
    if link.by_name:
        return "medium" if link.kind in (SAME_LEGAL_REP, MANAGEMENT) else "low"
    return "high" if link.kind in ARTICLE_34 - {SHAREHOLDING} else "medium"


def _key(link: Link) -> str:
    """The entity's fact key, as shared_identifier keys the same number or name."""
    if link.by_name:
        a, b = link.bidders[:2]
        return fact_key(f"{link.via_name}:{a}|{b}", PERSON)
    if link.kind.startswith("shared_"):
        return fact_key(link.via.split(":", 1)[1], link.via_kind)
    if is_name_key(link.via) or link.via.startswith(BIDDER_PREFIX):
        return fact_key(link.via, ORGANISATION)
    return fact_key(link.via, RESIDENT_ID if link.via_kind == PERSON else CREDIT_CODE)


# --- what the regulator reads ---------------------------------------------------------------


def _holding(step: Step) -> str:
    if step.share is not None:
        return f"{step.holder_name}持有{step.company_name} {step.share:g}% 股权"
    return f"{step.holder_name}任{step.company_name}{ROLE_LABELS.get(step.role, step.role)}"


def _chain(tie: Tie) -> str:
    return "，".join(_holding(s) for s in tie.steps)


def _summary(link: Link, who: _Who) -> str:
    names = (
        "与".join(who(b) for b in link.bidders)
        if len(link.bidders) == 2
        else "、".join(who(b) for b in link.bidders)
    )
    ties = link.ties
    if link.kind == SAME_LEGAL_REP:
        person = link.via_name + (
            "" if link.by_name or is_name_key(link.via) else f"（身份证号 {link.via}）"
        )
        if link.by_name:
            return (
                f"{names}的法定代表人同名：{link.via_name}，至少一方未载明身份证号，需核实是否为同一人；"
                "如为同一人，依第三十四条相关投标均无效"
            )
        return f"{names}的法定代表人为同一人：{person}；依第三十四条，单位负责人为同一人的不同单位不得参加同一标段投标"
    if link.kind == CONTROL_LINK:
        root = next(t for t in ties if t.kind == SELF)
        held = "；".join(f"{who(t.bidder)}：{_chain(t)}" for t in ties if t.kind == CONTROL)
        return f"{who(root.bidder)}控股{'、'.join(who(t.bidder) for t in ties if t.kind == CONTROL)}（{held}）；存在控股关系的不同单位不得参加同一标段投标"
    if link.kind == COMMON_CONTROLLER:
        chains = "；".join(f"{_chain(t)}" for t in ties)
        return f"{names}同受{link.via_name}控股（{chains}）"
    if link.kind == MANAGEMENT:
        posts = "；".join(f"{who(t.bidder)}：{_tie_text(t)}" for t in ties)
        doubt = "，至少一方仅姓名相同，需核实是否为同一人" if link.by_name else ""
        return f"{link.via_name}同时任职或控制{names}（{posts}）{doubt}，可能存在管理关系"
    if link.kind == SHAREHOLDING:
        posts = "；".join(f"{who(t.bidder)}：{_tie_text(t)}" for t in ties)
        return f"{names}通过{link.via_name}存在股权关联（{posts}），未达控股，需核实是否存在控股或管理关系"
    label = LINK_LABELS[link.kind].removesuffix("相同")
    return f"{names}的{label}相同：{link.via_name}"


def _tie_text(tie: Tie) -> str:
    if tie.kind == SELF:
        return "即该投标人本身"
    if tie.kind in (CONTROL, "share"):
        text = _chain(tie)
        others = [r for r in tie.roles if r != "shareholder"]
        return text + (
            "，并任" + "、".join(ROLE_LABELS.get(r, r) for r in others) if others else ""
        )
    return "任" + "、".join(ROLE_LABELS.get(r, r) for r in tie.roles)


def _where(source: Source) -> dict[str, Any]:
    where = {
        "kind": source.kind,
        "file": source.file,
        "page": source.page,
        "line": source.line,
        "section": source.section,
        "project": source.project,
    }
    return {k: v for k, v in where.items() if v is not None}


def _step_dict(step: Step) -> dict[str, Any]:
    return {
        "holder": step.holder,
        "holder_name": step.holder_name,
        "holder_kind": step.holder_kind,
        "company": step.company,
        "company_name": step.company_name,
        "role": step.role,
        "role_label": ROLE_LABELS.get(step.role, step.role),
        "share": step.share,
        "sources": [_where(source) for source in step.sources],
    }


def _details(link: Link, known: CompanyFacts, companies: dict[str, str]) -> dict[str, Any]:
    by_key = {c.key: c for c in known.companies}
    return {
        "link": link.kind,
        "label": LINK_LABELS[link.kind],
        "legal_note": LEGAL_NOTES[link.kind],
        "via": {
            "value": link.via,
            "name": link.via_name,
            "kind": link.via_kind,
            "by_name": link.by_name,
        },
        "companies": {
            b: {
                "key": companies[b],
                "credit_code": by_key[companies[b]].credit_code if companies[b] in by_key else None,
                "name": by_key[companies[b]].name if companies[b] in by_key else None,
            }
            for b in link.bidders
        },
        "ties": {
            t.bidder: {
                "tie": t.kind,
                "roles": list(t.roles),
                "depth": len(t.steps),
                "chain": [_step_dict(s) for s in t.steps],
            }
            for t in link.ties
        },
    }


def _evidence(link: Link, settings: CompanySettings) -> tuple[Evidence, ...]:
    evidence = []
    for tie in link.ties:
        sources = [(step, source) for step in tie.steps for source in step.sources]
        for step, source in sources[: settings.evidence_per_tie]:
            evidence.append(
                Evidence(
                    bidder=tie.bidder,
                    file=source.file,
                    page=source.page,
                    section=source.section,
                    excerpt=source.excerpt,
                    field=f"role:{step.role}",
                    value=_quoted_value(step, source),
                    paragraph=source.paragraph,
                    line=source.line,
                    project=source.project,
                )
            )
    return tuple(evidence)


def _quoted_value(step: Step, source: Source) -> str | None:
    """What the excerpt shows of the step: the holder's name, else its number."""
    text = source.excerpt or ""
    for value in (step.holder_name, step.holder):
        if value and value in text:
            return value
    return step.holder_name or None
