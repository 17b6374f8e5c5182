"""synthgate's errors.

SynthgateError
├── InputError (also ValueError)     bad tables or metadata: CLI exit 2
│   └── InputErrors                  several InputErrors, reported together
├── PolicyError (also ValueError)    bad policy file: CLI exit 2
├── LedgerError                      the provenance store refused or is corrupt: CLI exit 2
└── GateFailed                       raised only by CheckResult.raise_for_verdict()
"""

from __future__ import annotations

from typing import Any, Iterable


class SynthgateError(Exception):
    """Base of every error synthgate raises on purpose."""


class InputError(SynthgateError, ValueError):
    """A table or metadata file that cannot be judged; the message says what to fix."""

    def __init__(self, problem: str, *, fix: str, table: str | None = None, column: str | None = None):
        where = ".".join(p for p in (table, column) if p)
        text = f"{problem} {fix}".strip()
        super().__init__(f"{where}: {text}" if where else text)
        self.problem, self.fix, self.table, self.column = problem, fix, table, column


class InputErrors(InputError):
    """Several input problems found in one validation pass, reported together."""

    def __init__(self, errors: Iterable[InputError]):
        self.errors = tuple(errors)
        lines = [str(e) for e in self.errors]
        header = f"{len(lines)} problems with the input tables:" if len(lines) > 1 else ""
        SynthgateError.__init__(self, "\n".join([header, *(f"- {l}" for l in lines)]).strip() if header else lines[0])
        first = self.errors[0]
        self.problem, self.fix, self.table, self.column = first.problem, first.fix, first.table, first.column


class PolicyError(SynthgateError, ValueError):
    """A policy file that does not validate."""


class LedgerError(SynthgateError):
    """The provenance ledger refused an operation or is inconsistent."""


class GateFailed(SynthgateError):
    """Raised by ``CheckResult.raise_for_verdict()`` when a gate did not pass."""

    def __init__(self, result: Any):
        self.result = result
        failing = result.failing()
        super().__init__("gates failing CI: " + "; ".join(f"{gate} ({why})" for gate, why in failing.items()))


def raise_collected(errors: list[InputError]) -> None:
    """Raise the problems of one validation pass together, or nothing."""
    if len(errors) == 1:
        raise errors[0]
    if errors:
        raise InputErrors(errors)
