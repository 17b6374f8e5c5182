"""Stable 64-bit row fingerprints and the content hash of a table.

Normalisation, the same for every table the ledger sees:

- columns are taken in sorted name order, and each column's name is part of the hash;
- strings are stripped of surrounding whitespace;
- numbers (ints, floats, booleans as 0/1, numbers inside object columns) are read as floats and
  rounded to 10 significant digits, so ``3``, ``3.0`` and ``3.00000000001`` hash the same;
- every missing value (``None``, ``NaN``, ``pd.NA``, ``NaT``) is one token;
- timestamps are their ISO text in UTC; anything else is its stripped ``str``.

A string ``"3"`` and a number ``3`` differ: the type of a value is part of what it is.

The hash is a splitmix64 fold computed with numpy, so it does not depend on Python's hash
seed or on pandas' internal hashing, and can be recomputed years later.
"""

from __future__ import annotations

import hashlib
import json
import numbers
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal

import numpy as np
import pandas as pd

__all__ = ["cell_hashes", "content_hash", "fold", "row_fingerprints", "is_numeric_dtype"]

_M1 = 0xBF58476D1CE4E5B9
_M2 = 0x94D049BB133111EB
_GOLDEN = 0x9E3779B97F4A7C15
_NULL = np.uint64(0x6A09E667F3BCC908)
_POS_INF = np.uint64(0xBB67AE8584CAA73B)
_NEG_INF = np.uint64(0x3C6EF372FE94F82B)
_NUMBER_TAG = np.uint64(0xA54FF53A5F1D36F1)
_ROW_SEED = 0x510E527FADE682D1
# below this magnitude 10**(9 - exponent) overflows a float; such numbers take a slow exact path
_TINY = 1e-290


def mix(z: np.ndarray) -> np.ndarray:
    """splitmix64's finaliser on a uint64 array (wrapping arithmetic)."""
    z = z ^ (z >> np.uint64(30))
    z = z * np.uint64(_M1)
    z = z ^ (z >> np.uint64(27))
    z = z * np.uint64(_M2)
    return z ^ (z >> np.uint64(31))


def fold(state: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Absorb one uint64 value per row into a running row hash."""
    return mix(state * np.uint64(_GOLDEN) + values)


def text_hash(text: str, tag: bytes = b"s") -> np.uint64:
    """64-bit hash of a string, independent of the Python process."""
    digest = hashlib.blake2b(tag + text.encode("utf-8", "surrogatepass"), digest_size=8).digest()
    return np.uint64(int.from_bytes(digest, "little"))


def is_numeric_dtype(dtype) -> bool:
    """Whether a column of this dtype is hashed as numbers (booleans included)."""
    return pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_complex_dtype(dtype)


def _decimal_parts(x: np.ndarray, exponent: np.ndarray) -> np.ndarray:
    return np.round(x * np.power(10.0, 9 - exponent))


def number_hashes(values: np.ndarray) -> np.ndarray:
    """Hash floats after rounding each to 10 significant digits; NaN is the missing token."""
    x = np.asarray(values, dtype=np.float64)
    out = np.full(x.shape, _NULL, dtype=np.uint64)
    out[x == np.inf] = _POS_INF
    out[x == -np.inf] = _NEG_INF
    finite = np.isfinite(x)
    size = np.abs(np.where(finite, x, 0.0))
    regular = finite & (size >= _TINY)
    mantissa = np.zeros(x.shape, dtype=np.float64)
    exponent = np.zeros(x.shape, dtype=np.int64)
    xr = x[regular]
    exp = np.floor(np.log10(size[regular])).astype(np.int64)
    man = _decimal_parts(xr, exp)
    # log10 can land one off near powers of ten; re-derive the exponent where it did
    too_big, too_small = np.abs(man) >= 1e10, np.abs(man) < 1e9
    exp = exp + too_big - too_small
    man = np.where(too_big | too_small, _decimal_parts(xr, exp), man)
    overflow = np.abs(man) >= 1e10  # 9.9999999999e9 rounded up to 1e10
    man = np.where(overflow, np.round(man / 10), man)
    exp = np.where(overflow, exp + 1, exp)
    mantissa[regular], exponent[regular] = man, exp
    tiny = finite & ~regular & (size > 0)
    for i in np.flatnonzero(tiny):
        text = f"{x[i]:.9e}"
        digits, exp_text = text.split("e")
        mantissa[i], exponent[i] = float(digits.replace(".", "")), int(exp_text)
    hashed = mix(mantissa.astype(np.int64).view(np.uint64) ^ _NUMBER_TAG)
    out[finite] = fold(hashed, exponent.view(np.uint64))[finite]
    return out


def _object_token(value) -> tuple[str, object]:
    if isinstance(value, (bool, np.bool_, numbers.Real, Decimal)):
        return "number", float(value)
    if isinstance(value, str):
        return "text", value.strip()
    if isinstance(value, (datetime, date, np.datetime64)):
        stamp = pd.Timestamp(value)
        if stamp.tzinfo is not None:
            stamp = stamp.tz_convert("UTC")
        return "time", stamp.isoformat()
    return "text", str(value).strip()


def _object_hashes(uniques: Sequence) -> np.ndarray:
    out = np.empty(len(uniques), dtype=np.uint64)
    numeric_at, numeric_values = [], []
    for i, value in enumerate(uniques):
        kind, token = _object_token(value)
        if kind == "number":
            numeric_at.append(i)
            numeric_values.append(token)
        else:
            out[i] = text_hash(token, b"t" if kind == "time" else b"s")
    if numeric_at:
        out[numeric_at] = number_hashes(np.array(numeric_values, dtype=np.float64))
    return out


def cell_hashes(column: pd.Series) -> np.ndarray:
    """One uint64 per cell of a column, after normalisation."""
    if is_numeric_dtype(column.dtype):
        return number_hashes(column.to_numpy(dtype=np.float64, na_value=np.nan))
    codes, uniques = pd.factorize(column.astype(object), use_na_sentinel=True)
    table = _object_hashes(list(uniques))
    out = np.full(len(column), _NULL, dtype=np.uint64)
    present = codes >= 0
    out[present] = table[codes[present]]
    return out


def column_tag(name: str) -> np.uint64:
    """Hash of a column name, mixed into each of its cells."""
    return text_hash(name, b"c")


def row_fingerprints(frame: pd.DataFrame) -> np.ndarray:
    """Signed 64-bit fingerprint of each row (int64 array, one per row).

    Parameters
    ----------
    frame : pandas.DataFrame
        The table; column order and the index are ignored.

    Returns
    -------
    numpy.ndarray
        ``int64`` array of length ``len(frame)``.

    Examples
    --------
    >>> import pandas as pd
    >>> a = row_fingerprints(pd.DataFrame({"x": [1, 2], "s": [" a", "b"]}))
    >>> b = row_fingerprints(pd.DataFrame({"s": ["a", "b "], "x": [1.0, 2.0]}))
    >>> bool((a == b).all())
    True
    """
    state = np.full(len(frame), np.uint64(_ROW_SEED), dtype=np.uint64)
    for name in sorted(str(c) for c in frame.columns):
        cells = cell_hashes(_column(frame, name))
        state = fold(state, cells ^ column_tag(name))
    return state.view(np.int64)


def _column(frame: pd.DataFrame, name: str) -> pd.Series:
    for column in frame.columns:
        if str(column) == name:
            return frame[column]
    raise KeyError(name)


def content_hash(frame: pd.DataFrame, fingerprints: np.ndarray | None = None) -> str:
    """sha256 of the normalised table: sorted column names, then the row fingerprints in row order."""
    if fingerprints is None:
        fingerprints = row_fingerprints(frame)
    digest = hashlib.sha256(b"synthgate-ledger-content-v1\n")
    digest.update(json.dumps(sorted(str(c) for c in frame.columns)).encode())
    digest.update(np.ascontiguousarray(fingerprints, dtype="<i8").tobytes())
    return digest.hexdigest()
