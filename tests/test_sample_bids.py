"""The bundled sample projects scan to their answer key (sample_bids/answer_key.json)."""

from __future__ import annotations

import importlib.util
import json
from itertools import combinations

import jsonschema
import pytest
from conftest import REPO, SAMPLE_BIDS

from collusion.report.build import load_schema
from collusion.scan import scan_project

ANSWER_KEY = json.loads((SAMPLE_BIDS / "answer_key.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module", params=sorted(ANSWER_KEY))
def sample(request: pytest.FixtureRequest) -> tuple[dict, dict]:
    return scan_project(SAMPLE_BIDS / request.param).report, ANSWER_KEY[request.param]


def test_report_is_valid_against_the_schema(sample: tuple[dict, dict]) -> None:
    report, _ = sample
    jsonschema.validate(report, load_schema())


def test_flagged_pairs_are_exactly_the_planted_ones(sample: tuple[dict, dict]) -> None:
    report, key = sample
    flagged = sorted(p["bidders"] for p in report["pairs"] if p["flagged"])
    assert flagged == sorted(key["flagged"])


def test_no_pair_with_an_honest_bidder_is_flagged(sample: tuple[dict, dict]) -> None:
    report, key = sample
    honest = set(key["honest"])
    for pair in report["pairs"]:
        if honest & set(pair["bidders"]):
            assert not pair["flagged"], pair
    for group in report["groups"]:
        assert not honest & set(group["bidders"])


def test_every_planted_case_has_its_alert(sample: tuple[dict, dict]) -> None:
    report, key = sample
    for planted in key["planted"]:
        wanted = set(planted["bidders"])
        matching = [
            a
            for a in report["alerts"]
            if a["kind"] == planted["kind"] and wanted <= set(a["bidders"])
        ]
        assert matching, f"no {planted['kind']} alert for {planted['bidders']}: {planted['what']}"


def test_broken_files_are_reported(sample: tuple[dict, dict]) -> None:
    report, key = sample
    not_analysed = {e["file"] for e in report["errors"] if e.get("status") in {"error", "refused"}}
    assert not_analysed == set(key["errors"])


def test_copied_section_evidence_shows_both_sides_with_pages() -> None:
    key = ANSWER_KEY["road-2026-017"]
    report = scan_project(SAMPLE_BIDS / "road-2026-017").report
    pair = sorted(key["copied_section"])
    [alert] = [
        a for a in report["alerts"] if a["kind"] == "near_duplicate_text" and a["bidders"] == pair
    ]
    for bidder, section in key["copied_section"].items():
        sides = [e for e in alert["evidence"] if e["bidder"] == bidder]
        assert sides, f"no evidence from {bidder}"
        assert any(section in (e["section"] or "") for e in sides)
        assert all(e["page"] and e["excerpt"] and e["file"] for e in sides)
    passages = {e["passage"] for e in alert["evidence"]}
    for passage in passages:
        assert {e["bidder"] for e in alert["evidence"] if e["passage"] == passage} == set(pair)


def test_pairs_list_every_pair_named_by_an_alert(sample: tuple[dict, dict]) -> None:
    report, _ = sample
    named = {tuple(p) for a in report["alerts"] for p in combinations(a["bidders"], 2)}
    assert named == {tuple(p["bidders"]) for p in report["pairs"]}


def test_the_documents_screenshot_shows_this_report(sample: tuple[dict, dict]) -> None:
    """docs/report-screenshot.png is of the school sample's page as a scan makes it today.

    The picture carries the digest of the HTML page it shows (scripts/screenshot.py);
    when this fails, the report or the page changed: run `python scripts/screenshot.py`.
    """
    report, _ = sample
    if report["project"]["id"] != "school-2026-031":
        pytest.skip("the screenshot is of the school sample")
    pytest.importorskip("PIL")
    spec = importlib.util.spec_from_file_location("screenshot", REPO / "scripts" / "screenshot.py")
    screenshot = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(screenshot)
    shown = screenshot.picture_digest(REPO / "docs" / "report-screenshot.png")
    assert shown == screenshot.page_digest(report), (
        "docs/report-screenshot.png is of another page; run `python scripts/screenshot.py`"
    )


def test_severity_and_score_agree_for_every_alert(sample: tuple[dict, dict]) -> None:
    """Severity is the documented function of the weight (scoring.severity) for
    every alert, the score follows the same weight, and no alert whose words
    call it possibly chance weighs as anything but a weak fact."""
    from test_severity import assert_severity_and_score_agree

    from collusion.scoring.severity import flag_weight, says_chance
    from collusion.settings import ScoreSettings

    report, _ = sample
    settings = ScoreSettings()
    assert report["alerts"]
    assert_severity_and_score_agree(report["alerts"], settings)
    rule = report["scoring"]["severity"]
    assert rule["flag_weight"] == round(flag_weight(settings), 4)
    for alert in report["alerts"]:
        if says_chance(alert["summary"]):
            assert alert["weight"]["weak"] and alert["severity"] == "low", alert["id"]
