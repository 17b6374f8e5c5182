"""Kernels that need a row's global number: a reproducible bounded sample, and per-shard nearest neighbours.

Sample: every row gets a 64-bit key, splitmix64 of its global row number mixed with the seed; the sample
is the ``n`` rows with the smallest keys. The key depends on the row and the seed only, so the same seed
picks the same rows however the table is partitioned, and each partition sends at most ``n`` rows.
splitmix64 is a bijection of 64-bit words, so two rows never share a key (no ties to break).

Neighbours: each shard (a partition of the reference table) is searched with the one kNN engine
(:func:`synthgate.neighbors.knn`); its indices are made global, and the shards' top-k lists are merged
with :func:`synthgate.neighbors.merge_topk`, exact because canonical order is a total order.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from synthgate.data.fingerprints import mix
from synthgate.executor.dataset import PartitionedDataset
from synthgate.neighbors import Neighbors, knn
from synthgate.neighbors.engine import drop_self

__all__ = ["RowSample", "as_float_table", "merge_samples", "row_keys", "sample_partition", "shard_neighbors"]

_SAMPLE_TAG = 0x8C3F1D5B2A7E6049
_WORD = (1 << 64) - 1

Encode = Callable[[pd.DataFrame], np.ndarray]


def row_keys(rows: np.ndarray, seed: int) -> np.ndarray:
    """uint64 sampling key of each global row number under ``seed``."""
    salt = mix(np.array([(int(seed) & _WORD) ^ _SAMPLE_TAG], dtype=np.uint64))[0]
    return mix(np.asarray(rows, dtype=np.int64).view(np.uint64) ^ salt)


@dataclass(frozen=True, eq=False)
class RowSample:
    """At most ``n`` rows (indexed by global row number) and their sampling keys, smallest first."""

    keys: np.ndarray
    rows: pd.DataFrame
    n: int


def sample_partition(partition: pd.DataFrame, n: int, seed: int) -> RowSample:
    """The partition's ``n`` rows with the smallest keys."""
    keys = row_keys(partition.index.to_numpy(), seed)
    keep = np.argsort(keys, kind="stable")[:n]
    return RowSample(keys[keep], partition.iloc[keep], n)


def merge_samples(a: RowSample, b: RowSample) -> RowSample:
    """The ``n`` rows with the smallest keys of two samples."""
    keys = np.concatenate([a.keys, b.keys])
    keep = np.argsort(keys, kind="stable")[:a.n]
    return RowSample(keys[keep], pd.concat([a.rows, b.rows]).iloc[keep], a.n)


def as_float_table(partition: pd.DataFrame) -> np.ndarray:
    """Default encoding for neighbour search: every column as float32 (the columns must be numeric)."""
    return partition.to_numpy(dtype=np.float32)


def shard_neighbors(partition: pd.DataFrame, queries: np.ndarray, k: int, encode: Encode | None) -> Neighbors:
    """Exact top ``min(k, rows)`` neighbours of every query row in one shard, with global indices."""
    if len(partition) == 0:
        empty = np.empty((len(queries), 0))
        return Neighbors(empty, empty.astype(np.int64))
    base = (encode or as_float_table)(partition)
    found = knn(queries, base, min(k, len(base)))
    return Neighbors(found.distances, found.indices + np.int64(partition.index[0]))


#: rows of base table per shard when a run's neighbour search goes to an executor (``sharded_knn``)
SHARD_ROWS = 50_000


def sharded_knn(executor, query: np.ndarray, base: np.ndarray, k: int, *, exclude_self: bool = False,
                shards: int | None = None) -> Neighbors:
    """``synthgate.neighbors.knn`` with the base table cut into shards searched where ``executor`` runs.

    The same neighbours as ``knn``: each shard's top k in canonical (distance, index) order, merged in
    canonical order; with ``exclude_self`` one more is searched and each row's own index dropped, as ``knn``
    does. ``shards`` defaults to one per ``SHARD_ROWS`` base rows, at least ``executor.parallelism``.
    """
    width = min(k + 1 if exclude_self else k, len(base))
    count = shards or max(getattr(executor, "parallelism", 1), -(-len(base) // SHARD_ROWS))
    table = PartitionedDataset.from_frame(pd.DataFrame(np.ascontiguousarray(base, dtype=np.float32)),
                                          partitions=max(1, min(count, len(base))))
    found = executor.topk_neighbors(np.asarray(query, dtype=np.float32), table, width)
    if not exclude_self:
        return found
    return Neighbors(*drop_self(found.distances, found.indices))
