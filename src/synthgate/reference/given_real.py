"""Honest draws re-centred on *this* real table.

Pooled re-splits give a statistic's spread over tables like real, centred where it is over all of them. A
ratio to real (a column's spread, its mass beyond real's quantiles) is centred, for an independent sample of
this real's population, on the population's value over real's, which the holdout estimates and a re-split
cannot: it is 1 whatever real's own luck. In heavy-tailed columns that luck dominates (Adult capital_gain,
seed 69: 1,000 independent samples have a median spread ratio of 0.72; the re-split band was [0.67, 0.99]).
"""

from __future__ import annotations

import numpy as np

METHOD_SUFFIX = "re-centred on the holdout's ratio (given real)"


def ratio_exponent(n: int, n_real: int, n_holdout: int) -> float:
    """k scaling a re-split's log-ratio spread (an n-row sample against real's ``n_real`` rows) to the
    comparison's: an n-row sample against the ``n_holdout``-row estimate of the centre."""
    return float(np.sqrt((1 / n + 1 / n_holdout) / (1 / n + 1 / n_real)))


def ratios_given_real(draws, holdout_ratio, *, n: int, n_real: int, n_holdout: int) -> np.ndarray:
    """Each re-split ratio as the holdout's ratio times the draw ** k (``ratio_exponent``).

    Where the holdout's ratio is not finite, or a draw is (it is then left as it is).

    >>> ratios_given_real(np.array([[1.0, 0.5], [0.81, 1.0]]), np.array([0.7, np.nan]), n=100, n_real=300,
    ...                   n_holdout=100).round(3).tolist()
    [[0.7, 0.5], [0.541, 1.0]]
    """
    draws = np.asarray(draws, dtype=float)
    centre = np.broadcast_to(np.asarray(holdout_ratio, dtype=float), draws.shape)
    k = ratio_exponent(n, n_real, n_holdout)
    usable = np.isfinite(centre) & np.isfinite(draws) & (draws >= 0)
    return np.where(usable, centre * np.abs(draws) ** k, draws)
