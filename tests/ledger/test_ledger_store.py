"""Opening, registering, idempotency, refusals, runs, and migrations."""

from __future__ import annotations

import dataclasses
import sqlite3
import time
from datetime import datetime, timedelta, timezone

import pandas as pd
import pytest
from sqlalchemy import text

from ledger_tables import mixed_table
from synthgate.errors import InputError, LedgerError
from synthgate.ledger import DEFAULT_LEDGER, LEDGER_ENV, SCHEMA_VERSION, Ledger, schema, store


def test_location_argument_beats_environment_beats_default(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv(LEDGER_ENV, raising=False)
    Ledger.open().close()
    assert (tmp_path / DEFAULT_LEDGER).is_file()
    monkeypatch.setenv(LEDGER_ENV, str(tmp_path / "from-env.sqlite"))
    Ledger.open().close()
    assert (tmp_path / "from-env.sqlite").is_file()
    Ledger.open(tmp_path / "explicit.sqlite").close()
    Ledger.open(f"sqlite:///{tmp_path / 'url.sqlite'}").close()
    assert (tmp_path / "explicit.sqlite").is_file() and (tmp_path / "url.sqlite").is_file()


def test_a_missing_folder_or_unknown_database_is_refused(tmp_path):
    with pytest.raises(LedgerError, match="does not exist"):
        Ledger.open(tmp_path / "nowhere" / "ledger.sqlite")
    with pytest.raises(LedgerError, match="cannot open"):
        Ledger.open("nosuchdb://host/db")


def test_sqlite_runs_in_wal_mode_with_foreign_keys_and_a_busy_timeout(ledger, tmp_path):
    with ledger._engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 30_000


def test_register_records_the_table(ledger):
    frame = mixed_table(1_000, 1)
    record = ledger.register_dataset(frame, name="survey", origin="human", note="2023 wave")
    assert (record.name, record.origin, record.rows, record.note, record.generator_id) == \
        ("survey", "human", 1_000, "2023 wave", None)
    assert dict(record.schema) == {c: str(t) for c, t in frame.dtypes.items()}
    assert record.created.tzinfo is not None and len(record.content_hash) == 64
    assert ledger.dataset("survey") == record == ledger.dataset(record.id) == ledger.datasets()[0]
    with pytest.raises(dataclasses.FrozenInstanceError):
        record.name = "other"


def test_registering_the_same_content_twice_returns_the_first_record(ledger):
    frame = mixed_table(500, 1)
    first = ledger.register_dataset(frame, name="a", origin="human")
    again = ledger.register_dataset(frame[list(reversed(frame.columns))].copy(), name="b", origin="human")
    assert again == first
    assert len(ledger.datasets()) == 1
    with ledger._engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM fingerprints")).scalar() == 500


def test_the_same_content_cannot_change_origin_or_producer(ledger):
    frame = mixed_table(100, 1)
    real = ledger.register_dataset(frame, name="real", origin="human")
    with pytest.raises(LedgerError, match="already registered as human"):
        ledger.register_dataset(frame, name="real", origin="machine")
    gen = ledger.register_generator(name="g", kind="copula", trained_on=[real.id])
    synth = ledger.register_dataset(mixed_table(100, 2), name="s", origin="machine", generator_id=gen.id)
    other = ledger.register_generator(name="h", kind="copula", trained_on=[real.id])
    with pytest.raises(LedgerError, match="produced by generator"):
        ledger.register_dataset(mixed_table(100, 2), name="s", origin="machine", generator_id=other.id)
    assert ledger.register_dataset(mixed_table(100, 2), name="s", origin="machine") == synth


@pytest.mark.parametrize("frame, kwargs, message", [
    (pd.DataFrame({"x": []}), {}, "0 rows"),
    ("not a frame", {}, "expected a pandas DataFrame"),
    (pd.DataFrame([[1, 2]], columns=["x", "x"]), {}, "more than once"),
    (pd.DataFrame({"x": [1]}), {"origin": "robot"}, "origin 'robot'"),
    (pd.DataFrame({"x": [1]}), {"generator_id": 1}, "human data cannot have a generator"),
])
def test_bad_registrations_say_what_to_fix(ledger, frame, kwargs, message):
    with pytest.raises(InputError, match=message):
        ledger.register_dataset(frame, **{"name": "t", "origin": "human", **kwargs})
    assert ledger.datasets() == []


def test_unknown_or_ambiguous_references_are_refused(ledger):
    ledger.register_dataset(mixed_table(10, 1), name="twin", origin="human")
    ledger.register_dataset(mixed_table(10, 2), name="twin", origin="human")
    with pytest.raises(LedgerError, match=r"2 datasets are named 'twin' \(ids 1, 2\)"):
        ledger.dataset("twin")
    with pytest.raises(LedgerError, match="no dataset with id 9"):
        ledger.dataset(9)
    with pytest.raises(LedgerError, match="no generator named 'ghost'"):
        ledger.register_dataset(mixed_table(10, 3), name="s", origin="machine", generator_id="ghost")
    with pytest.raises(LedgerError, match="no dataset named 'ghost'"):
        ledger.register_generator(name="g", kind="k", trained_on=[1, "ghost"])
    assert ledger.generators() == [] and len(ledger.datasets()) == 2


@pytest.mark.parametrize("kwargs, message", [
    ({"trained_on": []}, "trained on"),
    ({"name": " "}, "name"),
    ({"dp_epsilon": -1.0}, "dp_epsilon"),
    ({"expires_at": "next week"}, "expires_at"),
    ({"params": {"f": object()}}, "params cannot be stored as JSON"),
])
def test_bad_generators_say_what_to_fix(ledger, kwargs, message):
    ledger.register_dataset(mixed_table(10, 1), name="real", origin="human")
    with pytest.raises(InputError, match=message):
        ledger.register_generator(**{"name": "g", "kind": "ctgan", "trained_on": [1], **kwargs})


def test_generator_record_keeps_everything_given(ledger):
    real = ledger.register_dataset(mixed_table(10, 1), name="real", origin="human")
    created = datetime(2024, 5, 1, tzinfo=timezone.utc)
    gen = ledger.register_generator(name="g", kind="ctgan", trained_on=["real"], params={"epochs": 300},
                                    dp_epsilon=2.0, expires_at=created + timedelta(days=90), created=created)
    assert (gen.trained_on, dict(gen.params), gen.dp_epsilon, gen.generation) == ((real.id,), {"epochs": 300}, 2.0, 0)
    assert gen.created == created and gen.expires_at == created + timedelta(days=90)
    assert gen.is_expired() and not gen.is_expired(created)
    assert ledger.generator("g") == gen == ledger.generators()[0]


def test_runs_are_recorded_and_listed_in_time_order(ledger):
    ledger.register_dataset(mixed_table(10, 1), name="real", origin="human")
    gen = ledger.register_generator(name="g", kind="ctgan", trained_on=[1])
    base = datetime(2025, 1, 1, tzinfo=timezone.utc)
    late = ledger.record_run("revalidate", generator_id="g", created=base + timedelta(days=2),
                             result={"verdict": "fail"}, verdict="fail")
    early = ledger.record_run("check", generator_id=gen.id, inputs={"real": "ab12"}, policy={"seed": 7},
                              result='{"gates": []}', verdict="pass", created=base)
    loose = ledger.record_run("check", created=base + timedelta(days=1))
    assert ledger.runs() == [early, loose, late]
    assert ledger.runs(generator_id=gen.id) == [early, late]
    assert (dict(early.inputs), dict(early.policy), early.result) == ({"real": "ab12"}, {"seed": 7}, '{"gates": []}')
    with pytest.raises(InputError, match="not JSON"):
        ledger.record_run("check", result="{oops")


def test_fifty_thousand_rows_register_well_under_five_seconds(ledger):
    """About 0.6 s CPU and 1 s wall on an idle machine. CPU time is what the library controls and
    does not flake when other work shares the machine; the loose wall bound catches per-row I/O."""
    frame = mixed_table(50_000, 1)
    wall, cpu = time.perf_counter(), time.process_time()
    ledger.register_dataset(frame, name="big", origin="human")
    assert time.process_time() - cpu < 2.5
    assert time.perf_counter() - wall < 15.0


def test_a_ledger_from_a_newer_synthgate_is_refused_unchanged(tmp_path):
    path = tmp_path / "ledger.sqlite"
    Ledger.open(path).close()
    with sqlite3.connect(path) as conn:
        conn.execute("INSERT INTO schema_version VALUES (99, '2030-01-01')")
    with pytest.raises(LedgerError, match=f"schema version 99.*up to {SCHEMA_VERSION}.*Upgrade synthgate"):
        Ledger.open(path)
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT max(version) FROM schema_version").fetchone() == (99,)


def test_opening_twice_applies_each_migration_once(tmp_path):
    path = tmp_path / "ledger.sqlite"
    Ledger.open(path).close()
    Ledger.open(path).close()
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT version FROM schema_version").fetchall() == [(1,), (2,)]


def _add_notes_table(conn, key):
    conn.exec_driver_sql("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)")


def _broken(conn, key):
    conn.exec_driver_sql("CREATE TABLE half (id INTEGER)")
    raise RuntimeError("disk on fire")


def test_pending_migrations_apply_in_order_and_a_failing_one_changes_nothing(tmp_path, monkeypatch):
    path = tmp_path / "ledger.sqlite"
    Ledger.open(path).close()
    monkeypatch.setattr(schema, "MIGRATIONS", (*schema.MIGRATIONS, _add_notes_table, _broken))
    monkeypatch.setattr(schema, "SCHEMA_VERSION", 4)
    with pytest.raises(LedgerError, match="disk on fire"):
        Ledger.open(path)
    with sqlite3.connect(path) as conn:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        assert conn.execute("SELECT max(version) FROM schema_version").fetchone() == (2,)
    assert not {"notes", "half"} & tables
    monkeypatch.setattr(schema, "MIGRATIONS", schema.MIGRATIONS[:3])
    monkeypatch.setattr(schema, "SCHEMA_VERSION", 3)
    Ledger.open(path).close()
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT version FROM schema_version").fetchall() == [(1,), (2,), (3,)]
        assert conn.execute("SELECT count(*) FROM notes").fetchone() == (0,)


def test_docstring_examples():
    import doctest
    assert doctest.testmod(store).failed == 0
