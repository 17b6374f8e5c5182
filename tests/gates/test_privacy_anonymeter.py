"""Cross-check of the privacy gate's anonymeter re-implementation against anonymeter 1.1.0 itself.

anonymeter pins numpy<1.27, so it is never imported here: its values were recorded once, in a separate
environment, into ``tests/gates/data/anonymeter_adult2000.json`` by

    python3 -m venv /tmp/anon && /tmp/anon/bin/pip install anonymeter==1.1.0 pandas pyarrow
    /work/venv/bin/python tests/gates/test_privacy_anonymeter.py record /tmp/anon/bin/python

(run from the repository root). ``record`` writes the three tables of each scenario to a temporary folder as
CSV and runs ``run_anonymeter`` below under anonymeter's interpreter, ``REPEATS`` times per attack with numpy
seeds 0..REPEATS-1. The data: Adult, 2,000 rows (``load_adult(0, n=2000)``: 1,000 training, 1,000 holdout
rows); the synthetic table has 1,000 rows, each column drawn independently from the training rows, then a
share of its rows replaced by verbatim training rows ("leaky": 20 %, "honest": none), all with numpy
seed 0 (``scenario_tables``).

Both implementations are random (targets, queries); their mean success rates over repeats are compared
within four standard errors of the difference of two binomial means.
"""

from __future__ import annotations

import functools
import json
import math
import subprocess
import sys
import tempfile
from pathlib import Path

RECORD = Path(__file__).with_name("data") / "anonymeter_adult2000.json"
REPEATS = 10
ATTACKS = 500
SECRETS = ("sex", "race", "income")
SCENARIOS = {"leaky": 0.2, "honest": 0.0}


def scenario_tables(copy_share: float):
    """(train, holdout, synthetic) of one scenario; deterministic, independent of synthgate's generators."""
    import numpy as np

    from synthgate.datasets import load_adult

    split = load_adult(0, n=2000)
    rng = np.random.default_rng(0)
    train = split.real
    synthetic = train.apply(lambda column: column.iloc[rng.integers(0, len(train), len(train))].to_numpy())
    copies = rng.choice(len(train), size=round(copy_share * len(train)), replace=False)
    synthetic.iloc[copies] = train.iloc[rng.choice(len(train), size=len(copies), replace=False)].to_numpy()
    return train, split.holdout, synthetic.astype(train.dtypes.to_dict())


def link_columns(columns: list[str]) -> tuple[list[str], list[str]]:
    """The gate's default linkability groups: alternate columns (numerical first, as the gate orders them)."""
    return columns[0::2], columns[1::2]


def run_anonymeter(folder: str) -> dict:  # pragma: no cover - runs under anonymeter's own interpreter
    """anonymeter's success counts on the CSVs in ``folder`` (needs only anonymeter, numpy and pandas)."""
    import numpy as np
    import pandas as pd
    from anonymeter.evaluators import InferenceEvaluator, LinkabilityEvaluator, SinglingOutEvaluator

    spec = json.loads((Path(folder) / "spec.json").read_text())
    train, holdout, synthetic = (pd.read_csv(Path(folder) / f"{n}.csv") for n in ("train", "holdout", "synthetic"))
    first, second = spec["link_columns"]
    out = {"singling_out": [], "linkability": [], **{f"inference_{s}": [] for s in SECRETS}}
    for seed in range(REPEATS):
        np.random.seed(seed)
        so = SinglingOutEvaluator(ori=train, syn=synthetic, control=holdout, n_attacks=ATTACKS, n_cols=3,
                                  seed=seed).evaluate(mode="multivariate")
        out["singling_out"].append([so.results().n_success, so.results().n_control, ATTACKS])
        link = LinkabilityEvaluator(ori=train, syn=synthetic, control=holdout, n_attacks=ATTACKS,
                                    aux_cols=(first, second), n_neighbors=1).evaluate(n_jobs=1)
        out["linkability"].append([link.results().n_success, link.results().n_control, ATTACKS])
        for secret in SECRETS:
            aux = [c for c in train.columns if c != secret]
            inference = InferenceEvaluator(ori=train, syn=synthetic, control=holdout, aux_cols=aux, secret=secret,
                                           n_attacks=ATTACKS).evaluate(n_jobs=1)
            out[f"inference_{secret}"].append([int(inference.results().n_success),
                                               int(inference.results().n_control), ATTACKS])
    return out


MY_REPEATS = 5
ATTACK_KEYS = ("singling_out", "linkability", *(f"inference_{s}" for s in SECRETS))


@functools.lru_cache(maxsize=2)
def our_rates(copy_share: float) -> dict[str, list[tuple[float, float]]]:
    """The gate's (attack rate, control rate) per attack, over ``MY_REPEATS`` run seeds."""
    from synthgate.datasets import load_adult
    from synthgate.gates.privacy import PrivacyGate, anonymity
    from synthgate.run import build_context

    train, holdout, synthetic = scenario_tables(copy_share)
    rules = PrivacyGate.rules
    out = {key: [] for key in ATTACK_KEYS}
    for seed in range(MY_REPEATS):
        ctx = build_context(train, holdout, synthetic, metadata=load_adult(0, n=2000).metadata, seed=seed)
        so = anonymity.singling_out_risk(ctx, rules["privacy.singling_out_risk"], ATTACKS, 3).details
        link = anonymity.linkability_risk(ctx, rules["privacy.linkability_risk"], ATTACKS, None).details
        inference = anonymity.inference_advantage(ctx, rules["privacy.inference_advantage"], ATTACKS, None).details
        assert so["queries"] == ATTACKS
        out["singling_out"].append((so["attack_rate"], so["control_rate"]))
        out["linkability"].append((link["attack_rate"], link["control_rate"]))
        for secret in SECRETS:
            found = inference["secrets"][secret]
            out[f"inference_{secret}"].append((found["attack_rate"], found["control_rate"]))
    return out


def assert_same_rates(ours: list, theirs: list, n: int, what: str) -> None:
    """Means over repeats agree within 4 standard errors of their difference (binomial floor per repeat)."""
    import numpy as np

    ours, theirs = np.asarray(ours, float), np.asarray(theirs, float)
    floor = max(ours.mean() * (1 - ours.mean()), theirs.mean() * (1 - theirs.mean()), 0.25 / n) / n
    se = math.sqrt(max(ours.var(ddof=1), floor) / len(ours) + max(theirs.var(ddof=1), floor) / len(theirs))
    assert abs(ours.mean() - theirs.mean()) <= 4 * se, (what, ours.mean(), theirs.mean(), se)


def test_recorded_values_are_anonymeter_1_1_0():
    recorded = json.loads(RECORD.read_text())
    assert recorded["anonymeter"]["anonymeter"] == "1.1.0"
    assert set(recorded["scenarios"]) == set(SCENARIOS)


def test_rates_match_anonymeter_on_leaky_and_honest_adult():
    """Attack and control success rates of singling out, linkability and inference (sex, race, income)
    agree with anonymeter 1.1.0 on the same tables (recorded: leaky singling out 0.243 / 0.168,
    linkability 0.185 / 0.003, inference sex 0.721 / 0.659)."""
    recorded = json.loads(RECORD.read_text())
    for name, share in SCENARIOS.items():
        theirs = recorded["scenarios"][name]
        assert [list(g) for g in theirs["link_columns"]] == [list(g) for g in link_columns(
            gate_columns(*scenario_tables(share)))]
        ours = our_rates(share)
        for key in ATTACK_KEYS:
            counts = [(s / n, c / n) for s, c, n in theirs[key]]
            for side in (0, 1):
                assert_same_rates([r[side] for r in ours[key]], [r[side] for r in counts], ATTACKS,
                                  f"{name} {key} {'attack' if side == 0 else 'control'}")


def test_leaky_scenario_shows_risk_and_honest_does_not():
    """The 20 % verbatim copies give a clearly positive linkability risk (anonymeter: ~0.18); without
    copies linkability is exactly 0 on both sides."""
    leaky, honest = our_rates(SCENARIOS["leaky"]), our_rates(SCENARIOS["honest"])
    attack, control = (sum(r[i] for r in leaky["linkability"]) / MY_REPEATS for i in (0, 1))
    assert (attack - control) / (1 - control) > 0.12
    assert all(r == (0.0, 0.0) for r in honest["linkability"])


def record(anonymeter_python: str) -> None:  # pragma: no cover - the recording command, see the docstring
    results = {"anonymeter": None, "repeats": REPEATS, "attacks": ATTACKS, "scenarios": {}}
    for name, share in SCENARIOS.items():
        train, holdout, synthetic = scenario_tables(share)
        with tempfile.TemporaryDirectory() as folder:
            for role, table in (("train", train), ("holdout", holdout), ("synthetic", synthetic)):
                table.to_csv(Path(folder) / f"{role}.csv", index=False)
            spec = {"link_columns": link_columns(gate_columns(train, holdout, synthetic))}
            (Path(folder) / "spec.json").write_text(json.dumps(spec))
            found = subprocess.run([anonymeter_python, __file__, "run-anonymeter", folder], check=True,
                                   capture_output=True, text=True).stdout
        results["scenarios"][name] = {"copy_share": share, **spec, **json.loads(found.splitlines()[-1])}
    version = subprocess.run([anonymeter_python, "-c", "import importlib.metadata as m; "
                              "print(m.version('anonymeter'), m.version('numpy'), m.version('pandas'))"],
                             check=True, capture_output=True, text=True).stdout.split()
    results["anonymeter"] = dict(zip(("anonymeter", "numpy", "pandas"), version))
    RECORD.parent.mkdir(exist_ok=True)
    RECORD.write_text(json.dumps(results, indent=1) + "\n")


def gate_columns(train, holdout, synthetic) -> list[str]:
    """Usable columns in the gate's order (numerical, then categorical)."""
    from synthgate.datasets import load_adult
    from synthgate.gates.privacy._mixed import mixed_table
    from synthgate.run import build_context

    ctx = build_context(train, holdout, synthetic, metadata=load_adult(0, n=2000).metadata)
    return list(mixed_table(ctx, "synthetic").names)


if __name__ == "__main__":  # pragma: no cover
    if sys.argv[1] == "run-anonymeter":
        print(json.dumps(run_anonymeter(sys.argv[2])))
    elif sys.argv[1] == "record":
        record(sys.argv[2])
