"""Near signatures: perturbed copies are found wherever they sit on the grid; far rows are not."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ledger_tables import mixed_table, perturb
from synthgate.ledger.near import (KEY_COLUMNS, NearSpec, chance_rate, fit_near_spec, near_queries,
                                   near_signatures, verify)


def near_pairs(registered: pd.DataFrame, asked: pd.DataFrame, spec: NearSpec) -> set[tuple[int, int]]:
    """In-memory version of the ledger's near lookup: (asked position, registered row) pairs."""
    keys, stored = near_signatures(registered, spec)
    queries = near_queries(asked, spec)
    table = pd.DataFrame({"key": keys, "row": np.arange(len(keys))})
    pairs = pd.DataFrame({"key": queries.key, "entry": np.arange(len(queries.key))}).merge(table, on="key")
    ok = verify(queries, pairs["entry"].to_numpy(), stored[pairs["row"].to_numpy()], spec)
    return set(zip(queries.position[pairs["entry"].to_numpy()[ok]].tolist(), pairs["row"].to_numpy()[ok].tolist()))


def test_spec_round_trips_through_json():
    spec = fit_near_spec(mixed_table(500, 1))
    assert NearSpec.from_json(spec.to_json()) == spec
    assert spec.numeric == ("age", "hours", "income", "ratio", "score")
    assert spec.categorical == ("city", "member", "schooling")


def test_shifts_up_to_the_tolerance_are_found_even_across_cell_boundaries():
    spec = NearSpec(categorical=("c",), numeric=("x", "y"), scales=(1.0, 2.0), centres=(0.0, 0.0), keyed=("x", "y"),
                    width=0.5)
    # values on, just below and just above cell boundaries (odd multiples of width * scale / 2)
    x = np.array([0.25, 0.75, 0.2499, 1.2501, 7.25, -0.75, 3.0])
    registered = pd.DataFrame({"c": "a", "x": x, "y": 2 * x})
    rng = np.random.default_rng(4)
    for sign in (-1, 1):
        shift = sign * 0.079 * rng.random((len(x), 2))
        asked = pd.DataFrame({"c": "a", "x": x + shift[:, 0], "y": 2 * x + 2 * shift[:, 1]})
        found = near_pairs(registered, asked, spec)
        assert {(i, i) for i in range(len(x))} <= found


def test_shifts_beyond_the_tolerance_or_other_categories_are_not_near():
    spec = NearSpec(categorical=("c",), numeric=("x",), scales=(1.0,), centres=(0.0,), keyed=("x",), width=0.5)
    registered = pd.DataFrame({"c": ["a", "a"], "x": [0.0, 10.0]})
    asked = pd.DataFrame({"c": ["a", "b", "a"], "x": [0.1, 0.0, 10.09]})
    assert near_pairs(registered, asked, spec) == set()


def test_missing_values_are_near_only_to_missing_values():
    for keyed in (("x", "y"), ("y",)):
        spec = NearSpec(categorical=(), numeric=("x", "y"), scales=(1.0, 1.0), centres=(0.0, 0.0), keyed=keyed,
                        width=0.5)
        registered = pd.DataFrame({"x": [np.nan, 1.0, np.inf, -np.inf], "y": [1.0, 1.0, 1.0, 1.0]})
        asked = pd.DataFrame({"x": [np.nan, np.nan, np.inf, 1.01, -np.inf], "y": [1.01, 1.0, 1.02, 1.0, 1.0]})
        assert near_pairs(registered, asked, spec) == {(0, 0), (1, 0), (2, 2), (3, 1), (4, 3)}


def test_one_percent_noise_is_never_missed_and_fresh_rows_rarely_hit():
    registered = mixed_table(20_000, 1)
    spec = fit_near_spec(registered)
    found = near_pairs(registered, perturb(registered, 2, noise=0.01), spec)
    assert {p for p, r in found if p == r} == set(range(len(registered)))
    fresh = near_pairs(registered, mixed_table(20_000, 3), spec)
    assert len({p for p, _ in fresh}) <= 10  # expected about 1 (9 per 50k against 50k registered rows)


def test_wide_tables_key_five_columns_and_still_check_them_all():
    rng = np.random.default_rng(6)
    wide = pd.DataFrame(rng.normal(size=(5_000, 40)), columns=[f"x{i:02d}" for i in range(40)])
    spec = fit_near_spec(wide)
    assert len(spec.keyed) == KEY_COLUMNS and len(spec.numeric) == 40
    queries = near_queries(wide, spec)
    assert len(queries.key) / len(wide) == pytest.approx(4.0, rel=0.2) and np.bincount(queries.position).max() <= 32
    moved = perturb(wide, 7)
    unkeyed = next(c for c in spec.numeric if c not in spec.keyed)
    moved.loc[:99, unkeyed] += 0.2 * spec.scales[spec.numeric.index(unkeyed)]   # beyond the tolerance
    found = {p for p, r in near_pairs(wide, moved, spec) if p == r}
    assert found == set(range(100, 5_000))


def test_chance_rate_tells_informative_tables_from_ambiguous_ones():
    wide = mixed_table(5_000, 1)
    narrow = wide[["income", "city"]]
    for frame, low, high in ((wide, 0.0, 0.01), (narrow, 0.5, 1.0)):
        spec = fit_near_spec(frame)
        keys, stored = near_signatures(frame, spec)
        assert low <= chance_rate(frame, spec, keys, stored) <= high
