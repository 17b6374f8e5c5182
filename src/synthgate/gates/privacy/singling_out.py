"""Singling out, after anonymeter's multivariate attack (Giomi et al. 2023), vectorised.

The attacker builds predicates from synthetic records: for a random synthetic row and ``n_cols`` random
columns, "column == value" for categories, "column >= value" for numbers above the column's synthetic median
(else "<="), "column is missing" for a missing value. A query that matches exactly one row of the
(deduplicated) synthetic table is kept. The attack succeeds on a table when the query matches exactly one
of its (deduplicated) rows.

Speed: each distinct predicate becomes a packed bit set of the table's rows once; a query's count is the
population count of the AND of its predicates' bit sets.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from synthgate.gates.privacy._mixed import MixedTable

EQ, GE, LE, MISSING = 0, 1, 2, 3
_BATCH = 1024
_MAX_BITS_BYTES = 256 << 20


@dataclass(frozen=True)
class Queries:
    """Conjunctions of predicates, one query per row: column index, operator and value per term."""

    columns: np.ndarray
    ops: np.ndarray
    values: np.ndarray

    def __len__(self) -> int:
        return len(self.columns)

    def take(self, rows: np.ndarray) -> "Queries":
        return Queries(self.columns[rows], self.ops[rows], self.values[rows])


def singling_out_queries(synthetic: MixedTable, n_queries: int, n_cols: int, rng: np.random.Generator,
                         max_attempts: int) -> tuple[Queries, int]:
    """Up to ``n_queries`` distinct queries that each single out one row of ``synthetic`` (deduplicated).

    Returns the queries and the number of attempts made.
    """
    table = synthetic.distinct()
    n_cols = min(n_cols, table.values.shape[1])
    medians = _medians(table)
    bits = _PredicateBits(table)
    kept: list[Queries] = []
    seen: set[bytes] = set()
    found = attempts = 0
    while found < n_queries and attempts < max_attempts:
        size = min(_BATCH, max_attempts - attempts)
        batch = _from_records(table, medians, n_cols, size, rng)
        attempts += size
        fresh = []
        for i in np.flatnonzero(bits.count(batch) == 1):
            key = _key(batch, i)
            if key not in seen and len(fresh) < n_queries - found:
                seen.add(key)
                fresh.append(i)
        kept.append(batch.take(np.array(fresh, dtype=np.int64)))
        found += len(fresh)
    if not kept:
        empty = np.zeros((0, n_cols))
        return Queries(empty.astype(np.int64), empty.astype(np.int8), empty), 0
    return Queries(*(np.concatenate([getattr(q, f) for q in kept]) for f in ("columns", "ops", "values"))), attempts


def singles_out(table: MixedTable, queries: Queries) -> int:
    """Number of queries matching exactly one row of the deduplicated ``table``."""
    return int((_PredicateBits(table.distinct()).count(queries) == 1).sum())


class _PredicateBits:
    """Packed bit sets of the rows each predicate holds on, computed once per distinct predicate."""

    def __init__(self, table: MixedTable):
        self.columns = np.ascontiguousarray(table.values.T)
        self.index: dict[tuple, int] = {}
        self.store = np.zeros((64, (len(table) + 7) // 8), dtype=np.uint8)

    def count(self, queries: Queries) -> np.ndarray:
        """How many rows each query matches (in chunks, so the bit sets stay within a memory budget)."""
        row_bytes = self.store.shape[1] * max(queries.columns.shape[1], 1)
        step = max(_MAX_BITS_BYTES // 2 // row_bytes, 1)
        return np.concatenate([self._count(queries.take(np.arange(s, min(s + step, len(queries)))))
                               for s in range(0, len(queries), step)] or [np.zeros(0, np.int64)])

    def _count(self, queries: Queries) -> np.ndarray:
        if len(self.index) * self.store.shape[1] > _MAX_BITS_BYTES // 2:
            self.index.clear()
        ids = np.array([self._id(c, o, v) for c, o, v in zip(queries.columns.ravel(), queries.ops.ravel(),
                                                              queries.values.ravel())], dtype=np.int64)
        ids = ids.reshape(queries.columns.shape)
        match = self.store[ids[:, 0]]
        for term in range(1, ids.shape[1]):
            match = match & self.store[ids[:, term]]
        return np.bitwise_count(match).sum(axis=1, dtype=np.int64)

    def _id(self, column: int, op: int, value: float) -> int:
        key = (int(column), int(op), float(value) if value == value else None)
        found = self.index.get(key)
        if found is None:
            found = self.index[key] = len(self.index)
            if found == len(self.store):
                self.store = np.concatenate([self.store, np.zeros_like(self.store)])
            self.store[found] = np.packbits(_holds(self.columns[column], op, value))
        return found


def _holds(column: np.ndarray, op: int, value: float) -> np.ndarray:
    with np.errstate(invalid="ignore"):
        if op == EQ:
            return column == value
        if op == GE:
            return column >= value
        if op == LE:
            return column <= value
        return np.isnan(column)


def _from_records(table: MixedTable, medians: np.ndarray, n_cols: int, size: int,
                  rng: np.random.Generator) -> Queries:
    records = rng.integers(0, len(table), size=size)
    columns = np.argsort(rng.random((size, table.values.shape[1])), axis=1)[:, :n_cols]
    values = table.values[records[:, None], columns]
    numeric = table.numeric[columns]
    with np.errstate(invalid="ignore"):
        above = values > medians[columns]
    ops = np.where(~numeric, EQ, np.where(np.isnan(values), MISSING, np.where(above, GE, LE))).astype(np.int8)
    return Queries(columns, ops, values)


def _medians(table: MixedTable) -> np.ndarray:
    out = np.full(table.values.shape[1], np.nan)
    for j in np.flatnonzero(table.numeric):
        column = table.values[:, j]
        if (~np.isnan(column)).any():
            out[j] = np.nanmedian(column)
    return out


def _key(queries: Queries, i: int) -> bytes:
    order = np.argsort(queries.columns[i], kind="stable")
    return (queries.columns[i][order].tobytes() + queries.ops[i][order].tobytes()
            + np.nan_to_num(queries.values[i][order], nan=np.inf).tobytes())
