"""Near copies: synthetic rows an attacker would still link to one real person, although not identical to one.

``privacy.near_copy_rate``: the share of synthetic rows that are not exact copies of a training row but lie
far closer to their closest training record than that record's own closest other training record (numbers
moved, categories kept): the *distance ratio* d(row, record) / d(record, its nearest other training row) at or
below the ``near_ratio_quantile`` (default 1 %, as the radius below) of the training rows' own ratios, each training row taken
out in turn as if it were a fresh row (its nearest record's isolation then computed without it). A ratio is
scale-free, so a near copy of an isolated person stands out where natural close pairs are common: census-income
(many records one year of age from another) had a natural 2 % within the distance radius below, which hid 2 %
planted near copies (5 % caught); the ratio's natural rate there is ~1 %, its planted rate ~3 %. With a fixed
``near_copy_radius`` in the policy the distance radius is used instead.

``privacy.near_category_rate``: rows that equal a training record on every usable column but one categorical
one (one category changed, the rest exact; per-column hashes, no distance threshold) and are not numbers-moved
near copies. Judged apart from the moved rows, so one kind's natural rate does not widen the other's band.

Either way, the record (or its profile without the changed column) occurs once in train ∪ holdout: a near
copy of a common profile exposes nobody in particular. Reference: the holdout's share under the same rules (a
holdout row leaves itself out of the counts), at the synthetic table's size.

``privacy.near_match_train_rate``: the same near rows (numbers moved), credited to the table of their closest
real record, training or holdout, against shuffled labels: a generator whose own rows avoid natural close
pairs cannot hide near copies behind the holdout's natural rate there.

The radius comes from the data, not from a constant: the ``near_copy_quantile`` (default 1 %) of the real
rows' distances to the closest training record, training rows left out in turn (each to its closest *other*
training row; rows with an exact twin in train left out). A synthetic row inside it is closer to a training
record than 99 % of real rows are. On Adult with 4,000 training rows that is about 0.015 in the shared encoding
(numbers scaled by their real range, a category mismatch adding 1 to the squared distance): numbers moved by
3-5 % of a standard deviation mostly fall inside, and every category matches. The radius shrinks as the
training table grows (natural neighbours come closer), so a near copy is one that stands out from the natural
close pairs of this data, which a fixed radius cannot say. It is not taken from the holdout: that made the
holdout's own share k / m by construction and added the radius's noise to the reference (on Adult an
independent sample fell 2-3 times above it in 2 of 20 seeds); from the training rows, the holdout's share is
an honest binomial estimate at a radius fixed before it is counted. ``near_copy_radius`` in the policy replaces
it with a fixed distance.
"""

from __future__ import annotations

import numpy as np

from synthgate.gates.context import RunContext
from synthgate.gates.privacy import copies
from synthgate.gates.privacy._common import count_in, nearest_real, neighbors_of_rows, rate_versus_holdout
from synthgate.gates.privacy.copies import exact_flags, profile_of, profiles
from synthgate.gates.privacy.dcr import equal_size_rows
from synthgate.neighbors import row_hashes
from synthgate.reference import analytic
from synthgate.verdict import Measurement, Rule, judge

#: distances this close to the radius count as on it: equal distances (one year of age apart, a category
#: off) come out of the float32 encoding up to ~1e-7 apart, which would split such ties at random
_TOLERANCE = 1e-4


def near_radius(ctx: RunContext, quantile: float, fixed: float | None) -> tuple[float, str]:
    """The near radius and where it came from (cached per run)."""
    if fixed is not None:
        return float(fixed), "policy near_copy_radius"

    def compute() -> float:
        # Training rows' distances to their closest other training row: a fresh row's distance to the
        # training table, one training row short. Rows with an exact twin in train are left out (distance 0).
        distances = ctx.neighbors("real", "real", 1).distances[:, 0]
        own = copies.profiles(ctx).in_train[copies.profile_of(ctx, "real")]
        fresh = np.sort(distances[own == 1])
        if not len(fresh):
            return 0.0
        k = min(max(int(round(quantile * len(fresh))), 1), len(fresh))
        return float(fresh[k - 1])

    radius = ctx._cached(("privacy-near-radius", quantile), compute)
    return radius, f"{quantile:g} quantile of the training rows' distances to their closest other training row"


def near_ratio(ctx: RunContext, quantile: float) -> float:
    """The distance-ratio threshold: the ``quantile`` of the training rows' leave-one-out ratios (cached per run).

    Training row i as a fresh row: its distance to its nearest other training row j, over j's distance to
    its nearest training row other than i. Rows with an exact twin in train are left out (ratio 0).
    """
    def compute() -> float:
        found = ctx.neighbors("real", "real", 2)
        d1, d2, nearest = found.distances[:, 0], found.distances[:, 1], found.indices[:, 0]
        isolation = np.where(found.indices[nearest, 0] == np.arange(len(d1)), d2[nearest], d1[nearest])
        own = copies.profiles(ctx).in_train[copies.profile_of(ctx, "real")]
        keep = (own == 1) & (d1 > 0) & (isolation > 0)
        if not keep.any():
            return 0.0
        return float(np.quantile(d1[keep] / isolation[keep], quantile, method="inverted_cdf"))

    return ctx._cached(("privacy-near-ratio", quantile), compute)


def distance_ratios(ctx: RunContext, role: str) -> np.ndarray:
    """Per ``role`` row: distance to its closest training record over that record's distance to its closest
    other training row (inf when the record has an exact twin in train)."""
    distances, nearest = nearest_real(ctx, role)
    isolation = ctx.neighbors("real", "real", 1).distances[nearest, 0]
    return np.divide(distances, isolation, out=np.full(len(distances), np.inf), where=isolation > 0)


def near_flags(ctx: RunContext, role: str, radius: float,
               ratio: float | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(moved, one category changed): the two kinds of near copy, per ``role`` row (exact copies excluded).
    Moved: within ``radius``, or with a distance ratio at most ``ratio`` when one is given."""
    return ctx._cached(("privacy-near-flags", role, radius, ratio), lambda: _near_flags(ctx, role, radius, ratio))


def _near_flags(ctx: RunContext, role: str, radius: float, ratio: float | None) -> tuple[np.ndarray, np.ndarray]:
    distances, nearest = nearest_real(ctx, role)
    exact = exact_flags(ctx, role)
    own = 1 if role == "holdout" else 0
    found = profiles(ctx)
    nearest_profile = profile_of(ctx, "real")[nearest]
    unique_record = (found.in_train[nearest_profile] + found.in_holdout[nearest_profile]) == 1
    close = (distances <= radius * (1 + _TOLERANCE) + 1e-7) if ratio is None else \
        (distance_ratios(ctx, role) <= ratio * (1 + _TOLERANCE)) & (distances > 0)
    moved = ~exact & close & unique_record
    changed = np.zeros(len(exact), dtype=bool)
    for column in _categorical_positions(ctx):
        keys = _keys_without(ctx, role, column)
        train_keys, hold_keys = _keys_without(ctx, "real", column), _keys_without(ctx, "holdout", column)
        in_train = count_in(keys, train_keys)
        changed |= (in_train == 1) & (count_in(keys, hold_keys) == own)
    return moved, changed & ~exact & ~moved


def near_copy_rate(ctx: RunContext, rule: Rule, radius: float, source: str,
                   ratio: float | None = None, ratio_source: str = "") -> Measurement:
    """``privacy.near_copy_rate`` (numbers moved) against the holdout's share under the same rule."""
    moved, _ = near_flags(ctx, "synthetic", radius, ratio)
    held_moved, _ = near_flags(ctx, "holdout", radius, ratio)
    criterion = {"radius": radius, "radius_source": source} if ratio is None else \
        {"distance_ratio": ratio, "ratio_source": ratio_source}
    details = {**criterion, "numbers_moved": int(moved.sum()), "holdout_numbers_moved": int(held_moved.sum())}
    return rate_versus_holdout(ctx, "privacy.near_copy_rate", rule, moved, held_moved, details=details)


def near_category_rate(ctx: RunContext, rule: Rule, radius: float, ratio: float | None = None) -> Measurement:
    """``privacy.near_category_rate`` (one category changed, the rest exact) against the holdout's share."""
    _, changed = near_flags(ctx, "synthetic", radius, ratio)
    _, held_changed = near_flags(ctx, "holdout", radius, ratio)
    details = {"one_category_changed": int(changed.sum()), "holdout_one_category_changed": int(held_changed.sum())}
    return rate_versus_holdout(ctx, "privacy.near_category_rate", rule, changed, held_changed, details=details)


def near_match_train_rate(ctx: RunContext, rule: Rule, radius: float) -> Measurement:
    """``privacy.near_match_train_rate``: near matches landing on training rather than holdout records.

    Each synthetic row that is not an exact copy of a real record, and whose closest real record (training
    rows, then holdout rows: all of them, or as many as the training rows when the holdout is larger) lies
    within the radius, credits that record's table (half each on a distance tie). Value: training credit per
    synthetic row. Reference: the same with the train / holdout labels of the pooled records shuffled (exact
    mean and variance of a sum over a random subset). Conditional on the synthetic table, so a generator whose
    rows avoid the natural close pairs (few near rows of its own) cannot hide near copies behind the holdout's
    natural rate, as it can in ``privacy.near_copy_rate``.
    """
    n_real = len(ctx.tables.real)
    _, hold_rows = equal_size_rows(ctx)
    rows = np.arange(len(ctx.tables.synthetic))
    d_train, i_train = nearest_real(ctx, "synthetic")
    found = neighbors_of_rows(ctx, "synthetic", rows, "holdout", 1, base_rows=hold_rows)
    d_hold, i_hold = found.distances[:, 0], np.searchsorted(hold_rows, found.indices[:, 0])
    exact_any = copies.profile_of(ctx, "synthetic") >= 0
    close = ~exact_any & (np.minimum(d_train, d_hold) <= radius * (1 + _TOLERANCE) + 1e-7)
    to_train = np.where(d_train < d_hold, 1.0, np.where(d_train == d_hold, 0.5, 0.0))[close]
    # weights of the pooled records (training rows first, then the holdout rows used), per synthetic row
    pooled = n_real + len(hold_rows)
    weight = (np.bincount(i_train[close], weights=to_train, minlength=n_real).tolist()
              + np.bincount(i_hold[close], weights=1.0 - to_train, minlength=len(hold_rows)).tolist())
    weight = np.asarray(weight) / max(len(rows), 1)
    value = float(weight[:n_real].sum())
    share = n_real / pooled
    sd = float(np.sqrt(n_real * (pooled - n_real) / max(pooled - 1, 1) * np.var(weight)))
    reference = analytic(share * float(weight.sum()), sd, level=ctx.policy.band, n=len(rows),
                         method="train/holdout labels of the pooled real records shuffled (exact moments)")
    details = {"radius": radius, "near_rows": int(close.sum()), "holdout_rows_used": len(hold_rows),
               "train_share_expected": share,
               "train_share_of_near_rows": float(to_train.mean()) if close.any() else None}
    return judge("privacy.near_match_train_rate", value, reference, rule, n=len(rows), details=details)


def near_pairs(ctx: RunContext, radius: float, ratio: float | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Synthetic rows that are near copies and the training row each is nearest to (private, see ``private.py``)."""
    moved, changed = near_flags(ctx, "synthetic", radius, ratio)
    _, nearest = nearest_real(ctx, "synthetic")
    rows = np.flatnonzero(moved | changed)
    partner = nearest[rows].copy()
    for column in _categorical_positions(ctx):  # a changed category: the partner is the record equal elsewhere
        keys = _keys_without(ctx, "synthetic", column)[rows]
        train_keys = _keys_without(ctx, "real", column)
        order = np.argsort(train_keys, kind="stable")
        pos = np.minimum(np.searchsorted(train_keys[order], keys), len(order) - 1)
        hit = changed[rows] & (train_keys[order][pos] == keys)
        partner[hit] = order[pos][hit]
    return rows, partner


def _categorical_positions(ctx: RunContext) -> list[int]:
    usable = ctx.schema.usable
    return [j for j, c in enumerate(usable) if c.kind.is_categorical]


def _column_hashes(ctx: RunContext, role: str) -> np.ndarray:
    """(rows, usable columns) per-column value hashes, combined with fixed odd weights (cached per run)."""

    def compute() -> np.ndarray:
        frame = ctx.tables[role]
        columns = [np.asarray(row_hashes(frame[[c.name]]), dtype=np.uint64) for c in ctx.schema.usable]
        return np.column_stack(columns) * _weights(len(columns))[None, :]

    return ctx._cached(("privacy-column-hashes", role), compute)


def _keys_without(ctx: RunContext, role: str, column: int) -> np.ndarray:
    """A hash of each row over every usable column but one (uint64 sums wrap around, which is fine)."""

    def compute() -> np.ndarray:
        weighted = _column_hashes(ctx, role)
        return weighted.sum(axis=1, dtype=np.uint64) - weighted[:, column]

    return ctx._cached(("privacy-keys-without", role, column), compute)


def _weights(k: int) -> np.ndarray:
    return np.random.default_rng(20_240_613).integers(1, 2**63, size=k, dtype=np.uint64) * np.uint64(2) + np.uint64(1)
