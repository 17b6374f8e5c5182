"""Scans on real data: natural duplicates are chance, planted machine rows are the excess.

The reproduction: a real training table registered as human, a fresh real sample registered as
machine (a perfect generator), then ~2,000 other real rows scanned. Adult without ``fnlwgt`` has
census-income-like duplicates (about 20 % of its rows have an exact twin). Before, such a scan
flagged 88 exact and 117 near "machine" rows among 2,000 honest ones, and ``--fail-on-match``
failed on them; with 40 rows planted, 128 exact and 120 near were reported, with nothing to tell
the planted 40 from the rest.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from synthgate.datasets import load_adult_frame
from synthgate.ledger import Ledger
from synthgate.ledger.chance import judge_count


@pytest.fixture(scope="module")
def census_like(tmp_path_factory):
    adult = load_adult_frame().drop(columns="fnlwgt")
    order = np.random.default_rng(0).permutation(len(adult))
    train, fresh, honest = (adult.iloc[order[a:b]].reset_index(drop=True)
                            for a, b in ((0, 20_000), (20_000, 25_000), (25_000, 27_000)))
    ledger = Ledger.open(tmp_path_factory.mktemp("chance") / "ledger.sqlite")
    human = ledger.register_dataset(train, name="train", origin="human")
    gen = ledger.register_generator(name="copy", kind="real sample", trained_on=[human.id])
    ledger.register_dataset(fresh, name="fresh", origin="machine", generator_id=gen.id)
    yield ledger, train, fresh, honest
    ledger.close()


def planted(fresh: pd.DataFrame, honest: pd.DataFrame, rows: int, seed: int) -> pd.DataFrame:
    """Honest rows with ``rows`` machine rows among them: half exact, half one year older (near)."""
    chosen = fresh.sample(rows, random_state=seed)
    older = chosen.iloc[rows // 2:].assign(age=lambda f: f["age"] + 1)
    return pd.concat([honest, chosen.iloc[:rows // 2], older], ignore_index=True).sample(frac=1, random_state=seed)


def test_honest_rows_are_not_beyond_chance(census_like):
    ledger, _, _, honest = census_like
    result = ledger.scan(honest)
    assert result.exact > 50 and result.near > 50                               # natural duplicates exist...
    for name, count in result.chance.items():                                    # ...and chance explains them
        assert count.expected is not None and not count.beyond, name
        assert abs(count.observed - count.expected) < 4 * np.sqrt(2 * count.expected + 1), name
    assert result.ambiguous.exact > result.machine_only.exact                    # common profiles: in human data
    assert not result.beyond_chance                                              # --fail-on-match exits 0


def test_planted_machine_rows_are_the_excess_over_chance(census_like):
    ledger, train, fresh, honest = census_like
    corpus = planted(fresh, honest, 80, seed=3)
    result, control = ledger.scan(corpus), ledger.scan(honest)
    assert result.beyond_chance and result.chance["exact_machine_only"].beyond
    # the planted rows that no registered human row explains are the excess, give or take chance
    only = result.chance["exact_machine_only"]
    assert only.observed - control.chance["exact_machine_only"].observed == pytest.approx(only.excess, abs=12)
    # (a row made one year older can land exactly on another machine row: at least the 40 copies)
    assert 40 <= result.exact - control.exact <= 45 and result.chance["exact"].excess == pytest.approx(40, abs=15)
    assert result.near + result.exact - control.near - control.exact == pytest.approx(80, abs=3)
    assert result.machine_only.total + result.ambiguous.total == result.exact + result.near


def test_a_dropped_column_keeps_exact_chance_honest(census_like):
    ledger, _, fresh, honest = census_like
    result = ledger.scan(planted(fresh, honest, 80, seed=4).drop(columns="native_country"))
    cover = next(iter(result.coverage.values()))
    assert cover.missing == ("native_country",) and "13 of its 14 columns" in cover.reason
    assert result.chance["exact"].rate > 0.03 and result.chance["near"].bound is None
    assert result.chance["exact_machine_only"].beyond
    plain = ledger.scan(honest.drop(columns="native_country"))
    assert not plain.beyond_chance


@pytest.mark.parametrize("observed, beyond", [(40, False), (75, True)])
def test_the_bound_allows_for_chance_and_for_the_rates_own_error(observed, beyond):
    """Rate 2 % on 5,000 probes, 2,000 rows: 40 expected; Poisson alone would allow ~58, the rate's error ~6 more."""
    count = judge_count(observed, 0.02, 5_000, 2_000)
    assert count.expected == pytest.approx(40) and 58 <= count.bound <= 70 and count.beyond is beyond
