"""``synthgate revalidate`` and ``synthgate history``: thin commands over ``synthgate.revalidation`` and
``synthgate.gates.drift.history``.

``synthgate.cli`` mounts them (``app.command("revalidate")(revalidate_command)`` and
``app.command("history")(history_command)``); the console helpers they share with it are in
``synthgate.cli_common``, so this module never imports ``synthgate.cli``.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any, Optional

import typer
from rich.table import Table

from synthgate.cli_common import (VERDICT_STYLE, RichProgress, check_out_file, check_out_folder, console,
                                  print_summary, table_files)
from synthgate.gates.drift.history import (history_plot_specs, history_table, load_production, measurement_history,
                                           production_as_of)
from synthgate.ledger import Ledger
from synthgate.ledger.cli import EncodingOption, SepOption
from synthgate.policy import load_policy
from synthgate.revalidation import revalidate
from synthgate.verdict import Verdict


def revalidate_command(
        generator: str = typer.Option(..., help="The generator's ledger id or name."),
        fresh: Path = typer.Option(..., help="Today's real data (CSV or Parquet); split in two halves that "
                                             "play real and holdout."),
        synthetic: Path = typer.Option(..., help="The generator's synthetic table to re-judge."),
        ledger: Optional[str] = typer.Option(None, help="Ledger path or database URL (default: the policy's, "
                                                        "$SYNTHGATE_LEDGER, ./synthgate-ledger.sqlite)."),
        metadata: Optional[Path] = typer.Option(None, help="YAML/JSON: target, sensitive, column kinds."),
        policy: Optional[Path] = typer.Option(None, help="TOML/YAML policy (see 'synthgate policy init')."),
        out: Path = typer.Option(Path("synthgate-revalidate"), help="Folder for report.json and report.html."),
        fail_on: Optional[Verdict] = typer.Option(None, help="Least severe verdict that exits 1 "
                                                             "(default: the policy's, 'fail')."),
        seed: Optional[int] = typer.Option(None, help="Seed (default: the policy's, 0)."),
        sep: SepOption = None, encoding: EncodingOption = None) -> None:
    """Re-judge a generator's synthetic data against today's real data; record the run in the ledger.

    Runs fidelity, bias, coverage and drift; privacy, provenance and validation are left out (they need the
    generator's training rows, which fresh data is not) and listed as skipped with that reason. Exits 1 when
    the synthetic data no longer matches today's real data, 0 when it does (a passing revalidation restarts
    the generator's age clock), 2 on bad input.
    """
    check_out_folder(out)
    fresh, synthetic = table_files((fresh, synthetic), sep=sep, encoding=encoding)
    loaded = load_policy(policy)
    with RichProgress(console) as progress:
        done = revalidate(_generator_ref(generator), fresh, synthetic, ledger=ledger, metadata=metadata,
                          policy=loaded, seed=seed, progress=progress)
    written = _write(done.result, out)
    print_summary(done.result)
    if done.left_out:
        console.print(f"left out: {done.left_out_note}")
    console.print(f"recorded run {done.run.id} (revalidate, {done.result.verdict.value}) for generator "
                  f"{done.generator.id} {done.generator.name!r}; wrote {written}")
    raise typer.Exit(done.result.exit_code(fail_on or loaded.fail_on))


def history_command(
        generator: Optional[str] = typer.Option(None, help="Only this generator's runs (ledger id or name)."),
        ledger: Optional[str] = typer.Option(None, help="Ledger path or database URL (default: "
                                                        "$SYNTHGATE_LEDGER, ./synthgate-ledger.sqlite)."),
        production: Optional[Path] = typer.Option(None, help="CSV of a model's production numbers: a 'date' "
                                                             "column and one column per metric."),
        measurement: Optional[list[str]] = typer.Option(None, "--measurement", "-m",
                                                        help="Only these measurement ids or gate names "
                                                             "(repeatable), e.g. -m drift -m fidelity.ks_max."),
        last: int = typer.Option(8, min=1, help="Show the latest N runs."),
        out: Optional[Path] = typer.Option(None, help="Also write the history and its plot specs as JSON.")) -> None:
    """Show each measurement over a generator's recorded runs, beside production numbers if given."""
    if out is not None:
        check_out_file(out)
    prod = load_production(production) if production is not None else None
    with Ledger.open(ledger, create=False) as book:
        ref = _generator_ref(generator) if generator is not None else None
        runs = book.runs(generator_id=ref)
    if not runs:
        console.print("no runs recorded" + (f" for generator {generator}" if generator else "") + ".")
        raise typer.Exit(0)
    shown = runs[-last:]
    console.print(_runs_table(shown, total=len(runs)))
    console.print(_measurements_table(shown, measurement, prod))
    if out is not None:
        _write_history(runs, measurement, prod, out)
        console.print(f"wrote {out}")


def _generator_ref(text: str) -> int | str:
    return int(text) if text.strip().isdigit() else text


def _write(result: Any, out: Path) -> str:
    try:
        from synthgate.report import write_report
    except ImportError:  # the report package is optional here: the JSON alone still records the run
        out.mkdir(parents=True, exist_ok=True)
        path = out / "report.json"
        path.write_text(result.to_json(), encoding="utf-8")
        return str(path)
    json_path, html_path = write_report(result, out)
    return f"{json_path} and {html_path}"


def _runs_table(runs: list, *, total: int):
    title = "Recorded runs" + (f" (latest {len(runs)} of {total})" if total > len(runs) else "")
    table = Table(title=title)
    for header in ("run", "date (UTC)", "kind", "generator", "verdict"):
        table.add_column(header)
    for run in runs:
        verdict = run.verdict or "—"
        table.add_row(str(run.id), f"{run.created:%Y-%m-%d %H:%M}", run.kind,
                      "—" if run.generator_id is None else str(run.generator_id),
                      f"[{VERDICT_STYLE[verdict]}]{verdict}[/]" if verdict in VERDICT_STYLE else verdict)
    return table


def _measurements_table(runs: list, measurements: Optional[list[str]], production: Any):
    values = history_table(runs, measurements=measurements)
    verdicts = history_table(runs, measurements=measurements, field="verdict")
    table = Table(title="Each measurement per run (colour: its verdict)")
    table.add_column("measurement", overflow="fold")
    for run in runs:
        table.add_column(f"#{run.id}\n{run.created:%Y-%m-%d}", justify="right")
    for mid in values.index:
        cells = [_cell(values.at[mid, r.id] if r.id in values.columns else None,
                       verdicts.at[mid, r.id] if r.id in verdicts.columns else None) for r in runs]
        table.add_row(mid, *cells)
    if production is not None:
        as_of = production_as_of(production, [r.created for r in runs])
        for metric in as_of.columns:
            table.add_row(f"[cyan]production {metric}[/] (as of the run)", *[_cell(v, None) for v in as_of[metric]])
    return table


def _cell(value: Any, verdict: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        text = "—" if verdict in (None, "skipped") or verdict != verdict else str(verdict)
    else:
        text = f"{float(value):.4g}"
    style = VERDICT_STYLE.get(verdict) if isinstance(verdict, str) else None
    return f"[{style}]{text}[/]" if style else text


def _write_history(runs: list, measurements: Optional[list[str]], production: Any, out: Path) -> None:
    long = measurement_history(runs)
    long["created"] = long["created"].map(lambda d: d.isoformat())
    records = json.loads(long.to_json(orient="records"))
    data = {"runs": records, "plots": history_plot_specs(runs, measurements, production=production)}
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(data, indent=2), encoding="utf-8")
