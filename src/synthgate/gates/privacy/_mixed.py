"""Mixed-type tables for the anonymeter-style attacks: raw numbers, category codes, a Gower-like L1 distance.

The attacks follow anonymeter (Giomi et al. 2023), which measures closeness with its own distance: the sum
over columns of |a - b| / range for numbers (range over both tables of the comparison) and 0/1 mismatches
for categories. Unlike anonymeter, a missing number matches a missing number (0) and differs from any value
(1); anonymeter adds 1 for two missing values and drops a row compared with one missing value.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

import numpy as np

from synthgate.data import numeric_values
from synthgate.gates.context import RunContext

#: Two distances closer than this are a tie (sums of the same terms in another order differ by rounding).
TIE = 1e-9
_CELLS = 1 << 22


@dataclass(frozen=True)
class MixedTable:
    """Columns as float64: numbers as they are (NaN kept), categories as integer codes (NaN a code of its own)."""

    values: np.ndarray
    numeric: np.ndarray
    names: tuple[str, ...]

    def __len__(self) -> int:
        return len(self.values)

    def rows(self, positions: np.ndarray) -> "MixedTable":
        return MixedTable(self.values[positions], self.numeric, self.names)

    def column(self, name: str) -> int:
        return self.names.index(name)

    def distinct(self) -> "MixedTable":
        """Duplicate rows dropped (first occurrence kept, order kept), as anonymeter's singling out does."""
        filled = np.where(np.isnan(self.values), np.inf, self.values)
        _, first = np.unique(filled, axis=0, return_index=True)
        return self.rows(np.sort(first))


def mixed_table(ctx: RunContext, role: str) -> MixedTable:
    """The usable columns of one table as a ``MixedTable`` (cached per run)."""

    def build() -> MixedTable:
        frame = ctx.tables[role]
        names = tuple(ctx.schema.numerical + ctx.schema.categorical)
        blocks = [numeric_values(frame[c]) for c in ctx.schema.numerical]
        for c in ctx.schema.categorical:
            codes = ctx.encoding.codes(frame, c)
            # Values unseen in real share the code after the last category; a missing one keeps its own.
            blocks.append(np.where(codes < 0, len(ctx.schema[c].categories), codes).astype(np.float64))
        values = np.column_stack(blocks) if blocks else np.zeros((len(frame), 0))
        numeric = np.array([c in ctx.schema.numerical for c in names], dtype=bool)
        return MixedTable(values, numeric, names)

    return ctx._cached(("privacy-mixed", role), build)


def column_distance(targets: np.ndarray, base: np.ndarray, numeric: bool, span: float) -> np.ndarray:
    """One column's contribution, targets x base: |a - b| / span for numbers, 0/1 for categories."""
    a, b = targets[:, None], base[None, :]
    if not numeric:
        return (a != b).astype(np.float64)
    gap = np.abs(a - b) / span
    missing_a, missing_b = np.isnan(a), np.isnan(b)
    if not (missing_a.any() or missing_b.any()):
        return gap
    return np.where(missing_a | missing_b, np.where(missing_a & missing_b, 0.0, 1.0), gap)


def spans(targets: MixedTable, base: MixedTable, columns: list[int]) -> dict[int, float]:
    """Each numeric column's range over both tables (1 when constant), as anonymeter scales them."""
    out = {}
    for j in columns:
        if base.numeric[j]:
            both = np.concatenate([targets.values[:, j], base.values[:, j]])
            both = both[~np.isnan(both)]
            span = float(both.max() - both.min()) if len(both) else 1.0
            out[j] = span if span > 0 else 1.0
    return out


def distance_blocks(targets: MixedTable, base: MixedTable, columns: list[int]
                    ) -> Iterator[tuple[slice, np.ndarray]]:
    """Blocks of target rows with their distances to every base row over ``columns``.

    Category mismatches are counted as (number of categorical columns) minus a one-hot matrix product.
    """
    scale = spans(targets, base, columns)
    numeric = [j for j in columns if base.numeric[j]]
    categorical = [j for j in columns if not base.numeric[j]]
    levels = {j: int(max(targets.values[:, j].max(initial=0), base.values[:, j].max(initial=0))) + 1
              for j in categorical}
    base_hot = _one_hot(base.values, categorical, levels)
    step = max(_CELLS // max(len(base), 1), 1)
    for start in range(0, len(targets), step):
        rows = slice(start, start + step)
        block = np.full((len(targets.values[rows]), len(base)), float(len(categorical)))
        if categorical:
            block -= _one_hot(targets.values[rows], categorical, levels) @ base_hot.T
        for j in numeric:
            block += column_distance(targets.values[rows, j], base.values[:, j], True, scale[j])
        yield rows, block


def _one_hot(values: np.ndarray, columns: list[int], levels: dict[int, int]) -> np.ndarray:
    offsets = np.cumsum([0] + [levels[j] for j in columns])
    out = np.zeros((len(values), int(offsets[-1])))
    for k, j in enumerate(columns):
        out[np.arange(len(values)), offsets[k] + values[:, j].astype(np.int64)] = 1.0
    return out


def nearest_set(distances: np.ndarray) -> np.ndarray:
    """Boolean mask of each row's nearest base rows (all of them when several tie)."""
    return distances <= distances.min(axis=1, keepdims=True) + TIE
