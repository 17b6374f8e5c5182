"""Results of looking a table's rows up in the ledger: :class:`ScanResult` and :class:`RowLookup`.

A scan counts corpus rows that match registered machine data (exact, near), splits them into
*machine-only* rows and *ambiguous* ones (also matching registered human data), and sets every count
beside what chance alone gives (:mod:`synthgate.ledger.chance`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Literal

import numpy as np
import pandas as pd

from synthgate.errors import LedgerError
from synthgate.ledger.chance import RATES, Chance
from synthgate.ledger.matching import Candidate, Coverage

__all__ = ["Chance", "Coverage", "MatchCounts", "RowLookup", "RowMatch", "ScanResult"]

Kind = Literal["exact", "near"]


@dataclass(frozen=True)
class MatchCounts:
    """Rows found exactly, and near but not exactly."""

    exact: int = 0
    near: int = 0

    @property
    def total(self) -> int:
        """Exact plus near."""
        return self.exact + self.near


@dataclass(frozen=True)
class RowMatch:
    """A row of the looked-up table that is a registered row.

    ``position`` is the row's position in the table (0-based), ``row`` its position in the
    registered dataset, ``generator_id`` the generator that produced that dataset (None for human
    data and for machine data of unknown producer).
    """

    position: int
    kind: Kind
    dataset_id: int
    row: int
    origin: str
    generator_id: int | None


@dataclass(frozen=True)
class ScanResult:
    """Which rows of a corpus are registered machine rows.

    Attributes
    ----------
    rows : int
        Rows scanned.
    exact : int
        Rows identical (after normalisation) to a registered machine row.
    near : int
        Rows near a registered machine row but identical to none.
    by_dataset : Mapping[int, MatchCounts]
        Per machine dataset; a row found in two datasets counts in both.
    by_generator : Mapping[int | None, MatchCounts]
        Per producing generator (None: machine data of unknown producer).
    matches : tuple of RowMatch
        One per matched corpus row, by position: its best match (exact before near, then the
        lowest dataset id).
    near_chance : Mapping[int, float | None]
        Per machine dataset, the share of its own rows near another of its rows (measured at
        registration): near counts against a dataset where this is high say little.
    machine_only, ambiguous : MatchCounts
        The matched rows split: matching machine data only, or also registered human data (such a
        row cannot be told from human data).
    chance : Mapping[str, Chance]
        ``"exact"``, ``"near"``, ``"exact_machine_only"``, ``"near_machine_only"``: each count
        beside the count chance alone gives, its upper bound, and whether it is beyond.
    coverage : Mapping[int, Coverage]
        Per machine dataset: the columns compared, those the corpus lacks, and why when skipped.
    rate_sources : Mapping[int, str]
        Per machine dataset compared: where its chance rates come from.
    """

    rows: int
    exact: int
    near: int
    by_dataset: Mapping[int, MatchCounts] = field(hash=False)
    by_generator: Mapping[int | None, MatchCounts] = field(hash=False)
    matches: tuple[RowMatch, ...]
    near_chance: Mapping[int, float | None] = field(hash=False, default_factory=dict)
    machine_only: MatchCounts = MatchCounts()
    ambiguous: MatchCounts = MatchCounts()
    chance: Mapping[str, Chance] = field(hash=False, default_factory=dict)
    coverage: Mapping[int, Coverage] = field(hash=False, default_factory=dict)
    rate_sources: Mapping[int, str] = field(hash=False, default_factory=dict)

    @property
    def machine_share(self) -> float:
        """Share of scanned rows that are registered machine rows, exact or near."""
        return (self.exact + self.near) / self.rows if self.rows else 0.0

    @property
    def beyond_chance(self) -> bool:
        """Whether any judged count exceeds what chance alone gives."""
        return any(c.beyond for c in self.chance.values())

    def to_dict(self) -> dict:
        """Counts, chance and coverage as JSON-compatible data (no row positions: see :meth:`to_frame`)."""
        return {"rows": self.rows, "exact": self.exact, "near": self.near, "beyond_chance": self.beyond_chance,
                "machine_only": vars_of(self.machine_only), "ambiguous": vars_of(self.ambiguous),
                "chance": {k: c.to_dict() for k, c in self.chance.items()},
                "datasets": {str(d): {**vars_of(self.by_dataset.get(d, MatchCounts())), **c.to_dict(),
                                      "chance_from": self.rate_sources.get(d, ""),
                                      "near_chance": self.near_chance.get(d)}
                             for d, c in self.coverage.items()}}

    def positions(self, kind: Kind | None = None) -> np.ndarray:
        """Positions of matched rows (of one kind, or all), ascending."""
        return np.array([m.position for m in self.matches if kind is None or m.kind == kind], dtype=np.int64)

    def to_frame(self) -> pd.DataFrame:
        """The matches as a DataFrame, one row per matched corpus row."""
        return _frame(self.matches)


@dataclass(frozen=True)
class RowLookup:
    """Where each row of a table was seen in the ledger, human or machine, exact or near.

    ``matches`` holds one entry per (row, registered dataset) pair, exact preferred; ``training``
    maps every generator id to the ids of the datasets it was trained on.
    """

    rows: int
    matches: tuple[RowMatch, ...]
    training: Mapping[int, tuple[int, ...]] = field(hash=False)

    def _mask(self, keep) -> np.ndarray:
        mask = np.zeros(self.rows, dtype=bool)
        mask[[m.position for m in self.matches if keep(m)]] = True
        return mask

    def machine(self, *, near: bool = True) -> np.ndarray:
        """Boolean per row: a registered machine row (exactly, or also near when ``near``)."""
        return self._mask(lambda m: m.origin == "machine" and (near or m.kind == "exact"))

    def human(self, *, near: bool = True) -> np.ndarray:
        """Boolean per row: a registered human row (exactly, or also near when ``near``)."""
        return self._mask(lambda m: m.origin == "human" and (near or m.kind == "exact"))

    def training_rows(self, generator_id: int, *, near: bool = True) -> np.ndarray:
        """Boolean per row: a row of the generator's training data."""
        if generator_id not in self.training:
            raise LedgerError(f"no generator with id {generator_id} in the ledger.")
        data = set(self.training[generator_id])
        return self._mask(lambda m: m.dataset_id in data and (near or m.kind == "exact"))

    def to_frame(self) -> pd.DataFrame:
        """The matches as a DataFrame, one row per (row, dataset) match."""
        return _frame(self.matches)

    def per_row(self) -> pd.DataFrame:
        """One line per row of the table: its best match (exact before near, machine before human).

        Columns ``kind``, ``origin``, ``dataset_id``, ``row``, ``generator_id``; missing where the
        row was never registered.
        """
        best = self.to_frame()
        best = best.assign(rank=best["kind"].eq("near") * 2 + best["origin"].eq("human"))
        best = best.sort_values(["position", "rank", "dataset_id"], kind="stable").drop_duplicates("position")
        best = best.drop(columns="rank").set_index("position").reindex(pd.RangeIndex(self.rows, name="position"))
        return best.astype({"dataset_id": "Int64", "row": "Int64"})


def vars_of(counts: MatchCounts) -> dict:
    """A MatchCounts as a dict."""
    return {"exact": counts.exact, "near": counts.near}


def _frame(matches: tuple[RowMatch, ...]) -> pd.DataFrame:
    columns = ["position", "kind", "dataset_id", "row", "origin", "generator_id"]
    frame = pd.DataFrame([(m.position, m.kind, m.dataset_id, m.row, m.origin, m.generator_id) for m in matches],
                         columns=columns)
    frame["generator_id"] = frame["generator_id"].astype("Int64")
    return frame


def _row_matches(found: pd.DataFrame, targets: list[Candidate]) -> list[RowMatch]:
    info = {t.id: t for t in targets}
    return [RowMatch(int(p), k, int(d), int(r), info[d].origin, info[d].generator_id)
            for p, d, r, k in found[["position", "dataset_id", "row", "kind"]].itertuples(index=False)]


def _counts(found: pd.DataFrame, key: str) -> dict:
    best = found.sort_values([key, "position", "kind"], kind="stable").drop_duplicates([key, "position"])
    table = best.groupby([key, "kind"], dropna=False).size()
    counts: dict = {}
    for (group, kind), n in table.items():
        group = None if pd.isna(group) else int(group)
        current = counts.get(group, MatchCounts())
        counts[group] = MatchCounts(current.exact + int(n) * (kind == "exact"),
                                    current.near + int(n) * (kind == "near"))
    return counts


def build_scan(found: pd.DataFrame, targets: list[Candidate], rows: int, *, human: np.ndarray | None = None,
               coverage: Mapping[int, Coverage] | None = None, rates: Mapping[int, tuple[dict, int, str]] | None = None
               ) -> ScanResult:
    """Summarise machine matches (from :func:`matching.match_rows`) into a ScanResult.

    ``human`` holds the corpus positions that match registered human data; ``rates`` maps each
    compared machine dataset to its chance rates, the probes they rest on, and their source.
    """
    producers = {t.id: t.generator_id for t in targets}
    found = found.assign(generator=found["dataset_id"].map(producers).astype("Int64"))
    # 'exact' sorts before 'near', so the first line per position is its best match
    best = found.sort_values(["position", "kind", "dataset_id"], kind="stable").drop_duplicates("position")
    is_exact = (best["kind"] == "exact").to_numpy()
    shared = np.isin(best["position"].to_numpy(), np.asarray([] if human is None else human, dtype=np.int64))
    only = MatchCounts(int((is_exact & ~shared).sum()), int((~is_exact & ~shared).sum()))
    observed = {"exact": int(is_exact.sum()), "near": int((~is_exact).sum()),
                "exact_machine_only": only.exact, "near_machine_only": only.near}
    rates = dict(rates or {})
    return ScanResult(rows=rows, exact=observed["exact"], near=observed["near"],
                      by_dataset=MappingProxyType(_counts(found, "dataset_id")),
                      by_generator=MappingProxyType(_counts(found, "generator")),
                      matches=tuple(_row_matches(best, targets)),
                      near_chance=MappingProxyType({t.id: t.probes.chance if t.probes else None for t in targets}),
                      machine_only=only,
                      ambiguous=MatchCounts(observed["exact"] - only.exact, observed["near"] - only.near),
                      chance=MappingProxyType(_judge(observed, rates, rows)),
                      coverage=MappingProxyType(dict(coverage or {})),
                      rate_sources=MappingProxyType({d: r[2] for d, r in rates.items()}))


def _judge(observed: dict[str, int], rates: Mapping[int, tuple[dict, int, str]], rows: int) -> dict[str, Chance]:
    """Each count against chance, combining the machine datasets as independent chances to collide."""
    from synthgate.ledger.chance import judge_count
    out = {}
    for name in RATES:
        each = [(r[0].get(name), r[1]) for r in rates.values()]
        if not each:
            out[name] = judge_count(observed[name], None, 0, rows, why="no machine dataset was compared")
        elif any(rate is None for rate, _ in each):
            out[name] = judge_count(observed[name], None, 0, rows, why="not judged: no chance rate for the columns "
                                    "compared (near matches on fewer columns than registered)")
        else:
            rate = 1.0 - float(np.prod([1.0 - p for p, _ in each]))
            out[name] = judge_count(observed[name], rate, min(n for _, n in each), rows)
    return out


def build_lookup(found: pd.DataFrame, targets: list[Candidate], rows: int,
                 training: Mapping[int, tuple[int, ...]]) -> RowLookup:
    """Wrap every match (from :func:`matching.match_rows`) into a RowLookup."""
    return RowLookup(rows=rows, matches=tuple(_row_matches(found, targets)),
                     training=MappingProxyType(dict(training)))
