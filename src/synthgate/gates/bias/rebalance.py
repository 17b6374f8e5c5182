"""Requested rebalancing: the reweighted real data it implies, and whether the output met the request.

A policy may ask for a group's share (``rebalance``) or positive rate (``target_rate``). Real rows are then
reweighted by raking (iterative proportional fitting, Deming & Stephan 1940) until real meets every request
while keeping everything else as close to real as the requests allow; the weight of a row depends only on
its groups and outcome, so the same weights carry over to the holdout. The other bias measurements then
compare the synthetic table with this reweighted real (a requested fix is not a distortion), and honest
draws are holdout rows drawn in proportion to the weights.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np

from synthgate.errors import PolicyError
from synthgate.gates.bias.calibrate import group_sums, naming, ratio, reference_plot, worst_of
from synthgate.gates.bias.groups import BiasData, Grouping, Outcome
from synthgate.gates.bias.settings import BiasSettings
from synthgate.gates.context import RunContext
from synthgate.reference import proportion_sd
from synthgate.verdict import Measurement, Rule, inconclusive, judge, skipped

RAKING_ROUNDS = 200


def request_weights(ctx: RunContext, groupings: list[Grouping], outcome: Outcome | None,
                    settings: BiasSettings) -> dict[str, np.ndarray] | None:
    """Real and holdout row weights that meet the policy's requests; ``None`` when nothing is requested."""
    if not settings.requested:
        return None
    if settings.target_rate and outcome is None:
        raise PolicyError("policy [gates.bias] target_rate needs a target column (metadata: target).")
    shares = [(g, _indices(g, wanted, "rebalance")) for g, wanted in _named(groupings, settings.rebalance)]
    rates = [(g, _indices(g, wanted, "target_rate")) for g, wanted in _named(groupings, settings.target_rate)]
    y = outcome.y if outcome is not None and rates else None
    w = _rake(shares, rates, None if y is None else y["real"], len(ctx.tables.real))
    involved = [g for g, _ in shares + rates]
    cells = {role: _cells(involved, y, role) for role in ("real", "holdout")}
    known, first = np.unique(cells["real"], return_index=True)
    found = np.searchsorted(known, cells["holdout"]).clip(0, len(known) - 1)
    holdout = np.where(known[found] == cells["holdout"], w[first][found], 1.0)
    return {"real": w, "holdout": holdout}


def rebalance_share(ctx: RunContext, data: BiasData, rule: Rule) -> Measurement:
    """``bias.rebalance_share``: requested group shares against the synthetic table's shares."""
    mid = "bias.rebalance_share"
    if not data.settings.rebalance:
        return skipped(mid, "no rebalance requested (policy [gates.bias] rebalance)")
    rng = ctx.rng(mid)
    n = len(ctx.tables.synthetic)
    items, values, draws = [], [], []
    for g, wanted in _named(data.groupings, data.settings.rebalance):
        shares, _ = data.expected(g)
        synthetic = group_sums(g.codes["synthetic"], g.size)[0] / n
        honest = rng.multinomial(n, shares / shares.sum(), size=ctx.policy.resamples) / n
        for i, target in _indices(g, wanted, "rebalance").items():
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
    for g, wanted in _named(data.groupings, data.settings.target_rate):
        counts = group_sums(g.codes["synthetic"], g.size)[0]
        rates = ratio(group_sums(g.codes["synthetic"], g.size, y)[0], counts)
        for i, target in _indices(g, wanted, "target_rate").items():
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


def _named(groupings: list[Grouping], requests: dict[str, dict[str, float]]):
    singles = {g.name: g for g in groupings if len(g.columns) == 1}
    for attribute, wanted in requests.items():
        if attribute not in singles:
            raise PolicyError(f"policy [gates.bias] names {attribute!r}, which is not a usable sensitive attribute; "
                              f"sensitive attributes: {sorted(singles)} (metadata: sensitive).")
        yield singles[attribute], wanted


def _indices(g: Grouping, wanted: dict[str, float], key: str) -> dict[int, float]:
    """Requested groups by code; a policy names groups by their value as text ("Female", "1", "NaN")."""
    names = {("NaN" if v[0] is None else str(v[0])): i for i, v in enumerate(g.values)}
    unknown = sorted(set(wanted) - set(names))
    if unknown:
        raise PolicyError(f"policy [gates.bias] {key}.{g.name} names groups {unknown} that real.{g.name} does not "
                          "have.")
    return {names[label]: float(value) for label, value in wanted.items()}


def _rake(shares: list, rates: list, y: np.ndarray | None, rows: int) -> np.ndarray:
    w = np.ones(rows)
    for _ in range(RAKING_ROUNDS):
        before = w.copy()
        for g, wanted in shares:
            w = w * _share_factors(g, wanted, w)[g.codes["real"]]
        for g, wanted in rates:
            for i, target in wanted.items():
                w = _rate_step(g, i, target, w, y)
        if np.max(np.abs(w - before)) <= 1e-10 * np.max(w):
            break
    return w


def _share_factors(g: Grouping, wanted: dict[int, float], w: np.ndarray) -> np.ndarray:
    """Per-group weight factors (plus a neutral one for rows in no group, code -1, at the end)."""
    current = group_sums(g.codes["real"], g.size, w)[0]
    total = current.sum()
    rest = np.ones(g.size, dtype=bool)
    rest[list(wanted)] = False
    missing = [g.labels[i] for i in wanted if current[i] <= 0]
    if missing:
        raise PolicyError(f"policy [gates.bias] rebalance.{g.name}: real has no rows of {missing} to reweight.")
    left = 1.0 - sum(wanted.values())
    if left > 1e-9 and current[rest].sum() <= 0:
        raise PolicyError(f"policy [gates.bias] rebalance.{g.name}: the requested shares add up to {1 - left:.4g} "
                          "and real has no other group to hold the rest.")
    desired = np.zeros(g.size)
    desired[rest] = current[rest] / max(current[rest].sum(), 1e-300) * left
    desired[list(wanted)] = list(wanted.values())
    return np.append(np.nan_to_num(ratio(desired * total, current), nan=1.0), 1.0)


def _rate_step(g: Grouping, i: int, target: float, w: np.ndarray, y: np.ndarray) -> np.ndarray:
    inside = g.codes["real"] == i
    positive = inside & y
    rate = w[positive].sum() / max(w[inside].sum(), 1e-300)
    if not 0.0 < rate < 1.0:
        raise PolicyError(f"policy [gates.bias] target_rate.{g.name}: real has no "
                          f"{'positive' if rate <= 0 else 'negative'} rows in group {g.labels[i]!r} to reweight.")
    factor = np.where(positive, target / rate, np.where(inside, (1.0 - target) / (1.0 - rate), 1.0))
    return w * factor


def _cells(groupings: list[Grouping], y: dict[str, np.ndarray] | None, role: str) -> np.ndarray:
    """One integer per row for its combination of requested groups (and outcome): the weight's key."""
    cell = np.zeros(len(groupings[0].codes[role]), dtype=np.int64)
    for g in groupings:
        cell = cell * (g.size + 1) + (g.codes[role] + 1)
    if y is not None:
        cell = cell * 2 + y[role]
    return cell


def _num(x: Any) -> float | None:
    x = float(x)
    return x if np.isfinite(x) else None
