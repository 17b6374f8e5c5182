"""Privacy defects: real rows copied verbatim, nearly verbatim, or the most exposed ones memorised."""

from __future__ import annotations

import numpy as np
import pandas as pd

from synthgate.defects._isolation import most_isolated
from synthgate.defects._common import (
    check_frame, check_same_columns, check_share, make_rng, numeric_columns, replace_rows, restore_dtype,
)


def copy_rows(synthetic: pd.DataFrame, real: pd.DataFrame, *, fraction: float, seed: int) -> pd.DataFrame:
    """Replace ``round(fraction * len(synthetic))`` random synthetic rows with random real rows, verbatim.

    Parameters
    ----------
    synthetic, real : pandas.DataFrame
        Tables with the same columns; the result has ``synthetic``'s column order, dtypes and
        length, and a fresh RangeIndex. Neither input is changed.
    fraction : float
        Share of synthetic rows replaced, in [0, 1]. Distinct real rows are used, so
        ``round(fraction * len(synthetic))`` may not exceed ``len(real)``.
    seed : int
        Seeds which rows are replaced and which real rows replace them.

    Examples
    --------
    >>> import pandas as pd
    >>> real = pd.DataFrame({"a": range(100, 200)})
    >>> synthetic = pd.DataFrame({"a": range(100)})
    >>> int(copy_rows(synthetic, real, fraction=0.1, seed=0)["a"].ge(100).sum())
    10
    """
    positions, donors = _pick_copies(synthetic, real, fraction, make_rng(seed))
    return replace_rows(synthetic, positions, real, donors)


def near_copies(synthetic: pd.DataFrame, real: pd.DataFrame, *, fraction: float, noise: float = 0.01,
                seed: int) -> pd.DataFrame:
    """Like :func:`copy_rows`, but numeric columns of the copied rows get a little Gaussian noise.

    The noise has standard deviation ``noise`` × the real column's standard deviation; integer
    columns are rounded and values are clipped to the real column's range. Where rounding or
    clipping left every numeric value of a copied row unchanged, its widest-spread numeric column
    with a value (for Adult, ``fnlwgt``) is moved by one step, so every copied row that has a
    non-constant numeric value differs from its source. Categorical values stay verbatim.

    Parameters
    ----------
    noise : float, default 0.01
        Noise scale in real standard deviations; must be positive.

    See :func:`copy_rows` for the other parameters.
    """
    if not noise > 0:
        raise ValueError(f"noise must be positive, got {noise!r}.")
    rng = make_rng(seed)
    positions, donors = _pick_copies(synthetic, real, fraction, rng)
    out = replace_rows(synthetic, positions, real, donors)
    columns = numeric_columns(real)
    if len(positions) == 0 or not columns:
        return out
    source = real[columns].iloc[donors].to_numpy(dtype=np.float64, na_value=np.nan)
    noisy = _noisy_values(source, real[columns], noise, rng)
    for j, name in enumerate(columns):
        column = out[name].copy()
        column.iloc[positions] = restore_dtype(noisy[:, j], out[name]).to_numpy()
        out[name] = column
    return out


def copy_unique_rows(synthetic: pd.DataFrame, real: pd.DataFrame, *, fraction: float, seed: int,
                     others: pd.DataFrame | None = None) -> pd.DataFrame:
    """Like :func:`copy_rows`, but the donors are real rows whose whole record occurs once in ``real``
    (and not at all in ``others``, e.g. the holdout): the people a copy exposes.

    Raises ValueError when ``real`` has fewer such rows than copies asked for.
    """
    check_frame(synthetic, "synthetic")
    pool = real if others is None else pd.concat([real, others], ignore_index=True)
    once = ~pool.duplicated(keep=False).to_numpy()[:len(real)]
    unique = np.flatnonzero(once)
    rng = make_rng(seed)
    count = round(fraction * len(synthetic))
    check_share(fraction, "fraction")
    if count > len(unique):
        raise ValueError(f"fraction={fraction} asks for {count} copies of unique records but real has only "
                         f"{len(unique)}.")
    positions = rng.choice(len(synthetic), size=count, replace=False)
    donors = unique[rng.choice(len(unique), size=count, replace=False)]
    return replace_rows(synthetic, positions, real, donors)


def change_one_category(synthetic: pd.DataFrame, real: pd.DataFrame, *, fraction: float,
                        seed: int) -> pd.DataFrame:
    """Like :func:`copy_rows`, but each copied row has one categorical value (a random column with at
    least two categories in ``real``) changed to another category of that column; numbers stay exact."""
    rng = make_rng(seed)
    positions, donors = _pick_copies(synthetic, real, fraction, rng)
    out = replace_rows(synthetic, positions, real, donors)
    categorical = [c for c in real.columns if c not in numeric_columns(real) and real[c].nunique() >= 2]
    if len(positions) == 0 or not categorical:
        return out
    levels = {c: real[c].dropna().unique() for c in categorical}
    chosen = rng.choice(len(categorical), size=len(positions))
    for j, name in enumerate(categorical):
        rows = positions[chosen == j]
        if len(rows) == 0:
            continue
        column = out[name].copy()
        current = column.iloc[rows].to_numpy()
        options = levels[name]
        picks = options[rng.integers(len(options) - 1, size=len(rows))]
        # skip the row's own category: draw from the other len-1 levels
        same = picks == current
        picks[same] = options[-1]
        still = picks == current
        picks[still] = options[0] if len(options) > 1 else picks[still]
        column.iloc[rows] = picks
        out[name] = column.astype(synthetic[name].dtype)
    return out


def memorise_outliers(synthetic: pd.DataFrame, real: pd.DataFrame, *, count: int = 20, seed: int) -> pd.DataFrame:
    """Put verbatim copies of the ``count`` most isolated real rows in place of random synthetic rows.

    Isolation is as in :func:`isolated_rows`. These are the people a copy exposes most: unique
    records, far from everyone else.

    Parameters
    ----------
    count : int, default 20
        Number of real rows memorised; at most ``len(synthetic)`` and ``len(real) - 1``.

    See :func:`copy_rows` for the other parameters.
    """
    check_frame(synthetic, "synthetic")
    check_same_columns(synthetic, real)
    if not 0 <= count <= len(synthetic):
        raise ValueError(f"count must be between 0 and len(synthetic)={len(synthetic)}, got {count!r}.")
    rng = make_rng(seed)
    donors = isolated_rows(real, count)
    positions = rng.choice(len(synthetic), size=count, replace=False)
    return replace_rows(synthetic, positions, real, donors)


def isolated_rows(real: pd.DataFrame, count: int) -> np.ndarray:
    """Positions of the ``count`` real rows farthest from their nearest other real row.

    Distance is Euclidean over numeric columns scaled to [0, 1] by their range (a missing value
    adds a flag of 1 and counts as 0) plus categorical mismatches, each counting 1 in squared
    distance (NaN is a category of its own): a Gower-like distance in L2 form. Exact duplicates are at distance
    0 and never isolated. Ties keep the earlier row.

    Parameters
    ----------
    real : pandas.DataFrame
        The table to search; at least two rows.
    count : int
        How many rows to return, at most ``len(real)``.

    Returns
    -------
    numpy.ndarray
        int64 row positions, the most isolated first.

    Examples
    --------
    >>> import pandas as pd
    >>> real = pd.DataFrame({"x": [0.0, 0.1, 0.2, 5.0], "c": ["a", "a", "a", "a"]})
    >>> isolated_rows(real, 1).tolist()
    [3]
    """
    check_frame(real, "real")
    if len(real) < 2:
        raise ValueError("real needs at least two rows to measure how isolated a row is.")
    if not 0 <= count <= len(real):
        raise ValueError(f"count must be between 0 and len(real)={len(real)}, got {count!r}.")
    return most_isolated(real, count)


def _pick_copies(synthetic: pd.DataFrame, real: pd.DataFrame, fraction: float, rng) -> tuple[np.ndarray, np.ndarray]:
    """Synthetic positions to overwrite and the distinct real rows that overwrite them."""
    check_frame(synthetic, "synthetic")
    check_frame(real, "real")
    check_same_columns(synthetic, real)
    check_share(fraction, "fraction")
    count = round(fraction * len(synthetic))
    if count > len(real):
        raise ValueError(f"fraction={fraction} asks for {count} copies but real has only {len(real)} rows.")
    positions = rng.choice(len(synthetic), size=count, replace=False)
    donors = rng.choice(len(real), size=count, replace=False)
    return positions, donors


def _noisy_values(source: np.ndarray, real_numeric: pd.DataFrame, noise: float, rng) -> np.ndarray:
    """Noisy copies of ``source`` rows: Gaussian noise, integers rounded, clipped to the real range."""
    scale = real_numeric.std(ddof=0).fillna(0.0).to_numpy(dtype=np.float64) * noise
    low = real_numeric.min().to_numpy(dtype=np.float64, na_value=np.nan)
    high = real_numeric.max().to_numpy(dtype=np.float64, na_value=np.nan)
    is_int = np.array([pd.api.types.is_integer_dtype(real_numeric[c].dtype) for c in real_numeric.columns])
    noisy = source + rng.normal(size=source.shape) * scale
    noisy = np.clip(np.where(is_int, np.rint(noisy), noisy), low, high)
    unchanged = np.flatnonzero(np.all((noisy == source) | np.isnan(source), axis=1))
    for row in unchanged:
        _step_widest(noisy[row], source[row], scale, low, high, is_int, rng)
    return noisy


def _step_widest(noisy_row, source_row, scale, low, high, is_int, rng) -> None:
    """Move the row's widest-noise numeric value by one step (1 for integers), inside the range."""
    movable = ~np.isnan(source_row) & (high > low)
    if not movable.any():
        return
    j = int(np.argmax(np.where(movable, scale, -1.0)))
    step = 1.0 if is_int[j] else max(scale[j], (high[j] - low[j]) * 1e-6)
    up = rng.random() < 0.5
    if source_row[j] + step > high[j]:
        up = False
    elif source_row[j] - step < low[j]:
        up = True
    noisy_row[j] = source_row[j] + (step if up else -step)


def reuse_identifiers(tables: dict[str, pd.DataFrame | None], *, fraction: float, seed: int,
                      column: str = "record_id") -> dict[str, pd.DataFrame | None]:
    """Give every table a record-ID column (distinct per table), then let ``fraction`` of the synthetic rows
    carry training IDs (``tables["real"]``'s): a generator that passes an identifier column through.

    ``tables`` maps role names to tables (``None`` kept as is); ``"real"`` and ``"synthetic"`` are required.
    IDs are the role's first letter and a row number (``r0000042``), so tables never share one by chance.

    Examples
    --------
    >>> import pandas as pd
    >>> out = reuse_identifiers({"real": pd.DataFrame({"x": range(5)}), "synthetic": pd.DataFrame({"x": range(4)})},
    ...                         fraction=0.5, seed=0)
    >>> sorted(i[0] for i in out["synthetic"]["record_id"])
    ['r', 'r', 's', 's']
    """
    check_share(fraction, "fraction")
    if column in (tables["real"].columns.tolist() + tables["synthetic"].columns.tolist()):
        raise ValueError(f"the tables already have a column {column!r}.")
    rng = make_rng(seed)
    out = {role: None if table is None else
           table.assign(**{column: [f"{role[0]}{i:07d}" for i in range(len(table))]})
           for role, table in tables.items()}
    synthetic, real = out["synthetic"], out["real"]
    count = round(fraction * len(synthetic))
    if count > len(real):
        raise ValueError(f"{count} reused IDs asked for, but real has only {len(real)} rows.")
    rows = rng.choice(len(synthetic), size=count, replace=False)
    ids = synthetic[column].to_numpy(copy=True)
    ids[rows] = real[column].to_numpy()[rng.choice(len(real), size=count, replace=False)]
    out["synthetic"] = synthetic.assign(**{column: ids})
    return out
