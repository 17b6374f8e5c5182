"""Cheap float32 lower bounds on exact distances, with rigorous error margins.

Rows are centred on the base mean and, when the table has many columns, projected onto the base's
leading principal directions P (float64, orthonormal). Each row x becomes ``z(x) = (x_c P, rho(x))`` where
``rho`` is the norm of what the projection leaves out. For any rows x, y

    ||z(x) - z(y)||^2 = ||P'(x_c - y_c)||^2 + (rho(x) - rho(y))^2  <=  ||x - y||^2,

so a float32 search on z in r + 1 dimensions (r ~ 100 for census-income's 511) bounds every exact distance
from below. Only the few base rows whose bound falls inside the current k-th exact distance are then
measured in float64. Without a projection (few columns) z is simply the centred row and the bound is the
distance itself up to float32 rounding.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

U32 = float(np.finfo(np.float32).eps) / 2
U64 = float(np.finfo(np.float64).eps) / 2
_EXPLAINED = 0.95          # share of variance the kept directions must carry
_MAX_SHARE = 0.6           # project only if it keeps at most this share of the columns
_MIN_COLUMNS = 48
_SAMPLE_ROWS = 20_000
_CHUNK = 8_192


@dataclass(frozen=True)
class Projection:
    """Centring (and optionally a projection) that maps rows to float32 lower-bound coordinates."""

    mean: np.ndarray
    basis: np.ndarray | None

    @property
    def dim(self) -> int:
        """Number of float32 coordinates of a mapped row."""
        return len(self.mean) if self.basis is None else self.basis.shape[1] + 1

    @property
    def eps_rel(self) -> float:
        """Bound on ||z~(x) - z(x)|| relative to ||x_c|| (float32 storage, float64 cancellation in rho)."""
        return 16 * U32 + 2 * np.sqrt(len(self.mean) * U64)

    def apply(self, x: np.ndarray, rows: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Map ``x[rows]`` to ``(z float32 C-contiguous, ||x_c|| float64)``, in chunks."""
        rows = np.arange(len(x)) if rows is None else rows
        z = np.empty((len(rows), self.dim), dtype=np.float32)
        norms = np.empty(len(rows), dtype=np.float64)
        for start in range(0, len(rows), _CHUNK):
            part = slice(start, start + _CHUNK)
            z[part], norms[part] = self._map(x[rows[part]])
        return z, norms

    def _map(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        centred = x.astype(np.float64) - self.mean
        norms_sq = np.einsum("ij,ij->i", centred, centred)
        if self.basis is None:
            return centred.astype(np.float32), np.sqrt(norms_sq)
        kept = centred @ self.basis
        rho = np.sqrt(np.maximum(norms_sq - np.einsum("ij,ij->i", kept, kept), 0.0))
        return np.hstack([kept, rho[:, None]]).astype(np.float32), np.sqrt(norms_sq)


def fit_projection(base: np.ndarray, rows: np.ndarray) -> Projection:
    """Centre on ``base[rows]``; project when a few principal directions carry most of the variance.

    Any orthonormal basis keeps the bound valid, so the basis is fitted on an evenly spaced sample
    (deterministic, no random numbers); its quality only affects speed.
    """
    mean = base[rows].mean(axis=0, dtype=np.float64)
    d = base.shape[1]
    if d < _MIN_COLUMNS:
        return Projection(mean, None)
    sample = base[rows[:: max(1, len(rows) // _SAMPLE_ROWS)]].astype(np.float64) - mean
    values, vectors = np.linalg.eigh(sample.T @ sample)
    values, vectors = values[::-1], vectors[:, ::-1]
    share = np.cumsum(np.maximum(values, 0.0)) / max(float(np.maximum(values, 0.0).sum()), 1e-300)
    r = int(np.searchsorted(share, _EXPLAINED)) + 1
    if r > _MAX_SHARE * d:
        return Projection(mean, None)
    return Projection(mean, np.ascontiguousarray(vectors[:, :r]))


def bound_threshold(radius: np.ndarray, query_norms: np.ndarray, base_norm_max: float,
                    dim: int, eps_rel: float) -> np.ndarray:
    """Largest squared float32 bound a base row can show while its exact distance is <= ``radius``.

    Float32 bounds come from ||a||^2 + ||b||^2 - 2 a.b (faiss and numpy alike); their error is at most
    gamma_(dim+3) (||a|| + ||b||)^2 (Higham, Accuracy and Stability, 3.1), doubled here for margin, and the
    stored coordinates are off by at most ``eps_rel`` times the row norms. ``radius`` itself is a float64
    distance, trusted to a relative 1e-9.
    """
    spread = query_norms + base_norm_max
    n = dim + 3
    gamma = n * U32 / (1 - n * U32)
    return ((radius * (1 + 1e-9) + eps_rel * spread) ** 2
            + 2 * gamma * (spread * (1 + eps_rel)) ** 2)
