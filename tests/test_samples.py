"""No silent caps: every bounded sample is reported (rows used of rows given, why, what lifts it)."""

import numpy as np

from synthgate.datasets import load_adult_frame
from synthgate.gates.coverage import CoverageGate
from synthgate.gates.fidelity import FidelityGate
from synthgate.report import render_html
from synthgate.result import CheckResult
from synthgate.run import build_context

META = {"target": "income", "sensitive": ["sex", "race"], "positive": ">50K"}


def _tables(n_synthetic: int):
    frame = load_adult_frame()
    order = np.random.default_rng(5).permutation(len(frame))
    return frame.iloc[order[:2000]], frame.iloc[order[2000:2600]], frame.iloc[order[2600:2600 + n_synthetic]]


def test_a_synthetic_table_larger_than_the_holdout_is_reported_as_cut():
    result = FidelityGate().run(build_context(*_tables(1500), metadata=META, policy={"resamples": 10}))
    (sample,) = result.samples
    assert sample["rows_used"] == 600 and sample["rows_given"] == 1500
    assert "holdout" in sample["why"] and sample["lifted_by"]
    html = render_html(CheckResult.of(result))
    assert "600 of 1,500 rows used" in html
    assert CheckResult.from_json(CheckResult.of(result).to_json()).gates[0].samples == result.samples


def test_no_sample_is_reported_when_nothing_is_cut():
    assert FidelityGate().run(build_context(*_tables(500), metadata=META, policy={"resamples": 10})).samples == ()


def test_the_prdc_cap_is_reported_and_lifted_by_its_setting():
    ctx = build_context(*_tables(600), metadata=META,
                        policy={"resamples": 10, "gates": {"coverage": {"prdc_max_rows": 100, "prdc_repeats": 3}}})
    samples = {s["what"]: s for s in CoverageGate().run(ctx).samples}
    assert samples["coverage.prdc"]["rows_used"] == 100
    assert samples["coverage.prdc"]["lifted_by"] == "policy [gates.coverage] prdc_max_rows"
