"""judge(): the one place numbers become verdicts."""

import math

import pytest

from synthgate.gates.base import GateResult
from synthgate.verdict import Measurement, Reference, Rule, Verdict, judge, rule_reference, worst

REF = Reference(0.10, 0.08, 0.12, "holdout resamples", 1000)


@pytest.mark.parametrize("value, expected", [(0.10, Verdict.PASS), (0.11, Verdict.INCONCLUSIVE),
                                             (0.125, Verdict.WARN), (0.20, Verdict.FAIL)])
def test_judge_uses_excess_beyond_the_honest_band(value, expected):
    # 0.11 used to pass: its effect may be 0.01 + 0.02 (half-width) = 0.03, above the 0.02 that matters.
    assert judge("x.y", value, REF, Rule("higher", 0.0, 0.02), n=1000).verdict is expected


def test_lower_and_either_directions():
    assert judge("x.y", 0.05, REF, Rule("lower", 0.0, 0.02), n=1).verdict is Verdict.FAIL
    assert judge("x.y", 0.20, REF, Rule("lower", 0.0, 0.02), n=1).verdict is Verdict.PASS
    assert judge("x.y", 0.05, REF, Rule("either", 0.0, 0.02), n=1).verdict is Verdict.FAIL
    assert judge("x.y", 0.15, REF, Rule("either", 0.0, 0.02), n=1).verdict is Verdict.FAIL
    assert judge("x.y", 0.10, REF, Rule("either", 0.0, 0.02), n=1).verdict is Verdict.PASS
    assert judge("x.y", 0.09, REF, Rule("either", 0.0, 0.02), n=1).verdict is Verdict.INCONCLUSIVE


def test_a_band_wider_than_the_effect_is_inconclusive_at_the_centre():
    """The bug: half-width 0.107 against a 0.025 effect passed at the honest centre; the data cannot tell."""
    wide = Reference(0.30, 0.30 - 0.107, 0.30 + 0.107, "holdout resamples", 2000)
    m = judge("x.y", 0.30, wide, Rule("higher", 0.01, 0.025), n=2000)
    assert m.verdict is Verdict.INCONCLUSIVE
    assert m.min_detectable == pytest.approx(0.107)
    assert "smallest detectable effect is 0.107" in m.reason


def test_an_interval_wholly_on_the_pass_side_passes():
    """Category retention 1.0 against an honest 0.98 with half-width 0.03: the effect is at most 0.01."""
    retention = Reference(0.98, 0.95, 1.0, "holdout resamples", 2000)
    m = judge("x.y", 1.0, retention, Rule("lower", 0.05, 0.15, max_noise=0.02), n=2000)
    assert m.verdict is Verdict.PASS and m.min_detectable == pytest.approx(0.03)
    assert judge("x.y", 0.97, retention, Rule("lower", 0.05, 0.15, max_noise=0.02), n=1).verdict is Verdict.INCONCLUSIVE


def test_max_noise_is_the_effect_size_and_defaults_to_fail_excess():
    assert Rule("higher", 0.0, 0.05).effect == 0.05
    assert Rule("higher", 0.0, 0.05, max_noise=0.1).effect == 0.1
    wide = Reference(0.10, 0.0, 0.40, "holdout resamples", 30)
    m = judge("x.y", 0.12, wide, Rule("higher", 0.0, 0.05, max_noise=0.1), n=30)
    assert m.verdict is Verdict.INCONCLUSIVE
    assert m.min_detectable == pytest.approx(0.30)
    assert "smallest detectable effect is 0.3" in m.reason
    assert judge("x.y", 0.99, wide, Rule("higher", 0.0, 0.05, max_noise=0.1), n=30).verdict is Verdict.FAIL


@pytest.mark.parametrize("value, reference", [
    (math.nan, REF), (math.inf, REF), (None, REF),
    (0.1, Reference(0.10, math.nan, 0.12, "holdout resamples", 10)),
    (0.1, Reference(0.10, 0.08, math.inf, "holdout resamples", 10)),
    (0.1, Reference(math.nan, math.nan, math.nan, "holdout resamples", 10)),
])
def test_anything_not_finite_is_an_error_never_a_pass(value, reference):
    m = judge("x.y", value, reference, Rule("higher", 0, 0.1), n=5)
    assert m.verdict is Verdict.ERROR and m.reason.startswith("not judged: ")
    assert Measurement.from_dict(m.to_dict()) == m


def test_a_rule_that_is_not_a_number_is_an_error():
    m = judge("x.y", 0.5, REF, Rule("higher", math.nan, math.nan), n=5)
    assert m.verdict is Verdict.ERROR and "fix the policy" in m.reason


def test_rule_references_are_points_so_facts_are_never_inconclusive():
    ok = judge("d.age", 142, rule_reference(0.0), Rule("higher", 180, 180), n=0, unit=" days", why="made in May")
    assert ok.verdict is Verdict.PASS and ok.min_detectable == 0 and ok.reason.startswith("made in May; 142 days")
    assert judge("d.age", 181, rule_reference(0.0), Rule("higher", 180, 180), n=0).verdict is Verdict.FAIL
    unlimited = judge("p.gen", 7, rule_reference(0.0), Rule("higher", math.inf, math.inf), n=0)
    assert unlimited.verdict is Verdict.PASS and unlimited.threshold is None and "no limit" in unlimited.reason
    assert Measurement.from_dict(unlimited.to_dict()) == unlimited


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


# --- exit codes: CheckResult.exit_code and raise_for_verdict share one rule --------------------------------


def _gate(name: str, *verdicts: Verdict) -> GateResult:
    values = {Verdict.PASS: 0.10, Verdict.INCONCLUSIVE: 0.11, Verdict.WARN: 0.125, Verdict.FAIL: 0.2,
              Verdict.ERROR: math.nan}
    found = tuple(judge(f"{name}.m{i}", values[v], REF, Rule("higher", 0.0, 0.02), n=10)
                  for i, v in enumerate(verdicts))
    assert [m.verdict for m in found] == list(verdicts)
    return GateResult(name, found)


@pytest.mark.parametrize("gates, policy, fail_on, code", [
    ([_gate("fidelity", Verdict.PASS), GateResult.skipped("bias", "needs sensitive")], {}, None, 0),
    ([_gate("fidelity", Verdict.WARN, Verdict.INCONCLUSIVE)], {}, None, 0),
    ([_gate("fidelity", Verdict.WARN)], {}, "warn", 1),
    ([_gate("fidelity", Verdict.WARN)], {"fail_on": "warn"}, None, 1),
    ([_gate("fidelity", Verdict.INCONCLUSIVE)], {}, "inconclusive", 1),
    ([_gate("fidelity", Verdict.FAIL)], {}, None, 1),
    ([_gate("fidelity", Verdict.ERROR)], {"fail_on": "error"}, None, 1),
    ([GateResult.crashed("fidelity", "boom")], {}, None, 1),
    ([_gate("privacy", Verdict.PASS, Verdict.INCONCLUSIVE)], {}, None, 1),      # default: privacy
    ([_gate("privacy", Verdict.WARN, Verdict.INCONCLUSIVE)], {}, None, 1),      # hidden behind a warning
    ([_gate("privacy", Verdict.INCONCLUSIVE)], {"fail_on_inconclusive": []}, None, 0),
    ([_gate("coverage", Verdict.INCONCLUSIVE)], {"fail_on_inconclusive": ["coverage"]}, None, 1),
])
def test_exit_code_and_raise_for_verdict_agree(gates, policy, fail_on, code):
    from synthgate.errors import GateFailed
    from synthgate.result import CheckResult

    result = CheckResult(tuple(gates), policy=policy)
    assert result.exit_code(fail_on) == code
    restored = CheckResult.from_json(result.to_json())
    assert restored.exit_code(fail_on) == code, "the stored policy decides after a round trip too"
    if code:
        with pytest.raises(GateFailed):
            result.raise_for_verdict(fail_on)
        assert result.failing(fail_on)
    else:
        assert result.raise_for_verdict(fail_on) is result and result.failing(fail_on) == {}
