"""CheckResult: what a run produced, serialised to versioned JSON (never pickle)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from synthgate.errors import GateFailed
from synthgate.gates.base import GateResult
from synthgate.policy import FAIL_ON_INCONCLUSIVE
from synthgate.verdict import Verdict, worst

SCHEMA_VERSION = 1


@dataclass(frozen=True)
class CheckResult:
    gates: tuple[GateResult, ...]
    seed: int = 0
    inputs: dict[str, Any] = field(default_factory=dict)
    versions: dict[str, str] = field(default_factory=dict, compare=False)
    policy: dict[str, Any] = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    created: str = field(default="", compare=False)
    schema_version: int = SCHEMA_VERSION

    @classmethod
    def of(cls, *gates: GateResult, **kwargs: Any) -> "CheckResult":
        return cls(tuple(gates), **kwargs)

    @property
    def verdict(self) -> Verdict:
        return worst(g.verdict for g in self.gates)

    def gate(self, name: str) -> GateResult:
        for g in self.gates:
            if g.gate == name:
                return g
        raise KeyError(f"no gate {name!r} in this result; it has {[g.gate for g in self.gates]}")

    def failing(self, fail_on: Verdict | str | None = None) -> dict[str, str]:
        """The gates that fail CI, each with why: at least as severe as ``fail_on`` (default: the stored policy's,
        else "fail"), an ERROR, or an inconclusive measurement in a gate the policy's ``fail_on_inconclusive``
        lists (default: privacy)."""
        fail_on = Verdict(fail_on or self.policy.get("fail_on") or Verdict.FAIL)
        strict = set(self.policy.get("fail_on_inconclusive", FAIL_ON_INCONCLUSIVE))
        out = {}
        for g in self.gates:
            if g.verdict is Verdict.ERROR:
                out[g.gate] = "error: not judged"
            elif g.verdict.at_least(fail_on):
                out[g.gate] = f"{g.verdict.value}, at or above fail_on {fail_on.value!r}"
            elif g.gate in strict and any(m.verdict is Verdict.INCONCLUSIVE for m in g.measurements):
                out[g.gate] = "inconclusive, and the policy's fail_on_inconclusive lists it"
        return out

    def exit_code(self, fail_on: Verdict | str | None = None) -> int:
        """1 when a gate fails CI (see ``failing``), else 0."""
        return 1 if self.failing(fail_on) else 0

    def raise_for_verdict(self, fail_on: Verdict | str | None = None) -> "CheckResult":
        """Raise ``GateFailed`` exactly when ``exit_code`` is 1."""
        if self.exit_code(fail_on):
            raise GateFailed(self)
        return self

    def to_frame(self) -> Any:
        """A pandas DataFrame, one row per measurement: gate, measurement, verdict, value, the honest reference
        (reference, low, high, method), n, fail_excess, excess, min_detectable, reason. A skipped or crashed
        gate gets one row. See ``synthgate.report.notebook.result_frame``."""
        from synthgate.report.notebook import result_frame  # lazily: the report imports this module

        return result_frame(self)

    def _repr_html_(self) -> str:
        """A compact verdict table for Jupyter: gate verdicts, then every measurement."""
        from synthgate.report.notebook import result_html

        return result_html(self)

    def to_dict(self) -> dict[str, Any]:
        return {"schema_version": self.schema_version, "verdict": self.verdict.value, "seed": self.seed,
                "created": self.created, "versions": self.versions, "inputs": self.inputs,
                "policy": self.policy, "notes": list(self.notes), "gates": [g.to_dict() for g in self.gates]}

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, sort_keys=False, default=jsonable)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "CheckResult":
        version = data.get("schema_version")
        if version != SCHEMA_VERSION:
            raise ValueError(f"result schema_version {version} is not {SCHEMA_VERSION}; re-run the check.")
        return cls(tuple(GateResult.from_dict(g) for g in data["gates"]), data.get("seed", 0),
                   data.get("inputs", {}), data.get("versions", {}), data.get("policy", {}),
                   tuple(data.get("notes", [])), data.get("created", ""), version)

    @classmethod
    def from_json(cls, text: str) -> "CheckResult":
        return cls.from_dict(json.loads(text))


def jsonable(value: Any) -> Any:
    """JSON fallback for numpy scalars and arrays."""
    if hasattr(value, "item"):
        return value.item()
    if hasattr(value, "tolist"):
        return value.tolist()
    return str(value)
