"""Test helpers: fail a pytest test when a synthetic table is not safe, with the measurements that say why.

>>> from synthgate.testing import assert_safe
>>> def test_synthetic_table_is_safe():                                       # doctest: +SKIP
...     assert_safe(real, holdout, synthetic, metadata="metadata.yaml", gates=["privacy", "fidelity"])
"""

from __future__ import annotations

from typing import Any, Iterable

from synthgate.errors import GateFailed
from synthgate.gates.base import Gate, GateResult
from synthgate.result import CheckResult
from synthgate.verdict import Measurement, Verdict

__all__ = ["UnsafeSynthetic", "assert_safe"]


class UnsafeSynthetic(AssertionError, GateFailed):
    """Raised by ``assert_safe``: an AssertionError for pytest, a ``GateFailed`` (with ``.result``) for code that
    already catches what ``CheckResult.raise_for_verdict`` raises."""

    def __init__(self, result: CheckResult, message: str):
        self.result = result
        AssertionError.__init__(self, message)


def assert_safe(real: Any, holdout: Any, synthetic: Any, *, metadata: Any = None, policy: Any = None, seed: int = 0,
                gates: Iterable[Gate | str] | None = None,
                allow: Iterable[Verdict | str] = ("pass", "skipped")) -> CheckResult:
    """Run ``synthgate.check`` and return its ``CheckResult``, or raise ``UnsafeSynthetic`` (an AssertionError)
    listing each offending gate and its measurements (id, verdict, value, honest reference band, reason).

    A gate offends when its verdict is not in ``allow``, or when it fails CI as ``CheckResult.failing`` says
    (the CLI's exit code 1: ``fail_on``, an error, the policy's ``fail_on_inconclusive``). So ``allow`` can only
    make the test stricter than the CLI; to relax it, relax the policy. ``gates`` are Gate objects or names
    (e.g. ``["privacy"]``), default all; the arguments are those of ``synthgate.check``.
    """
    allowed = _verdicts(allow)
    result = _run(real, holdout, synthetic, metadata=metadata, policy=policy, seed=seed, gates=gates)
    offending = _offending(result, allowed)
    if offending:
        raise UnsafeSynthetic(result, _message(result, offending, allowed))
    return result


def _run(real: Any, holdout: Any, synthetic: Any, *, gates: Iterable[Gate | str] | None, **options: Any) -> CheckResult:
    from synthgate.gates.registry import gate_named
    from synthgate.run import check

    chosen = None if gates is None else [gate_named(g) if isinstance(g, str) else g for g in gates]
    return check(real, holdout, synthetic, gates=chosen, **options)


def _verdicts(allow: Iterable[Verdict | str]) -> frozenset[Verdict]:
    if isinstance(allow, (str, Verdict)):  # allow="pass" means ("pass",), not the letters p, a, s, s
        allow = (allow,)
    try:
        return frozenset(Verdict(v) for v in allow)
    except ValueError as err:
        raise ValueError(f"allow: {err}; use verdicts from {[v.value for v in Verdict]}") from None


def _offending(result: CheckResult, allowed: frozenset[Verdict]) -> dict[str, str]:
    """Gate → why, in report order: the verdict is not allowed, and/or the gate fails CI."""
    failing = result.failing()
    offending = {}
    for gate in result.gates:
        whys = [f"{gate.verdict.value}, not in allow"] if gate.verdict not in allowed else []
        whys += [f"fails CI: {failing[gate.gate]}"] if gate.gate in failing else []
        if whys:
            offending[gate.gate] = "; ".join(whys)
    return offending


def _message(result: CheckResult, offending: dict[str, str], allowed: frozenset[Verdict]) -> str:
    shown = ", ".join(v.value for v in sorted(allowed, key=lambda v: v.severity))
    lines = [f"synthetic data is not safe: {len(offending)} gate(s) not allowed (allow: {shown})"]
    for name, why in offending.items():
        gate = result.gate(name)
        lines.append(f"{name}: {why}")
        lines += [f"  {line}" for line in _evidence(gate, allowed)]
    return "\n".join(lines)


def _evidence(gate: GateResult, allowed: frozenset[Verdict]) -> list[str]:
    """The measurements behind a gate's verdict: those not allowed, else (a CI rule failed it) its worst ones."""
    if not gate.measurements:
        return [f"{gate.verdict.value}: {gate.error or gate.skipped_reason or gate.summary}"]
    shown = [m for m in gate.measurements if m.verdict not in allowed]
    shown = shown or [m for m in gate.measurements if m.verdict is gate.verdict]
    worst_first = sorted(shown, key=lambda m: -m.verdict.severity)
    return [line for m in worst_first for line in _describe(m)]


def _describe(m: Measurement) -> list[str]:
    ref = m.reference
    band = "no reference" if ref is None else f"honest {_num(ref.value)} [{_num(ref.low)}, {_num(ref.high)}]"
    allowed = "no limit" if m.threshold is None else _num(m.threshold)
    return [f"{m.id}: {m.verdict.value.upper()}, value {_num(m.value)}, {band}, allowed excess {allowed}",
            f"    {m.reason}"]


def _num(x: float | None) -> str:
    return "n/a" if x is None or x != x else f"{x:.4g}"
