"""Exact duplicate rows of an encoded table, found by their bytes.

Real tables repeat rows (census-income: 25 %), so the engine searches each distinct row once and hands
every copy the same neighbours. Distinct rows are numbered in order of first occurrence, so ordering
distinct rows by number orders them by their smallest original index.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from synthgate.neighbors.topk import PAD_INDEX, select_topk

_HASH_CHUNK = 8_192


@dataclass(frozen=True)
class RowGroups:
    """Distinct rows of a table and where their copies are.

    ``first[u]`` is the first original row equal to distinct row ``u``; ``inverse[i]`` the distinct row of
    original row ``i``; ``members[starts[u]:starts[u + 1]]`` all original rows equal to ``u``, ascending.
    """

    first: np.ndarray
    inverse: np.ndarray
    members: np.ndarray
    starts: np.ndarray

    @property
    def n_distinct(self) -> int:
        return len(self.first)

    @property
    def all_distinct(self) -> bool:
        return len(self.first) == len(self.inverse)


def group_rows(x: np.ndarray) -> RowGroups:
    """Group the rows of a 2-d array by exact byte equality (``-0.0`` and ``0.0`` stay apart, harmlessly)."""
    hashes = _row_bytes_hash(x)
    _, first, inverse = np.unique(hashes, return_index=True, return_inverse=True)
    if not _rows_equal(x, first[inverse.ravel()]):
        # A 64-bit collision between different rows: fall back to comparing whole rows.
        _, first, inverse = np.unique(_as_void(x), return_index=True, return_inverse=True)
    return _groups_in_first_occurrence_order(first, inverse.ravel())


def expand_groups(distances: np.ndarray, distinct: np.ndarray, groups: RowGroups,
                  k: int) -> tuple[np.ndarray, np.ndarray]:
    """Turn canonical neighbours among distinct rows into the canonical first ``k`` original rows.

    Every original row in the top ``k`` belongs to one of the top ``k`` distinct rows (each of those has
    at least one member ahead of it), so each listed distinct row contributes at most its first ``k``
    members, and a canonical sort of that pool gives the answer.
    """
    if groups.all_distinct:
        return distances[:, :k], groups.first[distinct[:, :k]]
    counts = np.diff(groups.starts)
    width = min(k, int(counts.max()))
    slot = np.arange(width)
    valid = slot[None, None, :] < counts[distinct][:, :, None]
    pos = np.where(valid, groups.starts[distinct][:, :, None] + slot, 0)
    index = np.where(valid, groups.members[pos], PAD_INDEX).reshape(len(distinct), -1)
    dist = np.where(valid, distances[:, :, None], np.inf).reshape(len(distinct), -1)
    return select_topk(dist, index, k)


def _groups_in_first_occurrence_order(first: np.ndarray, inverse: np.ndarray) -> RowGroups:
    order = np.argsort(first, kind="stable")
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order))
    inverse = rank[inverse].astype(np.int64)
    members = np.argsort(inverse, kind="stable").astype(np.int64)
    starts = np.concatenate([[0], np.cumsum(np.bincount(inverse, minlength=len(order)))]).astype(np.int64)
    return RowGroups(first[order].astype(np.int64), inverse, members, starts)


def _row_bytes_hash(x: np.ndarray) -> np.ndarray:
    """A 64-bit hash of each row's bytes: splitmix64 of every (word, column) pair, summed (chunked).

    Mixing each word with its column before summing matters: one-hot rows differ only in where their
    equal words sit, and a hash linear in the column number collides for them. Collisions are checked.
    """
    words = _as_words(x)
    salt = np.arange(words.shape[1], dtype=np.uint64) * np.uint64(0x9E3779B97F4A7C15)
    out = np.empty(len(x), dtype=np.uint64)
    for start in range(0, len(x), _HASH_CHUNK):
        mixed = words[start:start + _HASH_CHUNK].astype(np.uint64)
        mixed += salt
        mixed ^= mixed >> np.uint64(30)
        mixed *= np.uint64(0xBF58476D1CE4E5B9)
        mixed ^= mixed >> np.uint64(27)
        mixed *= np.uint64(0x94D049BB133111EB)
        mixed ^= mixed >> np.uint64(31)
        out[start:start + _HASH_CHUNK] = mixed.sum(axis=1)
    return out


def _rows_equal(x: np.ndarray, representative: np.ndarray) -> bool:
    """Whether every row equals its representative row (chunked to keep memory flat)."""
    for start in range(0, len(x), _HASH_CHUNK):
        rows = slice(start, start + _HASH_CHUNK)
        if not np.array_equal(_as_words(x[rows]), _as_words(x[representative[rows]])):
            return False
    return True


def _as_words(x: np.ndarray) -> np.ndarray:
    flat = np.ascontiguousarray(x).view(np.uint8).reshape(len(x), -1)
    return flat.view(np.uint32) if flat.shape[1] % 4 == 0 else flat


def _as_void(x: np.ndarray) -> np.ndarray:
    x = np.ascontiguousarray(x)
    return x.view(np.dtype((np.void, x.dtype.itemsize * x.shape[1]))).ravel()
