"""The models the gates fit, built, fitted and read in one place.

Three gates train scikit-learn models: the bias gate (fairness of classifiers trained on synthetic and on
real), the validation gate (TSTR / TRTR utility) and the drift gate (the classifier two-sample test). They
share here:

- the feature matrix of a table (``Features``): numbers (NaN kept), then integer category codes in real's
  order (-1: a category real never had), so a model needs no string handling;
- the model factory (``make_model``): logistic regression (or ridge, for a numerical target) behind its
  preprocessing (median-imputed, standardised numbers; one-hot categories), or histogram gradient boosting
  with native categorical splits; a constant model when the training labels hold a single class or value;
- single-threaded fitting and prediction (``fit``, ``predict``, ``positive_proba``): see ``one_thread``;
- the ROC AUC (``auc``, ``weighted_auc``), vectorised over bootstrap weights.

The hyper-parameters stay with each gate (``Logistic`` / ``Boosting`` values next to its settings): they
differ on purpose (a fast fairness model, a standard utility model, a regularised drift detector), and a
gate's numbers must not move when another gate is tuned. Nothing here imports a gate, so any gate may use it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.dummy import DummyClassifier, DummyRegressor
from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler
from threadpoolctl import threadpool_limits

from synthgate.data import category_codes, numeric_values
from synthgate.data.schema import Schema


@dataclass(frozen=True)
class Features:
    """Model input columns: ``numerical`` first, then ``categorical`` with real's categories of each."""

    numerical: tuple[str, ...]
    categorical: tuple[str, ...]
    levels: tuple[tuple, ...]

    @classmethod
    def of(cls, schema: Schema, target: str | None) -> "Features":
        """Every numerical then categorical column of the schema except the target."""
        categorical = tuple(c for c in schema.categorical if c != target)
        return cls(tuple(c for c in schema.numerical if c != target), categorical,
                   tuple(tuple(schema[c].categories) for c in categorical))

    def __len__(self) -> int:
        return len(self.numerical) + len(self.categorical)

    @property
    def categories(self) -> list[int]:
        """Per matrix column, its number of categories; 0 for a numerical column."""
        return [0] * len(self.numerical) + [len(levels) for levels in self.levels]

    def matrix(self, frame: pd.DataFrame) -> np.ndarray:
        """Numerical values (NaN kept) then category codes (-1: unseen) of ``frame``, as floats."""
        blocks = [numeric_values(frame[c]) for c in self.numerical]
        blocks += [category_codes(frame[c], levels).astype(float) for c, levels in zip(self.categorical, self.levels)]
        return np.column_stack(blocks).astype(float) if blocks else np.zeros((len(frame), 0))


@dataclass(frozen=True)
class Logistic:
    """Logistic regression (ridge regression for a numerical target) on one-hot categories and scaled numbers.

    ``missing_indicator``: one more column per number that was missing in training, instead of keeping a
    number that was always missing as a column of zeros.
    """

    max_iter: int = 1000
    missing_indicator: bool = False


@dataclass(frozen=True)
class Boosting:
    """scikit-learn's histogram gradient boosting; the defaults are scikit-learn's.

    ``max_native_categories``: a categorical column with more categories is split on as a number (native
    splits need fewer categories than the 255 bins); None: every categorical column is native.
    """

    iterations: int = 100
    learning_rate: float = 0.1
    early_stopping: bool | str = "auto"
    max_leaf_nodes: int = 31
    min_samples_leaf: int = 20
    l2_regularization: float = 0.0
    validation_fraction: float = 0.1
    n_iter_no_change: int = 10
    max_native_categories: int | None = None


Learner = Logistic | Boosting


def make_model(learner: Learner, features: Features | None, *, seed: int, regression: bool = False):
    """A fresh, unfitted model.

    ``features``: the layout of the matrix it will see (``Features.matrix``); None for a matrix that is
    already numeric and needs no preprocessing (the shared distance encoding, say).
    """
    if isinstance(learner, Logistic):
        head = Ridge(alpha=1.0) if regression else LogisticRegression(max_iter=learner.max_iter)
        return head if features is None else make_pipeline(_encoder(learner, features), head)
    if isinstance(learner, Boosting):
        model = HistGradientBoostingRegressor if regression else HistGradientBoostingClassifier
        return model(max_iter=learner.iterations, learning_rate=learner.learning_rate,
                     early_stopping=learner.early_stopping, max_leaf_nodes=learner.max_leaf_nodes,
                     min_samples_leaf=learner.min_samples_leaf, l2_regularization=learner.l2_regularization,
                     validation_fraction=learner.validation_fraction, n_iter_no_change=learner.n_iter_no_change,
                     categorical_features=_native(learner, features), random_state=seed)
    raise TypeError(f"unknown learner {learner!r}")


def _encoder(learner: Logistic, features: Features) -> ColumnTransformer:
    """Median-imputed, standardised numbers; one-hot categories (an unseen or missing code is a category
    when training saw it, and no category at all otherwise)."""
    n_numeric = len(features.numerical)
    if learner.missing_indicator:
        impute = SimpleImputer(strategy="median", add_indicator=True)
    else:
        impute = SimpleImputer(strategy="median", keep_empty_features=True)
    numbers = make_pipeline(impute, StandardScaler())
    categories = make_pipeline(SimpleImputer(strategy="constant", fill_value=-1.0),
                               OneHotEncoder(handle_unknown="ignore"))
    return ColumnTransformer([("num", numbers, list(range(n_numeric))),
                              ("cat", categories, list(range(n_numeric, len(features))))])


def _native(learner: Boosting, features: Features | None) -> list[bool] | None:
    """Which matrix columns boosting splits on as categories; None when there is none."""
    if features is None:
        return None
    limit = learner.max_native_categories
    native = [k > 0 and (limit is None or k <= limit) for k in features.categories]
    return native if any(native) else None


def constant_model(y: np.ndarray, *, regression: bool = False):
    """The prior (or mean) model when ``y`` holds a single class (or value): the data taught nothing else."""
    if regression:
        return DummyRegressor() if np.nanstd(y) == 0 else None
    return DummyClassifier(strategy="prior") if len(np.unique(y)) < 2 else None


def fit(learner: Learner, features: Features | None, X: np.ndarray, y: np.ndarray, *, seed: int,
        regression: bool = False, sample_weight: np.ndarray | None = None):
    """A model fitted on ``X``, ``y`` (optionally weighted), single-threaded; see ``make_model``."""
    model = constant_model(y, regression=regression)
    if model is None:
        model = make_model(learner, features, seed=seed, regression=regression)
    with one_thread():
        return model.fit(X, y, **_weights(model, sample_weight))


def _weights(model, sample_weight: np.ndarray | None) -> dict[str, Any]:
    if sample_weight is None:
        return {}
    if isinstance(model, Pipeline):
        return {model.steps[-1][0] + "__sample_weight": sample_weight}
    return {"sample_weight": sample_weight}


def predict(model, X: np.ndarray) -> np.ndarray:
    """Predicted labels (or values), single-threaded."""
    with one_thread():
        return model.predict(X)


def positive_proba(model, X: np.ndarray, positive: Any = True) -> np.ndarray:
    """Probability of the class ``positive``, single-threaded; zeros when training never saw that class."""
    classes = list(model.classes_)
    if positive not in classes:
        return np.zeros(len(X))
    with one_thread():
        return model.predict_proba(X)[:, classes.index(positive)]


def one_thread():
    """Thread pools (OpenMP, BLAS) limited to one thread while a model fits or predicts.

    The models are small, and the gates run where the CPUs are shared (CI runners, parallel test workers,
    calibration runs): there OpenMP threads spin-waiting for each other made the same gradient-boosting fit
    10x slower (1.8 s vs 20+ s on full Adult on a loaded 2-core machine), while one thread costs little at
    these sizes.
    """
    return threadpool_limits(limits=1)


def auc(y: np.ndarray, scores: np.ndarray) -> float:
    """ROC AUC of ``scores`` for the labels ``y`` (true or 1: positive), ties counting half; NaN with one class."""
    return float(weighted_auc(np.asarray(y, dtype=bool), np.asarray(scores, dtype=float), np.ones((1, len(y))))[0])


def weighted_auc(y: np.ndarray, scores: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """ROC AUC (ties count half) per row of ``weights`` (bootstrap counts over the rows): the Mann-Whitney
    statistic over tie groups, vectorised; scikit-learn's metric validates its inputs on every call (~30 ms),
    which made a few hundred bootstrap draws cost more than fitting the models."""
    order = np.argsort(scores, kind="stable")
    scores, y, weights = scores[order], y[order], weights[:, order]
    starts = np.flatnonzero(np.r_[True, scores[1:] != scores[:-1]])
    positive = np.add.reduceat(weights * y, starts, axis=1)
    negative = np.add.reduceat(weights * ~y, starts, axis=1)
    below = np.cumsum(negative, axis=1) - negative
    pairs = positive.sum(axis=1) * negative.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(pairs > 0, (positive * (below + 0.5 * negative)).sum(axis=1) / pairs, np.nan)
