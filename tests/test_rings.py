"""Rings across tenders: the null model, the group search, the rings report, on both backends.

Real CSV archives (tools/tenders.py), real SQLite files and PostgreSQL
databases, the real commands.
"""

from __future__ import annotations

import json
import math
from decimal import Decimal, getcontext
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from collusion import store
from collusion.analysis.rings import RingSettings, find_rings
from collusion.analysis.rings.groups import components, maximal_cliques
from collusion.analysis.rings.null import poisson_tail_log10
from collusion.cli import main
from collusion.errors import SettingsError
from collusion.store.archive import import_archive
from collusion.store.rings import load_archive
from tools import tenders

# A seed used for these tests only (the benchmark reports other seeds).
SEED = 41


def run(*args) -> tuple[int, str]:
    result = CliRunner().invoke(main, [str(a) for a in args])
    return result.exit_code, result.output


def matches(found: set[str], rings: list[list[str]]) -> list[int]:
    """Planted rings a found group matches (Jaccard at least one half)."""
    return [
        n for n, ring in enumerate(rings) if len(found & set(ring)) * 2 >= len(found | set(ring))
    ]


@pytest.fixture(scope="module")
def planted(tmp_path_factory) -> tuple[Path, tenders.Truth, list[dict]]:
    rows, truth = tenders.generate(seed=SEED)
    path = tmp_path_factory.mktemp("planted") / "archive.csv"
    return tenders.write_csv(rows, path), truth, rows


def rings_json(target, tmp_path: Path) -> dict:
    out = tmp_path / "rings.json"
    code, output = run("history", "rings", "--db", target, "--output", out)
    assert code == 0, output
    return json.loads(out.read_text(encoding="utf-8"))


def test_planted_rings_are_found_and_frequent_honest_bidders_are_not(
    history_target, planted, tmp_path
):
    path, truth, rows = planted
    code, out = run("history", "import", path, "--db", history_target)
    assert code == 0, out
    report = rings_json(history_target, tmp_path)
    found = [set(g["members"]) for g in report["groups"]]
    ringed = {c for ring in truth.rings for c in ring}
    listed = set().union(*found)
    assert len(listed & ringed) / len(listed) >= 0.9  # precision over companies
    assert all(matches(group, truth.rings) for group in found)  # every group is a ring
    assert sorted({n for group in found for n in matches(group, truth.rings)}) == [0, 1, 2, 3, 4]
    # The firms that meet most often are honest, and listed in no group.
    frequent = tenders.frequent_honest_pairs(rows, truth, top=20)
    assert frequent[0][0] > max(g["cobids"]["observed"] for g in report["groups"])
    assert not {c for _, a, b in frequent for c in (a, b)} & listed
    assert not set(truth.large + truth.small_market) & listed


def test_the_report_shape_order_and_companies(planted, tmp_path):
    path, truth, _ = planted
    db = tmp_path / "h.db"
    run("history", "import", path, "--db", db)
    report = rings_json(db, tmp_path)
    groups = report["groups"]
    assert [g["id"] for g in groups] == [f"R{n:03d}" for n in range(1, len(groups) + 1)]
    assert [g["score"] for g in groups] == sorted((g["score"] for g in groups), reverse=True)
    for g in groups:
        assert 0 < g["score"] <= 1
        assert g["chance_log10"] <= g["threshold_log10"] < 0
        assert g["cobids"]["observed"] > g["cobids"]["expected"]
        assert len(g["tenders"]) == g["cobids"]["observed"]
        assert all(len(t["members"]) >= g["cobids"]["quorum"] for t in g["tenders"])
        assert all(set(t["members"]) <= set(g["members"]) for t in g["tenders"])
        assert sum(g["rotation"]["wins"].values()) == sum(t["member_won"] for t in g["tenders"])
        assert g["links"] == []
        assert "此为线索，不是串通的认定" in g["summary"]
        assert len(g["pairs"]) == len(g["members"]) * (len(g["members"]) - 1) // 2
    companies = report["companies"]
    assert len(companies) == report["archive"]["companies"] == 150
    best = {
        c: max(g["score"] for g in groups if c in g["members"])
        for g in groups
        for c in g["members"]
    }
    for entry in companies:
        assert entry["score"] == best.get(entry["id"], 0.0)
    assert [c["score"] for c in companies] == sorted((c["score"] for c in companies), reverse=True)
    assert report["method"]["warnings"] == []
    # Deterministic: a second search writes the same report but for the time.
    again = rings_json(db, tmp_path)
    assert {**again, "generated_at": None} == {**report, "generated_at": None}


def test_a_market_without_rings_lists_no_group(tmp_path):
    rows, _ = tenders.generate(tenders.Market(rings=0), seed=SEED)
    db = tmp_path / "h.db"
    run("history", "import", tenders.write_csv(rows, tmp_path / "a.csv"), "--db", db)
    report = rings_json(db, tmp_path)
    assert report["groups"] == []
    assert all(c["score"] == 0 for c in report["companies"])
    assert "未发现" in report["summary"]


def test_without_regions_the_report_warns(tmp_path):
    rows, _ = tenders.generate(tenders.Market(tenders=300, firms=40, rings=1), seed=SEED)
    path = tenders.write_csv(rows, tmp_path / "a.csv", columns=tenders.COLUMNS)
    db = tmp_path / "h.db"
    run("history", "import", path, "--db", db)
    assert "region" in rings_json(db, tmp_path)["method"]["warnings"][0]


def test_rings_on_a_missing_or_empty_history(tmp_path):
    code, out = run("history", "rings", "--db", tmp_path / "none.db")
    assert code == 1 and "处没有历史库" in out
    store.open_db(tmp_path / "empty.db").close()
    report = rings_json(tmp_path / "empty.db", tmp_path)
    assert report["groups"] == [] and report["companies"] == []
    assert report["archive"]["tenders"] == 0


def test_a_hand_made_ring_with_its_numbers(tmp_path):
    """Three firms in 12 tenders of 60, where 20 honest firms bid at random."""
    rng = np.random.default_rng(5)
    honest = [f"H{i:02d}" for i in range(20)]
    lines = ["project_id,date,company_id,company_name,price,winner,region"]
    for t in range(60):
        ring = t % 5 == 0
        bidders = list(rng.choice(honest, size=4 if ring else 7, replace=False))
        if ring:
            bidders += ["RA", "RB", "RC"]
        winner = ["RA", "RB", "RC"][t // 5 % 3] if ring else bidders[0]
        for b in sorted(bidders):
            price = 1000 + (t % 7) * 10 + (ord(b[-1]) % 9)
            lines.append(
                f"P{t:03d},2024-01-{1 + t % 28:02d},{b},{b}公司,{price},{int(b == winner)},北区"
            )
    path = tmp_path / "a.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    db = tmp_path / "h.db"
    run("history", "import", path, "--db", db)
    report = rings_json(db, tmp_path)
    assert [g["members"] for g in report["groups"]] == [["RA", "RB", "RC"]]
    g = report["groups"][0]
    assert g["cobids"]["quorum"] == 3 and g["cobids"]["observed"] == 12
    # Each ring firm bids in 12 of 60 tenders of 7 bidders: pi = 7 * 12 / 420 = 0.2
    # per tender, so all three together are expected 60 * 0.2^3 = 0.48 times.
    assert g["cobids"]["expected"] == pytest.approx(0.48, rel=1e-6)
    assert g["rotation"]["wins"] == {"RA": 4, "RB": 4, "RC": 4}
    assert g["rotation"]["evenness"] == 1.0
    assert g["exclusivity"] == pytest.approx(2 * 3 * 12 / (3 * 12 * 6))
    assert [t["id"] for t in g["tenders"]] == [f"P{t:03d}" for t in range(0, 60, 5)]


def _exact_tail(k: int, mu: float) -> float:
    getcontext().prec = 80
    m = Decimal(mu)
    term, below = (-m).exp(), Decimal(0)
    for x in range(k):
        below += term
        term = term * m / (x + 1)
    return float((Decimal(1) - below).log10())


@pytest.mark.parametrize(("k", "mu"), [(5, 1.0), (12, 0.48), (30, 4.2), (80, 20.0), (3, 2.5)])
def test_poisson_tail_matches_exact_arithmetic(k, mu):
    assert poisson_tail_log10(k, mu) == pytest.approx(_exact_tail(k, mu), abs=1e-9)


def test_poisson_tail_far_below_the_smallest_float():
    value = poisson_tail_log10(200, 0.01)
    assert value < -500 and math.isfinite(value)
    assert poisson_tail_log10(2, 5.0) == 0.0  # not above what chance gives


def test_components_and_cliques():
    edges = [(1, 2), (2, 3), (1, 3), (3, 4), (4, 5), (5, 6), (4, 6), (8, 9)]
    assert components(edges) == [[1, 2, 3, 4, 5, 6], [8, 9]]
    adjacent: dict[int, set[int]] = {}
    for a, b in edges:
        adjacent.setdefault(a, set()).add(b)
        adjacent.setdefault(b, set()).add(a)
    assert maximal_cliques([1, 2, 3, 4, 5, 6], adjacent) == [[1, 2, 3], [3, 4], [4, 5, 6]]


def test_settings_validate_themselves():
    with pytest.raises(SettingsError):
        RingSettings(alpha=0)
    with pytest.raises(SettingsError):
        RingSettings(min_bids=3)
    with pytest.raises(SettingsError):
        RingSettings(seed_log10_chance=0.5)


def test_find_rings_reads_the_archive_as_arrays(planted, tmp_path):
    path, truth, rows = planted
    db = store.open_db(tmp_path / "h.db")
    try:
        import_archive(db, path)
        archive = load_archive(db)
    finally:
        db.close()
    assert archive.bids == len(rows) and archive.tenders == len({r["project_id"] for r in rows})
    assert archive.bid_tender.dtype == np.int32 and archive.bid_company.dtype == np.int32
    assert np.all(np.diff(archive.bid_tender) >= 0)
    result = find_rings(archive)
    assert len(result.rings) == 5
    assert result.market.strata == 4 * 3  # regions x years


# --- leads in scans, and the nightly step ------------------------------------------------------

RING_NAMES = {
    "RA": "中山市甲建设有限公司",
    "RB": "中山市乙建设有限公司",
    "RC": "中山市丙建设有限公司",
}


def ring_archive(path: Path, ids: dict[str, str] | None = None) -> Path:
    """60 tenders of 7 bidders; RA, RB and RC bid together in 12 of them, in turn winning.

    ``ids`` gives some of them another company id (a credit code)."""
    ids = ids or {}
    rng = np.random.default_rng(5)
    honest = [f"H{i:02d}" for i in range(20)]
    lines = ["project_id,date,company_id,company_name,price,winner,region"]
    for t in range(60):
        ring = t % 5 == 0
        bidders = list(rng.choice(honest, size=4 if ring else 7, replace=False))
        bidders += ["RA", "RB", "RC"] if ring else []
        winner = ["RA", "RB", "RC"][t // 5 % 3] if ring else bidders[0]
        for b in sorted(bidders):
            name = RING_NAMES.get(b, f"{b}公司")
            lines.append(
                f"P{t:03d},2024-01-{1 + t % 28:02d},{ids.get(b, b)},{name},{1000 + t},"
                f"{int(b == winner)},北区"
            )
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def lead_project(project) -> Path:
    for n, (bidder, name, price) in enumerate(
        [
            ("b01", RING_NAMES["RA"], 1_003_500.0),
            ("b02", RING_NAMES["RB"], 987_200.0),
            ("b03", "中山市丁建设有限公司", 1_012_890.0),
        ]
    ):
        project.bidder(bidder, name, price)
        project.docx(bidder, "技术标.docx", [f"第{n}家投标人自己编写的施工组织设计，共{n + 3}章。"])
    return project.write()


def test_a_scan_cites_two_bidders_in_one_group_as_a_lead_not_as_proof(
    history_target, project, tmp_path
):
    run("history", "import", ring_archive(tmp_path / "a.csv"), "--db", history_target)
    rings_json(history_target, tmp_path)  # stores the groups
    root = lead_project(project)
    code, out = run("scan", root, "--output", tmp_path / "r.json", "--db", history_target)
    assert code == 0, out
    report = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    rings = report["indicators"]["rings"]
    assert [lead["bidders"] for lead in rings["leads"]] == [["b01", "b02"]]
    lead = rings["leads"][0]
    assert lead["companies"] == ["RA", "RB"] and lead["members"] == ["RA", "RB", "RC"]
    assert lead["group"] == "R001" and lead["tenders"] == 12
    assert "不是证据" in lead["summary"] and "不是本项目串通的证据" in rings["note"]
    # A lead, never an alert and never a flag.
    assert not any(p["flagged"] for p in report["pairs"])
    assert not any(a["bidders"] == ["b01", "b02"] for a in report["alerts"])


def test_a_scan_without_a_history_has_no_ring_indicator(project, scan):
    assert "rings" not in scan(lead_project(project))["indicators"]


def test_the_nightly_run_searches_for_rings_after_its_scans(project, tmp_path):
    from collusion.nightly.run import run_nightly

    db = tmp_path / "history.db"
    run("history", "import", ring_archive(tmp_path / "a.csv"), "--db", db)
    inbox = tmp_path / "inbox"
    lead_project(type(project)(inbox / "T-0001"))
    summary = run_nightly(inbox, db, tmp_path / "out")
    assert summary.rings is not None and summary.rings.groups == 1
    written = json.loads((tmp_path / "out" / "rings" / "rings.json").read_text(encoding="utf-8"))
    assert [g["members"] for g in written["groups"]] == [["RA", "RB", "RC"]]
    assert written["archive"]["tenders"] == 61  # the archive and the scanned project
    page = (tmp_path / "out" / "rings" / "rings.html").read_text(encoding="utf-8")
    assert "R001" in page and "时间线" in page
    latest = json.loads((tmp_path / "out" / "runs" / "latest.json").read_text(encoding="utf-8"))
    assert latest["rings"]["groups"] == 1 and latest["rings"]["path"].endswith("rings.json")


def test_links_the_history_knows_between_members_are_in_the_group(history_target, tmp_path):
    from test_company_store import REP, A, B, scan_with_links

    from collusion.store.rings import search_rings

    run(
        "history",
        "import",
        ring_archive(tmp_path / "a.csv", {"RA": A, "RB": B}),
        "--db",
        history_target,
    )
    db = store.open_db(history_target)
    try:
        store.record_scan(db, scan_with_links("X1"))  # a scan that linked A and B
        report = search_rings(db)
    finally:
        db.close()
    (group,) = report["groups"]
    assert sorted(group["members"]) == sorted([A, B, "RC"])
    (link,) = group["links"]
    assert (link["company_a"], link["company_b"]) == tuple(sorted((A, B)))
    assert link["link"] == "same_legal_representative" and link["via"] == REP
    assert link["summary"].startswith("法定代表人为同一人（张三）") and "X1" in link["summary"]


def test_the_scan_page_shows_the_ring_leads(tmp_path, project):
    db = tmp_path / "h.db"
    run("history", "import", ring_archive(tmp_path / "a.csv"), "--db", db)
    rings_json(db, tmp_path)
    root = lead_project(project)
    page = tmp_path / "r.html"
    code, out = run("scan", root, "--output", tmp_path / "r.json", "--html", page, "--db", db)
    assert code == 0, out
    text = page.read_text(encoding="utf-8")
    assert "历史共同投标线索" in text and "b01、b02" in text and "不是本项目串通的证据" in text
