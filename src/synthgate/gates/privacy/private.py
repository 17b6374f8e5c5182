"""Per-record risk, kept out of every shareable report.

Which synthetic rows copy a real record, and which real (training) rows they expose, are positions of people:
``report.json`` and ``report.html`` carry counts only. The positions go to a private table that travels beside
the gate's result (never serialised with it) and that ``synthgate.report.write_report`` writes to
``<out>/private/records.parquet`` (folder mode 0700, file 0600).

One row per finding: ``finding`` (``exact_copy``, ``copy_of_unique_record``, ``near_copy``, ``outlier_hit``,
``identifier_reuse``), ``synthetic_row`` and ``real_row`` (0-based positions in the synthetic and the training
table), and ``column`` (the identifier column, for ``identifier_reuse``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from synthgate.gates.context import RunContext
from synthgate.gates.privacy.copies import copy_pairs
from synthgate.gates.privacy.identifiers import reuse_pairs
from synthgate.gates.privacy.near import near_pairs

COLUMNS = ("finding", "synthetic_row", "real_row", "column")


def records(ctx: RunContext, radius: float | None, ratio: float | None = None) -> pd.DataFrame:
    """The private findings of this run (empty when there are none); ``radius`` None when distances were skipped."""
    parts = []
    if radius is not None:
        rows, partners, unique = copy_pairs(ctx)
        parts.append(_part("exact_copy", rows, partners))
        parts.append(_part("copy_of_unique_record", rows[unique], partners[unique]))
        parts.append(_part("near_copy", *near_pairs(ctx, radius, ratio)))
        hits = ctx._cache.get(("privacy-outlier-pairs",))
        if hits is not None:
            parts.append(_part("outlier_hit", *hits))
    for column, rows, partners in reuse_pairs(ctx):
        parts.append(_part("identifier_reuse", rows, partners, column))
    frame = pd.concat(parts, ignore_index=True) if parts else _part("exact_copy", np.zeros(0), np.zeros(0))
    return frame.sort_values(["finding", "synthetic_row", "real_row"], kind="stable", ignore_index=True)


def _part(finding: str, rows: np.ndarray, partners: np.ndarray, column: str | None = None) -> pd.DataFrame:
    return pd.DataFrame({"finding": pd.Series([finding] * len(rows), dtype="string"),
                         "synthetic_row": np.asarray(rows, dtype=np.int64),
                         "real_row": np.asarray(partners, dtype=np.int64),
                         "column": pd.Series([column] * len(rows), dtype="string")})
