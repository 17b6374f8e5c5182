"""Running a scan: match a corpus with machine and human data, and find each machine dataset's chance rates.

:func:`scan` takes a DataFrame; :func:`scan_partitioned` a partitioned corpus whose rows are fingerprinted
by an executor (in this process or on a Dask cluster): the same plan, matches and result either way.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from sqlalchemy import Connection

from synthgate.ledger import matching
from synthgate.ledger.chance import RATES, exact_rates
from synthgate.ledger.keys import LedgerKey
from synthgate.ledger.matching import Candidate, Coverage
from synthgate.ledger.scan import ScanResult, build_scan

if TYPE_CHECKING:
    from synthgate.executor import Executor, PartitionedDataset

__all__ = ["ScanPlan", "scan", "scan_partitioned"]

#: partitions whose fingerprints and near queries are gathered at once by a partitioned scan
PARTITIONS_PER_BATCH = 8


def scan(conn: Connection, key: LedgerKey, corpus: pd.DataFrame) -> ScanResult:
    """Machine matches of a corpus, split by human matches, beside their chance counts."""
    plan = ScanPlan.of(conn, key, {str(c) for c in corpus.columns})
    machine_found, human_found = plan.match(conn, key, matching.corpus_material(corpus, plan.material))
    return plan.result(conn, key, machine_found, human_found, len(corpus))


def scan_partitioned(conn: Connection, key: LedgerKey, corpus: PartitionedDataset, executor: Executor,
                     *, batch: int = PARTITIONS_PER_BATCH) -> ScanResult:
    """:func:`scan` of a partitioned corpus: the executor computes each partition's fingerprints and near
    queries where the partition is; this process looks them up in the ledger, ``batch`` partitions at a
    time (so it holds at most that many partitions' material), with the ledger key."""
    plan = ScanPlan.of(conn, key, set(corpus.columns))
    shipped = executor.broadcast(plan.material)
    machine_parts, human_parts = [], []
    for part in corpus.batches(batch):
        material = matching.concat_material(executor.map_partitions(matching.corpus_material, part, shipped))
        machine_found, human_found = plan.match(conn, key, material)
        start = part.partitions[0].start  # a batch's partitions are consecutive
        machine_parts.append(machine_found.assign(position=machine_found["position"] + start))
        human_parts.append(human_found.assign(position=human_found["position"] + start))
    return plan.result(conn, key, _concat(machine_parts), _concat(human_parts), corpus.rows)


def _concat(parts: list[pd.DataFrame]) -> pd.DataFrame:
    return pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]


@dataclass(frozen=True)
class ScanPlan:
    """Which registered datasets a corpus with given columns is compared with, and how."""

    machine: list[Candidate]
    human: list[Candidate]
    machine_covers: dict[int, Coverage]
    human_covers: dict[int, Coverage]

    @classmethod
    def of(cls, conn: Connection, key: LedgerKey, present: set[str]) -> ScanPlan:
        """The plan for a corpus with the ``present`` columns."""
        everything = matching.candidates(conn, key, None)
        machine = [t for t in everything if t.origin == "machine"]
        human = [t for t in everything if t.origin == "human"]
        return cls(machine, human, matching.coverages(present, machine, True),
                   matching.coverages(present, human, True))

    @property
    def material(self) -> matching.MatchPlan:
        """What to compute from the corpus rows, for machine and human datasets at once."""
        return (matching.match_plan(self.machine, self.machine_covers)
                + matching.match_plan(self.human, self.human_covers))

    def match(self, conn: Connection, key: LedgerKey,
              material: matching.CorpusMaterial) -> tuple[pd.DataFrame, pd.DataFrame]:
        """Machine matches and human matches of some corpus rows (positions local to them)."""
        return (matching.match_material(conn, key, material, self.machine, self.machine_covers),
                matching.match_material(conn, key, material, self.human, self.human_covers))

    def result(self, conn: Connection, key: LedgerKey, machine_found: pd.DataFrame, human_found: pd.DataFrame,
               rows: int) -> ScanResult:
        """The ScanResult of all matches of a corpus of ``rows`` rows."""
        covers = self.machine_covers
        rates = {t.id: machine_rates(conn, key, t, covers[t.id], self.human) for t in self.machine
                 if covers[t.id].matched}
        if any(c.missing for c in covers.values() if c.matched):
            # on fewer columns chance is measured exactly only, so only an exact human twin makes a row ambiguous
            human_found = human_found[human_found["kind"] == "exact"]
        return build_scan(machine_found, self.machine, rows, human=human_found["position"].unique(),
                          coverage=covers, rates=rates)


def machine_rates(conn: Connection, key: LedgerKey, target: Candidate, cover: Coverage,
                  human: list[Candidate]) -> tuple[dict, int, str]:
    """Chance rates for one machine dataset on the columns compared: (rates, probes, where from)."""
    if not cover.missing:
        return _whole_rates(target, human)
    references = [h for h in human if set(cover.columns) <= set(h.columns) and h.spec is not None]
    sources = references or ([target] if target.spec is not None else [])
    if not sources:
        return {name: None for name in RATES}, 0, "not measured"
    measured = [exact_rates(matching.profiles(conn, key, s, cover.columns), target.rows) for s in sources]
    what = (f"human data ({_ids(references)})" if references
            else "its own duplicates (no human data with these columns)")
    return (*_pool(measured), f"{what}, exact only, on the {len(cover.columns)} columns compared "
                              "(ambiguous: an exact human twin)")


def _whole_rates(target: Candidate, human: list[Candidate]) -> tuple[dict, int, str]:
    references = [h for h in human if h.columns == target.columns and h.probes is not None]
    if references:
        measured = [(h.probes.rates(target.rows), len(h.probes.min_near)) for h in references]
        rows = min(h.probes.others for h in references)
        short = f" (only {rows:,} human rows: an underestimate)" if rows < target.rows else ""
        return (*_pool(measured), f"human data ({_ids(references)}) against itself at {target.rows:,} rows{short}")
    if target.probes is not None:
        return (target.probes.rates(target.rows), len(target.probes.min_near),
                "its own duplicates (no human data with its columns)")
    return {name: None for name in RATES}, 0, "not measured (registered before schema 2)"


def _pool(measured: list[tuple[dict, int]]) -> tuple[dict, int]:
    probes = sum(n for _, n in measured)
    rates = {}
    for name in RATES:
        values = [r[name] for r, _ in measured]
        rates[name] = None if any(v is None for v in values) else float(
            np.sum([v * n for v, (_, n) in zip(values, measured)]) / max(probes, 1))
    return rates, probes


def _ids(targets: list[Candidate]) -> str:
    return ", ".join(str(t.id) for t in targets)
