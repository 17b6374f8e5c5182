"""Analytic oracles from shared/design/reference-values.md, checked against synthgate's own code."""

from __future__ import annotations

import numpy as np
import pytest

from synthgate.gates.coverage.prdc import prdc
from synthgate.reference.prdc import coverage_sd_floor, expected_coverage, expected_density


@pytest.mark.parametrize(("n_real", "n_fake", "expected"), [(10_000, 10_000, 0.9688), (1000, 1000, 0.9690),
                                                            (2000, 1000, 0.8686)])
def test_expected_coverage_closed_form(n_real, n_fake, expected):
    """R1/R2: E[coverage] = 1 - prod_{i=1..5} (N-i)/(N+M-i) at k = 5."""
    assert expected_coverage(n_real, n_fake, 5) == pytest.approx(expected, abs=5e-5)


def test_expected_coverage_is_one_minus_two_to_the_minus_k_at_equal_sizes():
    """R1 (section 1.2): N = M gives 1 - 2^-k in the limit: 0.5, 0.75, 0.875 for k = 1, 2, 3."""
    for k, value in ((1, 0.5), (2, 0.75), (3, 0.875), (10, 0.999)):
        assert expected_coverage(10**6, 10**6, k) == pytest.approx(value, abs=1e-3)


def _gaussian_prdc(n_real: int, n_fake: int, dim: int, reps: int, seed: int):
    rng = np.random.default_rng(seed)
    return [prdc(rng.normal(size=(n_real, dim)).astype(np.float32),
                 rng.normal(size=(n_fake, dim)).astype(np.float32), k=5, recall=False) for _ in range(reps)]


def test_measured_coverage_and_density_match_r1_r3():
    """R1: coverage 0.9690 (sd ~0.007) and R3: density 1 (sd 0.017 at d=2 .. 0.063 at d=64), N = M = 1000."""
    reps = 8
    scores = _gaussian_prdc(1000, 1000, dim=8, reps=reps, seed=1)
    coverage = np.array([s.coverage for s in scores])
    density = np.array([s.density for s in scores])
    # Within four standard errors of the mean over the draws (sds from R1/R3, d = 8 between 2 and 64).
    assert coverage.mean() == pytest.approx(expected_coverage(1000, 1000), abs=4 * 0.008 / np.sqrt(reps))
    assert density.mean() == pytest.approx(expected_density(), abs=4 * 0.035 / np.sqrt(reps))
    assert coverage.std(ddof=1) >= 0.5 * coverage_sd_floor(1000, 1000)


def test_measured_coverage_matches_r2_at_unequal_sizes():
    """R2: N = 2000 real, M = 1000 fake, k = 5: coverage 0.8686 (the size ratio matters, not only k)."""
    scores = _gaussian_prdc(2000, 1000, dim=4, reps=4, seed=2)
    coverage = np.mean([s.coverage for s in scores])
    assert coverage == pytest.approx(0.8686, abs=4 * 0.01 / 2)
    assert np.mean([s.density for s in scores]) == pytest.approx(1.0, abs=0.03)


@pytest.mark.parametrize("dropped", [1, 3])
def test_coverage_after_dropping_equal_modes_matches_r5(dropped):
    """R5: dropping a fraction f of equal, separated modes gives coverage ~ 0.969 (1 - f): 0.880 at f = 0.1."""
    from synthgate.datasets import make_gaussian_mixture

    frame = make_gaussian_mixture(6000, modes=10, dim=5, seed=3)
    values, modes = frame.to_numpy(np.float32), frame.attrs["mode"]
    real, pool, pool_modes = values[:2000], values[2000:], modes[2000:]
    kept = pool[~np.isin(pool_modes, np.arange(dropped))][:2000]  # N = M: the kept modes fill the sample
    result = prdc(real, kept, k=5, recall=False)
    assert result.coverage == pytest.approx(expected_coverage(2000, 2000) * (1 - dropped / 10), abs=0.02)
