"""Every bad input gets a message that names the table, the column and the fix — never a traceback."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from synthgate.errors import InputError, InputErrors
from synthgate.run import build_context, check


def frame(n: int = 300, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame({"age": rng.integers(18, 90, n), "income": rng.normal(50, 10, n),
                         "city": rng.choice(["a", "b", "c"], n), "flag": rng.choice([True, False], n)})


def ctx(real=None, holdout=None, synthetic=None, **kwargs):
    return build_context(frame(seed=1) if real is None else real, frame(seed=2) if holdout is None else holdout,
                         frame(seed=3) if synthetic is None else synthetic, **kwargs)


def test_empty_table():
    with pytest.raises(InputError, match=r"holdout: 0 rows\. A holdout table needs at least 200 rows"):
        ctx(holdout=frame().iloc[:0])


def test_table_without_columns():
    with pytest.raises(InputError, match="synthetic: has no columns"):
        ctx(synthetic=pd.DataFrame())


def test_table_under_minimum_size_names_the_policy_key():
    with pytest.raises(InputError, match="min_rows"):
        ctx(synthetic=frame(150))


def test_column_sets_differ():
    synthetic = frame().rename(columns={"city": "zip"})
    with pytest.raises(InputError, match=r"synthetic: columns \['zip'\] are not in real, and \['city'\] missing"):
        ctx(synthetic=synthetic)


def test_type_mismatch():
    synthetic = frame().assign(income=lambda f: f.income.astype(str) + "k")
    with pytest.raises(InputError, match=r"synthetic\.income: values are .* real\.income is numerical"):
        ctx(synthetic=synthetic)


def test_nan_in_synthetic_where_real_has_none():
    synthetic = frame().astype({"income": float})
    synthetic.loc[:11, "income"] = np.nan
    with pytest.raises(InputError, match=r"synthetic\.income: 12 NaN values, real\.income has none\. Fill them"):
        ctx(synthetic=synthetic)


def test_nan_is_a_value_of_its_own_when_real_has_it():
    real = frame(seed=1)
    real.loc[:20, "city"] = None
    synthetic = frame(seed=3)
    synthetic.loc[:20, "city"] = None
    context = ctx(real=real, synthetic=synthetic)
    assert None in context.schema["city"].categories
    codes = context.encoding.codes(context.tables.synthetic, "city")
    assert (codes[:21] == context.schema["city"].categories.index(None)).all()


def test_nullable_in_metadata_allows_nan():
    synthetic = frame().astype({"income": float})
    synthetic.loc[:5, "income"] = np.nan
    assert ctx(synthetic=synthetic, metadata={"nullable": ["income"]}).schema["income"].nullable


def test_constant_column_is_excluded_with_a_note():
    real = frame(seed=1).assign(country="x")
    context = ctx(real=real, holdout=frame(seed=2).assign(country="x"), synthetic=frame(seed=3).assign(country="x"))
    assert not context.schema["country"].usable
    assert any("country: excluded: constant" in note for note in context.schema.notes)


def test_unseen_synthetic_category():
    synthetic = frame().assign(city=lambda f: f.city.where(f.index > 30, "atlantis"))
    with pytest.raises(InputError, match=r"synthetic\.city: 10.3% of rows hold 1 categories that never occur in "
                                         r"real: \['atlantis'\] \(allowed 1.0%, policy: max_unseen_share\)"):
        ctx(synthetic=synthetic)


def test_a_few_unseen_categories_are_natural_and_encoded_as_unseen():
    synthetic = frame().assign(city=lambda f: f.city.where(f.index > 1, "atlantis"))
    context = ctx(synthetic=synthetic)
    assert (context.encoding.codes(context.tables.synthetic, "city")[:2] == -1).all()


def test_huge_cardinality():
    rng = np.random.default_rng(0)
    tables = [frame(seed=s).assign(code=rng.integers(0, 150, 300).astype(str)) for s in (1, 2, 3)]
    with pytest.raises(InputError, match=r"real\.code: .* distinct categories \(limit 100, policy: max_categories\)"):
        ctx(*tables, policy={"max_categories": 100})


def test_identifier_column_is_excluded_with_a_note():
    tables = [frame(seed=s).assign(name=[f"person-{s}-{i}" for i in range(300)]) for s in (1, 2, 3)]
    context = ctx(*tables)
    assert context.schema["name"].kind.value == "identifier"
    assert any("name: excluded from distance metrics" in note for note in context.schema.notes)


def test_metadata_names_unknown_column():
    with pytest.raises(InputError, match=r"metadata 'sensitive' names \['gender'\]"):
        ctx(metadata={"sensitive": ["gender"]})


def test_metadata_with_unknown_key():
    with pytest.raises(InputError, match="metadata does not validate"):
        ctx(metadata={"sensitiv": ["city"]})


def test_missing_file(tmp_path):
    with pytest.raises(InputError, match="does not exist"):
        check(tmp_path / "nope.csv", frame(), frame())


def test_several_problems_are_reported_together():
    synthetic = frame().rename(columns={"city": "zip"})
    with pytest.raises(InputErrors) as caught:
        ctx(holdout=frame().rename(columns={"age": "years"}), synthetic=synthetic)
    assert len(caught.value.errors) == 2 and "2 problems" in str(caught.value)


def test_inputs_are_never_modified(tmp_path):
    real, holdout, synthetic = frame(seed=1), frame(seed=2), frame(seed=3)
    path = tmp_path / "synthetic.csv"
    synthetic.to_csv(path, index=False)
    before_file, before = path.read_bytes(), [t.copy() for t in (real, holdout)]
    check(real, holdout, path, policy={"resamples": 10})
    assert path.read_bytes() == before_file
    pd.testing.assert_frame_equal(real, before[0])
    pd.testing.assert_frame_equal(holdout, before[1])


def test_polars_and_parquet_inputs(tmp_path):
    pl = pytest.importorskip("polars")
    real = frame(seed=1)
    real.to_parquet(tmp_path / "real.parquet")
    context = ctx(real=tmp_path / "real.parquet", holdout=pl.from_pandas(frame(seed=2)))
    assert len(context.tables.real) == 300 and len(context.tables.holdout) == 300
