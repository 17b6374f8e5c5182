"""A made-up but plausible CheckResult using every verdict and every plot kind: the report's test fixture
and a worked example of the plot-spec vocabulary for gate authors (``docs/report-plots.md``).

Nothing here is measured; the numbers only look like a check of a 2 %-copies synthetic table.
"""

from __future__ import annotations

import math

from synthgate.gates.base import GateResult
from synthgate.reference import POOLED_METHOD as POOLED
from synthgate.result import CheckResult
from synthgate.verdict import Reference, Rule, inconclusive, judge, rule_reference, skipped

_DECILES = [f"decile {i}" for i in range(1, 11)] + ["NaN"]


def _wave(n: int, phase: float, scale: float = 1.0) -> list[float]:
    """Deterministic, smooth, noise-looking numbers (no RNG needed for a fixture)."""
    return [scale * (math.sin(1.7 * i + phase) * 0.5 + math.sin(0.31 * i * i + 2 * phase) * 0.5) for i in range(n)]


def _shares(base: list[float], wobble: float, phase: float) -> list[float]:
    raw = [max(b * (1 + wobble * w), 0.0) for b, w in zip(base, _wave(len(base), phase))]
    total = sum(raw)
    return [round(x / total, 5) for x in raw]


def fidelity_result() -> GateResult:
    holdout = Reference(0.0203, 0.0153, 0.0250, POOLED, 6000)
    ks = judge("fidelity.ks_max", 0.0211, holdout, Rule("higher", 0.01, 0.03), n=6000, details={
        "worst": "fnlwgt",
        "items": {c: {"value": v, "honest_high": h} for c, v, h in
                  [("age", 0.0142, 0.0213), ("fnlwgt", 0.0211, 0.0241), ("education_num", 0.0098, 0.0222),
                   ("capital_gain", 0.0049, 0.0085), ("hours_per_week", 0.0066, 0.0201)]}})
    tvd = judge("fidelity.tvd_max", 0.0242, Reference(0.0273, 0.0199, 0.0360, POOLED, 6000),
                Rule("higher", 0.01, 0.03), n=6000)
    pair = judge("fidelity.pair_tvd_max", 0.0861, Reference(0.0847, 0.0789, 0.0910, POOLED, 6000),
                 Rule("higher", 0.02, 0.05), n=6000)
    corr = judge("fidelity.corr_gap", 0.0182, Reference(0.0282, 0.0187, 0.0423, POOLED, 6000),
                 Rule("higher", 0.03, 0.08), n=6000)
    deciles = [0.1] * 10 + [0.0]
    workclass = ["Private", "Self-emp-not-inc", "Local-gov", "State-gov", "Self-emp-inc", "Federal-gov", "‹rare›",
                 "unseen"]
    base = [0.70, 0.08, 0.063, 0.038, 0.032, 0.028, 0.059, 0.0]
    marginals = {
        "age": {"kind": "numerical", "labels": _DECILES, "real": deciles, "synthetic": _shares(deciles, 0.08, 1),
                "holdout": _shares(deciles, 0.06, 2)},
        "workclass": {"kind": "categorical", "labels": workclass, "real": base, "synthetic": _shares(base, 0.05, 3),
                      "holdout": _shares(base, 0.04, 4)},
        "sex": {"kind": "categorical", "labels": ["Male", "Female", "unseen"], "real": [0.669, 0.331, 0.0],
                "synthetic": [0.664, 0.336, 0.0], "holdout": [0.671, 0.329, 0.0]},
    }
    result = GateResult("fidelity", (ks, tvd, pair, corr), seconds=2.4, details={"marginals": marginals})
    return GateResult("fidelity", result.measurements, seconds=2.4, details=result.details,
                      summary=f"{ks.id}: {ks.reason}")


def privacy_result() -> GateResult:
    """Counts and curves only: which rows copy whom is private (``<out>/private/records.parquet``)."""
    copies = judge("privacy.exact_copy_rate", 0.012, Reference(0.0004, 0.0, 0.0009, POOLED, 6000),
                   Rule("higher", 0.0005, 0.002), n=6000, details={
                       "copies": 72, "columns_compared": ["age", "education", "hours_per_week"],
                       "per_column": {"plot": "reference", "title": "Copy rate if one column is ignored",
                                      "xlabel": "share of synthetic rows equal to a real row",
                                      "items": [{"label": c, "value": v, "reference": 0.0004, "low": 0.0,
                                                 "high": 0.0009, "verdict": "fail"}
                                                for c, v in [("age", 0.0131), ("education", 0.0124),
                                                             ("hours_per_week", 0.0128)]]}})
    dcr = judge("privacy.dcr_close_share", 0.061, Reference(0.05, 0.041, 0.059, POOLED, 6000),
                Rule("higher", 0.01, 0.03), n=6000)
    mia = judge("privacy.mia_distance_auc", 0.532, Reference(0.5, 0.49, 0.51, "permutation", 6000),
                Rule("higher", 0.01, 0.05), n=6000)
    grid = [round(0.004 * i, 3) for i in range(26)]
    holdout = [round(0.05 * (1 - math.exp(-x / 0.03)), 4) for x in grid]
    synthetic = [round(h + 0.012, 4) for h in holdout]
    edges = [round(0.02 * i, 2) for i in range(31)]
    holdout_hist = [round(max(0.0, 0.055 * math.exp(-((i - 9) / 6) ** 2)), 4) for i in range(30)]
    synthetic_hist = list(holdout_hist)
    synthetic_hist[0] += 0.012
    details = {
        "dcr_histogram": {"plot": "histogram", "title": "Distance to the closest real record",
                          "description": "A spike at zero distance is copied rows; honest data never gets there.",
                          "bins": edges, "series": {"holdout": holdout_hist, "synthetic": synthetic_hist},
                          "xlabel": "distance (mixed-type encoding)", "ylabel": "share of rows",
                          "marks": [{"x": 0.04, "label": "honest 1st percentile"}]},
        "copy_kinds": {"plot": "table", "title": "Copies by kind (counts, never positions)",
                       "columns": ["kind", "synthetic rows", "honest at this size", "verdict"],
                       "rows": [["verbatim copy of a real record", 72, 2, "fail"],
                                ["copy of a record unique in the real data", 70, 1, "fail"],
                                ["near copy", 9, 7, "pass"]]},
        "dcr_curve": {"plot": "lines", "title": "Distance to the closest training record",
                      "description": "share of rows at most this far from a training row; copies lift the "
                                     "synthetic line off zero",
                      "x": grid, "series": {"synthetic": synthetic, "holdout": holdout},
                      "bands": {"holdout": {"low": [max(0.0, h - 0.004) for h in holdout],
                                            "high": [h + 0.004 for h in holdout]}},
                      "xlabel": "distance to the closest training row (shared encoding)",
                      "ylabel": "share of rows", "marks": [{"x": 0.02, "label": "near-copy radius"}]},
    }
    return GateResult("privacy", (copies, dcr, mia), seconds=5.1, details=details,
                      summary=f"{copies.id}: {copies.reason}")


def bias_result() -> GateResult:
    gap = judge("bias.dp_gap", -0.061, Reference(-0.190, -0.205, -0.176, POOLED, 6000),
                Rule("either", 0.02, 0.2), n=6000)
    eo = judge("bias.eo_gap", 0.082, Reference(0.079, 0.06, 0.1, POOLED, 6000),
               Rule("higher", 0.02, 0.05), n=6000)
    groups = ["Female", "Male", "‹rare›"]
    details = {
        "positive_rate": {"plot": "bars", "title": "Share with income >50K, by sex",
                          "labels": groups, "series": {"real": [0.109, 0.306, 0.2], "synthetic": [0.190, 0.251, 0.2],
                                                       "holdout": [0.112, 0.301, 0.19]},
                          "ylabel": "positive rate", "highlight": ["Female"],
                          "marks": [{"y": 0.24, "label": "overall rate"}]},
        "gaps": {"plot": "heatmap", "title": "Synthetic minus real, by group and metric",
                 "x": ["positive rate", "TPR", "FPR", "accuracy"], "y": groups,
                 "values": [[0.081, 0.06, 0.02, -0.01], [-0.055, -0.02, 0.0, 0.005], [0.0, None, 0.01, 0.0]],
                 "center": 0, "zlabel": "difference"},
    }
    return GateResult("bias", (gap, eo), seconds=1.2, details=details, summary=f"{gap.id}: {gap.reason}")


def coverage_result() -> GateResult:
    share = judge("coverage.mode_share", 0.951, Reference(0.969, 0.93, 0.99, "analytic", 400),
                  Rule("lower", 0.02, 0.05, max_noise=0.02), n=400)
    rare = inconclusive("coverage.rare_cells", "only 41 real rows fall in rare cells; at least 200 are needed",
                        n=41, min_detectable=0.11)
    points = 2400
    real = {"x": [round(math.cos(i * 0.37) * (1 + 0.3 * math.sin(i)), 3) for i in range(points)],
            "y": [round(math.sin(i * 0.37) * (1 + 0.3 * math.cos(i * 1.3)), 3) for i in range(points)]}
    synthetic = {"x": [round(0.8 * v, 3) for v in real["x"][:1200]], "y": [round(0.8 * v, 3) for v in real["y"][:1200]]}
    details = {"projection": {"plot": "scatter", "title": "First two principal components",
                              "series": {"real": real, "synthetic": synthetic},
                              "xlabel": "PC 1", "ylabel": "PC 2"}}
    return GateResult("coverage", (share, rare), seconds=3.3, details=details, summary=f"{share.id}: {share.reason}")


def drift_result() -> GateResult:
    drift = judge("drift.ks_max_fresh", 0.019, Reference(0.021, 0.015, 0.027, POOLED, 3000),
                  Rule("higher", 0.01, 0.03), n=3000)
    gens = list(range(8))
    details = {"history": {"plot": "lines", "title": "Worst KS distance per generation",
                           "x": gens, "series": {"synthetic": [0.018, 0.019, 0.021, 0.02, 0.022, 0.019, 0.02, 0.019]},
                           "bands": {"synthetic": {"low": [0.015] * 8, "high": [0.027] * 8}},
                           "xlabel": "generation", "ylabel": "KS distance",
                           "marks": [{"y": 0.057, "label": "fail limit"}]}}
    fresh = judge("drift.fresh_newer", 0.0, rule_reference(0.0, n=1), Rule("higher", 0.0, 0.5), n=1,
                  why="the fresh table was collected after the real one (0: not older)")
    budget = skipped("drift.label_shift", "no target declared in the metadata")
    return GateResult("drift", (drift, fresh, budget), seconds=0.8, details=details,
                      summary=f"{drift.id}: {drift.reason}")


def example_result(*, with_error: bool = True) -> CheckResult:
    """Every verdict (pass, warn, fail, inconclusive, skipped, error) and every plot kind, in one result."""
    gates = [fidelity_result(), privacy_result(), bias_result(), coverage_result(), drift_result(),
             GateResult.skipped("provenance", "needs ledger")]
    if with_error:
        gates.append(GateResult.crashed("validation", "KeyError: 'income' (at validation.py:88)", seconds=0.02))
    inputs = {role: {"rows": rows, "columns": 15, "sha256": (f"{i}" * 64)[:64]}
              for i, (role, rows) in enumerate([("real", 6000), ("holdout", 6000), ("synthetic", 6000),
                                                ("fresh", 3000)])}
    policy = {"seed": 7, "min_rows": 200, "max_categories": 1000, "resamples": 100, "band": 0.95, "mask_below": 10,
              "fail_on": "fail", "fail_on_inconclusive": ["privacy"], "require_ledger": False,
              "gates_enabled": None, "ledger": None,
              "rules": {"privacy.exact_copy_rate": {"warn_excess": None, "fail_excess": 0.002, "max_noise": None}},
              "gates": {"privacy": {"k": 5}}}
    return CheckResult(tuple(gates), seed=7, inputs=inputs,
                       versions={"python": "3.11.7", "synthgate": "0.1.0", "numpy": "2.4.6"}, policy=policy,
                       notes=("column 'fnlwgt_id' excluded: unique per row (an identifier)",),
                       created="2026-01-01T00:00:00+00:00")


def example_variants() -> dict[str, CheckResult]:
    """Results for a demo page: an honest variant, one whose copies only privacy catches, and the full example."""
    honest_privacy = GateResult("privacy", tuple(
        judge(m.id, m.reference.value, m.reference, Rule(m.worse, 0.01, m.threshold or 0.01), n=m.n)
        for m in privacy_result().measurements), seconds=4.0)
    honest = CheckResult((fidelity_result(), honest_privacy, drift_result()), seed=7,
                         versions={"synthgate": "0.1.0"}, created="2026-01-01T00:00:00+00:00")
    copies = CheckResult((fidelity_result(), privacy_result(), drift_result()), seed=7,
                         versions={"synthgate": "0.1.0"}, created="2026-01-01T00:00:00+00:00")
    return {"honest": honest, "copies": copies, "everything": example_result()}
