"""Shared fixtures: seeded Adult slices and a cached honest synthetic table."""

from __future__ import annotations

import functools

import pandas as pd
import pytest

from synthgate.datasets import load_adult, load_adult_independent
from synthgate.run import build_context


@functools.lru_cache(maxsize=8)
def adult_split(n: int = 4000, seed: int = 0):
    return load_adult(seed, n=n)


@functools.lru_cache(maxsize=16)
def independent_sample(size: int, n: int = 4000, seed: int = 0) -> pd.DataFrame:
    """Real Adult rows disjoint from ``adult_split(n, seed)``: the stand-in for a perfect generator.

    Never the holdout itself: the honest references are built from the holdout, so a test passing the holdout
    as "synthetic" cannot fail.
    """
    return load_adult_independent(seed, n=n, size=size)


@functools.lru_cache(maxsize=4)
def honest_synthetic(n: int = 4000, seed: int = 0) -> pd.DataFrame:
    from synthgate.generators import CartSynthesizer

    split = adult_split(n, seed)
    generator = CartSynthesizer(target="income", sensitive=["sex", "race"]).fit(split.real)
    return generator.sample(len(split.holdout), seed=seed)


@pytest.fixture
def adult():
    split = adult_split()
    return split.real.copy(), split.holdout.copy(), dict(split.metadata)


@pytest.fixture
def small_ctx():
    split = adult_split(2000, 1)
    return build_context(split.real, split.holdout, independent_sample(800, 2000, 1), metadata=split.metadata,
                         policy={"resamples": 20})
