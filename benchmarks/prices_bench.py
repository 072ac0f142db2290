"""Price patterns on generated tenders: no chance pattern flags a pair, planted rings do.

Tenders come from ``tools/price_tenders.py`` (honest bidding in every style of
writing a price: to the fen, rounded, discount rates on the control price,
a published floor). Each is run through the real detector
(``collusion.detectors.price_pattern.detect``) and the real pair scoring
(``collusion.scoring.score``), on its prices alone, as ``collusion scan``
does with project.json prices and nothing else to link the bidders.

1. Honest tenders: ``--tenders`` per style, 5 to 20 bids; on rate and floor
   tenders half state the control price and floor in project.json and half
   do not (the grid is then inferred from the bids). Printed: tenders with
   a price alert, tenders with a flagged pair, patterns set aside.
2. Planted rings: per style, tenders with an identical-price ring (two or
   three bidders) or a progression ring (three or four, a round step);
   printed: rings found (every pair of the ring flagged) and honest pairs
   flagged.
3. The chance model against simulation: bids drawn evenly or normally on a
   lattice; the chance the model gives to "some three bids in a row" and
   "some two bids equal", against how often that happens.

    python benchmarks/prices_bench.py                   # 1,000 honest tenders per style
    python benchmarks/prices_bench.py --tenders 200     # quicker
    python benchmarks/prices_bench.py --screens         # also the screens model (see --help)

4. The screens model (``--screens``): labelled cases from
   ``tools/price_tenders.cases`` (four regions, two years, 40% collusive in
   the cover, complementary and rotation styles). The model is chosen on
   cases of seed CHOICE_SEED (forest against logistic regression and
   gradient boosting, folds grouped by region); the figures reported are
   ``collusion screens validate`` on cases of seed REPORT_SEED, tender by
   tender and grouped by region and by year, and a model fitted on the
   choice cases scoring the report cases; then the model file's round trip.

Seeds: honest tenders by style name, rings 500000+, simulation 900000+,
screens choice 300000 and report 700000. Nothing here was tuned on the
report seeds: the chance model has no fitted constant.
"""

from __future__ import annotations

import argparse
import math
import random
import sys
import time
from collections import Counter
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from collusion.analysis.lattice import (  # noqa: E402
    MIDPOINT_SPREAD_FACTOR,
    Spread,
    chain_constant,
    poisson_any,
)
from collusion.analysis.prices import identical_prices, progressions  # noqa: E402
from collusion.detectors import price_pattern  # noqa: E402
from collusion.models import ScanContext  # noqa: E402
from collusion.scoring.score import score_pairs, weigh_alerts  # noqa: E402
from collusion.settings import Settings  # noqa: E402
from tools import price_tenders as gen  # noqa: E402

RING_SEED = 500_000
SIMULATION_SEED = 900_000
CHOICE_SEED = 300_000  # the screens model was chosen on these cases
REPORT_SEED = 700_000  # and its figures are reported on these
STATED_LIMITS = ("rate_1", "rate_0.5", "rate_0.1", "rate_0.01", "cap_floor")


def context(tender: gen.Tender, settings: Settings, limits: bool) -> ScanContext:
    """A scan context holding only the tender's project.json: prices, and the limits if asked."""
    return gen.price_context(tender, settings, limits)


def flagged_pairs(ctx: ScanContext) -> tuple[list, set[tuple[str, str]], float]:
    """The price alerts of a tender, the pairs they flag and the largest pair weight."""
    alerts = weigh_alerts(price_pattern.detect(ctx), ctx.settings.score)
    alerts = [replace(a, id=f"A{i:04d}") for i, a in enumerate(alerts, start=1)]
    pairs = score_pairs(alerts, ctx.settings.score)
    top = max((p.weight for p in pairs), default=0.0)
    return alerts, {p.bidders for p in pairs if p.flagged}, top


def honest_run(count: int, settings: Settings) -> None:
    flag = settings.score.flag_weight
    print(f"1. Honest tenders, {count} per style, 5-20 bids, prices only")
    print(f"   largest pair weight from prices (a pair is flagged from {flag:.2f})")
    print(
        f"   {'style':<13}{'alerts':>7}{'W>=2':>6}{'W>=2.5':>7}{'W>=3':>6}{'flagged':>8}"
        f"{'set aside':>10}  reasons"
    )
    totals = Counter()
    for style in gen.STYLES:
        rng = random.Random(f"honest-{style}")
        counts: Counter = Counter()
        reasons: Counter = Counter()
        for number in range(1, count + 1):
            tender = gen.honest_tender(rng, f"H{number}", style, rng.randint(5, 20))
            limits = style in STATED_LIMITS and number % 2 == 0
            ctx = context(tender, settings, limits)
            alerts, pairs, top = flagged_pairs(ctx)
            counts.update(
                alerts=bool(alerts), w2=top >= 2, w25=top >= 2.5, w3=top >= 3, flagged=bool(pairs)
            )
            for entry in price_pattern.project_indicators(ctx)["set_aside"]:
                reasons[entry["reason"]] += 1
        totals.update(counts)
        totals["tenders"] += count
        print(
            f"   {style:<13}{counts['alerts']:>7}{counts['w2']:>6}{counts['w25']:>7}"
            f"{counts['w3']:>6}{counts['flagged']:>8}{sum(reasons.values()):>10}  "
            + ", ".join(f"{k} {v}" for k, v in sorted(reasons.items()))
        )
    print(
        f"   all: {totals['tenders']} tenders, {totals['alerts']} with a price alert, "
        f"{totals['flagged']} with a flagged pair"
    )


def ring_run(count: int, settings: Settings) -> None:
    print(f"2. Planted rings, {count} tenders per style and kind, 5-20 bids")
    print(f"   {'style':<13}{'identical':>11}{'progression':>13}{'honest pairs flagged':>22}")
    found_all = Counter()
    for style in gen.STYLES:
        rng = random.Random(f"ring-{style}-{RING_SEED}")
        found = Counter()
        false_pairs = 0
        for kind in gen.RING_KINDS:
            for number in range(count):
                bidders = rng.randint(5, 20)
                size = rng.choice((2, 3)) if kind == "identical" else rng.choice((3, 4))
                tender = gen.honest_tender(rng, f"R{number}", style, bidders)
                tender = gen.plant_ring(rng, tender, kind, size)
                limits = style in STATED_LIMITS and number % 2 == 0
                _, pairs, _ = flagged_pairs(context(tender, settings, limits))
                ring_pairs = {
                    (a, b) for i, a in enumerate(tender.ring) for b in tender.ring[i + 1 :]
                }
                found[kind] += ring_pairs <= pairs
                false_pairs += len(pairs - ring_pairs)
        found_all.update({(style in gen.RATES, k): v for k, v in found.items()})
        print(
            f"   {style:<13}{found['identical'] / count:>11.2f}"
            f"{found['progression'] / count:>13.2f}{false_pairs:>22}"
        )
    free = [s for s in gen.STYLES if s not in gen.RATES]
    for rates, label, styles in ((False, "free prices", free), (True, "rate grids", gen.RATES)):
        n = count * len(styles)
        print(
            f"   recall on {label}: identical {found_all[(rates, 'identical')] / n:.3f}, "
            f"progression {found_all[(rates, 'progression')] / n:.3f} ({n} rings each)"
        )


def simulation_run(trials: int) -> None:
    print(f"3. The chance model against simulation, {trials} tenders per row")
    print(
        f"   {'bids':>5}{'lattice':>9}{'range':>11}{'shape':>8}"
        f"{'3 in a row':>12}{'model':>8}{'2 equal':>9}{'model':>8}"
    )
    rows = [
        (6, 1000, 3_000_000),
        (8, 1000, 300_000),
        (12, 1000, 300_000),
        (20, 1000, 1_000_000),
        (8, 10_000, 1_000_000),
        (15, 100, 100_000),
        (20, 1, 1_000_000),
        (10, 0.01, 100_000),
    ]
    for n, step, span in rows:
        for shape in ("even", "normal"):
            rng = random.Random(f"{SIMULATION_SEED}-{n}-{step}-{shape}")
            seen = Counter()
            model = Counter()
            for _ in range(trials):
                values = [
                    Decimal(round(_draw(rng, shape, span) / step) * step).quantize(Decimal("0.01"))
                    for _ in range(n)
                ]
                known = {f"b{i}": v for i, v in enumerate(values)}
                chains = progressions(known, Decimal(1), Decimal("0.000005"))
                seen["chain"] += any(p.kind == "arithmetic" for p in chains)
                seen["equal"] += bool(identical_prices(known))
                spread = Spread.of_bids(values).effective()
                cell = max(step, 2.0)
                model["chain"] += poisson_any(
                    math.comb(n, 3)
                    * chain_constant(3)
                    * min(1.0, cell / (spread * MIDPOINT_SPREAD_FACTOR))
                )
                model["equal"] += poisson_any(math.comb(n, 2) * max(step, 0.01) / (spread + step))
            print(
                f"   {n:>5}{step:>9g}{span:>11,}{shape:>8}"
                f"{seen['chain'] / trials:>12.4f}{model['chain'] / trials:>8.4f}"
                f"{seen['equal'] / trials:>9.4f}{model['equal'] / trials:>8.4f}"
            )


def screens_run(count: int, folds: int) -> None:
    """The screens model on generated labelled cases (``gen.cases``): the model
    chosen on CHOICE_SEED cases, its figures reported on REPORT_SEED cases."""
    import tempfile

    import numpy as np
    from sklearn.metrics import accuracy_score, roc_auc_score

    from collusion.analysis.screens import DEFAULT_FEATURES
    from collusion.analysis.screens_cases import read_cases
    from collusion.analysis.screens_model import (
        case_matrix,
        fit_model,
        load_model,
        save_model,
        validate,
    )

    print(f"4. The screens model on generated cases, {count} tenders per seed, 5-20 bids")
    with tempfile.TemporaryDirectory() as folder:
        sets = {}
        for name, seed in (("choice", CHOICE_SEED), ("report", REPORT_SEED)):
            path = Path(folder) / f"{name}.csv"
            gen.write_cases(path, list(gen.cases(seed, count)))
            sets[name] = read_cases(path, labels=True)
        choice, report = sets["choice"], sets["report"]
        print(f"   a) the model chosen on seed {CHOICE_SEED}: folds grouped by region")
        for label, model in _candidates():
            accuracy, auc = _grouped_cv(model, choice, DEFAULT_FEATURES, folds)
            print(f"      {label:<44} accuracy {accuracy:.3f}  AUC {auc:.3f}")
        collusive = sum(t.label or 0 for t in report)
        print(
            f"   b) collusion screens validate on seed {REPORT_SEED} "
            f"({len(report)} tenders, {collusive} collusive)"
        )
        print(f"      {'grouping':<22}{'accuracy':>9}{'balanced':>10}{'AUC':>7}{'Brier':>7}")
        for group_by in (None, "region", "date"):
            v = validate(report, group_by, folds=folds)
            print(
                f"      {group_by or 'tender by tender':<22}{v.accuracy:>9.3f}"
                f"{v.balanced_accuracy:>10.3f}{v.auc or 0:>7.3f}{v.brier:>7.3f}"
            )
        fitted = fit_model(choice)
        rows, kept, _ = case_matrix(report, fitted.features, 4)
        labels = [t.label for t in kept]
        probability = [
            fitted.predict(dict(zip(fitted.features, r, strict=True))).probability for r in rows
        ]
        predicted = [int(p >= 0.5) for p in probability]
        print(
            f"   c) fitted on seed {CHOICE_SEED}, scored on seed {REPORT_SEED}: "
            f"accuracy {accuracy_score(labels, predicted):.3f}, "
            f"AUC {roc_auc_score(labels, probability):.3f} ({len(kept)} tenders)"
        )
        path = Path(folder) / "model.json"
        save_model(fitted, path)
        loaded = load_model(path)
        again = [
            loaded.predict(dict(zip(loaded.features, r, strict=True))).probability for r in rows
        ]
        forest = _forest_of(choice, fitted.features)
        sklearn = forest.predict_proba(np.array(rows))[:, list(forest.classes_).index(1)]
        print(
            f"   d) model file {path.stat().st_size / 1e6:.1f} MB; after save and load the "
            f"probabilities differ by at most {max(abs(a - b) for a, b in zip(probability, again, strict=True)):.1g} "
            f"(from scikit-learn's own predict_proba by {float(np.max(np.abs(sklearn - np.array(again)))):.1g})"
        )


def _candidates() -> list[tuple[str, object]]:
    """The models compared: the forest screens_model fits, a regularised logistic
    regression on standardised screens, and gradient boosting."""
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from collusion.analysis.screens_model import MIN_SAMPLES_LEAF, TREES, _forest

    return [
        (f"random forest ({TREES} trees, leaves >= {MIN_SAMPLES_LEAF})", _forest()),
        (
            "logistic regression (L2, C=1, standardised)",
            make_pipeline(StandardScaler(), LogisticRegression(C=1.0, max_iter=1000)),
        ),
        ("gradient boosting (histogram, defaults)", HistGradientBoostingClassifier(random_state=0)),
    ]


def _grouped_cv(model, tenders, features, folds: int) -> tuple[float, float]:  # noqa: ANN001
    """Out-of-fold accuracy and AUC with the folds grouped by region."""
    import numpy as np
    from sklearn.base import clone
    from sklearn.metrics import accuracy_score, roc_auc_score
    from sklearn.model_selection import GroupKFold

    from collusion.analysis.screens_model import case_matrix

    rows, kept, _ = case_matrix(tenders, features, 4)
    x, y = np.array(rows), np.array([t.label for t in kept])
    groups = [t.group("region") for t in kept]
    probability = np.zeros(len(y))
    for train, test in GroupKFold(min(folds, len(set(groups)))).split(x, y, groups):
        fitted = clone(model).fit(x[train], y[train])
        probability[test] = fitted.predict_proba(x[test])[:, 1]
    return accuracy_score(y, probability >= 0.5), roc_auc_score(y, probability)


def _forest_of(tenders, features):  # noqa: ANN001, ANN202
    import numpy as np

    from collusion.analysis.screens_model import _forest, case_matrix

    rows, kept, _ = case_matrix(tenders, features, 4)
    return _forest().fit(np.array(rows), np.array([t.label for t in kept]))


def _draw(rng: random.Random, shape: str, span: float) -> float:
    """A bid evenly over [10M, 10M + span], or normal around 10M with sd span / 4."""
    return rng.uniform(1e7, 1e7 + span) if shape == "even" else rng.gauss(1e7, span / 4)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tenders", type=int, default=1000, help="honest tenders per style")
    parser.add_argument("--rings", type=int, default=300, help="ring tenders per style and kind")
    parser.add_argument("--trials", type=int, default=5000, help="simulated tenders per row")
    parser.add_argument(
        "--screens", action="store_true", help="also 4: the screens model on generated cases"
    )
    parser.add_argument("--screens-only", action="store_true", help="only 4")
    parser.add_argument("--cases", type=int, default=1000, help="labelled tenders per seed (4)")
    parser.add_argument("--folds", type=int, default=5, help="cross-validation folds (4)")
    args = parser.parse_args()
    settings = Settings()
    started = time.perf_counter()
    if not args.screens_only:
        honest_run(args.tenders, settings)
        ring_run(args.rings, settings)
        simulation_run(args.trials)
    if args.screens or args.screens_only:
        screens_run(args.cases, args.folds)
    print(f"({time.perf_counter() - started:.0f} s)")


if __name__ == "__main__":
    main()
