"""Per-record risk stays private (issue 13.4): report.json and report.html carry counts, never which synthetic
rows copy a real record, which real rows they expose, or any value of a copied record. Those positions go to
``<out>/private/records.parquet`` (folder 0700, file 0600), which the report and the CLI name, never show."""

from __future__ import annotations

import json
import re
import stat
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from synthgate.datasets import load_adult_frame
from synthgate.report import private_path, write_report
from synthgate.run import check

META = {"target": "income", "sensitive": ["sex", "race"], "positive": ">50K"}
POLICY = {"resamples": 20, "gates_enabled": ["privacy"]}


@pytest.fixture(scope="module")
def world():
    """Adult with an e-mail column; an independent real sample as synthetic, 20 of its rows replaced by
    training rows (at chosen positions) and 10 more carrying a training e-mail."""
    frame = load_adult_frame()
    frame["email"] = [f"person{i:05d}@example.org" for i in range(len(frame))]
    order = np.random.default_rng(3).permutation(len(frame))
    real, holdout, synthetic = (frame.iloc[order[a:b]].reset_index(drop=True)
                                for a, b in ((0, 3000), (3000, 5000), (5000, 8000)))
    rng = np.random.default_rng(4)
    positions = np.sort(rng.choice(np.arange(1000, 3000), size=30, replace=False))
    donors = np.sort(rng.choice(np.arange(1000, 3000), size=30, replace=False))
    leaky = synthetic.copy()
    leaky.iloc[positions[:20]] = real.iloc[donors[:20]].to_numpy()
    leaky.loc[positions[20:], "email"] = real["email"].to_numpy()[donors[20:]]
    leaky = leaky.astype(synthetic.dtypes.to_dict())
    return real, holdout, synthetic, leaky, positions, donors


@pytest.fixture(scope="module")
def written(world, tmp_path_factory):
    real, holdout, synthetic, leaky, _, _ = world
    out = tmp_path_factory.mktemp("leaks")
    control = write_report(check(real, holdout, synthetic, metadata=META, policy=POLICY), out / "control")
    found = check(real, holdout, leaky, metadata=META, policy=POLICY)
    return out, control, found, write_report(found, out / "leaky")


def integers(text: str) -> set[int]:
    """Every stand-alone integer in a text (not part of a decimal number)."""
    return {int(m) for m in re.findall(r"(?<![\d.])\d+(?![\d.])", text)}


def test_report_holds_no_position_and_no_value_of_a_copied_record(world, written):
    real, _, _, _, positions, donors = world
    _, control, found, (json_path, html_path) = written
    assert found.gate("privacy").measurement("privacy.unique_copy_rate").details["copies_of_unique_records"] == 20
    control_numbers = integers(control[0].read_text() + control[1].read_text())
    watched = {int(p) for p in np.r_[positions, donors]} - control_numbers  # numbers the report has anyway
    assert len(watched) >= 50
    secrets = {str(v) for v in real["fnlwgt"].to_numpy()[donors]} | set(real["email"].to_numpy()[donors])
    for path in (json_path, html_path):
        text = path.read_text()
        assert not watched & integers(text), path.name
        assert not [s for s in secrets if s in text], path.name
    assert found.gate("privacy").measurement("privacy.identifier_reuse_rate").verdict.value == "fail"


def test_private_file_holds_the_positions_and_only_its_owner_can_read_it(world, written):
    _, _, _, _, positions, donors = world
    out, _, _, _ = written
    path = private_path(out / "leaky")
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700 and stat.S_IMODE(path.stat().st_mode) == 0o600
    records = pd.read_parquet(path)
    assert set(records.columns) == {"gate", "finding", "synthetic_row", "real_row", "column"}
    copied = records[records["finding"] == "copy_of_unique_record"]
    assert sorted(zip(copied["synthetic_row"], copied["real_row"])) == sorted(zip(positions[:20], donors[:20]))
    reused = records[records["finding"] == "identifier_reuse"]
    assert set(reused["synthetic_row"]) >= set(positions[20:]) and set(reused["column"]) == {"email"}
    # The independent sample has natural findings only: near pairs and isolated rows, no copies.
    control = pd.read_parquet(private_path(out / "control"))
    assert not set(control["finding"]) & {"exact_copy", "copy_of_unique_record", "identifier_reuse"}


def test_report_says_the_private_file_exists_without_its_content(written):
    _, _, _, (json_path, html_path) = written
    details = json.loads(json_path.read_text())["gates"][0]["details"]
    assert "private/records.parquet" in details["private_records"]
    assert "private/records.parquet" in html_path.read_text()


def test_a_rerun_without_findings_removes_the_stale_private_file(world, written, tmp_path):
    real, holdout, synthetic, _, _, _ = world
    out, _, found, _ = written
    write_report(found, tmp_path)
    assert private_path(tmp_path).is_file()
    policy = {**POLICY, "gates_enabled": ["fidelity"]}  # no gate with per-record findings
    write_report(check(real, holdout, synthetic, metadata=META, policy=policy), tmp_path)
    assert not private_path(tmp_path).exists()


def test_cli_names_the_private_file_as_sensitive(world, tmp_path):
    real, holdout, _, leaky, _, _ = world
    for name, table in (("real", real), ("holdout", holdout), ("synthetic", leaky)):
        table.to_parquet(tmp_path / f"{name}.parquet")
    (tmp_path / "policy.toml").write_text('resamples = 20\ngates_enabled = ["privacy"]\n')
    (tmp_path / "meta.json").write_text(json.dumps(META))
    done = subprocess.run([sys.executable, "-c", "from synthgate.cli import main; main()", "check",
                           *(f"--{r}={tmp_path / f'{r}.parquet'}" for r in ("real", "holdout", "synthetic")),
                           f"--metadata={tmp_path / 'meta.json'}", f"--policy={tmp_path / 'policy.toml'}",
                           f"--out={tmp_path / 'out'}"], capture_output=True, text=True, timeout=600)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "SENSITIVE" in done.stdout and "records.parquet" in done.stdout
    assert private_path(tmp_path / "out").is_file()
