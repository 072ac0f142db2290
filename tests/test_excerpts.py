"""Evidence quotes the document: every excerpt is text of the file it names."""

from __future__ import annotations

import re

import pytest
from conftest import SAMPLE_BIDS

from collusion.scan import scan_project

ELLIPSIS = "…"


def fold(text: str) -> str:
    """Whitespace and the table-cell separator removed."""
    return re.sub(r"[\s|]+", "", text)


@pytest.fixture(scope="module", params=["road-2026-017", "school-2026-031"])
def scanned(request: pytest.FixtureRequest):
    return scan_project(SAMPLE_BIDS / request.param)


def file_texts(result) -> dict[str, str]:
    texts = {}
    for bidder in result.context.bidders:
        for file in bidder.files:
            texts[file.path] = fold("".join(b.text for b in file.blocks))
    return texts


def test_every_excerpt_is_text_of_its_file(scanned) -> None:
    texts = file_texts(scanned)
    checked = 0
    for alert in scanned.report["alerts"]:
        for evidence in alert["evidence"]:
            excerpt, path = evidence.get("excerpt"), evidence.get("file")
            if not excerpt or path not in texts:
                continue
            for piece in excerpt.split(ELLIPSIS):
                assert fold(piece) in texts[path], (alert["kind"], path, excerpt)
            checked += 1
    assert checked


def test_a_passage_locator_leads_back_to_its_text(scanned) -> None:
    blocks = {
        (f.path, b.index): b.text
        for bidder in scanned.context.bidders
        for f in bidder.files
        for b in f.blocks
    }
    order = {}
    for bidder in scanned.context.bidders:
        for f in bidder.files:
            order[f.path] = [b.index for b in f.blocks]
    located = 0
    for alert in scanned.report["alerts"]:
        for e in alert["evidence"]:
            if "paragraph_end" not in e:
                continue
            path, first, last = e["file"], e["paragraph"], e["paragraph_end"]
            indexes = order[path][order[path].index(first) : order[path].index(last) + 1]
            texts = [blocks[(path, i)] for i in indexes]
            texts[-1] = texts[-1][: e["char_end"]]
            texts[0] = texts[0][e["char_start"] :]
            followed = fold("".join(texts))
            head = fold(e["excerpt"].split(ELLIPSIS)[0])
            assert followed.startswith(head[: len(followed)]) or head in followed, e
            located += 1
    if scanned.report["project"]["id"] == "road-2026-017":
        assert located
