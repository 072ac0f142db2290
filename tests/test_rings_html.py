"""The rings page: the network of the groups and a timeline of their tenders, rendered
from real rings reports, checked as text and in headless Chromium."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from chromium import needs_chromium, render_in_chromium
from click.testing import CliRunner

from collusion.cli import main
from collusion.report.html.rings import render_rings_html, rings_view
from tools import tenders

ROOT = Path(__file__).resolve().parent.parent
HOSTILE = '<script>alert("x")</script>&<b>甲</b>'


def run(*args) -> tuple[int, str]:
    result = CliRunner().invoke(main, [str(a) for a in args])
    return result.exit_code, result.output


@pytest.fixture(scope="module")
def searched(tmp_path_factory) -> tuple[dict, Path, tenders.Truth]:
    """A generated archive with planted rings, one member renamed to hostile markup."""
    folder = tmp_path_factory.mktemp("rings-html")
    rows, truth = tenders.generate(seed=43)
    renamed = truth.rings[0][0]
    for row in rows:
        if row["company_id"] == renamed:
            row["company_name"] = HOSTILE
    db = folder / "h.db"
    code, out = run("history", "import", tenders.write_csv(rows, folder / "a.csv"), "--db", db)
    assert code == 0, out
    code, out = run(
        "history", "rings", "--db", db, "--output", folder / "r.json", "--html", folder / "r.html"
    )
    assert code == 0, out
    return json.loads((folder / "r.json").read_text(encoding="utf-8")), folder / "r.html", truth


def test_the_page_shows_every_group_its_members_and_its_tenders(searched):
    report, page, _ = searched
    text = page.read_text(encoding="utf-8")
    assert text == render_rings_html(report)  # the command wrote what the renderer makes
    assert "企业组关系图" in text and "时间线" in text and report["note"] in text
    for group in report["groups"]:
        assert f'id="{group["id"]}"' in text
        assert group["summary"] in text
        for member in group["members"]:
            assert member in text
        for tender in group["tenders"]:
            assert tender["id"] in text
    listed = [c for c in report["companies"] if c["score"] > 0]
    assert all(c["id"] in text for c in listed)


def test_the_network_and_the_timeline_draw_each_group(searched):
    report, _, _ = searched
    view = rings_view(report)
    cells, bands = view["network"]["cells"], view["timeline"]["bands"]
    assert [c["id"] for c in cells] == [g["id"] for g in report["groups"]]
    for cell, group in zip(cells, report["groups"], strict=True):
        k = len(group["members"])
        assert len(cell["nodes"]) == k and len(cell["edges"]) == k * (k - 1) // 2
    for band, group in zip(bands, report["groups"], strict=True):
        assert len(band["marks"]) == len(group["tenders"])
        won = sum(1 for m in band["marks"] for d in m["dots"] if d["won"])
        assert won == sum(1 for t in group["tenders"] if t["member_won"])
        xs = [m["x"] for m in band["marks"]]
        assert xs == sorted(xs)  # the group's tenders in date order, left to right
        assert all(view["timeline"]["left"] <= x <= view["timeline"]["right"] for x in xs)


def test_names_from_the_archive_render_inert(searched):
    _, page, _ = searched
    text = page.read_text(encoding="utf-8")
    assert "<script" not in text and "<b>甲" not in text
    assert "&lt;script&gt;" in text
    assert not re.search(r"""\s(?:src|href)=["']?(?:https?:)?//""", text)  # loads nothing


def test_an_empty_report_renders(tmp_path):
    from collusion import store

    store.open_db(tmp_path / "h.db").close()
    code, out = run("history", "rings", "--db", tmp_path / "h.db", "--html", tmp_path / "r.html")
    assert code == 0, out
    text = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert "未发现共同投标次数显著高于随机预期的企业组" in text


def test_the_output_paths_are_checked_before_the_search(tmp_path):
    (tmp_path / "folder").mkdir()
    code, out = run("history", "rings", "--db", tmp_path / "h.db", "--html", tmp_path / "folder")
    assert code == 1 and "不是普通文件" in out


@needs_chromium
def test_the_page_renders_in_headless_chromium(searched, tmp_path):
    report, page, _ = searched
    shot = tmp_path / "rings.png"
    expect = ["企业组关系图", "时间线", "企业组明细", report["groups"][0]["id"]]
    done = render_in_chromium(page, shot, expect)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "no console message, no network request" in done.stdout
    assert shot.stat().st_size > 10_000


def test_the_documents_rings_screenshot_shows_this_page(tmp_path) -> None:
    """docs/rings-screenshot.png is of the rings page docs/rings.md's archive makes today.

    The picture carries the digest of the page it shows (scripts/screenshot.py
    --rings); when this fails, the ring search or the page changed: run
    `python scripts/screenshot.py --rings`.
    """
    pytest.importorskip("PIL")
    import importlib.util

    spec = importlib.util.spec_from_file_location("screenshot", ROOT / "scripts" / "screenshot.py")
    assert spec is not None and spec.loader is not None
    screenshot = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(screenshot)
    report = screenshot.rings_report(tmp_path)
    assert len(report["groups"]) == 5  # the five planted rings docs/rings.md shows
    shown = screenshot.picture_digest(ROOT / "docs" / "rings-screenshot.png")
    assert shown == screenshot.rings_page_digest(report), (
        "docs/rings-screenshot.png is of another page; run `python scripts/screenshot.py --rings`"
    )
