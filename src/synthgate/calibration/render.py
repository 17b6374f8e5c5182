"""The matrices as Markdown (for people) and JSON (for tools), each with the command that made it on top."""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path
from typing import Any


def write_outputs(out: Path, false_alarms: dict | None, power: dict | None, header: dict[str, Any]) -> list[Path]:
    """``false_alarms.md/json`` and ``power.md/json`` in ``out``; returns the paths written."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, matrix, render in (("false_alarms", false_alarms, false_alarm_markdown),
                                 ("power", power, power_markdown)):
        if matrix is None:
            continue
        document = {**header, **matrix}
        (out / f"{name}.json").write_text(json.dumps(document, indent=2, default=str) + "\n", encoding="utf-8")
        (out / f"{name}.md").write_text(render(document), encoding="utf-8")
        written += [out / f"{name}.md", out / f"{name}.json"]
    return written


def false_alarm_markdown(doc: dict[str, Any]) -> str:
    summary = doc["summary"]
    lines = _top("False alarms: independent real samples in the synthetic's place", doc)
    lines += [f"**Target:** every gate at most {doc['target']:.0%} WARN-or-worse (WARN, FAIL or ERROR) on "
              "independent real samples, at every ratio and data set; a cell PASSes when its observed share is "
              "at most the target. The 95 % Clopper-Pearson interval of the share is given beside it.", "",
              f"**Result:** {summary['pass']} of {summary['cells']} cells PASS, {summary['miss']} MISS"
              + (f", {summary['no_data']} without runs" if summary["no_data"] else "")
              + (f", {summary['skipped']} skipped by every seed" if summary["skipped"] else "") + ".", ""]
    lines += _settings(doc)
    lines += ["## Gate x data set x ratio", "",
              "Share of seeds with the gate at WARN-or-worse, its 95 % interval's upper end, the status, and the "
              "share of seeds the gate was INCONCLUSIVE (too little data to judge a measurement; not an alarm).", ""]
    by_data: dict[str, list[dict]] = defaultdict(list)
    for row in doc["gates"]:
        by_data[row["dataset"]].append(row)
    for dataset, rows in by_data.items():
        ratios = sorted({r["ratio"] for r in rows})
        sizes = {r["ratio"]: r["synthetic_rows"] for r in rows}
        lines += [f"### {dataset} (holdout {rows[0]['holdout_rows']} rows)", "",
                  "| gate | " + " | ".join(f"ratio {x:g} ({sizes[x]} rows)" for x in ratios) + " |",
                  "|---|" + "---|" * len(ratios)]
        for gate in dict.fromkeys(r["gate"] for r in rows):
            cells = {r["ratio"]: r for r in rows if r["gate"] == gate}
            lines.append(f"| {gate} | " + " | ".join(_alarm_cell(cells.get(x)) for x in ratios) + " |")
        lines.append("")
    lines += ["## Every cell", "",
              "| gate | data set | ratio | synthetic rows | seeds | WARN+ | FAIL | ERROR | INCONCLUSIVE | SKIPPED "
              "| WARN+ 95 % CI | status |", "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in doc["gates"]:
        lines.append(f"| {r['gate']} | {r['dataset']} | {r['ratio']:g} | {r['synthetic_rows']} | {r['seeds']} | "
                     f"{_count(r, 'warn_or_worse')} | {_count(r, 'fail')} | {_count(r, 'error')} | "
                     f"{_count(r, 'inconclusive')} | {_count(r, 'skipped')} | {_ci(r['warn_or_worse_ci'])} | "
                     f"**{r['status']}** |")
    lines += ["", "## Measurements that alarmed or were inconclusive", "",
              "Per measurement (the gate's verdict is its worst measurement's). Measurements that passed (or were "
              "skipped) in every seed of every cell are left out; all are in the JSON.", "",
              "| measurement | data set | ratio | seeds | WARN+ | FAIL | INCONCLUSIVE |",
              "|---|---|---|---|---|---|---|"]
    noisy = [m for m in doc["measurements"] if m["warn_or_worse"] or m["inconclusive"]]
    for m in sorted(noisy, key=lambda m: (m["measurement"], m["dataset"], m["ratio"])):
        lines.append(f"| {m['measurement']} | {m['dataset']} | {m['ratio']:g} | {m['seeds']} | "
                     f"{_count(m, 'warn_or_worse')} | {_count(m, 'fail')} | {_count(m, 'inconclusive')} |")
    if not noisy:
        lines.append("| (none) | | | | | | |")
    lines += _errors(doc)
    lines += _timing(doc)
    return "\n".join(lines) + "\n"


def power_markdown(doc: dict[str, Any]) -> str:
    summary = doc["summary"]
    lines = _top("Power: planted defects in independent real samples", doc)
    lines += [f"**Target:** each planted defect caught (its gate at FAIL) in at least {doc['target']:.0%} of seeds; "
              "WARN-or-worse is shown beside it. The 95 % Clopper-Pearson interval of the caught share is given.", "",
              f"**Result:** {summary['pass']} of {summary['cells']} cells PASS, {summary['miss']} MISS"
              + (f", {summary['underpowered']} UNDERPOWERED" if summary.get("underpowered") else "")
              + (f", {summary['no_data']} without runs" if summary["no_data"] else "") + ".", "",
              "UNDERPOWERED: below target, but the gate said INCONCLUSIVE (the data cannot tell) in at least half "
              f"of the seeds and PASSed the defect in at most {1 - doc['target']:.0%}: too little data for this "
              "effect, reported as such rather than passed. Column PASSED counts seeds where the defect went "
              "through unnoticed.", ""]
    lines += _settings(doc)
    lines += ["## Defect x data set x size", "",
              "| defect | gate | data set | synthetic rows (ratio) | seeds | caught (FAIL) | WARN+ | INCONCLUSIVE "
              "| PASSED | caught 95 % CI | status | measurements at FAIL (seeds) |",
              "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in doc["cells"]:
        firing = ", ".join(f"{mid} ({n})" for mid, n in list(r["failing_measurements"].items())[:3]) or "none"
        lines.append(f"| {r['defect']} | {r['gate']} | {r['dataset']} | {r['synthetic_rows']} ({r['ratio']:g}) | "
                     f"{r['seeds']} | {_count(r, 'caught')} | {_count(r, 'warn_or_worse')} | "
                     f"{_count(r, 'inconclusive')} | {_count(r, 'passed')} | {_ci(r['caught_ci'])} | "
                     f"**{r['status']}** | {firing} |")
    lines += ["", "## What was planted", ""]
    for name, text in doc.get("defects", {}).items():
        lines.append(f"- **{name}**: {text}")
    examples = [r for r in doc["cells"] if r.get("planted_example")]
    if examples:
        lines += ["", "What was planted at the lowest seed of each cell:", ""]
        for r in examples:
            lines.append(f"- {r['defect']} on {r['dataset']} at ratio {r['ratio']:g}: "
                         f"`{json.dumps(r['planted_example'])}`")
    lines += _timing(doc)
    return "\n".join(lines) + "\n"


def _top(title: str, doc: dict[str, Any]) -> list[str]:
    return [f"# synthgate calibration. {title}", "", "Made by:", "", "```", doc["command"], "```", "",
            f"{doc['created']}, synthgate {doc['synthgate']}, {doc['records']} run records in "
            f"`{doc['records_file']}` (a re-run resumes from them).", ""]


def _settings(doc: dict[str, Any]) -> list[str]:
    lines = ["## Data and settings", "",
             "| data set | rows | real | holdout | fresh | policy min_rows | target (positive) | sensitive | source |",
             "|---|---|---|---|---|---|---|---|---|"]
    for name, d in doc["datasets"].items():
        meta = d["metadata"]
        target = f"{meta['target']} ({meta['positive']})" if meta.get("target") else "-"
        lines.append(f"| {name} | {d['rows']:,} | {d['real']} | {d['holdout']} | {d['fresh']} | "
                     f"{d['min_rows'] or doc['policy'].get('min_rows', 200)} | {target} | "
                     f"{', '.join(meta.get('sensitive', [])) or '-'} | {d['origin']} |")
    lines += ["", f"Policy of every run (gates_enabled and min_rows set per cell): `{json.dumps(doc['policy'])}`", ""]
    lines += [f"- {note}" for note in doc.get("notes", [])]
    return lines + [""]


def _alarm_cell(row: dict | None) -> str:
    if row is None:
        return "-"
    if row["status"] in ("NO DATA", "SKIPPED"):
        return row["status"].lower()
    text = f"{row['warn_or_worse_share']:.0%} (<= {row['warn_or_worse_ci'][1]:.0%}) **{row['status']}**"
    if row["inconclusive"]:
        text += f", {row['inconclusive_share']:.0%} inconcl."
    return text


def _count(row: dict, key: str) -> str:
    if not row["seeds"]:
        return "-"
    return f"{row[key]} ({row[key] / row['seeds']:.0%})"


def _ci(bounds: list[float]) -> str:
    return f"[{bounds[0]:.1%}, {bounds[1]:.1%}]"


def _errors(doc: dict[str, Any]) -> list[str]:
    """The first messages of runs that crashed or whose inputs were refused (ERROR in the tables)."""
    found = doc.get("errors") or []
    if not found:
        return []
    lines = ["", "## Errors", "", "ERROR counts as WARN-or-worse: CI fails on it. First messages:", ""]
    return lines + [f"- {e['dataset']} {e['cell']} seed {e['seed']}: {e['message']}" for e in found[:20]]


def _timing(doc: dict[str, Any]) -> list[str]:
    rows = doc.get("seconds") or []
    if not rows:
        return []
    total_cpu = sum(r["mean_cpu_seconds"] * r["runs"] for r in rows)
    lines = ["", "## Time per run", "",
             f"CPU time of these runs: {total_cpu / 3600:.2f} h in all, i.e. about {total_cpu / 3600 / 2:.2f} h of "
             "wall time on 2 fully used cores (wall seconds below are inflated on a shared machine).", "",
             "| data set | cell | runs | mean wall s / run | mean CPU s / run | slowest gates (mean wall s) |",
             "|---|---|---|---|---|---|"]
    for r in rows:
        slow = ", ".join(f"{g} {s:.1f}" for g, s in sorted(r["gates"].items(), key=lambda kv: -kv[1])[:3])
        lines.append(f"| {r['dataset']} | {r['cell']} | {r['runs']} | {r['mean_seconds']:.1f} | "
                     f"{r['mean_cpu_seconds']:.1f} | {slow} |")
    return lines
