"""Disjoint role samples from one real table: real, holdout, fresh and the "synthetic" stand-in.

Every run draws its rows without replacement from the whole table, from one permutation seeded by
``(seed, data set)``: real first, then holdout, then fresh, then synthetic. The synthetic sample is an
independent real sample (a perfect generator's output), never the holdout itself.

For one seed, real, holdout and fresh are the same rows at every synthetic size and the synthetic sample at a
smaller ratio is a prefix of the one at a larger ratio (common random numbers): cells of one seed differ only
in what they are meant to differ in.
"""

from __future__ import annotations

import zlib
from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd

ROLES = ("real", "holdout", "fresh", "synthetic")


@dataclass(frozen=True)
class RoleSizes:
    """Rows per role; ``fresh`` may be 0 (no drift data)."""

    real: int
    holdout: int
    synthetic: int
    fresh: int = 0

    def __post_init__(self) -> None:
        for role in ("real", "holdout", "synthetic"):
            if getattr(self, role) < 1:
                raise ValueError(f"{role} needs at least one row, got {getattr(self, role)}.")
        if self.fresh < 0:
            raise ValueError(f"fresh cannot have {self.fresh} rows.")

    @property
    def total(self) -> int:
        return self.real + self.holdout + self.synthetic + self.fresh

    def to_dict(self) -> dict[str, int]:
        return asdict(self)


def synthetic_rows(holdout: int, ratio: float) -> int:
    """Synthetic rows at a synthetic-to-holdout size ratio (at least one)."""
    if not ratio > 0:
        raise ValueError(f"ratio must be positive, got {ratio!r}.")
    return max(1, int(round(ratio * holdout)))


def split_rng(dataset: str, seed: int) -> np.random.Generator:
    """The split's own stream: independent of the check's seed use and of other data sets."""
    return np.random.default_rng([int(seed), zlib.crc32(dataset.encode("utf-8"))])


def draw_roles(n_rows: int, sizes: RoleSizes, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Disjoint row positions per role, drawn without replacement from ``n_rows`` rows.

    Examples
    --------
    >>> roles = draw_roles(100, RoleSizes(real=40, holdout=20, synthetic=10, fresh=20), np.random.default_rng(0))
    >>> {role: len(rows) for role, rows in roles.items()}
    {'real': 40, 'holdout': 20, 'fresh': 20, 'synthetic': 10}
    >>> len(np.unique(np.concatenate(list(roles.values()))))
    90
    """
    if sizes.total > n_rows:
        raise ValueError(f"the roles need {sizes.total} rows ({sizes.to_dict()}) but the table has only {n_rows}.")
    order = rng.permutation(n_rows)
    out, start = {}, 0
    for role in ROLES:
        count = getattr(sizes, role)
        out[role] = np.sort(order[start:start + count])
        start += count
    return out


def take_roles(frame: pd.DataFrame, roles: dict[str, np.ndarray]) -> dict[str, pd.DataFrame | None]:
    """The role tables (fresh RangeIndex, no ``attrs``); an empty role is None."""
    out: dict[str, pd.DataFrame | None] = {}
    for role, rows in roles.items():
        if len(rows) == 0:
            out[role] = None
            continue
        table = frame.iloc[rows].reset_index(drop=True)
        table.attrs = {}
        out[role] = table
    return out
