"""A tender-level screens model that a trading center fits on its own labelled cases.

The model is scikit-learn's random forest over the scale-free screens
(``collusion.analysis.screens.FEATURES``). Why a forest and not a
regularised logistic regression: cartels move the screens in opposite
directions (cover bids in a tight band lower the CV and spread and raise RD;
complementary bids far above the winner raise the spread), which no single
weighted sum of the screens represents, while trees split on each side.
Measured side by side on generated cases (``benchmarks/prices_bench.py
--screens``, the choice seed, folds grouped by region) the forest is right
0.879 of the time (AUC 0.947) against 0.672 (AUC 0.695) for an L2
logistic regression on the standardised screens. Gradient boosting does
as well as the forest here (0.870, AUC 0.947) but has more settings to
choose; a forest of shallow-leaved trees needs none tuned.

The model file holds no pickle: every tree as arrays (left and right
children, split feature, threshold, share of collusive tenders at each
node) in JSON, with the feature list, the forest's parameters, the
scikit-learn version that fitted it and what it was fitted on. Loading checks
all of it and refuses, with the reason, a file that is not a model, one
fitted by another scikit-learn version, or one whose features this version
does not compute. Scoring walks the trees as scikit-learn does (features as
32-bit floats, ``x <= threshold`` goes left) and averages the leaves; the
screens that drove a probability are the tree-path contributions (each
split's change in the node's collusive share, credited to its feature,
averaged over the trees), which add up to the probability less the
forest's base rate.

A probability is a lead for the whole tender, never an accusation against a
bidder: a center should fit on its own labelled cases, because how bids
spread depends on the evaluation method and the market; a model fitted
elsewhere transfers less well.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from collusion.analysis.screens import (
    CONTROL_FEATURES,
    DEFAULT_FEATURES,
    FEATURES,
    finite,
    tender_features,
)
from collusion.analysis.screens_cases import CaseTender
from collusion.errors import ScreensModelError

FORMAT = "collusion-screens-model"
FORMAT_VERSION = 1
MODEL_KIND = "random_forest"
# The forest: enough trees that the probability settles (grouped accuracy
# 0.884, 0.879 and 0.883 at 100, 200 and 300 trees on the choice seed's cases), leaves of at least five tenders so that
# a leaf's share means something; the rest are scikit-learn's defaults.
TREES = 200
MIN_SAMPLES_LEAF = 5
RANDOM_STATE = 0
DRIVERS = 3  # screens named as having driven a probability
DEFAULT_FOLDS = 5
CALIBRATION_BINS = (0.0, 0.2, 0.4, 0.6, 0.8, 1.0)
LEAF = -1  # sklearn's TREE_LEAF child index
REQUIRED_KEYS = (
    "format",
    "format_version",
    "model",
    "sklearn_version",
    "features",
    "parameters",
    "trees",
)
TREE_KEYS = ("left", "right", "feature", "threshold", "collusive")


def sklearn_version() -> str:
    import sklearn

    return sklearn.__version__


@dataclass(frozen=True)
class Driver:
    """One screen's part in a probability: the change it made along the trees' paths."""

    name: str
    value: float
    contribution: float  # in probability, averaged over the trees

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "label": FEATURES[self.name].label,
            "value": round(self.value, 6),
            "contribution": round(self.contribution, 4),
            "direction": "raises" if self.contribution > 0 else "lowers",
        }


@dataclass(frozen=True)
class Prediction:
    probability: float | None
    drivers: tuple[Driver, ...] = ()
    missing: tuple[str, ...] = ()  # features the tender lacks


@dataclass(frozen=True)
class Tree:
    """One decision tree as arrays; node 0 is the root."""

    left: tuple[int, ...]
    right: tuple[int, ...]
    feature: tuple[int, ...]
    threshold: tuple[float, ...]
    collusive: tuple[float, ...]  # share of collusive tenders at each node

    def path(self, x: Sequence[float]) -> list[int]:
        node, nodes = 0, [0]
        while self.left[node] != LEAF:
            node = (
                self.left[node]
                if x[self.feature[node]] <= self.threshold[node]
                else self.right[node]
            )
            nodes.append(node)
        return nodes

    def to_json(self) -> dict[str, list]:
        return {
            "left": list(self.left),
            "right": list(self.right),
            "feature": list(self.feature),
            "threshold": list(self.threshold),
            "collusive": list(self.collusive),
        }


@dataclass(frozen=True)
class ScreensModel:
    """A fitted forest: everything needed to score a tender, nothing pickled."""

    features: tuple[str, ...]
    trees: tuple[Tree, ...]
    sklearn_version: str
    parameters: dict[str, Any] = field(default_factory=dict)
    trained: dict[str, Any] = field(default_factory=dict)

    def predict(self, values: Mapping[str, float | None]) -> Prediction:
        """The probability that a tender with these feature values is collusive,
        and the screens that drove it (tree-path contributions)."""
        import numpy as np

        missing = tuple(f for f in self.features if not finite(values.get(f)))
        if missing:
            return Prediction(None, missing=missing)
        # As scikit-learn compares: the features as 32-bit floats.
        x = [float(np.float32(values[f])) for f in self.features]
        total = 0.0
        parts = [0.0] * len(self.features)
        for tree in self.trees:
            nodes = tree.path(x)
            for parent, child in zip(nodes, nodes[1:], strict=False):
                parts[tree.feature[parent]] += tree.collusive[child] - tree.collusive[parent]
            total += tree.collusive[nodes[-1]]
        count = len(self.trees)
        order = sorted(range(len(parts)), key=lambda i: (-abs(parts[i]), self.features[i]))
        drivers = tuple(
            Driver(self.features[i], float(values[self.features[i]]), parts[i] / count)  # type: ignore[arg-type]
            for i in order[:DRIVERS]
            if parts[i]
        )
        return Prediction(total / count, drivers)

    def to_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "model": MODEL_KIND,
            "sklearn_version": self.sklearn_version,
            "features": list(self.features),
            "parameters": self.parameters,
            "trained": self.trained,
            "trees": [t.to_json() for t in self.trees],
        }

    def describe(self) -> dict[str, Any]:
        """What the report says about the model: its kind, version, features and training."""
        return {
            "model": MODEL_KIND,
            "sklearn_version": self.sklearn_version,
            "features": list(self.features),
            "trees": len(self.trees),
            "trained": self.trained,
        }


# --- features of the cases ---------------------------------------------------------------------


def check_features(names: Sequence[str]) -> tuple[str, ...]:
    """The features asked for, each known and once; ScreensModelError otherwise."""
    unknown = [n for n in names if n not in FEATURES]
    if unknown:
        raise ScreensModelError(
            f"未知的特征：{','.join(unknown)}；可用的特征：{','.join(FEATURES)}"
        )
    if not names or len(set(names)) != len(names):
        raise ScreensModelError("特征列表为空或有重复")
    return tuple(names)


def case_matrix(
    tenders: Sequence[CaseTender], features: Sequence[str], min_bids: int
) -> tuple[list[list[float]], list[CaseTender], dict[str, int]]:
    """(rows of feature values, the tenders they belong to, tenders left out by reason)."""
    rows, kept = [], []
    skipped: dict[str, int] = {}
    for tender in tenders:
        values = tender_features(tender.prices, tender.control_price, min_bids)
        missing = [f for f in features if not finite(values.get(f))]
        if missing:
            reason = _missing_reason(missing, len(tender.prices), min_bids)
            skipped[reason] = skipped.get(reason, 0) + 1
            continue
        rows.append([float(values[f]) for f in features])  # type: ignore[arg-type]
        kept.append(tender)
    return rows, kept, skipped


def _missing_reason(missing: Sequence[str], bids: int, min_bids: int) -> str:
    if bids < min_bids:
        return f"报价少于{min_bids}个"
    if set(missing) & CONTROL_FEATURES:
        return "缺少招标控制价（control_price）"
    return "报价全部相同或落标报价相同，筛查指标无法计算"


# --- fit, save, load -------------------------------------------------------------------------


def _forest():  # noqa: ANN202
    from sklearn.ensemble import RandomForestClassifier

    return RandomForestClassifier(
        n_estimators=TREES, min_samples_leaf=MIN_SAMPLES_LEAF, random_state=RANDOM_STATE
    )


def fit_model(
    tenders: Sequence[CaseTender],
    features: Sequence[str] = DEFAULT_FEATURES,
    *,
    min_bids: int = 4,
    source: str | None = None,
) -> ScreensModel:
    """Fit the forest on labelled tenders; ScreensModelError when they cannot fit one."""
    features = check_features(list(features))
    rows, kept, skipped = case_matrix(tenders, features, min_bids)
    labels = [t.label for t in kept]
    _check_classes(labels, len(tenders), skipped)
    forest = _forest().fit(rows, labels)
    column = list(forest.classes_).index(1)
    trees = []
    for estimator in forest.estimators_:
        tree = estimator.tree_
        value = tree.value[:, 0, :]
        trees.append(
            Tree(
                left=tuple(int(i) for i in tree.children_left),
                right=tuple(int(i) for i in tree.children_right),
                feature=tuple(max(int(i), 0) for i in tree.feature),
                threshold=tuple(float(t) for t in tree.threshold),
                collusive=tuple(float(v[column] / v.sum()) for v in value),
            )
        )
    return ScreensModel(
        features=features,
        trees=tuple(trees),
        sklearn_version=sklearn_version(),
        parameters={
            "n_estimators": TREES,
            "min_samples_leaf": MIN_SAMPLES_LEAF,
            "random_state": RANDOM_STATE,
        },
        trained={
            "tenders": len(kept),
            "collusive": int(sum(labels)),  # type: ignore[arg-type]
            "skipped": skipped,
            "min_bids": min_bids,
            "cases_file": source,
        },
    )


def _check_classes(labels: Sequence[int | None], total: int, skipped: dict[str, int]) -> None:
    if len(set(labels)) < 2:
        left_out = "；".join(f"{k} {v} 个" for k, v in skipped.items())
        raise ScreensModelError(
            f"可用的 {len(labels)} 个招标项目（共 {total} 个）中没有同时包含串通（label=1）"
            f"和未串通（label=0）的案例，无法训练" + (f"（未用：{left_out}）" if left_out else "")
        )


def save_model(model: ScreensModel, path: str | os.PathLike[str]) -> None:
    """Write the model as JSON (UTF-8, sorted keys, one tree per line, written whole)."""
    path = Path(path)
    data = model.to_json()
    trees = data.pop("trees")
    head = json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True)
    body = ",\n".join("    " + json.dumps(t, sort_keys=True) for t in trees)
    text = head[:-2] + ',\n  "trees": [\n' + body + "\n  ]\n}\n"
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, path)


def load_model(path: str | os.PathLike[str]) -> ScreensModel:
    """Read and check a model file; ScreensModelError saying why it cannot be used."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ScreensModelError(f"无法读取模型文件 {path}：{exc.strerror or exc}") from exc
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ScreensModelError(f"{path} 不是模型文件（不是 UTF-8 JSON）：{exc}") from exc
    return model_from_json(data, str(path))


def model_from_json(data: Any, name: str = "模型文件") -> ScreensModel:
    """The model a parsed model file describes, checked."""
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ScreensModelError(f"{name} 不是 collusion 报价筛查模型（format 应为 {FORMAT}）")
    missing = [k for k in REQUIRED_KEYS if k not in data]
    if missing:
        raise ScreensModelError(f"{name} 缺少字段：{','.join(missing)}")
    if data["format_version"] != FORMAT_VERSION or data["model"] != MODEL_KIND:
        raise ScreensModelError(
            f"{name} 的格式版本 {data['format_version']!r}、模型 {data['model']!r} "
            f"本版本不支持（支持 {FORMAT_VERSION}、{MODEL_KIND}）"
        )
    installed = sklearn_version()
    if data["sklearn_version"] != installed:
        raise ScreensModelError(
            f"{name} 由 scikit-learn {data['sklearn_version']} 训练，当前安装的是 {installed}："
            "不同版本的模型不予使用，请用当前版本重新训练（collusion screens fit）"
        )
    features = data["features"]
    if not isinstance(features, list) or not all(isinstance(f, str) for f in features):
        raise ScreensModelError(f"{name} 的 features 应为特征名列表")
    try:
        features = check_features(features)
    except ScreensModelError as exc:
        raise ScreensModelError(f"{name}：{exc}") from exc
    trees = data["trees"]
    if not isinstance(trees, list) or not trees:
        raise ScreensModelError(f"{name} 的 trees 应为非空的树列表")
    parsed = tuple(
        _tree(t, len(features), f"{name} 的第 {i + 1} 棵树") for i, t in enumerate(trees)
    )
    parameters, trained = data.get("parameters"), data.get("trained")
    return ScreensModel(
        features=features,
        trees=parsed,
        sklearn_version=data["sklearn_version"],
        parameters=parameters if isinstance(parameters, dict) else {},
        trained=trained if isinstance(trained, dict) else {},
    )


def _tree(data: Any, features: int, name: str) -> Tree:
    """One tree of a model file, checked: arrays of one length, children inside
    the tree and after their parent (so every path ends), features known."""
    if not isinstance(data, dict) or any(k not in data for k in TREE_KEYS):
        raise ScreensModelError(f"{name} 缺少字段（应有 {','.join(TREE_KEYS)}）")
    left, right, feature = data["left"], data["right"], data["feature"]
    nodes = len(left) if isinstance(left, list) else 0
    if not (
        nodes
        and _integers(left, nodes)
        and _integers(right, nodes)
        and _integers(feature, nodes)
        and _numbers(data["threshold"], nodes)
        and _numbers(data["collusive"], nodes)
    ):
        raise ScreensModelError(f"{name} 的各数组应等长且为数值")
    for node in range(nodes):
        children = (left[node], right[node])
        leaf = children == (LEAF, LEAF)
        if not leaf and not all(node < c < nodes for c in children):
            raise ScreensModelError(f"{name} 的节点 {node} 的子节点无效")
        if not leaf and not 0 <= feature[node] < features:
            raise ScreensModelError(f"{name} 的节点 {node} 引用了不存在的特征 {feature[node]}")
        if not 0 <= data["collusive"][node] <= 1:
            raise ScreensModelError(f"{name} 的节点 {node} 的比例不在 0 到 1 之间")
    return Tree(
        tuple(left),
        tuple(right),
        tuple(feature),
        tuple(float(t) for t in data["threshold"]),
        tuple(float(v) for v in data["collusive"]),
    )


def _integers(values: Any, length: int) -> bool:
    return (
        isinstance(values, list)
        and len(values) == length
        and all(isinstance(v, int) and not isinstance(v, bool) for v in values)
    )


def _numbers(values: Any, length: int) -> bool:
    return (
        isinstance(values, list)
        and len(values) == length
        and all(
            isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)
            for v in values
        )
    )


# --- score and validate ------------------------------------------------------------------------


def score_cases(
    model: ScreensModel, tenders: Sequence[CaseTender], min_bids: int = 4
) -> list[tuple[CaseTender, Prediction]]:
    """Each tender's prediction (labels play no part)."""
    if set(model.features) & CONTROL_FEATURES and not any(t.control_price for t in tenders):
        needed = ",".join(sorted(set(model.features) & CONTROL_FEATURES))
        raise ScreensModelError(
            f"模型使用特征 {needed}，需要招标控制价，而数据没有 control_price 列或该列全为空"
        )
    return [
        (t, model.predict(tender_features(t.prices, t.control_price, min_bids))) for t in tenders
    ]


@dataclass(frozen=True)
class Validation:
    """Out-of-fold figures of grouped cross-validation."""

    tenders: int
    collusive: int
    groups: int
    folds: int
    group_by: str | None
    accuracy: float
    balanced_accuracy: float
    auc: float | None
    brier: float
    confusion: tuple[tuple[int, int], tuple[int, int]]  # [[TN, FP], [FN, TP]]
    calibration: tuple[tuple[float, float, float | None, float | None, int], ...]
    skipped: dict[str, int]
    per_group: tuple[tuple[str, int, float], ...]  # (group, tenders, accuracy)


def validate(
    tenders: Sequence[CaseTender],
    group_by: str | None = None,
    features: Sequence[str] = DEFAULT_FEATURES,
    *,
    folds: int = DEFAULT_FOLDS,
    min_bids: int = 4,
) -> Validation:
    """Grouped cross-validation: every tender scored by a model fitted without its group.

    ``group_by``: None (each tender its own group, folds stratified by
    label), ``region`` (a region's tenders never both fit and test), or
    ``date`` (the same for the years of the tenders' dates).
    """
    import numpy as np
    from sklearn.metrics import (
        accuracy_score,
        balanced_accuracy_score,
        brier_score_loss,
        confusion_matrix,
        roc_auc_score,
    )
    from sklearn.model_selection import GroupKFold, StratifiedKFold

    features = check_features(list(features))
    rows, kept, skipped = case_matrix(tenders, features, min_bids)
    labels = np.array([t.label for t in kept])
    _check_classes(list(labels), len(tenders), skipped)
    groups = [t.group(group_by) for t in kept]
    if group_by is not None and "" in groups:
        column = "region" if group_by == "region" else "date（含四位年份）"
        raise ScreensModelError(f"按 {group_by} 分组需要每个招标项目都有 {column}")
    distinct = sorted(set(groups))
    if group_by is None:
        count = min(folds, int(min(np.bincount(labels))))
        splits = StratifiedKFold(count, shuffle=True, random_state=0).split(rows, labels)
    else:
        count = min(folds, len(distinct))
        if count < 2:
            raise ScreensModelError(f"按 {group_by} 分组只有 {len(distinct)} 组，至少需要 2 组")
        splits = GroupKFold(count).split(rows, labels, groups)
    if count < 2:
        raise ScreensModelError("每类案例至少需要 2 个才能交叉验证")
    probability = np.zeros(len(kept))
    matrix = np.array(rows)
    for train, test in splits:
        if len(set(labels[train])) < 2:
            raise ScreensModelError(
                f"按 {group_by} 分组后，有一折的训练数据只含一类案例：请换一种分组或补充案例"
            )
        forest = _forest().fit(matrix[train], labels[train])
        positive = list(forest.classes_).index(1)
        probability[test] = forest.predict_proba(matrix[test])[:, positive]
    predicted = (probability >= 0.5).astype(int)
    confusion = confusion_matrix(labels, predicted, labels=[0, 1])
    return Validation(
        tenders=len(kept),
        collusive=int(labels.sum()),
        groups=len(distinct),
        folds=count,
        group_by=group_by,
        accuracy=float(accuracy_score(labels, predicted)),
        balanced_accuracy=float(balanced_accuracy_score(labels, predicted)),
        auc=float(roc_auc_score(labels, probability)) if len(set(labels)) == 2 else None,
        brier=float(brier_score_loss(labels, probability)),
        confusion=(
            (int(confusion[0][0]), int(confusion[0][1])),
            (int(confusion[1][0]), int(confusion[1][1])),
        ),
        calibration=_calibration(probability, labels),
        skipped=skipped,
        per_group=_per_group(groups, labels, predicted) if group_by else (),
    )


def _calibration(probability, labels) -> tuple:  # noqa: ANN001
    """(low, high, mean predicted, share collusive, tenders) per probability bin."""
    table = []
    edges = CALIBRATION_BINS
    for low, high in zip(edges, edges[1:], strict=False):
        inside = (probability >= low) & ((probability < high) | (high == edges[-1]))
        count = int(inside.sum())
        table.append(
            (
                low,
                high,
                float(probability[inside].mean()) if count else None,
                float(labels[inside].mean()) if count else None,
                count,
            )
        )
    return tuple(table)


def _per_group(groups: list[str], labels, predicted) -> tuple:  # noqa: ANN001
    out = []
    for group in sorted(set(groups)):
        inside = [i for i, g in enumerate(groups) if g == group]
        correct = sum(int(labels[i] == predicted[i]) for i in inside)
        out.append((group, len(inside), correct / len(inside)))
    return tuple(out)
