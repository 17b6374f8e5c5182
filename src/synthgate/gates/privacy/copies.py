"""Exact copies of real records: how many, of whom, and whether they land on training rather than holdout rows.

Rows are compared by hashes over the usable columns, never by a distance threshold. Real tables hold natural
duplicates (Adult: ~0.1 % of holdout rows equal a training row; census-income: 12-19 %), so every share is set
against what real rows the generator never saw show, at the synthetic table's size:

- ``privacy.exact_copy_rate``: synthetic rows equal to a training row, against the holdout's own rate. Where
  natural duplicates are common its band is wide, and a copy of a common profile exposes nobody in particular;
- ``privacy.unique_copy_rate``: synthetic rows equal to a training record that occurs once in train ∪ holdout:
  each exposes one person. Honest: holdout rows equal to a training record that occurs once in train and the
  rest of the holdout (leave-one-out, so the holdout row does not count itself), the rate of an independent
  real sample. Restricting to the records that carry the risk shrinks the band far more than the signal
  (census-income: honest 1.6-2.3 % against 12-19 % for all copies);
- ``privacy.isolated_copy_rate``: the copies of unique records whose record is also isolated (far from every
  other distinct real record), against the holdout's leave-one-out rate: a unique record can still be a
  common profile of the population, an isolated one is one person;
- ``privacy.exact_match_train_rate``: synthetic rows whose exact real match is a training record (a row
  matching ``a`` training and ``b`` holdout records counts a / (a + b)), against the same share with the
  train / holdout labels of the pooled real rows shuffled (the permutation null of a re-split that keeps
  real's size, with exact mean and variance). An honest generator lands
  on training and holdout records in proportion to their numbers, a memorising one on training records; the
  null is conditional on this synthetic table, so its fidelity can neither mask nor fake the signal.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from synthgate.gates.context import RunContext
from synthgate.gates.privacy._common import rate_versus_holdout
from synthgate.neighbors import row_hashes
from synthgate.reference import analytic, resplits
from synthgate.verdict import Measurement, Rule, judge


@dataclass(frozen=True)
class Profiles:
    """Distinct rows (profiles) of train ∪ holdout: how often each occurs in train and in the holdout.

    ``pool`` maps every pooled row (train first, then holdout) to its profile; ``first_train`` is the first
    training position of each profile (-1 when only the holdout has it).
    """

    hashes: np.ndarray
    pool: np.ndarray
    in_train: np.ndarray
    in_holdout: np.ndarray
    first_train: np.ndarray

    def of(self, row_hashes_: np.ndarray) -> np.ndarray:
        """Profile of each row, -1 when no real record has it."""
        if not len(self.hashes):
            return np.full(len(row_hashes_), -1, dtype=np.int64)
        pos = np.minimum(np.searchsorted(self.hashes, row_hashes_), len(self.hashes) - 1)
        return np.where(self.hashes[pos] == row_hashes_, pos, -1)


def hashes(ctx: RunContext, role: str) -> np.ndarray:
    """Row hashes of one table over the usable columns (cached per run)."""
    columns = [c.name for c in ctx.schema.usable]
    return ctx._cached(("privacy-hashes", role), lambda: row_hashes(ctx.tables[role][columns]))


def profiles(ctx: RunContext) -> Profiles:
    """The distinct real records and their counts (cached per run)."""

    def build() -> Profiles:
        real = hashes(ctx, "real")
        pooled = np.concatenate([real, hashes(ctx, "holdout")])
        distinct, pool, counts = np.unique(pooled, return_inverse=True, return_counts=True)
        in_train = np.bincount(pool[:len(real)], minlength=len(distinct))
        first_train = np.full(len(distinct), -1, dtype=np.int64)
        in_real, first = np.unique(pool[:len(real)], return_index=True)
        first_train[in_real] = first
        return Profiles(distinct, pool, in_train, counts - in_train, first_train)

    return ctx._cached(("privacy-profiles",), build)


def profile_of(ctx: RunContext, role: str) -> np.ndarray:
    """Profile of each ``role`` row in train ∪ holdout (-1: no real record equals it)."""
    found = profiles(ctx)
    if role == "real":
        return found.pool[:len(ctx.tables.real)]
    if role == "holdout":
        return found.pool[len(ctx.tables.real):]
    return ctx._cached(("privacy-profile-of", role), lambda: found.of(hashes(ctx, role)))


def exact_flags(ctx: RunContext, role: str) -> np.ndarray:
    """Whether each ``role`` row equals some training row."""
    p = profile_of(ctx, role)
    return (p >= 0) & (profiles(ctx).in_train[np.maximum(p, 0)] > 0)


def unique_flags(ctx: RunContext, role: str) -> np.ndarray:
    """Whether each row equals a training record that is unique in train ∪ holdout (the holdout leaving itself out)."""
    found, p = profiles(ctx), profile_of(ctx, role)
    own = 1 if role == "holdout" else 0
    safe = np.maximum(p, 0)
    return (p >= 0) & (found.in_train[safe] == 1) & (found.in_holdout[safe] == own)


def exact_copy_rate(ctx: RunContext, rule: Rule) -> Measurement:
    """``privacy.exact_copy_rate`` against the holdout's natural duplicate rate."""
    copies = exact_flags(ctx, "synthetic")
    details = {"copies": int(copies.sum()), **leaked_records(ctx, copies)}
    return rate_versus_holdout(ctx, "privacy.exact_copy_rate", rule, copies, exact_flags(ctx, "holdout"),
                               details=details)


def unique_copy_rate(ctx: RunContext, rule: Rule) -> Measurement:
    """``privacy.unique_copy_rate`` against the holdout's leave-one-out rate."""
    flags = unique_flags(ctx, "synthetic")
    held = unique_flags(ctx, "holdout")
    details = {"copies_of_unique_records": int(flags.sum()),
               "unique_records_copied": int(len(np.unique(profile_of(ctx, "synthetic")[flags]))),
               "holdout_copies_of_unique_records": int(held.sum()),
               "unique": "once in train ∪ holdout (a holdout row leaves itself out)"}
    return rate_versus_holdout(ctx, "privacy.unique_copy_rate", rule, flags, held, details=details,
                               resplit_hits=resplit_unique_hits(ctx))


def resplit_unique_hits(ctx: RunContext) -> np.ndarray:
    """The holdout's unique-copy hits in honest re-splits of train + holdout (the holdout's size, train's kept).

    A hit: an outside row equal to a pseudo-train record that occurs once in train ∪ holdout besides the row
    itself (the leave-one-out rule of ``unique_flags``). Unique copies need them: whether a record is unique depends on the holdout too, so the holdout's own count
    is unbiased only on average over splits. A plain copy's rate is a property of train alone, which the
    holdout's rows (independent given train) estimate without bias, so ``exact_copy_rate`` keeps them.
    """
    def compute() -> np.ndarray:
        found = profiles(ctx)
        total = found.in_train + found.in_holdout
        n_real, n_holdout = len(ctx.tables.real), len(ctx.tables.holdout)
        rng = ctx.rng("privacy.copies.resplits.unique")
        hits = []
        for split in resplits(n_real, n_holdout, n_holdout, ctx.policy.resamples, rng):
            in_train = np.bincount(found.pool[split.pseudo_real()], minlength=len(total))
            profile = found.pool[split.outside]
            hits.append(int(((in_train[profile] == 1) & (total[profile] == 2)).sum()))
        return np.array(hits, dtype=float)

    return ctx._cached(("privacy-resplit-hits", "unique"), compute)


def isolation(ctx: RunContext) -> np.ndarray:
    """Per profile, the distance to the closest *other* distinct record of train ∪ holdout (shared encoding).

    Distances between distinct profiles, so a holdout row's own twin never makes its record look common.
    """
    def compute() -> np.ndarray:
        from synthgate.neighbors import knn

        found = profiles(ctx)
        pooled = np.concatenate([ctx.encoded("real"), ctx.encoded("holdout")])
        _, first = np.unique(found.pool, return_index=True)
        if len(first) < 2:
            return np.zeros(len(first))
        return knn(pooled[first], pooled[first], 1, exclude_self=True).distances[:, 0]
    return ctx._cached(("privacy-profile-isolation",), compute)


def isolated_copy_rate(ctx: RunContext, rule: Rule) -> Measurement:
    """``privacy.isolated_copy_rate``: copies of unique records that are not a common profile.

    A record unique in a few thousand rows may still be a common profile of the population (census-income:
    1.8 % of holdout rows reproduce one); a copy exposes a person when the record is also far from every
    other distinct record. Isolated: beyond the lower quartile (``ISOLATED_QUANTILE``) of the profiles'
    distances to their closest other profile. Honest on census-income (4 splits): 0-2 of 2,000 independent
    rows and 0 of 1,000 holdout rows; 1 % planted unique copies: 10-20.
    """
    far = isolation(ctx)
    threshold = float(np.quantile(far, ISOLATED_QUANTILE)) if len(far) else 0.0
    hits = {}
    for role in ("synthetic", "holdout"):
        p = profile_of(ctx, role)
        hits[role] = unique_flags(ctx, role) & (far[np.maximum(p, 0)] > threshold)
    details = {"copies_of_isolated_unique_records": int(hits["synthetic"].sum()),
               "holdout_copies_of_isolated_unique_records": int(hits["holdout"].sum()),
               "isolated": f"unique in train ∪ holdout and farther than {threshold:.4g} (the "
                           f"{ISOLATED_QUANTILE:.0%} quantile) from every other distinct real record"}
    return rate_versus_holdout(ctx, "privacy.isolated_copy_rate", rule, hits["synthetic"], hits["holdout"],
                               details=details)


ISOLATED_QUANTILE = 0.25


def exact_match_train_rate(ctx: RunContext, rule: Rule) -> Measurement:
    """``privacy.exact_match_train_rate`` against the permutation null of the train / holdout labels."""
    mid = "privacy.exact_match_train_rate"
    found, p = profiles(ctx), profile_of(ctx, "synthetic")
    matched = p[p >= 0]
    n, n_real, n_holdout = len(p), len(ctx.tables.real), len(ctx.tables.holdout)
    total = found.in_train + found.in_holdout
    value = float(np.sum(found.in_train[matched] / total[matched]) / max(n, 1))
    # Each pooled row of a matched profile carries weight (synthetic rows on the profile) / (profile count) / n;
    # the value sums the weights of the training rows. Shuffling the labels makes that the sum over a random
    # n_real of the pooled rows (sampling without replacement): its mean and variance are exact.
    weight = (np.bincount(matched, minlength=len(total)) / np.maximum(total, 1) / max(n, 1))[found.pool]
    pooled_rows = len(weight)
    share = n_real / pooled_rows
    sd = math.sqrt(n_real * (pooled_rows - n_real) / max(pooled_rows - 1, 1) * float(np.var(weight)))
    reference = analytic(share * float(weight.sum()), sd, level=ctx.policy.band, n=n,
                         method="train/holdout labels of the pooled real rows shuffled (exact moments)")
    details = {"synthetic_rows_matching_a_real_record": int(len(matched)),
               "train_share_expected": n_real / (n_real + n_holdout),
               "train_share_of_matches": value * n / len(matched) if len(matched) else None}
    return judge(mid, value, reference, rule, n=n, details=details)


def leaked_records(ctx: RunContext, flags: np.ndarray, role: str = "synthetic") -> dict:
    """How many distinct real records the flagged rows reproduce, and how many of those are unique.

    A record that is unique in the real data (train and holdout together) is one person a copy exposes;
    copies of common profiles (natural duplicates) expose nobody in particular.
    """
    found = profiles(ctx)
    copied = np.unique(profile_of(ctx, role)[flags & (profile_of(ctx, role) >= 0)])
    unique = copied[(found.in_train[copied] + found.in_holdout[copied]) == 1]
    return {"distinct_real_rows": int(len(copied)), "unique_real_rows": int(len(unique)),
            "synthetic_rows_copying_unique": int(np.isin(profile_of(ctx, role)[flags], unique).sum())}


def copy_pairs(ctx: RunContext) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Synthetic rows that equal a training row, the first such training row, and whether it is unique.

    Private: positions of people, never for a report (see ``private.py``).
    """
    found, p = profiles(ctx), profile_of(ctx, "synthetic")
    rows = np.flatnonzero(exact_flags(ctx, "synthetic"))
    unique = unique_flags(ctx, "synthetic")[rows]
    return rows, found.first_train[p[rows]], unique
