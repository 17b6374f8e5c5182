"""Plant each failure mode a synthgate gate must catch, at a chosen strength.

Every function is pure: it returns a new DataFrame (or list of them) and never changes its
inputs, takes a keyword ``seed`` and gives the same output for the same seed, keeps the
columns and dtypes of the damaged table and, unless stated, its number of rows. Impossible
arguments raise ValueError.

privacy    copy_rows, copy_unique_rows, change_one_category, near_copies, memorise_outliers, isolated_rows,
           reuse_identifiers
coverage   drop_category, drop_modes, drop_clusters, shrink_spread, truncate_tails
fairness   skew_outcome, underrepresent
recursion  regenerate
drift      shift_column, change_category_mix
"""

from synthgate.defects.coverage import drop_category, drop_clusters, drop_modes, shrink_spread, truncate_tails
from synthgate.defects.drift import change_category_mix, shift_column
from synthgate.defects.fairness import skew_outcome, underrepresent
from synthgate.defects.privacy import (
    change_one_category, copy_rows, copy_unique_rows, isolated_rows, memorise_outliers, near_copies, reuse_identifiers,
)
from synthgate.defects.recursion import regenerate

__all__ = [
    "change_category_mix", "change_one_category", "copy_rows", "copy_unique_rows", "drop_category", "drop_clusters", "drop_modes", "isolated_rows",
    "memorise_outliers", "near_copies", "regenerate", "reuse_identifiers", "shift_column", "shrink_spread", "skew_outcome",
    "truncate_tails", "underrepresent",
]
