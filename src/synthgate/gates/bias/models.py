"""Model fairness: classifiers trained on synthetic and on real, tested on real rows neither has seen.

The holdout is split in two halves. The *evaluation* half is the ground truth every model is tested on
(synthetic data is never the test set); the other half joins real in the pool honest models learn from.
All models train on the same number of rows (``min(synthetic, real, pool / 2, max_train_rows)``).
Measurements (per classifier and grouping, the worst item kept):

- ``bias.model_dp_diff``: demographic-parity difference of the synthetic-trained model minus that of the
  real-trained model, on the evaluation rows;
- ``bias.model_eo_diff``: the same for the equalized-odds difference (largest between-group gap in
  true- or false-positive rate).
Reference: the same difference between two honest models trained on disjoint draws of pooled real rows
(``model_replicates`` pairs, each counted in both orders so the band is centred on 0), on bootstrap resamples
of the evaluation rows: what an independent real sample in the synthetic's place gives, with training and
evaluation noise both in the band.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from synthgate import learners
from synthgate.gates.bias.calibrate import bands, group_sums, naming, ratio, reference_plot, spread_of, worst_of
from synthgate.gates.bias.data import BiasData
from synthgate.gates.bias.groups import Grouping
from synthgate.gates.context import RunContext
from synthgate.reference.replicates import both_signs
from synthgate.verdict import Measurement, Rule, inconclusive, judge, skipped

IDS = ("bias.model_dp_diff", "bias.model_eo_diff")
SMALLEST_HALF = 50
#: The classifiers of policy [gates.bias] models. Boosting: half scikit-learn's default number of rounds at a
#: larger step (near its accuracy on tables like Adult at half the time, which matters with several honest
#: replicates to train); categorical splits are native up to 250 categories (fewer than its 255 bins).
LEARNERS = {"logistic": learners.Logistic(max_iter=2000, missing_indicator=True),
            "gradient_boosting": learners.Boosting(iterations=50, learning_rate=0.2, early_stopping=False,
                                                   max_native_categories=250)}


@dataclass(frozen=True, eq=False)
class ModelRun:
    """Predictions on the evaluation rows of every model: ``(kind, "synthetic" | "real")``, and
    ``(kind, "honest0" | "honest1")`` for the two sides of the honest pairs, stacked over pairs."""

    kinds: tuple[str, ...]
    eval_rows: np.ndarray
    train_rows: int
    dropped: int
    predictions: dict[tuple[str, str], np.ndarray]


def model_measurements(ctx: RunContext, data: BiasData, rules: dict[str, Rule]) -> list[Measurement]:
    why = _not_measurable(ctx, data)
    if why:
        return [skipped(mid, why) for mid in IDS]
    run = fit_models(ctx, data)
    if isinstance(run, str):
        return [inconclusive(mid, run) for mid in IDS]
    boot = ctx.rng("bias.models.bootstrap").integers(0, len(run.eval_rows),
                                                     size=(ctx.policy.resamples, len(run.eval_rows)))
    items = [_Item.of(data, run, kind, g, boot) for kind in run.kinds for g in data.groupings]
    found = []
    for mid, metric in zip(IDS, ("dp", "eo")):
        usable = [item for item in items if np.isfinite(item.values[metric]["real"])]
        if not usable:
            found.append(inconclusive(mid, f"no grouping has two groups with {data.settings.min_group_rows} "
                                           "evaluation rows (for EO: half as many positives and as many negatives)",
                                      n=len(run.eval_rows), min_detectable=_detectable(items, metric),
                                      details={"too_small": _too_small(items, metric)}))
            continue
        values = np.array([i.values[metric]["synthetic"] - i.values[metric]["real"] for i in usable])
        draws = np.column_stack([i.honest_differences(metric) for i in usable])
        worst = worst_of(values, draws, worse="higher", level=ctx.policy.band, n=len(run.eval_rows),
                         method="honest model pairs, both orders, on evaluation bootstraps")
        name = {"dp": "Demographic-parity", "eo": "Equalized-odds"}[metric]
        details = {"worst": usable[worst.pick].summary(metric, ctx.policy.band),
                   "items": [i.summary(metric, ctx.policy.band) for i in usable],
                   "train_rows": run.train_rows, "evaluation_rows": len(run.eval_rows),
                   "honest_model_pairs": data.settings.model_replicates, "synthetic_rows_dropped": run.dropped,
                   "too_small": _too_small(items, metric),
                   "per_model": reference_plot(f"{name} difference on real rows, synthetic-trained minus "
                                               "real-trained", [f"{i.kind} on {i.grouping}" for i in usable],
                                               values, worst, rules[mid], "difference")}
        top = details["worst"]
        found.append(naming(judge(mid, float(values[worst.pick]), worst.reference, rules[mid],
                                  n=len(run.eval_rows), details=details),
                            f"{top['model']} on {top['grouping']}, synthetic-trained "
                            f"{_g(top['synthetic_trained'])} vs real-trained {_g(top['real_trained'])}"))
    return found


def _too_small(items: list["_Item"], metric: str) -> list[dict]:
    """Groups of the evaluation rows too small to judge (the same for every classifier: listed once)."""
    return [s for i in items if i.kind == items[0].kind for s in i.too_small[metric]]


def _detectable(items: list["_Item"], metric: str) -> float | None:
    """Roughly the smallest rate gap the largest too-small group could show: two binomial sds at p = 1/2."""
    key = "positives" if metric == "eo" else "evaluation_rows"
    rows = max((s[key] for s in _too_small(items, metric)), default=0)
    return float(1.96 * np.sqrt(2 * 0.25 / rows)) if rows else None


def fit_models(ctx: RunContext, data: BiasData) -> ModelRun | str:
    """Train every requested classifier on synthetic, on real and in honest pairs (cached per run), or say
    why that is impossible here."""
    return ctx._cached(("bias-models",), lambda: _fit(ctx, data))


def _not_measurable(ctx: RunContext, data: BiasData) -> str | None:
    if not data.settings.models:
        return "no classifiers requested (policy [gates.bias] models = [])"
    if data.outcome is None:
        return f"no outcome to predict: {data.no_outcome}"
    if not data.groupings:
        return "no usable sensitive attribute: " + "; ".join(data.notes)
    if not len(_layout(ctx)):
        return "no feature columns besides the target"
    return None


def _fit(ctx: RunContext, data: BiasData) -> ModelRun | str:
    rng = ctx.rng("bias.models")
    order = rng.permutation(len(ctx.tables.holdout))
    half = len(order) // 2
    if half < SMALLEST_HALF:
        return f"the holdout ({len(order)} rows) is too small to split into training and evaluation halves"
    eval_rows, spare = np.sort(order[:half]), np.sort(order[half:])
    candidates = _unseen_synthetic_rows(ctx, eval_rows)
    pool = _Pool.of(ctx, data, spare)
    m = min(len(candidates), len(ctx.tables.real), pool.size // 2, data.settings.max_train_rows)
    given = min(len(candidates), len(ctx.tables.real), pool.size // 2)
    ctx.record_sample("bias.model_training_rows", used=m, given=given,
                      why="rows each fairness model is trained on", setting="policy [gates.bias] max_train_rows")
    if m < SMALLEST_HALF:
        return f"only {m} rows to train each classifier on (synthetic rows not copied from the evaluation rows)"
    test = _features(ctx, "holdout")[eval_rows]
    real_rows = np.sort(rng.choice(len(ctx.tables.real), size=m, replace=False))
    synthetic = (_features(ctx, "synthetic"), data.outcome.y["synthetic"], None)
    real = (pool.features, pool.y, pool.weights)
    pairs = [rng.permutation(pool.size)[:2 * m].reshape(2, m) for _ in range(data.settings.model_replicates)]
    predictions = {}
    for kind in data.settings.models:
        seed = int(rng.integers(2**31 - 1))
        fit = lambda table, rows: _predict(ctx, kind, table, np.sort(rows), test, seed)  # noqa: E731
        predictions[(kind, "synthetic")] = fit(synthetic, rng.choice(candidates, size=m, replace=False))
        predictions[(kind, "real")] = fit(real, real_rows)
        for side in (0, 1):
            predictions[(kind, f"honest{side}")] = np.stack([fit(real, pair[side]) for pair in pairs])
    return ModelRun(tuple(data.settings.models), eval_rows, m, len(ctx.tables.synthetic) - len(candidates),
                    predictions)


@dataclass(frozen=True)
class _Pool:
    """Real rows plus the holdout rows kept out of evaluation: what real-side models are trained on.

    The real-trained model uses real rows only (the pool's first rows); honest pairs are two disjoint
    draws from the whole pool, so their difference is what two independent real samples give.
    """

    features: np.ndarray
    y: np.ndarray
    weights: np.ndarray | None

    @property
    def size(self) -> int:
        return len(self.y)

    @classmethod
    def of(cls, ctx: RunContext, data: BiasData, spare: np.ndarray) -> "_Pool":
        features = np.vstack([_features(ctx, "real"), _features(ctx, "holdout")[spare]])
        y = np.concatenate([data.outcome.y["real"], data.outcome.y["holdout"][spare]])
        # With a requested rebalance, real-side models learn from real reweighted to the request.
        weights = (np.concatenate([data.weights["real"], data.weights["holdout"][spare]])
                   if data.requested else None)
        return cls(features, y, weights)


def _unseen_synthetic_rows(ctx: RunContext, eval_rows: np.ndarray) -> np.ndarray:
    """Synthetic rows that are not copies of an evaluation row: a model is never tested on its training rows
    (this matters when the holdout itself is passed as the synthetic table)."""
    columns = list(ctx.tables.real.columns)
    seen = pd.util.hash_pandas_object(ctx.tables.holdout.iloc[eval_rows][columns], index=False).to_numpy()
    mine = pd.util.hash_pandas_object(ctx.tables.synthetic[columns], index=False).to_numpy()
    return np.flatnonzero(~np.isin(mine, seen))


def _predict(ctx: RunContext, kind: str, table: tuple, rows: np.ndarray, test: np.ndarray,
             seed: int) -> np.ndarray:
    features, y, weights = table
    model = learners.fit(LEARNERS[kind], _layout(ctx), features[rows], y[rows], seed=seed,
                         sample_weight=None if weights is None else weights[rows])
    return learners.predict(model, test).astype(bool)  # a single training class: a constant model predicts it


def _layout(ctx: RunContext) -> learners.Features:
    """Feature columns in matrix order (numerical, then categorical): every column but the target."""
    return learners.Features.of(ctx.schema, ctx.schema.target)


def _features(ctx: RunContext, role: str) -> np.ndarray:
    """Numerical values (NaN kept) then categorical codes (-1: unseen) of one table, as floats."""
    return ctx._cached(("bias-features", role), lambda: _layout(ctx).matrix(ctx.tables[role]))


@dataclass(frozen=True)
class _Item:
    """DP and EO differences of one classifier on one grouping: point values and bootstrap draws."""

    kind: str
    grouping: str
    values: dict[str, dict[str, float]]
    draws: dict[str, dict[str, np.ndarray]]
    too_small: dict[str, list[dict]]

    @classmethod
    def of(cls, data: BiasData, run: ModelRun, kind: str, g: Grouping, boot: np.ndarray) -> "_Item":
        codes = g.codes["holdout"][run.eval_rows]
        y = data.outcome.y["holdout"][run.eval_rows]
        counts = group_sums(codes, g.size)[0]
        positives = group_sums(codes, g.size, y)[0]
        floor = data.settings.min_group_rows
        # Rates of one outcome class each (TPR over positives, FPR over negatives): half the floor per class.
        eligible = {"dp": counts >= floor,
                    "eo": (counts >= floor) & (positives >= floor / 2) & (counts - positives >= floor / 2)}
        point = {name: _fairness(codes, y, run.predictions[(kind, name)], g.size, eligible)
                 for name in ("synthetic", "real")}
        pair = np.arange(len(boot)) % len(run.predictions[(kind, "honest0")])
        draws = {name: _fairness(codes[boot], y[boot], run.predictions[(kind, name)][boot], g.size, eligible)
                 for name in ("synthetic", "real")}
        for side in ("honest0", "honest1"):
            picks = run.predictions[(kind, side)][pair[:, None], boot]
            draws[side] = _fairness(codes[boot], y[boot], picks, g.size, eligible)
        flip = lambda table: {m: {name: table[name][m] for name in table} for m in ("dp", "eo")}  # noqa: E731
        values = {m: {name: float(v[0]) for name, v in by_name.items()} for m, by_name in flip(point).items()}
        small = {m: [{"grouping": g.name, "group": g.labels[i], "evaluation_rows": int(counts[i]),
                      "positives": int(positives[i])} for i in np.flatnonzero((counts > 0) & ~eligible[m])]
                 for m in ("dp", "eo")}
        return cls(kind, g.name, values, flip(draws), small)

    def honest_differences(self, metric: str) -> np.ndarray:
        """Honest-pair differences on the evaluation bootstraps, each pair in both orders."""
        return both_signs(self.draws[metric]["honest0"] - self.draws[metric]["honest1"])

    def summary(self, metric: str, level: float) -> dict:
        out = {"model": self.kind, "grouping": self.grouping}
        for name in ("synthetic", "real"):
            low, high = bands(self.draws[metric][name][:, None], level)
            out[f"{name}_trained"] = _num(self.values[metric][name])
            out[f"{name}_trained_interval"] = [_num(low[0]), _num(high[0])]
        low, high = bands(self.honest_differences(metric)[:, None], level)
        out["honest_difference_interval"] = [_num(low[0]), _num(high[0])]
        return out


def _fairness(codes: np.ndarray, y: np.ndarray, predicted: np.ndarray, size: int,
              eligible: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Demographic-parity and equalized-odds differences (fairlearn's between-groups definitions)."""
    counts = group_sums(codes, size)
    selected = group_sums(codes, size, predicted)
    positives = group_sums(codes, size, y)
    hits = group_sums(codes, size, predicted & y)
    tpr = ratio(hits, positives)
    fpr = ratio(selected - hits, counts - positives)
    eo = np.fmax(spread_of(tpr, eligible["eo"]), spread_of(fpr, eligible["eo"]))
    eo = np.where(np.isfinite(spread_of(tpr, eligible["eo"])), eo, np.nan)
    return {"dp": spread_of(ratio(selected, counts), eligible["dp"]), "eo": eo}


def _g(x: float | None) -> str:
    return "n/a" if x is None else f"{x:.3g}"


def _num(x: float) -> float | None:
    x = float(x)
    return x if np.isfinite(x) else None
