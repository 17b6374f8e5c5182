"""Each planted defect does what it says, measured, and leaves its inputs alone."""

import doctest
from functools import partial

import numpy as np
import pandas as pd
import pytest

import synthgate.defects.coverage
import synthgate.defects.drift
import synthgate.defects.fairness
import synthgate.defects.privacy
import synthgate.defects.recursion
from synthgate import defects
from synthgate.datasets import load_adult, make_gaussian_mixture
from synthgate.defects._isolation import encode_rows, nearest_other_distance
from synthgate.generators import CartSynthesizer, IndependentSynthesizer

pytestmark = pytest.mark.filterwarnings("error")


@pytest.fixture(scope="module")
def adult():
    split = load_adult(0, n=4000)
    # Independent columns: chance copies of real rows are ~0, so every copy counted was planted.
    synthetic = IndependentSynthesizer().fit(split.real).sample(len(split.holdout), seed=11)
    return split.real, synthetic


def hashes(frame: pd.DataFrame) -> pd.Series:
    return pd.util.hash_pandas_object(frame, index=False)


def copies_of(frame: pd.DataFrame, real: pd.DataFrame) -> int:
    return int(hashes(frame).isin(set(hashes(real))).sum())


def rate(frame, group_column, group):
    rows = frame[frame[group_column] == group]
    return rows["income"].eq(">50K").mean()


CALLS = {
    "copy_rows": lambda s, r, seed: defects.copy_rows(s, r, fraction=0.05, seed=seed),
    "near_copies": lambda s, r, seed: defects.near_copies(s, r, fraction=0.05, seed=seed),
    "copy_unique_rows": lambda s, r, seed: defects.copy_unique_rows(s, r, fraction=0.05, seed=seed),
    "change_one_category": lambda s, r, seed: defects.change_one_category(s, r, fraction=0.05, seed=seed),
    "memorise_outliers": lambda s, r, seed: defects.memorise_outliers(s, r, count=10, seed=seed),
    "drop_category": lambda s, r, seed: defects.drop_category(s, column="race", category="Black", seed=seed),
    "drop_category_nan": lambda s, r, seed: defects.drop_category(s, column="workclass", category=np.nan, seed=seed),
    "drop_clusters": lambda s, r, seed: defects.drop_clusters(s, r, clusters=5, drop=2, seed=seed),
    "drop_modes": lambda s, r, seed: defects.drop_modes(s, modes=s["race"].to_numpy(), drop=2, seed=seed),
    "shrink_spread": lambda s, r, seed: defects.shrink_spread(s, factor=0.5, seed=seed),
    "truncate_tails": lambda s, r, seed: defects.truncate_tails(s, z=2.0, seed=seed),
    "skew_outcome": lambda s, r, seed: defects.skew_outcome(
        s, group_column="sex", group="Female", target="income", positive=">50K", seed=seed),
    "underrepresent": lambda s, r, seed: defects.underrepresent(s, column="sex", group="Female", seed=seed),
    "shift_column": lambda s, r, seed: defects.shift_column(s, column="age", seed=seed),
    "change_category_mix": lambda s, r, seed: defects.change_category_mix(
        s, column="race", category="Black", seed=seed),
}
DETERMINISTIC = {"shrink_spread", "shift_column"}


@pytest.mark.parametrize("name", CALLS)
def test_defect_contract(name, adult):
    real, synthetic = adult
    before_real, before_synthetic = real.copy(deep=True), synthetic.copy(deep=True)
    first = CALLS[name](synthetic, real, 5)
    pd.testing.assert_frame_equal(real, before_real)
    pd.testing.assert_frame_equal(synthetic, before_synthetic)
    assert first is not synthetic and isinstance(first.index, pd.RangeIndex)
    assert list(first.columns) == list(synthetic.columns)
    assert list(first.dtypes) == list(synthetic.dtypes)
    assert len(first) == len(synthetic)
    pd.testing.assert_frame_equal(first, CALLS[name](synthetic, real, 5))
    assert not first.equals(synthetic)
    if name not in DETERMINISTIC:
        assert not first.equals(CALLS[name](synthetic, real, 6))


@pytest.mark.parametrize("fraction", [0.0, 0.01, 0.1])
def test_copy_rows_plants_exactly_the_asked_share(fraction, adult):
    real, synthetic = adult
    assert copies_of(synthetic, real) == 0
    leaky = defects.copy_rows(synthetic, real, fraction=fraction, seed=1)
    assert copies_of(leaky, real) == round(fraction * len(synthetic))
    assert int((hashes(leaky) != hashes(synthetic)).sum()) == round(fraction * len(synthetic))


def test_copy_rows_rejects_impossible_arguments(adult):
    real, synthetic = adult
    with pytest.raises(ValueError, match="fraction"):
        defects.copy_rows(synthetic, real, fraction=1.5, seed=0)
    with pytest.raises(ValueError, match="real has only"):
        defects.copy_rows(synthetic, real.iloc[:10], fraction=0.5, seed=0)
    with pytest.raises(ValueError, match="share their columns"):
        defects.copy_rows(synthetic, real.drop(columns="age"), fraction=0.1, seed=0)
    with pytest.raises(ValueError, match="seed"):
        defects.copy_rows(synthetic, real, fraction=0.1, seed="x")


def test_near_copies_are_close_but_never_verbatim(adult):
    real, synthetic = adult
    near = defects.near_copies(synthetic, real, fraction=0.05, noise=0.01, seed=2)
    changed = (hashes(near) != hashes(synthetic)).to_numpy()
    assert changed.sum() == 100
    assert copies_of(near, real) == 0
    categorical = [c for c in real.columns if real[c].dtype == object]
    real_patterns = set(hashes(real[categorical]))
    assert hashes(near[categorical])[changed].isin(real_patterns).all()
    assert near["fnlwgt"].between(real["fnlwgt"].min(), real["fnlwgt"].max()).all()


def test_near_copies_move_small_integer_rows():
    """Noise of 0.01 std rounds away on a 0..3 column, so the forced one-step move must act."""
    real = pd.DataFrame({"a": np.tile([0, 1, 2, 3], 25), "c": ["x", "y"] * 50})
    synthetic = pd.DataFrame({"a": np.zeros(100, dtype=np.int64), "c": ["z"] * 100})
    near = defects.near_copies(synthetic, real, fraction=0.3, seed=0)
    assert near["c"].ne("z").sum() == 30
    assert near["a"].between(0, 3).all() and near["a"].dtype == np.int64


def test_copy_unique_rows_copies_records_that_occur_once(adult):
    real, synthetic = adult
    doubled = pd.concat([real, real.iloc[:1500]], ignore_index=True)  # the first 1,500 records now occur twice
    out = defects.copy_unique_rows(synthetic, doubled, fraction=0.05, seed=1)
    planted = out[~hashes(out).isin(set(hashes(synthetic)))]
    assert len(planted) == 100
    assert not hashes(planted).isin(set(hashes(real.iloc[:1500]))).any()
    with pytest.raises(ValueError, match="unique records"):
        defects.copy_unique_rows(synthetic, real.iloc[:10], fraction=0.05, seed=1)


def test_change_one_category_moves_exactly_one_categorical_value(adult):
    real, synthetic = adult
    out = defects.change_one_category(synthetic, real, fraction=0.05, seed=3)
    changed = (hashes(out) != hashes(synthetic)).to_numpy()
    assert changed.sum() == 100 and copies_of(out, real) == 0
    numeric = [c for c in real.columns if real[c].dtype != object]
    categorical = [c for c in real.columns if real[c].dtype == object]
    assert hashes(out[numeric])[changed].isin(set(hashes(real[numeric]))).all()
    rows = out[changed].reset_index(drop=True).fillna({c: "<NA>" for c in categorical})
    known = real.fillna({c: "<NA>" for c in categorical})
    best = [int((rows.loc[i, categorical] != known[categorical]).sum(axis=1)
                [(known[numeric] == rows.loc[i, numeric]).all(axis=1)].min()) for i in range(10)]
    assert best == [1] * 10  # one category away from the real row with the same numbers


def test_isolated_rows_match_brute_force_and_skip_duplicates(adult):
    real, _ = adult
    numeric, codes = encode_rows(real)
    distances = nearest_other_distance(numeric, codes, np.arange(len(real)))
    expected = np.lexsort((np.arange(len(real)), -distances))[:30]
    assert defects.isolated_rows(real, 30).tolist() == expected.tolist()
    doubled = pd.concat([real.iloc[:50], real.iloc[:50], real.iloc[[60]]], ignore_index=True)
    assert defects.isolated_rows(doubled, 1).tolist() == [100]
    with pytest.raises(ValueError, match="two rows"):
        defects.isolated_rows(real.iloc[:1], 1)


def test_memorise_outliers_plants_the_isolated_rows(adult):
    real, synthetic = adult
    out = defects.memorise_outliers(synthetic, real, count=20, seed=3)
    outliers = real.iloc[defects.isolated_rows(real, 20)]
    assert hashes(outliers).isin(set(hashes(out))).all()
    assert copies_of(out, real) == 20
    with pytest.raises(ValueError, match="count"):
        defects.memorise_outliers(synthetic, real, count=len(synthetic) + 1, seed=0)


def test_drop_category_removes_it_and_keeps_the_rest(adult):
    _, synthetic = adult
    out = defects.drop_category(synthetic, column="race", category="Black", seed=0)
    assert "Black" not in set(out["race"])
    assert hashes(synthetic[synthetic["race"].ne("Black")]).isin(set(hashes(out))).all()
    assert defects.drop_category(synthetic, column="workclass", category=None, seed=0)["workclass"].notna().all()
    with pytest.raises(ValueError, match="does not occur"):
        defects.drop_category(synthetic, column="race", category="Martian", seed=0)
    with pytest.raises(ValueError, match="not in synthetic"):
        defects.drop_category(synthetic, column="colour", category="x", seed=0)


@pytest.mark.parametrize("drop", [0, 1, 3])
def test_drop_modes_removes_whole_modes(drop):
    mixture = make_gaussian_mixture(2000, modes=10, seed=0)
    out = defects.drop_modes(mixture, modes=mixture.attrs["mode"], drop=drop, seed=4)
    assert len(out) == 2000 and len(out.attrs["dropped_modes"]) == drop
    assert set(out.attrs["mode"]) == set(range(10)) - set(out.attrs["dropped_modes"])
    centres = np.stack([mixture[mixture.attrs["mode"] == m].mean().to_numpy() for m in range(10)])
    nearest = np.argmin(np.linalg.norm(out.to_numpy()[:, None] - centres[None], axis=2), axis=1)
    assert np.array_equal(nearest, out.attrs["mode"])
    with pytest.raises(ValueError, match="drop"):
        defects.drop_modes(mixture, modes=mixture.attrs["mode"], drop=10, seed=0)
    with pytest.raises(ValueError, match="one label per"):
        defects.drop_modes(mixture, modes=mixture.attrs["mode"][:5], seed=0)


def test_per_row_attrs_follow_the_rows():
    """Mode labels in attrs stay attached to their rows through copies and resampling."""
    real, synthetic = make_gaussian_mixture(500, seed=1), make_gaussian_mixture(500, seed=2)
    label_of = {tuple(row): label for frame in (real, synthetic)
                for row, label in zip(frame.to_numpy().tolist(), frame.attrs["mode"].tolist(), strict=True)}
    for out in [defects.copy_rows(synthetic, real, fraction=0.2, seed=0),
                defects.truncate_tails(synthetic, z=1.5, seed=0)]:
        assert [label_of[tuple(row)] for row in out.to_numpy().tolist()] == out.attrs["mode"].tolist()


def test_drop_clusters_empties_the_dropped_clusters(adult):
    real, synthetic = adult
    out = defects.drop_clusters(synthetic, real, clusters=8, drop=2, seed=1)
    assert len(out.attrs["dropped_modes"]) == 2
    assert not np.isin(out.attrs["cluster"], out.attrs["dropped_modes"]).any()


@pytest.mark.parametrize("factor", [0.0, 0.5, 1.0])
def test_shrink_spread_scales_deviations(factor, adult):
    _, synthetic = adult
    out = defects.shrink_spread(synthetic, factor=factor, columns=["fnlwgt", "age"], seed=0)
    assert out["fnlwgt"].std() == pytest.approx(factor * synthetic["fnlwgt"].std(), abs=0.5)
    assert out["fnlwgt"].mean() == pytest.approx(synthetic["fnlwgt"].mean(), abs=0.5)
    pd.testing.assert_series_equal(out["hours_per_week"], synthetic["hours_per_week"])
    floats = pd.DataFrame({"x": [0.0, 1.0, np.nan, 3.0]})
    assert defects.shrink_spread(floats, factor=factor, seed=0)["x"].std() == pytest.approx(
        factor * floats["x"].std())
    with pytest.raises(ValueError, match="numeric"):
        defects.shrink_spread(synthetic, factor=0.5, columns=["sex"], seed=0)


def test_truncate_tails_removes_every_tail_row(adult):
    _, synthetic = adult
    out = defects.truncate_tails(synthetic, z=2.0, columns=["age", "hours_per_week"], seed=0)
    for column in ["age", "hours_per_week"]:
        z = (out[column] - synthetic[column].mean()).abs() / synthetic[column].std()
        assert z.max() < 2.0
    with pytest.raises(ValueError, match="positive"):
        defects.truncate_tails(synthetic, z=0, seed=0)


@pytest.mark.parametrize("factor", [0.0, 0.5])
def test_skew_outcome_lowers_the_group_rate_and_keeps_the_marginal(factor, adult):
    _, synthetic = adult
    out = defects.skew_outcome(synthetic, group_column="sex", group="Female", target="income",
                               positive=">50K", factor=factor, seed=0)
    n_female = synthetic["sex"].eq("Female").sum()
    assert rate(out, "sex", "Female") == pytest.approx(factor * rate(synthetic, "sex", "Female"),
                                                       abs=1 / n_female)
    assert abs(out["income"].eq(">50K").mean() - synthetic["income"].eq(">50K").mean()) < 0.005
    assert rate(out, "sex", "Male") > rate(synthetic, "sex", "Male")
    pd.testing.assert_frame_equal(out.drop(columns="income"), synthetic.drop(columns="income"))


def test_skew_outcome_rejects_impossible_arguments(adult):
    _, synthetic = adult
    call = partial(defects.skew_outcome, synthetic, group_column="sex", target="income", positive=">50K", seed=0)
    with pytest.raises(ValueError, match="factor"):
        call(group="Female", factor=1.5)
    with pytest.raises(ValueError, match="does not occur"):
        call(group="Other")
    all_positive = synthetic.assign(income=">50K")
    with pytest.raises(ValueError, match="no negative label"):
        defects.skew_outcome(all_positive, group_column="sex", group="Female", target="income",
                             positive=">50K", seed=0)
    one_negative_in_group = all_positive.copy()
    one_negative_in_group.loc[synthetic["sex"].eq("Female").idxmax(), "income"] = "<=50K"
    with pytest.raises(ValueError, match="compensate"):
        defects.skew_outcome(one_negative_in_group, group_column="sex", group="Female", target="income",
                             positive=">50K", seed=0)


def test_underrepresent_keeps_the_asked_share(adult):
    _, synthetic = adult
    out = defects.underrepresent(synthetic, column="sex", group="Female", factor=0.5, seed=0)
    assert out["sex"].eq("Female").sum() == round(0.5 * synthetic["sex"].eq("Female").sum())
    with pytest.raises(ValueError, match="no other rows"):
        defects.underrepresent(synthetic[synthetic["sex"] == "Female"], column="sex", group="Female", seed=0)


def test_shift_column_moves_the_mean_by_sigma_std(adult):
    _, synthetic = adult
    out = defects.shift_column(synthetic, column="age", sigma=0.2, seed=0)
    assert out["age"].mean() - synthetic["age"].mean() == pytest.approx(0.2 * synthetic["age"].std(ddof=0), abs=0.5)
    assert out["age"].std() == pytest.approx(synthetic["age"].std())
    with pytest.raises(ValueError, match="numeric"):
        defects.shift_column(synthetic, column="sex", seed=0)


@pytest.mark.parametrize("factor", [0.0, 0.5, 2.0])
def test_change_category_mix_scales_the_share(factor, adult):
    _, synthetic = adult
    count = synthetic["race"].eq("Black").sum()
    out = defects.change_category_mix(synthetic, column="race", category="Black", factor=factor, seed=0)
    assert out["race"].eq("Black").sum() == round(factor * count)
    with pytest.raises(ValueError, match="factor"):
        defects.change_category_mix(synthetic, column="race", category="White", factor=2.0, seed=0)


def test_regenerate_chains_generations(adult):
    real, _ = adult
    small = real.iloc[:600]
    tables = defects.regenerate(small, generations=3, n=400, seed=0,
                                generator_factory=partial(CartSynthesizer, target="income"))
    assert len(tables) == 4
    pd.testing.assert_frame_equal(tables[0], small)
    assert [len(t) for t in tables[1:]] == [400, 400, 400]
    assert all(list(t.dtypes) == list(small.dtypes) for t in tables)
    again = defects.regenerate(small, generations=3, n=400, seed=0,
                               generator_factory=partial(CartSynthesizer, target="income"))
    for first, second in zip(tables, again, strict=True):
        pd.testing.assert_frame_equal(first, second)
    with pytest.raises(ValueError, match="generations"):
        defects.regenerate(small, generations=-1, seed=0)


def test_regenerate_loses_rare_categories():
    """Resampling with replacement: a category of expected count 2 survives 5 generations with
    probability 0.457 (reference-values.md, section 8.2); 150 runs give a standard error of 0.04."""
    real = pd.DataFrame({"c": ["rare"] * 2 + ["common"] * 998})
    survived = [
        "rare" in set(defects.regenerate(real, generations=5, generator_factory=IndependentSynthesizer,
                                         seed=seed)[-1]["c"])
        for seed in range(150)
    ]
    assert np.mean(survived) == pytest.approx(0.457, abs=0.12)


@pytest.mark.parametrize("module", [synthgate.defects.privacy, synthgate.defects.coverage,
                                    synthgate.defects.fairness, synthgate.defects.drift,
                                    synthgate.defects.recursion])
def test_docstring_examples(module):
    assert doctest.testmod(module, optionflags=doctest.ELLIPSIS).failed == 0
