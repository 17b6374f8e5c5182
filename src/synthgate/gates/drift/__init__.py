"""The drift gate: per-column and joint drift against fresh real data, and generator expiry."""

from synthgate.gates.drift.gate import DriftGate, DriftSettings

__all__ = ["DriftGate", "DriftSettings"]
