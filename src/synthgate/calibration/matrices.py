"""From run records to the two matrices: false alarms (gate x data set x ratio) and power (defect x data set
x size), each cell with its counts, shares, a Clopper-Pearson interval and PASS / MISS against its target.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any, Iterable

from scipy.stats import beta

from synthgate.calibration.plan import FALSE_ALARM, POWER, Cell
from synthgate.calibration.planting import DEFECTS
from synthgate.verdict import Verdict

FALSE_ALARM_TARGET = 0.05   # at most this share of WARN-or-worse on independent real samples
POWER_TARGET = 0.95         # at least this share of planted defects at FAIL
#: a power cell below target is UNDERPOWERED, not a MISS, when the gate said "cannot tell" (INCONCLUSIVE) in at
#: least this share of seeds and passed the defect in at most 1 - target: too little data, honestly reported
UNDERPOWERED_INCONCLUSIVE = 0.5
LEVEL = 0.95


def clopper_pearson(k: int, n: int, level: float = LEVEL) -> tuple[float, float]:
    """Exact two-sided binomial interval for ``k`` successes in ``n`` trials (0, 1 when ``n`` is 0).

    Examples
    --------
    >>> low, high = clopper_pearson(0, 100)
    >>> low, round(high, 4)
    (0.0, 0.0362)
    """
    if n == 0:
        return 0.0, 1.0
    tail = (1.0 - level) / 2.0
    low = 0.0 if k == 0 else float(beta.ppf(tail, k, n - k + 1))
    high = 1.0 if k == n else float(beta.ppf(1.0 - tail, k + 1, n - k))
    return low, high


@dataclass(frozen=True)
class Tally:
    """Verdict counts over seeds. ERROR counts as WARN-or-worse and as FAIL: CI fails on it like a FAIL."""

    n: int = 0
    warn_or_worse: int = 0
    fail: int = 0
    inconclusive: int = 0
    skipped: int = 0
    error: int = 0
    passed: int = 0

    @classmethod
    def of(cls, verdicts: Iterable[str]) -> "Tally":
        found = [Verdict(v) for v in verdicts]
        return cls(n=len(found), warn_or_worse=sum(v.at_least(Verdict.WARN) for v in found),
                   fail=sum(v.at_least(Verdict.FAIL) for v in found),
                   inconclusive=sum(v is Verdict.INCONCLUSIVE for v in found),
                   skipped=sum(v is Verdict.SKIPPED for v in found), error=sum(v is Verdict.ERROR for v in found),
                   passed=sum(v.passes for v in found))

    def share(self, count: int) -> float | None:
        return None if self.n == 0 else count / self.n

    def to_dict(self) -> dict[str, Any]:
        low_w, high_w = clopper_pearson(self.warn_or_worse, self.n)
        low_f, high_f = clopper_pearson(self.fail, self.n)
        return {"seeds": self.n, "warn_or_worse": self.warn_or_worse, "fail": self.fail,
                "inconclusive": self.inconclusive, "skipped": self.skipped, "error": self.error,
                "passed": self.passed, "passed_share": self.share(self.passed),
                "warn_or_worse_share": self.share(self.warn_or_worse), "fail_share": self.share(self.fail),
                "inconclusive_share": self.share(self.inconclusive), "skipped_share": self.share(self.skipped),
                "warn_or_worse_ci": [low_w, high_w], "fail_ci": [low_f, high_f]}


def false_alarm_status(tally: Tally, target: float = FALSE_ALARM_TARGET) -> str:
    """PASS when the observed WARN-or-worse share is at most the target (MISS otherwise)."""
    if tally.n == 0:
        return "NO DATA"
    if tally.skipped == tally.n:
        return "SKIPPED"
    return "PASS" if tally.warn_or_worse <= target * tally.n + 1e-9 else "MISS"


def power_status(tally: Tally, target: float = POWER_TARGET) -> str:
    """PASS when the defect's gate is at FAIL (a crash is not a catch) in at least the target share of seeds;
    UNDERPOWERED when it is not, but the gate mostly said it could not tell (INCONCLUSIVE) and passed the defect
    in at most ``1 - target`` of seeds; MISS otherwise (the defect was passed, or only warned about)."""
    if tally.n == 0:
        return "NO DATA"
    if tally.fail - tally.error >= target * tally.n - 1e-9:
        return "PASS"
    if tally.inconclusive >= UNDERPOWERED_INCONCLUSIVE * tally.n and tally.passed <= (1 - target) * tally.n + 1e-9:
        return "UNDERPOWERED"
    return "MISS"


def _by_cell(records: Iterable[dict], cells: Iterable[Cell]) -> dict[Cell, list[dict]]:
    """The records of each planned cell, current fingerprint only."""
    wanted = {(c.dataset, c.kind, c.name, c.config): c for c in cells}
    out: dict[Cell, list[dict]] = {c: [] for c in wanted.values()}
    latest: dict[tuple, dict] = {}
    for record in records:
        latest[(record["dataset"], record["kind"], record["cell"], record["seed"])] = record
    for record in latest.values():
        cell = wanted.get((record["dataset"], record["kind"], record["cell"], record.get("config")))
        if cell is not None:
            out[cell].append(record)
    return out


def false_alarm_matrix(records: Iterable[dict], cells: Iterable[Cell], *,
                       target: float = FALSE_ALARM_TARGET) -> dict[str, Any]:
    """Gate x data set x ratio, and measurement x data set x ratio, over the false-alarm cells."""
    grouped = _by_cell(records, [c for c in cells if c.kind == FALSE_ALARM])
    gate_rows, measurement_rows = [], []
    for cell, found in grouped.items():
        base = {"dataset": cell.dataset, "ratio": cell.ratio, "synthetic_rows": cell.sizes.synthetic,
                "holdout_rows": cell.sizes.holdout}
        for gate in cell.gates:
            tally = Tally.of(r["gates"].get(gate, "error") for r in found)
            gate_rows.append({"gate": gate, **base, **tally.to_dict(), "target": target,
                              "status": false_alarm_status(tally, target)})
        ids: dict[str, list[str]] = defaultdict(list)
        for record in found:
            for mid, verdict in record["measurements"].items():
                ids[mid].append(verdict)
        for mid, verdicts in ids.items():
            tally = Tally.of(verdicts)
            measurement_rows.append({"measurement": mid, "gate": mid.split(".", 1)[0], **base, **tally.to_dict()})
    seconds = _seconds(grouped)
    errors = [{"dataset": r["dataset"], "cell": r["cell"], "seed": r["seed"], "message": f"{where}: {message}"}
              for found in grouped.values() for r in sorted(found, key=lambda r: r["seed"])
              for where, message in (r.get("errors") or {}).items()]
    statuses = [row["status"] for row in gate_rows]
    return {"target": target, "rule": "share of seeds with the gate at WARN or worse (FAIL, ERROR) on an "
                                      "independent real sample in the synthetic's place",
            "gates": gate_rows, "measurements": measurement_rows, "seconds": seconds, "errors": errors,
            "summary": {"cells": len(statuses), "pass": statuses.count("PASS"), "miss": statuses.count("MISS"),
                        "no_data": statuses.count("NO DATA"), "skipped": statuses.count("SKIPPED")}}


def power_matrix(records: Iterable[dict], cells: Iterable[Cell], *, target: float = POWER_TARGET) -> dict[str, Any]:
    """Defect x data set x size: the share of seeds where the defect's gate caught it."""
    grouped = _by_cell(records, [c for c in cells if c.kind == POWER])
    rows = []
    for cell, found in grouped.items():
        defect = DEFECTS[cell.defect]
        tally = Tally.of(r["gates"].get(defect.gate, "error") for r in found)
        firing: dict[str, int] = defaultdict(int)
        for record in found:
            for mid, verdict in record["measurements"].items():
                if Verdict(verdict).at_least(Verdict.FAIL):
                    firing[mid] += 1
        caught = tally.fail - tally.error
        low, high = clopper_pearson(caught, tally.n)
        rows.append({"defect": cell.defect, "gate": defect.gate, "description": defect.description,
                     "dataset": cell.dataset, "ratio": cell.ratio, "synthetic_rows": cell.sizes.synthetic,
                     "holdout_rows": cell.sizes.holdout, **tally.to_dict(), "caught": caught,
                     "caught_share": tally.share(caught), "caught_ci": [low, high], "target": target,
                     "status": power_status(tally, target),
                     "failing_measurements": dict(sorted(firing.items(), key=lambda kv: -kv[1])),
                     "planted_example": min(found, key=lambda r: r["seed"]).get("planted") if found else None})
    statuses = [row["status"] for row in rows]
    return {"target": target, "rule": "share of seeds with the defect's gate at FAIL (a crash, ERROR, is not a "
                                      "catch); WARN-or-worse shown beside",
            "cells": rows, "seconds": _seconds(grouped),
            "summary": {"cells": len(statuses), "pass": statuses.count("PASS"), "miss": statuses.count("MISS"),
                        "underpowered": statuses.count("UNDERPOWERED"), "no_data": statuses.count("NO DATA")}}


def _seconds(grouped: dict[Cell, list[dict]]) -> list[dict[str, Any]]:
    """Mean wall seconds per run of each cell, and per gate."""
    out = []
    for cell, found in grouped.items():
        if not found:
            continue
        gates: dict[str, list[float]] = defaultdict(list)
        for record in found:
            for gate, seconds in record.get("gate_seconds", {}).items():
                gates[gate].append(seconds)
        out.append({"dataset": cell.dataset, "cell": cell.name, "runs": len(found),
                    "mean_seconds": sum(r["seconds"] for r in found) / len(found),
                    "mean_cpu_seconds": sum(r.get("cpu_seconds", r["seconds"]) for r in found) / len(found),
                    "gates": {g: sum(v) / len(v) for g, v in gates.items()}})
    return out
