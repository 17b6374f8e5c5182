"""The ledger's secret key: where it lives, and the keyed functions built on it.

Threat model
------------
A ledger file is meant to be shared (with auditors, with the team that scans a training corpus).
Whoever holds the file *without the key* must learn no value of a registered row and be unable to
test guesses ("was a 37-year-old in Oslo earning 52,000 registered?"). So every per-row item the
ledger stores is either a keyed hash or encrypted:

- row fingerprints and near-duplicate band keys: HMAC-SHA256 under a per-ledger key, truncated to
  64 bits (lookups need equality, so these are deterministic: the file shows which rows are equal,
  never what they hold);
- the per-row verification tokens (32-bit hashes of each value and of its fine cell): encrypted
  with a keystream of keyed BLAKE2b over (dataset nonce, row, block), so equal values in two rows
  look unrelated;
- each dataset's quantisation grid (scales, centres) and chance probes: encrypted with an
  HMAC-SHA256 keystream and authenticated with an HMAC-SHA256 tag.

Every subkey is derived from the ledger's 32-byte secret with HMAC-SHA256.

Whoever holds the key can test guesses: a scan is such a test. Keep the key as you would keep
the data.

Where the key lives
-------------------
``$SYNTHGATE_LEDGER_KEY`` (64 hex digits) wins. Otherwise, beside a SQLite ledger, in
``<ledger file>.key`` (mode 0600), created with the ledger: the SQLite file alone can then be
shared without the key, and the two are copied together to scan elsewhere. A server database
(PostgreSQL) keeps it in its ``ledger_meta`` table, protected by the server's access control,
unless the variable is set. A hash of the key is stored in the ledger, so a wrong key is refused
instead of silently matching nothing.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
from pathlib import Path

import numpy as np
from sqlalchemy import Connection, select

from synthgate.errors import LedgerError

__all__ = ["KEY_ENV", "LedgerKey", "has_check", "key_file", "load_key", "store_check"]

KEY_ENV = "SYNTHGATE_LEDGER_KEY"
_CHECK = b"synthgate-ledger-key-check-v1"
_BLOCK = 32
_STREAM_BLOCK = 64
_NONCE = 16
_TAG = 16
NEW_KEY_HELP = "python -c 'import secrets; print(secrets.token_hex(32))'"


class LedgerKey:
    """A 32-byte ledger secret and the keyed functions derived from it (one subkey per purpose)."""

    def __init__(self, secret: bytes, *, keep_in_database: bool = False):
        self._secret = secret
        self.keep_in_database = keep_in_database   # a new server ledger's key, to store once its tables exist
        self._subkeys = {p: hmac.digest(secret, b"synthgate/" + p.encode(), "sha256")
                         for p in ("rows", "bands", "tokens", "seal", "seal-tag")}
        self.check = hmac.digest(secret, _CHECK, "sha256")[:16].hex()

    def hash64(self, purpose: str, raw: np.ndarray) -> np.ndarray:
        """Keyed 64-bit hash (int64) of each int64 in ``raw``, computed once per distinct value.

        ``"rows"`` (row fingerprints) uses HMAC-SHA256; ``"bands"`` (three per row, the bulk of the
        work) uses BLAKE2b in its keyed mode, a PRF like HMAC and twice as fast in CPython.
        """
        raw = np.ascontiguousarray(raw, dtype="<i8")
        unique, inverse = np.unique(raw, return_inverse=True)
        subkey, data = self._subkeys[purpose], unique.tobytes()
        if purpose == "rows":
            digests = [hmac.digest(subkey, data[i:i + 8], "sha256")[:8] for i in range(0, len(data), 8)]
        else:
            digests = [hashlib.blake2b(data[i:i + 8], key=subkey, digest_size=8).digest()
                       for i in range(0, len(data), 8)]
        keyed = np.frombuffer(b"".join(digests), dtype="<i8") if digests else np.empty(0, np.int64)
        return keyed[inverse.reshape(raw.shape)].astype(np.int64)

    def keystream(self, nonce: bytes, rows: np.ndarray, length: int) -> np.ndarray:
        """``length`` keystream bytes for each row (uint8, rows x length): keyed BLAKE2b of (nonce, row, block)."""
        rows = np.asarray(rows, dtype=np.int64)
        blocks = -(-length // _STREAM_BLOCK)
        subkey = self._subkeys["tokens"]
        stream = b"".join(hashlib.blake2b(nonce + row.to_bytes(8, "little") + block.to_bytes(4, "little"),
                                          key=subkey, digest_size=_STREAM_BLOCK).digest()
                          for row in rows.tolist() for block in range(blocks))
        return np.frombuffer(stream, dtype=np.uint8).reshape(len(rows), blocks * _STREAM_BLOCK)[:, :length]

    def seal(self, text: str) -> str:
        """Encrypt and authenticate text (HMAC-SHA256 keystream, then an HMAC tag); base64 out."""
        nonce = secrets.token_bytes(_NONCE)
        plain = text.encode("utf-8")
        cipher = _xor(plain, self._stream(nonce, len(plain)))
        tag = hmac.digest(self._subkeys["seal-tag"], nonce + cipher, "sha256")[:_TAG]
        return base64.b64encode(nonce + cipher + tag).decode("ascii")

    def unseal(self, sealed: str) -> str:
        """Inverse of :meth:`seal`; a LedgerError when the text was not sealed under this key."""
        blob = base64.b64decode(sealed)
        nonce, cipher, tag = blob[:_NONCE], blob[_NONCE:-_TAG], blob[-_TAG:]
        if not hmac.compare_digest(tag, hmac.digest(self._subkeys["seal-tag"], nonce + cipher, "sha256")[:_TAG]):
            raise LedgerError("a dataset's signature does not decrypt under this ledger's key: the key or the "
                              "ledger was replaced. Use the key file created with this ledger.")
        return _xor(cipher, self._stream(nonce, len(cipher))).decode("utf-8")

    def _stream(self, nonce: bytes, length: int) -> bytes:
        key = self._subkeys["seal"]
        return b"".join(hmac.digest(key, nonce + i.to_bytes(8, "little"), "sha256")
                        for i in range(-(-length // _BLOCK)))[:length]


def _xor(data: bytes, stream: bytes) -> bytes:
    return (int.from_bytes(data, "little") ^ int.from_bytes(stream, "little")).to_bytes(len(data), "little")


def key_file(database: str) -> Path:
    """The key file beside a SQLite ledger file."""
    path = Path(database)
    return path.with_name(path.name + ".key")


def _parse(text: str, where: str) -> bytes:
    text = text.strip()
    try:
        secret = bytes.fromhex(text)
    except ValueError:
        secret = b""
    if len(secret) != 32:
        raise LedgerError(f"the ledger key in {where} is not 64 hex digits. Restore the key created with the "
                          f"ledger, or make a new one for a new ledger with: {NEW_KEY_HELP}")
    return secret


def _meta(conn: Connection, name: str) -> str | None:
    from synthgate.ledger.schema import tables
    meta = tables["ledger_meta"]
    return conn.scalar(select(meta.c.value).where(meta.c.name == name))


def _put_meta(conn: Connection, name: str, value: str) -> None:
    from synthgate.ledger.schema import tables
    conn.execute(tables["ledger_meta"].insert().values(name=name, value=value))


def load_key(conn: Connection, url, *, has_check: bool) -> tuple[LedgerKey | None, str]:
    """The ledger's key, creating one for a ledger that has none yet, or (None, why it is missing)."""
    if os.environ.get(KEY_ENV):
        return LedgerKey(_parse(os.environ[KEY_ENV], f"${KEY_ENV}")), ""
    backend, database = url.get_backend_name(), url.database
    if backend == "sqlite" and database in (None, "", ":memory:"):
        return LedgerKey(secrets.token_bytes(32)), ""
    if backend == "sqlite":
        path = key_file(database)
        if path.is_file():
            return LedgerKey(_parse(path.read_text(), str(path))), ""
        if has_check:
            return None, (f"its key file {str(path)!r} is missing. Copy the key file made with the ledger beside "
                          f"it, or set ${KEY_ENV}")
        return LedgerKey(_create_key_file(path)), ""
    stored = _meta(conn, "key") if has_check else None
    if stored:
        return LedgerKey(_parse(stored, "the ledger's ledger_meta table")), ""
    if has_check:
        return None, f"its key is not in the database. Set ${KEY_ENV} to the key it was created with"
    return LedgerKey(secrets.token_bytes(32), keep_in_database=True), ""


def _create_key_file(path: Path) -> bytes:
    """Write a new key with mode 0600, atomically: of several processes creating one ledger, one key wins."""
    secret = secrets.token_bytes(32)
    temporary = path.with_name(f"{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "w") as handle:
            handle.write(secret.hex() + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.link(temporary, path)  # fails if another process linked its key first: then use that one
    except FileExistsError:
        return _parse(path.read_text(), str(path))
    finally:
        temporary.unlink(missing_ok=True)
    return secret


def has_check(conn: Connection) -> bool:
    """Whether the ledger records a key check value (it has a key somewhere)."""
    return _meta(conn, "key_check") is not None


def store_check(conn: Connection, key: LedgerKey | None, *, location: str) -> None:
    """Record the key's check value in a new ledger, or refuse a key that is not the ledger's own."""
    stored = _meta(conn, "key_check")
    if key is None:
        return
    if stored is None:
        _put_meta(conn, "key_check", key.check)
        if key.keep_in_database:
            _put_meta(conn, "key", key._secret.hex())
    elif not hmac.compare_digest(stored, key.check):
        raise LedgerError(f"the key given for the ledger at {location} is not the key it was created with "
                          f"(${KEY_ENV} or the .key file beside it). Use the ledger's own key.")
