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
from dataclasses import dataclass
from itertools import combinations

from collusion import basis
from collusion.labels import field_name
from collusion.models import Alert, Evidence, ScanContext, SignatureValue
from collusion.settings import SignatureSettings

HIGH, MEDIUM, LOW, NONE = "high", "medium", "low", "none"

# Strength of a field as evidence that two bids share an author or a lineage.
FIELD_STRENGTH: dict[str, str] = {
    # Lineage ids: generated at random per document or per save.
    "rsid_root": HIGH, "rsid": HIGH, "docid_w14": HIGH, "docid_w15": HIGH,
    "wps_icv": HIGH, "pdf_id_0": HIGH, "pdf_id_1": HIGH, "xmp_document_id": HIGH,
    "xmp_instance_id": HIGH, "xmp_original_document_id": HIGH, "image_sha256": HIGH,
    # E-bidding system codes of the compiling computer, certificate, account.
    "machine_code": HIGH, "mac": HIGH, "disk_serial": HIGH, "ca_serial": HIGH,
    "pricing_lock": HIGH, "deposit_account": HIGH,
    # People and settings typed by someone; can coincide.
    "author": MEDIUM, "last_modified_by": MEDIUM, "company": MEDIUM, "manager": MEDIUM,
    "template": MEDIUM, "attached_template": MEDIUM, "comment_author": MEDIUM,
    "revision_author": MEDIUM, "created": MEDIUM, "cpu_id": MEDIUM,
    # Weak: shared networks and common software builds.
    "upload_ip": LOW, "download_ip": LOW, "decrypt_ip": LOW, "title": LOW,
    "kso_product_build_ver": LOW,
    # Recorded, never evidence: every copy of the same software writes the
    # same value (Word 2010 writes AppVersion 14.0000 into every file).
    "producer": NONE, "creator": NONE, "application": NONE, "app_version": NONE,
}
UNKNOWN_CSV_STRENGTH = MEDIUM  # a code of the e-bidding export we do not know
CUSTOM_PROPERTY_STRENGTH = MEDIUM
# An alert's score is its weight in the pair's noisy-OR (scoring.py): one
# lineage id flags a pair on its own, a typed name needs company.
SEVERITY_SCORE = {HIGH: 0.95, MEDIUM: 0.45, LOW: 0.15}
# A value that at least this many different companies carried in other
# projects is common (a hall computer, a city-wide template). Counted in
# companies, not projects: a ring stays a handful of companies however many
# tenders it enters, so its shared machine code stays evidence.
HISTORY_COMMON_COMPANIES = 5

_CSV_AGENT_FIELDS = {"ca_serial", "upload_ip", "download_ip", "decrypt_ip"}


def field_strength(value: SignatureValue) -> str:
    if value.field in FIELD_STRENGTH:
        return FIELD_STRENGTH[value.field]
    if value.field.startswith("custom:"):
        return CUSTOM_PROPERTY_STRENGTH
    return UNKNOWN_CSV_STRENGTH if value.source == "csv" else NONE


def field_label(field: str) -> str:
    """The field's Chinese label (collusion.labels), else its raw name."""
    return field_name(field) or field


def field_basis(field: str) -> str:
    if field == "deposit_account":
        return basis.ART40_SAME_DEPOSIT_ACCOUNT
    if field in _CSV_AGENT_FIELDS:
        return basis.ART40_SAME_AGENT
    return basis.ART40_SAME_PREPARER


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


def _tender_values(ctx: ScanContext) -> set[tuple[str, str]]:
    return {(s.field, s.normalized) for f in ctx.tender_files for s in f.signatures}


def shared_values(ctx: ScanContext) -> list[SharedValue]:
    """Every value two or more bidders carry, each with why it is or is not evidence."""
    settings: SignatureSettings = ctx.settings.signatures
    tender = _tender_values(ctx)
    grouped: dict[tuple[str, str], dict[str, list[SignatureValue]]] = defaultdict(
        lambda: defaultdict(list))
    for bidder, values in bidder_signatures(ctx).items():
        for value in values:
            if value.field == "rsid" or field_strength(value) == NONE:
                continue  # rsids are compared as sets per pair, below
            grouped[(value.field, value.normalized)][bidder].append(value)
    n_bidders = len(ctx.bidders)
    result = []
    for (field, normalized), holders in sorted(grouped.items()):
        if len(holders) < 2:
            continue
        first = min((v for vs in holders.values() for v in vs),
                    key=lambda v: (v.bidder or "", v.file or ""))
        strength = field_strength(first)
        reason, note = _verdict(ctx, settings, tender, field, normalized, strength,
                                len(holders), n_bidders)
        if note and strength == HIGH:
            strength = MEDIUM
        result.append(SharedValue(
            field=field, normalized=normalized, display=first.value, source=first.source,
            holders={b: tuple(sorted(vs, key=lambda v: v.file or "")) for b, vs in
                     sorted(holders.items())},
            strength=strength, ignored_reason=reason, note=note))
    return result


def _verdict(ctx: ScanContext, settings: SignatureSettings, tender: set[tuple[str, str]],
             field: str, normalized: str, strength: str, holders: int,
             n_bidders: int) -> tuple[str | None, str | None]:
    """(why the value is ignored, or None; a caution kept with a kept value)."""
    reason = ctx.known_common.reason_for(field, normalized)
    if reason:
        return f"常见值：{reason}", None
    if (field, normalized) in tender:
        return "招标文件中也含有此值，投标人可能沿用了招标文件或其模板", None
    if ctx.history is not None:
        if ctx.history.value_in_tenders(field, normalized):
            return "历史记录中的招标文件含有此值，投标人可能沿用了招标文件或其模板", None
        companies = ctx.history.value_company_count(field, normalized, ctx.project.id)
        if companies >= HISTORY_COMMON_COMPANIES:
            return f"历史记录中另有 {companies} 家不同单位的投标文件出现此值，属常见值", None
    if _is_most(holders, n_bidders, settings):
        share = f"本项目 {holders}/{n_bidders} 家投标人共有此值"
        if strength != HIGH:
            return f"{share}（如交易中心大厅公用电脑、共同模板），不作为证据", None
        return None, f"{share}，可能沿用同一模板；如未提供招标文件，请核对招标文件的标识"
    return None, None


def _is_most(holders: int, n_bidders: int, settings: SignatureSettings) -> bool:
    return (holders >= settings.common_min_bidders
            and holders > math.floor(settings.common_share * n_bidders))


def detect(ctx: ScanContext) -> list[Alert]:
    alerts = [_value_alert(ctx, shared) for shared in shared_values(ctx)
              if shared.ignored_reason is None]
    return alerts + _rsid_alerts(ctx)


def ignored(ctx: ScanContext) -> list[dict]:
    """Shared values that were not counted, with the reason, for the report."""
    rows = [{"source": s.source, "field": s.field, "label": field_label(s.field),
             "value": s.display, "bidders": sorted(s.holders), "reason": s.ignored_reason}
            for s in shared_values(ctx) if s.ignored_reason]
    return rows + _ignored_rsids(ctx)


def _evidence(holders: dict[str, tuple[SignatureValue, ...]]) -> tuple[Evidence, ...]:
    return tuple(Evidence(bidder=bidder, file=value.file, field=value.field, value=value.value)
                 for bidder, values in sorted(holders.items()) for value in values)


def _places(holders: dict[str, tuple[SignatureValue, ...]]) -> str:
    return "；".join(f"{bidder}：{'、'.join(sorted({v.file or '' for v in values}))}"
                    for bidder, values in sorted(holders.items()))


def _value_alert(ctx: ScanContext, shared: SharedValue) -> Alert:
    bidders = tuple(sorted(shared.holders))
    label = field_label(shared.field)
    summary = (f"投标人 {'、'.join(bidders)} 的投标文件含相同的{label}“{shared.display}”"
               f"（{_places(shared.holders)}）")
    details = {"source": shared.source, "field": shared.field, "label": label,
               "value": shared.display,
               "normalized": shared.normalized, "strength": FIELD_STRENGTH.get(
                   shared.field, shared.strength),
               "bidders_with_value": len(bidders), "bidders_in_project": len(ctx.bidders)}
    if shared.note:
        details["note"] = shared.note
    return Alert(kind="shared_signature", severity=shared.strength,
                 score=SEVERITY_SCORE[shared.strength], bidders=bidders,
                 basis=field_basis(shared.field), summary=summary, details=details,
                 evidence=_evidence(shared.holders))


# --- rsids: a shared editing history is a set of sessions, compared per pair -----

def _rsid_sets(ctx: ScanContext) -> tuple[dict[str, dict[str, SignatureValue]], set[str], dict]:
    """Per bidder its rsids (minus known-common and tender ones), and the removed."""
    settings: SignatureSettings = ctx.settings.signatures
    tender = {n for f, n in _tender_values(ctx) if f in {"rsid", "rsid_root"}}
    per_bidder: dict[str, dict[str, SignatureValue]] = {}
    for bidder, values in bidder_signatures(ctx).items():
        per_bidder[bidder] = {v.normalized: v for v in sorted(
            values, key=lambda v: v.file or "") if v.field == "rsid"}
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


def _rsid_alerts(ctx: ScanContext) -> list[Alert]:
    settings: SignatureSettings = ctx.settings.signatures
    per_bidder, removed, _ = _rsid_sets(ctx)
    alerts = []
    for left, right in combinations(sorted(per_bidder), 2):
        shared = sorted(set(per_bidder[left]) & set(per_bidder[right]) - removed)
        if len(shared) < settings.min_shared_rsids:
            continue
        files = {b: sorted({per_bidder[b][r].file or "" for r in shared}) for b in (left, right)}
        score = min(0.99, 1 - 0.5 ** (len(shared) + 2))
        evidence = tuple(Evidence(bidder=b, file=f, field="rsid", value=" ".join(shared))
                         for b in (left, right) for f in files[b])
        alerts.append(Alert(
            kind="shared_signature", severity=HIGH, score=round(score, 4),
            bidders=(left, right), basis=basis.ART40_SAME_PREPARER,
            summary=(f"投标人 {left}、{right} 的 Word 文件共有 {len(shared)} 个相同的编辑会话标识"
                     f"（rsid），表明文件出自同一编辑历史（{left}：{'、'.join(files[left])}；"
                     f"{right}：{'、'.join(files[right])}）"),
            details={"source": "docx", "field": "rsid", "label": field_label("rsid"),
                     "value": " ".join(shared),
                     "shared_count": len(shared),
                     "counts": {left: len(per_bidder[left]), right: len(per_bidder[right])}},
            evidence=evidence))
    return alerts


def _ignored_rsids(ctx: ScanContext) -> list[dict]:
    per_bidder, _, reasons = _rsid_sets(ctx)
    rows = []
    for rsid, reason in sorted(reasons.items()):
        holders = sorted(b for b, rsids in per_bidder.items() if rsid in rsids)
        rows.append({"source": "docx", "field": "rsid", "label": field_label("rsid"),
                     "value": rsid, "bidders": holders, "reason": reason})
    return rows
