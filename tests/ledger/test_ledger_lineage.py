"""Lineage over three generations, generation numbers, human shares and edges."""

from __future__ import annotations

import pytest

from ledger_tables import mixed_table
from synthgate.ledger import Edge


def three_generations(ledger):
    """real -> g0 -> s0; (s0 + real) -> g1 -> s1; s1 -> g2 -> s2."""
    real = ledger.register_dataset(mixed_table(300, 1), name="real", origin="human")
    g0 = ledger.register_generator(name="g0", kind="ctgan", trained_on=[real.id])
    s0 = ledger.register_dataset(mixed_table(100, 2), name="s0", origin="machine", generator_id=g0.id)
    g1 = ledger.register_generator(name="g1", kind="tvae", trained_on=[s0.id, real.id])
    s1 = ledger.register_dataset(mixed_table(200, 3), name="s1", origin="machine", generator_id="g1")
    g2 = ledger.register_generator(name="g2", kind="copula", trained_on=["s1"])
    s2 = ledger.register_dataset(mixed_table(50, 4), name="s2", origin="machine", generator_id=g2.id)
    return real, (g0, g1, g2), (s0, s1, s2)


def test_generations_count_machine_ancestry(ledger):
    _, generators, _ = three_generations(ledger)
    assert [g.generation for g in generators] == [0, 1, 2]


def test_lineage_walks_back_to_human_data(ledger):
    real, (g0, g1, g2), (s0, s1, s2) = three_generations(ledger)
    steps = ledger.lineage("s2")
    assert [(s.depth, s.dataset.name, s.generator.name if s.generator else None) for s in steps] == [
        (0, "s2", "g2"), (1, "s1", "g1"), (2, "real", None), (2, "s0", "g0")]
    assert steps[-1].generator == g0 and steps[0].dataset == s2
    assert [s.dataset.name for s in ledger.lineage(real.id)] == ["real"]


def test_a_machine_dataset_of_unknown_producer_ends_its_branch(ledger):
    orphan = ledger.register_dataset(mixed_table(40, 9), name="orphan", origin="machine")
    steps = ledger.lineage(orphan.id)
    assert len(steps) == 1 and steps[0].generator is None
    gen = ledger.register_generator(name="g", kind="k", trained_on=[orphan.id])
    assert gen.generation == 1  # unknown producer counts as generation-0 output


def test_human_share_weighs_training_datasets_by_rows(ledger):
    real, (g0, g1, g2), (s0, s1, s2) = three_generations(ledger)
    assert ledger.human_share(g0) == 1.0
    assert ledger.human_share("g1") == pytest.approx(300 / 400)
    assert ledger.human_share(g2.id) == 0.0


def test_edges_list_trained_on_and_produced(ledger):
    real, (g0, g1, g2), (s0, s1, s2) = three_generations(ledger)
    edges = ledger.edges()
    assert Edge("trained_on", real.id, g1.id) in edges and Edge("produced", s1.id, g1.id) in edges
    assert len([e for e in edges if e.relation == "trained_on"]) == 4
    assert len([e for e in edges if e.relation == "produced"]) == 3
