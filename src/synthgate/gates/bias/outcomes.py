"""Outcome rates per group and the demographic-parity gap, synthetic against real.

- ``bias.outcome_rate_gap``: P(target = positive | group), synthetic minus real, for the group furthest
  beyond its honest band (either direction);
- ``bias.dp_gap_amplification``: demographic-parity gap (largest minus smallest group positive rate, as
  fairlearn's ``demographic_parity_difference`` between groups) of synthetic minus that of real;
- ``bias.dp_gap_reduction``: the same, real minus synthetic: a silently "fixed" bias is a distortion too,
  unless the policy requested it (``target_rate``), in which case real is reweighted to the request first.
Reference: a holdout-sized stand-in sample in the synthetic's place against a pseudo-real table (real and
holdout rows re-split at random, see ``BiasData``), maximised over items alike.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from synthgate.gates.bias.calibrate import naming, ratio, reference_plot, spread_of, worst_of
from synthgate.gates.bias.data import BiasData
from synthgate.gates.bias.groups import Grouping
from synthgate.gates.context import RunContext
from synthgate.reference import proportion_sd
from synthgate.verdict import Measurement, Rule, inconclusive, judge, skipped

IDS = ("bias.outcome_rate_gap", "bias.dp_gap_amplification", "bias.dp_gap_reduction")


@dataclass(frozen=True)
class _Rates:
    """One grouping's positive rates: expected (real), synthetic (compared rows), and per honest draw the
    stand-in's rates and the pseudo-real's."""

    grouping: Grouping
    eligible: np.ndarray
    expected: np.ndarray
    synthetic: np.ndarray
    honest: np.ndarray
    honest_expected: np.ndarray

    @classmethod
    def of(cls, data: BiasData, g: Grouping) -> "_Rates":
        _, expected = data.expected(g)
        counts, positives = data.tallies(g, "synthetic")
        h_counts, h_positives = data.tallies(g, "honest")
        return cls(g, data.eligible(g), expected, ratio(positives, counts)[0], ratio(h_positives, h_counts),
                   data.honest_expected(g)[1])

    def differences(self) -> tuple[np.ndarray, np.ndarray]:
        """Rate minus expected rate per group: synthetic (size,) and honest draws (draws, size)."""
        return self.synthetic - self.expected, self.honest - self.honest_expected

    def gaps(self) -> tuple[float, float, np.ndarray]:
        """Demographic-parity gap of real (expected), of synthetic, and honest gap differences per draw."""
        honest = spread_of(self.honest, self.eligible) - spread_of(self.honest_expected, self.eligible)
        return float(spread_of(self.expected, self.eligible)), float(spread_of(self.synthetic, self.eligible)), honest


def outcome_measurements(ctx: RunContext, data: BiasData, rules: dict[str, Rule]) -> list[Measurement]:
    if data.outcome is None:
        return [skipped(mid, f"no outcome to measure: {data.no_outcome}") for mid in IDS]
    if not data.groupings:
        return [skipped(mid, "no usable sensitive attribute: " + "; ".join(data.notes)) for mid in IDS]
    rates = [_Rates.of(data, g) for g in data.groupings]
    return [_rate_gap(ctx, data, rates, rules[IDS[0]]), *_dp_gap(ctx, data, rates, rules)]


def _rate_gap(ctx: RunContext, data: BiasData, rates: list[_Rates], rule: Rule) -> Measurement:
    mid = IDS[0]
    items, values, draws, small = [], [], [], []
    for r in rates:
        g = r.grouping
        synthetic, honest = r.differences()
        small += data.too_small(g)
        for i in np.flatnonzero(r.eligible):
            items.append({"grouping": g.name, "group": g.labels[i], "expected_rate": _num(r.expected[i]),
                          "synthetic_rate": _num(r.synthetic[i])})
            values.append(synthetic[i])
            draws.append(honest[:, i])
    if not items:
        return inconclusive(mid, f"every group has fewer than {data.settings.min_group_rows} expected rows",
                            n=data.n, details={"too_small": small},
                            min_detectable=_detectable(data, small))
    worst = worst_of(np.array(values), np.column_stack(draws), worse="either", level=ctx.policy.band,
                     n=data.n, method=_method(data))
    labels = [f"{i['grouping']} = {i['group']}" for i in items]
    details = {"worst": items[worst.pick], "groups": items, "too_small": small, "positive": data.outcome.label,
               "compared_with": _compared(data),
               "per_group": reference_plot(f"Positive rate ({data.outcome.label}) per group, synthetic minus real",
                                           labels, np.array(values), worst, rule, "difference in positive rate")}
    top = items[worst.pick]
    return naming(judge(mid, float(values[worst.pick]), worst.reference, rule, n=data.n, details=details),
                  f"{labels[worst.pick]}, positive rate {_pct(top['synthetic_rate'])} vs {_pct(top['expected_rate'])}")


def _dp_gap(ctx: RunContext, data: BiasData, rates: list[_Rates], rules: dict[str, Rule]) -> list[Measurement]:
    items, values, draws = [], [], []
    for r in rates:
        expected, synthetic, honest = r.gaps()
        if not np.isfinite(expected):
            continue
        items.append({"grouping": r.grouping.name, "expected_gap": expected, "synthetic_gap": _num(synthetic),
                      **_extremes(r)})
        values.append(synthetic - expected)
        draws.append(honest)
    if not items:
        why = f"no attribute has two groups with {data.settings.min_group_rows} expected rows or more"
        return [inconclusive(mid, why, n=data.n) for mid in IDS[1:]]
    values, draws = np.array(values), np.column_stack(draws)
    found = []
    labels = [i["grouping"] for i in items]
    for mid, sign, what in ((IDS[1], 1.0, "synthetic minus real"), (IDS[2], -1.0, "real minus synthetic")):
        worst = worst_of(sign * values, sign * draws, worse="higher", level=ctx.policy.band, n=data.n,
                         method=_method(data))
        details = {"worst": items[worst.pick], "groupings": items, "positive": data.outcome.label,
                   "compared_with": _compared(data),
                   "per_grouping": reference_plot(f"Demographic-parity gap, {what}", labels, sign * values, worst,
                                                  rules[mid], "difference in the gap")}
        top = items[worst.pick]
        where = (f"{top['grouping']} gap {_pct(top['synthetic_gap'])} vs {_pct(top['expected_gap'])}"
                 f" (lowest rate: {top.get('synthetic_lowest')})")
        found.append(naming(judge(mid, float(sign * values[worst.pick]), worst.reference, rules[mid], n=data.n,
                                  details=details), where))
    return found


def _extremes(r: _Rates) -> dict[str, str | None]:
    """Which groups have the highest and lowest positive rate in real and in synthetic."""
    out = {}
    for role, rates in (("expected", r.expected), ("synthetic", r.synthetic)):
        picked = np.where(r.eligible & np.isfinite(rates), rates, np.nan)
        if np.isfinite(picked).any():
            out[f"{role}_highest"] = r.grouping.labels[int(np.nanargmax(picked))]
            out[f"{role}_lowest"] = r.grouping.labels[int(np.nanargmin(picked))]
    return out


def _detectable(data: BiasData, small: list[dict]) -> float | None:
    if not small:
        return None
    rows = max(max(s["expected_rows"] for s in small), 1.0)
    return float(1.96 * np.sqrt(2.0) * proportion_sd(0.5, int(rows)))


def _method(data: BiasData) -> str:
    return "real+holdout re-splits" + (", reweighted" if data.requested else "")


def _compared(data: BiasData) -> str:
    return "real reweighted to the requested rebalance" if data.requested else "real"


def _pct(x: float | None) -> str:
    return "n/a" if x is None else f"{100 * x:.1f} %"


def _num(x: float) -> float | None:
    x = float(x)
    return x if np.isfinite(x) else None
