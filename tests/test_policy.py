"""Policy files: validated, defaults everywhere, typos refused."""

import pytest

from synthgate.errors import PolicyError
from synthgate.gates import ALL_GATES
from synthgate.policy import check_policy, load_policy, render_default_policy


def test_defaults_without_a_file():
    policy = load_policy(None)
    assert policy.seed == 0 and policy.min_rows == 200


def test_rule_override_changes_only_given_fields(tmp_path):
    path = tmp_path / "p.toml"
    path.write_text('[rules."fidelity.ks_max"]\nfail_excess = 0.5\n')
    policy = load_policy(path)
    gate = ALL_GATES[0]
    rule = policy.rule("fidelity.ks_max", gate.rules["fidelity.ks_max"])
    assert rule.fail_excess == 0.5 and rule.warn_excess == gate.rules["fidelity.ks_max"].warn_excess


def test_unknown_rule_id_is_refused():
    with pytest.raises(PolicyError, match=r"fidelity\.ks_mx"):
        check_policy(load_policy({"rules": {"fidelity.ks_mx": {"fail_excess": 1}}}), ALL_GATES)


def test_unknown_key_is_refused(tmp_path):
    path = tmp_path / "p.yaml"
    path.write_text("min_row: 5\n")
    with pytest.raises(PolicyError, match="min_row"):
        load_policy(path)


def test_default_policy_file_round_trips(tmp_path):
    path = tmp_path / "default.toml"
    path.write_text(render_default_policy(ALL_GATES))
    policy = load_policy(path)
    check_policy(policy, ALL_GATES)
    assert policy == load_policy(None).model_copy(update={"rules": policy.rules})


def test_nan_threshold_is_refused_naming_the_rule():
    """The bug: a NaN fail_excess was accepted, and then synthetic == real passed privacy.exact_copy_rate."""
    with pytest.raises(PolicyError, match=r'rules\."privacy\.exact_copy_rate"\.fail_excess: nan is not a finite'):
        load_policy({"rules": {"privacy.exact_copy_rate": {"fail_excess": float("nan")}}})


def test_nan_rule_that_slips_past_the_policy_is_an_error_not_a_pass():
    from synthgate.gates.privacy import copies
    from synthgate.run import build_context
    from synthgate.verdict import Rule, Verdict
    from tests.conftest import adult_split

    split = adult_split(2000, 1)
    ctx = build_context(split.real, split.holdout, split.real, metadata=split.metadata, policy={"resamples": 20})
    found = copies.exact_copy_rate(ctx, Rule("higher", float("nan"), float("nan")))
    assert found.verdict is Verdict.ERROR


@pytest.mark.parametrize("override, problem", [
    ({"fail_excess": float("inf")}, "fail_excess: inf is not a finite number >= 0"),
    ({"warn_excess": -0.1}, "warn_excess: -0.1 is not a finite number >= 0"),
    ({"max_noise": 0}, "max_noise: 0.0 is not a finite number > 0"),
    ({"max_noise": float("nan")}, "max_noise: nan is not a finite number > 0"),
    ({"warn_excess": 0.2, "fail_excess": 0.1}, "warn_excess 0.2 is above fail_excess 0.1"),
])
def test_bad_thresholds_are_refused_with_what_to_fix(override, problem):
    with pytest.raises(PolicyError, match="privacy.exact_copy_rate") as err:
        load_policy({"rules": {"privacy.exact_copy_rate": override}})
    assert problem in str(err.value)


def test_thresholds_out_of_order_after_merging_with_the_default_are_refused(tmp_path):
    path = tmp_path / "p.toml"
    path.write_text('[rules."privacy.exact_copy_rate"]\nwarn_excess = 0.5\n')   # default fail_excess 0.005
    policy = load_policy(path)
    with pytest.raises(PolicyError, match=r'\[rules\."privacy\.exact_copy_rate"\]: warn_excess 0\.5 is above '
                                          r"fail_excess 0\.005 \(after merging with the gate's default\)"):
        check_policy(policy, ALL_GATES)


@pytest.mark.parametrize("gate", ALL_GATES, ids=lambda g: g.name)
def test_default_rules_are_valid(gate):
    import math

    for rid, rule in gate.rules.items():
        assert all(math.isfinite(x) and x >= 0 for x in (rule.warn_excess, rule.fail_excess)), rid
        assert rule.warn_excess <= rule.fail_excess, rid
        assert rule.max_noise is None or (math.isfinite(rule.max_noise) and rule.max_noise > 0), rid
        assert rule.description, rid


def test_fail_on_inconclusive_and_require_ledger():
    policy = load_policy(None)
    assert policy.fail_on_inconclusive == ["privacy"] and policy.require_ledger is False
    assert load_policy({"fail_on_inconclusive": []}).fail_on_inconclusive == []
    with pytest.raises(PolicyError, match="privcy"):
        check_policy(load_policy({"fail_on_inconclusive": ["privcy"]}), ALL_GATES)
