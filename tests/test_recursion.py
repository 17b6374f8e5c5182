"""Recursive training without a ledger: R16-R17 oracles and the generation trend of a collapsing chain."""

from __future__ import annotations

import functools
import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from tests.conftest import adult_split

from synthgate.defects import regenerate
from synthgate.generators import CartSynthesizer, IndependentSynthesizer
from synthgate.gates.provenance.recursion import (c_m, expected_extinct, extinction_probability, gaussian_chain,
                                                  generation_trend, survival_probability)
from synthgate.reference import categories
from synthgate.report import plot_spec_problems
from synthgate.run import check_generations
from synthgate.verdict import Verdict

FAST = {"resamples": 40}


@functools.lru_cache(maxsize=1)
def cart_chain() -> tuple[pd.DataFrame, ...]:
    """10 generations of CART re-fitted on its own output, 2,000 Adult rows each (~8 s)."""
    split = adult_split(4000, 0)
    factory = functools.partial(CartSynthesizer, target="income", sensitive=["sex", "race"])
    return tuple(regenerate(split.real, generations=10, generator_factory=factory, n=2000, seed=0))


# R16: Gaussian re-fit chain -----------------------------------------------------------------------


def gaussian_paths(rows: int, generations: int, paths: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """mu_n and sigma_n of ``paths`` chains: draw ``rows`` from N(mu, sigma), re-fit (ddof 1), repeat."""
    rng = np.random.default_rng(seed)
    mu, sigma = np.zeros(paths), np.ones(paths)
    for _ in range(generations):
        x = rng.normal(mu[:, None], sigma[:, None], size=(paths, rows))
        mu, sigma = x.mean(axis=1), x.std(axis=1, ddof=1)
    return mu, sigma


def test_r16_closed_forms_match_the_reference_table():
    """reference-values.md 8.2: M = 10, n = 10 -> E[sigma] 0.758, median sigma 0.574, E[mu^2] = 1."""
    chain = gaussian_chain(10, 10)
    assert chain.expected_sigma == pytest.approx(0.758, abs=0.001)
    assert chain.median_sigma == pytest.approx(0.574, abs=0.001)
    assert chain.mean_shift_sq == 1.0
    assert gaussian_chain(100, 100).expected_sigma == pytest.approx(0.777, abs=0.001)
    assert c_m(2) == pytest.approx(math.sqrt(2 / math.pi))  # c4(2)


def test_r16_simulated_gaussian_chain_matches_the_closed_forms():
    """4,000 simulated re-fit chains, M = 10, n = 10 (the table's own simulation: 0.975 / 0.759 / 0.574)."""
    mu, sigma = gaussian_paths(10, 10, 4000, seed=1)
    chain = gaussian_chain(10, 10)
    assert np.mean(sigma) == pytest.approx(chain.expected_sigma, abs=3 * np.std(sigma) / np.sqrt(4000))
    assert np.median(sigma) == pytest.approx(chain.median_sigma, rel=0.05)
    assert np.mean(mu ** 2) == pytest.approx(chain.mean_shift_sq, abs=3 * np.std(mu ** 2) / np.sqrt(4000))
    assert np.mean(sigma ** 2) == pytest.approx(1.0, abs=3 * np.std(sigma ** 2) / np.sqrt(4000))  # martingale


# R17: category extinction ----------------------------------------------------------------------------


def test_r17_one_generation_extinction_is_one_minus_q_to_the_m():
    """(1 - q)^M: expected count 1 -> 0.368, count 3 -> 0.050 at M = 1000; and a simulated multinomial."""
    assert extinction_probability(1 / 1000, 1000) == pytest.approx(0.368, abs=0.001)
    assert extinction_probability(3 / 1000, 1000) == pytest.approx(0.050, abs=0.001)
    rng = np.random.default_rng(2)
    shares = np.array([0.001, 0.002, 0.003, 0.994])
    absent = (rng.multinomial(1000, shares, size=20_000) == 0).mean(axis=0)
    expected = extinction_probability(shares, 1000)
    assert np.all(np.abs(absent - expected) <= 4 * np.sqrt(expected * (1 - expected) / 20_000) + 1e-12)
    assert float(survival_probability(2, [1000, 1000])) == pytest.approx(1 - 0.998 ** 1000, abs=1e-3)


def test_r17_survival_over_generations_matches_table_and_simulation():
    """Count 2 of M = 1000 survives 0.857 / 0.457 / 0.290 after 1 / 5 / 10 generations (R17, [sim]).

    The branching closed form gives 0.865 / 0.465 / 0.292 (exact Wright-Fisher: 0.865 / 0.465 / 0.292): the
    table's simulated values sit within 0.01 of it; a 40,000-path resampling chain here sits within 4 sd.
    """
    table = {1: 0.857, 5: 0.457, 10: 0.290}
    analytic = {n: survival_probability(2, [1000] * (n + 1)) for n in table}
    for n, value in table.items():
        assert analytic[n] == pytest.approx(value, abs=0.01)
    rng = np.random.default_rng(3)
    counts = np.full(40_000, 2)
    for generation in range(1, 11):
        counts = rng.binomial(1000, counts / 1000)
        if generation in table:
            observed = (counts > 0).mean()
            assert abs(observed - analytic[generation]) < 4 * math.sqrt(analytic[generation] / 40_000)


def test_expected_extinct_sums_the_categories():
    counts = np.array([1, 2, 500, 0])
    one = expected_extinct(counts, [1000, 1000])
    assert one == pytest.approx(0.999 ** 1000 + 0.999 ** 2000, abs=1e-6)  # the empty category is not counted
    assert expected_extinct(counts, [1000]) == 0.0


# the trend of a chain ------------------------------------------------------------------------------


def test_trend_of_a_gaussian_resampling_chain_follows_r16():
    """Mean squared standardised drift of 20 independent columns after 10 resamplings of 500 rows: ~ n / M."""
    rng = np.random.default_rng(4)
    start = pd.DataFrame(rng.normal(size=(500, 20)), columns=[f"x{i}" for i in range(20)])
    chain = regenerate(start, generations=10, generator_factory=IndependentSynthesizer, seed=4)
    trend = generation_trend(chain)
    assert trend.expected_mean_shift_sq[-1] == pytest.approx(10 / 500)
    # 20 columns: the mean of chi-square(1)-like terms has sd ~ sqrt(2 / 20) of its value
    assert trend.mean_shift_sq[-1] == pytest.approx(10 / 500, rel=0.9)
    assert trend.spread_ratio[0] == 1.0 and trend.distance[0] == 0.0 and trend.extinct_categories == [0] * 11


def test_cart_chain_loses_categories_as_r17_predicts():
    trend = generation_trend(cart_chain(), adult_split().metadata)
    lost = trend.extinct_categories
    assert lost[0] == 0 and lost[10] >= 20 and lost[10] > lost[1]
    assert all(b >= a - 2 for a, b in zip(lost, lost[1:]))  # categories never come back (a resample can't)
    # a pure resampling chain of these sizes loses about as many: the loss is the recursion itself
    assert lost[10] == pytest.approx(trend.expected_extinct[10], rel=0.35)
    assert trend.distance[10] > 2 * trend.distance[1]
    assert set(trend.to_dict()) >= {"generations", "extinct_categories", "expected_extinct", "spread_ratio"}


def test_check_generations_fails_generation_10_and_passes_generation_1():
    chain = cart_chain()
    first = check_generations(chain[:2], metadata=adult_split().metadata, policy=FAST)
    tenth = check_generations(chain, metadata=adult_split().metadata, policy=FAST)
    # One CART generation shrinks spread a little: at 2,000 rows that may be inconclusive, never a WARN or FAIL.
    assert first.verdict in (Verdict.PASS, Verdict.INCONCLUSIVE), first.summary
    assert tenth.verdict is Verdict.FAIL
    lost = tenth.measurement("provenance.extinct_categories")
    assert lost.verdict is Verdict.FAIL and lost.value >= 20 and lost.reference.high <= 10
    assert "native_country" in lost.details["lost"]
    assert tenth.measurement("provenance.distance").verdict is Verdict.FAIL
    assert "generation 0" in lost.reference.method
    plots = [v for v in tenth.details.values() if isinstance(v, dict) and "plot" in v]
    assert {p["plot"] for p in plots} == {"lines"} and len(plots) == 4
    assert all(plot_spec_problems(p) == [] for p in plots)
    assert tenth.details["trend_extinct_categories"]["x"] == list(range(11))


def test_check_generations_uses_a_real_holdout_when_given():
    split = adult_split()
    chain = cart_chain()
    result = check_generations(chain, metadata=split.metadata, policy=FAST, holdout=split.holdout)
    assert result.measurement("provenance.extinct_categories").reference.method == categories.METHOD
    assert result.verdict is Verdict.FAIL


def test_check_generations_needs_two_tables():
    with pytest.raises(ValueError, match="at least one more table"):
        check_generations([adult_split().real])


def test_extinction_and_survival_accept_arrays():
    values = extinction_probability(np.array([0.0, 1.0]), 10)
    assert values.tolist() == [1.0, 0.0]
    assert survival_probability(np.array([0, 5]), [100, 100]).tolist()[0] == 0.0
    assert stats.binom.pmf(0, 100, 0.05) == pytest.approx(extinction_probability(0.05, 100))
