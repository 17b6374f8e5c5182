"""The default executor: every partition read and processed in this process, one after another."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from synthgate.executor.base import Executor, reduce_pairwise
from synthgate.executor.dataset import PartitionedDataset, run_on_partition

__all__ = ["LocalExecutor"]

T = TypeVar("T")


class LocalExecutor(Executor):
    """Runs partitions sequentially in this process (one partition in memory at a time for reductions).

    Examples
    --------
    >>> import pandas as pd
    >>> from synthgate.executor.dataset import PartitionedDataset
    >>> data = PartitionedDataset.from_frame(pd.DataFrame({"x": range(10)}), partitions=3)
    >>> LocalExecutor().map_partitions(len, data)
    [3, 3, 4]
    """

    def map_partitions(self, fn: Callable[..., T], dataset: PartitionedDataset, *args: Any) -> list[T]:
        return [run_on_partition(p, fn, *args) for p in dataset.partitions]

    def map_reduce(self, fn: Callable[..., T], merge: Callable[[T, T], T], dataset: PartitionedDataset,
                   *args: Any) -> T:
        return reduce_pairwise(self.map_partitions(fn, dataset, *args), merge)

    def broadcast(self, obj: Any) -> Any:
        return obj

    def __repr__(self) -> str:
        return "LocalExecutor()"
