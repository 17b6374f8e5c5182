"""Bias gate building blocks: count-based group metrics equal fairlearn's, worst-of references, raking."""

import numpy as np
import pandas as pd
import pytest
from fairlearn.metrics import MetricFrame, demographic_parity_difference, equalized_odds_difference, selection_rate

from synthgate.errors import PolicyError
from synthgate.gates.bias import BiasGate, BiasSettings
from synthgate.gates.bias.calibrate import group_sums, ratio, spread_of, worst_of
from synthgate.gates.bias.data import BiasData
from synthgate.gates.bias.models import _fairness
from synthgate.policy import Policy
from synthgate.run import build_context
from tests.conftest import adult_split, independent_sample


def random_predictions(seed, n=3000, groups=4):
    rng = np.random.default_rng(seed)
    codes = rng.integers(0, groups, n)
    y = rng.random(n) < 0.2 + 0.1 * codes
    predicted = rng.random(n) < np.where(y, 0.7, 0.1) + 0.02 * codes
    return codes, y, predicted


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_count_based_dp_and_eo_equal_fairlearn(seed):
    codes, y, predicted = random_predictions(seed)
    eligible = {"dp": np.ones(4, bool), "eo": np.ones(4, bool)}
    ours = _fairness(codes, y, predicted, 4, eligible)
    assert ours["dp"][0] == pytest.approx(demographic_parity_difference(y, predicted, sensitive_features=codes),
                                          abs=1e-12)
    assert ours["eo"][0] == pytest.approx(equalized_odds_difference(y, predicted, sensitive_features=codes),
                                          abs=1e-12)


def test_count_based_rates_equal_fairlearn_metric_frame_and_batch_rows():
    codes, y, _ = random_predictions(3)
    rates = ratio(group_sums(codes, 4, y), group_sums(codes, 4))[0]
    frame = MetricFrame(metrics=selection_rate, y_true=y, y_pred=y, sensitive_features=codes)
    assert rates == pytest.approx(frame.by_group.sort_index().to_numpy(), abs=1e-12)
    assert spread_of(rates, np.ones(4, bool)) == pytest.approx(frame.difference(), abs=1e-12)
    rows = np.stack([np.arange(1000), np.arange(1000, 2000)])
    batch = group_sums(codes[rows], 4, y[rows])
    assert batch[1] == pytest.approx(group_sums(codes[1000:2000], 4, y[1000:2000])[0])


def test_spread_needs_two_eligible_groups():
    rates = np.array([[0.1, 0.5, np.nan], [0.2, np.nan, np.nan]])
    out = spread_of(rates, np.array([True, True, True]))
    assert out[0] == pytest.approx(0.4) and np.isnan(out[1])
    assert np.isnan(spread_of(np.array([0.1, 0.5]), np.array([True, False])))


def test_worst_of_one_item_is_the_central_band():
    draws = np.random.default_rng(0).normal(0.0, 1.0, size=(4000, 1))
    worst = worst_of(np.array([5.0]), draws, worse="higher", level=0.95, n=10, method="m")
    pick, ref = worst.pick, worst.reference
    assert pick == 0 and ref.method == "m"
    assert ref.high == pytest.approx(1.96, abs=0.1) and ref.low == pytest.approx(-1.96, abs=0.1)


def test_worst_of_widens_for_many_items_and_picks_the_one_beyond_its_own_band():
    rng = np.random.default_rng(1)
    draws = rng.normal(0.0, [0.01, 0.1, 0.1, 0.1, 0.1], size=(4000, 5))
    values = np.array([0.05, 0.2, 0.0, 0.0, 0.0])  # 5 sds out on a quiet item beats 2 sds on a noisy one
    worst = worst_of(values, draws, worse="higher", level=0.95, n=10, method="m")
    pick, ref = worst.pick, worst.reference
    assert pick == 0
    assert 2.3 < ref.high / 0.01 < 2.8, "max-T over 5 independent items: the 97.5 % point of the max is ~2.57"
    assert ref.method == "m, worst of 5"


def test_worst_of_either_direction():
    draws = np.random.default_rng(2).normal(0.0, 1.0, size=(2000, 2))
    worst = worst_of(np.array([0.5, -4.0]), draws, worse="either", level=0.95, n=10, method="m")
    assert worst.pick == 1 and worst.reference.low < -2
    one = worst_of(np.array([0.0]), draws[:, :1], worse="either", level=0.95, n=10, method="m").reference
    assert (one.low, one.high) == pytest.approx((-1.96, 1.96), abs=0.15), "two-sided: the central 95 %"
    assert list(worst.low) == pytest.approx([worst.reference.low] * 2, abs=0.3), "equal noise, equal bands"


def context(policy=None, n=4000, seed=0, synthetic=None):
    split = adult_split(n, seed)
    return build_context(split.real, split.holdout, independent_sample(1500, n, seed) if synthetic is None else synthetic,
                         metadata=split.metadata, policy=Policy.model_validate(policy or {}))


def test_raking_meets_requested_shares_and_rates_on_real():
    settings = BiasSettings(rebalance={"sex": {"Female": 0.5}, "race": {"Black": 0.2}},
                            target_rate={"sex": {"Female": 0.25}}, models=[])
    data = BiasData.of(context({"gates": {"bias": settings.model_dump()}}), settings)
    by_name = {g.name: g for g in data.groupings}
    shares, rates = data.expected(by_name["sex"])
    female = by_name["sex"].labels.index("Female")
    assert shares[female] == pytest.approx(0.5, abs=1e-6)
    assert rates[female] == pytest.approx(0.25, abs=1e-6)
    race_shares, _ = data.expected(by_name["race"])
    assert race_shares[by_name["race"].labels.index("Black")] == pytest.approx(0.2, abs=1e-6)
    holdout_female = (data.weights["holdout"] * (by_name["sex"].codes["holdout"] == female)).sum()
    assert holdout_female / data.weights["holdout"].sum() == pytest.approx(0.5, abs=0.03)


def test_settings_reject_impossible_requests():
    with pytest.raises(PolicyError, match="rebalance.sex"):
        Policy(gates={"bias": {"rebalance": {"sex": {"Female": 0.7, "Male": 0.6}}}}).settings("bias", BiasSettings)
    with pytest.raises(PolicyError, match="target_rate"):
        Policy(gates={"bias": {"target_rate": {"sex": {"Female": 1.5}}}}).settings("bias", BiasSettings)


def test_unknown_group_in_a_request_is_an_error_that_names_it():
    ctx = context({"gates": {"bias": {"rebalance": {"sex": {"Femal": 0.5}}, "models": []}}})
    with pytest.raises(PolicyError, match="Femal"):
        list(BiasGate().measure(ctx))
    ctx = context({"gates": {"bias": {"rebalance": {"age": {"30": 0.5}}, "models": []}}})
    with pytest.raises(PolicyError, match="not a usable sensitive attribute"):
        list(BiasGate().measure(ctx))


def test_numerical_sensitive_attribute_is_cut_at_real_quartiles():
    split = adult_split(4000, 0)
    meta = dict(split.metadata, sensitive=["age"])
    ctx = build_context(split.real, split.holdout, independent_sample(1500, 4000, 0), metadata=meta,
                        policy={"gates": {"bias": {"models": []}}})
    data = BiasData.of(ctx, BiasSettings(models=[]))
    (age,) = data.groupings
    assert len(age.labels) == 4 and age.labels[0].startswith("< ")
    shares, _ = data.expected(age)
    assert shares == pytest.approx([0.25] * 4, abs=0.05)


def test_intersection_labels_are_masked_when_rare_in_real():
    split = adult_split(4000, 0)
    ctx = build_context(split.real, split.holdout, independent_sample(1500, 4000, 0), metadata=split.metadata,
                        policy={"mask_below": 30})
    data = BiasData.of(ctx, BiasSettings(models=[]))
    pair = next(g for g in data.groupings if g.name == "sex × race")
    real = pd.crosstab(split.real["sex"], split.real["race"])
    assert ("Female × Other" in pair.labels) == (real.loc["Female", "Other"] >= 30)
    assert "‹rare›" in pair.labels


def test_compressed_cells_give_fairlearns_numbers_on_the_rows():
    from sklearn.metrics import accuracy_score
    from fairlearn.metrics import true_positive_rate

    from synthgate.gates.bias.tables import _cells, _metric_frame

    codes, y, predicted = random_predictions(4)
    metrics = {"accuracy": accuracy_score, "tpr": true_positive_rate, "selection_rate": selection_rate}
    ours = _metric_frame(_cells(y, predicted, ["m"], codes), metrics)
    rows = MetricFrame(metrics=metrics, y_true=y, y_pred=predicted, sensitive_features=codes).by_group
    assert ours.to_numpy() == pytest.approx(rows.sort_index().to_numpy(), abs=1e-12)
