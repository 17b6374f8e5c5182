"""Fidelity in rows: an independent real sample of n rows is worth about n; a noisy one far fewer."""

import numpy as np
import pytest

from tests.conftest import adult_split, independent_sample

from synthgate import defects
from synthgate.gates import fidelity
from synthgate.gates.fidelity import FidelityGate
from synthgate.gates.fidelity_units import equivalent_rows, smaller_sizes
from synthgate.run import build_context

KEY = "equivalent_real_rows"


def run(synthetic, policy=None):
    split = adult_split(4000, 0)
    return FidelityGate().run(build_context(split.real, split.holdout, synthetic, metadata=split.metadata,
                                            policy={"resamples": 30, **(policy or {})}))


def units(result, mid):
    return result.measurement(mid).details[KEY]


def test_curve_inverts_exactly_on_a_noise_curve():
    sizes = [250, 500, 1000, 2000]
    medians = [0.01 + 0.5 / np.sqrt(m) for m in sizes]
    out = equivalent_rows(0.01 + 0.5 / np.sqrt(700), sizes, medians)
    assert out["bound"] == "about" and out["rows"] == pytest.approx(700, abs=1)
    assert out["sizes"] == sizes and len(out["medians"]) == 4
    assert equivalent_rows(medians[-1], sizes, medians) == {**out, "rows": 2000, "bound": "at_least"}
    assert equivalent_rows(medians[0] + 0.01, sizes, medians)["bound"] == "below"


def test_a_non_monotone_curve_is_clipped_before_inverting():
    sizes, medians = [250, 500, 1000, 2000], [0.05, 0.06, 0.03, 0.02]
    out = equivalent_rows(0.055, sizes, medians)
    assert out["bound"] == "about" and 250 <= out["rows"] <= 500


def test_sizes_are_fractions_of_n_and_never_tiny():
    assert smaller_sizes(2000) == [250, 500, 1000]
    assert smaller_sizes(30) == [15]


def test_an_independent_real_sample_is_worth_about_its_size():
    result = run(independent_sample(2000))
    for m in result.measurements:
        out = m.details[KEY]
        assert out["sizes"][-1] == m.n == 2000
        assert out["bound"] == "at_least" or (out["bound"] == "about" and out["rows"] >= m.n / 2), m.id


def test_planted_noise_is_worth_far_fewer_rows():
    shifted = run(defects.shift_column(independent_sample(2000), column="age", sigma=0.3, seed=0))
    assert units(shifted, "fidelity.ks_max")["bound"] == "below"
    shrunk = run(defects.shrink_spread(independent_sample(2000), factor=0.7, seed=0))
    for mid in ("fidelity.ks_max", "fidelity.pair_tvd_max"):
        assert units(shrunk, mid)["rows"] <= 500, mid


def test_verdicts_values_and_references_do_not_change(monkeypatch):
    synthetic = defects.shift_column(independent_sample(2000), column="age", sigma=0.3, seed=0)
    with_units = run(synthetic)
    monkeypatch.setattr(fidelity, "honest_curve", lambda *args, **kwargs: None)
    without = run(synthetic)
    assert all(KEY not in m.details for m in without.measurements)
    assert with_units.measurements == without.measurements  # id, value, reference, threshold, verdict, reason
    assert [m.reference for m in with_units.measurements] == [m.reference for m in without.measurements]


def test_policy_switch_turns_it_off():
    result = run(independent_sample(2000), {"gates": {"fidelity": {"equivalent_rows": False}}})
    assert all(KEY not in m.details for m in result.measurements)
