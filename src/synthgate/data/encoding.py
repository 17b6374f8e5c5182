"""The one shared encoding every distance-based gate reuses.

Numerical columns are scaled by the real range to [0, 1] (NaN gets an indicator column); categorical
columns are one-hot scaled by 1/sqrt(2), plus an "unseen" slot, so that a category mismatch adds exactly 1
to the squared distance, like a numerical difference of one full real range. Euclidean distance on this
encoding is therefore the mixed-type distance, and exact L2 search (faiss, matrix products) is exact for it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from synthgate.data.schema import Column, Schema

_HALF_SQRT2 = 1.0 / math.sqrt(2.0)


@dataclass(frozen=True)
class NumericSpec:
    name: str
    low: float
    span: float
    fill: float
    indicator: bool


@dataclass(frozen=True)
class CategoricalSpec:
    name: str
    categories: tuple


@dataclass(frozen=True)
class Encoding:
    numeric: tuple[NumericSpec, ...]
    categorical: tuple[CategoricalSpec, ...]

    @property
    def dim(self) -> int:
        return (sum(1 + s.indicator for s in self.numeric)
                + sum(len(s.categories) + 1 for s in self.categorical))

    @property
    def columns(self) -> list[str]:
        return [s.name for s in self.numeric] + [s.name for s in self.categorical]

    def transform(self, frame: pd.DataFrame) -> np.ndarray:
        """Encode ``frame`` into a float32, C-contiguous (rows × dim) array."""
        blocks = [self._numeric_block(frame, s) for s in self.numeric]
        blocks += [self._onehot_block(frame, s) for s in self.categorical]
        if not blocks:
            return np.zeros((len(frame), 0), dtype=np.float32)
        return np.ascontiguousarray(np.hstack(blocks), dtype=np.float32)

    def codes(self, frame: pd.DataFrame, column: str) -> np.ndarray:
        """Integer codes of a categorical column in real's category order; -1 for unseen values."""
        spec = next(s for s in self.categorical if s.name == column)
        return category_codes(frame[column], spec.categories)

    @staticmethod
    def _numeric_block(frame: pd.DataFrame, spec: NumericSpec) -> np.ndarray:
        values = numeric_values(frame[spec.name])
        missing = np.isnan(values)
        scaled = (np.where(missing, spec.fill, values) - spec.low) / spec.span
        return np.column_stack([scaled, missing.astype(float)]) if spec.indicator else scaled[:, None]

    @staticmethod
    def _onehot_block(frame: pd.DataFrame, spec: CategoricalSpec) -> np.ndarray:
        codes = category_codes(frame[spec.name], spec.categories)
        block = np.zeros((len(frame), len(spec.categories) + 1), dtype=np.float32)
        block[np.arange(len(frame)), np.where(codes < 0, len(spec.categories), codes)] = _HALF_SQRT2
        return block


def fit_encoding(real: pd.DataFrame, schema: Schema, *, others: list[pd.DataFrame] = ()) -> Encoding:
    """Fit the encoding on ``real``; ``others`` only decide whether a NaN indicator is needed."""
    numeric, categorical = [], []
    for column in schema.usable:
        if column.kind.is_numerical:
            numeric.append(_numeric_spec(real, column, others))
        elif column.kind.is_categorical:
            categorical.append(CategoricalSpec(column.name, column.categories))
    return Encoding(tuple(numeric), tuple(categorical))


def _numeric_spec(real: pd.DataFrame, column: Column, others: list[pd.DataFrame]) -> NumericSpec:
    values = numeric_values(real[column.name])
    finite = values[~np.isnan(values)]
    low, high = (float(finite.min()), float(finite.max())) if len(finite) else (0.0, 1.0)
    span = high - low if high > low else 1.0
    indicator = column.nullable or any(o[column.name].isna().any() for o in others)
    fill = float(np.median(finite)) if len(finite) else 0.0
    return NumericSpec(column.name, low, span, fill, bool(indicator))


def numeric_values(series: pd.Series) -> np.ndarray:
    """float64 values of a numerical or datetime column (datetimes as days since the epoch), NaN kept."""
    if pd.api.types.is_datetime64_any_dtype(series):
        nanos = series.astype("datetime64[ns]").to_numpy().astype("int64").astype(float)
        return np.where(series.isna().to_numpy(), np.nan, nanos / 86_400e9)
    return pd.to_numeric(series, errors="coerce").to_numpy(dtype=float, na_value=np.nan)


def category_codes(series: pd.Series, categories: tuple) -> np.ndarray:
    """Codes in ``categories`` order; NaN maps to the ``None`` category if real had one, else -1."""
    lookup = {c: i for i, c in enumerate(categories) if c is not None}
    nan_code = categories.index(None) if None in categories else -1
    codes = series.map(lookup)
    codes = codes.where(series.notna(), nan_code)
    return codes.fillna(-1).to_numpy(dtype=np.int64)
