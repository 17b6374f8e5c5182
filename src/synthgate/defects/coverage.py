"""Coverage defects: categories, modes or tails that the synthetic data no longer reaches."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.cluster import KMeans
from threadpoolctl import threadpool_limits

from synthgate.defects._common import (
    check_column, check_frame, equals_category, make_rng, numeric_columns, restore_dtype, top_up,
)


def drop_category(synthetic: pd.DataFrame, *, column, category, seed: int) -> pd.DataFrame:
    """Remove every row whose ``column`` equals ``category``, then resample back to size.

    The remaining rows all stay and are topped up with rows drawn (with replacement) from them,
    then shuffled; the result has a fresh RangeIndex.

    Parameters
    ----------
    synthetic : pandas.DataFrame
        The table to damage (unchanged).
    column : column name
    category : value
        The category to remove; NaN or None removes the missing values.
    seed : int
        Seeds the resampling.

    Examples
    --------
    >>> import pandas as pd
    >>> synthetic = pd.DataFrame({"c": ["a", "b", "b", "c"]})
    >>> out = drop_category(synthetic, column="c", category="b", seed=0)
    >>> len(out), "b" in set(out["c"])
    (4, False)
    """
    check_frame(synthetic, "synthetic")
    check_column(synthetic, column)
    hit = equals_category(synthetic[column], category)
    if not hit.any():
        raise ValueError(f"category {category!r} does not occur in synthetic[{column!r}]; nothing to drop.")
    if hit.all():
        raise ValueError(f"every row of synthetic has {column!r} == {category!r}; no rows would remain.")
    return top_up(synthetic, ~hit, make_rng(seed))


def drop_modes(synthetic: pd.DataFrame, *, modes, drop: int = 1, seed: int) -> pd.DataFrame:
    """Remove the rows of ``drop`` randomly chosen modes, then resample back to size.

    Parameters
    ----------
    modes : numpy.ndarray or pandas.Series
        The mode (cluster) label of every synthetic row, e.g. ``df.attrs["mode"]`` of
        :func:`synthgate.datasets.make_gaussian_mixture`.
    drop : int, default 1
        Number of distinct modes removed; at least one mode must remain.

    Returns
    -------
    pandas.DataFrame
        ``synthetic``'s columns and length; ``attrs["dropped_modes"]`` lists the removed labels
        and per-row arrays in ``attrs`` (such as ``"mode"``) follow the rows.

    See :func:`drop_category` for the other parameters.

    Examples
    --------
    >>> from synthgate.datasets import make_gaussian_mixture
    >>> df = make_gaussian_mixture(1000, modes=10, seed=0)
    >>> out = drop_modes(df, modes=df.attrs["mode"], drop=3, seed=1)
    >>> len(set(out.attrs["mode"])), len(out)
    (7, 1000)
    """
    check_frame(synthetic, "synthetic")
    labels = np.asarray(modes)
    if labels.shape != (len(synthetic),):
        raise ValueError(f"modes must hold one label per synthetic row ({len(synthetic)}), got shape {labels.shape}.")
    present = pd.unique(labels)
    if not 0 <= drop < len(present):
        raise ValueError(f"drop must be between 0 and {len(present) - 1} (synthetic has {len(present)} modes), "
                         f"got {drop!r}.")
    rng = make_rng(seed)
    dropped = rng.choice(np.sort(present), size=drop, replace=False)
    out = top_up(synthetic, ~np.isin(labels, dropped), rng)
    out.attrs["dropped_modes"] = sorted(dropped.tolist())
    return out


def drop_clusters(synthetic: pd.DataFrame, real: pd.DataFrame, *, clusters: int = 10, drop: int = 1,
                  seed: int) -> pd.DataFrame:
    """Cluster ``real`` with k-means, then remove the synthetic rows of ``drop`` clusters.

    k-means runs on the standardised numeric columns of ``real`` (NaN at the column mean);
    synthetic rows go to the nearest real cluster centre. The synthetic rows of ``drop``
    randomly chosen clusters are removed and the table resampled back to size, as in
    :func:`drop_modes`; ``attrs["cluster"]`` holds each returned row's cluster.

    Parameters
    ----------
    real : pandas.DataFrame
        Defines the clusters; needs the synthetic table's numeric columns.
    clusters : int, default 10
        Number of k-means clusters.

    See :func:`drop_modes` for the other parameters.
    """
    check_frame(synthetic, "synthetic")
    check_frame(real, "real")
    columns = numeric_columns(real)
    if not columns:
        raise ValueError("real has no numeric columns to cluster on.")
    if not 2 <= clusters <= len(real):
        raise ValueError(f"clusters must be between 2 and len(real)={len(real)}, got {clusters!r}.")
    rng = make_rng(seed)
    labels = _nearest_cluster(synthetic, real, numeric_columns(synthetic, columns), clusters, rng)
    labelled = synthetic.copy()
    labelled.attrs = {**synthetic.attrs, "cluster": labels}
    return drop_modes(labelled, modes=labels, drop=drop, seed=int(rng.integers(2**31)))


def _nearest_cluster(synthetic, real, columns, clusters, rng) -> np.ndarray:
    """k-means on standardised real numerics; the nearest centre of every synthetic row."""
    mean = real[columns].mean().fillna(0.0).to_numpy()
    std = real[columns].std(ddof=0).fillna(0.0).to_numpy()
    scale = np.where(std > 0, std, 1.0)
    model = KMeans(n_clusters=clusters, n_init=3, random_state=int(rng.integers(2**31)))
    # One OpenMP thread: on a busy 2-core machine KMeans' spinning threads took 5-7 s for
    # 2,000 × 6 values instead of 0.05 s.
    with threadpool_limits(limits=1, user_api="openmp"):
        model.fit(_standardise(real[columns], mean, scale))
        return model.predict(_standardise(synthetic[columns], mean, scale))


def _standardise(frame: pd.DataFrame, mean: np.ndarray, scale: np.ndarray) -> np.ndarray:
    """(x - mean) / scale with NaN at the mean."""
    return np.nan_to_num((frame.to_numpy(dtype=np.float64, na_value=np.nan) - mean) / scale, nan=0.0)


def shrink_spread(synthetic: pd.DataFrame, *, factor: float, columns=None, seed: int) -> pd.DataFrame:
    """Pull numeric columns towards their mean: ``x -> mean + factor * (x - mean)``.

    Integer columns are rounded; NaN stays NaN. Deterministic (``seed`` is accepted so every
    defect has the same call shape).

    Parameters
    ----------
    factor : float
        0 collapses each column to its mean, 1 changes nothing (above 1 widens); must be >= 0.
    columns : list of column names, optional
        Numeric columns to shrink; all numeric columns by default.

    Examples
    --------
    >>> import pandas as pd
    >>> shrink_spread(pd.DataFrame({"x": [0.0, 10.0]}), factor=0.5, seed=0)["x"].tolist()
    [2.5, 7.5]
    """
    check_frame(synthetic, "synthetic")
    make_rng(seed)
    if not factor >= 0:
        raise ValueError(f"factor must be >= 0, got {factor!r}.")
    out = synthetic.reset_index(drop=True)
    for name in numeric_columns(synthetic, columns):
        values = out[name].to_numpy(dtype=np.float64, na_value=np.nan)
        mean = np.nanmean(values) if (~np.isnan(values)).any() else 0.0
        out[name] = restore_dtype(mean + factor * (values - mean), out[name])
    return out


def truncate_tails(synthetic: pd.DataFrame, *, z: float = 2.0, columns=None, seed: int) -> pd.DataFrame:
    """Remove rows with ``|z-score| >= z`` in any listed numeric column, then resample back to size.

    z-scores use the synthetic column's own mean and standard deviation (constant columns and
    NaN never count as tails). Remaining rows are kept and topped up as in :func:`drop_category`.

    Parameters
    ----------
    z : float, default 2.0
        Tail threshold in standard deviations; must be positive.
    columns : list of column names, optional
        Numeric columns to check; all numeric columns by default.

    See :func:`drop_category` for the other parameters.
    """
    check_frame(synthetic, "synthetic")
    if not z > 0:
        raise ValueError(f"z must be positive, got {z!r}.")
    names = numeric_columns(synthetic, columns)
    values = synthetic[names].astype(np.float64)
    std = values.std().fillna(0.0).to_numpy()
    scores = (values - values.mean()).abs().to_numpy(na_value=0.0) / np.where(std > 0, std, np.inf)
    tail = np.any(scores >= z, axis=1)
    if tail.all():
        raise ValueError(f"every row has a |z-score| >= {z} in {names}; no rows would remain.")
    return top_up(synthetic, ~tail, make_rng(seed))
