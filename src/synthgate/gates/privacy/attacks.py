"""Linkability and attribute inference, after anonymeter (Giomi et al. 2023), vectorised.

Both find, for each target row, its nearest synthetic rows under the mixed distance of ``_mixed``. Where
several synthetic rows tie for nearest, the attacker picks one at random; we count the *expected* success
of that pick (anonymeter takes whichever its sort puts first), so results do not depend on row order.

- Linkability: the attacker holds two tables with different columns of the same people; a target is linked
  when the nearest synthetic row on the first columns is also the nearest on the second ones. Expected
  success of a target: |A & B| / (|A| |B|) for its two nearest sets A and B.
- Inference: the attacker knows every column but a secret one and guesses the secret of the nearest
  synthetic row. A guess is right when equal (categories) or within 5 % of the guess (numbers, as
  anonymeter's regression mode).
"""

from __future__ import annotations

import numpy as np

from synthgate.gates.privacy._mixed import MixedTable, column_distance, distance_blocks, nearest_set, spans

NUMERIC_TOLERANCE = 0.05


def linkability_successes(targets: MixedTable, synthetic: MixedTable, first: list[int],
                          second: list[int]) -> float:
    """Expected number of targets whose two column groups link to the same synthetic row."""
    total = 0.0
    for (rows, near_a), (_, near_b) in zip(distance_blocks(targets, synthetic, first),
                                           distance_blocks(targets, synthetic, second)):
        a, b = nearest_set(near_a), nearest_set(near_b)
        total += float(((a & b).sum(axis=1) / (a.sum(axis=1) * b.sum(axis=1))).sum())
    return total


def inference_successes(targets: MixedTable, synthetic: MixedTable, secrets: list[int]) -> dict[int, float]:
    """Expected number of correct guesses of each secret column, the other columns being known."""
    every = list(range(targets.values.shape[1]))
    scale = spans(targets, synthetic, every)
    totals = {s: 0.0 for s in secrets}
    for rows, distances in distance_blocks(targets, synthetic, every):
        for s in secrets:
            secret_part = column_distance(targets.values[rows, s], synthetic.values[:, s],
                                          bool(synthetic.numeric[s]), scale.get(s, 1.0))
            nearest = nearest_set(distances - secret_part)
            right = _correct(synthetic.values[:, s][None, :], targets.values[rows, s][:, None],
                             bool(synthetic.numeric[s]))
            totals[s] += float(((nearest & right).sum(axis=1) / nearest.sum(axis=1)).sum())
    return totals


def _correct(guesses: np.ndarray, secrets: np.ndarray, numeric: bool) -> np.ndarray:
    both_missing = np.isnan(guesses) & np.isnan(secrets)
    if not numeric:
        return (guesses == secrets) | both_missing
    with np.errstate(invalid="ignore"):
        close = np.abs(guesses - secrets) <= NUMERIC_TOLERANCE * np.abs(guesses) + 1e-12
    return close | both_missing
