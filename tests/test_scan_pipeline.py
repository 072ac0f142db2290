"""The scan's text preparation in the extraction workers changes nothing:
the same report whether the workers prepared each file or the parent did."""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pytest

from collusion import scan as scan_module
from collusion.analysis.text.shingles import _python_shingles, shingle_array
from collusion.models import ExtractedFile
from collusion.scan import scan_project

SAMPLE = Path(__file__).resolve().parents[1] / "sample_bids" / "road-2026-017"


def _without_time(report: dict) -> dict:
    return {k: v for k, v in report.items() if k != "generated_at"}


def test_workers_and_parent_prepare_the_same_text(monkeypatch: pytest.MonkeyPatch) -> None:
    made_by_workers = scan_project(SAMPLE)
    assert made_by_workers.report["pairs"], "the sample has flagged pairs to compare"

    def failing_maker(*_args: object) -> object:
        def fail(_file: ExtractedFile) -> None:
            raise RuntimeError("the worker could not prepare this file")

        return fail

    monkeypatch.setattr(scan_module, "file_text_maker", failing_maker)
    made_by_parent = scan_project(SAMPLE)
    assert _without_time(made_by_parent.report) == _without_time(made_by_workers.report)
    assert _prints(made_by_parent) == _prints(made_by_workers)


def _prints(result: scan_module.ScanResult) -> dict:
    return {
        key: (p.shingles, p.chars, None if p.minhash is None else p.minhash.hashvalues.tolist())
        for key, p in result.fingerprints.prints.items()
    }


def test_vectorized_shingles_are_xxhash_of_each_window() -> None:
    """The stored fingerprints depend on the exact hash of every window."""
    rng = random.Random(7)
    pool = "施工组织设计混凝土质量安全abcXYZ0123 ,.\n" + "é€—" + "\U00020000\U0001f600"
    for _ in range(200):
        text = "".join(rng.choice(pool) for _ in range(rng.randint(0, 1500)))
        for k in (1, 3, 5, 6):
            assert shingle_array(text, k).tolist() == _python_shingles(text, k)


def test_unique_sorted_is_numpy_unique() -> None:
    from collusion.analysis.distinct import unique_sorted

    rng = np.random.default_rng(5)
    for size in (0, 1, 2, 50, 5000):
        for dtype in (np.uint32, np.uint64, np.int64):
            values = rng.integers(0, 200, size).astype(dtype)
            assert np.array_equal(unique_sorted(values), np.unique(values))
            assert unique_sorted(values).dtype == dtype


def test_parameters_travel_as_columns_and_come_back_equal() -> None:
    from collusion.analysis.text.paramtext import ParamColumns, extract_params

    text = "混凝土强度等级为C30，路面宽度6m，塔吊QTZ80两台，工期120日历天，含税 5%"
    params = extract_params(text)
    assert len(params) >= 4
    assert ParamColumns.of(params).params() == params
    assert {p.section for p in ParamColumns.of(params).params(12)} == {12}
    assert ParamColumns.of(()).params() == ()


TRICKY = (
    "施工组织设计混凝土℃㎡①ﬁＡｂｃ，。：（）國乾\u200b\u00adсоЗabcΣσςİıﬃ가각\u1100\u1161\u11a8"
    "ｶﾞﾟか\u3099é\u0301e\u0323\u0307ǅ\u00df\ufb01\u2163\u33a1\uff10\u3000\U0001f600\U00020000"
    "\x00\t\n Ω\u2126\u212b\u0130"
)


def _reference_fold(text: str):  # noqa: ANN202 - normalize.Folded
    """``normalize._fold_with_offsets`` done with unicodedata on the whole text."""
    import unicodedata

    from collusion.analysis import normalize
    from collusion.analysis.folding import code_points, fold_confusables

    nfkc = unicodedata.normalize("NFKC", text)
    if len(nfkc) == len(text):
        mapped, confused = fold_confusables(nfkc)
        whole = mapped.lower()
        if len(whole) == len(text):
            return normalize._fold_fast(code_points(whole), confused)
    return normalize._fold_by_char(text)


def test_folding_by_table_is_unicodedata_on_the_whole_text() -> None:
    """NFKC and lower case by per-character tables give what unicodedata gives
    on the whole text, composing and context-cased characters included."""
    import unicodedata

    from collusion.analysis import normalize
    from collusion.analysis.text.paramtext import _fold_one, _fold_same_length

    rng = random.Random(11)
    for _ in range(3000):
        text = "".join(rng.choice(TRICKY) for _ in range(rng.randint(0, 40)))
        folded, starts, ends, concealed = normalize._fold_with_offsets(text)
        r_folded, r_starts, r_ends, r_concealed = _reference_fold(text)
        assert folded == r_folded, text
        assert starts.tolist() == list(r_starts) and ends.tolist() == list(r_ends), text
        assert concealed == r_concealed, text
        whole = unicodedata.normalize("NFKC", text).lower()
        expected = whole if len(whole) == len(text) else "".join(map(_fold_one, text))
        assert _fold_same_length(text) == expected, text
