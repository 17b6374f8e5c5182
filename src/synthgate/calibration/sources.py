"""The data sets a calibration runs on, and the role sizes chosen for each.

=========  ==========================================  ===============================================
name       rows                                         where from
=========  ==========================================  ===============================================
adult      48,842                                       bundled (``synthgate.datasets.load_adult_frame``)
german     1,000                                        ``--data german=DIR`` (``datasets.german``)
census     299,285                                      ``--data census=DIR`` (``datasets.census``)
mixture    20,000, 10 Gaussian modes in 5 dimensions    made here (``datasets.make_gaussian_mixture``);
                                                        only for the coverage gate's mode-drop defect
=========  ==========================================  ===============================================

Sizes: real is twice the holdout and fresh equals it, so the largest synthetic sample (5 x holdout) still
fits. German has only 1,000 rows: real 300, holdout 100, fresh 100 and synthetic up to 500; its
smallest synthetic sample (50 rows) is below the policy's default ``min_rows`` (200), so German runs with
``min_rows = 50`` (written into the output).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
import pandas as pd

from synthgate.calibration.splits import RoleSizes, synthetic_rows

REAL_DATA = ("adult", "german", "census")
MIXTURE = "mixture"
MIXTURE_ROWS = 20_000
MIXTURE_SPEC = {"rows": MIXTURE_ROWS, "modes": 10, "dim": 5, "seed": 0, "spread": 0.05}


@dataclass(frozen=True)
class Plan:
    """How a data set is cut into roles; synthetic rows follow from the ratio."""

    holdout: int
    real: int
    fresh: int
    min_rows: int | None = None      # policy min_rows for this data set (None: the policy's own)
    drift_column: str | None = "age"  # numerical column the drift defect shifts

    def sizes(self, ratio: float) -> RoleSizes:
        return RoleSizes(real=self.real, holdout=self.holdout, synthetic=synthetic_rows(self.holdout, ratio),
                         fresh=self.fresh)


#: Chosen for the one-hour budget of a full run on two cores (see calibration/__init__.py).
PLANS = {
    "adult": Plan(holdout=1000, real=2000, fresh=1000),
    "census": Plan(holdout=1000, real=2000, fresh=1000),
    "german": Plan(holdout=100, real=300, fresh=100, min_rows=50),
    MIXTURE: Plan(holdout=1000, real=2000, fresh=0, drift_column=None),
}


@dataclass(frozen=True, eq=False)
class Source:
    """A loaded data set: the whole table, its metadata and its role plan."""

    name: str
    frame: pd.DataFrame
    metadata: dict
    plan: Plan
    origin: str
    modes: np.ndarray | None = field(default=None, repr=False)   # mixture: the mode of every row

    @property
    def rows(self) -> int:
        return len(self.frame)

    def check_fits(self, ratios) -> None:
        """Raise when the largest synthetic sample would not fit beside the other roles."""
        largest = self.plan.sizes(max(ratios))
        if largest.total > self.rows:
            raise ValueError(f"{self.name}: roles at ratio {max(ratios):g} need {largest.total} rows "
                             f"({largest.to_dict()}), the table has {self.rows}.")


def parse_data(specs: list[str]) -> dict[str, str | None]:
    """``["adult", "german=/data"]`` -> ``{"adult": None, "german": "/data"}``, in the order given."""
    out: dict[str, str | None] = {}
    for spec in specs:
        name, _, path = spec.partition("=")
        name = name.strip().lower()
        if name not in REAL_DATA:
            raise ValueError(f"unknown data set {name!r} in --data {spec!r}; known: {', '.join(REAL_DATA)}.")
        if name != "adult" and not path:
            raise ValueError(f"--data {name} needs the folder its raw files are in: --data {name}=DIR "
                             "(download them with scripts/fetch_calibration_data.sh DIR).")
        out[name] = path or None
    return out


@lru_cache(maxsize=8)
def load_source(name: str, path: str | None = None) -> Source:
    """Load one data set (cached per process: workers load each once)."""
    if name == "adult":
        from synthgate.datasets import load_adult_frame
        from synthgate.datasets.adult import ADULT_METADATA

        return Source(name, load_adult_frame(), dict(ADULT_METADATA, sensitive=list(ADULT_METADATA["sensitive"])),
                      PLANS[name], "bundled UCI Adult (synthgate.datasets.load_adult_frame)")
    if name == "german":
        from synthgate.datasets.german import find_german_file, load_german

        frame, metadata = load_german(path)
        return Source(name, frame, metadata, PLANS[name], f"UCI German credit from {find_german_file(path)}")
    if name == "census":
        from synthgate.datasets.census import find_census_files, load_census

        frame, metadata = load_census(path)
        files = ", ".join(str(p) for p in find_census_files(path))
        return Source(name, frame, metadata, PLANS[name], f"UCI census-income KDD from {files}")
    if name == MIXTURE:
        from synthgate.datasets import make_gaussian_mixture

        spec = MIXTURE_SPEC
        frame = make_gaussian_mixture(spec["rows"], modes=spec["modes"], dim=spec["dim"], seed=spec["seed"],
                                      spread=spec["spread"])
        modes = np.asarray(frame.attrs["mode"])
        frame.attrs = {}
        return Source(name, frame, {}, PLANS[name], "make_gaussian_mixture(" + ", ".join(
            f"{k}={v}" for k, v in spec.items()) + ")", modes=modes)
    raise ValueError(f"unknown data set {name!r}")


def describe(source: Source) -> dict:
    """What the output says about a data set."""
    return {"rows": source.rows, "columns": source.frame.shape[1], "origin": source.origin,
            "metadata": source.metadata, "real": source.plan.real, "holdout": source.plan.holdout,
            "fresh": source.plan.fresh, "min_rows": source.plan.min_rows, "drift_column": source.plan.drift_column}
