"""The prediction task behind the utility measurements: features, target, models and the score.

Metric ("auto"): ROC AUC for a two-class target (positive: metadata ``positive``, else real's second most
frequent class), balanced accuracy for more classes, R^2 for a numerical target. Models (built and fitted by
``synthgate.learners``): logistic (or ridge) regression on one-hot categories and standardised numbers, and
histogram gradient boosting with native categories. A training set with a single class gets a constant (prior)
model: it has learned nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from synthgate import learners
from synthgate.data import category_codes, numeric_values
from synthgate.gates.context import RunContext

#: histogram boosting bins categories into at most 255 codes; rarer codes become missing
MAX_CATEGORY_CODE = 254
METRIC_NAMES = {"roc_auc": "ROC AUC", "balanced_accuracy": "balanced accuracy", "accuracy": "accuracy",
                "r2": "R²"}


@dataclass(frozen=True)
class Task:
    """What is predicted, from which columns, scored how."""

    target: str
    kind: str                      # "binary" | "multiclass" | "regression"
    metric: str                    # a key of METRIC_NAMES
    features: learners.Features
    positive: Any = None

    @property
    def classification(self) -> bool:
        return self.kind != "regression"


def task_of(ctx: RunContext, metric: str = "auto") -> Task | str:
    """The task for the run's target, or why utility cannot be measured."""
    target = ctx.schema.target
    if not target:
        return "no target column (metadata: target): utility needs something to predict"
    column = ctx.schema[target]
    if not column.usable:
        return f"the target {target!r} is {column.excluded}"
    features = learners.Features.of(ctx.schema, target)
    if not len(features):
        return "no feature columns besides the target"
    if column.kind.is_categorical:
        classes = [c for c in column.categories if c is not None]
        if len(classes) < 2:
            return f"the target {target!r} has a single class in real"
        kind = "binary" if len(classes) == 2 else "multiclass"
        positive = ctx.schema.positive if ctx.schema.positive in classes else classes[1]
        chosen = {"binary": "roc_auc", "multiclass": "balanced_accuracy"}[kind] if metric == "auto" else metric
        if chosen == "r2" or (chosen == "roc_auc" and kind == "multiclass"):
            return f"metric {metric!r} does not fit a {kind} target; use auto, balanced_accuracy or accuracy"
        return Task(target, kind, chosen, features, positive if kind == "binary" else None)
    if metric not in ("auto", "r2"):
        return f"metric {metric!r} does not fit a numerical target; use auto or r2"
    return Task(target, "regression", "r2", features)


@dataclass(frozen=True)
class Design:
    """One table as model input: numbers then category codes (NaN: missing or unseen), and the target."""

    X: np.ndarray
    y: np.ndarray


def design(ctx: RunContext, task: Task, role: str) -> Design:
    """Features and target of one role's rows with a known target (cached per run)."""
    def compute() -> Design:
        frame = ctx.tables[role]
        X = task.features.matrix(frame)
        codes = X[:, len(task.features.numerical):]
        codes[(codes < 0) | (codes > MAX_CATEGORY_CODE)] = np.nan
        raw = frame[task.target]
        if task.kind == "binary":
            keep = raw.notna().to_numpy()
            y = (raw == task.positive).to_numpy(dtype=bool)
        elif task.kind == "multiclass":
            y = category_codes(raw, ctx.schema[task.target].categories)
            keep = y >= 0
        else:
            y = numeric_values(raw)
            keep = np.isfinite(y)
        return Design(X[keep], y[keep])
    return ctx._cached(("validation-design", role, task), compute)


def learner(name: str, iterations: int) -> learners.Learner:
    """The model of policy [gates.validation] models: scikit-learn's standard settings (boosting: its
    ``boosting_iterations`` rounds)."""
    return learners.Logistic(max_iter=1000) if name == "logistic" else learners.Boosting(iterations=iterations)


def fit(name: str, task: Task, X: np.ndarray, y: np.ndarray, *, seed: int, iterations: int):
    """A model trained on ``X``, ``y`` (a constant one when they hold a single class)."""
    return learners.fit(learner(name, iterations), task.features, X, y, seed=seed,
                        regression=not task.classification)


def predict(model, task: Task, X: np.ndarray) -> np.ndarray:
    """What the metric scores: the positive class's probability (AUC), class labels, or values."""
    if task.metric == "roc_auc":
        return learners.positive_proba(model, X, True)
    return learners.predict(model, X)


def score(task: Task, y: np.ndarray, output: np.ndarray) -> float:
    """The task's metric on the whole test set."""
    return float(score_draws(task, y, output, np.ones((1, len(y))))[0])


def score_draws(task: Task, y: np.ndarray, output: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """The metric once per row of ``weights`` (bootstrap counts over the test rows), vectorised.

    Written out rather than calling scikit-learn's metrics per draw: those validate their inputs on every call
    (~30 ms each), which made a few hundred bootstrap draws cost more than fitting the models.
    """
    weights = np.asarray(weights, dtype=float)
    if task.metric == "roc_auc":
        return learners.weighted_auc(np.asarray(y, dtype=bool), np.asarray(output, dtype=float), weights)
    if task.metric == "r2":
        total = weights.sum(axis=1)
        mean = weights @ y / total
        residual = weights @ (y - output) ** 2
        spread = (weights * (y[None, :] - mean[:, None]) ** 2).sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            return 1.0 - residual / spread
    correct = (np.asarray(y) == np.asarray(output)).astype(float)
    if task.metric == "accuracy":
        return weights @ correct / weights.sum(axis=1)
    recalls = []
    for c in np.unique(y):
        in_class = (y == c).astype(float)
        with np.errstate(invalid="ignore", divide="ignore"):
            recalls.append(weights @ (correct * in_class) / (weights @ in_class))
    return np.nanmean(np.array(recalls), axis=0)
