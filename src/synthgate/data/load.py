"""Read CSV, Parquet, pandas, polars and Arrow tables into new pandas DataFrames (inputs are never modified)."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from synthgate.errors import InputError

TableLike = Any  # str | Path | pandas.DataFrame | polars.DataFrame | pyarrow.Table

_READERS = {".csv": "csv", ".tsv": "tsv", ".txt": "csv", ".parquet": "parquet", ".pq": "parquet"}


def load_table(source: TableLike, *, name: str = "table") -> pd.DataFrame:
    """Return a fresh pandas DataFrame for ``source``; the caller's object or file is left untouched."""
    if isinstance(source, pd.DataFrame):
        frame = source.copy(deep=True)
    elif isinstance(source, (str, Path)):
        frame = _read_file(Path(source), name)
    elif type(source).__module__.startswith("polars"):
        frame = source.to_pandas()
    elif type(source).__module__.startswith("pyarrow"):
        frame = source.to_pandas()
    else:
        raise InputError(f"cannot read a {type(source).__name__} as a table.",
                         fix="Pass a CSV or Parquet path, a pandas or polars DataFrame, or a pyarrow Table.",
                         table=name)
    frame.columns = [str(c) for c in frame.columns]
    return frame.reset_index(drop=True)


def _read_file(path: Path, name: str) -> pd.DataFrame:
    if not path.is_file():
        raise InputError(f"file {str(path)!r} does not exist.", fix="Check the path.", table=name)
    kind = _READERS.get(path.suffix.lower())
    if kind is None:
        raise InputError(f"cannot read {path.name!r}: unknown file type {path.suffix!r}.",
                         fix="Use .csv, .tsv or .parquet.", table=name)
    try:
        if kind == "parquet":
            return pd.read_parquet(path)
        return pd.read_csv(path, sep="\t" if kind == "tsv" else ",", low_memory=False)
    except pd.errors.EmptyDataError:
        return pd.DataFrame()
    except Exception as err:  # a parser's own message is the most useful thing to show
        raise InputError(f"cannot read {path.name!r}: {err}.", fix="Check the file's format.", table=name) from None


def table_fingerprint(frame: pd.DataFrame) -> str:
    """sha256 of a table's content (column names, dtypes and values; row order matters)."""
    digest = hashlib.sha256()
    digest.update(repr([(str(c), str(t)) for c, t in frame.dtypes.items()]).encode())
    if len(frame):
        digest.update(np.ascontiguousarray(pd.util.hash_pandas_object(frame, index=False).to_numpy()).tobytes())
    return digest.hexdigest()
