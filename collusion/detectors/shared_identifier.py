"""shared_identifier: the same person, certificate, phone, e-mail or account in two bids.

A value counts only when it is rare: values that appear in the tender's own
files (the agency's phone, the tenderer's account, a contact person quoted
back) and values that most of the project's bidders carry are not evidence.
Nor is a phone, e-mail or account that any bid introduces as a third party's
(招标人, 招标代理机构, 交易中心, 监督部门...; ``identifiers.contact_owner``),
even when the tender's files are missing.

Strength follows what the value identifies:

- a certificate number or 身份证号 belongs to one person: sharing one is strong
  (high), and the names written next to it are reported with it;
- a bank account for the bid deposit is strong (item 六); other accounts medium;
- a mobile, a landline or an e-mail address is medium;
- a person's name alone is weak (low): common names repeat. Two people of the
  same name whose certificate or ID numbers differ are different people and
  are not reported;
- a third company's credit code in both bids (a shared supplier or agency) is
  low. A bidder's *own* credit code in another bid is mixed_documents' business.
"""

from __future__ import annotations

from collections import defaultdict
from itertools import combinations
from typing import Any

from collusion import basis
from collusion.analysis.identifier_patterns import (
    AGENT_ROLES,
    BANK_ACCOUNT,
    BUILDER_CERT,
    CREDIT_CODE,
    EMAIL,
    LANDLINE,
    MOBILE,
    PERSON,
    PERSONAL_NUMBER_KINDS,
    RESIDENT_ID,
    SAFETY_CERT,
)
from collusion.analysis.identifiers import (
    Found,
    SectionTitles,
    find_in_blocks,
    section_titles,
)
from collusion.detectors.mixed_documents import own_credit_codes
from collusion.detectors.weights import rarity_weight
from collusion.keys import fact_key, width_folded
from collusion.labels import IDENTIFIER_LABELS
from collusion.models import Alert, Evidence, ScanContext
from collusion.runtime.parallel import split_map
from collusion.settings import IdentifierSettings

KIND = "shared_identifier"


Occurrence = tuple[str, Found]  # (file path, what was found there)
Key = tuple[str, str]  # (kind, normalized value)


def detect(ctx: ScanContext) -> list[Alert]:
    """Alerts for identifiers that two or more bidders' documents share."""
    settings = ctx.settings.identifiers
    found = bidder_identifiers(ctx)
    tender_keys, tender_text = tender_identifiers(ctx)
    owned = set(own_credit_codes(ctx).values())
    titles = section_titles(ctx.sections)
    bidder_count = len(ctx.bidders)

    alerts: list[Alert] = []
    for key in sorted(found):
        by_bidder = found[key]
        kind, value = key
        if kind == PERSON or len(by_bidder) < 2:
            continue
        if key in tender_keys or _is_common(len(by_bidder), bidder_count, settings):
            continue
        if third_party(by_bidder):
            continue  # the agency's, tenderer's or trading center's contact, quoted
        if kind == CREDIT_CODE and value in owned:
            continue  # one bidder's own code in another's bid: mixed_documents
        alerts.append(_number_alert(ctx, found, key, settings, titles))
    alerts.extend(_name_alerts(ctx, found, tender_keys, tender_text, settings, titles))
    return sorted(alerts, key=Alert.sort_key)


def third_party(by_bidder: dict[str, list[Occurrence]]) -> str | None:
    """The third party (招标代理机构, 交易中心...) any bid introduces this contact as."""
    return next((f.owner for occ in by_bidder.values() for _, f in occ if f.owner), None)


# --- gathering ------------------------------------------------------------------------------


def bidder_identifiers(ctx: ScanContext) -> dict[Key, dict[str, list[Occurrence]]]:
    """(kind, value) -> bidder -> where it was found, over every bidder's files."""
    found: dict[Key, dict[str, list[Occurrence]]] = defaultdict(lambda: defaultdict(list))
    files = [
        (bidder.id, file)
        for bidder in ctx.bidders
        for file in sorted(bidder.files, key=lambda f: f.path)
    ]
    items = split_map(
        lambda bf: find_in_blocks(bf[1].blocks, ctx.settings.excerpt_chars),
        files,
        [file.chars for _, file in files],
    )
    for (bidder, file), in_file in zip(files, items, strict=True):
        for item in in_file:
            found[(item.kind, item.value)][bidder].append((file.path, item))
    return found


def tender_identifiers(ctx: ScanContext) -> tuple[set[Key], str]:
    """Identifiers in the tender's files, and its text without spaces (for names)."""
    keys: set[Key] = set()
    texts: list[str] = []
    for file in ctx.tender_files:
        keys.update((f.kind, f.value) for f in find_in_blocks(file.blocks, 0))
        texts.extend(width_folded(block.text) for block in file.blocks)
    return keys, "".join("".join(texts).split())


def _is_common(carriers: int, bidders: int, settings: IdentifierSettings) -> bool:
    return carriers >= settings.common_min_bidders and carriers > settings.common_share * bidders


# --- alerts -------------------------------------------------------------------------------------


def _number_alert(
    ctx: ScanContext,
    found: dict[Key, dict[str, list[Occurrence]]],
    key: Key,
    settings: IdentifierSettings,
    titles: SectionTitles,
) -> Alert:
    kind, value = key
    by_bidder = found[key]
    bidders = tuple(sorted(by_bidder))
    names = _linked_names(found, key, bidders)
    roles = sorted(
        {f.role for occ in by_bidder.values() for _, f in occ if f.role}
        | {role for per in names.values() for _, role in per if role}
    )
    deposit = any(f.deposit for occ in by_bidder.values() for _, f in occ)
    severity, score = _strength(kind, deposit, settings)
    first = by_bidder[bidders[0]][0][1]
    named = {b: sorted({name for name, _ in names.get(b, ())}) for b in bidders}
    details: dict[str, Any] = {
        "field": kind,
        "label": IDENTIFIER_LABELS[kind],
        "value": value,
        "roles": roles,
        "names": named,
        "carriers": len(bidders),
        "project_bidders": len(ctx.bidders),
    }
    if kind == BANK_ACCOUNT:
        details["bank"] = first.bank
        details["deposit"] = deposit
    return Alert(
        kind=KIND,
        severity=severity,
        score=score,
        weight=rarity_weight(
            _u_field(kind, deposit), len(bidders), len(ctx.bidders), weak=kind == CREDIT_CODE
        ),
        bidders=bidders,
        basis=_basis(kind, roles),
        summary=_number_summary(ctx, kind, first.raw, bidders, roles, named, first.bank, deposit),
        details=details,
        evidence=_evidence(by_bidder, bidders, settings, titles),
        key=fact_key(value, kind),
    )


def _linked_names(
    found: dict[Key, dict[str, list[Occurrence]]], key: Key, bidders: tuple[str, ...]
) -> dict[str, set[tuple[str, str | None]]]:
    """bidder -> (name, role) of the people the number was written with."""
    if key[0] not in PERSONAL_NUMBER_KINDS:
        return {}
    names: dict[str, set[tuple[str, str | None]]] = {b: set() for b in bidders}
    for (kind, name), by_bidder in found.items():
        if kind != PERSON:
            continue
        for bidder in bidders:
            names[bidder].update(
                (name, f.role) for _, f in by_bidder.get(bidder, ()) if key in f.linked
            )
    return names


def _name_alerts(
    ctx: ScanContext,
    found: dict[Key, dict[str, list[Occurrence]]],
    tender_keys: set[Key],
    tender_text: str,
    settings: IdentifierSettings,
    titles: SectionTitles,
) -> list[Alert]:
    """Weak alerts for a name with a role in two bids, unless numbers tell them apart."""
    alerts = []
    bidder_count = len(ctx.bidders)
    for (kind, name), by_bidder in sorted(found.items()):
        if kind != PERSON or len(by_bidder) < 2:
            continue
        if (kind, name) in tender_keys or name in tender_text:
            continue
        if _is_common(len(by_bidder), bidder_count, settings):
            continue
        numbers = {b: {n for _, f in occ for n in f.linked} for b, occ in by_bidder.items()}
        for a, b in combinations(sorted(by_bidder), 2):
            if numbers[a] and numbers[b]:
                # Either the same number (reported by the number's own alert,
                # with this name) or different numbers (two people, one name).
                continue
            pair = {a: by_bidder[a], b: by_bidder[b]}
            roles = sorted({f.role for occ in pair.values() for _, f in occ if f.role})
            alerts.append(
                Alert(
                    kind=KIND,
                    severity="low",
                    score=settings.score_name_only,
                    weight=rarity_weight(U_NAME_ONLY, len(by_bidder), bidder_count, weak=True),
                    bidders=(a, b),
                    basis=_basis(PERSON, roles),
                    summary=(
                        f"{_who(ctx, a)}与{_who(ctx, b)}的投标文件中出现同名人员"
                        f"“{name}”（{'、'.join(roles)}），仅姓名相同，需核实是否为同一人"
                    ),
                    details={
                        "field": PERSON,
                        "label": IDENTIFIER_LABELS[PERSON],
                        "value": name,
                        "roles": roles,
                        "carriers": len(by_bidder),
                        "project_bidders": bidder_count,
                    },
                    evidence=_evidence(pair, (a, b), settings, titles),
                    key=fact_key(f"{name}:{a}|{b}", PERSON),
                )
            )
    return alerts


# u_field of each kind (scoring.py): the chance that two honest bidders both
# write the same value of it. A person's certificate or ID number, or a bid
# deposit account: one in ten thousand (4.0). Another account or a mobile:
# one in a thousand or a hundred (a shared supplier, a relative). A landline
# or e-mail: a switchboard, a shared office. A third company's credit code
# or a name alone are weak: a common supplier, a common name.
U_BY_KIND = {
    BUILDER_CERT: 1e-4,
    SAFETY_CERT: 1e-4,
    RESIDENT_ID: 1e-4,
    BANK_ACCOUNT: 1e-3,
    MOBILE: 1e-2,
    EMAIL: 1e-2,
    LANDLINE: 0.03,
    CREDIT_CODE: 0.1,
}
U_DEPOSIT_ACCOUNT = 1e-4
U_NAME_ONLY = 0.1


def _u_field(kind: str, deposit: bool) -> float:
    if kind == BANK_ACCOUNT and deposit:
        return U_DEPOSIT_ACCOUNT
    return U_BY_KIND.get(kind, 0.1)


def _strength(kind: str, deposit: bool, settings: IdentifierSettings) -> tuple[str, float]:
    if kind in PERSONAL_NUMBER_KINDS:
        return "high", settings.score_personal_number
    if kind == BANK_ACCOUNT:
        return (
            ("high", settings.score_deposit_account)
            if deposit
            else ("medium", settings.score_other_account)
        )
    if kind == MOBILE:
        return "medium", settings.score_mobile
    if kind == EMAIL:
        return "medium", settings.score_email
    if kind == LANDLINE:
        return "medium", settings.score_landline
    return "low", settings.score_credit_code


def _basis(kind: str, roles: list[str]) -> str:
    """Article 40 item: 六 for deposit accounts, 三 for the project team, else 二."""
    if kind == BANK_ACCOUNT:
        return basis.ART40_SAME_DEPOSIT_ACCOUNT
    if kind in (MOBILE, LANDLINE, EMAIL, CREDIT_CODE):
        return basis.ART40_SAME_AGENT
    if any(role not in AGENT_ROLES for role in roles):
        return basis.ART40_SAME_TEAM_MEMBER  # a team post, or a role from a staff table
    if roles:
        return basis.ART40_SAME_AGENT
    if kind in (BUILDER_CERT, SAFETY_CERT):
        return basis.ART40_SAME_TEAM_MEMBER  # these certificates are the team's
    return basis.ART40_SAME_AGENT if kind == RESIDENT_ID else basis.ART40_SAME_TEAM_MEMBER


def _who(ctx: ScanContext, bidder_id: str) -> str:
    name = ctx.bidder_name(bidder_id)
    return f"{name}（{bidder_id}）" if name else bidder_id


def _number_summary(
    ctx: ScanContext,
    kind: str,
    raw: str,
    bidders: tuple[str, ...],
    roles: list[str],
    names: dict[str, list[str]],
    bank: str | None = None,
    deposit: bool = False,
) -> str:
    who = "、".join(_who(ctx, b) for b in bidders)
    account = ""
    if kind == BANK_ACCOUNT:
        account = f"（{bank}{'，用于投标保证金' if deposit else ''}）"
    all_names = sorted({n for per in names.values() for n in per})
    person = ""
    if all_names:
        same = len(all_names) == 1 and all(names.get(b) for b in bidders)
        person = f"，持有人均为{all_names[0]}" if same else f"，所填姓名为{'、'.join(all_names)}"
    role = f"（{'、'.join(roles)}）" if roles else ""
    return f"{who}的投标文件中出现同一{IDENTIFIER_LABELS[kind]}{raw}{role}{person}{account}"


def _evidence(
    by_bidder: dict[str, list[Occurrence]],
    bidders: tuple[str, ...],
    settings: IdentifierSettings,
    titles: SectionTitles,
) -> tuple[Evidence, ...]:
    evidence = []
    for bidder in bidders:
        ordered = sorted(by_bidder[bidder], key=lambda o: (o[0], o[1].index))
        for file, f in ordered[: settings.evidence_per_bidder]:
            evidence.append(
                Evidence(
                    bidder=bidder,
                    file=file,
                    page=f.page,
                    section=titles.get((bidder, file, f.index)),
                    excerpt=f.excerpt,
                    field=f.kind,
                    value=f.raw,
                    paragraph=f.index,
                    story=f.story,
                )
            )
    return tuple(evidence)
