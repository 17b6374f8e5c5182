"""Checks on what callers hand the ledger, each failing with an InputError that says what to fix."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd

from synthgate.errors import InputError
from synthgate.ledger.queries import to_text


def check_frame(frame: Any, table: str) -> None:
    """A DataFrame with rows, columns, and unique column names."""
    if not isinstance(frame, pd.DataFrame):
        raise InputError(f"expected a pandas DataFrame, got {type(frame).__name__}.",
                         fix="Load the table first, e.g. with synthgate.data.load_table().", table=table)
    if len(frame) == 0 or frame.shape[1] == 0:
        raise InputError(f"{len(frame)} rows and {frame.shape[1]} columns.",
                         fix="The ledger records tables with at least one row and one column.", table=table)
    names = [str(c) for c in frame.columns]
    duplicated = sorted({n for n in names if names.count(n) > 1})
    if duplicated:
        raise InputError(f"columns {duplicated} appear more than once.", fix="Rename them.", table=table)


def check_partitioned(dataset: Any, table: str) -> None:
    """A partitioned table with rows and columns (Parquet column names are unique already)."""
    if dataset.rows == 0 or not dataset.columns:
        raise InputError(f"{dataset.rows} rows and {len(dataset.columns)} columns.",
                         fix="The ledger records tables with at least one row and one column.", table=table)


def as_json(value: Any, what: str) -> str:
    """JSON text of a value, or an InputError naming it."""
    try:
        return json.dumps(value, sort_keys=True, allow_nan=False, default=_plain)
    except (TypeError, ValueError) as err:
        raise InputError(f"{what} cannot be stored as JSON: {err}.",
                         fix="Pass plain numbers, strings, lists and dicts.") from None


def _plain(value: Any) -> Any:
    if isinstance(value, Mapping):
        return dict(value)
    if isinstance(value, np.generic):  # numpy scalars from computed results
        return value.item()
    raise TypeError(f"{type(value).__name__} is not JSON-compatible")


def result_text(result: str | Mapping[str, Any] | None) -> str | None:
    """A run result as JSON text (given text is checked and kept verbatim)."""
    if result is None:
        return None
    if isinstance(result, str):
        try:
            json.loads(result)
        except ValueError as err:
            raise InputError(f"result is not JSON text: {err}.", fix="Pass JSON text or a mapping.") from None
        return result
    return as_json(result, "result")


def generator_inputs(name, kind, trained_on, params, dp_epsilon, expires_at) -> tuple[str, str | None]:
    """Check a generator's fields; return its params as JSON and its expiry as UTC text."""
    for label, value in (("name", name), ("kind", kind)):
        if not isinstance(value, str) or not value.strip():
            raise InputError(f"generator {label} {value!r} is empty.", fix=f"Pass a non-empty {label}.")
    if isinstance(trained_on, (str, int)) or not trained_on:
        raise InputError("a generator needs the list of datasets it was trained on.",
                         fix="Pass trained_on=[dataset id or name, ...] with at least one dataset.")
    if dp_epsilon is not None and not (isinstance(dp_epsilon, (int, float)) and math.isfinite(dp_epsilon)
                                       and dp_epsilon > 0):
        raise InputError(f"dp_epsilon {dp_epsilon!r} is not a positive number.", fix="Pass e.g. 1.0, or None.")
    if isinstance(expires_at, str):
        try:
            expires_at = datetime.fromisoformat(expires_at)
        except ValueError:
            raise InputError(f"expires_at {expires_at!r} is not an ISO date.", fix="Pass e.g. '2026-01-31'.") from None
    return as_json(dict(params or {}), "params"), None if expires_at is None else to_text(expires_at)
