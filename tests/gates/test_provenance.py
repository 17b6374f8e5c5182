"""Provenance gate: the anchor rule from the ledger, and generation n + 1 against generation n in a check run."""

from __future__ import annotations

import functools

import pytest
from tests.conftest import adult_split, honest_synthetic, independent_sample

from synthgate.defects import regenerate
from synthgate.gates.provenance import ProvenanceGate
from synthgate.generators import IndependentSynthesizer
from synthgate.ledger import Ledger
from synthgate.report import plot_spec_problems
from synthgate.run import build_context
from synthgate.verdict import Verdict

FAST = {"resamples": 40}
ANCHOR = ("provenance.human_share", "provenance.generation")
TREND = ("provenance.spread_ratio", "provenance.tail_ratio", "provenance.extinct_categories",
         "provenance.distance")


def run(real, synthetic, *, ledger=None, generator=None, policy=FAST, holdout=None):
    split = adult_split()
    metadata = {**split.metadata, "generator": {"name": generator}} if generator else split.metadata
    ctx = build_context(real, split.holdout if holdout is None else holdout, synthetic, metadata=metadata,
                        policy=policy, ledger=ledger)
    return ProvenanceGate().run(ctx)


@functools.lru_cache(maxsize=1)
def independent_chain():
    """Four generations of column-wise resampling of 2,000 Adult rows (fast; no joint structure needed here)."""
    return tuple(regenerate(adult_split().real, generations=4, generator_factory=IndependentSynthesizer, seed=0))


@pytest.fixture(scope="module")
def ledger(tmp_path_factory):
    """Human Adult rows, g0 trained on them, g1..g3 each trained on the last output, a mixed one and CART."""
    chain = independent_chain()
    with Ledger.open(tmp_path_factory.mktemp("ledger") / "ledger.sqlite") as opened:
        data = opened.register_dataset(chain[0], name="adult-real", origin="human")
        for generation, table in enumerate(chain[1:]):
            maker = opened.register_generator(name=f"g{generation}", kind="independent", trained_on=[data.id])
            data = opened.register_dataset(table, name=f"gen{generation + 1}", origin="machine",
                                           generator_id=maker.id)
        opened.register_generator(name="mixed", kind="independent", trained_on=["adult-real", "gen1"])
        cart = opened.register_generator(name="cart", kind="cart", trained_on=["adult-real"])
        opened.register_dataset(honest_synthetic(), name="cart-output", origin="machine", generator_id=cart.id)
        yield opened


@pytest.mark.parametrize("size", [1500, 3000])
def test_an_independent_sample_passes_and_the_anchor_is_skipped_without_a_ledger(size):
    result = run(adult_split().real, independent_sample(size))   # smaller and larger than the holdout
    verdicts = {m.id: m.verdict for m in result.measurements}
    assert all(verdicts[m] is Verdict.SKIPPED for m in ANCHOR)
    # At 2,000 rows some trend bands are wider than their rule's effect size: inconclusive, never warn or fail.
    assert all(verdicts[m] in (Verdict.PASS, Verdict.INCONCLUSIVE) for m in TREND), verdicts
    assert "ledger" in result.measurement("provenance.human_share").reason


def test_honest_cart_generator_passes():
    result = run(adult_split().real, honest_synthetic())
    assert result.verdict in (Verdict.PASS, Verdict.INCONCLUSIVE), result.summary  # see the test above


def test_generator_trained_on_human_data_passes_the_anchor_rule(ledger):
    chain = independent_chain()
    result = run(chain[0], chain[1], ledger=ledger, generator="g0")
    share, generation = (result.measurement(m) for m in ANCHOR)
    assert share.verdict is Verdict.PASS and share.value == 1.0
    assert generation.verdict is Verdict.PASS and generation.value == 0
    assert "adult-real (human" in generation.details["chain"]


def test_generator_trained_only_on_the_previous_generation_fails_with_its_lineage(ledger):
    chain = independent_chain()
    result = run(chain[3], chain[4], ledger=ledger, generator="g3")
    share, generation = (result.measurement(m) for m in ANCHOR)
    assert share.verdict is Verdict.FAIL and share.value == 0.0
    assert generation.verdict is Verdict.FAIL and generation.value == 3
    assert "only on machine output" in generation.reason
    # the chain back to human data: names and generations, never rows
    assert generation.details["chain"].startswith("gen3 (machine, 2000 rows, by g2 gen 2)")
    assert generation.details["chain"].endswith("adult-real (human, 2000 rows)")
    lineage = result.details["lineage"]
    assert plot_spec_problems(lineage) == [] and [row[0] for row in lineage["rows"]] == [1, 2, 3, 4]


def test_mixed_training_data_passes_at_half_and_fails_a_stricter_policy(ledger):
    chain = independent_chain()
    loose = run(chain[0], chain[2], ledger=ledger, generator="mixed")
    assert loose.measurement("provenance.human_share").value == 0.5
    assert loose.measurement("provenance.human_share").verdict is Verdict.PASS
    assert loose.measurement("provenance.generation").verdict is Verdict.PASS  # generation 1, but anchored
    strict = run(chain[0], chain[2], ledger=ledger, generator="mixed",
                 policy={**FAST, "gates": {"provenance": {"min_human_share": 0.6, "max_generation": 0}}})
    assert strict.measurement("provenance.human_share").verdict is Verdict.FAIL
    assert "max_generation 0" in strict.measurement("provenance.generation").reason


def test_unnamed_generator_is_judged_by_looking_its_training_rows_up(ledger):
    chain = independent_chain()
    machine = run(chain[2], chain[3], ledger=ledger)   # real = registered output of g1
    share = machine.measurement("provenance.human_share")
    assert share.verdict is Verdict.FAIL and share.value < 0.05
    assert "looked up" in share.details["source"]
    generation = machine.measurement("provenance.generation")
    assert generation.verdict is Verdict.FAIL and generation.value == 2  # g1's output trains a generation-2 model
    human = run(chain[0], chain[1], ledger=ledger)       # real = registered human rows
    assert human.measurement("provenance.human_share").verdict is Verdict.PASS
    # CART's output copies a few real rows (and nearly copies more): those rows stay human, the share 1.0
    assert human.measurement("provenance.human_share").value == 1.0
    assert human.measurement("provenance.generation").value == 0


def test_unknown_generator_and_unregistered_rows_warn(tmp_path):
    split = adult_split()
    with Ledger.open(tmp_path / "empty.sqlite") as empty:
        result = run(split.real, honest_synthetic(), ledger=empty, generator="not-there")
    share = result.measurement("provenance.human_share")
    assert share.verdict is Verdict.WARN and "knows little" in share.reason
    assert "not-there" in share.details["source"]


def test_recursive_chain_output_fails_the_trend_against_its_ancestor():
    """Generation 4 of a resampling chain judged against generation 0 in an ordinary check run."""
    chain = independent_chain()
    result = run(chain[0], chain[4])
    lost = result.measurement("provenance.extinct_categories")
    assert lost.verdict is Verdict.FAIL and lost.value >= 12
    assert lost.details["expected_one_generation_r17"] < lost.value
    assert plot_spec_problems(lost.details["per_column"]) == []
    assert plot_spec_problems(result.details["lost_categories"]) == []
    for mid in ("provenance.spread_ratio", "provenance.tail_ratio", "provenance.distance"):
        assert plot_spec_problems(result.measurement(mid).details["per_column"]) == []


def test_cart_output_of_generation_ten_fails_in_a_check_run():
    """CART re-fitted 10 times on 2,000 rows (the chain of tests/test_recursion.py, ~8 s)."""
    from tests.test_recursion import cart_chain

    chain = cart_chain()
    result = run(chain[0], chain[10])
    assert result.verdict is Verdict.FAIL
    assert result.measurement("provenance.extinct_categories").value >= 20


def test_no_false_alarms_over_seeds():
    """A fresh real sample as synthetic (2,000 real, 1,000 holdout and synthetic rows): at most 1 of 20 fails."""
    from synthgate.datasets import load_adult

    failures = 0
    for seed in range(20):
        split = load_adult(seed, n=4000)
        holdout, synthetic = split.holdout.iloc[:1000], split.holdout.iloc[1000:].reset_index(drop=True)
        ctx = build_context(split.real, holdout, synthetic, metadata=split.metadata, policy={"resamples": 30},
                            seed=seed)
        failures += ProvenanceGate().run(ctx).verdict is Verdict.FAIL
    assert failures <= 1
