"""Group tallies for resampling loops, and the honest reference of a worst case over groups.

fairlearn defines the group metrics and gives the point estimates in the report; a fairlearn call costs
~0.1 s, so loops over hundreds of resamples use these count-based twins instead
(``tests/gates/test_bias_units.py`` checks that both give the same numbers).
"""

from __future__ import annotations

import warnings
from contextlib import contextmanager
from dataclasses import dataclass, replace

import numpy as np

from synthgate.verdict import Measurement, Reference, Rule, Worse


def group_sums(codes: np.ndarray, size: int, values: np.ndarray | None = None) -> np.ndarray:
    """Per-group row counts (or sums of ``values``) of each row set.

    ``codes`` is (sets, rows) or (rows,) of group codes in ``[0, size)``, -1 for rows outside every group;
    ``values`` has the same shape. Returns a float (sets, size) array.
    """
    codes = np.atleast_2d(codes)
    keep = codes >= 0
    flat = (codes + size * np.arange(len(codes))[:, None])[keep]
    weights = None if values is None else np.atleast_2d(values)[keep].astype(float)
    return np.bincount(flat, weights=weights, minlength=size * len(codes)).reshape(len(codes), size).astype(float)


def ratio(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    """``numerator / denominator`` with NaN where the denominator is 0 (an empty group has no rate)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(denominator > 0, numerator / np.where(denominator > 0, denominator, 1.0), np.nan)


def spread_of(rates: np.ndarray, eligible: np.ndarray) -> np.ndarray:
    """max - min of ``rates`` over the eligible groups (last axis), NaN with fewer than two rates.

    This is fairlearn's ``between_groups`` difference (demographic parity on selection rates).
    """
    picked = np.where(eligible, rates, np.nan)
    finite = np.isfinite(picked).sum(axis=-1)
    with _quiet():
        gap = np.nanmax(picked, axis=-1) - np.nanmin(picked, axis=-1)
    return np.where(finite >= 2, gap, np.nan)


@dataclass(frozen=True)
class Worst:
    """The deciding item of a worst-of-many measurement, its reference, and every item's band."""

    pick: int
    reference: Reference
    centre: np.ndarray
    low: np.ndarray
    high: np.ndarray


def worst_of(values: np.ndarray, draws: np.ndarray, *, worse: Worse, level: float, n: int,
             method: str) -> Worst:
    """The item furthest beyond its own honest band, and that band, maximised over items like the value.

    Parameters
    ----------
    values : (items,) the statistic of each item (group, attribute, model) on the synthetic table.
    draws : (resamples, items) the same statistic with honest samples in the synthetic's place.
    worse, level, n, method : as in ``Rule`` and ``Reference``.

    Notes
    -----
    A worst case over items of unequal noise needs a reference maximised the same way, without letting the
    noisiest item set the bar for all (max-T, Westfall & Young 1993): each item's draws are standardised by
    their median and sd, the ``level`` quantile of the largest standardised draw over items gives ``t``, and
    each item's band is ``median ± t·sd``. The returned item is the one whose value lies furthest beyond its
    band in the measurement's own units, i.e. the one that decides the verdict.
    """
    values = np.asarray(values, dtype=float)
    draws = np.asarray(draws, dtype=float).reshape(-1, len(values))
    with _quiet():
        centre = np.nanmedian(draws, axis=0)
        sd = np.nanstd(draws, axis=0, ddof=1) if len(draws) > 1 else np.zeros(len(values))
    sd = np.where(np.isfinite(sd) & (sd > 0), sd, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        z = np.where(sd > 0, (draws - centre) / np.where(sd > 0, sd, 1.0), 0.0)
    z = {"higher": z, "lower": -z, "either": np.abs(z)}[worse]
    with _quiet():
        top = np.nanmax(np.where(np.isfinite(draws), z, np.nan), axis=1)
    top = top[np.isfinite(top)]
    # A central ``level`` band: each one-sided bound at 0.5 + level/2, or |z| at ``level`` for "either".
    t = float(np.quantile(top, level if worse == "either" else 0.5 + level / 2.0)) if len(top) else np.nan
    low, high = centre - t * sd, centre + t * sd
    excess = {"higher": values - high, "lower": low - values,
              "either": np.maximum(values - high, low - values)}[worse]
    judged = np.isfinite(excess)
    pick = int(np.nanargmax(np.where(judged, excess, -np.inf))) if judged.any() else 0
    label = method if len(values) == 1 else f"{method}, worst of {len(values)}"
    return Worst(pick, Reference(float(centre[pick]), float(low[pick]), float(high[pick]), label, n),
                 centre, low, high)


def reference_plot(title: str, labels: list[str], values: np.ndarray, worst: Worst, rule: Rule,
                   xlabel: str) -> dict:
    """A ``reference`` plot spec: each item's value beside its own honest band, furthest beyond first."""
    values = np.asarray(values, dtype=float)
    above, below = values - worst.high, worst.low - values
    excess = {"higher": above, "lower": below, "either": np.maximum(above, below)}[rule.worse]
    order = np.argsort(-np.nan_to_num(excess, nan=-np.inf), kind="stable")[:20]
    items = []
    for i in order:
        up = rule.worse == "higher" or (rule.worse == "either" and values[i] >= worst.centre[i])
        limit = worst.high[i] + rule.fail_excess if up else worst.low[i] - rule.fail_excess
        verdict = "fail" if excess[i] > rule.fail_excess else "warn" if excess[i] > rule.warn_excess else "pass"
        items.append({"label": labels[i], "value": _num(values[i]), "reference": _num(worst.centre[i]),
                      "low": _num(worst.low[i]), "high": _num(worst.high[i]), "limit": _num(limit),
                      "verdict": verdict})
    return {"plot": "reference", "title": title, "xlabel": xlabel, "items": items,
            "description": "each item against its own honest band (widened for the number of items)"}


def naming(measurement: Measurement, where: str) -> Measurement:
    """The measurement with its reason prefixed by the item that decided it (a group, a model)."""
    return replace(measurement, reason=f"{where}: {measurement.reason}")


def bands(draws: np.ndarray, level: float) -> tuple[np.ndarray, np.ndarray]:
    """Per-item central ``level`` interval of honest draws (for tables, not for verdicts)."""
    tail = (1.0 - level) / 2.0
    with _quiet():
        return np.nanquantile(draws, tail, axis=0), np.nanquantile(draws, 1.0 - tail, axis=0)


@contextmanager
def _quiet():
    """All-NaN slices are expected here (empty groups): their NaN result is the answer, not a problem."""
    with warnings.catch_warnings(), np.errstate(invalid="ignore", divide="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)
        yield


def _num(x: float) -> float | None:
    x = float(x)
    return x if np.isfinite(x) else None
