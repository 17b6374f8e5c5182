"""Privacy gate: honest tables pass, each planted leak fails with its number, references match their oracles.

Honest generator: ``GaussianCopulaSynthesizer``. ``CartSynthesizer`` (leaf donors copy real values) sits closer to
its training rows than fresh real rows do, and reproduces a few unique training records verbatim, which fails
privacy.unique_copy_rate; its numbers are asserted so a change shows.
"""

from __future__ import annotations

import functools
import json

import numpy as np
import pytest
from tests.conftest import adult_split, honest_synthetic

from synthgate import defects
from synthgate.gates.privacy import PrivacyGate, copies, near, outliers
from synthgate.generators import GaussianCopulaSynthesizer
from synthgate.report import plot_spec_problems
from synthgate.run import build_context
from synthgate.verdict import Verdict

N = 4000
POLICY = {"resamples": 50}


@functools.lru_cache(maxsize=2)
def copula(n: int = N, seed: int = 0):
    split = adult_split(n, seed)
    return GaussianCopulaSynthesizer().fit(split.real).sample(len(split.holdout), seed=seed)


def context(synthetic, n=N, seed=0, policy=None, metadata=None):
    split = adult_split(n, seed)
    return build_context(split.real, split.holdout, synthetic, metadata=metadata or split.metadata,
                         policy=policy or POLICY, seed=seed)


@functools.lru_cache(maxsize=4)
def gate_result(case: str):
    split = adult_split()
    synthetic = {"holdout": split.holdout, "copula": copula(), "cart": honest_synthetic(N, 0),
                 "copies": defects.copy_rows(copula(), split.real, fraction=0.01, seed=3)}[case]
    return PrivacyGate().run(context(synthetic))


def rule(ctx, mid):
    return PrivacyGate().rule(ctx, mid)


def test_holdout_as_synthetic_passes():
    result = gate_result("holdout")
    assert result.verdict is Verdict.PASS, result.summary
    assert result.measurement("privacy.dcr_close_share").value == pytest.approx(0.05, abs=0.003)
    assert result.measurement("privacy.dp_declaration").verdict is Verdict.SKIPPED


def test_honest_generator_passes():
    result = gate_result("copula")
    assert result.verdict is Verdict.PASS, result.summary
    share = result.measurement("privacy.nearest_in_train_share")
    assert share.value == pytest.approx(0.5, abs=0.05)


def test_cart_sits_closer_to_train_and_copies_unique_records():
    """CART's leaf donors: on Adult (2,000 training rows) about 0.08 of its rows fall below the holdout's
    5 % DCR and 0.6 have their nearest real row in train (honest 0.05 and 0.5), within the allowance; but
    0.45 % of its rows (9 of 2,000) are verbatim copies of training records unique in the real data (honest
    below 0.14 %): as large a leak as 111 copies in 20,000 rows, which must fail."""
    result = gate_result("cart")
    assert result.measurement("privacy.dcr_close_share").value > 0.06
    assert result.measurement("privacy.nearest_in_train_share").value > 0.55
    assert result.measurement("privacy.dcr_close_share").verdict is not Verdict.FAIL
    unique = result.measurement("privacy.unique_copy_rate")
    assert unique.verdict is Verdict.FAIL and unique.details["copies_of_unique_records"] >= 5


def test_one_percent_exact_copies_fail():
    result = gate_result("copies")
    assert result.verdict is Verdict.FAIL
    rate = result.measurement("privacy.exact_copy_rate")
    assert rate.verdict is Verdict.FAIL
    assert rate.value - rate.reference.value == pytest.approx(0.01, abs=0.003)
    assert rate.details["copies"] == 20
    assert rate.details["distinct_real_rows"] == 20
    unique = result.measurement("privacy.unique_copy_rate")  # Adult's rows are unique: every copy exposes one
    assert unique.verdict is Verdict.FAIL and unique.details["copies_of_unique_records"] == 20
    assert gate_result("copula").measurement("privacy.exact_copy_rate").value == 0.0


def test_exact_copy_rate_grows_with_the_dose():
    split = adult_split()
    values = []
    for fraction in (0.0, 0.005, 0.01, 0.02):
        ctx = context(defects.copy_rows(copula(), split.real, fraction=fraction, seed=1))
        values.append(copies.exact_copy_rate(ctx, rule(ctx, "privacy.exact_copy_rate")).value)
    assert values == pytest.approx([0.0, 0.005, 0.01, 0.02], abs=1e-9)


def test_one_percent_near_copies_over_a_copula_fail_on_where_they_land():
    """A copula's own rows avoid the natural close pairs (about 0 near rows, the holdout 1 %), so 1 % near
    copies hide behind the holdout's natural rate in privacy.near_copy_rate; conditional on the synthetic
    table, privacy.near_match_train_rate sees 20 of its 21 near rows on training records (chance: half)."""
    split = adult_split()
    ctx = context(defects.near_copies(copula(), split.real, fraction=0.01, seed=3))
    radius, source = near.near_radius(ctx, 0.01, None)
    rate = near.near_copy_rate(ctx, rule(ctx, "privacy.near_copy_rate"), radius, source)
    assert rate.value == pytest.approx(rate.reference.value, abs=0.003)  # masked by the copula's fidelity
    landing = near.near_match_train_rate(ctx, rule(ctx, "privacy.near_match_train_rate"), radius)
    assert landing.verdict is Verdict.FAIL and landing.details["train_share_of_near_rows"] > 0.9
    assert copies.exact_copy_rate(ctx, rule(ctx, "privacy.exact_copy_rate")).verdict is Verdict.PASS
    honest = context(copula())
    assert near.near_match_train_rate(honest, rule(honest, "privacy.near_match_train_rate"), radius).verdict \
        is Verdict.PASS


def test_twenty_memorised_outliers_fail():
    split = adult_split()
    ctx = context(defects.memorise_outliers(copula(), split.real, count=20, seed=3))
    hits = outliers.outlier_hit_rate(ctx, rule(ctx, "privacy.outlier_hit_rate"), 50)
    assert hits.verdict is Verdict.FAIL
    # The defect's 20 most isolated rows are among the gate's 50 (the same mixed distance).
    assert hits.value == pytest.approx(20 / 50)
    assert hits.details["synthetic_rows_on_outliers"] >= 20
    honest_ctx = context(copula())
    assert outliers.outlier_hit_rate(honest_ctx, rule(honest_ctx, "privacy.outlier_hit_rate"), 50).value < 0.05


def test_mia_reference_is_the_mann_whitney_null():
    """R9: AUC under H0 has sd sqrt((n1+n2+1)/(12 n1 n2)) = 0.0183 at 500/500."""
    ctx = context(copula(1000, 0), n=1000)
    result = PrivacyGate().run(ctx)
    auc = result.measurement("privacy.mia_distance_auc")
    assert auc.details["members"] == auc.details["non_members"] == 500
    assert (auc.reference.high - auc.reference.value) / 1.959964 == pytest.approx(0.0183, abs=2e-4)
    assert auc.reference.value == 0.5


def test_report_details_are_plot_specs_without_real_rows():
    result = gate_result("copies")
    details = result.details
    assert set(details) == {"dcr", "mia_roc", "copies"}
    assert all(plot_spec_problems(spec) == [] for spec in details.values())
    dcr = details["dcr"]
    for role in ("synthetic", "holdout"):
        assert np.all(np.diff(dcr["series"][role]) >= 0)  # shares within a growing distance
    band = dcr["bands"]["holdout"]
    assert all(lo <= h <= hi for lo, h, hi in zip(band["low"], dcr["series"]["holdout"], band["high"]))
    roc = details["mia_roc"]
    assert roc["x"][0] == "0.1%" and roc["series"]["distance attack"][-1] == 1.0
    # The copied training rows sit at distance 0: the distance attack flags them at 1 % false positives.
    assert roc["series"]["distance attack"][3] > roc["bands"]["honest"]["high"][3]
    labels = {item["label"]: item for item in details["copies"]["items"]}
    assert labels["exact copies"]["verdict"] == "fail" and labels["exact copies"]["value"] == pytest.approx(0.01)
    text = json.dumps(result.to_dict())
    real = adult_split().real
    for column in ("occupation", "native_country", "marital_status"):
        for label in real[column].dropna().unique():
            assert f'"{label}"' not in text


@pytest.mark.parametrize("declared, settings, verdict", [
    (None, {}, Verdict.SKIPPED),
    (3.0, {}, Verdict.PASS),
    (None, {"sensitive_data": True, "max_epsilon": 1.0}, Verdict.FAIL),
    (5.0, {"sensitive_data": True, "max_epsilon": 1.0}, Verdict.FAIL),
    (0.5, {"sensitive_data": True, "max_epsilon": 1.0}, Verdict.PASS),
    (8.0, {"sensitive_data": True}, Verdict.PASS),
])
def test_dp_declaration_follows_the_policy(declared, settings, verdict):
    from synthgate.gates.privacy.declaration import dp_declaration

    split = adult_split(1000, 0)
    metadata = {**split.metadata, "generator": {"name": "copula", "dp_epsilon": declared}}
    ctx = context(split.holdout, n=1000, metadata=metadata, policy={"gates": {"privacy": settings}})
    found = dp_declaration(ctx, settings.get("sensitive_data", False), settings.get("max_epsilon"))
    assert found.verdict is verdict, found.reason
    if verdict is Verdict.FAIL:
        assert ("no differential-privacy epsilon" in found.reason) == (declared is None)
    if verdict is not Verdict.SKIPPED:
        assert found.reference is not None


def test_missing_dp_declaration_fails_the_gate():
    split = adult_split(1000, 0)
    ctx = context(split.holdout, n=1000, policy={"resamples": 20, "gates": {"privacy": {
        "sensitive_data": True, "max_epsilon": 1.0}}})
    result = PrivacyGate().run(ctx)
    assert result.verdict is Verdict.FAIL
    assert result.measurement("privacy.dp_declaration").verdict is Verdict.FAIL
