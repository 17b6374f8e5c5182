"""Tables for the ledger tests, made here with numpy so the tests need no data files."""

from __future__ import annotations

import numpy as np
import pandas as pd

CITIES = np.array(["Oslo", "Lima", "Accra", "Pune", "Quito", "Hanoi", "Perth", "Turin"])
SCHOOLING = np.array(["primary", "secondary", "bachelor", "master", "doctorate"])


def mixed_table(rows: int, seed: int) -> pd.DataFrame:
    """A table with ints, floats, strings, a boolean and some NaN (about 3 % per nullable column)."""
    rng = np.random.default_rng(seed)
    income = np.round(rng.lognormal(10, 0.6, rows), 2)
    income[rng.random(rows) < 0.03] = np.nan
    city = CITIES[rng.integers(0, len(CITIES), rows)].astype(object)
    city[rng.random(rows) < 0.03] = None
    return pd.DataFrame({
        "age": rng.integers(18, 90, rows),
        "hours": np.clip(np.round(rng.normal(40, 10, rows)), 1, 99).astype(np.int64),
        "income": income,
        "score": rng.normal(0, 1, rows),
        "ratio": rng.beta(2, 5, rows),
        "city": city,
        "schooling": SCHOOLING[rng.integers(0, len(SCHOOLING), rows)],
        "member": rng.random(rows) < 0.3,
    })


def perturb(frame: pd.DataFrame, seed: int, noise: float = 0.01) -> pd.DataFrame:
    """Add Gaussian noise of ``noise`` x std to every non-boolean numeric column; categoricals unchanged."""
    rng = np.random.default_rng(seed)
    out = frame.copy()
    for name in out.columns:
        column = out[name]
        if pd.api.types.is_numeric_dtype(column.dtype) and not pd.api.types.is_bool_dtype(column.dtype):
            values = column.to_numpy(dtype=float)
            out[name] = values + rng.normal(0, noise * np.nanstd(values), len(values))
    return out
