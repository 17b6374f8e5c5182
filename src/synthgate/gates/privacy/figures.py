"""The privacy section's plots, as plot specs (``docs/report-plots.md``): aggregates only, never a real row."""

from __future__ import annotations

import math

import numpy as np
from scipy import stats

from synthgate.gates.context import RunContext
from synthgate.gates.privacy._common import nearest_real
from synthgate.verdict import Measurement

DCR_POINTS = 40
#: the measurements drawn in "copies against chance", in reading order
COPY_IDS = {"privacy.exact_copy_rate": "exact copies", "privacy.unique_copy_rate": "copies of unique records",
            "privacy.isolated_copy_rate": "copies of isolated unique records",
            "privacy.exact_match_train_rate": "exact matches credited to train",
            "privacy.near_copy_rate": "near copies", "privacy.near_category_rate": "one category changed", "privacy.near_match_train_rate": "near rows credited to train", "privacy.identifier_reuse_rate": "identifier reuse (worst column)",
            "privacy.quasi_identifier_reuse_rate": "quasi-identifier reuse (worst combination)"}


def dcr_spec(ctx: RunContext, radius: float) -> dict:
    """Share of rows within distance d of a training row: synthetic against holdout, with the honest band.

    The band is where an honest table of the synthetic's size falls: the holdout's share plus or minus the
    binomial noise of both samples. The x axis stops at the holdout's 20th percentile, where copies live.
    """
    d_syn, _ = nearest_real(ctx, "synthetic")
    d_hold, _ = nearest_real(ctx, "holdout")
    top = float(np.quantile(d_hold, 0.2)) or float(d_hold.max()) or 1.0
    grid = np.linspace(0.0, top, DCR_POINTS)
    syn = np.searchsorted(np.sort(d_syn), grid, side="right") / len(d_syn)
    hold = np.searchsorted(np.sort(d_hold), grid, side="right") / len(d_hold)
    z = stats.norm.ppf(0.5 + ctx.policy.band / 2.0)
    sd = np.sqrt(hold * (1.0 - hold) * (1.0 / len(d_syn) + 1.0 / len(d_hold)))
    marks = [{"x": round(radius, 6), "label": "near-copy radius"}] if 0 < radius <= top else []
    return {"plot": "lines", "title": "Distance to the closest training record",
            "description": f"share of rows (synthetic: {len(d_syn)}, holdout: {len(d_hold)}) at most this far from a "
                           f"training row; a synthetic line above the holdout's {ctx.policy.band:.0%} band means "
                           "rows sit closer to training rows than fresh real rows do",
            "x": [round(float(x), 6) for x in grid],
            "series": {"synthetic": _round(syn), "holdout": _round(hold)},
            "bands": {"holdout": {"low": _round(np.clip(hold - z * sd, 0, 1)),
                                  "high": _round(np.clip(hold + z * sd, 0, 1))}},
            "xlabel": "distance to the closest training row (shared encoding)", "ylabel": "share of rows",
            "marks": marks}


def copies_spec(measurements: tuple[Measurement, ...]) -> dict | None:
    """Each kind of copy beside its honest band and fail limit (shares of synthetic rows)."""
    items = []
    for m in measurements:
        if m.id not in COPY_IDS or m.reference is None or not math.isfinite(m.value):
            continue
        limit = m.reference.high + m.threshold if m.threshold is not None else None
        items.append({"label": COPY_IDS[m.id], "value": m.value, "reference": m.reference.value,
                      "low": m.reference.low, "high": m.reference.high, "limit": limit, "verdict": m.verdict.value})
    if not items:
        return None
    return {"plot": "reference", "title": "Copies of real records against chance",
            "description": "share of synthetic rows of each kind; grey: what real rows the generator never saw "
                           "show at the same size (the honest band); dashed: the fail limit",
            "xlabel": "share of synthetic rows", "items": items}


def _round(values: np.ndarray) -> list[float]:
    return [round(float(v), 5) for v in values]
