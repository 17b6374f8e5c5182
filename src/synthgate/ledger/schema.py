"""The ledger's tables and its ordered, versioned migrations.

``MIGRATIONS[i]`` takes a ledger from version ``i`` to ``i + 1``. A migration never changes once
released: a later schema change appends a new function (and updates the current table
definitions below), so every existing ledger walks the same path.

Tables (version 2)::

    schema_version      version, applied
    ledger_meta         name, value: the key's check value (and, on server databases, the key)
    generators          id, name, kind, params (JSON), dp_epsilon, generation, created, expires_at, note
    datasets            id, name, content_hash (unique), origin, rows, schema (JSON), created,
                        generator_id -> generators ("produced" edge), note,
                        signature (JSON: the near grid and chance probes, encrypted)
    training            generator_id -> generators, dataset_id -> datasets ("trained_on" edge)
    fingerprints        dataset_id, row, hash (keyed, signed 64-bit), band0..band2 (keyed band keys, null
                        for datasets migrated from version 1 until re-registered), tokens (encrypted bytes)
    runs                id, created, kind, generator_id, inputs (JSON), policy (JSON), result, verdict
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, timezone

import numpy as np

from sqlalchemy import (BigInteger, CheckConstraint, Column, Connection, Float, ForeignKey, Index, Integer,
                        LargeBinary, MetaData, PrimaryKeyConstraint, Table, Text, UniqueConstraint, select,
                        text)

from synthgate.errors import LedgerError
from synthgate.ledger.keys import LedgerKey

__all__ = ["MIGRATIONS", "SCHEMA_VERSION", "metadata", "migrate", "tables"]


def _define_v1(metadata: MetaData) -> None:
    Table("generators", metadata,
          Column("id", Integer, primary_key=True, autoincrement=True),
          Column("name", Text, nullable=False),
          Column("kind", Text, nullable=False),
          Column("params", Text, nullable=False),
          Column("dp_epsilon", Float, nullable=True),
          Column("generation", Integer, nullable=False),
          Column("created", Text, nullable=False),
          Column("expires_at", Text, nullable=True),
          Column("note", Text, nullable=True),
          Index("ix_generators_name", "name"))
    Table("datasets", metadata,
          Column("id", Integer, primary_key=True, autoincrement=True),
          Column("name", Text, nullable=False),
          Column("content_hash", Text, nullable=False),
          Column("origin", Text, nullable=False),
          Column("rows", Integer, nullable=False),
          Column("schema", Text, nullable=False),
          Column("created", Text, nullable=False),
          Column("generator_id", Integer, ForeignKey("generators.id"), nullable=True),
          Column("note", Text, nullable=True),
          Column("signature", Text, nullable=False),
          UniqueConstraint("content_hash", name="uq_datasets_content_hash"),
          CheckConstraint("origin IN ('human', 'machine')", name="ck_datasets_origin"),
          Index("ix_datasets_name", "name"),
          Index("ix_datasets_generator", "generator_id"))
    Table("training", metadata,
          Column("generator_id", Integer, ForeignKey("generators.id"), nullable=False),
          Column("dataset_id", Integer, ForeignKey("datasets.id"), nullable=False),
          PrimaryKeyConstraint("generator_id", "dataset_id", name="pk_training"),
          Index("ix_training_dataset", "dataset_id"))
    Table("fingerprints", metadata,
          Column("dataset_id", Integer, ForeignKey("datasets.id"), nullable=False),
          Column("row", Integer, nullable=False),
          Column("hash", BigInteger, nullable=False),
          Column("near", BigInteger, nullable=False),
          Column("position", LargeBinary, nullable=False),
          PrimaryKeyConstraint("dataset_id", "row", name="pk_fingerprints"),
          Index("ix_fingerprints_hash", "hash"),
          Index("ix_fingerprints_near", "near"))
    Table("runs", metadata,
          Column("id", Integer, primary_key=True, autoincrement=True),
          Column("created", Text, nullable=False),
          Column("kind", Text, nullable=False),
          Column("generator_id", Integer, ForeignKey("generators.id"), nullable=True),
          Column("inputs", Text, nullable=False),
          Column("policy", Text, nullable=False),
          Column("result", Text, nullable=True),
          Column("verdict", Text, nullable=True),
          Index("ix_runs_generator", "generator_id", "created"))


def _define_v2(metadata: MetaData) -> None:
    Table("ledger_meta", metadata,
          Column("name", Text, primary_key=True),
          Column("value", Text, nullable=False))
    Table("fingerprints", metadata,
          Column("dataset_id", Integer, ForeignKey("datasets.id"), nullable=False),
          Column("row", Integer, nullable=False),
          Column("hash", BigInteger, nullable=False),
          Column("band0", BigInteger, nullable=True),
          Column("band1", BigInteger, nullable=True),
          Column("band2", BigInteger, nullable=True),
          Column("tokens", LargeBinary, nullable=True),
          PrimaryKeyConstraint("dataset_id", "row", name="pk_fingerprints"),
          Index("ix_fingerprints_hash", "hash"),
          Index("ix_fingerprints_band0", "band0"),
          Index("ix_fingerprints_band1", "band1"),
          Index("ix_fingerprints_band2", "band2"))


def _migrate_to_1(conn: Connection, key: LedgerKey | None) -> None:
    frozen = MetaData()
    _define_v1(frozen)
    frozen.create_all(conn)


def _migrate_to_2(conn: Connection, key: LedgerKey | None) -> None:
    """Key the row fingerprints; drop the near signatures and clear-text grids, which let values be rebuilt.

    Exact matching keeps working; near matching of a migrated dataset comes back when its table is
    registered again (``synthgate ledger register`` with the same file). On SQLite, secure_delete
    overwrites the freed pages, so the old cell positions do not linger in the file.
    """
    if key is None:
        raise LedgerError("migrating this ledger to schema 2 needs its key; none was found.")
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("PRAGMA secure_delete = ON")
    # read, drop, re-create: a renamed table would keep its primary-key index name, and PostgreSQL
    # refuses a second relation called pk_fingerprints
    old = conn.exec_driver_sql("SELECT dataset_id, row, hash FROM fingerprints").all()
    conn.exec_driver_sql("DROP TABLE fingerprints")
    frozen = _v2_metadata()
    for name in ("ledger_meta", "fingerprints"):
        frozen.tables[name].create(conn)
    if old:
        keyed = key.hash64("rows", np.array([r[2] for r in old], dtype=np.int64)).tolist()
        conn.execute(frozen.tables["fingerprints"].insert(),
                     [{"dataset_id": d, "row": r, "hash": h} for (d, r, _), h in zip(old, keyed)])
    sealed = json.dumps({"version": 2, "sealed": key.seal(json.dumps({"spec": None, "probes": None}))})
    conn.execute(text("UPDATE datasets SET signature = :sealed"), {"sealed": sealed})


def _v2_metadata() -> MetaData:
    shape = MetaData()
    _define_v1(shape)
    shape.remove(shape.tables["fingerprints"])
    _define_v2(shape)
    return shape


MIGRATIONS: tuple[Callable[[Connection, LedgerKey | None], None], ...] = (_migrate_to_1, _migrate_to_2)
SCHEMA_VERSION = len(MIGRATIONS)

# the current shape of the tables, used by the queries; equal to the last migration's result
metadata = _v2_metadata()
tables = metadata.tables

_version_table = Table("schema_version", MetaData(),
                       Column("version", Integer, primary_key=True, autoincrement=False),
                       Column("applied", Text, nullable=False))


def current_version(conn: Connection) -> int:
    """The schema version a ledger is at (0 for an empty database)."""
    _version_table.create(conn, checkfirst=True)
    return conn.scalar(select(text("coalesce(max(version), 0)")).select_from(_version_table)) or 0


def migrate(conn: Connection, *, location: str, key: LedgerKey | None = None) -> int:
    """Apply pending migrations inside the caller's write transaction; return the version reached."""
    version = current_version(conn)
    if version > SCHEMA_VERSION:
        raise LedgerError(
            f"the ledger at {location} has schema version {version}, but this synthgate only knows "
            f"versions up to {SCHEMA_VERSION}. Upgrade synthgate to use this ledger; it was left unchanged.")
    for target in range(version + 1, SCHEMA_VERSION + 1):
        MIGRATIONS[target - 1](conn, key)
        conn.execute(_version_table.insert().values(version=target,
                                                    applied=datetime.now(timezone.utc).isoformat()))
    return SCHEMA_VERSION
