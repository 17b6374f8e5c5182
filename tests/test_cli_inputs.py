"""Bad command-line inputs found by trying (issue 16): exit 2 with a message that says what to fix, before any
work starts; never a traceback, never accepted silently."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile

import pytest

from synthgate import cli
from synthgate.errors import LedgerError
from synthgate.ledger import Ledger
from tests.conftest import adult_split, independent_sample


def synthgate(monkeypatch, capsys, *args) -> tuple[int, str, str]:
    """Run the CLI in this process, as ``synthgate ...`` would: the exit code, stdout and stderr (one line each)."""
    monkeypatch.setattr(sys, "argv", ["synthgate", *map(str, args)])
    with pytest.raises(SystemExit) as done:
        cli.main()
    out, err = capsys.readouterr()
    code = done.value.code if isinstance(done.value.code, int) else 0
    return code, " ".join(out.split()), " ".join(err.split())


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("inputs")
    split = adult_split(1200, 0)
    split.real.to_csv(folder / "real.csv", index=False)
    split.holdout.to_parquet(folder / "holdout.parquet")
    independent_sample(800, n=1200).to_csv(folder / "honest.csv", index=False)   # not the holdout itself
    (folder / "policy.toml").write_text('resamples = 10\ngates_enabled = ["fidelity"]\n')
    (folder / "meta.json").write_text(json.dumps(split.metadata))
    (folder / "a-file").write_text("not a folder\n")
    return folder


def check_args(files, *extra):
    return ("check", "--real", files / "real.csv", "--holdout", files / "holdout.parquet", "--synthetic",
            files / "honest.csv", "--policy", files / "policy.toml", *extra)


@pytest.fixture
def no_work(monkeypatch):
    """Any gate run or demo fails the test: the output checks must come first."""
    def refuse(*args, **kwargs):
        raise AssertionError("work started before the output folder was checked")
    monkeypatch.setattr("synthgate.run.check", refuse)
    monkeypatch.setattr("synthgate.demo.run_demo", refuse)


@pytest.mark.parametrize("out, message", [
    ("a-file", "--out '{f}/a-file' is a file, not a folder. Pass a folder for --out"),
    ("a-file/report", "--out '{f}/a-file/report' lies under '{f}/a-file', which is a file, so no folder can be made"),
])
@pytest.mark.parametrize("command", ["check", "demo"])
def test_an_out_folder_that_cannot_be_made_is_refused_before_any_work(files, monkeypatch, capsys, no_work, out,
                                                                      message, command):
    """Before: a traceback (FileExistsError / NotADirectoryError), for check after every gate had run."""
    args = check_args(files) if command == "check" else ("demo",)
    code, _, err = synthgate(monkeypatch, capsys, *args, "--out", files / out)
    assert code == 2 and message.format(f=files) in err


@pytest.mark.parametrize("command", ["check", "demo"])
def test_an_out_folder_that_cannot_be_written_is_refused_before_any_work(files, tmp_path, monkeypatch, capsys,
                                                                         no_work, command):
    """A read-only location (simulated: the tests may run as root, who may write anywhere)."""
    def read_only(*args, **kwargs):
        raise PermissionError(13, "Permission denied")
    monkeypatch.setattr(tempfile, "TemporaryFile", read_only)
    args = check_args(files) if command == "check" else ("demo",)
    code, _, err = synthgate(monkeypatch, capsys, *args, "--out", tmp_path / "new" / "out")
    assert code == 2
    assert f"--out '{tmp_path}/new/out' cannot be written: a file cannot be made in '{tmp_path}' " \
           "(Permission denied). Pass a folder you can write to" in err
    assert not (tmp_path / "new").exists()


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write into a read-only folder")
def test_a_read_only_out_folder_is_refused(files, tmp_path, monkeypatch, capsys, no_work):
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o555)
    code, _, err = synthgate(monkeypatch, capsys, *check_args(files), "--out", locked / "out")
    assert code == 2 and "cannot be written" in err


def test_policy_init_and_report_refuse_an_out_file_they_cannot_write(files, tmp_path, monkeypatch, capsys):
    code, _, err = synthgate(monkeypatch, capsys, "policy", "init", "--out", files / "a-file" / "p.toml")
    assert code == 2 and "lies under" in err and "which is a file, so no file can be made there" in err
    code, _, err = synthgate(monkeypatch, capsys, "policy", "init", "--out", tmp_path, "--force")
    assert code == 2 and f"--out '{tmp_path}' is a folder. Pass a file path for --out." in err
    code, _, _ = synthgate(monkeypatch, capsys, "policy", "init", "--out", tmp_path / "new" / "p.toml")
    assert code == 0 and (tmp_path / "new" / "p.toml").is_file()  # a missing folder is made
    (tmp_path / "r.json").write_text("{}")
    code, _, err = synthgate(monkeypatch, capsys, "report", tmp_path / "r.json", "--out", files / "a-file" / "r.html")
    assert code == 2 and "which is a file" in err


@pytest.mark.parametrize("command", ["check", "demo"])
def test_a_negative_seed_is_refused_at_the_command_line(files, monkeypatch, capsys, no_work, tmp_path, command):
    """Before: --seed -1 made every gate ERROR (NumPy refuses negative seeds), exit 1."""
    args = check_args(files) if command == "check" else ("demo",)
    code, _, err = synthgate(monkeypatch, capsys, *args, "--seed", "-1", "--out", tmp_path / "o")
    assert code == 2 and "Invalid value for '--seed'" in err and "greater than or equal to 0" in err


def test_encoding_and_sep_reach_every_csv_and_new_formats_are_read(files, tmp_path, monkeypatch, capsys):
    """A ';'-delimited Latin-1 synthetic, a gzipped real table and a Parquet folder as the holdout."""
    split = adult_split(1200, 0)
    accented = {"workclass": {"Private": "Privé"}}
    split.real.replace(accented).to_csv(tmp_path / "real.csv.gz", index=False, encoding="latin-1")
    (tmp_path / "holdout").mkdir()
    split.holdout.replace(accented).to_parquet(tmp_path / "holdout" / "part-0.parquet")
    split.holdout.replace(accented).to_csv(tmp_path / "synthetic.csv", sep=";", index=False, encoding="latin-1")
    args = ("check", "--real", tmp_path / "real.csv.gz", "--holdout", tmp_path / "holdout", "--synthetic",
            tmp_path / "synthetic.csv", "--policy", files / "policy.toml", "--out", tmp_path / "out")
    code, _, err = synthgate(monkeypatch, capsys, *args)
    assert code == 2 and "'real.csv.gz' is not UTF-8 text" in err and "--encoding latin-1" in err
    code, out, err = synthgate(monkeypatch, capsys, *args, "--encoding", "latin-1")  # ';' is detected
    assert code == 0, out + err
    assert json.loads((tmp_path / "out" / "report.json").read_text())["gates"][0]["verdict"] == "pass"
    code, _, err = synthgate(monkeypatch, capsys, *args, "--encoding", "latin-1", "--sep", ",")  # obeyed as given
    assert code == 2 and "synthetic: columns ['age;workclass;" in err


def test_a_cli_error_has_no_traceback(files, tmp_path):
    done = subprocess.run([sys.executable, "-c", "from synthgate.cli import main; main()",
                           *map(str, check_args(files, "--out", files / "a-file"))],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 2 and "Traceback" not in done.stderr and "is a file, not a folder" in done.stderr


@pytest.fixture
def ledger_files(files, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("SYNTHGATE_LEDGER", str(tmp_path / "ledger.sqlite"))
    code, _, err = synthgate(monkeypatch, capsys, "ledger", "register", files / "real.csv", "--origin", "human",
                             "--name", "train")
    assert code == 0, err
    return tmp_path


@pytest.mark.parametrize("days", ["nan", "inf", "1e300", "-5", "0", "36501"])
def test_add_generator_refuses_an_expiry_that_is_not_a_sensible_number_of_days(ledger_files, monkeypatch, capsys,
                                                                                days):
    """Before: nan, inf and huge values were tracebacks; a negative value was accepted (expired at birth)."""
    code, out, err = synthgate(monkeypatch, capsys, "ledger", "add-generator", "--name", "g", "--kind", "cart",
                               "--trained-on", "train", "--expires-in-days", days)
    assert code == 2 and "--expires-in-days" in out + err and "is not a number of days above 0 and at most 36,500" \
        in out + err and "Traceback" not in out + err
    with Ledger.open(ledger_files / "ledger.sqlite") as ledger:
        assert ledger.generators() == []


def test_a_second_generator_with_a_taken_name_is_refused(ledger_files, monkeypatch, capsys):
    """Before: accepted, after which '--generator NAME' failed as ambiguous everywhere."""
    add = ("ledger", "add-generator", "--name", "cart-v3", "--kind", "cart", "--trained-on", "train",
           "--expires-in-days", "180")
    assert synthgate(monkeypatch, capsys, *add)[0] == 0
    code, out, err = synthgate(monkeypatch, capsys, *add)
    assert code == 2 and "a generator named 'cart-v3' is already in the ledger (id 1). Give this one another name" \
        in out + err
    with Ledger.open(ledger_files / "ledger.sqlite") as ledger:
        assert [g.name for g in ledger.generators()] == ["cart-v3"]
        with pytest.raises(LedgerError, match="already in the ledger"):
            ledger.register_generator(name="cart-v3", kind="ctgan", trained_on=["train"])
        assert ledger.register_generator(name="cart-v4", kind="cart", trained_on=["train"]).id == 2
