"""Fixtures for the ledger tests."""

from __future__ import annotations

import pytest

from synthgate.ledger import Ledger


@pytest.fixture
def ledger(tmp_path):
    """A fresh SQLite ledger in a temporary folder."""
    with Ledger.open(tmp_path / "ledger.sqlite") as opened:
        yield opened
