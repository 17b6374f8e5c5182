"""What chance alone gives: how many honest rows of a population match registered machine data.

Common profiles occur in any sample of a population (Adult without ``fnlwgt``: ~20 % of rows have
an exact twin), so an honest corpus "matches" machine data that was a faithful sample. The ledger
estimates this *natural collision rate* from registered human data colliding with itself, at the
machine data's size, never from the machine data, so a generator that memorised or duplicated rows
cannot raise its own chance rate and hide:

- at registration every dataset is probed (:func:`self_probes`): up to ``PROBE_ROWS`` of its rows,
  each against all its other rows put in a random order; kept per probe are the lowest rank of an
  equal row, and the lowest and highest ranks of a near row;
- a machine dataset of ``m`` rows is then modelled by the first ``m`` ranked rows of a human
  dataset with the same columns (:meth:`Probes.rates`): a probe matching one of them collides by
  chance; one matching none of the other rows is *machine-only* by chance. A corpus row that also
  matches registered human data is *ambiguous*: it cannot be told from human data;
- with no human data of the same columns, the machine data's own probes stand in (marked).

A count is *beyond chance* when it exceeds a one-sided upper bound of what chance gives: the corpus
count is Poisson at rate ``rows * p``, and ``p`` itself is estimated from ``hits`` of ``probes``
rows, so the predictive count is negative binomial, ``NB(hits + 1/2, probes / (probes + rows))``
(a Poisson mixed over the Gamma(hits + 1/2) posterior of the rate, Jeffreys prior). The bound is its
quantile at ``1 - (1 - LEVEL) / 4``: four counts are judged, so the scan's false-alarm rate on
honest data is at most 1 - LEVEL.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from synthgate.ledger.near import NearSpec, Queries, Tokens, near_queries, verify

__all__ = ["Chance", "Probes", "RATES", "judge_count", "pair_slices", "self_probes"]

PROBE_ROWS = 5000
#: family-wise level of a scan's judgement over its (at most four) counts
LEVEL = 0.99
RATES = ("exact", "near", "exact_machine_only", "near_machine_only")
_PAIRS_PER_SLICE = 1_000_000


@dataclass(frozen=True)
class Probes:
    """A dataset's probe rows and the ranks of their equal and near rows (``others`` when none)."""

    others: int
    min_exact: np.ndarray
    min_near: np.ndarray
    max_near: np.ndarray

    @property
    def chance(self) -> float | None:
        """Share of probes near (or equal to) another row of the dataset."""
        return float(np.mean(self.min_near < self.others)) if len(self.min_near) else None

    def rates(self, size: int) -> dict[str, float]:
        """Chance rates against ``size`` rows of this population (the rest stand for other human data)."""
        s = min(size, self.others)
        exact = self.min_exact < s
        near = (self.min_near < s) & ~exact
        clean = self.max_near < s
        return {"exact": float(exact.mean()), "near": float(near.mean()),
                "exact_machine_only": float((exact & clean).mean()), "near_machine_only": float((near & clean).mean())}

    def to_dict(self) -> dict:
        """JSON-compatible form (ranks as base64 int32)."""
        pack = lambda a: base64.b64encode(np.asarray(a, "<i4").tobytes()).decode("ascii")  # noqa: E731
        return {"others": self.others, "min_exact": pack(self.min_exact), "min_near": pack(self.min_near),
                "max_near": pack(self.max_near)}

    @classmethod
    def from_dict(cls, data: dict) -> Probes:
        """Inverse of :meth:`to_dict`."""
        unpack = lambda t: np.frombuffer(base64.b64decode(t), "<i4").astype(np.int64)  # noqa: E731
        return cls(int(data["others"]), unpack(data["min_exact"]), unpack(data["min_near"]), unpack(data["max_near"]))


def pair_slices(asked: np.ndarray, stored: pd.Series) -> list[np.ndarray]:
    """Consecutive runs of query entries with about ``_PAIRS_PER_SLICE`` candidate pairs each.

    With few columns one key can have thousands of candidates; slicing bounds memory.
    """
    pairs = stored.value_counts().reindex(asked, fill_value=0).to_numpy()
    total = np.cumsum(pairs)
    cuts = np.searchsorted(total, np.arange(_PAIRS_PER_SLICE, total[-1] if len(total) else 0, _PAIRS_PER_SLICE))
    return [e for e in np.split(np.arange(len(asked)), np.unique(cuts)) if len(e)]


def near_pairs(queries: Queries, keys: np.ndarray, tokens: Tokens, spec: NearSpec):
    """(query row, stored row, exact) of every near pair, against rows held in memory."""
    stored = pd.DataFrame({"key": keys, "row": np.arange(len(keys))})
    for entries in pair_slices(queries.key, stored["key"]):
        pairs = pd.DataFrame({"key": queries.key[entries], "entry": entries}).merge(stored, on="key")
        entry, row = pairs["entry"].to_numpy(), pairs["row"].to_numpy()
        near, exact = verify(queries, entry, tokens.take(row), spec)
        yield queries.position[entry[near]], row[near], exact[near]


def self_probes(frame: pd.DataFrame, spec: NearSpec, keys: np.ndarray, tokens: Tokens, *, seed: int = 0) -> Probes:
    """Probe a dataset against itself (see the module docstring); ``keys`` are its raw band-0 keys."""
    n = len(frame)
    rng = np.random.default_rng(seed)
    picked = np.sort(rng.choice(n, min(n, PROBE_ROWS), replace=False))
    rank = rng.permutation(n)
    min_exact, min_near, max_near = np.full(len(picked), n), np.full(len(picked), n), np.full(len(picked), -1)
    for probe, row, exact in near_pairs(near_queries(frame.iloc[picked], spec), keys, tokens, spec):
        other = row != picked[probe]
        probe, ranks, exact = probe[other], rank[row[other]], exact[other]
        np.minimum.at(min_near, probe, ranks)
        np.maximum.at(max_near, probe, ranks)
        np.minimum.at(min_exact, probe[exact], ranks[exact])
    return Probes(n, min_exact, min_near, max_near)


def exact_rates(profiles: np.ndarray, size: int, *, seed: int = 0) -> tuple[dict[str, float | None], int]:
    """Exact chance rates from one int64 profile per reference row (the near ones are unknown: None)."""
    n = len(profiles)
    rng = np.random.default_rng(seed)
    picked = rng.choice(n, min(n, PROBE_ROWS), replace=False)
    rank = rng.permutation(n)
    s = min(size, n)
    frame = pd.DataFrame({"profile": profiles, "rank": rank, "row": np.arange(n)})
    pairs = pd.DataFrame({"profile": profiles[picked], "probe": np.arange(len(picked)), "self": picked})
    pairs = pairs.merge(frame, on="profile")
    pairs = pairs[pairs["row"] != pairs["self"]]
    low = pairs.groupby("probe")["rank"].agg(["min", "max"]).reindex(np.arange(len(picked)))
    exact = (low["min"] < s).to_numpy()
    clean = ~(low["max"] >= s).to_numpy()
    return {"exact": float(exact.mean()), "near": None, "exact_machine_only": float((exact & clean).mean()),
            "near_machine_only": None}, len(picked)


@dataclass(frozen=True)
class Chance:
    """One count of a scan beside what chance alone gives.

    ``rate`` is the chance share of honest rows (None: not measured), ``expected`` the chance count
    for the corpus, ``bound`` the most chance gives at the scan's level; ``beyond`` when exceeded.
    """

    observed: int
    rate: float | None
    expected: float | None
    bound: int | None
    probes: int = 0
    why: str = ""

    @property
    def beyond(self) -> bool:
        """The count exceeds what chance gives (False when chance was not measured: not judged)."""
        return self.bound is not None and self.observed > self.bound

    @property
    def excess(self) -> float | None:
        """Observed minus expected, at least 0 (None when chance was not measured)."""
        return None if self.expected is None else max(0.0, self.observed - self.expected)

    def to_dict(self) -> dict:
        """JSON-compatible form."""
        return {"observed": self.observed, "chance_rate": self.rate, "expected_by_chance": self.expected,
                "chance_bound": self.bound, "beyond_chance": self.beyond, "excess": self.excess,
                "probes": self.probes, **({"note": self.why} if self.why else {})}


def judge_count(observed: int, rate: float | None, probes: int, rows: int, *, tests: int = len(RATES),
                why: str = "") -> Chance:
    """Compare a count with chance: the negative-binomial predictive bound of the module docstring."""
    if rate is None or probes == 0:
        return Chance(observed, None, None, None, probes, why or "no chance rate measured")
    hits = rate * probes
    bound = int(stats.nbinom.ppf(1 - (1 - LEVEL) / tests, hits + 0.5, probes / (probes + rows)))
    return Chance(observed, rate, rate * rows, bound, probes, why)

