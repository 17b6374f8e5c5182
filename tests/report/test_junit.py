"""JUnit XML and GitHub Actions annotations: rendered from a CheckResult, and written / printed by the CLI."""

from __future__ import annotations

import dataclasses
import xml.etree.ElementTree as ET

import pytest

from synthgate import defects
from synthgate.gates.base import GateResult
from synthgate.report.annotations import (escape_data, escape_property, github_annotations,
                                          running_in_github_actions, workflow_command)
from synthgate.report.example import example_result
from synthgate.report.junit import junit_xml
from synthgate.result import CheckResult
from synthgate.verdict import Verdict, skipped
from tests.conftest import adult_split, independent_sample
from tests.test_cli import synthgate


@pytest.fixture(scope="module")
def example() -> CheckResult:
    return example_result()


@pytest.fixture(scope="module")
def root(example) -> ET.Element:
    return ET.fromstring(junit_xml(example).encode("utf-8"))


def measurements(result: CheckResult, verdict: Verdict) -> list:
    return [m for g in result.gates for m in g.measurements if m.verdict is verdict]


def case(root: ET.Element, name: str) -> ET.Element:
    found = root.findall(f".//testcase[@name='{name}']")
    assert len(found) == 1, name
    return found[0]


def test_one_suite_per_gate_and_one_case_per_measurement(example, root):
    assert root.tag == "testsuites"
    assert [s.get("name") for s in root.findall("testsuite")] == [g.gate for g in example.gates]
    for gate, suite in zip(example.gates, root.findall("testsuite")):
        names = [c.get("name") for c in suite.findall("testcase")]
        assert names == ([m.id for m in gate.measurements] or [gate.gate])
        assert {c.get("classname") for c in suite.findall("testcase")} == {gate.gate}
        assert suite.get("tests") == str(len(names))


def test_counts_match_the_verdicts(example, root):
    crashed = [g for g in example.gates if g.error]
    skipped_gates = [g for g in example.gates if g.skipped_reason]
    expected = {"tests": sum(max(len(g.measurements), 1) for g in example.gates),
                "failures": len(measurements(example, Verdict.FAIL)),
                "errors": len(measurements(example, Verdict.ERROR)) + len(crashed),
                "skipped": len(measurements(example, Verdict.SKIPPED)) + len(skipped_gates)}
    assert expected["failures"] and expected["errors"] and expected["skipped"]
    assert {key: int(root.get(key)) for key in expected} == expected
    for key, tag in [("failures", "failure"), ("errors", "error"), ("skipped", "skipped")]:
        assert len(root.findall(f".//testcase/{tag}")) == expected[key]
        assert sum(int(s.get(key)) for s in root.findall("testsuite")) == expected[key]


def test_each_failure_carries_its_reason_and_band(example, root):
    for m in measurements(example, Verdict.FAIL):
        failure = case(root, m.id).find("failure")
        assert failure.get("message") == m.reason and m.reason in failure.text
        assert "honest reference" in failure.text and failure.get("type") == "fail"


def test_skipped_crashed_warn_and_inconclusive(example, root):
    provenance = case(root, "provenance").find("skipped")
    assert provenance.get("message") == example.gate("provenance").skipped_reason
    assert example.gate("validation").error in case(root, "validation").find("error").get("message")
    label = case(root, "drift.label_shift").find("skipped")
    assert label.get("message") == "no target declared in the metadata"
    for verdict in (Verdict.WARN, Verdict.INCONCLUSIVE):
        for m in measurements(example, verdict):
            element = case(root, m.id)
            assert element.find("failure") is None and element.find("error") is None
            assert element.find("system-out").text == f"{verdict.value.upper()}: {m.reason}"


def test_suite_properties_say_verdict_and_why_ci_fails(example, root):
    privacy = root.find("testsuite[@name='privacy']")
    properties = {p.get("name"): p.get("value") for p in privacy.iter("property")}
    assert properties == {"synthgate.verdict": "fail", "synthgate.fails_ci": example.failing()["privacy"]}
    strict = ET.fromstring(junit_xml(example, fail_on="warn")).find("testsuite[@name='bias']")  # bias warns
    assert {p.get("name"): p.get("value") for p in strict.iter("property")}["synthgate.fails_ci"] == (
        "warn, at or above fail_on 'warn'")


def test_markup_and_control_characters_in_a_reason_stay_valid_xml():
    reason = 'value <script> & "quotes" \x01 in column \x1b[31m'
    result = CheckResult.of(GateResult("drift", (skipped("drift.x", reason),)))
    element = ET.fromstring(junit_xml(result).encode("utf-8")).find(".//skipped")
    assert element.get("message").startswith('value <script> & "quotes" \ufffd in column')


def test_annotations_per_failing_and_warning_measurement(example):
    lines = github_annotations(example)
    errors = [line for line in lines if line.startswith("::error ")]
    warnings = [line for line in lines if line.startswith("::warning ")]
    assert len(warnings) == len(measurements(example, Verdict.WARN))
    assert len(errors) == len(measurements(example, Verdict.FAIL)) + 1  # + the crashed validation gate
    copy = next(m for m in measurements(example, Verdict.FAIL))
    assert f"::error title={copy.id}::{escape_data(copy.reason)}" in lines
    assert any(line.startswith("::error title=validation::") for line in lines)


def test_a_gate_failing_ci_only_by_a_rule_gets_an_error_saying_why(example):
    coverage = example.gate("coverage")  # inconclusive; CI fails on it only when fail_on_inconclusive lists it
    strict = dataclasses.replace(CheckResult.of(coverage), policy={"fail_on_inconclusive": ["coverage"]})
    assert github_annotations(strict) == [
        "::error title=coverage::fails CI: inconclusive, and the policy's fail_on_inconclusive lists it"]
    assert github_annotations(CheckResult.of(coverage)) == []


def test_github_escaping():
    assert escape_data("100% done\r\nnext") == "100%25 done%0D%0Anext"
    assert escape_property("a:b,c%\n") == "a%3Ab%2Cc%25%0A"
    assert workflow_command("warning", "x: y, z", title="fidelity.ks_max") == "::warning title=fidelity.ks_max::x: y, z"
    assert workflow_command("error", "m") == "::error::m"


def test_running_in_github_actions(monkeypatch):
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    assert running_in_github_actions()
    monkeypatch.setenv("GITHUB_ACTIONS", "false")
    assert not running_in_github_actions()
    monkeypatch.delenv("GITHUB_ACTIONS")
    assert not running_in_github_actions()


@pytest.fixture(scope="module")
def tables(tmp_path_factory):
    folder = tmp_path_factory.mktemp("junit")
    split = adult_split(2000, 0)
    split.real.to_csv(folder / "real.csv", index=False)
    split.holdout.to_csv(folder / "holdout.csv", index=False)
    copies = defects.copy_rows(independent_sample(800, 2000, 0), split.real, fraction=0.05, seed=0)
    copies.to_csv(folder / "copies.csv", index=False)
    (folder / "policy.toml").write_text('resamples = 30\ngates_enabled = ["privacy"]\n')
    return folder


def check_copies(tables, out, *extra: str):
    return synthgate("check", "--real", str(tables / "real.csv"), "--holdout", str(tables / "holdout.csv"),
                     "--synthetic", str(tables / "copies.csv"), "--policy", str(tables / "policy.toml"),
                     "--out", str(out), *extra)  # the environment is inherited


def test_cli_writes_junit_and_prints_annotations_under_github_actions(tables, tmp_path, monkeypatch):
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    junit = tmp_path / "reports" / "junit.xml"
    done = check_copies(tables, tmp_path / "out", "--junit-xml", str(junit))
    assert done.returncode == 1, done.stdout + done.stderr
    report = CheckResult.from_json((tmp_path / "out" / "report.json").read_text())
    root = ET.parse(junit).getroot()
    failed = measurements(report, Verdict.FAIL)
    assert failed and int(root.get("failures")) == len(failed)
    assert [s.get("name") for s in root.findall("testsuite")] == ["privacy"]
    for m in failed:
        assert m.reason in case(root, m.id).find("failure").text
        assert f"::error title={m.id}::{escape_data(m.reason)}" in done.stdout.splitlines()
    assert f"wrote {junit}" in done.stdout


def test_cli_prints_no_annotations_outside_github_actions(tables, tmp_path, monkeypatch):
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    done = check_copies(tables, tmp_path / "out")
    assert done.returncode == 1 and "::error" not in done.stdout


@pytest.mark.parametrize("make", ["folder", "under_a_file"])
def test_bad_junit_path_exits_2_before_any_gate_runs(tables, tmp_path, make):
    (tmp_path / "taken").mkdir() if make == "folder" else (tmp_path / "taken").write_text("a file")
    junit = tmp_path / "taken" if make == "folder" else tmp_path / "taken" / "junit.xml"
    done = check_copies(tables, tmp_path / "out", "--junit-xml", str(junit))
    assert done.returncode == 2 and "--junit-xml" in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "out").exists()  # refused before the gates ran and the report was written
