"""synthgate.testing.assert_safe: an AssertionError naming the failing measurements, or the CheckResult."""

from __future__ import annotations

import dataclasses

import pytest

from synthgate import defects
from synthgate.errors import GateFailed
from synthgate.gates.base import GateResult
from synthgate.gates.privacy import PrivacyGate
from synthgate.result import CheckResult
from synthgate.testing import UnsafeSynthetic, _offending, _verdicts, assert_safe
from synthgate.verdict import Verdict
from tests.conftest import adult_split, independent_sample

FAST = {"resamples": 30}


@pytest.fixture(scope="module")
def split():
    return adult_split(2000, 0)


@pytest.fixture(scope="module")
def honest():
    return independent_sample(800, 2000, 0)


def test_passes_an_independent_real_sample_and_returns_the_result(split, honest):
    result = assert_safe(split.real, split.holdout, honest, metadata=split.metadata, policy=FAST,
                         gates=["privacy", "fidelity"])
    assert isinstance(result, CheckResult)
    assert {g.gate for g in result.gates} == {"fidelity", "privacy"}
    assert all(g.verdict.passes for g in result.gates)


def test_raises_on_planted_copies_listing_the_failing_measurements(split, honest):
    copies = defects.copy_rows(honest, split.real, fraction=0.05, seed=0)
    with pytest.raises(AssertionError) as caught:
        assert_safe(split.real, split.holdout, copies, metadata=split.metadata, policy=FAST, gates=[PrivacyGate()])
    error = caught.value
    assert isinstance(error, UnsafeSynthetic) and isinstance(error, GateFailed)
    message = str(error)
    assert message.startswith("synthetic data is not safe: 1 gate(s) not allowed (allow: skipped, pass)")
    copy = error.result.gate("privacy").measurement("privacy.exact_copy_rate")
    assert copy.verdict is Verdict.FAIL
    ref = copy.reference
    assert (f"privacy.exact_copy_rate: FAIL, value {copy.value:.4g}, honest {ref.value:.4g} "
            f"[{ref.low:.4g}, {ref.high:.4g}]") in message
    assert copy.reason in message


def example_gate(verdict: Verdict) -> GateResult:
    from synthgate.report.example import coverage_result, drift_result, fidelity_result, privacy_result

    return next(g for g in (fidelity_result(), privacy_result(), coverage_result(), drift_result())
                if g.verdict is verdict)


def test_allow_decides_which_verdicts_offend():
    inconclusive = CheckResult.of(example_gate(Verdict.INCONCLUSIVE))
    assert _offending(inconclusive, _verdicts(("pass", "skipped"))) == {"coverage": "inconclusive, not in allow"}
    assert _offending(inconclusive, _verdicts(("pass", "skipped", "inconclusive"))) == {}


def test_allow_never_passes_what_fails_ci():
    """The policy's fail_on_inconclusive still fails the gate: allow only makes the test stricter."""
    strict = dataclasses.replace(CheckResult.of(example_gate(Verdict.INCONCLUSIVE)),
                                 policy={"fail_on_inconclusive": ["coverage"]})
    why = _offending(strict, _verdicts(("pass", "skipped", "inconclusive")))
    assert why == {"coverage": "fails CI: inconclusive, and the policy's fail_on_inconclusive lists it"}


def test_allow_takes_a_single_verdict_and_refuses_unknown_ones():
    assert _verdicts("pass") == {Verdict.PASS}
    assert _verdicts([Verdict.PASS, "warn"]) == {Verdict.PASS, Verdict.WARN}
    with pytest.raises(ValueError, match="allow: 'passed' is not a valid Verdict"):
        _verdicts(("passed",))
