"""Drift: planted drift in fresh real data is caught and named; honest fresh data passes."""

import functools

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from tests.conftest import adult_split, independent_sample

from synthgate import defects
from synthgate.gates.drift import DriftGate, c2st, columns
from synthgate.run import build_context
from synthgate.verdict import Verdict


def run(fresh, n=4000, seed=0, policy=None):
    split = adult_split(n, seed)
    ctx = build_context(split.real, split.holdout, split.holdout, metadata=split.metadata, fresh=fresh,
                        policy={"resamples": 50, **(policy or {})}, seed=seed)
    return DriftGate().run(ctx)


def fresh_sample(size: int = 2000):
    """Fresh real rows disjoint from real and holdout (the drift reference pools those two, so the holdout
    itself as fresh data could not fail)."""
    return independent_sample(size, 4000, 0)


@functools.lru_cache(maxsize=1)
def age_shifted_by_0_3_sigma():
    return run(defects.shift_column(fresh_sample(), column="age", sigma=0.3, seed=0))


@pytest.mark.parametrize("size", [1200, 3000])
def test_honest_fresh_data_passes(size):
    result = run(fresh_sample(size))
    assert result.verdict is Verdict.PASS
    drifted = result.measurement("drift.columns_drifted")
    assert drifted.value == 0 and drifted.details["drifting"] == []
    assert result.measurement("drift.generator_age").verdict is Verdict.SKIPPED


def test_shift_of_one_numerical_column_by_0_2_sigma_fails_and_is_named():
    fresh = defects.shift_column(fresh_sample(), column="age", sigma=0.2, seed=0)
    result = run(fresh)
    drifted = result.measurement("drift.columns_drifted")
    assert drifted.verdict is Verdict.FAIL
    assert drifted.details["drifting"] == ["age"]
    age = drifted.details["columns"]["age"]
    # 0.2 sd of age is 3 years here; KS of N(0,1) vs N(0.2,1) would be 2Φ(0.1)-1 = 0.080
    assert 0.06 < age["effect"] < 0.12 and age["effect"] > 2 * age["honest_high"]
    assert age["q_value"] < 1e-4 and age["wasserstein"] > 0.02
    assert "age" in drifted.reason and "age" in result.summary


def test_changed_category_mix_fails_and_is_named():
    before = fresh_sample()
    fresh = defects.change_category_mix(before, column="workclass", category="Self-emp-not-inc", factor=2.0, seed=0)
    drifted = run(fresh).measurement("drift.columns_drifted")
    assert drifted.verdict is Verdict.FAIL
    # Whole rows are resampled, so the self-employed's hours come along (KS 0.03 -> 0.06 on this sample): a true
    # drift too, but the mix change is the strongest.
    assert "workclass" in drifted.details["drifting"]
    effects = {c: drifted.details["columns"][c]["effect"] for c in drifted.details["drifting"]}
    assert max(effects, key=effects.get) == "workclass"
    detail = drifted.details["columns"]["workclass"]
    mix = {entry["category"]: entry for entry in detail["mix"]}
    grown = mix["Self-emp-not-inc"]
    assert grown["fresh"] == pytest.approx(2 * (before["workclass"] == "Self-emp-not-inc").mean(), abs=0.002)
    assert detail["effect"] == pytest.approx(grown["fresh"] - grown["real"], abs=0.02)  # TVD ≈ the share moved


def test_classifier_test_names_the_driving_column():
    auc = age_shifted_by_0_3_sigma().measurement("drift.c2st_auc")
    assert auc.verdict in (Verdict.WARN, Verdict.FAIL)
    assert auc.details["drivers"][0] == "age"


def test_small_drift_below_the_smallest_effect_that_matters_passes():
    """Large samples make a 0.05 sd shift significant; the effect floor (KS 0.05) keeps it from failing."""
    split = adult_split(30000, 0)
    fresh = defects.shift_column(independent_sample(15000, 30000, 0), column="fnlwgt", sigma=0.05, seed=0)
    ctx = build_context(split.real, split.holdout, split.holdout, metadata=split.metadata, fresh=fresh,
                        policy={"resamples": 20})
    drifted = DriftGate().run(ctx).measurement("drift.columns_drifted")
    fnlwgt = drifted.details["columns"]["fnlwgt"]
    assert fnlwgt["q_value"] < 0.01 and fnlwgt["effect"] < 0.05
    assert drifted.verdict is Verdict.PASS


def test_false_alarms_at_most_5_percent_over_20_seeds():
    alarms = []
    for seed in range(20):
        fresh = independent_sample(1000 if seed % 2 else 2500, 3000, seed)  # holdout: 1,500 rows
        result = run(fresh, n=3000, seed=seed, policy={"resamples": 20})
        if result.verdict is not Verdict.PASS:
            alarms.append(seed)
    assert len(alarms) <= 1, alarms


def test_without_fresh_data_the_data_measurements_are_skipped():
    split = adult_split()
    ctx = build_context(split.real, split.holdout, split.holdout, metadata=split.metadata)
    result = DriftGate().run(ctx)
    assert result.verdict is Verdict.SKIPPED
    assert "fresh" in result.measurement("drift.columns_drifted").reason


def test_report_details_are_drawable_plot_specs():
    from synthgate.report import plot_spec_problems

    details = age_shifted_by_0_3_sigma().details
    specs = details["column_drift"] + [details["c2st_drivers"]]
    assert [p for spec in specs for p in plot_spec_problems(spec)] == []
    ks = details["column_drift"][0]
    assert ks["items"][0]["label"] == "age" and ks["items"][0]["verdict"] == "fail"


# --- reference oracles --------------------------------------------------------------------------------


def test_auc_null_sd_matches_R9():
    """R9: AUC under H0 has sd sqrt((n1+n2+1)/(12 n1 n2)) = 0.0183 at 500/500."""
    assert c2st.auc_null_sd(500, 500) == pytest.approx(0.0183, abs=5e-5)


@pytest.mark.parametrize("delta, expected", [(0.25, 0.570), (0.5, 0.638)])
def test_classifier_auc_matches_R10_on_gaussians(delta, expected):
    """R10: the optimal AUC between N(0,1) and N(δ,1) is Φ(δ/√2)."""
    rng = np.random.default_rng(0)
    x_real, x_fresh = rng.normal(0, 1, (20000, 1)), rng.normal(delta, 1, (20000, 1))
    fitted = c2st.classifier_test(x_real, x_fresh, model="logistic", rng=np.random.default_rng(1))
    assert fitted.auc == pytest.approx(expected, abs=0.012)  # test sd at 10^4 per side ≈ 0.004


def test_honest_ks_band_matches_R7():
    """R7: KS D under H0 has mean ≈ 0.87 √(2/n); at n = m = 2000, 0.0275 (fnlwgt is near-continuous)."""
    fnlwgt = run(fresh_sample()).measurement("drift.columns_drifted").details["columns"]["fnlwgt"]
    assert 0.021 < fnlwgt["honest_median"] < 0.031
    assert fnlwgt["honest_high"] == pytest.approx(1.358 * np.sqrt(2 / 2000), rel=0.2)


def test_count_statistics_match_scipy():
    rng = np.random.default_rng(3)
    frame = lambda x, c: pd.DataFrame({"x": x, "c": c})  # noqa: E731
    a = frame(rng.normal(0, 1, 700), rng.choice(list("abcd"), 700, p=[0.4, 0.3, 0.2, 0.1]))
    b = frame(rng.normal(0.1, 1, 500), rng.choice(list("abcd"), 500, p=[0.35, 0.3, 0.2, 0.15]))
    ctx = build_context(a, b, b, fresh=b)
    data = {c.name: c for c in columns.prepare(ctx)}
    found = columns.compare(list(data.values()), [c.counts("real") for c in data.values()],
                            [c.counts("fresh") for c in data.values()])
    ks = stats.ks_2samp(a["x"], b["x"])
    table = pd.crosstab(np.r_[np.zeros(700), np.ones(500)], np.r_[a["c"], b["c"]]).to_numpy()
    assert found.effects[0] == pytest.approx(ks.statistic)
    assert ks.pvalue <= found.p_values[0] <= ks.pvalue + 0.03  # the Kolmogorov limit is conservative
    assert found.p_values[1] == pytest.approx(stats.chi2_contingency(table, correction=False).pvalue)


def test_contract_with_fresh_data_and_a_dated_generator():
    """The gate contract on the measured path (the shared contract test has no fresh data)."""
    from synthgate.data import table_fingerprint
    from synthgate.result import CheckResult

    split = adult_split(2000, 1)
    outside = independent_sample(1800, 2000, 1)  # fresh rows, then synthetic rows: disjoint real samples
    fresh = defects.shift_column(outside.iloc[:1000], column="age", sigma=0.3, seed=0)
    synthetic = outside.iloc[1000:].reset_index(drop=True)
    ctx = build_context(split.real, split.holdout, synthetic, metadata={**split.metadata, "generator": {
        "created": "2025-01-01"}}, fresh=fresh, policy={"resamples": 20, "gates": {"drift": {"today": "2025-03-01"}}})
    before = {r: table_fingerprint(ctx.tables[r]) for r in ctx.tables.roles()}
    first, second = DriftGate().run(ctx), DriftGate().run(ctx)
    assert first == second and first.details == second.details
    assert {r: table_fingerprint(ctx.tables[r]) for r in ctx.tables.roles()} == before
    assert all(m.reference is not None for m in first.measurements)
    text = CheckResult.of(first).to_json()
    assert CheckResult.from_json(text).to_json() == text
