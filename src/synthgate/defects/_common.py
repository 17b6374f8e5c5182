"""Shared checks and row operations for the defect functions."""

from __future__ import annotations

import numbers

import numpy as np
import pandas as pd

from synthgate.generators._base import is_numeric_column


def make_rng(seed: int) -> np.random.Generator:
    """The one random stream of a defect call."""
    if not isinstance(seed, numbers.Integral) or isinstance(seed, bool):
        raise ValueError(f"seed must be an integer, got {seed!r}.")
    return np.random.default_rng(int(seed))


def check_frame(frame: pd.DataFrame, role: str) -> None:
    """A defect needs a non-empty DataFrame."""
    if not isinstance(frame, pd.DataFrame):
        raise ValueError(f"{role} must be a pandas DataFrame, got {type(frame).__name__}.")
    if len(frame) == 0:
        raise ValueError(f"{role} has no rows.")


def check_same_columns(synthetic: pd.DataFrame, real: pd.DataFrame) -> None:
    """Rows can only move between tables with one column set."""
    extra = [c for c in synthetic.columns if c not in real.columns]
    missing = [c for c in real.columns if c not in synthetic.columns]
    if extra or missing:
        raise ValueError(f"synthetic and real must share their columns: {extra} are only in synthetic, "
                         f"{missing} only in real.")


def check_column(frame: pd.DataFrame, column, role: str = "synthetic") -> None:
    if column not in frame.columns:
        raise ValueError(f"column {column!r} is not in {role}; its columns are {list(frame.columns)}.")


def check_share(value: float, name: str, *, low: float = 0.0, high: float = 1.0) -> None:
    """``value`` must lie in ``[low, high]``."""
    if not (isinstance(value, numbers.Real) and low <= value <= high):
        raise ValueError(f"{name} must be between {low} and {high}, got {value!r}.")


def numeric_columns(frame: pd.DataFrame, columns=None) -> list:
    """The listed columns (all numeric ones by default), each checked to be numeric."""
    if columns is None:
        return [c for c in frame.columns if is_numeric_column(frame[c])]
    names = [columns] if isinstance(columns, str) else list(columns)
    for name in names:
        check_column(frame, name)
        if not is_numeric_column(frame[name]):
            raise ValueError(f"column {name!r} has dtype {frame[name].dtype}; only numeric columns can be used here.")
    return names


def equals_category(column: pd.Series, category) -> np.ndarray:
    """Row mask of ``column == category``, where a NaN-like ``category`` matches missing values."""
    if category is None or (isinstance(category, float) and np.isnan(category)):
        return column.isna().to_numpy()
    return (column == category).fillna(False).to_numpy(dtype=bool)


def restore_dtype(values: np.ndarray, like: pd.Series) -> pd.Series:
    """Float results back into ``like``'s dtype, rounding first for integer columns."""
    if pd.api.types.is_integer_dtype(like.dtype):
        values = np.rint(values)
    return pd.Series(values, name=like.name).astype(like.dtype)


def take(frame: pd.DataFrame, positions: np.ndarray) -> pd.DataFrame:
    """Rows at ``positions`` with a fresh RangeIndex; per-row arrays in ``attrs`` follow the rows."""
    out = frame.iloc[positions].reset_index(drop=True)
    out.attrs = {key: _take_if_per_row(value, positions, len(frame)) for key, value in frame.attrs.items()}
    return out


def _take_if_per_row(value, positions: np.ndarray, n_rows: int):
    if isinstance(value, (np.ndarray, pd.Series)) and len(value) == n_rows:
        return np.asarray(value)[positions]
    return value


def replace_rows(synthetic: pd.DataFrame, positions: np.ndarray, real: pd.DataFrame,
                 donors: np.ndarray) -> pd.DataFrame:
    """A copy of ``synthetic`` whose rows at ``positions`` are ``real``'s rows at ``donors``, verbatim."""
    out = synthetic.reset_index(drop=True)  # a new frame; copy-on-write keeps synthetic unchanged
    for j, name in enumerate(out.columns):
        donor_values = real[name].iloc[donors].to_numpy()
        try:
            out.iloc[positions, j] = donor_values
        except (TypeError, ValueError) as error:
            raise ValueError(f"real[{name!r}] ({real[name].dtype}) cannot be copied into synthetic[{name!r}] "
                             f"({synthetic[name].dtype}): {error}") from error
    out.attrs = _replaced_attrs(synthetic, positions, real, donors)
    return out


def _replaced_attrs(synthetic: pd.DataFrame, positions, real: pd.DataFrame, donors) -> dict:
    """Per-row attrs get the donor's entry when real has the same per-row attr; otherwise they go."""
    attrs = {}
    for key, value in synthetic.attrs.items():
        if not (isinstance(value, (np.ndarray, pd.Series)) and len(value) == len(synthetic)):
            attrs[key] = value
        elif isinstance(real.attrs.get(key), (np.ndarray, pd.Series)) and len(real.attrs[key]) == len(real):
            merged = np.array(value, copy=True)
            merged[positions] = np.asarray(real.attrs[key])[donors]
            attrs[key] = merged
    return attrs


def top_up(frame: pd.DataFrame, keep: np.ndarray, rng: np.random.Generator, *,
           pool: np.ndarray | None = None, size: int | None = None) -> pd.DataFrame:
    """Keep the rows in ``keep``, add rows drawn with replacement from ``pool`` (default ``keep``)
    until the table has ``size`` rows (default ``len(frame)``), and shuffle.

    Kept rows all stay; only the missing share is made of repeats, so a defect adds as few
    duplicate rows as it can.
    """
    size = len(frame) if size is None else size
    kept = np.flatnonzero(keep)
    source = kept if pool is None else np.flatnonzero(pool)
    if len(kept) > size:
        kept = rng.choice(kept, size=size, replace=False)
    missing = size - len(kept)
    if missing and len(source) == 0:
        raise ValueError("no rows are left to resample from; the defect would remove every row.")
    extra = rng.choice(source, size=missing, replace=True) if missing else np.zeros(0, dtype=np.int64)
    return take(frame, rng.permutation(np.concatenate([kept, extra])))
