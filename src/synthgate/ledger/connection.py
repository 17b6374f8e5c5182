"""Where the ledger lives and how to talk to it safely.

SQLite (the default) is opened in WAL mode with a 30 s busy timeout and foreign keys on. Every
write runs in ``BEGIN IMMEDIATE``: the write lock is taken up front, so concurrent writers queue
behind the busy timeout instead of failing when a read transaction tries to upgrade. Reads use a
plain ``BEGIN`` and never block writers (WAL).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.pool import StaticPool

from synthgate.errors import LedgerError

__all__ = ["CREATE_HELP", "DEFAULT_LEDGER", "LEDGER_ENV", "connect", "read", "resolve_location", "write"]

LEDGER_ENV = "SYNTHGATE_LEDGER"
DEFAULT_LEDGER = "synthgate-ledger.sqlite"
BUSY_TIMEOUT_MS = 30_000
_WRITE = "synthgate_write"
_PG_MIGRATION_LOCK = 0x5E1D6E7  # any constant shared by every synthgate process


CREATE_HELP = "Create one by registering data: `synthgate ledger register FILE --origin human{where}`"


def resolve_location(location: str | os.PathLike | None = None, *, must_exist: bool = False) -> str:
    """SQLAlchemy URL for a location: argument, else ``$SYNTHGATE_LEDGER``, else ``./synthgate-ledger.sqlite``.

    With ``must_exist``, a ledger file that does not exist is refused instead of created: a
    mistyped path must not silently give an empty ledger that matches nothing.
    """
    if location is None or str(location) == "":
        location = os.environ.get(LEDGER_ENV) or DEFAULT_LEDGER
    text_location = os.fspath(location)
    if text_location == ":memory:":
        return "sqlite://"
    if "://" in text_location:
        try:
            make_url(text_location)
        except ArgumentError as err:
            raise LedgerError(f"cannot read ledger URL {text_location!r}: {err}.") from None
        return text_location
    path = Path(text_location).expanduser().resolve()
    if must_exist and not path.is_file():
        raise LedgerError(f"no ledger at {str(path)!r}: the file does not exist. "
                          + CREATE_HELP.format(where=f" --ledger {text_location}") + ", or pass an existing ledger.")
    if not path.parent.is_dir():
        raise LedgerError(f"cannot create the ledger {str(path)!r}: folder {str(path.parent)!r} does not exist. "
                          "Create it first, or pass another path.")
    return f"sqlite:///{path}"


def connect(url: str) -> Engine:
    """An engine for the URL, configured for safe concurrent use."""
    parsed = make_url(url)
    try:
        if parsed.get_backend_name() != "sqlite":
            return create_engine(url, pool_pre_ping=True)
        memory = parsed.database in (None, "", ":memory:")
        options = {"poolclass": StaticPool, "connect_args": {"check_same_thread": False}} if memory else {}
        engine = create_engine(url, **options)
    except Exception as err:  # an unknown driver or dialect: say which, not where in SQLAlchemy
        raise LedgerError(f"cannot open a ledger at {parsed.render_as_string(hide_password=True)}: {err}.") from None
    event.listen(engine, "connect", _sqlite_on_connect)
    event.listen(engine, "begin", _sqlite_begin)
    return engine


def _sqlite_on_connect(dbapi_connection, _record) -> None:
    # take BEGIN away from the sqlite3 module so that _sqlite_begin decides its kind
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys = ON")
        _switch_to_wal(cursor)
    finally:
        cursor.close()


def _switch_to_wal(cursor, attempts: int = 100) -> None:
    """Switching a new file to WAL needs an exclusive lock, and SQLite may answer "database is locked" at
    once, without its busy handler, while another process is creating the same ledger: retry for ~10 s."""
    import sqlite3
    import time

    for attempt in range(attempts):
        try:
            cursor.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as err:
            if "locked" not in str(err) or attempt == attempts - 1:
                raise
            time.sleep(0.1)


def _sqlite_begin(conn: Connection) -> None:
    conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get(_WRITE) else "BEGIN")


@contextmanager
def write(engine: Engine) -> Iterator[Connection]:
    """A write transaction: committed on success, rolled back on any error (including interruption)."""
    with engine.connect() as conn:
        conn.execution_options(**{_WRITE: True})
        with conn.begin():
            yield conn


@contextmanager
def read(engine: Engine) -> Iterator[Connection]:
    """A read-only transaction: one consistent snapshot of the ledger."""
    with engine.connect() as conn, conn.begin():
        yield conn


def lock_for_migration(conn: Connection) -> None:
    """Serialise concurrent migrations on servers (SQLite's BEGIN IMMEDIATE already does)."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_MIGRATION_LOCK})
