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
#: ``Reference.method`` of a declared fact judged by a rule (``rule_reference``)
RULE = "rule"
#: differences this small are float noise (0.1 - 0.08 > 0.02): a tie is within the allowance
TIE = 1e-9


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

    ``max_noise`` (policy key of the same name) is the rule's *effect size*, ``effect``: the smallest effect
    that matters. A value passes only when the data rule out an effect that large; unset, it is
    ``fail_excess``. ``inf`` thresholds (set by gates, never by a policy) mean "no limit".
    """

    worse: Worse
    warn_excess: float
    fail_excess: float
    max_noise: float | None = None
    description: str = ""

    @property
    def effect(self) -> float:
        return self.fail_excess if self.max_noise is None else self.max_noise

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
        if self.threshold is not None and math.isinf(self.threshold):
            object.__setattr__(self, "threshold", None)  # "no limit", as JSON writes it

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
          details: dict[str, Any] | None = None, unit: str = "", why: str = "") -> Measurement:
    """Decide a verdict: how far ``value`` is beyond the honest band, against the policy's allowance.

    With ``w`` the band's half-width on the worse side (the smallest detectable effect, ``min_detectable``):
    FAIL when the excess beyond the band is above ``fail_excess``, WARN above ``warn_excess``; otherwise
    INCONCLUSIVE when the effect may still be larger than ``rule.effect`` (its upper bound, the distance from
    the honest centre plus ``w``, exceeds it), else PASS. A value, reference or rule that is not a finite
    number is an ERROR: never judged, never a pass. ``why`` (a fact, e.g. "no epsilon declared") leads the
    reason.
    """
    details = details or {}
    problem = _not_finite(value, reference, rule)
    if problem:
        return not_judged(id, problem, reference=reference, worse=rule.worse, n=n, details=details)
    value = float(value)
    excess = _excess(value, reference, rule.worse)
    noise = _noise(reference, rule.worse)
    upper = _upper_effect(value, reference, rule.worse)
    if excess > rule.fail_excess + TIE:
        verdict = Verdict.FAIL
    elif excess > rule.warn_excess + TIE:
        verdict = Verdict.WARN
    elif upper > rule.effect + TIE:
        verdict = Verdict.INCONCLUSIVE
    else:
        verdict = Verdict.PASS
    reason = _reason(value, reference, rule, excess, unit)
    if verdict is Verdict.INCONCLUSIVE:
        reason += (f"; inconclusive: the effect may be up to {_fmt(upper)}{unit}, above the {_fmt(rule.effect)}{unit} "
                   f"that matters (the smallest detectable effect is {_fmt(noise)}{unit})")
    return Measurement(id, value, rule.worse, reference, rule.fail_excess, verdict,
                       f"{why}; {reason}" if why else reason, n, details, min_detectable=noise)


def rule_reference(centre: float, *, n: int = 0) -> Reference:
    """The reference of a declared fact judged by a rule, not by a noise band: a point, so nothing is inconclusive.

    ``centre`` is the honest case (0 undeclared budgets, generation 0, a share of 1 human rows).
    """
    return Reference(float(centre), float(centre), float(centre), RULE, n)


def not_judged(id: str, why: str, *, reference: Reference | None = None, worse: Worse = "higher", n: int = 0,
               details: dict[str, Any] | None = None) -> Measurement:
    """An ERROR measurement: it could not be judged, so it fails CI like a FAIL and says why."""
    return Measurement(id, math.nan, worse, _finite_or_nan(reference), None, Verdict.ERROR, f"not judged: {why}",
                       n, details or {})


def skipped(id: str, why: str, *, details: dict[str, Any] | None = None) -> Measurement:
    return Measurement(id, math.nan, "higher", None, None, Verdict.SKIPPED, why, 0, details or {})


def inconclusive(id: str, why: str, *, n: int = 0, reference: Reference | None = None, worse: Worse = "higher",
                 min_detectable: float | None = None, details: dict[str, Any] | None = None) -> Measurement:
    """Too little data to compute a value at all. Prefer judge() with the value and its wide band: a value-less
    measurement is outside the gate contract (a finite value and reference, or ERROR / SKIPPED)."""
    return Measurement(id, math.nan, worse, reference, None, Verdict.INCONCLUSIVE, why, n, details or {},
                       min_detectable=min_detectable)


def _not_finite(value: Any, reference: Reference, rule: Rule) -> str:
    """Why the inputs of a judgement are not numbers, or "" when they are."""
    if value is None or not math.isfinite(float(value)):
        return f"the value could not be computed on this data (got {value})"
    if reference is None or not all(math.isfinite(float(x)) for x in (reference.value, reference.low, reference.high)):
        shown = "none" if reference is None else f"{reference.value} [{reference.low}, {reference.high}]"
        return f"the honest reference could not be computed on this data (got {shown})"
    limits = (rule.warn_excess, rule.fail_excess, rule.effect)
    if any(x is None or math.isnan(x) or x < 0 for x in limits):
        return (f"the rule's warn_excess {rule.warn_excess}, fail_excess {rule.fail_excess} and effect size "
                f"{rule.effect} must be numbers >= 0; fix the policy")
    return ""


def _reason(value: float, reference: Reference, rule: Rule, excess: float, unit: str) -> str:
    beyond = f"{_fmt(max(excess, 0.0))}{unit} {_direction(rule.worse)}"
    allowed = f"allowed {_fmt(rule.fail_excess)}{unit}" if math.isfinite(rule.fail_excess) else "no limit"
    if reference.method == RULE:
        return f"{_fmt(value)}{unit} against the rule's {_fmt(reference.value)}{unit}: {beyond} it, {allowed}"
    return (f"{_fmt(value)}{unit} vs honest {_fmt(reference.value)}{unit} "
            f"[{_fmt(reference.low)}, {_fmt(reference.high)}] ({reference.method}, n={reference.n}); "
            f"{beyond} the band, {allowed}")


def _finite_or_nan(reference: Reference | None) -> Reference | None:
    """The reference with non-finite numbers as NaN, so the ERROR measurement survives the JSON round trip."""
    if reference is None:
        return None
    clean = [float(x) if x is not None and math.isfinite(float(x)) else math.nan
             for x in (reference.value, reference.low, reference.high)]
    return Reference(*clean, reference.method, reference.n)


def _excess(value: float, reference: Reference, worse: Worse) -> float:
    if worse == "higher":
        return value - reference.high
    if worse == "lower":
        return reference.low - value
    return max(value - reference.high, reference.low - value)


def _noise(reference: Reference, worse: Worse) -> float:
    """The band's half-width on the worse side (never negative): the smallest detectable effect."""
    high, low = max(reference.high - reference.value, 0.0), max(reference.value - reference.low, 0.0)
    return {"higher": high, "lower": low, "either": max(high, low)}[worse]


def _upper_effect(value: float, reference: Reference, worse: Worse) -> float:
    """The largest effect (distance from the honest centre, worse way) the data cannot rule out."""
    higher = value - reference.value + _noise(reference, "higher")
    lower = reference.value - value + _noise(reference, "lower")
    return {"higher": higher, "lower": lower, "either": max(higher, lower)}[worse]


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
