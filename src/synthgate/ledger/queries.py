"""Reading records back: database rows to frozen records, and id-or-name resolution."""

from __future__ import annotations

import json
import numbers
from collections.abc import Iterable
from datetime import datetime, timezone
from types import MappingProxyType

from sqlalchemy import Connection, select

from synthgate.errors import LedgerError
from synthgate.ledger.records import DatasetRecord, GeneratorRecord, RunRecord
from synthgate.ledger.schema import tables

DatasetRef = int | str | DatasetRecord
GeneratorRef = int | str | GeneratorRecord

_datasets = tables["datasets"]
_generators = tables["generators"]
_training = tables["training"]
_runs = tables["runs"]

_DATASET_COLUMNS = [c for c in _datasets.c if c.name != "signature"]


def now_utc() -> datetime:
    """The current time, timezone-aware UTC."""
    return datetime.now(timezone.utc)


def to_text(moment: datetime) -> str:
    """UTC ISO text of a datetime (a naive one is taken to be UTC already)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc).isoformat()


def from_text(value: str | None) -> datetime | None:
    """Inverse of :func:`to_text`."""
    return None if value is None else datetime.fromisoformat(value)


def _dataset(row) -> DatasetRecord:
    return DatasetRecord(id=row.id, name=row.name, content_hash=row.content_hash, origin=row.origin,
                         rows=row.rows, schema=MappingProxyType(json.loads(row.schema)),
                         created=from_text(row.created), generator_id=row.generator_id, note=row.note)


def _generator(row, trained_on: Iterable[int]) -> GeneratorRecord:
    return GeneratorRecord(id=row.id, name=row.name, kind=row.kind,
                           params=MappingProxyType(json.loads(row.params)), dp_epsilon=row.dp_epsilon,
                           trained_on=tuple(sorted(trained_on)), generation=row.generation,
                           created=from_text(row.created), expires_at=from_text(row.expires_at), note=row.note)


def run_record(row) -> RunRecord:
    """A runs table row as a record."""
    return RunRecord(id=row.id, created=from_text(row.created), kind=row.kind, generator_id=row.generator_id,
                     inputs=MappingProxyType(json.loads(row.inputs)),
                     policy=MappingProxyType(json.loads(row.policy)), result=row.result, verdict=row.verdict)


def _resolve(conn: Connection, table, ref, what: str) -> int:
    if isinstance(ref, (DatasetRecord, GeneratorRecord)):
        ref = ref.id
    if isinstance(ref, numbers.Integral) and not isinstance(ref, bool):
        ref = int(ref)
    if isinstance(ref, bool) or not isinstance(ref, (int, str)):
        raise LedgerError(f"a {what} is named by its id (int) or its name (str), not by {ref!r}.")
    if isinstance(ref, int):
        if conn.scalar(select(table.c.id).where(table.c.id == ref)) is None:
            raise LedgerError(f"no {what} with id {ref} in the ledger. List them with `synthgate ledger show`.")
        return ref
    ids = conn.scalars(select(table.c.id).where(table.c.name == ref).order_by(table.c.id)).all()
    if not ids:
        raise LedgerError(f"no {what} named {ref!r} in the ledger. List them with `synthgate ledger show`.")
    if len(ids) > 1:
        raise LedgerError(f"{len(ids)} {what}s are named {ref!r} (ids {', '.join(map(str, ids))}); "
                          "name one by its id.")
    return ids[0]


def dataset_id(conn: Connection, ref: DatasetRef) -> int:
    """The id of a dataset given by id, name or record."""
    return _resolve(conn, _datasets, ref, "dataset")


def generator_id(conn: Connection, ref: GeneratorRef) -> int:
    """The id of a generator given by id, name or record."""
    return _resolve(conn, _generators, ref, "generator")


def datasets(conn: Connection, ids: Iterable[int] | None = None) -> list[DatasetRecord]:
    """Datasets by id order (all, or those with the given ids)."""
    query = select(*_DATASET_COLUMNS).order_by(_datasets.c.id)
    if ids is not None:
        query = query.where(_datasets.c.id.in_(list(ids)))
    return [_dataset(row) for row in conn.execute(query)]


def dataset(conn: Connection, ref: DatasetRef) -> DatasetRecord:
    """One dataset."""
    return datasets(conn, [dataset_id(conn, ref)])[0]


def dataset_by_hash(conn: Connection, content_hash: str) -> DatasetRecord | None:
    """The dataset with this content, if registered."""
    row = conn.execute(select(*_DATASET_COLUMNS).where(_datasets.c.content_hash == content_hash)).first()
    return None if row is None else _dataset(row)


def training(conn: Connection) -> dict[int, tuple[int, ...]]:
    """Generator id to its training dataset ids, for every generator."""
    links: dict[int, list[int]] = {}
    for gen, data in conn.execute(select(_training.c.generator_id, _training.c.dataset_id)):
        links.setdefault(gen, []).append(data)
    return {gen: tuple(sorted(ids)) for gen, ids in links.items()}


def generators(conn: Connection, ids: Iterable[int] | None = None) -> list[GeneratorRecord]:
    """Generators by id order (all, or those with the given ids)."""
    query = select(_generators).order_by(_generators.c.id)
    link_query = select(_training.c.generator_id, _training.c.dataset_id)
    if ids is not None:
        ids = list(ids)
        query = query.where(_generators.c.id.in_(ids))
        link_query = link_query.where(_training.c.generator_id.in_(ids))
    links: dict[int, list[int]] = {}
    for gen, data in conn.execute(link_query):
        links.setdefault(gen, []).append(data)
    return [_generator(row, links.get(row.id, ())) for row in conn.execute(query)]


def generator(conn: Connection, ref: GeneratorRef) -> GeneratorRecord:
    """One generator."""
    return generators(conn, [generator_id(conn, ref)])[0]
