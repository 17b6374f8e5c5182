"""Synthetic Gaussian mixtures with known, well-separated modes (for coverage tests)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd


def make_gaussian_mixture(
    n: int, *, modes: int = 10, dim: int = 5, seed: int = 0, spread: float = 0.05
) -> pd.DataFrame:
    """Draw ``n`` rows from an equal-weight mixture of isotropic Gaussians.

    Mode centres are distinct points of the integer grid ``{0, ..., g-1}^dim`` (``g`` the
    smallest size that fits ``modes`` points), so any two centres are at least 1 apart.
    With the default ``spread`` of 0.05 every mode is far from every other in any dimension.

    Parameters
    ----------
    n : int
        Number of rows; modes get equal counts (the first ``n % modes`` modes one row more).
    modes : int, default 10
        Number of mixture components.
    dim : int, default 5
        Number of numeric columns ``x0 .. x{dim-1}``.
    seed : int, default 0
        Seeds the choice of centres, the mode order and the noise.
    spread : float, default 0.05
        Standard deviation of each component per coordinate, in units of the minimum
        distance between centres.

    Returns
    -------
    pandas.DataFrame
        Float64 columns only; the mode of each row is in ``df.attrs["mode"]`` (int64 array).
        pandas compares ``attrs`` when concatenating, and two frames whose ``attrs`` hold
        different arrays make ``pd.concat`` raise: clear ``attrs`` on copies before concatenating.

    Examples
    --------
    >>> df = make_gaussian_mixture(1000, modes=4, dim=2, seed=1)
    >>> list(df.columns), len(df)
    (['x0', 'x1'], 1000)
    >>> np.bincount(df.attrs["mode"]).tolist()
    [250, 250, 250, 250]
    """
    _check_arguments(n, modes, dim, spread)
    rng = np.random.default_rng(seed)
    centres = _grid_centres(modes, dim, rng)
    labels = rng.permutation(np.arange(n) % modes)
    values = centres[labels] + rng.normal(0.0, spread, size=(n, dim))
    frame = pd.DataFrame(values, columns=[f"x{i}" for i in range(dim)])
    frame.attrs["mode"] = labels.astype(np.int64)
    return frame


def _check_arguments(n: int, modes: int, dim: int, spread: float) -> None:
    """Raise ValueError on sizes that cannot describe a mixture."""
    if modes < 1 or dim < 1:
        raise ValueError(f"modes and dim must be at least 1, got modes={modes}, dim={dim}.")
    if n < modes:
        raise ValueError(f"n={n} rows cannot give each of the {modes} modes a row; use n >= modes.")
    if not spread > 0:
        raise ValueError(f"spread must be positive, got {spread!r}.")


def _grid_centres(modes: int, dim: int, rng: np.random.Generator) -> np.ndarray:
    """Pick ``modes`` distinct points of the smallest integer grid that holds them."""
    side = math.ceil(round(modes ** (1.0 / dim), 9))
    while side**dim < modes:
        side += 1
    # Drawing flat indices keeps memory small even for large `dim` (side is then 2).
    chosen = rng.choice(side**dim, size=modes, replace=False) if side**dim < 2**62 else None
    if chosen is None:
        return _distinct_random_points(modes, dim, side, rng)
    return np.stack(np.unravel_index(chosen, (side,) * dim), axis=1).astype(np.float64)


def _distinct_random_points(modes: int, dim: int, side: int, rng: np.random.Generator) -> np.ndarray:
    """Distinct random grid points when the grid is too large to index."""
    points: set[tuple[int, ...]] = set()
    while len(points) < modes:
        points.add(tuple(rng.integers(0, side, size=dim).tolist()))
    return np.array(sorted(points), dtype=np.float64)
