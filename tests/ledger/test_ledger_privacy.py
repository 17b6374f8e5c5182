"""A ledger file without its key gives no registered value back, and tests no guess.

Before (schema 1), the near signature stored each numeric value's cell number and position in the
cell, and the dataset signature the column scales and centres, in the clear: reading the SQLite
file rebuilt every numeric value of registered real rows (Adult: age to +-0.013, fnlwgt to +-101).
"""

from __future__ import annotations

import base64
import json
import os
import sqlite3
import stat

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import MetaData, create_engine

from ledger_tables import mixed_table, perturb
from synthgate.datasets import load_adult_frame
from synthgate.errors import LedgerError
from synthgate.ledger import KEY_ENV, Ledger, content_hash, row_fingerprints, schema
from synthgate.ledger.near import band_keys, fit_near_spec


@pytest.fixture(scope="module")
def adult_rows():
    return load_adult_frame().sample(3_000, random_state=1).reset_index(drop=True)


def rebuild_v1(path) -> dict[str, np.ndarray]:
    """The schema-1 attack: cells and in-cell positions from the rows, scales and centres from the signature."""
    with sqlite3.connect(path) as conn:
        signature = json.loads(conn.execute("SELECT signature FROM datasets WHERE id = 1").fetchone()[0])
        blobs = conn.execute("SELECT position FROM fingerprints WHERE dataset_id = 1 ORDER BY row").fetchall()
    stored = np.frombuffer(b"".join(b[0] for b in blobs), np.uint8).reshape(len(blobs), -1, 2)
    out = {}
    for j, (name, grid) in enumerate(signature["numeric"].items()):
        cell = stored[:, j, 0].astype(np.int8).astype(float)
        inside = (stored[:, j, 1] + 0.5) * signature["width"] / 255
        out[name] = grid["centre"] + grid["scale"] * ((cell - 0.5) * signature["width"] + inside)
    return out


def test_the_sqlite_file_alone_gives_no_value_back(tmp_path, adult_rows):
    path = tmp_path / "ledger.sqlite"
    with Ledger.open(path) as ledger:
        ledger.register_dataset(adult_rows, name="adult", origin="human")
    with pytest.raises((sqlite3.OperationalError, KeyError)):
        rebuild_v1(path)                                        # no positions, no clear-text grid
    with sqlite3.connect(path) as conn:
        signature = json.loads(conn.execute("SELECT signature FROM datasets").fetchone()[0])
        columns = [r[1] for r in conn.execute("PRAGMA table_info(fingerprints)")]
        stored = pd.read_sql("SELECT * FROM fingerprints ORDER BY row", conn)
    assert set(signature) == {"version", "sealed"} and "position" not in columns
    sealed = base64.b64decode(signature["sealed"])
    assert not any(word in sealed for word in (b"numeric", b"fnlwgt", str(adult_rows["fnlwgt"].median()).encode()))
    tokens = np.frombuffer(b"".join(stored["tokens"]), np.uint8).reshape(len(stored), -1)
    numbers = adult_rows.select_dtypes("number")
    for offset in range(tokens.shape[1]):                       # no stored byte follows any value
        for name in numbers:
            assert abs(pd.Series(tokens[:, offset].astype(float)).corr(numbers[name], method="spearman")) < 0.1


def test_guesses_cannot_be_tested_without_the_key(tmp_path, adult_rows):
    path = tmp_path / "ledger.sqlite"
    with Ledger.open(path) as ledger:
        ledger.register_dataset(adult_rows, name="adult", origin="human")
    with sqlite3.connect(path) as conn:
        stored = pd.read_sql("SELECT hash, band0, band1, band2 FROM fingerprints", conn)
    # an attacker holding the very rows, and fitting the grid as the ledger does, finds none of them
    assert not np.isin(row_fingerprints(adult_rows), stored["hash"]).any()
    guessed = band_keys(adult_rows, fit_near_spec(adult_rows))
    assert not np.isin(guessed, stored[["band0", "band1", "band2"]].to_numpy()).any()


def test_the_key_lives_beside_the_file_owner_only_and_is_needed_to_scan(tmp_path):
    path, copy = tmp_path / "ledger.sqlite", mixed_table(300, 2)
    with Ledger.open(path) as ledger:
        ledger.register_dataset(copy, name="synth", origin="machine")
    key = tmp_path / "ledger.sqlite.key"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600 and len(key.read_text().strip()) == 64
    key.rename(tmp_path / "elsewhere.key")
    with Ledger.open(path, create=False) as ledger:
        assert [d.name for d in ledger.datasets()] == ["synth"]          # records stay readable
        with pytest.raises(LedgerError, match="key file .* is missing"):
            ledger.scan(copy)
    (tmp_path / "elsewhere.key").rename(key)
    with Ledger.open(path, create=False) as ledger:
        assert ledger.scan(copy).exact == 300


def test_the_environment_key_wins_and_a_wrong_key_is_refused(tmp_path, monkeypatch):
    secret = "ab" * 32
    monkeypatch.setenv(KEY_ENV, secret)
    path = tmp_path / "ledger.sqlite"
    with Ledger.open(path) as ledger:
        ledger.register_dataset(mixed_table(100, 1), name="real", origin="human")
    assert not (tmp_path / "ledger.sqlite.key").exists()
    monkeypatch.setenv(KEY_ENV, "cd" * 32)
    with pytest.raises(LedgerError, match="not the key it was created with"):
        Ledger.open(path)
    monkeypatch.setenv(KEY_ENV, "not hex")
    with pytest.raises(LedgerError, match="64 hex digits.*secrets.token_hex"):
        Ledger.open(path)
    monkeypatch.setenv(KEY_ENV, secret)
    with Ledger.open(path) as ledger:
        assert ledger.scan(mixed_table(100, 1)).exact == 0 and len(ledger.datasets()) == 1


def write_v1_ledger(path, frame: pd.DataFrame) -> str:
    """A schema-1 ledger holding ``frame`` as machine data, with its clear-text grid; returns that grid."""
    engine = create_engine(f"sqlite:///{path}")
    shape = MetaData()
    schema._define_v1(shape)
    leaky = json.dumps({"version": 1, "numeric": {"income": {"scale": 12345.678, "centre": 23456.789}},
                        "categorical": [], "keyed": ["income"], "width": 0.5, "tolerance": 0.08, "chance": 0.0})
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE schema_version (version INTEGER PRIMARY KEY, applied TEXT NOT NULL)")
        conn.exec_driver_sql("INSERT INTO schema_version VALUES (1, '2025-01-01')")
        shape.create_all(conn)
        conn.execute(shape.tables["datasets"].insert().values(
            id=1, name="old", content_hash=content_hash(frame), origin="machine", rows=len(frame), schema=json.dumps(
                {str(c): str(t) for c, t in frame.dtypes.items()}), created="2025-01-01T00:00:00+00:00",
            signature=leaky))
        conn.execute(shape.tables["fingerprints"].insert(), [
            {"dataset_id": 1, "row": i, "hash": int(h), "near": 0, "position": b"\x07\xf1" * 5}
            for i, h in enumerate(row_fingerprints(frame))])
    engine.dispose()
    return leaky


def test_a_schema_1_ledger_is_migrated_keyed_and_wiped(tmp_path):
    path, old = tmp_path / "ledger.sqlite", mixed_table(400, 5)
    leaky = write_v1_ledger(path, old)
    with Ledger.open(path) as ledger:
        result = ledger.scan(pd.concat([old.iloc[:30], perturb(old.iloc[30:60], 1)], ignore_index=True))
        assert result.exact == 30 and result.near == 0                   # exact matching survives
        assert "register the table again" in result.coverage[1].reason
    raw = path.read_bytes()
    assert b"12345.678" not in raw and b'"centre"' not in raw and leaky.encode() not in raw
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT max(version) FROM schema_version").fetchone() == (2,)
        assert not np.isin(row_fingerprints(old), [r[0] for r in conn.execute("SELECT hash FROM fingerprints")]).any()
    with Ledger.open(path) as ledger:
        assert ledger.register_dataset(old, name="old", origin="machine").id == 1
        again = ledger.scan(pd.concat([old.iloc[:30], perturb(old.iloc[30:60], 1)], ignore_index=True))
        assert (again.exact, again.near) == (30, 30) and not again.coverage[1].reason


def test_key_files_are_not_left_behind_by_refused_opens(tmp_path):
    assert not os.listdir(tmp_path)
    with pytest.raises(LedgerError, match="no ledger at"):
        Ledger.open(tmp_path / "missing.sqlite", create=False)
    assert not os.listdir(tmp_path)
