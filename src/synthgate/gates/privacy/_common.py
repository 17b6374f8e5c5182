"""Shared pieces of the privacy measurements: nearest real rows, per-row rates against the holdout, histograms."""

from __future__ import annotations

import numpy as np

from synthgate.gates.context import RunContext
from synthgate.reference import band, compared_size
from synthgate.verdict import Measurement, Rule, judge

#: Per-record lists in details (synthetic row positions) stop here; their counts are always complete.
LIST_CAP = 100
HISTOGRAM_BINS = 30


def nearest_real(ctx: RunContext, role: str) -> tuple[np.ndarray, np.ndarray]:
    """Distance from each ``role`` row to its closest training row, and that row's position."""
    found = ctx.neighbors(role, "real", 1)
    return found.distances[:, 0], found.indices[:, 0]


def neighbors_of_rows(ctx: RunContext, query: str, rows: np.ndarray, base: str, k: int,
                      base_rows: np.ndarray | None = None):
    """k nearest ``base`` rows (restricted to ``base_rows``) of the ``query`` rows at ``rows``.

    Whole tables go through the run's shared cache; subsets are computed once and cached here. When
    ``query == base`` each row's own position is never its neighbour. Indices are positions in ``base``.
    """
    from synthgate.neighbors import Neighbors, knn

    n_query, n_base = len(ctx.tables[query]), len(ctx.tables[base])
    whole_base = base_rows is None or len(base_rows) == n_base
    if len(rows) == n_query and whole_base:
        return ctx.neighbors(query, base, k)
    base_rows = np.arange(n_base) if base_rows is None else base_rows

    def compute():
        same = query == base
        found = knn(ctx.encoded(query)[rows], ctx.encoded(base)[base_rows], min(k + same, len(base_rows)))
        idx = base_rows[found.indices]
        if not same:
            return Neighbors(found.distances, idx)
        # Drop each row's own position (at most one entry per row); rows whose self fell off keep the first k.
        keep = idx != rows[:, None]
        order = np.argsort(~keep, axis=1, kind="stable")[:, :k]
        return Neighbors(np.take_along_axis(found.distances, order, 1), np.take_along_axis(idx, order, 1))

    key = ("privacy-knn", query, base, k, len(rows), len(base_rows), _digest(rows), _digest(base_rows))
    return ctx._cached(key, compute)


def rate_versus_holdout(ctx: RunContext, mid: str, rule: Rule, hits_synthetic: np.ndarray,
                        hits_holdout: np.ndarray, *, details: dict) -> Measurement:
    """A per-row share of synthetic rows against the same share of holdout rows, at the compared size.

    The band is two-stage: the honest share as known from the holdout (Jeffreys posterior
    Beta(hits + 1/2, misses + 1/2): a holdout with no hit does not prove a zero rate), then a binomial draw
    of the compared size (how much an honest sample of that size varies). The value uses every synthetic row.
    """
    rng = ctx.rng(mid)
    hits_holdout = np.asarray(hits_holdout, dtype=float)
    n_holdout = len(hits_holdout)
    n = compared_size(len(hits_synthetic), n_holdout)
    hits = float(hits_holdout.sum())
    honest = rng.beta(hits + 0.5, n_holdout - hits + 0.5, size=ctx.policy.resamples)
    draws = rng.binomial(n, honest) / n
    reference = band(draws, level=ctx.policy.band, n=n, method="holdout rate (Jeffreys) then binomial draws")
    details = {**details, "holdout_rate": float(hits_holdout.mean()), "holdout_rows": n_holdout}
    return judge(mid, float(np.mean(hits_synthetic)), reference, rule, n=len(hits_synthetic), details=details)


def flagged_rows(mask: np.ndarray, cap: int = LIST_CAP) -> dict:
    """Count and (capped) positions of the flagged synthetic rows."""
    where = np.flatnonzero(mask)
    return {"count": int(len(where)), "positions": where[:cap].tolist(), "positions_truncated": len(where) > cap}


def quantiles(values: np.ndarray) -> dict:
    """A few quantiles of a distance distribution (no individual rows)."""
    levels = (0.01, 0.05, 0.25, 0.5, 0.75, 0.95)
    if not len(values):
        return {}
    return {f"q{round(q * 100):02d}": float(v) for q, v in zip(levels, np.quantile(values, levels))}


def histogram(samples: dict[str, np.ndarray], bins: int = HISTOGRAM_BINS) -> dict:
    """Counts of each sample on common bins from 0 to the largest 99th percentile, plus an overflow count."""
    finite = {role: v[np.isfinite(v)] for role, v in samples.items()}
    top = max((float(np.quantile(v, 0.99)) for v in finite.values() if len(v)), default=1.0) or 1.0
    edges = np.linspace(0.0, top, bins + 1)
    out = {"edges": [round(float(e), 6) for e in edges]}
    for role, values in finite.items():
        counts, _ = np.histogram(values[values <= top], bins=edges)
        out[role] = {"counts": counts.tolist(), "overflow": int((values > top).sum()), "n": int(len(values))}
    return out


def _digest(rows: np.ndarray) -> int:
    return hash(np.asarray(rows, dtype=np.int64).tobytes())
