"""`collusion screens fit|validate|score`: a tender-level model a center fits on its own cases."""

from __future__ import annotations

import csv
import sys
from pathlib import Path

import click

from collusion.errors import CollusionError
from collusion.runtime.lang import tr

CASES_HELP = (
    "CASES is a UTF-8 CSV with a header holding at least tender_id,price,label "
    "(one row per bid; label 1 when the tender was collusive, else 0) and optionally "
    "company_id, control_price, date, region, winner; other columns are ignored."
)


def _features_option(func):  # noqa: ANN001, ANN202
    from collusion.analysis.screens import DEFAULT_FEATURES, FEATURES

    return click.option(
        "--features",
        default=",".join(DEFAULT_FEATURES),
        show_default=True,
        help=f"Comma-separated screens the model uses, from: {', '.join(FEATURES)}.",
    )(func)


def _min_bids_option(func):  # noqa: ANN001, ANN202
    return click.option(
        "--min-bids",
        type=click.IntRange(min=4),
        default=4,
        show_default=True,
        help="Tenders with fewer bids are left out (the screens need four).",
    )(func)


def _fail(exc: CollusionError) -> click.ClickException:
    from collusion.runtime.console import printable

    return click.ClickException(printable(str(exc)))


@click.group()
def screens() -> None:
    """Fit, validate and apply a tender-level screens model on a center's labelled cases.

    The model (a random forest over scale-free screens: CV, spread, DIFFP,
    RD, skewness, kurtosis, KS, the number of bids) gives the probability
    that a whole tender was collusive. Fit it on your own cases: how bids
    spread depends on your evaluation methods and market.
    """


@screens.command()
@click.argument("cases", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--model",
    "model_path",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Where to write the model (JSON, no pickle).",
)
@_features_option
@_min_bids_option
def fit(cases: Path, model_path: Path, features: str, min_bids: int) -> None:
    """Fit the model on the labelled CASES and write it to --model.

    \b
    """
    from collusion.analysis.screens_cases import read_cases
    from collusion.analysis.screens_model import fit_model, save_model

    try:
        tenders = read_cases(cases, labels=True)
        model = fit_model(tenders, _names(features), min_bids=min_bids, source=cases.name)
        save_model(model, model_path)
    except CollusionError as exc:
        raise _fail(exc) from exc
    except OSError as exc:
        raise click.ClickException(f"无法写出模型 {model_path}：{exc.strerror or exc}") from exc
    trained = model.trained
    click.echo(
        tr(
            f"用 {len(tenders)} 个招标项目中的 {trained['tenders']} 个训练"
            f"（其中串标 {trained['collusive']} 个）；随机森林 {len(model.trees)} 棵树，"
            f"scikit-learn {model.sklearn_version}",
            f"fitted on {trained['tenders']} tenders ({trained['collusive']} collusive) "
            f"of {len(tenders)}; random forest of {len(model.trees)} trees, "
            f"scikit-learn {model.sklearn_version}",
        )
    )
    for reason, count in sorted(trained["skipped"].items()):
        click.echo(_left_out(count, reason))
    click.echo(tr("筛查指标：", "features: ") + ",".join(model.features))
    click.echo(tr(f"模型已写入 {model_path}", f"model written to {model_path}"))


def _left_out(count: int, reason: str) -> str:
    return tr(f"未用 {count} 个招标项目：{reason}", f"left out {count} tenders: {reason}")


fit.help = (fit.help or "").replace("\b\n", "") + CASES_HELP


@screens.command()
@click.argument("cases", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--group-by",
    type=click.Choice(["region", "date"]),
    help="Keep each region (or each year of date) wholly in fitting or in testing; "
    "default: tenders one by one, folds stratified by label.",
)
@click.option(
    "--folds",
    type=click.IntRange(min=2),
    default=5,
    show_default=True,
    help="Cross-validation folds (at most the number of groups).",
)
@_features_option
@_min_bids_option
def validate(cases: Path, group_by: str | None, folds: int, features: str, min_bids: int) -> None:
    """Print grouped cross-validated accuracy, balanced accuracy, AUC, calibration
    and the confusion table of the model on the labelled CASES."""
    from collusion.analysis.screens_cases import read_cases
    from collusion.analysis.screens_model import validate as run

    try:
        result = run(
            read_cases(cases, labels=True),
            group_by,
            _names(features),
            folds=folds,
            min_bids=min_bids,
        )
    except CollusionError as exc:
        raise _fail(exc) from exc
    for line in validation_lines(result):
        click.echo(line)


def validation_lines(result) -> list[str]:  # noqa: ANN001
    """The validation as printed: plain lines, figures to three places.

    Each figure's line is a label padded to 18 columns, then the figure, in
    either language, so that a script can read the figures by position.
    """
    if result.group_by:
        grouping = tr(f"按 {result.group_by} 分组", f"grouped by {result.group_by}")
    else:
        grouping = tr("逐个项目", "tender by tender")
    auc = f"{result.auc:.3f}" if result.auc is not None else "-"
    lines = [
        tr(
            f"招标项目 {result.tenders} 个（串标 {result.collusive} 个），{result.folds} 折"
            f"交叉验证，{grouping}，{result.groups} 组",
            f"tenders {result.tenders} ({result.collusive} collusive), {result.folds} folds "
            f"{grouping}, {result.groups} groups",
        ),
        _figure(tr("准确率", "accuracy"), f"{result.accuracy:.3f}"),
        _figure(tr("平衡准确率", "balanced accuracy"), f"{result.balanced_accuracy:.3f}"),
        _figure("AUC", auc),
        _figure(tr("Brier 分数", "Brier score"), f"{result.brier:.3f}"),
        tr(
            "混淆表（行：实际 0/1，列：预测 0/1，阈值 0.5）",
            "confusion (rows: actual 0/1, columns: predicted 0/1, threshold 0.5)",
        ),
        f"  0: {result.confusion[0][0]:>6} {result.confusion[0][1]:>6}",
        f"  1: {result.confusion[1][0]:>6} {result.confusion[1][1]:>6}",
        tr(
            "校准（概率区间：平均预测概率，串标占比，项目数）",
            "calibration (probability bin: mean predicted, share collusive, tenders)",
        ),
    ]
    for low, high, predicted, observed, count in result.calibration:
        shown = "-" if predicted is None else f"{predicted:.3f} {observed:.3f}"
        lines.append(f"  {low:.1f}-{high:.1f}: {shown} {count}")
    for group, count, accuracy in result.per_group:
        lines.append(
            tr(
                f"组 {group}：{count} 个项目，准确率 {accuracy:.3f}",
                f"group {group}: {count} tenders, accuracy {accuracy:.3f}",
            )
        )
    for reason, count in sorted(result.skipped.items()):
        lines.append(_left_out(count, reason))
    return lines


def _figure(label: str, value: str) -> str:
    """A label and its figure; a Chinese character fills two columns of the 18."""
    width = sum(2 if ord(ch) > 0x2E7F else 1 for ch in label)
    return label + " " * max(1, 18 - width) + value


@screens.command()
@click.argument("cases", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--model",
    "model_path",
    required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A model written by `collusion screens fit`.",
)
@click.option(
    "--output",
    "-o",
    default="-",
    show_default=True,
    help="Where to write tender_id,probability; '-' for standard output.",
)
@_min_bids_option
def score(cases: Path, model_path: Path, output: str, min_bids: int) -> None:
    """Write one row per tender of CASES: tender_id,probability (labels are ignored).

    A tender the model cannot score (too few bids, a screen that cannot be
    computed) gets an empty probability, and the reason is printed on
    standard error.
    """
    from collusion.analysis.screens_cases import read_cases
    from collusion.analysis.screens_model import load_model, score_cases

    try:
        model = load_model(model_path)
        scored = score_cases(model, read_cases(cases, labels=False), min_bids)
    except CollusionError as exc:
        raise _fail(exc) from exc
    rows = [
        (t.tender_id, "" if p.probability is None else f"{p.probability:.4f}") for t, p in scored
    ]
    try:
        if output == "-":
            _write_scores(sys.stdout, rows)
        else:
            with open(output, "w", newline="", encoding="utf-8") as handle:
                _write_scores(handle, rows)
    except OSError as exc:
        raise click.ClickException(f"无法写出 {output}：{exc.strerror or exc}") from exc
    unscored = [(t, p) for t, p in scored if p.probability is None]
    for tender, prediction in unscored:
        missing = ",".join(prediction.missing)
        click.echo(
            tr(
                f"未评分：{tender.tender_id}（第 {tender.line} 行）：缺少 {missing}",
                f"not scored: {tender.tender_id} (line {tender.line}): missing {missing}",
            ),
            err=True,
        )
    if output != "-":
        scored_count = len(rows) - len(unscored)
        click.echo(
            tr(
                f"已为 {len(rows)} 个招标项目中的 {scored_count} 个评分，写入 {output}",
                f"scored {scored_count} of {len(rows)} tenders into {output}",
            )
        )


def _write_scores(handle, rows: list[tuple[str, str]]) -> None:  # noqa: ANN001
    writer = csv.writer(handle, lineterminator="\n")
    writer.writerow(("tender_id", "probability"))
    writer.writerows(rows)


def _names(features: str) -> list[str]:
    return [f.strip() for f in features.split(",") if f.strip()]
