"""Policy band_per = "gate": a gate's false-alarm budget shared out among its rules (Bonferroni)."""

import pytest

from synthgate.gates import ALL_GATES
from synthgate.gates.fidelity import FidelityGate
from synthgate.gates.privacy import PrivacyGate
from synthgate.policy import load_policy
from synthgate.reference.family import family_level
from synthgate.run import build_context
from tests.conftest import adult_split, independent_sample


def test_family_level_shares_the_tail_out():
    assert family_level(0.95, 1) == pytest.approx(0.95)
    assert family_level(0.95, 4) == pytest.approx(0.9875)
    with pytest.raises(ValueError):
        family_level(1.0, 3)


def test_the_default_keeps_every_band_at_the_policy_level():
    assert load_policy({}).band_per == "measurement"
    split = adult_split(2000)
    ctx = build_context(split.real, split.holdout, independent_sample(800, n=2000), metadata=split.metadata)
    assert ctx.for_gate(4) is ctx


@pytest.mark.parametrize("gate", ALL_GATES, ids=lambda g: g.name)
def test_families_name_rules_of_their_gate_once(gate):
    members = [rule for family in gate.families for rule in family]
    assert len(members) == len(set(members)) and set(members) <= set(gate.rules)
    assert 1 <= gate.band_shares() <= len(gate.rules)


def test_privacy_attack_families_count_once():
    assert PrivacyGate.band_shares() == len(PrivacyGate.rules) - sum(len(f) - 1 for f in PrivacyGate.families)


def test_a_gate_band_is_wider_and_shares_the_caches():
    split = adult_split(2000)
    synthetic = independent_sample(800, n=2000)
    results = {}
    for per in ("measurement", "gate"):
        ctx = build_context(split.real, split.holdout, synthetic, metadata=split.metadata,
                            policy={"band_per": per})
        assert ctx.for_gate(4)._cache is ctx._cache
        assert ctx.for_gate(4).policy.band == pytest.approx(0.95 if per == "measurement" else 0.9875)
        results[per] = FidelityGate().run(ctx).measurement("fidelity.ks_max")
    narrow, wide = results["measurement"].reference, results["gate"].reference
    assert results["gate"].value == results["measurement"].value
    assert wide.high > narrow.high and wide.value == pytest.approx(narrow.value)


def test_the_shared_out_band_level_is_in_the_json_and_the_report(tmp_path):
    from synthgate.report import write_report
    from synthgate.run import check

    split = adult_split(2000)
    result = check(split.real, split.holdout, independent_sample(800, n=2000), metadata=split.metadata,
                   policy={"band_per": "gate", "resamples": 20}, gates=[FidelityGate()])
    band = result.gate("fidelity").details["band"]
    assert band == {"level": pytest.approx(0.9875), "policy": 0.95, "shared_among": 4, "per": "gate"}
    _, html = write_report(result, tmp_path)
    assert "Honest bands at 98.75 %" in html.read_text(encoding="utf-8")
    default = check(split.real, split.holdout, independent_sample(800, n=2000), metadata=split.metadata,
                    policy={"resamples": 20}, gates=[FidelityGate()])
    assert "band" not in default.gate("fidelity").details
