"""A generator's validation history in the ledger: runs recorded, then followed over time, beside production.

Every run recorded in the ledger (``record_result``, by ``synthgate check --ledger`` and by
``synthgate.revalidation.revalidate``) keeps its full result JSON, so each measurement can be followed from
run to run and slow decay becomes visible: as a table (``history_table``), as plot specs (``history_plot_specs``,
also drawn by the drift gate's report), beside a model's production numbers (a small CSV of date and metric
columns, ``load_production``).

Examples
--------
>>> from synthgate.ledger import Ledger
>>> ledger = Ledger.open(":memory:")                                  # doctest: +SKIP
>>> measurement_history(ledger.runs(ledger.generator("adult-cart").id))   # doctest: +SKIP
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any, Iterable, Sequence

import pandas as pd

from synthgate.errors import InputError

__all__ = ["COLUMNS", "history_plot_spec", "history_plot_specs", "history_table", "load_production",
           "measurement_history", "production_as_of", "production_plot_spec", "record_result"]

COLUMNS = ["run", "created", "kind", "generator", "run_verdict", "measurement", "value", "honest", "low", "high",
           "threshold", "verdict"]


def record_result(ledger: Any, result: Any, *, kind: str, generator: int | str | None = None,
                  inputs: dict[str, str] | None = None) -> Any:
    """Store a ``CheckResult`` in the ledger as one run; ``inputs`` default to its input fingerprints."""
    if inputs is None:
        inputs = {role: info["sha256"] for role, info in result.inputs.items() if "sha256" in info}
    return ledger.record_run(kind, generator_id=generator, inputs=inputs, policy=result.policy,
                             result=result.to_json(), verdict=result.verdict.value)


# --- views -------------------------------------------------------------------------------------------


def measurement_history(runs: Sequence[Any]) -> pd.DataFrame:
    """One row per run and measurement, oldest first (columns: ``COLUMNS``)."""
    rows = []
    for run in sorted(runs, key=lambda r: (r.created, r.id)):
        for gate in _result(run).get("gates", []):
            for m in gate.get("measurements", []):
                ref = m.get("reference") or {}
                rows.append([run.id, run.created, run.kind, run.generator_id, run.verdict, m.get("id"),
                             _num(m.get("value")), _num(ref.get("value")), _num(ref.get("low")),
                             _num(ref.get("high")), _num(m.get("threshold")), m.get("verdict")])
    return pd.DataFrame(rows, columns=COLUMNS)


def history_table(runs: Sequence[Any], *, measurements: Iterable[str] | None = None,
                  field: str = "value") -> pd.DataFrame:
    """Measurements (rows) by run id (columns, oldest first): ``field`` is "value" or "verdict"."""
    long = _selected(measurement_history(runs), measurements)
    if long.empty:
        return pd.DataFrame()
    table = long.pivot_table(index="measurement", columns="run", values=field, aggfunc="first", sort=False)
    return table.reindex(columns=sorted(long["run"].unique()))


def history_plot_spec(runs: Sequence[Any], measurements: Iterable[str] | None = None, *,
                      production: pd.DataFrame | None = None, title: str = "Validation history") -> dict:
    """One ``lines`` plot spec: each measurement's value per run, with its honest band.

    ``production`` (see ``load_production``) adds each production metric as of each run's date.
    """
    long = _selected(measurement_history(runs), measurements)
    points = long.drop_duplicates("run")[["run", "created"]]
    x = [_label(r, c) for r, c in points.itertuples(index=False)]
    series, bands = {}, {}
    for mid, group in long.groupby("measurement", sort=False):
        group = group.set_index("run").reindex(points["run"])
        if group["value"].notna().any():
            series[mid] = _values(group["value"])
            if group["low"].notna().any():
                bands[mid] = {"low": _values(group["low"]), "high": _values(group["high"])}
    if production is not None and len(points):
        as_of = production_as_of(production, list(points["created"]))
        for metric in as_of.columns:
            series[f"production {metric}"] = _values(as_of[metric])
    spec = {"plot": "lines", "title": title, "x": x or ["no runs"], "series": series or {"no values": [None]},
            "xlabel": "run", "description": "each measurement per recorded run; shaded: its honest band"}
    if bands:
        spec["bands"] = bands
    return spec


def history_plot_specs(runs: Sequence[Any], measurements: Iterable[str] | None = None, *,
                       production: pd.DataFrame | None = None, limit: int = 12) -> list[dict]:
    """One ``lines`` spec per measurement (its own units and honest band), those ever not passing first."""
    long = _selected(measurement_history(runs), measurements)
    measured = long[long["value"].notna()]
    flagged = set(measured.loc[~measured["verdict"].isin(["pass", "skipped"]), "measurement"])
    order = sorted(measured["measurement"].unique(), key=lambda m: (m not in flagged, m))
    specs = [history_plot_spec(runs, [m], title=m) for m in order[:limit]]
    if production is not None and len(production):
        specs.append(production_plot_spec(production))
    return specs


def production_plot_spec(production: pd.DataFrame) -> dict:
    """The production metrics over their own dates."""
    frame = production.sort_values("date")
    return {"plot": "lines", "title": "Model performance in production",
            "x": [d.date().isoformat() for d in frame["date"]],
            "series": {c: _values(frame[c]) for c in frame.columns if c != "date"}, "xlabel": "date"}


# --- production numbers --------------------------------------------------------------------------------


def load_production(source: str | Path | pd.DataFrame) -> pd.DataFrame:
    """A model's production numbers: a ``date`` column and one numeric column per metric.

    A long table with ``metric`` and ``value`` columns is pivoted to that shape.
    """
    frame = source.copy() if isinstance(source, pd.DataFrame) else _read_csv(Path(source))
    frame.columns = [str(c).strip() for c in frame.columns]
    lower = {c.lower(): c for c in frame.columns}
    if {"metric", "value"} <= set(lower) and "date" in lower:
        frame = frame.pivot_table(index=lower["date"], columns=lower["metric"], values=lower["value"],
                                  aggfunc="last").reset_index()
        frame.columns = [str(c) for c in frame.columns]
        lower = {c.lower(): c for c in frame.columns}
    if "date" not in lower:
        raise InputError(f"production numbers have no 'date' column (columns: {list(frame.columns)}).",
                         fix="Give a CSV with a 'date' column and one column per metric, e.g. date,auc.")
    frame = frame.rename(columns={lower["date"]: "date"})
    frame["date"] = pd.to_datetime(frame["date"], errors="coerce", utc=True)
    metrics = [c for c in frame.columns if c != "date"]
    for c in metrics:
        frame[c] = pd.to_numeric(frame[c], errors="coerce")
    metrics = [c for c in metrics if frame[c].notna().any()]
    if frame["date"].isna().any() or not metrics:
        raise InputError("production numbers need ISO dates in 'date' and at least one numeric metric column.",
                         fix="E.g. a CSV with the header date,auc and rows like 2025-01-31,0.83.")
    return frame[["date", *metrics]].sort_values("date").reset_index(drop=True)


def production_as_of(production: pd.DataFrame, moments: Sequence[Any]) -> pd.DataFrame:
    """Each production metric's latest value on or before each moment (NaN before the first)."""
    when = pd.DataFrame({"moment": pd.to_datetime(list(moments), utc=True)})
    order = when.sort_values("moment")
    merged = pd.merge_asof(order, production.sort_values("date"), left_on="moment", right_on="date")
    merged.index = order.index
    return merged.sort_index().drop(columns=["moment", "date"])


# --- helpers ---------------------------------------------------------------------------------------------


def _result(run: Any) -> dict:
    if not run.result:
        return {}
    try:
        data = json.loads(run.result)
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _selected(long: pd.DataFrame, measurements: Iterable[str] | None) -> pd.DataFrame:
    if measurements is None:
        return long
    wanted = list(measurements)
    keep = long["measurement"].map(lambda m: any(m == w or m.startswith(w.rstrip(".") + ".") for w in wanted))
    return long[keep]


def _read_csv(path: Path) -> pd.DataFrame:
    if not path.is_file():
        raise InputError(f"production file {str(path)!r} does not exist.", fix="Check the path of --production.")
    return pd.read_csv(path)


def _label(run: int, created: Any) -> str:
    return f"{pd.Timestamp(created):%Y-%m-%d %H:%M} #{run}"


def _values(column: pd.Series) -> list[float | None]:
    return [None if v is None or (isinstance(v, float) and math.isnan(v)) else float(v) for v in column]


def _num(x: Any) -> float:
    try:
        return math.nan if x is None else float(x)
    except (TypeError, ValueError):
        return math.nan
