"""The one kNN engine: exact neighbours between encoded tables, exact-copy hashing, ball counts.

Encoded tables (shared encoding: min-max numbers, one-hot categories scaled by 1/sqrt(2)) make the mixed-type
distance plain Euclidean distance, so everything here is exact Euclidean search on float32 arrays.
"""

from synthgate.neighbors.balls import ball_membership_counts
from synthgate.neighbors.engine import knn
from synthgate.neighbors.hashing import exact_match_mask, match_counts, row_hashes
from synthgate.neighbors.topk import Neighbors, merge_topk

__all__ = [
    "Neighbors",
    "ball_membership_counts",
    "exact_match_mask",
    "knn",
    "match_counts",
    "merge_topk",
    "row_hashes",
]
