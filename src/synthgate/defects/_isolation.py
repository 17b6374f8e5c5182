"""Exact "most isolated rows" search without the full n × n distance matrix.

Squared distance between rows = squared Euclidean distance of range-scaled numerics (plus a
missingness flag per numeric column that has NaN) + the number of categorical mismatches (NaN a
category of its own). Cheap upper bounds on each row's nearest-neighbour distance come from
rows that sit next to it in a few sort orders; exact distances are then computed, in
batches, only for rows whose bound could still put them among the most isolated.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from synthgate.generators._base import is_numeric_column

_PROJECTIONS = 4
_WINDOW = 4
_BATCH = 128


def encode_rows(real: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """(scaled numerics with missingness flags, categorical codes), one row per real row."""
    numeric, codes = [], []
    for name in real.columns:
        column = real[name]
        if is_numeric_column(column):
            values = column.to_numpy(dtype=np.float64, na_value=np.nan)
            low, high = np.nanmin(values, initial=np.inf), np.nanmax(values, initial=-np.inf)
            scaled = (values - low) / (high - low) if high > low else np.zeros_like(values)
            numeric.append(np.nan_to_num(scaled, nan=0.0))
            if np.isnan(values).any():
                numeric.append(np.isnan(values).astype(np.float64))
        else:
            codes.append(pd.factorize(column.to_numpy(dtype=object), use_na_sentinel=False)[0])
    return _stack(numeric, len(real), np.float64), _stack(codes, len(real), np.int32)


def _stack(blocks: list[np.ndarray], n_rows: int, dtype) -> np.ndarray:
    return np.column_stack(blocks).astype(dtype) if blocks else np.zeros((n_rows, 0), dtype)


def nearest_other_distance(numeric: np.ndarray, codes: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """Exact distance from each of ``rows`` to its nearest other row (0 for a duplicated row)."""
    squared_norms = (numeric * numeric).sum(axis=1)
    # In-place updates: the rows × n block is the only large array, and memory traffic dominates.
    squared = numeric[rows] @ numeric.T
    squared *= -2.0
    squared += squared_norms[rows, None]
    squared += squared_norms[None, :]
    if codes.shape[1]:
        mismatches = np.zeros(squared.shape, dtype=np.int32)
        for column in codes.T:
            mismatches += column[rows, None] != column[None, :]
        squared += mismatches
    squared[np.arange(len(rows)), rows] = np.inf
    return np.sqrt(np.maximum(squared.min(axis=1), 0.0))


def neighbour_upper_bounds(numeric: np.ndarray, codes: np.ndarray) -> np.ndarray:
    """For every row, the distance to the closest row found among its neighbours in a few sort
    orders: never below the true nearest-neighbour distance."""
    rng = np.random.default_rng(0)  # only speed depends on it; the search result is exact
    bounds = np.full(len(numeric), np.inf)
    for order in _sort_orders(numeric, codes, rng):
        sorted_numeric, sorted_codes, sorted_bounds = numeric[order], codes[order], bounds[order]
        for step in range(1, min(_WINDOW, len(order) - 1) + 1):
            gap = np.sqrt(((sorted_numeric[:-step] - sorted_numeric[step:]) ** 2).sum(axis=1)
                          + (sorted_codes[:-step] != sorted_codes[step:]).sum(axis=1))
            sorted_bounds[:-step] = np.minimum(sorted_bounds[:-step], gap)
            sorted_bounds[step:] = np.minimum(sorted_bounds[step:], gap)
        bounds[order] = sorted_bounds
    return bounds


def _sort_orders(numeric: np.ndarray, codes: np.ndarray, rng: np.random.Generator):
    """Orders that put likely neighbours side by side.

    A categorical mismatch costs 1 while range-scaled numerics rarely differ by much, so rows
    are sorted by their categorical codes, once with each column as the least significant key
    (a neighbour differing in that one column then sits close), numerics breaking ties; plus
    a few random projections of the numerics.
    """
    n_codes = codes.shape[1]
    numeric_key = numeric @ rng.standard_normal(numeric.shape[1])
    for rotation in range(n_codes):
        columns = np.roll(np.arange(n_codes), rotation)
        yield np.lexsort([numeric_key, *(codes[:, j] for j in columns)])
    for _ in range(_PROJECTIONS if numeric.shape[1] else 0):
        yield np.argsort(numeric @ rng.standard_normal(numeric.shape[1]), kind="stable")


def most_isolated(real: pd.DataFrame, count: int) -> np.ndarray:
    """Positions of the ``count`` rows with the largest nearest-other-row distance; ties keep
    the earlier row."""
    numeric, codes = encode_rows(real)
    bounds = neighbour_upper_bounds(numeric, codes)
    candidates = np.argsort(-bounds, kind="stable")
    rows, distances = np.zeros(0, np.int64), np.zeros(0)
    for start in range(0, len(candidates), _BATCH):
        batch = candidates[start:start + _BATCH]
        rows = np.concatenate([rows, batch])
        distances = np.concatenate([distances, nearest_other_distance(numeric, codes, batch)])
        done = start + len(batch)
        # Rows not yet computed are at most their bound away from a neighbour; once that is below
        # the count-th largest exact distance, none of them can enter the top `count`.
        if count == 0 or (done < len(candidates) and len(rows) >= count
                          and bounds[candidates[done]] < np.sort(distances)[-count]):
            break
    return rows[np.lexsort((rows, -distances))][:count].astype(np.int64)
