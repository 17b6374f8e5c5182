"""Shared pieces of the privacy measurements: nearest real rows, per-row rates against the holdout, histograms.

Details carry counts, never positions: which rows copy whom goes to the private records (``private.py``).
"""

from __future__ import annotations

import numpy as np

from synthgate.gates.context import RunContext
from synthgate.reference import band
from synthgate.verdict import Measurement, Rule, judge

#: draws behind an analytic two-stage band: its 97.5 % quantile from 100 draws would cover only ~96.5 %
#: (an order statistic of n draws sits at k / (n + 1)), and beta / binomial draws cost next to nothing
ANALYTIC_DRAWS = 10_000


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
                        hits_holdout: np.ndarray, *, details: dict, why: str = "",
                        resplit_hits: np.ndarray | None = None) -> Measurement:
    """A per-row share of synthetic rows against the same share of holdout rows, both at the synthetic's size.

    The band is two-stage: the honest per-row rate as known from the holdout (Jeffreys posterior
    Beta(hits + 1/2, misses + 1/2): a holdout with no hit does not prove a zero rate), then a binomial draw
    of as many rows as the value uses (every synthetic row). Value and band are thus at the same size
    whatever the ratio of synthetic to holdout rows: the rows of an honest table are independent draws
    given the training rows, so the holdout estimates their rate and the binomial adds the value's own noise.

    ``resplit_hits``: the holdout's hits in honest re-splits of train + holdout (``copies.resplit_hits``), used
    in place of the holdout's own count, one re-split per draw. A rate that depends on which records happen to
    be in train (copies of records unique there) varies from split to split; one holdout's count does not show
    it (census-income seed 47: the holdout hit 7 of 1,000, an independent sample 22, the re-splits 11-23).
    """
    hits_holdout = np.asarray(hits_holdout, dtype=float)
    n = len(hits_synthetic)
    hits = float(hits_holdout.sum()) if resplit_hits is None else np.asarray(resplit_hits, dtype=float)
    reference = _rate_band(ctx, mid, [(n, hits, len(hits_holdout))])
    details = {**details, "holdout_rate": float(hits_holdout.mean()), "holdout_rows": len(hits_holdout)}
    return judge(mid, float(np.mean(hits_synthetic)), reference, rule, n=n, details=details, why=why)


def worst_rate_versus_holdout(ctx: RunContext, mid: str, rule: Rule,
                              rates: dict[str, tuple[np.ndarray, np.ndarray]], *, details: dict,
                              what: str) -> Measurement:
    """The worst of several per-row shares (e.g. one per column), each against its holdout share.

    The reference is maximised the same way: per honest draw, the largest of the per-item two-stage draws
    (see ``rate_versus_holdout``). The worst item is named in the reason (``what`` says what an item is).
    """
    items = {name: (float(np.mean(syn)) if len(syn) else 0.0, len(syn), float(np.sum(hold)), len(hold))
             for name, (syn, hold) in rates.items()}
    worst = max(items, key=lambda name: items[name][0])
    reference = _rate_band(ctx, mid, [(n, hits, m) for _, n, hits, m in items.values()])
    per_item = {name: {"rate": value, "rows": n, "holdout_rate": hits / max(m, 1), "holdout_rows": m}
                for name, (value, n, hits, m) in items.items()}
    value, n, hits, m = items[worst]
    why = f"worst {what} {worst!r}: {value:.4g} of its synthetic values vs {hits / max(m, 1):.4g} of the holdout's"
    return judge(mid, value, reference, rule, n=n, why=why,
                 details={**details, "worst": worst, "items": per_item})


def _rate_band(ctx: RunContext, mid: str, items: list[tuple[int, float | np.ndarray, int]]):
    """Band of the largest of per-item honest shares: (rows of the value, holdout hits, holdout rows) each.

    Holdout hits given as an array (one per honest re-split) are drawn from, one per draw."""
    rng = ctx.rng(mid)
    draws = np.zeros(ANALYTIC_DRAWS)
    resplit = False
    for n, hits, m in items:
        if np.ndim(hits):
            resplit = True
            hits = rng.choice(hits, size=ANALYTIC_DRAWS)
        honest = rng.beta(hits + 0.5, m - hits + 0.5, size=ANALYTIC_DRAWS)
        draws = np.maximum(draws, rng.binomial(max(n, 1), honest) / max(n, 1))
    method = (f"{'re-split holdout' if resplit else 'holdout'} rate (Jeffreys) then binomial draws at the "
              "synthetic's size")
    if len(items) > 1:
        method += f", maximum over {len(items)}"
    return band(draws, level=ctx.policy.band, n=max((n for n, _, _ in items), default=0), method=method)


def count_in(keys: np.ndarray, base: np.ndarray) -> np.ndarray:
    """How many ``base`` entries equal each key (int64; 0 when none)."""
    values, counts = np.unique(base, return_counts=True)
    if not len(values):
        return np.zeros(len(keys), dtype=np.int64)
    pos = np.minimum(np.searchsorted(values, keys), len(values) - 1)
    return np.where(values[pos] == keys, counts[pos], 0)


def quantiles(values: np.ndarray) -> dict:
    """A few quantiles of a distance distribution (no individual rows)."""
    levels = (0.01, 0.05, 0.25, 0.5, 0.75, 0.95)
    if not len(values):
        return {}
    return {f"q{round(q * 100):02d}": float(v) for q, v in zip(levels, np.quantile(values, levels))}


def _digest(rows: np.ndarray) -> int:
    return hash(np.asarray(rows, dtype=np.int64).tobytes())
