"""A short plain-text summary of a report, for the terminal after a scan."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from collusion.basis import DISCLAIMER
from collusion.labels import KIND_LABELS
from collusion.report.present import (
    SEVERITY_ORDER,
    as_mapping,
    format_score,
    format_weight,
    group_mark,
    pair_rank_key,
    unanalysed_files,
)

# Control characters and bidi overrides in bid metadata could move the
# cursor, recolour the terminal or reorder what is shown: never print them.
_UNPRINTABLE = re.compile(r"[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def _clean(value: Any) -> str:
    return _UNPRINTABLE.sub(" ", "" if value is None else str(value)).strip()


# Screens shown when no model gives a probability.
SUMMARY_SCREENS = ("cv", "spread", "diffp", "rd")


def _screens_lines(report: Mapping[str, Any]) -> list[str]:
    """The tender-level lead: the model's probability and what drove it, else the
    main screens; never about a bidder."""
    screens = as_mapping(as_mapping(report.get("indicators")).get("screens"))
    if not screens:
        return []
    model = as_mapping(screens.get("model"))
    probability = model.get("probability")
    if isinstance(probability, (int, float)):
        drivers = "、".join(
            _clean(d.get("label")) for d in model.get("drivers") or [] if isinstance(d, Mapping)
        )
        return [
            f"项目级线索：报价筛查模型估计本项目为串通投标的概率约 {probability:.0%}"
            + (f"（主要依据：{drivers}）" if drivers else "")
            + "；针对整个项目，不针对任何投标人。"
        ]
    entries = {
        _clean(s.get("name")): s for s in screens.get("screens") or [] if isinstance(s, Mapping)
    }
    shown = [
        f"{_clean(entries[n].get('label'))} {entries[n]['value']:.3f}"
        for n in SUMMARY_SCREENS
        if n in entries and isinstance(entries[n].get("value"), (int, float))
    ]
    lines = ["项目级报价筛查指标：" + "，".join(shown) + "。"] if shown else []
    if model.get("error"):
        lines.append(f"报价筛查模型未给出概率：{_clean(model.get('error'))}")
    return lines


def _bidder(bidder_id: str, names: Mapping[str, str]) -> str:
    name = names.get(bidder_id, "")
    return f"{bidder_id} {name}" if name else bidder_id


def _weight_text(item: Mapping[str, Any]) -> str:
    """The weight of evidence beside a score, when the report gives one."""
    weight = format_weight(item.get("weight"))
    return f"  证据权重 {weight}" if weight != "—" else ""


def format_terminal_summary(report: Mapping[str, Any]) -> str:
    """Flagged pairs with score and alert kinds, groups, and the error count."""
    bidders = [b for b in report.get("bidders") or [] if isinstance(b, Mapping)]
    names = {_clean(b.get("id")): _clean(b.get("name")) for b in bidders}
    alerts = {_clean(a.get("id")): a for a in report.get("alerts") or [] if isinstance(a, Mapping)}
    severities = {key: 0 for key in SEVERITY_ORDER}
    for alert in alerts.values():
        if alert.get("severity") in severities:
            severities[alert["severity"]] += 1
    project = report.get("project") or {}
    title = _clean(project.get("name")) or _clean(project.get("id")) or "未命名项目"
    if project.get("name") and project.get("id"):
        title = f"{title}（{_clean(project.get('id'))}）"

    lines = [
        f"扫描完成：{title}，投标人 {len(bidders)} 家，预警 {len(alerts)} 条"
        f"（高 {severities['high']}、中 {severities['medium']}、低 {severities['low']}）。"
    ]
    flagged = [p for p in report.get("pairs") or [] if isinstance(p, Mapping) and p.get("flagged")]
    # The same order, and so the same numbers, as the HTML report's pair sections.
    flagged.sort(key=pair_rank_key)
    if flagged:
        lines.append(f"标记的投标人对 {len(flagged)} 对：")
        for number, pair in enumerate(flagged, start=1):
            members = sorted(_clean(b) for b in pair.get("bidders") or [])
            kinds: dict[str, int] = {}
            for alert_id in pair.get("alerts") or []:
                found = alerts.get(_clean(alert_id))
                if found is not None:
                    kind = _clean(found.get("kind"))
                    label = KIND_LABELS.get(kind, kind)
                    kinds[label] = kinds.get(label, 0) + 1
            kind_text = "、".join(f"{k}×{n}" if n > 1 else k for k, n in kinds.items())
            lines.append(
                f"  {number}. "
                + " ↔ ".join(_bidder(b, names) for b in members)
                + f"  分值 {format_score(pair.get('score'))}"
                + _weight_text(pair)
                + (f"  {kind_text}" if kind_text else "")
            )
    else:
        lines.append("未发现达到标记阈值的投标人对。")
    links = [a for a in alerts.values() if a.get("kind") == "company_link"]
    if links:
        lines.append(f"投标人之间的企业关联 {len(links)} 条：")
        for alert in sorted(links, key=lambda a: _clean(a.get("id"))):
            details = as_mapping(alert.get("details"))
            via = as_mapping(details.get("via"))
            linked = " ↔ ".join(_bidder(_clean(b), names) for b in alert.get("bidders") or [])
            label = _clean(details.get("label")) or _clean(details.get("link"))
            lines.append(
                f"  {linked}  {label}（{_clean(via.get('name'))}）  {_clean(alert.get('basis'))}"
            )
    groups = [g for g in report.get("groups") or [] if isinstance(g, Mapping)]
    if groups:
        lines.append(f"关联组 {len(groups)} 个：")
        for index, group in enumerate(groups):
            group_members = "、".join(sorted(_clean(b) for b in group.get("bidders") or []))
            related = sorted(
                {
                    _clean(x.get("label"))
                    for x in group.get("company_links") or []
                    if isinstance(x, Mapping)
                }
            )
            lines.append(
                f"  {group_mark(index)}  {group_members}  分值 {format_score(group.get('score'))}"
                + _weight_text(group)
                + (f"  企业关联：{'、'.join(related)}" if related else "")
            )
    lines += _screens_lines(report)
    problems = unanalysed_files(report)
    if problems:
        # Numbered as in the HTML report's table of files not analysed.
        lines.append(f"未能分析的文件 {len(problems)} 个：")
        for number, row in enumerate(problems, start=1):
            owner = _clean(row["bidder"])
            lines.append(
                f"  {number}. {_clean(row['file'])}（{owner}）"
                f"  {_clean(row['status'])}：{_clean(row['reason'])}"
            )
    lines.append(f"说明：{_clean(report.get('disclaimer')) or DISCLAIMER}")
    return "\n".join(lines) + "\n"
