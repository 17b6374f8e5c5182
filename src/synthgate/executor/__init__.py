"""Executors: run synthgate's per-partition work in this process or on a Dask cluster (issue #15).

- :class:`PartitionedDataset` (``dataset.py``): a table as lazily read partitions (Parquet row groups,
  or slices of a DataFrame), each knowing its first global row number.
- :class:`Executor` (``base.py``): ``map_partitions``, ``map_reduce``, ``broadcast``, and on top of them
  ``topk_neighbors`` (exact kNN, per-shard top-k merged) and ``sample`` (bounded, reproducible).
- :class:`LocalExecutor` (``local.py``, the default) and :class:`DaskExecutor` (``cluster.py``, needs
  ``pip install 'synthgate[dask]'``; dask is imported only when one is made).
- ``kernels.py``: value counts, histograms, co-moments and ledger row fingerprints per partition, with
  their merges; ``shards.py``: the sampling and per-shard neighbour kernels.
"""

from __future__ import annotations

from synthgate.executor.base import Executor
from synthgate.executor.cluster import DaskExecutor
from synthgate.executor.dataset import Partition, PartitionedDataset
from synthgate.executor.local import LocalExecutor

__all__ = ["DaskExecutor", "Executor", "LocalExecutor", "Partition", "PartitionedDataset", "open_executor"]


def open_executor(scheduler: str | None = None) -> Executor:
    """The executor a ``--scheduler`` option names: None for :class:`LocalExecutor`, else a
    :class:`DaskExecutor` (``tcp://HOST:PORT`` or ``local:N``)."""
    return LocalExecutor() if scheduler is None else DaskExecutor(scheduler)
