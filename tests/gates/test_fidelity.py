"""Fidelity: catches a planted marginal shift; an independent real sample used as "synthetic" passes."""

import pytest

from tests.conftest import adult_split, independent_sample

from synthgate import defects
from synthgate.gates.fidelity import FidelityGate
from synthgate.run import build_context
from synthgate.verdict import Verdict


def run(synthetic, n=4000, seed=0):
    split = adult_split(n, seed)
    return FidelityGate().run(build_context(split.real, split.holdout, synthetic, metadata=split.metadata,
                                            policy={"resamples": 50}))


@pytest.mark.parametrize("size", [1500, 3000])
def test_an_independent_real_sample_passes_at_sizes_below_and_above_the_holdout(size):
    assert run(independent_sample(size)).verdict is Verdict.PASS


def test_planted_marginal_shift_fails_and_names_the_column():
    result = run(defects.shift_column(independent_sample(2000), column="age", sigma=0.3, seed=0))
    ks = result.measurement("fidelity.ks_max")
    assert ks.verdict is Verdict.FAIL
    assert ks.details["worst"] == "age"


def test_dropped_category_fails_tvd():
    result = run(defects.drop_category(independent_sample(2000), column="relationship", category="Husband", seed=0))
    assert result.measurement("fidelity.tvd_max").verdict is Verdict.FAIL


def test_reference_band_matches_ks_null_size():
    """R7: KS D under H0 at n=m=2000 has mean ≈ 0.0275 for one column; the max over 6 columns sits above it."""
    ks = run(independent_sample(2000)).measurement("fidelity.ks_max")
    assert 0.02 < ks.reference.value < 0.07


def test_one_row_does_not_decide_the_correlation_gap():
    """Census-income calibration seed 11: one independent real row with large capital gains and dividends (both
    zero for 90 % of people) moved their Pearson correlation by 0.8 and failed the sample. Rank correlations
    (grades in real) give one row its one row's worth of weight."""
    sample = independent_sample(500)
    planted = sample.copy()
    planted.loc[planted.index[0], ["capital_gain", "capital_loss"]] = [99999, 4356]   # both at real's maximum
    before = run(sample).measurement("fidelity.corr_gap")
    after = run(planted).measurement("fidelity.corr_gap")
    assert abs(after.value - before.value) < 0.01
    assert after.verdict is before.verdict
