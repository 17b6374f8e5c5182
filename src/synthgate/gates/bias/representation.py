"""``bias.representation_gap``: does every group keep its share of the rows?"""

from __future__ import annotations

import numpy as np

from synthgate.gates.bias.calibrate import naming, reference_plot, worst_of
from synthgate.gates.bias.data import BiasData
from synthgate.gates.context import RunContext
from synthgate.verdict import Measurement, Rule, inconclusive, judge, skipped

MID = "bias.representation_gap"


def representation_gap(ctx: RunContext, data: BiasData, rule: Rule) -> Measurement:
    """Worst relative shortfall of a group's share: ``1 - synthetic share / real share``.

    Over each sensitive attribute's groups and each intersection of two, for groups with at least
    ``min_group_rows`` expected rows at the compared size. Reference: the same shortfall of a stand-in
    sample against a pseudo-real table (``BiasData``), maximised over groups the same way (``worst_of``).
    """
    if not data.groupings:
        return skipped(MID, "no usable sensitive attribute: " + "; ".join(data.notes))
    items, values, draws, small = [], [], [], []
    for g in data.groupings:
        shares, _ = data.expected(g)
        synthetic = data.tallies(g, "synthetic")[0][0] / data.n
        honest = _shortfall(data.tallies(g, "honest")[0] / data.n, data.honest_expected(g)[0])
        small += data.too_small(g)
        for i in np.flatnonzero(data.eligible(g)):
            items.append({"grouping": g.name, "group": g.labels[i], "expected_share": float(shares[i]),
                          "synthetic_share": float(synthetic[i]), "shortfall": float(1.0 - synthetic[i] / shares[i])})
            values.append(items[-1]["shortfall"])
            draws.append(honest[:, i])
    if not items:
        return inconclusive(MID, f"every group has fewer than {data.settings.min_group_rows} expected rows at the "
                                 f"compared size {data.n}", n=data.n, min_detectable=_detectable(small, data.n),
                            details={"too_small": small})
    worst = worst_of(np.array(values), np.column_stack(draws), worse="higher", level=ctx.policy.band,
                     n=data.n, method=_method(data))
    for item, low, high in zip(items, worst.low, worst.high):
        item["honest_band"] = [float(low), float(high)]
    labels = [f"{i['grouping']} = {i['group']}" for i in items]
    details = {"worst": items[worst.pick], "groups": items, "too_small": small,
               "compared_with": "real reweighted to the requested rebalance" if data.requested else "real",
               "per_group": reference_plot("Shortfall of each group's share", labels, np.array(values), worst, rule,
                                           "1 - synthetic share / real share")}
    return naming(judge(MID, values[worst.pick], worst.reference, rule, n=data.n, details=details),
                  labels[worst.pick])


def _shortfall(shares: np.ndarray, expected: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(expected > 0, 1.0 - shares / np.where(expected > 0, expected, 1.0), np.nan)


def _method(data: BiasData) -> str:
    return "real+holdout re-splits" + (", reweighted" if data.requested else "")


def _detectable(small: list[dict], n: int) -> float | None:
    """Smallest relative shortfall the largest too-small group could show: ~2 binomial sds of its share,
    on both the synthetic and the real side."""
    if not small:
        return None
    rows = max(max(s["expected_rows"] for s in small), 1.0)
    return float(1.96 * np.sqrt(2.0 * max(1.0 - rows / n, 0.0) / rows))
