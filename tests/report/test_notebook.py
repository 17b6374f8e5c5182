"""CheckResult in a notebook: to_frame() (one row per measurement) and _repr_html_() (escaped, no script)."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from synthgate.gates.base import GateResult
from synthgate.report.example import example_result
from synthgate.report.notebook import FRAME_COLUMNS
from synthgate.result import CheckResult
from synthgate.verdict import Reference, Rule, Verdict, judge, skipped


@pytest.fixture(scope="module")
def example() -> CheckResult:
    return example_result()


def test_to_frame_has_one_row_per_measurement_and_the_columns(example):
    frame = example.to_frame()
    assert isinstance(frame, pd.DataFrame)
    assert tuple(frame.columns) == FRAME_COLUMNS
    assert {"gate", "measurement", "verdict", "value", "reference", "low", "high", "method", "n", "fail_excess",
            "reason"} <= set(frame.columns)
    without_measurements = [g for g in example.gates if not g.measurements]  # skipped provenance, crashed validation
    assert len(frame) == sum(len(g.measurements) for g in example.gates) + len(without_measurements)
    ids = [m.id for g in example.gates for m in g.measurements]
    assert frame["measurement"].dropna().tolist() == ids


def test_to_frame_values_come_from_the_measurements(example):
    frame = example.to_frame().set_index("measurement", drop=False)
    copy = example.gate("privacy").measurement("privacy.exact_copy_rate")
    row = frame.loc[copy.id]
    assert (row["gate"], row["verdict"], row["value"], row["n"]) == ("privacy", "fail", copy.value, copy.n)
    assert (row["reference"], row["low"], row["high"]) == (copy.reference.value, copy.reference.low,
                                                           copy.reference.high)
    assert row["method"] == copy.reference.method and row["fail_excess"] == copy.threshold
    assert row["reason"] == copy.reason and row["excess"] == pytest.approx(copy.excess)


def test_to_frame_keeps_gates_without_measurements_and_sorts_verdicts_by_severity(example):
    frame = example.to_frame()
    validation = frame[frame["gate"] == "validation"].iloc[0]
    assert validation["verdict"] == "error" and "KeyError" in validation["reason"]
    assert pd.isna(validation["measurement"]) and math.isnan(validation["value"])
    assert frame["verdict"].cat.ordered
    assert frame.sort_values("verdict")["verdict"].iloc[-1] == "error"
    assert frame["verdict"].max() == example.verdict.value


def test_repr_html_shows_gate_verdicts_then_measurements(example):
    html = example._repr_html_()
    assert "<script" not in html.lower() and "javascript" not in html.lower()
    for gate in example.gates:
        assert f"<td>{gate.gate}</td>" in html
    for verdict in ("PASS", "WARN", "FAIL", "INCONCLUSIVE", "SKIPPED", "ERROR"):
        assert f">{verdict}</span>" in html
    assert html.index("<td>validation</td>") < html.index("<td>fidelity.ks_max</td>")
    assert "CI: fail (exit 1)" in html


def test_repr_html_escapes_reasons_and_summaries():
    evil = skipped("drift.x", "column <b>income</b> & <script>alert(1)</script>")
    result = CheckResult.of(GateResult("drift", (evil,), summary="<img src=x onerror=alert(1)>"))
    html = result._repr_html_()
    assert "&lt;b&gt;income&lt;/b&gt; &amp; &lt;script&gt;" in html
    assert "<script" not in html and "<img" not in html and "<b>" not in html


def test_a_passing_result_says_ci_passes():
    ok = judge("fidelity.ks_max", 0.02, Reference(0.02, 0.015, 0.025, "pooled", 100), Rule("higher", 0.01, 0.03),
               n=100)
    result = CheckResult.of(GateResult("fidelity", (ok,)))
    assert result.verdict is Verdict.PASS and "CI: pass (exit 0)" in result._repr_html_()
    assert result.to_frame()["verdict"].tolist() == ["pass"]
