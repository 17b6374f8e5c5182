"""A generator's validation history in the ledger: revalidation, tables and plot specs over time.

Every run recorded in the ledger (``ledger.record_run``) keeps its full result JSON, so each measurement
can be followed from run to run and slow decay becomes visible. ``revalidate`` re-runs the gates that mean
something on fresh data (fidelity, bias, coverage, drift) with today's real data as the reference and records
the run (kind ``revalidate``); a passing revalidation restarts the generator's age clock (see
``synthgate.gates.drift.expiry``). A model's production numbers (a small CSV of date and metric columns) can
be shown beside the history.

Examples
--------
>>> from synthgate.ledger import Ledger
>>> ledger = Ledger.open(":memory:")                          # doctest: +SKIP
>>> run = revalidate("adult-cart", fresh, synthetic, ledger=ledger)  # doctest: +SKIP
>>> measurement_history(ledger.runs(run.generator.id))             # doctest: +SKIP
"""

from __future__ import annotations

import json
import math
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Sequence

import numpy as np
import pandas as pd

from synthgate.errors import InputError, PolicyError

__all__ = ["FRESH_GATES", "Revalidation", "history_plot_spec", "history_plot_specs", "history_table",
           "load_production", "measurement_history", "production_as_of", "record_result", "revalidate",
           "split_fresh"]

#: Gates that mean something when fresh data plays real and holdout: they compare the synthetic table with
#: the real world as it is now. Privacy, provenance and validation ask about the generator's training rows.
FRESH_GATES = ("fidelity", "bias", "coverage", "drift")
LEFT_OUT = "not run in a revalidation: it needs the generator's training rows, which fresh data is not"

COLUMNS = ["run", "created", "kind", "generator", "run_verdict", "measurement", "value", "honest", "low", "high",
           "threshold", "verdict"]


@dataclass(frozen=True)
class Revalidation:
    """A revalidation's result, the ledger run that records it, and the generator it judged."""

    result: Any        # synthgate.result.CheckResult
    run: Any           # synthgate.ledger.RunRecord
    generator: Any     # synthgate.ledger.GeneratorRecord
    left_out: tuple[str, ...] = ()   # gates not run: they need the generator's training rows

    @property
    def verdict(self):
        return self.result.verdict

    @property
    def left_out_note(self) -> str:
        """One line naming the gates left out and why ("" when none were)."""
        return left_out_note(self.left_out)


def left_out_note(names: Sequence[str]) -> str:
    if not names:
        return ""
    return f"{', '.join(names)}: not run — they need the generator's training rows, which fresh data is not"


def revalidate(generator: int | str, fresh: Any, synthetic: Any, *, ledger: Any = None, metadata: Any = None,
               policy: Any = None, seed: int | None = None, gates: Iterable[Any] | None = None,
               progress: Any = None) -> Revalidation:
    """Re-run the gates that mean something on fresh data, with today's real data as the reference; record it.

    ``fresh`` is split (seeded) into two halves that play the roles of real and holdout, so each gate run
    asks whether the synthetic table still matches the real world as it is now: fidelity, bias, coverage and
    drift (``FRESH_GATES``). Privacy, provenance and validation are left out: they ask about the rows the
    generator was trained on (copies, lineage, a test set it never saw), and fresh rows never were; the
    result lists them as SKIPPED with that reason. The age check is not judged here: this run's pass is what
    restarts the generator's clock.

    Parameters
    ----------
    generator : int or str
        The generator's ledger id or name.
    fresh, synthetic : path (CSV / Parquet) or table
        Today's real data (at least twice the policy's ``min_rows``) and the generator's synthetic table.
    ledger : Ledger, path or URL, optional
        Default: the policy's ``ledger``, else ``$SYNTHGATE_LEDGER`` or ``./synthgate-ledger.sqlite``.
    metadata, policy, seed, gates, progress
        As for ``synthgate.check``; the generator's facts come from the ledger.

    Returns
    -------
    Revalidation
        ``.result`` (a ``CheckResult``), ``.run`` (the ledger's ``RunRecord``), ``.generator``, ``.left_out``
        (names of the gates not run).
    """
    from synthgate.data import load_metadata, load_table, table_fingerprint
    from synthgate.gates.registry import ALL_GATES
    from synthgate.policy import load_policy
    from synthgate.run import check

    policy = load_policy(policy)
    seed = policy.seed if seed is None else seed
    enabled, kept = _fresh_gates(policy, tuple(gates or ALL_GATES))
    book, owned = _open_ledger(ledger if ledger is not None else policy.ledger)
    try:
        record = book.generator(generator)
        fresh_frame, synthetic_frame = load_table(fresh, name="fresh"), load_table(synthetic, name="synthetic")
        if len(fresh_frame) < 2 * policy.min_rows:
            raise InputError(f"{len(fresh_frame)} rows; revalidation splits them into two halves (real and "
                             f"holdout) of at least {policy.min_rows} rows each (policy: min_rows).",
                             fix="Pass more fresh real rows.", table="fresh")
        reference, holdout = split_fresh(fresh_frame, seed)
        result = check(reference, holdout, synthetic_frame, metadata=_with_generator(load_metadata(metadata), record),
                       policy=_revalidation_policy(policy, kept), seed=seed, ledger=book, gates=kept,
                       progress=progress)
        result = _with_left_out(result, enabled, kept)
        run = record_result(book, result, kind="revalidate", generator=record.id,
                            inputs={"fresh": table_fingerprint(fresh_frame),
                                    "synthetic": table_fingerprint(synthetic_frame)})
    finally:
        if owned:
            book.close()
    return Revalidation(result, run, record, tuple(g.name for g in enabled if g not in kept))


def split_fresh(fresh: pd.DataFrame, seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Two disjoint, seeded halves of ``fresh`` (new frames; ``fresh`` is not modified)."""
    rng = np.random.default_rng([seed, zlib.crc32(b"revalidate-split")])
    order = rng.permutation(len(fresh))
    half = len(fresh) // 2
    return (fresh.iloc[np.sort(order[:half])].reset_index(drop=True),
            fresh.iloc[np.sort(order[half:])].reset_index(drop=True))


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


def _open_ledger(location: Any) -> tuple[Any, bool]:
    if hasattr(location, "record_run"):
        return location, False
    from synthgate.ledger import Ledger

    return Ledger.open(location, create=False), True


def _with_generator(metadata: Any, record: Any) -> Any:
    generator = metadata.generator.model_copy(update={
        "name": record.name, "kind": metadata.generator.kind or record.kind,
        "dp_epsilon": metadata.generator.dp_epsilon or record.dp_epsilon, "created": record.created.isoformat()})
    return metadata.model_copy(update={"generator": generator})


def _fresh_gates(policy: Any, requested: tuple) -> tuple[tuple, tuple]:
    """The gates the policy enables, and those of them a revalidation runs (``FRESH_GATES``)."""
    from synthgate.policy import check_policy

    check_policy(_without_absent_gates(policy, requested), requested)  # a typo, even a left-out gate's, is refused
    enabled = tuple(g for g in requested if not policy.gates_enabled or g.name in policy.gates_enabled)
    kept = tuple(g for g in enabled if g.name in FRESH_GATES)
    if not kept:
        raise PolicyError(f"a revalidation runs only the gates {list(FRESH_GATES)}, and this run enables none of "
                          f"them ({[g.name for g in enabled]}). Enable at least one (policy: gates_enabled); "
                          f"{left_out_note([g.name for g in enabled])}.")
    return enabled, kept


def _without_absent_gates(policy: Any, requested: tuple) -> Any:
    """``fail_on_inconclusive`` narrowed to the gates asked for (its default names privacy, left out here)."""
    names = getattr(policy, "fail_on_inconclusive", None)
    if not names:
        return policy
    asked = {g.name for g in requested}
    return policy.model_copy(update={"fail_on_inconclusive": [n for n in names if n in asked]})


def _revalidation_policy(policy: Any, kept: tuple) -> Any:
    """The policy narrowed to the gates run (check() refuses sections of gates it does not run)."""
    names = {g.name for g in kept}
    rules = {mid: rule for mid, rule in policy.rules.items() if mid.split(".", 1)[0] in names}
    sections = {name: section for name, section in policy.gates.items() if name in names}
    if "drift" in names:
        sections["drift"] = {**sections.get("drift", {}), "revalidation": True}
    update = {"rules": rules, "gates": sections, "gates_enabled": None}
    if hasattr(policy, "fail_on_inconclusive"):
        update["fail_on_inconclusive"] = [n for n in policy.fail_on_inconclusive if n in names]
    return policy.model_copy(update=update)


def _with_left_out(result: Any, enabled: tuple, kept: tuple) -> Any:
    """The result with every left-out gate as SKIPPED (and why), in the order the gates were asked for."""
    from dataclasses import replace

    from synthgate.gates.base import GateResult

    ran = {g.gate: g for g in result.gates}
    gates = tuple(ran[g.name] if g in kept else replace(GateResult.skipped(g.name, LEFT_OUT), title=g.title)
                  for g in enabled)
    note = left_out_note([g.name for g in enabled if g not in kept])
    return replace(result, gates=gates, notes=tuple(result.notes) + ((f"revalidation: {note}",) if note else ()))


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
