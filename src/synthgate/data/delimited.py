"""Delimited text tables (CSV, TSV), plain or compressed: the header checked before pandas renames anything."""

from __future__ import annotations

import bz2
import codecs
import csv
import gzip
import io
import lzma
from pathlib import Path
from typing import IO

import pandas as pd

from synthgate.errors import InputError

#: file name endings of the compressed files read, and their codec
COMPRESSION = {".gz": "gzip", ".bz2": "bz2", ".xz": "xz", ".zst": "zstd"}
#: delimiters a file is sniffed for when the default one does not split its header
_CANDIDATES = ",;\t|"
_SNIFF_LINES = 20
_SEP_NAMES = {"tab": "\t", "\\t": "\t", "comma": ",", "semicolon": ";", "pipe": "|"}


def open_binary(path: Path, compression: str | None) -> IO[bytes]:
    """The file's bytes, decompressed (zstd through pyarrow, a synthgate dependency already)."""
    if compression == "gzip":
        return gzip.open(path, "rb")
    if compression == "bz2":
        return bz2.open(path, "rb")
    if compression == "xz":
        return lzma.open(path, "rb")
    if compression == "zstd":
        import pyarrow as pa

        return pa.input_stream(str(path), compression="zstd")
    return open(path, "rb")


def check_options(sep: str | None, encoding: str | None, name: str) -> tuple[str | None, str]:
    """The delimiter (``tab`` and ``\\t`` name a tab) and a known codec name (default UTF-8, BOM skipped)."""
    if sep is not None:
        sep = _SEP_NAMES.get(sep.lower(), sep)
        if len(sep) != 1 or sep in "\"\r\n":
            raise InputError(f"delimiter {sep!r} is not one character.",
                             fix="Pass one character: --sep ';' (or 'tab', ',' or '|').", table=name)
    encoding = encoding or "utf-8"
    try:
        if codecs.lookup(encoding).name == "utf-8":
            encoding = "utf-8-sig"  # reads plain UTF-8 too, and drops a byte-order mark
    except LookupError:
        raise InputError(f"unknown text encoding {encoding!r}.",
                         fix="Pass a Python codec name, e.g. --encoding latin-1, cp1252 or utf-16.",
                         table=name) from None
    return sep, encoding


def read_delimited(path: Path, *, default_sep: str, compression: str | None, sep: str | None,
                   encoding: str | None, name: str) -> pd.DataFrame:
    """Read a CSV/TSV: refuse duplicate header names, detect a ';' (or tab, '|') file, name bad encodings."""
    sep, encoding = check_options(sep, encoding, name)
    try:
        lines = _first_lines(path, compression, encoding)
        if not lines:
            return pd.DataFrame()
        sep = sep or _sniff(lines, default_sep)
        _check_header(path, lines, sep, name)
        with open_binary(path, compression) as handle:
            return pd.read_csv(handle, sep=sep, encoding=encoding, low_memory=False)
    except UnicodeDecodeError as err:
        raise _encoding_error(path, encoding, err, name) from None
    except (EOFError, OSError, lzma.LZMAError) as err:
        raise InputError(f"cannot read {path.name!r}: {err}.",
                         fix="Check the file: a name ending in .gz, .bz2, .xz or .zst must be compressed that way.",
                         table=name) from None
    except pd.errors.EmptyDataError:
        return pd.DataFrame()
    except pd.errors.ParserError as err:
        raise InputError(f"cannot read {path.name!r}: {err}.",
                         fix=f"Check the file's format; its delimiter was taken to be {_shown(sep)}"
                             " (pass --sep, or sep= to load_table, to set it).", table=name) from None


def _first_lines(path: Path, compression: str | None, encoding: str) -> list[str]:
    with open_binary(path, compression) as raw:
        text = io.TextIOWrapper(raw, encoding=encoding, newline="")
        lines = [line for _, line in zip(range(_SNIFF_LINES), text)]
        text.detach()
    return [line for line in lines if line.strip()]


def _sniff(lines: list[str], default: str) -> str:
    """``default`` unless it leaves the header one column while another delimiter splits every sampled line
    into the same number (at least two) of columns: then that one (a ';'-delimited CSV is common)."""
    if len(_fields(lines[0], default)) > 1:
        return default
    try:
        found = csv.Sniffer().sniff("".join(lines), delimiters=_CANDIDATES).delimiter
    except csv.Error:
        return default
    widths = {len(_fields(line, found)) for line in lines}
    return found if len(widths) == 1 and widths.pop() > 1 else default


def _fields(line: str, sep: str) -> list[str]:
    return next(csv.reader([line], delimiter=sep), [])


def _check_header(path: Path, lines: list[str], sep: str, name: str) -> None:
    """pandas renames a repeated header name (``age``, ``age.1``), so duplicates are found here, first."""
    header = next(csv.reader(lines, delimiter=sep), [])
    seen: set[str] = set()
    repeated = [f for f in header if f in seen or seen.add(f)]
    if repeated:
        raise InputError(f"{path.name!r} has column names that appear more than once in its header: "
                         f"{sorted(set(repeated))}.", fix="Rename them so that every column name is unique.",
                         table=name)


def _encoding_error(path: Path, encoding: str, err: UnicodeDecodeError, name: str) -> InputError:
    shown = "UTF-8" if encoding == "utf-8-sig" else encoding
    byte = err.object[err.start:err.start + 1].hex() if isinstance(err.object, bytes) else "?"
    return InputError(f"{path.name!r} is not {shown} text (byte 0x{byte} cannot be decoded: {err.reason}).",
                      fix="Pass its encoding: --encoding latin-1 (or cp1252, utf-16, ...) on the command line, "
                          "encoding= to load_table; or save it as UTF-8.", table=name)


def _shown(sep: str) -> str:
    return "tab" if sep == "\t" else repr(sep)
