"""Generation n + 1 (synthetic) against generation n (real): spread, tails, lost categories, distance.

Each summary is worst-cased over columns (lowest spread and tail ratio, summed lost categories, mean distance)
and judged against the same summary of honest samples at the same size: honest re-splits of real + holdout
(a stand-in sample against a pseudo-real generation 0, see ``synthgate.reference.resplits``) in a check run;
resamples of generation 0 (one honest resampling generation) in ``synthgate.run.check_generations``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from typing import Any, Callable, Sequence

import numpy as np
import pandas as pd

from synthgate.gates.base import GateResult
from synthgate.gates.context import MASK, RunContext
from synthgate.gates.provenance.recursion import GenerationStatistics, Profile, expected_extinct, generation_trend
from synthgate.reference import POOLED_METHOD, band, resplits, subsample
from synthgate.reference.categories import missing_categories
from synthgate.reference.given_real import ratios_given_real
from synthgate.verdict import Measurement, Reference, Rule, inconclusive, judge, skipped

SPREAD = "provenance.spread_ratio"
TAIL = "provenance.tail_ratio"
EXTINCT = "provenance.extinct_categories"
DISTANCE = "provenance.distance"

RULES = {
    SPREAD: Rule("lower", 0.03, 0.08, max_noise=0.12, description="std over real's (values clipped to real's 1 %-99 % range), "
                                                  "worst numerical column"),
    TAIL: Rule("lower", 0.1, 0.25, max_noise=0.5, description="share beyond real's 1 %/99 % quantiles over "
                                                              "real's own share, worst numerical column"),
    EXTINCT: Rule("higher", 1.0, 3.0, max_noise=6.0, description="real categories with no synthetic row (count)"),
    DISTANCE: Rule("higher", 0.005, 0.015, description="mean per-column KS / TVD distance to real"),
}

_SUMMARY = {SPREAD: "spread_ratio", TAIL: "tail_ratio", EXTINCT: "extinct_categories", DISTANCE: "distance"}
_PER_COLUMN = {SPREAD: "spread", TAIL: "tail", DISTANCE: "distance"}
HOLDOUT_METHOD = POOLED_METHOD
BOOTSTRAP_METHOD = "resamples of generation 0 (one honest generation)"


@dataclass(frozen=True)
class GenerationDraws:
    """The synthetic table's statistics and those of honest samples of the same size."""

    profile: Profile
    n: int
    value: GenerationStatistics
    honest: list[GenerationStatistics]
    method: str
    holdout_counts: tuple[np.ndarray, ...] = ()  # per categorical column, over real's categories (re-splits only)

    def summaries(self, mid: str) -> tuple[float, np.ndarray]:
        key = _SUMMARY[mid]
        return self.value.summary()[key], np.array([h.summary()[key] for h in self.honest])


def generation_draws(ctx: RunContext, settings: Any, *, method: str = HOLDOUT_METHOD) -> GenerationDraws:
    """Statistics of synthetic and of ``ctx.policy.resamples`` holdout resamples, at the common size (cached)."""
    def compute() -> GenerationDraws:
        profile = Profile(ctx.tables.real, ctx.schema, tail_quantile=settings.tail_quantile)
        n_h = len(ctx.tables.holdout)
        n = ctx.compared_size("provenance")
        columns = profile.tail_columns(n, settings.min_expected)
        rng = ctx.rng("provenance.generations")
        synthetic = profile.prepare(ctx.tables.synthetic)
        value = profile.statistics(synthetic, subsample(len(ctx.tables.synthetic), n, rng), tail_columns=columns)
        if method == BOOTSTRAP_METHOD:
            return GenerationDraws(profile, n, value, _one_generation_draws(ctx, profile, n, columns, rng), method)
        holdout = profile.prepare(ctx.tables.holdout)
        honest = _resplit_draws(ctx, profile, n, columns, rng, settings.tail_quantile)
        honest = _given_real(honest, profile.statistics(holdout, tail_columns=columns), n=n,
                             n_real=len(ctx.tables.real), n_holdout=holdout.rows)
        counts = tuple(np.bincount(holdout.codes[c][holdout.codes[c] >= 0], minlength=len(profile.counts[c]))
                       for c in profile.categorical)
        return GenerationDraws(profile, n, value, honest, method, counts)

    return ctx._cached(("provenance-generations", method), compute)


def _resplit_draws(ctx: RunContext, profile: Profile, n: int, columns: tuple, rng: np.random.Generator,
                   tail_quantile: float) -> list[GenerationStatistics]:
    """Stand-ins against pseudo-real generation-0 tables: honest re-splits of real + holdout.

    Categories the holdout has but real lacks get codes of their own: a pseudo-real table holding them has
    them as categories that a stand-in can lose, as real's own rare categories are for the synthetic table.
    """
    schema = _pooled_categories(ctx)
    pooled = Profile(ctx.tables.real, schema, tail_quantile=tail_quantile)
    pool = type(pooled.prepare(ctx.tables.real)).concat(pooled.prepare(ctx.tables.real),
                                                         pooled.prepare(ctx.tables.holdout))
    honest = []
    for i, split in enumerate(resplits(len(ctx.tables.real), len(ctx.tables.holdout), n, ctx.policy.resamples, rng)):
        ctx.progress("provenance: honest references", i, ctx.policy.resamples)
        pseudo = Profile(None, schema, tail_quantile=tail_quantile, prepared=pool.take(split.pseudo_real()),
                         bounds=profile.bounds)
        honest.append(pseudo.statistics(pool, split.stand_in, tail_columns=columns))
    return honest


def _given_real(honest: list[GenerationStatistics], holdout: GenerationStatistics, *, n: int, n_real: int,
                n_holdout: int) -> list[GenerationStatistics]:
    """Re-split spread and tail ratios re-centred on this real (``reference.given_real``)."""
    def shift(draw: dict[str, float], centre: dict[str, float]) -> dict[str, float]:
        return {c: float(ratios_given_real(v, centre.get(c, np.nan), n=n, n_real=n_real, n_holdout=n_holdout))
                for c, v in draw.items()}

    return [replace(h, spread=shift(h.spread, holdout.spread), tail=shift(h.tail, holdout.tail)) for h in honest]


def _pooled_categories(ctx: RunContext) -> Any:
    """The schema with each categorical column's categories extended by those only the holdout has."""
    columns = []
    for column in ctx.schema.columns:
        if column.name in ctx.schema.categorical:
            seen = set(column.categories)
            values = ctx.tables.holdout[column.name]
            extra = [v for v in pd.unique(values.dropna()) if v not in seen]
            extra += [None] if values.isna().any() and None not in seen else []
            column = replace(column, categories=tuple(column.categories) + tuple(extra))
        columns.append(column)
    return replace(ctx.schema, columns=tuple(columns))


def _one_generation_draws(ctx: RunContext, profile: Profile, n: int, columns: tuple,
                          rng: np.random.Generator) -> list[GenerationStatistics]:
    """A chain without a holdout: one honest resampling generation of generation 0 (bootstrap draws)."""
    base = profile.prepare(ctx.tables.holdout)
    return [profile.statistics(base, np.sort(rng.choice(base.rows, size=n, replace=True)), tail_columns=columns)
            for _ in range(ctx.policy.resamples)]


def generation_measurements(ctx: RunContext, settings: Any, rule_of: Callable[[str], Rule], *,
                            method: str = HOLDOUT_METHOD, label: str = "synthetic") -> list[Measurement]:
    """The four judged summaries of synthetic against real (``label`` names the judged table in the details)."""
    draws = generation_draws(ctx, settings, method=method)
    out = []
    for mid in _SUMMARY:
        missing = _missing(draws, mid)
        if missing:
            out.append(skipped(mid, missing))
            continue
        if mid == TAIL and not draws.value.tail_columns:
            out.append(inconclusive(mid, f"no numerical column has enough real rows beyond its tail quantiles for "
                                         f"a sample of {draws.n} rows to show them ([gates.provenance] min_expected)",
                                    n=draws.n, worse="lower"))
            continue
        value, honest = draws.summaries(mid)
        if mid == EXTINCT and draws.method == HOLDOUT_METHOD:
            reference = _extinct_reference(ctx, draws, honest)
        else:
            reference = band(honest, level=ctx.policy.band, n=draws.n, method=draws.method)
        details = _details(ctx, draws, mid, label)
        out.append(judge(mid, value, reference, rule_of(mid), n=draws.n, details=details))
    return out


def _extinct_reference(ctx: RunContext, draws: GenerationDraws, honest: np.ndarray) -> Reference:
    """Lost categories given real (see ``synthgate.reference.categories``), not only over tables like real."""
    return missing_categories([draws.profile.counts[c] for c in draws.profile.categorical], draws.holdout_counts,
                              holdout_rows=len(ctx.tables.holdout), n=draws.n, resplit_draws=honest,
                              level=ctx.policy.band)


def _missing(draws: GenerationDraws, mid: str) -> str:
    if mid in (SPREAD, TAIL) and not draws.profile.bounds:
        return "no numerical column with two or more real values"
    if mid == EXTINCT and not draws.profile.categorical:
        return "no categorical columns"
    if mid == DISTANCE and not draws.value.distance:
        return "no usable columns"
    return ""


def _details(ctx: RunContext, draws: GenerationDraws, mid: str, label: str) -> dict[str, Any]:
    details: dict[str, Any] = {"compared": label}
    if mid in _PER_COLUMN:
        attr = _PER_COLUMN[mid]
        names = list(draws.value.tail_columns) if mid == TAIL else list(getattr(draws.value, attr))
        details["per_column"] = _column_spec(ctx, draws, mid, attr, names)
        return details
    lost = {c: _labels(ctx, c, idx) for c, idx in draws.value.extinct.items() if idx}
    counts = np.concatenate([draws.profile.counts[c] for c in draws.profile.categorical])
    details.update({
        "lost": "; ".join(f"{c}: {labels}" for c, labels in lost.items()) or "none",
        "expected_one_generation_r17": round(expected_extinct(counts, [draws.profile.rows, draws.n]), 3),
        "per_column": _lost_spec(draws),
    })
    return details


def _labels(ctx: RunContext, column: str, positions: list[int]) -> str:
    """Lost categories of one column: shareable labels, the rare (masked) ones only counted."""
    labels = [ctx.label(column, ctx.schema[column].categories[i]) for i in positions]
    shown = [label for label in labels if label != MASK]
    masked = len(labels) - len(shown)
    return ", ".join(shown + ([f"{masked} rare (masked)"] if masked else []))


def _column_spec(ctx: RunContext, draws: GenerationDraws, mid: str, attr: str, names: list[str]) -> dict:
    level = ctx.policy.band
    items = []
    for c in names:
        honest = np.array([getattr(h, attr).get(c, np.nan) for h in draws.honest], dtype=float)
        honest = honest[np.isfinite(honest)]
        low, mid_value, high = (np.quantile(honest, [(1 - level) / 2, 0.5, (1 + level) / 2]) if len(honest)
                                else (np.nan,) * 3)
        items.append({"label": c, "value": _round(getattr(draws.value, attr)[c]), "reference": _round(mid_value),
                      "low": _round(low), "high": _round(high)})
    worse_lower = RULES[mid].worse == "lower"
    items.sort(key=lambda i: (i["value"] - i["low"]) if worse_lower else (i["high"] - i["value"]))
    return {"plot": "reference", "title": f"{RULES[mid].description} — per column",
            "xlabel": _SUMMARY[mid].replace("_", " "), "items": items}


def _lost_spec(draws: GenerationDraws) -> dict:
    columns = draws.profile.categorical
    honest = np.array([[len(h.extinct[c]) for c in columns] for h in draws.honest])
    return {"plot": "bars", "title": "Real categories with no row left, per column", "labels": columns,
            "series": {"synthetic": [len(draws.value.extinct[c]) for c in columns],
                       "honest": [float(np.median(honest[:, j])) for j in range(len(columns))]},
            "ylabel": "categories lost",
            "highlight": [c for c in columns if draws.value.extinct[c]]}


def generation_report(ctx: RunContext) -> dict[str, Any]:
    """Gate-level plots: lost categories per column (the chain plots come from :func:`chain_result`)."""
    found = [v for k, v in ctx._cache.items() if k[0] == "provenance-generations"]
    if not found or not found[0].profile.categorical:
        return {}
    return {"lost_categories": _lost_spec(found[0])}


# a whole chain ----------------------------------------------------------------------------------


def chain_result(gate: Any, ctx: RunContext, tables: Sequence[pd.DataFrame], *, bootstrap: bool) -> GateResult:
    """The gate's generation measurements for the last table of a chain, with every generation's trend plotted."""
    started = time.perf_counter()
    settings = gate.settings(ctx)
    method = BOOTSTRAP_METHOD if bootstrap else HOLDOUT_METHOD
    label = f"generation {len(tables) - 1} against generation 0"
    measurements = tuple(generation_measurements(ctx, settings, lambda mid: gate.rule(ctx, mid), method=method,
                                                 label=label))
    trend = generation_trend(tables, ctx.metadata, tail_quantile=settings.tail_quantile,
                             min_expected=settings.min_expected)
    details = {"trend": trend.to_dict(), **_trend_plots(trend, generation_draws(ctx, settings, method=method),
                                                        ctx.policy.band)}
    result = GateResult(gate.name, measurements, details=details)
    return GateResult(gate.name, measurements, seconds=time.perf_counter() - started, details=details,
                      summary=gate.summarise(result))


def _trend_plots(trend, draws: GenerationDraws, level: float) -> dict[str, dict]:
    x = trend.generations
    plots = {}
    for mid, key, title, ylabel, analytic in (
            (EXTINCT, "extinct_categories", "Categories lost since generation 0", "categories",
             ("resampling chain (R17)", trend.expected_extinct)),
            (DISTANCE, "distance", "Mean KS / TVD distance to generation 0", "distance", None),
            (SPREAD, "spread_ratio", "Spread over generation 0's, worst column", "ratio",
             ("Gaussian re-fit median (R16)", trend.median_spread)),
            (TAIL, "tail_ratio", "Tail mass over generation 0's, worst column", "ratio", None)):
        _, honest = draws.summaries(mid)
        honest = honest[np.isfinite(honest)]
        observed = [_round(v) for v in getattr(trend, key)]
        if not len(honest) or all(v is None for v in observed):
            continue
        tail = (1 - level) / 2
        low, centre, high = (_round(v) for v in np.quantile(honest, [tail, 0.5, 1 - tail]))
        pad = lambda v: [None] + [v] * (len(x) - 1)  # noqa: E731 - generation 0 is the reference itself
        series = {"synthetic": observed, "honest": pad(centre)}
        if analytic:
            series[analytic[0]] = [_round(v) for v in analytic[1]]
        plots[f"trend_{key}"] = {
            "plot": "lines", "title": title, "x": x, "series": series, "xlabel": "generation", "ylabel": ylabel,
            "bands": {"honest": {"low": pad(low), "high": pad(high)}},
            "description": "each generation against generation 0; grey: what one honest generation of the "
                           "same size shows (" + draws.method + ")"}
    return plots


def _round(value: Any) -> float | None:
    value = float(value)
    return round(value, 6) if np.isfinite(value) else None
