"""The explicit list of gates a check runs, in report order. A new gate adds one line here."""

from synthgate.gates.bias import BiasGate
from synthgate.gates.coverage import CoverageGate
from synthgate.gates.drift import DriftGate
from synthgate.gates.fidelity import FidelityGate
from synthgate.gates.privacy import PrivacyGate
from synthgate.gates.provenance import ProvenanceGate
from synthgate.gates.validation import ValidationGate

ALL_GATES = (
    FidelityGate(),
    BiasGate(),
    CoverageGate(),
    PrivacyGate(),
    ProvenanceGate(),
    ValidationGate(),
    DriftGate(),
)


def gate_named(name: str):
    for gate in ALL_GATES:
        if gate.name == name:
            return gate
    raise KeyError(f"no gate named {name!r}; gates: {[g.name for g in ALL_GATES]}")
