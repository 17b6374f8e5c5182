"""Gaussian copula over empirical marginals (numerics by rank, categoricals by frequency interval)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.special import ndtr, ndtri

from synthgate.generators._base import Synthesizer, is_numeric_column, take_rows


@dataclass(frozen=True)
class _Marginal:
    """One latent variable's empirical CDF, as an ordering of the real rows it describes.

    ``order`` lists those rows' positions from the lowest key to the highest; a uniform ``u``
    inverts to the row at ``floor(u * len(order))``, which reproduces the key's distribution.
    ``scores`` holds every real row's normal score (NaN for rows the variable does not describe).
    """

    order: np.ndarray
    scores: np.ndarray

    @classmethod
    def fit(cls, keys: np.ndarray) -> "_Marginal":
        """``keys``: a float per real row whose order is the CDF order; NaN rows are left out."""
        rows = np.flatnonzero(~np.isnan(keys))
        order = rows[np.argsort(keys[rows], kind="stable")]
        scores = np.full(len(keys), np.nan)
        if len(order):
            sorted_keys = keys[order]
            is_start = np.r_[True, sorted_keys[1:] != sorted_keys[:-1]]
            block = np.cumsum(is_start) - 1
            starts = np.flatnonzero(is_start)
            counts = np.diff(np.r_[starts, len(order)])
            # Mid-ranks of tie blocks (a category is one block), so u stays inside (0, 1).
            scores[order] = ndtri((starts[block] + counts[block] / 2.0) / len(order))
        return cls(order=order, scores=scores)

    def invert(self, u: np.ndarray) -> np.ndarray:
        """Row positions whose values sit at the CDF levels ``u``."""
        index = np.minimum(np.floor(u * len(self.order)).astype(np.int64), len(self.order) - 1)
        return self.order[index]


def _frequency_keys(values: np.ndarray) -> np.ndarray:
    """Categories (NaN one of them) keyed by frequency rank, most frequent first."""
    codes, _ = pd.factorize(values, use_na_sentinel=False)
    rank = np.empty(codes.max() + 1, dtype=np.float64)
    rank[np.argsort(-np.bincount(codes), kind="stable")] = np.arange(len(rank))
    return rank[codes]


def _latent_variables(column: pd.Series) -> dict[str, _Marginal]:
    """A categorical is one latent variable; a numeric with NaN is two: its values and whether
    it is missing (so missingness can correlate with other columns without distorting the values)."""
    if not is_numeric_column(column):
        return {"value": _Marginal.fit(_frequency_keys(column.to_numpy(dtype=object)))}
    values = column.to_numpy(dtype=np.float64, na_value=np.nan)
    missing = np.isnan(values)
    latents = {"value": _Marginal.fit(values)} if not missing.all() else {}
    if missing.any():
        latents["missing"] = _Marginal.fit(_frequency_keys(missing))
    return latents


def _correlation(scores: pd.DataFrame) -> np.ndarray:
    """Pairwise-complete correlation of normal scores; undefined pairs 0; made PSD, unit diagonal."""
    corr = np.nan_to_num(scores.corr().to_numpy(), nan=0.0)
    np.fill_diagonal(corr, 1.0)
    eigenvalues, eigenvectors = np.linalg.eigh(corr)
    psd = (eigenvectors * np.clip(eigenvalues, 1e-9, None)) @ eigenvectors.T
    scale = np.sqrt(np.diag(psd))
    return psd / np.outer(scale, scale)


class GaussianCopulaSynthesizer(Synthesizer):
    """Second honest baseline: empirical marginals joined by one Gaussian copula.

    Each column is mapped to normal scores through its empirical CDF (numerics by mid-rank;
    categoricals, NaN included, by the midpoint of their frequency interval, most frequent
    first; a numeric with NaN gets a second variable for "is missing"), one correlation matrix
    is estimated, and samples are drawn from the multivariate normal and inverted back to real
    values. It keeps marginals and pairwise monotone dependence only: smoother and more private
    than CART, and it does not keep outcome rates per group.

    Examples
    --------
    >>> from synthgate.datasets import load_adult
    >>> split = load_adult(0, n=2000)
    >>> GaussianCopulaSynthesizer().fit(split.real).sample(300, seed=1).shape
    (300, 15)
    """

    def _fit(self, real: pd.DataFrame) -> None:
        self._latents = {name: _latent_variables(real[name]) for name in real.columns}
        self._slots = [(name, kind) for name in real.columns for kind in self._latents[name]]
        scores = pd.DataFrame({i: self._latents[name][kind].scores for i, (name, kind) in enumerate(self._slots)})
        self.correlation_ = _correlation(scores)
        eigenvalues, eigenvectors = np.linalg.eigh(self.correlation_)
        self._factor = eigenvectors * np.sqrt(np.clip(eigenvalues, 0.0, None))

    def _sample(self, n: int, rng: np.random.Generator) -> dict[object, pd.Series]:
        uniform = ndtr(rng.standard_normal((n, len(self._slots))) @ self._factor.T)
        levels = {key: uniform[:, j] for j, key in enumerate(self._slots)}
        return {name: take_rows(self._real[name], self._invert(name, levels)) for name in self.columns_}

    def _invert(self, name, levels: dict) -> np.ndarray:
        """Row positions for one column: its "is missing" draw first, then its value draw."""
        latents = self._latents[name]
        if "missing" not in latents:
            return latents["value"].invert(levels[name, "value"])
        positions = latents["missing"].invert(levels[name, "missing"])
        if "value" not in latents:
            return positions
        present = self._real[name].iloc[positions].notna().to_numpy()
        return np.where(present, latents["value"].invert(levels[name, "value"]), positions)
