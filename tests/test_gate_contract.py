"""The contract every gate in ALL_GATES keeps (cf. scikit-learn's common metric tests)."""

import sys

import pytest

from synthgate.data import table_fingerprint
from synthgate.gates import ALL_GATES
from synthgate.result import CheckResult
from synthgate.verdict import Verdict


def fingerprints(ctx):
    return {role: table_fingerprint(ctx.tables[role]) for role in ctx.tables.roles()}


@pytest.mark.parametrize("gate", ALL_GATES, ids=lambda g: g.name)
def test_gate_contract(gate, small_ctx):
    before = fingerprints(small_ctx)
    first, second = gate.run(small_ctx), gate.run(small_ctx)
    assert first == second, "same seed, same result"
    assert fingerprints(small_ctx) == before, "inputs untouched"
    assert first.measurements or first.skipped_reason, "never an empty pass"
    assert first.verdict is not Verdict.ERROR
    for m in first.measurements:
        assert m.id.startswith(f"{gate.name}.") and m.reason
        assert m.reference is not None or m.verdict in (Verdict.SKIPPED, Verdict.INCONCLUSIVE), m.id
    assert CheckResult.from_json(CheckResult.of(first).to_json()) == CheckResult.of(first)


@pytest.mark.parametrize("gate", ALL_GATES, ids=lambda g: g.name)
def test_gate_declares_its_rules_and_docstring(gate):
    doc = (type(gate).__doc__ or "") + (sys.modules[type(gate).__module__].__doc__ or "")
    assert "Fails" in doc and "Passes" in doc, "docstring names a passing case and a failing defect"
    assert all(rid.startswith(f"{gate.name}.") for rid in gate.rules)
