"""Per-cluster coverage: k-means regions of the real data and the synthetic mass each one received.

The regions are k-means clusters of the real rows on the shared encoding (scikit-learn, seeded). A cluster
is *short* when synthetic's count in it is significantly below real's (one-sided Fisher exact test,
Bonferroni over the clusters: ``common.significantly_low``). The judged value is the real mass missing
from the short clusters (sum of real share minus synthetic share), so a region k-means split in two still
counts whole. Its honest reference is exact: 0, exceeded with probability at most ``alpha``, widened to the
holdout's own value at the same size and to the deficit an average-sized cluster must show to be flagged
(a smaller gap reads as 0, so the data cannot rule it out). Short clusters are listed and described by
aggregates only (numeric means, dominant categories through ``ctx.label``), never by a real row.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

import numpy as np
from scipy import stats
from sklearn.cluster import KMeans
from threadpoolctl import threadpool_limits

from synthgate.data import numeric_values
from synthgate.gates.context import RunContext
from synthgate.gates.coverage.common import significantly_low
from synthgate.reference import subsample
from synthgate.verdict import Measurement, Reference, Rule, inconclusive, judge, skipped

GAP = "coverage.cluster_mass_gap"
MIN_ROWS_PER_CLUSTER = 20
DOMINANT_SHARE = 0.5
MIN_LIFT = 1.2


@dataclass(frozen=True)
class Clusters:
    """Cluster labels of every role's rows and real's share per cluster."""

    labels: dict[str, np.ndarray]
    real_share: np.ndarray

    @property
    def k(self) -> int:
        return len(self.real_share)

    def gap(self, role: str, rows: np.ndarray, alpha: float) -> "ClusterGap":
        """Short clusters of the role's ``rows`` and the real mass missing from them."""
        counts = np.bincount(self.labels[role][rows], minlength=self.k)
        deficit = self.real_share - counts / len(rows)
        short = significantly_low(counts, len(rows), self.real_counts, len(self.labels["real"]), alpha)
        return ClusterGap(counts / len(rows), deficit, short, float(deficit[short].sum()))

    def detectable(self, n: int, alpha: float) -> float:
        """Normal-approximation deficit an average-sized cluster needs to be flagged at this size."""
        p = 1.0 / self.k
        z = stats.norm.ppf(1.0 - alpha / self.k)
        return float(z * np.sqrt(p * (1.0 - p) * (1.0 / n + 1.0 / len(self.labels["real"]))))

    @property
    def real_counts(self) -> np.ndarray:
        return np.bincount(self.labels["real"], minlength=self.k)


@dataclass(frozen=True)
class ClusterGap:
    share: np.ndarray      # the sample's share per cluster
    deficit: np.ndarray    # real share minus the sample's
    short: np.ndarray      # significantly low, per cluster
    missing: float         # real mass missing from the short clusters


def fit_clusters(ctx: RunContext, k: int, *, fit_rows: int) -> Clusters:
    """k-means on (a seeded subsample of) real's encoding; every role's rows assigned to the nearest centre."""
    def compute() -> Clusters:
        rng = ctx.rng("coverage.clusters")
        real = ctx.encoded("real")
        rows = subsample(len(real), fit_rows, rng)
        # Any sensible partition will do (the holdout is judged on the same one), so one k-means++ start.
        # One thread: on fits this small OpenMP costs more than it saves, and its threads spin (30x slower
        # measured) when the two cores are shared with other work.
        with threadpool_limits(limits=1, user_api="openmp"):
            model = KMeans(n_clusters=k, n_init=1, max_iter=100,
                           random_state=int(rng.integers(2**31 - 1))).fit(real[rows])
            labels = {role: model.predict(ctx.encoded(role)).astype(np.int64)
                      for role in ("real", "holdout", "synthetic")}
        return Clusters(labels, np.bincount(labels["real"], minlength=k) / len(real))
    return ctx._cached(("coverage-clusters", k, fit_rows), compute)


def cluster_measurements(ctx: RunContext, rule: Rule, *, clusters: int, fit_rows: int,
                         alpha: float) -> Iterable[Measurement]:
    """``coverage.cluster_mass_gap``."""
    if ctx.encoding.dim == 0:
        yield skipped(GAP, "no usable columns to cluster")
        return
    k = min(clusters, len(ctx.tables.real) // MIN_ROWS_PER_CLUSTER)
    if k < 2:
        yield inconclusive(GAP, f"real has too few rows for two clusters of {MIN_ROWS_PER_CLUSTER} rows")
        return
    ctx.record_sample("coverage.cluster_fit", used=min(fit_rows, len(ctx.tables.real)), given=len(ctx.tables.real),
                      why="real rows k-means is fitted on (every row is then assigned to a cluster)",
                      setting="policy [gates.coverage] cluster_fit_rows")
    fitted = fit_clusters(ctx, k, fit_rows=fit_rows)
    n = ctx.compared_size("coverage")
    rng = ctx.rng(GAP)
    gap = {role: fitted.gap(role, subsample(len(ctx.tables[role]), n, rng), alpha) for role in ("synthetic", "holdout")}
    ctx._cache[("coverage-cluster-gap",)] = (fitted, gap, n, alpha)
    detectable = fitted.detectable(n, alpha)
    # A cluster is flagged only once its deficit is significant, so a gap under ``detectable`` reads as 0: the
    # band reaches up to it, which makes it the smallest detectable effect judge() compares with max_noise.
    reference = Reference(0.0, 0.0, max(gap["holdout"].missing, detectable), f"exact null (family-wise alpha "
                          f"{alpha:g}), the holdout at the same size and the deficit an average cluster must "
                          f"show to be flagged ({detectable:.3g})", n)
    synthetic = gap["synthetic"]
    details = {"k": k, "alpha": alpha, "holdout_short": int(gap["holdout"].short.sum()),
               "holdout_missing": round(float(gap["holdout"].missing), 5), "detectable": round(detectable, 5),
               "short": [describe_cluster(ctx, fitted, int(i)) | {"deficit": round(float(synthetic.deficit[i]), 5)}
                         for i in np.argsort(-synthetic.deficit) if synthetic.short[i]]}
    yield judge(GAP, synthetic.missing, reference, rule, n=n, details=details)


def describe_cluster(ctx: RunContext, fitted: Clusters, i: int) -> dict:
    """A cluster in shareable terms: its real share, numeric means and dominant categories (labels masked)."""
    members = fitted.labels["real"] == i
    out = {"cluster": i + 1, "real_share": round(float(fitted.real_share[i]), 5)}
    if members.sum() < max(ctx.policy.mask_below, 1):
        return out | {"description": "a small cluster (fewer real rows than mask_below): not described"}
    real = ctx.tables.real
    out["numeric_means"] = {c: _sig(np.nanmean(numeric_values(real[c])[members])) for c in ctx.schema.numerical
                            if np.isfinite(numeric_values(real[c])[members]).any()}
    out["dominant"] = _dominant(ctx, members)
    return out


def _dominant(ctx: RunContext, members: np.ndarray) -> list[dict]:
    found = []
    for column in ctx.schema.categorical:
        codes = ctx.encoding.codes(ctx.tables.real, column)
        inside = np.bincount(codes[members & (codes >= 0)], minlength=len(ctx.schema[column].categories))
        overall = np.bincount(codes[codes >= 0], minlength=len(inside))
        top = int(np.argmax(inside))
        share = inside[top] / max(members.sum(), 1)
        lift = share / max(overall[top] / len(codes), 1e-12)
        if share >= DOMINANT_SHARE and lift >= MIN_LIFT:
            value = ctx.schema[column].categories[top]
            found.append({"column": column, "category": ctx.label(column, np.nan if value is None else value),
                          "share": round(float(share), 3), "lift": round(float(lift), 2)})
    return sorted(found, key=lambda d: -d["lift"])[:4]


def cluster_report(ctx: RunContext) -> dict:
    """Per cluster: real, synthetic and holdout mass, the honest band of a sample's share, and a description."""
    cached = ctx._cache.get(("coverage-cluster-gap",))
    if cached is None:
        return {}
    fitted, gap, n, alpha = cached
    z = stats.norm.ppf(0.5 + ctx.policy.band / 2.0)
    sd = np.sqrt(fitted.real_share * (1 - fitted.real_share) * (1.0 / n + 1.0 / len(fitted.labels["real"])))
    rows = []
    for i in range(fitted.k):
        rows.append(describe_cluster(ctx, fitted, i) | {
            "synthetic_share": round(float(gap["synthetic"].share[i]), 5),
            "holdout_share": round(float(gap["holdout"].share[i]), 5),
            "honest_low": round(float(max(fitted.real_share[i] - z * sd[i], 0.0)), 5),
            "honest_high": round(float(fitted.real_share[i] + z * sd[i]), 5),
            "short": bool(gap["synthetic"].short[i])})
    return {"n": n, "clusters": rows}


def _sig(x: float, digits: int = 4) -> float | None:
    return float(f"{x:.{digits}g}") if np.isfinite(x) else None
