"""--sep and --encoding on the other commands that read tables: ledger register, scan and revalidate."""

from __future__ import annotations

import json
import sys

import pytest

from synthgate import cli
from synthgate.gates.fidelity import FidelityGate
from synthgate.ledger import Ledger
from tests.conftest import adult_split, independent_sample

ACCENTED = {"workclass": {"Private": "Privé"}}
LATIN = ("--sep", ";", "--encoding", "latin-1")


def synthgate(monkeypatch, capsys, *args) -> tuple[int, str]:
    """Run the CLI in this process: the exit code and its output on one line."""
    monkeypatch.setattr(sys, "argv", ["synthgate", *map(str, args)])
    with pytest.raises(SystemExit) as done:
        cli.main()
    out, err = capsys.readouterr()
    return (done.value.code if isinstance(done.value.code, int) else 0), " ".join((out + err).split())


def write_both(frame, folder, name):
    """The table as a plain UTF-8 CSV and as a ';'-delimited Latin-1 one."""
    frame = frame.replace(ACCENTED)
    frame.to_csv(folder / f"{name}.csv", index=False)
    frame.to_csv(folder / f"{name}-latin.csv", sep=";", index=False, encoding="latin-1")
    return folder / f"{name}.csv", folder / f"{name}-latin.csv"


def test_ledger_register_reads_a_semicolon_latin1_csv_as_the_same_table(tmp_path, monkeypatch, capsys):
    plain, latin = write_both(adult_split(1200, 0).real, tmp_path, "real")
    ledger = ("--ledger", tmp_path / "ledger.sqlite")
    code, out = synthgate(monkeypatch, capsys, "ledger", "register", latin, "--origin", "human", *ledger)
    assert code == 2 and "is not UTF-8 text" in out
    code, out = synthgate(monkeypatch, capsys, "ledger", "register", plain, "--origin", "human", *ledger)
    assert code == 0 and "dataset 1 'real'" in out
    code, out = synthgate(monkeypatch, capsys, "ledger", "register", latin, "--origin", "human", *ledger, *LATIN)
    assert code == 0 and "dataset 1 'real'" in out, out  # the same content: the same record
    with Ledger.open(tmp_path / "ledger.sqlite") as book:
        assert len(book.datasets()) == 1


def test_scan_reads_a_semicolon_latin1_corpus(tmp_path, monkeypatch, capsys):
    plain, latin = write_both(independent_sample(300, 1200, 0), tmp_path, "synthetic")
    ledger = ("--ledger", tmp_path / "ledger.sqlite")
    assert synthgate(monkeypatch, capsys, "ledger", "register", plain, "--origin", "machine", *ledger)[0] == 0
    code, out = synthgate(monkeypatch, capsys, "scan", latin, *ledger, "--encoding", "utf-8")
    assert code == 2 and "is not UTF-8 text" in out
    code, out = synthgate(monkeypatch, capsys, "scan", latin, *ledger, *LATIN, "--fail-on-match")
    assert code == 1 and "exact copies" in out, out


def test_revalidate_reads_semicolon_latin1_fresh_and_synthetic_tables(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr("synthgate.gates.registry.ALL_GATES", (FidelityGate(),))
    split = adult_split(1200, 0)
    with Ledger.open(tmp_path / "ledger.sqlite") as book:
        data = book.register_dataset(split.real, name="adult", origin="human")
        book.register_generator(name="g1", kind="cart", trained_on=[data.id])
    _, fresh = write_both(split.holdout, tmp_path, "fresh")
    _, synthetic = write_both(independent_sample(300, 1200, 0), tmp_path, "synthetic")
    (tmp_path / "policy.toml").write_text("resamples = 10\n")
    (tmp_path / "meta.json").write_text(json.dumps(split.metadata))
    args = ("revalidate", "--generator", "g1", "--fresh", fresh, "--synthetic", synthetic, "--ledger",
            tmp_path / "ledger.sqlite", "--policy", tmp_path / "policy.toml", "--metadata", tmp_path / "meta.json",
            "--out", tmp_path / "out")
    code, out = synthgate(monkeypatch, capsys, *args)
    assert code == 2 and "is not UTF-8 text" in out
    code, out = synthgate(monkeypatch, capsys, *args, *LATIN)
    assert code == 0 and "recorded run 1" in out, out
    result = json.loads((tmp_path / "out" / "report.json").read_text())
    assert [g["gate"] for g in result["gates"] if g["verdict"] != "skipped"] == ["fidelity"]
