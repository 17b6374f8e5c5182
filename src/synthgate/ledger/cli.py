"""``synthgate ledger ...`` and ``synthgate scan``: parse, call the Python API, render; nothing else."""

from __future__ import annotations

import functools
import json
import math
from datetime import timedelta
from enum import Enum
from pathlib import Path
from typing import Annotated

import pandas as pd
import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.tree import Tree

from synthgate.cli_common import check_out_file
from synthgate.errors import InputError, LedgerError
from synthgate.ledger.prov import prov_document
from synthgate.ledger.queries import now_utc
from synthgate.ledger.store import Ledger

__all__ = ["EncodingOption", "SepOption", "ledger_app", "scan_command"]

ledger_app = typer.Typer(name="ledger", no_args_is_help=True,
                         help="The provenance ledger: which data is human- or machine-made, and from what.")
console = Console()
_errors = Console(stderr=True)
_SHOWN_POSITIONS = 20


class OriginChoice(str, Enum):
    """Who made a table."""

    human = "human"
    machine = "machine"


LedgerOption = Annotated[str | None, typer.Option(
    "--ledger", help="Ledger file or SQLAlchemy URL (default: $SYNTHGATE_LEDGER, else ./synthgate-ledger.sqlite).")]
# The same --sep / --encoding as 'synthgate check', read by the same loader.
SepOption = Annotated[str | None, typer.Option(
    help="CSV delimiter of every CSV input, e.g. ';' or 'tab' (default: ',', tab for .tsv; a ';' file is detected).")]
EncodingOption = Annotated[str | None, typer.Option(
    help="Text encoding of every CSV input, e.g. latin-1 (default: UTF-8).")]


def _friendly(command):
    """Bad input and ledger refusals become one red line and exit code 2, never a traceback."""
    @functools.wraps(command)
    def run(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except (InputError, LedgerError) as err:
            _errors.print(f"[red]error:[/red] {escape(str(err))}", highlight=False, soft_wrap=True)
            raise typer.Exit(2) from None
    return run


def _ref(text: str) -> int | str:
    return int(text) if text.strip().isdigit() else text


def _read(path: Path, sep: str | None = None, encoding: str | None = None) -> pd.DataFrame:
    try:
        from synthgate.data import load_table
        from synthgate.data.load import TableFile
    except ImportError:  # the shared loader is optional for the ledger
        return _read_local(path, sep, encoding)
    return load_table(TableFile(path, sep=sep, encoding=encoding), name=path.name)


def _read_local(path: Path, sep: str | None = None, encoding: str | None = None) -> pd.DataFrame:
    if not path.is_file():
        raise InputError(f"file {str(path)!r} does not exist.", fix="Check the path.")
    suffix = path.suffix.lower()
    if suffix not in (".parquet", ".pq", ".csv", ".txt", ".tsv"):
        raise InputError(f"cannot read {path.name!r}: unknown file type {path.suffix!r}.", fix="Use .csv or .parquet.")
    try:
        if suffix in (".parquet", ".pq"):
            return pd.read_parquet(path)
        default = "\t" if suffix == ".tsv" else ","
        return pd.read_csv(path, sep=sep or default, encoding=encoding, low_memory=False)
    except Exception as err:  # the parser's own message is the useful part
        raise InputError(f"cannot read {path.name!r}: {err}.", fix="Check the file's format.") from None


@ledger_app.command()
@_friendly
def register(file: Annotated[Path, typer.Argument(help="CSV or Parquet table.")],
             origin: Annotated[OriginChoice, typer.Option(help="Who made the rows.")],
             name: Annotated[str | None, typer.Option(help="Label (default: the file name).")] = None,
             generator: Annotated[str | None, typer.Option(help="Id or name of the generator that made it.")] = None,
             note: Annotated[str | None, typer.Option(help="Free text kept with the record.")] = None,
             ledger: LedgerOption = None, sep: SepOption = None, encoding: EncodingOption = None) -> None:
    """Register a table and fingerprints of all its rows (re-registering the same content is a no-op)."""
    frame = _read(file, sep, encoding)
    with Ledger.open(ledger) as store:
        record = store.register_dataset(frame, name=name or file.stem, origin=origin.value,
                                        generator_id=None if generator is None else _ref(generator), note=note)
    made_by = f", generator {record.generator_id}" if record.generator_id is not None else ""
    console.print(f"dataset {record.id} {record.name!r}: {record.origin}{made_by}, {record.rows:,} rows, "
                  f"sha256 {record.content_hash[:16]}…", highlight=False)


@ledger_app.command("add-generator")
@_friendly
def add_generator(name: Annotated[str, typer.Option(help="Generator name.")],
                  kind: Annotated[str, typer.Option(help="E.g. ctgan, tvae, copula.")],
                  trained_on: Annotated[list[str], typer.Option(
                      help="Training dataset id or name; repeat the option or separate with commas.")],
                  dp_epsilon: Annotated[float | None, typer.Option(help="Differential-privacy budget.")] = None,
                  expires_in_days: Annotated[float | None, typer.Option(help="Output expires after this.")] = None,
                  params: Annotated[str | None, typer.Option(help="Settings as a JSON object.")] = None,
                  note: Annotated[str | None, typer.Option(help="Free text.")] = None,
                  ledger: LedgerOption = None) -> None:
    """Record a generator and the datasets it was trained on."""
    refs = [_ref(part) for item in trained_on for part in item.split(",") if part.strip()]
    settings = _parse_params(params)
    _check_days(expires_in_days)
    expires = None if expires_in_days is None else now_utc() + timedelta(days=expires_in_days)
    with Ledger.open(ledger) as store:
        record = store.register_generator(name=name, kind=kind, trained_on=refs, params=settings,
                                          dp_epsilon=dp_epsilon, expires_at=expires, note=note)
        share = store.human_share(record)
    console.print(f"generator {record.id} {record.name!r} ({record.kind}): generation {record.generation}, "
                  f"trained on datasets {list(record.trained_on)}, {share:.0%} human rows", highlight=False)


#: longest --expires-in-days: a century (a date beyond year 9999 cannot even be stored)
MAX_EXPIRY_DAYS = 36_500


def _check_days(days: float | None) -> None:
    if days is not None and not (math.isfinite(days) and 0 < days <= MAX_EXPIRY_DAYS):
        raise InputError(f"--expires-in-days {days:g} is not a number of days above 0 and at most "
                         f"{MAX_EXPIRY_DAYS:,}.", fix="Pass e.g. --expires-in-days 180, or leave it out for output "
                                                   "that never expires.")


def _parse_params(params: str | None) -> dict:
    if params is None:
        return {}
    try:
        value = json.loads(params)
    except ValueError as err:
        raise InputError(f"--params is not JSON: {err}.", fix='Pass e.g. --params \'{"epochs": 300}\'.') from None
    if not isinstance(value, dict):
        raise InputError("--params must be a JSON object.", fix='Pass e.g. --params \'{"epochs": 300}\'.')
    return value


@ledger_app.command()
@_friendly
def show(ledger: LedgerOption = None) -> None:
    """List the registered datasets and generators."""
    with Ledger.open(ledger, create=False) as store:
        datasets, generators = store.datasets(), store.generators()
        shares = {g.id: store.human_share(g) for g in generators}
    console.print(_datasets_table(datasets))
    console.print(_generators_table(generators, shares))


def _datasets_table(datasets) -> Table:
    table = Table(title="datasets")
    for column in ("id", "name", "origin", "rows", "generator", "created (UTC)", "sha256"):
        table.add_column(column, justify="right" if column in ("id", "rows") else "left")
    for d in datasets:
        table.add_row(str(d.id), d.name, d.origin, f"{d.rows:,}", "" if d.generator_id is None else str(d.generator_id),
                      d.created.strftime("%Y-%m-%d %H:%M"), d.content_hash[:12])
    return table


def _generators_table(generators, shares) -> Table:
    table = Table(title="generators")
    for column in ("id", "name", "kind", "generation", "trained on", "human share", "dp ε", "expires"):
        table.add_column(column, justify="right" if column in ("id", "generation", "human share") else "left")
    for g in generators:
        expires = "" if g.expires_at is None else g.expires_at.strftime("%Y-%m-%d") + (" (expired)" * g.is_expired())
        table.add_row(str(g.id), g.name, g.kind, str(g.generation), ", ".join(map(str, g.trained_on)),
                      f"{shares[g.id]:.0%}", "" if g.dp_epsilon is None else f"{g.dp_epsilon:g}", expires)
    return table


@ledger_app.command()
@_friendly
def lineage(dataset: Annotated[str, typer.Argument(help="Dataset id or name.")],
            ledger: LedgerOption = None) -> None:
    """Show where a dataset comes from, back to human data."""
    with Ledger.open(ledger, create=False) as store:
        steps = store.lineage(_ref(dataset))
    nodes: dict[int, Tree] = {}
    root = None
    for step in steps:
        label = _step_label(step)
        parent = next((nodes[s.dataset.id] for s in steps if s.generator and step.dataset.id in s.generator.trained_on
                       and s.dataset.id in nodes), None)
        node = parent.add(label) if parent is not None else Tree(label)
        root = root or node
        nodes[step.dataset.id] = node
    console.print(root)


def _step_label(step) -> str:
    data = step.dataset
    text = f"dataset {data.id} {data.name!r} ({data.origin}, {data.rows:,} rows)"
    if step.generator is not None:
        g = step.generator
        text += f" ← generator {g.id} {g.name!r} ({g.kind}, generation {g.generation}) trained on"
    elif data.origin == "machine":
        text += " ← unknown generator"
    return text


class ExportFormat(str, Enum):
    """Formats of ``synthgate ledger export``."""

    prov_json = "prov-json"


@ledger_app.command()
@_friendly
def export(ledger: LedgerOption = None,
           export_format: Annotated[ExportFormat, typer.Option(
               "--format", help="prov-json: W3C PROV-JSON (no row fingerprints, keys or row values).")
           ] = ExportFormat.prov_json,
           out: Annotated[Path | None, typer.Option(help="File to write (default: standard output).")] = None
           ) -> None:
    """Write the ledger's lineage (datasets, generators, training) for other provenance tools."""
    if out is not None:
        check_out_file(out)
    with Ledger.open(ledger, create=False) as store:
        document = prov_document(store)
    text = json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    if out is None:
        typer.echo(text, nl=False)
        return
    out.write_text(text, encoding="utf-8")
    console.print(f"wrote {escape(str(out))}: {len(document.get('entity', {}))} datasets, "
                  f"{len(document.get('agent', {}))} generators (PROV-JSON)", highlight=False)


@_friendly
def scan_command(corpus: Annotated[Path, typer.Argument(help="CSV or Parquet table to scan.")],
                 ledger: LedgerOption = None,
                 fail_on_match: Annotated[bool, typer.Option(
                     help="Exit 1 when registered machine rows are found beyond what chance alone gives.")] = False,
                 json_out: Annotated[Path | None, typer.Option(
                     "--json", help="Also write the counts, chance and coverage to this JSON file (for CI).")] = None,
                 sep: SepOption = None, encoding: EncodingOption = None,
                 scheduler: Annotated[str | None, typer.Option(
                     help="Fingerprint the corpus on a Dask cluster: tcp://HOST:PORT, or local:N for N local "
                          "worker processes (needs: pip install 'synthgate\\[dask]'). The corpus is then read as Parquet "
                          "partitions: a file, a folder or a quoted glob.")] = None) -> None:
    """Find rows of a corpus that are registered machine rows, exactly or near, beside what chance gives."""
    with Ledger.open(ledger, create=False) as store:
        result = _scan(store, corpus, scheduler, sep, encoding)
        datasets = {d.id: d for d in store.datasets()}
    if json_out is not None:
        json_out.write_text(json.dumps({"corpus": str(corpus), **result.to_dict()}, indent=2) + "\n")
    console.print(_scan_summary(result, corpus.name))
    if result.coverage:
        console.print(_scan_by_dataset(result, datasets))
    for line in _scan_notes(result, datasets):
        console.print(line, highlight=False)
    shown = [m.position for m in result.matches[:_SHOWN_POSITIONS]]
    if shown:
        more = f" (first {_SHOWN_POSITIONS} of {len(result.matches):,})" if len(result.matches) > len(shown) else ""
        console.print(f"matched rows (0-based){more}: {', '.join(map(str, shown))}", highlight=False)
    console.print(_verdict(result), highlight=False)
    if fail_on_match and result.beyond_chance:
        raise typer.Exit(1)


def _scan(store: Ledger, corpus: Path, scheduler: str | None, sep: str | None, encoding: str | None):
    """Scan a corpus read whole, or, with a scheduler, read in partitions on the executor it names."""
    if scheduler is None:
        return store.scan(_read(corpus, sep, encoding))
    from synthgate.executor import DaskExecutor, PartitionedDataset

    partitioned = PartitionedDataset.from_parquet(corpus, name=corpus.name)
    with DaskExecutor(scheduler) as executor:
        return store.scan(partitioned, executor=executor)


_LABELS = {"exact": "exact copies", "near": "near copies",
           "exact_machine_only": " exact, machine only", "near_machine_only": " near, machine only"}


def _scan_summary(result, name: str) -> Table:
    table = Table(title=f"scan of {name}: {result.rows:,} rows against machine data",
                  caption="machine only: in no registered human data; chance: honest rows of the population")
    for column in ("match", "rows", "chance", "bound", "beyond"):
        table.add_column(column, justify="left" if column == "match" else "right")
    for key, label in _LABELS.items():
        c = result.chance[key]
        judged = c.bound is not None
        table.add_row(label, f"{c.observed:,}", f"{c.expected:.1f}" if judged else "-",
                      f"{c.bound:,}" if judged else "-", ("yes" if c.beyond else "no") if judged else "not judged")
    return table


def _scan_by_dataset(result, datasets) -> Table:
    table = Table(title="by machine dataset")
    for column in ("dataset", "generator", "exact", "near", "columns compared", "chance from"):
        table.add_column(column, justify="left" if column in ("dataset", "chance from") else "right")
    for data_id, cover in sorted(result.coverage.items()):
        counts, data = result.by_dataset.get(data_id), datasets[data_id]
        compared = f"{len(cover.columns)} of {len(data.schema)}" if cover.matched else "none"
        table.add_row(f"{data_id} {data.name}", "" if data.generator_id is None else str(data.generator_id),
                      f"{counts.exact:,}" if counts else "0", f"{counts.near:,}" if counts else "0", compared,
                      result.rate_sources.get(data_id, ""))
    return table


def _scan_notes(result, datasets) -> list[str]:
    notes = [f"dataset {d} {datasets[d].name!r}: {c.reason}" for d, c in sorted(result.coverage.items()) if c.reason]
    notes.append(f"ambiguous (also in registered human data, cannot be told from it): {result.ambiguous.exact:,} "
                 f"exact, {result.ambiguous.near:,} near")
    return notes


def _verdict(result) -> str:
    if result.beyond_chance:
        return "[red]machine rows beyond chance[/red]: more matches than natural duplicates of the population explain."
    return "no count beyond chance: the matches are what honest rows of this population give."
