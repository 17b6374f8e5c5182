"""The provenance ledger: a database that labels every dataset and row as human- or machine-made
and records which generator made what from which data.

Modules::

    store.py         Ledger: open, register datasets and generators, lineage, scan, runs
    records.py       the frozen records it returns
    keys.py          the per-ledger secret (key file, $SYNTHGATE_LEDGER_KEY), keyed hashes, encryption
    fingerprints.py  stable 64-bit row fingerprints and the content hash of a table
    near.py          near-duplicate signatures (design and miss rate documented there)
    rows.py          what is stored per row and per dataset: keyed hashes, encrypted tokens, sealed grid
    matching.py      looking a frame's rows up, exactly and near, on the columns it shares
    chance.py        what chance alone gives: natural collision rates and the bound a scan is judged by
    scan.py          ScanResult and RowLookup
    scanning.py      running a scan
    lineage.py       walking back to human data, generations, human shares
    schema.py        tables and versioned migrations
    connection.py    location (argument > $SYNTHGATE_LEDGER > ./synthgate-ledger.sqlite) and SQLite safety
    cli.py           `synthgate ledger ...` and `synthgate scan`

>>> from synthgate.ledger import Ledger
>>> ledger = Ledger.open()          # doctest: +SKIP
"""

from synthgate.ledger.chance import Chance
from synthgate.ledger.connection import DEFAULT_LEDGER, LEDGER_ENV
from synthgate.ledger.keys import KEY_ENV
from synthgate.data.fingerprints import content_hash, row_fingerprints
from synthgate.ledger.near import NearSpec
from synthgate.ledger.records import DatasetRecord, Edge, GeneratorRecord, LineageStep, RunRecord
from synthgate.ledger.scan import MatchCounts, RowLookup, RowMatch, ScanResult
from synthgate.ledger.schema import SCHEMA_VERSION
from synthgate.ledger.store import Ledger

__all__ = ["DEFAULT_LEDGER", "KEY_ENV", "LEDGER_ENV", "SCHEMA_VERSION", "Chance", "DatasetRecord", "Edge", "GeneratorRecord",
           "Ledger", "LineageStep", "MatchCounts", "NearSpec", "RowLookup", "RowMatch", "RunRecord",
           "ScanResult", "content_hash", "row_fingerprints"]
