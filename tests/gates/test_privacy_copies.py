"""Copies the privacy gate used to miss (issue 13): reused identifiers, copies of unique records, near copies.

Every planted leak sits beside its honest control in the same test: an independent real sample, disjoint from
real and holdout (never the holdout itself). The numbers of the issue's reproductions are asserted.
"""

from __future__ import annotations

import functools
import json

import numpy as np
import pandas as pd
import pytest

from synthgate import defects
from synthgate.datasets import load_adult_frame
from synthgate.gates.privacy import PrivacyGate, copies, identifiers, near
from synthgate.result import CheckResult
from synthgate.run import build_context
from synthgate.verdict import Verdict

META = {"target": "income", "sensitive": ["sex", "race"], "positive": ">50K"}
POLICY = {"resamples": 50}


@functools.lru_cache(maxsize=4)
def frame(kind: str = "adult") -> pd.DataFrame:
    adult = load_adult_frame()
    if kind == "adult":
        return adult
    if kind == "email":
        return adult.assign(email=[f"person{i:05d}@example.org" for i in range(len(adult))])
    # Census-like: no near-unique columns and hours in tens, so natural duplicates are common (6.5-8 % of
    # holdout rows equal a training row at 4,000 / 2,000 rows), as in census-income.
    coarse = adult.drop(columns=["fnlwgt", "capital_gain", "capital_loss"])
    return coarse.assign(hours_per_week=coarse["hours_per_week"] // 10 * 10)


def tables(n_real: int, n_holdout: int, n_synthetic: int, seed: int = 0, kind: str = "adult"):
    """Disjoint real, holdout and independent real "synthetic" samples."""
    data = frame(kind)
    order = np.random.default_rng(seed).permutation(len(data))
    cuts = np.cumsum([0, n_real, n_holdout, n_synthetic])
    return [data.iloc[order[a:b]].reset_index(drop=True) for a, b in zip(cuts[:-1], cuts[1:])]


def context(real, holdout, synthetic, seed=0):
    return build_context(real, holdout, synthetic, metadata=META, policy=POLICY, seed=seed)


def rule(ctx, mid):
    return PrivacyGate().rule(ctx, mid)


# --- 1. direct identifiers --------------------------------------------------------------------------------


def test_real_training_emails_in_the_synthetic_table_fail_naming_the_column():
    """Issue 13.1: every synthetic row carrying a real training e-mail used to PASS (identifiers are left out
    of every distance); it now fails on privacy.identifier_reuse_rate, which names the column, not a value."""
    real, holdout, synthetic = tables(2000, 1000, 1000, kind="email")
    honest = PrivacyGate().run(context(real, holdout, synthetic))
    assert honest.measurement("privacy.identifier_reuse_rate").verdict is Verdict.PASS
    leaky = synthetic.assign(email=real["email"].to_numpy()[:len(synthetic)])
    result = PrivacyGate().run(context(real, holdout, leaky))
    reuse = result.measurement("privacy.identifier_reuse_rate")
    assert reuse.verdict is Verdict.FAIL and result.verdict is Verdict.FAIL
    assert reuse.value == 1.0 and reuse.reference.high < 0.01
    assert "'email'" in reuse.reason and reuse.details["worst"] == "email"
    text = json.dumps(result.to_dict())
    assert "@example.org" not in text and "person0" not in text


def test_one_percent_reused_emails_fail_and_the_reference_is_at_the_synthetic_size():
    real, holdout, synthetic = tables(2000, 1000, 3000, kind="email")
    leaky = synthetic.copy()
    leaky.loc[:29, "email"] = real["email"].to_numpy()[:30]
    ctx = context(real, holdout, leaky)
    reuse = identifiers.identifier_reuse_rate(ctx, rule(ctx, "privacy.identifier_reuse_rate"))
    assert reuse.value == pytest.approx(0.01) and reuse.verdict is Verdict.FAIL
    assert reuse.reference.n == 3000  # the band is drawn at the 3,000 rows the value uses


def test_declared_quasi_identifiers_unique_to_one_person_fail_when_reused():
    real, holdout, synthetic = tables(4000, 2000, 2000)
    combo = ["age", "sex", "fnlwgt"]  # like birth date, sex and postcode: together they single a person out
    policy = {**POLICY, "gates": {"privacy": {"quasi_identifiers": [combo]}}}
    leaky = synthetic.copy()
    leaky.loc[:59, combo] = real[combo].to_numpy()[:60]  # 3 % of rows take a training person's combination
    results = {}
    for name, table in (("honest", synthetic), ("leaky", leaky)):
        ctx = build_context(real, holdout, table, metadata=META, policy=policy)
        results[name] = identifiers.quasi_identifier_reuse_rate(
            ctx, rule(ctx, "privacy.quasi_identifier_reuse_rate"), [combo])
    assert results["honest"].verdict is Verdict.PASS, results["honest"].reason
    assert results["leaky"].verdict is Verdict.FAIL
    assert results["leaky"].value - results["honest"].value > 0.015


# --- 2. copies of unique records, at the same size ------------------------------------------------------


def test_three_percent_copies_fail_where_natural_duplicates_are_common():
    """Issue 13.2: on census-like data (6.5-8 % of holdout rows equal a training row) 3 % verbatim training rows
    gave exact_copy_rate inside its wide band (inconclusive, exit 0); the copies of unique records fail."""
    real, holdout, synthetic = tables(4000, 2000, 2000, kind="census-like")
    honest = context(real, holdout, synthetic)
    assert 0.05 < copies.exact_flags(honest, "holdout").mean() < 0.1
    assert copies.unique_copy_rate(honest, rule(honest, "privacy.unique_copy_rate")).verdict is Verdict.PASS
    ctx = context(real, holdout, defects.copy_rows(synthetic, real, fraction=0.03, seed=0))
    result = PrivacyGate().run(ctx)
    unique = result.measurement("privacy.unique_copy_rate")
    assert unique.verdict is Verdict.FAIL
    assert unique.value - unique.reference.value > 0.015  # most of the planted 3 % are unique records
    assert CheckResult.of(result).exit_code() == 1


def test_111_copies_in_20000_rows_fail():
    """Issue 13.2: 111 verbatim copies in 20,000 synthetic rows only warned (band built at 2,000 rows, value at
    20,000); value and band now share the synthetic's size and the copies of unique records fail."""
    real, holdout, synthetic = tables(4000, 2000, 20_000)
    honest = context(real, holdout, synthetic)
    leaky = context(real, holdout, defects.copy_rows(synthetic, real, fraction=111 / 20_000, seed=0))
    for ctx, verdict in ((honest, Verdict.PASS), (leaky, Verdict.FAIL)):
        unique = copies.unique_copy_rate(ctx, rule(ctx, "privacy.unique_copy_rate"))
        assert unique.verdict is verdict, unique.reason
        assert unique.reference.n == 20_000
    assert copies.unique_copy_rate(leaky, rule(leaky, "privacy.unique_copy_rate")).details[
        "copies_of_unique_records"] >= 105


def test_exact_matches_land_on_train_and_holdout_in_proportion_to_their_sizes():
    """An independent sample's exact matches are credited to train in the proportion 4,000 / 6,000; planted
    copies push the credited share up by (1 - 2/3) per copy of a unique record."""
    real, holdout, synthetic = tables(4000, 2000, 2000, kind="census-like")
    honest = context(real, holdout, synthetic)
    found = copies.exact_match_train_rate(honest, rule(honest, "privacy.exact_match_train_rate"))
    matched = found.details["synthetic_rows_matching_a_real_record"] / 2000
    assert found.reference.value == pytest.approx(matched * 2 / 3, rel=1e-9)
    assert found.details["train_share_of_matches"] == pytest.approx(2 / 3, abs=0.05)
    assert found.verdict is Verdict.PASS
    leaky = context(real, holdout, defects.copy_rows(synthetic, real, fraction=0.05, seed=1))
    moved = copies.exact_match_train_rate(leaky, rule(leaky, "privacy.exact_match_train_rate"))
    assert moved.value - moved.reference.value > 0.01 and moved.verdict is Verdict.FAIL


def test_exact_match_null_matches_brute_force_relabelling():
    """The closed-form mean and sd of the shuffled-labels null equal those of explicit re-splits."""
    real, holdout, synthetic = tables(2000, 1000, 1000, kind="census-like")
    ctx = context(real, holdout, synthetic)
    found = copies.exact_match_train_rate(ctx, rule(ctx, "privacy.exact_match_train_rate"))
    profiles, p = copies.profiles(ctx), copies.profile_of(ctx, "synthetic")
    matched = p[p >= 0]
    total = profiles.in_train + profiles.in_holdout
    rng = np.random.default_rng(0)
    draws = []
    for _ in range(2000):
        outside = rng.permutation(3000)[2000:]
        in_train = total - np.bincount(profiles.pool[outside], minlength=len(total))
        draws.append(np.sum(in_train[matched] / total[matched]) / 1000)
    sd = (found.reference.high - found.reference.value) / 1.959964
    assert found.reference.value == pytest.approx(np.mean(draws), abs=3 * np.std(draws) / np.sqrt(2000))
    assert sd == pytest.approx(np.std(draws), rel=0.08)


# --- 3. near copies -----------------------------------------------------------------------------------


def test_two_percent_near_copies_fail_the_gate():
    """Issue 13.3: 2 % of rows that are real records with numbers moved by 3 % of a standard deviation and
    categories copied used to pass the whole gate; they fail privacy.near_copy_rate."""
    real, holdout, synthetic = tables(4000, 2000, 2000)
    honest = PrivacyGate().run(context(real, holdout, synthetic))
    assert honest.measurement("privacy.near_copy_rate").verdict is Verdict.PASS
    leaky = PrivacyGate().run(context(real, holdout, defects.near_copies(synthetic, real, fraction=0.02,
                                                                          noise=0.03, seed=0)))
    found = leaky.measurement("privacy.near_copy_rate")
    assert found.verdict is Verdict.FAIL and leaky.verdict is Verdict.FAIL
    assert found.details["numbers_moved"] - honest.measurement("privacy.near_copy_rate").details[
        "numbers_moved"] >= 30  # most of the 40 planted rows are far closer to their record than its neighbours
    assert "distance_ratio" in found.details and "radius" not in found.details


def test_one_category_changed_with_numbers_exact_is_a_near_copy():
    real, holdout, synthetic = tables(4000, 2000, 2000)
    leaky = synthetic.copy()
    donors = real.iloc[:40].copy()
    donors["workclass"] = np.where(donors["workclass"] == "Private", "Self-emp-not-inc", "Private")
    leaky.iloc[:40] = donors.to_numpy()
    ctx = context(real, holdout, leaky.astype(synthetic.dtypes.to_dict()))
    radius, _ = near.near_radius(ctx, 0.01, None)
    found = near.near_category_rate(ctx, rule(ctx, "privacy.near_category_rate"), radius, near.near_ratio(ctx, 0.01))
    assert found.details["one_category_changed"] >= 38 and found.verdict is Verdict.FAIL
    assert PrivacyGate().run(ctx).measurement("privacy.near_category_rate").verdict is Verdict.FAIL


def test_the_near_radius_is_an_order_statistic_of_the_training_rows_own_distances():
    """The radius is the k-th smallest distance of a training row to its closest other training row (k = 1 % of
    the rows without an exact twin): fixed before the holdout is counted, so the holdout's share inside it is
    an honest binomial estimate of a fresh row's (about 1 %)."""
    real, holdout, synthetic = tables(4000, 2000, 2000)
    ctx = context(real, holdout, synthetic)
    radius, source = near.near_radius(ctx, 0.01, None)
    distances = ctx.neighbors("real", "real", 1).distances[:, 0]
    twins = copies.profiles(ctx).in_train[copies.profile_of(ctx, "real")] > 1
    fresh = np.sort(distances[~twins])
    assert radius == fresh[round(0.01 * len(fresh)) - 1] and "training rows" in source
    assert near.near_radius(ctx, 0.01, 0.002) == (0.002, "policy near_copy_radius")
    moved, _ = near.near_flags(ctx, "holdout", radius)
    assert 0.004 < moved.mean() < 0.02


def test_the_distance_ratio_threshold_is_a_leave_one_out_quantile_of_the_training_rows():
    """Training row i as a fresh row: d(i, j) / d(j, j's nearest training row other than i), j = i's nearest;
    the holdout's share at or below the 1 % quantile is an honest estimate of a fresh row's (about 1 %)."""
    real, holdout, synthetic = tables(4000, 2000, 2000)
    ctx = context(real, holdout, synthetic)
    ratio = near.near_ratio(ctx, 0.01)
    found = ctx.neighbors("real", "real", 2)
    i = 0
    j = found.indices[i, 0]
    isolation_j = found.distances[j, 1] if found.indices[j, 0] == i else found.distances[j, 0]
    assert 0 < ratio < 1 and np.isfinite(found.distances[i, 0] / isolation_j)
    radius, _ = near.near_radius(ctx, 0.01, None)
    moved, _ = near.near_flags(ctx, "holdout", radius, ratio)
    assert 0.0005 < moved.mean() < 0.015
    ratios = near.distance_ratios(ctx, "holdout")
    assert moved.sum() <= (ratios <= ratio * (1 + 1e-4)).sum()
