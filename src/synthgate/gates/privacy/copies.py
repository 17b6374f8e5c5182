"""Exact and near copies of training rows.

- ``privacy.exact_copy_rate``: share of synthetic rows equal to a training row (row hashes over the usable
  columns, never a distance threshold). Real tables hold natural duplicates (Adult: ~0.1 % of holdout rows
  equal a training row), so the reference is the holdout's own rate at the compared size.
- ``privacy.near_copy_rate``: share of synthetic rows that are not exact copies but lie within
  ``near_copy_radius`` of a training row, against the holdout's share within the same radius.

The radius is absolute, in the shared encoding (numbers scaled by the real range, a category mismatch adds 1
to the squared distance): the default 0.002 means "every category equal and the numbers, together, within
0.2 % of their ranges". A quantile of the holdout's DCR would adapt to the data but shrinks with the table
size and mixes near copies with the natural close pairs every dense table has; an absolute radius keeps the
meaning fixed and leaves the natural rate to the holdout reference.
"""

from __future__ import annotations

import numpy as np

from synthgate.gates.context import RunContext
from synthgate.gates.privacy._common import flagged_rows, nearest_real, rate_versus_holdout
from synthgate.neighbors import exact_match_mask, match_counts, row_hashes
from synthgate.verdict import Measurement, Rule


def hashes(ctx: RunContext, role: str) -> np.ndarray:
    """Row hashes of one table over the usable columns (cached per run)."""
    columns = [c.name for c in ctx.schema.usable]
    return ctx._cached(("privacy-hashes", role), lambda: row_hashes(ctx.tables[role][columns]))


def exact_flags(ctx: RunContext, role: str) -> np.ndarray:
    """Whether each ``role`` row equals some training row."""
    return ctx._cached(("privacy-exact", role), lambda: exact_match_mask(hashes(ctx, role), hashes(ctx, "real")))


def exact_copy_rate(ctx: RunContext, rule: Rule) -> Measurement:
    """``privacy.exact_copy_rate`` against the holdout's natural duplicate rate."""
    copies = exact_flags(ctx, "synthetic")
    details = {"copies": flagged_rows(copies), **_leaked_rows(ctx, copies, hashes(ctx, "synthetic"))}
    return rate_versus_holdout(ctx, "privacy.exact_copy_rate", rule, copies, exact_flags(ctx, "holdout"),
                               details=details)


def near_flags(ctx: RunContext, role: str, radius: float) -> np.ndarray:
    """Rows within ``radius`` of a training row that are not exact copies of one."""
    distances, _ = nearest_real(ctx, role)
    return (distances <= radius) & ~exact_flags(ctx, role)


def near_copy_rate(ctx: RunContext, rule: Rule, radius: float) -> Measurement:
    """``privacy.near_copy_rate`` against the holdout's share within the same radius."""
    near = near_flags(ctx, "synthetic", radius)
    _, nearest = nearest_real(ctx, "synthetic")
    real_hashes = hashes(ctx, "real")
    details = {"radius": radius, "near_copies": flagged_rows(near),
               **_leaked_rows(ctx, near, real_hashes[nearest])}
    return rate_versus_holdout(ctx, "privacy.near_copy_rate", rule, near, near_flags(ctx, "holdout", radius),
                               details=details)


def copy_counts(ctx: RunContext, radius: float) -> dict:
    """Counts for the report: exact and near copies, and how many real rows they expose."""
    exact = exact_flags(ctx, "synthetic")
    near = near_flags(ctx, "synthetic", radius)
    _, nearest = nearest_real(ctx, "synthetic")
    leaked_exact = _leaked_rows(ctx, exact, hashes(ctx, "synthetic"))
    leaked_near = _leaked_rows(ctx, near, hashes(ctx, "real")[nearest])
    return {"synthetic_rows": int(len(exact)), "exact_copies": int(exact.sum()), "near_copies": int(near.sum()),
            "holdout_exact_rate": float(exact_flags(ctx, "holdout").mean()),
            "exact": leaked_exact, "near": leaked_near, "near_copy_radius": radius}


def _leaked_rows(ctx: RunContext, flags: np.ndarray, source_hashes: np.ndarray) -> dict:
    """How many distinct real records the flagged synthetic rows reproduce, and how many of those are unique.

    A record that is unique in the real data (train and holdout together) is one person a copy exposes;
    copies of common profiles (natural duplicates) expose nobody in particular.
    """
    leaked = np.unique(source_hashes[flags])
    real_counts = match_counts(leaked, hashes(ctx, "real")) + match_counts(leaked, hashes(ctx, "holdout"))
    unique = leaked[real_counts == 1]
    return {"distinct_real_rows": int(len(leaked)), "unique_real_rows": int(len(unique)),
            "synthetic_rows_copying_unique": int(np.isin(source_hashes[flags], unique).sum())}
