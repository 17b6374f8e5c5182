"""The calibration vocabulary: Verdict, Reference, Rule, Measurement and judge().

Gates compute numbers and honest references; ``judge`` is the one place a number becomes a verdict:
"worse than the honest reference by more than the policy allows", never a bare threshold.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from enum import Enum
from typing import Any, Iterable, Literal

Worse = Literal["higher", "lower", "either"]


class Verdict(str, Enum):
    SKIPPED = "skipped"
    PASS = "pass"
    INCONCLUSIVE = "inconclusive"
    WARN = "warn"
    FAIL = "fail"
    ERROR = "error"

    @property
    def severity(self) -> int:
        return _SEVERITY[self]

    @property
    def passes(self) -> bool:
        """True when CI may go on without a person looking (pass or skipped)."""
        return self in (Verdict.PASS, Verdict.SKIPPED)

    def at_least(self, other: "Verdict") -> bool:
        return self.severity >= other.severity


_SEVERITY = {Verdict.SKIPPED: 0, Verdict.PASS: 1, Verdict.INCONCLUSIVE: 2, Verdict.WARN: 3,
             Verdict.FAIL: 4, Verdict.ERROR: 5}


def worst(verdicts: Iterable[Verdict]) -> Verdict:
    """The most severe verdict: ERROR > FAIL > WARN > INCONCLUSIVE > PASS > SKIPPED."""
    return max(verdicts, key=lambda v: v.severity, default=Verdict.SKIPPED)


@dataclass(frozen=True)
class Reference:
    """What an honest sample scores on the same test at the same size.

    ``value`` is the honest centre, ``[low, high]`` the interval an honest sample falls in
    (e.g. the 2.5-97.5 % band of holdout resamples); ``method`` says where it came from.
    """

    value: float
    low: float
    high: float
    method: str
    n: int

    def to_dict(self) -> dict[str, Any]:
        return {"value": _num(self.value), "low": _num(self.low), "high": _num(self.high),
                "method": self.method, "n": self.n}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Reference":
        return cls(_float(data["value"]), _float(data["low"]), _float(data["high"]), data["method"], int(data["n"]))


@dataclass(frozen=True)
class Rule:
    """How much worse than the honest reference a value may be, in the measurement's own units.

    ``max_noise``: when the honest reference band (its half-width on the worse side) is wider than this,
    a value that would pass is ``inconclusive`` instead: the data could not have shown an effect that small.
    """

    worse: Worse
    warn_excess: float
    fail_excess: float
    max_noise: float | None = None
    description: str = ""

    def with_overrides(self, **overrides: Any) -> "Rule":
        return replace(self, **{k: v for k, v in overrides.items() if v is not None})


@dataclass(frozen=True)
class Measurement:
    """One number a gate measured, its honest reference, the threshold and the verdict."""

    id: str
    value: float
    worse: Worse
    reference: Reference | None
    threshold: float | None
    verdict: Verdict
    reason: str
    n: int = 0
    details: dict[str, Any] = field(default_factory=dict, compare=False)
    min_detectable: float | None = None

    def __post_init__(self) -> None:
        # One NaN object, so equal results compare equal (nan != nan otherwise breaks determinism checks).
        for name in ("value", "threshold", "min_detectable"):
            x = getattr(self, name)
            if x is not None and x != x:
                object.__setattr__(self, name, math.nan)

    @property
    def gate(self) -> str:
        return self.id.split(".", 1)[0]

    @property
    def excess(self) -> float | None:
        return None if self.reference is None else _excess(self.value, self.reference, self.worse)

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "value": _num(self.value), "worse": self.worse,
                "reference": self.reference.to_dict() if self.reference else None,
                "threshold": _num(self.threshold), "verdict": self.verdict.value, "reason": self.reason,
                "n": self.n, "min_detectable": _num(self.min_detectable), "details": self.details}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Measurement":
        ref = data.get("reference")
        return cls(id=data["id"], value=_float(data["value"]), worse=data["worse"],
                   reference=Reference.from_dict(ref) if ref else None, threshold=_optional(data.get("threshold")),
                   verdict=Verdict(data["verdict"]), reason=data["reason"], n=int(data.get("n", 0)),
                   details=data.get("details") or {}, min_detectable=_optional(data.get("min_detectable")))


def judge(id: str, value: float, reference: Reference, rule: Rule, *, n: int,
          details: dict[str, Any] | None = None, unit: str = "") -> Measurement:
    """Decide a verdict: how far ``value`` is beyond the honest band, against the policy's allowance."""
    details = details or {}
    if value is None or not math.isfinite(float(value)):
        return inconclusive(id, "the value could not be computed on this data", n=n, reference=reference,
                            worse=rule.worse, details=details)
    value = float(value)
    excess = _excess(value, reference, rule.worse)
    noise = _noise(reference, rule.worse)
    if excess > rule.fail_excess:
        verdict = Verdict.FAIL
    elif excess > rule.warn_excess:
        verdict = Verdict.WARN
    elif rule.max_noise is not None and noise > rule.max_noise:
        verdict = Verdict.INCONCLUSIVE
    else:
        verdict = Verdict.PASS
    reason = (f"{_fmt(value)}{unit} vs honest {_fmt(reference.value)}{unit} "
              f"[{_fmt(reference.low)}, {_fmt(reference.high)}] ({reference.method}, n={reference.n}); "
              f"{_fmt(max(excess, 0.0))} {_direction(rule.worse)} the band, allowed {_fmt(rule.fail_excess)}")
    if verdict is Verdict.INCONCLUSIVE:
        reason += f"; too little data: the smallest detectable effect is {_fmt(noise)} > {_fmt(rule.max_noise)}"
    return Measurement(id, value, rule.worse, reference, rule.fail_excess, verdict, reason, n, details,
                       min_detectable=noise)


def skipped(id: str, why: str, *, details: dict[str, Any] | None = None) -> Measurement:
    return Measurement(id, math.nan, "higher", None, None, Verdict.SKIPPED, why, 0, details or {})


def inconclusive(id: str, why: str, *, n: int = 0, reference: Reference | None = None, worse: Worse = "higher",
                 min_detectable: float | None = None, details: dict[str, Any] | None = None) -> Measurement:
    return Measurement(id, math.nan, worse, reference, None, Verdict.INCONCLUSIVE, why, n, details or {},
                       min_detectable=min_detectable)


def decided(id: str, value: float, verdict: Verdict, reason: str, *, reference: Reference,
            worse: Worse = "higher", threshold: float | None = None, n: int = 0,
            details: dict[str, Any] | None = None) -> Measurement:
    """A rule-type finding (e.g. "no DP budget declared") whose verdict is set by the policy, not a noise band.

    The reference still says what the honest case is (e.g. an analytic 0 copies of a registered row).
    """
    return Measurement(id, float(value), worse, reference, threshold, verdict, reason, n, details or {})


def _excess(value: float, reference: Reference, worse: Worse) -> float:
    if worse == "higher":
        return value - reference.high
    if worse == "lower":
        return reference.low - value
    return max(value - reference.high, reference.low - value)


def _noise(reference: Reference, worse: Worse) -> float:
    if worse == "higher":
        return reference.high - reference.value
    if worse == "lower":
        return reference.value - reference.low
    return max(reference.high - reference.value, reference.value - reference.low)


def _direction(worse: Worse) -> str:
    return {"higher": "above", "lower": "below", "either": "outside"}[worse]


def _fmt(x: float | None) -> str:
    if x is None:
        return "n/a"
    return f"{x:.4g}"


def _num(x: float | None) -> float | None:
    if x is None:
        return None
    x = float(x)
    return x if math.isfinite(x) else None


def _optional(x: Any) -> float | None:
    return None if x is None else float(x)


def _float(x: Any) -> float:
    return math.nan if x is None else float(x)
