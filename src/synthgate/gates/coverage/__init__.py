"""Coverage and mode collapse: did the synthetic data keep all of the real data's regions, rare categories
and tails, or did it crowd into the typical part?

Measurements (each against its honest reference at the same size):

- ``coverage.prdc_coverage`` (worse lower): PRDC coverage, k = 5, sizes matched; reference: the analytic
  expectation 1 - prod (N-i)/(N+M-i) (0.9688 at N = M) and the holdout's own score, never 1.0;
- ``coverage.prdc_density`` (worse higher): PRDC density, honest 1; much higher means crowding;
  precision and recall are in its details (no closed form, not judged);
- ``coverage.collapse`` (worse higher): the collapse signature, coverage below its band *and* density above it
  together: the smaller of the density rise and the coverage drop (rescaled to density's band), against 0;
- ``coverage.category_retention`` (worse lower): per column, the frequency-weighted share of the mass of
  its rare categories (under ``rare_share`` of real) that synthetic kept, worst column (holdout resamples);
- ``coverage.extinct_categories`` (worse higher): real categories an honest sample of this size shows at
  least ``min_expected`` times, absent or significantly under-represented in synthetic (listed); exact
  null 0 (family-wise ``alpha``) widened to the holdout's own count;
- ``coverage.tail_ratio_min``, ``coverage.outlier_ratio_min`` (worse lower): per numerical column, the
  share beyond real's 1 %/99 % quantiles (resp. IQR fences) over real's own share, worst column;
- ``coverage.spread_ratio`` (worse lower): synthetic std / real std, worst column. For these three, columns
  whose own honest band is wider than the rule's ``max_noise`` are set aside and listed as not judged;
- ``coverage.cluster_mass_gap`` (worse higher): the real mass missing from k-means clusters of the real
  data that synthetic left significantly short (listed and described); exact null 0 and the holdout.

Worst-over-columns references are holdout resamples at the synthetic's size, worst-cased the same way
resample by resample; PRDC also uses the analytic null (``synthgate.reference.prdc``).
Passes: the real holdout as "synthetic"; an honest CART synthesizer.
Fails: ``defects.drop_modes`` (1 of 10 modes) on prdc_coverage and cluster_mass_gap; ``defects.shrink_spread``
(0.8) and ``defects.truncate_tails`` (|z| < 2) on tail_ratio_min; ``defects.drop_category`` (a category of
at least 1 %) on extinct_categories.
"""

from __future__ import annotations

import math
from typing import Iterable

from pydantic import BaseModel, ConfigDict, Field

from synthgate.gates.base import Gate
from synthgate.gates.context import RunContext
from synthgate.gates.coverage.categories import category_measurements, category_report
from synthgate.gates.coverage.clusters import cluster_measurements, cluster_report
from synthgate.gates.coverage.prdc import matched_size, prdc, prdc_runs
from synthgate.gates.coverage.tails import tail_measurements, tail_report
from synthgate.verdict import Measurement, Reference, Rule, inconclusive, judge, skipped

__all__ = ["CoverageGate", "CoverageSettings", "prdc"]

MIN_PRDC_ROWS = 50


class CoverageSettings(BaseModel):
    """The policy's ``[gates.coverage]`` section."""

    model_config = ConfigDict(extra="forbid")
    k: int = Field(5, ge=1, le=50, description="k of the PRDC k-nearest-neighbour balls")
    prdc_max_rows: int = Field(2000, ge=100, description="largest matched PRDC sample size")
    prdc_repeats: int = Field(6, ge=3, description="seeded PRDC draws averaged (and behind the honest sd)")
    clusters: int = Field(12, ge=2, le=200, description="k-means clusters of the real data")
    cluster_fit_rows: int = Field(5000, ge=100, description="real rows k-means is fitted on (seeded subsample)")
    min_expected: float = Field(5.0, gt=0, description="smallest expected count of a category or tail judged")
    alpha: float = Field(0.01, gt=0, lt=1, description="family-wise level of the lost-category and short-cluster "
                                                       "tests (Bonferroni)")
    under_ratio: float = Field(0.5, gt=0, le=1, description="a lost category keeps less than this of its count")
    rare_share: float = Field(0.05, gt=0, le=1, description="categories under this real share are 'rare'")


class CoverageGate(Gate):
    name = "coverage"
    title = "Coverage and mode collapse"
    Settings = CoverageSettings
    rules = {
        "coverage.prdc_coverage": Rule("lower", 0.01, 0.03, max_noise=0.05,
                                       description="PRDC coverage of the real data by synthetic (k = 5)"),
        "coverage.prdc_density": Rule("higher", 0.15, 0.5, description="PRDC density (crowding of synthetic)"),
        "coverage.collapse": Rule("higher", 0.05, 0.15,
                                  description="density rise and coverage drop together (the smaller, in density "
                                              "units)"),
        "coverage.category_retention": Rule("lower", 0.05, 0.15, max_noise=0.3,
                                            description="rare-category mass kept, worst column"),
        "coverage.extinct_categories": Rule("higher", 0.0, 0.5,
                                            description="real categories lost in synthetic (count)"),
        "coverage.tail_ratio_min": Rule("lower", 0.1, 0.25, max_noise=0.5,
                                        description="mass beyond the real 1 %/99 % quantiles, worst column"),
        "coverage.outlier_ratio_min": Rule("lower", 0.1, 0.25, max_noise=0.5,
                                           description="mass beyond the real IQR fences, worst column"),
        "coverage.spread_ratio": Rule("lower", 0.05, 0.1, max_noise=0.1,
                                      description="synthetic std over real std, worst column"),
        "coverage.cluster_mass_gap": Rule("higher", 0.01, 0.03, max_noise=0.05,
                                          description="real mass missing over k-means clusters"),
    }

    def measure(self, ctx: RunContext) -> Iterable[Measurement]:
        settings = self.settings(ctx)
        yield from self._prdc(ctx, settings)
        yield from category_measurements(ctx, lambda mid: self.rule(ctx, mid), min_expected=settings.min_expected,
                                         alpha=settings.alpha, under_ratio=settings.under_ratio,
                                         rare_share=settings.rare_share)
        yield from tail_measurements(ctx, lambda mid: self.rule(ctx, mid), min_expected=settings.min_expected)
        yield from cluster_measurements(ctx, self.rule(ctx, "coverage.cluster_mass_gap"),
                                        clusters=settings.clusters, fit_rows=settings.cluster_fit_rows,
                                        alpha=settings.alpha)

    def _prdc(self, ctx: RunContext, settings: CoverageSettings) -> Iterable[Measurement]:
        ids = ("coverage.prdc_coverage", "coverage.prdc_density", "coverage.collapse")
        if ctx.encoding.dim == 0:
            yield from (skipped(mid, "no usable columns to measure distances on") for mid in ids)
            return
        m, _ = matched_size(ctx, settings.prdc_max_rows)
        if m < max(MIN_PRDC_ROWS, 2 * settings.k):
            why = f"PRDC needs matched samples of at least {MIN_PRDC_ROWS} rows; the smallest table gives {m}"
            yield from (inconclusive(mid, why, n=m, worse="lower" if mid.endswith("coverage") else "higher")
                        for mid in ids)
            return
        runs = prdc_runs(ctx, k=settings.k, max_rows=settings.prdc_max_rows, repeats=settings.prdc_repeats)
        details = runs.details()
        coverage = judge("coverage.prdc_coverage", runs.mean("synthetic", "coverage"),
                         runs.reference("coverage", level=ctx.policy.band), self.rule(ctx, "coverage.prdc_coverage"),
                         n=m, details=details)
        density_ref = runs.reference("density", level=ctx.policy.band)
        density = judge("coverage.prdc_density", runs.mean("synthetic", "density"), density_ref,
                        self.rule(ctx, "coverage.prdc_density"), n=m, details=details)
        yield coverage
        yield density
        yield self._collapse(ctx, coverage, density)

    def _collapse(self, ctx: RunContext, coverage: Measurement, density: Measurement) -> Measurement:
        """The collapse signature as one effect: the smaller of the density rise and the coverage drop, both from
        their honest centres, the drop rescaled to density's half-width. Its excess beyond the band is the smaller
        of the two excesses, so it fails only when both are beyond their bands together."""
        mid = "coverage.collapse"
        ref_c, ref_d = coverage.reference, density.reference
        w_d, w_c = density.min_detectable, coverage.min_detectable
        if ref_c is None or ref_d is None or not w_c or w_d is None:  # one of them not judged: neither is this
            return judge(mid, math.nan, ref_d, self.rule(ctx, mid), n=density.n)
        scale = w_d / w_c
        value = min(density.value - ref_d.value, (ref_c.value - coverage.value) * scale)
        reference = Reference(0.0, -w_d, w_d, "density and coverage honest bands (coverage drop x "
                              f"{scale:.3g}, in density units)", density.n)
        details = {"coverage_excess": _rounded(coverage.excess), "density_excess": _rounded(density.excess),
                   "coverage_scale": _rounded(scale)}
        shape = ("synthetic rows crowd into part of the real data and leave the rest uncovered"
                 if min(coverage.excess, density.excess) > 0 else "no collapse signature (both are needed together)")
        why = (f"{shape}: coverage {coverage.value:.4g} vs honest {ref_c.value:.4g} [{ref_c.low:.4g}, "
               f"{ref_c.high:.4g}], density {density.value:.4g} vs honest {ref_d.value:.4g} [{ref_d.low:.4g}, "
               f"{ref_d.high:.4g}]")
        return judge(mid, value, reference, self.rule(ctx, mid), n=density.n, details=details, why=why)

    def report_details(self, ctx: RunContext, measurements: tuple[Measurement, ...]) -> dict:
        out: dict = {}
        settings = self.settings(ctx)
        m, _ = matched_size(ctx, settings.prdc_max_rows)
        runs = ctx._cache.get(("coverage-prdc", settings.k, m, settings.prdc_repeats))
        if runs is not None:
            out["prdc"] = {metric: {"synthetic": _listed(runs.values("synthetic", metric)),
                                    "holdout": _listed(runs.values("holdout", metric)),
                                    **({"expected": runs.details()[f"expected_{metric}"]}
                                       if metric in ("coverage", "density") else {})}
                           for metric in ("precision", "recall", "density", "coverage")}
        for key, part in (("tails", tail_report(ctx)), ("categories", category_report(ctx)),
                          ("clusters", cluster_report(ctx))):
            if part:
                out[key] = part
        return out


def _listed(values) -> list[float]:
    """Finite values only (recall exists on the first draw alone), rounded for JSON."""
    return [round(float(v), 5) for v in values if math.isfinite(v)]


def _rounded(x: float | None) -> float | None:
    return None if x is None or not math.isfinite(x) else round(float(x), 5)
