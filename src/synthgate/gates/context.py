"""RunContext: what every gate receives — validated tables, schema, policy, seed and shared caches."""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field, replace
from enum import Enum
from typing import Any, Callable, Protocol

import numpy as np
import pandas as pd

from synthgate.data import Encoding, Metadata, Schema, fit_encoding
from synthgate.policy import Policy
from synthgate.reference.family import family_level

MASK = "‹rare›"


class Need(str, Enum):
    TARGET = "a target column (metadata: target)"
    SENSITIVE = "a sensitive attribute (metadata: sensitive)"
    LEDGER = "a provenance ledger (--ledger or policy: ledger)"
    FRESH = "fresh real data (--fresh)"


class Progress(Protocol):
    def __call__(self, step: str, done: int, total: int) -> None: ...


def no_progress(step: str, done: int, total: int) -> None:
    """The default progress callback: the library itself never prints."""


@dataclass(frozen=True)
class Tables:
    real: pd.DataFrame
    holdout: pd.DataFrame
    synthetic: pd.DataFrame
    fresh: pd.DataFrame | None = None

    def __getitem__(self, role: str) -> pd.DataFrame:
        table = getattr(self, role)
        if table is None:
            raise KeyError(f"no {role} table in this run")
        return table

    def roles(self) -> list[str]:
        return [r for r in ("real", "holdout", "synthetic", "fresh") if getattr(self, r) is not None]


@dataclass(frozen=True, eq=False)
class RunContext:
    """Frozen inputs of a run plus lazy caches (encoding, encoded tables, neighbours) that gates share."""

    tables: Tables
    schema: Schema
    policy: Policy = field(default_factory=Policy)
    seed: int = 0
    metadata: Metadata = field(default_factory=Metadata)
    ledger: Any = None
    progress: Progress = no_progress
    #: a ``synthgate.executor.Executor``: where the shared neighbour searches run (None: here, one process)
    executor: Any = None
    _cache: dict = field(default_factory=dict, repr=False)

    def rng(self, purpose: str) -> np.random.Generator:
        """An independent stream per purpose, so a new gate never shifts another gate's randomness."""
        return np.random.default_rng([self.seed, zlib.crc32(purpose.encode())])

    @property
    def available(self) -> frozenset[Need]:
        have = set()
        if self.schema.target:
            have.add(Need.TARGET)
        if self.schema.sensitive:
            have.add(Need.SENSITIVE)
        if self.ledger is not None:
            have.add(Need.LEDGER)
        if self.tables.fresh is not None:
            have.add(Need.FRESH)
        return frozenset(have)

    @property
    def encoding(self) -> Encoding:
        return self._cached(("encoding",), lambda: fit_encoding(
            self.tables.real, self.schema, others=[self.tables[r] for r in self.tables.roles()]))

    def encoded(self, role: str) -> np.ndarray:
        """The shared float32 encoding of one table (see ``synthgate.data.encoding``)."""
        return self._cached(("encoded", role), lambda: self.encoding.transform(self.tables[role]))

    def neighbors(self, query: str, base: str, k: int = 1):
        """Exact k nearest ``base`` rows of every ``query`` row on the shared encoding, computed once per run.

        ``query == base`` excludes each row itself. A cached larger k serves a smaller one.
        """
        from synthgate.executor.shards import sharded_knn
        from synthgate.neighbors import knn

        cached = [key for key in self._cache if key[:3] == ("knn", query, base) and key[3] >= k]
        if cached:
            found = self._cache[min(cached, key=lambda key: key[3])]
            return type(found)(found.distances[:, :k], found.indices[:, :k])

        def compute():
            self.progress(f"neighbours {query}→{base}", 0, 1)
            if self.executor is None:
                result = knn(self.encoded(query), self.encoded(base), k, exclude_self=query == base)
            else:  # the same neighbours, the base table's shards searched where the executor runs
                result = sharded_knn(self.executor, self.encoded(query), self.encoded(base), k,
                                     exclude_self=query == base)
            self.progress(f"neighbours {query}→{base}", 1, 1)
            return result

        return self._cached(("knn", query, base, k), compute)

    def label(self, column: str, value: Any) -> str:
        """A category label safe for a shareable report: masked when real has fewer than mask_below rows."""
        counts = self._cached(("counts", column), lambda: self.tables.real[column].value_counts(dropna=False))
        count = int(counts.get(value, 0)) if value == value else int(self.tables.real[column].isna().sum())
        if count < self.policy.mask_below:
            return MASK
        return "NaN" if value is None or value != value else str(value)

    def record_sample(self, what: str, *, used: int, given: int, why: str, setting: str | None = None) -> None:
        """Report a bounded sample (rows used of rows given, why, and the policy setting that lifts it).

        ``what`` starts with the gate's name ("coverage.prdc"); the gate's result carries the record, so no cap
        is silent. Recorded once per run and ``what``, so a cached computation reported on its first use
        stays reported.
        """
        if used >= given:
            return
        notes = self._cache.setdefault(("samples", what.split(".", 1)[0]), {})
        notes[what] = {"what": what, "rows_used": int(used), "rows_given": int(given), "why": why,
                       **({"lifted_by": setting} if setting else {})}

    def compared_size(self, what: str) -> int:
        """Rows of synthetic compared with real: at most the holdout's, so an honest reference exists (recorded)."""
        from synthgate.reference import compared_size

        given, holdout = len(self.tables.synthetic), len(self.tables.holdout)
        self.record_sample(f"{what}.synthetic_rows", used=compared_size(given, holdout), given=given,
                           why=f"an honest reference at n rows needs n real rows the generator never saw, and the "
                               f"holdout has {holdout}", setting="a larger holdout")
        return compared_size(given, holdout)

    def samples(self, gate: str) -> tuple[dict, ...]:
        """The bounded samples recorded for ``gate`` so far, in recording order."""
        return tuple(self._cache.get(("samples", gate), {}).values())

    def for_gate(self, shares: int) -> "RunContext":
        """This run as a gate sees it: with policy ``band_per = "gate"`` the band level shared out among the
        gate's ``shares`` rules or rule families; the caches shared with every other gate."""
        if self.policy.band_per == "measurement" or shares <= 1:
            return self
        policy = self.policy.model_copy(update={"band": family_level(self.policy.band, shares)})
        return replace(self, policy=policy, _cache=self._cache)

    def _cached(self, key: tuple, compute: Callable[[], Any]) -> Any:
        if key not in self._cache:
            self._cache[key] = compute()
        return self._cache[key]
