"""Fidelity in the user's units: "as close to real as an independent real sample of about N rows would be".

The honest reference read backwards (as NIST SDNist reports do). An honest sample's expected statistic falls
with its size m roughly like ``a + b / sqrt(m)`` (sampling noise). Honest medians at a few sizes below the
compared size n (``n/8, n/4, n/2``; the median at n is the measurement's own reference) give ``a`` and ``b``
by least squares; the synthetic value, put into the inverted curve, gives the equivalent real rows N.

Bounds: a value at or better than the honest median at n is "at least n" (no larger honest sample was drawn);
one worse than the median at the smallest size is "below" that size.
The draws use their own random stream, so the gate's reference draws, values and verdicts are unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from synthgate.reference import Resplit, resplits

#: honest sizes below the compared size n, as divisors of n
DIVISORS = (8, 4, 2)
#: honest draws per size: medians only, so far fewer than the reference band needs
DRAWS = 20
#: smaller honest samples are all noise; sizes below this are left out
MIN_SIZE = 10
PURPOSE = "fidelity.equivalent_rows"


@dataclass(frozen=True)
class HonestCurve:
    """Honest medians of each statistic (its maximum over items) at sizes below the compared size n."""

    n: int
    sizes: list[int]
    medians: dict[str, list[float]]

    def equivalent_rows(self, key: str, value: float, median_at_n: float) -> dict | None:
        """``Measurement.details["equivalent_real_rows"]`` for statistic ``key`` (None when not computable)."""
        medians = self.medians.get(key, []) + [median_at_n]
        if not np.isfinite(value) or not np.all(np.isfinite(medians)):
            return None
        return equivalent_rows(value, self.sizes + [self.n], medians)


def honest_curve(statistics: Callable[[Resplit], dict[str, np.ndarray]], n_real: int, n_holdout: int, n: int,
                 rng: np.random.Generator, progress: Callable[[int, int], None] | None = None) -> HonestCurve:
    """Honest medians at the smaller sizes; ``statistics`` maps a re-split to per-item arrays per key."""
    sizes = smaller_sizes(n)
    medians: dict[str, list[float]] = {}
    for i, size in enumerate(sizes):
        if progress:
            progress(i, len(sizes))
        draws = [statistics(split) for split in resplits(n_real, n_holdout, size, DRAWS, rng)]
        for key in draws[0]:
            medians.setdefault(key, []).append(float(np.median([_worst(d[key]) for d in draws])))
    return HonestCurve(n, sizes, medians)


def smaller_sizes(n: int) -> list[int]:
    """``n/8, n/4, n/2`` ascending, without duplicates or sizes under ``MIN_SIZE``."""
    return sorted({n // d for d in DIVISORS if MIN_SIZE <= n // d < n})


def equivalent_rows(value: float, sizes: list[int], medians: list[float]) -> dict:
    """Invert the fitted honest curve at ``value``; ``sizes`` ascending, the compared size last."""
    monotone = _non_increasing(medians)
    if value <= monotone[-1]:
        rows, bound = sizes[-1], "at_least"
    elif value > monotone[0]:
        rows, bound = sizes[0], "below"
    else:
        rows, bound = _invert(value, sizes, monotone), "about"
    return {"rows": rows, "bound": bound, "sizes": [int(s) for s in sizes],
            "medians": [round(float(m), 6) for m in medians]}


def _invert(value: float, sizes: list[int], medians: np.ndarray) -> int | None:
    """N with ``a + b / sqrt(N) = value``, clipped to the sizes measured (None if the fit is flat)."""
    x = 1.0 / np.sqrt(np.asarray(sizes, dtype=float))
    b, a = np.polyfit(x, medians, 1)
    if b <= 0:
        return None
    at = (value - a) / b
    rows = sizes[-1] if at <= 0 else 1.0 / at**2
    return int(round(min(max(rows, sizes[0]), sizes[-1])))


def _non_increasing(medians: list[float]) -> np.ndarray:
    """Medians clipped so a larger honest sample is never further from real than a smaller one."""
    return np.maximum.accumulate(np.asarray(medians, dtype=float)[::-1])[::-1]


def _worst(items: np.ndarray) -> float:
    return float(np.max(items)) if len(items) else float("nan")
