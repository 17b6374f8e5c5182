"""Kernels: pure functions from one pandas partition to a small mergeable state, and their merges.

Each statistic is a pair ``(kernel, merge)`` for :meth:`Executor.map_reduce`: ``kernel(partition, ...)``
summarises one partition, ``merge(a, b)`` combines two summaries (associative, so any partitioning gives
the same answer; executors also merge in one fixed pairwise order, so local and cluster runs agree to the
bit).

- :func:`value_counts` / :func:`merge_value_counts`: categorical counts, a missing value counted as ``None``.
- :func:`histograms` / :func:`merge_histograms`: counts on fixed bin edges, with what falls outside or is
  missing counted, never dropped.
- :func:`comoments` / :func:`merge_comoments`: count, mean and centred co-moment matrix (the stable form of
  n, sums and sums of outer products), for covariances and correlations.
- :func:`partition_fingerprints`: the ledger's row fingerprints of a partition (concatenate, not merge).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from synthgate.data.fingerprints import row_fingerprints

__all__ = ["CoMoments", "Histogram", "comoments", "histograms", "merge_comoments", "merge_histograms",
           "merge_value_counts", "partition_fingerprints", "value_counts"]

ValueCounts = dict[str, dict[object, int]]


def value_counts(partition: pd.DataFrame, columns: Sequence[str]) -> ValueCounts:
    """Per column, how often each value occurs; every missing value (NaN, None, NA) counts as ``None``."""
    return {name: _counts(partition[name]) for name in columns}


def _counts(column: pd.Series) -> dict[object, int]:
    counts: dict[object, int] = {}
    for value, n in column.value_counts(dropna=False, sort=False).items():
        key = None if pd.isna(value) else (value.item() if isinstance(value, np.generic) else value)
        counts[key] = counts.get(key, 0) + int(n)
    return counts


def merge_value_counts(a: ValueCounts, b: ValueCounts) -> ValueCounts:
    """Add two partitions' counts, column by column."""
    merged = {}
    for name in dict.fromkeys([*a, *b]):
        column = dict(a.get(name, {}))
        for value, n in b.get(name, {}).items():
            column[value] = column.get(value, 0) + n
        merged[name] = column
    return merged


@dataclass(frozen=True, eq=False)
class Histogram:
    """Counts of a numeric column on fixed bin edges.

    ``counts[i]`` holds values in ``[edges[i], edges[i + 1])``, the last bin closed (numpy's rule);
    ``below`` / ``above`` count finite values outside the edges (and -inf / +inf), ``missing`` the NaN.
    """

    edges: np.ndarray
    counts: np.ndarray
    below: int = 0
    above: int = 0
    missing: int = 0

    @property
    def total(self) -> int:
        """Every value counted, inside the edges or not."""
        return int(self.counts.sum()) + self.below + self.above + self.missing


def histograms(partition: pd.DataFrame, edges: Mapping[str, np.ndarray]) -> dict[str, Histogram]:
    """One :class:`Histogram` per column named in ``edges`` (ascending bin edges per column)."""
    return {name: _histogram(partition[name], np.asarray(bins, dtype=np.float64)) for name, bins in edges.items()}


def _histogram(column: pd.Series, edges: np.ndarray) -> Histogram:
    x = column.to_numpy(dtype=np.float64, na_value=np.nan)
    missing = np.isnan(x)
    counts, _ = np.histogram(x[~missing], bins=edges)
    below = int((x < edges[0]).sum())
    above = int((x > edges[-1]).sum())
    return Histogram(edges, counts.astype(np.int64), below, above, int(missing.sum()))


def merge_histograms(a: dict[str, Histogram], b: dict[str, Histogram]) -> dict[str, Histogram]:
    """Add two partitions' histograms (the same edges per column)."""
    return {name: Histogram(h.edges, h.counts + b[name].counts, h.below + b[name].below, h.above + b[name].above,
                            h.missing + b[name].missing) for name, h in a.items()}


@dataclass(frozen=True, eq=False)
class CoMoments:
    """Co-moments of numeric columns over the rows complete in all of them.

    ``n`` complete rows, their column means (``shift + centre``) and ``comoment``, the sum over rows
    of the outer product of the centred row. Centred sums rather than raw sums of outer products: with
    a mean far above the spread (timestamps, incomes) raw sums lose the covariance to cancellation.
    A ``shift`` near the data (any row, say) also keeps the merged means' rounding out of the digits
    that matter; covariances do not depend on it. ``skipped`` counts rows left out because a value
    was missing.
    """

    columns: tuple[str, ...]
    n: int
    centre: np.ndarray
    comoment: np.ndarray
    shift: np.ndarray
    skipped: int = 0

    @property
    def mean(self) -> np.ndarray:
        """Column means of the complete rows."""
        return self.shift + self.centre

    def covariance(self, ddof: int = 1) -> np.ndarray:
        """Sample covariance matrix (``ddof=1``) of the complete rows."""
        return self.comoment / (self.n - ddof)

    def correlation(self) -> np.ndarray:
        """Pearson correlation matrix; NaN for a constant column."""
        scale = np.sqrt(np.diag(self.comoment))
        with np.errstate(divide="ignore", invalid="ignore"):
            return self.comoment / np.outer(scale, scale)


def comoments(partition: pd.DataFrame, columns: Sequence[str], shift: Sequence[float] | None = None) -> CoMoments:
    """The :class:`CoMoments` of ``columns`` in one partition (every partition with the same ``shift``)."""
    x = np.column_stack([partition[c].to_numpy(dtype=np.float64, na_value=np.nan) for c in columns])
    x = x.reshape(len(partition), len(columns))
    origin = np.zeros(len(columns)) if shift is None else np.asarray(shift, dtype=np.float64)
    complete = ~np.isnan(x).any(axis=1)
    rows = x[complete] - origin
    centre = rows.mean(axis=0) if len(rows) else np.zeros(len(columns))
    centred = rows - centre
    return CoMoments(tuple(columns), len(rows), centre, centred.T @ centred, origin, int((~complete).sum()))


def merge_comoments(a: CoMoments, b: CoMoments) -> CoMoments:
    """Combine two partitions' co-moments (Chan, Golub & LeVeque's pairwise update, per matrix entry)."""
    n = a.n + b.n
    if a.n == 0 or b.n == 0:
        kept = b if a.n == 0 else a
        return CoMoments(kept.columns, n, kept.centre, kept.comoment, kept.shift, a.skipped + b.skipped)
    delta = b.centre - a.centre
    centre = a.centre + delta * (b.n / n)
    comoment = a.comoment + b.comoment + np.outer(delta, delta) * (a.n * b.n / n)
    return CoMoments(a.columns, n, centre, comoment, a.shift, a.skipped + b.skipped)


def partition_fingerprints(partition: pd.DataFrame, columns: Sequence[str] | None = None) -> np.ndarray:
    """The ledger's int64 row fingerprints (:func:`synthgate.data.fingerprints.row_fingerprints`) of a
    partition, on ``columns`` or all of them; concatenated in partition order they equal the whole table's."""
    return row_fingerprints(partition if columns is None else partition[list(columns)])
