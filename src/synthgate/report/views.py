"""From a CheckResult to what the templates show: reads the result, never recomputes a verdict.

Nothing here knows a gate by name except ``SURFACE_GATES``: the gates that check surface similarity,
which the headline contrasts with the gates that look deeper.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any

from markupsafe import Markup

from synthgate.gates.base import GateResult
from synthgate.report.marks import fmt, position_glyph
from synthgate.report.kinds import draw
from synthgate.report.marks import Drawn, Ids
from synthgate.report.specs import find_specs
from synthgate.result import CheckResult
from synthgate.verdict import Measurement, Verdict

SURFACE_GATES = ("fidelity",)
#: ``Measurement.details`` key of a measurement in the user's units: equivalent independent real rows
UNITS_KEY = "equivalent_real_rows"

VERDICT_MEANING = {
    Verdict.PASS: "Safe to use under this policy: every judged gate passes.",
    Verdict.WARN: "Usable with care: at least one gate warns; read its section before using the data.",
    Verdict.FAIL: "Not safe to use: at least one gate fails.",
    Verdict.INCONCLUSIVE: "Not decided: too little data to rule out a problem the policy cares about.",
    Verdict.ERROR: "Not judged: a gate crashed, so this result cannot clear the data.",
    Verdict.SKIPPED: "Nothing judged: every gate was skipped.",
}
_GATE_PHRASE = {Verdict.PASS: "passes", Verdict.WARN: "WARN", Verdict.FAIL: "FAIL",
                Verdict.INCONCLUSIVE: "inconclusive", Verdict.SKIPPED: "skipped", Verdict.ERROR: "not judged"}


@dataclass
class Plot:
    spec: dict
    drawn: Drawn

    @property
    def title(self) -> str:
        return str(self.spec.get("title", ""))

    @property
    def kind(self) -> str:
        return str(self.spec.get("plot", ""))

    @property
    def wide(self) -> bool:
        columns = self.spec.get("columns")
        return self.kind == "reference" or (self.kind == "table" and isinstance(columns, list) and len(columns) > 5)


@dataclass
class PlotGroup:
    title: str
    note: str
    plots: list[Plot]


@dataclass
class MeasurementView:
    m: Measurement
    anchor: str
    limit: str
    glyph: Markup | None
    facts: list[tuple[str, Any]]
    groups: list[PlotGroup]
    loose: list[Plot]
    undrawn: list[str]
    units: str = ""

    @property
    def has_value(self) -> bool:
        return _judged(self.m) or (self.m.value is not None and math.isfinite(self.m.value))

    @property
    def verdict(self) -> str:
        return self.m.verdict.value

    @property
    def value(self) -> str:
        return fmt(self.m.value)


@dataclass
class GateView:
    r: GateResult
    anchor: str
    title: str
    measurements: list[MeasurementView]
    groups: list[PlotGroup]
    loose: list[Plot]
    facts: list[tuple[str, Any]]
    undrawn: list[str]

    @property
    def verdict(self) -> str:
        return self.r.verdict.value

    @property
    def plot_count(self) -> int:
        own = sum(len(g.plots) for g in self.groups) + len(self.loose)
        return own + sum(sum(len(g.plots) for g in m.groups) + len(m.loose) for m in self.measurements)


@dataclass
class HeadlinePart:
    gate: str
    verdict: str
    text: str
    anchor: str


@dataclass
class ReportView:
    result: CheckResult
    prefix: str
    verdict: str
    meaning: str
    lead: str
    parts: list[HeadlinePart]
    lesson: bool
    gates: list[GateView]
    header: dict[str, Any] = field(default_factory=dict)

    @property
    def headline(self) -> str:
        return headline_text(self.lead, self.parts)


def build_view(result: CheckResult, ids: Ids, *, prefix: str = "") -> ReportView:
    synthetic_rows = ((result.inputs or {}).get("synthetic") or {}).get("rows")
    gates = [_gate_view(g, ids, prefix, synthetic_rows) for g in result.gates]
    lead, parts, lesson = headline_parts(result, prefix)
    verdict = result.verdict if result.gates else Verdict.SKIPPED
    return ReportView(result, prefix, verdict.value, VERDICT_MEANING[verdict], lead, parts, lesson, gates,
                      _header(result))


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", str(text).lower()).strip("-") or "x"


# --- headline -------------------------------------------------------------------------------------------


def _judged(m: Measurement) -> bool:
    return m.reference is not None and m.value is not None and math.isfinite(m.value)


def _closeness(m: Measurement) -> float:
    """How close a measurement came to its fail limit (> 1 beyond it): excess over allowed excess."""
    if not _judged(m):
        return -math.inf
    return m.excess / m.threshold if m.threshold else m.excess


def _versus(m: Measurement) -> str:
    if not _judged(m):
        return f"{m.id}: {_shorten(m.reason, 110)}"
    return f"{m.id} {fmt(m.value)} vs honest {fmt(m.reference.value)}"


def _worst_measurement(g: GateResult) -> Measurement | None:
    if not g.measurements:
        return None
    return max(g.measurements, key=lambda m: (m.verdict.severity, _closeness(m)))


def _gate_phrase(g: GateResult) -> str:
    verdict = g.verdict
    if verdict is Verdict.ERROR:
        return f"{g.gate} not judged (the gate crashed: {_shorten(g.error or '', 110)})"
    if verdict is Verdict.SKIPPED:
        return f"{g.gate} skipped ({g.skipped_reason})"
    top = _worst_measurement(g)
    if verdict is Verdict.PASS:
        judged = [m for m in g.measurements if _judged(m)]
        nearest = max(judged, key=_closeness) if judged else None
        return f"{g.gate} passes" + (f" (worst {_versus(nearest)})" if nearest else "")
    more = sum(1 for m in g.measurements if m.verdict is verdict) - 1
    return (f"{g.gate} {_GATE_PHRASE[verdict]}: {_versus(top)}"
            + (f" (+{more} more {verdict.value})" if more > 0 else ""))


def headline_parts(result: CheckResult, prefix: str = "") -> tuple[str, list[HeadlinePart], bool]:
    """The lead sentence, one phrase per gate worth naming (surface gates, then what was caught), and
    whether this is the central lesson: the surface check passed while a deeper gate failed or warned."""
    surface = [g for g in result.gates if g.gate in SURFACE_GATES]
    deeper = [g for g in result.gates if g.gate not in SURFACE_GATES]
    order = (Verdict.FAIL, Verdict.WARN, Verdict.ERROR, Verdict.INCONCLUSIVE)  # what was caught comes first
    bad = sorted((g for g in deeper if g.verdict in order), key=lambda g: order.index(g.verdict))
    shown = surface + bad
    if not shown:
        shown = list(result.gates)
    parts = [HeadlinePart(g.gate, g.verdict.value, _gate_phrase(g), _anchor(prefix, g.gate)) for g in shown]
    surface_passes = bool(surface) and all(g.verdict is Verdict.PASS for g in surface)
    caught = [g.gate for g in bad if g.verdict in (Verdict.FAIL, Verdict.WARN)]
    lesson = surface_passes and bool(caught)
    if lesson:
        names = ", ".join(g.gate for g in surface)
        failing = any(g.verdict is Verdict.FAIL for g in bad)
        lead = (f"Looks right, {'is not safe' if failing else 'needs a closer look'}: the surface check ({names}) "
                f"passes, while {_and(caught)} {'finds' if len(caught) == 1 else 'find'} what it cannot see.")
    elif not result.gates:
        lead = "No gate ran."
    elif result.verdict.passes:
        judged = [g for g in result.gates if g.verdict is Verdict.PASS]
        lead = f"Every judged gate passes ({len(judged)} of {len(result.gates)})."
    elif surface and any(g.verdict in (Verdict.FAIL, Verdict.WARN) for g in surface):
        lead = "The problem shows on the surface already: even the surface check does not pass."
    elif caught:
        lead = f"{_and(caught).capitalize()} {'finds' if len(caught) == 1 else 'find'} a problem."
    else:
        lead = VERDICT_MEANING[result.verdict]
    return lead, parts, lesson


def headline_text(lead: str, parts: list[HeadlinePart]) -> str:
    return lead + (" " + "; ".join(p.text for p in parts) + "." if parts else "")


def _and(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _shorten(text: str, width: int) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"


# --- gates and measurements -----------------------------------------------------------------------------


def _anchor(prefix: str, *parts: str) -> str:
    return "-".join(slug(p) for p in ((prefix,) if prefix else ()) + ("gate",) + parts)


def _gate_view(g: GateResult, ids: Ids, prefix: str, synthetic_rows: Any = None) -> GateView:
    found = find_specs(g.details)
    title = getattr(g, "title", "") or ""
    measurements = [_measurement_view(m, ids, prefix, synthetic_rows) for m in g.measurements]
    return GateView(g, _anchor(prefix, g.gate), title, measurements, *_draw_groups(found.groups, ids),
                    found.facts, found.undrawn)


def _draw_groups(groups: list, ids: Ids) -> tuple[list[PlotGroup], list[Plot]]:
    """Groups of several plots (or with a note) get a heading; single plots share one grid, side by side."""
    drawn, loose = [], []
    for group in groups:
        plots = [Plot(spec, draw(spec, ids)) for spec in group.specs]
        if len(plots) == 1 and not group.note:
            loose += plots
        else:
            drawn.append(PlotGroup(group.title, group.note, plots))
    return drawn, loose


def _limits(m: Measurement) -> tuple[str, dict[str, float]]:
    ref, t = m.reference, m.threshold
    if ref is None or t is None or not math.isfinite(t):
        return "—", {}
    if m.worse == "higher":
        return f"fail above {fmt(ref.high + t)}", {"limit": ref.high + t}
    if m.worse == "lower":
        return f"fail below {fmt(ref.low - t)}", {"limit": ref.low - t}
    return (f"fail outside [{fmt(ref.low - t)}, {fmt(ref.high + t)}]",
            {"limit": ref.high + t, "limit_low": ref.low - t})


def _measurement_view(m: Measurement, ids: Ids, prefix: str, synthetic_rows: Any = None) -> MeasurementView:
    limit_text, limits = _limits(m)
    glyph = None
    if _judged(m):
        glyph = position_glyph({"value": m.value, "reference": m.reference.value, "low": m.reference.low,
                                "high": m.reference.high, "verdict": m.verdict.value, **limits})
    details = m.details if isinstance(m.details, dict) else {}
    found = find_specs({k: v for k, v in details.items() if k != UNITS_KEY})
    units = units_sentence(details.get(UNITS_KEY), m.n, synthetic_rows)
    return MeasurementView(m, _anchor(prefix, m.gate, m.id), limit_text, glyph, found.facts,
                           *_draw_groups(found.groups, ids), found.undrawn, units)


def units_sentence(units: Any, n: int, synthetic_rows: Any = None) -> str:
    """The measurement in rows: how large an independent real sample would be as close to real."""
    if not isinstance(units, dict) or not isinstance(units.get("rows"), int):
        return ""
    rows, bound = units["rows"], units.get("bound")
    if isinstance(synthetic_rows, int) and synthetic_rows > n > 0:
        table = f"compared on {n:,} of the synthetic table's {synthetic_rows:,} rows"
    else:
        table = f"the synthetic table has {(synthetic_rows if isinstance(synthetic_rows, int) else n):,}"
    if bound == "at_least":
        return f"As close to real as an independent real sample of {rows:,} rows or more ({table})."
    if bound == "below":
        return (f"Further from real than an independent real sample of {rows:,} rows, the smallest size "
                f"measured ({table}).")
    return f"As close to real as an independent real sample of about {_about(rows):,} rows ({table})."


def _about(rows: int) -> int:
    """Two significant digits: the inverted curve is no more precise than that."""
    return int(float(f"{rows:.2g}")) if rows >= 100 else rows


# --- header ---------------------------------------------------------------------------------------------


def _header(result: CheckResult) -> dict[str, Any]:
    inputs = []
    for role, info in (result.inputs or {}).items():
        info = info if isinstance(info, dict) else {}
        sha = str(info.get("sha256", ""))
        inputs.append({"role": role, "rows": fmt(info.get("rows")), "columns": fmt(info.get("columns")),
                       "sha": sha[:12], "sha_full": sha})
    return {"version": result.versions.get("synthgate", "unknown"), "seed": result.seed,
            "created": result.created or "unknown", "schema_version": result.schema_version,
            "inputs": inputs, "notes": list(result.notes), "policy": policy_summary(result.policy),
            "versions": [(k, v) for k, v in result.versions.items() if k != "synthgate"]}


def policy_summary(policy: dict[str, Any]) -> list[tuple[str, str]]:
    """The policy in a few lines a person reads; every key it has is shown, the usual ones in words."""
    policy = dict(policy or {})
    policy.pop("seed", None)  # the run's seed is in the header (a --seed may override the policy's)
    out = []
    if "band" in policy or "resamples" in policy:
        band, resamples = policy.pop("band", None), policy.pop("resamples", None)
        text = f"{fmt(band * 100 if isinstance(band, (int, float)) else band)} % central band" if band else "band"
        out.append(("honest reference", text + (f" of {resamples} honest re-splits of real + holdout" if resamples else "")))
    if "fail_on" in policy:
        strict = policy.pop("fail_on_inconclusive", None)
        also = f"; inconclusive also fails in {', '.join(strict)}" if strict else ""
        out.append(("fails CI at", f"{policy.pop('fail_on')} or worse (an error always fails{also})"))
    if "gates_enabled" in policy:
        enabled = policy.pop("gates_enabled")
        out.append(("gates", "all" if not enabled else ", ".join(map(str, enabled))))
    if "mask_below" in policy:
        out.append(("label masking", f"categories with fewer than {policy.pop('mask_below')} real rows"))
    if "min_rows" in policy:
        out.append(("minimum rows", str(policy.pop("min_rows"))))
    rules = policy.pop("rules", None) or {}
    out.append(("rule overrides", "; ".join(
        f"{rid}: " + ", ".join(f"{k} {fmt(v)}" for k, v in (r or {}).items() if v is not None)
        for rid, r in rules.items()) or "none (gate defaults)"))
    settings = policy.pop("gates", None) or {}
    if settings:
        out.append(("gate settings", "; ".join(
            f"[gates.{name}] " + ", ".join(f"{k} = {v}" for k, v in (s or {}).items())
            for name, s in settings.items())))
    for key, value in policy.items():
        if value not in (None, "", [], {}):
            out.append((key.replace("_", " "), str(value)))
    return out
