"""Noise floors: what an independent honest sample scores on the same test at the same size.

Sources, each ending in a ``Reference``:
- ``resplits``: the honest draws every gate uses. Real and holdout rows are pooled and re-split at random into
  a pseudo-real table of real's size and a disjoint stand-in sample of the compared size. A statistic of
  (pseudo-real, stand-in) has the spread of (real, an independent real sample), whatever the ratio of
  synthetic to holdout rows. Resampling the holdout alone cannot: drawn without replacement the draws share
  almost every row (band far too narrow as n approaches the holdout's size); drawn with replacement they add
  the bootstrap's own noise (too wide), and either way the band is centred on the holdout's chance offset;
- ``analytic``: a closed-form null with its standard deviation (e.g. PRDC coverage, AUC under H0);
- ``permutation``: the statistic under label permutations.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np
from scipy import stats

from synthgate.verdict import Reference

POOLED_METHOD = "pooled real+holdout re-splits"


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
    """Both sides are judged at the same size: the smaller of the two.

    An honest reference at size n needs n real rows the generator never saw, so a synthetic table larger
    than the holdout is compared on a subsample of the holdout's size (``RunContext.compared_size`` records it).
    """
    return int(min(n_synthetic, n_holdout))


def subsample(total: int, n: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` row positions of ``total`` without replacement (all rows, in order, when n == total)."""
    if n >= total:
        return np.arange(total)
    return np.sort(rng.choice(total, size=n, replace=False))


@dataclass(frozen=True)
class Resplit:
    """One honest re-split of the pooled rows (real's rows first, then the holdout's).

    ``outside`` holds the pooled positions NOT in the pseudo-real table (as many as the holdout has rows);
    its first ``n`` are the stand-in sample. Count statistics of the pseudo-real table are the pooled counts
    minus those of ``outside``, which costs the holdout's size rather than real's.
    """

    n_real: int
    n: int
    outside: np.ndarray
    actual: bool = False  # the real split itself: the pseudo-real table is real

    @property
    def stand_in(self) -> np.ndarray:
        return self.outside[: self.n]

    def pseudo_real(self) -> np.ndarray:
        """Sorted pooled positions of the pseudo-real table."""
        keep = np.ones(self.n_real + len(self.outside), dtype=bool)
        keep[self.outside] = False
        return np.flatnonzero(keep)


def actual_split(n_real: int, n_holdout: int) -> Resplit:
    """The real split itself, in the pooled coordinates (pseudo-real = real)."""
    return Resplit(n_real, 0, np.arange(n_real, n_real + n_holdout), actual=True)


def resplits(n_real: int, n_holdout: int, n: int, times: int, rng: np.random.Generator) -> list[Resplit]:
    """``times`` honest re-splits of real + holdout into a pseudo-real table and a stand-in of ``n`` rows."""
    if n > n_holdout:
        raise ValueError(f"an honest stand-in of {n} rows needs at least {n} holdout rows, not {n_holdout}")
    out = []
    for _ in range(times):
        order = rng.permutation(n_real + n_holdout)[n_real:]
        out.append(Resplit(n_real, n, np.concatenate([np.sort(order[:n]), np.sort(order[n:])])))
    return out


def pooled(real: np.ndarray, holdout: np.ndarray) -> np.ndarray:
    """Real's rows then the holdout's: the coordinates a ``Resplit`` points into."""
    return np.concatenate([np.asarray(real), np.asarray(holdout)])


def permutation(statistic: Callable[[np.ndarray], float], labels: np.ndarray, *, times: int, level: float,
                rng: np.random.Generator) -> Reference:
    """The statistic's null distribution under permutations of ``labels``."""
    draws = np.array([statistic(rng.permutation(labels)) for _ in range(times)])
    return band(draws, level=level, n=len(labels), method="permutation null")


def proportion_sd(p: float, n: int) -> float:
    """Sampling sd of a proportion (binomial)."""
    return float(np.sqrt(max(p * (1.0 - p), 0.0) / max(n, 1)))
