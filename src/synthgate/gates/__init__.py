"""The gates: one module per failure mode, all following ``synthgate.gates.base.Gate``."""

from synthgate.gates.base import Gate, GateResult
from synthgate.gates.context import Need, RunContext, Tables
from synthgate.gates.registry import ALL_GATES, gate_named

__all__ = ["ALL_GATES", "Gate", "GateResult", "Need", "RunContext", "Tables", "gate_named"]
