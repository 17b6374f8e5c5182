"""Exact duplicate detection by hashing normalised rows, never by a distance threshold.

float32 distances turn exact copies into small non-zero numbers (reference-values.md, "Measured on real
data"), so "is this synthetic row a copy of a real one" is answered by comparing row hashes.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def row_hashes(frame: pd.DataFrame) -> np.ndarray:
    """A stable 64-bit hash of each row, after normalising values that compare equal.

    Columns are taken in the given order (names are not hashed: align the tables' columns first).
    Normalisation: numeric columns (integers, floats, nullable numbers; not booleans) become float64, so
    ``3``, ``3.0`` and ``np.float32(3)`` hash alike, ``-0.0`` hashes as ``0.0`` and every missing value
    (``NaN``, ``None``, ``pd.NA``) hashes as one NaN; integers beyond 2**53 may collide with their float
    neighbours. Other columns (strings, categories, objects) hash by value as Python objects, with every
    missing value as ``None``; categorical columns hash by their values, not their codes. The hash is
    :func:`pandas.util.hash_pandas_object` of the normalised frame (``index=False``).

    Parameters
    ----------
    frame : pandas.DataFrame

    Returns
    -------
    ndarray of uint64, shape (len(frame),)

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> h = row_hashes(pd.DataFrame({"a": [1, 1.0, np.nan, np.nan], "b": ["x", "x", None, np.nan]}))
    >>> bool(h[0] == h[1]), bool(h[2] == h[3]), bool(h[0] == h[2])
    (True, True, False)
    """
    normal = pd.DataFrame({i: _normalise(frame.iloc[:, i]) for i in range(frame.shape[1])},
                          index=pd.RangeIndex(len(frame)))
    return pd.util.hash_pandas_object(normal, index=False).to_numpy(dtype=np.uint64)


def exact_match_mask(query_hashes: np.ndarray, base_hashes: np.ndarray) -> np.ndarray:
    """Whether each query row's hash occurs among the base rows' hashes.

    Examples
    --------
    >>> exact_match_mask(np.array([1, 2, 3], dtype=np.uint64), np.array([3, 1], dtype=np.uint64))
    array([ True, False,  True])
    """
    return np.isin(query_hashes, base_hashes)


def match_counts(query_hashes: np.ndarray, base_hashes: np.ndarray) -> np.ndarray:
    """How many base rows share each query row's hash (int64; 0 for rows with no copy).

    Examples
    --------
    >>> match_counts(np.array([1, 2], dtype=np.uint64), np.array([1, 1, 3], dtype=np.uint64))
    array([2, 0])
    """
    values, counts = np.unique(base_hashes, return_counts=True)
    if len(values) == 0:
        return np.zeros(len(query_hashes), dtype=np.int64)
    pos = np.minimum(np.searchsorted(values, query_hashes), len(values) - 1)
    return np.where(values[pos] == query_hashes, counts[pos], 0).astype(np.int64)


def _normalise(column: pd.Series) -> pd.Series:
    dtype = column.dtype
    if pd.api.types.is_bool_dtype(dtype) or pd.api.types.is_datetime64_any_dtype(dtype):
        return column.reset_index(drop=True)
    if not pd.api.types.is_numeric_dtype(dtype) or isinstance(dtype, pd.CategoricalDtype):
        return column.astype(object).where(column.notna(), None).reset_index(drop=True)
    values = column.to_numpy(dtype=np.float64, na_value=np.nan) + 0.0   # + 0.0 turns -0.0 into 0.0
    values[np.isnan(values)] = np.nan                                   # one NaN bit pattern
    return pd.Series(values)
