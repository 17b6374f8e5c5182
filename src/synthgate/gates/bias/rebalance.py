"""Requested rebalancing: did the synthetic table meet the policy's requested shares and positive rates?

The request's reweighting of real (raking) is ``synthgate.gates.bias.raking``; here the synthetic table's
group shares (``bias.rebalance_share``) and positive rates (``bias.rebalance_rate``) are judged against the
requested values, with their sampling interval.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np

from synthgate.gates.bias.calibrate import group_sums, naming, ratio, reference_plot, worst_of
from synthgate.gates.bias.data import BiasData
from synthgate.gates.bias.raking import named_requests, request_indices
from synthgate.gates.context import RunContext
from synthgate.reference import proportion_sd
from synthgate.verdict import Measurement, Rule, inconclusive, judge, skipped


def rebalance_share(ctx: RunContext, data: BiasData, rule: Rule) -> Measurement:
    """``bias.rebalance_share``: requested group shares against the synthetic table's shares."""
    mid = "bias.rebalance_share"
    if not data.settings.rebalance:
        return skipped(mid, "no rebalance requested (policy [gates.bias] rebalance)")
    rng = ctx.rng(mid)
    n = len(ctx.tables.synthetic)
    items, values, draws = [], [], []
    for g, wanted in named_requests(data.groupings, data.settings.rebalance):
        shares, _ = data.expected(g)
        synthetic = group_sums(g.codes["synthetic"], g.size)[0] / n
        honest = rng.multinomial(n, shares / shares.sum(), size=ctx.policy.resamples) / n
        for i, target in request_indices(g, wanted, "rebalance").items():
            items.append((g, i, target, synthetic[i]))
            values.append(synthetic[i] - target)
            draws.append(honest[:, i] - target)
    worst = worst_of(np.array(values), np.column_stack(draws), worse="either", level=ctx.policy.band,
                     n=n, method="multinomial at the requested shares")
    requests = [{"attribute": g.name, "group": g.labels[i], "requested": t, "synthetic": float(s)}
                for g, i, t, s in items]
    labels = [f"{r['attribute']} = {r['group']}" for r in requests]
    top = requests[worst.pick]
    details = {"worst": top, "requests": requests,
               "per_request": reference_plot("Group share, synthetic minus requested", labels, np.array(values),
                                             worst, rule, "share difference")}
    return naming(judge(mid, float(values[worst.pick]), worst.reference, rule, n=n, details=details),
                  f"{labels[worst.pick]}, share {top['synthetic']:.4g} vs requested {top['requested']:.4g}")


def rebalance_rate(ctx: RunContext, data: BiasData, rule: Rule) -> Measurement:
    """``bias.rebalance_rate``: requested positive rates against the synthetic table's group rates."""
    mid = "bias.rebalance_rate"
    if not data.settings.target_rate:
        return skipped(mid, "no target rate requested (policy [gates.bias] target_rate)")
    if data.outcome is None:
        return skipped(mid, f"no outcome to measure: {data.no_outcome}")
    rng = ctx.rng(mid)
    y = data.outcome.y["synthetic"]
    items, small, values, draws = [], [], [], []
    for g, wanted in named_requests(data.groupings, data.settings.target_rate):
        counts = group_sums(g.codes["synthetic"], g.size)[0]
        rates = ratio(group_sums(g.codes["synthetic"], g.size, y)[0], counts)
        for i, target in request_indices(g, wanted, "target_rate").items():
            entry = {"attribute": g.name, "group": g.labels[i], "requested": target,
                     "synthetic": _num(rates[i]), "synthetic_rows": int(counts[i])}
            if counts[i] < data.settings.min_group_rows:
                small.append(entry)
                continue
            items.append(entry)
            values.append(rates[i] - target)
            draws.append(rng.binomial(int(counts[i]), target, size=ctx.policy.resamples) / counts[i] - target)
    if not items:
        detectable = min(1.96 * proportion_sd(e["requested"], max(e["synthetic_rows"], 1)) for e in small)
        return inconclusive(mid, f"every requested group has fewer than {data.settings.min_group_rows} "
                                 "synthetic rows", min_detectable=detectable, details={"too_small": small})
    worst = worst_of(np.array(values), np.column_stack(draws), worse="either", level=ctx.policy.band,
                     n=0, method="binomial at the requested rate")
    top = items[worst.pick]
    labels = [f"{e['attribute']} = {e['group']}" for e in items]
    details = {"worst": top, "requests": items, "too_small": small,
               "per_request": reference_plot("Positive rate, synthetic minus requested", labels, np.array(values),
                                             worst, rule, "rate difference")}
    reference = replace(worst.reference, n=top["synthetic_rows"])
    return naming(judge(mid, float(values[worst.pick]), reference, rule, n=top["synthetic_rows"], details=details),
                  f"{labels[worst.pick]}, positive rate {top['synthetic']:.4g} vs requested {top['requested']:.4g}")


def _num(x: Any) -> float | None:
    x = float(x)
    return x if np.isfinite(x) else None
