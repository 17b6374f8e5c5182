"""``synthgate calibrate``: the calibration harness on the command line (parsing, progress, summary)."""

from __future__ import annotations

import shlex
import time
from pathlib import Path
from typing import List, Optional

import typer
from rich.console import Console

console = Console()


def calibrate_command(
    data: List[str] = typer.Option(..., "--data", help="Data set: 'adult' (bundled), 'german=DIR', 'census=DIR' "
                                                       "(DIR: raw files, see scripts/fetch_calibration_data.sh). "
                                                       "Repeat for several."),
    seeds: Optional[int] = typer.Option(None, help="Seeds per cell (default 100; 10 with --quick)."),
    out: Path = typer.Option(Path("benchmarks/results/calibration"), help="Folder for runs.jsonl and the matrices."),
    quick: bool = typer.Option(False, "--quick", help="Ratios 0.5 and 2, power at ratio 2, 10 seeds: a slice."),
    gates: Optional[List[str]] = typer.Option(None, "--gates", help="Only these gates (repeat); default all."),
    ratios: Optional[str] = typer.Option(None, help="Synthetic-to-holdout ratios, e.g. '0.5,0.95,1,2,5'."),
    power_ratios: Optional[str] = typer.Option(None, help="Ratios of the power cells, e.g. '1,2'."),
    defects: Optional[List[str]] = typer.Option(None, "--defects", help="Only these planted defects (repeat)."),
    workers: int = typer.Option(1, min=1, help="Worker processes (each single-threaded)."),
    policy: Optional[Path] = typer.Option(None, help="Policy of every run (default: the calibration policy, "
                                                     "written into the output)."),
    ledger: bool = typer.Option(True, "--ledger/--no-ledger", help="An in-memory honest-lineage ledger per run."),
    power: bool = typer.Option(True, "--power/--no-power", help="Run the planted-defect (power) cells."),
    false_alarms: bool = typer.Option(True, "--false-alarms/--no-false-alarms", help="Run the false-alarm cells."),
    restart: bool = typer.Option(False, "--restart", help="Discard earlier run records instead of resuming "
                                                         "(do this after the gates' code changed)."),
) -> None:
    """Measure false-alarm rates and power of every gate over many seeds; exit 1 when a target is missed."""
    from synthgate.calibration.harness import calibrate
    from synthgate.calibration.sources import parse_data
    from synthgate.policy import load_policy

    try:
        sources = parse_data(data)
        ratio_list = _floats(ratios, "--ratios")
        power_list = _floats(power_ratios, "--power-ratios")
    except ValueError as err:
        raise typer.BadParameter(str(err)) from None
    command = _command_line(data=data, seeds=seeds, out=out, quick=quick, gates=gates, ratios=ratios,
                            power_ratios=power_ratios, defects=defects, workers=workers, policy=policy,
                            ledger=ledger, power=power, false_alarms=false_alarms, restart=restart)
    policy_dict = None if policy is None else load_policy(policy).model_dump(mode="json", exclude_defaults=True)
    with _Progress() as progress:
        try:
            result = calibrate(sources, out=out, seeds=seeds, quick=quick, gates=gates, ratios=ratio_list,
                               power_ratios=power_list, defects=defects, workers=workers, policy=policy_dict,
                               ledger=ledger, false_alarms=false_alarms, power=power, restart=restart,
                               command=command, progress=progress)
        except (ValueError, FileNotFoundError) as err:
            raise typer.BadParameter(str(err)) from None
        except KeyboardInterrupt:
            console.print(f"interrupted: finished runs are in {out / 'runs.jsonl'}; run the same command again "
                          "to resume")
            raise typer.Exit(130) from None
    console.print(f"{result.ran} runs done now, {result.reused} reused from earlier records")
    _print_summary(result)
    for path in result.written:
        console.print(f"wrote {path}")
    raise typer.Exit(0 if result.met else 1)


def _command_line(**given) -> str:
    """The command as parsed (the same in a shell and under a test runner, where ``sys.argv`` is not it)."""
    words = ["synthgate", "calibrate"]
    for value in given.pop("data"):
        words += ["--data", value]
    for name in ("seeds", "out", "ratios", "power_ratios", "workers", "policy"):
        if given[name] is not None:
            words += [f"--{name.replace('_', '-')}", str(given[name])]
    for name in ("gates", "defects"):
        for value in given[name] or []:
            words += [f"--{name}", value]
    words += [flag for flag, on in (("--quick", given["quick"]), ("--no-ledger", not given["ledger"]),
                                    ("--no-power", not given["power"]),
                                    ("--no-false-alarms", not given["false_alarms"]),
                                    ("--restart", given["restart"])) if on]
    return " ".join(shlex.quote(w) for w in words)


def _floats(text: Optional[str], option: str) -> Optional[tuple[float, ...]]:
    if text is None:
        return None
    try:
        values = tuple(float(x) for x in text.split(",") if x.strip())
    except ValueError:
        raise ValueError(f"{option} takes numbers separated by commas, got {text!r}.") from None
    if not values or any(v <= 0 for v in values):
        raise ValueError(f"{option} needs positive ratios, got {text!r}.")
    return values


class _Progress:
    """A rich bar with ETA on a terminal; otherwise a line every few runs with the ETA."""

    def __init__(self) -> None:
        self.started = time.perf_counter()
        self.bar = None
        self.task = None

    def __enter__(self) -> "_Progress":
        if console.is_terminal:
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
            from rich.progress import TimeRemainingColumn

            self.bar = Progress(TextColumn("calibrating {task.description}"), BarColumn(), MofNCompleteColumn(),
                                TimeElapsedColumn(), TextColumn("ETA"), TimeRemainingColumn(), console=console)
            self.bar.__enter__()
        return self

    def __exit__(self, *exc) -> None:
        if self.bar is not None:
            self.bar.__exit__(*exc)

    def __call__(self, done: int, total: int, record: dict) -> None:
        from synthgate.calibration.runner import eta_seconds

        what = f"{record['dataset']} {record['cell']} seed {record['seed']}"
        if self.bar is not None:
            if self.task is None:
                self.task = self.bar.add_task(what, total=total)
            self.bar.update(self.task, completed=done, description=what)
            return
        every = max(1, min(25, total // 20))
        if done % every == 0 or done == total or done == 1:
            elapsed = time.perf_counter() - self.started
            eta = eta_seconds(done, total, elapsed)
            alarms = [g for g, v in record["gates"].items() if v in ("warn", "fail", "error")]
            console.print(f"[{done}/{total}] {what}: {record['seconds']:.1f} s"
                          f"{' alarms: ' + ', '.join(alarms) if alarms else ''}; elapsed {_clock(elapsed)}, "
                          f"ETA {_clock(eta)}", highlight=False, soft_wrap=True)


def _clock(seconds: float) -> str:
    if seconds != seconds:
        return "?"
    seconds = int(round(seconds))
    return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


def _print_summary(result) -> None:
    from rich import box
    from rich.table import Table

    if result.false_alarms:
        fa = result.false_alarms
        table = Table(title=f"False alarms (share of seeds at WARN or worse; target <= {fa['target']:.0%})",
                      box=box.SIMPLE_HEAD, padding=(0, 1))
        for header in ("gate", "data", "ratio", "n", "WARN+", "FAIL", "INC.", "CI hi", "status"):
            table.add_column(header, no_wrap=True)
        for r in fa["gates"]:
            if not r["seeds"]:
                continue
            table.add_row(r["gate"], r["dataset"], f"{r['ratio']:g}", str(r["seeds"]),
                          f"{r['warn_or_worse_share']:.0%}", f"{r['fail_share']:.0%}",
                          f"{r['inconclusive_share']:.0%}", f"{r['warn_or_worse_ci'][1]:.0%}", _status(r["status"]))
        console.print(table)
    if result.power:
        pw = result.power
        table = Table(title=f"Power (share of seeds caught at FAIL; target >= {pw['target']:.0%})",
                      box=box.SIMPLE_HEAD, padding=(0, 1))
        for header in ("defect", "gate", "data", "rows", "n", "caught", "WARN+", "status"):
            table.add_column(header, no_wrap=True)
        for r in pw["cells"]:
            if not r["seeds"]:
                continue
            table.add_row(r["defect"], r["gate"], r["dataset"], str(r["synthetic_rows"]), str(r["seeds"]),
                          f"{r['caught_share']:.0%}", f"{r['warn_or_worse_share']:.0%}", _status(r["status"]))
        console.print(table)


def _status(status: str) -> str:
    return {"PASS": "[green]PASS[/]", "MISS": "[bold red]MISS[/]", "UNDERPOWERED": "[yellow]UNDERPOWERED[/]"}.get(status, status)
