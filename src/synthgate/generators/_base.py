"""What every baseline synthesizer shares: input checks, the fitted copy, seeded sampling."""

from __future__ import annotations

import numbers
from abc import ABC, abstractmethod

import numpy as np
import pandas as pd


def is_numeric_column(column: pd.Series) -> bool:
    """True for int and float columns; bools, strings and everything else count as categorical."""
    return pd.api.types.is_numeric_dtype(column.dtype) and not pd.api.types.is_bool_dtype(column.dtype)


def take_rows(column: pd.Series, positions: np.ndarray) -> pd.Series:
    """Values of ``column`` at ``positions``, with its dtype and a fresh RangeIndex."""
    return column.take(positions).reset_index(drop=True)


class Synthesizer(ABC):
    """Base class: ``fit(real)`` stores a private copy, ``sample(n, seed)`` draws a new table.

    Every sampled value is a value of the fitted table (drawn by row position), so columns keep
    their dtype and NaN stays a possible value wherever the real column had it.
    """

    def fit(self, real: pd.DataFrame) -> "Synthesizer":
        """Learn from ``real`` (left unchanged) and return ``self``."""
        _check_real(real)
        # A private copy: later edits to the caller's frame must not change what we sample.
        self._real = real.reset_index(drop=True).copy(deep=True)
        # attrs are copied by every pandas operation, and are meaningless for sampled rows.
        self._real.attrs = {}
        self.columns_ = list(real.columns)
        self._fit(self._real)
        return self

    def sample(self, n: int, seed: int) -> pd.DataFrame:
        """Draw ``n`` rows; the same ``seed`` always gives the same table.

        Parameters
        ----------
        n : int
            Number of rows (0 gives an empty table with the right columns and dtypes).
        seed : int
            Seeds ``np.random.default_rng``; nothing else is random.

        Returns
        -------
        pandas.DataFrame
            Same columns, column order and dtypes as the fitted table, RangeIndex.
        """
        if not hasattr(self, "_real"):
            raise ValueError(f"{type(self).__name__} is not fitted yet; call fit(real) before sample().")
        if not isinstance(n, numbers.Integral) or isinstance(n, bool) or n < 0:
            raise ValueError(f"n must be a non-negative integer, got {n!r}.")
        if not isinstance(seed, numbers.Integral) or isinstance(seed, bool):
            raise ValueError(f"seed must be an integer, got {seed!r}; sampling is only reproducible with one.")
        if n == 0:
            return self._real.iloc[0:0][self.columns_].reset_index(drop=True)
        columns = self._sample(int(n), np.random.default_rng(seed))
        return pd.DataFrame({name: columns[name] for name in self.columns_}, columns=self.columns_)

    @abstractmethod
    def _fit(self, real: pd.DataFrame) -> None:
        """Learn from the private copy ``real`` (RangeIndex)."""

    @abstractmethod
    def _sample(self, n: int, rng: np.random.Generator) -> dict[object, pd.Series]:
        """Return one Series of length ``n`` per column."""


def _check_real(real: pd.DataFrame) -> None:
    """Raise ValueError when ``real`` cannot be fitted."""
    if not isinstance(real, pd.DataFrame):
        raise ValueError(f"real must be a pandas DataFrame, got {type(real).__name__}.")
    if len(real) == 0 or real.shape[1] == 0:
        raise ValueError(f"real has shape {real.shape}; a generator needs at least one row and one column.")
    if real.columns.has_duplicates:
        duplicated = sorted(map(str, real.columns[real.columns.duplicated()]))
        raise ValueError(f"real has duplicated column names {duplicated}; rename them first.")
