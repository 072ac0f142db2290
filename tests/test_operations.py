"""Operations as docs/operations.md describes them, on real files and servers.

History queries that never write (a read-only SQLite file; a PostgreSQL role
with only SELECT, set up by the documented SQL), a schema older or newer than
the code (one line saying what to run), ``history migrate``, the documented
cron line with the regulators' TOML file, and the language and time of what
the commands say.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from conftest import ProjectBuilder, plan_paragraphs

from collusion import store
from collusion.cli import main
from collusion.nightly import output as nightly_output
from collusion.nightly.messages import TAGS
from collusion.store import migrations

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "docs" / "examples"
MACHINE_CODE = "7F3A-99C1-0B2E-5D10"
# A nightly log line: the reader's time with its offset, a [tag], a sentence.
LOG_LINE = re.compile(
    r"^(?P<time>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?P<offset>[+-]\d\d:\d\d)) \[(?P<tag>[a-z-]+)\] (?P<text>.+)$"
)


def make_project(parent: Path, project_id: str = "OPS-1") -> Path:
    """Two bidders, a real DOCX each, and one machine code in both (a flagged pair)."""
    builder = ProjectBuilder(parent / project_id)
    builder.meta["id"] = project_id
    for offset, bidder in enumerate(("b01", "b02")):
        company = f"中山市{bidder}建设有限公司"
        builder.bidder(bidder, name=company)
        builder.docx(bidder, "技术标.docx", plan_paragraphs(offset + 1, company))
        builder.signature(bidder, "machine_code", MACHINE_CODE)
    return builder.write()


def invoke(*args: str | Path, env: dict[str, str] | None = None) -> Result:
    result = CliRunner().invoke(main, [str(a) for a in args], env=env, prog_name="collusion")
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result


def one_error_line(result: Result) -> str:
    """The command failed with exit 1 and said why on one line."""
    assert result.exit_code == 1, result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and "Traceback" not in result.output, result.output
    return lines[0]


def scanned_history(tmp_path: Path, target: Path | str) -> Path:
    """A history holding one scanned project (as `collusion scan --db` records it)."""
    root = make_project(tmp_path / "projects")
    done = invoke("scan", root, "--db", target, "--output", tmp_path / "r.json", "-q")
    assert done.exit_code == 0, done.output
    report = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    assert any(p["flagged"] for p in report["pairs"])
    return root


def assert_queries_answer(target: Path | str) -> None:
    """`history alerts` and `history seen` answer, in Chinese, from ``target``."""
    alerts = invoke("history", "alerts", "OPS-1", "--db", target)
    assert alerts.exit_code == 0, alerts.output
    assert re.search(r"^A\d{4}  高  特征码相同（shared_signature）  b01,b02  ", alerts.output, re.M)
    seen = invoke(
        "history", "seen", MACHINE_CODE.lower(), "--field", "machine_code", "--db", target
    )
    assert seen.exit_code == 0, seen.output
    assert seen.output.splitlines() == [
        f"OPS-1  b01（中山市b01建设有限公司）  signatures.csv  machine_code={MACHINE_CODE}",
        f"OPS-1  b02（中山市b02建设有限公司）  signatures.csv  machine_code={MACHINE_CODE}",
    ]
    as_json = invoke("history", "alerts", "OPS-1", "--db", target, "--json")
    assert json.loads(as_json.output)[0]["bidders"] == ["b01", "b02"]


# --- read-only history ---------------------------------------------------------


@contextlib.contextmanager
def read_only(*paths: Path) -> Iterator[None]:
    """Make files and folders unwritable for this process, root included.

    Root ignores file modes, so as root the files get the immutable
    attribute (chattr +i), which binds root too.
    """
    if os.geteuid() == 0:
        done = subprocess.run(["chattr", "+i", *map(str, paths)], capture_output=True)
        if done.returncode != 0:
            subprocess.run(["chattr", "-i", *map(str, paths)], capture_output=True)
            pytest.skip(f"root ignores file modes and chattr +i failed: {done.stderr!r}")
        undo = ["chattr", "-i", *map(str, paths)]
    else:
        modes = {p: p.stat().st_mode for p in paths}
        for p in paths:
            p.chmod(0o555 if p.is_dir() else 0o444)
    try:
        yield
    finally:
        if os.geteuid() == 0:
            subprocess.run(undo, check=True)
        else:
            for p, mode in modes.items():
                p.chmod(mode)


def folder_state(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def test_history_queries_on_a_read_only_sqlite_file(tmp_path):
    """A read-only file in a read-only folder: the queries answer, nothing changes."""
    db = tmp_path / "history" / "history.db"
    scanned_history(tmp_path, db)
    before = folder_state(db.parent)
    with read_only(db, db.parent):
        # Really read-only: opening to write (what the queries did) fails.
        with pytest.raises(store.StoreError):
            store.open_db(db).close()
        assert_queries_answer(db)
    assert folder_state(db.parent) == before


# Root ignores file modes through these capabilities; without them (uid 0
# still, so the interpreter under /root stays readable) chmod binds it too.
DROP_DAC = ("setpriv", "--bounding-set=-dac_override,-dac_read_search,-fowner,-linux_immutable")


def bound_by_file_modes(argv: list[str]) -> list[str]:
    """``argv`` run so that file modes bind it, as they bind any user but root."""
    if os.geteuid() != 0:
        return argv
    if not shutil.which(DROP_DAC[0]):
        pytest.skip("running as root and setpriv is missing: chmod would not bind the commands")
    return [*DROP_DAC, *argv]


@pytest.mark.parametrize("folder_mode", [0o555, 0o755], ids=["folder 555", "folder 755"])
def test_history_queries_on_a_chmod_444_file(tmp_path, folder_mode):
    """`chmod 444` on the history, in a read-only folder or a writable one, as an
    administrator hands a copy to a regulator: the commands (a real process
    each) answer and leave every byte, mode and file of the folder as it was."""
    db = tmp_path / "history" / "history.db"
    scanned_history(tmp_path, db)
    db.chmod(0o444)
    db.parent.chmod(folder_mode)
    before = {p.name: (p.stat().st_mode, p.read_bytes()) for p in db.parent.iterdir()}
    collusion = str(Path(sys.executable).parent / "collusion")
    env = {k: v for k, v in os.environ.items() if k not in ("COLLUSION_DB", "COLLUSION_LANG")}
    try:
        # The modes really bind these processes: appending to the file fails.
        append = [sys.executable, "-c", "import sys; open(sys.argv[1], 'ab')", str(db)]
        refused = subprocess.run(bound_by_file_modes(append), capture_output=True, text=True)
        assert refused.returncode != 0 and "PermissionError" in refused.stderr
        alerts = subprocess.run(
            bound_by_file_modes([collusion, "history", "alerts", "OPS-1", "--db", str(db)]),
            capture_output=True,
            text=True,
            env=env,
            timeout=120,
        )
        assert alerts.returncode == 0, alerts.stderr
        assert re.search(
            r"^A\d{4}  高  特征码相同（shared_signature）  b01,b02  ", alerts.stdout, re.M
        )
        seen = subprocess.run(
            bound_by_file_modes(
                [
                    collusion,
                    "history",
                    "seen",
                    MACHINE_CODE,
                    "--field",
                    "machine_code",
                    "--db",
                    str(db),
                ]
            ),
            capture_output=True,
            text=True,
            env=env,
            timeout=120,
        )
        assert seen.returncode == 0, seen.stderr
        assert [line.split("  ")[1] for line in seen.stdout.splitlines()] == [
            "b01（中山市b01建设有限公司）",
            "b02（中山市b02建设有限公司）",
        ]
        after = {p.name: (p.stat().st_mode, p.read_bytes()) for p in db.parent.iterdir()}
        assert after == before
    finally:
        db.parent.chmod(0o755)
        db.chmod(0o644)


def test_history_queries_leave_a_writable_sqlite_history_as_it_was(tmp_path):
    db = tmp_path / "history.db"
    scanned_history(tmp_path, db)
    content = hashlib.sha256(db.read_bytes()).hexdigest()
    mode = db.stat().st_mode
    assert_queries_answer(db)
    assert hashlib.sha256(db.read_bytes()).hexdigest() == content and db.stat().st_mode == mode


def with_user(dsn: str, user: str) -> str:
    import psycopg

    parts = psycopg.conninfo.conninfo_to_dict(dsn)
    parts["user"] = user
    return "postgresql://?" + "&".join(f"{k}={v}" for k, v in parts.items() if v is not None)


def statements(sql: str) -> list[str]:
    """The statements of a SQL file, comments left out."""
    kept = "\n".join(line.split("--", 1)[0] for line in sql.splitlines())
    return [s.strip() for s in kept.split(";") if s.strip()]


@pytest.fixture
def pg_roles(pg_dsn: str) -> Iterator[tuple[str, str]]:
    """(writer, reader) connection strings, the roles made by docs/examples/postgresql-roles.sql."""
    import psycopg

    suffix = uuid.uuid4().hex[:8]
    writer, reader = f"w_{suffix}", f"r_{suffix}"
    sql = (EXAMPLES / "postgresql-roles.sql").read_text(encoding="utf-8")
    sql = re.sub(r"\bcollusion\b", writer, re.sub(r"\bcollusion_read\b", reader, sql))
    with psycopg.connect(pg_dsn, autocommit=True) as admin:
        for statement in statements(sql):
            admin.execute(statement)
    try:
        yield with_user(pg_dsn, writer), with_user(pg_dsn, reader)
    finally:
        with psycopg.connect(pg_dsn, autocommit=True) as admin:
            for role in (writer, reader):  # one at a time: the default ACL names both
                admin.execute(f"DROP OWNED BY {role}")
            admin.execute(f"DROP ROLE {writer}, {reader}")


def test_history_queries_as_a_postgresql_role_with_only_select(tmp_path, pg_roles):
    """The documented roles: the writer scans, the SELECT-only reader queries."""
    import psycopg

    writer, reader = pg_roles
    scanned_history(tmp_path, writer)
    # The reader really may not write: opening to write (what the queries
    # did: CREATE TABLE _migrations) is refused by the server.
    with pytest.raises(store.StoreError, match="permission denied|InsufficientPrivilege"):
        store.open_db(reader).close()
    assert_queries_answer(reader)
    with psycopg.connect(reader) as conn:
        assert conn.execute("SELECT COUNT(*) FROM alerts").fetchone()[0] >= 1


# --- a schema older or newer than the code -----------------------------------------


def test_an_older_schema_says_to_run_history_migrate(history_target, monkeypatch):
    *older, (last, _) = migrations._MIGRATIONS
    monkeypatch.setattr(migrations, "_MIGRATIONS", older)
    store.open_db(history_target).close()
    monkeypatch.undo()
    where = store.describe(store.resolve_db(history_target))
    line = one_error_line(invoke("history", "seen", MACHINE_CODE, "--db", history_target))
    assert line == (
        f"错误：历史库 {where} 的结构比本版 collusion 旧（缺 1 项迁移，自 {last} 起）："
        f"请用有写权限的账户运行 collusion history migrate --db {shlex.quote(where)}，再查询"
    )
    migrated = invoke("history", "migrate", "--db", history_target)
    assert (
        migrated.exit_code == 0 and migrated.output == f"历史库 {where}：已应用 1 项迁移：{last}\n"
    )
    assert invoke("history", "seen", MACHINE_CODE, "--db", history_target).exit_code == 0
    again = invoke("--lang", "en", "history", "migrate", "--db", history_target)
    assert again.output == f"the history database {where} is up to date; nothing to migrate\n"


def test_a_newer_schema_says_to_upgrade(history_target):
    db = store.open_db(history_target)
    db.conn.execute("INSERT INTO _migrations (name, applied_at) VALUES ('m999_future', 'x')")
    db.conn.commit()
    db.close()
    line = one_error_line(invoke("history", "alerts", "OPS-1", "--db", history_target))
    assert "由更新版本的 collusion 写入（本版不认识的迁移：m999_future）" in line
    assert "pip install -U collusion" in line


def test_no_history_is_one_line_and_nothing_is_created(tmp_path):
    missing = tmp_path / "nowhere" / "history.db"
    line = one_error_line(invoke("history", "alerts", "OPS-1", "--db", missing))
    assert line == f"错误：{missing} 处没有历史库（见 --db、$COLLUSION_DB）"
    line = one_error_line(invoke("history", "migrate", "--db", missing))
    assert not missing.parent.exists()


# --- the cron line and the regulators' TOML ------------------------------------------


def test_the_regulators_toml_example():
    regulators = nightly_output.load_regulators(EXAMPLES / "regulators.toml")
    assert regulators == {
        "construction": "住建局",
        "water": "水务局",
        "transport": "交通运输局",
        "市政": "城管局",
        "default": "发改局",
    }
    assert nightly_output.regulator_for("市政", regulators) == "城管局"
    assert nightly_output.regulator_for("forestry", regulators) == "发改局"


def cron_command(srv: Path, inbox: Path) -> str:
    """The documented crontab line's command, with its /srv paths moved under ``srv``."""
    lines = (EXAMPLES / "crontab").read_text(encoding="utf-8").splitlines()
    (entry,) = [line for line in lines if line.strip() and not line.startswith("#")]
    command = entry.split(None, 5)[5]
    collusion = Path(sys.executable).parent / "collusion"
    command = command.replace("/srv/collusion/venv/bin/collusion", str(collusion))
    command = command.replace("/srv/bids/inbox", str(inbox))
    return command.replace("/srv/collusion", str(srv))


def log_lines(path: Path) -> list[re.Match[str]]:
    lines = path.read_text(encoding="utf-8").splitlines()
    matches = [LOG_LINE.match(line) for line in lines]
    assert all(matches), lines
    return matches  # type: ignore[return-value]


def test_the_cron_line_delivers_by_the_toml_file_and_logs_in_beijing_time(tmp_path):
    srv, inbox = tmp_path / "srv", tmp_path / "inbox"
    srv.mkdir()
    make_project(inbox)
    (srv / "regulators.toml").write_bytes((EXAMPLES / "regulators.toml").read_bytes())
    env = {k: v for k, v in os.environ.items() if k not in ("COLLUSION_TZ", "COLLUSION_LANG")}
    env.pop("COLLUSION_DB", None)
    command = cron_command(srv, inbox)
    subprocess.run(["sh", "-c", command], env=env, check=True, timeout=600)
    assert (srv / "outbox" / "住建局" / "OPS-1.json").is_file()
    first = log_lines(srv / "nightly.log")
    assert {m["offset"] for m in first} == {"+08:00"}
    assert [m["tag"] for m in first] == ["scanned", "rings", "run", "run"]
    assert first[0]["text"].startswith("OPS-1（OPS-1）：")
    assert first[1]["text"].startswith("围标团伙搜索：")
    assert "扫描了 1 个项目文件夹中的 1 个" in first[2]["text"]
    assert first[3]["text"].startswith(f"运行摘要：{srv / 'reports' / 'runs'}")
    summary = json.loads((srv / "reports" / "runs" / "latest.json").read_text(encoding="utf-8"))
    assert summary["started_at"].endswith("+08:00") and summary["finished_at"].endswith("+08:00")
    # The same run in English and UTC: the tags stay, so one grep serves both.
    env.update(COLLUSION_LANG="en", COLLUSION_TZ="UTC")
    subprocess.run(["sh", "-c", command], env=env, check=True, timeout=600)
    second = log_lines(srv / "nightly.log")[len(first) :]
    assert [m["tag"] for m in second] == ["rings", "run", "run"]
    assert {m["offset"] for m in second} == {"+00:00"}
    assert second[0]["text"].startswith("ring search: ")
    assert second[1]["text"] == "nothing new: 1 project folder(s) unchanged since the last run"
    assert all(m["tag"] in TAGS for m in first + second)


# --- language ---------------------------------------------------------------------------


def test_click_usage_errors_in_chinese_and_english(tmp_path):
    zh = invoke("scan", tmp_path, "--ouput", "r.json")
    assert zh.exit_code == 2
    assert zh.output.splitlines() == [
        "用法：collusion scan [OPTIONS] PROJECT",
        "运行 'collusion scan --help' 查看帮助。",
        "",
        "错误：没有这个选项：'--ouput'。是不是 '--output'？",
    ]
    en = invoke("--lang", "en", "scan", tmp_path, "--ouput", "r.json")
    assert en.exit_code == 2 and en.output.splitlines()[-1] == (
        "Error: No such option '--ouput'. Did you mean '--output'?"
    )
    cases = {
        ("history", "alerts"): "错误：缺少参数 'PROJECT_ID'。",
        (
            "scan",
            str(tmp_path),
            "--max-pages",
            "many",
        ): "错误：'--max-pages' 的值无效：'many' 不是有效的整数",
        ("nightly", str(tmp_path), "--out", str(tmp_path), "--regulators", "nope.toml"): (
            "错误：'--regulators' 的值无效：路径 'nope.toml' 不存在"
        ),
        ("scann",): "错误：没有这个命令：'scann'。是不是 'scan'？",
        ("frobnicate",): "错误：没有这个命令：'frobnicate'。",
    }
    for args, said in cases.items():
        result = invoke(*args)
        assert result.exit_code == 2 and result.output.splitlines()[-1] == said, result.output


def test_messages_follow_lang_and_the_environment(tmp_path):
    missing = tmp_path / "no-such-project"
    assert one_error_line(invoke("scan", missing)) == f"错误：项目文件夹不存在：{missing}"
    english = f"Error: no such project folder: {missing}"
    assert one_error_line(invoke("--lang", "en", "scan", missing)) == english
    assert one_error_line(invoke("scan", missing, "--lang=en")) == english  # anywhere
    assert one_error_line(invoke("scan", missing, env={"COLLUSION_LANG": "en_US.UTF-8"})) == english
    # --lang wins over the environment.
    said = one_error_line(invoke("--lang", "zh", "scan", missing, env={"COLLUSION_LANG": "en"}))
    assert said.startswith("错误：")
    wrong = invoke("scan", missing, env={"COLLUSION_LANG": "fr"})
    assert wrong.exit_code == 2 and "COLLUSION_LANG='fr'" in wrong.output


def test_history_output_in_english(tmp_path):
    db = tmp_path / "history.db"
    scanned_history(tmp_path, db)
    alerts = invoke("--lang", "en", "history", "alerts", "OPS-1", "--db", db)
    assert re.search(r"^A\d{4}  high   shared_signature     b01,b02  ", alerts.output, re.M)
    seen = invoke("history", "seen", "nothing-like-it", "--db", db, env={"COLLUSION_LANG": "en"})
    assert seen.output == "nothing-like-it has not been seen\n"
    assert invoke("history", "seen", "nothing-like-it", "--db", db).output == (
        "历史库中没有见过 nothing-like-it\n"
    )
