"""Find a frame's rows among registered rows, exactly and near (see :mod:`synthgate.ledger.near`).

Exact matching compares a frame's rows restricted to each registered dataset's columns, so extra
columns in the frame (an id, a label added later) do not hide a copied row. Near matching
uses each dataset's own stored grid. Both look fingerprints up through their indexes in chunks
of ``_CHUNK`` values.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sqlalchemy import Connection, select

from synthgate.ledger.fingerprints import row_fingerprints
from synthgate.ledger.near import NearSpec, near_queries, verify
from synthgate.ledger.schema import tables

_datasets = tables["datasets"]
_CHUNK = 5000
_PAIRS_PER_SLICE = 2_000_000


@dataclass(frozen=True)
class Candidate:
    """What matching needs to know about one registered dataset."""

    id: int
    origin: str
    generator_id: int | None
    columns: tuple[str, ...]
    spec: NearSpec


def candidates(conn: Connection, origin: str | None) -> list[Candidate]:
    """Registered datasets to match against (of one origin, or all)."""
    query = select(_datasets.c.id, _datasets.c.origin, _datasets.c.generator_id, _datasets.c.schema,
                   _datasets.c.signature).order_by(_datasets.c.id)
    if origin is not None:
        query = query.where(_datasets.c.origin == origin)
    return [Candidate(r.id, r.origin, r.generator_id, tuple(sorted(json.loads(r.schema))),
                      NearSpec.from_json(r.signature)) for r in conn.execute(query)]


def match_rows(conn: Connection, frame: pd.DataFrame, targets: list[Candidate]) -> pd.DataFrame:
    """Every (frame row, dataset) match: columns position, dataset_id, row, kind ('exact' | 'near').

    One line per frame row and dataset; exact wins over near, then the lowest registered row.
    """
    present = {str(c) for c in frame.columns}
    usable = [t for t in targets if set(t.columns) <= present]
    parts = [_exact(conn, frame, usable)] + [_near(conn, frame, t) for t in usable]
    found = pd.concat([p for p in parts if len(p)] or [_empty()], ignore_index=True)
    found["rank"] = (found["kind"] == "near").astype(np.int8)
    found = found.sort_values(["position", "dataset_id", "rank", "row"], kind="stable")
    found = found.drop_duplicates(["position", "dataset_id"]).drop(columns="rank")
    return found.reset_index(drop=True)


def _empty() -> pd.DataFrame:
    return pd.DataFrame({"position": np.empty(0, np.int64), "dataset_id": np.empty(0, np.int64),
                         "row": np.empty(0, np.int64), "kind": np.empty(0, object)})


def _lookup(conn: Connection, column: str, values: np.ndarray, fields: tuple[str, ...]) -> list:
    """Fingerprint rows whose indexed ``column`` is among the int64 ``values``, in chunks.

    The values are written into the SQL as integer literals: they are ints by construction, and
    binding hundreds of thousands of parameters costs more than the lookups. Only the indexed
    column is filtered in SQL; with a dataset condition added, SQLite tends to walk the dataset's
    primary-key range for every chunk instead of probing the index.
    """
    quote = conn.dialect.identifier_preparer.quote
    head = f"SELECT {', '.join(quote(f) for f in fields)} FROM {quote('fingerprints')} WHERE {quote(column)} IN "
    values = np.sort(pd.unique(np.asarray(values, dtype=np.int64)))
    found: list = []
    for start in range(0, len(values), _CHUNK):
        chunk = ",".join(map(str, values[start:start + _CHUNK].tolist()))
        found += conn.exec_driver_sql(f"{head}({chunk})").all()
    return found


def _exact(conn: Connection, frame: pd.DataFrame, targets: list[Candidate]) -> pd.DataFrame:
    by_columns: dict[tuple[str, ...], list[int]] = {}
    for target in targets:
        by_columns.setdefault(target.columns, []).append(target.id)
    names = {str(c): c for c in frame.columns}
    parts = []
    for columns, ids in by_columns.items():
        hashes = row_fingerprints(frame[[names[c] for c in columns]])
        stored = pd.DataFrame(_lookup(conn, "hash", hashes, ("hash", "dataset_id", "row")),
                              columns=["hash", "dataset_id", "row"])
        stored = stored[stored["dataset_id"].isin(ids)]
        if len(stored):
            asked = pd.DataFrame({"hash": hashes, "position": np.arange(len(frame))})
            parts.append(asked.merge(stored, on="hash").drop(columns="hash").assign(kind="exact"))
    return pd.concat(parts, ignore_index=True) if parts else _empty()


def _stored_near(conn: Connection, target: Candidate, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray, bytes]:
    rows = [r for r in _lookup(conn, "near", keys, ("near", "dataset_id", "row", "position"))
            if r[1] == target.id]
    near = np.fromiter((r[0] for r in rows), np.int64, len(rows))
    row = np.fromiter((r[2] for r in rows), np.int64, len(rows))
    return near, row, b"".join(r[3] for r in rows)


def _slices(asked: np.ndarray, stored: pd.Series) -> list[np.ndarray]:
    """Consecutive runs of query entries with about ``_PAIRS_PER_SLICE`` candidate pairs each.

    With few numeric columns one key can have thousands of candidates; slicing bounds memory.
    """
    pairs = stored.value_counts().reindex(asked, fill_value=0).to_numpy()
    total = np.cumsum(pairs)
    cuts = np.searchsorted(total, np.arange(_PAIRS_PER_SLICE, total[-1] if len(total) else 0, _PAIRS_PER_SLICE))
    return [e for e in np.split(np.arange(len(asked)), np.unique(cuts)) if len(e)]


def _near(conn: Connection, frame: pd.DataFrame, target: Candidate) -> pd.DataFrame:
    spec = target.spec
    queries = near_queries(frame, spec)
    near, row, blob = _stored_near(conn, target, queries.key)
    if not len(near):
        return _empty()
    stored = pd.DataFrame({"key": near, "row": row, "slot": np.arange(len(near))})
    positions = np.frombuffer(blob, dtype=np.uint8).reshape(len(near), 2 * len(spec.numeric))
    parts = []
    for entries in _slices(queries.key, stored["key"]):
        pairs = pd.DataFrame({"key": queries.key[entries], "entry": entries}).merge(stored, on="key")
        entry = pairs["entry"].to_numpy()
        ok = verify(queries, entry, positions[pairs["slot"].to_numpy()], spec)
        parts.append(pd.DataFrame({"position": queries.position[entry[ok]], "dataset_id": target.id,
                                   "row": pairs["row"].to_numpy()[ok], "kind": "near"}))
    return pd.concat(parts, ignore_index=True)
