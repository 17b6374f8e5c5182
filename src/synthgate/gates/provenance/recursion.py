"""Recursive training (model collapse), measurable without a ledger: generation n of a chain against generation 0.

A chain is ``[generation 0 (human data), generation 1, ..., generation N]``, generation k + 1 made by a
generator trained on generation k (``synthgate.defects.regenerate`` plants one). Per generation, against
generation 0:

- spread ratio: std over generation 0's, per numerical column, values clipped to generation 0's 1 %-99 % range
  (a handful of extreme values, e.g. Adult's capital_gain = 99999, would otherwise make the ratio noise);
  summary: the worst (lowest) column;
- tail ratio: share of rows beyond generation 0's 1 %/99 % quantiles over generation 0's own share (strictly
  beyond, so tied columns work), per numerical column with enough expected tail rows; summary: the lowest;
- extinct categories: generation-0 categories with no row left, summed over categorical columns;
- distance: mean over columns of the KS (numerical) or total-variation (categorical) distance;
- mean shift: mean over numerical columns of ((mean_n - mean_0) / std_0)^2.

Analytic references for a pure resampling chain of M rows per generation (``reference-values.md`` R16-R17):

- R16 (Gaussian re-fit): E[sigma_n] = sigma c_M^n, median sigma_n ~ sigma exp(-n / (2 (M - 1))),
  E[(mu_n - mu_0)^2] = n sigma^2 / M;
- R17: a category of probability q is absent from one generation with probability (1 - q)^M; over several
  generations its survival follows the chain's branching process (:func:`survival_probability`).

The honest reference when judging a chain (``synthgate.run.check_generations``, also importable as
``synthgate.recursion.check_generations``) is *one* honest generation: a sample of the same size drawn from
generation 0 (or from a real holdout when given); the R16-R17 values for a chain of that length are reported
beside it, to show how much of the loss plain resampling explains.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Sequence

import numpy as np
import pandas as pd
from scipy import special

from synthgate.data import Schema, category_codes, load_metadata, numeric_values
from synthgate.data.validate import infer_schema

__all__ = ["GenerationStatistics", "GenerationTrend", "Profile", "c_m", "expected_extinct",
           "extinction_probability", "gaussian_chain", "generation_trend", "survival_probability"]

TAIL_QUANTILE = 0.01
MIN_EXPECTED = 5.0


# analytic references -------------------------------------------------------------------------


def c_m(rows: int) -> float:
    """E[s] / sigma for the sample standard deviation (ddof = 1) of ``rows`` normal draws (c4 of ``rows``)."""
    if rows < 2:
        return math.nan
    return math.exp(0.5 * math.log(2.0 / (rows - 1)) + special.gammaln(rows / 2) - special.gammaln((rows - 1) / 2))


@dataclass(frozen=True)
class GaussianChain:
    """R16: what n generations of re-fitting a normal law to M of its own draws do, per unit sigma."""

    rows: int
    generations: int
    expected_sigma: float      # E[sigma_n] / sigma = c_M^n
    median_sigma: float        # ~ exp(-n / (2 (M - 1)))
    mean_shift_sq: float       # E[(mu_n - mu_0)^2] / sigma^2 = n / M
    expected_variance: float = 1.0  # E[sigma_n^2] / sigma^2: variance is a martingale


def gaussian_chain(rows: int, generations: int) -> GaussianChain:
    """R16 closed forms for a chain of ``generations`` re-fits on ``rows`` samples each.

    Examples
    --------
    >>> chain = gaussian_chain(10, 10)
    >>> round(chain.expected_sigma, 3), round(chain.median_sigma, 3), chain.mean_shift_sq
    (0.758, 0.574, 1.0)
    """
    n = generations
    return GaussianChain(rows, n, c_m(rows) ** n, math.exp(-n / (2.0 * (rows - 1))), n / rows)


def extinction_probability(q: float | np.ndarray, rows: int) -> float | np.ndarray:
    """R17: probability that a category of probability ``q`` is absent from ``rows`` independent draws.

    Examples
    --------
    >>> round(extinction_probability(1 / 1000, 1000), 3), round(extinction_probability(3 / 1000, 1000), 3)
    (0.368, 0.05)
    """
    return (1.0 - np.asarray(q, dtype=float)) ** rows if np.ndim(q) else (1.0 - float(q)) ** rows


def survival_probability(count: int | np.ndarray, sizes: Sequence[int]) -> float | np.ndarray:
    """Probability that a category with ``count`` rows in generation 0 still has a row in the last generation.

    ``sizes`` are the rows of generations 0..n of a pure resampling chain (each generation ``sizes[k]``
    draws from generation k - 1). Each generation-0 row founds a branching lineage whose offspring in the
    next generation are Binomial(M_k, 1 / M_{k-1}); the lineage dies out with probability
    ``g_1(g_2(... g_n(0)))``, ``g_k(s) = (1 - (1 - s) / M_{k-1})^{M_k}``, and the ``count`` lineages
    independently. This is the Wright-Fisher chain up to O(count^2 / M): after one generation it is R17's
    (1 - q)^M; at M = 1000 a count of 2 survives 0.865 / 0.465 / 0.292 / 0.168 / 0.074 after 1 / 5 / 10 /
    20 / 50 generations (the exact Wright-Fisher chain: 0.865 / 0.465 / 0.292 / 0.168 / 0.075; the table in
    reference-values.md, from a smaller simulation: 0.857 / 0.457 / 0.290 / 0.163 / 0.067).

    Examples
    --------
    >>> [round(float(survival_probability(2, [1000] * (n + 1))), 3) for n in (1, 5, 10)]
    [0.865, 0.465, 0.292]
    """
    s = 0.0
    for before, after in reversed(list(zip(sizes[:-1], sizes[1:]))):
        s = (1.0 - (1.0 - s) / before) ** after
    survival = 1.0 - s ** np.asarray(count, dtype=float)
    return float(survival) if np.ndim(survival) == 0 else survival


def expected_extinct(counts: np.ndarray, sizes: Sequence[int]) -> float:
    """Expected number of the categories with generation-0 ``counts`` that a resampling chain loses."""
    counts = np.asarray(counts, dtype=float)
    counts = counts[counts > 0]
    if len(sizes) < 2 or not len(counts):
        return 0.0
    return float(np.sum(1.0 - survival_probability(counts, sizes)))


# per-generation statistics -------------------------------------------------------------------


@dataclass(frozen=True)
class GenerationStatistics:
    """One table's statistics against generation 0, per column, with the summaries judged."""

    spread: dict[str, float]
    tail: dict[str, float]
    extinct: dict[str, list[int]]   # per categorical column: positions (schema order) of lost categories
    distance: dict[str, float]
    mean_shift_sq: dict[str, float]
    tail_columns: tuple[str, ...] = ()

    @property
    def spread_ratio(self) -> float:
        return _finite_min(self.spread.values())

    @property
    def tail_ratio(self) -> float:
        return _finite_min(self.tail[c] for c in self.tail_columns)

    @property
    def extinct_categories(self) -> int:
        return int(sum(len(v) for v in self.extinct.values()))

    @property
    def mean_distance(self) -> float:
        values = [v for v in self.distance.values() if np.isfinite(v)]
        return float(np.mean(values)) if values else math.nan

    @property
    def mean_shift(self) -> float:
        values = [v for v in self.mean_shift_sq.values() if np.isfinite(v)]
        return float(np.mean(values)) if values else math.nan

    def summary(self) -> dict[str, float]:
        return {"spread_ratio": self.spread_ratio, "tail_ratio": self.tail_ratio,
                "extinct_categories": float(self.extinct_categories), "distance": self.mean_distance,
                "mean_shift_sq": self.mean_shift}


@dataclass
class _Prepared:
    """A table's numerical values and category codes, ready to be indexed by rows."""

    rows: int
    values: dict[str, np.ndarray]
    codes: dict[str, np.ndarray]

    def take(self, rows: np.ndarray) -> "_Prepared":
        return _Prepared(len(rows), {c: v[rows] for c, v in self.values.items()},
                         {c: v[rows] for c, v in self.codes.items()})

    @staticmethod
    def concat(first: "_Prepared", second: "_Prepared") -> "_Prepared":
        return _Prepared(first.rows + second.rows,
                         {c: np.concatenate([v, second.values[c]]) for c, v in first.values.items()},
                         {c: np.concatenate([v, second.codes[c]]) for c, v in first.codes.items()})


class Profile:
    """Generation 0, summarised once: quantiles, spreads, category counts (no row is kept beyond sorting).

    Parameters
    ----------
    frame : pandas.DataFrame
        Generation 0 (the human data, or a run's real table).
    schema : Schema
        Which columns are numerical and categorical.
    tail_quantile : float, default 0.01
    """

    def __init__(self, frame: pd.DataFrame | None, schema: Schema, *, tail_quantile: float = TAIL_QUANTILE,
                 prepared: _Prepared | None = None, bounds: dict[str, tuple[float, float]] | None = None):
        self.schema = schema
        self.numerical = list(schema.numerical)
        self.categorical = list(schema.categorical)
        self.tail_quantile = tail_quantile
        base = prepared if prepared is not None else self.prepare(frame)
        self.rows = base.rows
        self.sorted, self.bounds, self.tail_share, self.spread, self.moments = {}, {}, {}, {}, {}
        for c in self.numerical:
            x = base.values[c]
            finite = x[np.isfinite(x)]
            self.sorted[c] = np.sort(np.where(np.isnan(x), np.inf, x))
            if len(finite) < 2:
                continue
            # ``bounds``: another profile's tail thresholds, kept as a fixed test region (honest re-splits)
            low, high = bounds[c] if bounds and c in bounds else np.quantile(finite, [tail_quantile, 1.0 - tail_quantile])
            self.bounds[c] = (float(low), float(high))
            self.tail_share[c] = _beyond(finite, low, high)
            self.spread[c] = float(np.std(np.clip(finite, low, high), ddof=1))
            self.moments[c] = (float(np.mean(finite)), float(np.std(finite, ddof=1)))
        self.counts = {c: np.bincount(base.codes[c][base.codes[c] >= 0], minlength=len(schema[c].categories))
                       for c in self.categorical}

    def prepare(self, frame: pd.DataFrame) -> _Prepared:
        """Values and codes of a table with generation 0's columns."""
        values = {c: numeric_values(frame[c]) for c in self.numerical}
        codes = {c: category_codes(frame[c], self.schema[c].categories) for c in self.categorical}
        return _Prepared(len(frame), values, codes)

    def tail_columns(self, rows: int, min_expected: float = MIN_EXPECTED) -> tuple[str, ...]:
        """Numerical columns whose generation-0 tail share gives at least ``min_expected`` rows in ``rows``."""
        return tuple(c for c, share in self.tail_share.items() if share > 0 and share * rows >= min_expected)

    def statistics(self, data: _Prepared, rows: np.ndarray | None = None, *,
                   tail_columns: Sequence[str] = ()) -> GenerationStatistics:
        """Every per-column statistic of ``data`` (or of its ``rows``) against generation 0."""
        pick = (lambda a: a) if rows is None else (lambda a: a[rows])
        spread, tail, shift, distance, extinct = {}, {}, {}, {}, {}
        for c in self.numerical:
            x = pick(data.values[c])
            finite = x[np.isfinite(x)]
            distance[c] = _ks(self.sorted[c], np.where(np.isnan(x), np.inf, x))
            if c not in self.bounds or len(finite) < 2:
                continue
            low, high = self.bounds[c]
            spread[c] = _ratio(float(np.std(np.clip(finite, low, high), ddof=1)), self.spread[c])
            tail[c] = _ratio(_beyond(finite, low, high), self.tail_share[c])
            mean, std = self.moments[c]
            shift[c] = ((float(np.mean(finite)) - mean) / std) ** 2 if std > 0 else math.nan
        for c in self.categorical:
            codes = pick(data.codes[c])
            levels = len(self.counts[c])
            counts = np.bincount(np.where(codes < 0, levels, codes), minlength=levels + 1)
            real = np.append(self.counts[c], 0) / max(self.rows, 1)
            distance[c] = 0.5 * float(np.abs(real - counts / max(len(codes), 1)).sum())
            extinct[c] = np.flatnonzero((self.counts[c] > 0) & (counts[:levels] == 0)).tolist()
        return GenerationStatistics(spread, tail, extinct, distance, shift, tuple(tail_columns))


# the trend of a chain ---------------------------------------------------------------------------


@dataclass(frozen=True)
class GenerationTrend:
    """Each generation's summaries against generation 0 (which scores 1, 1, 0, 0, 0), beside the R16-R17
    expectations for a pure resampling chain of the same sizes: ``expected_extinct`` (R17, categories lost by
    each generation), ``expected_spread`` = c_M^n and ``median_spread`` = exp(-n / (2 (M - 1))) (R16, M the
    generations' mean size), ``expected_mean_shift_sq`` = sum of 1 / M_k (R16). ``per_generation`` holds the
    per-column values behind the summaries.
    """

    generations: list[int]
    rows: list[int]
    spread_ratio: list[float]
    tail_ratio: list[float]
    extinct_categories: list[int]
    distance: list[float]
    mean_shift_sq: list[float]
    expected_extinct: list[float]
    expected_spread: list[float]
    median_spread: list[float]
    expected_mean_shift_sq: list[float]
    per_generation: list[GenerationStatistics] = field(repr=False, default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """JSON-able summaries (no per-column values, no rows)."""
        keys = ("generations", "rows", "spread_ratio", "tail_ratio", "extinct_categories", "distance",
                "mean_shift_sq", "expected_extinct", "expected_spread", "median_spread", "expected_mean_shift_sq")
        return {k: [_json(v) for v in getattr(self, k)] for k in keys}


def generation_trend(tables: Sequence[pd.DataFrame], metadata: Any = None, *, tail_quantile: float = TAIL_QUANTILE,
                     min_expected: float = MIN_EXPECTED) -> GenerationTrend:
    """How every generation of a chain differs from generation 0, beside R16-R17 expectations.

    Parameters
    ----------
    tables : sequence of pandas.DataFrame
        ``[generation 0, ..., generation N]``, all with generation 0's columns (not modified).
    metadata : path, dict or Metadata, optional
        Column kinds (as for ``synthgate.check``); inferred from generation 0 otherwise.
    tail_quantile : float, default 0.01
        The tails are beyond generation 0's ``tail_quantile`` and ``1 - tail_quantile`` quantiles.
    min_expected : float, default 5
        A column's tail ratio is summarised only when its generation-0 tail share gives at least this many
        rows in the smallest generation.

    Returns
    -------
    GenerationTrend

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from synthgate.defects import regenerate
    >>> from synthgate.generators import IndependentSynthesizer
    >>> start = pd.DataFrame({"x": np.random.default_rng(0).normal(size=500)})
    >>> trend = generation_trend(regenerate(start, generations=3, generator_factory=IndependentSynthesizer, seed=0))
    >>> trend.generations, trend.spread_ratio[0], trend.expected_mean_shift_sq[-1]
    ([0, 1, 2, 3], 1.0, 0.006)
    """
    if len(tables) < 1:
        raise ValueError("generation_trend needs at least generation 0.")
    schema = infer_schema(tables[0], load_metadata(metadata))
    profile = Profile(tables[0], schema, tail_quantile=tail_quantile)
    sizes = [len(t) for t in tables]
    columns = profile.tail_columns(min(sizes), min_expected)
    stats = [profile.statistics(profile.prepare(t), tail_columns=columns) for t in tables]
    counts = np.concatenate([profile.counts[c] for c in profile.categorical]) if profile.categorical else np.array([])
    mean_rows = float(np.mean(sizes[1:])) if len(sizes) > 1 else float(sizes[0])
    chains = [gaussian_chain(max(int(round(mean_rows)), 2), k) for k in range(len(tables))]
    return GenerationTrend(
        generations=list(range(len(tables))), rows=sizes,
        spread_ratio=[s.spread_ratio for s in stats], tail_ratio=[s.tail_ratio for s in stats],
        extinct_categories=[s.extinct_categories for s in stats], distance=[s.mean_distance for s in stats],
        mean_shift_sq=[s.mean_shift for s in stats],
        expected_extinct=[expected_extinct(counts, sizes[:k + 1]) for k in range(len(tables))],
        expected_spread=[c.expected_sigma for c in chains], median_spread=[c.median_sigma for c in chains],
        expected_mean_shift_sq=[round(float(sum(1.0 / m for m in sizes[1:k + 1])), 12) for k in range(len(tables))],
        per_generation=stats)


# helpers ----------------------------------------------------------------------------------------


def _beyond(x: np.ndarray, low: float, high: float) -> float:
    if not len(x):
        return math.nan
    return float(np.count_nonzero(x < low) + np.count_nonzero(x > high)) / len(x)


def _ratio(a: float, b: float) -> float:
    if not np.isfinite(a) or not np.isfinite(b) or b <= 0:
        return math.nan
    return a / b


def _ks(base_sorted: np.ndarray, sample: np.ndarray) -> float:
    if not len(sample) or not len(base_sorted):
        return math.nan
    sample = np.sort(sample)
    points = np.concatenate([base_sorted, sample])
    f_base = np.searchsorted(base_sorted, points, side="right") / len(base_sorted)
    f_sample = np.searchsorted(sample, points, side="right") / len(sample)
    return float(np.max(np.abs(f_base - f_sample)))


def _finite_min(values) -> float:
    values = [v for v in values if v is not None and np.isfinite(v)]
    return float(min(values)) if values else math.nan


def _json(value: Any) -> Any:
    if isinstance(value, (int, np.integer)):
        return int(value)
    value = float(value)
    return round(value, 6) if math.isfinite(value) else None
