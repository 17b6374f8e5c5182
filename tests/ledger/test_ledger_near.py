"""Near signatures: perturbed copies are found wherever they sit on the grid; far rows are not."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ledger_tables import mixed_table, perturb
from synthgate.ledger.chance import self_probes
from synthgate.ledger.near import (KEY_COLUMNS, Band, NearSpec, band_keys, fit_near_spec, near_queries, row_tokens,
                                   verify)


def grid(categorical=(), numeric=(), scales=None, keyed=None, width=0.5) -> NearSpec:
    """A hand-made spec: one band over every categorical and the ``keyed`` numerics."""
    keyed = tuple(numeric) if keyed is None else keyed
    return NearSpec(tuple(categorical), tuple(numeric), tuple(scales or [1.0] * len(numeric)), (0.0,) * len(numeric),
                    (Band(tuple(categorical), keyed, width),))


def near_pairs(registered: pd.DataFrame, asked: pd.DataFrame, spec: NearSpec, band: int = 0) -> set[tuple[int, int]]:
    """In-memory version of the ledger's near lookup: (asked position, registered row) pairs."""
    keys, stored = band_keys(registered, spec)[:, band], row_tokens(registered, spec)
    queries = near_queries(asked, spec, band)
    table = pd.DataFrame({"key": keys, "row": np.arange(len(keys))})
    pairs = pd.DataFrame({"key": queries.key, "entry": np.arange(len(queries.key))}).merge(table, on="key")
    ok, _ = verify(queries, pairs["entry"].to_numpy(), stored.take(pairs["row"].to_numpy()), spec)
    return set(zip(queries.position[pairs["entry"].to_numpy()[ok]].tolist(), pairs["row"].to_numpy()[ok].tolist()))


def test_spec_round_trips_through_json():
    spec = fit_near_spec(mixed_table(500, 1))
    assert NearSpec.from_dict(spec.to_dict()) == spec
    assert spec.numeric == ("age", "hours", "income", "ratio", "score")
    assert spec.categorical == ("city", "member", "schooling")
    full, *halves = spec.bands
    assert full.columns == tuple(sorted(spec.categorical + spec.keyed)) and len(halves) == 2
    assert sorted(halves[0].categorical + halves[1].categorical) == list(spec.categorical)


def test_shifts_up_to_the_tolerance_are_found_even_across_cell_boundaries():
    spec = grid(("c",), ("x", "y"), scales=(1.0, 2.0))
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
    """Accepted up to tolerance * (1 + 1 / FINE_STEPS) = 0.1 at most; never beyond."""
    spec = grid(("c",), ("x",))
    registered = pd.DataFrame({"c": ["a", "a", "a"], "x": [0.0, 10.0, 3.013]})
    asked = pd.DataFrame({"c": ["a", "b", "a", "a"], "x": [0.101, 0.0, 10.1001, 3.013 - 0.1002]})
    assert near_pairs(registered, asked, spec) == set()


def test_missing_values_are_near_only_to_missing_values():
    for keyed in (("x", "y"), ("y",)):
        spec = grid((), ("x", "y"), keyed=keyed)
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


def test_a_frame_lacking_a_column_is_found_through_the_other_half_band():
    registered = mixed_table(3_000, 1)
    spec = fit_near_spec(registered)
    for dropped in spec.columns:
        band = next(b for b, band in enumerate(spec.bands) if b and dropped not in band.columns)
        asked = perturb(registered.iloc[:200], 2).drop(columns=dropped)
        assert {p for p, r in near_pairs(registered, asked, spec, band) if p == r} == set(range(200))


def test_chance_rate_tells_informative_tables_from_ambiguous_ones():
    wide = mixed_table(5_000, 1)
    narrow = wide[["income", "city"]]
    for frame, low, high in ((wide, 0.0, 0.01), (narrow, 0.5, 1.0)):
        spec = fit_near_spec(frame)
        probes = self_probes(frame, spec, band_keys(frame, spec)[:, 0], row_tokens(frame, spec))
        assert low <= probes.chance <= high
