"""The result type and the canonical top-k order shared by every backend.

Canonical order: ascending float64 distance, ties broken by the smaller base index. Because it is a total
order on (distance, index) pairs, the top k of a union is the top k of the parts' top k's, which is what
lets blocks (and later Dask partitions) be searched separately and merged exactly.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# Padding for "no candidate": sorts after every real (distance, index) pair.
PAD_INDEX = np.iinfo(np.int64).max


@dataclass(frozen=True)
class Neighbors:
    """Exact k nearest neighbours of every query row.

    Attributes
    ----------
    distances : ndarray of float64, shape (n_query, k)
        Euclidean (not squared) distances, ascending along each row.
    indices : ndarray of int64, shape (n_query, k)
        Row numbers in the base table; equal distances are ordered by the smaller index.
    """

    distances: np.ndarray
    indices: np.ndarray

    def __post_init__(self) -> None:
        if self.distances.shape != self.indices.shape or self.distances.ndim != 2:
            raise ValueError(
                f"distances {self.distances.shape} and indices {self.indices.shape} must be two 2-d "
                "arrays of one shape (n_query, k)."
            )

    @property
    def k(self) -> int:
        """Number of neighbours per query row."""
        return self.indices.shape[1]

    def __len__(self) -> int:
        return self.indices.shape[0]


def select_topk(distances: np.ndarray, indices: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Per row, the first ``k`` (distance, index) pairs in canonical order (padding sorts last)."""
    order = np.lexsort((indices, distances), axis=1)[:, :k]
    return (np.take_along_axis(distances, order, axis=1),
            np.take_along_axis(indices, order, axis=1))


def merge_topk(a: Neighbors, b: Neighbors, offset_b: int = 0) -> Neighbors:
    """Merge the neighbours of the same query rows found in two parts of a base table.

    Parameters
    ----------
    a, b : Neighbors
        Results for the same query rows; ``b``'s indices are local to its part.
    offset_b : int, default 0
        Added to ``b.indices`` to make them global (the row where ``b``'s part starts).

    Returns
    -------
    Neighbors
        The canonical top ``max(a.k, b.k)`` of both (fewer only if the two hold fewer pairs). Equal to a
        search of the whole base, since canonical order is a total order. (Not for ``exclude_self``
        results: a part would have to drop rows of the query it does not hold.)

    Examples
    --------
    >>> import numpy as np
    >>> a = Neighbors(np.array([[0.0, 2.0]]), np.array([[4, 1]]))
    >>> b = Neighbors(np.array([[0.0, 1.0]]), np.array([[0, 3]]))
    >>> merge_topk(a, b, offset_b=2).indices
    array([[2, 4]])
    """
    if len(a) != len(b):
        raise ValueError(f"cannot merge results for {len(a)} and {len(b)} query rows; pass the same rows.")
    k = min(max(a.k, b.k), a.k + b.k)
    distances = np.concatenate([a.distances, b.distances], axis=1)
    indices = np.concatenate([a.indices, b.indices + np.int64(offset_b)], axis=1)
    distances, indices = select_topk(distances, indices, k)
    return Neighbors(distances, indices)
