"""Importing a center's archive of past tenders into the history (``collusion history import``).

The archive is a CSV file with a header holding at least ``REQUIRED_COLUMNS`` in
any order, optionally ``OPTIONAL_COLUMNS``; other columns are ignored. One row
per bid: ``project_id`` (the tender), ``date`` (``YYYY-MM-DD``, the day the bids
were opened), ``company_id`` (a credit code or any stable id), ``company_name``,
``price`` (yuan; empty when unknown), ``winner`` (1 or 0).

Nothing is half-imported: the rows are read into a temporary table inside one
transaction, checked row by row (each problem names its line) and across rows
(the same bidder twice in a tender, two winners, a tender whose date, control
price or region differs between its rows), and only a file without a problem
is written. An imported tender replaces that tender's earlier rows, so
re-importing the same rows changes nothing.
"""

from __future__ import annotations

import csv
import datetime as dt
import math
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from collusion.errors import ArchiveError
from collusion.store.connection import dialect, transaction
from collusion.store.migrations import pg_sql
from collusion.store.tenders import remap_scanned_companies

REQUIRED_COLUMNS = ("project_id", "date", "company_id", "company_name", "price", "winner")
OPTIONAL_COLUMNS = ("control_price", "region")
MAX_LISTED_PROBLEMS = 100  # problems listed one by one; the rest are counted
STAGE_CHUNK = 5_000  # rows sent to the temporary table per executemany
MAX_TEXT_CHARS = 200  # an id, a name or a region longer than this is a broken row
_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
_UNDECODED = re.compile("[\udc80-\udcff]")

_STAGE_SQL = """
CREATE TEMP TABLE archive_rows (
    line INTEGER PRIMARY KEY,
    project_id TEXT NOT NULL,
    date TEXT NOT NULL,
    company_id TEXT NOT NULL,
    company_name TEXT,
    price REAL,
    winner INTEGER NOT NULL,
    control_price REAL,
    region TEXT
)"""
_STAGE_COLUMNS = (
    "line",
    "project_id",
    "date",
    "company_id",
    "company_name",
    "price",
    "winner",
    "control_price",
    "region",
)
_TENDERS_SQL = """
CREATE TEMP TABLE archive_tenders (
    id TEXT PRIMARY KEY,
    date TEXT,
    region TEXT,
    control_price REAL,
    bidder_count INTEGER
)"""


@dataclass(frozen=True)
class ImportCounts:
    """What one import found and did."""

    rows: int  # bids read
    tenders: int  # tenders in the file
    new: int  # tenders the history did not hold
    changed: int  # tenders whose rows differ from those held (replaced)
    unchanged: int  # tenders held exactly as in the file (left as they were)
    companies: int  # distinct company ids in the file
    renamed: int = 0  # scanned bidders now known by the archive's id for their name


class _Problems:
    """Problems of one import: the first MAX_LISTED_PROBLEMS listed, the rest counted."""

    def __init__(self) -> None:
        self.listed: list[tuple[int | None, str]] = []
        self.more = 0

    def add(self, line: int | None, text: str) -> None:
        if len(self.listed) < MAX_LISTED_PROBLEMS:
            self.listed.append((line, text))
        else:
            self.more += 1

    def __bool__(self) -> bool:
        return bool(self.listed)


def import_archive(
    db: Any, path: str | os.PathLike[str], *, encoding: str = "utf-8"
) -> ImportCounts:
    """Import the archive CSV at ``path`` in one transaction; see the module docstring.

    Raises ArchiveError, listing the problems by line, when any row or the
    file as a whole is wrong: then nothing of the file is written.
    """
    name = Path(path).name
    problems = _Problems()
    try:
        handle = open(
            path, encoding=_python_encoding(encoding), errors="surrogateescape", newline=""
        )
    except (OSError, LookupError) as exc:
        raise ArchiveError(name, [(None, f"无法读取：{exc}")]) from exc
    with handle, transaction(db):
        _create_stage(db)
        try:
            rows = _stage(db, _read_rows(handle, name, problems), problems)
            _check_across_rows(db, problems)
            if problems:
                listed = sorted(problems.listed, key=lambda p: (p[0] or 0, p[1]))
                raise ArchiveError(name, listed, problems.more)
            counts = _write(db, rows)
        finally:
            _drop_stage(db)
    return counts


def _python_encoding(encoding: str) -> str:
    """UTF-8 reads a byte-order mark too (Excel writes one)."""
    return "utf-8-sig" if encoding.replace("_", "-").lower() in ("utf-8", "utf8") else encoding


# --- reading and checking rows -------------------------------------------------------------


def _read_rows(handle: Any, name: str, problems: _Problems) -> Iterator[tuple]:
    """The rows of the file as staged tuples, each checked on its own; problems go to
    ``problems``."""
    reader = csv.reader(handle)
    try:
        header = next(reader, None)
    except csv.Error as exc:
        problems.add(1, f"表头无法读取：{exc}")
        return
    if header is None:
        problems.add(None, "文件为空，没有表头")
        return
    columns = [h.strip().lower().lstrip("\ufeff") for h in header]
    missing = [c for c in REQUIRED_COLUMNS if c not in columns]
    if missing or _UNDECODED.search("".join(header)):
        problems.add(
            1,
            f"表头缺少列 {', '.join(missing)}（应包含 {','.join(REQUIRED_COLUMNS)}）"
            if missing
            else "表头不是所选编码（不是 UTF-8 时请用 --encoding gb18030）",
        )
        return
    parser = _RowParser(columns, problems)
    line = reader.line_num
    while True:
        start = line + 1
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            problems.add(start, f"CSV 格式错误：{exc}")
            return
        line = reader.line_num
        if not any(cell.strip() for cell in cells):
            continue
        row = parser.parse(start, cells)
        if row is not None:
            yield row


class _RowParser:
    """One row's cells as the staged tuple (``_STAGE_COLUMNS``), or None after
    recording why the row cannot be read. A province's archive has a million
    rows: the columns are looked up once, and each date is checked once."""

    def __init__(self, columns: list[str], problems: _Problems) -> None:
        wanted = ("project_id", "date", "company_id", "company_name", "price", "winner")
        self.at = tuple(columns.index(c) if c in columns else -1 for c in wanted + OPTIONAL_COLUMNS)
        self.width = len(columns)
        self.needed = max(self.at)
        self.problems = problems
        self.days: dict[str, str | None] = {}

    def parse(self, line: int, cells: list[str]) -> tuple | None:
        joined = "".join(cells)
        if _UNDECODED.search(joined):
            self.problems.add(line, "不是所选编码（不是 UTF-8 时请用 --encoding gb18030）")
            return None
        if "\0" in joined:
            self.problems.add(line, "含 NUL 字节（文件可能已损坏）")
            return None
        if len(cells) <= self.needed or any(c.strip() for c in cells[self.width :]):
            # Short rows are read when every column used is there (a spreadsheet
            # drops empty cells at the end); extra cells mean an unquoted comma.
            self.problems.add(
                line, f"有 {len(cells)} 列，表头有 {self.width} 列（含逗号的值需加引号）"
            )
            return None
        project_id, date, company_id, name, price, winner, control, region = (
            cells[i].strip() if i >= 0 else "" for i in self.at
        )
        found: list[str] = []
        for column, value, required in (
            ("project_id", project_id, True),
            ("company_id", company_id, True),
            ("company_name", name, False),
            ("region", region, False),
        ):
            if not value and required:
                found.append(f"{column} 为空")
            elif len(value) > MAX_TEXT_CHARS:
                found.append(f"{column} 超过 {MAX_TEXT_CHARS} 个字符")
        day = self.days[date] if date in self.days else self.days.setdefault(date, _day(date))
        if day is None:
            found.append(f"date 应为 YYYY-MM-DD 格式的日期，实际为“{date}”")
        amounts = []
        for column, value in (("price", price), ("control_price", control)):
            amount = _amount(value)
            if amount is False:
                found.append(f"{column} 应为正数（元），实际为“{value}”")
            amounts.append(amount)
        if winner not in ("0", "1"):
            found.append(f"winner 应为 1 或 0，实际为“{winner}”")
        if found:
            self.problems.add(line, "；".join(found))
            return None
        return (
            line,
            project_id,
            day,
            company_id,
            name or None,
            amounts[0],
            int(winner),
            amounts[1],
            region or None,
        )


def _day(value: str) -> str | None:
    """An ISO 8601 calendar day, YYYY-MM-DD, that exists; None when not."""
    if _ISO_DAY.fullmatch(value):
        try:
            return dt.date.fromisoformat(value).isoformat()
        except ValueError:
            return None
    return None


def _amount(value: str) -> float | None | bool:
    """A positive amount in yuan (thousands separators allowed); None when empty,
    False when not a positive number."""
    if not value:
        return None
    try:
        number = float(value)
    except ValueError:
        try:
            number = float(Decimal(value.replace(",", "").replace("，", "")))
        except (InvalidOperation, ValueError):
            return False
    if "_" in value or not math.isfinite(number) or number <= 0:
        return False
    return number


# --- the temporary table --------------------------------------------------------------------


def _ddl(db: Any, sql: str) -> str:
    return pg_sql(sql) if dialect(db) == "postgresql" else sql


def _create_stage(db: Any) -> None:
    for sql in (_STAGE_SQL, _TENDERS_SQL):
        db.conn.execute(_ddl(db, sql))


def _drop_stage(db: Any) -> None:
    for table in ("archive_rows", "archive_tenders"):
        db.conn.execute(f"DROP TABLE IF EXISTS {table}")


def _stage(db: Any, rows: Iterator[tuple], problems: _Problems) -> int:
    """Send the readable rows to the temporary table; return how many rows were read."""
    sql = (
        f"INSERT INTO archive_rows ({', '.join(_STAGE_COLUMNS)}) "
        f"VALUES ({', '.join('?' for _ in _STAGE_COLUMNS)})"
    )
    count = 0
    batch: list[tuple] = []
    for row in rows:
        count += 1
        # Rows are staged even after a problem, so that the checks across rows
        # list their problems too; the transaction is rolled back then.
        batch.append(row)
        if len(batch) >= STAGE_CHUNK:
            db.conn.executemany(sql, batch)
            batch = []
    if batch:
        db.conn.executemany(sql, batch)
    if count == 0 and not problems:
        problems.add(None, "没有数据行")
    return count


def _check_across_rows(db: Any, problems: _Problems) -> None:
    """Problems no single row shows: duplicates, two winners, tenders that disagree."""
    conn = db.conn
    conn.execute("CREATE INDEX archive_rows_bid ON archive_rows(project_id, company_id)")
    found: list[tuple[int, str]] = []
    duplicates = conn.execute(
        "SELECT MAX(line), MIN(line), project_id, company_id FROM archive_rows "
        "GROUP BY project_id, company_id HAVING COUNT(*) > 1 ORDER BY MIN(line) LIMIT ?",
        (MAX_LISTED_PROBLEMS + 1,),
    ).fetchall()
    for line, first, project_id, company_id in duplicates:
        found.append(
            (line, f"与第 {first} 行重复：项目 {project_id} 的投标人 {company_id} 出现不止一次")
        )
    winners = conn.execute(
        "SELECT MAX(line), MIN(line), project_id, COUNT(*) FROM archive_rows WHERE winner = 1 "
        "GROUP BY project_id HAVING COUNT(*) > 1 ORDER BY MIN(line) LIMIT ?",
        (MAX_LISTED_PROBLEMS + 1,),
    ).fetchall()
    for line, first, project_id, count in winners:
        found.append(
            (
                line,
                f"项目 {project_id} 有 {count} 个中标人（winner=1，另见第 {first} 行），最多一个",
            )
        )
    for column in ("date", "control_price", "region"):
        found += _disagreements(conn, column)
    for line, text in sorted(found):
        problems.add(line, text)


def _disagreements(conn: Any, column: str) -> list[tuple[int, str]]:
    """Rows whose ``column`` differs from the first row of their tender."""
    projects = [
        r[0]
        for r in conn.execute(
            f"SELECT project_id FROM archive_rows GROUP BY project_id "
            f"HAVING COUNT(DISTINCT {column}) > 1 "
            f"OR (COUNT({column}) > 0 AND COUNT({column}) < COUNT(*)) "
            "ORDER BY MIN(line) LIMIT ?",
            (MAX_LISTED_PROBLEMS + 1,),
        ).fetchall()
    ]
    found = []
    for project_id in projects:
        rows = conn.execute(
            f"SELECT line, {column} FROM archive_rows WHERE project_id = ? ORDER BY line",
            (project_id,),
        ).fetchall()
        first, was = rows[0]
        for line, now in rows[1:]:
            if now != was:
                found.append(
                    (
                        line,
                        f"项目 {project_id} 的 {column} 为“{_shown(now)}”，"
                        f"与第 {first} 行的“{_shown(was)}”不一致",
                    )
                )
    return found


def _shown(value: Any) -> str:
    if value is None:
        return "空"
    if isinstance(value, float):
        return f"{value:.2f}"
    return str(value)


# --- writing --------------------------------------------------------------------------------

_BID_COLUMNS = "company_id, company_name, price, winner"
_CHANGED_SQL = f"""
SELECT COUNT(*) FROM (
    SELECT tender_id AS id FROM (
        SELECT tender_id, {_BID_COLUMNS} FROM tender_bids
        WHERE tender_id IN (SELECT id FROM archive_tenders)
        EXCEPT SELECT project_id, {_BID_COLUMNS} FROM archive_rows
    ) AS held_only
    UNION
    SELECT project_id AS id FROM (
        SELECT project_id, {_BID_COLUMNS} FROM archive_rows
        WHERE project_id IN (SELECT id FROM tenders)
        EXCEPT SELECT tender_id, {_BID_COLUMNS} FROM tender_bids
    ) AS file_only
    UNION
    SELECT t.id FROM tenders t JOIN archive_tenders a ON a.id = t.id
    WHERE t.source <> 'import'
        OR t.date <> a.date OR (t.date IS NULL) <> (a.date IS NULL)
        OR t.region <> a.region OR (t.region IS NULL) <> (a.region IS NULL)
        OR t.control_price <> a.control_price
        OR (t.control_price IS NULL) <> (a.control_price IS NULL)
) AS changed
"""


def _write(db: Any, rows: int) -> ImportCounts:
    """Replace the tenders of the file that are new or changed; leave the rest."""
    conn = db.conn
    conn.execute(
        "INSERT INTO archive_tenders (id, date, region, control_price, bidder_count) "
        "SELECT project_id, MIN(date), MIN(region), MIN(control_price), COUNT(*) "
        "FROM archive_rows GROUP BY project_id"
    )
    (tenders,) = conn.execute("SELECT COUNT(*) FROM archive_tenders").fetchone()
    (new,) = conn.execute(
        "SELECT COUNT(*) FROM archive_tenders WHERE id NOT IN (SELECT id FROM tenders)"
    ).fetchone()
    (changed,) = conn.execute(_CHANGED_SQL).fetchone()
    (companies,) = conn.execute("SELECT COUNT(DISTINCT company_id) FROM archive_rows").fetchone()
    renamed = 0
    if new or changed:
        conn.execute("DELETE FROM tender_bids WHERE tender_id IN (SELECT id FROM archive_tenders)")
        conn.execute(
            "INSERT INTO tenders (id, date, region, control_price, source, bidder_count) "
            "SELECT id, date, region, control_price, 'import', bidder_count FROM archive_tenders "
            "WHERE true ON CONFLICT (id) DO UPDATE SET date = excluded.date, "
            "region = excluded.region, control_price = excluded.control_price, "
            "source = excluded.source, bidder_count = excluded.bidder_count"
        )
        conn.execute(
            f"INSERT INTO tender_bids (tender_id, {_BID_COLUMNS}) "
            f"SELECT project_id, {_BID_COLUMNS} FROM archive_rows ORDER BY project_id, company_id"
        )
        renamed = remap_scanned_companies(conn)
    return ImportCounts(
        rows=rows,
        tenders=int(tenders),
        new=int(new),
        changed=int(changed),
        unchanged=int(tenders) - int(new) - int(changed),
        companies=int(companies),
        renamed=renamed,
    )
