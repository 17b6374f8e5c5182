"""Fidelity: catches a planted marginal shift; the real holdout used as "synthetic" passes."""

from tests.conftest import adult_split

from synthgate import defects
from synthgate.gates.fidelity import FidelityGate
from synthgate.run import build_context
from synthgate.verdict import Verdict


def run(synthetic, n=4000, seed=0):
    split = adult_split(n, seed)
    return FidelityGate().run(build_context(split.real, split.holdout, synthetic, metadata=split.metadata,
                                            policy={"resamples": 50}))


def test_holdout_as_synthetic_passes():
    split = adult_split()
    assert run(split.holdout).verdict is Verdict.PASS


def test_planted_marginal_shift_fails_and_names_the_column():
    split = adult_split()
    result = run(defects.shift_column(split.holdout, column="age", sigma=0.3, seed=0))
    ks = result.measurement("fidelity.ks_max")
    assert ks.verdict is Verdict.FAIL
    assert ks.details["worst"] == "age"


def test_dropped_category_fails_tvd():
    split = adult_split()
    result = run(defects.drop_category(split.holdout, column="relationship", category="Husband", seed=0))
    assert result.measurement("fidelity.tvd_max").verdict is Verdict.FAIL


def test_reference_band_matches_ks_null_size():
    """R7: KS D under H0 at n=m=2000 has mean ≈ 0.0275 for one column; the max over 6 columns sits above it."""
    split = adult_split()
    ks = run(split.holdout).measurement("fidelity.ks_max")
    assert 0.02 < ks.reference.value < 0.07
