"""shared_signature: the same rare signature code (特征码) in two bidders' bids.

A shared value counts only when it is rare. Never evidence: values listed in
``fingerprints/known_common.csv``, values the tender's own files carry (the
bidders inherited them), values seen in many other projects of the history,
and weak values shared by most of this project's bidders (a lobby computer's
IP). A lineage id shared by most bidders is kept, downgraded, because a ring
can be most of a project's bidders; the note says to check the tender.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, replace
from itertools import combinations
from typing import Any

from collusion.analysis.graph import component_roots
from collusion.analysis.reference import ACCOUNT, ACCOUNT_FIELDS
from collusion.detectors.image_links import (
    NEAR_FIELD,
    ImageLinks,
    group_holders,
    image_links,
    near_summary,
    near_values,
)
from collusion.detectors.signature_fields import (
    FIELD_RANK,
    FIELD_STRENGTH,
    GENERIC_NAME_NOTE,
    GENERIC_NAME_U,
    HIGH,
    IDENTITY_ORDER,
    LINEAGE_FIELDS,
    MACHINE_FIELDS,
    MEDIUM,
    NONE,
    field_basis,
    field_label,
    field_strength,
    field_u,
    is_generic_name,
    is_weak,
)
from collusion.detectors.weights import rarity_weight
from collusion.extract import images
from collusion.keys import fact_key
from collusion.models import Alert, Evidence, ScanContext, SignatureValue, Weight
from collusion.settings import SignatureSettings

# A value that at least this many different companies carried in other
# projects is common (a hall computer, a city-wide template). Counted in
# companies, not projects: a ring stays a handful of companies however many
# tenders it enters, so its shared machine code stays evidence.
HISTORY_COMMON_COMPANIES = 5


@dataclass(frozen=True)
class SharedValue:
    """One (field, value) carried by two or more bidders, with its verdict."""

    field: str
    normalized: str
    display: str
    source: str
    holders: dict[str, tuple[SignatureValue, ...]]  # bidder -> its occurrences
    strength: str
    ignored_reason: str | None
    note: str | None
    extra: tuple[tuple[str, Any], ...] = ()  # more details of the alert (rsid counts)
    summary: str | None = None  # the regulator's sentence, when the generic one does not fit
    generic: bool = False  # a short or generic account name: weak (signature_fields)


def bidder_signatures(ctx: ScanContext) -> dict[str, list[SignatureValue]]:
    """Every signature value of each bidder: its files' and signatures.csv's."""
    found: dict[str, list[SignatureValue]] = {b.id: [] for b in ctx.bidders}
    for bidder in ctx.bidders:
        for file in bidder.files:
            found[bidder.id].extend(file.signatures)
    for value in ctx.project.csv_signatures:
        if value.bidder in found:
            found[value.bidder].append(value)
    return found


def _tender_values(ctx: ScanContext, links: ImageLinks) -> set[tuple[str, str]]:
    """The tender's own values, and every copy of a picture the tender holds."""
    own = {(s.field, s.normalized) for f in ctx.tender_files for s in f.signatures}
    return own | {(images.FIELD, pixels) for pixels in links.tender}


def shared_values(ctx: ScanContext) -> list[SharedValue]:
    """Every value two or more bidders carry, each with why it is or is not evidence.

    A picture counts its identical and near-identical copies together when
    deciding whether it is public or the tender's; near-identical copies held
    by different bidders are values of their own (``image_near``).
    """
    settings: SignatureSettings = ctx.settings.signatures
    links = image_links(ctx)
    tender = _tender_values(ctx, links)
    per_bidder = bidder_signatures(ctx)
    picture_holders = group_holders(links, per_bidder)
    grouped: dict[tuple[str, str], dict[str, list[SignatureValue]]] = defaultdict(
        lambda: defaultdict(list)
    )
    for bidder, values in per_bidder.items():
        for value in values:
            if value.field == "rsid" or field_strength(value) == NONE:
                continue  # rsids are compared as sets per pair, below
            group = ACCOUNT if value.field in ACCOUNT_FIELDS else value.field
            grouped[(group, value.normalized)][bidder].append(value)
    n_bidders = len(ctx.bidders)
    result = []
    for (group, normalized), found in sorted(grouped.items()):
        if len(found) < 2:
            continue
        holders = {
            b: tuple(sorted(vs, key=lambda v: (v.file or "", v.field)))
            for b, vs in sorted(found.items())
        }
        first = min(
            (v for vs in holders.values() for v in vs), key=lambda v: (v.bidder or "", v.file or "")
        )
        fields = identity_fields(holders) if group == ACCOUNT else (group,)
        strength = field_strength(first)
        carriers = len(holders)
        if group == images.FIELD:
            carriers = len(picture_holders[links.group(normalized)])
        reason, note = _verdict(
            ctx, settings, tender, fields, normalized, strength, carriers, n_bidders
        )
        if note and strength == HIGH:
            strength = MEDIUM
        result.append(
            SharedValue(
                field=fields[0],
                normalized=normalized,
                display=first.value,
                source=first.source,
                holders=holders,
                strength=strength,
                ignored_reason=reason,
                note=note,
                **_identity(ctx, fields, normalized, first.value, holders),
            )
        )
    return result + _near_shared(ctx, links, per_bidder, picture_holders, tender)


def identity_fields(holders: dict[str, tuple[SignatureValue, ...]]) -> tuple[str, ...]:
    """The fields in which one account name was found, author first."""
    found = {v.field for vs in holders.values() for v in vs}
    return tuple(sorted(found, key=lambda f: (IDENTITY_ORDER.get(f, len(IDENTITY_ORDER)), f)))


def _identity(
    ctx: ScanContext,
    fields: tuple[str, ...],
    normalized: str,
    display: str,
    holders: dict[str, tuple[SignatureValue, ...]],
) -> dict[str, Any]:
    """What an account name adds to its shared value: one fact whatever fields
    record it (author and last-modified-by are one account on one machine),
    and the weight of a short or generic name, which the history can vouch for."""
    if fields[0] not in ACCOUNT_FIELDS:
        return {}
    extra: list[tuple[str, Any]] = []
    out: dict[str, Any] = {}
    if len(fields) > 1:
        labels = "、".join(field_label(f) for f in fields)
        extra += [("label", labels), ("identity_fields", list(fields))]
        out["summary"] = (
            f"投标人 {'、'.join(holders)} 的投标文件记录的账户名同为“{_short(display)}”"
            f"（见于{labels}，为同一身份，计为一项证据）（{_places(holders)}）"
        )
    if is_generic_name(normalized) and not _history_vouches(ctx, fields, normalized):
        out["generic"] = True
        extra.append(("generic_name", GENERIC_NAME_NOTE))
    out["extra"] = tuple(extra)
    return out


def _history_vouches(ctx: ScanContext, fields: tuple[str, ...], normalized: str) -> bool:
    """Whether the history says a short name is this ring's own: a history
    is given and no other company's bid in it carries the name (a history
    of no other project vouches as well; the scan cannot tell it apart)."""
    history = ctx.history
    if history is None:
        return False
    return all(history.value_company_count(f, normalized, ctx.project.id) == 0 for f in fields)


def _near_shared(
    ctx: ScanContext,
    links: ImageLinks,
    per_bidder: dict[str, list[SignatureValue]],
    picture_holders: dict[str, set[str]],
    tender: set[tuple[str, str]],
) -> list[SharedValue]:
    """Near-identical copies of one picture in different bidders' files."""
    settings: SignatureSettings = ctx.settings.signatures
    n_bidders = len(ctx.bidders)
    result = []
    for near in near_values(links, per_bidder):
        reason = None
        left, right = near.normalized.split("~")
        carriers = len(picture_holders[near.group])
        if (images.FIELD, left) in tender or (images.FIELD, right) in tender:
            reason = "招标文件中也含有此图片（或其近似副本），投标人可能沿用了招标文件"
        elif _is_public_image(carriers, n_bidders, settings):
            reason = _public_image_reason(carriers, n_bidders)
        first = min(
            (v for vs in near.holders.values() for v in vs), key=lambda v: (v.file or "", v.value)
        )
        result.append(
            SharedValue(
                field=NEAR_FIELD,
                normalized=near.normalized,
                display=near.normalized.replace("~", " ≈ "),
                source=first.source,
                holders=near.holders,
                strength=FIELD_STRENGTH[NEAR_FIELD],
                ignored_reason=reason,
                note=None,
                extra=near.details,
                summary=near_summary(
                    tuple(near.holders),
                    near,
                    ctx.settings.images.max_block_difference,
                    _places(near.holders),
                ),
            )
        )
    return result


def _public_image_reason(carriers: int, n_bidders: int) -> str:
    return (
        f"本项目 {carriers}/{n_bidders} 家投标人的文件含同一图片（按像素比对，含近似副本），"
        "属公共图片（如国徽、认证标志、银行或交易平台标识、二维码），不作为证据"
    )


def _verdict(
    ctx: ScanContext,
    settings: SignatureSettings,
    tender: set[tuple[str, str]],
    fields: tuple[str, ...],
    normalized: str,
    strength: str,
    holders: int,
    n_bidders: int,
) -> tuple[str | None, str | None]:
    """(why the value is ignored, or None; a caution kept with a kept value).

    ``fields``: the field of the value, or every field an account name was found in.
    """
    field = fields[0]
    reason = next((r for f in fields if (r := ctx.known_common.reason_for(f, normalized))), None)
    if reason:
        return f"常见值：{reason}", None
    if any((f, normalized) in tender for f in fields):
        return "招标文件中也含有此值，投标人可能沿用了招标文件或其模板", None
    if ctx.history is not None:
        if any(ctx.history.value_in_tenders(f, normalized) for f in fields):
            return "历史记录中的招标文件含有此值，投标人可能沿用了招标文件或其模板", None
        companies = max(
            ctx.history.value_company_count(f, normalized, ctx.project.id) for f in fields
        )
        if companies >= HISTORY_COMMON_COMPANIES:
            return f"历史记录中另有 {companies} 家不同单位的投标文件出现此值，属常见值", None
    if field == images.FIELD and _is_public_image(holders, n_bidders, settings):
        return _public_image_reason(holders, n_bidders), None
    if _is_most(holders, n_bidders, settings):
        share = f"本项目 {holders}/{n_bidders} 家投标人共有此值"
        if strength != HIGH:
            return f"{share}（如交易中心大厅公用电脑、共同模板），不作为证据", None
        return None, f"{share}，可能沿用同一模板；如未提供招标文件，请核对招标文件的标识"
    return None, None


def _is_public_image(holders: int, n_bidders: int, settings: SignatureSettings) -> bool:
    return (
        holders >= settings.public_image_min_bidders
        and holders > settings.public_image_share * n_bidders
    )


def _is_most(holders: int, n_bidders: int, settings: SignatureSettings) -> bool:
    return holders >= settings.common_min_bidders and holders > math.floor(
        settings.common_share * n_bidders
    )


def detect(ctx: ScanContext) -> list[Alert]:
    """One alert per fact: a document lineage, a compiling computer, or a value."""
    n_bidders = len(ctx.bidders)
    kept = [v for v in shared_values(ctx) if v.ignored_reason is None] + _rsid_links(ctx)
    return [_unit_alert(ctx, unit, n_bidders) for unit in facts_of(kept)]


def facts_of(kept: list[SharedValue]) -> list[list[SharedValue]]:
    """Kept shared values grouped into facts.

    Files linked by a random lineage id (or by shared editing sessions) are
    one document lineage, and every value whose carriers all lie in that
    lineage's files (author, created date, images, ...) belongs to it. The
    computer codes of signatures.csv carried by the same bidders are one
    machine. Every other value is a fact of its own.
    """
    linked = [v for v in kept if v.field in LINEAGE_FIELDS or v.field == "rsid"]
    lineage_of = component_roots(
        (nodes[0], node) for nodes in (sorted(_nodes(v)) for v in linked) for node in nodes[1:]
    )

    def find(node: tuple[str, str]) -> tuple[str, str]:
        return lineage_of.get(node, node)

    lineage_roots = {find(n) for v in linked for n in _nodes(v)}
    units: dict[str, list[SharedValue]] = defaultdict(list)
    for value in kept:
        roots = {find(n) for n in _nodes(value)}
        if value.source != "csv" and len(roots) == 1 and roots <= lineage_roots:
            units[f"lineage:{sorted(roots)[0]}"].append(value)
        elif value.source == "csv" and value.field in MACHINE_FIELDS:
            units[f"machine:{','.join(sorted(value.holders))}"].append(value)
        else:
            units[f"value:{value.field}:{value.normalized}"].append(value)
    return [sorted(unit, key=_item_order) for _, unit in sorted(units.items())]


def _nodes(value: SharedValue) -> set[tuple[str, str]]:
    return {(bidder, v.file) for bidder, vs in value.holders.items() for v in vs if v.file}


def _item_order(value: SharedValue) -> tuple:
    return (-FIELD_RANK.get(value.strength, 0), value.field, value.normalized)


def value_weight(value: SharedValue, n_bidders: int) -> Weight:
    """The value's rarity weight; a short or generic account name weighs as a
    weak field (``GENERIC_NAME_U``), whatever field recorded it."""
    u_field = field_u(value.field)
    if value.generic:
        u_field = max(u_field, GENERIC_NAME_U)
    weak = is_weak(value.field) or value.generic
    return rarity_weight(u_field, len(value.holders), n_bidders, weak=weak)


def ignored(ctx: ScanContext) -> list[dict]:
    """Shared values that were not counted, with the reason, for the report."""
    rows = [
        {
            "source": s.source,
            "field": s.field,
            "label": dict(s.extra).get("label") or field_label(s.field),
            "value": s.display,
            "bidders": sorted(s.holders),
            "reason": s.ignored_reason,
        }
        for s in shared_values(ctx)
        if s.ignored_reason
    ]
    return rows + _ignored_rsids(ctx)


def _evidence(holders: dict[str, tuple[SignatureValue, ...]]) -> tuple[Evidence, ...]:
    return tuple(
        Evidence(bidder=bidder, file=value.file, field=value.field, value=value.value)
        for bidder, values in sorted(holders.items())
        for value in values
    )


def _places(holders: dict[str, tuple[SignatureValue, ...]]) -> str:
    return "；".join(
        f"{bidder}：{'、'.join(sorted({v.file or '' for v in values}))}"
        for bidder, values in sorted(holders.items())
    )


def _unit_alert(ctx: ScanContext, unit: list[SharedValue], n_bidders: int) -> Alert:
    """One alert for one fact: its strongest value leads, every value is listed."""
    weights = [value_weight(v, n_bidders) for v in unit]
    best = max(range(len(unit)), key=lambda i: (weights[i].log10_lr, -i))
    lead, weight = unit[best], weights[best]
    weight = replace(weight, weak=all(w.weak for w in weights))
    holders: dict[str, list[SignatureValue]] = defaultdict(list)
    for value in unit:
        for bidder, values in value.holders.items():
            holders[bidder].extend(values)
    merged = {
        b: tuple(sorted(set(vs), key=lambda v: (v.file or "", v.field, v.value)))
        for b, vs in sorted(holders.items())
    }
    bidders = tuple(sorted(merged))
    label = field_label(lead.field)
    details: dict[str, Any] = {
        "source": lead.source,
        "field": lead.field,
        "label": label,
        "value": lead.display,
        "normalized": lead.normalized,
        "strength": FIELD_STRENGTH.get(lead.field, lead.strength),
        "bidders_with_value": len(lead.holders),
        "bidders_in_project": n_bidders,
        **dict(lead.extra),
    }
    notes = sorted({v.note for v in unit if v.note})
    if notes:
        details["note"] = "；".join(notes)
    if len(unit) == 1:
        key = (
            fact_key(lead.display, lead.field)
            if lead.source == "csv"
            else fact_key(f"{_fact_field(lead.field)}:{lead.normalized}")
        )
        summary = lead.summary or (
            f"投标人 {'、'.join(bidders)} 的投标文件含相同的{label}“{_short(lead.display)}”"
            f"（{_places(merged)}）"
        )
    else:
        machine = lead.source == "csv"
        key = (
            f"machine:{','.join(bidders)}"
            if machine
            else "lineage:" + "|".join(sorted(f for _, f in _all_nodes(unit)))
        )
        details["fact"] = "compiling_computer" if machine else "document_lineage"
        details["fields"] = [
            {
                "source": v.source,
                "field": v.field,
                "label": field_label(v.field),
                "value": v.display,
                "normalized": v.normalized,
                "bidders": sorted(v.holders),
                "log10_lr": round(w.log10_lr, 4),
                **dict(v.extra),
            }
            for v, w in zip(unit, weights, strict=True)
        ]
        listed = "、".join(f"{field_label(v.field)}“{_short(v.display)}”" for v in unit)
        what = (
            "文件制作电脑的多项特征码相同"
            if machine
            else f"文件出自同一文档（同一文档谱系），相同的特征码共{len(unit)}项"
        )
        summary = f"投标人 {'、'.join(bidders)} 的{what}：{listed}（{_places(merged)}）"
    return Alert(
        kind="shared_signature",
        severity=max((v.strength for v in unit), key=lambda x: FIELD_RANK.get(x, 0)),
        score=0.0,
        bidders=bidders,
        basis=field_basis(lead.field),
        summary=summary,
        details=details,
        evidence=_evidence(merged),
        key=key,
        weight=weight,
    )


def _fact_field(field: str) -> str:
    """The field part of a value's fact key: one for every field of an account name."""
    return ACCOUNT if field in ACCOUNT_FIELDS else field


def _all_nodes(unit: list[SharedValue]) -> set[tuple[str, str]]:
    return set().union(*(_nodes(v) for v in unit))


SHORT_VALUE_CHARS = 40  # longer values (a list of rsids) are shortened in a summary


def _short(value: str) -> str:
    return value if len(value) <= SHORT_VALUE_CHARS else value[: SHORT_VALUE_CHARS - 1] + "…"


# --- rsids: a shared editing history is a set of sessions, compared per pair -----


def _rsid_sets(ctx: ScanContext) -> tuple[dict[str, dict[str, SignatureValue]], set[str], dict]:
    """Per bidder its rsids (minus known-common and tender ones), and the removed."""
    settings: SignatureSettings = ctx.settings.signatures
    tender = {
        s.normalized
        for f in ctx.tender_files
        for s in f.signatures
        if s.field in {"rsid", "rsid_root"}
    }
    per_bidder: dict[str, dict[str, SignatureValue]] = {}
    for bidder, values in bidder_signatures(ctx).items():
        per_bidder[bidder] = {
            v.normalized: v for v in sorted(values, key=lambda v: v.file or "") if v.field == "rsid"
        }
    counts: dict[str, int] = defaultdict(int)
    for rsids in per_bidder.values():
        for rsid in rsids:
            counts[rsid] += 1
    removed: dict[str, str] = {}
    for rsid, count in counts.items():
        if count < 2:
            continue
        reason = ctx.known_common.reason_for("rsid", rsid)
        if reason:
            removed[rsid] = f"常见值：{reason}"
        elif rsid in tender:
            removed[rsid] = "招标文件中也含有此编辑会话标识，投标人沿用了招标文件"
        elif _is_most(count, len(ctx.bidders), settings):
            removed[rsid] = f"本项目 {count}/{len(ctx.bidders)} 家投标人共有，可能来自共同模板"
    return per_bidder, set(removed), removed


def _rsid_links(ctx: ScanContext) -> list[SharedValue]:
    """Pairs of bidders whose Word files share enough editing sessions, as shared values."""
    settings: SignatureSettings = ctx.settings.signatures
    per_bidder, removed, _ = _rsid_sets(ctx)
    links = []
    for left, right in combinations(sorted(per_bidder), 2):
        shared = sorted(set(per_bidder[left]) & set(per_bidder[right]) - removed)
        if len(shared) < settings.min_shared_rsids:
            continue
        joined = " ".join(shared)
        holders = {
            b: tuple(
                sorted(
                    (per_bidder[b][r] for r in shared), key=lambda v: (v.file or "", v.normalized)
                )
            )
            for b in (left, right)
        }
        links.append(
            SharedValue(
                field="rsid",
                normalized=joined,
                display=joined,
                source="docx",
                holders=holders,
                strength=HIGH,
                ignored_reason=None,
                note=None,
                extra=(
                    ("shared_count", len(shared)),
                    ("counts", {left: len(per_bidder[left]), right: len(per_bidder[right])}),
                ),
            )
        )
    return links


def _ignored_rsids(ctx: ScanContext) -> list[dict]:
    per_bidder, _, reasons = _rsid_sets(ctx)
    rows = []
    for rsid, reason in sorted(reasons.items()):
        holders = sorted(b for b, rsids in per_bidder.items() if rsid in rsids)
        rows.append(
            {
                "source": "docx",
                "field": "rsid",
                "label": field_label("rsid"),
                "value": rsid,
                "bidders": holders,
                "reason": reason,
            }
        )
    return rows
