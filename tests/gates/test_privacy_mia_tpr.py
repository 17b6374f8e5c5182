"""Membership inference where risk concentrates (issue 13.7): the true-positive rate at 1 % and 0.1 % false
positives, against the exact no-information band."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import roc_curve

from synthgate import defects
from synthgate.datasets import load_adult_frame
from synthgate.gates.privacy import PrivacyGate, mia
from synthgate.run import build_context
from synthgate.verdict import Verdict

META = {"target": "income", "sensitive": ["sex", "race"], "positive": ">50K"}
TPR_IDS = [f"privacy.mia_{a}_tpr_at_{f}_fpr" for a in ("distance", "density") for f in ("1pct", "0_1pct")]


def test_tpr_at_fpr_matches_scikit_learn():
    rng = np.random.default_rng(0)
    members, others = np.round(rng.normal(0.3, 1, 3000), 2), np.round(rng.normal(0, 1, 2000), 2)  # ties
    fpr, tpr, _ = roc_curve(np.r_[np.ones(3000), np.zeros(2000)], np.r_[members, others])
    for alpha in (0.01, 0.001):
        value, allowed, reached = mia.tpr_at_fpr(members, others, alpha)
        assert allowed == int(alpha * 2000) and reached <= alpha
        assert value == pytest.approx(tpr[fpr <= alpha + 1e-12].max())


@pytest.mark.parametrize("alpha", [0.01, 0.001])
def test_no_information_band_matches_simulation(alpha):
    """Exchangeable scores: the simulated 2.5 / 50 / 97.5 % points of the TPR equal the negative hypergeometric's."""
    rng = np.random.default_rng(1)
    draws = [mia.tpr_at_fpr(rng.random(1000), rng.random(1000), alpha)[0] for _ in range(3000)]
    band = mia.tpr_null(1000, 1000, alpha, 0.95)
    assert np.quantile(draws, 0.5) == pytest.approx(band.value, abs=1.5e-3)
    assert np.quantile(draws, 0.975) == pytest.approx(band.high, abs=2.5e-3)
    assert np.mean(np.array(draws) > band.high) < 0.035


def test_copies_show_at_low_false_positive_rates_while_an_independent_sample_passes():
    frame = load_adult_frame()
    order = np.random.default_rng(0).permutation(len(frame))
    real, holdout, synthetic = (frame.iloc[order[a:b]].reset_index(drop=True)
                                for a, b in ((0, 4000), (4000, 6000), (6000, 8000)))
    results = {}
    for name, table in (("honest", synthetic), ("copies", defects.copy_rows(synthetic, real, fraction=0.02, seed=0))):
        ctx = build_context(real, holdout, table, metadata=META, policy={"resamples": 30})
        results[name] = PrivacyGate().run(ctx)
    for mid in TPR_IDS:
        found = results["honest"].measurement(mid)
        assert found.verdict is Verdict.PASS, found.reason
        assert found.reference.low <= found.reference.value <= found.reference.high
    # 40 of 4,000 training rows copied verbatim sit at distance 0: the distance attack flags about 1 % of
    # members before any holdout row, where no information flags 0.1 % (AUC barely moves).
    low = results["copies"].measurement("privacy.mia_distance_tpr_at_0_1pct_fpr")
    assert low.value >= 0.008 and low.verdict is not Verdict.PASS
    assert results["copies"].measurement("privacy.mia_distance_auc").value < 0.52
