"""The plot-spec vocabulary: a small registry of plot kinds keyed by ``spec["plot"]``.

Gates never draw. They put JSON-able *plot specs* in ``GateResult.details`` (and ``Measurement.details``),
e.g. ``{"plot": "bars", "title": "age", "labels": [...], "series": {"real": [...], "synthetic": [...]}}``,
and the report draws every spec the same way, whichever gate made it (see ``docs/report-plots.md``).

Each kind checks its spec (``problems``) and draws it into an HTML fragment: matplotlib SVG
(``plots.py``: bars, histogram, lines, scatter, heatmap) or hand-written HTML / SVG (``marks.py``: table,
reference). Specs are capped when drawn (labels, points, rows) so a report stays small whatever the data.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any, Callable

from markupsafe import Markup

from synthgate.report import marks, plots
from synthgate.report.marks import Drawn, Ids, is_number, is_verdict


@dataclass(frozen=True)
class PlotKind:
    name: str
    required: tuple[str, ...]
    problems: Callable[[dict], list[str]]
    draw: Callable[[dict, "Ids"], Drawn]


PLOT_KINDS: dict[str, PlotKind] = {}


def register_plot_kind(kind: PlotKind) -> PlotKind:
    """Add (or replace) a plot kind; its name is the ``"plot"`` value of the specs it draws."""
    PLOT_KINDS[kind.name] = kind
    _CACHE.clear()
    return kind


def is_plot_spec(value: Any) -> bool:
    return isinstance(value, dict) and isinstance(value.get("plot"), str)


def plot_spec_problems(spec: Any) -> list[str]:
    """What is wrong with a plot spec ([] when it can be drawn). Gate tests can assert ``== []``."""
    if not is_plot_spec(spec):
        return ['a plot spec is a dict with a "plot" key naming its kind']
    kind = PLOT_KINDS.get(spec["plot"])
    if kind is None:
        return [f'unknown plot kind {spec["plot"]!r}; kinds: {sorted(PLOT_KINDS)}']
    found = [f"missing {key!r}" for key in ("title", *kind.required) if key not in spec]
    if not found and not isinstance(spec["title"], str):
        found.append('"title" must be a string')
    return found or kind.problems(spec)


def draw(spec: dict, ids: Ids) -> Drawn:
    """Draw one spec; a malformed spec or a drawing failure becomes a visible note, never an exception.

    Drawings are cached by the spec's content (re-rendering a result, or a demo whose variants share a
    plot, draws once); each use gets its own id prefix.
    """
    problems = plot_spec_problems(spec)
    if problems:
        return _cannot_draw(spec, "; ".join(problems))
    key = hashlib.sha256(json.dumps(spec, sort_keys=True, default=str).encode()).hexdigest()
    cached = _CACHE.pop(key, None)
    if cached is None:
        try:
            cached = PLOT_KINDS[spec["plot"]].draw(spec, _Placeholder())
        except Exception as err:  # noqa: BLE001 - one bad plot must not lose the whole report
            return _cannot_draw(spec, f"{type(err).__name__}: {err}")
    _CACHE[key] = cached  # most recently used last
    while len(_CACHE) > _CACHE_SIZE:
        _CACHE.pop(next(iter(_CACHE)))
    return Drawn(Markup(cached.html.replace(_PLACEHOLDER + "-", ids.next() + "-")), list(cached.notes))


_PLACEHOLDER, _CACHE_SIZE = "sgIDPFX", 128
_CACHE: dict[str, Drawn] = {}


class _Placeholder(Ids):
    def next(self) -> str:
        return _PLACEHOLDER


def _cannot_draw(spec: Any, why: str) -> Drawn:
    title = spec.get("title", "") if isinstance(spec, dict) else ""
    return Drawn(Markup('<p class="plot-problem" role="note">Plot {} could not be drawn: {}</p>')
                 .format(f"“{title}”" if title else "", why))


# --- checks shared by the kinds -------------------------------------------------------------------------


def _numbers(name: str, values: Any, length: int | None = None) -> list[str]:
    if not isinstance(values, list) or not all(is_number(v) for v in values):
        return [f"{name} must be a list of numbers (null for missing)"]
    if length is not None and len(values) != length:
        return [f"{name} has {len(values)} values, expected {length}"]
    return []


def _series(spec: dict, length: int | None) -> list[str]:
    series = spec.get("series")
    if not isinstance(series, dict) or not series:
        return ['"series" must be a non-empty {name: [values]} mapping']
    return [p for name, values in series.items() for p in _numbers(f"series {name!r}", values, length)]


def _marks(spec: dict, axes: str = "xy") -> list[str]:
    found = []
    for mark in spec.get("marks", []):
        keys = [a for a in axes if a in mark]
        if not isinstance(mark, dict) or len(keys) != 1 or not is_number(mark[keys[0]]):
            found.append(f'each mark is {{"{axes[0]}": number, "label": text}}'
                         + (' or {"y": number, ...}' if len(axes) > 1 else ""))
    return found


def _bars_problems(spec: dict) -> list[str]:
    labels = spec["labels"]
    if not isinstance(labels, list) or not labels:
        return ['"labels" must be a non-empty list']
    return _series(spec, len(labels)) + _marks(spec, "y")


def _histogram_problems(spec: dict) -> list[str]:
    found = _numbers('"bins"', spec["bins"])
    if found:
        return found
    bins = spec["bins"]
    if len(bins) < 2 or any(b is None for b in bins) or any(later <= earlier for earlier, later in zip(bins, bins[1:])):
        return ['"bins" must be at least two increasing edges']
    return _series(spec, len(bins) - 1) + _marks(spec)


def _lines_problems(spec: dict) -> list[str]:
    x = spec["x"]
    if not isinstance(x, list) or not x:
        return ['"x" must be a non-empty list']
    found = _series(spec, len(x)) + _marks(spec)
    for name, band in (spec.get("bands") or {}).items():
        if not isinstance(band, dict) or "low" not in band or "high" not in band:
            found.append(f'band {name!r} must be {{"low": [...], "high": [...]}}')
        else:
            found += _numbers(f"band {name!r} low", band["low"], len(x))
            found += _numbers(f"band {name!r} high", band["high"], len(x))
    return found


def _scatter_problems(spec: dict) -> list[str]:
    series = spec["series"]
    if not isinstance(series, dict) or not series:
        return ['"series" must be a non-empty {name: {"x": [...], "y": [...]}} mapping']
    found = []
    for name, points in series.items():
        if not isinstance(points, dict) or "x" not in points or "y" not in points:
            found.append(f'series {name!r} must be {{"x": [...], "y": [...]}}')
            continue
        found += _numbers(f"series {name!r} x", points["x"]) + _numbers(f"series {name!r} y", points["y"],
                                                                         len(points["x"]))
    return found + _marks(spec)


def _heatmap_problems(spec: dict) -> list[str]:
    x, y, values = spec["x"], spec["y"], spec["values"]
    if not isinstance(x, list) or not isinstance(y, list) or not x or not y:
        return ['"x" and "y" must be non-empty label lists']
    if not isinstance(values, list) or len(values) != len(y):
        return [f'"values" must be {len(y)} rows (one per y label)']
    return [p for i, row in enumerate(values) for p in _numbers(f"values row {i}", row, len(x))]


def _table_problems(spec: dict) -> list[str]:
    columns, rows = spec["columns"], spec["rows"]
    if not isinstance(columns, list) or not columns:
        return ['"columns" must be a non-empty list of names']
    if not isinstance(rows, list) or not all(isinstance(r, list) and len(r) == len(columns) for r in rows):
        return [f'"rows" must be a list of lists with {len(columns)} cells each']
    return []


def _reference_problems(spec: dict) -> list[str]:
    items = spec["items"]
    if not isinstance(items, list) or not items:
        return ['"items" must be a non-empty list of {"label", "value", "reference", "low", "high"}']
    found = []
    for i, item in enumerate(items):
        if not isinstance(item, dict) or "label" not in item or "value" not in item:
            found.append(f"item {i} needs a label and a value")
        elif not all(is_number(item.get(k)) for k in ("value", "reference", "low", "high", "limit")):
            found.append(f"item {i}: value, reference, low, high and limit must be numbers or null")
        elif "verdict" in item and not is_verdict(item["verdict"]):
            found.append(f"item {i}: verdict {item['verdict']!r} is not a verdict")
    return found


for _kind in (
    PlotKind("bars", ("labels", "series"), _bars_problems, plots.draw_bars),
    PlotKind("histogram", ("bins", "series"), _histogram_problems, plots.draw_histogram),
    PlotKind("lines", ("x", "series"), _lines_problems, plots.draw_lines),
    PlotKind("scatter", ("series",), _scatter_problems, plots.draw_scatter),
    PlotKind("heatmap", ("x", "y", "values"), _heatmap_problems, plots.draw_heatmap),
    PlotKind("table", ("columns", "rows"), _table_problems, marks.draw_table),
    PlotKind("reference", ("items",), _reference_problems, marks.draw_reference),
):
    register_plot_kind(_kind)
