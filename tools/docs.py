"""Examples in README.md and docs/ made by running the real commands (cog).

Every command output, help text and report excerpt in the documents sits
inside a cog block that calls one of these functions::

    <!-- [[[cog
    from tools.docs import shell
    shell("collusion scan sample_bids/road-2026-017 --output /tmp/r.json")
    ]]] -->
    ... what the command printed, written by cog ...
    <!-- [[[end]]] -->

``cog -r -I . README.md docs/*.md`` rewrites the blocks from fresh runs;
``cog --check -I . README.md docs/*.md`` (run by tests/test_docs_current.py
in CI) fails when a document no longer shows what the code prints. The
output of a block must not depend on the clock or the machine: a function
here takes ``replace`` (pattern -> text) for what does, and scans write
into a temporary folder whose name is replaced by ``$TMP``.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shlex
import subprocess
import sys
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import cog  # provided by cogapp while it runs a block

ROOT = Path(__file__).resolve().parent.parent
# One scratch folder per cog run, so that blocks can share what they made
# (a scan in one block, an excerpt of its report in the next).
SCRATCH = Path(tempfile.mkdtemp(prefix="collusion-docs-"))
# Times of the run itself (a report's generated_at, a log line's stamp, the
# day a scan records when project.json names none): the documents show a
# fixed stand-in. Only times within NOW_WINDOW of the run are replaced, so a
# time a bid file carries (a document's creation time) is shown as it is.
TIMESTAMP = re.compile(
    r"(?<![\d-])(\d{4}-\d{2}-\d{2})(?:T(\d{2}:\d{2}:\d{2})(\.\d+)?(Z|[+-]\d{2}:\d{2})?)?(?![\d-])"
)
STAND_IN_DATE, STAND_IN_TIME = "2026-12-07", "10:00:00"
# A nightly run's id: its start time and eight random hex digits.
RUN_ID = re.compile(r"\b\d{8}T\d{6}Z-[0-9a-f]{8}\b")
NOW_WINDOW = dt.timedelta(days=2)


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env.update({"COLUMNS": "100", "PYTHONHASHSEED": "0", "TMP": str(SCRATCH)})
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    return env


def normalise(text: str, replace: Mapping[str, str] | None = None) -> str:
    """The scratch folder as ``$TMP``, times as a fixed stand-in, then ``replace``."""
    text = text.replace(str(SCRATCH), "$TMP")
    text = RUN_ID.sub("20261207T100000Z-0a1b2c3d", text)
    text = TIMESTAMP.sub(_stand_in, text)
    for pattern, new in (replace or {}).items():
        text = re.sub(pattern, new, text)
    return text


def _stand_in(found: re.Match[str]) -> str:
    """A time of this run as the fixed stand-in (its zone suffix kept); any other as it is."""
    day, clock, _fraction, zone = found.groups()
    try:
        when = dt.datetime.fromisoformat(
            f"{day}T{clock or '12:00:00'}{zone or ''}".replace("Z", "+00:00")
        )
    except ValueError:
        return found.group(0)
    now = dt.datetime.now(when.tzinfo) if when.tzinfo else dt.datetime.now()
    if abs(when - now) > NOW_WINDOW:
        return found.group(0)
    if clock is None:
        return STAND_IN_DATE
    return f"{STAND_IN_DATE}T{STAND_IN_TIME}{zone or ''}"


def run_status(command: str, *, stdin: str | None = None) -> tuple[int, str]:
    """Run ``command`` in the repository (``$TMP`` is the scratch folder): exit status, stdout + stderr."""
    argv = [a.replace("$TMP", str(SCRATCH)) for a in shlex.split(command)]
    done = subprocess.run(
        argv,
        cwd=ROOT,
        env=_env(),
        input=stdin,
        capture_output=True,
        text=True,
        timeout=600,
    )
    return done.returncode, done.stdout + done.stderr


def run(command: str, *, check: bool = True, stdin: str | None = None) -> str:
    """Run ``command`` in the repository (``$TMP`` is the scratch folder): stdout + stderr."""
    status, out = run_status(command, stdin=stdin)
    if check and status != 0:
        raise RuntimeError(f"{command} exited {status}:\n{out}")
    return out


def shell(
    command: str,
    *,
    replace: Mapping[str, str] | None = None,
    check: bool = True,
    show: str | None = None,
    status: bool = False,
) -> None:
    """A console block: ``$ command`` and what it printed (``show`` replaces the shown line).

    With ``status`` the block ends with the exit status (``$ echo $?``), and a
    command that fails is shown rather than stopping the run.
    """
    code, out = run_status(command)
    if check and not status and code != 0:
        raise RuntimeError(f"{command} exited {code}:\n{out}")
    out = normalise(out, replace)
    cog.outl("```console")
    cog.outl(f"$ {show or command}")
    cog.out(out if out.endswith("\n") or not out else out + "\n")
    if status:
        cog.outl("$ echo $?")
        cog.outl(str(code))
    cog.outl("```")


def help_text(*command: str) -> None:
    """``collusion <command> --help`` as a console block."""
    shell(" ".join(["collusion", *command, "--help"]))


def scratch(name: str) -> Path:
    """A path in the scratch folder (for reports a later block reads)."""
    return SCRATCH / name


def read_json(path: str | Path) -> Any:
    """A JSON file: relative to the repository, or ``$TMP/...`` in the scratch folder."""
    text = str(path).replace("$TMP", str(SCRATCH))
    full = Path(text) if Path(text).is_absolute() else ROOT / text
    return json.loads(full.read_text(encoding="utf-8"))


def json_block(value: Any, *, replace: Mapping[str, str] | None = None) -> None:
    """A JSON block of ``value`` (already cut down to what the document shows)."""
    text = json.dumps(value, ensure_ascii=False, indent=2)
    cog.outl("```json")
    cog.outl(normalise(text, replace))
    cog.outl("```")


def text_block(text: str, *, lang: str = "text", replace: Mapping[str, str] | None = None) -> None:
    """A fenced block of text the code made (a terminal summary, a CSV)."""
    cog.outl(f"```{lang}")
    cog.out(normalise(text if text.endswith("\n") else text + "\n", replace))
    cog.outl("```")


def cli_reference() -> None:
    """Every command's ``--help``, a heading each, in the order ``collusion --help`` lists them."""
    import click

    from collusion.cli import main

    def walk(group: click.Group, path: tuple[str, ...]) -> list[tuple[str, ...]]:
        found = [path]
        for name, command in sorted(group.commands.items()):
            if isinstance(command, click.Group):
                found += walk(command, (*path, name))
            else:
                found.append((*path, name))
        return found

    for path in walk(main, ()):
        cog.outl(f"## collusion {' '.join(path)}".rstrip())
        cog.outl("")
        help_text(*path)
        cog.outl("")


def table(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """A Markdown table (cells made safe for one table row)."""

    def cell(value: Any) -> str:
        text = "" if value is None else str(value)
        return normalise(text).replace("|", "\\|").replace("\n", " ")

    cog.outl("")
    cog.outl("| " + " | ".join(headers) + " |")
    cog.outl("|" + "|".join("---" for _ in headers) + "|")
    for row in rows:
        cog.outl("| " + " | ".join(cell(v) for v in row) + " |")


def terminal_summary(path: str | Path) -> None:
    """What ``collusion scan`` prints on a terminal once the report is written.

    The summary goes to standard error only when that is a terminal (never
    into a pipe or a cron log), so a document shows it by rendering the saved
    report with the same function the command calls.
    """
    from collusion.report.terminal import format_terminal_summary

    text_block(format_terminal_summary(read_json(path)))


def pick(value: Mapping[str, Any], *keys: str) -> dict[str, Any]:
    """The entries ``keys`` of a mapping, in that order (absent ones left out)."""
    return {key: value[key] for key in keys if key in value}


def trim(value: Any, *, items: int = 2, whole: tuple[str, ...] = ("bidders", "fields")) -> Any:
    """``value`` with every list cut to its first ``items`` entries (for an excerpt).

    Lists under the keys ``whole`` (the bidders an alert names, the codes of
    one fact) are never cut: an excerpt must not change what an entry says.
    """
    if isinstance(value, Mapping):
        return {
            key: inner if key in whole else trim(inner, items=items, whole=whole)
            for key, inner in value.items()
        }
    if isinstance(value, list):
        return [trim(inner, items=items, whole=whole) for inner in value[:items]]
    return value


def find_alert(report: Mapping[str, Any], **match: Any) -> dict[str, Any]:
    """The first alert whose entries (``kind=...``, or ``details__field=...`` for
    an entry of ``details``) equal ``match``; an error when none does, so that
    a document never shows an alert the report no longer has."""

    def entry(alert: Mapping[str, Any], key: str) -> Any:
        for part in key.split("__"):
            alert = alert.get(part) if isinstance(alert, Mapping) else None
        return alert

    for alert in report["alerts"]:
        if all(entry(alert, key) == want for key, want in match.items()):
            return alert
    raise LookupError(f"no alert with {match}")


def alert_table(path: str | Path) -> None:
    """A report's alerts as a table: id, kind, severity, score, bidders, summary."""
    from collusion.labels import KIND_LABELS, SEVERITY_LABELS

    report = read_json(path)
    table(
        ["id", "kind", "severity", "score", "bidders", "summary"],
        (
            (
                f"`{a['id']}`",
                f"`{a['kind']}` {KIND_LABELS.get(a['kind'], '')}",
                f"{a['severity']} {SEVERITY_LABELS.get(a['severity'], '')}",
                a["score"],
                ", ".join(a["bidders"]),
                a["summary"],
            )
            for a in report["alerts"]
        ),
    )


def first_line(text: str | None) -> str:
    """The first sentence-line of a docstring (its summary)."""
    return (text or "").strip().split("\n\n", 1)[0].replace("\n", " ").strip()


def settings_table(cls: type, *, options: Mapping[str, str] | None = None) -> None:
    """A settings dataclass as a table: name, default and the comment beside it.

    The comment is the one written on the field's line in the source (or the
    comment lines right above it): the table says what the code says.
    """
    import dataclasses
    import inspect

    lines, _ = inspect.getsourcelines(cls)
    comments: dict[str, str] = {}
    above: list[str] = []
    for line in lines:
        stripped = line.strip()
        if stripped.startswith("#"):
            above.append(stripped.lstrip("#").strip())
            continue
        found = re.match(r"(\w+): [^=]+=.*?(?:#\s*(.*))?$", stripped)
        if found:
            comments[found.group(1)] = found.group(2) or " ".join(above)
        above = []
    rows = []
    for f in dataclasses.fields(cls):
        if f.default is dataclasses.MISSING:
            continue
        option = (options or {}).get(f.name, "")
        rows.append(
            (
                f"`{f.name}`",
                human_default(f.name, f.default),
                f"`{option}`" if option else "",
                comments.get(f.name, ""),
            )
        )
    table(["setting", "default", "option", "what it limits"], rows)


def human_default(name: str, value: Any) -> str:
    """A default as a person reads it: sizes in MiB/GiB, seconds with their unit."""
    if isinstance(value, int) and name.endswith("_bytes") and value >= 2**20:
        for unit, size in (("GiB", 2**30), ("MiB", 2**20)):
            if value % size == 0:
                return f"{value // size} {unit}"
    if name.startswith("seconds") or name.endswith("seconds_per_file"):
        return f"{value:g} s"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return str(value)


def scanned(project: str, report: str, *, options: str = "") -> Path:
    """``$TMP/<report>``: the report of ``collusion scan PROJECT``, made once per cog run.

    Every document that shows the same project's report calls this with the
    same name, so the project is scanned once however many blocks show it,
    and a document run alone (``cog -r docs/report.md``) still has it.
    """
    path = scratch(report)
    if not path.exists():
        extra = f" {options}" if options else ""
        run(f"collusion scan {project} --output $TMP/{report}{extra}")
    return path


def terminal_scan(project: str, report: str, *, options: str = "") -> None:
    """``collusion scan PROJECT --output REPORT`` as a terminal shows it.

    The scan writes ``$TMP/<report>``; the block shows the command with the
    plain file name and, below it, the summary the command prints on a
    terminal (``terminal_summary``; the progress bar is left out).
    """
    from collusion.report.terminal import format_terminal_summary

    summary = format_terminal_summary(read_json(scanned(project, report, options=options)))
    extra = f" {options}" if options else ""
    cog.outl("```console")
    cog.outl(f"$ collusion scan {project} --output {report}{extra.replace('$TMP/', '')}")
    cog.out(normalise(summary))
    cog.outl("```")


def ignored_table(path: str | Path) -> None:
    """A report's ``ignored_signatures``: what was set aside as common, and why."""
    report = read_json(path)
    table(
        ["field", "value", "bidders", "reason"],
        (
            (
                f"{s.get('label', '')} `{s['field']}`",
                f"`{s['value']}`",
                ", ".join(s["bidders"]),
                s["reason"],
            )
            for s in report["ignored_signatures"]
        ),
    )


def kinds_table(*, up: str = "") -> None:
    """Every alert kind: its Chinese label, its detector and the detector's own summary line.

    ``up`` leads from the document to the repository's root (``../`` in docs/).
    """
    import importlib

    from collusion.detectors import REGISTRY
    from collusion.labels import KIND_LABELS

    rows = []
    for kind, label in KIND_LABELS.items():
        spec = next(s for s in REGISTRY if s.name == kind)
        module = importlib.import_module(spec.detect.__module__)
        summary = first_line(module.__doc__).split(": ", 1)[-1]
        path = module.__name__.replace(".", "/") + ".py"
        rows.append((f"`{kind}`", label, summary, f"[`{path}`]({up}{path})"))
    table(["kind", "标签", "what it reports", "detector"], rows)


def tree(folder: str) -> None:
    """The files under ``folder`` (relative to the repository) as an indented listing."""
    root = ROOT / folder
    lines = [f"{root.name}/"]

    def walk(path: Path, depth: int) -> None:
        for child in sorted(path.iterdir(), key=lambda p: (p.is_dir(), p.name)):
            lines.append("  " * depth + child.name + ("/" if child.is_dir() else ""))
            if child.is_dir():
                walk(child, depth + 1)

    walk(root, 1)
    text_block("\n".join(lines))


def demo_project() -> str:
    """``$TMP/mixed-bag``: a small project of odd and broken input, made once per run.

    Bidders b1 and b2 submitted the same Word file (an identical file); b3
    sent, besides one readable bid, an empty file, a PDF cut short, a PDF
    with an open password, a photograph, a broken zip, a DOCX named .pdf and
    a symbolic link; b4's folder is empty, and project.json names a b5 that
    sent nothing; signatures.csv has a line with a NUL byte and one naming a
    bidder that is not in bids/. Every file is real, and what the scan makes
    of it is what the documents show.
    """
    import shutil

    import pymupdf

    root = scratch("mixed-bag")
    if root.exists():
        return "$TMP/mixed-bag"
    road, school = (
        ROOT / "sample_bids/road-2026-017/bids",
        ROOT / "sample_bids/school-2026-031/bids",
    )
    for bidder in ("b1", "b2", "b3", "b4"):
        (root / "bids" / bidder).mkdir(parents=True)
    for bidder in ("b1", "b2"):
        shutil.copyfile(road / "b01/技术标.docx", root / "bids" / bidder / "技术标.docx")
    b3 = root / "bids/b3"
    shutil.copyfile(road / "b03/商务标.pdf", b3 / "商务标.pdf")
    shutil.copyfile(school / "b07/技术标.docx", b3 / "技术标.pdf")
    (b3 / "空文件.pdf").write_bytes(b"")
    whole = (road / "b03/技术标.pdf").read_bytes()
    (b3 / "资格证明.pdf").write_bytes(whole[: len(whole) // 3])
    with pymupdf.open(road / "b03/商务标.pdf") as doc:
        doc.save(
            b3 / "报价（加密）.pdf",
            encryption=pymupdf.PDF_ENCRYPT_AES_256,
            user_pw="open-me",
            owner_pw="owner",
        )
    (b3 / "现场照片.jpg").write_bytes(b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(200))
    (b3 / "资料.zip").write_bytes(b"PK\x03\x04" + bytes(60))
    (b3 / "链接.pdf").symlink_to("/etc/passwd")
    names = {
        "b1": "中山市宏达建设工程有限公司",
        "b2": "珠海市鸿锦市政建设有限公司",
        "b3": "江门市粤通市政工程有限公司",
        "b5": "肇庆市鼎盛建筑工程有限公司",
    }
    project = {
        "id": "mixed-bag",
        "name": "示例：异常输入",
        "bidders": {k: {"name": v} for k, v in names.items()},
    }
    (root / "project.json").write_text(
        json.dumps(project, ensure_ascii=False, indent=2), encoding="utf-8"
    )
    (root / "signatures.csv").write_bytes(
        b"bidder,code,value\n"
        b"b1,machine_code,5844-7520-6F10-3BB0\n"
        b"b2,mac,F4-8E-38-72-4A-\x0090\n"
        b"b9,machine_code,1111-2222-3333-4444\n"
    )
    return "$TMP/mixed-bag"


def files_table(path: str | Path) -> None:
    """Every file of a report's bidders that was not simply read, and every input error."""
    report = read_json(path)
    rows = []
    for bidder in report["bidders"]:
        for f in bidder["files"]:
            rows.append((f"`{f['path']}`", f["format"], f"`{f['status']}`", f["error"] or ""))
    listed = {row[0] for row in rows}
    for error in report["errors"]:
        if f"`{error['file']}`" not in listed:
            rows.append(
                (
                    f"`{error['file']}`",
                    "",
                    f"`{error['status']}`" if error.get("status") else "",
                    error["error"],
                )
            )
    table(["file", "format", "status", "reason (`error`)"], rows)


def _schema_at(pointer: str) -> dict[str, Any]:
    """The part of the report's JSON Schema at ``pointer`` (``properties/pairs/items``)."""
    from collusion.report.build import load_schema

    node: Any = load_schema()
    for part in filter(None, pointer.split("/")):
        node = node[part]
    return node


def _schema_type(node: Mapping[str, Any]) -> str:
    """A property's type as a reader reads it."""
    if "$ref" in node:
        name = node["$ref"].rsplit("/", 1)[-1]
        return {"unit": "number 0–1", "bidderPair": "two bidder ids", "kind": "alert kind"}.get(
            name, name
        )
    if "const" in node:
        return f'`"{node["const"]}"`'
    if "enum" in node:
        return "one of " + ", ".join(f"`{v}`" for v in node["enum"])
    kinds = node.get("type", "any")
    text = " or ".join(kinds) if isinstance(kinds, list) else kinds
    if text == "array" and "items" in node:
        text = f"list of {_schema_type(node['items'])}"
    return text


def schema_table(pointer: str, described: Mapping[str, str], *, title: str = "") -> None:
    """Every property the report's schema declares at ``pointer``, described.

    ``described`` gives each property's meaning for a reader; a property the
    schema declares and the document does not describe (or the reverse) stops
    the run, so the reference can never miss a field or keep a dead one. A
    property without a word here takes the schema's own ``description``.
    """
    node = _schema_at(pointer)
    properties = node.get("properties", {})
    required = set(node.get("required", ()))
    unknown = sorted(set(described) - set(properties))
    missing = sorted(
        name for name, p in properties.items() if name not in described and "description" not in p
    )
    if unknown or missing:
        raise LookupError(
            f"schema {pointer or '/'}: described but not in the schema {unknown}; "
            f"in the schema but not described {missing}"
        )
    if title:
        cog.outl(f"**{title}**")
        cog.outl("")
    table(
        ["field", "type", "", "meaning"],
        (
            (
                f"`{name}`",
                _schema_type(p),
                "always" if name in required else "",
                described.get(name) or p.get("description", ""),
            )
            for name, p in properties.items()
        ),
    )


def signature_fields_table() -> None:
    """Every signature code the detector knows: its label, strength, rarity weight and clause."""
    import math

    from collusion.detectors import shared_signature as sig
    from collusion.labels import field_name

    rows = []
    for field, strength in sig.FIELD_STRENGTH.items():
        if strength == sig.NONE:
            rows.append(
                (f"`{field}`", field_name(field) or "", "recorded, never evidence", "", "", "")
            )
            continue
        u = sig.field_u(field)
        rows.append(
            (
                f"`{field}`",
                field_name(field) or "",
                strength + (", weak" if sig.is_weak(field) else ""),
                f"{u:g}",
                f"{math.log10(1 / u):.1f}",
                sig.field_basis(field).rsplit("第", 1)[-1],
            )
        )
    table(["field", "标签", "strength", "u_field", "log10(1/u)", "第四十条"], rows)


def identifier_fields_table() -> None:
    """Every kind of identifier: its label and rarity (``u_field``) as shared_identifier weighs it."""
    import math

    from collusion.detectors import shared_identifier as ident
    from collusion.labels import IDENTIFIER_LABELS

    rows = [
        (f"`{kind}`", IDENTIFIER_LABELS.get(kind, ""), f"{u:g}", f"{math.log10(1 / u):.1f}")
        for kind, u in ident.U_BY_KIND.items()
    ]
    rows.append(
        (
            "`bank_account`, as the deposit's account",
            "保证金转出账户",
            f"{ident.U_DEPOSIT_ACCOUNT:g}",
            f"{math.log10(1 / ident.U_DEPOSIT_ACCOUNT):.1f}",
        )
    )
    rows.append(
        (
            "`person`, a name alone",
            IDENTIFIER_LABELS.get("person", ""),
            f"{ident.U_NAME_ONLY:g}",
            f"{math.log10(1 / ident.U_NAME_ONLY):.1f}",
        )
    )
    table(["kind", "标签", "u_field", "log10(1/u)"], rows)


def score_table(weights: Sequence[float]) -> None:
    """The calibrated score of each pair weight W, by the function the scan uses."""
    from collusion.scoring.score import probability
    from collusion.settings import ScoreSettings

    settings = ScoreSettings()
    rows = [
        (
            f"{w:g}",
            f"{probability(w, settings):.4f}",
            "yes" if probability(w, settings) >= settings.flag_threshold else "",
        )
        for w in weights
    ]
    table(["pair weight W", "score", "flagged"], rows)


def _minus(value: float) -> str:
    """A number as printed, with a typographic minus sign."""
    return f"{value:g}".replace("-", "−")


def pair_terms_table(path: str | Path, bidders: Sequence[str]) -> None:
    """One pair's terms from a report, their sum and the score the formula gives."""
    import math

    report = read_json(path)
    pair = next(p for p in report["pairs"] if p["bidders"] == sorted(bidders))
    alerts = {a["id"]: a for a in report["alerts"]}

    def what(alert: Mapping[str, Any]) -> str:
        label = alert["details"].get("label") or alert["details"].get("fact") or ""
        return f"{alert['kind']} {label}".strip()

    rows = [
        (
            f"`{t['alert']}`",
            what(alerts[t["alert"]]),
            f"`{t['key']}`",
            f"{t['log10_lr']:g}",
            f"{t['counted']:g}",
            "weak" if t["weak"] else "",
        )
        for t in pair["terms"]
    ]
    table(["alert", "fact", "key", "log10_lr", "counted", ""], rows)
    scoring = report["scoring"]
    total = sum(t["counted"] for t in pair["terms"])
    z = scoring["intercept"] + scoring["slope"] * pair["weight"]
    counted = " + ".join(f"{t['counted']:g}" for t in pair["terms"])
    cog.outl("")
    cog.outl(
        f"W = {counted} = {total:g} "
        f"(the report's `weight`: {pair['weight']:g}); "
        f"score = 1 / (1 + exp(−({_minus(scoring['intercept'])} + {scoring['slope']:g} × {pair['weight']:g}))) "
        f"= {1 / (1 + math.exp(-z)):.4f} (the report's `score`: {pair['score']:g}), "
        f"{'flagged' if pair['flagged'] else 'not flagged'} at {scoring['flag_threshold']:g}."
    )


def python_example(code: str) -> None:
    """A Python block and, below it, what it printed when run (``$TMP/`` is left out of the shown code)."""
    status, out = run_status(
        f"{sys.executable} -c {shlex.quote(code.replace('$TMP', str(SCRATCH)))}"
    )
    if status != 0:
        raise RuntimeError(f"the example exited {status}:\n{out}")
    cog.outl("```python")
    cog.out(code.replace("$TMP/", ""))
    cog.outl("```")
    text_block(out)


def _architecture() -> Any:
    """tests/test_architecture.py, the stage order and limits the tests enforce."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "test_architecture", ROOT / "tests/test_architecture.py"
    )
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


def layout_table() -> None:
    """The package by stage, lowest first: each stage's folder or modules, what it is, what it holds."""
    import ast

    arch = _architecture()
    package = ROOT / "collusion"

    def doc(path: Path) -> str:
        return first_line(ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))))

    rows = []
    for stage in arch.STAGES:
        if stage == "base":
            for name in arch.BASE:
                rows.append(("base", f"`collusion/{name}.py`", doc(package / f"{name}.py"), ""))
            continue
        folder = package / stage
        if folder.is_dir():
            modules = sorted(
                p.relative_to(folder).with_suffix("").as_posix()
                for p in folder.rglob("*.py")
                if p.name != "__init__.py"
            )
            rows.append(
                (stage, f"`collusion/{stage}/`", doc(folder / "__init__.py"), ", ".join(modules))
            )
        else:
            rows.append((stage, f"`collusion/{stage}.py`", doc(package / f"{stage}.py"), ""))
    table(["stage", "where", "what", "modules"], rows)


def architecture_limits() -> None:
    """The numbers tests/test_architecture.py holds the package to, in one sentence."""
    arch = _architecture()
    cog.outl(
        f"At most {arch.MAX_TOP_LEVEL_MODULES} modules at the top of `collusion/`, none over "
        f"{arch.MAX_MODULE_LINES} lines; the stages, lowest first: "
        + " < ".join(f"`{s}`" for s in arch.STAGES)
        + "."
    )
