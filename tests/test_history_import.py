"""`collusion history import`: a center's archive of past tenders, on both backends.

Real CSV files, real SQLite files and PostgreSQL databases, the real command.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from pgtest import history_dump

from collusion import store
from collusion.cli import main
from collusion.errors import ArchiveError
from collusion.store.archive import MAX_LISTED_PROBLEMS, STAGE_CHUNK, import_archive
from tools import tenders

HEADER = "project_id,date,company_id,company_name,price,winner"


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_text(text, encoding=encoding)
    return path


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, [str(a) for a in args])
    return result.exit_code, result.output


def bids(target) -> list[tuple]:
    db = store.open_db(target)
    try:
        rows = db.execute(
            "SELECT tender_id, company_id, company_name, price, winner FROM tender_bids "
            "ORDER BY tender_id, company_id"
        ).fetchall()
        return [tuple(r) for r in rows]
    finally:
        db.close()


@pytest.fixture(scope="module")
def archive(tmp_path_factory) -> tuple[Path, list[dict]]:
    rows, _ = tenders.generate(tenders.Market(tenders=120, firms=40, rings=1), seed=7)
    path = tmp_path_factory.mktemp("archive") / "archive.csv"
    return tenders.write_csv(rows, path), rows


def test_import_then_reimport_changes_nothing(history_target, archive):
    path, rows = archive
    code, out = run("history", "import", path, "--db", history_target)
    assert code == 0, out
    projects = {r["project_id"] for r in rows}
    assert f"{len(projects):,} 个标段的 {len(rows):,} 条投标（新增 {len(projects):,}，" in out
    before = history_dump(history_target)
    assert len(before["tender_bids"]) == len(rows)
    assert len(before["tenders"]) == len(projects)
    code, out = run("history", "import", path, "--db", history_target)
    assert code == 0, out
    assert f"（新增 0，替换 0，未变 {len(projects):,}）" in out
    assert history_dump(history_target) == before


def test_rows_are_stored_as_written(history_target, archive):
    path, rows = archive
    run("history", "import", path, "--db", history_target)
    first = rows[0]
    stored = [b for b in bids(history_target) if b[0] == first["project_id"]]
    written = sorted(
        (r["project_id"], r["company_id"], r["company_name"], float(r["price"]), int(r["winner"]))
        for r in rows
        if r["project_id"] == first["project_id"]
    )
    assert stored == written
    db = store.open_db(history_target)
    try:
        tender = db.execute(
            "SELECT date, region, control_price, source, bidder_count FROM tenders WHERE id = ?",
            (first["project_id"],),
        ).fetchone()
    finally:
        db.close()
    assert tuple(tender) == (
        first["date"],
        first["region"],
        float(first["control_price"]),
        "import",
        len(written),
    )


def test_a_changed_tender_is_replaced_and_the_others_kept(history_target, tmp_path, archive):
    path, rows = archive
    run("history", "import", path, "--db", history_target)
    target = rows[0]["project_id"]
    edited = [dict(r) for r in rows[1:]]  # the tender's first bid left out
    edited[0]["price"] = "123.45"  # and its second bid's price changed
    assert edited[0]["project_id"] == target
    code, out = run(
        "history", "import", tenders.write_csv(edited, tmp_path / "e.csv"), "--db", history_target
    )
    assert code == 0, out
    assert "新增 0，替换 1" in out
    stored = [b for b in bids(history_target) if b[0] == target]
    assert len(stored) == sum(1 for r in rows if r["project_id"] == target) - 1
    assert (target, edited[0]["company_id"], edited[0]["company_name"], 123.45) in [
        b[:4] for b in stored
    ]
    assert len(bids(history_target)) == len(rows) - 1


BAD = "\n".join(
    [
        "winner,price,company_name,company_id,date,project_id,note",
        "1,100.5,甲公司,C1,2024-03-01,P1,ignored",
        "0,abc,乙公司,C2,2024-03-01,P1,",
        "1,99,丙公司,C3,2024-03-01,P1,",
        "0,98,丁公司,C1,2024-03-01,P1,",
        "0,98,丁公司,C4,2024/03/02,P2,",
        "2,98,,C5,2024-02-30,P2,",
        "0,97,戊公司,,2024-03-02,P3",
        "0,97,戊,公司,C6,2024-03-02,P3,x",
        "0,95,己公司,C7,2024-03-02,P3,",
        "0,96,庚公司,C8,2024-03-03,P3,",
        "0,-5,辛公司,C9,2024-03-02,P4,",
        "",
    ]
)


def test_bad_rows_are_listed_by_line_and_nothing_is_imported(history_target, tmp_path, archive):
    path, _ = archive
    run("history", "import", path, "--db", history_target)
    before = history_dump(history_target)
    code, out = run("history", "import", write(tmp_path / "bad.csv", BAD), "--db", history_target)
    assert code == 1
    expected = [
        "第 3 行：price 应为正数（元），实际为“abc”",
        "第 4 行：项目 P1 有 2 个中标人（winner=1，另见第 2 行），最多一个",
        "第 5 行：与第 2 行重复：项目 P1 的投标人 C1 出现不止一次",
        "第 6 行：date 应为 YYYY-MM-DD 格式的日期，实际为“2024/03/02”",
        "第 7 行：date 应为 YYYY-MM-DD 格式的日期，实际为“2024-02-30”；winner 应为 1 或 0，实际为“2”",
        "第 8 行：company_id 为空",
        "第 9 行：有 8 列，表头有 7 列（含逗号的值需加引号）",
        "第 11 行：项目 P3 的 date 为“2024-03-03”，与第 10 行的“2024-03-02”不一致",
        "第 12 行：price 应为正数（元），实际为“-5”",
    ]
    lines = [line.strip() for line in out.splitlines()]
    assert lines[0] == "错误：bad.csv: 未导入任何行，请改正后重新导入："
    assert lines[1:] == expected
    assert history_dump(history_target) == before


def test_bad_rows_after_many_staged_chunks_leave_the_history_as_it_was(
    history_target, tmp_path, archive
):
    """Rows are sent to the database in chunks: problems far down a large file
    still leave nothing of it, and past MAX_LISTED_PROBLEMS they are counted."""
    path, _ = archive
    run("history", "import", path, "--db", history_target)
    before = history_dump(history_target)
    good = [
        f"N{n // 4:05d},2024-01-02,C{n % 4},甲{n % 4},{100 + n},{int(n % 4 == 0)}"
        for n in range(3 * STAGE_CHUNK)
    ]
    bad = [f"X{n:04d},2024-01-02,C1,乙,{n + 1},maybe" for n in range(MAX_LISTED_PROBLEMS + 7)]
    code, out = run(
        "history",
        "import",
        write(tmp_path / "big.csv", "\n".join([HEADER, *good, *bad, ""])),
        "--db",
        history_target,
    )
    assert code == 1
    lines = [line.strip() for line in out.splitlines()]
    first_bad = 3 * STAGE_CHUNK + 2  # the header is line 1
    assert lines[1] == f"第 {first_bad} 行：winner 应为 1 或 0，实际为“maybe”"
    assert len(lines) == 1 + MAX_LISTED_PROBLEMS + 1
    assert lines[-1] == "另有 7 处问题未逐条列出"
    assert history_dump(history_target) == before


def test_a_short_row_missing_only_ignored_columns_is_read(tmp_path):
    text = "project_id,date,company_id,company_name,price,winner,note\nP1,2024-01-02,C1,甲,10,1\n"
    db = store.open_db(tmp_path / "h.db")
    try:
        counts = import_archive(db, write(tmp_path / "a.csv", text))
    finally:
        db.close()
    assert (counts.rows, counts.tenders, counts.new) == (1, 1, 1)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "文件为空，没有表头"),
        (
            "project_id,date,company_id\nP1,2024-01-01,C1\n",
            "第 1 行：表头缺少列 company_name, price, winner",
        ),
        (HEADER + "\n\n", "没有数据行"),
        (HEADER + '\nP1,2024-01-01,C1,"甲\0",1,1\n', "第 2 行：含 NUL 字节"),
        (HEADER + '\nP1,2024-01-01,C1,"甲,1,1\n', "第 2 行：有 4 列，表头有 6 列"),
    ],
)
def test_whole_file_problems(tmp_path, text, message):
    db = store.open_db(tmp_path / "h.db")
    try:
        with pytest.raises(ArchiveError) as caught:
            import_archive(db, write(tmp_path / "a.csv", text))
        assert db["tenders"].count == 0
    finally:
        db.close()
    assert message in str(caught.value)


def test_gb18030_file_needs_its_encoding(tmp_path):
    path = write(
        tmp_path / "gbk.csv", HEADER + "\nP1,2024-01-01,C1,中山市甲建设有限公司,1,1\n", "gb18030"
    )
    db = tmp_path / "h.db"
    code, out = run("history", "import", path, "--db", db)
    assert code == 1
    assert "第 2 行：不是所选编码（不是 UTF-8 时请用 --encoding gb18030）" in out
    code, out = run("history", "import", path, "--db", db, "--encoding", "gb18030")
    assert code == 0, out
    assert bids(db) == [("P1", "C1", "中山市甲建设有限公司", 1.0, 1)]


def test_bom_any_column_order_and_extra_columns(tmp_path):
    text = "\ufeffregion,winner,price,company_name,company_id,date,project_id,备注\n"
    text += '北区,1,1000.00,甲,C1,2024-05-06,P9,x\n北区,0,"1,100.50",乙,C2,2024-05-06,P9,y\n'
    db = tmp_path / "h.db"
    code, out = run("history", "import", write(tmp_path / "b.csv", text), "--db", db)
    assert code == 0, out
    assert bids(db) == [("P9", "C1", "甲", 1000.0, 1), ("P9", "C2", "乙", 1100.5, 0)]


def test_import_creates_the_history_and_reports_a_missing_file(tmp_path):
    code, out = run("history", "import", tmp_path / "none.csv", "--db", tmp_path / "h.db")
    assert code == 1
    assert "无法读取" in out


# --- scanned projects add their tenders -------------------------------------------------------


def scanned_project(project, winner: str | None = "b02", date: str | None = "2025-06-30"):
    for n, (bidder, name, price) in enumerate(
        [("b01", "中山市甲建设有限公司", 1_000_000.0), ("b02", "乙 建设有限公司", 990_000.0)]
        + [("b03", None, 1_010_000.0)]
    ):
        project.bidder(bidder, name, price)
        project.docx(bidder, "技术标.docx", [f"第{n}家投标人的施工组织设计，共{n + 3}章。"])
    if winner is not None:
        project.meta["winner"] = winner
    if date is not None:
        project.meta["date"] = date
    return project.write()


def tender_rows(target, tender_id: str) -> tuple[tuple, list[tuple]]:
    db = store.open_db(target)
    try:
        tender = db.execute(
            "SELECT date, source, bidder_count FROM tenders WHERE id = ?", (tender_id,)
        ).fetchone()
        rows = db.execute(
            "SELECT company_id, company_name, price, winner FROM tender_bids WHERE tender_id = ? "
            "ORDER BY company_id",
            (tender_id,),
        ).fetchall()
        return (tuple(tender) if tender else None), [tuple(r) for r in rows]
    finally:
        db.close()


def test_a_scanned_project_adds_its_bidders_prices_and_winner(history_target, project, tmp_path):
    root = scanned_project(project)
    code, out = run("scan", root, "--output", tmp_path / "r.json", "--db", history_target)
    assert code == 0, out
    tender, rows = tender_rows(history_target, "T-0001")
    assert tender == ("2025-06-30", "scan", 3)
    assert rows == [
        ("T-0001/b03", None, 1_010_000.0, 0),
        ("中山市甲建设有限公司", "中山市甲建设有限公司", 1_000_000.0, 0),
        ("乙建设有限公司", "乙 建设有限公司", 990_000.0, 1),
    ]
    # An archive naming a scanned company gives that bidder the archive's id.
    archive = write(
        tmp_path / "a.csv",
        HEADER + "\nP7,2024-01-05,91440101MA59XXXX1X,中山市甲建设有限公司,10,1\n",
    )
    code, out = run("history", "import", archive, "--db", history_target)
    assert code == 0, out
    assert "1 条已扫描的投标改用档案中的公司编号" in out
    _, rows = tender_rows(history_target, "T-0001")
    assert ("91440101MA59XXXX1X", "中山市甲建设有限公司", 1_000_000.0, 0) in rows
    # Scanned again: the archive's id at once.
    code, out = run("scan", root, "--output", tmp_path / "r.json", "--db", history_target)
    assert code == 0, out
    assert tender_rows(history_target, "T-0001")[1] == rows


def test_the_archive_owns_the_tenders_it_holds(history_target, project, tmp_path):
    root = scanned_project(project)
    archive = write(
        tmp_path / "a.csv",
        HEADER + "\nT-0001,2025-06-29,C1,中山市甲建设有限公司,999,0\n"
        "T-0001,2025-06-29,C2,乙建设有限公司,998,1\n",
    )
    run("scan", root, "--output", tmp_path / "r.json", "--db", history_target)
    code, out = run("history", "import", archive, "--db", history_target)
    assert code == 0, out
    assert "新增 0，替换 1" in out
    expected = (
        ("2025-06-29", "import", 2),
        [("C1", "中山市甲建设有限公司", 999.0, 0), ("C2", "乙建设有限公司", 998.0, 1)],
    )
    assert tender_rows(history_target, "T-0001") == expected
    run("scan", root, "--output", tmp_path / "r.json", "--db", history_target)
    assert tender_rows(history_target, "T-0001") == expected


def test_a_winner_that_is_no_bidder_and_a_bad_date_are_errors(project, tmp_path, scan):
    root = scanned_project(project, winner="b09", date="30/06/2025")
    errors = [e["error"] for e in scan(root)["errors"]]
    assert any("winner 应为某个投标人的文件夹名" in e and '"b09"' in e for e in errors)
    assert any("date 应为 YYYY-MM-DD" in e and "30/06/2025" in e for e in errors)
