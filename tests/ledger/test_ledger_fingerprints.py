"""Row fingerprints: what normalisation makes equal, what it keeps apart, and that it never drifts."""

from __future__ import annotations

import doctest
from datetime import datetime, timezone

import numpy as np
import pandas as pd
import pytest

from ledger_tables import mixed_table
from synthgate.data import fingerprints
from synthgate.ledger import content_hash, row_fingerprints


def same(a: pd.DataFrame, b: pd.DataFrame) -> np.ndarray:
    return row_fingerprints(a) == row_fingerprints(b)


def test_column_order_whitespace_and_int_float_do_not_matter():
    a = pd.DataFrame({"x": [1, 2, 3], "s": ["a", " b", "c "]})
    b = pd.DataFrame({"s": ["a ", "b", " c"], "x": [1.0, 2.0, 3.0]})
    assert same(a, b).all()


def test_numbers_are_rounded_to_ten_significant_digits():
    a = pd.DataFrame({"x": [0.1 + 0.2, 123456.78901, 1e-300, -2.5e300, 0.0]})
    b = pd.DataFrame({"x": [0.3, 123456.789014, 1.0000000000001e-300, -2.50000000001e300, -0.0]})
    c = pd.DataFrame({"x": [0.3000001, 123456.7891, 1.0001e-300, -2.5001e300, 1e-12]})
    assert same(a, b).all()
    assert not same(a, c).any()


def test_every_missing_value_is_one_token():
    a = pd.DataFrame({"x": [np.nan, 1.0], "s": pd.Series([None, "a"], dtype=object)})
    b = pd.DataFrame({"x": pd.array([None, 1], dtype="Int64"), "s": pd.Series([np.nan, "a"], dtype="string")})
    c = pd.DataFrame({"x": [0.0, 1.0], "s": ["", "a"]})
    assert same(a, b).all()
    assert not same(a, c)[0]


def test_numbers_inside_object_columns_hash_like_numeric_columns():
    a = pd.DataFrame({"x": pd.Series([1, 2.5, None, True], dtype=object)})
    b = pd.DataFrame({"x": [1.0, 2.5, np.nan, 1.0]})
    assert same(a, b).all()


def test_a_string_is_not_the_number_it_spells():
    assert not same(pd.DataFrame({"x": ["3"]}), pd.DataFrame({"x": [3]})).any()


def test_column_names_are_part_of_the_row():
    assert not same(pd.DataFrame({"a": [1], "b": [2]}), pd.DataFrame({"a": [2], "b": [1]})).any()
    assert not same(pd.DataFrame({"a": [1]}), pd.DataFrame({"b": [1]})).any()


def test_timestamps_compare_in_utc():
    aware = pd.DataFrame({"t": [pd.Timestamp("2024-01-01 12:00", tz="Europe/Oslo")]})
    utc = pd.DataFrame({"t": [datetime(2024, 1, 1, 11, 0, tzinfo=timezone.utc)]})
    assert same(aware, utc).all()


def test_categorical_dtype_hashes_like_its_values():
    a = pd.DataFrame({"c": pd.Categorical(["x", "y", None])})
    b = pd.DataFrame({"c": ["x", "y", None]})
    assert same(a, b).all()


def test_fingerprints_are_fixed_forever():
    """Golden values: a change here breaks every existing ledger, so it needs a new hash version."""
    frame = pd.DataFrame({"age": [31, 45], "city": ["Oslo", None], "income": [5.25, np.nan]})
    assert row_fingerprints(frame).tolist() == GOLDEN


GOLDEN = [-5928151828213267756, 2526714350282407909]


def test_content_hash_follows_rows_and_their_order():
    frame = mixed_table(200, 1)
    assert content_hash(frame) == content_hash(frame[list(reversed(frame.columns))].copy())
    assert content_hash(frame) != content_hash(frame.iloc[::-1])
    assert content_hash(frame) != content_hash(frame.iloc[:-1])


def test_distinct_rows_get_distinct_fingerprints():
    frame = mixed_table(20_000, 2)
    distinct = len(frame.astype(str).drop_duplicates())
    assert len(np.unique(row_fingerprints(frame))) == distinct


def test_docstring_examples():
    assert doctest.testmod(fingerprints).failed == 0


@pytest.mark.parametrize("value", [1e308, -1e-308, 5e-324, np.inf, -np.inf])
def test_extreme_numbers_hash_without_warnings(value):
    with np.errstate(all="raise"):
        assert len(row_fingerprints(pd.DataFrame({"x": [value, 1.0]}))) == 2
