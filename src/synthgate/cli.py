"""The command line: a thin layer over the Python API (``synthgate.run.check``)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Optional

import typer
from rich import box
from rich.markup import escape
from rich.table import Table

from synthgate import __version__
from synthgate.calibration.cli import calibrate_command
from synthgate.cli_common import (VERDICT_STYLE, RichProgress, check_out_file, check_out_folder, console,
                                  err_console, print_summary, table_files)
from synthgate.data import load_metadata
from synthgate.drift_cli import history_command, revalidate_command
from synthgate.errors import InputError, LedgerError, PolicyError
from synthgate.gates.drift.history import record_result
from synthgate.ledger import Ledger
from synthgate.ledger.cli import ledger_app, scan_command
from synthgate.verdict import Verdict

app = typer.Typer(help="synthgate: is this synthetic table safe to use? Six gates, each against real data.",
                  no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False)
policy_app = typer.Typer(help="Policy files.", no_args_is_help=True)
app.add_typer(policy_app, name="policy")


def _version(value: bool) -> None:
    if value:
        console.print(f"synthgate {__version__}")
        raise typer.Exit()


@app.callback()
def _root(version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                       help="Print the version and exit.")) -> None:
    """synthgate: decide whether a synthetic tabular dataset is safe to use."""


@app.command()
def check(real: Path = typer.Option(..., help="The generator's training data (CSV or Parquet)."),
          holdout: Path = typer.Option(..., help="Real rows the generator never saw."),
          synthetic: Path = typer.Option(..., help="The synthetic table to judge."),
          metadata: Optional[Path] = typer.Option(None, help="YAML/JSON: target, sensitive, column kinds."),
          policy: Optional[Path] = typer.Option(None, help="TOML/YAML policy (see 'synthgate policy init')."),
          fresh: Optional[Path] = typer.Option(None, help="Fresh real data, for the drift gate."),
          ledger: Optional[str] = typer.Option(None, help="Provenance ledger path or database URL."),
          out: Path = typer.Option(Path("synthgate-out"), help="Folder for report.json and report.html."),
          fail_on: Optional[Verdict] = typer.Option(None, help="Least severe verdict that exits 1 "
                                                               "(default: the policy's, 'fail'); an error "
                                                               "always does."),
          seed: Optional[int] = typer.Option(None, min=0, help="Seed, an integer >= 0 (default: the policy's, 0)."),
          sep: Optional[str] = typer.Option(None, help="CSV delimiter of every CSV input, e.g. ';' or 'tab' "
                                                       "(default: ',', tab for .tsv; a ';' file is detected)."),
          encoding: Optional[str] = typer.Option(None, help="Text encoding of every CSV input, e.g. latin-1 "
                                                            "(default: UTF-8)."),
          junit_xml: Optional[Path] = typer.Option(None, "--junit-xml", help="Also write a JUnit XML test report "
                                                   "here: one test suite per gate, one test case per "
                                                   "measurement."),
          scheduler: Optional[str] = typer.Option(None, help="Run the nearest-neighbour searches on a Dask "
                                                  "cluster: tcp://HOST:PORT, or local:N for N local worker "
                                                  "processes (needs: pip install 'synthgate\\[dask]'). Same "
                                                  "neighbours, same verdicts.")) -> None:
    """Run every gate. Exit 0 when no gate fails CI; 1 when a gate is at or above --fail-on, errored, or is
    inconclusive while the policy's fail_on_inconclusive lists it (default: privacy); 2 on bad input or policy.
    Under GitHub Actions (GITHUB_ACTIONS=true) it also prints an ::error / ::warning annotation per failing or
    warning measurement."""
    from synthgate.policy import load_policy
    from synthgate.report import write_report
    from synthgate.executor import open_executor
    from synthgate.run import check as run_check

    check_out_folder(out)
    if junit_xml is not None:
        check_out_file(junit_xml, "--junit-xml")
    real, holdout, synthetic, fresh = table_files((real, holdout, synthetic, fresh), sep=sep, encoding=encoding)
    loaded = load_policy(policy)
    with open_executor(scheduler) as executor, RichProgress(console) as progress:
        result = run_check(real, holdout, synthetic, metadata=metadata, policy=loaded, seed=seed, fresh=fresh,
                           ledger=ledger or loaded.ledger, progress=progress,
                           executor=None if scheduler is None else executor)
    json_path, html_path = write_report(result, out)
    if ledger or loaded.ledger:
        _record_check(result, ledger or loaded.ledger, metadata)
    print_summary(result)
    print_github_annotations(result, fail_on)
    console.print(f"wrote {json_path} and {html_path}")
    if junit_xml is not None:
        write_junit_xml(result, junit_xml, fail_on)
    from synthgate.report import private_path
    if private_path(out).is_file():
        console.print(f"[bold]wrote {escape(str(private_path(out)))}[/bold]: SENSITIVE, positions of synthetic rows that copy a "
                      "real record and of the real rows they expose; keep it private, do not share it",
                      soft_wrap=True)
    raise typer.Exit(print_outcome(result, fail_on))


@app.command()
def demo(out: Path = typer.Option(Path("synthgate-demo"), help="Folder for report.json and report.html."),
         seed: int = typer.Option(0, min=0, help="Seed for the split, the generator and the defects.")) -> None:
    """Run every gate on bundled real data (UCI Adult) with an honest generator and planted defects."""
    from synthgate.demo import VARIANTS, run_demo
    from synthgate.report import private_path, slug, write_demo_report

    check_out_folder(out)
    with RichProgress(console) as progress:
        results = run_demo(out, seed=seed, progress=progress)
    descriptions = {v.name: v.description for v in VARIANTS}
    path = write_demo_report(results, out, title="synthgate demo on UCI Adult", descriptions=descriptions)
    print_matrix(results, descriptions)
    console.print(f"wrote {path} (open it in a browser) and {path.with_suffix('.json')}")
    for name in results:
        private = private_path(out / slug(name))
        if private.is_file():
            console.print(f"wrote {escape(str(private))}: SENSITIVE, positions of the '{name}' rows that expose "
                          "real records; keep it private, do not share it")


@app.command()
def report(result: Path = typer.Argument(..., help="A report.json written by 'synthgate check'."),
           out: Path = typer.Option(Path("report.html"), help="Where to write the HTML.")) -> None:
    """Re-render the HTML report from a result JSON."""
    from synthgate.report import render_json

    check_out_file(out)
    if not result.is_file():
        raise InputError(f"result file {str(result)!r} does not exist.", fix="Pass a report.json path.")
    try:
        html = render_json(result.read_text(encoding="utf-8"))
    except (ValueError, KeyError) as err:
        raise InputError(f"{result.name!r} is not a synthgate result ({err}).",
                         fix="Pass a report.json written by 'synthgate check' or 'synthgate demo'.") from None
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(html, encoding="utf-8")
    console.print(f"wrote {out}")


@policy_app.command("init")
def policy_init(out: Path = typer.Option(Path("synthgate-policy.toml"), help="Where to write it."),
                force: bool = typer.Option(False, help="Overwrite an existing file.")) -> None:
    """Write a commented policy file with every default."""
    from synthgate.gates import ALL_GATES
    from synthgate.policy import render_default_policy

    check_out_file(out)
    if out.exists() and not force:
        raise PolicyError(f"{out} exists. Pass --force to overwrite it, or choose another --out.")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(render_default_policy(ALL_GATES), encoding="utf-8")
    console.print(f"wrote {out}")


def _record_check(result, location: str, metadata: Optional[Path]) -> None:
    """Every check against a ledger is stored there, so 'synthgate history' shows the trend."""
    name = load_metadata(metadata).generator.name
    with Ledger.open(location) as ledger:
        known = name is not None and any(g.name == name for g in ledger.generators())
        record_result(ledger, result, kind="check", generator=name if known else None)


def print_github_annotations(result, fail_on: Optional[Verdict] = None) -> None:
    """GitHub Actions turns these stdout lines into annotations; printed without rich, which would wrap them."""
    from synthgate.report.annotations import github_annotations, running_in_github_actions

    if running_in_github_actions():
        for line in github_annotations(result, fail_on):
            print(line, flush=True)


def write_junit_xml(result, path: Path, fail_on: Optional[Verdict] = None) -> None:
    from synthgate.report.junit import junit_xml

    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(junit_xml(result, fail_on=fail_on), encoding="utf-8")
    console.print(f"wrote {escape(str(path))}", soft_wrap=True)


def print_outcome(result, fail_on: Optional[Verdict] = None) -> int:
    """Say whether CI fails and why; return the exit code (the same rule as ``CheckResult.raise_for_verdict``)."""
    failing = result.failing(fail_on)
    if not failing:
        console.print("[green]CI: pass[/green] (exit 0): no gate at or above fail_on, none errored, and no gate "
                      "listed in fail_on_inconclusive is inconclusive")
        return 0
    reasons = "; ".join(f"{gate}: {why}" for gate, why in failing.items())
    console.print(f"[bold red]CI: fail[/bold red] (exit 1): {escape(reasons)}", soft_wrap=True)
    return 1


def print_matrix(results: dict, descriptions: dict[str, str]) -> None:
    """Gates down, defect variants across: compact enough for an 80-column terminal."""
    table = Table(title="Which gate catches which defect", box=box.SIMPLE_HEAD, padding=(0, 1))
    table.add_column("gate", no_wrap=True)
    for variant in results:
        table.add_column(variant, no_wrap=True)
    for gate in [g.gate for g in next(iter(results.values())).gates]:
        cells = [results[v].gate(gate).verdict.value for v in results]
        table.add_row(gate, *(f"[{VERDICT_STYLE[c]}]{c}[/]" for c in cells))
    console.print(table)
    for variant, text in descriptions.items():
        console.print(f"[bold]{variant}[/bold]: {text}")


def _mount_subcommands() -> None:
    """Sub-commands that live beside their feature: the ledger, scan, revalidate, history and calibrate."""
    app.add_typer(ledger_app, name="ledger")
    app.command("scan")(scan_command)
    app.command("revalidate")(revalidate_command)
    app.command("history")(history_command)
    app.command("calibrate")(calibrate_command)


_mount_subcommands()


def main() -> None:
    try:
        app()
    except (InputError, PolicyError, LedgerError) as err:  # the user's to fix: a message, no traceback
        err_console.print(f"[red]error:[/red] {escape(str(err))}", highlight=False, soft_wrap=True)
        sys.exit(2)
