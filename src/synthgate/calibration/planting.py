"""The planted defects of the power matrix: ``synthgate.defects`` applied to an independent real sample.

Each defect names the gate that must catch it and the data sets it applies to. The damaged table is always
the independent real "synthetic" sample (or, for drift, the fresh sample), never the holdout.

==============  ==========  ===================================================================================
defect          gate        what is planted (``synthgate.defects`` function)
==============  ==========  ===================================================================================
copies          privacy     2 % of synthetic rows replaced by verbatim copies of random training rows
                            (``copy_rows(fraction=0.02)``)
unique_copies   privacy     1 % of synthetic rows replaced by copies of records unique in train + holdout
                            (``copy_unique_rows(fraction=0.01)``)
near_numbers    privacy     2 % training rows with numbers moved by N(0, 0.025 SD), categories exact
                            (``near_copies(fraction=0.02, noise=0.025)``)
near_category   privacy     2 % training rows with one category changed, numbers exact (``change_one_category``)
identifier_reuse privacy    a record-ID column on every table, 1 % of synthetic rows carry a training ID
outcome_shift   bias        the positive-outcome rate of one group moved down 10 points, the overall rate kept
                            (``skew_outcome``; the group: the first sensitive attribute's group with the
                            highest rate; a group below 10 % loses all its positives, and the record says so)
mode_drop       coverage    1 of 10 modes dropped and the rest resampled to size (``drop_modes``), on the
                            Gaussian-mixture data set: a real table has no true modes
cluster_drop    coverage    the synthetic rows of 1 of 10 k-means clusters of real dropped (``drop_clusters``),
                            on the real tables: the nearest real-data analogue of a lost mode
age_shift       drift       the fresh sample's ``age`` shifted by 0.2 standard deviations (``shift_column``)
==============  ==========  ===================================================================================
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np
import pandas as pd

from synthgate import defects
from synthgate.calibration.sources import MIXTURE, Source

Tables = dict[str, "pd.DataFrame | None"]


@dataclass(frozen=True)
class Defect:
    name: str
    gate: str
    description: str
    plant: Callable[[Tables, Source, np.ndarray | None, int], tuple[Tables, dict[str, Any]]]
    data: tuple[str, ...]        # data sets it applies to
    params: dict[str, Any]


def defect_seed(seed: int, defect: str, dataset: str) -> int:
    """The defect's own seed, derived from the run seed, the defect and the data set."""
    entropy = [int(seed), zlib.crc32(defect.encode("utf-8")), zlib.crc32(dataset.encode("utf-8"))]
    return int(np.random.SeedSequence(entropy).generate_state(1)[0])


def _copies(tables: Tables, source: Source, modes, seed: int) -> tuple[Tables, dict]:
    out = defects.copy_rows(tables["synthetic"], tables["real"], fraction=COPY_FRACTION, seed=seed)
    return {**tables, "synthetic": out}, {"copied_rows": round(COPY_FRACTION * len(out))}


def _unique_copies(tables: Tables, source: Source, modes, seed: int) -> tuple[Tables, dict]:
    out = defects.copy_unique_rows(tables["synthetic"], tables["real"], fraction=UNIQUE_FRACTION, seed=seed,
                                   others=tables["holdout"])
    return {**tables, "synthetic": out}, {"copied_rows": round(UNIQUE_FRACTION * len(out))}


def _near_numbers(tables: Tables, source: Source, modes, seed: int) -> tuple[Tables, dict]:
    out = defects.near_copies(tables["synthetic"], tables["real"], fraction=NEAR_FRACTION, noise=NEAR_NOISE,
                              seed=seed)
    return {**tables, "synthetic": out}, {"near_rows": round(NEAR_FRACTION * len(out)), "noise_sd": NEAR_NOISE}


def _near_category(tables: Tables, source: Source, modes, seed: int) -> tuple[Tables, dict]:
    out = defects.change_one_category(tables["synthetic"], tables["real"], fraction=NEAR_FRACTION, seed=seed)
    return {**tables, "synthetic": out}, {"near_rows": round(NEAR_FRACTION * len(out))}


def _identifier_reuse(tables: Tables, source: Source, modes, seed: int) -> tuple[Tables, dict]:
    """A record-ID column on every table (distinct per role), 1 % of synthetic rows carrying training IDs."""
    out = defects.reuse_identifiers(tables, fraction=ID_FRACTION, seed=seed)
    return out, {"reused_ids": round(ID_FRACTION * len(tables["synthetic"]))}


def _outcome_shift(tables: Tables, source: Source, modes, seed: int) -> tuple[Tables, dict]:
    synthetic, meta = tables["synthetic"], source.metadata
    column, group, rate = _highest_rate_group(synthetic, meta)
    factor = max(0.0, (rate - OUTCOME_SHIFT) / rate) if rate > 0 else 1.0
    out = defects.skew_outcome(synthetic, group_column=column, group=group, target=meta["target"],
                               positive=meta["positive"], factor=factor, seed=seed)
    after = _rates(out, column, meta)
    before = _rates(synthetic, column, meta)
    moved = {str(g): round(after[g] - before[g], 4) for g in before}
    return {**tables, "synthetic": out}, {"column": column, "group": str(group), "factor": round(factor, 4),
                                          "rate_before": round(rate, 4), "moved_points": moved}


def _mode_drop(tables: Tables, source: Source, modes, seed: int) -> tuple[Tables, dict]:
    out = defects.drop_modes(tables["synthetic"], modes=modes, drop=1, seed=seed)
    dropped = out.attrs.get("dropped_modes", [])
    out.attrs = {}
    return {**tables, "synthetic": out}, {"dropped_modes": [int(m) for m in dropped]}


def _cluster_drop(tables: Tables, source: Source, modes, seed: int) -> tuple[Tables, dict]:
    out = defects.drop_clusters(tables["synthetic"], tables["real"], clusters=10, drop=1, seed=seed)
    dropped = out.attrs.get("dropped_modes", [])
    out.attrs = {}
    return {**tables, "synthetic": out}, {"dropped_clusters": [int(m) for m in dropped]}


def _age_shift(tables: Tables, source: Source, modes, seed: int) -> tuple[Tables, dict]:
    column = source.plan.drift_column
    out = defects.shift_column(tables["fresh"], column=column, sigma=DRIFT_SIGMA, seed=seed)
    return {**tables, "fresh": out}, {"column": column, "sigma": DRIFT_SIGMA}


def _highest_rate_group(frame: pd.DataFrame, meta: dict) -> tuple[str, Any, float]:
    """The first categorical sensitive attribute's group with the highest positive rate (at least 5 % of rows)."""
    for column in meta["sensitive"]:
        if pd.api.types.is_numeric_dtype(frame[column]):
            continue
        shares = frame[column].value_counts(normalize=True)
        rates = _rates(frame, column, meta)
        eligible = {g: r for g, r in rates.items() if shares.get(g, 0.0) >= 0.05}
        if eligible:
            group = max(eligible, key=eligible.get)
            return column, group, eligible[group]
    raise ValueError("no categorical sensitive attribute with a group of at least 5 % of the rows")


def _rates(frame: pd.DataFrame, column: str, meta: dict) -> dict:
    positive = frame[meta["target"]] == meta["positive"]
    return {g: float(v) for g, v in positive.groupby(frame[column]).mean().items()}


COPY_FRACTION = 0.02
UNIQUE_FRACTION = 0.01
NEAR_FRACTION = 0.02
NEAR_NOISE = 0.025  # Gaussian SD in real SDs: 95 % of moved values within 5 % of an SD (issue 13, item 3)
ID_FRACTION = 0.01
OUTCOME_SHIFT = 0.10
DRIFT_SIGMA = 0.2

DEFECTS = {d.name: d for d in (
    Defect("copies", "privacy", "2 % of synthetic rows are verbatim copies of random training rows",
           _copies, ("adult", "german", "census"), {"fraction": COPY_FRACTION}),
    Defect("unique_copies", "privacy", "1 % of synthetic rows are copies of records unique in train + holdout",
           _unique_copies, ("adult", "german", "census"), {"fraction": UNIQUE_FRACTION}),
    Defect("near_numbers", "privacy", "2 % of synthetic rows are training rows with numbers moved by "
           "N(0, 0.025 SD), categories exact", _near_numbers, ("adult", "german", "census"),
           {"fraction": NEAR_FRACTION, "noise": NEAR_NOISE}),
    Defect("near_category", "privacy", "2 % of synthetic rows are training rows with one category changed, "
           "numbers exact", _near_category, ("adult", "german", "census"), {"fraction": NEAR_FRACTION}),
    Defect("identifier_reuse", "privacy", "a record-ID column added to every table; 1 % of synthetic rows "
           "carry a training row's ID", _identifier_reuse, ("adult", "german", "census"),
           {"fraction": ID_FRACTION}),
    Defect("outcome_shift", "bias", "one group's positive-outcome rate moved 10 points down, overall rate kept",
           _outcome_shift, ("adult", "german", "census"), {"points": OUTCOME_SHIFT}),
    Defect("mode_drop", "coverage", "1 of 10 Gaussian modes dropped, the rest resampled to size",
           _mode_drop, (MIXTURE,), {"modes": 10, "drop": 1}),
    Defect("cluster_drop", "coverage", "rows of 1 of 10 k-means clusters of real dropped, resampled to size",
           _cluster_drop, ("adult", "german", "census"), {"clusters": 10, "drop": 1}),
    Defect("age_shift", "drift", "fresh data's age shifted by 0.2 standard deviations",
           _age_shift, ("adult", "german", "census"), {"sigma": DRIFT_SIGMA}),
)}


def plant(name: str, tables: Tables, source: Source, synthetic_modes: np.ndarray | None,
          seed: int) -> tuple[Tables, dict[str, Any]]:
    """Apply defect ``name`` to this run's tables; returns the new tables and what was planted."""
    defect = DEFECTS[name]
    return defect.plant(tables, source, synthetic_modes, defect_seed(seed, name, source.name))
