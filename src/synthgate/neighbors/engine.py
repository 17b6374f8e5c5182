"""Exact k-nearest-neighbour search between encoded tables: the one kNN engine of synthgate.

How it stays exact and fast: distinct rows only (copies share neighbours), a float32 lower-bound search in
few dimensions to find candidates (:mod:`.projection`, :mod:`.search`), float64 distances for the
candidates that could matter, and a per-row certificate that nothing outside them can be as close
(:mod:`.refine`). Results are in canonical order: ascending float64 distance, then smaller base index.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from synthgate.neighbors.dedup import RowGroups, expand_groups, group_rows
from synthgate.neighbors.projection import fit_projection
from synthgate.neighbors.refine import SearchSpace, search_block
from synthgate.neighbors.search import (available_cores, resolve_backend, single_thread_worker,
                                       single_threaded_libraries, squared_norms)
from synthgate.neighbors.topk import Neighbors

Progress = Callable[[int, int], None]

_BLOCK_ROWS = 4_096
_EXPAND_CELLS = 1 << 22
_CHECK_ROWS = 16_384


def knn(query: np.ndarray, base: np.ndarray, k: int, *, exclude_self: bool = False,
        block_rows: int | None = None, progress: Progress | None = None,
        backend: str = "auto") -> Neighbors:
    """Exact k nearest rows of ``base`` for every row of ``query`` (Euclidean distance).

    Parameters
    ----------
    query, base : ndarray, shape (n, d) and (m, d)
        Encoded tables (float32, C-contiguous; other real dtypes are cast to float32 first, and distances
        are those of the float32 values). Must be finite.
    k : int
        Neighbours per query row; at most ``m`` (``m - 1`` with ``exclude_self``).
    exclude_self : bool, default False
        ``query`` is ``base`` (the same rows) and row i is never its own neighbour. Only index i itself is
        left out: an exact copy of row i at another index is a neighbour at distance 0.0.
    block_rows : int, optional
        Distinct query rows searched per block (default: enough blocks for every core, at most 4096).
        Memory is the tables, the base's low-dimensional coordinates (m x ~r floats, r ~ 100 of 511 on
        census-income) and per-block buffers; never an ``n * m`` matrix.
    progress : callable, optional
        Called as ``progress(done_blocks, total_blocks)`` after each query block.
    backend : {"auto", "faiss", "numpy"}, default "auto"
        Float32 candidate search; ``"auto"`` takes faiss when importable. Both give identical results.
        Query blocks run one per core in worker threads, each with single-threaded BLAS and faiss;
        BLAS's thread limit is lowered to 1 for the duration of the call (process-wide) and restored.

    Returns
    -------
    Neighbors
        float64 distances (exact copies give exactly 0.0) and int64 base indices, shape (n, k), ascending
        by distance with ties ordered by the smaller base index. Deterministic.

    Examples
    --------
    >>> import numpy as np
    >>> base = np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 0.0]], dtype=np.float32)
    >>> found = knn(base, base, 2, exclude_self=True)
    >>> found.indices
    array([[2, 1],
           [0, 2],
           [0, 1]])
    >>> found.distances[0]
    array([0., 1.])
    """
    query, base = _check_inputs(query, base, k, exclude_self)
    backend = resolve_backend(backend)
    with single_threaded_libraries():
        return _knn(query, base, k, exclude_self, block_rows, progress, backend)


def _knn(query: np.ndarray, base: np.ndarray, k: int, exclude_self: bool, block_rows: int | None,
         progress: Progress | None, backend: str) -> Neighbors:
    width = k + 1 if exclude_self else k
    base_groups = group_rows(base)
    query_groups = base_groups if exclude_self else group_rows(query)
    space = _search_space(query, base, base_groups, backend)
    block = block_rows or _default_block(len(query_groups.first))
    dist, ids = _search_distinct(space, query_groups.first, min(width, base_groups.n_distinct),
                                 block, progress)
    dist, idx = _expand(dist, ids, base_groups, width)
    dist, idx = dist[query_groups.inverse], idx[query_groups.inverse]
    if exclude_self:
        dist, idx = drop_self(dist, idx)
    return Neighbors(dist, idx)


def _search_space(query: np.ndarray, base: np.ndarray, groups: RowGroups, backend: str) -> SearchSpace:
    projection = fit_projection(base, groups.first)
    zb, norms = projection.apply(base, groups.first)
    return SearchSpace(query=query, base=base, base_rows=groups.first, zb=zb, zb_sq=squared_norms(zb),
                       base_norm_max=float(norms.max()), dim=projection.dim,
                       eps_rel=projection.eps_rel, backend=backend, projection=projection)


def _search_distinct(space: SearchSpace, q_rows: np.ndarray, k: int, block: int,
                     progress: Progress | None) -> tuple[np.ndarray, np.ndarray]:
    dist = np.empty((len(q_rows), k))
    ids = np.empty((len(q_rows), k), dtype=np.int64)
    blocks = [slice(start, start + block) for start in range(0, len(q_rows), block)]

    def one_block(rows: slice) -> tuple[np.ndarray, np.ndarray]:
        zq, q_norms = space.projection.apply(space.query, q_rows[rows])
        return search_block(space, q_rows[rows], zq, q_norms, k)

    workers = min(available_cores(), len(blocks))
    with ThreadPoolExecutor(workers, initializer=single_thread_worker) as pool:
        for done, (rows, found) in enumerate(zip(blocks, pool.map(one_block, blocks)), 1):
            dist[rows], ids[rows] = found
            if progress is not None:
                progress(done, len(blocks))
    return dist, ids


def _default_block(n_rows: int) -> int:
    return int(min(_BLOCK_ROWS, max(64, -(-n_rows // available_cores()))))


def _expand(dist: np.ndarray, ids: np.ndarray, groups: RowGroups,
            width: int) -> tuple[np.ndarray, np.ndarray]:
    """Distinct base ids to original base indices, in row chunks to bound the candidate pool."""
    step = max(1, _EXPAND_CELLS // (ids.shape[1] * width))
    out_d = np.empty((len(ids), width))
    out_i = np.empty((len(ids), width), dtype=np.int64)
    for start in range(0, len(ids), step):
        rows = slice(start, start + step)
        out_d[rows], out_i[rows] = expand_groups(dist[rows], ids[rows], groups, width)
    return out_d, out_i


def drop_self(dist: np.ndarray, idx: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Remove each row's own index; rows whose own index fell beyond the list lose the last entry."""
    n, width = idx.shape
    own = idx == np.arange(n)[:, None]
    own[~own.any(axis=1), -1] = True
    keep = ~own
    return dist[keep].reshape(n, width - 1), idx[keep].reshape(n, width - 1)


def _check_inputs(query: np.ndarray, base: np.ndarray, k: int,
                  exclude_self: bool) -> tuple[np.ndarray, np.ndarray]:
    same = query is base
    query, base = _as_table(query, "query"), _as_table(base, "base")
    if query.shape[1] != base.shape[1]:
        raise ValueError(f"query has {query.shape[1]} columns and base {base.shape[1]}; encode both "
                         "tables with the same encoding.")
    if exclude_self and not (same or np.array_equal(query, base)):
        raise ValueError("exclude_self=True needs query to be base (the same rows); pass the same array.")
    limit = len(base) - 1 if exclude_self else len(base)
    if not isinstance(k, (int, np.integer)) or not 1 <= k <= limit:
        raise ValueError(f"k={k!r} must be an integer from 1 to {limit} for a base of {len(base)} rows"
                         f"{' (one fewer with exclude_self)' if exclude_self else ''}; pass a smaller k.")
    return query, (query if exclude_self else base)


def _as_table(x: np.ndarray, name: str) -> np.ndarray:
    x = np.asarray(x)
    if x.ndim != 2 or x.shape[1] == 0 or not np.issubdtype(x.dtype, np.number):
        raise ValueError(f"{name} must be a 2-d numeric array with at least one column; got shape "
                         f"{x.shape} and dtype {x.dtype}. Pass the encoded table.")
    x = np.ascontiguousarray(x, dtype=np.float32)
    for start in range(0, len(x), _CHECK_ROWS):
        if not np.isfinite(x[start:start + _CHECK_ROWS]).all():
            raise ValueError(f"{name} holds NaN or infinite values; encode missing values (the encoding's "
                             "NaN-indicator columns) before searching.")
    return x
