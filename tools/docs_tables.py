"""Tables of what the code and a report say, for the documents (cog).

The report tables (alerts, files, set-aside values, a pair's terms) read a
report a block scanned; the code tables (settings, alert kinds, the report
schema's fields, signature and identifier fields, the layout by stage) read
the code itself, so a document's table changes when the code does. Imported
through ``tools.docs``, the documents' one entry point.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import cog  # provided by cogapp while it runs a block

from tools.docs_run import ROOT, first_line, read_json, scratch, table, text_block


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


def unplanted_alerts(path: str | Path, project: str) -> None:
    """A sentence on every alert between bidders the sample's answer key calls honest.

    The documents show a sample's report as it is; an alert the sample did
    not plant is said to be one, with its weight and whether it flags the
    pair, so that the page never passes a false lead off as a found one.
    """
    from collusion.labels import KIND_LABELS, SEVERITY_LABELS

    report = read_json(path)
    key = json.loads((ROOT / "sample_bids" / "answer_key.json").read_text(encoding="utf-8"))
    honest = set(key[project]["honest"])
    threshold = report["scoring"]["flag_threshold"]
    flag_weight = -report["scoring"]["intercept"] / report["scoring"]["slope"]
    pairs = {tuple(p["bidders"]): p for p in report["pairs"]}
    found = [a for a in report["alerts"] if set(a["bidders"]) <= honest]
    if not found:
        cog.outl("Every alert is between bidders the sample plants as colluding.")
        return
    for alert in found:
        pair = pairs.get(tuple(alert["bidders"][:2]), {})
        flagged = "flags the pair" if pair.get("flagged") else "does not flag the pair"
        cog.outl(
            f"`{alert['id']}` ({KIND_LABELS.get(alert['kind'], alert['kind'])}, "
            f"{alert['severity']} {SEVERITY_LABELS.get(alert['severity'], '')}) is between "
            f"{' and '.join(alert['bidders'])}, bidders the sample plants as honest "
            f"(`sample_bids/answer_key.json`): a lead the sample did not plant. Its weight, "
            f"{alert['weight']['log10_lr']:g}, {flagged} (pair score {pair.get('score', 0):g}; "
            f"a pair is flagged at {threshold:g}, from weight {flag_weight:.2f})."
        )
