"""Exact float64 neighbours from float32 lower-bound candidates, with a certificate per query row.

For a block of (distinct) query rows:

1. float32 search: the k' smallest lower bounds per row (k' a little above k);
2. float64 distances for the first k candidates give a radius R0 that the true k-th distance cannot
   exceed; every other candidate whose bound could still be within R0 is measured too;
3. the row is *certified* when the k'-th bound exceeds the threshold of the final k-th distance: then
   no base row outside the candidates can be as close, including ties, so the canonical order is exact;
4. rows that are not certified (dense regions, massive ties; a few per cent on census-income) get a
   range scan over all bounds. (A wider faiss search for them was slower: faiss's heap grows costly.)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from synthgate.neighbors.projection import Projection, bound_threshold
from synthgate.neighbors.search import bounds_within, nearest_bounds
from synthgate.neighbors.topk import PAD_INDEX, select_topk

_PAIR_CHUNK = 4_096
_FIRST_EXTRA = 3            # candidates measured before the first radius (3 beat 0 and 8)
_SCAN_ROWS = 1_024
_SCAN_BASE = 16_384
_EXTRA = 64                 # candidates beyond k in the float32 search (64 beat 32 on census-income)


@dataclass(frozen=True)
class SearchSpace:
    """Everything about the base that every query block needs."""

    query: np.ndarray           # original float32 query rows
    base: np.ndarray            # original float32 base rows
    base_rows: np.ndarray       # original base row of each distinct base row
    zb: np.ndarray              # float32 bound coordinates of the distinct base rows
    zb_sq: np.ndarray           # their float32 squared norms
    base_norm_max: float        # largest centred base-row norm
    dim: int
    eps_rel: float
    backend: str
    projection: Projection

    def threshold(self, radius: np.ndarray, query_norms: np.ndarray) -> np.ndarray:
        return bound_threshold(radius, query_norms, self.base_norm_max, self.dim, self.eps_rel)


def exact_distances(query: np.ndarray, base: np.ndarray, q_rows: np.ndarray,
                    b_rows: np.ndarray) -> np.ndarray:
    """Float64 Euclidean distances of row pairs, from differences (so equal rows give exactly 0.0)."""
    out = np.empty(len(q_rows), dtype=np.float64)
    for start in range(0, len(q_rows), _PAIR_CHUNK):
        part = slice(start, start + _PAIR_CHUNK)
        diff = query[q_rows[part]].astype(np.float64)
        diff -= base[b_rows[part]]
        out[part] = np.einsum("ij,ij->i", diff, diff)
    return np.sqrt(out)


def search_block(space: SearchSpace, q_rows: np.ndarray, zq: np.ndarray, q_norms: np.ndarray,
                 k: int) -> tuple[np.ndarray, np.ndarray]:
    """Canonical ``k`` nearest distinct base rows (distances, distinct ids) for query rows ``q_rows``."""
    top_d, top_u, reach, open_rows = _certified(space, q_rows, zq, q_norms, k, max(2 * k, k + _EXTRA))
    if len(open_rows):
        top_d[open_rows], top_u[open_rows] = _scan(space, q_rows[open_rows], zq[open_rows],
                                                   reach[open_rows], k)
    return top_d, top_u


def _certified(space: SearchSpace, q_rows: np.ndarray, zq: np.ndarray, q_norms: np.ndarray, k: int,
               k_prime: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Top ``k`` among the ``k_prime`` best bounds, each row's reach, and the rows left uncertified."""
    k_prime = min(len(space.zb), k_prime)
    bounds, cand = nearest_bounds(zq, space.zb, space.zb_sq, k_prime, space.backend)
    first = min(k_prime, k + _FIRST_EXTRA)
    dist = np.full(cand.shape, np.inf)
    dist[:, :first] = _pair_distances(space, q_rows, cand[:, :first])
    reach = space.threshold(np.partition(dist[:, :first], k - 1, axis=1)[:, k - 1], q_norms)
    rr, cc = np.nonzero(bounds[:, first:] <= reach[:, None])
    cc += first
    dist[rr, cc] = exact_distances(space.query, space.base, q_rows[rr], space.base_rows[cand[rr, cc]])
    top_d, top_u = select_topk(dist, np.where(np.isfinite(dist), cand, PAD_INDEX), k)
    reach = space.threshold(top_d[:, -1], q_norms)
    if k_prime == len(space.zb):
        return top_d, top_u, reach, np.empty(0, dtype=np.int64)
    return top_d, top_u, reach, np.flatnonzero(bounds[:, -1] <= reach)


def _pair_distances(space: SearchSpace, q_rows: np.ndarray, cand: np.ndarray) -> np.ndarray:
    n, width = cand.shape
    q = np.repeat(q_rows, width)
    return exact_distances(space.query, space.base, q, space.base_rows[cand.ravel()]).reshape(n, width)


def _scan(space: SearchSpace, q_rows: np.ndarray, zq: np.ndarray, reach: np.ndarray,
          k: int) -> tuple[np.ndarray, np.ndarray]:
    """Exact neighbours by measuring every base row whose bound is within ``reach`` (uncertified rows)."""
    top_d = np.empty((len(q_rows), k))
    top_u = np.empty((len(q_rows), k), dtype=np.int64)
    for lo in range(0, len(q_rows), _SCAN_ROWS):
        rows = slice(lo, lo + _SCAN_ROWS)
        top_d[rows], top_u[rows] = _scan_group(space, q_rows[rows], zq[rows], reach[rows], k)
    return top_d, top_u


def _scan_group(space: SearchSpace, q_rows: np.ndarray, zq: np.ndarray, reach: np.ndarray,
                k: int) -> tuple[np.ndarray, np.ndarray]:
    n = len(q_rows)
    run_d = np.full((n, k), np.inf)
    run_u = np.full((n, k), PAD_INDEX, dtype=np.int64)
    for start in range(0, len(space.zb), _SCAN_BASE):
        stop = min(start + _SCAN_BASE, len(space.zb))
        rr, cc = bounds_within(zq, space.zb, space.zb_sq, start, stop, reach)
        d = exact_distances(space.query, space.base, q_rows[rr], space.base_rows[cc])
        run_d, run_u = _merge_pairs(run_d, run_u, rr, d, cc)
    return run_d, run_u


def _merge_pairs(run_d: np.ndarray, run_u: np.ndarray, rows: np.ndarray, dist: np.ndarray,
                 ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Running canonical top-k per row, updated with a flat list of (row, distance, id) pairs."""
    n, k = run_d.shape
    all_rows = np.concatenate([np.repeat(np.arange(n), k), rows])
    all_d = np.concatenate([run_d.ravel(), dist])
    all_u = np.concatenate([run_u.ravel(), ids])
    order = np.lexsort((all_u, all_d, all_rows))
    sorted_rows = all_rows[order]
    rank = np.arange(len(order)) - np.searchsorted(sorted_rows, sorted_rows, side="left")
    keep = order[rank < k]
    return all_d[keep].reshape(n, k), all_u[keep].reshape(n, k)
