"""The same ledger on PostgreSQL, when a server is given (SYNTHGATE_TEST_POSTGRES_URL); skipped otherwise."""

from __future__ import annotations

import os
import uuid

import pytest

from ledger_tables import mixed_table, perturb
from synthgate.ledger import Ledger

URL = os.environ.get("SYNTHGATE_TEST_POSTGRES_URL")
pytestmark = pytest.mark.skipif(not URL, reason="no PostgreSQL server: set SYNTHGATE_TEST_POSTGRES_URL "
                                                "(e.g. postgresql+psycopg://user@localhost/test) to run")


@pytest.fixture
def pg_ledger():
    from sqlalchemy import create_engine, text
    schema = f"synthgate_{uuid.uuid4().hex[:8]}"
    admin = create_engine(URL)
    with admin.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    separator = "&" if "?" in URL else "?"
    with Ledger.open(f"{URL}{separator}options=-csearch_path%3D{schema}") as ledger:
        yield ledger
    with admin.begin() as conn:
        conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
    admin.dispose()


def test_register_generate_and_scan_on_postgres(pg_ledger):
    real = pg_ledger.register_dataset(mixed_table(2_000, 1), name="real", origin="human")
    assert pg_ledger.register_dataset(mixed_table(2_000, 1), name="again", origin="human") == real
    gen = pg_ledger.register_generator(name="g", kind="ctgan", trained_on=[real.id])
    synthetic = mixed_table(2_000, 2)
    pg_ledger.register_dataset(synthetic, name="synth", origin="machine", generator_id=gen.id)
    result = pg_ledger.scan(perturb(synthetic.iloc[:50], 3))
    assert result.near == 50 and result.by_generator[gen.id].near == 50
