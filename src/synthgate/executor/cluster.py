"""The Dask executor: partitions read and processed by the workers of a ``distributed`` cluster.

Workers read their own partitions (a Parquet row group travels as a small pyarrow fragment, never as
data); only kernel results come back. Reductions run on the workers in the same pairwise tree as the
local executor, so results agree to the bit. dask and distributed are imported only when a
:class:`DaskExecutor` is made: ``import synthgate`` never imports them.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, TypeVar

from synthgate.errors import InputError
from synthgate.executor.base import Executor, reduce_pairwise
from synthgate.executor.dataset import PartitionedDataset, run_on_partition

__all__ = ["DaskExecutor", "SCHEDULER_HELP"]

T = TypeVar("T")

SCHEDULER_HELP = ("Pass tcp://HOST:PORT for a running Dask scheduler, or local:N to start N local worker "
                  "processes (e.g. local:4).")
_TCP = re.compile(r"^tcp://[^:/\s]+:\d+$")
_LOCAL = re.compile(r"^local:(\d+)$")
_CONNECT_SECONDS = 30


def _import_distributed():
    try:
        import distributed
    except ImportError:
        raise InputError("running on a Dask cluster needs dask and distributed, which are not installed.",
                         fix="pip install 'synthgate[dask]'.") from None
    return distributed


class DaskExecutor(Executor):
    """Runs partitions on a Dask cluster.

    Parameters
    ----------
    scheduler : str or distributed.Client
        ``"tcp://HOST:PORT"`` connects to a running scheduler; ``"local:N"`` starts a
        ``LocalCluster`` of N single-threaded worker processes, closed with this executor; a
        ``distributed.Client`` is used as it is (and left open).
    """

    def __init__(self, scheduler: Any):
        distributed = _import_distributed()
        self._cluster = None
        self._owns_client = not isinstance(scheduler, distributed.Client)
        if not self._owns_client:
            self.client = scheduler
        else:
            self.client = self._connect(distributed, scheduler)

    def _connect(self, distributed, scheduler: Any):
        text = str(scheduler).strip()
        local = _LOCAL.match(text)
        if local and int(local.group(1)) >= 1:
            self._cluster = distributed.LocalCluster(n_workers=int(local.group(1)), threads_per_worker=1,
                                                     processes=True, dashboard_address=":0")
            return distributed.Client(self._cluster, set_as_default=False)
        if _TCP.match(text):
            try:
                return distributed.Client(text, timeout=_CONNECT_SECONDS, set_as_default=False)
            except OSError as err:
                raise InputError(f"cannot reach the Dask scheduler at {text}: {err}.",
                                 fix="Check that it runs and the address is right.") from None
        raise InputError(f"scheduler {text!r} is neither tcp://HOST:PORT nor local:N (N at least 1).",
                         fix=SCHEDULER_HELP)

    @property
    def parallelism(self) -> int:
        """Worker threads on the cluster now (at least 1)."""
        workers = self.client.scheduler_info().get("workers", {})
        return max(1, sum(int(w.get("nthreads", 1)) for w in workers.values()))

    @property
    def address(self) -> str:
        """The scheduler's address."""
        return self.client.scheduler.address

    def _submit(self, fn: Callable, dataset: PartitionedDataset, args: tuple) -> list:
        # pure=False: tasks are keyed uniquely instead of by hashing their (possibly large) arguments
        return [self.client.submit(run_on_partition, p, fn, *args, pure=False) for p in dataset.partitions]

    def map_partitions(self, fn: Callable[..., T], dataset: PartitionedDataset, *args: Any) -> list[T]:
        return self.client.gather(self._submit(fn, dataset, args))

    def map_reduce(self, fn: Callable[..., T], merge: Callable[[T, T], T], dataset: PartitionedDataset,
                   *args: Any) -> T:
        states = self._submit(fn, dataset, args)
        root = reduce_pairwise(states, lambda a, b: self.client.submit(merge, a, b, pure=False))
        return root.result()

    def broadcast(self, obj: Any) -> Any:
        # scatter a one-item list: a list or dict given directly would be scattered item by item
        return self.client.scatter([obj], broadcast=True, hash=False)[0]

    def close(self) -> None:
        if self._owns_client:
            self.client.close()
        if self._cluster is not None:
            self._cluster.close()
            self._cluster = None

    def __repr__(self) -> str:
        return f"DaskExecutor({self.address!r})"
