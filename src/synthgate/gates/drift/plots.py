"""Plot specs for the report: per-column drift against its honest band, the classifier's drivers, history."""

from __future__ import annotations

from typing import Any

from synthgate.errors import LedgerError
from synthgate.gates.context import RunContext
from synthgate.gates.drift.history import history_plot_specs
from synthgate.verdict import Measurement

HISTORY_LIMIT = 8


def gate_plots(ctx: RunContext, measurements: dict[str, Measurement]) -> dict[str, Any]:
    """The drift gate's ``report_details``: JSON-able plot specs (see ``synthgate.report.plots``)."""
    out: dict[str, Any] = {}
    columns = measurements.get("drift.columns_drifted")
    if columns is not None and columns.details.get("columns"):
        out["column_drift"] = column_specs(columns.details["columns"])
    auc = measurements.get("drift.c2st_auc")
    if auc is not None and auc.details.get("importance"):
        out["c2st_drivers"] = importance_spec(auc.details["importance"])
    history = history_specs(ctx)
    if history:
        out["history"] = history
    return out


def column_specs(per_column: dict[str, dict]) -> list[dict]:
    """One ``reference`` spec per statistic: each column's drift effect, its honest band, the smallest
    effect that matters (the limit line)."""
    specs = []
    for statistic, title in (("ks", "Numerical columns: KS distance, training real vs fresh"),
                             ("tvd", "Categorical columns: TVD, training real vs fresh")):
        items = [{"label": name, "value": d["effect"], "reference": d["honest_median"], "low": d["honest_low"],
                  "high": d["honest_high"], "limit": d["min_effect"], "verdict": "fail" if d["drifted"] else "pass"}
                 for name, d in per_column.items() if d["statistic"] == statistic]
        if items:
            items.sort(key=lambda i: -(i["value"] - i["high"]))
            specs.append({"plot": "reference", "title": title, "items": items, "xlabel": statistic.upper(),
                          "description": "drift effect per column; band: real-vs-real at the same sizes; "
                                         "line: the smallest effect that counts as drift"})
    return specs


def importance_spec(importance: dict[str, float]) -> dict:
    names = list(importance)
    return {"plot": "bars", "title": "Columns driving the real-vs-fresh classifier", "labels": names,
            "series": {"held-out AUC lost when the column is permuted": [importance[n] for n in names]},
            "ylabel": "AUC lost"}


def history_specs(ctx: RunContext) -> list[dict]:
    """Line plots of the generator's recorded runs, when the ledger knows the generator."""
    name = ctx.metadata.generator.name
    if ctx.ledger is None or not name:
        return []
    try:
        runs = ctx.ledger.runs(generator_id=ctx.ledger.generator(name).id)
    except LedgerError:
        return []
    return history_plot_specs(runs, limit=HISTORY_LIMIT) if runs else []
