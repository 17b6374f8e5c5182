"""Generator expiry: an old generator fails drift.generator_age until a passing revalidation restarts its clock."""

from datetime import date, datetime, timezone

import pytest
from tests.conftest import adult_split, independent_sample

from synthgate.gates.drift import DriftGate
from synthgate.ledger import Ledger
from synthgate.run import build_context
from synthgate.verdict import Verdict

MADE = datetime(2025, 1, 10, 9, 30, tzinfo=timezone.utc)


def age(*, today, metadata=None, ledger=None, drift=None):
    split = adult_split(2000, 1)
    meta = {**split.metadata, **(metadata or {})}
    ctx = build_context(split.real, split.holdout, independent_sample(800, 2000, 1), metadata=meta, ledger=ledger,
                        policy={"gates": {"drift": {"today": today, **(drift or {})}}})
    return DriftGate().run(ctx).measurement("drift.generator_age")


@pytest.fixture
def ledger():
    book = Ledger.open(":memory:")
    real = book.register_dataset(adult_split(2000, 1).real, name="adult-2025", origin="human")
    book.register_generator(name="adult-cart", kind="cart", trained_on=[real.id], created=MADE)
    yield book
    book.close()


def test_metadata_date_within_max_age_passes():
    m = age(today="2025-06-01", metadata={"generator": {"name": "g", "created": "2025-01-10"}})
    assert m.verdict is Verdict.PASS
    # A rule, judged by judge(): the fresh generator's age 0 as a point reference, 180 days allowed beyond it.
    assert m.value == 142 and m.threshold == 180 and m.reference.method == "rule" and m.reference.high == 0


def test_expired_generator_fails_with_its_dates():
    m = age(today=date(2025, 7, 10), metadata={"generator": {"created": "2025-01-10"}})
    assert m.verdict is Verdict.FAIL
    assert m.value == 181
    assert "expired" in m.reason and "2025-07-09" in m.reason and "revalidate" in m.reason


def test_policy_max_age_sets_the_limit():
    meta = {"generator": {"created": "2025-01-10"}}
    assert age(today="2025-02-20", metadata=meta, drift={"max_age_days": 30}).verdict is Verdict.FAIL
    assert age(today="2025-02-20", metadata=meta, drift={"max_age_days": 60}).verdict is Verdict.PASS


def test_no_date_known_is_skipped_with_the_reason():
    m = age(today="2025-06-01")
    assert m.verdict is Verdict.SKIPPED
    assert "generator.created" in m.reason


def test_no_maximum_age_is_skipped():
    m = age(today="2030-01-01", metadata={"generator": {"created": "2025-01-10"}}, drift={"max_age_days": None})
    assert m.verdict is Verdict.SKIPPED and "max_age_days" in m.reason


def test_ledger_date_is_used_and_a_passing_revalidation_after_expiry_restarts_the_clock(ledger):
    meta = {"generator": {"name": "adult-cart"}}
    assert age(today="2025-08-01", metadata=meta, ledger=ledger).verdict is Verdict.FAIL
    ledger.record_run("revalidate", generator_id="adult-cart", verdict="fail",
                      created=datetime(2025, 7, 20, tzinfo=timezone.utc))
    assert age(today="2025-08-01", metadata=meta, ledger=ledger).verdict is Verdict.FAIL, "a failed one does not"
    ledger.record_run("revalidate", generator_id="adult-cart", verdict="pass",
                      created=datetime(2025, 7, 25, tzinfo=timezone.utc))
    m = age(today="2025-08-01", metadata=meta, ledger=ledger)
    assert m.verdict is Verdict.PASS and m.value == 7
    assert m.details["last_passing_revalidation"] == "2025-07-25"
    assert age(today="2026-01-22", metadata=meta, ledger=ledger).verdict is Verdict.FAIL, "180 days later"


def test_ledger_expiry_date_binds_until_a_later_revalidation():
    book = Ledger.open(":memory:")
    real = book.register_dataset(adult_split(2000, 1).real, name="adult-2025", origin="human")
    book.register_generator(name="short-lived", kind="cart", trained_on=[real.id], created=MADE,
                            expires_at="2025-02-01")
    meta = {"generator": {"name": "short-lived"}}
    assert age(today="2025-01-31", metadata=meta, ledger=book).verdict is Verdict.PASS
    expired = age(today="2025-02-01", metadata=meta, ledger=book)
    assert expired.verdict is Verdict.FAIL and "expires_at" in expired.reason
    book.record_run("revalidate", generator_id="short-lived", verdict="pass",
                    created=datetime(2025, 2, 5, tzinfo=timezone.utc))
    assert age(today="2025-03-01", metadata=meta, ledger=book).verdict is Verdict.PASS
    book.close()


def test_unknown_generator_in_ledger_falls_back_to_metadata_date(ledger):
    m = age(today="2025-02-01", ledger=ledger, metadata={"generator": {"name": "nope", "created": "2025-01-01"}})
    assert m.verdict is Verdict.PASS and m.details["date_source"] == "metadata generator.created"


def test_revalidation_runs_do_not_judge_age():
    m = age(today="2030-01-01", metadata={"generator": {"created": "2025-01-10"}}, drift={"revalidation": True})
    assert m.verdict is Verdict.SKIPPED and "restarts the clock" in m.reason
