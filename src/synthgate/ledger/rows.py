"""What the ledger stores per row and per dataset, and reading it back.

Per row: the keyed row fingerprint, the keyed band keys and the encrypted verification tokens (see
:mod:`synthgate.ledger.near` and :mod:`synthgate.ledger.keys`). Per dataset: its signature, the near
grid and the chance probes, sealed under the ledger's key. The tokens' keystream nonce is the
dataset's content hash, unique within a ledger.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sqlalchemy import Connection, text

from synthgate.ledger.chance import Probes, self_probes
from synthgate.ledger.keys import LedgerKey
from synthgate.ledger.near import NearSpec, Tokens, band_keys, fit_near_spec, row_tokens
from synthgate.ledger.schema import tables

__all__ = ["Signature", "compute", "decrypt_tokens", "insert_rows", "read_signature", "signature_text",
           "update_near"]

_INSERT_BATCH = 20_000
_COLUMNS = ("dataset_id", "row", "hash", "band0", "band1", "band2", "tokens")
BANDS = 3


@dataclass(frozen=True)
class Signature:
    """A table's signatures in the clear: computed at registration, never stored like this."""

    raw: np.ndarray
    spec: NearSpec
    bands: np.ndarray
    tokens: Tokens
    probes: Probes


def compute(frame: pd.DataFrame, fingerprints: np.ndarray) -> Signature:
    """Near grid, raw band keys, tokens and chance probes of a table."""
    spec = fit_near_spec(frame)
    bands = band_keys(frame, spec)
    tokens = row_tokens(frame, spec)
    return Signature(fingerprints, spec, bands, tokens, self_probes(frame, spec, bands[:, 0], tokens))


def signature_text(key: LedgerKey, spec: NearSpec | None, probes: Probes | None) -> str:
    """The datasets.signature column: version in the clear, everything else sealed."""
    inner = {"spec": None if spec is None else spec.to_dict(), "probes": None if probes is None else probes.to_dict()}
    return json.dumps({"version": 2, "sealed": key.seal(json.dumps(inner))})


def read_signature(key: LedgerKey, stored: str) -> tuple[NearSpec | None, Probes | None]:
    """Inverse of :func:`signature_text` (None, None for a dataset migrated without near signatures)."""
    inner = json.loads(key.unseal(json.loads(stored)["sealed"]))
    spec = None if inner["spec"] is None else NearSpec.from_dict(inner["spec"])
    return spec, None if inner["probes"] is None else Probes.from_dict(inner["probes"])


def _nonce(digest: str) -> bytes:
    return bytes.fromhex(digest)


def _stored(key: LedgerKey, signature: Signature, digest: str) -> tuple[list, list[list], list[bytes]]:
    """Keyed hashes, keyed band keys (3 lists, None for absent bands) and encrypted token blobs."""
    n = len(signature.raw)
    hashes = key.hash64("rows", signature.raw).tolist()
    keyed = key.hash64("bands", signature.bands)
    bands = [keyed[:, b].tolist() if b < keyed.shape[1] else [None] * n for b in range(BANDS)]
    packed = signature.tokens.pack()
    encrypted = (packed ^ key.keystream(_nonce(digest), np.arange(n), packed.shape[1])).tobytes()
    width = packed.shape[1]
    return hashes, bands, [encrypted[i:i + width] for i in range(0, n * width, width)]


def insert_rows(conn: Connection, key: LedgerKey, dataset_id: int, signature: Signature, digest: str) -> None:
    """Insert a dataset's rows in batches (the caller's transaction makes it all or nothing)."""
    hashes, bands, blobs = _stored(key, signature, digest)
    rows = list(zip([dataset_id] * len(hashes), range(len(hashes)), hashes, *bands, blobs))
    statement = _bulk_insert_sql(conn)
    for start in range(0, len(rows), _INSERT_BATCH):
        batch = rows[start:start + _INSERT_BATCH]
        if statement is None:
            conn.execute(tables["fingerprints"].insert(), [dict(zip(_COLUMNS, r)) for r in batch])
        else:
            conn.exec_driver_sql(statement, batch)


def update_near(conn: Connection, key: LedgerKey, dataset_id: int, signature: Signature, digest: str) -> None:
    """Give a dataset migrated from schema 1 its near signatures (its rows are re-registered)."""
    _, bands, blobs = _stored(key, signature, digest)
    conn.execute(text("UPDATE fingerprints SET band0 = :b0, band1 = :b1, band2 = :b2, tokens = :t "
                      "WHERE dataset_id = :d AND \"row\" = :r"),
                 [{"b0": b0, "b1": b1, "b2": b2, "t": t, "d": dataset_id, "r": i}
                  for i, (b0, b1, b2, t) in enumerate(zip(*bands, blobs))])
    conn.execute(text("UPDATE datasets SET signature = :s WHERE id = :d"),
                 {"s": signature_text(key, signature.spec, signature.probes), "d": dataset_id})


def decrypt_tokens(key: LedgerKey, digest: str, rows: np.ndarray, blobs: bytes, spec: NearSpec) -> Tokens:
    """Tokens of some stored rows of one dataset (``blobs``: their encrypted tokens, concatenated)."""
    width = 4 * (len(spec.columns) + len(spec.numeric))
    packed = np.frombuffer(blobs, dtype=np.uint8).reshape(len(rows), width)
    return Tokens.unpack(packed ^ key.keystream(_nonce(digest), rows, width), spec)


def _bulk_insert_sql(conn: Connection) -> str | None:
    """Driver-level INSERT for executemany: building SQLAlchemy parameters per row costs more than the insert."""
    marker = {"qmark": "?", "format": "%s", "pyformat": "%s"}.get(conn.dialect.paramstyle)
    if marker is None:
        return None
    quote = conn.dialect.identifier_preparer.quote
    return (f"INSERT INTO {quote('fingerprints')} ({', '.join(quote(c) for c in _COLUMNS)}) "
            f"VALUES ({', '.join([marker] * len(_COLUMNS))})")
