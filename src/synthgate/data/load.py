"""Read CSV/TSV (plain or compressed), Parquet (a file or a directory), Feather/Arrow IPC, pandas, polars and
Arrow tables into new pandas DataFrames (inputs are never modified)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from synthgate.data.delimited import COMPRESSION, check_options, read_delimited
from synthgate.errors import InputError

TableLike = Any  # str | Path | TableFile | pandas.DataFrame | polars.DataFrame | pyarrow.Table

_READERS = {".csv": "csv", ".tsv": "tsv", ".txt": "csv", ".parquet": "parquet", ".pq": "parquet",
            ".feather": "arrow", ".arrow": "arrow", ".ipc": "arrow"}
_FORMATS = (".csv, .tsv or .txt (each may end in .gz, .bz2, .xz or .zst), .parquet, .pq, a folder of Parquet "
            "files, .feather, .arrow or .ipc")
#: ``DataFrame.attrs`` key: the time zone of each timezone-aware datetime column, before it became UTC
TIMEZONES = "synthgate_timezones"


@dataclass(frozen=True)
class TableFile:
    """A table file with how to read it: ``sep`` (CSV delimiter; default ',' or tab for .tsv, a ';'-delimited
    file is detected) and ``encoding`` (text encoding; default UTF-8). What the CLI's --sep / --encoding make."""

    path: str | Path
    sep: str | None = None
    encoding: str | None = None


def load_table(source: TableLike, *, name: str = "table", sep: str | None = None,
               encoding: str | None = None) -> pd.DataFrame:
    """Return a fresh pandas DataFrame for ``source``; the caller's object or file is left untouched.

    ``sep`` and ``encoding`` apply to delimited text files. A timezone-aware datetime column becomes naive UTC
    (its zone kept in ``frame.attrs["synthgate_timezones"]``), so every table compares instants on one clock.
    """
    if isinstance(source, TableFile):
        source, sep, encoding = source.path, source.sep if sep is None else sep, source.encoding or encoding
    if isinstance(source, pd.DataFrame):
        frame = source.copy(deep=True)
    elif isinstance(source, (str, Path)):
        frame = _read_file(Path(source), name, sep, encoding)
    elif type(source).__module__.startswith("polars"):
        frame = source.to_pandas()
    elif type(source).__module__.startswith("pyarrow"):
        frame = source.to_pandas()
    else:
        raise InputError(f"cannot read a {type(source).__name__} as a table.",
                         fix="Pass a file path, a pandas or polars DataFrame, or a pyarrow Table.", table=name)
    frame.columns = [str(c) for c in frame.columns]
    return _utc(frame.reset_index(drop=True))


def _read_file(path: Path, name: str, sep: str | None, encoding: str | None) -> pd.DataFrame:
    if path.is_dir():
        return _read_parquet_folder(path, name)
    if not path.is_file():
        raise InputError(f"file {str(path)!r} does not exist.", fix="Check the path.", table=name)
    suffixes = [s.lower() for s in path.suffixes]
    compression = COMPRESSION.get(suffixes[-1]) if suffixes else None
    kind = _READERS.get(suffixes[-2] if compression and len(suffixes) > 1 else path.suffix.lower())
    if kind is None or (compression and kind not in ("csv", "tsv")):
        ending = "".join(path.suffixes[-2:])
        raise InputError(f"cannot read {path.name!r}: " + (f"unknown file type {ending!r}." if ending else
                                                            "its name has no file type ending."),
                         fix=f"Use {_FORMATS}.", table=name)
    if kind in ("csv", "tsv"):
        return read_delimited(path, default_sep="\t" if kind == "tsv" else ",", compression=compression, sep=sep,
                              encoding=encoding, name=name)
    check_options(sep, encoding, name)
    try:
        return pd.read_parquet(path) if kind == "parquet" else _read_arrow(path)
    except Exception as err:  # a parser's own message is the most useful thing to show
        raise InputError(f"cannot read {path.name!r}: {err}.", fix="Check the file's format.", table=name) from None


def _read_arrow(path: Path) -> pd.DataFrame:
    """Feather (v1, v2) or Arrow IPC, in the file or the stream format."""
    import pyarrow as pa
    from pyarrow import feather

    try:
        return feather.read_table(path).to_pandas()
    except pa.ArrowInvalid:
        with pa.ipc.open_stream(str(path)) as reader:  # the stream format has no footer
            return reader.read_all().to_pandas()


def _read_parquet_folder(path: Path, name: str) -> pd.DataFrame:
    """A folder of Parquet files (e.g. Spark or pyarrow output; hive-style key=value subfolders are columns)."""
    import pyarrow.dataset as ds

    if not any(f.suffix.lower() in (".parquet", ".pq") for f in path.rglob("*") if f.is_file()):
        raise InputError(f"{str(path)!r} is a folder with no .parquet files in it; a folder is read as one Parquet "
                         "data set.", fix="Pass a table file, or a folder of .parquet files.", table=name)
    try:
        return ds.dataset(path, format="parquet", partitioning="hive").to_table().to_pandas()
    except Exception as err:  # a parser's own message is the most useful thing to show
        raise InputError(f"cannot read the Parquet folder {str(path)!r}: {err}.",
                         fix="Check that its files share one schema; pass a single file otherwise.",
                         table=name) from None


def _utc(frame: pd.DataFrame) -> pd.DataFrame:
    """Timezone-aware datetime columns as naive UTC; the zones kept in ``frame.attrs``."""
    if frame.columns.duplicated().any():
        return frame  # refused by validation, naming the columns
    zones = {c: str(frame[c].dt.tz) for c in frame.columns if isinstance(frame[c].dtype, pd.DatetimeTZDtype)}
    if zones:
        frame = frame.assign(**{c: frame[c].dt.tz_convert("UTC").dt.tz_localize(None) for c in zones})
        frame.attrs[TIMEZONES] = zones
    return frame


def table_fingerprint(frame: pd.DataFrame) -> str:
    """sha256 of a table's content (column names, dtypes and values; row order matters)."""
    digest = hashlib.sha256()
    digest.update(repr([(str(c), str(t)) for c, t in frame.dtypes.items()]).encode())
    if len(frame):
        digest.update(np.ascontiguousarray(pd.util.hash_pandas_object(frame, index=False).to_numpy()).tobytes())
    return digest.hexdigest()
