"""Find a frame's rows among registered rows, exactly and near (see :mod:`synthgate.ledger.near`).

A frame holding all of a dataset's columns (extra columns, an id or a label added later, do not hide
a copy) is matched exactly through the keyed row fingerprint and near through band 0. A frame that
lacks some of them is, when ``partial`` is asked for, looked up under a band whose columns it has
and checked on the columns it shares: "exact" then means equal on those. Lookups go through the
indexes in chunks of ``_CHUNK`` values.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sqlalchemy import Connection, select

from synthgate.ledger.chance import Probes, pair_slices
from synthgate.data.fingerprints import fold, row_fingerprints
from synthgate.ledger.keys import LedgerKey
from synthgate.ledger.near import NearSpec, Queries, near_queries, verify
from synthgate.ledger.rows import decrypt_tokens, read_signature
from synthgate.ledger.schema import tables

__all__ = ["Candidate", "CorpusMaterial", "Coverage", "MatchPlan", "candidates", "concat_material", "corpus_material",
           "coverages", "match_material", "match_plan", "match_rows", "profiles"]

_datasets = tables["datasets"]
_CHUNK = 5000
_OLD = "it was registered before schema 2 and has no near signatures: register the table again to add them"


@dataclass(frozen=True)
class Candidate:
    """What matching needs to know about one registered dataset."""

    id: int
    origin: str
    generator_id: int | None
    columns: tuple[str, ...]
    rows: int
    digest: str
    spec: NearSpec | None
    probes: Probes | None


@dataclass(frozen=True)
class Coverage:
    """How a registered dataset was compared with a frame.

    ``columns`` were compared (empty: not compared at all, see ``reason``); ``missing`` are the
    dataset's columns the frame lacks; ``near`` tells whether near matching ran.
    """

    columns: tuple[str, ...]
    missing: tuple[str, ...] = ()
    near: bool = True
    reason: str = ""
    band: int = 0

    @property
    def matched(self) -> bool:
        """Whether the dataset was compared at all."""
        return bool(self.columns)

    def to_dict(self) -> dict:
        """JSON-compatible form."""
        return {"columns": list(self.columns), "missing": list(self.missing), "near": self.near,
                "note": self.reason}


def candidates(conn: Connection, key: LedgerKey, origin: str | None) -> list[Candidate]:
    """Registered datasets to match against (of one origin, or all)."""
    query = select(_datasets.c.id, _datasets.c.origin, _datasets.c.generator_id, _datasets.c.schema,
                   _datasets.c.rows, _datasets.c.content_hash, _datasets.c.signature).order_by(_datasets.c.id)
    if origin is not None:
        query = query.where(_datasets.c.origin == origin)
    return [Candidate(r.id, r.origin, r.generator_id, tuple(sorted(json.loads(r.schema))), r.rows, r.content_hash,
                      *read_signature(key, r.signature)) for r in conn.execute(query)]


def coverage(present: set[str], target: Candidate, partial: bool) -> Coverage:
    """Which columns a frame with the ``present`` columns is compared with a dataset on, and how."""
    missing = tuple(c for c in target.columns if c not in present)
    if not missing:
        return Coverage(target.columns, (), target.spec is not None, "" if target.spec else f"exact only: {_OLD}")
    lacks = f"the frame lacks its columns {list(missing)}"
    if not partial:
        return Coverage((), missing, False, f"not compared: {lacks}")
    if target.spec is None:
        return Coverage((), missing, False, f"not compared: {lacks}, and {_OLD}")
    band = next((b for b, band in enumerate(target.spec.bands) if b and set(band.columns) <= present), None)
    if band is None:
        return Coverage((), missing, False, f"not compared: {lacks}, which every lookup band of the dataset "
                                            "needs. Add the columns to the corpus")
    shared = tuple(c for c in target.columns if c in present)
    return Coverage(shared, missing, True, f"compared on {len(shared)} of its {len(target.columns)} columns: "
                                           f"{lacks}", band)


def match_rows(conn: Connection, key: LedgerKey, frame: pd.DataFrame, targets: list[Candidate], *,
               partial: bool = False) -> tuple[pd.DataFrame, dict[int, Coverage]]:
    """Every (frame row, dataset) match, and how each dataset was compared.

    The frame of matches has columns position, dataset_id, row, kind ('exact' | 'near'): one line
    per frame row and dataset; exact wins over near, then the lowest registered row.
    """
    covers = coverages({str(c) for c in frame.columns}, targets, partial)
    material = corpus_material(frame, match_plan(targets, covers))
    return match_material(conn, key, material, targets, covers), covers


def coverages(present: set[str], targets: list[Candidate], partial: bool) -> dict[int, Coverage]:
    """How a frame with the ``present`` columns is compared with each dataset."""
    return {t.id: coverage(present, t, partial) for t in targets}


@dataclass(frozen=True)
class MatchPlan:
    """What matching needs computed from a frame's rows; plain data, so cluster workers can compute it.

    ``exact``: the column sets whose raw row fingerprints exact matching looks up; ``near``: per dataset
    compared near, its id, near grid and lookup band. (The grids are sealed in the ledger; a plan sent
    to workers shows them to the workers. The ledger key never leaves the caller.)
    """

    exact: tuple[tuple[str, ...], ...]
    near: tuple[tuple[int, NearSpec, int], ...]

    def __add__(self, other: MatchPlan) -> MatchPlan:
        return MatchPlan(tuple(dict.fromkeys(self.exact + other.exact)), self.near + other.near)


@dataclass(frozen=True)
class CorpusMaterial:
    """A frame's rows as matching needs them: raw row fingerprints per column set, near queries per
    dataset id (positions local to the frame)."""

    rows: int
    fingerprints: dict[tuple[str, ...], np.ndarray]
    queries: dict[int, Queries]


def match_plan(targets: list[Candidate], covers: dict[int, Coverage]) -> MatchPlan:
    """The plan for matching a frame against ``targets`` compared as ``covers`` says."""
    exact = tuple(dict.fromkeys(t.columns for t in _whole(targets, covers)))
    near = tuple((t.id, t.spec, covers[t.id].band) for t in targets if covers[t.id].near and covers[t.id].matched)
    return MatchPlan(exact, near)


def corpus_material(frame: pd.DataFrame, plan: MatchPlan) -> CorpusMaterial:
    """Compute a plan on a frame (no ledger access: runs wherever the rows are)."""
    names = {str(c): c for c in frame.columns}
    fingerprints = {columns: row_fingerprints(frame[[names[c] for c in columns]]) for columns in plan.exact}
    queries = {data_id: near_queries(frame, spec, band) for data_id, spec, band in plan.near}
    return CorpusMaterial(len(frame), fingerprints, queries)



def concat_material(materials: list[CorpusMaterial]) -> CorpusMaterial:
    """The material of consecutive frames as that of one frame (positions shifted), so one lookup serves
    them all: band keys repeat across frames, and each distinct key is then fetched once."""
    starts = np.cumsum([0] + [m.rows for m in materials])
    first = materials[0]
    fingerprints = {c: np.concatenate([m.fingerprints[c] for m in materials]) for c in first.fingerprints}
    queries = {}
    for data_id in first.queries:
        parts = [m.queries[data_id] for m in materials]
        queries[data_id] = Queries(np.concatenate([q.position + s for q, s in zip(parts, starts)]),
                                   np.concatenate([q.key for q in parts]), np.concatenate([q.exact for q in parts]),
                                   np.concatenate([q.probes for q in parts]), first.queries[data_id].present)
    return CorpusMaterial(int(starts[-1]), fingerprints, queries)

def match_material(conn: Connection, key: LedgerKey, material: CorpusMaterial, targets: list[Candidate],
                   covers: dict[int, Coverage]) -> pd.DataFrame:
    """The matches of :func:`match_rows`, from a frame's precomputed material."""
    parts = [_exact(conn, key, material, _whole(targets, covers))]
    parts += [_near(conn, key, material.queries[t.id], t, covers[t.id].band) for t in targets
              if covers[t.id].near and covers[t.id].matched]
    found = pd.concat([p for p in parts if len(p)] or [_empty()], ignore_index=True)
    found["rank"] = (found["kind"] == "near").astype(np.int8)
    found = found.sort_values(["position", "dataset_id", "rank", "row"], kind="stable")
    found = found.drop_duplicates(["position", "dataset_id"]).drop(columns="rank")
    return found.reset_index(drop=True)


def _whole(targets: list[Candidate], covers: dict[int, Coverage]) -> list[Candidate]:
    return [t for t in targets if covers[t.id].matched and not covers[t.id].missing]


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


def _exact(conn: Connection, key: LedgerKey, material: CorpusMaterial, targets: list[Candidate]) -> pd.DataFrame:
    by_columns: dict[tuple[str, ...], list[int]] = {}
    for target in targets:
        by_columns.setdefault(target.columns, []).append(target.id)
    parts = []
    for columns, ids in by_columns.items():
        hashes = key.hash64("rows", material.fingerprints[columns])
        stored = pd.DataFrame(_lookup(conn, "hash", hashes, ("hash", "dataset_id", "row")),
                              columns=["hash", "dataset_id", "row"])
        stored = stored[stored["dataset_id"].isin(ids)]
        if len(stored):
            asked = pd.DataFrame({"hash": hashes, "position": np.arange(material.rows)})
            parts.append(asked.merge(stored, on="hash").drop(columns="hash").assign(kind="exact"))
    return pd.concat(parts, ignore_index=True) if parts else _empty()


def _near(conn: Connection, key: LedgerKey, queries: Queries, target: Candidate, band: int) -> pd.DataFrame:
    spec = target.spec
    keyed = key.hash64("bands", queries.key)
    rows = [r for r in _lookup(conn, f"band{band}", keyed, (f"band{band}", "dataset_id", "row", "tokens"))
            if r[1] == target.id]
    if not rows:
        return _empty()
    row = np.fromiter((r[2] for r in rows), np.int64, len(rows))
    tokens = decrypt_tokens(key, target.digest, row, b"".join(r[3] for r in rows), spec)
    stored = pd.DataFrame({"key": np.fromiter((r[0] for r in rows), np.int64, len(rows)), "slot": np.arange(len(rows))})
    parts = []
    for entries in pair_slices(keyed, stored["key"]):
        pairs = pd.DataFrame({"key": keyed[entries], "entry": entries}).merge(stored, on="key")
        entry, slot = pairs["entry"].to_numpy(), pairs["slot"].to_numpy()
        near, exact = verify(queries, entry, tokens.take(slot), spec)
        parts.append(pd.DataFrame({"position": queries.position[entry[near]], "dataset_id": target.id,
                                   "row": row[slot[near]], "kind": np.where(exact[near], "exact", "near")}))
    return pd.concat(parts, ignore_index=True)


def profiles(conn: Connection, key: LedgerKey, target: Candidate, columns: tuple[str, ...]) -> np.ndarray:
    """One int64 per registered row of a dataset: a hash of its exact tokens on ``columns``."""
    table = tables["fingerprints"]
    rows = conn.execute(select(table.c.row, table.c.tokens).where(table.c.dataset_id == target.id)
                        .order_by(table.c.row)).all()
    tokens = decrypt_tokens(key, target.digest, np.array([r[0] for r in rows], dtype=np.int64),
                            b"".join(r[1] for r in rows), target.spec)
    state = np.zeros(len(rows), dtype=np.uint64)
    for name in columns:
        state = fold(state, tokens.exact[:, target.spec.columns.index(name)].astype(np.uint64))
    return state.view(np.int64)
