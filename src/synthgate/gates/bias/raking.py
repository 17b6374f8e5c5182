"""Requested rebalancing as row weights: the reweighted real data a policy's request implies.

A policy may ask for a group's share (``rebalance``) or positive rate (``target_rate``). Real rows are then
reweighted by raking (iterative proportional fitting, Deming & Stephan 1940) until real meets every request
while keeping everything else as close to real as the requests allow; the weight of a row depends only on
its groups and outcome, so the same weights carry over to the holdout. ``synthgate.gates.bias.data.BiasData``
holds them: the other bias measurements then compare the synthetic table with this reweighted real (a
requested fix is not a distortion), and honest draws are holdout rows drawn in proportion to the weights.
"""

from __future__ import annotations

import numpy as np

from synthgate.errors import PolicyError
from synthgate.gates.bias.calibrate import group_sums, ratio
from synthgate.gates.bias.groups import Grouping, Outcome
from synthgate.gates.bias.settings import BiasSettings
from synthgate.gates.context import RunContext

RAKING_ROUNDS = 200


def request_weights(ctx: RunContext, groupings: list[Grouping], outcome: Outcome | None,
                    settings: BiasSettings) -> dict[str, np.ndarray] | None:
    """Real and holdout row weights that meet the policy's requests; ``None`` when nothing is requested."""
    if not settings.requested:
        return None
    if settings.target_rate and outcome is None:
        raise PolicyError("policy [gates.bias] target_rate needs a target column (metadata: target).")
    shares = [(g, request_indices(g, wanted, "rebalance"))
              for g, wanted in named_requests(groupings, settings.rebalance)]
    rates = [(g, request_indices(g, wanted, "target_rate"))
             for g, wanted in named_requests(groupings, settings.target_rate)]
    y = outcome.y if outcome is not None and rates else None
    w = _rake(shares, rates, None if y is None else y["real"], len(ctx.tables.real))
    involved = [g for g, _ in shares + rates]
    cells = {role: _cells(involved, y, role) for role in ("real", "holdout")}
    known, first = np.unique(cells["real"], return_index=True)
    found = np.searchsorted(known, cells["holdout"]).clip(0, len(known) - 1)
    holdout = np.where(known[found] == cells["holdout"], w[first][found], 1.0)
    return {"real": w, "holdout": holdout}


def named_requests(groupings: list[Grouping], requests: dict[str, dict[str, float]]):
    """Each requested attribute's grouping with its requested groups; an attribute not usable is refused."""
    singles = {g.name: g for g in groupings if len(g.columns) == 1}
    for attribute, wanted in requests.items():
        if attribute not in singles:
            raise PolicyError(f"policy [gates.bias] names {attribute!r}, which is not a usable sensitive attribute; "
                              f"sensitive attributes: {sorted(singles)} (metadata: sensitive).")
        yield singles[attribute], wanted


def request_indices(g: Grouping, wanted: dict[str, float], key: str) -> dict[int, float]:
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
