"""Rare-category retention: real categories that an honest sample of this size would show, but synthetic lost.

A category is *eligible* when its expected count in a sample of the compared size is at least
``min_expected`` (decided from the real-side counts of each draw: real's, or a pseudo-real table's). It is *lost* when its synthetic count is significantly low (one-sided Fisher exact test
against real's count, Bonferroni over every eligible category of every column; see
``common.significantly_low``) and below ``under_ratio`` times its expected count.

The number of lost categories has an exact null (0, exceeded with probability at most ``alpha``); its
reference band also holds what honest re-splits of real + holdout lose at the same size.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Iterable

import numpy as np

from synthgate.gates.context import RunContext
from synthgate.gates.coverage.common import ItemDraws, item_draws, role_values, significantly_low
from synthgate.reference import Resplit
from synthgate.reference.categories import SHARES_METHOD, counts_given_real
from synthgate.verdict import Measurement, Reference, Rule, inconclusive, judge, skipped

RETENTION = "coverage.category_retention"
RARE_MASS = 4  # a column's rare categories are judged together when they expect >= 4 x min_expected rows
LOST = "coverage.extinct_categories"


@dataclass(frozen=True)
class Category:
    column: str
    position: int        # index in the schema's category order
    real_count: int
    real_share: float


@dataclass(frozen=True)
class CategoryTest:
    """Every category of real + holdout, and the thresholds of the loss test.

    Which categories are *eligible* (expected at least ``min_expected`` times at the compared size) and
    *rare* is decided from the real-side counts each time: real's for the synthetic table, each pseudo-real
    table's for its honest draw. Selecting on real's counts alone would pick categories real happens to
    over-count (the winner's curse) for the synthetic only, and an honest sample would then seem to lose
    them (measured: retention warned on 4 of 30 census-income runs).
    """

    categories: list[Category]
    n: int
    n_real: int
    alpha: float
    under_ratio: float
    rare_share: float
    min_expected: float = 5.0

    def real_counts(self, real: np.ndarray | None) -> np.ndarray:
        return np.array([c.real_count for c in self.categories], dtype=float) if real is None else real

    def eligible(self, real: np.ndarray | None = None) -> np.ndarray:
        return self.real_counts(real) / self.n_real * self.n >= self.min_expected

    def lost(self, counts: np.ndarray, real: np.ndarray | None = None) -> np.ndarray:
        """Boolean per category: eligible, significantly under-represented and below ``under_ratio`` of expected.

        ``real``: the real-side counts (a pseudo-real table's in an honest draw); real's own by default.
        """
        real = self.real_counts(real)
        eligible = self.eligible(real)
        expected = real / self.n_real * self.n
        low = np.zeros(len(real), dtype=bool)
        low[eligible] = significantly_low(counts[eligible], self.n, real[eligible], self.n_real, self.alpha)
        return low & (counts < self.under_ratio * expected)

    def retention(self, counts: np.ndarray, columns: list[str], real: np.ndarray | None = None) -> np.ndarray:
        """Per column, the frequency-weighted share of its rare eligible categories' real mass kept (1 if none)."""
        real = self.real_counts(real)
        shares = real / self.n_real
        rare = self.eligible(real) & (shares < self.rare_share)
        out = []
        for column in columns:
            idx = [i for i, c in enumerate(self.categories) if c.column == column and rare[i]]
            p = shares[idx]
            q = counts[idx] / self.n
            out.append(np.minimum(p, q).sum() / p.sum() if p.sum() > 0 else 1.0)
        return np.array(out)

    def rare_columns(self) -> list[str]:
        """Columns whose rare eligible categories together expect at least ``RARE_MASS`` × min_expected rows.

        Below that a column's retention is a coin flip: an honest sample keeps none of one or two
        categories expected 5 times each about 1 % of the time per column, and the worst of 30 such
        columns (census-income at 500 rows) then fails an honest table (measured: 3 of 15 census runs).
        """
        mass: dict[str, float] = {}
        rare = self.eligible() & (np.array([c.real_share for c in self.categories]) < self.rare_share)
        for c, flag in zip(self.categories, rare):
            if flag:
                mass[c.column] = mass.get(c.column, 0.0) + c.real_share * self.n
        return [column for column, rows in mass.items() if rows >= RARE_MASS * self.min_expected]


def category_test(ctx: RunContext, *, min_expected: float, alpha: float, under_ratio: float,
                  rare_share: float) -> CategoryTest:
    n = ctx.compared_size("coverage")
    n_real = len(ctx.tables.real)
    candidates = []
    for column in ctx.schema.categorical:
        counts = _counts(ctx, "real", column, None)
        candidates += [Category(column, position, int(count), float(count / n_real))
                       for position, count in enumerate(counts)]
    return CategoryTest(candidates, n, n_real, alpha, under_ratio, rare_share, min_expected)


def category_measurements(ctx: RunContext, rule_of, *, min_expected: float, alpha: float, under_ratio: float,
                          rare_share: float) -> Iterable[Measurement]:
    """``coverage.category_retention`` and ``coverage.extinct_categories``."""
    if not ctx.schema.categorical:
        yield skipped(RETENTION, "no categorical columns")
        yield skipped(LOST, "no categorical columns")
        return
    test = category_test(ctx, min_expected=min_expected, alpha=alpha, under_ratio=under_ratio,
                         rare_share=rare_share)
    if not test.eligible().any():
        why = f"no real category is frequent enough to expect {min_expected:g} rows in {test.n} synthetic rows"
        yield inconclusive(RETENTION, why, n=test.n, worse="lower")
        yield inconclusive(LOST, why, n=test.n)
        return
    names = [f"{c.column}#{c.position}" for c in test.categories]
    both = item_draws(ctx, names, lambda role, rows, split: _sample_and_real_counts(ctx, test, role, rows, split),
                      "coverage.categories")
    k = len(names)
    draws = ItemDraws(names, both.value[:k], both.honest[:, :k], both.n)
    draws = _WithReal(draws, both.honest[:, k:])
    ctx._cache[("coverage-category-draws",)] = (test, draws)
    yield _retention(ctx, test, draws, rule_of(RETENTION))
    yield _lost(ctx, test, draws, rule_of(LOST))


def _retention(ctx: RunContext, test: CategoryTest, draws: ItemDraws, rule: Rule) -> Measurement:
    columns = test.rare_columns()
    if not columns:
        return inconclusive(RETENTION, f"no column's categories rarer than {test.rare_share:.0%} of real together "
                            f"expect {RARE_MASS * test.min_expected:g} of {test.n} rows", n=test.n, worse="lower")
    pooled = [test.retention(h, columns, r) for h, r in zip(draws.honest, draws.real)]
    given_real = [test.retention(h, columns) for h in _counts_given_real(ctx, test)]
    per_column = ItemDraws(columns, test.retention(draws.value, columns), np.array(pooled + given_real), draws.n)
    value, reference, worst = per_column.worst("lower", level=ctx.policy.band)
    reference = replace(reference, method=SHARES_METHOD)
    details = {"worst": worst, "rare_below_share": test.rare_share,
               "columns": per_column.item_bands(level=ctx.policy.band)}
    return judge(RETENTION, value, reference, rule, n=test.n, details=details)


def _counts_given_real(ctx: RunContext, test: CategoryTest) -> np.ndarray:
    """Half of the retention band: honest counts given real (see ``counts_given_real``), as many as re-splits."""
    holdout = {column: _counts(ctx, "holdout", column, None) for column in {c.column for c in test.categories}}
    counts = np.array([holdout[c.column][c.position] for c in test.categories], dtype=float)
    return counts_given_real(counts, len(ctx.tables.holdout), test.n, ctx.policy.resamples,
                             ctx.rng("coverage.categories.given-real"))


def _lost(ctx: RunContext, test: CategoryTest, draws: ItemDraws, rule: Rule) -> Measurement:
    lost = test.lost(draws.value)
    honest_lost = np.array([test.lost(h, r).sum() for h, r in zip(draws.honest, draws.real)], dtype=float)
    high = float(np.quantile(honest_lost, ctx.policy.band)) if len(honest_lost) else 0.0
    reference = Reference(float(np.median(honest_lost)) if len(honest_lost) else 0.0, 0.0, high,
                          f"exact null (family-wise alpha {test.alpha:g}) and honest re-splits of real + holdout",
                          test.n)
    eligible = test.eligible()
    described = {i: _describe(ctx, test, i, draws.value[i]) for i in np.flatnonzero(eligible)}
    detectable = test.lost(np.zeros(len(test.categories)))  # which categories the test could flag at all
    expected = np.array([c.real_share for c in test.categories]) * test.n
    details = {"lost": [described[i] for i in np.flatnonzero(lost)],
               "absent": [d for i, d in described.items() if draws.value[i] == 0],
               "eligible": int(eligible.sum()), "detectable_if_absent": int(detectable.sum()),
               "honest_lost_high": high, "alpha": test.alpha, "under_ratio": test.under_ratio}
    if not detectable.any():
        return inconclusive(LOST, f"too little data: even a category expected {expected.max():.3g} times would "
                            "not be significantly missing if absent", n=test.n, reference=reference,
                            min_detectable=float(expected.max()), details=details)
    return judge(LOST, float(lost.sum()), reference, rule, n=test.n, details=details)


def _describe(ctx: RunContext, test: CategoryTest, i: int, count: float) -> dict:
    cat = test.categories[i]
    value = ctx.schema[cat.column].categories[cat.position]
    return {"column": cat.column, "category": ctx.label(cat.column, np.nan if value is None else value),
            "real_share": round(cat.real_share, 5), "expected": round(cat.real_share * test.n, 1),
            "synthetic": int(count)}


class _WithReal:
    """Eligible-category counts of the samples plus the real-side counts each honest draw was judged against."""

    def __init__(self, draws: ItemDraws, real: np.ndarray):
        self.names, self.value, self.honest, self.n, self.real = draws.names, draws.value, draws.honest, draws.n, real


def _sample_and_real_counts(ctx: RunContext, test: CategoryTest, role: str, rows: np.ndarray,
                            split: Resplit) -> np.ndarray:
    """The sample's eligible counts, then the pseudo-real table's (pooled counts minus those outside it)."""
    columns = {c.column for c in test.categories}
    sample = {column: _counts(ctx, role, column, rows) for column in columns}
    real = {column: _counts(ctx, "pool", column, None) - _counts(ctx, "pool", column, split.outside)
            for column in columns}
    return np.array([sample[c.column][c.position] for c in test.categories]
                    + [real[c.column][c.position] for c in test.categories], dtype=float)


def _counts(ctx: RunContext, role: str, column: str, rows: np.ndarray | None) -> np.ndarray:
    codes = role_values(ctx, f"coverage-codes:{column}", lambda r: ctx.encoding.codes(ctx.tables[r], column))(role)
    codes = codes if rows is None else codes[rows]
    return np.bincount(codes[codes >= 0], minlength=len(ctx.schema[column].categories))


def category_report(ctx: RunContext) -> dict:
    """Per column, the real, synthetic and honest-band shares of its eligible categories (labels masked)."""
    cached = ctx._cache.get(("coverage-category-draws",))
    if cached is None:
        return {}
    test, draws = cached
    bands = np.nanquantile(draws.honest, [(1 - ctx.policy.band) / 2, (1 + ctx.policy.band) / 2], axis=0) / test.n
    out: dict = {}
    for i in np.flatnonzero(test.eligible()):
        cat = test.categories[i]
        row = _describe(ctx, test, i, draws.value[i])
        out.setdefault(cat.column, []).append({
            "category": row["category"], "real": row["real_share"],
            "synthetic": round(float(draws.value[i]) / test.n, 5),
            "honest_low": round(float(bands[0, i]), 5), "honest_high": round(float(bands[1, i]), 5)})
    return out
