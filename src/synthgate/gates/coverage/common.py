"""Helpers shared by the coverage measurements: per-item statistics against holdout resamples."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np
from scipy import stats

from synthgate.gates.context import RunContext
from synthgate.reference import POOLED_METHOD, Resplit, actual_split, band, resplits, subsample
from synthgate.verdict import Reference

#: ``statistic(role, rows, split) -> per-item values``: the sample is ``rows`` of ``role`` ("synthetic", or
#: "pool" for real + holdout pooled), judged against the pseudo-real table of ``split`` (real itself for the
#: synthetic value).
ItemStatistic = Callable[[str, np.ndarray, Resplit], np.ndarray]


@dataclass(frozen=True)
class ItemDraws:
    """Per-item values on the synthetic rows and on ``resamples`` honest holdout resamples, at one size."""

    names: list[str]
    value: np.ndarray      # (items,)
    honest: np.ndarray     # (resamples, items)
    n: int

    def worst(self, worse: str, *, level: float) -> tuple[float, Reference, str]:
        """The worst item and a reference worst-cased over the items the same way, draw by draw."""
        pick = np.nanmin if worse == "lower" else np.nanmax
        arg = np.nanargmin if worse == "lower" else np.nanargmax
        value = float(pick(self.value))
        reference = band(pick(self.honest, axis=1), level=level, n=self.n, method=POOLED_METHOD)
        return value, reference, self.names[int(arg(self.value))]

    def item_bands(self, *, level: float) -> dict[str, dict[str, float]]:
        """Per item: its value and the central ``level`` band of its honest draws."""
        tail = (1.0 - level) / 2.0
        low, mid, high = np.nanquantile(self.honest, [tail, 0.5, 1.0 - tail], axis=0)
        return {name: {"value": _round(v), "honest": _round(m), "honest_low": _round(lo), "honest_high": _round(hi)}
                for name, v, lo, m, hi in zip(self.names, self.value, low, mid, high)}


def item_draws(ctx: RunContext, names: list[str], statistic: ItemStatistic, purpose: str) -> ItemDraws:
    """``statistic`` on the synthetic rows and on honest re-splits of real + holdout at the common size."""
    rng = ctx.rng(purpose)
    n_real, n_h = len(ctx.tables.real), len(ctx.tables.holdout)
    n = ctx.compared_size("coverage")
    value = np.asarray(statistic("synthetic", subsample(len(ctx.tables.synthetic), n, rng),
                                 actual_split(n_real, n_h)), dtype=float)
    honest = []
    for i, split in enumerate(resplits(n_real, n_h, n, ctx.policy.resamples, rng)):
        ctx.progress(f"{purpose}: honest references", i, ctx.policy.resamples)
        honest.append(np.asarray(statistic("pool", split.stand_in, split), dtype=float))
    return ItemDraws(list(names), value, np.array(honest).reshape(len(honest), -1), n)


def role_values(ctx: RunContext, key: str, of_role: Callable[[str], np.ndarray]) -> Callable[[str], np.ndarray]:
    """``values(role)`` for "synthetic", "real", "holdout" and "pool" (real then holdout), computed once."""
    def values(role: str) -> np.ndarray:
        if role == "pool":
            return ctx._cached((key, "pool"), lambda: np.concatenate([values("real"), values("holdout")]))
        return ctx._cached((key, role), lambda: of_role(role))
    return values


def significantly_low(counts: np.ndarray, n: int, real_counts: np.ndarray, n_real: int,
                      alpha: float) -> np.ndarray:
    """Per item, is a count of ``n`` rows significantly below real's count of ``n_real`` rows?

    One-sided Fisher exact test, Bonferroni over the items: conditioning on x + y makes real's own sampling
    noise part of the null, since the sample's count x is then hypergeometric (x + y successes among
    n + N rows, n of them drawn). With ``alpha`` the family-wise level, an honest sample flags nothing with
    probability at least 1 - alpha.
    """
    counts = np.asarray(counts, dtype=float)
    p_value = stats.hypergeom.cdf(counts, n + n_real, counts + np.asarray(real_counts), n)
    return p_value < alpha / max(len(counts), 1)


def _round(x: float, digits: int = 5) -> float | None:
    x = float(x)
    return round(x, digits) if np.isfinite(x) else None
