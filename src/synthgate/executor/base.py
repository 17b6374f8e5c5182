"""The :class:`Executor` interface: where per-partition work runs, in this process or on a Dask cluster.

Three primitives differ per executor: :meth:`~Executor.map_partitions`, :meth:`~Executor.map_reduce`
and :meth:`~Executor.broadcast`. The two derived operations, :meth:`~Executor.topk_neighbors` and
:meth:`~Executor.sample`, are written once here on top of them, so every executor computes them with the
same kernels. Reductions merge in one fixed pairwise tree over partition order (:func:`reduce_pairwise`),
so a floating-point state comes out bit-identical whichever executor merged it.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import numpy as np
import pandas as pd

from synthgate.executor.dataset import PartitionedDataset
from synthgate.executor.shards import Encode, merge_samples, sample_partition, shard_neighbors
from synthgate.neighbors import Neighbors, merge_topk

__all__ = ["Executor", "reduce_pairwise"]

T = TypeVar("T")


def reduce_pairwise(items: Sequence[T], merge: Callable[[T, T], T]) -> T:
    """Merge neighbours pairwise, round after round ((0,1), (2,3), ...), until one item is left.

    The tree's shape depends only on how many items there are; ``merge`` may return a placeholder (a
    cluster future), which is how a cluster runs the same tree remotely.
    """
    items = list(items)
    if not items:
        raise ValueError("nothing to reduce: the dataset has no partitions.")
    while len(items) > 1:
        merged = [merge(items[i], items[i + 1]) for i in range(0, len(items) - 1, 2)]
        items = merged + items[len(items) - len(items) % 2:]
    return items[0]


class Executor(ABC):
    """Runs functions over the partitions of a :class:`PartitionedDataset`.

    ``fn(partition, *args)`` receives one partition as a pandas DataFrame indexed by global row numbers;
    arguments made by :meth:`broadcast` arrive as the object itself. Use an executor as a context
    manager, or call :meth:`close`, to release what it started.
    """

    #: how many partitions it processes at once (shards a search into at least this many)
    parallelism: int = 1

    @abstractmethod
    def map_partitions(self, fn: Callable[..., T], dataset: PartitionedDataset, *args: Any) -> list[T]:
        """``fn`` applied to every partition, results in partition order."""

    @abstractmethod
    def map_reduce(self, fn: Callable[..., T], merge: Callable[[T, T], T], dataset: PartitionedDataset,
                   *args: Any) -> T:
        """``fn`` applied to every partition and the results merged into one state (pairwise tree)."""

    @abstractmethod
    def broadcast(self, obj: Any) -> Any:
        """A handle to ``obj`` to pass as an argument to many partition calls, shipped once per worker."""

    def topk_neighbors(self, queries: np.ndarray, reference: PartitionedDataset, k: int, *,
                       encode: Encode | None = None) -> Neighbors:
        """Exact ``k`` nearest reference rows of every query row, in canonical order.

        Parameters
        ----------
        queries : ndarray, shape (n, d)
            Encoded query rows (cast to float32, like :func:`synthgate.neighbors.knn`).
        reference : PartitionedDataset
            The base table, searched shard by shard; indices are its global row numbers.
        k : int
            Neighbours per query row, from 1 to ``reference.rows``.
        encode : callable, optional
            ``encode(partition) -> ndarray (rows, d)``, run where the shard is; default: every column as
            float32. Must be picklable for a cluster (a module-level function or a ``functools.partial``).
        """
        if not isinstance(k, (int, np.integer)) or not 1 <= k <= reference.rows:
            raise ValueError(f"k={k!r} must be an integer from 1 to {reference.rows} for a reference of "
                             f"{reference.rows} rows; pass a smaller k.")
        handle = self.broadcast(np.ascontiguousarray(queries, dtype=np.float32))
        return self.map_reduce(shard_neighbors, merge_topk, reference, handle, int(k), encode)

    def sample(self, dataset: PartitionedDataset, n: int, seed: int) -> pd.DataFrame:
        """``min(n, rows)`` rows chosen by ``seed`` alone, the same whatever the partitioning.

        The rows keep their global row numbers as index and come in row order.
        """
        if n < 1:
            raise ValueError(f"n={n!r} must be at least 1.")
        picked = self.map_reduce(sample_partition, merge_samples, dataset, int(n), int(seed))
        return picked.rows.sort_index()

    def close(self) -> None:
        """Release workers or clusters this executor started (nothing for the local one)."""

    def __enter__(self) -> Executor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

