"""The bundled UCI Adult table (see ADULT.md for source, licence and how it was built)."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

ADULT_PATH = Path(__file__).with_name("adult.parquet")
ADULT_ROWS = 48_842
ADULT_METADATA = {"target": "income", "sensitive": ["sex", "race"], "positive": ">50K"}


@dataclass(frozen=True, eq=False)
class RealSplit:
    """A real table split into the part a generator may see and a holdout it never sees.

    Attributes
    ----------
    real : pandas.DataFrame
        Training rows, the only rows a generator is fitted on.
    holdout : pandas.DataFrame
        Disjoint real rows kept aside as the honest reference.
    metadata : dict
        ``{"target": ..., "sensitive": [...], "positive": ...}``.
    """

    real: pd.DataFrame
    holdout: pd.DataFrame
    metadata: dict = field(default_factory=dict)


@lru_cache(maxsize=1)
def _read_adult() -> pd.DataFrame:
    frame = pd.read_parquet(ADULT_PATH, engine="pyarrow")
    # pandas >= 3 reads strings as the `str` dtype; the documented contract is plain object columns.
    text = frame.select_dtypes(exclude="number").columns
    return frame.astype({column: object for column in text})


def load_adult_frame() -> pd.DataFrame:
    """Return all 48,842 rows of UCI Adult (train and test files combined).

    Returns
    -------
    pandas.DataFrame
        A fresh copy on every call: six int64 columns and nine object (string) columns.
        Missing values (``"?"`` in the raw files) are NaN in ``workclass``, ``occupation`` and
        ``native_country``; synthgate treats NaN as a category of its own.

    Examples
    --------
    >>> frame = load_adult_frame()
    >>> frame.shape
    (48842, 15)
    >>> sorted(frame["income"].unique())
    ['<=50K', '>50K']
    """
    return _read_adult().copy(deep=True)


def load_adult(seed: int = 0, *, holdout_share: float = 0.5, n: int | None = None) -> RealSplit:
    """Split UCI Adult into disjoint ``real`` and ``holdout`` tables.

    Parameters
    ----------
    seed : int, default 0
        Seeds ``np.random.default_rng(seed).permutation``; the same seed gives the same split.
    holdout_share : float, default 0.5
        Share of the (sub)sample that goes to the holdout, strictly between 0 and 1.
    n : int, optional
        Take a seeded subset of ``n`` rows first (for small tests), then split it.

    Returns
    -------
    RealSplit
        ``real`` and ``holdout`` with fresh RangeIndexes, and the metadata
        ``{"target": "income", "sensitive": ["sex", "race"], "positive": ">50K"}``.

    Examples
    --------
    >>> split = load_adult(0, n=1000)
    >>> len(split.real), len(split.holdout)
    (500, 500)
    """
    if not 0.0 < holdout_share < 1.0:
        raise ValueError(f"holdout_share must be strictly between 0 and 1, got {holdout_share!r}.")
    if n is not None and not 2 <= n <= ADULT_ROWS:
        raise ValueError(f"n must be between 2 and {ADULT_ROWS} rows, got {n!r}.")
    frame = _read_adult()
    order = np.random.default_rng(seed).permutation(len(frame))[: n or len(frame)]
    n_holdout = min(max(round(holdout_share * len(order)), 1), len(order) - 1)
    return RealSplit(
        real=frame.iloc[order[n_holdout:]].reset_index(drop=True),
        holdout=frame.iloc[order[:n_holdout]].reset_index(drop=True),
        metadata={"target": "income", "sensitive": ["sex", "race"], "positive": ">50K"},
    )


def load_adult_independent(seed: int, *, n: int, size: int) -> pd.DataFrame:
    """``size`` Adult rows disjoint from ``load_adult(seed, n=n)``'s real and holdout tables.

    An independent real sample: the stand-in for a perfect generator in false-alarm tests and in the demo's
    control row (never the holdout itself, which the honest references are built from).

    Examples
    --------
    >>> split = load_adult(0, n=1000)
    >>> control = load_adult_independent(0, n=1000, size=300)
    >>> len(control), len(set(control.index))
    (300, 300)
    """
    frame = _read_adult()
    order = np.random.default_rng(seed).permutation(len(frame))
    if n + size > len(frame):
        raise ValueError(f"Adult has {len(frame)} rows: {n} split rows and {size} independent rows do not fit.")
    return frame.iloc[order[n:n + size]].reset_index(drop=True)
