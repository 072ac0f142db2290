"""Build, serialize and write the JSON report (contract §3, schema_version 1.0)."""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import replace
from datetime import datetime
from importlib import resources
from pathlib import Path
from typing import Any

from collusion import __version__
from collusion.basis import DISCLAIMER
from collusion.errors import NotAReport, OutputError
from collusion.models import Alert, Bidder, ExtractedFile, ProjectInput
from collusion.project import BIDDER_STATUSES, EMPTY_BIDDER, MISSING_BIDDER
from collusion.report.present import format_score, format_weight
from collusion.runtime import clock
from collusion.runtime.lang import tr
from collusion.scoring.score import PairScore, flagged_groups, model_description
from collusion.settings import ScoreSettings

SCHEMA_VERSION = "1.0"
SCHEMA_FILE = "report.schema.json"
SCHEMA_MESSAGE_CHARS = 160  # of a schema error quoted in NotAReport's one-line message
NOT_ANALYSED = {"error", "refused", "no_text", "partial"}
SUMMARY_MAX_ITEMS = 10  # pairs and groups named in the summary; the rest are in pairs


def load_schema() -> dict[str, Any]:
    """The JSON Schema of the report, shipped in the package."""
    schema: dict[str, Any] = json.loads(
        resources.files("collusion.report").joinpath(SCHEMA_FILE).read_text("utf-8")
    )
    return schema


def read_report(path: str | os.PathLike[str]) -> dict[str, Any]:
    """A saved JSON report, checked against the shipped schema.

    Args:
        path: a report written by ``collusion scan`` or ``collusion nightly``.

    Returns:
        The report as a dict, valid against ``report.schema.json``.

    Raises:
        NotAReport: the file is not UTF-8 JSON, its top level is not an
            object, or it does not follow the schema; the message is one line
            naming the first problem.
        OSError: the file cannot be read.
    """
    raw = Path(path).read_bytes()
    try:
        data = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise NotAReport(
            tr(
                f"{path} 不是 UTF-8 编码的 JSON 文件，不是 collusion 报告",
                f"{path} is not UTF-8 JSON, not a collusion report",
            )
        ) from exc
    except json.JSONDecodeError as exc:
        raise NotAReport(
            tr(
                f"{path} 不是 JSON 文件（第 {exc.lineno} 行第 {exc.colno} 列：{exc.msg}），"
                "不是 collusion 报告",
                f"{path} is not JSON (line {exc.lineno}, column {exc.colno}: {exc.msg}), "
                "not a collusion report",
            )
        ) from exc
    except RecursionError as exc:
        raise NotAReport(
            tr(
                f"{path} 的 JSON 嵌套过深，不是 collusion 报告",
                f"{path} nests its JSON too deep, not a collusion report",
            )
        ) from exc
    if not isinstance(data, dict):
        raise NotAReport(
            tr(
                f"{path} 的顶层是{_json_type(data)}，不是 collusion 报告（应为对象）",
                f"{path} holds a JSON {type(data).__name__} at the top, "
                "not a collusion report (an object)",
            )
        )
    problem = schema_problem(data)
    if problem:
        raise NotAReport(
            tr(
                f"{path} 不是 collusion 报告（不符合 {SCHEMA_FILE}）：{problem}",
                f"{path} is not a collusion report (against {SCHEMA_FILE}): {problem}",
            )
        )
    return data


def schema_problem(report: dict[str, Any]) -> str | None:
    """The most relevant way ``report`` breaks the schema, on one line; None if valid."""
    import jsonschema  # only reading saved reports needs it
    from jsonschema.exceptions import best_match

    schema = load_schema()
    validator = jsonschema.validators.validator_for(schema)(schema)
    error = best_match(validator.iter_errors(report))
    if error is None:
        return None
    where = "/".join(str(part) for part in error.absolute_path) or "顶层"
    message = " ".join(error.message.split())
    if len(message) > SCHEMA_MESSAGE_CHARS:
        message = message[: SCHEMA_MESSAGE_CHARS - 1] + "…"
    return f"{where}: {message}"


def _json_type(value: Any) -> str:
    if isinstance(value, list):
        return "数组"
    if isinstance(value, str):
        return "字符串"
    if isinstance(value, bool) or value is None:
        return "布尔值或 null"
    return "数字"


def number_alerts(alerts: list[Alert]) -> list[Alert]:
    """Alerts sorted and numbered A0001... so ids are stable."""
    return [
        replace(alert, id=f"A{index:04d}")
        for index, alert in enumerate(sorted(alerts, key=Alert.sort_key), start=1)
    ]


def alert_dict(alert: Alert) -> dict[str, Any]:
    """One alert as the report writes it."""
    data = {
        "id": alert.id,
        "kind": alert.kind,
        "severity": alert.severity,
        "score": round(float(alert.score), 4),
        "bidders": sorted(alert.bidders),
        "basis": alert.basis,
        "summary": alert.summary,
        "details": alert.details,
        "evidence": [e.to_dict() for e in alert.evidence],
    }
    if alert.key:
        data["key"] = alert.key
    if alert.weight is not None:
        data["weight"] = alert.weight.to_dict()
    return data


def file_entry(file: ExtractedFile) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "path": file.path,
        "sha256": file.sha256,
        "format": file.format,
        "pages": file.pages,
        "chars": file.chars,
        "status": file.status,
        "error": file.error,
    }
    if file.ocr_pages:
        entry["ocr_pages"] = [{"page": p, "confidence": c} for p, c in file.ocr_pages]
    return entry


def files_not_analysed(bidder: Bidder, project: ProjectInput) -> int:
    """The bidder's files that were not (fully) analysed, refused links included."""
    read = sum(1 for f in bidder.files if f.status in NOT_ANALYSED)
    refused = sum(
        1
        for e in project.errors
        if e.get("bidder") == bidder.id and e.get("status") not in BIDDER_STATUSES
    )
    return read + refused


def error_entries(
    project: ProjectInput, files: list[tuple[str | None, ExtractedFile]]
) -> list[dict[str, Any]]:
    """Every problem: unreadable inputs, refused files, and files read only in part."""
    entries = [dict(e) for e in project.errors]
    for bidder, file in files:
        if file.status in NOT_ANALYSED or file.error:
            entry = {"file": file.path, "error": file.error or file.status, "status": file.status}
            if bidder:
                entry["bidder"] = bidder
            entries.append(entry)
    return sorted(entries, key=lambda e: (e["file"], e.get("line", 0), e["error"]))


def project_summary(
    bidders: list[Bidder],
    alerts: list[Alert],
    pairs: list[PairScore],
    groups: list[dict[str, Any]],
    errors: list[dict[str, Any]],
) -> str:
    """One paragraph in Chinese for the regulator."""
    files = sum(len(b.files) for b in bidders)
    flagged = [p for p in pairs if p.flagged]
    problems = (
        f"{len(errors)} 项文件或输入问题，逐项列于“未能分析的文件”。"
        if errors
        else "所有文件均已分析。"
    )
    text = (
        f"本项目共 {len(bidders)} 家投标人、{files} 个投标文件；"
        f"{problems}{_bidder_problems(bidders, errors)}"
        f"共 {len(alerts)} 条预警，"
    )
    leads = sum(1 for a in alerts if a.details.get("scope") == "cross_project")
    if leads:
        text += f"其中 {leads} 条为跨项目线索（与历史上其他项目投标文件相同，不参与本项目评分），"
    if not flagged:
        return text + "没有达到移交阈值的投标人组合。"
    strongest = sorted(flagged, key=lambda p: (-p.weight, -p.score, p.bidders))
    pair_text = "；".join(
        f"{p.bidders[0]} 与 {p.bidders[1]}"
        f"（分值 {format_score(p.score)}，证据权重 {format_weight(p.weight)}）"
        for p in strongest[:SUMMARY_MAX_ITEMS]
    )
    if len(strongest) > SUMMARY_MAX_ITEMS:
        pair_text += " 等（其余见 pairs）"
    group_text = "；".join("、".join(g["bidders"]) for g in groups[:SUMMARY_MAX_ITEMS])
    if len(groups) > SUMMARY_MAX_ITEMS:
        group_text += " 等"
    return text + f"{len(flagged)} 对投标人建议移交核查：{pair_text}。关联投标人组：{group_text}。"


def _bidder_problems(bidders: list[Bidder], errors: list[dict[str, Any]]) -> str:
    """Bidders without files or without a folder, and a project with nothing
    to compare, said in the summary (they are in errors too)."""
    notes = []
    for status, label in (
        (EMPTY_BIDDER, "文件夹为空"),
        (MISSING_BIDDER, "在 project.json 中列出但没有文件夹"),
    ):
        named = sorted({e["bidder"] for e in errors if e.get("status") == status and "bidder" in e})
        if named:
            notes.append(f"投标人 {'、'.join(named)} {label}，未参与比对。")
    readable = [b for b in bidders if any(f.status in {"ok", "partial"} for f in b.files)]
    if len(bidders) < 2:
        notes.append(f"本项目只有 {len(bidders)} 家投标人，投标人之间无法比对。")
    elif len(readable) < 2:
        notes.append(f"只有 {len(readable)} 家投标人有可分析的文件，投标人之间的文本无法比对。")
    return "".join(notes)


def build_report(
    project: ProjectInput,
    bidders: list[Bidder],
    tender_files: list[ExtractedFile],
    alerts: list[Alert],
    pairs: list[PairScore],
    *,
    score_settings: ScoreSettings | None = None,
    ignored_signatures: list[dict[str, Any]] | None = None,
    indicators: dict[str, Any] | None = None,
    generated_at: datetime | None = None,
) -> dict[str, Any]:
    """The report dict (contract §3); everything in it is sorted so the output is deterministic.

    Args:
        project: the loaded project folder.
        bidders: the bidders with their extracted files.
        tender_files: the tender's extracted files.
        alerts: the numbered alerts (``number_alerts``).
        pairs: every bidder pair's score (``scoring.score_pairs``).
        score_settings: recorded in the report's scoring description.
        ignored_signatures: shared values left out as common, with the reason.
        indicators: project-level price screens (not accusations).
        generated_at: the timestamp written (an aware datetime); now when
            None. Written in the reader's zone with its offset
            (``collusion.runtime.clock``: $COLLUSION_TZ, default Asia/Shanghai).

    Returns:
        A JSON-ready dict valid against ``report.schema.json``.
    """
    groups = with_company_links(flagged_groups(pairs), alerts)
    all_files: list[tuple[str | None, ExtractedFile]] = [
        (b.id, f) for b in bidders for f in b.files
    ]
    all_files += [(None, f) for f in tender_files]
    errors = error_entries(project, all_files)
    moment = generated_at or clock.now()
    return {
        "schema_version": SCHEMA_VERSION,
        "generator": {"name": "collusion", "version": __version__},
        "generated_at": clock.local_iso(moment),
        "project": {"id": project.id, "name": project.name, "industry": project.industry},
        "disclaimer": DISCLAIMER,
        "summary": project_summary(bidders, alerts, pairs, groups, errors),
        "bidders": [
            {
                "id": b.id,
                "name": b.name,
                "price": b.price,
                "files": [file_entry(f) for f in b.files],
                "files_not_analysed": files_not_analysed(b, project),
            }
            for b in bidders
        ],
        "tender": {"files": [file_entry(f) for f in tender_files]},
        "alerts": [alert_dict(a) for a in alerts],
        "pairs": [
            {
                "bidders": list(p.bidders),
                "score": p.score,
                "flagged": p.flagged,
                "alerts": list(p.alert_ids),
                "kinds": list(p.kinds),
                "weight": p.weight,
                "terms": [t.to_dict() for t in p.terms],
            }
            for p in pairs
        ],
        "scoring": model_description(score_settings or ScoreSettings()),
        "groups": groups,
        "ignored_signatures": sorted(
            ignored_signatures or [], key=lambda r: (r["field"], r["value"], r["bidders"])
        ),
        "indicators": indicators or {},
        "errors": errors,
    }


def with_company_links(groups: list[dict[str, Any]], alerts: list[Alert]) -> list[dict[str, Any]]:
    """Each group with the company_link alerts among its members, if any."""
    out = []
    for group in groups:
        members = set(group["bidders"])
        links = [
            {
                "alert": a.id,
                "link": a.details.get("link"),
                "label": a.details.get("label"),
                "basis": a.basis,
                "bidders": sorted(a.bidders),
            }
            for a in alerts
            if a.kind == "company_link" and len(members & set(a.bidders)) >= 2
        ]
        out.append({**group, "company_links": links} if links else group)
    return out


def dumps(report: dict[str, Any]) -> str:
    return json.dumps(report, ensure_ascii=False, indent=2) + "\n"


def write_private(path: str | os.PathLike[str], text: str) -> None:
    """Write atomically (temp file, then rename), readable by the owner only.

    Reports carry personal data (ID and phone numbers), so they are created
    0600; a reader never sees a half-written file.
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(temp, target)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def check_output_paths(*paths: str | os.PathLike[str] | None) -> None:
    """Refuse, before a scan, output paths that would not end as report files.

    An existing path must be a regular file (writing would replace a device
    such as /dev/null with a file, or fail on a folder), and no two outputs
    may be one file (the HTML would overwrite the JSON). ``None`` and ``-``
    (standard output) are skipped.
    """
    seen: dict[str, str] = {}
    for given in paths:
        if given is None or str(given) == "-":
            continue
        path = Path(given)
        if path.exists() and not path.is_file():
            raise OutputError(
                tr(
                    f"输出路径 {path} 已存在且不是普通文件（文件夹或设备），未写出报告",
                    f"the output {path} exists and is not a regular file (a folder or a device); "
                    "no report written",
                )
            )
        real = os.path.realpath(path)
        if real in seen:
            raise OutputError(
                tr(
                    f"输出路径 {path} 与 {seen[real]} 是同一个文件，请分别指定",
                    f"the outputs {path} and {seen[real]} are one file; give two",
                )
            )
        seen[real] = str(path)


def write_report(report: dict[str, Any], path: str | os.PathLike[str]) -> None:
    """Write a report as UTF-8 JSON, atomically and readable by the owner only.

    Args:
        report: the dict ``build_report`` made (``ScanResult.report``).
        path: the file to write; missing parent folders are created.

    Raises:
        OSError: the folder cannot be created or the file cannot be written
            (the target is left as it was; no temporary file remains).
    """
    write_private(path, dumps(report))
