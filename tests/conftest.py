"""Shared fixtures: real project folders made of real PDF and DOCX files."""

from __future__ import annotations

import csv
import json
import os
import random
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from pgtest import history_target, pg_dsn, pg_server  # noqa: F401  (fixtures)

REPO = Path(__file__).resolve().parent.parent
# tools/ (the synthetic-document writer) is not installed. Appended, not
# prepended: the installed collusion package stays the one under test.
if str(REPO) not in sys.path:
    sys.path.append(str(REPO))

from tools import synth  # noqa: E402

SAMPLE_BIDS = REPO / "sample_bids"
# ../shared beside a clone (as CI lays it out); COLLUSION_REALWORLD points a
# worktree elsewhere at the same corpora.
REALWORLD = Path(
    os.environ.get("COLLUSION_REALWORLD") or REPO.parent / "shared" / "corpora" / "realworld"
)


def plan_paragraphs(seed: int, company: str) -> list:
    """A bidder's own technical plan as write_docx/write_pdf paragraphs."""
    rng = random.Random(seed)
    items: list = []
    for heading, paragraphs in synth.technical_plan(rng, company, sections=4):
        items.append((heading, 1))
        items.extend(paragraphs)
    return items


class ProjectBuilder:
    """Builds a project folder (contract §1) under a temporary directory."""

    def __init__(self, root: Path) -> None:
        self.root = root
        (root / "bids").mkdir(parents=True, exist_ok=True)
        self.meta: dict[str, Any] = {
            "id": "T-0001",
            "name": "测试工程",
            "industry": "construction",
            "bidders": {},
        }
        self.csv_rows: list[tuple[str, str, str]] = []

    def bidder(self, bidder_id: str, name: str | None = None, price: float | None = None) -> Path:
        folder = self.root / "bids" / bidder_id
        folder.mkdir(parents=True, exist_ok=True)
        entry = self.meta["bidders"].setdefault(bidder_id, {})
        if name:
            entry["name"] = name
        if price is not None:
            entry["price"] = price
        return folder

    def docx(self, bidder_id: str, name: str, paragraphs: list | None = None, **codes: Any) -> Path:
        folder = self.bidder(bidder_id) if bidder_id != "tender" else self.root / "tender"
        return synth.write_docx(folder / name, paragraphs or ["正文"], **codes)

    def pdf(self, bidder_id: str, name: str, pages: list | None = None, **codes: Any) -> Path:
        folder = self.bidder(bidder_id) if bidder_id != "tender" else self.root / "tender"
        return synth.write_pdf(folder / name, pages or [["正文"]], **codes)

    def signature(self, bidder_id: str, code: str, value: str) -> None:
        self.csv_rows.append((bidder_id, code, value))

    def write(self) -> Path:
        (self.root / "project.json").write_text(
            json.dumps(self.meta, ensure_ascii=False, indent=2), encoding="utf-8"
        )
        if self.csv_rows:
            with (self.root / "signatures.csv").open("w", encoding="utf-8", newline="") as f:
                writer = csv.writer(f)
                writer.writerow(["bidder", "code", "value"])
                writer.writerows(self.csv_rows)
        return self.root


@pytest.fixture
def project(tmp_path: Path) -> ProjectBuilder:
    return ProjectBuilder(tmp_path / "project")


@pytest.fixture
def scan() -> Callable[..., dict]:
    from collusion.scan import scan_project

    def run(root: Path, **kwargs: Any) -> dict:
        return scan_project(root, **kwargs).report

    return run
