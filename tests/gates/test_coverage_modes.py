"""Coverage on Gaussian mixtures: dropped modes, the collapse signature and the tail ratio of section 8.3."""

from __future__ import annotations

import functools

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from synthgate import defects
from synthgate.datasets import make_gaussian_mixture
from synthgate.gates.coverage import CoverageGate
from synthgate.reference.prdc import expected_coverage
from synthgate.run import build_context
from synthgate.verdict import Verdict

FAST = {"resamples": 50, "gates": {"coverage": {"prdc_repeats": 3}}}
N = 1500


@functools.lru_cache(maxsize=4)
def mixture(modes: int = 10, seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Real, holdout and synthetic: three disjoint samples of one mixture (modes in attrs["mode"])."""
    frame = make_gaussian_mixture(3 * N, modes=modes, dim=5, seed=seed)
    labels = frame.attrs["mode"]
    # Centres are integer grid points, so the rounded mode means recover them exactly.
    centres = np.round(frame.groupby(labels).mean().to_numpy())
    parts = []
    for i in range(3):
        part = frame.iloc[i * N:(i + 1) * N].reset_index(drop=True)
        part.attrs = {"mode": labels[i * N:(i + 1) * N], "centres": centres}
        parts.append(part)
    return tuple(parts)


def run(synthetic, modes=10):
    real, holdout, _ = mixture(modes)
    return CoverageGate().run(build_context(real, holdout, synthetic, policy=FAST))


def test_honest_mixture_passes_and_skips_categories():
    result = run(mixture()[2])
    assert result.verdict is Verdict.PASS, result.summary
    assert result.measurement("coverage.extinct_categories").verdict is Verdict.SKIPPED


def test_coverage_falls_with_dropped_modes_near_r5():
    """R5: coverage ~ 0.969 x retained share; 0, 1, 3 of 10 modes dropped, monotone."""
    synthetic = mixture()[2]
    values = []
    for drop in (0, 1, 3):
        damaged = defects.drop_modes(synthetic, modes=synthetic.attrs["mode"], drop=drop, seed=1)
        values.append(run(damaged).measurement("coverage.prdc_coverage").value)
    assert values[0] > values[1] > values[2]
    m = N // 2
    # The kept modes get more synthetic rows than real ones, so their own coverage sits a little above 0.969.
    assert values[1] == pytest.approx(expected_coverage(m, m) * 0.9, abs=0.025)
    assert values[2] == pytest.approx(expected_coverage(m, m) * 0.7, abs=0.03)


def test_one_dropped_mode_fails_and_is_located():
    synthetic = mixture()[2]
    damaged = defects.drop_modes(synthetic, modes=synthetic.attrs["mode"], drop=1, seed=1)
    result = run(damaged)
    assert result.measurement("coverage.prdc_coverage").verdict is Verdict.FAIL
    gap = result.measurement("coverage.cluster_mass_gap")
    assert gap.verdict is Verdict.FAIL
    assert gap.value == pytest.approx(0.1, abs=0.02)  # the whole mode's mass is missing
    short = gap.details["short"]  # k-means may split a mode over two clusters: both are listed
    assert sum(c["deficit"] for c in short) == pytest.approx(0.1, abs=0.02)
    centre = synthetic.attrs["centres"][damaged.attrs["dropped_modes"][0]]
    for cluster in short:  # "where": the dropped mode's centre, as aggregate means of real rows
        assert np.allclose([cluster["numeric_means"][f"x{i}"] for i in range(5)], centre, atol=0.1)


def test_crowding_into_a_few_modes_is_the_collapse_signature():
    synthetic = mixture()[2]
    kept = defects.drop_modes(synthetic, modes=synthetic.attrs["mode"], drop=3, seed=2)
    centres = synthetic.attrs["centres"][kept.attrs["mode"]]
    crowded = pd.DataFrame(centres + 0.3 * (kept.to_numpy() - centres), columns=kept.columns)
    result = run(crowded)
    assert result.measurement("coverage.prdc_coverage").verdict is Verdict.FAIL
    assert result.measurement("coverage.prdc_density").value > 1.5
    assert result.measurement("coverage.collapse").verdict is Verdict.FAIL
    honest_drop = run(kept)  # modes dropped without crowding: low coverage, honest density, no collapse
    assert honest_drop.measurement("coverage.collapse").verdict is Verdict.PASS


def test_tail_ratio_of_a_shrunk_gaussian_matches_normal_theory():
    """Section 8.3: sigma x 0.8 leaves 2 Phi(-2.326 / 0.8) / 0.02 = 0.18 of the tail mass (table: 0.21)."""
    real, holdout, synthetic = mixture(modes=1)
    result = run(defects.shrink_spread(synthetic, factor=0.8, seed=0), modes=1)
    tails = result.measurement("coverage.tail_ratio_min")
    expected = 2 * stats.norm.cdf(-stats.norm.ppf(0.99) / 0.8) / 0.02
    assert tails.verdict is Verdict.FAIL
    assert np.mean([c["value"] for c in tails.details["columns"].values()]) == pytest.approx(expected, abs=0.1)
    assert result.measurement("coverage.spread_ratio").value == pytest.approx(0.8, abs=0.03)
    truncated = run(defects.truncate_tails(synthetic, z=2.0, seed=0), modes=1)
    assert truncated.measurement("coverage.tail_ratio_min").value == 0.0  # table: 0.00
    assert truncated.measurement("coverage.tail_ratio_min").verdict is Verdict.FAIL
