"""The ledger CLI: exit codes 0 / 1 / 2 and messages instead of tracebacks."""

from __future__ import annotations

import pytest
import typer
from typer.testing import CliRunner

from ledger_tables import mixed_table
from synthgate.ledger import LEDGER_ENV, Ledger
from synthgate.ledger.cli import ledger_app, scan_command

app = typer.Typer()
app.add_typer(ledger_app, name="ledger")
app.command("scan")(scan_command)


@pytest.fixture
def files(tmp_path, monkeypatch):
    monkeypatch.setenv(LEDGER_ENV, str(tmp_path / "ledger.sqlite"))
    mixed_table(300, 1).to_csv(tmp_path / "real.csv", index=False)
    mixed_table(300, 2).to_parquet(tmp_path / "synth.parquet")
    corpus = mixed_table(200, 3)
    corpus.iloc[:10] = mixed_table(300, 2).iloc[:10].to_numpy()
    corpus.to_csv(tmp_path / "corpus.csv", index=False)
    return tmp_path


def run(*args: str):
    result = CliRunner().invoke(app, list(args))
    assert "Traceback" not in result.output
    return result


def test_register_generator_lineage_show_and_scan(files):
    assert run("ledger", "register", str(files / "real.csv"), "--origin", "human").exit_code == 0
    made = run("ledger", "add-generator", "--name", "g1", "--kind", "ctgan", "--trained-on", "real",
               "--dp-epsilon", "3", "--expires-in-days", "30", "--params", '{"epochs": 5}')
    assert made.exit_code == 0 and "generation 0" in made.output and "100% human" in made.output
    synth = run("ledger", "register", str(files / "synth.parquet"), "--origin", "machine", "--generator", "g1")
    assert synth.exit_code == 0 and "dataset 2 'synth': machine, generator 1" in synth.output
    assert "dataset 2" in run("ledger", "register", str(files / "synth.parquet"), "--origin", "machine").output
    lineage = run("ledger", "lineage", "synth")
    assert lineage.exit_code == 0 and "generator 1 'g1'" in lineage.output and "dataset 1 'real'" in lineage.output
    shown = run("ledger", "show")
    assert shown.exit_code == 0 and "synth" in shown.output and "ctgan" in shown.output
    scan = run("scan", str(files / "corpus.csv"))
    assert scan.exit_code == 0 and "exact copies" in scan.output and "10 │" in scan.output
    assert run("scan", str(files / "corpus.csv"), "--fail-on-match").exit_code == 1
    with Ledger.open() as ledger:
        assert [d.name for d in ledger.datasets()] == ["real", "synth"]


@pytest.mark.parametrize("args, message", [
    (["scan", "missing.csv"], "does not exist"),
    (["ledger", "register", "missing.csv", "--origin", "human"], "does not exist"),
    (["ledger", "register", "{real}", "--origin", "machine", "--generator", "nope"], "no generator named 'nope'"),
    (["ledger", "add-generator", "--name", "g", "--kind", "k", "--trained-on", "7"], "no dataset with id 7"),
    (["ledger", "add-generator", "--name", "g", "--kind", "k", "--trained-on", "1", "--params", "[1"], "not JSON"),
    (["ledger", "lineage", "nothing"], "no ledger at"),
])
def test_bad_input_exits_2_with_a_message(files, args, message):
    result = run(*[a.format(real=files / "real.csv") for a in args])
    assert result.exit_code == 2
    assert "error:" in result.output and message in " ".join(result.output.split())


def test_a_ledger_given_on_the_command_line_wins(files):
    other = files / "other.sqlite"
    registered = run("ledger", "register", str(files / "real.csv"), "--origin", "human", "--ledger", str(other))
    assert registered.exit_code == 0
    with Ledger.open(other) as ledger:
        assert len(ledger.datasets()) == 1
    with Ledger.open() as ledger:
        assert ledger.datasets() == []


@pytest.mark.parametrize("command", [["scan", "{corpus}"], ["scan", "{corpus}", "--fail-on-match"],
                                     ["ledger", "show"], ["ledger", "lineage", "1"]])
def test_reading_commands_refuse_a_ledger_that_does_not_exist(files, command):
    """Before: a mistyped --ledger made a new empty ledger, and the scan said 0 matches, exit 0."""
    typo = files / "ledgr.sqlite"
    result = run(*[a.format(corpus=files / "corpus.csv") for a in command], "--ledger", str(typo))
    message = " ".join(result.output.split())
    assert result.exit_code == 2 and "no ledger at" in message and "synthgate ledger register" in message
    assert not typo.exists() and not (files / "ledgr.sqlite.key").exists()


def test_scan_fails_only_beyond_chance_and_writes_json(files):
    import json
    assert run("ledger", "register", str(files / "real.csv"), "--origin", "human").exit_code == 0
    assert run("ledger", "register", str(files / "synth.parquet"), "--origin", "machine").exit_code == 0
    mixed_table(200, 3).to_csv(files / "clean.csv", index=False)
    clean = run("scan", str(files / "clean.csv"), "--fail-on-match", "--json", str(files / "clean.json"))
    assert clean.exit_code == 0 and "no count beyond chance" in " ".join(clean.output.split())
    dirty = run("scan", str(files / "corpus.csv"), "--fail-on-match", "--json", str(files / "dirty.json"))
    assert dirty.exit_code == 1
    report = json.loads((files / "dirty.json").read_text())
    assert report["rows"] == 200 and report["exact"] == 10 and report["beyond_chance"] is True
    assert report["chance"]["exact"]["observed"] == 10 and report["chance"]["exact"]["beyond_chance"] is True
    assert set(report["chance"]) == {"exact", "near", "exact_machine_only", "near_machine_only"}
    assert report["machine_only"] == {"exact": 10, "near": 0} and "2" in report["datasets"]
    assert json.loads((files / "clean.json").read_text())["beyond_chance"] is False
