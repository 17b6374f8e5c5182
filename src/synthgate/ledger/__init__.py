"""The provenance ledger: a database that labels every dataset and row as human- or machine-made
and records which generator made what from which data.

Modules::

    store.py         Ledger: open, register datasets and generators, lineage, scan, runs
    records.py       the frozen records it returns
    fingerprints.py  stable 64-bit row fingerprints and the content hash of a table
    near.py          near-duplicate signatures (design, miss rate and chance rate documented there)
    matching.py      looking a frame's rows up, exactly and near
    scan.py          ScanResult and RowLookup
    lineage.py       walking back to human data, generations, human shares
    schema.py        tables and versioned migrations
    connection.py    location (argument > $SYNTHGATE_LEDGER > ./synthgate-ledger.sqlite) and SQLite safety
    cli.py           `synthgate ledger ...` and `synthgate scan`

>>> from synthgate.ledger import Ledger
>>> ledger = Ledger.open()          # doctest: +SKIP
"""

from synthgate.ledger.connection import DEFAULT_LEDGER, LEDGER_ENV
from synthgate.ledger.fingerprints import content_hash, row_fingerprints
from synthgate.ledger.near import NearSpec
from synthgate.ledger.records import DatasetRecord, Edge, GeneratorRecord, LineageStep, RunRecord
from synthgate.ledger.scan import MatchCounts, RowLookup, RowMatch, ScanResult
from synthgate.ledger.schema import SCHEMA_VERSION
from synthgate.ledger.store import Ledger

__all__ = ["DEFAULT_LEDGER", "LEDGER_ENV", "SCHEMA_VERSION", "DatasetRecord", "Edge", "GeneratorRecord",
           "Ledger", "LineageStep", "MatchCounts", "NearSpec", "RowLookup", "RowMatch", "RunRecord",
           "ScanResult", "content_hash", "row_fingerprints"]
