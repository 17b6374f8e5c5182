"""The provenance ledger: which tables and rows were made by people, which by machines, and from what."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

import pandas as pd
from sqlalchemy import Connection, Engine, select
from sqlalchemy.exc import IntegrityError

from synthgate.errors import InputError, LedgerError
from synthgate.ledger import keys, matching, queries, rows, scanning, validate
from synthgate.ledger import lineage as _lineage
from synthgate.ledger.connection import CREATE_HELP, connect, lock_for_migration, read, resolve_location, write
from synthgate.data.fingerprints import content_hash, row_fingerprints
from synthgate.ledger.queries import DatasetRef, GeneratorRef, now_utc, to_text
from synthgate.ledger.records import ORIGINS, DatasetRecord, Edge, GeneratorRecord, LineageStep, RunRecord
from synthgate.ledger.scan import RowLookup, ScanResult, build_lookup
from synthgate.ledger.schema import current_version, migrate, tables

if TYPE_CHECKING:  # synthgate.executor imports the ledger's fingerprints: import it lazily
    from synthgate.executor import Executor, PartitionedDataset

__all__ = ["Ledger"]


class Ledger:
    """A provenance ledger in SQLite (default) or any SQLAlchemy database.

    Open one with :meth:`Ledger.open`; every method runs in its own transaction, so a ledger
    object can be shared by sequential callers and many processes can use one file at once.

    Examples
    --------
    >>> import pandas as pd
    >>> ledger = Ledger.open(":memory:")
    >>> real = ledger.register_dataset(pd.DataFrame({"age": [31, 45], "city": ["Oslo", "Lima"]}),
    ...                                name="survey", origin="human")
    >>> gen = ledger.register_generator(name="ctgan-1", kind="ctgan", trained_on=[real.id])
    >>> gen.generation, ledger.human_share(gen)
    (0, 1.0)
    """

    def __init__(self, engine: Engine, url: str, key: keys.LedgerKey | None = None, no_key: str = ""):
        self._engine = engine
        self.url = url
        self._key = key
        self._no_key = no_key

    @classmethod
    def open(cls, location: str | os.PathLike | None = None, *, create: bool = True) -> Ledger:
        """Open (creating or migrating if needed) a ledger.

        Parameters
        ----------
        location : str or path-like, optional
            A file path, ``":memory:"``, or a SQLAlchemy URL such as ``postgresql://host/db``.
            Defaults to ``$SYNTHGATE_LEDGER``, then ``./synthgate-ledger.sqlite``.
        create : bool, default True
            Create the ledger (and its key file) when there is none. Pass False where only an
            existing ledger makes sense (scans, history): a mistyped path is then refused.

        Raises
        ------
        LedgerError
            The location cannot be opened, holds no ledger (``create=False``), its key is not the
            ledger's own, or the ledger was written by a newer synthgate.

        Notes
        -----
        A new SQLite ledger gets a secret key in ``<file>.key`` (mode 0600) beside it; see
        :mod:`synthgate.ledger.keys` for the threat model and ``$SYNTHGATE_LEDGER_KEY``.
        """
        url = resolve_location(location, must_exist=not create)
        engine = connect(url)
        shown = engine.url.render_as_string(hide_password=True)
        try:
            with write(engine) as conn:
                lock_for_migration(conn)
                key, no_key = _open_key(conn, engine, shown, create)
        except LedgerError:
            engine.dispose()
            raise
        except Exception as err:
            engine.dispose()
            raise LedgerError(f"cannot open the ledger at {shown}: {err}") from err
        return cls(engine, shown, key, no_key)

    def _keyed(self, action: str) -> keys.LedgerKey:
        if self._key is None:
            raise LedgerError(f"cannot {action} with the ledger at {self.url}: {self._no_key}.")
        return self._key

    def close(self) -> None:
        """Release the ledger's connections."""
        self._engine.dispose()

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Ledger({self.url!r})"

    # datasets ---------------------------------------------------------------------------------

    def register_dataset(self, frame: pd.DataFrame, *, name: str, origin: str,
                         generator_id: GeneratorRef | None = None, note: str | None = None) -> DatasetRecord:
        """Record a table and fingerprints of all its rows, in one transaction.

        Registering the same content again returns the existing record unchanged (idempotent).

        Parameters
        ----------
        frame : pandas.DataFrame
            The table; it is not modified.
        name : str
            A label for people; names need not be unique, ids are.
        origin : {"human", "machine"}
        generator_id : int or str, optional
            The generator (id or name) that produced machine data.
        note : str, optional

        Raises
        ------
        InputError
            An empty or malformed table, an unknown origin, or a generator on human data.
        LedgerError
            The same content is registered with another origin or generator, or the generator is unknown.
        """
        validate.check_frame(frame, "table")
        if not isinstance(name, str) or not name.strip():
            raise InputError(f"dataset name {name!r} is empty.", fix="Pass a non-empty name.")
        if origin not in ORIGINS:
            raise InputError(f"origin {origin!r} is not one of {list(ORIGINS)}.", fix="Pass 'human' or 'machine'.")
        if origin == "human" and generator_id is not None:
            raise InputError("human data cannot have a generator.", fix="Drop generator_id, or use origin='machine'.")
        key = self._keyed("register data")
        fingerprints = row_fingerprints(frame)
        digest = content_hash(frame, fingerprints)
        signature = rows.compute(frame, fingerprints)
        values = dict(name=name, content_hash=digest, origin=origin, rows=len(frame), note=note,
                      schema=json.dumps({str(c): str(t) for c, t in frame.dtypes.items()}),
                      signature=rows.signature_text(key, signature.spec, signature.probes))
        try:
            with write(self._engine) as conn:
                existing = queries.dataset_by_hash(conn, digest)
                if existing is not None:
                    _complete(conn, key, existing, signature)
                    return _same_dataset(conn, existing, origin, generator_id)
                if generator_id is not None:
                    values["generator_id"] = queries.generator_id(conn, generator_id)
                values["created"] = to_text(now_utc())
                new_id = conn.execute(tables["datasets"].insert().values(**values)).inserted_primary_key[0]
                rows.insert_rows(conn, key, new_id, signature, digest)
        except IntegrityError:
            # a concurrent writer on a server database registered the same content first
            with read(self._engine) as conn:
                existing = queries.dataset_by_hash(conn, digest)
                if existing is None:
                    raise
                return _same_dataset(conn, existing, origin, generator_id)
        return self.dataset(new_id)

    def dataset(self, ref: DatasetRef) -> DatasetRecord:
        """A dataset by id or name (a name shared by several datasets is refused: use the id)."""
        with read(self._engine) as conn:
            return queries.dataset(conn, ref)

    def datasets(self) -> list[DatasetRecord]:
        """All datasets, oldest first."""
        with read(self._engine) as conn:
            return queries.datasets(conn)

    # generators -------------------------------------------------------------------------------

    def register_generator(self, *, name: str, kind: str, trained_on: Sequence[DatasetRef],
                           params: Mapping[str, Any] | None = None, dp_epsilon: float | None = None,
                           expires_at: datetime | str | None = None, created: datetime | None = None,
                           note: str | None = None) -> GeneratorRecord:
        """Record a generator and the datasets it was trained on.

        Parameters
        ----------
        name, kind : str
            E.g. ``"adult-ctgan-v3"``, ``"ctgan"``.
        trained_on : sequence of int or str
            Training datasets, by id or name; at least one.
        params : mapping, optional
            Its settings (JSON-compatible).
        dp_epsilon : float, optional
            Its differential-privacy budget, if any.
        expires_at : datetime or ISO str, optional
            When its output should no longer be trusted without revalidation.
        created : datetime, optional
            Defaults to now (UTC).
        note : str, optional

        Returns
        -------
        GeneratorRecord
            With ``generation`` computed from the training data's lineage.
        """
        params_text, expires_text = validate.generator_inputs(name, kind, trained_on, params, dp_epsilon, expires_at)
        with write(self._engine) as conn:
            _refuse_taken_name(conn, name)
            ids = sorted({queries.dataset_id(conn, ref) for ref in trained_on})
            new_id = conn.execute(tables["generators"].insert().values(
                name=name, kind=kind, params=params_text,
                dp_epsilon=None if dp_epsilon is None else float(dp_epsilon),
                generation=_lineage.generation(conn, ids), created=to_text(created or now_utc()),
                expires_at=expires_text, note=note)).inserted_primary_key[0]
            conn.execute(tables["training"].insert(), [{"generator_id": new_id, "dataset_id": i} for i in ids])
        return self.generator(new_id)

    def generator(self, ref: GeneratorRef) -> GeneratorRecord:
        """A generator by id or name (a shared name is refused: use the id)."""
        with read(self._engine) as conn:
            return queries.generator(conn, ref)

    def generators(self) -> list[GeneratorRecord]:
        """All generators, oldest first."""
        with read(self._engine) as conn:
            return queries.generators(conn)

    # lineage ----------------------------------------------------------------------------------

    def lineage(self, ref: DatasetRef) -> list[LineageStep]:
        """Steps from a dataset back to human data.

        Parameters
        ----------
        ref : int, str or DatasetRecord
            The dataset, by id or name.

        Returns
        -------
        list of LineageStep
            The dataset with the generator that produced it (depth 0), that generator's training
            datasets with their generators (depth 1), and so on, breadth first, each dataset once.
            A branch ends at human data or at machine data of unknown producer.
        """
        with read(self._engine) as conn:
            return _lineage.lineage(conn, queries.dataset(conn, ref))

    def human_share(self, ref: GeneratorRef) -> float:
        """Share of human rows among the rows a generator was trained on.

        Parameters
        ----------
        ref : int, str or GeneratorRecord
            The generator, by id or name.

        Returns
        -------
        float
            Rows of its human training datasets over rows of all its training datasets (direct
            training data; machine data counts as machine however human its own ancestry).
        """
        with read(self._engine) as conn:
            return _lineage.human_share(conn, queries.generator_id(conn, ref))

    def edges(self) -> list[Edge]:
        """Every lineage edge in the ledger."""
        with read(self._engine) as conn:
            return _lineage.edges(conn)

    # rows -------------------------------------------------------------------------------------

    def scan(self, corpus: pd.DataFrame | PartitionedDataset, *, executor: Executor | None = None) -> ScanResult:
        """Find the rows of a corpus that are registered machine rows, exactly or near.

        Parameters
        ----------
        corpus : pandas.DataFrame or synthgate.executor.PartitionedDataset
            Rows to check. Each machine dataset is compared on its own columns, so the corpus may
            have more columns, in any order. A corpus lacking some of a dataset's columns is
            compared on the columns it has (``ScanResult.coverage`` names the missing ones).
        executor : synthgate.executor.Executor, optional
            Where a partitioned corpus's rows are fingerprinted (default: here); the ledger lookups
            and its key stay in this process.

        Returns
        -------
        ScanResult
            Exact and near counts, per dataset and per generator, each matched row's position, the
            split into machine-only and ambiguous rows, and every count beside what chance gives.

        Notes
        -----
        "Near" means equal categoricals and every numeric value within 0.08 of the registered
        dataset's column scale (about its std); see :mod:`synthgate.ledger.near` for the design
        and :mod:`synthgate.ledger.chance` for the chance counts.
        """
        from synthgate.executor import LocalExecutor, PartitionedDataset

        partitioned = isinstance(corpus, PartitionedDataset)
        (validate.check_partitioned if partitioned else validate.check_frame)(corpus, "corpus")
        key = self._keyed("scan")
        with read(self._engine) as conn:
            if partitioned:
                return scanning.scan_partitioned(conn, key, corpus, executor or LocalExecutor())
            return scanning.scan(conn, key, corpus)

    def lookup_rows(self, frame: pd.DataFrame) -> RowLookup:
        """Where each row of a table was seen: registered human or machine rows, exact or near.

        Parameters
        ----------
        frame : pandas.DataFrame
            E.g. a test set about to validate a generator.

        Returns
        -------
        RowLookup
            Every (row, registered dataset) match. A validation gate asks it whether the table
            holds machine rows (``.machine()``, boolean per row) or rows a generator was trained on
            (``.training_rows(generator_id)``).
        """
        validate.check_frame(frame, "table")
        key = self._keyed("look rows up")
        with read(self._engine) as conn:
            targets = matching.candidates(conn, key, None)
            found, _ = matching.match_rows(conn, key, frame, targets)
            training = queries.training(conn)
        return build_lookup(found, targets, len(frame), training)

    # runs -------------------------------------------------------------------------------------

    def record_run(self, kind: str, *, generator_id: GeneratorRef | None = None,
                   inputs: Mapping[str, str] | None = None, policy: Mapping[str, Any] | None = None,
                   result: str | Mapping[str, Any] | None = None, verdict: Any = None,
                   created: datetime | None = None) -> RunRecord:
        """Record a check or revalidation run.

        Parameters
        ----------
        kind : str
            E.g. ``"check"`` or ``"revalidate"``.
        generator_id : int or str, optional
            The generator judged, by id or name.
        inputs : mapping of str to str, optional
            Role (``"real"``, ``"synthetic"``, ...) to the content hash of the table used.
        policy : mapping, optional
            The policy in force (JSON-compatible).
        result : str or mapping, optional
            The result as JSON text (kept verbatim) or a JSON-compatible mapping.
        verdict : str or str enum, optional
        created : datetime, optional
            Defaults to now (UTC).

        Returns
        -------
        RunRecord
        """
        if not isinstance(kind, str) or not kind.strip():
            raise InputError(f"run kind {kind!r} is not a word.", fix="Pass e.g. 'check' or 'revalidate'.")
        row = dict(kind=kind, inputs=validate.as_json(inputs or {}, "inputs"),
                   policy=validate.as_json(policy or {}, "policy"),
                   result=validate.result_text(result), created=to_text(created or now_utc()),
                   verdict=None if verdict is None else str(getattr(verdict, "value", verdict)))
        with write(self._engine) as conn:
            if generator_id is not None:
                row["generator_id"] = queries.generator_id(conn, generator_id)
            new_id = conn.execute(tables["runs"].insert().values(**row)).inserted_primary_key[0]
            return queries.run_record(conn.execute(select(tables["runs"]).where(tables["runs"].c.id == new_id)).one())

    def runs(self, generator_id: GeneratorRef | None = None) -> list[RunRecord]:
        """Recorded runs (of one generator, or all), oldest first."""
        runs = tables["runs"]
        with read(self._engine) as conn:
            query = select(runs).order_by(runs.c.created, runs.c.id)
            if generator_id is not None:
                query = query.where(runs.c.generator_id == queries.generator_id(conn, generator_id))
            return [queries.run_record(row) for row in conn.execute(query)]


def _same_dataset(conn: Connection, existing: DatasetRecord, origin: str,
                  generator: GeneratorRef | None) -> DatasetRecord:
    if existing.origin != origin:
        raise LedgerError(f"this content is already registered as {existing.origin} data "
                          f"(dataset {existing.id}, {existing.name!r}); it cannot also be {origin}.")
    if generator is not None and queries.generator_id(conn, generator) != existing.generator_id:
        raise LedgerError(f"this content is already registered (dataset {existing.id}, {existing.name!r}) "
                          f"as produced by generator {existing.generator_id}, not {generator!r}.")
    return existing


def _open_key(conn: Connection, engine: Engine, shown: str, create: bool) -> tuple[keys.LedgerKey | None, str]:
    """Refuse a missing ledger when asked to, find (or make) its key, migrate, and check the key."""
    version = current_version(conn)
    if version == 0 and not create:
        raise LedgerError(f"no ledger at {shown}: the database holds no synthgate ledger. "
                          + CREATE_HELP.format(where="") + ", or pass an existing ledger.")
    key, no_key = keys.load_key(conn, engine.url, has_check=version >= 2 and keys.has_check(conn))
    migrate(conn, location=shown, key=key)
    keys.store_check(conn, key, location=shown)
    return key, no_key


def _complete(conn: Connection, key: keys.LedgerKey, existing: DatasetRecord, signature: rows.Signature) -> None:
    """A dataset migrated from schema 1 gets its near signatures back when its table is registered again."""
    stored = conn.scalar(select(tables["datasets"].c.signature).where(tables["datasets"].c.id == existing.id))
    if rows.read_signature(key, stored)[0] is None:
        rows.update_near(conn, key, existing.id, signature, existing.content_hash)


def _refuse_taken_name(conn: Connection, name: str) -> None:
    """Generators are named on the command line (--generator NAME), so a name may be given to one only."""
    taken = conn.scalar(select(tables["generators"].c.id).where(tables["generators"].c.name == name).limit(1))
    if taken is not None:
        raise LedgerError(f"a generator named {name!r} is already in the ledger (id {taken}). Give this one another "
                          f"name (e.g. {name}-2); 'synthgate ledger show' lists the generators.")
