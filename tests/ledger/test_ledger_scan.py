"""Scanning a corpus for registered machine rows, and per-row lookups for the validation gate."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ledger_tables import mixed_table, perturb
from synthgate.errors import LedgerError
from synthgate.ledger import row_fingerprints

ROWS = 10_000


@pytest.fixture
def world(ledger):
    """A human table, a generator trained on it, and its machine output, all registered."""
    real = mixed_table(ROWS, 1)
    synthetic = mixed_table(ROWS, 2)
    real_record = ledger.register_dataset(real, name="real", origin="human")
    gen = ledger.register_generator(name="g", kind="ctgan", trained_on=[real_record.id])
    synth_record = ledger.register_dataset(synthetic, name="synth", origin="machine", generator_id=gen.id)
    return ledger, real, synthetic, gen, synth_record


def planted_corpus(synthetic: pd.DataFrame, share: float, seed: int):
    """Fresh human rows with ``share`` machine rows planted: half exact copies, half perturbed (1 % of std)."""
    rng = np.random.default_rng(seed)
    planted = int(ROWS * share)
    source = rng.choice(len(synthetic), planted, replace=False)
    copies = synthetic.iloc[source[: planted // 2]]
    noisy = perturb(synthetic, seed, noise=0.01).iloc[source[planted // 2:]]
    corpus = pd.concat([mixed_table(ROWS - planted, 3), copies, noisy], ignore_index=True)
    order = rng.permutation(len(corpus))
    corpus = corpus.iloc[order].reset_index(drop=True)
    where = np.argsort(order)  # new position of each old row
    start = ROWS - planted
    return corpus, set(where[start:start + planted // 2]), set(where[start + planted // 2:])


def test_planted_machine_rows_are_found_exact_and_near(world):
    ledger, _, synthetic, gen, synth = world
    corpus, exact_at, near_at = planted_corpus(synthetic, 0.02, seed=5)
    result = ledger.scan(corpus)
    assert result.rows == ROWS
    assert result.exact == len(exact_at) == ROWS // 100                      # exactly the 1 % copies
    assert set(result.positions("exact")) == exact_at
    found_near = set(result.positions("near"))
    assert len(near_at - found_near) <= 1                                      # ~1 % perturbed: none lost
    assert len(found_near - near_at) <= 3                                      # a few chance hits at most
    assert result.near == pytest.approx(ROWS // 100, abs=4)
    assert result.by_generator == {gen.id: result.by_dataset[synth.id]}
    assert result.by_dataset[synth.id].exact == result.exact
    assert result.near_chance[synth.id] < 0.01
    first = result.matches[0]
    assert (first.dataset_id, first.generator_id, first.origin) == (synth.id, gen.id, "machine")
    exact = next(m for m in result.matches if m.kind == "exact")
    assert row_fingerprints(synthetic.iloc[[exact.row]]) == row_fingerprints(corpus.iloc[[exact.position]])


def test_a_clean_corpus_has_no_machine_rows(world):
    ledger, real, *_ = world
    result = ledger.scan(mixed_table(3_000, 8))
    assert result.exact == 0 and result.near <= 1
    assert ledger.scan(real).exact == 0                                        # human rows are not machine rows


def test_extra_columns_and_their_order_do_not_hide_copies(world):
    ledger, _, synthetic, *_ = world
    corpus = synthetic.iloc[:50].assign(row_id=np.arange(50))[["row_id", *reversed(synthetic.columns)]]
    assert ledger.scan(corpus).exact == 50


def test_a_corpus_missing_a_column_is_compared_on_the_columns_it_has(world):
    """Before: the machine dataset was silently skipped, 0 matches. Now: matched on 7 of 8 columns, named."""
    ledger, _, synthetic, _, synth = world
    corpus = pd.concat([synthetic.iloc[:50], perturb(synthetic.iloc[50:80], 9), mixed_table(500, 11)],
                       ignore_index=True).drop(columns="city")
    result = ledger.scan(corpus)
    cover = result.coverage[synth.id]
    assert cover.missing == ("city",) and len(cover.columns) == 7 and "7 of its 8 columns" in cover.reason
    assert set(result.positions("exact")) >= set(range(50)) and set(result.positions()) >= set(range(80))
    assert result.exact <= 52 and result.near <= 32
    assert result.chance["exact"].rate is not None and result.chance["near"].bound is None   # near: not judged
    assert result.chance["exact_machine_only"].beyond and result.beyond_chance


def test_result_frame_lists_one_row_per_match(world):
    ledger, _, synthetic, *_ = world
    frame = ledger.scan(synthetic.iloc[[5, 7]]).to_frame()
    assert frame[["position", "kind", "row"]].values.tolist() == [[0, "exact", 5], [1, "exact", 7]]


def test_lookup_rows_tells_machine_rows_from_training_rows(world):
    ledger, real, synthetic, gen, _ = world
    test_set = pd.concat([mixed_table(100, 4), real.iloc[:10], synthetic.iloc[:5],
                          perturb(synthetic.iloc[5:10], 1)], ignore_index=True)
    found = ledger.lookup_rows(test_set)
    expected_training = np.r_[np.zeros(100, bool), np.ones(10, bool), np.zeros(10, bool)]
    expected_machine = np.r_[np.zeros(110, bool), np.ones(10, bool)]
    assert (found.training_rows(gen.id) == expected_training).all()
    assert (found.machine() == expected_machine).all()
    assert found.machine(near=False).sum() == 5
    assert (found.human() == expected_training).all()
    per_row = found.per_row()
    assert per_row["origin"].iloc[:100].isna().all()
    assert per_row["origin"].iloc[100:].tolist() == ["human"] * 10 + ["machine"] * 10
    assert per_row["kind"].iloc[110:].tolist() == ["exact"] * 5 + ["near"] * 5
    assert per_row["generator_id"].iloc[110:].tolist() == [gen.id] * 10
    other = ledger.register_generator(name="other", kind="k", trained_on=["synth"])
    with pytest.raises(LedgerError, match="no generator with id"):
        found.training_rows(other.id)
    assert ledger.lookup_rows(test_set).training_rows(other.id).sum() == 10


def test_scanning_an_empty_ledger_finds_nothing(ledger):
    result = ledger.scan(mixed_table(100, 1))
    assert (result.exact, result.near, result.matches, dict(result.by_dataset)) == (0, 0, (), {})
