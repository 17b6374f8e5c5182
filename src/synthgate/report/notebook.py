"""A ``CheckResult`` in a notebook: a pandas DataFrame of its measurements and a compact HTML verdict table.

Behind ``CheckResult.to_frame()`` and ``CheckResult._repr_html_()``; rendered from the result alone, nothing is
recomputed. The HTML is plain markup and a style block scoped to it: no script, no external resource.
"""

from __future__ import annotations

import math
from html import escape
from typing import Any

from synthgate.gates.base import GateResult
from synthgate.report.marks import fmt
from synthgate.result import CheckResult
from synthgate.verdict import Measurement, Verdict

FRAME_COLUMNS = ("gate", "measurement", "verdict", "value", "reference", "low", "high", "method", "n",
                 "fail_excess", "excess", "min_detectable", "reason")
#: verdicts from least to most severe, so sorting the frame's ``verdict`` column puts the worst last
VERDICT_ORDER = tuple(sorted(Verdict, key=lambda v: v.severity))
VERDICT_COLOURS = {"pass": "#1a7f37", "warn": "#9a6700", "fail": "#cf222e", "error": "#cf222e",
                   "inconclusive": "#8250df", "skipped": "#6e7781"}
# selectors scoped to the result's own class, so the notebook's other output is untouched
STYLE = ("<style>.synthgate-result table{border-collapse:collapse;margin:4px 0}"
         ".synthgate-result th,.synthgate-result td{padding:2px 8px;text-align:left;vertical-align:top;"
         "border-bottom:1px solid #d0d7de}.synthgate-result .note{color:#6e7781}</style>")


def result_frame(result: CheckResult) -> Any:
    """One row per measurement, in report order, with columns ``FRAME_COLUMNS``.

    ``verdict`` is an ordered categorical (skipped < pass < inconclusive < warn < fail < error). ``fail_excess`` is
    how far beyond the honest band the value may go before FAIL (the stored threshold; NaN: no limit); the
    warn allowance is not stored in a result. A gate that was skipped or crashed has no measurements: it gets
    one row with ``measurement`` empty, its verdict and why, so an errored gate is never missing.
    """
    import pandas as pd

    rows = [row for gate in result.gates for row in _gate_rows(gate)]
    frame = pd.DataFrame(rows, columns=list(FRAME_COLUMNS))
    frame["verdict"] = pd.Categorical(frame["verdict"], categories=[v.value for v in VERDICT_ORDER], ordered=True)
    frame["n"] = frame["n"].astype("int64")
    return frame


def _gate_rows(gate: GateResult) -> list[dict[str, Any]]:
    if not gate.measurements:
        why = gate.error or gate.skipped_reason or gate.summary
        return [_row(gate.gate, None, gate.verdict, math.nan, None, None, 0, why)]
    return [_measurement_row(gate.gate, m) for m in gate.measurements]


def _measurement_row(gate: str, m: Measurement) -> dict[str, Any]:
    row = _row(gate, m.id, m.verdict, m.value, m.reference, m.threshold, m.n, m.reason)
    row.update(excess=_float(m.excess), min_detectable=_float(m.min_detectable))
    return row


def _row(gate: str, measurement: str | None, verdict: Verdict, value: float, reference: Any,
         threshold: float | None, n: int, reason: str) -> dict[str, Any]:
    return {"gate": gate, "measurement": measurement, "verdict": verdict.value, "value": _float(value),
            "reference": _float(reference.value if reference else None),
            "low": _float(reference.low if reference else None),
            "high": _float(reference.high if reference else None),
            "method": reference.method if reference else None, "n": n,
            "fail_excess": _float(threshold), "excess": math.nan, "min_detectable": math.nan, "reason": reason}


def result_html(result: CheckResult) -> str:
    """The overall verdict and whether CI fails, a table of gate verdicts, then one of every measurement."""
    return (f'<div class="synthgate-result">{STYLE}{_headline(result)}{_gate_table(result)}'
            f"{_measurement_table(result)}{_notes(result)}</div>")


def _headline(result: CheckResult) -> str:
    failing = result.failing()
    ci = ("CI: fail (exit 1): " + "; ".join(f"{gate}: {why}" for gate, why in failing.items())
          if failing else "CI: pass (exit 0)")
    return f"<p><strong>synthgate: {_badge(result.verdict)}</strong> &middot; {escape(ci)}</p>"


def _gate_table(result: CheckResult) -> str:
    rows = [(escape(g.gate), _badge(g.verdict), escape(g.summary)) for g in result.gates]
    return _table(("gate", "verdict", "finding"), rows)


def _measurement_table(result: CheckResult) -> str:
    rows = [(escape(m.id), _badge(m.verdict), fmt(m.value), _band(m), fmt(m.threshold), escape(m.reason))
            for g in result.gates for m in g.measurements]
    if not rows:
        return ""
    table = _table(("measurement", "verdict", "value", "honest reference [band]", "allowed excess", "reason"), rows)
    return f"<details open><summary>{len(rows)} measurements</summary>{table}</details>"


def _band(m: Measurement) -> str:
    ref = m.reference
    if ref is None:
        return "—"
    return escape(f"{fmt(ref.value)} [{fmt(ref.low)}, {fmt(ref.high)}] ({ref.method}, n={ref.n})")


def _notes(result: CheckResult) -> str:
    return "".join(f'<p class="note">note: {escape(note)}</p>' for note in result.notes)


def _table(headers: tuple[str, ...], rows: list[tuple[str, ...]]) -> str:
    """Cells arrive escaped: only the verdict badge carries markup."""
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{cell}</td>" for cell in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _badge(verdict: Verdict) -> str:
    colour = VERDICT_COLOURS[verdict.value]
    return f'<span style="color:{colour};font-weight:bold">{verdict.value.upper()}</span>'


def _float(x: Any) -> float:
    return math.nan if x is None else float(x)
