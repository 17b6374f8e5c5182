"""A partitioned dataset: a table read lazily, one partition at a time, wherever an executor runs.

:class:`PartitionedDataset` is an ordered tuple of :class:`Partition` s. A partition knows where it starts
in the whole table (its first global row number), how many rows it has, and how to read itself: a Parquet
row group (a picklable pyarrow fragment, read by the worker that runs it) or, for tests and small inputs, a
slice of a pandas DataFrame. Nothing here reads a whole Parquet data set; row counts come from the files'
metadata.

A loaded partition is normalised exactly like :func:`synthgate.data.load_table` normalises a whole table
(string column names, timezone-aware datetimes as naive UTC), so a statistic computed per partition equals
the one computed on the table read whole. Its index holds the global row numbers (a ``RangeIndex`` from
``start``), which is how kernels that need row identity (sampling, neighbour indices) find it.
"""

from __future__ import annotations

import glob
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from synthgate.errors import InputError

__all__ = ["Partition", "PartitionedDataset", "run_on_partition"]

_PARQUET = (".parquet", ".pq")
_GLOB_CHARACTERS = "*?["


@dataclass(frozen=True)
class Partition:
    """One piece of a partitioned table.

    ``source`` is a pyarrow Parquet fragment (with ``schema``, the data set's unified schema) or a
    pandas DataFrame slice.
    """

    start: int
    rows: int
    source: Any
    schema: Any = None

    def load(self) -> pd.DataFrame:
        """The partition as a fresh pandas DataFrame indexed by its global row numbers."""
        from synthgate.data import load_table

        if isinstance(self.source, pd.DataFrame):
            raw = self.source
        else:
            raw = self.source.to_table(schema=self.schema).to_pandas()
        frame = load_table(raw, name="partition")
        frame.index = pd.RangeIndex(self.start, self.start + len(frame))
        return frame


def run_on_partition(partition: Partition, fn, *args):
    """Read one partition and apply ``fn(frame, *args)`` to it: the unit of work of every executor."""
    return fn(partition.load(), *args)


@dataclass(frozen=True)
class PartitionedDataset:
    """A table as an ordered sequence of partitions (see the module docstring).

    Examples
    --------
    >>> import pandas as pd
    >>> data = PartitionedDataset.from_frame(pd.DataFrame({"x": range(10)}), partitions=3)
    >>> [p.rows for p in data.partitions], data.rows
    ([3, 3, 4], 10)
    >>> data.partitions[1].load().index
    RangeIndex(start=3, stop=6, step=1)
    """

    partitions: tuple[Partition, ...]
    columns: tuple[str, ...]
    name: str = "table"

    @property
    def rows(self) -> int:
        """Rows in all partitions."""
        return sum(p.rows for p in self.partitions)

    def __len__(self) -> int:
        return self.rows

    def select(self, indices: Sequence[int]) -> PartitionedDataset:
        """Some of the partitions, keeping their global row numbers (e.g. to work in batches)."""
        return PartitionedDataset(tuple(self.partitions[i] for i in indices), self.columns, self.name)

    def batches(self, size: int) -> list[PartitionedDataset]:
        """Consecutive groups of at most ``size`` partitions."""
        count = len(self.partitions)
        return [self.select(range(start, min(start + size, count))) for start in range(0, count, size)]

    @classmethod
    def from_frame(cls, frame: pd.DataFrame, *, partitions: int, name: str = "table") -> PartitionedDataset:
        """Split an in-memory DataFrame into ``partitions`` consecutive slices of near-equal size."""
        if partitions < 1:
            raise ValueError(f"partitions={partitions} must be at least 1.")
        bounds = [len(frame) * i // partitions for i in range(partitions + 1)]
        pieces = tuple(Partition(int(a), int(b - a), frame.iloc[a:b]) for a, b in zip(bounds[:-1], bounds[1:]))
        return cls(pieces, tuple(str(c) for c in frame.columns), name)

    @classmethod
    def from_parquet(cls, source: str | Path, *, name: str | None = None) -> PartitionedDataset:
        """A Parquet file, a folder of Parquet files (hive-style ``key=value`` folders are columns, as in
        :func:`synthgate.data.load_table`) or a glob of Parquet files; one partition per row group."""
        import pyarrow.dataset as ds

        label = name or Path(str(source)).name
        files = _parquet_source(str(source), label)
        try:
            dataset = ds.dataset(files, format="parquet", partitioning="hive")
            pieces = _row_group_partitions(dataset)
        except Exception as err:  # pyarrow's own message says what is wrong with the files
            raise InputError(f"cannot read the Parquet data {str(source)!r}: {err}.",
                             fix="Check that its files share one schema.", table=label) from None
        return cls(pieces, tuple(dataset.schema.names), label)


def _parquet_source(source: str, name: str) -> str | list[str]:
    """The path pyarrow should open: a file, a folder, or the sorted files a glob matches."""
    fix = ("A partitioned corpus is Parquet: pass a .parquet file, a folder of them, or a quoted glob "
           "such as 'corpus/*.parquet'; convert CSV first, e.g. pandas.read_csv(path).to_parquet(...).")
    if any(ch in source for ch in _GLOB_CHARACTERS):
        files = sorted(f for f in glob.glob(source, recursive=True) if Path(f).suffix.lower() in _PARQUET)
        if not files:
            raise InputError(f"the glob {source!r} matches no .parquet files.", fix=fix, table=name)
        return files
    path = Path(source)
    if path.is_dir():
        if not any(f.suffix.lower() in _PARQUET for f in path.rglob("*") if f.is_file()):
            raise InputError(f"{source!r} is a folder with no .parquet files in it.", fix=fix, table=name)
        return source
    if not path.is_file():
        raise InputError(f"file {source!r} does not exist.", fix="Check the path.", table=name)
    if path.suffix.lower() not in _PARQUET:
        raise InputError(f"cannot read {path.name!r} in partitions: it is not a Parquet file.", fix=fix, table=name)
    return source


def _row_group_partitions(dataset) -> tuple[Partition, ...]:
    pieces, start = [], 0
    for fragment in dataset.get_fragments():
        for group in fragment.split_by_row_group():
            # a row-group fragment's count_rows() counts its whole file; the row group's metadata is exact
            rows = sum(info.num_rows for info in group.row_groups)
            pieces.append(Partition(start, rows, group, dataset.schema))
            start += rows
    return tuple(pieces)
