"""The ledger's tables and its ordered, versioned migrations.

``MIGRATIONS[i]`` takes a ledger from version ``i`` to ``i + 1``. A migration never changes once
released: a later schema change appends a new function (and updates the current table
definitions below), so every existing ledger walks the same path.

Tables (version 1)::

    schema_version      version, applied
    generators          id, name, kind, params (JSON), dp_epsilon, generation, created, expires_at, note
    datasets            id, name, content_hash (unique), origin, rows, schema (JSON), created,
                        generator_id -> generators ("produced" edge), note, signature (JSON near spec)
    training            generator_id -> generators, dataset_id -> datasets ("trained_on" edge)
    fingerprints        dataset_id, row, hash (signed 64-bit), near (signed 64-bit), position (bytes)
    runs                id, created, kind, generator_id, inputs (JSON), policy (JSON), result, verdict
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timezone

from sqlalchemy import (BigInteger, CheckConstraint, Column, Connection, Float, ForeignKey, Index, Integer,
                        LargeBinary, MetaData, PrimaryKeyConstraint, Table, Text, UniqueConstraint, select,
                        text)

from synthgate.errors import LedgerError

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


def _migrate_to_1(conn: Connection) -> None:
    frozen = MetaData()
    _define_v1(frozen)
    frozen.create_all(conn)


MIGRATIONS: tuple[Callable[[Connection], None], ...] = (_migrate_to_1,)
SCHEMA_VERSION = len(MIGRATIONS)

# the current shape of the tables, used by the queries; equal to the last migration's result
metadata = MetaData()
_define_v1(metadata)
tables = metadata.tables

_version_table = Table("schema_version", MetaData(),
                       Column("version", Integer, primary_key=True, autoincrement=False),
                       Column("applied", Text, nullable=False))


def current_version(conn: Connection) -> int:
    """The schema version a ledger is at (0 for an empty database)."""
    _version_table.create(conn, checkfirst=True)
    return conn.scalar(select(text("coalesce(max(version), 0)")).select_from(_version_table)) or 0


def migrate(conn: Connection, *, location: str) -> int:
    """Apply pending migrations inside the caller's write transaction; return the version reached."""
    version = current_version(conn)
    if version > SCHEMA_VERSION:
        raise LedgerError(
            f"the ledger at {location} has schema version {version}, but this synthgate only knows "
            f"versions up to {SCHEMA_VERSION}. Upgrade synthgate to use this ledger; it was left unchanged.")
    for target in range(version + 1, SCHEMA_VERSION + 1):
        MIGRATIONS[target - 1](conn)
        conn.execute(_version_table.insert().values(version=target,
                                                    applied=datetime.now(timezone.utc).isoformat()))
    return SCHEMA_VERSION
