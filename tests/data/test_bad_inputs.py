"""Every bad input gets a message that names the table, the column and the fix — never a traceback."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from synthgate.data.roles import measure_overlap, row_hashes
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


def test_unseen_share_allows_the_binomial_noise_of_a_small_sample():
    """Calibration on German credit (split seed 3): 2 % of 500 independent real rows held a category neither real
    nor the holdout had, above the 1.3 % allowance; 10 rows where 6.5 are allowed is sampling noise."""
    synthetic = frame().assign(city=lambda f: f.city.where(f.index > 5, "atlantis"))   # 6 of 300 rows: 2 %
    context = ctx(synthetic=synthetic)
    assert len(context.tables.synthetic) == len(synthetic)


def test_a_category_the_holdout_has_is_real_even_when_the_training_sample_lacks_it():
    """Calibration on German credit: an independent real sample was refused because 2 % of its rows held a
    purpose ('A48') that the 300-row real table happened to lack; the holdout had it."""
    holdout = frame(seed=2).assign(city=lambda f: f.city.where(f.index > 5, "atlantis"))
    synthetic = frame().assign(city=lambda f: f.city.where(f.index > 30, "atlantis"))
    context = ctx(holdout=holdout, synthetic=synthetic)
    assert len(context.tables.synthetic) == len(synthetic)


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


# --- metadata that names a value must match the data ----------------------------------------------------


def adult_tables():
    from synthgate.datasets import load_adult

    split = load_adult(0, n=2000)
    return split.real, split.holdout, dict(split.metadata)


def test_positive_label_not_among_the_target_values():
    """'>50k' for '>50K' used to skip every outcome measurement: a table with every woman's positive outcome
    removed went from FAIL to PASS on the bias gate."""
    real, holdout, metadata = adult_tables()
    synthetic = holdout.copy()
    synthetic.loc[(synthetic.sex == "Female") & (synthetic.income == ">50K"), "income"] = "<=50K"
    with pytest.raises(InputError) as caught:
        build_context(real, holdout, synthetic, metadata={**metadata, "positive": ">50k"})
    assert str(caught.value) == ("metadata positive '>50k' is not a value of income; income has ['<=50K', '>50K']. "
                                 "Fix the label (values are case-sensitive).")


def test_positive_label_matches_by_value_or_text():
    """YAML reads `positive: 1` as a number; a text target '1' must still match (as the bias gate matches)."""
    real = frame(seed=1).assign(label=lambda f: np.where(f.age > 50, "1", "0"))
    holdout, synthetic = (frame(seed=s).assign(label=lambda f: np.where(f.age > 50, "1", "0")) for s in (2, 3))
    assert ctx(real, holdout, synthetic, metadata={"target": "label", "positive": 1}).schema.positive == 1
    with pytest.raises(InputError, match=r"positive 2 is not a value of label; label has \['0', '1'\]"):
        ctx(real, holdout, synthetic, metadata={"target": "label", "positive": 2})


def test_positive_label_without_a_target():
    with pytest.raises(InputError, match=r"metadata positive '>50K' is given without a target\. Add 'target"):
        ctx(metadata={"positive": ">50K"})


def test_sensitive_and_target_columns_must_be_in_the_data():
    real, holdout, metadata = adult_tables()
    with pytest.raises(InputError, match=r"metadata 'sensitive' names \['gender'\], which real does not have\. "
                                         r"Use column names of real: \['age', .*'sex'"):
        build_context(real, holdout, holdout, metadata={**metadata, "sensitive": ["sex", "gender"]})
    with pytest.raises(InputError, match=r"metadata 'target' names \['Income'\].*'income'"):
        build_context(real, holdout, holdout, metadata={**metadata, "target": "Income"})


def test_target_listed_as_sensitive_too():
    real, holdout, metadata = adult_tables()
    with pytest.raises(InputError, match=r"metadata target 'income' is also listed in sensitive\. "
                                         r"Remove it from one list"):
        build_context(real, holdout, holdout, metadata={**metadata, "sensitive": ["sex", "income"]})


# --- data roles: the holdout is rows the generator never saw -------------------------------------------


def test_holdout_identical_to_real_is_refused():
    """Privacy passed a 100 % copy when the holdout was the training data itself."""
    real, _, metadata = adult_tables()
    with pytest.raises(InputError) as caught:
        build_context(real, real, real, metadata=metadata)
    assert caught.value.table == "holdout"
    assert "1000 of 1000 rows (100.0%) are exact copies of rows of real" in str(caught.value)
    assert "refused above 5.0%" in str(caught.value) and "Split the holdout off before training" in str(caught.value)


def test_honest_random_split_of_adult_is_not_refused():
    real, holdout, metadata = adult_tables()
    overlap = measure_overlap(real, holdout)
    assert overlap.share < 0.01 and not overlap.refused
    build_context(real, holdout, holdout, metadata=metadata)


def with_natural_duplicates(seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A source where 25 % of rows are copies of 100 common profiles (as census-income has), split at random."""
    from synthgate.datasets import load_adult

    rows = load_adult(seed, n=4000)
    pool = pd.concat([rows.real, rows.holdout], ignore_index=True)
    rng = np.random.default_rng(seed)
    common = pool.sample(100, random_state=seed)
    source = pd.concat([pool.iloc[:3000], common.loc[common.index.repeat(10)]], ignore_index=True)
    order = rng.permutation(len(source))
    return source.iloc[order[:2500]].reset_index(drop=True), source.iloc[order[2500:]].reset_index(drop=True)


def test_random_split_with_25_percent_natural_duplicates_is_not_refused():
    real, holdout = with_natural_duplicates()
    overlap = measure_overlap(real, holdout)
    assert overlap.share == pytest.approx(0.25, abs=0.04)     # honest, yet a quarter of rows overlap
    assert overlap.natural == pytest.approx(0.25, abs=0.04)   # estimated from real's own duplicates
    assert not overlap.refused
    build_context(real, holdout, holdout)
    with pytest.raises(InputError, match=r"holdout: 1500 of 1500 rows \(100.0%\)"):
        build_context(real, real.iloc[:1500], holdout)   # a copied subset still is


def test_partial_leak_beyond_five_percent_is_refused_smaller_ones_left_to_the_gate():
    from synthgate import defects

    real, holdout, _ = adult_tables()
    assert not measure_overlap(real, defects.copy_rows(holdout, real, fraction=0.03, seed=1)).refused
    leak = measure_overlap(real, defects.copy_rows(holdout, real, fraction=0.3, seed=1))
    assert leak.refused and leak.share == pytest.approx(0.3, abs=0.01)


def test_row_hashes_are_nan_safe_and_ignore_int_versus_float():
    real = frame(seed=1).astype({"income": float})
    real.loc[:9, "income"] = np.nan
    real.loc[:4, "city"] = None
    copy = real.astype({"age": float})
    copy.loc[5:9, "city"] = np.nan                      # None in one table, NaN in the other
    real.loc[5:9, "city"] = None
    assert (row_hashes(real, list(real.columns)) == row_hashes(copy, list(real.columns))).all()
    assert measure_overlap(real, copy).share == 1.0


def test_bad_metadata_and_copied_holdout_exit_2_on_the_cli(tmp_path):
    import subprocess
    import sys

    real, holdout, metadata = adult_tables()
    real.to_csv(tmp_path / "real.csv", index=False)
    holdout.to_csv(tmp_path / "holdout.csv", index=False)
    (tmp_path / "meta.yaml").write_text("target: income\npositive: '>50k'\nsensitive: [sex]\n")

    def check_cli(holdout_file: str, *extra: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-c", "from synthgate.cli import main; main()", "check",
                               "--real", str(tmp_path / "real.csv"), "--holdout", str(tmp_path / holdout_file),
                               "--synthetic", str(tmp_path / "holdout.csv"), "--out", str(tmp_path / "out"),
                               *extra], capture_output=True, text=True, timeout=300)

    wrong_label = check_cli("holdout.csv", "--metadata", str(tmp_path / "meta.yaml"))
    assert wrong_label.returncode == 2 and "income has ['<=50K', '>50K']" in wrong_label.stderr
    copied = check_cli("real.csv")
    assert copied.returncode == 2 and "(100.0%) are exact copies of rows of real" in copied.stderr
    assert "Traceback" not in wrong_label.stderr + copied.stderr
