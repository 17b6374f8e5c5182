"""Code run in other processes by the durability tests (importable, and runnable as a script)."""

from __future__ import annotations

import sys
import time
from pathlib import Path

from sqlalchemy import Engine, event

from ledger_tables import mixed_table
from synthgate.ledger import Ledger


def register_many(location: str, worker: int, barrier, results) -> None:
    """Open one ledger with three other processes at once and register several datasets in it."""
    barrier.wait(timeout=60)
    with Ledger.open(location) as ledger:
        real = ledger.register_dataset(mixed_table(2_000, 100 + worker), name=f"real-{worker}", origin="human")
        shared = ledger.register_dataset(mixed_table(500, 999), name="shared", origin="human")
        gen = ledger.register_generator(name=f"g{worker}", kind="ctgan", trained_on=[real.id, shared.id])
        made = [ledger.register_dataset(mixed_table(1_500, 1_000 * worker + i), name=f"synth-{worker}-{i}",
                                        origin="machine", generator_id=gen.id).id for i in range(3)]
        ledger.record_run("check", generator_id=gen.id, verdict="pass")
    results.put((worker, real.id, shared.id, gen.id, made))


def register_large(location: str, marker: str, rows: int) -> None:
    """Register a big table; at its second batch of fingerprint inserts, touch ``marker`` and dawdle.

    By then one batch is written inside the open transaction, so a test that kills us on seeing
    the marker kills a registration midway, however fast the machine.
    """
    batches = []

    def announce(conn, cursor, statement, parameters, context, executemany):
        if statement.startswith("INSERT INTO fingerprints"):
            batches.append(len(parameters))
            if len(batches) == 2:
                Path(marker).touch()
                time.sleep(5)

    event.listen(Engine, "before_cursor_execute", announce)
    with Ledger.open(location) as ledger:
        ledger.register_dataset(mixed_table(rows, 77), name="large", origin="human")


if __name__ == "__main__":
    register_large(sys.argv[1], sys.argv[2], int(sys.argv[3]))
