"""Joint drift by a classifier two-sample test (C2ST; Lopez-Paz & Oquab, ICLR 2017).

A classifier learns to tell fresh rows from training-time real rows on the shared encoding; its AUC on
held-out rows is the statistic. Under "no drift" the held-out scores are independent of the labels, so the
AUC is a Mann-Whitney statistic with mean 1/2 and sd sqrt((n1 + n2 + 1) / (12 n1 n2)) (R9; ties in the
scores only shrink it, so the band is conservative). Which columns drive a drift: the held-out AUC lost
when one column's encoded block is permuted across test rows (grouped permutation importance).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from synthgate import learners
from synthgate.data import Encoding
from synthgate.reference import analytic, subsample
from synthgate.verdict import Reference

TEST_SHARE = 0.5
IMPORTANCE_REPEATS = 2
IMPORTANCE_ROWS = 5000  # test rows the importance permutes (enough to rank columns)
#: policy [gates.drift] c2st_model, fitted on the shared encoding. Boosting: shallow, regularised and
#: early-stopped: the aim is a calibrated detector, not a leaderboard score.
LEARNERS = {"logistic": learners.Logistic(max_iter=1000),
            "hgb": learners.Boosting(iterations=200, learning_rate=0.1, max_leaf_nodes=15, min_samples_leaf=40,
                                     l2_regularization=1.0, early_stopping=True, validation_fraction=0.2,
                                     n_iter_no_change=10)}


@dataclass(frozen=True, eq=False)
class C2STResult:
    """A fitted real-vs-fresh classifier and its held-out AUC."""

    auc: float
    n_real_test: int
    n_fresh_test: int
    classifier: object = field(repr=False)
    x_test: np.ndarray = field(repr=False)
    y_test: np.ndarray = field(repr=False)

    def importance(self, column_blocks: dict[str, np.ndarray], rng: np.random.Generator) -> dict[str, float]:
        """Held-out AUC lost when one column's encoded block is permuted across test rows, largest first."""
        with learners.one_thread():
            return self._importance(column_blocks, rng)

    def _importance(self, column_blocks: dict[str, np.ndarray], rng: np.random.Generator) -> dict[str, float]:
        rows = subsample(len(self.x_test), IMPORTANCE_ROWS, rng)
        x, y = self.x_test[rows], self.y_test[rows]
        auc = _auc(self.classifier, x, y)
        out, shuffled = {}, x.copy()
        for name, dims in column_blocks.items():
            drops = []
            for _ in range(IMPORTANCE_REPEATS):
                shuffled[:, dims] = x[np.ix_(rng.permutation(len(x)), dims)]
                drops.append(auc - _auc(self.classifier, shuffled, y))
            shuffled[:, dims] = x[:, dims]
            out[name] = round(float(np.mean(drops)), 5)
        return dict(sorted(out.items(), key=lambda kv: -kv[1]))


def auc_null_sd(n1: int, n2: int) -> float:
    """Sd of the AUC of scores independent of the labels (Mann-Whitney U / n1 n2): R9."""
    return math.sqrt((n1 + n2 + 1) / (12.0 * n1 * n2))


def null_reference(n1: int, n2: int, *, level: float) -> Reference:
    return analytic(0.5, auc_null_sd(n1, n2), level=level, n=n1 + n2,
                    method="analytic AUC null (Mann-Whitney)")


def blocks(encoding: Encoding) -> dict[str, np.ndarray]:
    """The encoded dimensions of each original column (value + NaN indicator, or one-hot + unseen slot)."""
    out, start = {}, 0
    for spec in encoding.numeric:
        width = 1 + spec.indicator
        out[spec.name] = np.arange(start, start + width)
        start += width
    for spec in encoding.categorical:
        width = len(spec.categories) + 1
        out[spec.name] = np.arange(start, start + width)
        start += width
    return out


def classifier_test(x_real: np.ndarray, x_fresh: np.ndarray, *, model: str,
                    rng: np.random.Generator) -> C2STResult:
    """Fit a real-vs-fresh classifier on a stratified half of the rows; score the other half."""
    x = np.vstack([x_real, x_fresh])
    y = np.r_[np.zeros(len(x_real), dtype=np.int8), np.ones(len(x_fresh), dtype=np.int8)]
    test = _stratified_test_mask(y, rng)
    classifier = learners.fit(LEARNERS[model], None, x[~test], y[~test], seed=int(rng.integers(2**31 - 1)))
    x_test, y_test = x[test], y[test]
    auc = _auc(classifier, x_test, y_test)
    return C2STResult(auc, int((y_test == 0).sum()), int((y_test == 1).sum()), classifier, x_test, y_test)


def _auc(classifier, x: np.ndarray, y: np.ndarray) -> float:
    """Held-out AUC of the fresh-row probability (label 1)."""
    return learners.auc(y, learners.positive_proba(classifier, x, 1))


def _stratified_test_mask(y: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    test = np.zeros(len(y), dtype=bool)
    for label in (0, 1):
        rows = np.flatnonzero(y == label)
        test[rng.choice(rows, size=int(round(len(rows) * TEST_SHARE)), replace=False)] = True
    return test
