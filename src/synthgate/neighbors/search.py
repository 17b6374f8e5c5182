"""Float32 searches on lower-bound coordinates: top-k' candidates (faiss or numpy) and a range scan."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np

try:  # faiss is a core dependency, but the engine must keep working where its wheel is missing
    import faiss
except ImportError:  # pragma: no cover - exercised only on machines without faiss
    faiss = None

BACKENDS = ("auto", "faiss", "numpy")
_CELLS = 1 << 24           # float32 cells of one numpy distance tile (64 MiB)


def resolve_backend(backend: str) -> str:
    """``"auto"`` means faiss when it is importable, else numpy."""
    if backend not in BACKENDS:
        raise ValueError(f"backend={backend!r} is not one of {BACKENDS}; pass one of them.")
    if backend == "auto":
        return "numpy" if faiss is None else "faiss"
    if backend == "faiss" and faiss is None:
        raise ValueError("backend='faiss' needs the faiss-cpu package; install it or pass backend='numpy'.")
    return backend


def available_cores() -> int:
    """Cores this process may run on."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


@contextmanager
def single_threaded_libraries() -> Iterator[None]:
    """BLAS single-threaded for the duration (restored afterwards), so blocks can run one per core.

    BLAS and faiss's OpenMP each spin-wait their own thread pools; on few (or shared) cores, alternating
    between them (GEMM, then top-k) wasted most of the time. One block per worker thread, each
    single-threaded, keeps every core busy; the serial steps around it are small. The BLAS limit is
    process-wide while it lasts.
    """
    from threadpoolctl import threadpool_limits
    with threadpool_limits(limits=1, user_api="blas"):
        yield


def single_thread_worker() -> None:
    """Run once in each worker thread: faiss's OpenMP thread count is a per-thread setting."""
    if faiss is not None:
        faiss.omp_set_num_threads(1)


def nearest_bounds(zq: np.ndarray, zb: np.ndarray, zb_sq: np.ndarray, k: int,
                   backend: str) -> tuple[np.ndarray, np.ndarray]:
    """The ``k`` smallest float32 squared bounds per query row, ascending, with their base rows."""
    if backend == "faiss":
        dist, idx = faiss.knn(zq, zb, k)
        return dist, idx.astype(np.int64, copy=False)
    dist_out = np.empty((len(zq), k), dtype=np.float32)
    idx_out = np.empty((len(zq), k), dtype=np.int64)
    for rows, tile in bound_tiles(zq, zb, zb_sq, 0, len(zb)):
        part = np.argpartition(tile, k - 1, axis=1)[:, :k] if k < tile.shape[1] else \
            np.broadcast_to(np.arange(tile.shape[1]), tile.shape).copy()
        vals = np.take_along_axis(tile, part, axis=1)
        order = np.lexsort((part, vals), axis=1)
        dist_out[rows] = np.take_along_axis(vals, order, axis=1)
        idx_out[rows] = np.take_along_axis(part, order, axis=1)
    return dist_out, idx_out


def bounds_within(zq: np.ndarray, zb: np.ndarray, zb_sq: np.ndarray, start: int, stop: int,
                  threshold: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(query row, base row) pairs, base rows in ``start:stop``, whose squared bound is <= the threshold."""
    found_rows, found_cols = [], []
    for rows, tile in bound_tiles(zq, zb, zb_sq, start, stop):
        r, c = np.nonzero(tile <= threshold[rows, None])
        found_rows.append(r + rows.start)
        found_cols.append(c + start)
    return np.concatenate(found_rows), np.concatenate(found_cols)


def squared_norms(z: np.ndarray) -> np.ndarray:
    """Float32 squared row norms, as the float32 expansion uses them."""
    return np.einsum("ij,ij->i", z, z)


def bound_tiles(zq: np.ndarray, zb: np.ndarray, zb_sq: np.ndarray, start: int,
           stop: int) -> Iterator[tuple[slice, np.ndarray]]:
    """Float32 ||a||^2 + ||b||^2 - 2 a.b for query-row slices against base rows ``start:stop``."""
    step = max(1, _CELLS // max(1, stop - start))
    base = zb[start:stop]
    for lo in range(0, len(zq), step):
        rows = slice(lo, min(lo + step, len(zq)))
        tile = zq[rows] @ base.T
        tile *= -2.0
        tile += squared_norms(zq[rows])[:, None]
        tile += zb_sq[start:stop][None, :]
        yield rows, tile
