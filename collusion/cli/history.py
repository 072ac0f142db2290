"""`collusion history`: query the history database."""

from __future__ import annotations

import json
from pathlib import Path

import click

from collusion.cli.common import db_option
from collusion.errors import CollusionError
from collusion.runtime.console import printable
from collusion.runtime.lang import tr


@click.group()
def history() -> None:
    """Query the history database: a project's alerts, where a value was seen.

    Queries never write: a read-only SQLite file or a PostgreSQL role with
    only SELECT serves them. After an upgrade of collusion, run `collusion
    history migrate` once with write access (a scan or nightly run with --db
    migrates too).
    """


def _open_for_reading(db_path: Path | str | None):  # noqa: ANN202
    """Open the history read-only; never create, migrate or change it."""
    from collusion import store

    try:
        return store.open_db(db_path, read_only=True)
    except CollusionError as exc:
        raise click.ClickException(printable(str(exc))) from exc


def _emit(rows: list[dict], as_json: bool, empty: str, line) -> None:  # noqa: ANN001
    """Rows as JSON, or one line each (``line(row)``), or ``empty`` when none."""
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    if not rows:
        click.echo(printable(empty))
    for row in rows:
        click.echo(printable(line(row)))


def _alert_line(alert: dict) -> str:
    from collusion.labels import KIND_LABELS, SEVERITY_LABELS

    severity, kind, bidders = alert["severity"], alert["kind"], ",".join(alert["bidders"])
    return tr(
        f"{alert['id']}  {SEVERITY_LABELS.get(severity, severity)}  "
        f"{KIND_LABELS.get(kind, kind)}（{kind}）  {bidders}  {alert['summary']}",
        f"{alert['id']}  {severity:<6} {kind:<20} {bidders}  {alert['summary']}",
    )


def _sighting_line(row: dict) -> str:
    if "role" in row:  # a company fact (collusion.store.company_sightings)
        return _company_line(row)
    company = row["company"] or "?"
    who = (
        tr(f"{row['bidder']}（{company}）", f"{row['bidder']} ({company})")
        if row["bidder"]
        else tr("招标文件", "tender")
    )
    return (
        f"{row['project_id']}  {who}  {row['file'] or 'signatures.csv'}  "
        f"{row['field']}={row['value']}"
    )


def _company_line(row: dict) -> str:
    company = row["company"] or "?"
    who = tr(f"{row['bidder'] or '-'}（{company}）", f"{row['bidder'] or '-'} ({company})")
    where = row["file"] or "?"
    if row["line"]:
        where += tr(f" 第 {row['line']} 行", f" line {row['line']}")
    if row["page"]:
        where += tr(f" 第 {row['page']} 页", f" page {row['page']}")
    if row["paragraph"] is not None:
        # The store keeps the block's 0-based index; people count from 1, as
        # the report's paragraph_number does.
        number = row["paragraph"] + 1
        where += tr(f" 第 {number} 段", f" paragraph {number}")
    if row["section"]:
        where += tr(f"（{row['section']}）", f" ({row['section']})")
    share = f" {row['share']:g}%" if row["share"] is not None else ""
    return f"{row['project_id']}  {who}  {where}  {row['field']}={row['value']}{share}"


@history.command("alerts")
@click.argument("project_id")
@db_option
@click.option("--json", "as_json", is_flag=True, help="Print the alerts as JSON.")
def history_alerts(project_id: str, db_path: Path | str | None, as_json: bool) -> None:
    """List the stored alerts of PROJECT_ID (exits 1 when the history does not know it)."""
    from collusion.store import has_project, project_alerts

    db = _open_for_reading(db_path)
    try:
        known = has_project(db, project_id)
        alerts = project_alerts(db, project_id) if known else []
    except CollusionError as exc:
        raise click.ClickException(printable(str(exc))) from exc
    finally:
        db.close()
    if not known:
        raise click.ClickException(
            printable(
                tr(
                    f"历史库中没有项目 {project_id} 的扫描记录",
                    f"unknown project {project_id}: the history has no scan of it",
                )
            )
        )
    empty = tr(f"历史库中没有项目 {project_id} 的预警", f"no alerts stored for {project_id}")
    _emit(alerts, as_json, empty, _alert_line)


@history.command("seen")
@click.argument("value")
@click.option("--field", help="Only this field (e.g. rsid_root, machine_code).")
@db_option
@click.option("--json", "as_json", is_flag=True, help="Print the sightings as JSON.")
def history_seen(value: str, field: str | None, db_path: Path | str | None, as_json: bool) -> None:
    """Where a VALUE has been seen: a signature value, or a person (身份证号 or name)
    or a company (统一社会信用代码 or name) in the bidders' company facts.

    Each line: project, bidder (company), where it was read (file and page, or
    registry file and line), and the field or role with its value.
    """
    from collusion.store import company_sightings, signature_sightings

    db = _open_for_reading(db_path)
    try:
        rows = signature_sightings(db, value, field)
        rows += [r for r in company_sightings(db, value) if field in (None, r["field"])]
    except CollusionError as exc:
        raise click.ClickException(printable(str(exc))) from exc
    finally:
        db.close()
    _emit(
        rows, as_json, tr(f"历史库中没有见过 {value}", f"{value} has not been seen"), _sighting_line
    )


@history.command("migrate")
@db_option
def history_migrate(db_path: Path | str | None) -> None:
    """Bring the history database to this version's schema (needs write access).

    The queries never migrate: after an upgrade of collusion they ask for
    this once. Prints the migrations applied; a database already current is
    left as it is.
    """
    from collusion import store

    where = store.describe(store.resolve_db(db_path))
    try:
        applied = store.upgrade_db(db_path)
    except CollusionError as exc:
        raise click.ClickException(printable(str(exc))) from exc
    if applied:
        names = ", ".join(applied)
        click.echo(
            tr(
                f"历史库 {where}：已应用 {len(applied)} 项迁移：{names}",
                f"the history database {where}: applied {len(applied)} migration(s): {names}",
            )
        )
    else:
        click.echo(
            tr(
                f"历史库 {where} 已是本版的结构，无需迁移",
                f"the history database {where} is up to date; nothing to migrate",
            )
        )


@history.command("import")
@click.argument("csv_path", metavar="FILE.csv", type=click.Path(dir_okay=False, path_type=Path))
@db_option
@click.option(
    "--encoding",
    default="utf-8",
    show_default=True,
    help="The file's text encoding (gb18030 for a GBK export).",
)
def history_import(csv_path: Path, db_path: Path | str | None, encoding: str) -> None:
    """Import a center's archive of past tenders, one row per bid, into the history.

    The header names at least project_id,date,company_id,company_name,price,winner
    (any order; date as YYYY-MM-DD, winner 1 or 0), optionally control_price and
    region; other columns are ignored. When any row is wrong nothing is
    imported and every problem is listed with its line. A tender in the file
    replaces that tender's earlier rows: re-importing the same rows changes nothing.
    """
    from collusion import store
    from collusion.store.archive import import_archive

    try:
        db = store.open_db(db_path)
    except CollusionError as exc:
        raise click.ClickException(str(exc)) from exc
    try:
        counts = import_archive(db, csv_path, encoding=encoding)
    except CollusionError as exc:
        raise click.ClickException(str(exc)) from exc
    finally:
        db.close()
    renamed_zh = (
        f"；{counts.renamed:,} 条已扫描的投标改用档案中的公司编号" if counts.renamed else ""
    )
    renamed_en = (
        f"; {counts.renamed:,} scanned bids now under the archive's company id"
        if counts.renamed
        else ""
    )
    click.echo(
        tr(
            f"{csv_path.name}：{counts.tenders:,} 个标段的 {counts.rows:,} 条投标（新增 {counts.new:,}，"
            f"替换 {counts.changed:,}，未变 {counts.unchanged:,}），{counts.companies:,} 家公司"
            + renamed_zh,
            f"{csv_path.name}: {counts.rows:,} bids in {counts.tenders:,} tenders "
            f"({counts.new:,} new, {counts.changed:,} replaced, {counts.unchanged:,} unchanged), "
            f"{counts.companies:,} companies" + renamed_en,
        )
    )


@history.command("rings")
@db_option
@click.option(
    "--output",
    default="-",
    show_default=True,
    help="Where to write the JSON (groups and companies); '-' for standard output.",
)
@click.option(
    "--html", "html_path", type=click.Path(path_type=Path), help="Also write the HTML page."
)
def history_rings(db_path: Path | str | None, output: str, html_path: Path | None) -> None:
    """Find groups of companies that bid together more often than chance across the tenders.

    Reads every tender of the history (imported archives and scanned projects),
    compares how often companies bid together with a null model that draws
    each tender's bidders by their participation rates (per region and year),
    and lists the groups from most to least suspicious, with their tenders,
    rotation of winners and price screens; --html adds a page with the
    network of the groups and a timeline of their tenders. The groups are
    stored in the history: a later scan cites two of its bidders in one group
    as a lead.
    """
    from collusion.report.build import check_output_paths, dumps, write_private
    from collusion.store.rings import search_rings

    try:
        check_output_paths(output, html_path)
    except CollusionError as exc:
        raise click.ClickException(str(exc)) from exc
    from collusion import store

    try:
        db = store.open_db(db_path, create=False)  # it stores the groups it finds
    except CollusionError as exc:
        raise click.ClickException(printable(str(exc))) from exc
    try:
        report = search_rings(db)
    except CollusionError as exc:
        raise click.ClickException(str(exc)) from exc
    finally:
        db.close()
    if output == "-":
        click.echo(dumps(report), nl=False)
    else:
        write_private(output, dumps(report))
    if html_path is not None:
        from collusion.report.html.rings import write_rings_html

        write_rings_html(report, html_path)
    click.echo(report["summary"], err=True)
