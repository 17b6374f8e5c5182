"""Coverage on Adult: honest tables pass; lost tails, spread and categories fail, with their numbers."""

from __future__ import annotations

import json

import pytest
from tests.conftest import adult_split, honest_synthetic, independent_sample

from synthgate import defects
from synthgate.gates.context import MASK
from synthgate.gates.coverage import CoverageGate
from synthgate.run import build_context
from synthgate.verdict import Verdict

FAST = {"resamples": 50, "gates": {"coverage": {"prdc_repeats": 3}}}


def run(synthetic, n=4000, seed=0, policy=FAST):
    split = adult_split(n, seed)
    return CoverageGate().run(build_context(split.real, split.holdout, synthetic, metadata=split.metadata,
                                            policy=policy, seed=seed))


@pytest.fixture(scope="module")
def honest():
    return run(independent_sample(2000))


def test_an_independent_sample_passes_every_measurement(honest):
    assert {m.id: m.verdict for m in honest.measurements} == {m: Verdict.PASS for m in CoverageGate.rules}


def test_honest_cart_generator_passes():
    result = run(honest_synthetic())
    assert result.verdict is Verdict.PASS, result.summary


def test_prdc_reference_is_the_analytic_expectation_never_one(honest):
    coverage = honest.measurement("coverage.prdc_coverage")
    assert coverage.reference.value == pytest.approx(0.969, abs=0.001)  # R1 at the matched size
    assert coverage.reference.low < coverage.value < coverage.reference.high
    assert honest.measurement("coverage.prdc_density").reference.value == 1.0  # R3
    assert 0.95 < coverage.details["coverage"]["holdout"] < 0.99


def test_shrunk_spread_fails_on_tails_and_spread(honest):
    result = run(defects.shrink_spread(independent_sample(2000), factor=0.8, seed=0))
    tails = result.measurement("coverage.tail_ratio_min")
    spread = result.measurement("coverage.spread_ratio")
    assert tails.verdict is Verdict.FAIL and tails.value < 0.2
    assert spread.verdict is Verdict.FAIL
    # the planted factor times the sample's own ratio, on the worst judged column
    assert spread.value == pytest.approx(0.8, abs=0.08)
    assert "capital_gain" in spread.details["not_judged"]  # too noisy at 2000 rows: set aside, said so


def test_truncated_tails_fail_with_no_mass_beyond_the_real_quantiles():
    result = run(defects.truncate_tails(independent_sample(2000), z=2.0, seed=0))
    tails = result.measurement("coverage.tail_ratio_min")
    assert tails.verdict is Verdict.FAIL
    assert tails.value == 0.0
    assert result.measurement("coverage.outlier_ratio_min").verdict is Verdict.FAIL


@pytest.mark.parametrize(("column", "category"), [("occupation", "Protective-serv"), ("education", "5th-6th")])
def test_dropped_category_of_one_percent_is_listed_as_lost(honest, column, category):
    split = adult_split()
    assert (split.real[column] == category).mean() >= 0.009
    result = run(defects.drop_category(independent_sample(2000), column=column, category=category, seed=0))
    lost = result.measurement("coverage.extinct_categories")
    assert lost.verdict is Verdict.FAIL
    assert lost.value == 1 and honest.measurement("coverage.extinct_categories").value == 0
    assert lost.details["lost"][0] | {"real_share": 0} == {
        "column": column, "category": category, "real_share": 0, "synthetic": 0,
        "expected": lost.details["lost"][0]["expected"]}


def test_rare_labels_are_masked_in_shareable_details():
    split = adult_split()
    real_counts = split.real["native_country"].value_counts()
    rare = real_counts[(real_counts >= 5) & (real_counts < 10)].index[0]  # expected >= 5, but under mask_below
    result = run(defects.drop_category(independent_sample(2000), column="native_country", category=rare, seed=0))
    absent = result.measurement("coverage.extinct_categories").details["absent"]
    assert any(row["column"] == "native_country" and row["category"] == MASK for row in absent)
    assert f'"{rare}"' not in json.dumps(result.to_dict())


def test_report_details_hold_the_plots_data(honest):
    details = honest.details
    json.dumps(details, allow_nan=False)
    assert details["prdc"]["coverage"]["expected"] == pytest.approx(0.969, abs=0.001)
    assert len(details["prdc"]["coverage"]["synthetic"]) == 3 and len(details["prdc"]["recall"]["holdout"]) == 1
    assert set(details["tails"]["tail"]) <= {"age", "fnlwgt", "education_num", "capital_gain", "capital_loss",
                                             "hours_per_week"}
    clusters = details["clusters"]["clusters"]
    assert sum(c["real_share"] for c in clusters) == pytest.approx(1.0, abs=1e-3)
    assert {"synthetic_share", "holdout_share", "honest_low", "honest_high", "numeric_means"} <= set(clusters[0])
    assert set(details["categories"]) <= set(adult_split().real.columns)


def test_tiny_tables_are_inconclusive_not_passed():
    split = adult_split(400, 3)  # 200 rows: no column expects 5 rows beyond its 1 %/99 % quantiles
    result = CoverageGate().run(build_context(split.real, split.holdout, independent_sample(300, 400, 3),
                                              metadata=split.metadata,
                                              policy={"min_rows": 100, "resamples": 30, "max_unseen_share": 0.05}))
    tails = result.measurement("coverage.tail_ratio_min")
    assert tails.verdict is Verdict.INCONCLUSIVE
    assert tails.details["not_judged"]
