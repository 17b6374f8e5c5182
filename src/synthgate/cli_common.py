"""The command line's shared pieces: consoles, verdict colours, progress bars, the summary table, and the checks
on output paths and table options that every command runs before any work.

``synthgate.cli`` and the sub-commands that live beside their feature (``synthgate.drift_cli``,
``synthgate.ledger.cli``) import them from here, so none of them imports another command module.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Optional

from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from synthgate.data.load import TableFile
from synthgate.errors import InputError

__all__ = ["VERDICT_STYLE", "RichProgress", "check_out_file", "check_out_folder", "console", "err_console",
           "print_summary", "table_files"]

console = Console(stderr=False)
err_console = Console(stderr=True)

VERDICT_STYLE = {"pass": "green", "warn": "yellow", "fail": "bold red", "inconclusive": "magenta",
                 "skipped": "dim", "error": "bold red"}


class RichProgress:
    """Adapts rich's progress bars to synthgate's progress callback (step, done, total)."""

    def __init__(self, console: Console):
        self.bar = Progress(TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn(),
                            console=console, transient=True, disable=not console.is_terminal)
        self.tasks: dict[str, int] = {}

    def __enter__(self) -> "RichProgress":
        self.bar.__enter__()
        return self

    def __exit__(self, *exc) -> None:
        self.bar.__exit__(*exc)

    def __call__(self, step: str, done: int, total: int) -> None:
        if step not in self.tasks:
            self.tasks[step] = self.bar.add_task(step, total=max(total, 1))
        self.bar.update(self.tasks[step], completed=done, total=max(total, 1))


def table_files(paths, *, sep: Optional[str], encoding: Optional[str]) -> list:
    """The table paths with how to read them (--sep, --encoding); None stays None."""
    return [None if p is None else TableFile(p, sep=sep, encoding=encoding) for p in paths]


def check_out_folder(out: Path, option: str = "--out") -> None:
    """Refuse an output folder that cannot be made or written, before any work starts."""
    if _exists(out) and not out.is_dir():
        raise InputError(f"{option} {str(out)!r} is a file, not a folder.",
                         fix=f"Pass a folder for {option} (one that does not exist yet is made).")
    _check_writable(out, option, "folder")


def check_out_file(out: Path, option: str = "--out") -> None:
    """Refuse an output file path that is a folder, lies under a file, or cannot be written."""
    if out.is_dir():
        raise InputError(f"{option} {str(out)!r} is a folder.", fix=f"Pass a file path for {option}.")
    _check_writable(out.parent, option, "file", shown=out)
    if out.is_file():
        try:
            open(out, "ab").close()  # appends nothing: only asks whether it may be written
        except OSError as err:
            raise InputError(f"{option} {str(out)!r} cannot be written ({err.strerror}).",
                             fix=f"Pass another path for {option}, or make the file writable.") from None


def _check_writable(folder: Path, option: str, what: str, shown: Optional[Path] = None) -> None:
    shown = shown or folder
    existing = next((p for p in (folder, *folder.parents) if _exists(p)), Path("."))
    if not existing.is_dir():
        raise InputError(f"{option} {str(shown)!r} lies under {str(existing)!r}, which is a file, so no {what} can "
                         "be made there.", fix=f"Pass a {what} path whose parents are folders.")
    try:
        with tempfile.TemporaryFile(dir=existing, prefix=".synthgate-write-test-"):
            pass
    except OSError as err:
        raise InputError(f"{option} {str(shown)!r} cannot be written: a file cannot be made in {str(existing)!r} "
                         f"({err.strerror}).",
                         fix=f"Pass a {what} you can write to, or change the permissions of {str(existing)!r}."
                         ) from None


def _exists(path: Path) -> bool:
    try:
        return path.exists()
    except OSError:  # e.g. a folder on the way that may not be searched
        return True


def print_summary(result) -> None:
    table = Table(title=f"synthgate: {result.verdict.value.upper()}")
    for header in ("gate", "verdict", "finding"):
        table.add_column(header, overflow="fold")
    for gate in result.gates:
        verdict = gate.verdict.value
        table.add_row(gate.gate, f"[{VERDICT_STYLE[verdict]}]{verdict}[/]", gate.summary)
    console.print(table)
    for note in result.notes:
        console.print(f"[dim]note: {note}[/dim]")
