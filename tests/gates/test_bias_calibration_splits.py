"""Calibration runs where bias.model_dp_diff alarmed on an independent real sample (Adult, 3 model pairs).

The honest band was the spread of 3 pair differences around their median: centred on noise. Counting each pair
in both orders centres it on 0 (see synthgate.reference.replicates for the rates measured over 300 runs).
"""

import numpy as np
import pytest

from synthgate.reference.replicates import both_signs
from synthgate.verdict import Verdict
from tests.gates.test_privacy_census_splits import RAW_DATA, calibration_run


@pytest.mark.parametrize("seed, ratio", [(56, 0.5), (33, 0.5), (72, 0.95)])
def test_an_independent_sample_is_no_model_fairness_failure(seed, ratio):
    """Each alarmed before (Adult: seed 56 FAIL, 33 and 72 WARN, in the 4a5ca7b matrix and on 689b63f)."""
    m = calibration_run("adult", None, seed, ratio, "bias").gate("bias").measurement("bias.model_dp_diff")
    assert m.verdict not in (Verdict.WARN, Verdict.FAIL), m.reason
    assert "both orders" in m.reference.method
    assert m.reference.value == pytest.approx(0.0, abs=0.02)


def test_both_signs_centres_any_pair_draws_on_zero():
    draws = np.array([[0.03, 0.1], [0.05, -0.2], [0.04, 0.0]])
    out = both_signs(draws)
    assert out.shape == (6, 2) and np.allclose(out.mean(axis=0), 0.0)


@pytest.mark.skipif(not RAW_DATA, reason="set SYNTHGATE_CALIBRATION_DATA to a scripts/fetch_calibration_data.sh folder")
def test_a_group_losing_its_positive_outcomes_fails():
    """Power cell outcome_shift, census-income, 2,000 rows, seed 0: men's positive rate 0.105 -> 0.005 (women's up
    9 points). Only a WARN before: the fail line was 10 points beyond a +-3-point band (14 of 100 seeds caught)."""
    result = calibration_run("census", RAW_DATA, 0, 2.0, "bias", defect="outcome_shift")
    gap = result.gate("bias").measurement("bias.outcome_rate_gap")
    assert gap.verdict is Verdict.FAIL, gap.reason
    assert abs(gap.value) == pytest.approx(0.10, abs=0.02)
