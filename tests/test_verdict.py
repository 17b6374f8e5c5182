"""judge(): the one place numbers become verdicts."""

import math

import pytest

from synthgate.gates.base import GateResult
from synthgate.verdict import Measurement, Reference, Rule, Verdict, judge, worst

REF = Reference(0.10, 0.08, 0.12, "holdout resamples", 1000)


@pytest.mark.parametrize("value, expected", [(0.11, Verdict.PASS), (0.125, Verdict.WARN), (0.20, Verdict.FAIL)])
def test_judge_uses_excess_beyond_the_honest_band(value, expected):
    assert judge("x.y", value, REF, Rule("higher", 0.0, 0.02), n=1000).verdict is expected


def test_lower_and_either_directions():
    assert judge("x.y", 0.05, REF, Rule("lower", 0.0, 0.02), n=1).verdict is Verdict.FAIL
    assert judge("x.y", 0.20, REF, Rule("lower", 0.0, 0.02), n=1).verdict is Verdict.PASS
    assert judge("x.y", 0.05, REF, Rule("either", 0.0, 0.02), n=1).verdict is Verdict.FAIL
    assert judge("x.y", 0.15, REF, Rule("either", 0.0, 0.02), n=1).verdict is Verdict.FAIL


def test_wide_honest_band_makes_a_pass_inconclusive_with_the_detectable_effect():
    wide = Reference(0.10, 0.0, 0.40, "holdout resamples", 30)
    m = judge("x.y", 0.12, wide, Rule("higher", 0.0, 0.05, max_noise=0.1), n=30)
    assert m.verdict is Verdict.INCONCLUSIVE
    assert m.min_detectable == pytest.approx(0.30)
    assert "smallest detectable effect is 0.3" in m.reason
    assert judge("x.y", 0.99, wide, Rule("higher", 0.0, 0.05, max_noise=0.1), n=30).verdict is Verdict.FAIL


def test_nan_value_is_inconclusive_never_a_pass():
    assert judge("x.y", math.nan, REF, Rule("higher", 0, 0.1), n=5).verdict is Verdict.INCONCLUSIVE


def test_worst_order():
    order = [Verdict.SKIPPED, Verdict.PASS, Verdict.INCONCLUSIVE, Verdict.WARN, Verdict.FAIL, Verdict.ERROR]
    for i, v in enumerate(order):
        assert worst(order[: i + 1]) is v


def test_empty_gate_never_passes():
    with pytest.raises(ValueError, match="no measurements"):
        GateResult("g", ()).verdict


def test_measurement_round_trip():
    m = judge("x.y", 0.2, REF, Rule("higher", 0.0, 0.02), n=10, details={"a": [1, 2]})
    assert Measurement.from_dict(m.to_dict()) == m
