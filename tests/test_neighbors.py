"""The kNN engine against brute force: same neighbours, canonical ties, exact zeros, hashing, balls."""

import numpy as np
import pandas as pd
import pytest
from sklearn.neighbors import NearestNeighbors

from synthgate.neighbors import (Neighbors, ball_membership_counts, exact_match_mask, knn, match_counts,
                                 merge_topk, row_hashes)
from synthgate.neighbors import search
from synthgate.neighbors.projection import fit_projection

BACKENDS = ["numpy"] + (["faiss"] if search.faiss is not None else [])


def encoded(rng, n, n_num=3, n_cat=4, levels=3, copies=0):
    """Rows shaped like the shared encoding: min-max numbers, one-hot / sqrt(2); ``copies`` repeated rows."""
    parts = [rng.random((n, n_num)).round(1)]      # rounding makes many equal distances (ties)
    for _ in range(n_cat):
        parts.append(np.eye(levels)[rng.integers(0, levels, n)] / np.sqrt(2))
    x = np.hstack(parts).astype(np.float32)
    if copies:
        x[rng.integers(0, n, copies)] = x[rng.integers(0, n, copies)]
    return x


def brute(query, base, k, exclude_self=False):
    """Canonical float64 brute force: every distance, sorted by (distance, index)."""
    dist = np.vstack([np.sqrt(((q[:, None, :].astype(np.float64) - base[None, :, :]) ** 2).sum(axis=-1))
                      for q in np.array_split(query, max(1, len(query) // 50))])
    if exclude_self:
        np.fill_diagonal(dist, np.inf)
    idx = np.broadcast_to(np.arange(len(base)), dist.shape)
    order = np.lexsort((idx, dist), axis=1)[:, :k]
    return np.take_along_axis(dist, order, axis=1), np.take_along_axis(idx, order, axis=1)


def assert_same_neighbours(found, distances, indices):
    """Distances equal; indices equal except swaps among neighbours at equal distance."""
    np.testing.assert_allclose(found.distances, distances, rtol=0, atol=1e-6)
    for row in np.flatnonzero((found.indices != indices).any(axis=1)):
        for d in np.unique(distances[row].round(6)):
            mine = found.indices[row][np.isclose(found.distances[row], d, atol=1e-6)]
            theirs = indices[row][np.isclose(distances[row], d, atol=1e-6)]
            at_edge = np.isclose(d, distances[row, -1], atol=1e-6)
            assert at_edge or set(mine) == set(theirs), (row, d, mine, theirs)


@pytest.fixture(scope="module")
def rng():
    return np.random.default_rng(20240611)


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("k", [1, 5])
def test_matches_sklearn_brute_force_on_random_data(rng, backend, k):
    base = rng.random((700, 12), dtype=np.float32)
    query = rng.random((300, 12), dtype=np.float32)
    found = knn(query, base, k, backend=backend)
    dist, idx = NearestNeighbors(n_neighbors=k, algorithm="brute").fit(
        base.astype(np.float64)).kneighbors(query.astype(np.float64))
    assert found.distances.dtype == np.float64 and found.indices.dtype == np.int64
    assert_same_neighbours(found, dist, idx)


@pytest.mark.parametrize("backend", BACKENDS)
def test_matches_sklearn_with_duplicates_and_ties(rng, backend):
    base = encoded(rng, 600, copies=300)
    query = np.vstack([encoded(rng, 200), base[:50]])
    found = knn(query, base, 7, backend=backend)
    dist, idx = NearestNeighbors(n_neighbors=7, algorithm="brute").fit(
        base.astype(np.float64)).kneighbors(query.astype(np.float64))
    assert_same_neighbours(found, dist, idx)


@pytest.mark.parametrize("backend", BACKENDS)
def test_canonical_order_breaks_ties_by_smaller_index(rng, backend):
    base = encoded(rng, 400, n_num=1, n_cat=2, levels=2, copies=200)   # few distinct rows: heavy ties
    query = encoded(rng, 150, n_num=1, n_cat=2, levels=2)
    found = knn(query, base, 9, backend=backend)
    dist, idx = brute(query, base, 9)
    np.testing.assert_array_equal(found.indices, idx)
    np.testing.assert_allclose(found.distances, dist, rtol=0, atol=1e-12)


@pytest.mark.parametrize("backend", BACKENDS)
def test_projection_path_is_exact_on_wide_one_hot_tables(rng, backend):
    """Correlated wide one-hot rows: the lower bounds come from a principal-component projection."""
    prototypes = encoded(rng, 6, n_num=4, n_cat=30, levels=4)
    rows = prototypes[rng.integers(0, 6, 1100)]
    noise = encoded(rng, 1100, n_num=4, n_cat=30, levels=4)
    rows = np.where(rng.random(rows.shape[1]) < 0.1, noise, rows)     # 10 % of columns vary freely
    base, query = rows[:900], np.vstack([rows[900:], rows[:900:9]])
    assert fit_projection(base, np.arange(len(base))).basis is not None
    found = knn(query, base, 5, backend=backend)
    dist, idx = brute(query, base, 5)
    np.testing.assert_array_equal(found.indices, idx)
    np.testing.assert_allclose(found.distances, dist, rtol=0, atol=1e-12)


def test_exact_copies_have_distance_exactly_zero(rng):
    base = encoded(rng, 500, n_num=8, n_cat=40)
    found = knn(base[[3, 77, 499]], base, 1)
    assert found.distances[:, 0].tolist() == [0.0, 0.0, 0.0]
    assert found.indices[:, 0].tolist() == [3, 77, 499]


@pytest.mark.parametrize("backend", BACKENDS)
def test_exclude_self_keeps_copies_at_other_indices(backend):
    base = np.array([[0, 0], [1, 0], [0, 0], [5, 5], [0, 0], [1, 0]], dtype=np.float32)
    found = knn(base, base, 2, exclude_self=True, backend=backend)
    np.testing.assert_array_equal(found.indices, [[2, 4], [5, 0], [0, 4], [1, 5], [0, 2], [1, 0]])
    np.testing.assert_array_equal(found.distances[[0, 1, 2, 4, 5]], [[0, 0], [0, 1], [0, 0], [0, 0], [0, 1]])


def test_exclude_self_matches_brute_force(rng):
    base = encoded(rng, 500, copies=250)
    found = knn(base, base, 6, exclude_self=True)
    dist, idx = brute(base, base, 6, exclude_self=True)
    np.testing.assert_array_equal(found.indices, idx)
    np.testing.assert_allclose(found.distances, dist, rtol=0, atol=1e-12)
    assert not (found.indices == np.arange(len(base))[:, None]).any()


def test_merge_of_two_halves_equals_the_whole(rng):
    base = encoded(rng, 800, copies=300)
    query = encoded(rng, 200)
    whole = knn(query, base, 5)
    merged = merge_topk(knn(query, base[:333], 5), knn(query, base[333:], 5), offset_b=333)
    np.testing.assert_array_equal(merged.indices, whole.indices)
    np.testing.assert_array_equal(merged.distances, whole.distances)


def test_blocked_equals_unblocked_and_reports_progress(rng):
    base = encoded(rng, 600, copies=100)
    query = encoded(rng, 250, copies=50)
    calls = []
    blocked = knn(query, base, 4, block_rows=37, progress=lambda done, total: calls.append((done, total)))
    whole = knn(query, base, 4, block_rows=10_000)
    np.testing.assert_array_equal(blocked.indices, whole.indices)
    np.testing.assert_array_equal(blocked.distances, whole.distances)
    assert calls[-1][0] == calls[-1][1] == len(calls) > 1


@pytest.mark.skipif(len(BACKENDS) < 2, reason="faiss is not installed")
def test_backends_agree_and_runs_are_deterministic(rng):
    base = encoded(rng, 700, n_num=5, n_cat=25, copies=200)
    query = encoded(rng, 300, n_num=5, n_cat=25)
    a, b, c = (knn(query, base, 5, backend=be) for be in ("faiss", "numpy", "faiss"))
    for other in (b, c):
        np.testing.assert_array_equal(a.indices, other.indices)
        np.testing.assert_array_equal(a.distances, other.distances)


def test_thread_settings_are_restored():
    from threadpoolctl import threadpool_info
    before = [(lib["internal_api"], lib["num_threads"]) for lib in threadpool_info()]
    omp_before = search.faiss.omp_get_max_threads() if search.faiss is not None else None
    x = np.eye(30, dtype=np.float32)
    knn(x, x, 2, block_rows=7)
    assert [(lib["internal_api"], lib["num_threads"]) for lib in threadpool_info()] == before
    if search.faiss is not None:
        assert search.faiss.omp_get_max_threads() == omp_before


def test_bad_inputs_say_what_to_fix():
    x = np.zeros((5, 3), dtype=np.float32)
    with pytest.raises(ValueError, match="from 1 to 5"):
        knn(x, x, 6)
    with pytest.raises(ValueError, match="from 1 to 4"):
        knn(x, x, 5, exclude_self=True)
    with pytest.raises(ValueError, match="same array"):
        knn(x, x + 1, 2, exclude_self=True)
    with pytest.raises(ValueError, match="columns"):
        knn(x, np.zeros((5, 4)), 2)
    with pytest.raises(ValueError, match="NaN"):
        knn(np.full((2, 3), np.nan), x, 2)
    with pytest.raises(ValueError, match="backend"):
        knn(x, x, 2, backend="annoy")


def test_neighbors_rejects_mismatched_shapes():
    with pytest.raises(ValueError, match="one shape"):
        Neighbors(np.zeros((2, 3)), np.zeros((2, 2), dtype=np.int64))


@pytest.mark.parametrize("n_cat", [3, 25])
def test_ball_membership_counts_equal_brute_force(rng, n_cat):
    real = encoded(rng, 400, n_cat=n_cat, copies=80)
    fake = np.vstack([encoded(rng, 300, n_cat=n_cat), real[:40]])
    radii = knn(real, real, 5, exclude_self=True).distances[:, -1]
    # Every distance, from the engine itself: boundaries must agree with knn's own float64 distances.
    everything = knn(fake, real, len(real))
    dist = np.empty((len(fake), len(real)))
    np.put_along_axis(dist, everything.indices, everything.distances, axis=1)
    expected = (dist <= radii[None, :]).sum(axis=1)
    np.testing.assert_array_equal(ball_membership_counts(fake, real, radii), expected)


def test_ball_membership_counts_points_on_the_boundary_as_inside():
    centers = np.array([[0.0, 0.0], [3.0, 4.0]], dtype=np.float32)
    points = np.array([[3.0, 4.0], [0.0, 0.0], [6.0, 8.0], [0.0, 0.1]], dtype=np.float32)
    counts = ball_membership_counts(points, centers, np.array([5.0, 0.0]))
    np.testing.assert_array_equal(counts, [2, 1, 0, 1])


def test_row_hashes_equal_rows_hash_equal_and_nan_matches_nan():
    frame = pd.DataFrame({"age": [30, 30.0, np.nan, None, -0.0, 0.0],
                          "job": ["a", "a", None, np.nan, "b", "b"]})
    h = row_hashes(frame)
    assert h.dtype == np.uint64
    assert h[0] == h[1] and h[2] == h[3] and h[4] == h[5]
    assert len({h[0], h[2], h[4]}) == 3


def test_row_hashes_are_stable_across_dtypes_and_categories():
    ints = pd.DataFrame({"n": pd.array([1, 2, None], dtype="Int64"), "c": ["x", "y", "z"]})
    floats = pd.DataFrame({"n": np.array([1.0, 2.0, np.nan], dtype=np.float32),
                           "c": pd.Categorical(["x", "y", "z"], categories=["z", "y", "x"])})
    np.testing.assert_array_equal(row_hashes(ints), row_hashes(floats))
    np.testing.assert_array_equal(row_hashes(ints), row_hashes(ints.copy()))


def test_row_hashes_ignore_the_index():
    frame = pd.DataFrame({"n": [1.5, np.nan], "c": pd.Categorical(["x", None]), "s": ["a", "b"]},
                         index=[10, 3])
    np.testing.assert_array_equal(row_hashes(frame), row_hashes(frame.reset_index(drop=True)))


def test_row_hashes_depend_on_column_order():
    frame = pd.DataFrame({"a": [1, 2], "b": [2, 1]})
    assert not np.array_equal(row_hashes(frame), row_hashes(frame[["b", "a"]]))
    assert row_hashes(frame)[0] != row_hashes(frame)[1]


def test_exact_match_mask_and_counts():
    real = pd.DataFrame({"a": [1, 1, 2, 3], "b": ["x", "x", "y", None]})
    synthetic = pd.DataFrame({"a": [1.0, 3.0, 4.0], "b": ["x", None, "x"]})
    rh, sh = row_hashes(real), row_hashes(synthetic)
    np.testing.assert_array_equal(exact_match_mask(sh, rh), [True, True, False])
    np.testing.assert_array_equal(match_counts(sh, rh), [2, 1, 0])
    assert match_counts(sh, rh[:0]).tolist() == [0, 0, 0]


@pytest.mark.parametrize("backend", BACKENDS)
def test_massive_ties_fall_back_to_a_full_scan_and_stay_canonical(backend, monkeypatch):
    """400 distinct base rows all at distance 1/sqrt(2) from the query: no short list can certify."""
    from synthgate.neighbors import refine
    scanned = []
    original = refine._scan
    monkeypatch.setattr(refine, "_scan", lambda *a: scanned.append(1) or original(*a))
    base = (np.eye(400, dtype=np.float32) / np.sqrt(2)).astype(np.float32)[::-1].copy()
    query = np.vstack([np.zeros((1, 400), dtype=np.float32), base[7:9]])
    found = knn(query, base, 3, backend=backend)
    dist, idx = brute(query, base, 3)
    assert scanned
    np.testing.assert_array_equal(found.indices, idx)
    np.testing.assert_array_equal(found.indices[0], [0, 1, 2])
    np.testing.assert_allclose(found.distances, dist, rtol=0, atol=1e-12)
