"""The honest reference for lost categories: how many of real's categories an independent sample misses.

The count depends on real's own luck: a real table that happened to draw many rare categories has many an
honest sample will miss. Re-splits of real + holdout give the count's spread over tables like real, not given
this real (measured on census-income, 1,000 rows: their band missed the truth given real on 6 % of honest
runs). Given real, the holdout is an independent sample: the share of its size-``n`` subsets that miss a
category of real holdout count ``h`` is C(N - h, n) / C(N, n), so the sum over real's categories is an
unbiased (but noisy) estimate of the expected count. The reference centres on the mean of that estimate and
the re-splits' median (the one is unbiased given real, the other far less noisy), and its spread is the
count's own (a sum of Bernoulli losses has variance at most its mean) plus that of the holdout estimate
(the same at n = N, less for smaller n). Measured on 40 census-income splits x 30 independent samples:
alarms 1.7 % at 1,000 rows and 0.7 % at 500 (re-split band alone: 6.2 % and 4.3 %).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Sequence

import numpy as np
from scipy import special

from synthgate.reference import analytic
from synthgate.verdict import Reference

METHOD = "holdout's misses of real's categories (given real) and pooled re-splits"
SHARES_METHOD = "pooled re-splits and samples from the holdout's category shares (given real)"


def subset_miss_probability(holdout_counts: np.ndarray, holdout_rows: int, n: int) -> np.ndarray:
    """Per category, the share of size-``n`` subsets of the holdout without it: C(N - h, n) / C(N, n).

    >>> subset_miss_probability(np.array([0, 1, 2, 10]), 10, 5).round(3).tolist()
    [1.0, 0.5, 0.222, 0.0]
    """
    h = np.asarray(holdout_counts, dtype=float)
    rest = holdout_rows - h
    log = (special.gammaln(rest + 1) - special.gammaln(np.maximum(rest - n, 0) + 1)
           - special.gammaln(holdout_rows + 1) + special.gammaln(holdout_rows - n + 1))
    return np.where(rest >= n, np.exp(log), 0.0)


def missing_categories(real_counts: Sequence[np.ndarray], holdout_counts: Sequence[np.ndarray], *,
                       holdout_rows: int, n: int, resplit_draws: np.ndarray, level: float) -> Reference:
    """The reference of "real's categories with no row in a sample of ``n``", summed over columns."""
    given_real = sum(float(subset_miss_probability(h[r > 0], holdout_rows, n).sum())
                     for r, h in zip(real_counts, holdout_counts))
    draws = np.asarray(resplit_draws, dtype=float)
    centre = (given_real + float(np.median(draws))) / 2.0 if len(draws) else given_real
    sd = float(np.sqrt(centre * (1.0 + n / max(holdout_rows, 1))))
    reference = analytic(centre, sd, level=level, n=n, method=METHOD)
    return replace(reference, low=max(reference.low, 0.0))


def counts_given_real(holdout_counts: np.ndarray, holdout_rows: int, n: int, draws: int,
                      rng: np.random.Generator) -> np.ndarray:
    """``draws`` x categories: counts of honest samples of ``n`` rows, given real, from the holdout's shares.

    Given real, an independent sample's category shares are the population's, which the holdout estimates
    without real's luck; each category's count is then Binomial(n, (h + 0.5) / (N + 1)) (a category the
    holdout lacks keeps a small share). Judged against real's own shares, as the synthetic table is, these
    draws lose what real over-counted the way an honest sample does; pooled re-splits average that luck away
    (measured on census-income: rare-category retention alarmed on 2.6 % of honest samples against the
    re-split band alone at 950 rows, 4 % at 5,000).
    """
    shares = (np.asarray(holdout_counts, dtype=float) + 0.5) / (holdout_rows + 1.0)
    return rng.binomial(n, shares, size=(draws, len(shares))).astype(float)
