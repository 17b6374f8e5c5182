"""Find the plot specs in a ``details`` mapping, and adapt two legacy shapes into specs.

A details entry is drawn when it is a plot spec, a list (or a name → spec mapping) of plot specs, or one
of the legacy shapes below
(recognised by shape, never by gate name):
- labelled shares: ``{name: {"labels": [...], "<series>": [...], ...}}`` (fidelity's ``marginals``) → one
  ``bars`` spec per name, those where synthetic differs most from real first;
- items with honest bounds: ``{"items": {name: {"value": v, "honest_high": h, ...}}}`` → one ``reference``
  spec, items furthest beyond their bound first.
Scalars (text, numbers, booleans) are facts shown as "key: value"; everything else stays in report.json.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from synthgate.report.kinds import is_plot_spec

_BOUND_KEYS = {"reference": "reference", "honest": "reference", "low": "low", "honest_low": "low",
               "high": "high", "honest_high": "high", "limit": "limit"}


@dataclass
class SpecGroup:
    key: str
    specs: list[dict]
    note: str = ""

    @property
    def title(self) -> str:
        return humanise(self.key)


@dataclass
class Found:
    groups: list[SpecGroup] = field(default_factory=list)
    facts: list[tuple[str, Any]] = field(default_factory=list)
    undrawn: list[str] = field(default_factory=list)


def humanise(key: str) -> str:
    text = str(key).replace("_", " ").strip()
    return text[:1].upper() + text[1:]


def find_specs(details: Any) -> Found:
    found = Found()
    if not isinstance(details, dict):
        return found
    for key, value in details.items():
        if is_plot_spec(value):
            found.groups.append(SpecGroup(key, [value]))
        elif isinstance(value, list) and value and all(is_plot_spec(v) for v in value):
            found.groups.append(SpecGroup(key, list(value)))
        elif isinstance(value, dict) and value and all(is_plot_spec(v) for v in value.values()):
            found.groups.append(SpecGroup(key, list(value.values())))
        elif (group := _labelled_shares(key, value)) or (group := _bounded_items(key, value)):
            found.groups.append(group)
        elif value is None or isinstance(value, (str, int, float, bool)):
            found.facts.append((humanise(key), value))
        else:
            found.undrawn.append(str(key))
    return found


def _number_list(value: Any, length: int) -> bool:
    return (isinstance(value, list) and len(value) == length
            and all(v is None or (isinstance(v, (int, float)) and not isinstance(v, bool)) for v in value))


def _labelled_shares(key: str, value: Any) -> SpecGroup | None:
    if not isinstance(value, dict) or not value:
        return None
    specs, gaps = [], []
    for name, entry in value.items():
        if not isinstance(entry, dict) or not isinstance(entry.get("labels"), list) or not entry["labels"]:
            return None
        series = {k: v for k, v in entry.items() if k != "labels" and _number_list(v, len(entry["labels"]))}
        if not series:
            return None
        kind = entry.get("kind")
        specs.append({"plot": "bars", "title": str(name), "labels": entry["labels"], "series": series,
                      "ylabel": "share of rows",
                      "description": f"{name}{f' ({kind})' if kind else ''}: share of rows per "
                                     f"{'category' if kind == 'categorical' else 'bin'} for {', '.join(series)}"})
        gaps.append(_largest_gap(series))
    order = sorted(range(len(specs)), key=lambda i: -gaps[i])
    note = "largest gap between synthetic and real first" if any(gaps) else ""
    return SpecGroup(key, [specs[i] for i in order], note)


def _largest_gap(series: dict[str, list]) -> float:
    if "synthetic" not in series or "real" not in series:
        return 0.0
    return max((abs(a - b) for a, b in zip(series["synthetic"], series["real"]) if a is not None and b is not None),
               default=0.0)


def _bounded_items(key: str, value: Any) -> SpecGroup | None:
    if not isinstance(value, dict) or not value:
        return None
    items = []
    for label, entry in value.items():
        if not isinstance(entry, dict) or not isinstance(entry.get("value"), (int, float)):
            return None
        bounds = {_BOUND_KEYS[k]: v for k, v in entry.items()
                  if k in _BOUND_KEYS and isinstance(v, (int, float)) and not isinstance(v, bool)}
        if not bounds:
            return None
        items.append({"label": str(label), "value": entry["value"], **bounds})
    items.sort(key=lambda i: -_beyond(i))
    spec = {"plot": "reference", "title": f"{humanise(key)}: each value against its honest bound", "items": items,
            "description": "furthest beyond the honest bound first"}
    return SpecGroup(key, [spec])


def _beyond(item: dict) -> float:
    value = float(item["value"])
    excess = [value - item["high"] if "high" in item else -math.inf,
              item["low"] - value if "low" in item else -math.inf]
    return max(excess) if max(excess) > -math.inf else value
