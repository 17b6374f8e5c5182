"""Baseline synthesizers: shape and dtype contract, determinism, and what each keeps of the data."""

import doctest

import numpy as np
import pandas as pd
import pytest

import synthgate.generators.cart
import synthgate.generators.copula
import synthgate.generators.independent
from synthgate.datasets import load_adult
from synthgate.generators import CartSynthesizer, GaussianCopulaSynthesizer, IndependentSynthesizer

pytestmark = pytest.mark.filterwarnings("error")

FACTORIES = {
    "cart": lambda: CartSynthesizer(target="income", sensitive=["sex", "race"]),
    "cart-plain": CartSynthesizer,
    "copula": GaussianCopulaSynthesizer,
    "independent": IndependentSynthesizer,
}


@pytest.fixture(scope="module")
def adult():
    return load_adult(0, n=4000)


@pytest.fixture(scope="module")
def adult_large():
    return load_adult(1, n=8000)


def mixed_frame(n=600, seed=0):
    """Numeric with NaN, bool, pandas categorical, the pandas `str` dtype and a nullable integer."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    return pd.DataFrame({
        "x": np.where(rng.random(n) < 0.1, np.nan, x),
        "flag": rng.random(n) < 0.3,
        "kind": pd.Categorical(rng.choice(["a", "b", "c"], size=n)),
        "name": pd.array(np.where(rng.random(n) < 0.2, None, rng.choice(["p", "q"], size=n)), dtype="str"),
        "count": pd.array(np.where(rng.random(n) < 0.1, None, rng.integers(0, 5, n)), dtype="Int64"),
        "y": x * 2 + rng.normal(scale=0.1, size=n),
    })


@pytest.mark.parametrize("name", FACTORIES)
def test_sample_keeps_columns_dtypes_and_nan(name, adult):
    synthetic = FACTORIES[name]().fit(adult.real).sample(3000, seed=1)
    assert list(synthetic.columns) == list(adult.real.columns)
    assert list(synthetic.dtypes) == list(adult.real.dtypes)
    assert isinstance(synthetic.index, pd.RangeIndex) and len(synthetic) == 3000
    for column in ["workclass", "occupation", "native_country"]:
        assert synthetic[column].isna().any(), column
    for column in adult.real.columns:
        assert set(synthetic[column].dropna()) <= set(adult.real[column].dropna()), column


@pytest.mark.parametrize("name", FACTORIES)
def test_sample_is_deterministic_and_leaves_input_alone(name, adult):
    before = adult.real.copy(deep=True)
    generator = FACTORIES[name]().fit(adult.real)
    first, second = generator.sample(500, seed=7), generator.sample(500, seed=7)
    pd.testing.assert_frame_equal(first, second)
    pd.testing.assert_frame_equal(first, FACTORIES[name]().fit(adult.real).sample(500, seed=7))
    assert not first.equals(generator.sample(500, seed=8))
    pd.testing.assert_frame_equal(adult.real, before)


@pytest.mark.parametrize("factory", [CartSynthesizer, GaussianCopulaSynthesizer, IndependentSynthesizer])
def test_unusual_dtypes_survive(factory):
    real = mixed_frame()
    synthetic = factory().fit(real).sample(800, seed=3)
    assert list(synthetic.dtypes) == list(real.dtypes)
    assert synthetic["x"].isna().any() and synthetic["name"].isna().any() and synthetic["count"].isna().any()
    assert synthetic["x"].isna().mean() == pytest.approx(0.1, abs=0.05)


@pytest.mark.parametrize("name", FACTORIES)
def test_zero_rows_and_errors(name, adult):
    generator = FACTORIES[name]()
    with pytest.raises(ValueError, match="not fitted"):
        generator.sample(10, seed=0)
    generator.fit(adult.real)
    empty = generator.sample(0, seed=0)
    assert len(empty) == 0 and list(empty.dtypes) == list(adult.real.dtypes)
    with pytest.raises(ValueError, match="non-negative integer"):
        generator.sample(-1, seed=0)
    with pytest.raises(ValueError, match="seed"):
        generator.sample(5, seed=None)
    with pytest.raises(ValueError):
        FACTORIES[name]().fit(adult.real.iloc[:0])


def test_fitted_copy_is_private(adult):
    real = adult.real.copy()
    generator = IndependentSynthesizer().fit(real)
    expected = generator.sample(200, seed=0)
    real["age"] = -1
    pd.testing.assert_frame_equal(generator.sample(200, seed=0), expected)


def test_cart_visits_target_last_and_checks_names(adult):
    generator = CartSynthesizer(target="income").fit(adult.real)
    assert generator.visit_order_[-1] == "income"
    with pytest.raises(ValueError, match="not in real"):
        CartSynthesizer(target="salary").fit(adult.real)
    with pytest.raises(ValueError, match="target"):
        CartSynthesizer(sensitive=["sex"])


def positive_rate(frame, column):
    return frame.groupby(column)["income"].apply(lambda s: s.eq(">50K").mean())


@pytest.mark.parametrize("sensitive", [None, ["sex", "race"]])
def test_cart_keeps_outcome_rate_per_sex(adult_large, sensitive):
    """Real Adult: P(>50K | Female) = 0.109, P(>50K | Male) = 0.304."""
    synthetic = CartSynthesizer(target="income", sensitive=sensitive).fit(adult_large.real).sample(20_000, seed=2)
    gaps = (positive_rate(synthetic, "sex") - positive_rate(adult_large.real, "sex")).abs()
    assert gaps.max() < 0.025


def test_cart_with_strata_keeps_outcome_rate_of_large_race_groups(adult_large):
    synthetic = CartSynthesizer(target="income", sensitive=["sex", "race"]).fit(adult_large.real).sample(
        20_000, seed=2)
    gaps = (positive_rate(synthetic, "race") - positive_rate(adult_large.real, "race")).abs()
    assert gaps[["White", "Black", "Asian-Pac-Islander"]].max() < 0.03


def test_cart_keeps_joint_structure_that_independent_loses(adult):
    """education determines education_num one-to-one in Adult."""
    mapping = adult.real.groupby("education")["education_num"].first()
    consistent = {}
    for name in ["cart", "independent"]:
        synthetic = FACTORIES[name]().fit(adult.real).sample(3000, seed=4)
        consistent[name] = synthetic["education"].map(mapping).eq(synthetic["education_num"]).mean()
    assert consistent["cart"] > 0.97
    assert consistent["independent"] < 0.3


def test_cart_rarely_reproduces_training_rows(adult):
    synthetic = FACTORIES["cart"]().fit(adult.real).sample(len(adult.holdout), seed=5)
    real_rows = set(pd.util.hash_pandas_object(adult.real, index=False))
    copied = pd.util.hash_pandas_object(synthetic, index=False).isin(real_rows).mean()
    assert copied < 0.01


def test_copula_keeps_correlation_independent_drops_it():
    real = mixed_frame(2000)
    for factory, low, high in [(GaussianCopulaSynthesizer, 0.9, 1.0), (IndependentSynthesizer, -0.1, 0.1)]:
        synthetic = factory().fit(real).sample(2000, seed=0)
        assert low < synthetic["x"].corr(synthetic["y"]) < high


def test_marginals_match(adult):
    for name in ["cart", "copula", "independent"]:
        synthetic = FACTORIES[name]().fit(adult.real).sample(20_000, seed=6)
        for column in ["sex", "race", "income", "workclass"]:
            real_share = adult.real[column].value_counts(normalize=True, dropna=False)
            synthetic_share = synthetic[column].value_counts(normalize=True, dropna=False)
            tvd = real_share.sub(synthetic_share, fill_value=0).abs().sum() / 2
            assert tvd < 0.03, (name, column)


@pytest.mark.parametrize("module", [synthgate.generators.cart, synthgate.generators.copula,
                                    synthgate.generators.independent])
def test_docstring_examples(module):
    assert doctest.testmod(module, optionflags=doctest.ELLIPSIS).failed == 0
