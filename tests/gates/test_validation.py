"""Validation gate: a synthetic or contaminated test set fails; honest set-ups pass; utility on the real holdout."""

from __future__ import annotations

import numpy as np
import pytest
from tests.conftest import adult_split, honest_synthetic

from synthgate import defects
from synthgate.datasets import load_adult
from synthgate.gates.validation import ValidationGate
from synthgate.generators import CartSynthesizer
from synthgate.ledger import Ledger
from synthgate.policy import Policy
from synthgate.report import plot_spec_problems
from synthgate.run import build_context
from synthgate.verdict import Verdict

FAST = {"resamples": 50, "gates": {"validation": {"boosting_iterations": 40}}}
LOGISTIC = {"resamples": 50, "gates": {"validation": {"models": ["logistic"], "repeats": 1}}}
TEST_SET = ("validation.test_set_origin", "validation.test_set_machine_rows",
            "validation.test_set_near_machine_rows", "validation.test_train_overlap")
UTILITY = ("validation.tstr_gap", "validation.illusion_gap")


def run(holdout=None, synthetic=None, *, ledger=None, policy=FAST, metadata=None, generator="cart"):
    split = adult_split()
    metadata = dict(split.metadata if metadata is None else metadata)
    if generator:
        metadata["generator"] = {"name": generator}
    ctx = build_context(split.real, split.holdout if holdout is None else holdout,
                        honest_synthetic() if synthetic is None else synthetic, metadata=metadata, policy=policy,
                        ledger=ledger)
    return ValidationGate().run(ctx)


@pytest.fixture(scope="module")
def ledger(tmp_path_factory):
    """Real and holdout registered as human data; the honest CART generator and its output; other machine data."""
    split = adult_split()
    with Ledger.open(tmp_path_factory.mktemp("ledger") / "ledger.sqlite") as opened:
        real = opened.register_dataset(split.real, name="adult-real", origin="human")
        opened.register_dataset(split.holdout, name="adult-holdout", origin="human")
        cart = opened.register_generator(name="cart", kind="cart", trained_on=[real.id])
        opened.register_dataset(honest_synthetic(), name="cart-output", origin="machine", generator_id=cart.id)
        yield opened


@pytest.fixture(scope="module")
def honest(ledger):
    return run(ledger=ledger)


def test_honest_setup_with_a_registered_human_holdout_passes(honest):
    assert {m.id: m.verdict for m in honest.measurements} == {m: Verdict.PASS for m in TEST_SET + UTILITY}, \
        honest.summary
    assert "registered as human data" in honest.measurement("validation.test_set_origin").reason


class RequiresLedger(Policy):
    """The policy field another change adds; a subclass so the test runs with or without it."""

    require_ledger: bool = True


def test_without_a_ledger_the_test_set_is_skipped_not_a_permanent_warn():
    """An honest Adult split without a ledger: nothing is wrong, so the gate must not WARN (it used to, always)."""
    result = run(generator=None)
    origin = result.measurement("validation.test_set_origin")
    assert origin.verdict is Verdict.SKIPPED and origin.reason.startswith("not checked: no ledger")
    assert result.measurement("validation.test_set_machine_rows").verdict is Verdict.SKIPPED
    assert result.measurement("validation.test_train_overlap").verdict is Verdict.PASS  # needs no ledger
    gap = result.measurement("validation.tstr_gap")
    assert gap.verdict is Verdict.PASS and gap.reference is not None
    assert result.verdict is Verdict.PASS


def test_without_a_ledger_a_policy_that_requires_one_fails_the_origin():
    origin = run(generator=None, policy=RequiresLedger(**LOGISTIC)).measurement("validation.test_set_origin")
    assert origin.verdict is Verdict.FAIL and "require_ledger" in origin.reason and "no ledger" in origin.reason
    assert origin.value == 1.0 and origin.reference.method == "rule" and origin.reference.high == 0.0


def test_holdout_with_copied_training_rows_fails_the_overlap():
    split = adult_split()
    leaky = defects.copy_rows(split.holdout, split.real, fraction=0.03, seed=1)
    overlap = run(holdout=leaky, generator=None, policy=LOGISTIC).measurement("validation.test_train_overlap")
    assert overlap.verdict is Verdict.FAIL
    assert overlap.value == pytest.approx(0.03, abs=0.001)   # the planted 3 %, natural duplicates: none here
    assert overlap.reference.value == 0.0


def test_holdout_with_registered_machine_rows_fails(ledger):
    machine = defects.copy_rows(adult_split().holdout, honest_synthetic(), fraction=0.1, seed=2)
    result = run(holdout=machine, ledger=ledger, policy=LOGISTIC)
    rows = result.measurement("validation.test_set_machine_rows")
    assert rows.verdict is Verdict.FAIL and rows.value == pytest.approx(0.1, abs=0.005)
    assert "cart-output" in rows.details["per_dataset"]
    assert result.measurement("validation.test_set_origin").verdict is Verdict.PASS  # most rows are human


def test_holdout_with_near_copies_of_machine_rows_fails(ledger):
    noisy = defects.near_copies(adult_split().holdout, honest_synthetic(), fraction=0.1, noise=0.01, seed=3)
    near = run(holdout=noisy, ledger=ledger, policy=LOGISTIC).measurement("validation.test_set_near_machine_rows")
    assert near.verdict is Verdict.FAIL and near.value >= 0.09


def test_a_machine_made_test_set_fails_its_origin(tmp_path):
    split = adult_split()
    fake = CartSynthesizer(target="income").fit(split.real).sample(2000, seed=9)
    with Ledger.open(tmp_path / "ledger.sqlite") as opened:
        opened.register_dataset(fake, name="fake-test-set", origin="machine")
        result = run(holdout=fake, ledger=opened, policy=LOGISTIC)
    origin = result.measurement("validation.test_set_origin")
    assert origin.verdict is Verdict.FAIL and "fake-test-set" in origin.reason
    assert origin.value == 1.0 and origin.reference.method == "rule"
    assert result.measurement("validation.test_set_machine_rows").value == 1.0


def test_an_unregistered_holdout_is_skipped_unless_a_ledger_is_required(tmp_path):
    with Ledger.open(tmp_path / "ledger.sqlite") as opened:
        origin = run(ledger=opened, policy=LOGISTIC).measurement("validation.test_set_origin")
        required = run(ledger=opened, policy=RequiresLedger(**LOGISTIC)).measurement("validation.test_set_origin")
    assert origin.verdict is Verdict.SKIPPED and "knows nothing" in origin.reason
    assert required.verdict is Verdict.FAIL and "knows nothing" in required.reason


def test_every_test_set_verdict_comes_from_judge_or_skipped():
    """No hand-set verdicts: judged measurements carry a reference, skipped ones a reason."""
    for m in run(generator=None, policy=LOGISTIC).measurements[:len(TEST_SET)]:
        assert m.id in TEST_SET
        assert m.verdict is Verdict.SKIPPED or (m.reference is not None and m.threshold is not None), m


def test_a_synthetic_target_rule_fails_tstr_and_shows_the_illusion():
    """Income set by one rule: perfect on synthetic test rows (TSTS ~1.0), poor on real ones."""
    fake = honest_synthetic().copy()
    fake["income"] = np.where(fake["hours_per_week"] > 45, ">50K", "<=50K")
    result = run(synthetic=fake, generator=None)
    gap, illusion = (result.measurement(m) for m in UTILITY)
    assert gap.verdict is Verdict.FAIL and gap.value > 0.15
    assert illusion.verdict is Verdict.WARN and illusion.details["tsts"] > 0.99
    assert illusion.value > 0.25
    spec = result.details["utility"]
    assert plot_spec_problems(spec) == [] and spec["plot"] == "bars"
    assert plot_spec_problems(gap.details["scores"]) == []


def test_without_a_target_utility_is_skipped_with_the_reason():
    split = adult_split()
    result = run(metadata={"sensitive": ["sex"]}, generator=None, policy=LOGISTIC)
    for mid in UTILITY:
        assert result.measurement(mid).verdict is Verdict.SKIPPED
        assert "target" in result.measurement(mid).reason
    assert split.metadata["target"] == "income"


def test_no_false_alarms_over_seeds():
    """Fresh real rows as synthetic (2,000 real, 1,000 holdout and synthetic): at most 1 of 20 fails."""
    failures = 0
    for seed in range(20):
        split = load_adult(seed, n=4000)
        holdout, synthetic = split.holdout.iloc[:1000], split.holdout.iloc[1000:].reset_index(drop=True)
        ctx = build_context(split.real, holdout, synthetic, metadata=split.metadata, policy=LOGISTIC, seed=seed)
        failures += ValidationGate().run(ctx).verdict is Verdict.FAIL
    assert failures <= 1


def test_natural_duplicates_do_not_make_an_honest_test_set_inconclusive():
    """Calibration on census-income (8 % natural duplicates, 1,000 holdout rows): test_train_overlap was
    INCONCLUSIVE on 15 of 15 independent samples, its band (±2 points) wider than the 0.5-point fail allowance.
    A leak under 3 % of the test rows cannot move a 1,000-row test score beyond its noise (the rule's effect)."""
    from synthgate.datasets import load_adult_frame
    from synthgate.gates.validation.testset import OVERLAP, test_set_measurements
    adult = load_adult_frame()
    coarse = adult.drop(columns=["fnlwgt", "capital_gain", "capital_loss"])
    coarse = coarse.assign(hours_per_week=coarse["hours_per_week"] // 10 * 10)
    order = np.random.default_rng(0).permutation(len(coarse))
    real, holdout, synthetic = (coarse.iloc[order[a:b]].reset_index(drop=True)
                                for a, b in ((0, 2000), (2000, 3000), (3000, 4000)))
    ctx = build_context(real, holdout, synthetic, metadata={"target": "income", "positive": ">50K"},
                        policy={"resamples": 50})
    gate = ValidationGate()
    overlap = next(m for m in test_set_measurements(ctx, lambda mid: gate.rule(ctx, mid)) if m.id == OVERLAP)
    assert overlap.reference.value > 0.03  # natural duplicates are common here
    assert overlap.verdict is Verdict.PASS, overlap.reason
    leaked = holdout.copy()
    leaked.iloc[:60] = real.iloc[:60].to_numpy()  # 6 % of the test rows are training rows
    ctx = build_context(real, leaked, synthetic, metadata={"target": "income", "positive": ">50K"},
                        policy={"resamples": 50})
    overlap = next(m for m in test_set_measurements(ctx, lambda mid: gate.rule(ctx, mid)) if m.id == OVERLAP)
    assert overlap.verdict is Verdict.FAIL, overlap.reason
