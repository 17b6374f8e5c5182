"""PRDC (precision, recall, density, coverage; Naeem et al. 2020) on the shared encoding, blocked.

Every distance comes from the neighbours engine (exact, blocked k-NN and ball counts), so no N x M matrix
is ever held. Coverage and density depend on the two sample sizes, so real, synthetic and holdout are
compared at one matched size ``m``: at most half the smallest table, so that repeated draws differ, and at
most ``max_rows``.

The honest reference of coverage and density combines the analytic expectation for two samples of one
distribution (``synthgate.reference.prdc``: 0.9688 and 1 at k = 5) with the holdout's own score in the
synthetic's place, against the same real draws: the band spans both, widened by the honest sampling sd.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import stats

from synthgate.gates.context import RunContext
from synthgate.neighbors import ball_membership_counts, knn
from synthgate.reference import subsample
from synthgate.reference.prdc import coverage_sd_floor, density_sd_floor, expected_coverage, expected_density
from synthgate.verdict import Reference

ROLES = ("synthetic", "holdout")


@dataclass(frozen=True)
class PRDC:
    """Precision, recall, density and coverage of one fake sample against one real sample."""

    precision: float
    recall: float
    density: float
    coverage: float


def prdc(real: np.ndarray, fake: np.ndarray, *, k: int = 5, real_radii: np.ndarray | None = None,
         recall: bool = True) -> PRDC:
    """PRDC of ``fake`` against ``real`` with closed k-NN balls.

    A point at exactly a ball's radius counts as inside (``<=``, the neighbours engine's convention for
    every count here); the authors' code uses ``<``, which differs only on tied distances.

    Parameters
    ----------
    real, fake : ndarray (rows x dim)
        Encoded samples; Euclidean distance is the metric.
    k : int, default 5
    real_radii : ndarray, optional
        Each real row's distance to its k-th nearest other real row, if already known.
    recall : bool, default True
        False skips recall (NaN), which roughly doubles the cost of the call.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> result = prdc(rng.normal(size=(500, 3)), rng.normal(size=(500, 3)), k=5)
    >>> 0.9 < result.coverage < 1.0
    True
    """
    if real_radii is None:
        real_radii = knn(real, real, k, exclude_self=True).distances[:, k - 1]
    in_real_balls = ball_membership_counts(fake, real, real_radii)
    nearest_fake = knn(real, fake, 1).distances[:, 0]
    found = np.nan
    if recall:
        fake_radii = knn(fake, fake, k, exclude_self=True).distances[:, k - 1]
        found = float(np.mean(ball_membership_counts(real, fake, fake_radii) > 0))
    return PRDC(precision=float(np.mean(in_real_balls > 0)), recall=found,
                density=float(in_real_balls.sum()) / (k * len(fake)),
                coverage=float(np.mean(nearest_fake <= real_radii)))


@dataclass(frozen=True)
class PrdcRuns:
    """PRDC of synthetic and of holdout draws against the same real draws, ``repeats`` times at size ``m``."""

    k: int
    m: int
    fraction: float          # m over the smallest table: the finite-population share of each draw
    scores: dict[str, list[PRDC]]

    def values(self, role: str, metric: str) -> np.ndarray:
        return np.array([getattr(s, metric) for s in self.scores[role]])

    def mean(self, role: str, metric: str) -> float:
        return float(np.nanmean(self.values(role, metric)))

    def reference(self, metric: str, *, level: float) -> Reference:
        """The band holding both the analytic expectation and the holdout's mean, widened by z honest sds.

        The sd of the holdout draws is scaled up by 1 / sqrt(1 - fraction) because draws of a share of one
        table vary less than independent samples would; it never goes below the analytic floor.
        """
        if metric == "coverage":
            expected, floor = expected_coverage(self.m, self.m, self.k), coverage_sd_floor(self.m, self.m, self.k)
        else:
            expected, floor = expected_density(), density_sd_floor(self.m, self.k)
        honest = self.values("holdout", metric)
        spread = float(np.std(honest, ddof=1)) if len(honest) > 1 else 0.0
        sd = max(spread / math.sqrt(1.0 - self.fraction), floor)
        z = float(stats.norm.ppf(0.5 + level / 2.0))
        centre = float(honest.mean())
        return Reference(expected, min(expected, centre) - z * sd, max(expected, centre) + z * sd,
                         "analytic PRDC null and holdout draws", self.m)

    def details(self) -> dict:
        return {"k": self.k, "m": self.m, "repeats": len(self.scores["synthetic"]), "recall_draws": 1,
                "expected_coverage": round(expected_coverage(self.m, self.m, self.k), 5),
                "expected_density": expected_density(),
                **{metric: {role: round(self.mean(role, metric), 5) for role in ROLES}
                   for metric in ("precision", "recall", "density", "coverage")}}


def matched_size(ctx: RunContext, max_rows: int) -> tuple[int, float]:
    """The PRDC size: half the smallest table (so repeated draws differ), at most ``max_rows``."""
    smallest = min(len(ctx.tables[r]) for r in ("real", "synthetic", "holdout"))
    m = min(max_rows, smallest // 2)
    return m, m / smallest


def prdc_runs(ctx: RunContext, *, k: int, max_rows: int, repeats: int) -> PrdcRuns:
    """PRDC over ``repeats`` seeded draws, cached per run (the real radii are shared by both roles)."""
    m, fraction = matched_size(ctx, max_rows)
    smallest = min(len(ctx.tables[r]) for r in ("real", "synthetic", "holdout"))
    if m < smallest // 2:
        ctx.record_sample("coverage.prdc", used=m, given=smallest // 2,
                          why=f"PRDC compares matched samples of at most half the smallest table, in {repeats} draws",
                          setting="policy [gates.coverage] prdc_max_rows")

    def compute() -> PrdcRuns:
        rng = ctx.rng("coverage.prdc")
        scores: dict[str, list[PRDC]] = {role: [] for role in ROLES}
        for b in range(repeats):
            ctx.progress("coverage: PRDC draws", b, repeats)
            real = ctx.encoded("real")[subsample(len(ctx.tables.real), m, rng)]
            radii = knn(real, real, k, exclude_self=True).distances[:, k - 1]
            for role in ROLES:
                fake = ctx.encoded(role)[subsample(len(ctx.tables[role]), m, rng)]
                # Recall (no closed form, never judged) only on the first draw: it doubles the cost.
                scores[role].append(prdc(real, fake, k=k, real_radii=radii, recall=b == 0))
        ctx.progress("coverage: PRDC draws", repeats, repeats)
        return PrdcRuns(k, m, fraction, scores)

    return ctx._cached(("coverage-prdc", k, m, repeats), compute)
