"""Per-group tables for the report's bar plots.

Model metrics per group come from fairlearn's ``MetricFrame``. Group metrics depend only on how many rows
share a (group, outcome, prediction) combination, so fairlearn gets those combinations once, with their row
counts as sample weights: the same numbers as on the rows themselves, at the cost of one ``MetricFrame``
instead of one per group. Shares and positive rates of the data are plain counts (``group_sums``).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from fairlearn.metrics import MetricFrame, selection_rate, true_positive_rate
from sklearn.metrics import accuracy_score

from synthgate.gates.bias.calibrate import group_sums, ratio
from synthgate.gates.bias.data import BiasData
from synthgate.gates.bias.models import fit_models
from synthgate.gates.context import RunContext
from synthgate.verdict import Measurement, Verdict

ROLES = ("real", "synthetic", "holdout")
_SEP = "\x1f"


def bias_tables(ctx: RunContext, data: BiasData, measurements: tuple[Measurement, ...] = ()) -> dict[str, Any]:
    """Plot specs (docs/report-plots.md) plus the raw per-group rows; JSON-able, rare labels masked."""
    notes = data.notes + ([data.outcome.note] if data.outcome and data.outcome.note else [])
    groups = _group_table(ctx, data)
    models = []
    if data.outcome is not None and data.groupings and data.settings.models:
        run = fit_models(ctx, data)
        models = [] if isinstance(run, str) else _model_table(ctx, data, run)
    harmed = _harmed(measurements)
    out: dict[str, Any] = {"positive": data.outcome.label if data.outcome else None,
                           "notes": "; ".join(notes + ([data.no_outcome] if data.no_outcome else [])) or None,
                           "shares": _bars(groups, "share", "Share of rows", harmed, "share of rows")}
    if data.outcome is not None:
        out["positive_rates"] = _bars(groups, "positive_rate", f"Positive rate ({data.outcome.label})", harmed,
                                      "positive rate")
    if models:
        out["model_tpr"] = _model_bars(models, "tpr", "True-positive rate on real rows", harmed)
        out["model_accuracy"] = _model_bars(models, "accuracy", "Accuracy on real rows", harmed)
    small = [s for g in data.groupings for s in data.too_small(g)]
    if small:
        out["too_small"] = {"plot": "table", "title": f"Groups too small to judge (under "
                                                      f"{data.settings.min_group_rows} expected rows)",
                            "columns": ["grouping", "group", "expected rows"],
                            "rows": [[s["grouping"], s["group"], s["expected_rows"]] for s in small]}
    out["groups"], out["models"] = groups, models
    return out


def _bars(rows: list[dict], metric: str, title: str, harmed: set, ylabel: str) -> dict[str, dict]:
    specs = {}
    for grouping in dict.fromkeys(r["grouping"] for r in rows):
        mine = [r for r in rows if r["grouping"] == grouping]
        specs[grouping] = {"plot": "bars", "title": f"{title}, by {grouping}", "labels": [r["group"] for r in mine],
                           "series": {role: [r.get(f"{role}_{metric}") for r in mine] for role in ROLES},
                           "ylabel": ylabel, "highlight": [r["group"] for r in mine if (grouping, r["group"]) in harmed]}
    return specs


def _model_bars(rows: list[dict], metric: str, title: str, harmed: set) -> dict[str, dict]:
    specs = {}
    for model, grouping in dict.fromkeys((r["model"], r["grouping"]) for r in rows):
        mine = [r for r in rows if r["model"] == model and r["grouping"] == grouping]
        specs[f"{model}, {grouping}"] = {
            "plot": "bars", "title": f"{title}, {model} by {grouping}", "labels": [r["group"] for r in mine],
            "series": {role: [r.get(f"{metric}_{role}_trained") for r in mine] for role in ("real", "synthetic")},
            "ylabel": metric, "description": "series: the table the classifier was trained on",
            "highlight": [r["group"] for r in mine if (grouping, r["group"]) in harmed]}
    return specs


def _harmed(measurements: tuple[Measurement, ...]) -> set[tuple[str, str]]:
    """(grouping, group) of the deciding group of every measurement that warned or failed, or is inconclusive
    with its value beyond the honest band."""
    found = set()
    for m in measurements:
        worst = m.details.get("worst") or {}
        flagged = m.verdict.at_least(Verdict.WARN) or (m.verdict is Verdict.INCONCLUSIVE and (m.excess or 0) > 0)
        if flagged and "group" in worst:
            found.add((worst.get("grouping") or worst.get("attribute"), worst["group"]))
        if flagged and "synthetic_lowest" in worst:
            found.add((worst["grouping"], worst["synthetic_lowest"]))
    return found


def _group_table(ctx: RunContext, data: BiasData) -> list[dict[str, Any]]:
    rows = []
    for g in data.groupings:
        expected, _ = data.expected(g)
        counts = {role: group_sums(g.codes[role], g.size)[0] for role in ROLES}
        rates = {role: ratio(group_sums(g.codes[role], g.size, data.outcome.y[role])[0], counts[role])
                 for role in ROLES} if data.outcome is not None else {}
        eligible = data.eligible(g)
        for i in np.flatnonzero(counts["real"] > 0):
            row = {"grouping": g.name, "group": g.labels[i], "judged": bool(eligible[i]),
                   **{f"{role}_share": float(counts[role][i] / len(g.codes[role])) for role in ROLES}}
            if data.requested:
                row["requested_share"] = float(expected[i])
            for role in rates:
                row[f"{role}_positive_rate"] = _num(rates[role][i])
            rows.append(row)
    return rows


def _model_table(ctx: RunContext, data: BiasData, run) -> list[dict[str, Any]]:
    """Per classifier, training table and group: accuracy, true-positive and selection rate on real rows."""
    y = data.outcome.y["holdout"][run.eval_rows]
    cells = []
    for kind in run.kinds:
        for trained_on in ("synthetic", "real"):
            predicted = run.predictions[(kind, trained_on)]
            for g in data.groupings:
                codes = g.codes["holdout"][run.eval_rows]
                both = _both_outcomes(codes, y, g.size)
                inside = both[np.where(codes >= 0, codes, 0)] & (codes >= 0)
                cells.append(_cells(y[inside], predicted[inside], [kind, trained_on, g.name], codes[inside]))
    frame = pd.concat(cells, ignore_index=True)
    by_group = _metric_frame(frame, {"accuracy": accuracy_score, "tpr": true_positive_rate,
                                     "selection_rate": selection_rate})
    labels = {g.name: g.labels for g in data.groupings}
    rows: dict[tuple, dict[str, Any]] = {}
    for key, metrics in by_group.iterrows():
        kind, trained_on, grouping, code = _split(key)
        row = rows.setdefault((kind, grouping, code), {"model": kind, "grouping": grouping,
                                                        "group": labels[grouping][code]})
        for metric, value in metrics.items():
            row[f"{metric}_{trained_on}_trained"] = float(value)
    return list(rows.values())


def _both_outcomes(codes: np.ndarray, y: np.ndarray, size: int) -> np.ndarray:
    """Groups with positive and negative evaluation rows (a true-positive rate needs positives)."""
    inside = codes >= 0
    positives = np.bincount(codes[inside], weights=y[inside], minlength=size)
    counts = np.bincount(codes[inside], minlength=size)
    return (positives > 0) & (positives < counts)


def _cells(y_true: np.ndarray, y_pred: np.ndarray, prefix: list[str], codes: np.ndarray) -> pd.DataFrame:
    """The distinct (group, outcome, prediction) combinations and how many rows have each."""
    combined = np.bincount(codes * 4 + y_true.astype(int) * 2 + y_pred.astype(int))
    cell = np.flatnonzero(combined)
    return pd.DataFrame({"key": [f"{_SEP.join(prefix)}{_SEP}{c}" for c in cell // 4], "y_true": (cell // 2) % 2 == 1,
                         "y_pred": cell % 2 == 1, "rows": combined[cell]})


def _metric_frame(cells: pd.DataFrame, metrics: dict) -> pd.DataFrame:
    weights = {name: {"sample_weight": cells["rows"].to_numpy(dtype=float)} for name in metrics}
    return MetricFrame(metrics=metrics, y_true=cells["y_true"].to_numpy(), y_pred=cells["y_pred"].to_numpy(),
                       sensitive_features=cells["key"].to_numpy(), sample_params=weights).by_group


def _split(key: str) -> list:
    parts = key.split(_SEP)
    return parts[:-1] + [int(parts[-1])]


def _num(x: float) -> float | None:
    x = float(x)
    return x if np.isfinite(x) else None
