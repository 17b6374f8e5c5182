"""Durability: a registration killed midway leaves no trace; concurrent writers lose nothing."""

from __future__ import annotations

import multiprocessing
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ledger_tables import mixed_table
from ledger_worker import register_many
from synthgate.ledger import Ledger

HERE = Path(__file__).parent
LARGE = 60_000  # three insert batches; the worker pauses in the second, where it is killed


def fingerprint_counts(path: Path) -> tuple[dict[int, int], dict[int, int]]:
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        declared = dict(conn.execute("SELECT id, rows FROM datasets"))
        stored = dict(conn.execute("SELECT dataset_id, count(*) FROM fingerprints GROUP BY dataset_id"))
    return declared, stored


def test_a_registration_killed_while_inserting_leaves_no_half_dataset(tmp_path):
    path, marker = tmp_path / "ledger.sqlite", tmp_path / "inserting"
    with Ledger.open(path) as ledger:
        ledger.register_dataset(mixed_table(1_000, 1), name="before", origin="human")
    child = subprocess.Popen([sys.executable, str(HERE / "ledger_worker.py"), str(path), str(marker), str(LARGE)],
                             env={**os.environ, "PYTHONPATH": os.pathsep.join([str(HERE), *sys.path])})
    try:
        deadline = time.monotonic() + 60
        while not marker.exists() and child.poll() is None and time.monotonic() < deadline:
            time.sleep(0.01)
        time.sleep(0.1)
        assert child.poll() is None and marker.exists(), "the registration ended before it was killed"
        child.send_signal(signal.SIGKILL)
        assert child.wait(timeout=30) == -signal.SIGKILL
    finally:
        if child.poll() is None:
            child.kill()
    declared, stored = fingerprint_counts(path)
    assert declared == stored == {1: 1_000}                                   # absent, not half-registered
    with Ledger.open(path) as ledger:
        large = ledger.register_dataset(mixed_table(LARGE, 77), name="large", origin="human")
        assert [d.name for d in ledger.datasets()] == ["before", "large"]
    declared, stored = fingerprint_counts(path)
    assert declared == stored == {1: 1_000, large.id: LARGE}


def test_four_processes_writing_at_once_lose_nothing(tmp_path):
    path = str(tmp_path / "ledger.sqlite")  # created by the workers themselves, all at once
    # fork: the workers need not re-import pandas; nothing is open in this process yet
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
    barrier, results = context.Barrier(4), context.Queue()
    workers = [context.Process(target=register_many, args=(path, w, barrier, results)) for w in range(4)]
    for process in workers:
        process.start()
    reports = [results.get(timeout=120) for _ in workers]
    for process in workers:
        process.join(timeout=60)
        assert process.exitcode == 0
    with Ledger.open(path) as ledger:
        datasets = ledger.datasets()
        assert len(datasets) == 4 + 1 + 12                                     # own real, one shared, 3 x 4 synth
        assert len({shared for _, _, shared, _, _ in reports}) == 1            # same content: one record
        assert sorted(g.name for g in ledger.generators()) == ["g0", "g1", "g2", "g3"]
        for worker, real, shared, gen, made in reports:
            assert ledger.generator(gen).trained_on == tuple(sorted((real, shared)))
            assert [ledger.dataset(i).generator_id for i in made] == [gen] * 3
        assert len(ledger.runs()) == 4
    declared, stored = fingerprint_counts(Path(path))
    assert declared == stored


@pytest.mark.parametrize("rows", [3_000])
def test_re_registering_after_a_crash_is_idempotent(tmp_path, rows):
    path = tmp_path / "ledger.sqlite"
    frame = mixed_table(rows, 5)
    with Ledger.open(path) as first, Ledger.open(path) as second:
        a = first.register_dataset(frame, name="x", origin="human")
        b = second.register_dataset(frame, name="x", origin="human")
    assert a == b
    assert fingerprint_counts(path)[1] == {a.id: rows}
