"""Ball membership counts: for each point, how many centres' balls contain it (PRDC density, precision)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from synthgate.neighbors.projection import U32, Projection, bound_threshold
from synthgate.neighbors.refine import exact_distances
from synthgate.neighbors.search import bound_tiles, squared_norms

_CHECK_ROWS = 16_384


def ball_membership_counts(points: np.ndarray, centers: np.ndarray, radii: np.ndarray, *,
                           progress: Callable[[int, int], None] | None = None) -> np.ndarray:
    """Number of centres i with ``||points[j] - centers[i]|| <= radii[i]``, for every point j.

    PRDC (Naeem et al. 2020) in these terms, with ``r = knn(real, real, k, exclude_self=True)
    .distances[:, -1]``: density of fake row j is ``counts[j] / (k * n_real)`` summed, precision the share
    of fake rows with ``counts > 0``; coverage is ``knn(real, fake, 1).distances[:, 0] <= r`` and recall
    uses fake-to-fake radii the same way. Boundaries are decided in float64 with the same distance
    formula as :func:`knn`, so a point at exactly a centre's k-th neighbour distance counts as inside.

    Parameters
    ----------
    points : ndarray, shape (n, d)
    centers : ndarray, shape (m, d)
    radii : ndarray, shape (m,)
        Non-negative float64 radii, one per centre.
    progress : callable, optional
        Called as ``progress(done_tiles, total_tiles)``.

    Returns
    -------
    ndarray of int64, shape (n,)

    Examples
    --------
    >>> import numpy as np
    >>> centers = np.array([[0.0], [1.0]], dtype=np.float32)
    >>> ball_membership_counts(np.array([[0.5], [2.0]], dtype=np.float32), centers, np.array([0.5, 1.0]))
    array([2, 1])
    """
    points = np.ascontiguousarray(points, dtype=np.float32)
    centers = np.ascontiguousarray(centers, dtype=np.float32)
    radii = np.asarray(radii, dtype=np.float64)
    if points.shape[1:] != centers.shape[1:] or radii.shape != (len(centers),):
        raise ValueError(f"points {points.shape}, centers {centers.shape} and radii {radii.shape} do not "
                         "fit: pass (n, d), (m, d) and (m,) arrays.")
    if len(points) == 0 or len(centers) == 0:
        return np.zeros(len(points), dtype=np.int64)
    projection = Projection(centers.mean(axis=0, dtype=np.float64), None)
    zc, c_norms = projection.apply(centers)
    zc_sq = squared_norms(zc)
    counts = np.zeros(len(points), dtype=np.int64)
    total = -(-len(points) // _CHECK_ROWS)
    for done, start in enumerate(range(0, len(points), _CHECK_ROWS), 1):
        rows = np.arange(start, min(start + _CHECK_ROWS, len(points)))
        zp, p_norms = projection.apply(points, rows)
        counts[rows] = _count_rows(points, centers, rows, zp, p_norms, zc, zc_sq, c_norms, radii,
                                   projection)
        if progress is not None:
            progress(done, total)
    return counts


def _count_rows(points: np.ndarray, centers: np.ndarray, rows: np.ndarray, zp: np.ndarray,
                p_norms: np.ndarray, zc: np.ndarray, zc_sq: np.ndarray, c_norms: np.ndarray,
                radii: np.ndarray, projection: Projection) -> np.ndarray:
    """Counts for ``points[rows]``: float32 tiles settle clear cases, float64 decides the margin band."""
    counts = np.zeros(len(rows), dtype=np.int64)
    c_max = float(c_norms.max())
    for sl, tile in bound_tiles(zp, zc, zc_sq, 0, len(zc)):
        spread = p_norms[sl, None] + c_max
        slack = projection.eps_rel * spread
        gamma2 = 2 * (projection.dim + 3) * U32 * (spread * (1 + projection.eps_rel)) ** 2
        outside = tile > bound_threshold(radii[None, :], p_norms[sl, None], c_max, projection.dim,
                                         projection.eps_rel)
        inside = tile < np.maximum(radii[None, :] * (1 - 1e-9) - slack, 0.0) ** 2 - gamma2
        counts[sl] += inside.sum(axis=1)
        rr, cc = np.nonzero(~(inside | outside))
        dist = exact_distances(points, centers, rows[sl][rr], cc)
        counts[sl] += np.bincount(rr, weights=dist <= radii[cc], minlength=tile.shape[0]).astype(np.int64)
    return counts
