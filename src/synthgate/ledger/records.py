"""Frozen records the ledger returns; they are copies, never live views of the database."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Literal

Origin = Literal["human", "machine"]
ORIGINS: tuple[str, ...] = ("human", "machine")

__all__ = ["DatasetRecord", "Edge", "GeneratorRecord", "LineageStep", "Origin", "RunRecord"]


@dataclass(frozen=True)
class DatasetRecord:
    """A registered table.

    Attributes
    ----------
    id : int
    name : str
    content_hash : str
        sha256 of the normalised table (see :func:`synthgate.ledger.content_hash`).
    origin : {"human", "machine"}
    rows : int
    schema : Mapping[str, str]
        Column name to dtype, as registered.
    created : datetime
        UTC registration time.
    generator_id : int or None
        The generator that produced it (machine data only; may be unknown).
    note : str or None
    """

    id: int
    name: str
    content_hash: str
    origin: Origin
    rows: int
    schema: Mapping[str, str] = field(hash=False)
    created: datetime
    generator_id: int | None = None
    note: str | None = None

    @property
    def is_machine(self) -> bool:
        """Whether the rows were made by a generator."""
        return self.origin == "machine"


@dataclass(frozen=True)
class GeneratorRecord:
    """A generator (a fitted synthesiser) and what it was trained on.

    Attributes
    ----------
    id, name, kind : int, str, str
    params : Mapping[str, object]
        Its settings, as given (JSON-compatible).
    dp_epsilon : float or None
        Differential-privacy budget, if it has one.
    trained_on : tuple of int
        Dataset ids of its training data ("trained_on" lineage edges).
    generation : int
        0 when trained on human data only, else 1 + the highest generation among the generators
        that produced its machine training data (a machine dataset of unknown producer counts as
        generation 0's output).
    created : datetime
    expires_at : datetime or None
    note : str or None
    """

    id: int
    name: str
    kind: str
    params: Mapping[str, object] = field(hash=False)
    dp_epsilon: float | None
    trained_on: tuple[int, ...]
    generation: int
    created: datetime
    expires_at: datetime | None = None
    note: str | None = None

    def is_expired(self, now: datetime | None = None) -> bool:
        """Whether ``expires_at`` has passed (never, if it has none)."""
        if self.expires_at is None:
            return False
        return (now or datetime.now(timezone.utc)) >= self.expires_at


@dataclass(frozen=True)
class Edge:
    """One lineage edge: a dataset trained a generator, or a generator produced a dataset."""

    relation: Literal["trained_on", "produced"]
    dataset_id: int
    generator_id: int


@dataclass(frozen=True)
class LineageStep:
    """One dataset on the way back to human data, with the generator that produced it.

    ``depth`` is 0 for the dataset asked about, 1 for its generator's training data, and so on.
    ``generator`` is None for human data and for machine data of unknown producer.
    """

    depth: int
    dataset: DatasetRecord
    generator: GeneratorRecord | None


@dataclass(frozen=True)
class RunRecord:
    """One recorded check or revalidation.

    ``result`` is the JSON text as recorded; ``inputs`` maps a role ('real', 'synthetic', ...) to
    the content hash of the table used.
    """

    id: int
    created: datetime
    kind: str
    generator_id: int | None
    inputs: Mapping[str, str] = field(hash=False)
    policy: Mapping[str, object] = field(hash=False)
    result: str | None
    verdict: str | None
