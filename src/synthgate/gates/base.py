"""The Gate contract and its Result type, shared by every gate."""

from __future__ import annotations

import time
from abc import ABC, abstractmethod
from dataclasses import dataclass, field, replace
from typing import Any, ClassVar, Iterable

from pydantic import BaseModel, ConfigDict

from synthgate.gates.context import Need, RunContext
from synthgate.verdict import Measurement, Rule, Verdict, worst


class NoSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")


@dataclass(frozen=True)
class GateResult:
    gate: str
    measurements: tuple[Measurement, ...]
    skipped_reason: str | None = None
    error: str | None = None
    seconds: float = field(default=0.0, compare=False)
    summary: str = ""
    details: dict[str, Any] = field(default_factory=dict, compare=False)
    title: str = field(default="", compare=False)
    samples: tuple[dict, ...] = ()  # bounded samples: rows used of rows given, why, the setting that lifts it
    # per-record findings (a DataFrame) kept out of to_dict: report.write_report puts them in a private file
    private: Any = field(default=None, compare=False, repr=False)

    @classmethod
    def skipped(cls, gate: str, reason: str) -> "GateResult":
        return cls(gate, (), skipped_reason=reason, summary=f"skipped: {reason}")

    @classmethod
    def crashed(cls, gate: str, message: str, seconds: float = 0.0) -> "GateResult":
        return cls(gate, (), error=message, seconds=seconds, summary=f"not judged: the gate crashed ({message})")

    @property
    def verdict(self) -> Verdict:
        if self.error:
            return Verdict.ERROR
        if self.skipped_reason:
            return Verdict.SKIPPED
        if not self.measurements:  # all([]) is True: an empty gate must never pass
            raise ValueError(f"gate {self.gate!r} returned no measurements")
        return worst(m.verdict for m in self.measurements)

    def measurement(self, id: str) -> Measurement:
        for m in self.measurements:
            if m.id == id:
                return m
        raise KeyError(f"{self.gate} has no measurement {id!r}; it has {[m.id for m in self.measurements]}")

    def to_dict(self) -> dict[str, Any]:
        return {"gate": self.gate, "title": self.title, "verdict": self.verdict.value, "summary": self.summary,
                "skipped_reason": self.skipped_reason, "error": self.error, "seconds": round(self.seconds, 3),
                "measurements": [m.to_dict() for m in self.measurements], "details": self.details,
                "samples": list(self.samples)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "GateResult":
        return cls(data["gate"], tuple(Measurement.from_dict(m) for m in data["measurements"]),
                   data.get("skipped_reason"), data.get("error"), data.get("seconds", 0.0),
                   data.get("summary", ""), data.get("details") or {}, data.get("title", ""),
                   tuple(data.get("samples") or ()))


class Gate(ABC):
    """One failure mode. Subclasses set ``name``, ``rules`` (default thresholds) and implement ``measure``.

    Gates compute numbers and honest references and call ``judge``; they never print, write files or touch
    the network. ``synthgate.run.check`` turns an unexpected exception into an ERROR result.
    """

    name: ClassVar[str]
    title: ClassVar[str] = ""
    needs: ClassVar[frozenset[Need]] = frozenset()
    rules: ClassVar[dict[str, Rule]] = {}
    #: rules that measure one thing several ways and alarm together (e.g. one attack's AUC and its TPRs): a
    #: family counts once when the gate's band level is shared out among its rules (policy ``band_per``)
    families: ClassVar[tuple[tuple[str, ...], ...]] = ()
    Settings: ClassVar[type[BaseModel]] = NoSettings

    def run(self, ctx: RunContext) -> GateResult:
        missing = self.needs - ctx.available
        if missing:
            result = GateResult.skipped(self.name, "needs " + ", ".join(sorted(n.value for n in missing)))
            return replace(result, title=self.title)
        started = time.perf_counter()
        policy_band, shares = ctx.policy.band, self.band_shares()
        ctx = ctx.for_gate(shares)
        measurements = tuple(self.measure(ctx))
        details = self.report_details(ctx, measurements)
        if ctx.policy.band != policy_band:
            details = {**details, "band": {"level": ctx.policy.band, "policy": policy_band,
                                           "shared_among": shares, "per": "gate"}}
        result = GateResult(self.name, measurements, seconds=time.perf_counter() - started, details=details)
        return GateResult(result.gate, measurements, seconds=result.seconds, details=details,
                          summary=self.summarise(result), title=self.title, samples=ctx.samples(self.name))

    @abstractmethod
    def measure(self, ctx: RunContext) -> Iterable[Measurement]: ...

    @classmethod
    def band_shares(cls) -> int:
        """Among how many the gate's false-alarm budget is shared: its families plus its rules in none."""
        grouped = {rule for family in cls.families for rule in family}
        return len(cls.families) + len(set(cls.rules) - grouped)

    def rule(self, ctx: RunContext, measurement_id: str) -> Rule:
        return ctx.policy.rule(measurement_id, self.rules[measurement_id])

    def settings(self, ctx: RunContext) -> Any:
        return ctx.policy.settings(self.name, self.Settings)

    def report_details(self, ctx: RunContext, measurements: tuple[Measurement, ...]) -> dict[str, Any]:
        """Gate-level data for the report's plots (JSON-able, no real rows, rare labels masked)."""
        return {}

    def summarise(self, result: GateResult) -> str:
        """One line for people: the worst measurement's reason."""
        if not result.measurements:
            return ""
        top = max(result.measurements, key=lambda m: m.verdict.severity)
        return f"{top.id}: {top.reason}"
