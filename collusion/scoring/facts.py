"""One fact, one alert: fold alerts that restate a fact another alert reports.

Detectors work independently, so one underlying fact can reach the report
several times: an identical file also shows identical document ids,
identical contacts and identical text; a bill of quantities priced alike is
also near-duplicate text; a deposit account in signatures.csv is also
written in both bids. Counted as independent evidence, such repeats inflate
a pair's score and make the report repeat itself.

This stage keeps the strongest alert of each fact and cites the others in
its ``details.also_found`` (kind, summary, and the folded alert's key), so
nothing is hidden and nothing counts twice. Folding rules, in order:

1. an alert whose every file of evidence is one of the files of an
   ``identical_file`` alert naming all its bidders is implied by that file;
2. an alert whose blocks (``Alert.covers``) all lie in the blocks of a
   stronger alert of another kind for the same bidders (the bill of
   quantities under ``price_pattern`` and the same rows as text) restates it;
3. a name written in two bids (``shared_identifier`` on a name alone) is
   the person a ``company_link`` alert links the same bidders through;
4. alerts with the same ``key`` are one fact: the weaker ones whose bidders
   the strongest also names are folded into it.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace

from collusion.models import Alert

# Which kind is kept when two kinds report one fact with the same weight.
KIND_ORDER = (
    "identical_file",
    "shared_signature",
    "mixed_documents",
    "company_link",
    "shared_identifier",
    "price_pattern",
    "near_duplicate_text",
)
# Evidence that names no file of a bid: the e-bidding export, project.json.
NOT_BID_FILES = {"signatures.csv", "project.json"}


def consolidate(alerts: list[Alert]) -> list[Alert]:
    """The alerts with every restated fact folded into the alert that reports it."""
    alerts = _fold_identical_files(alerts)
    alerts = _fold_covered(alerts)
    alerts = _fold_named_people(alerts)
    return _fold_same_key(alerts)


def _strength(alert: Alert) -> tuple:
    weight = alert.weight.log10_lr if alert.weight is not None else alert.score
    kind = KIND_ORDER.index(alert.kind) if alert.kind in KIND_ORDER else len(KIND_ORDER)
    return (-weight, kind, alert.sort_key())


def _cite(alert: Alert) -> dict:
    cited = {"kind": alert.kind, "summary": alert.summary, "key": alert.key}
    for name in ("field", "pattern", "value"):
        if name in alert.details:
            cited[name] = alert.details[name]
    return cited


def _with_citations(keeper: Alert, folded: list[Alert]) -> Alert:
    if not folded:
        return keeper
    also = list(keeper.details.get("also_found", []))
    also += [_cite(a) for a in sorted(folded, key=Alert.sort_key)]
    return replace(keeper, details={**keeper.details, "also_found": also})


def _bid_files(alert: Alert) -> set[str]:
    return {e.file for e in alert.evidence if e.file and e.file not in NOT_BID_FILES}


def _is_cross_project(alert: Alert) -> bool:
    return alert.details.get("scope") == "cross_project"


def _fold_identical_files(alerts: list[Alert]) -> list[Alert]:
    identical = [a for a in alerts if a.kind == "identical_file"]
    if not identical:
        return alerts
    folded: dict[int, list[Alert]] = defaultdict(list)
    kept: list[Alert] = []
    for alert in alerts:
        if alert.kind == "identical_file" or _is_cross_project(alert):
            kept.append(alert)
            continue
        files = _bid_files(alert)
        home = next(
            (
                i
                for i, same in enumerate(identical)
                if files
                and files <= set(same.details.get("files", ()))
                and set(alert.bidders) <= set(same.bidders)
            ),
            None,
        )
        if home is None:
            kept.append(alert)
        else:
            folded[home].append(alert)
    by_id = {id(a): i for i, a in enumerate(identical)}
    return [_with_citations(a, folded[by_id[id(a)]]) if id(a) in by_id else a for a in kept]


def _fold_covered(alerts: list[Alert]) -> list[Alert]:
    covering = sorted((a for a in alerts if a.covers), key=_strength)
    folded: dict[int, list[Alert]] = defaultdict(list)
    gone: set[int] = set()
    for alert in sorted(alerts, key=_strength, reverse=True):
        if not alert.covers or _is_cross_project(alert):
            continue
        for other in covering:
            if (
                other is not alert
                and other.kind != alert.kind
                and id(other) not in gone
                and set(alert.bidders) <= set(other.bidders)
                and alert.covers <= other.covers
                and _strength(other) <= _strength(alert)
            ):
                folded[id(other)].append(alert)
                gone.add(id(alert))
                break
    return [_with_citations(a, folded[id(a)]) for a in alerts if id(a) not in gone]


def _fold_named_people(alerts: list[Alert]) -> list[Alert]:
    """A shared name (shared_identifier, field person) restates the person a
    company_link alert names for the same bidders: the legal representative
    of both, a director of both."""
    people = [
        a
        for a in alerts
        if a.kind == "company_link" and (a.details.get("via") or {}).get("kind") == "person"
    ]
    if not people:
        return alerts
    folded: dict[int, list[Alert]] = defaultdict(list)
    gone: set[int] = set()
    for alert in alerts:
        if alert.kind != "shared_identifier" or alert.details.get("field") != "person":
            continue
        name = alert.details.get("value")
        home = next(
            (
                link
                for link in people
                if link.details["via"].get("name") == name
                and set(alert.bidders) <= set(link.bidders)
            ),
            None,
        )
        if home is not None:
            folded[id(home)].append(alert)
            gone.add(id(alert))
    return [_with_citations(a, folded[id(a)]) for a in alerts if id(a) not in gone]


def _fold_same_key(alerts: list[Alert]) -> list[Alert]:
    by_key: dict[str, list[Alert]] = defaultdict(list)
    for alert in alerts:
        if alert.key and not _is_cross_project(alert):
            by_key[alert.key].append(alert)
    folded: dict[int, list[Alert]] = defaultdict(list)
    gone: set[int] = set()
    for same in by_key.values():
        if len(same) < 2:
            continue
        keeper, *rest = sorted(same, key=_strength)
        for alert in rest:
            if set(alert.bidders) <= set(keeper.bidders):
                folded[id(keeper)].append(alert)
                gone.add(id(alert))
    return [_with_citations(a, folded[id(a)]) for a in alerts if id(a) not in gone]


def fold_cross_project(alerts: list[Alert], flagged: set[tuple[str, ...]]) -> list[Alert]:
    """A cross-project lead that only restates a flagged pair of this project.

    The lead names one bidder and a value another project's bid carried; when
    an alert of this project reports the same value (field and normalized
    value) for a flagged pair holding that bidder, the lead adds nothing the
    regulator is not already sent: it is cited in that alert's
    ``details.also_found`` (with the other project) and not listed again.
    """
    own: dict[tuple[str, str], list[Alert]] = defaultdict(list)
    for alert in alerts:
        if not _is_cross_project(alert):
            for value in _values(alert):
                own[value].append(alert)
    folded: dict[int, list[Alert]] = defaultdict(list)
    gone: set[int] = set()
    for lead in alerts:
        if not _is_cross_project(lead):
            continue
        field, normalized = lead.details.get("field"), lead.details.get("normalized")
        for alert in own.get((str(field), str(normalized)), ()):
            pairs = {tuple(sorted(p)) for p in _pairs(alert.bidders)}
            if set(lead.bidders) <= set(alert.bidders) and pairs & flagged:
                folded[id(alert)].append(lead)
                gone.add(id(lead))
                break
    out = []
    for alert in alerts:
        if id(alert) in gone:
            continue
        leads = folded[id(alert)]
        if leads:
            cited = [
                {**_cite(a), "other_project": a.details.get("other_project")}
                for a in sorted(leads, key=Alert.sort_key)
            ]
            also = list(alert.details.get("also_found", [])) + cited
            alert = replace(alert, details={**alert.details, "also_found": also})
        out.append(alert)
    return out


def _values(alert: Alert) -> list[tuple[str, str]]:
    found = [(alert.details.get("field"), alert.details.get("normalized"))]
    found += [
        (f.get("field"), f.get("normalized", f.get("value")))
        for f in alert.details.get("fields", ())
        if isinstance(f, dict)
    ]
    return [(f, v) for f, v in found if f and v]


def _pairs(bidders: tuple[str, ...]) -> list[tuple[str, str]]:
    ordered = sorted(bidders)
    return [(a, b) for i, a in enumerate(ordered) for b in ordered[i + 1 :]]
