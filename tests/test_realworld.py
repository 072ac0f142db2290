"""Files nobody on this project wrote: every one is ok or a clear error entry."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REALWORLD

pytestmark = pytest.mark.skipif(
    not REALWORLD.is_dir(), reason=f"shared corpora not found at {REALWORLD}"
)


def _realworld_files() -> list[Path]:
    return sorted(p for p in REALWORLD.rglob("*") if p.is_file())


@pytest.fixture(scope="module")
def realworld_report(tmp_path_factory: pytest.TempPathFactory) -> dict:
    root = tmp_path_factory.mktemp("realworld")
    for index, source in enumerate(_realworld_files(), start=1):
        folder = root / "bids" / f"r{index:03d}"
        folder.mkdir(parents=True)
        shutil.copyfile(source, folder / source.name)
    out = root / "report.json"
    done = subprocess.run(
        [sys.executable, "-m", "collusion", "scan", str(root), "-o", str(out)],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=root,
    )
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    return json.loads(out.read_text(encoding="utf-8"))


def test_every_realworld_file_is_ok_or_reported(realworld_report: dict) -> None:
    files = [f for b in realworld_report["bidders"] for f in b["files"]]
    assert len(files) == len(_realworld_files())
    reported = {e["file"] for e in realworld_report["errors"]}
    for file in files:
        if file["status"] == "ok":
            continue
        assert file["path"] in reported, file
        assert file["error"], file


def test_known_bad_realworld_files_get_their_reason(realworld_report: dict) -> None:
    by_name = {Path(f["path"]).name: f for b in realworld_report["bidders"] for f in b["files"]}
    encrypted = by_name["005-libreoffice-writer-password_libreoffice-writer-password.pdf"]
    assert encrypted["status"] == "error" and "加密" in encrypted["error"]
    empty = by_name["009-pdflatex-geotopo_GeoTopo.pdf"]
    assert empty["status"] == "error" and "空文件" in empty["error"]
    scanned = by_name["007-imagemagick-images_imagemagick-images.pdf"]
    assert scanned["status"] == "no_text"
    no_settings = by_name["features_steps_test_files_set-no-settings-part.docx"]
    assert no_settings["status"] in {"ok", "no_text"}


def test_imagemagick_shared_id_is_ignored_as_common(realworld_report: dict) -> None:
    ignored = [r for r in realworld_report["ignored_signatures"] if r["field"] == "pdf_id_0"]
    assert any("ImageMagick" in r["reason"] and len(r["bidders"]) == 4 for r in ignored)
