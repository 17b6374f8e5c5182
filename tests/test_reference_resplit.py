"""Honest references at the compared size: pooled real + holdout re-splits (issue 12, first measured bullet).

Before, the honest draws were taken from the holdout alone: without replacement when the synthetic table was
smaller (nearly the same rows every time: a band far too narrow at 1,900 of 2,000 rows, 5-7 of 30 independent
samples above it) and bootstrap draws at equal size (too wide: 0 of 30).
"""

import numpy as np
import pytest

from synthgate.datasets import load_adult_frame
from synthgate.gates.fidelity import FidelityGate
from synthgate.reference import actual_split, resplits
from synthgate.run import build_context

META = {"target": "income", "sensitive": ["sex", "race"], "positive": ">50K"}


def test_resplits_are_disjoint_and_sized():
    splits = resplits(400, 200, 150, 5, np.random.default_rng(0))
    for split in splits:
        pseudo_real, stand_in = split.pseudo_real(), split.stand_in
        assert len(pseudo_real) == 400 and len(stand_in) == 150 and len(split.outside) == 200
        assert not set(pseudo_real) & set(split.outside)
        assert set(pseudo_real) | set(split.outside) == set(range(600))
    assert not np.array_equal(splits[0].stand_in, splits[1].stand_in)
    assert np.array_equal(actual_split(400, 200).pseudo_real(), np.arange(400))


def test_resplits_refuse_a_stand_in_larger_than_the_holdout():
    with pytest.raises(ValueError, match="holdout"):
        resplits(400, 200, 201, 1, np.random.default_rng(0))


def _independent(seed: int, n_synthetic: int):
    frame = load_adult_frame()
    order = np.random.default_rng(1000 + seed).permutation(len(frame))
    return frame.iloc[order[:4000]], frame.iloc[order[4000:6000]], frame.iloc[order[6000:6000 + n_synthetic]]


def _fidelity(seed: int, n_synthetic: int, resamples: int = 60):
    real, holdout, synthetic = _independent(seed, n_synthetic)
    return FidelityGate().run(build_context(real, holdout, synthetic, metadata=META,
                                            policy={"resamples": resamples}, seed=seed))


def test_band_width_does_not_jump_between_just_below_and_at_the_holdout_size():
    """An independent sample of 1,900 rows is about as noisy as one of 2,000: so must the band be."""
    for mid in ("fidelity.ks_max", "fidelity.tvd_max", "fidelity.pair_tvd_max"):
        below, equal = (_fidelity(0, n).measurement(mid).reference for n in (1900, 2000))
        ratio = (below.high - below.low) / (equal.high - equal.low)
        assert 0.75 < ratio < 1.33, (mid, below, equal)


def test_independent_samples_land_above_the_band_at_about_the_nominal_rate():
    """30 independent real samples of 1,900 rows: about 1 in 40 above a 95 % band per measurement."""
    above = {}
    for seed in range(30):
        for m in _fidelity(seed, 1900, resamples=40).measurements:
            above[m.id] = above.get(m.id, 0) + (m.value > m.reference.high)
    # P(X >= 6 | n=30, p=0.025) < 0.001: five or fewer is what a calibrated band gives.
    assert max(above.values()) <= 5, above
