"""Privacy gate building blocks against independent oracles (scikit-learn, brute force, hand examples)."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score, roc_curve

from synthgate.gates.privacy import anonymity, dcr, mia
from synthgate.gates.privacy._mixed import MixedTable, distance_blocks, nearest_set
from synthgate.gates.privacy.attacks import inference_successes, linkability_successes
from synthgate.gates.privacy.singling_out import EQ, GE, LE, MISSING, Queries, singles_out


def test_auc_and_advantage_match_scikit_learn():
    rng = np.random.default_rng(0)
    members = np.round(rng.normal(0.3, 1, 400), 1)  # rounded: many ties
    others = np.round(rng.normal(0.0, 1, 300), 1)
    labels = np.r_[np.ones(400), np.zeros(300)]
    scores = np.r_[members, others]
    assert mia.auc(members, others) == pytest.approx(roc_auc_score(labels, scores))
    fpr, tpr, _ = roc_curve(labels, scores)
    assert mia.advantage(members, others) == pytest.approx(np.max(tpr - fpr))


def test_auc_null_sd_matches_r9():
    """R9: sd of the AUC under H0 at 500/500 is 0.0183 (Mann-Whitney)."""
    rng = np.random.default_rng(1)
    draws = [mia.auc(rng.normal(size=500), rng.normal(size=500)) for _ in range(400)]
    assert np.std(draws) == pytest.approx(np.sqrt(1001 / (12 * 500 * 500)), rel=0.12)


def test_relabel_sd_matches_brute_force_permutations():
    """The closed-form sd of a credit sum over a random half of the pool equals the simulated one."""
    rng = np.random.default_rng(2)
    credits = rng.poisson(1.5, size=200).astype(float)
    n_synthetic = int(credits.sum())
    halves = [credits[rng.permutation(200)[:100]].sum() / n_synthetic for _ in range(4000)]
    assert dcr._relabel_sd(credits, n_synthetic) == pytest.approx(np.std(halves), rel=0.05)


def test_risk_is_anonymeters_residual_success():
    """Risk = (attack - control) / (1 - control) (Giomi et al. 2023, anonymeter stats/confidence.py)."""
    rates = anonymity._rates(150, 100, 500)
    assert rates["risk"] == pytest.approx((0.3 - 0.2) / 0.8)
    assert anonymity._rates(100, 500, 500)["risk"] == -1.0  # control all exposed: the synthetic is the control
    assert anonymity._rates(500, 500, 500)["risk"] == 0.0


def _table(values, numeric):
    names = tuple(f"c{i}" for i in range(len(numeric)))
    return MixedTable(np.asarray(values, dtype=float), np.asarray(numeric, dtype=bool), names)


def test_mixed_distance_by_hand():
    base = _table([[0.0, 0, 1], [10.0, 1, 1], [np.nan, 0, 0]], [True, False, False])
    targets = _table([[5.0, 0, 1]], [True, False, False])
    (_, block), = distance_blocks(targets, base, [0, 1, 2])
    # age range 10 over both tables: |5-0|/10 + 0 + 0, |5-10|/10 + 1 + 0, missing vs value 1 + 0 + 1
    assert block[0] == pytest.approx([0.5, 1.5, 2.0])
    assert nearest_set(block).tolist() == [[True, False, False]]


def test_linkability_counts_expected_success_over_ties():
    # Two synthetic rows identical on the first group: a random pick links half of the time.
    synthetic = _table([[1, 0], [1, 1], [2, 2]], [False, False])
    targets = _table([[1, 1], [2, 2]], [False, False])
    assert linkability_successes(targets, synthetic, [0], [1]) == pytest.approx(0.5 + 1.0)


def test_inference_guesses_the_nearest_rows_secret():
    synthetic = _table([[1, 0], [1, 1], [2, 1]], [False, False])
    targets = _table([[1, 0], [2, 0]], [False, False])
    # target 1: two tied rows, secrets 0 and 1 -> 0.5; target 2: one row, secret 1 != 0 -> 0.
    assert inference_successes(targets, synthetic, [1])[1] == pytest.approx(0.5)


def test_singling_out_counts_unique_matches_on_deduplicated_rows():
    table = _table([[30, 0], [40, 0], [40, 0], [50, 1], [np.nan, 1]], [True, False])
    queries = Queries(np.array([[0, 1], [0, 1], [0, 1], [0, 1]]),
                      np.array([[GE, EQ], [LE, EQ], [GE, EQ], [MISSING, EQ]], dtype=np.int8),
                      np.array([[50, 1], [30, 0], [40, 0], [np.nan, 1]]))
    # ">= 50 & 1" one row; "<= 30 & 0" one row; ">= 40 & 0" one row once duplicates go; "missing & 1" one row.
    assert singles_out(table, queries) == 4
    assert singles_out(table, Queries(np.array([[1]]), np.array([[EQ]], dtype=np.int8), np.array([[0.0]]))) == 0
