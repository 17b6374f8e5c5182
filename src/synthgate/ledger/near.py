"""Near-duplicate signatures: find lightly perturbed copies of registered rows, storing nothing a value
can be rebuilt from.

Design (version 2)
------------------
Two rows are *near* when every categorical cell is equal (after the normalisation of
:mod:`synthgate.data.fingerprints`) and every numeric cell differs by at most ``tolerance`` times
that column's scale. The scale is the column's standard deviation after winsorising at its 0.1 % and
99.9 % quantiles, measured when the dataset is registered and kept with it, with the column's
median (the grid puts it mid-cell), in the dataset's *encrypted* signature
(:meth:`synthgate.ledger.keys.LedgerKey.seal`). The default tolerance, 0.08, is 8 sigma of "noise of
1 % of the std" and 4 sigma of 2 %.

For every registered row the ledger stores, keyed (see :mod:`synthgate.ledger.keys`):

- *band keys*: hashes of categoricals and of the coarse cells (``width`` scale units) of at most
  ``KEY_COLUMNS`` numeric columns. Band 0 holds every categorical and the most varied numerics
  (by cell entropy); bands 1 and 2 split all columns into two halves dealt by entropy, so a corpus
  lacking a column still has a band to look its rows up under;
- *verification tokens*, encrypted: per column a 32-bit hash of the value, and per numeric column
  a 32-bit hash of its *fine* cell, ``tolerance / FINE_STEPS`` scale units wide.

No cell number, position in a cell, scale or centre is stored in the clear: that is what let
version 1 ledgers be read back to within 1/255 of a cell (Adult: age to ±0.013).

A query row is looked up under its band key and, for each keyed column where it lies within the
tolerance of a coarse-cell boundary, under the neighbouring cell too (at most 2**5 = 32 keys,
about ``TARGET_KEYS`` on average). Every candidate is checked on *every* shared column:
categoricals equal, and each numeric's stored fine cell among the fine cells that
``[x - tolerance, x + tolerance]`` overlaps (at most ``2 * FINE_STEPS + 1``). Hence

- a perturbation within the tolerance is never lost at a grid boundary: no boundary miss rate;
- a difference beyond ``tolerance * (1 + 1 / FINE_STEPS)`` (0.10 scale units) is never accepted;
  one between 0.08 and 0.10 may be, depending on where the two values fall in their fine cells.

So misses come only from a column moved beyond the tolerance, on purpose, as in version 1 (measured
then on a 50,000-row mixed table: 1 % noise of the std misses none, 2 % about 2e-5, 3 % 2e-3).

Chance matches: with few numeric columns, an honest row of the same population is genuinely
within the tolerance of some registered row; such rows are near, because they are. How often
that happens is measured at registration (:mod:`synthgate.ledger.chance`) and reported by scans.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from synthgate.data.fingerprints import cell_hashes, column_tag, fold, is_numeric_dtype, mix

__all__ = ["Band", "NearSpec", "Queries", "Tokens", "band_keys", "fit_near_spec", "near_queries", "row_tokens",
           "verify"]

TOLERANCE = 0.08
TARGET_KEYS = 4.0
KEY_COLUMNS = 5
FINE_STEPS = 4
PROBES = 2 * FINE_STEPS + 1
_BAND_SEEDS = (0x1F83D9ABFB41BD6B, 0x5BE0CD19137E2179, 0xCBBB9D5DC1059ED8)
_FINE_TAG = np.uint64(0x629A292A367CD507)
_EXACT_TAG = np.uint64(0x9159015A3070DD17)
_CELL_LIMIT = 2.0**60
# cells of non-finite values, outside any finite cell (finite cells are clipped to +-2**60)
_NAN_CELL, _POS_INF_CELL, _NEG_INF_CELL = np.int64(-(2**62)), np.int64(2**62), np.int64(-(2**62) + 1)


@dataclass(frozen=True)
class Band:
    """One band: the categoricals and keyed numerics its key hashes, and its coarse cell width."""

    categorical: tuple[str, ...]
    keyed: tuple[str, ...]
    width: float

    @property
    def columns(self) -> tuple[str, ...]:
        """Columns a frame needs to be looked up under this band."""
        return tuple(sorted(self.categorical + self.keyed))


@dataclass(frozen=True)
class NearSpec:
    """The grid a dataset's near signatures were computed on (stored encrypted with the dataset)."""

    categorical: tuple[str, ...]
    numeric: tuple[str, ...]
    scales: tuple[float, ...]
    centres: tuple[float, ...]
    bands: tuple[Band, ...]
    tolerance: float = TOLERANCE
    version: int = 2

    @property
    def columns(self) -> tuple[str, ...]:
        """All columns, sorted: the order of the exact tokens."""
        return tuple(sorted(self.categorical + self.numeric))

    @property
    def keyed(self) -> tuple[str, ...]:
        """The numerics band 0 keys."""
        return self.bands[0].keyed

    @property
    def fine(self) -> float:
        """Width of a fine cell, in scale units."""
        return self.tolerance / FINE_STEPS

    def to_dict(self) -> dict:
        """The spec as JSON-compatible data."""
        return {"version": self.version, "categorical": list(self.categorical), "tolerance": self.tolerance,
                "numeric": {n: [s, c] for n, s, c in zip(self.numeric, self.scales, self.centres)},
                "bands": [[list(b.categorical), list(b.keyed), b.width] for b in self.bands]}

    @classmethod
    def from_dict(cls, data: dict) -> NearSpec:
        """Read a spec written by :meth:`to_dict`."""
        numeric = data["numeric"]
        return cls(tuple(data["categorical"]), tuple(numeric), tuple(float(v[0]) for v in numeric.values()),
                   tuple(float(v[1]) for v in numeric.values()),
                   tuple(Band(tuple(c), tuple(k), float(w)) for c, k, w in data["bands"]),
                   float(data["tolerance"]), int(data["version"]))


@dataclass(frozen=True)
class Tokens:
    """32-bit verification tokens: exact (rows x ``spec.columns``) and fine cells (rows x ``spec.numeric``)."""

    exact: np.ndarray
    fine: np.ndarray

    def pack(self) -> np.ndarray:
        """uint8 rows x 4 * (columns + numerics), little-endian: what the ledger encrypts and stores."""
        both = np.concatenate([self.exact, self.fine], axis=1).astype("<u4")
        return np.ascontiguousarray(both).view(np.uint8).reshape(len(both), -1)

    @classmethod
    def unpack(cls, packed: np.ndarray, spec: NearSpec) -> Tokens:
        """Inverse of :meth:`pack`."""
        words = np.ascontiguousarray(packed, dtype=np.uint8).view("<u4").reshape(len(packed), -1)
        split = len(spec.columns)
        return cls(words[:, :split].astype(np.uint32), words[:, split:].astype(np.uint32))

    def take(self, rows: np.ndarray) -> Tokens:
        """The tokens of some rows."""
        return Tokens(self.exact[rows], self.fine[rows])


@dataclass(frozen=True)
class Queries:
    """Expanded lookup keys of a frame under one band, and what verifying its candidates needs."""

    position: np.ndarray   # int64, the query row each key belongs to
    key: np.ndarray        # int64 raw (unkeyed) band keys
    exact: np.ndarray      # uint32 rows x spec.columns: each value's exact token (0 where absent)
    probes: np.ndarray     # uint32 rows x spec.numeric x PROBES: fine cells within the tolerance
    present: np.ndarray    # bool per spec.columns: the column is in the frame


def robust_scale(values: np.ndarray) -> float:
    """Std after winsorising at the 0.1 % / 99.9 % quantiles; 1.0 for a constant column."""
    finite = values[np.isfinite(values)]
    if finite.size < 2:
        return 1.0
    low, high = np.quantile(finite, [0.001, 0.999])
    scale = float(np.std(np.clip(finite, low, high)))
    if not scale > 0:
        scale = float(np.std(finite))
    return scale if np.isfinite(scale) and scale > 0 else 1.0


def grid_width(keyed_columns: int, tolerance: float = TOLERANCE) -> float:
    """Coarse cell width (scale units) giving about ``TARGET_KEYS`` lookup keys per query row."""
    if keyed_columns == 0:
        return 1.0
    return max(4 * tolerance, 2 * tolerance / (TARGET_KEYS ** (1 / keyed_columns) - 1))


def fit_near_spec(frame: pd.DataFrame, tolerance: float = TOLERANCE) -> NearSpec:
    """Measure a dataset's column scales and centres and choose its bands."""
    columns = {str(c): frame[c] for c in frame.columns}
    names = sorted(columns)
    numeric = tuple(n for n in names if _is_grid_numeric(columns[n].dtype))
    values = {n: _numbers(columns[n]) for n in numeric}
    scales = {n: robust_scale(v) for n, v in values.items()}
    centres = {n: _centre(v) for n, v in values.items()}
    spread = {n: _cell_entropy(values[n], scales[n], centres[n], 0.5) if n in values
              else _entropy(cell_hashes(columns[n])) for n in names}

    def band(group: list[str]) -> Band:
        nums = [n for n in group if n in values]
        width = grid_width(min(KEY_COLUMNS, len(nums)), tolerance)
        ranked = sorted(nums, key=lambda n: (-_cell_entropy(values[n], scales[n], centres[n], width), n))
        return Band(tuple(n for n in group if n not in values), tuple(sorted(ranked[:KEY_COLUMNS])), width)

    by_spread = sorted(names, key=lambda n: (-spread[n], n))
    halves = [sorted(by_spread[0::2]), sorted(by_spread[1::2])] if len(names) > 1 else []
    return NearSpec(tuple(n for n in names if n not in values), numeric, tuple(scales[n] for n in numeric),
                    tuple(centres[n] for n in numeric), tuple(band(g) for g in [names, *halves]), tolerance)


def _centre(values: np.ndarray) -> float:
    finite = values[np.isfinite(values)]
    return float(np.median(finite)) if finite.size else 0.0


def _entropy(codes: np.ndarray) -> float:
    _, counts = np.unique(codes, return_counts=True)
    share = counts / counts.sum()
    return float(-(share * np.log(share)).sum())


def _cell_entropy(values: np.ndarray, scale: float, centre: float, width: float) -> float:
    return _entropy(_grid(values, scale, centre, width)[0])


def _is_grid_numeric(dtype) -> bool:
    return is_numeric_dtype(dtype) and not pd.api.types.is_bool_dtype(dtype)


def _numbers(column: pd.Series) -> np.ndarray:
    if not is_numeric_dtype(column.dtype):
        column = pd.to_numeric(column.astype(object), errors="coerce")
    return column.to_numpy(dtype=np.float64, na_value=np.nan)


def _with_sentinels(x: np.ndarray, cell: np.ndarray) -> np.ndarray:
    return np.where(np.isnan(x), _NAN_CELL, np.where(x == np.inf, _POS_INF_CELL,
                    np.where(x == -np.inf, _NEG_INF_CELL, cell.astype(np.int64))))


def _grid(x: np.ndarray, scale: float, centre: float, width: float) -> tuple[np.ndarray, np.ndarray]:
    """Coarse cell (int64, with sentinels for non-finite values) and position inside it (scale units)."""
    finite = np.isfinite(x)
    # the median sits mid-cell, so wide cells do not put a boundary where the data is densest
    grid = np.where(finite, (x - centre) / scale / width + 0.5, 0.0)
    cell = np.clip(np.floor(grid), -_CELL_LIMIT, _CELL_LIMIT)
    inside = np.clip((grid - cell) * width, 0.0, np.nextafter(width, 0))
    return _with_sentinels(x, cell), inside


def _fine_units(x: np.ndarray, scale: float, centre: float, spec: NearSpec) -> np.ndarray:
    return np.clip(np.where(np.isfinite(x), (x - centre) / scale / spec.fine, 0.0), -_CELL_LIMIT, _CELL_LIMIT)


def _token(cells: np.ndarray, name: str, tag: np.uint64) -> np.ndarray:
    return (mix(cells.view(np.uint64) ^ column_tag(name) ^ tag) & np.uint64(0xFFFFFFFF)).astype(np.uint32)


def _exact_token(column: pd.Series, name: str) -> np.ndarray:
    return _token(cell_hashes(column).view(np.int64), name, _EXACT_TAG)


def row_tokens(frame: pd.DataFrame, spec: NearSpec) -> Tokens:
    """Verification tokens of each row (the frame has every column of the spec)."""
    columns = {str(c): frame[c] for c in frame.columns}
    exact = np.stack([_exact_token(columns[n], n) for n in spec.columns], axis=1)
    fine = np.empty((len(frame), len(spec.numeric)), dtype=np.uint32)
    for j, (name, scale, centre) in enumerate(zip(spec.numeric, spec.scales, spec.centres)):
        x = _numbers(columns[name])
        fine[:, j] = _token(_with_sentinels(x, np.floor(_fine_units(x, scale, centre, spec))), name, _FINE_TAG)
    return Tokens(exact.reshape(len(frame), len(spec.columns)), fine)


def _probes(frame_columns: dict, spec: NearSpec, rows: int) -> np.ndarray:
    """Tokens of the fine cells each value's tolerance interval overlaps (the last one repeated)."""
    probes = np.zeros((rows, len(spec.numeric), PROBES), dtype=np.uint32)
    steps = np.arange(PROBES)
    for j, (name, scale, centre) in enumerate(zip(spec.numeric, spec.scales, spec.centres)):
        if name not in frame_columns:
            continue
        x = _numbers(frame_columns[name])
        units = _fine_units(x, scale, centre, spec)
        low, high = np.floor(units - FINE_STEPS), np.floor(units + FINE_STEPS)
        cells = np.minimum(low[:, None] + steps, high[:, None])
        cells = _with_sentinels(np.repeat(x[:, None], PROBES, axis=1), cells)
        probes[:, j, :] = _token(np.ascontiguousarray(cells), name, _FINE_TAG)
    return probes


def _band_state(columns: dict, band: Band, index: int, rows: int) -> np.ndarray:
    state = np.full(rows, np.uint64(_BAND_SEEDS[index]), dtype=np.uint64)
    for name in band.categorical:
        state = fold(state, cell_hashes(columns[name]) ^ column_tag(name))
    return state


def _fold_cell(state: np.ndarray, cells: np.ndarray, name: str) -> np.ndarray:
    return fold(state, mix(cells.view(np.uint64) ^ column_tag(name)))


def _coarse(columns: dict, spec: NearSpec, band: Band) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    out = {}
    for name in band.keyed:
        j = spec.numeric.index(name)
        out[name] = _grid(_numbers(columns[name]), spec.scales[j], spec.centres[j], band.width)
    return out


def band_keys(frame: pd.DataFrame, spec: NearSpec) -> np.ndarray:
    """Raw (unkeyed) key of each row under each band: int64, rows x bands."""
    columns = {str(c): frame[c] for c in frame.columns}
    keys = np.empty((len(frame), len(spec.bands)), dtype=np.int64)
    for b, band in enumerate(spec.bands):
        state = _band_state(columns, band, b, len(frame))
        for name, (cells, _) in _coarse(columns, spec, band).items():
            state = _fold_cell(state, cells, name)
        keys[:, b] = state.view(np.int64)
    return keys


def near_queries(frame: pd.DataFrame, spec: NearSpec, band_index: int = 0) -> Queries:
    """All keys a frame's rows must be looked up under in one band (the frame holds the band's columns)."""
    columns = {str(c): frame[c] for c in frame.columns}
    band = spec.bands[band_index]
    state = _band_state(columns, band, band_index, len(frame))
    position = np.arange(len(frame), dtype=np.int64)
    for name, (cells, inside) in _coarse(columns, spec, band).items():
        finite = cells[position] == np.clip(cells[position], -_CELL_LIMIT, _CELL_LIMIT)
        below = (inside[position] <= spec.tolerance) & finite
        above = (band.width - inside[position] <= spec.tolerance) & finite
        extra = np.flatnonzero(below | above)
        step = np.where(below[extra], -1, 1)
        state = np.concatenate([_fold_cell(state, cells[position], name),
                                _fold_cell(state[extra], cells[position[extra]] + step, name)])
        position = np.concatenate([position, position[extra]])
    present = np.array([n in columns for n in spec.columns], dtype=bool)
    exact = np.zeros((len(frame), len(spec.columns)), dtype=np.uint32)
    for j in np.flatnonzero(present):
        exact[:, j] = _exact_token(columns[spec.columns[j]], spec.columns[j])
    return Queries(position, state.view(np.int64), exact, _probes(columns, spec, len(frame)), present)


def verify(queries: Queries, entry: np.ndarray, stored: Tokens, spec: NearSpec) -> tuple[np.ndarray, np.ndarray]:
    """Check candidate pairs on every column the query frame has.

    ``entry`` indexes ``queries.key`` (one per candidate) and ``stored`` holds each candidate's
    tokens. Returns two boolean masks over the candidates: near, and exact (equal on every
    shared column; exact implies near).
    """
    rows = queries.position[entry]
    near = np.ones(len(entry), dtype=bool)
    exact = np.ones(len(entry), dtype=bool)
    numeric = {n: k for k, n in enumerate(spec.numeric)}
    for j in np.flatnonzero(queries.present):
        same = stored.exact[:, j] == queries.exact[rows, j]
        exact &= same
        k = numeric.get(spec.columns[j])
        if k is None:
            near &= same
        else:
            near &= (stored.fine[:, k, None] == queries.probes[rows, k, :]).any(axis=1)
    return near | exact, exact
