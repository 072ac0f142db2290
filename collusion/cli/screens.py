"""`collusion screens fit|validate|score`: a tender-level model a center fits on its own cases."""

from __future__ import annotations

import csv
import sys
from pathlib import Path

import click

from collusion.errors import CollusionError

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
        f"fitted on {trained['tenders']} tenders ({trained['collusive']} collusive) "
        f"of {len(tenders)}; random forest of {len(model.trees)} trees, "
        f"scikit-learn {model.sklearn_version}"
    )
    for reason, count in sorted(trained["skipped"].items()):
        click.echo(f"left out {count} tenders: {reason}")
    click.echo(f"features: {','.join(model.features)}")
    click.echo(f"model written to {model_path}")


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
    """The validation as printed: plain lines, figures to three places."""
    grouping = f"grouped by {result.group_by}" if result.group_by else "tender by tender"
    lines = [
        f"tenders {result.tenders} ({result.collusive} collusive), {result.folds} folds "
        f"{grouping}, {result.groups} groups",
        f"accuracy           {result.accuracy:.3f}",
        f"balanced accuracy  {result.balanced_accuracy:.3f}",
        "AUC                " + (f"{result.auc:.3f}" if result.auc is not None else "-"),
        f"Brier score        {result.brier:.3f}",
        "confusion (rows: actual 0/1, columns: predicted 0/1, threshold 0.5)",
        f"  0: {result.confusion[0][0]:>6} {result.confusion[0][1]:>6}",
        f"  1: {result.confusion[1][0]:>6} {result.confusion[1][1]:>6}",
        "calibration (probability bin: mean predicted, share collusive, tenders)",
    ]
    for low, high, predicted, observed, count in result.calibration:
        shown = "-" if predicted is None else f"{predicted:.3f} {observed:.3f}"
        lines.append(f"  {low:.1f}-{high:.1f}: {shown} {count}")
    for group, count, accuracy in result.per_group:
        lines.append(f"group {group}: {count} tenders, accuracy {accuracy:.3f}")
    for reason, count in sorted(result.skipped.items()):
        lines.append(f"left out {count} tenders: {reason}")
    return lines


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
        click.echo(
            f"not scored: {tender.tender_id} (line {tender.line}): "
            f"missing {','.join(prediction.missing)}",
            err=True,
        )
    if output != "-":
        click.echo(f"scored {len(rows) - len(unscored)} of {len(rows)} tenders into {output}")


def _write_scores(handle, rows: list[tuple[str, str]]) -> None:  # noqa: ANN001
    writer = csv.writer(handle, lineterminator="\n")
    writer.writerow(("tender_id", "probability"))
    writer.writerows(rows)


def _names(features: str) -> list[str]:
    return [f.strip() for f in features.split(",") if f.strip()]
