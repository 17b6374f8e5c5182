"""Utility on the real holdout, and the illusion a synthetic test set would create.

Per repeat, the holdout is split in two: part A trains the honest model (real rows in the synthetic's place),
part B is the test set every model is scored on. Synthetic is split into a training pool and a synthetic test
set. All three training sets have the same size (the smallest of real, the synthetic pool, half the holdout
and ``max_train_rows``). Per model:

- TRTR: trained on real, tested on B; TSTR: trained on synthetic, tested on B;
- THTR: trained on holdout A, tested on B (the honest reference);
- TSTS: the synthetic-trained model tested on synthetic rows it did not see (what a synthetic test set shows).

``validation.tstr_gap`` = TRTR - TSTR, worst model (worse higher); reference: TRTR - THTR of the same models,
bootstrap over B's rows pooled over repeats and over ``honest_fits`` honest models per repeat, each trained on
its own real sample (holdout A first, then rows of real and the holdout that neither the real-trained model nor
B uses). One honest model gave the band test-row noise only, while the synthetic-trained model brings its own
training sample's luck: census-income (350 training rows) failed 17 of 500 independent real samples.
``validation.illusion_gap`` = TSTS - TSTR, worst model: how much better synthetic data makes the model look
than real data does; honest reference 0 (an honest synthetic is the same distribution), with the band of the
centred bootstrap differences. It is reported at warn level.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from synthgate.gates.context import RunContext
from synthgate.gates.validation.models import (METRIC_NAMES, Design, Task, design, fit, predict, score, score_draws,
                                               task_of)
from synthgate.reference import band, subsample
from synthgate.verdict import Measurement, Rule, inconclusive, judge, skipped

GAP = "validation.tstr_gap"
ILLUSION = "validation.illusion_gap"
RULES = {
    GAP: Rule("higher", 0.02, 0.05, description="train-real minus train-synthetic score on the real test set, "
                                               "worst model (metric units)"),
    ILLUSION: Rule("higher", 0.05, 1.0, description="synthetic-test minus real-test score of the synthetic-trained "
                                                   "model, worst model (reported; warns)"),
}
SETTINGS = ("trtr", "tstr", "thtr", "tsts")
LABELS = {"trtr": "train real, test real", "tstr": "train synthetic, test real",
          "thtr": "train holdout, test real (honest)", "tsts": "train synthetic, test synthetic"}
MIN_ROWS = 50


@dataclass
class UtilityRuns:
    """Scores per (model, setting): the full test set per repeat, and bootstrap draws per repeat."""

    task: Task
    models: list[str]
    n_train: int
    n_test: int
    n_synthetic_test: int
    full: dict[tuple[str, str], list[float]] = field(default_factory=dict)
    draws: dict[tuple[str, str], list[np.ndarray]] = field(default_factory=dict)

    def add(self, model: str, setting: str, value: float, draws: np.ndarray) -> None:
        self.full.setdefault((model, setting), []).append(value)
        self.draws.setdefault((model, setting), []).append(draws)

    def mean(self, model: str, setting: str) -> float:
        values = np.asarray(self.full[(model, setting)], dtype=float)  # all NaN: e.g. AUC on one-class test rows
        return float(np.nanmean(values)) if np.isfinite(values).any() else float("nan")

    def pooled(self, model: str, setting: str, *, centred: bool = False) -> np.ndarray:
        """Bootstrap draws of every repeat, one row per repeat (centred on that repeat's full value)."""
        rows = [d - (f if centred else 0.0) for d, f in zip(self.draws[(model, setting)], self.full[(model, setting)])]
        return np.array(rows)

    def interval(self, model: str, setting: str, level: float) -> tuple[float, float]:
        draws = self.pooled(model, setting).ravel()
        draws = draws[np.isfinite(draws)]
        if not len(draws):
            return float("nan"), float("nan")
        low, high = np.quantile(draws, [(1 - level) / 2, (1 + level) / 2])
        return float(low), float(high)


def sizes(ctx: RunContext, task: Task, settings: Any) -> tuple[int, int, int] | str:
    """Training rows, real test rows, synthetic test rows; or why the tables are too small."""
    n_real = len(design(ctx, task, "real").y)
    n_holdout = len(design(ctx, task, "holdout").y)
    n_synthetic = len(design(ctx, task, "synthetic").y)
    n_synthetic_test = min(int(settings.synthetic_test_share * n_synthetic), settings.max_test_rows)
    n_train = min(n_real, n_synthetic - n_synthetic_test, n_holdout // 2, settings.max_train_rows)
    n_test = min(n_holdout - n_train, settings.max_test_rows)
    ctx.record_sample("validation.training_rows", used=n_train,
                      given=min(n_real, n_synthetic - n_synthetic_test, n_holdout // 2),
                      why="rows each model is trained on", setting="policy [gates.validation] max_train_rows")
    ctx.record_sample("validation.test_rows", used=n_test, given=n_holdout - n_train,
                      why="real holdout rows each model is scored on", setting="policy [gates.validation] max_test_rows")
    ctx.record_sample("validation.synthetic_test_rows", used=n_synthetic_test,
                      given=int(settings.synthetic_test_share * n_synthetic),
                      why="synthetic rows held out to score synthetic-trained models on synthetic data",
                      setting="policy [gates.validation] max_test_rows")
    if min(n_train, n_test, n_synthetic_test) < MIN_ROWS:
        return (f"too few rows with a known target: {n_train} training, {n_test} real test and {n_synthetic_test} "
                f"synthetic test rows (each needs {MIN_ROWS}; the holdout is split into training and test halves)")
    return n_train, n_test, n_synthetic_test


@dataclass(frozen=True)
class NotMeasured:
    """Why utility was not measured: no task (skipped) or too little data (inconclusive)."""

    reason: str
    too_small: bool = False


def run_utility(ctx: RunContext, settings: Any) -> UtilityRuns | NotMeasured:
    """Fit and score every model over the repeats (cached per run)."""
    def compute() -> UtilityRuns | NotMeasured:
        task = task_of(ctx, settings.metric)
        if isinstance(task, str):
            return NotMeasured(task)
        found = sizes(ctx, task, settings)
        if isinstance(found, str):
            return NotMeasured(found, too_small=True)
        runs = UtilityRuns(task, list(settings.models), *found)
        for repeat in range(settings.repeats):
            ctx.progress("validation: models", repeat, settings.repeats)
            _one_repeat(ctx, settings, runs, repeat)
        return runs
    return ctx._cached(("validation-utility",), compute)


def _one_repeat(ctx: RunContext, settings: Any, runs: UtilityRuns, repeat: int) -> None:
    task, rng = runs.task, ctx.rng(f"validation.utility.{repeat}")
    real, holdout, synthetic = (design(ctx, task, r) for r in ("real", "holdout", "synthetic"))
    order = rng.permutation(len(holdout.y))
    train_a, test_b = order[:runs.n_train], np.sort(order[runs.n_train:runs.n_train + runs.n_test])
    order = rng.permutation(len(synthetic.y))
    synthetic_test = np.sort(order[:runs.n_synthetic_test])
    synthetic_train = order[runs.n_synthetic_test:runs.n_synthetic_test + runs.n_train]
    real_train = subsample(len(real.y), runs.n_train, rng)
    weights_b = rng.multinomial(len(test_b), np.full(len(test_b), 1.0 / len(test_b)), size=ctx.policy.resamples)
    weights_s = rng.multinomial(len(synthetic_test), np.full(len(synthetic_test), 1.0 / len(synthetic_test)),
                                size=ctx.policy.resamples)
    y_b, y_s = holdout.y[test_b], synthetic.y[synthetic_test]
    seed = int(rng.integers(2**31 - 1))
    honest = _honest_training_sets(real, holdout, real_train, train_a, test_b, runs.n_train,
                                   settings.honest_fits, rng)
    for name in runs.models:
        fitted = {key: _fit(name, task, source, rows, seed, settings.boosting_iterations)
                  for key, source, rows in (("trtr", real, real_train), ("tstr", synthetic, synthetic_train))}
        for key, model in fitted.items():
            output = predict(model, task, holdout.X[test_b])
            runs.add(name, key, score(task, y_b, output), _draws(task, y_b, output, weights_b))
        scores, draws = [], []
        for source, rows in honest:
            output = predict(_fit(name, task, source, rows, seed, settings.boosting_iterations), task,
                             holdout.X[test_b])
            scores.append(score(task, y_b, output))
            draws.append(_draws(task, y_b, output, weights_b))
        runs.add(name, "thtr", float(np.nanmean(scores)) if np.isfinite(scores).any() else float("nan"),
                 np.concatenate(draws))
        output = predict(fitted["tstr"], task, synthetic.X[synthetic_test])
        runs.add(name, "tsts", score(task, y_s, output), _draws(task, y_s, output, weights_s))


def _honest_training_sets(real: Design, holdout: Design, real_train: np.ndarray, train_a: np.ndarray,
                          test_b: np.ndarray, n_train: int, fits: int, rng: np.random.Generator) -> list:
    """(design, rows) of each honest model: holdout A, then samples of the real and holdout rows that neither
    the real-trained model nor the test set B uses (independent of B, as an honest synthetic table would be)."""
    sets = [(holdout, train_a)]
    if fits == 1:
        return sets
    free_real = np.setdiff1d(np.arange(len(real.y)), real_train)
    free_holdout = np.setdiff1d(np.arange(len(holdout.y)), test_b)
    pool = Design(np.vstack([real.X[free_real], holdout.X[free_holdout]]),
                  np.concatenate([real.y[free_real], holdout.y[free_holdout]]))
    size = min(n_train, len(pool.y))
    return sets + [(pool, rng.choice(len(pool.y), size=size, replace=False)) for _ in range(fits - 1)]


def _fit(name: str, task: Task, source: Design, rows: np.ndarray, seed: int, iterations: int):
    return fit(name, task, source.X[rows], source.y[rows], seed=seed, iterations=iterations)


def _draws(task: Task, y: np.ndarray, output: np.ndarray, weights: np.ndarray) -> np.ndarray:
    return score_draws(task, y, output, weights)


def utility_measurements(ctx: RunContext, settings: Any, rule_of: Callable[[str], Rule]) -> list[Measurement]:
    """``validation.tstr_gap`` and ``validation.illusion_gap``."""
    runs = run_utility(ctx, settings)
    if isinstance(runs, NotMeasured):
        make = inconclusive if runs.too_small else skipped
        return [make(GAP, runs.reason), make(ILLUSION, runs.reason)]
    return [_gap(ctx, runs, rule_of(GAP)), _illusion(ctx, runs, rule_of(ILLUSION))]


def _gap(ctx: RunContext, runs: UtilityRuns, rule: Rule) -> Measurement:
    gaps = {m: runs.mean(m, "trtr") - runs.mean(m, "tstr") for m in runs.models}
    honest = np.max([_honest_gaps(runs, m) for m in runs.models], axis=0).ravel()
    worst = max(gaps, key=lambda m: gaps[m])
    reference = band(honest, level=ctx.policy.band, n=runs.n_test,
                     method="honest real-trained models in the synthetic's place (bootstrap over test rows)")
    return judge(GAP, gaps[worst], reference, rule, n=runs.n_test, details=_details(ctx, runs, worst, gaps))


def _honest_gaps(runs: UtilityRuns, model: str) -> np.ndarray:
    """TRTR - THTR per (repeat, honest model, bootstrap draw): every honest model shares the draws' weights."""
    trtr = runs.pooled(model, "trtr")                        # repeats x resamples
    thtr = runs.pooled(model, "thtr").reshape(len(trtr), -1, trtr.shape[1])   # repeats x fits x resamples
    return trtr[:, None, :] - thtr


def _illusion(ctx: RunContext, runs: UtilityRuns, rule: Rule) -> Measurement:
    gaps = {m: runs.mean(m, "tsts") - runs.mean(m, "tstr") for m in runs.models}
    if not np.isfinite(list(gaps.values())).any():  # a synthetic test set of one target class has no AUC
        values = len(np.unique(design(ctx, runs.task, "synthetic").y))
        return skipped(ILLUSION, f"not measurable: {runs.task.target} takes {values} distinct value(s) in synthetic, "
                                 f"and {METRIC_NAMES[runs.task.metric]} on synthetic test rows needs two")
    honest = np.max([runs.pooled(m, "tsts", centred=True) - runs.pooled(m, "tstr", centred=True)
                     for m in runs.models], axis=0).ravel()
    worst = max(gaps, key=lambda m: gaps[m])
    reference = band(honest, level=ctx.policy.band, n=runs.n_synthetic_test,
                     method="zero for an honest synthetic (bootstrap over both test sets)")
    details = {"worst_model": worst, "metric": METRIC_NAMES[runs.task.metric],
               "tsts": round(runs.mean(worst, "tsts"), 4), "tstr": round(runs.mean(worst, "tstr"), 4),
               "per_model": {m: round(g, 4) for m, g in gaps.items()}}
    return judge(ILLUSION, gaps[worst], reference, rule, n=runs.n_synthetic_test, details=details)


def _details(ctx: RunContext, runs: UtilityRuns, worst: str, gaps: dict[str, float]) -> dict[str, Any]:
    return {"worst_model": worst, "metric": METRIC_NAMES[runs.task.metric], "task": runs.task.kind,
            "target": runs.task.target,
            "positive": None if runs.task.positive is None else ctx.label(runs.task.target, runs.task.positive),
            "training_rows": runs.n_train, "test_rows": runs.n_test, "repeats": len(runs.full[(worst, "trtr")]),
            "per_model": {m: round(g, 4) for m, g in gaps.items()}, "scores": scores_table(ctx, runs)}


def scores_plot(runs: UtilityRuns) -> dict[str, Any]:
    """TRTR / TSTR / THTR / TSTS per model as grouped bars."""
    names = {"trtr": "real", "tstr": "synthetic", "thtr": "holdout", "tsts": "synthetic test set (TSTS)"}
    return {"plot": "bars", "title": f"{METRIC_NAMES[runs.task.metric]} by training and test data",
            "labels": runs.models, "ylabel": METRIC_NAMES[runs.task.metric],
            "description": "real / synthetic / holdout: the training data, each model tested on the same real "
                           "test rows; synthetic test set: the synthetic-trained model tested on synthetic rows",
            "series": {names[s]: [round(runs.mean(m, s), 4) for m in runs.models] for s in SETTINGS}}


def scores_table(ctx: RunContext, runs: UtilityRuns) -> dict[str, Any]:
    """Every score with its bootstrap interval."""
    rows = []
    for m in runs.models:
        for s in SETTINGS:
            low, high = runs.interval(m, s, ctx.policy.band)
            rows.append([m, LABELS[s], round(runs.mean(m, s), 4), round(low, 4), round(high, 4)])
    return {"plot": "table", "title": f"{METRIC_NAMES[runs.task.metric]} with {ctx.policy.band:.0%} bootstrap "
            "intervals over test rows", "columns": ["model", "setting", "score", "low", "high"], "rows": rows}


def utility_report(ctx: RunContext) -> dict[str, Any]:
    runs = ctx._cache.get(("validation-utility",))
    if not isinstance(runs, UtilityRuns):
        return {}
    return {"utility": scores_plot(runs)}
