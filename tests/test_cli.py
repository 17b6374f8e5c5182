"""CLI exit codes: 0 nothing fails CI, 1 a gate does (fail_on, error, fail_on_inconclusive), 2 bad input or policy
(a message, never a traceback)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from synthgate import defects
from tests.conftest import adult_split, independent_sample


def synthgate(*args: str, cwd=None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", "from synthgate.cli import main; main()", *args],
                          capture_output=True, text=True, cwd=cwd, timeout=600)


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("cli")
    split = adult_split(3000, 0)
    split.real.to_csv(folder / "real.csv", index=False)
    split.holdout.to_parquet(folder / "holdout.parquet")
    honest = independent_sample(2000, n=3000)   # a perfect generator: real rows in neither real nor holdout
    honest.to_csv(folder / "honest.csv", index=False)
    shifted = defects.shift_column(honest, column="age", sigma=0.5, seed=0)
    shifted.to_csv(folder / "shifted.csv", index=False)
    split.holdout.drop(columns=["age"]).to_csv(folder / "no_age.csv", index=False)
    (folder / "policy.toml").write_text('resamples = 20\ngates_enabled = ["fidelity"]\n')
    return folder


def run_check(files, synthetic: str, *extra: str) -> subprocess.CompletedProcess:
    return synthgate("check", "--real", str(files / "real.csv"), "--holdout", str(files / "holdout.parquet"),
                     "--synthetic", str(files / synthetic), "--policy", str(files / "policy.toml"),
                     "--out", str(files / f"out-{synthetic}"), *extra)


def test_pass_exits_0_and_writes_json_and_html(files):
    done = run_check(files, "honest.csv")
    assert done.returncode == 0, done.stdout + done.stderr
    result = json.loads((files / "out-honest.csv" / "report.json").read_text())
    assert result["gates"][0]["verdict"] == "pass" and result["seed"] == 0
    assert len(result["inputs"]["real"]["sha256"]) == 64
    assert (files / "out-honest.csv" / "report.html").stat().st_size > 1000
    assert "CI: pass (exit 0)" in done.stdout


def test_fail_exits_1(files):
    done = run_check(files, "shifted.csv")
    assert done.returncode == 1, done.stdout + done.stderr
    assert "fail" in done.stdout and "CI: fail (exit 1): fidelity: fail, at or above fail_on 'fail'" in done.stdout


def test_bad_input_exits_2_with_a_message_and_no_traceback(files):
    done = run_check(files, "no_age.csv")
    assert done.returncode == 2
    assert "synthetic: ['age'] missing. All tables must share one column set." in done.stderr
    assert "Traceback" not in done.stderr + done.stdout


def test_bad_policy_exits_2(files, tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("resample = 3\n")
    done = synthgate("check", "--real", str(files / "real.csv"), "--holdout", str(files / "holdout.parquet"),
                     "--synthetic", str(files / "honest.csv"), "--policy", str(bad))
    assert done.returncode == 2 and "resample" in done.stderr and "Traceback" not in done.stderr


@pytest.mark.parametrize("listed, code", [('["fidelity"]', 1), ("[]", 0)])
def test_inconclusive_gate_fails_ci_only_when_the_policy_lists_it(files, tmp_path, listed, code):
    # An effect size far below the honest noise makes the honest fidelity check inconclusive.
    policy = tmp_path / "p.toml"
    tiny = "".join(f'[rules."fidelity.{m}"]\nmax_noise = 1e-6\n' for m in ("ks_max", "tvd_max", "pair_tvd_max"))
    policy.write_text(f'resamples = 20\ngates_enabled = ["fidelity"]\nfail_on_inconclusive = {listed}\n{tiny}')
    done = synthgate("check", "--real", str(files / "real.csv"), "--holdout", str(files / "holdout.parquet"),
                     "--synthetic", str(files / "honest.csv"), "--policy", str(policy), "--out", str(tmp_path / "o"))
    assert done.returncode == code, done.stdout + done.stderr
    assert json.loads((tmp_path / "o" / "report.json").read_text())["gates"][0]["verdict"] == "inconclusive"
    if code:
        assert "fidelity: inconclusive, and the policy's fail_on_inconclusive lists it" in done.stdout


def test_nan_threshold_in_the_policy_exits_2_naming_the_rule(files, tmp_path):
    bad = tmp_path / "nan.toml"
    bad.write_text('[rules."privacy.exact_copy_rate"]\nfail_excess = nan\n')
    done = synthgate("check", "--real", str(files / "real.csv"), "--holdout", str(files / "holdout.parquet"),
                     "--synthetic", str(files / "real.csv"), "--policy", str(bad))
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert 'rules."privacy.exact_copy_rate".fail_excess: nan is not a finite number' in done.stderr


def test_version():
    done = synthgate("--version")
    assert done.returncode == 0 and done.stdout.startswith("synthgate ")


def test_policy_init_writes_a_valid_policy(tmp_path):
    done = synthgate("policy", "init", "--out", str(tmp_path / "p.toml"))
    assert done.returncode == 0, done.stderr
    from synthgate.policy import load_policy

    assert load_policy(tmp_path / "p.toml").min_rows == 200
    assert synthgate("policy", "init", "--out", str(tmp_path / "p.toml")).returncode == 2
