"""Fidelity: the surface check every other gate must go beyond.

Measurements (each against honest re-splits of real + holdout at the same size, maximised over columns the
same way; see ``synthgate.reference.resplits``):
- ``fidelity.ks_max``: worst Kolmogorov-Smirnov distance of a numerical column (R7: ~0.0123 mean at n=10^4);
- ``fidelity.tvd_max``: worst total-variation distance of a categorical column (R6 noise floor);
- ``fidelity.pair_tvd_max``: worst TVD of a pair's joint distribution (numericals binned at real deciles);
- ``fidelity.corr_gap``: largest absolute difference of a rank correlation between numerical columns: Pearson
  correlation of the values' grades (mid-rank ECDF of real, so the transform is fixed and the honest draws'
  co-moments merge). Pearson on raw values let one row decide it: census-income's capital gains and dividends
  are zero for 90 % of people, and one independent real row with both large moved their correlation by 0.8.
Each also says in rows how close it is: ``details["equivalent_real_rows"]`` (``fidelity_units``).
Passes: an independent real sample as "synthetic". Fails: ``defects.shift_column`` by a fraction of a std on one column.
"""

from __future__ import annotations

from itertools import combinations
from typing import Iterable

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from synthgate.data import numeric_values
from synthgate.gates.base import Gate
from synthgate.gates.context import RunContext
from synthgate.gates.fidelity_units import PURPOSE, HonestCurve, honest_curve
from synthgate.reference import POOLED_METHOD, Resplit, band, resplits, subsample
from synthgate.verdict import Measurement, Rule, judge, skipped

BINS = 10


class FidelitySettings(BaseModel):
    model_config = ConfigDict(extra="forbid")
    equivalent_rows: bool = Field(True, description="also say how many independent real rows would be as close "
                                                     "to real (extra honest draws at smaller sizes)")


class FidelityGate(Gate):
    name = "fidelity"
    title = "Fidelity (surface similarity)"
    rules = {
        "fidelity.ks_max": Rule("higher", 0.01, 0.03, description="worst numerical column KS distance"),
        "fidelity.tvd_max": Rule("higher", 0.01, 0.03, description="worst categorical column TVD"),
        "fidelity.pair_tvd_max": Rule("higher", 0.02, 0.05, description="worst column-pair joint TVD"),
        "fidelity.corr_gap": Rule("higher", 0.03, 0.08, description="largest numerical correlation difference"),
    }
    Settings = FidelitySettings

    def measure(self, ctx: RunContext) -> Iterable[Measurement]:
        columns = _ColumnData.of(ctx)
        rng = ctx.rng(self.name)
        n = ctx.compared_size("fidelity")
        value = columns.statistics("synthetic", subsample(len(ctx.tables.synthetic), n, rng))
        draws = []
        splits = resplits(len(ctx.tables.real), len(ctx.tables.holdout), n, ctx.policy.resamples, rng)
        for i, split in enumerate(splits):
            ctx.progress("fidelity: honest references", i, len(splits))
            draws.append(columns.honest_statistics(split))
        curve = self._honest_curve(ctx, columns, n)
        for key, names in columns.groups().items():
            mid = f"fidelity.{key}"
            if not names:
                yield skipped(mid, f"no {'numerical' if key in ('ks_max', 'corr_gap') else 'categorical'} "
                                   "columns to compare" if key != "pair_tvd_max" else "fewer than two columns")
                continue
            per_item = value[key]
            honest = np.array([d[key] for d in draws])
            reference = band(honest.max(axis=1), level=ctx.policy.band, n=n, method=POOLED_METHOD)
            worst_item = names[int(np.argmax(per_item))]
            highs = np.quantile(honest, ctx.policy.band, axis=0)
            items = sorted(({"label": name, "value": float(v), "high": float(h)}
                            for name, v, h in zip(names, per_item, highs)), key=lambda item: -item["value"])
            details = {"worst": worst_item, "columns": {
                "plot": "reference", "title": f"{self.rules[mid].description}: each item vs its honest band",
                "items": items}}
            if curve is not None:
                details["equivalent_real_rows"] = curve.equivalent_rows(key, float(per_item.max()), reference.value)
            yield judge(mid, float(per_item.max()), reference, self.rule(ctx, mid), n=n, details=details)

    def _honest_curve(self, ctx: RunContext, columns: "_ColumnData", n: int) -> HonestCurve | None:
        if not self.settings(ctx).equivalent_rows:
            return None
        return honest_curve(columns.honest_statistics, len(ctx.tables.real), len(ctx.tables.holdout), n,
                            ctx.rng(PURPOSE), lambda i, total: ctx.progress("fidelity: equivalent rows", i, total))

    def report_details(self, ctx: RunContext, measurements: tuple[Measurement, ...]) -> dict:
        return {"marginals": _ColumnData.of(ctx).marginals(ctx)}


class _ColumnData:
    """Per-column arrays prepared once: sorted real values for KS, integer codes for TVDs."""

    def __init__(self, ctx: RunContext):
        self.ctx = ctx
        schema = ctx.schema
        self.numerical = schema.numerical
        self.categorical = schema.categorical
        self.values = {role: {c: _ks_values(ctx.tables[role][c]) for c in self.numerical}
                       for role in ("real", "holdout", "synthetic")}
        self.real_sorted = {c: np.sort(v) for c, v in self.values["real"].items()}
        self.codes, self.levels = {}, {}
        for role in ("real", "holdout", "synthetic"):
            self.codes[role] = {}
            for c in self.categorical:
                raw = ctx.encoding.codes(ctx.tables[role], c)
                self.levels[c] = len(schema[c].categories) + 1
                self.codes[role][c] = np.where(raw < 0, self.levels[c] - 1, raw)
            for c in self.numerical:
                self.codes[role][c], self.levels[c] = _decile_codes(self.values[role][c], self.values["real"][c])
        names = self.categorical + self.numerical
        self.pairs = [(a, b) for a, b in combinations(names, 2)]
        self.real_shares = {c: _shares(self.codes["real"][c], self.levels[c]) for c in names}
        self.real_pairs = {p: _joint(self.codes["real"], p, self.levels) for p in self.pairs}
        self.grades = {role: _grades(self.values[role], self.real_sorted, self.numerical, len(ctx.tables[role]))
                       for role in ("real", "holdout", "synthetic")}
        self.real_corr = _plain_corr(self.grades["real"])
        self.pool = _Pooled(self)

    @classmethod
    def of(cls, ctx: RunContext) -> "_ColumnData":
        return ctx._cached(("fidelity-columns",), lambda: cls(ctx))

    def groups(self) -> dict[str, list[str]]:
        corr_names = [f"{a}~{b}" for a, b in combinations(self.numerical, 2)]
        return {"ks_max": self.numerical, "tvd_max": self.categorical,
                "pair_tvd_max": [f"{a}~{b}" for a, b in self.pairs], "corr_gap": corr_names}

    def statistics(self, role: str, rows: np.ndarray) -> dict[str, np.ndarray]:
        codes = {c: v[rows] for c, v in self.codes[role].items()}
        ks = [_ks(self.real_sorted[c], self.values[role][c][rows]) for c in self.numerical]
        tvd = [_tvd(self.real_shares[c], _shares(codes[c], self.levels[c])) for c in self.categorical]
        pair = [_tvd(self.real_pairs[p], _joint(codes, p, self.levels)) for p in self.pairs]
        corr = np.abs(_plain_corr(self.grades[role][rows]) - self.real_corr)
        upper = corr[np.triu_indices(len(self.numerical), 1)] if len(self.numerical) > 1 else np.array([])
        return {"ks_max": np.array(ks), "tvd_max": np.array(tvd), "pair_tvd_max": np.array(pair),
                "corr_gap": np.nan_to_num(upper)}

    def honest_statistics(self, split: Resplit) -> dict[str, np.ndarray]:
        """``statistics`` of an honest stand-in against its pseudo-real table."""
        return self.pool.statistics(split)

    def marginals(self, ctx: RunContext) -> list[dict]:
        """Bar specs of per-column shares (real / holdout / synthetic), worst column first; rare labels merged."""
        specs = []
        for c in self.categorical + self.numerical:
            shares = {r: _shares(self.codes[r][c], self.levels[c]) for r in ("real", "holdout", "synthetic")}
            if c in self.categorical:
                labels = [ctx.label(c, v) for v in ctx.schema[c].categories] + ["unseen"]
                description = f"{c} (categorical)"
            else:
                labels = [f"decile {i + 1}" for i in range(BINS)] + ["NaN"]
                description = f"{c} (numerical, binned at real deciles)"
            labels, shares = _merge_labels(labels, shares)
            gap = _tvd(shares["real"], shares["synthetic"])
            specs.append((gap, {"plot": "bars", "title": c, "labels": labels, "ylabel": "share of rows",
                                "description": description,
                                "series": {r: v.round(5).tolist() for r, v in shares.items()}}))
        return [spec for _, spec in sorted(specs, key=lambda pair: -pair[0])]


class _Pooled:
    """Real + holdout pooled once, so each honest re-split costs the holdout's size, not real's.

    Pseudo-real counts, ECDFs and co-moments are the pooled ones minus those of the rows outside it.
    """

    def __init__(self, data: _ColumnData):
        self.data = data
        self.n_real = len(data.ctx.tables.real)
        self.codes = {c: np.concatenate([data.codes["real"][c], data.codes["holdout"][c]]) for c in data.codes["real"]}
        self.counts = {c: np.bincount(v, minlength=data.levels[c]) for c, v in self.codes.items()}
        self.joint = {p: self.codes[p[0]] * data.levels[p[1]] + self.codes[p[1]] for p in data.pairs}
        self.joint_counts = {p: np.bincount(v, minlength=data.levels[p[0]] * data.levels[p[1]])
                             for p, v in self.joint.items()}
        self.grid = {}
        for c in data.numerical:
            unique, inverse = np.unique(np.concatenate([data.values["real"][c], data.values["holdout"][c]]),
                                        return_inverse=True)
            self.grid[c] = (inverse, np.bincount(inverse, minlength=len(unique)))
        self.filled = np.concatenate([data.grades["real"], data.grades["holdout"]])
        self.sums = self.filled.sum(axis=0), self.filled.T @ self.filled

    def statistics(self, split: Resplit) -> dict[str, np.ndarray]:
        data, out, stand = self.data, split.outside, split.stand_in
        ks = [_grid_ks(*self.grid[c], out, stand) for c in data.numerical]
        tvd = [_split_tvd(self.codes[c], self.counts[c], out, stand) for c in data.categorical]
        pair = [_split_tvd(self.joint[p], self.joint_counts[p], out, stand) for p in data.pairs]
        corr = np.abs(_moment_corr(self.sums, self.filled[out], self.n_real) - _plain_corr(self.filled[stand]))
        upper = corr[np.triu_indices(len(data.numerical), 1)] if len(data.numerical) > 1 else np.array([])
        return {"ks_max": np.array(ks), "tvd_max": np.array(tvd), "pair_tvd_max": np.array(pair),
                "corr_gap": np.nan_to_num(upper)}


def _grid_ks(inverse: np.ndarray, pooled_hist: np.ndarray, out: np.ndarray, stand: np.ndarray) -> float:
    """KS of the stand-in against the pseudo-real rows, on the pooled values' grid (exact: both are on it)."""
    size = len(pooled_hist)
    real_cdf = np.cumsum(pooled_hist - np.bincount(inverse[out], minlength=size))
    sample_cdf = np.cumsum(np.bincount(inverse[stand], minlength=size))
    return float(np.max(np.abs(real_cdf / real_cdf[-1] - sample_cdf / len(stand))))


def _split_tvd(codes: np.ndarray, pooled_counts: np.ndarray, out: np.ndarray, stand: np.ndarray) -> float:
    size = len(pooled_counts)
    real = pooled_counts - np.bincount(codes[out], minlength=size)
    return _tvd(real / real.sum(), np.bincount(codes[stand], minlength=size) / len(stand))


def _moment_corr(sums: tuple[np.ndarray, np.ndarray], outside: np.ndarray, n: int) -> np.ndarray:
    if outside.shape[1] < 2:
        return np.zeros((outside.shape[1],) * 2)
    first, second = sums[0] - outside.sum(axis=0), sums[1] - outside.T @ outside
    mean = first / n
    cov = second / n - np.outer(mean, mean)
    sd = np.sqrt(np.clip(np.diag(cov), 0, None))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.nan_to_num(cov / np.outer(sd, sd))


def _plain_corr(matrix: np.ndarray) -> np.ndarray:
    if matrix.shape[1] < 2:
        return np.zeros((matrix.shape[1],) * 2)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.nan_to_num(np.corrcoef(matrix, rowvar=False))


def _merge_labels(labels: list[str], shares: dict[str, np.ndarray]) -> tuple[list[str], dict[str, np.ndarray]]:
    """Merge repeated labels (masked rare categories) into one bar; drop bars empty on every side."""
    merged = list(dict.fromkeys(labels))
    index = np.array([merged.index(label) for label in labels])
    out = {r: np.bincount(index, weights=v, minlength=len(merged)) for r, v in shares.items()}
    keep = np.any(np.vstack(list(out.values())) > 0, axis=0)
    return [l for l, k in zip(merged, keep) if k], {r: v[keep] for r, v in out.items()}


def _ks_values(series) -> np.ndarray:
    values = numeric_values(series)
    return np.where(np.isnan(values), np.inf, values)  # NaN sorts last, so a NaN-share gap counts in KS


def _ks(real_sorted: np.ndarray, sample: np.ndarray) -> float:
    sample = np.sort(sample)
    points = np.concatenate([real_sorted, sample])
    f_real = np.searchsorted(real_sorted, points, side="right") / len(real_sorted)
    f_sample = np.searchsorted(sample, points, side="right") / len(sample)
    return float(np.max(np.abs(f_real - f_sample)))


def _decile_codes(values: np.ndarray, real: np.ndarray) -> tuple[np.ndarray, int]:
    finite = real[np.isfinite(real)]
    edges = np.unique(np.quantile(finite, np.linspace(0, 1, BINS + 1)[1:-1])) if len(finite) else np.array([])
    codes = np.searchsorted(edges, values, side="right")
    return np.where(np.isfinite(values), codes, BINS), BINS + 1


def _shares(codes: np.ndarray, levels: int) -> np.ndarray:
    return np.bincount(codes, minlength=levels) / max(len(codes), 1)


def _joint(codes: dict, pair: tuple[str, str], levels: dict) -> np.ndarray:
    a, b = pair
    return _shares(codes[a] * levels[b] + codes[b], levels[a] * levels[b])


def _tvd(p: np.ndarray, q: np.ndarray) -> float:
    return 0.5 * float(np.abs(p - q).sum())


def _grades(values: dict, real_sorted: dict, names: list[str], rows: int) -> np.ndarray:
    """Each numerical value's mid-rank grade in real (share of real below it, ties counted half), as columns.

    A missing value takes grade 0.5 (the grades' mean), as a missing value took the mean before."""
    if len(names) < 2:
        return np.zeros((rows, 0))
    columns = []
    for c in names:
        ref = real_sorted[c][np.isfinite(real_sorted[c])]
        v = values[c]
        below = np.searchsorted(ref, v, side="left")
        upto = np.searchsorted(ref, v, side="right")
        grade = (below + upto) / (2.0 * max(len(ref), 1))
        columns.append(np.where(np.isfinite(v), grade, 0.5))
    return np.column_stack(columns)
