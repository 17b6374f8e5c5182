"""What the bias measurements share, prepared once per run: groupings, outcome, row samples and weights."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from synthgate.gates.bias.calibrate import group_sums, ratio
from synthgate.gates.bias.groups import Grouping, Outcome, groupings_of, outcome_of
from synthgate.gates.bias.raking import request_weights
from synthgate.gates.bias.settings import BiasSettings
from synthgate.gates.context import RunContext
from synthgate.reference import resplits, subsample


@dataclass(frozen=True, eq=False)
class BiasData:
    """Everything the measurements share: groupings, outcome, compared size, row samples and weights.

    ``weights[role]`` (real and holdout) reweight real data to a policy's requested rebalance (all ones
    when nothing was requested).

    Honest draws: real and holdout rows are pooled and re-split at random into a pseudo-real table (real's
    size) and a stand-in sample of the compared size ``n`` (drawn in proportion to the weights when a
    rebalance is requested). A statistic of the stand-in minus the same statistic of the pseudo-real is
    what an honest synthetic table scores. Resampling the holdout alone would centre a signed difference on
    the holdout's own chance offset from real, with a band too narrow by about sqrt(2).
    """

    groupings: list[Grouping]
    outcome: Outcome | None
    no_outcome: str | None
    notes: list[str]
    n: int
    synthetic_rows: np.ndarray
    stand_in: np.ndarray
    pseudo_real: np.ndarray
    weights: dict[str, np.ndarray]
    settings: BiasSettings
    _memo: dict = field(default_factory=dict, repr=False)

    @classmethod
    def of(cls, ctx: RunContext, settings: BiasSettings) -> "BiasData":
        return ctx._cached(("bias-data",), lambda: cls._build(ctx, settings))

    @classmethod
    def _build(cls, ctx: RunContext, settings: BiasSettings) -> "BiasData":
        groupings, notes = groupings_of(ctx, intersections=settings.intersections)
        outcome = outcome_of(ctx)
        no_outcome = outcome if isinstance(outcome, str) else None
        outcome = None if no_outcome else outcome
        weights = request_weights(ctx, groupings, outcome, settings)
        rng = ctx.rng("bias.rows")
        n = ctx.compared_size("bias")
        rows = subsample(len(ctx.tables.synthetic), n, rng)
        pooled = None if weights is None else np.concatenate([weights["real"], weights["holdout"]])
        stand_in, pseudo_real = _resplits(len(ctx.tables.real), len(ctx.tables.holdout), n, ctx.policy.resamples,
                                          rng, pooled)
        if weights is None:
            weights = {role: np.ones(len(ctx.tables[role])) for role in ("real", "holdout")}
        return cls(groupings, outcome, no_outcome, notes, n, rows, stand_in, pseudo_real, weights, settings)

    @property
    def requested(self) -> bool:
        return self.settings.requested

    def expected(self, g: Grouping) -> tuple[np.ndarray, np.ndarray | None]:
        """Group shares and positive rates of real (reweighted to the request, if any)."""
        return self._shares_and_rates(g.codes["real"], self.weights["real"],
                                      None if self.outcome is None else self.outcome.y["real"], g.size)

    def honest_expected(self, g: Grouping) -> tuple[np.ndarray, np.ndarray | None]:
        """``expected`` of every pseudo-real table, (draws, size) each."""
        return self._memoised(("expected", g.name), lambda: self._shares_and_rates(
            self._pooled(g)[self.pseudo_real], self._pooled_weights()[self.pseudo_real],
            None if self.outcome is None else self._pooled_y()[self.pseudo_real], g.size))

    def tallies(self, g: Grouping, role: str) -> tuple[np.ndarray, np.ndarray | None]:
        """Group counts and positive counts of the compared synthetic rows (1, size) or of the stand-ins."""
        def compute():
            if role == "synthetic":
                codes = g.codes["synthetic"][self.synthetic_rows][None, :]
                y = None if self.outcome is None else self.outcome.y["synthetic"][self.synthetic_rows][None, :]
            else:
                codes = self._pooled(g)[self.stand_in]
                y = None if self.outcome is None else self._pooled_y()[self.stand_in]
            return group_sums(codes, g.size), None if y is None else group_sums(codes, g.size, y)
        return self._memoised(("tallies", g.name, role), compute)

    def eligible(self, g: Grouping) -> np.ndarray:
        """Groups large enough to judge: at least ``min_group_rows`` expected in the compared sample."""
        shares, _ = self.expected(g)
        return shares * self.n >= self.settings.min_group_rows

    def too_small(self, g: Grouping) -> list[dict[str, Any]]:
        """Groups real has but that are too small to judge here, with their expected count."""
        shares, _ = self.expected(g)
        real = np.bincount(g.codes["real"][g.codes["real"] >= 0], minlength=g.size)
        return [{"grouping": g.name, "group": g.labels[i], "expected_rows": round(float(shares[i] * self.n), 1)}
                for i in np.flatnonzero((real > 0) & ~self.eligible(g))]

    @staticmethod
    def _shares_and_rates(codes: np.ndarray, w: np.ndarray, y: np.ndarray | None, size: int):
        counts = group_sums(codes, size, w)
        rates = None if y is None else ratio(group_sums(codes, size, w * y), counts)
        shares = counts / np.atleast_2d(w).sum(axis=1, keepdims=True)
        return (shares[0], None if rates is None else rates[0]) if codes.ndim == 1 else (shares, rates)

    def _pooled(self, g: Grouping) -> np.ndarray:
        return self._memoised(("pooled", g.name), lambda: np.concatenate([g.codes["real"], g.codes["holdout"]]))

    def _pooled_y(self) -> np.ndarray:
        return self._memoised(("pooled-y",), lambda: np.concatenate([self.outcome.y["real"],
                                                                     self.outcome.y["holdout"]]))

    def _pooled_weights(self) -> np.ndarray:
        return self._memoised(("pooled-w",), lambda: np.concatenate([self.weights["real"], self.weights["holdout"]]))

    def _memoised(self, key: tuple, compute):
        if key not in self._memo:
            self._memo[key] = compute()
        return self._memo[key]


def _resplits(n_real: int, n_holdout: int, n: int, times: int, rng: np.random.Generator,
              weights: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    """(times, n) stand-in and (times, n_real) pseudo-real positions in the pooled real + holdout rows.

    The re-splits are ``synthgate.reference.resplits``; a requested rebalance draws the stand-in from the rows
    outside the pseudo-real table in proportion to the weights.
    """
    splits = resplits(n_real, n_holdout, n, times, rng)
    pseudo_real = np.array([split.pseudo_real() for split in splits], dtype=np.int64).reshape(times, n_real)
    if weights is None:
        stand_in = np.array([split.stand_in for split in splits], dtype=np.int64).reshape(times, n)
    else:
        stand_in = np.array([rng.choice(s.outside, size=n, p=weights[s.outside] / weights[s.outside].sum())
                             for s in splits], dtype=np.int64).reshape(times, n)
    return stand_in, pseudo_real
