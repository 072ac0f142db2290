"""Tender-level screens: labelled cases, the model a center fits on them, and the report."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import jsonschema
import numpy as np
import pytest
from click.testing import CliRunner
from conftest import SAMPLE_BIDS

from collusion.analysis.screens import FEATURES, tender_features
from collusion.analysis.screens_cases import read_cases
from collusion.analysis.screens_model import (
    TREES,
    case_matrix,
    fit_model,
    load_model,
    save_model,
    sklearn_version,
)
from collusion.cli import main
from collusion.errors import CasesError, ScreensModelError
from collusion.report.build import load_schema
from collusion.report.html import render_html
from collusion.report.terminal import format_terminal_summary
from collusion.scan import scan_project
from collusion.settings import ScreensSettings, Settings
from tools import price_tenders

HEADER = "tender_id,price,label,company_id,control_price,date,region,winner\n"


@pytest.fixture(scope="module")
def cases(tmp_path_factory) -> Path:
    """Generated labelled cases: 240 tenders over four regions and two years."""
    path = tmp_path_factory.mktemp("cases") / "cases.csv"
    price_tenders.write_cases(path, list(price_tenders.cases(seed=7, tenders=240)))
    return path


@pytest.fixture(scope="module")
def model_file(cases: Path, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("model") / "model.json"
    result = CliRunner().invoke(main, ["screens", "fit", str(cases), "--model", str(path)])
    assert result.exit_code == 0, result.output
    return path


# --- the cases file ------------------------------------------------------------------------


def test_cases_are_read_by_tender(cases: Path):
    tenders = read_cases(cases, labels=True)
    assert len(tenders) == 240
    first = tenders[0]
    assert first.label in (0, 1) and first.region == "north" and first.control_price > 0
    assert len(first.prices) >= 5 and first.line == 2
    assert first.group("region") == "north" and first.group("date") in ("2023", "2024")


def test_a_bad_row_refuses_the_whole_file_with_line_numbers(tmp_path: Path):
    path = tmp_path / "bad.csv"
    path.write_text(
        HEADER
        + "T1,100,1,C1,120,2024-01-02,north,1\n"
        + "T1,abc,1,C2,120,2024-01-02,north,0\n"
        + "T1,103,2,C3,120,2024-01-02,north,0\n"
        + "T1,104,1,C4,130,2024-01-02,north,0\n"
        + ",105,0,C5,,,,\n",
        encoding="utf-8",
    )
    with pytest.raises(CasesError) as caught:
        read_cases(path, labels=True)
    message = str(caught.value)
    assert "第 3 行：price 应为正数" in message
    assert "第 4 行：label 应为 0 或 1" in message
    assert "第 5 行：招标项目 T1 的 control_price 为 130.0" in message and "第 2 行" in message
    assert "第 6 行：tender_id 为空" in message
    # Scoring ignores labels: the label errors are no errors then.
    with pytest.raises(CasesError) as caught:
        read_cases(path, labels=False)
    assert "label" not in str(caught.value)


def test_the_header_and_the_encoding_are_checked(tmp_path: Path):
    path = tmp_path / "cases.csv"
    path.write_text("tender_id,price\nT1,100\n", encoding="utf-8")
    with pytest.raises(CasesError, match="缺少列：label"):
        read_cases(path, labels=True)
    assert read_cases(path, labels=False)[0].prices == [100.0]
    path.write_bytes("tender_id,price\nT1,100\nT1,一百\n".encode("gb18030"))
    with pytest.raises(CasesError, match="第 3 行：不是 UTF-8"):
        read_cases(path, labels=False)
    path.write_text("", encoding="utf-8")
    with pytest.raises(CasesError, match="文件为空"):
        read_cases(path, labels=False)


# --- the model -----------------------------------------------------------------------------------


def test_the_model_file_is_json_and_round_trips(cases: Path, model_file: Path, tmp_path: Path):
    data = json.loads(model_file.read_text(encoding="utf-8"))  # JSON, no pickle
    assert data["model"] == "random_forest" and data["sklearn_version"] == sklearn_version()
    assert data["features"] == ["cv", "spread", "diffp", "rd", "skewness", "kurtosis", "ks", "bids"]
    assert len(data["trees"]) == TREES
    model = load_model(model_file)
    again = tmp_path / "again.json"
    save_model(model, again)
    assert again.read_bytes() == model_file.read_bytes()
    assert load_model(again) == model


def test_the_loaded_model_scores_as_scikit_learn_does(cases: Path, model_file: Path):
    from sklearn.ensemble import RandomForestClassifier

    tenders = read_cases(cases, labels=True)
    model = load_model(model_file)
    rows, kept, _ = case_matrix(tenders, model.features, 4)
    forest = RandomForestClassifier(**model.parameters).fit(rows, [t.label for t in kept])
    expected = forest.predict_proba(rows)[:, 1]
    ours = [model.predict(dict(zip(model.features, row, strict=True))).probability for row in rows]
    assert np.allclose(ours, expected, atol=1e-12)
    # The drivers add up to the probability less the forest's base rate.
    prediction = model.predict(dict(zip(model.features, rows[0], strict=True)))
    assert len(prediction.drivers) == 3 and all(d.name in FEATURES for d in prediction.drivers)


def test_a_model_from_another_scikit_learn_is_refused(model_file: Path, tmp_path: Path):
    data = json.loads(model_file.read_text(encoding="utf-8"))
    data["sklearn_version"] = "1.2.0"
    other = tmp_path / "old.json"
    other.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(ScreensModelError) as caught:
        load_model(other)
    assert "scikit-learn 1.2.0" in str(caught.value) and sklearn_version() in str(caught.value)
    assert "重新训练" in str(caught.value)


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (
            lambda d: d.update(features=[*d["features"][:-1], "bidder_age"]),
            "未知的特征：bidder_age",
        ),
        (lambda d: d.pop("trees"), "缺少字段：trees"),
        (lambda d: d["trees"][0].update(left=d["trees"][0]["left"][:-1]), "等长"),
        (lambda d: d["trees"][0]["left"].__setitem__(0, 0), "子节点无效"),
        (lambda d: d.update(format="something-else"), "不是 collusion 报价筛查模型"),
    ],
)
def test_a_damaged_model_file_is_refused(model_file: Path, tmp_path: Path, change, words):
    data = json.loads(model_file.read_text(encoding="utf-8"))
    change(data)
    damaged = tmp_path / "damaged.json"
    damaged.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(ScreensModelError, match=words):
        load_model(damaged)


def test_a_tender_missing_a_feature_gets_no_probability(cases: Path):
    tenders = read_cases(cases, labels=True)
    model = fit_model(tenders, [*FEATURES], source="cases.csv")
    values = tender_features([100.0, 101.0, 103.0, 104.0, 110.0], None, 4)
    prediction = model.predict(values)
    assert prediction.probability is None
    assert prediction.missing == ("mean_discount", "min_discount")


# --- the commands ----------------------------------------------------------------------------


def test_validate_prints_grouped_accuracy_and_auc(cases: Path):
    result = CliRunner().invoke(main, ["screens", "validate", str(cases), "--group-by", "region"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith("招标项目 2") and "按 region 分组，4 组" in lines[0]
    figures = dict(line.rsplit(None, 1) for line in lines[1:5])
    assert 0.5 < float(figures["准确率"]) <= 1 and 0.5 < float(figures["AUC"]) <= 1
    assert sum(line.startswith("组 ") for line in lines) == 4
    assert any(line.startswith("  0.8-1.0:") for line in lines)
    # The same figures in English with --lang en, at the same columns.
    english = CliRunner().invoke(
        main, ["screens", "validate", str(cases), "--group-by", "region", "--lang", "en"]
    )
    assert english.exit_code == 0, english.output
    lines_en = english.output.splitlines()
    assert lines_en[0].startswith("tenders 2") and "grouped by region, 4 groups" in lines_en[0]
    assert [line[18:] for line in lines_en[1:5]] == [line.rsplit(None, 1)[1] for line in lines[1:5]]
    assert lines_en[1].startswith("accuracy ") and lines_en[4].startswith("Brier score ")


def test_validate_by_date_needs_dates(tmp_path: Path):
    path = tmp_path / "cases.csv"
    rows = [f"T{t},{100 + i + t},{t % 2},,,,," for t in range(8) for i in range(5)]
    path.write_text(HEADER + "\n".join(rows) + "\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["screens", "validate", str(path), "--group-by", "date"])
    assert result.exit_code == 1 and "需要每个招标项目都有 date" in result.output


def test_score_writes_one_row_per_tender(cases: Path, model_file: Path, tmp_path: Path):
    unlabelled = tmp_path / "new.csv"
    with cases.open(encoding="utf-8") as source:
        rows = [(r["tender_id"], r["price"]) for r in csv.DictReader(source)]
    rows += [("SHORT", "100"), ("SHORT", "101"), ("SHORT", "102")]  # three bids: no screens
    with unlabelled.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows([("tender_id", "price"), *rows])
    output = tmp_path / "scores.csv"
    result = CliRunner().invoke(
        main,
        ["screens", "score", str(unlabelled), "--model", str(model_file), "--output", str(output)],
    )
    assert result.exit_code == 0, result.output
    scored = list(csv.DictReader(output.open(encoding="utf-8")))
    assert [r["tender_id"] for r in scored][:2] == ["T7-00000", "T7-00001"]
    assert len(scored) == 241 and scored[-1] == {"tender_id": "SHORT", "probability": ""}
    # A tender whose screens cannot all be computed (too few bids, every
    # losing bid equal) gets an empty probability, and a line saying why.
    empty = [r["tender_id"] for r in scored if r["probability"] == ""]
    assert all(0 <= float(r["probability"]) <= 1 for r in scored if r["probability"])
    assert len(empty) < 10 and all(f"未评分：{t}（" in result.output for t in empty)
    assert f"已为 241 个招标项目中的 {241 - len(empty)} 个评分" in result.output


def test_fit_refuses_a_bad_file_and_writes_nothing(tmp_path: Path):
    path = tmp_path / "cases.csv"
    path.write_text(HEADER + "T1,100,1,,,,,\nT1,x,1,,,,,\n", encoding="utf-8")
    model = tmp_path / "model.json"
    result = CliRunner().invoke(main, ["screens", "fit", str(path), "--model", str(model)])
    assert result.exit_code == 1 and "第 3 行：price 应为正数" in result.output
    assert not model.exists()


# --- the report ----------------------------------------------------------------------------------


def test_every_report_has_the_tender_screens():
    report = scan_project(SAMPLE_BIDS / "school-2026-031").report
    jsonschema.validate(report, load_schema())
    screens = report["indicators"]["screens"]
    assert screens["bids"] == 8 and screens["model"] is None
    by_name = {s["name"]: s for s in screens["screens"]}
    assert by_name["cv"]["label"] == "变异系数 CV" and by_name["cv"]["definition"]
    assert by_name["cv"]["value"] == report["indicators"]["prices"]["screens"]["cv"]["value"]
    assert by_name["mean_discount"]["value"] is None
    assert by_name["mean_discount"]["reason"] == "本项目未载明招标控制价"
    assert "不针对任何投标人" in screens["note"]


def test_scan_with_a_model_gives_the_tender_probability(model_file: Path, tmp_path: Path):
    project = tmp_path / "school"
    shutil.copytree(SAMPLE_BIDS / "school-2026-031", project)
    out = tmp_path / "report.json"
    result = CliRunner().invoke(
        main,
        ["scan", str(project), "-q", "--output", str(out), "--screens-model", str(model_file)],
    )
    assert result.exit_code == 0, result.output
    report = json.loads(out.read_text(encoding="utf-8"))
    jsonschema.validate(report, load_schema())
    model = report["indicators"]["screens"]["model"]
    assert 0 <= model["probability"] <= 1 and model["model"] == "random_forest"
    assert len(model["drivers"]) == 3 and model["trained_on"]["tenders"] > 200
    # A lead for the tender: no alert, no pair comes of it.
    assert all(a["kind"] != "screens" for a in report["alerts"])
    html = render_html(report)
    assert "筛查模型" in html and f"{model['probability']:.0%}" in html
    summary = format_terminal_summary(report)
    assert f"串通投标的概率约 {model['probability']:.0%}" in summary


def test_scan_refuses_a_model_it_cannot_use_before_scanning(model_file: Path, tmp_path: Path):
    data = json.loads(model_file.read_text(encoding="utf-8"))
    data["sklearn_version"] = "0.24.2"
    old = tmp_path / "old.json"
    old.write_text(json.dumps(data), encoding="utf-8")
    out = tmp_path / "report.json"
    result = CliRunner().invoke(
        main,
        ["scan", str(SAMPLE_BIDS / "road-2026-017"), "-o", str(out), "--screens-model", str(old)],
    )
    assert result.exit_code == 1 and "scikit-learn 0.24.2" in result.output
    assert not out.exists()


def test_the_nightly_run_scores_with_the_model(model_file: Path, tmp_path: Path):
    from collusion.nightly.run import run_nightly

    inbox = tmp_path / "inbox"
    shutil.copytree(SAMPLE_BIDS / "school-2026-031", inbox / "school-2026-031")
    summary = run_nightly(
        inbox,
        tmp_path / "history.db",
        tmp_path / "out",
        settings=Settings(screens=ScreensSettings(model=str(model_file))),
    )
    assert not summary.failed
    report = json.loads((tmp_path / "out" / "school-2026-031.json").read_text(encoding="utf-8"))
    assert report["indicators"]["screens"]["model"]["probability"] is not None


def test_the_nightly_command_refuses_a_model_with_unknown_features(
    model_file: Path, tmp_path: Path
):
    data = json.loads(model_file.read_text(encoding="utf-8"))
    data["features"][-1] = "winner_share"
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(data), encoding="utf-8")
    inbox = tmp_path / "inbox"
    shutil.copytree(SAMPLE_BIDS / "road-2026-017", inbox / "road-2026-017")
    out = tmp_path / "out"
    result = CliRunner().invoke(
        main,
        [
            "nightly",
            str(inbox),
            "--out",
            str(out),
            "--db",
            str(tmp_path / "h.db"),
            "--screens-model",
            str(bad),
        ],
    )
    assert result.exit_code == 1 and "未知的特征：winner_share" in result.output
    assert not out.exists() or not any(out.iterdir())
