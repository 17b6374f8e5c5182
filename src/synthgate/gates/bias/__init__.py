"""Bias amplification: fairness benchmarks of the synthetic table against real, not fidelity.

Measurements (sensitive attributes, target and positive label from the metadata). Each has its honest
reference: real holdout rows in the synthetic's place at the same size, compared with real the same way
(real and holdout rows re-split at random, so both sides carry their sampling noise), maximised over
groups like the value (max-T: each group against its own band, widened for the number of groups):

- ``bias.representation_gap``: worst relative shortfall of a group's share (each sensitive attribute and
  each intersection of two), ``1 - synthetic share / real share``;
- ``bias.outcome_rate_gap``: a group's positive-outcome rate, synthetic minus real (either direction);
- ``bias.dp_gap_amplification`` / ``bias.dp_gap_reduction``: the demographic-parity gap of the data,
  synthetic minus real / real minus synthetic;
- ``bias.model_dp_diff`` / ``bias.model_eo_diff``: demographic-parity / equalized-odds difference of a
  classifier (logistic regression, gradient boosting) trained on synthetic minus one trained on real,
  both tested on real holdout rows (reference: pairs of models trained on disjoint real rows, on
  bootstrap resamples of the test rows);
- ``bias.rebalance_share`` / ``bias.rebalance_rate``: a rebalance the policy requested
  (``[gates.bias] rebalance`` / ``target_rate``), checked in the output against its sampling interval.
  When a rebalance is requested, the other measurements compare with real reweighted to the request.

Groups with fewer than ``min_group_rows`` expected rows are listed as too small in the details, never
dropped silently; with no group large enough a measurement is inconclusive with its smallest detectable
effect. No target: outcome and model measurements are skipped with the reason; no sensitive attribute:
the whole gate is skipped.

Passes: the real holdout, or the default CART synthesizer, as the synthetic table.
Fails: ``defects.skew_outcome(sex=Female, factor=0.5)`` on ``bias.model_eo_diff`` and
``bias.dp_gap_amplification`` (the fidelity gate still passes); ``defects.underrepresent(sex=Female, factor=0.5)`` on ``bias.representation_gap``; an unmet
``rebalance`` on ``bias.rebalance_share``.
"""

from __future__ import annotations

from typing import Any, Iterable

from synthgate.gates.base import Gate
from synthgate.gates.bias.data import BiasData
from synthgate.gates.bias.models import model_measurements
from synthgate.gates.bias.outcomes import outcome_measurements
from synthgate.gates.bias.rebalance import rebalance_rate, rebalance_share
from synthgate.gates.bias.representation import representation_gap
from synthgate.gates.bias.settings import BiasSettings
from synthgate.gates.context import Need, RunContext
from synthgate.verdict import Measurement, Rule

__all__ = ["BiasGate", "BiasSettings"]


class BiasGate(Gate):
    name = "bias"
    title = "Bias amplification (fairness)"
    needs = frozenset({Need.SENSITIVE})
    Settings = BiasSettings
    # Calibrated (benchmarks/results/calibration): a gate judges six measurements, each beyond its 95 % band
    # 2.5 % of the time for an honest table, so the allowed excesses are what keeps the gate's false alarms
    # within 5 %; a 10-point move of one group's positive rate still fails (outcome_rate_gap, dp_gap_reduction):
    # outcome_rate_gap fails 5 points beyond its band, since a band of about +-3 points (a group of ~1,000 rows)
    # plus the former 10-point allowance let census-income's men lose every positive outcome with only a WARN.
    # Its effect size stays the 10-point move: a band up to 10 points wide can still pass an honest table.
    rules = {
        "bias.representation_gap": Rule("higher", 0.05, 0.10, max_noise=0.2, description="worst relative shortfall of a group's "
                                                                          "share of the rows"),
        "bias.outcome_rate_gap": Rule("either", 0.03, 0.05, max_noise=0.1, description="a group's positive-outcome rate, "
                                                                        "synthetic minus real"),
        "bias.dp_gap_amplification": Rule("higher", 0.03, 0.05, max_noise=0.1, description="demographic-parity gap of the data, "
                                                                            "synthetic minus real"),
        "bias.dp_gap_reduction": Rule("higher", 0.03, 0.05, max_noise=0.1, description="demographic-parity gap of the data, "
                                                                        "real minus synthetic"),
        "bias.model_dp_diff": Rule("higher", 0.04, 0.08, max_noise=0.1, description="demographic-parity difference of a model, "
                                                                     "synthetic-trained minus real-trained"),
        "bias.model_eo_diff": Rule("higher", 0.05, 0.12, max_noise=0.2, description="equalized-odds difference of a model, "
                                                                     "synthetic-trained minus real-trained"),
        # Effect sizes apart from fail_excess: the sampling band alone is wider than 0.01 below ~40,000 rows,
        # so a met request could never pass; a 5-point miss is what matters.
        "bias.rebalance_share": Rule("either", 0.005, 0.01, max_noise=0.05, description="requested group share "
                                                                                       "missed by the synthetic table"),
        "bias.rebalance_rate": Rule("either", 0.005, 0.01, max_noise=0.05, description="requested group positive "
                                                                                      "rate missed by the synthetic "
                                                                                      "table"),
    }

    def measure(self, ctx: RunContext) -> Iterable[Measurement]:
        data = BiasData.of(ctx, self.settings(ctx))
        rules = {mid: self.rule(ctx, mid) for mid in self.rules}
        yield representation_gap(ctx, data, rules["bias.representation_gap"])
        yield from outcome_measurements(ctx, data, rules)
        yield from model_measurements(ctx, data, rules)
        yield rebalance_share(ctx, data, rules["bias.rebalance_share"])
        yield rebalance_rate(ctx, data, rules["bias.rebalance_rate"])

    def report_details(self, ctx: RunContext, measurements: tuple[Measurement, ...]) -> dict[str, Any]:
        from synthgate.gates.bias.tables import bias_tables

        return bias_tables(ctx, BiasData.of(ctx, self.settings(ctx)), measurements)
