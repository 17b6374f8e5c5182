"""Noise floors: what an honest sample scores on the same test at the same size.

Three sources, each returning a ``Reference``:
- ``holdout_draws``: the statistic with real holdout rows in the synthetic's place, resampled to the
  synthetic's size (bootstrap when the holdout is not larger: a slightly wider, conservative band);
- ``analytic``: a closed-form null with its standard deviation (e.g. PRDC coverage, AUC under H0);
- ``permutation``: the statistic under label permutations.
"""

from __future__ import annotations

from typing import Callable

import numpy as np
from scipy import stats

from synthgate.verdict import Reference

RowStatistic = Callable[[str, np.ndarray], float]


def band(draws: np.ndarray, *, level: float, n: int, method: str) -> Reference:
    """A reference from honest draws: the median, and the central ``level`` share as the band."""
    draws = np.asarray(draws, dtype=float)
    draws = draws[np.isfinite(draws)]
    if not len(draws):
        return Reference(float("nan"), float("nan"), float("nan"), method, n)
    tail = (1.0 - level) / 2.0
    low, mid, high = np.quantile(draws, [tail, 0.5, 1.0 - tail])
    return Reference(float(mid), float(low), float(high), method, n)


def analytic(value: float, sd: float, *, level: float, n: int, method: str) -> Reference:
    """A normal-approximation band around an analytic expectation."""
    z = stats.norm.ppf(0.5 + level / 2.0)
    return Reference(float(value), float(value - z * sd), float(value + z * sd), method, n)


def compared_size(n_synthetic: int, n_holdout: int) -> int:
    """Both sides are judged at the same size: the smaller of the two."""
    return int(min(n_synthetic, n_holdout))


def subsample(total: int, n: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` row positions of ``total`` without replacement (all rows, in order, when n == total)."""
    if n >= total:
        return np.arange(total)
    return np.sort(rng.choice(total, size=n, replace=False))


def holdout_draws(statistic: RowStatistic, *, n_holdout: int, n: int, times: int,
                  rng: np.random.Generator) -> np.ndarray:
    """``statistic("holdout", rows)`` over ``times`` honest resamples of size ``n``."""
    replace = n >= n_holdout
    return np.array([statistic("holdout", np.sort(rng.choice(n_holdout, size=n, replace=replace)))
                     for _ in range(times)])


def versus_holdout(statistic: RowStatistic, *, n_synthetic: int, n_holdout: int, times: int, level: float,
                   rng: np.random.Generator) -> tuple[float, Reference]:
    """The statistic on the synthetic rows and its holdout reference, at one common size."""
    n = compared_size(n_synthetic, n_holdout)
    value = statistic("synthetic", subsample(n_synthetic, n, rng))
    draws = holdout_draws(statistic, n_holdout=n_holdout, n=n, times=times, rng=rng)
    return float(value), band(draws, level=level, n=n, method="holdout resamples")


def permutation(statistic: Callable[[np.ndarray], float], labels: np.ndarray, *, times: int, level: float,
                rng: np.random.Generator) -> Reference:
    """The statistic's null distribution under permutations of ``labels``."""
    draws = np.array([statistic(rng.permutation(labels)) for _ in range(times)])
    return band(draws, level=level, n=len(labels), method="permutation null")


def proportion_sd(p: float, n: int) -> float:
    """Sampling sd of a proportion (binomial)."""
    return float(np.sqrt(max(p * (1.0 - p), 0.0) / max(n, 1)))
