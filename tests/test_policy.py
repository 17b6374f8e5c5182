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
