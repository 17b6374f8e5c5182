"""Memorised outliers: do synthetic rows sit on the most isolated training rows?

``privacy.outlier_hit_rate``: the ``outliers`` training rows farthest from their nearest other training row
(exact duplicates are never isolated) are the people a copy exposes most. An outlier is *hit* when a row
lies within half its isolation distance (closer to it than halfway to its nearest training neighbour).
The value is the share of outliers hit by a synthetic sample of the compared size (averaged over disjoint
chunks when the synthetic table is larger); the reference is the share the holdout hits at that size, with
a binomial band (the holdout's hit count plus one half, over the outliers plus one, keeps the band open
when the holdout hits none).
"""

from __future__ import annotations

import numpy as np
from scipy import stats

from synthgate.gates.context import RunContext
from synthgate.reference import compared_size, subsample
from synthgate.verdict import Measurement, Reference, Rule, judge

RADIUS_SHARE = 0.5
_BLOCK = 65_536


def outlier_hit_rate(ctx: RunContext, rule: Rule, count: int) -> Measurement:
    """``privacy.outlier_hit_rate`` against the holdout's hit rate at the same size."""
    outliers, radii = most_isolated(ctx, count)
    rng = ctx.rng("privacy.outlier_hit_rate")
    n_syn, n_hold = len(ctx.tables.synthetic), len(ctx.tables.holdout)
    n = compared_size(n_syn, n_hold)
    chunks = max(n_syn // n, 1)
    chunk_of_row = np.full(n_syn, -1)
    chunk_of_row[rng.permutation(n_syn)[:chunks * n]] = np.repeat(np.arange(chunks), n)
    syn_hits, pairs = _hits(ctx, "synthetic", outliers, radii, chunk_of_row, chunks)
    ctx._cache[("privacy-outlier-pairs",)] = (pairs[0], outliers[pairs[1]])  # private: see private.py
    hold_of_row = np.full(n_hold, -1)
    hold_of_row[subsample(n_hold, n, rng)] = 0
    hold_hits, _ = _hits(ctx, "holdout", outliers, radii, hold_of_row, 1)
    value = float(syn_hits[:chunks].mean())
    reference = _binomial_band(int(hold_hits[0].sum()), len(outliers), ctx.policy.band, n)
    details = {"outliers": len(outliers), "radius_share": RADIUS_SHARE, "compared_rows": n, "chunks": chunks,
               "outliers_hit_by_synthetic": int(syn_hits[chunks].sum()),
               "outliers_hit_by_holdout": int(hold_hits[0].sum()),
               "synthetic_rows_on_outliers": int(len(np.unique(pairs[0]))),
               "isolation_distance": {"min": float(radii.min() / RADIUS_SHARE),
                                      "median": float(np.median(radii) / RADIUS_SHARE)}}
    return judge("privacy.outlier_hit_rate", value, reference, rule, n=len(outliers), details=details)


def most_isolated(ctx: RunContext, count: int) -> tuple[np.ndarray, np.ndarray]:
    """Positions of the most isolated training rows (ties: earlier row first) and their hit radii."""
    isolation = ctx.neighbors("real", "real", 1).distances[:, 0]
    m = min(count, max(len(isolation) // 10, 1))
    order = np.lexsort((np.arange(len(isolation)), -isolation))[:m]
    order = order[isolation[order] > 0]
    return order, isolation[order] * RADIUS_SHARE


def _hits(ctx: RunContext, role: str, outliers: np.ndarray, radii: np.ndarray, group_of_row: np.ndarray,
          groups: int) -> tuple[np.ndarray, tuple[np.ndarray, np.ndarray]]:
    """hits[g, j]: some row of group g lies within radius j of outlier j; row g == groups: any row at all.

    Also returns the (row, outlier number) pairs within radius. Exact float64 distances, in row blocks.
    """
    centers = ctx.encoded("real")[outliers].astype(np.float64)
    center_sq = (centers * centers).sum(axis=1)
    table = ctx.encoded(role)
    hits = np.zeros((groups + 1, len(outliers)), dtype=bool)
    pair_rows, pair_outliers = [], []
    for start in range(0, len(table), _BLOCK):
        block = table[start:start + _BLOCK].astype(np.float64)
        squared = center_sq[:, None] + (block * block).sum(axis=1)[None, :] - 2.0 * centers @ block.T
        within = np.sqrt(np.maximum(squared, 0.0)) <= radii[:, None]
        which, rows = np.nonzero(within)
        pair_rows.append(start + rows)
        pair_outliers.append(which)
        hits[groups, which] = True
        grouped = group_of_row[start + rows] >= 0
        hits[group_of_row[start + rows][grouped], which[grouped]] = True
    return hits, (np.concatenate(pair_rows or [np.zeros(0, np.int64)]).astype(np.int64),
                  np.concatenate(pair_outliers or [np.zeros(0, np.int64)]).astype(np.int64))


def _binomial_band(holdout_hits: int, m: int, level: float, n: int) -> Reference:
    if m == 0:
        return Reference(float("nan"), float("nan"), float("nan"), "no isolated training rows", n)
    rate = (holdout_hits + 0.5) / (m + 1.0)
    tail = (1.0 - level) / 2.0
    low, high = stats.binom.ppf([tail, 1.0 - tail], m, rate) / m
    return Reference(holdout_hits / m, float(low), float(high), "holdout hits, binomial band", n)
