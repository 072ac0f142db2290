"""cross_project: a bid that carries what another project's bid, under a
different company name, carried before.

Rings show themselves across tenders: the same compiling machine, the same
document lineage id or the same copied construction plan turning up under
different company names. This detector asks the history (``ctx.history``,
a ``collusion.history.HistoryView``) and emits the contract's kinds:

- ``shared_signature`` for a strong signature value (lineage id or e-bidding
  hardware code) that another project's bidder carried;
- ``near_duplicate_text`` for a section whose MinHash is close to a section
  of another project's bid.

Each alert names one bidder (the other is in another project, so it forms no
pair of this report and is never flagged on its own: it is a lead for the
reviewer). The other project is named in ``details.other_project`` and in
``evidence`` as ``"<project>/<bidder>"``.

Rarity is learned from history, counted in companies rather than projects:
a value or a section that ``common_companies`` or more different companies
carried in other projects is what every bid in the city carries (a popular
template, a hall computer) and is dropped, while a ring, however many
tenders it enters, stays a handful of companies. Anything found in a tender
(stored or current) or in the known-common list is dropped too.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from collusion import basis
from collusion.detectors.signature_fields import HIGH, field_basis, field_label, field_strength
from collusion.history import HistoryView, SectionMatch, Sighting
from collusion.keys import stored_company_key
from collusion.models import Alert, Evidence, ScanContext, Section, SignatureValue
from collusion.settings import CrossProjectSettings


def detect(ctx: ScanContext) -> list[Alert]:
    """Alerts for what this project's bids share with other projects' bids."""
    if ctx.history is None:
        return []
    settings = _settings(ctx)
    return signature_alerts(ctx, ctx.history, settings) + text_alerts(ctx, ctx.history, settings)


def _settings(ctx: ScanContext) -> CrossProjectSettings:
    return ctx.settings.cross_project


def _different_company(ours: str | None, theirs: str | None) -> bool:
    """True only when both names are known and differ: an unknown name proves nothing."""
    a, b = stored_company_key(ours), stored_company_key(theirs)
    return a is not None and b is not None and a != b


def _other(project_id: str, bidder_id: str | None) -> str:
    return f"{project_id}/{bidder_id}" if bidder_id else project_id


# --- signature values -------------------------------------------------------


def _bidder_values(ctx: ScanContext) -> dict[tuple[str, str, str], list[SignatureValue]]:
    """(bidder, field, normalized) -> occurrences, strong fields only."""
    found: dict[tuple[str, str, str], list[SignatureValue]] = defaultdict(list)
    # Extracted values need not carry their bidder: take it from the owner.
    values = [(b.id, s) for b in ctx.bidders for f in b.files for s in f.signatures]
    values += [(s.bidder, s) for s in ctx.project.csv_signatures if s.bidder]
    known = {b.id for b in ctx.bidders}
    for bidder_id, value in values:
        # Single rsids are editing sessions a template passes on; across
        # projects only whole-document ids and hardware codes are strong.
        if value.field == "rsid" or field_strength(value) != HIGH or not value.normalized:
            continue
        if bidder_id in known:
            found[(bidder_id, value.field, value.normalized)].append(value)
    return found


def _value_is_common(
    ctx: ScanContext,
    history: HistoryView,
    field: str,
    normalized: str,
    settings: CrossProjectSettings,
    tender: set[tuple[str, str]],
) -> bool:
    if ctx.known_common is not None and ctx.known_common.reason_for(field, normalized):
        return True
    if (field, normalized) in tender or history.value_in_tenders(field, normalized):
        return True
    if history.value_project_count(field, normalized, ctx.project.id) == 0:
        return True  # nowhere else: nothing to say across projects
    companies = history.value_company_count(field, normalized, ctx.project.id)
    return companies >= settings.common_companies


def signature_alerts(
    ctx: ScanContext, history: HistoryView, settings: CrossProjectSettings
) -> list[Alert]:
    """A strong value of a bidder that another project's other company carried."""
    tender = {(s.field, s.normalized) for f in ctx.tender_files for s in f.signatures}
    alerts = []
    for (bidder_id, field, normalized), values in sorted(_bidder_values(ctx).items()):
        if _value_is_common(ctx, history, field, normalized, settings, tender):
            continue
        ours = ctx.bidder_name(bidder_id)
        sightings = [
            s
            for s in history.value_sightings(field, normalized, ctx.project.id)
            if _different_company(ours, s.company)
        ]
        if sightings:
            alerts.append(_signature_alert(ctx, bidder_id, values, sightings, settings))
    return alerts


def _signature_alert(
    ctx: ScanContext,
    bidder_id: str,
    values: list[SignatureValue],
    sightings: list[Sighting],
    settings: CrossProjectSettings,
) -> Alert:
    first = min(values, key=lambda v: v.file or "")
    label = field_label(first.field)
    others = sorted({(s.project_id, s.bidder_id or "", s.company or "") for s in sightings})
    where = "；".join(f"项目 {p} 投标人 {b}（{c}）" for p, b, c in others)
    summary = (
        f"投标人 {bidder_id}（{ctx.bidder_name(bidder_id)}）的{label}“{first.value}”"
        f"曾出现在其他项目以其他单位名义提交的投标文件中：{where}"
    )
    ours = sorted({v.file for v in values}, key=lambda f: f or "")
    evidence = [
        Evidence(bidder=bidder_id, file=f, field=first.field, value=first.value) for f in ours
    ]
    evidence += [
        Evidence(
            bidder=_other(s.project_id, s.bidder_id),
            file=s.file,
            field=s.field,
            value=s.value or first.value,
        )
        for s in sightings
    ]
    details = {
        "source": first.source,
        "field": first.field,
        "value": first.value,
        "normalized": first.normalized,
        "scope": "cross_project",
        "other_project": others[0][0],
        "other_projects": sorted({p for p, _, _ in others}),
        "other_bidders": [
            {"project": p, "project_name": _project_name(sightings, p), "bidder": b, "company": c}
            for p, b, c in others
        ],
        "company": ctx.bidder_name(bidder_id),
    }
    return Alert(
        kind="shared_signature",
        severity="high",
        score=settings.signature_score,
        bidders=(bidder_id,),
        basis=field_basis(first.field),
        summary=summary,
        details=details,
        evidence=tuple(evidence),
    )


def _project_name(found: list[Sighting] | list[SectionMatch], project_id: str) -> str | None:
    return next((s.project_name for s in found if s.project_id == project_id), None)


# --- sections ---------------------------------------------------------------


@dataclass(frozen=True)
class _SectionHit:
    section: Section
    kept: int  # the section's non-boilerplate shingles (about as many characters)
    match: SectionMatch


def _is_boilerplate(matches: list[SectionMatch], settings: CrossProjectSettings) -> bool:
    """A section some stored tender holds, or that many companies carry.

    The project's own tender text, what most of its bidders share and the
    reference boilerplate are already out of the MinHash (``ctx.fingerprints``).
    """
    if any(m.bidder_id is None for m in matches):
        return True
    companies = {stored_company_key(m.company) or f"{m.project_id}/{m.bidder_id}" for m in matches}
    return len(companies) >= settings.common_companies


def _section_hits(
    ctx: ScanContext, history: HistoryView, settings: CrossProjectSettings
) -> dict[str, list[_SectionHit]]:
    """Our bidder -> its sections' matches in other projects under other names."""
    text = ctx.fingerprints
    if text is None:
        return {}
    hits: dict[str, list[_SectionHit]] = defaultdict(list)
    for bidder_id in sorted(ctx.sections):
        ours = ctx.bidder_name(bidder_id)
        for section in ctx.sections[bidder_id]:
            found = text.prints.get((bidder_id, section.file, section.ordinal))
            if found is None or found.minhash is None:
                continue
            matches = history.similar_sections(
                found, text.minhash_recipe, ctx.project.id, settings.min_jaccard
            )
            if not matches or _is_boilerplate(matches, settings):
                continue
            hits[bidder_id] += [
                _SectionHit(section, found.shingles, m)
                for m in matches
                if _different_company(ours, m.company)
            ]
    return {bidder: found for bidder, found in hits.items() if found}


def text_alerts(
    ctx: ScanContext, history: HistoryView, settings: CrossProjectSettings
) -> list[Alert]:
    """One alert per bidder whose sections other companies submitted in other projects.

    One per bidder, not per other bid: a ring member that entered ten
    tenders is one lead listing the ten, not ten alerts saying the same.
    """
    return [
        _text_alert(ctx, bidder_id, found, settings)
        for bidder_id, found in sorted(_section_hits(ctx, history, settings).items())
    ]


def _excerpt(ctx: ScanContext, text: str | None) -> str | None:
    if not text:
        return None
    limit = ctx.settings.excerpt_chars
    return " ".join(text.split())[:limit]


def _hit_order(hit: _SectionHit) -> tuple:
    m = hit.match
    return (
        -m.jaccard,
        m.project_id,
        m.bidder_id or "",
        hit.section.file,
        hit.section.ordinal,
        m.file,
        m.ordinal,
    )


def _text_evidence(ctx: ScanContext, bidder_id: str, shown: list[_SectionHit]) -> list[Evidence]:
    """Both sides of each quoted section pair, linked by ``passage``."""
    evidence = []
    for passage, hit in enumerate(shown, start=1):
        m = hit.match
        evidence.append(
            Evidence(
                bidder=bidder_id,
                file=hit.section.file,
                page=hit.section.first_page,
                section=hit.section.title,
                excerpt=_excerpt(ctx, hit.section.text),
                passage=passage,
            )
        )
        evidence.append(
            Evidence(
                bidder=_other(m.project_id, m.bidder_id),
                file=m.file,
                page=m.first_page,
                section=m.title,
                excerpt=m.excerpt,
                passage=passage,
            )
        )
    return evidence


def _text_alert(
    ctx: ScanContext, bidder_id: str, found: list[_SectionHit], settings: CrossProjectSettings
) -> Alert:
    found = sorted(found, key=_hit_order)
    best = found[0].match
    # Strong: a close copy of enough text in all (several short sections
    # copied together weigh like one long one).
    copied = sum({(h.section.file, h.section.ordinal): h.kept for h in found}.values())
    strong = best.jaccard >= settings.strong_jaccard and copied >= settings.strong_shingles
    others = sorted(
        {
            (
                h.match.project_id,
                h.match.bidder_id or "",
                h.match.company or "",
                h.match.project_name or "",
            )
            for h in found
        }
    )
    names = "、".join(sorted({c for _, _, c, _ in others}))
    projects = sorted({p for p, _, _, _ in others})
    summary = (
        f"投标人 {bidder_id}（{ctx.bidder_name(bidder_id)}）有 "
        f"{len({(h.section.file, h.section.ordinal) for h in found})} 个章节与其他 "
        f"{len(projects)} 个项目中以其他单位名义（{names}）提交的投标文件高度相似，"
        f"最高估计 Jaccard {best.jaccard:.2f}（项目 {best.project_id} 投标人 {best.bidder_id}）"
    )
    shown = found[: settings.max_evidence_sections]
    details = {
        "scope": "cross_project",
        "company": ctx.bidder_name(bidder_id),
        "other_project": best.project_id,  # the closest match
        "other_projects": projects,
        "other_bidders": [
            {"project": p, "project_name": n or None, "bidder": b or None, "company": c or None}
            for p, b, c, n in others
        ],
        # The same shapes as the in-project near_duplicate_text alert, so
        # readers of the report (and its HTML rendering) need no special case:
        # each section pair keyed by bidder, the other side as "<project>/<bidder>".
        "section_pairs": len(found),
        "copied_shingles": copied,
        "jaccard": best.jaccard,
        "containment": best.containment,
        "method": "minhash_estimate",
        "sections": [
            {
                bidder_id: {
                    "file": h.section.file,
                    "section": h.section.title,
                    "page": h.section.first_page,
                },
                _other(h.match.project_id, h.match.bidder_id): {
                    "file": h.match.file,
                    "section": h.match.title,
                    "page": h.match.first_page,
                },
                "jaccard": h.match.jaccard,
                "containment": h.match.containment,
                "matched_by": "text",
            }
            for h in shown
        ],
    }
    return Alert(
        kind="near_duplicate_text",
        severity="high" if strong else "medium",
        score=settings.text_score_high if strong else settings.text_score_medium,
        bidders=(bidder_id,),
        basis=basis.ART40_SAME_PREPARER,
        summary=summary,
        details=details,
        evidence=tuple(_text_evidence(ctx, bidder_id, shown)),
    )
