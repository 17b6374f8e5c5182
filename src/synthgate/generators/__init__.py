"""Honest baseline synthesizers: ``fit(real) -> self``, ``sample(n, seed) -> DataFrame``.

CartSynthesizer            sequential CART with leaf donors (synthpop style); the default honest baseline
GaussianCopulaSynthesizer  empirical marginals + one Gaussian copula; smoother, more private
IndependentSynthesizer     columns resampled independently; no joint structure at all

Each samples only values present in the fitted table, so columns, their order and dtypes are
kept and NaN stays a possible value; the same seed gives the same table; inputs are never changed.
"""

from synthgate.generators._base import Synthesizer
from synthgate.generators.cart import CartSynthesizer
from synthgate.generators.copula import GaussianCopulaSynthesizer
from synthgate.generators.independent import IndependentSynthesizer

__all__ = ["CartSynthesizer", "GaussianCopulaSynthesizer", "IndependentSynthesizer", "Synthesizer"]
