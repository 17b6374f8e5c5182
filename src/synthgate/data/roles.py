"""Data roles: the holdout must be rows the generator never saw, beyond its source's natural duplicates.

Real tables repeat rows by nature (census-income: 15-25 % of holdout rows equal some training row; Adult:
about 0.1 %), so some exact overlap between an honest holdout and real is expected. The natural rate is
estimated from within-table duplicates: a real row equals another real row about as often as an honest
holdout row, drawn from the same source, equals a real row. Only an overlap clearly beyond that rate is
refused; a smaller leak is the validation gate's ``validation.test_train_overlap`` to judge.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from synthgate.errors import InputError

#: Below this share of holdout rows, an overlap is never refused (the validation gate judges it).
MIN_REFUSED_SHARE = 0.05
#: One-sided z of the binomial upper bound on the natural rate (false refusal ~3e-5 under the binomial model).
Z_UPPER = 4.0
#: Absolute and relative margins above that bound: duplicates come in clusters and their rate grows with table
#: size, so the binomial band alone is too narrow for an error that stops the run.
MARGIN = 0.05
RATIO = 1.5


@dataclass(frozen=True)
class Overlap:
    """Holdout rows equal to a real row, the natural duplicate rate, and the share above which it is refused."""

    copied: int
    rows: int
    natural: float
    limit: float

    @property
    def share(self) -> float:
        return self.copied / max(self.rows, 1)

    @property
    def refused(self) -> bool:
        return self.share > self.limit


def row_hashes(frame: pd.DataFrame, columns: list[str]) -> np.ndarray:
    """A uint64 hash per row over ``columns`` (sorted); NaN and None hash alike, 3 and 3.0 too."""
    normalised = pd.DataFrame({c: _normalised(frame[c]) for c in sorted(columns)})
    return pd.util.hash_pandas_object(normalised, index=False).to_numpy()


def _normalised(series: pd.Series) -> pd.Series:
    # An int column in one table is float in another once it holds NaN (CSV): compare numbers as floats.
    if pd.api.types.is_bool_dtype(series) or pd.api.types.is_numeric_dtype(series):
        return series.astype("float64")
    if pd.api.types.is_datetime64_any_dtype(series):
        return series
    return series.astype(object)


def duplicate_share(hashes: np.ndarray) -> float:
    """Share of rows equal to at least one other row of the same table."""
    if not len(hashes):
        return 0.0
    _, inverse, counts = np.unique(hashes, return_inverse=True, return_counts=True)
    return float((counts[inverse] > 1).mean())


def measure_overlap(real: pd.DataFrame, holdout: pd.DataFrame) -> Overlap:
    """How many holdout rows equal a real row, against the natural rate of the source.

    The natural rate is the larger within-table duplicate share of real and holdout (either may have been
    deduplicated on its own). The limit is ``max(MIN_REFUSED_SHARE, p + Z_UPPER * sd + MARGIN, RATIO * p)``
    with ``sd`` the binomial standard deviation of a share of holdout rows minus one estimated on real rows.
    """
    columns = [c for c in real.columns if c in holdout.columns]
    real_hashes, holdout_hashes = row_hashes(real, columns), row_hashes(holdout, columns)
    copied = int(np.isin(holdout_hashes, real_hashes).sum())
    natural = max(duplicate_share(real_hashes), duplicate_share(holdout_hashes))
    sd = math.sqrt(natural * (1.0 - natural) * (1.0 / max(len(holdout), 1) + 1.0 / max(len(real), 1)))
    limit = max(MIN_REFUSED_SHARE, natural + Z_UPPER * sd + MARGIN, RATIO * natural)
    return Overlap(copied, len(holdout), natural, min(limit, 1.0))


def check_holdout_overlap(real: pd.DataFrame, holdout: pd.DataFrame) -> list[InputError]:
    """An InputError when the holdout repeats real's rows clearly beyond natural duplicates."""
    overlap = measure_overlap(real, holdout)
    if not overlap.refused:
        return []
    return [InputError(
        f"{overlap.copied} of {overlap.rows} rows ({overlap.share:.1%}) are exact copies of rows of real; rows "
        f"of this source repeat naturally at {overlap.natural:.1%}, so an honest holdout overlaps about that "
        f"much (refused above {overlap.limit:.1%}). A holdout must be real rows the generator never saw, or "
        "every privacy and utility reference compares the training data with itself.",
        fix="Split the holdout off before training the generator and pass only those rows.", table="holdout")]
