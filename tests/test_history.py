"""Revalidation and history: runs recorded in the ledger, followed over time, beside production numbers."""

import functools
import json
from datetime import datetime, timezone

import pandas as pd
import pytest
import typer
from typer.testing import CliRunner

from synthgate import defects
from synthgate.datasets import load_adult
from synthgate.drift_cli import history_command, revalidate_command
from synthgate.gates.drift import DriftGate
from synthgate.gates.drift.history import (history_plot_spec, history_plot_specs, history_table, load_production,
                                           measurement_history, production_as_of, record_result)
from synthgate.gates.fidelity import FidelityGate
from synthgate.ledger import Ledger
from synthgate.revalidation import FRESH_GATES, LEFT_OUT, revalidate, split_fresh
from synthgate.verdict import Verdict

GATES = (FidelityGate(), DriftGate())  # other gates are judged in their own tests
FAST = {"resamples": 30}


@functools.lru_cache(maxsize=1)
def world():
    """Training-time real data, a generator fitted on it, and fresh data after the world moved on."""
    from synthgate.generators import CartSynthesizer

    split = load_adult(0, n=8000)
    synthetic = CartSynthesizer(target="income").fit(split.real).sample(len(split.real), seed=0)
    moved = defects.shift_column(split.holdout, column="age", sigma=0.5, seed=0)
    moved = defects.change_category_mix(moved, column="workclass", category="Self-emp-not-inc", factor=2.0, seed=0)
    return split, synthetic, moved


@pytest.fixture
def ledger():
    split, _, _ = world()
    book = Ledger.open(":memory:")
    data = book.register_dataset(split.real, name="adult-2025", origin="human")
    book.register_generator(name="cart-v1", kind="cart", trained_on=[data.id],
                            created=datetime(2025, 1, 10, tzinfo=timezone.utc))
    yield book
    book.close()


def test_revalidation_fails_after_drift_and_passes_after_regeneration(ledger):
    from synthgate.generators import CartSynthesizer

    split, synthetic, moved = world()
    assert revalidate("cart-v1", split.holdout, synthetic, ledger=ledger, metadata=split.metadata,
                      gates=GATES, policy=FAST).verdict is Verdict.PASS
    stale = revalidate("cart-v1", moved, synthetic, ledger=ledger, metadata=split.metadata, gates=GATES,
                       policy=FAST)
    assert stale.verdict is Verdict.FAIL
    assert stale.result.gate("fidelity").measurement("fidelity.ks_max").details["worst"] == "age"
    assert stale.run.kind == "revalidate" and stale.run.verdict == "fail"

    train, later = moved.iloc[:2000], moved.iloc[2000:]  # regenerate on new data, revalidate on newer
    data = ledger.register_dataset(train, name="adult-2026", origin="human")
    ledger.register_generator(name="cart-v2", kind="cart", trained_on=[data.id])
    regenerated = CartSynthesizer(target="income").fit(train).sample(len(train), seed=1)
    fresh = revalidate("cart-v2", later, regenerated, ledger=ledger, metadata=split.metadata, gates=GATES,
                       policy=FAST)
    # 1,000 fresh rows a side cannot resolve every fidelity effect (corr_gap may be inconclusive): not failing is
    # what a regenerated generator must show here.
    assert fresh.verdict in (Verdict.PASS, Verdict.INCONCLUSIVE) and fresh.result.exit_code() == 0
    assert [r.verdict for r in ledger.runs("cart-v1")] == ["pass", "fail"]
    assert [r.verdict for r in ledger.runs("cart-v2")] == [fresh.verdict.value]


def test_check_runs_are_recorded_and_drawn_in_the_drift_report(ledger):
    from synthgate.report import plot_spec_problems
    from synthgate.run import check

    split = load_adult(1, n=3000)
    kwargs = dict(metadata={**split.metadata, "generator": {"name": "cart-v1"}}, fresh=split.holdout,
                  ledger=ledger, gates=GATES, policy={"resamples": 20})
    first = check(split.real, split.holdout, split.holdout, **kwargs)
    assert "history" not in first.gate("drift").details
    run = record_result(ledger, first, kind="check", generator="cart-v1")
    assert run.inputs["fresh"] == first.inputs["fresh"]["sha256"] and run.verdict == first.verdict.value
    history = check(split.real, split.holdout, split.holdout, **kwargs).gate("drift").details["history"]
    assert "drift.c2st_auc" in [spec["title"] for spec in history]
    assert all(plot_spec_problems(spec) == [] for spec in history)


def test_revalidation_runs_only_the_gates_that_mean_something_on_fresh_data(ledger):
    """Privacy on fresh data the generator never saw is meaningless: it used to run (and pass) anyway."""
    from synthgate.gates.privacy import PrivacyGate
    from synthgate.gates.provenance import ProvenanceGate
    from synthgate.gates.validation import ValidationGate

    split, synthetic, _ = world()
    asked = (FidelityGate(), PrivacyGate(), ProvenanceGate(), ValidationGate(), DriftGate())
    policy = {**FAST, "rules": {"privacy.exact_copy_rate": {"fail_excess": 0.01}}}  # a left-out gate's rule is fine
    done = revalidate("cart-v1", split.holdout, synthetic, ledger=ledger, metadata=split.metadata, gates=asked,
                      policy=policy)
    assert [g.gate for g in done.result.gates] == ["fidelity", "privacy", "provenance", "validation", "drift"]
    assert done.left_out == ("privacy", "provenance", "validation")
    for name in done.left_out:
        gate = done.result.gate(name)
        assert gate.verdict is Verdict.SKIPPED and not gate.measurements
        assert gate.skipped_reason == LEFT_OUT and "training rows" in gate.skipped_reason
    assert done.result.gate("fidelity").measurements and done.verdict is Verdict.PASS
    note = ("privacy, provenance, validation: not run — they need the generator's training rows, which fresh data "
            "is not")
    assert done.left_out_note == note and f"revalidation: {note}" in done.result.notes
    recorded = json.loads(ledger.runs("cart-v1")[-1].result)
    assert {g["gate"]: g["verdict"] for g in recorded["gates"]}["privacy"] == "skipped"
    assert set(FRESH_GATES) == {"fidelity", "bias", "coverage", "drift"}


def test_revalidation_refuses_a_policy_that_enables_no_fresh_gate(ledger):
    from synthgate.errors import PolicyError
    from synthgate.gates.privacy import PrivacyGate

    split, synthetic, _ = world()
    with pytest.raises(PolicyError, match=r"runs only the gates \['fidelity', 'bias', 'coverage', 'drift'\].*"
                                          r"privacy: not run"):
        revalidate("cart-v1", split.holdout, synthetic, ledger=ledger, gates=(FidelityGate(), PrivacyGate()),
                   policy={**FAST, "gates_enabled": ["privacy"]})
    assert ledger.runs("cart-v1") == []


def test_revalidation_refuses_too_little_fresh_data(ledger):
    split, synthetic, _ = world()
    with pytest.raises(ValueError, match=r"fresh: 300 rows.*min_rows"):
        revalidate("cart-v1", split.holdout.iloc[:300], synthetic, ledger=ledger, gates=GATES, policy=FAST)


def test_split_fresh_is_seeded_disjoint_and_leaves_input_alone():
    split, _, _ = world()
    before = split.holdout.copy()
    a, b = split_fresh(split.holdout, 3)
    a2, _ = split_fresh(split.holdout, 3)
    assert len(a) + len(b) == len(split.holdout) and a.equals(a2)
    assert split.holdout.equals(before)


def fake_runs(ledger, values):
    """Record runs whose drift.c2st_auc decays, one month apart."""
    for month, auc in enumerate(values, start=1):
        result = {"gates": [{"gate": "drift", "measurements": [
            {"id": "drift.c2st_auc", "value": auc, "verdict": "pass" if auc < 0.55 else "fail",
             "threshold": 0.03, "reference": {"value": 0.5, "low": 0.48, "high": 0.52}},
            {"id": "drift.generator_age", "value": None, "verdict": "skipped", "reference": None}]}]}
        ledger.record_run("check", generator_id="cart-v1", result=result,
                          verdict="pass" if auc < 0.55 else "fail",
                          created=datetime(2025, month, 1, tzinfo=timezone.utc))


def test_history_follows_each_measurement_over_runs(ledger):
    fake_runs(ledger, [0.50, 0.52, 0.56])
    runs = ledger.runs("cart-v1")
    long = measurement_history(runs)
    auc = long[long["measurement"] == "drift.c2st_auc"]
    assert auc["value"].tolist() == [0.50, 0.52, 0.56] and auc["high"].tolist() == [0.52] * 3
    table = history_table(runs)
    assert table.loc["drift.c2st_auc"].tolist() == [0.50, 0.52, 0.56]
    assert history_table(runs, measurements=["fidelity"]).empty


def test_history_plot_spec_is_a_drawable_line_plot_with_bands(ledger):
    from synthgate.report import plot_spec_problems

    fake_runs(ledger, [0.50, 0.52, 0.56])
    runs = ledger.runs("cart-v1")
    production = load_production(pd.DataFrame({"date": ["2025-01-15", "2025-02-15"], "auc": [0.84, 0.80]}))
    spec = history_plot_spec(runs, ["drift.c2st_auc"], production=production)
    assert plot_spec_problems(spec) == []
    assert spec["series"]["drift.c2st_auc"] == [0.50, 0.52, 0.56]
    assert spec["bands"]["drift.c2st_auc"]["high"] == [0.52] * 3
    assert spec["series"]["production auc"] == [None, 0.84, 0.80]  # as of each run's date
    specs = history_plot_specs(runs, production=production)
    assert [s["title"] for s in specs] == ["drift.c2st_auc", "Model performance in production"]
    assert all(plot_spec_problems(s) == [] for s in specs)


def test_production_numbers_long_or_wide_and_bad_input(tmp_path):
    long = pd.DataFrame({"date": ["2025-01-01", "2025-01-01", "2025-02-01"], "metric": ["auc", "recall", "auc"],
                         "value": [0.8, 0.6, 0.7]})
    frame = load_production(long)
    assert list(frame.columns) == ["date", "auc", "recall"] and frame["auc"].tolist() == [0.8, 0.7]
    as_of = production_as_of(frame, [datetime(2025, 1, 20, tzinfo=timezone.utc), datetime(2024, 12, 1)])
    assert as_of["auc"].tolist()[0] == 0.8 and pd.isna(as_of["auc"].tolist()[1])
    path = tmp_path / "prod.csv"
    path.write_text("when,auc\n2025-01-01,0.8\n")
    with pytest.raises(ValueError, match="date"):
        load_production(path)


# --- the commands ---------------------------------------------------------------------------------------


@pytest.fixture
def cli():
    app = typer.Typer()
    app.command("revalidate")(revalidate_command)
    app.command("history")(history_command)
    return lambda *args: CliRunner().invoke(app, [str(a) for a in args])


def json_only(result, out):
    out.mkdir(parents=True, exist_ok=True)
    (out / "report.json").write_text(result.to_json())
    return out / "report.json", out / "report.html"


def test_revalidate_and_history_commands(tmp_path, cli, monkeypatch):
    import synthgate.drift_cli as drift_cli

    monkeypatch.setattr("synthgate.gates.registry.ALL_GATES", GATES)
    monkeypatch.setattr("synthgate.report.write_report", json_only)  # the HTML report is tested on its own
    split, synthetic, moved = world()
    path = tmp_path / "ledger.sqlite"
    with Ledger.open(path) as book:
        data = book.register_dataset(split.real, name="adult-2025", origin="human")
        book.register_generator(name="cart-v1", kind="cart", trained_on=[data.id])
    files = {}
    for name, frame in (("synthetic", synthetic), ("today", split.holdout), ("moved", moved)):
        files[name] = tmp_path / f"{name}.csv"
        frame.to_csv(files[name], index=False)
    meta = tmp_path / "meta.json"
    meta.write_text(json.dumps(split.metadata))
    policy = tmp_path / "policy.toml"
    policy.write_text("resamples = 30\n")
    common = ["--generator", "cart-v1", "--synthetic", files["synthetic"], "--ledger", path, "--metadata", meta,
              "--policy", policy]
    ok = cli("revalidate", "--fresh", files["today"], *common, "--out", tmp_path / "ok")
    assert ok.exit_code == 0, ok.output
    assert (tmp_path / "ok" / "report.json").is_file()
    stale = cli("revalidate", "--fresh", files["moved"], *common, "--out", tmp_path / "stale")
    assert stale.exit_code == 1, stale.output
    assert "recorded run 2" in stale.output and "left out" not in stale.output  # fidelity and drift only

    production = tmp_path / "production.csv"
    production.write_text(f"date,auc\n{datetime.now(timezone.utc):%Y-%m-%d},0.81\n2020-01-01,0.9\n")
    shown = cli("history", "--generator", "cart-v1", "--ledger", path, "--production", production,
                "-m", "fidelity.ks_max", "--out", tmp_path / "history.json")
    assert shown.exit_code == 0, shown.output
    assert "fidelity.ks_max" in shown.output and "production auc" in shown.output
    assert "revalidate" in shown.output and "fail" in shown.output and "#1" in shown.output and "#2" in shown.output
    saved = json.loads((tmp_path / "history.json").read_text())
    assert {r["run"] for r in saved["runs"]} == {1, 2} and saved["plots"][0]["plot"] == "lines"
    assert drift_cli._generator_ref("12") == 12


def test_revalidate_command_says_which_gates_it_left_out(tmp_path, cli, monkeypatch):
    from synthgate.gates.privacy import PrivacyGate

    monkeypatch.setattr("synthgate.gates.registry.ALL_GATES", (FidelityGate(), PrivacyGate()))
    monkeypatch.setattr("synthgate.report.write_report", json_only)
    split, synthetic, _ = world()
    path = tmp_path / "ledger.sqlite"
    with Ledger.open(path) as book:
        data = book.register_dataset(split.real, name="adult-2025", origin="human")
        book.register_generator(name="cart-v1", kind="cart", trained_on=[data.id])
    for name, frame in (("synthetic", synthetic), ("today", split.holdout)):
        frame.to_csv(tmp_path / f"{name}.csv", index=False)
    (tmp_path / "policy.toml").write_text("resamples = 30\n")
    done = cli("revalidate", "--generator", "cart-v1", "--fresh", tmp_path / "today.csv", "--synthetic",
               tmp_path / "synthetic.csv", "--ledger", path, "--policy", tmp_path / "policy.toml", "--out",
               tmp_path / "out")
    assert done.exit_code == 0, done.output
    assert "left out: privacy: not run — they need the generator's training rows" in " ".join(done.output.split())
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    assert {g["gate"]: g["verdict"] for g in report["gates"]} == {"fidelity": "pass", "privacy": "skipped"}


def test_history_without_runs_and_bad_generator(tmp_path, cli):
    path = tmp_path / "empty.sqlite"
    assert "no ledger at" in str(cli("history", "--ledger", path).exception)  # a typo never makes a new one
    Ledger.open(path).close()
    assert "no runs recorded" in cli("history", "--ledger", path).output
    missing = cli("revalidate", "--generator", "nope", "--fresh", tmp_path / "x.csv", "--synthetic",
                  tmp_path / "y.csv", "--ledger", path)
    assert missing.exit_code != 0 and "nope" in str(missing.exception)
