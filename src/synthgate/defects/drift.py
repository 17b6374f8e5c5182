"""Drift defects for the drift gate: a fresh table that moved away from the one it replaces."""

from __future__ import annotations

import numpy as np
import pandas as pd

from synthgate.defects._common import (
    check_column, check_frame, equals_category, make_rng, numeric_columns, restore_dtype, take,
)


def shift_column(fresh: pd.DataFrame, *, column, sigma: float = 0.2, seed: int) -> pd.DataFrame:
    """Add ``sigma`` × the column's standard deviation to one numeric column.

    Integer columns are rounded after the shift (for Adult's ``age``, sigma=0.2 adds 3 years).
    Deterministic (``seed`` is accepted so every defect has the same call shape).

    Parameters
    ----------
    fresh : pandas.DataFrame
        The table to damage (unchanged); same rows and order in the result, fresh RangeIndex.
    column : column name
        A numeric column.
    sigma : float, default 0.2
        Shift in standard deviations of ``fresh[column]`` (negative shifts down).
    seed : int
        Unused.

    Examples
    --------
    >>> import pandas as pd
    >>> shift_column(pd.DataFrame({"x": [0.0, 2.0]}), column="x", sigma=1.0, seed=0)["x"].tolist()
    [1.0, 3.0]
    """
    check_frame(fresh, "fresh")
    make_rng(seed)
    (name,) = numeric_columns(fresh, [column])
    out = fresh.reset_index(drop=True)
    values = out[name].to_numpy(dtype=np.float64, na_value=np.nan)
    std = out[name].std(ddof=0)
    out[name] = restore_dtype(values + sigma * (0.0 if pd.isna(std) else std), out[name])
    return out


def change_category_mix(fresh: pd.DataFrame, *, column, category, factor: float = 2.0, seed: int) -> pd.DataFrame:
    """Multiply the share of one category by ``factor`` by resampling rows, keeping the size.

    With share ``p``, the result has ``round(factor × p × n)`` rows of the category. Growing:
    all its rows stay plus repeats of them, and a random subset of the other rows is kept.
    Shrinking: a random subset of its rows is kept and the other rows are topped up with
    repeats of them. Rows are shuffled (fresh RangeIndex).

    Parameters
    ----------
    category : value
        The category whose share changes (NaN or None: the missing values).
    factor : float, default 2.0
        New share / old share; ``factor × p`` must not exceed 1, and other rows must exist
        when the category shrinks.

    See :func:`shift_column` for the other parameters.
    """
    check_frame(fresh, "fresh")
    check_column(fresh, column, "fresh")
    hit = equals_category(fresh[column], category)
    if not hit.any():
        raise ValueError(f"category {category!r} does not occur in fresh[{column!r}].")
    if not factor >= 0 or factor * hit.mean() > 1.0 + 1e-12:
        raise ValueError(f"factor must be >= 0 and at most 1 / share = {1 / hit.mean():.4g} for a share of "
                         f"{hit.mean():.4g}, got {factor!r}.")
    rng = make_rng(seed)
    wanted = min(round(factor * hit.sum()), len(fresh))
    members, others = hit.nonzero()[0], (~hit).nonzero()[0]
    if wanted < len(fresh) and len(others) == 0:
        raise ValueError(f"every row of fresh has {column!r} == {category!r}; there are no other rows to add.")
    chosen = np.concatenate([_resize(members, wanted, rng), _resize(others, len(fresh) - wanted, rng)])
    return take(fresh, rng.permutation(chosen))


def _resize(positions: np.ndarray, size: int, rng: np.random.Generator) -> np.ndarray:
    """``size`` positions: a random subset when shrinking, all plus repeats when growing."""
    if size <= len(positions):
        return rng.choice(positions, size=size, replace=False)
    return np.concatenate([positions, rng.choice(positions, size=size - len(positions), replace=True)])
