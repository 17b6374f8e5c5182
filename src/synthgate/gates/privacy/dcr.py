"""Distance to closest record (DCR): are synthetic rows closer to the training rows than fresh real rows are?

- ``privacy.dcr_close_share``: share of synthetic rows closer to a training row than the holdout's
  5th-percentile DCR. Honest: the holdout's own share (≈ 0.05), binomial band for both sample sizes.
- ``privacy.nearest_in_train_share``: with train subsampled to the holdout's size, the share of synthetic
  rows whose nearest real row is a training row (ties count half). Honest: 0.5, with the permutation
  null of the train/holdout labels (it keeps the clustering of synthetic rows around the same real rows).
"""

from __future__ import annotations

import math

import numpy as np

from synthgate.gates.context import RunContext
from synthgate.gates.privacy._common import nearest_real, neighbors_of_rows, quantiles
from synthgate.reference import analytic, subsample
from synthgate.verdict import Measurement, Rule, judge

CLOSE_QUANTILE = 0.05


def close_share(ctx: RunContext, rule: Rule) -> Measurement:
    """``privacy.dcr_close_share`` against the holdout's own share below the same threshold."""
    d_syn, _ = nearest_real(ctx, "synthetic")
    d_hold, _ = nearest_real(ctx, "holdout")
    threshold = float(np.quantile(d_hold, CLOSE_QUANTILE))
    value, centre = _share_below(d_syn, threshold), _share_below(d_hold, threshold)
    sd = math.sqrt(centre * (1.0 - centre) * (1.0 / len(d_syn) + 1.0 / len(d_hold)))
    reference = analytic(centre, sd, level=ctx.policy.band, n=len(d_syn),
                         method="binomial band around the holdout's own share")
    details = {"threshold": threshold, "quantile": CLOSE_QUANTILE, "ties": "count half",
               "synthetic_dcr": quantiles(d_syn), "holdout_dcr": quantiles(d_hold)}
    return judge("privacy.dcr_close_share", value, reference, rule, n=len(d_syn), details=details)


def nearest_in_train_share(ctx: RunContext, rule: Rule, near_radius: float) -> Measurement:
    """``privacy.nearest_in_train_share`` against its permutation null (0.5).

    Details also compare, on the same equal-size tables, the share of synthetic rows within ``near_radius``
    of a training row with the share within it of a holdout row: a near-copy view that the synthetic
    table's fidelity cannot mask (a generator with few natural near pairs has few on both sides).
    """
    train_rows, hold_rows = equal_size_rows(ctx)
    n = len(train_rows)
    rows = np.arange(len(ctx.tables.synthetic))
    to_train = neighbors_of_rows(ctx, "synthetic", rows, "real", 1, base_rows=train_rows)
    to_hold = neighbors_of_rows(ctx, "synthetic", rows, "holdout", 1, base_rows=hold_rows)
    d_train, d_hold = to_train.distances[:, 0], to_hold.distances[:, 0]
    in_train = (d_train < d_hold) + 0.5 * (d_train == d_hold)
    # Pool positions: train subsample first, then holdout subsample; each synthetic row credits its
    # nearest pooled row (half each on a tie).
    pooled = np.concatenate([np.searchsorted(train_rows, to_train.indices[:, 0]),
                             n + np.searchsorted(hold_rows, to_hold.indices[:, 0])])
    credit = np.concatenate([in_train, 1.0 - in_train])
    sd = _relabel_sd(np.bincount(pooled, weights=credit, minlength=2 * n), len(rows))
    reference = analytic(0.5, sd, level=ctx.policy.band, n=len(rows),
                         method="permutation null of train/holdout labels")
    details = {"compared_rows": n, "train_subsampled": n < len(ctx.tables.real),
               "holdout_subsampled": n < len(ctx.tables.holdout), "ties": "count half",
               "exact_ties": int((d_train == d_hold).sum()),
               "within_near_radius": {"radius": near_radius, "of_train": float(np.mean(d_train <= near_radius)),
                                      "of_holdout": float(np.mean(d_hold <= near_radius))}}
    return judge("privacy.nearest_in_train_share", float(in_train.mean()), reference, rule, n=len(rows),
                 details=details)


def equal_size_rows(ctx: RunContext) -> tuple[np.ndarray, np.ndarray]:
    """Training and holdout rows subsampled to the smaller table's size (cached: other measurements reuse the
    neighbours found on them)."""

    def draw() -> tuple[np.ndarray, np.ndarray]:
        n = min(len(ctx.tables.real), len(ctx.tables.holdout))
        rng = ctx.rng("privacy.nearest_in_train_share")
        return subsample(len(ctx.tables.real), n, rng), subsample(len(ctx.tables.holdout), n, rng)

    return ctx._cached(("privacy-equal-size-rows",), draw)


def _share_below(distances: np.ndarray, threshold: float) -> float:
    return float(np.mean(distances < threshold) + 0.5 * np.mean(distances == threshold))


def _relabel_sd(credits: np.ndarray, n_synthetic: int) -> float:
    """sd of the share when the pooled rows' train/holdout labels are a random half/half split.

    The share is the credit sum over a random half of the N pooled rows (sampling without replacement):
    Var = (N/2)(1/2) * N/(N-1) * var(credits), divided by the number of synthetic rows squared.
    """
    pool = len(credits)
    if pool < 2 or n_synthetic == 0:
        return math.nan
    variance = pool * pool * float(np.var(credits)) / (4.0 * (pool - 1))
    return math.sqrt(variance) / n_synthetic
