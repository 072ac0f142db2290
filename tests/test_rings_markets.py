"""Rings in archives whose tenders name no region: each tender's market inferred.

Real CSV archives (tools/tenders.py) without the region column or with it
blank on some tenders, imported into real SQLite files and searched with the
real commands.
"""

from __future__ import annotations

import csv
import json
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from scipy import sparse

from collusion import store
from collusion.analysis.rings import RingSettings
from collusion.analysis.rings.inferred import infer_markets, louvain, markets_only
from collusion.store.rings import load_archive
from tests.test_rings import SEED, matches, run
from tools import tenders


def imported(rows: list[dict], folder: Path, columns=None) -> Path:
    db = folder / "h.db"
    code, out = run(
        "history", "import", tenders.write_csv(rows, folder / "a.csv", columns), "--db", db
    )
    assert code == 0, out
    return db


def rings_json(db: Path, folder: Path, *extra: str) -> dict:
    out = folder / "rings.json"
    code, output = run("history", "rings", "--db", db, "--output", out, *extra)
    assert code == 0, output
    return json.loads(out.read_text(encoding="utf-8"))


def read_archive(db: Path):
    handle = store.open_db(db)
    try:
        return load_archive(handle)
    finally:
        handle.close()


def agreement(inferred: list[str | None], archive, truth_region: dict[str, str], tenders_at):
    """The share of the tenders whose inferred market holds mostly tenders of their region."""
    pairs = Counter((inferred[t], truth_region[archive.tender_ids[t]]) for t in tenders_at)
    majority: dict[str | None, int] = {}
    for (market, _), n in pairs.items():
        majority[market] = max(majority.get(market, 0), n)
    return sum(majority.values()) / len(tenders_at)


@pytest.fixture(scope="module")
def bare(tmp_path_factory) -> tuple[Path, tenders.Truth, list[dict]]:
    """The tests' planted archive imported without its region column."""
    rows, truth = tenders.generate(seed=SEED)
    folder = tmp_path_factory.mktemp("bare")
    return imported(rows, folder, tenders.COLUMNS), truth, rows


def test_without_regions_the_rings_are_found_and_the_district_firms_are_not(bare, tmp_path):
    db, truth, rows = bare
    report = rings_json(db, tmp_path)
    found = [set(g["members"]) for g in report["groups"]]
    assert sorted({n for group in found for n in matches(group, truth.rings)}) == [0, 1, 2, 3, 4]
    assert all(matches(group, truth.rings) for group in found)  # every group is a ring
    listed = set().union(*found)
    frequent = tenders.frequent_honest_pairs(rows, truth, top=20)
    assert not {c for _, a, b in frequent for c in (a, b)} & listed
    assert not set(truth.large + truth.small_market) & listed
    inferred = report["method"]["inferred_markets"]
    assert inferred["markets"] == 4 and inferred["source"] == "cobidding_communities"
    # The tenders left without a market are those only firms bidding everywhere bid in.
    bidders: dict[str, set[str]] = {}
    for r in rows:
        bidders.setdefault(r["project_id"], set()).add(r["company_id"])
    only_large = sum(1 for b in bidders.values() if b <= set(truth.large))
    assert 0 < only_large and 1950 < inferred["tenders"] <= 2000 - only_large
    (warning,) = report["method"]["warnings"]
    left = 2000 - inferred["tenders"]
    assert f"共 {inferred['tenders']} 个标段归入 4 个推断市场；另 {left} 个标段" in warning
    assert "不是标段的实际地区" in warning
    # Deterministic: a second search writes the same report but for the time.
    again = rings_json(db, tmp_path)
    assert {**again, "generated_at": None} == {**report, "generated_at": None}


def test_the_inferred_markets_are_the_generated_regions(bare):
    db, _, rows = bare
    archive = read_archive(db)
    truth_region = {r["project_id"]: r["region"] for r in rows}
    markets = infer_markets(archive, RingSettings())
    assert markets.from_communities and markets.inferred_tenders >= 0.98 * archive.tenders
    assert all(r.startswith("~") for r in markets.regions if r)
    told = [t for t in range(archive.tenders) if markets.regions[t]]
    assert agreement(markets.regions, archive, truth_region, told) >= 0.97
    # The plurality alone (no refinement) puts tenders that large firms
    # dominate in their market: worse, which is why the mixture refines it.
    plain = infer_markets(archive, RingSettings(market_refine=False))
    assert agreement(plain.regions, archive, truth_region, range(archive.tenders)) < 0.97
    # Deterministic.
    assert infer_markets(archive, RingSettings()) == markets


def test_a_ring_free_archive_without_regions_lists_no_group(tmp_path):
    rows, _ = tenders.generate(tenders.Market(rings=0), seed=SEED)
    report = rings_json(imported(rows, tmp_path, tenders.COLUMNS), tmp_path)
    assert report["groups"] == []
    assert report["method"]["inferred_markets"]["tenders"] > 1950


def test_tenders_missing_their_region_take_their_bidders_region(tmp_path):
    rows, truth = tenders.generate(seed=SEED)
    ids = sorted({r["project_id"] for r in rows})
    blank = set(ids[::3])  # a third of the tenders lose their region
    truth_region = {r["project_id"]: r["region"] for r in rows}
    cut = [{**r, "region": "" if r["project_id"] in blank else r["region"]} for r in rows]
    db = imported(cut, tmp_path)
    with open(tmp_path / "a.csv", encoding="utf-8") as handle:
        assert sum(1 for r in csv.DictReader(handle) if not r["region"]) > 0
    report = rings_json(db, tmp_path)
    inferred = report["method"]["inferred_markets"]
    assert inferred == {"tenders": len(blank), "markets": 4, "source": "bidders_regions"}
    (warning,) = report["method"]["warnings"]
    assert warning.startswith(f"{len(blank)} 个标段未填 region")
    found = [set(g["members"]) for g in report["groups"]]
    assert sorted({n for group in found for n in matches(group, truth.rings)}) == [0, 1, 2, 3, 4]
    assert all(matches(group, truth.rings) for group in found)
    # The report keeps the archive's own (empty) region on the tenders it lists.
    listed = {t["id"]: t["region"] for g in report["groups"] for t in g["tenders"]}
    assert all(region is None for tender, region in listed.items() if tender in blank)
    archive = read_archive(db)
    markets = infer_markets(archive, RingSettings())
    missing = [t for t, tid in enumerate(archive.tender_ids) if tid in blank]
    right = sum(1 for t in missing if markets.regions[t] == truth_region[archive.tender_ids[t]])
    assert right / len(missing) >= 0.95
    assert all(
        markets.regions[t] == truth_region[archive.tender_ids[t]]
        for t, tid in enumerate(archive.tender_ids)
        if tid not in blank
    )


def test_without_inference_the_report_warns_as_before(bare, tmp_path):
    db, _, _ = bare
    from collusion.analysis.rings import find_rings
    from collusion.report.rings import NO_REGION, rings_report

    settings = RingSettings(infer_markets=False, max_group_size=3)
    report = rings_report(find_rings(read_archive(db), settings), settings)
    assert report["method"]["warnings"] == [NO_REGION]
    assert report["method"]["inferred_markets"] == {"tenders": 0, "markets": 0, "source": None}


def test_the_page_says_how_many_tenders_had_their_market_inferred(bare, tmp_path):
    db, _, _ = bare
    page = tmp_path / "rings.html"
    rings_json(db, tmp_path, "--html", page)
    html = page.read_text(encoding="utf-8")
    told = rings_json(db, tmp_path)["method"]["inferred_markets"]["tenders"]
    assert "推断所属市场的标段" in html and f"{told}（4 个市场）" in html
    assert "地区（缺失时为推断市场）× 年度" in html


def graph_of(edges: list[tuple[int, int, float]], n: int) -> sparse.csr_matrix:
    rows = [a for a, b, _ in edges] + [b for a, b, _ in edges]
    cols = [b for a, b, _ in edges] + [a for a, b, _ in edges]
    weights = [w for *_, w in edges] * 2
    return sparse.csr_matrix((weights, (rows, cols)), shape=(n, n))


def test_louvain_splits_two_districts_and_keeps_a_ring_in_its_own():
    # Two districts of 12 firms, each dense inside, one weak tie between them;
    # in the first, firms 0-3 meet each other a little more (a ring).
    edges = []
    for base in (0, 12):
        for a in range(base, base + 12):
            for b in range(a + 1, base + 12):
                edges.append((a, b, 1.0))
    edges += [(a, b, 1.5) for a in range(4) for b in range(a + 1, 4)]
    edges.append((11, 12, 0.5))
    graph = graph_of(edges, 24)
    communities = louvain(graph, resolution=1.0)
    assert communities.tolist() == [0] * 12 + [1] * 12
    # At a high resolution the ring splits off, but it is no market: its
    # members meet their district more than each other, and rejoin it.
    fine = louvain(graph, resolution=2.0)
    assert len(set(fine[:4].tolist())) == 1 and fine[0] != fine[4]
    assert markets_only(graph, fine, 0.5, 0).tolist() == [0] * 12 + [1] * 12
    # The same graph gives the same answer whatever the firms are numbered.
    order = np.random.default_rng(0).permutation(24)
    shuffled = graph[order][:, order]
    again = louvain(shuffled, resolution=1.0)
    assert len(set(again[np.argsort(order)][:12].tolist())) == 1


def test_the_market_settings_validate_themselves():
    from collusion.errors import SettingsError

    for bad in (
        {"market_resolution": 0.0},
        {"market_min_firms": -1},
        {"market_weak_share": 1.0},
        {"market_broad_divergence": -0.1},
    ):
        with pytest.raises(SettingsError):
            RingSettings(**bad)
