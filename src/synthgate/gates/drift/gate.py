"""Drift: generators are perishable. Has the real world moved away from the data the generator learned?

Measurements:
- ``drift.columns_drifted``: how many columns drifted between the generator's training snapshot (real) and
  fresh real data: significant after Benjamini-Hochberg (per-column KS / chi-square tests) *and* at least
  the smallest effect that matters (``min_effect_ks``, ``min_effect_tvd``). Reference: none drift in an
  honest comparison (BH keeps the chance of any at most ``fdr``), checked on real-vs-real splits (real and
  holdout pooled, split at the same sizes), which also give each column's honest effect band. Drifting
  columns are named, with their category mix, PSI and Wasserstein distance in the details.
- ``drift.c2st_auc``: held-out AUC of a classifier telling fresh from training-time rows (joint drift),
  against the analytic Mann-Whitney null (R9); when beyond it, the columns that drive it.
- ``drift.generator_age``: days since the generator was made or last passed a revalidation, against the
  policy's ``max_age_days`` (and a ledger ``expires_at``); see ``synthgate.gates.drift.expiry``.
The smallest drift that matters: ``min_effect_ks`` / ``min_effect_tvd`` per column ([gates.drift]); for the
classifier, the rule's ``fail_excess`` (AUC above the null band; [rules."drift.c2st_auc"]).
The data measurements need fresh real data (``check(..., fresh=...)``); without it they are skipped.
Passes: fresh data that is another honest sample of the training-time source (the real holdout).
Fails: ``defects.shift_column(fresh, sigma=0.2)`` and ``defects.change_category_mix(fresh, factor=2)``
on drift.columns_drifted (the column named), and a generator older than ``max_age_days``.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any, Iterable, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from synthgate.gates.base import Gate
from synthgate.gates.context import Need, RunContext
from synthgate.gates.drift import c2st, columns, expiry, plots
from synthgate.reference import subsample
from synthgate.verdict import Measurement, Reference, Rule, judge, skipped

NO_FRESH = "needs fresh real data (--fresh): the generator's training data is compared with it"
REVALIDATION = "not measured in a revalidation: today's real data is the reference there, not a comparison"


class DriftSettings(BaseModel):
    """The policy's ``[gates.drift]`` section."""

    model_config = ConfigDict(extra="forbid")
    fdr: float = Field(0.01, gt=0, lt=1, description="false discovery rate of the per-column tests "
                                                       "(Benjamini-Hochberg): with no drift, the chance "
                                                       "that any column is flagged is at most this")
    min_effect_ks: float = Field(0.05, ge=0, le=1, description="smallest KS distance of a numerical column "
                                                               "that counts as drift")
    min_effect_tvd: float = Field(0.03, ge=0, le=1, description="smallest total-variation distance of a "
                                                                "categorical column that counts as drift")
    c2st_model: Literal["hgb", "logistic"] = Field("hgb", description="classifier of the two-sample test: "
                                                                      "gradient boosting or logistic")
    c2st_max_rows: int = Field(20_000, ge=100, description="rows per side the classifier test uses at most")
    max_age_days: int | None = Field(180, ge=0, description="days a generator may go without a passing "
                                                            "revalidation (unset: no limit)")
    today: date | None = Field(None, description="the date ages are computed at (default: today, UTC)")
    revalidation: bool = Field(False, description="set by 'synthgate revalidate': fresh data is the reference "
                                                  "there, and that run's pass restarts the age clock")


class DriftGate(Gate):
    """Drift between the generator's training snapshot and fresh real data, and generator expiry."""

    name = "drift"
    title = "Drift (is the generator stale?)"
    needs = frozenset()  # fresh data only for the data measurements; the age needs neither
    rules = {
        "drift.columns_drifted": Rule("higher", 0.0, 0.0, description="columns that drifted significantly "
                                      "(BH) by at least the smallest effect that matters"),
        "drift.c2st_auc": Rule("higher", 0.01, 0.03, max_noise=0.05, description="held-out AUC of a classifier "
                               "telling fresh from training-time real rows"),
    }
    Settings = DriftSettings

    def measure(self, ctx: RunContext) -> Iterable[Measurement]:
        settings = self.settings(ctx)
        if settings.revalidation:
            for mid in self.rules:
                yield skipped(mid, REVALIDATION)
            yield skipped(expiry.MEASUREMENT, "not judged in a revalidation: its pass restarts the clock")
            return
        if Need.FRESH in ctx.available:
            yield self._columns(ctx, settings)
            yield self._c2st(ctx, settings)
        else:
            yield skipped("drift.columns_drifted", NO_FRESH)
            yield skipped("drift.c2st_auc", NO_FRESH)
        yield self._age(ctx, settings)

    def _columns(self, ctx: RunContext, settings: DriftSettings) -> Measurement:
        mid = "drift.columns_drifted"
        data = columns.prepare(ctx)
        if not data:
            return skipped(mid, "no usable numerical or categorical columns")
        rng = ctx.rng(mid)
        n_a, n_b = columns.compared_sizes(len(ctx.tables.real), len(ctx.tables.holdout), len(ctx.tables.fresh))
        rows_a, rows_b = subsample(len(ctx.tables.real), n_a, rng), subsample(len(ctx.tables.fresh), n_b, rng)
        counts_a = [c.counts("real", rows_a) for c in data]
        counts_b = [c.counts("fresh", rows_b) for c in data]
        observed = columns.compare(data, counts_a, counts_b)
        minimum = np.array([settings.min_effect_ks if c.kind == "numerical" else settings.min_effect_tvd
                            for c in data])
        drifted = observed.drifted(minimum, settings.fdr)
        honest = columns.honest_comparisons(data, n_a=n_a, n_b=n_b, times=ctx.policy.resamples, rng=rng,
                                            progress=ctx.progress)
        honest_counts = np.array([h.drifted(minimum, settings.fdr).sum() for h in honest])
        reference = _count_reference(honest_counts, settings.fdr, ctx.policy.band, n_b)
        honest_effects = np.array([h.effects for h in honest])
        per_column = {c.name: _column_details(ctx, c, a, b, observed, i, honest_effects[:, i], minimum[i],
                                              bool(drifted[i]))
                      for i, (c, a, b) in enumerate(zip(data, counts_a, counts_b))}
        names = [c.name for c, d in zip(data, drifted) if d]
        details = {"drifting": names, "fdr": settings.fdr, "real_rows": n_a, "fresh_rows": n_b,
                   "honest_alarm_share": float(np.mean(honest_counts > 0)), "columns": per_column}
        measurement = judge(mid, float(drifted.sum()), reference, self.rule(ctx, mid), n=n_b, details=details)
        return replace(measurement, reason=measurement.reason + _naming(names, per_column))

    def _c2st(self, ctx: RunContext, settings: DriftSettings) -> Measurement:
        mid = "drift.c2st_auc"
        if ctx.encoding.dim == 0:
            return skipped(mid, "no usable columns to classify on")
        rng = ctx.rng(mid)
        x_real, x_fresh = ctx.encoded("real"), ctx.encoded("fresh")
        for role, x in (("real", x_real), ("fresh", x_fresh)):
            ctx.record_sample(f"drift.c2st_{role}_rows", used=min(len(x), settings.c2st_max_rows), given=len(x),
                              why=f"{role} rows the classifier two-sample test uses",
                              setting="policy [gates.drift] c2st_max_rows")
        x_real = x_real[subsample(len(x_real), settings.c2st_max_rows, rng)]
        x_fresh = x_fresh[subsample(len(x_fresh), settings.c2st_max_rows, rng)]
        ctx.progress("drift: classifier two-sample test", 0, 1)
        fitted = c2st.classifier_test(x_real, x_fresh, model=settings.c2st_model, rng=rng)
        reference = c2st.null_reference(fitted.n_real_test, fitted.n_fresh_test, level=ctx.policy.band)
        details: dict[str, Any] = {"model": settings.c2st_model, "real_test_rows": fitted.n_real_test,
                                   "fresh_test_rows": fitted.n_fresh_test}
        if fitted.auc > reference.high:
            importance = fitted.importance(c2st.blocks(ctx.encoding), rng)
            details["importance"] = importance
            details["drivers"] = [name for name, drop in importance.items() if drop > 0][:3]
        ctx.progress("drift: classifier two-sample test", 1, 1)
        measurement = judge(mid, fitted.auc, reference, self.rule(ctx, mid), n=reference.n, details=details)
        if details.get("drivers"):
            measurement = replace(measurement, reason=measurement.reason
                                  + "; driven by " + ", ".join(details["drivers"]))
        return measurement

    def _age(self, ctx: RunContext, settings: DriftSettings) -> Measurement:
        clock = expiry.find_clock(ctx)
        if isinstance(clock, str):
            return skipped(expiry.MEASUREMENT, clock)
        return expiry.age_measurement(clock, max_age_days=settings.max_age_days,
                                      today=settings.today or expiry.today_utc())

    def report_details(self, ctx: RunContext, measurements: tuple[Measurement, ...]) -> dict[str, Any]:
        return plots.gate_plots(ctx, {m.id: m for m in measurements})


def _count_reference(honest_counts: np.ndarray, fdr: float, band: float, n: int) -> Reference:
    """No column drifts in an honest comparison: Benjamini-Hochberg keeps the chance of any at most ``fdr``.

    So the band's top is 0 whenever ``fdr`` is at most the band's upper tail (``(1 - band) / 2``), without
    resampling noise: a quantile of the resampled counts would flip between 0 and 1 from seed to seed. A looser
    ``fdr`` takes the resamples' quantile. Their share with any drifting column (``honest_alarm_share``) checks
    the p-values on this data.
    """
    tail = (1.0 - band) / 2.0
    high = 0.0 if fdr <= tail else float(np.quantile(honest_counts, 1.0 - tail))
    return Reference(0.0, 0.0, high, f"BH null at FDR {fdr:g}; real-vs-real resamples: "
                     f"{np.mean(honest_counts > 0):.1%} with any", n)


def _column_details(ctx: RunContext, column: columns.ColumnData, a: np.ndarray, b: np.ndarray,
                    observed: columns.Comparison, i: int, honest: np.ndarray, minimum: float,
                    drifted: bool) -> dict[str, Any]:
    tail = (1.0 - ctx.policy.band) / 2.0
    low, mid, high = np.quantile(honest, [tail, 0.5, 1.0 - tail]) if len(honest) else (np.nan,) * 3
    out = {"kind": column.kind, "statistic": "ks" if column.kind == "numerical" else "tvd",
           "effect": round(float(observed.effects[i]), 5), "honest_low": round(float(low), 5),
           "honest_median": round(float(mid), 5), "honest_high": round(float(high), 5),
           "p_value": float(observed.p_values[i]), "q_value": float(observed.q_values[i]),
           "min_effect": float(minimum), "drifted": drifted, "psi": round(columns.psi(column, a, b), 5)}
    if column.kind == "numerical":
        distance = columns.wasserstein(column, a, b)
        out["wasserstein"] = None if distance is None else round(distance, 5)
    else:
        out["mix"] = columns.mix(ctx, column, a, b)
    return out


def _naming(names: list[str], per_column: dict[str, dict]) -> str:
    if not names:
        return ""
    shown = [f"{n} ({per_column[n]['statistic'].upper()} {per_column[n]['effect']:.3g}, "
             f"q={per_column[n]['q_value']:.2g})" for n in names]
    return "; drifting: " + ", ".join(shown)
