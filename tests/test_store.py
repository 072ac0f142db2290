"""The history store on real SQLite files, with hand-built scan results."""

from __future__ import annotations

import os
import stat
from typing import Any

import pytest

from collusion import store
from collusion.analysis import minhash
from collusion.history import SectionPrint
from collusion.models import (
    Bidder,
    Block,
    ExtractedFile,
    ProjectInput,
    ScanContext,
    Section,
    SignatureValue,
)
from collusion.scan import ScanResult
from collusion.settings import Settings
from collusion.store import (
    History,
    open_db,
    project_alerts,
    record_scan,
    signature_sightings,
    start_run,
)

PLAN = (
    "本工程施工组织设计根据现场踏勘情况编制，基坑支护采用钢板桩加内支撑体系，"
    "土方开挖分三层进行，每层开挖深度不超过一点五米，开挖后及时设置支撑。"
    "混凝土采用商品混凝土，泵送浇筑，分层振捣，养护时间不少于十四天。"
    "雨季施工设置排水沟与集水井，配备两台水泵，确保基坑内无积水。"
)
OTHER_TEXT = (
    "我公司承诺严格按照国家现行规范组织施工，工期一百二十日历天，质量达到合格标准，"
    "项目经理部设置安全员三名，质检员两名，材料员一名，所有人员持证上岗。"
    "施工机械包括挖掘机四台、装载机两台、自卸汽车八辆，均已落实租赁合同。"
)


FakeScanResult = ScanResult  # a real result, built by hand: fingerprints by the text engine


def make_section(bidder: str, file: str, title: str, text: str, ordinal: int = 0) -> Section:
    return Section(
        bidder=bidder,
        file=file,
        title=title,
        ordinal=ordinal,
        blocks=(Block(text=text, page=1, index=0),),
    )


def make_scan(
    project_id: str,
    bidders: dict[str, dict[str, Any]],
    alerts: list[dict] | None = None,
    pairs: list[dict] | None = None,
    industry: str = "construction",
) -> FakeScanResult:
    """bidders: id -> {"name", "sigs": [(field, value)], "text": str}."""
    built = []
    sections = {}
    for bid, spec in sorted(bidders.items()):
        path = f"bids/{bid}/技术标.docx"
        sigs = tuple(
            SignatureValue("docx", f, v, v.upper(), path, bid) for f, v in spec.get("sigs", [])
        )
        f = ExtractedFile(
            path=path,
            sha256=(bid + project_id).encode().hex().ljust(64, "0")[:64],
            format="docx",
            pages=None,
            chars=len(spec.get("text", "")),
            status=spec.get("status", "ok"),
            error=spec.get("error"),
            signatures=sigs,
        )
        built.append(Bidder(id=bid, name=spec.get("name"), price=spec.get("price"), files=(f,)))
        sections[bid] = (make_section(bid, path, "施工方案", spec.get("text", OTHER_TEXT)),)
    project = ProjectInput(
        root=f"/inbox/{project_id}",
        id=project_id,
        name="某工程",
        industry=industry,
        bidder_meta={},
        bidder_files={},
        tender_files=(),
        csv_signatures=(),
        errors=(),
    )
    ctx = ScanContext(
        project=project,
        bidders=tuple(built),
        tender_files=(),
        sections=sections,
        tender_sections=(),
        settings=Settings(),
        known_common=None,
    )
    report = {
        "schema_version": "1.0",
        "project": {"id": project_id, "name": "某工程", "industry": industry},
        "bidders": [],
        "alerts": alerts or [],
        "pairs": pairs or [],
        "groups": [],
        "errors": [],
        "summary": "测试",
    }
    return FakeScanResult(report=report, context=ctx)


ALERT = {
    "id": "A0001",
    "kind": "shared_signature",
    "severity": "high",
    "score": 0.9,
    "bidders": ["b01", "b02"],
    "basis": "《招标投标法实施条例》第四十条第（一）项",
    "summary": "同一文档标识",
    "details": {"field": "rsid_root", "value": "00A1B2C3"},
    "evidence": [{"bidder": "b01", "file": "bids/b01/技术标.docx"}],
}
PAIR = {"bidders": ["b01", "b02"], "score": 0.9, "flagged": True, "alerts": ["A0001"]}


@pytest.fixture
def db(history_target):
    """The history on each backend (SQLite file, PostgreSQL database)."""
    database = open_db(history_target)
    yield database
    database.close()


def table_counts(db) -> dict[str, int]:
    return {t: db[t].count for t in store.PROJECT_TABLES + ("projects",)}


def test_default_location_from_env(tmp_path, monkeypatch):
    monkeypatch.delenv(store.DB_ENV, raising=False)
    monkeypatch.setenv(store.HOME_ENV, str(tmp_path / "home"))
    assert store.default_db_path() == tmp_path / "home" / "history.db"
    monkeypatch.setenv(store.DB_ENV, str(tmp_path / "x.db"))
    assert store.default_db_path() == tmp_path / "x.db"
    assert store.resolve_db_path(tmp_path / "y.db") == tmp_path / "y.db"


def test_created_owner_only(tmp_path, monkeypatch):
    monkeypatch.setenv(store.HOME_ENV, str(tmp_path / "state"))
    monkeypatch.delenv(store.DB_ENV, raising=False)
    old = os.umask(0o022)
    try:
        db = open_db()
    finally:
        os.umask(old)
    path = tmp_path / "state" / "history.db"
    record_scan(db, make_scan("P1", {"b01": {"name": "甲"}}), "r1")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    # SQLite gives its WAL files the database file's permissions.
    wal = path.with_name("history.db-wal")
    assert wal.exists() and stat.S_IMODE(wal.stat().st_mode) == 0o600
    db.close()


def test_not_a_database_is_a_store_error(tmp_path):
    path = tmp_path / "junk.db"
    path.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(store.StoreError, match="junk.db"):
        open_db(path)


def test_record_and_rescan_never_doubles(db):
    scan = make_scan(
        "P1",
        {
            "b01": {"name": "甲公司", "sigs": [("rsid_root", "00a1b2c3")]},
            "b02": {"name": "乙公司", "sigs": [("rsid_root", "00a1b2c3")]},
        },
        alerts=[ALERT],
        pairs=[PAIR],
    )
    run = start_run(db, "scan")
    counts = record_scan(db, scan, run)
    assert counts.bidders == 2 and counts.alerts == 1 and counts.flagged_pairs == 1
    first = table_counts(db)
    record_scan(db, scan, start_run(db, "scan"))
    assert table_counts(db) == first
    assert first["signature_values"] == 2
    assert db["projects"].get("P1")["flagged_pairs"] == 1


def test_record_scan_is_one_transaction(db, monkeypatch):
    record_scan(db, make_scan("P1", {"b01": {"name": "甲"}}), "r1")
    before = table_counts(db)
    # Two alerts with one id break the primary key after the old rows are
    # deleted and the new bidders inserted: all of it must roll back.
    broken = make_scan("P1", {"b01": {"name": "甲"}, "b02": {"name": "乙"}}, alerts=[ALERT, ALERT])
    # The driver's IntegrityError leaves the store as StoreError, on either backend.
    with pytest.raises(store.StoreError, match="IntegrityError|UniqueViolation"):
        record_scan(db, broken, "r2")
    assert table_counts(db) == before
    assert not db.conn.in_transaction


def test_record_scan_inside_outer_transaction_rolls_back_with_it(db):
    with pytest.raises(RuntimeError):
        with store.transaction(db):
            record_scan(db, make_scan("P1", {"b01": {"name": "甲"}}), "r1")
            raise RuntimeError("killed before the manifest")
    assert db["projects"].count == 0


def test_queries(db):
    record_scan(
        db,
        make_scan(
            "P1",
            {
                "b01": {"name": "甲公司", "sigs": [("machine_code", "7f3a")]},
                "b02": {"name": "乙公司"},
            },
            alerts=[ALERT],
            pairs=[PAIR],
        ),
        "r1",
    )
    record_scan(
        db, make_scan("P2", {"b05": {"name": "丙公司", "sigs": [("machine_code", "7f3a")]}}), "r2"
    )
    alerts = project_alerts(db, "P1")
    assert [a["id"] for a in alerts] == ["A0001"]
    assert alerts[0]["bidders"] == ["b01", "b02"]
    assert alerts[0]["details"]["field"] == "rsid_root"
    seen = signature_sightings(db, "7F3A")
    assert [(s["project_id"], s["bidder"], s["company"]) for s in seen] == [
        ("P1", "b01", "甲公司"),
        ("P2", "b05", "丙公司"),
    ]
    assert signature_sightings(db, "7f3a", field="machine_code") == seen  # raw value works too
    assert signature_sightings(db, "7F3A", field="mac") == []
    assert project_alerts(db, "nope") == []


def test_file_failures_recorded_by_content(db):
    scan = make_scan("P1", {"b01": {"name": "甲", "status": "error", "error": "encrypted PDF"}})
    record_scan(db, scan, "r1")
    sha = scan.context.bidders[0].files[0].sha256
    assert store.known_failure(db, sha)["error"] == "encrypted PDF"
    assert store.known_failure(db, "0" * 64) is None
    assert History(db).file_failure(sha) == "encrypted PDF"
    assert History(db).file_failure("0" * 64) is None


def plan_print(text: str = PLAN) -> SectionPrint:
    """The fingerprint record_scan stores for a one-bidder project with this text."""
    scan = make_scan("PX", {"b01": {"name": "某公司", "text": text}})
    return scan.fingerprints.prints[("b01", "bids/b01/技术标.docx", 0)]


RECIPE = make_scan("PX", {}).fingerprints.minhash_recipe


def test_minhash_bytes_round_trip_little_endian():
    mh = plan_print().minhash
    data = minhash.to_bytes(mh)
    assert data[:8] == (1).to_bytes(8, "little")  # the seed, little-endian
    again = minhash.from_bytes(data)
    assert again.jaccard(mh) == 1.0
    assert plan_print("太短").minhash is None


def test_section_minhash_leaves_tender_text_out(db):
    """A filled-in tender form is not a copied plan: its MinHash keeps only the rest."""
    scan = make_scan("P1", {"b01": {"name": "甲公司", "text": OTHER_TEXT + PLAN}})
    kept = _with_tender(scan, OTHER_TEXT).fingerprints.prints[("b01", "bids/b01/技术标.docx", 0)]
    assert kept.minhash.jaccard(plan_print().minhash) > 0.8


def test_history_counts_and_sections(db):
    record_scan(
        db,
        make_scan(
            "P1", {"b01": {"name": "甲公司", "text": PLAN, "sigs": [("rsid_root", "00c0ffee")]}}
        ),
        "r1",
    )
    record_scan(
        db,
        make_scan(
            "P2",
            {"b02": {"name": "乙公司", "text": OTHER_TEXT, "sigs": [("rsid_root", "00c0ffee")]}},
        ),
        "r2",
    )
    history = History(db)
    assert history.value_project_count("rsid_root", "00C0FFEE", exclude_project="P3") == 2
    assert history.value_project_count("rsid_root", "00C0FFEE", exclude_project="P1") == 1
    assert [s.company for s in history.value_sightings("rsid_root", "00C0FFEE", "P2")] == ["甲公司"]
    plan = plan_print()
    found = history.similar_sections(plan, RECIPE, exclude_project="P9", min_jaccard=0.5)
    assert [(m.project_id, m.bidder_id, m.company) for m in found] == [("P1", "b01", "甲公司")]
    assert found[0].jaccard == 1.0 and found[0].containment == 1.0
    assert history.similar_sections(plan, RECIPE, exclude_project="P1", min_jaccard=0.5) == []
    # The same History sees P2 once it is re-recorded with the plan.
    record_scan(db, make_scan("P2", {"b02": {"name": "乙公司", "text": PLAN}}), "r3")
    found = history.similar_sections(plan, RECIPE, exclude_project="P1", min_jaccard=0.5)
    assert [m.project_id for m in found] == ["P2"]


def test_history_counts_companies_not_projects(db):
    for n, company in enumerate(["甲公司", "乙公司", "甲 公司", "丙公司"]):
        record_scan(
            db,
            make_scan(f"P{n}", {"b01": {"name": company, "sigs": [("machine_code", "7f3a")]}}),
            f"r{n}",
        )
    history = History(db)
    assert history.value_project_count("machine_code", "7F3A", "P9") == 4
    assert history.value_company_count("machine_code", "7F3A", "P9") == 3  # 甲 公司 = 甲公司


def _with_tender(scan: FakeScanResult, text: str) -> FakeScanResult:
    from dataclasses import replace

    tender = (make_section("tender", "tender/招标文件.docx", "投标须知", text),)
    return FakeScanResult(scan.report, replace(scan.context, tender_sections=tender))


def test_text_shingles_learned_from_other_projects_tenders(db):
    from collusion.analysis import text as textsim
    from collusion.analysis.normalize import normalize

    stock = OTHER_TEXT
    hashes = set(textsim.shingle_hashes(normalize(stock).text, 5))
    for n in range(3):
        scan = make_scan(f"P{n}", {"b01": {"name": f"公司{n}", "text": PLAN}})
        record_scan(db, _with_tender(scan, stock), f"r{n}")
    history = History(db)
    assert history.text_shingles(hashes, exclude_project="P9") == hashes
    # Rescanning P0 itself: its own record is left out, two others remain.
    assert History(db).text_shingles(hashes, exclude_project="P0") == set()
    # Unknown project: its own record may be among the three, so not enough.
    assert History(db).text_shingles(hashes) == set()
    # Replacing a project moves its counts instead of adding to them.
    record_scan(db, make_scan("P2", {"b01": {"name": "公司2", "text": PLAN}}), "r9")
    assert History(db).text_shingles(hashes, exclude_project="P9") == set()
    rows = db.execute("SELECT MAX(projects) FROM shingle_projects").fetchone()
    assert rows[0] == 2


def test_driver_errors_leave_the_store_as_store_error(db):
    """A statement that fails in the driver (here: a table gone) raises StoreError,
    on either backend, from a query, from History and from a transaction."""
    record_scan(db, make_scan("P1", {"b01": {"name": "甲", "sigs": [("rsid_root", "00a1")]}}), "r1")
    db.conn.execute("DROP TABLE signature_values")
    history = store.History(db)
    with pytest.raises(store.StoreError, match="signature_values") as raised:
        history.value_project_count("rsid_root", "00A1", "P2")
    assert type(raised.value.__cause__).__module__.split(".")[0] in ("sqlite3", "psycopg")
    with pytest.raises(store.StoreError):
        store.signature_sightings(db, "00a1")
    with pytest.raises(store.StoreError):
        record_scan(db, make_scan("P2", {"b01": {"name": "甲"}}), "r2")
    assert not db.conn.in_transaction


def test_scan_with_history_runs_again_without_a_broken_history(db):
    """One recipe for the CLI and the nightly run: the scan is owed its result."""
    record_scan(db, make_scan("P1", {"b01": {"name": "甲", "sigs": [("rsid_root", "00a1")]}}), "r1")
    history = store.History(db)
    calls: list[object] = []

    def scan(view):
        calls.append(view)
        return "alone" if view is None else view.value_project_count("rsid_root", "00A1", "P2")

    assert store.scan_with_history(scan, history) == (1, None)
    assert store.scan_with_history(scan, None) == ("alone", None)
    db.conn.execute("DROP TABLE signature_values")
    told: list[store.StoreError] = []
    result, error = store.scan_with_history(scan, history, told.append)
    assert result == "alone" and isinstance(error, store.StoreError) and told == [error]
    assert calls == [history, None, history, None]
