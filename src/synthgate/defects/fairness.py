"""Fairness defects: a group's outcomes skewed, or the group itself made rare."""

from __future__ import annotations

import pandas as pd

from synthgate.defects._common import (
    check_column, check_frame, check_share, equals_category, make_rng, top_up,
)


def skew_outcome(synthetic: pd.DataFrame, *, group_column, group, target, positive, factor: float = 0.5,
                 seed: int) -> pd.DataFrame:
    """Lower ``group``'s positive-outcome rate to ``factor`` × its rate, keeping the target's marginal.

    ``k = round((1 - factor) × positives in group)`` random positives of the group get the
    most frequent other label of ``target``, and ``k`` random rows with that label outside the
    group become positive, so the overall positive rate does not move: a fidelity check on
    marginals sees nothing, a fairness check should.

    Parameters
    ----------
    synthetic : pandas.DataFrame
        The table to damage (unchanged); same rows and order in the result, fresh RangeIndex.
    group_column : column name
        The sensitive attribute, e.g. ``"sex"``.
    group : value
        The disadvantaged group, e.g. ``"Female"``.
    target : column name
        The outcome, e.g. ``"income"``.
    positive : value
        The favourable label, e.g. ``">50K"``.
    factor : float, default 0.5
        New positive rate of the group as a share of its current rate, in [0, 1].
    seed : int
        Seeds which rows are flipped.

    Examples
    --------
    >>> import pandas as pd
    >>> synthetic = pd.DataFrame({"g": ["a"] * 4 + ["b"] * 4, "y": [1, 1, 1, 1, 0, 0, 0, 0]})
    >>> out = skew_outcome(synthetic, group_column="g", group="a", target="y", positive=1, seed=0)
    >>> out.groupby("g")["y"].mean().tolist(), out["y"].mean()
    ([0.5, 0.5], np.float64(0.5))
    """
    check_frame(synthetic, "synthetic")
    check_column(synthetic, group_column)
    check_column(synthetic, target)
    check_share(factor, "factor")
    in_group = equals_category(synthetic[group_column], group)
    if not in_group.any():
        raise ValueError(f"group {group!r} does not occur in synthetic[{group_column!r}].")
    is_positive = equals_category(synthetic[target], positive)
    negative = _most_frequent_other(synthetic[target], is_positive, positive, target)
    is_negative = equals_category(synthetic[target], negative)
    demoted = (in_group & is_positive).nonzero()[0]
    promotable = (~in_group & is_negative).nonzero()[0]
    count = round((1.0 - factor) * len(demoted))
    if count > len(promotable):
        raise ValueError(f"lowering {group!r}'s rate needs {count} rows with {target!r} == {negative!r} outside "
                         f"the group to compensate, but only {len(promotable)} exist.")
    rng = make_rng(seed)
    to_negative = rng.choice(demoted, size=count, replace=False)
    to_positive = rng.choice(promotable, size=count, replace=False)
    out = synthetic.reset_index(drop=True)
    flipped = out[target].copy()
    flipped.iloc[to_negative] = negative
    flipped.iloc[to_positive] = positive
    out[target] = flipped
    return out


def _most_frequent_other(column: pd.Series, is_positive, positive, target):
    """The label positives are flipped to: the most frequent label that is not ``positive``."""
    others = column[~is_positive].value_counts(dropna=False)
    if others.empty:
        raise ValueError(f"every row has {target!r} == {positive!r}; there is no negative label to flip to.")
    return others.index[0]


def underrepresent(synthetic: pd.DataFrame, *, column, group, factor: float = 0.5, seed: int) -> pd.DataFrame:
    """Keep only ``round(factor × n_group)`` of ``group``'s rows; top up with other rows to size.

    All rows outside the group stay; the missing rows are drawn with replacement from them, and
    the result is shuffled (fresh RangeIndex).

    Parameters
    ----------
    column : column name
        The sensitive attribute.
    group : value
        The group made rarer.
    factor : float, default 0.5
        Share of the group's rows kept, in [0, 1].

    See :func:`skew_outcome` for the other parameters.
    """
    check_frame(synthetic, "synthetic")
    check_column(synthetic, column)
    check_share(factor, "factor")
    in_group = equals_category(synthetic[column], group)
    if not in_group.any():
        raise ValueError(f"group {group!r} does not occur in synthetic[{column!r}].")
    if in_group.all() and factor < 1:
        raise ValueError(f"every row of synthetic is in group {group!r}; there are no other rows to resample.")
    rng = make_rng(seed)
    members = in_group.nonzero()[0]
    kept_members = rng.choice(members, size=round(factor * len(members)), replace=False)
    keep = ~in_group
    keep[kept_members] = True
    return top_up(synthetic, keep, rng, pool=~in_group)
