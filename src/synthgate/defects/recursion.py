"""Recursive training: each generation of synthetic data fitted on the one before (model collapse)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from synthgate.defects._common import check_frame
from synthgate.generators import CartSynthesizer


def regenerate(real: pd.DataFrame, *, generations: int, generator_factory: Callable = CartSynthesizer,
               n: int | None = None, seed: int) -> list[pd.DataFrame]:
    """Train generation ``i + 1`` on generation ``i``, starting from ``real``.

    Parameters
    ----------
    real : pandas.DataFrame
        Generation 0 (unchanged; a copy with a fresh RangeIndex is returned first).
    generations : int
        Number of synthetic generations, >= 0.
    generator_factory : callable, default CartSynthesizer
        Called with no arguments for every generation; returns an unfitted object with
        ``fit(frame) -> self`` and ``sample(n, seed) -> DataFrame``.
        Use ``functools.partial`` for settings.
    n : int, optional
        Rows per synthetic generation; ``len(real)`` by default.
    seed : int
        Spawns one independent sampling seed per generation.

    Returns
    -------
    list of pandas.DataFrame
        ``[generation 0, ..., generation N]``, ``generations + 1`` tables.

    Examples
    --------
    >>> from synthgate.generators import IndependentSynthesizer
    >>> import pandas as pd
    >>> tables = regenerate(pd.DataFrame({"x": range(50)}), generations=3,
    ...                     generator_factory=IndependentSynthesizer, seed=0)
    >>> [len(t) for t in tables]
    [50, 50, 50, 50]
    """
    check_frame(real, "real")
    if not isinstance(generations, (int, np.integer)) or generations < 0:
        raise ValueError(f"generations must be a non-negative integer, got {generations!r}.")
    size = len(real) if n is None else n
    if not isinstance(size, (int, np.integer)) or size < 1:
        raise ValueError(f"n must be a positive integer, got {n!r}.")
    seeds = [int(s.generate_state(1)[0]) for s in np.random.SeedSequence(seed).spawn(generations)]
    tables = [real.reset_index(drop=True)]
    for generation_seed in seeds:
        tables.append(generator_factory().fit(tables[-1]).sample(size, seed=generation_seed))
    return tables
