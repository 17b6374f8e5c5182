"""Data sets shipped with synthgate: the UCI Adult table and synthetic Gaussian mixtures.

Nothing here touches the network; Adult is bundled as ``adult.parquet`` (see ``ADULT.md``).
"""

from synthgate.datasets.adult import RealSplit, load_adult, load_adult_frame, load_adult_independent
from synthgate.datasets.mixtures import make_gaussian_mixture

__all__ = ["RealSplit", "load_adult", "load_adult_frame", "load_adult_independent", "make_gaussian_mixture"]
