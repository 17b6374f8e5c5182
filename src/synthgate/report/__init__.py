"""The report people read: one self-contained HTML file (inline CSS and SVG, no script, no network) and
the JSON it was made from. The HTML is rendered only from a ``CheckResult``; nothing is recomputed.

Gates feed it plot specs in ``details`` (see ``docs/report-plots.md`` and ``synthgate.report.kinds``);
the report has no gate-specific code.

>>> from synthgate.report.example import example_result
>>> html = render_html(example_result())
>>> html.startswith("<!DOCTYPE html>") and "privacy" in html
True
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
from concurrent.futures import ProcessPoolExecutor
from functools import lru_cache
from pathlib import Path
from typing import Any, Mapping

from synthgate.report.marks import fmt, verdict_badge
from synthgate.report.kinds import PLOT_KINDS, PlotKind, plot_spec_problems, register_plot_kind
from synthgate.report.marks import Ids
from synthgate.report.views import SURFACE_GATES, build_view, headline_parts, headline_text, slug
from synthgate.result import CheckResult, jsonable

__all__ = ["PLOT_KINDS", "PlotKind", "SURFACE_GATES", "headline", "plot_spec_problems", "private_path",
           "read_demo_json", "register_plot_kind", "render_demo_html", "render_html", "render_json",
           "write_demo_report", "write_report"]

PRIVATE_NOTE = ("{rows} per-record findings (positions of synthetic rows that copy a real record and of the real "
                "rows they expose) are not in this report: they are in private/records.parquet beside it, a "
                "sensitive file to keep private and never share")


def private_path(out_dir: str | Path) -> Path:
    """Where ``write_report`` puts the per-record findings: ``<out_dir>/private/records.parquet``."""
    return Path(out_dir) / "private" / "records.parquet"


def write_report(result: CheckResult, out_dir: str | Path) -> tuple[Path, Path]:
    """Write ``report.json`` (the result) and ``report.html`` (rendered from exactly that JSON) into
    ``out_dir``, creating it; returns both paths.

    Per-record findings that gates keep out of the result (a gate result's ``private`` table, e.g. which
    synthetic rows copy which training rows) go to ``private_path(out_dir)`` (folder 0700, file 0600, one
    ``gate`` column added); the report then says that file exists, never what is in it. Without findings a
    stale file from an earlier run is removed.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    result = _write_private(result, out)
    text = result.to_json()
    json_path, html_path = out / "report.json", out / "report.html"
    json_path.write_text(text, encoding="utf-8")
    html_path.write_text(render_html(CheckResult.from_json(text)), encoding="utf-8")
    return json_path, html_path


def _write_private(result: CheckResult, out: Path) -> CheckResult:
    """Write the gates' private findings; return the result with a line in each such gate's details."""
    import pandas as pd

    tables = {g.gate: g.private for g in result.gates}
    tables = {gate: table for gate, table in tables.items() if table is not None and len(table)}
    path = private_path(out)
    if not tables:
        path.unlink(missing_ok=True)
        return result
    path.parent.parent.mkdir(parents=True, exist_ok=True)
    path.parent.mkdir(mode=0o700, exist_ok=True)
    os.chmod(path.parent, 0o700)
    frame = pd.concat([table.assign(gate=gate) for gate, table in tables.items()], ignore_index=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)  # never readable by others, not even briefly
    with os.fdopen(fd, "wb") as handle:
        frame.to_parquet(handle, index=False)
    os.chmod(path, 0o600)
    gates = tuple(dataclasses.replace(g, details={**g.details, "private_records": PRIVATE_NOTE.format(
        rows=len(tables[g.gate]))}) if g.gate in tables else g for g in result.gates)
    return dataclasses.replace(result, gates=gates)


def render_html(result: CheckResult) -> str:
    """The HTML report of one result, as a string. Re-render a saved one with
    ``render_html(CheckResult.from_json(path.read_text()))``."""
    ids = Ids()
    view = build_view(result, ids)
    return _env().get_template("report.html.j2").render(v=view, digest=_digest(result.to_json()))


def headline(result: CheckResult) -> str:
    """The report's one-paragraph lesson as plain text, e.g. "Looks right, is not safe: ... fidelity passes
    (worst fidelity.ks_max 0.021 vs honest 0.024); privacy FAIL: privacy.exact_copy_rate 0.012 vs honest 0.0004."""
    lead, parts, _ = headline_parts(result)
    return headline_text(lead, parts)


def write_demo_report(results: Mapping[str, CheckResult], out_dir: str | Path, *, title: str = "synthgate demo",
                      descriptions: Mapping[str, str] | None = None) -> Path:
    """Write the demo page: a "variant × gate → verdict" matrix, then every variant's full report, into
    ``out_dir/report.html``, and ``out_dir/report.json`` = ``{"title", "variants": {name: result}}``.
    Returns the HTML path (its ``.with_suffix(".json")`` is the JSON). A variant's per-record findings go to
    ``private_path(out_dir / variant)``, as ``write_report`` does for one result."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    results = {name: _write_private(result, out / slug(name)) for name, result in results.items()}
    text = _demo_json(results, title, descriptions)
    (out / "report.json").write_text(text, encoding="utf-8")
    loaded_title, loaded, loaded_descriptions = read_demo_json(text)
    html_path = out / "report.html"
    html_path.write_text(render_demo_html(loaded, title=loaded_title, descriptions=loaded_descriptions),
                         encoding="utf-8")
    return html_path


def render_demo_html(results: Mapping[str, CheckResult], *, title: str = "synthgate demo",
                     descriptions: Mapping[str, str] | None = None) -> str:
    descriptions = descriptions or {}
    gates: list[str] = []
    for result in results.values():
        gates += [g.gate for g in result.gates if g.gate not in gates]
    rows = []
    prefixes = {name: "v-" + slug(name) for name in results}
    for (name, result), view in zip(results.items(), _build_views(results, prefixes)):
        prefix = prefixes[name]
        by_gate = {g.r.gate: g for g in view.gates}
        cells = [{"gate": gate, "verdict": by_gate[gate].verdict, "anchor": by_gate[gate].anchor}
                 if gate in by_gate else None for gate in gates]
        rows.append({"name": name, "anchor": prefix, "description": descriptions.get(name, ""), "view": view,
                     "cells": cells})
    version = next((r.versions.get("synthgate") for r in results.values() if r.versions.get("synthgate")), "unknown")
    digest = _digest(_demo_json(results, title, descriptions))
    return _env().get_template("demo.html.j2").render(title=title, rows=rows, gates=gates, version=version,
                                                     digest=digest, surface=[g for g in gates if g in SURFACE_GATES])


def _build_views(results: Mapping[str, CheckResult], prefixes: Mapping[str, str]) -> list:
    """Draw each variant's plots in its own process (plots dominate the time); ids stay page-unique."""
    jobs = [(result, prefixes[name]) for name, result in results.items()]
    if len(jobs) < 2:
        return [_build_view_job(job) for job in jobs]
    with ProcessPoolExecutor(max_workers=2) as pool:
        return list(pool.map(_build_view_job, jobs))


def _build_view_job(job: tuple) -> Any:
    result, prefix = job
    return build_view(result, Ids(prefix=prefix + "-"), prefix=prefix)


def read_demo_json(text: str) -> tuple[str, dict[str, CheckResult], dict[str, str]]:
    """(title, results, descriptions) from a demo ``report.json``."""
    data = json.loads(text)
    results = {name: CheckResult.from_dict(r) for name, r in data["variants"].items()}
    return data.get("title", "synthgate demo"), results, dict(data.get("descriptions") or {})


def render_json(text: str) -> str:
    """HTML from either kind of report.json: a single check's result, or the demo's ``{"variants": ...}``."""
    data = json.loads(text)
    if isinstance(data, dict) and "variants" in data:
        title, results, descriptions = read_demo_json(text)
        return render_demo_html(results, title=title, descriptions=descriptions)
    return render_html(CheckResult.from_dict(data))


@lru_cache(maxsize=1)
def _env() -> Any:
    from jinja2 import Environment, FileSystemLoader, StrictUndefined

    env = Environment(loader=FileSystemLoader(str(Path(__file__).parent / "templates")), autoescape=True,
                      trim_blocks=True, lstrip_blocks=True, undefined=StrictUndefined)
    env.globals.update(badge=lambda verdict, cell=False, text=None: verdict_badge(verdict, cell=cell, text=text),
                       fmt=fmt)
    return env


def _demo_json(results: Mapping[str, CheckResult], title: str, descriptions: Mapping[str, str] | None) -> str:
    payload = {"title": title, "descriptions": dict(descriptions or {}),
               "variants": {name: r.to_dict() for name, r in results.items()}}
    return json.dumps(payload, indent=2, default=jsonable)


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()

