"""The executor foundation (issue #15) in this process: partitioned datasets, kernels against whole-table
answers, sampling across partitionings, sharded kNN, and the ledger scan over partitions."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from synthgate.errors import InputError
from synthgate.executor import DaskExecutor, LocalExecutor, PartitionedDataset, open_executor
from synthgate.executor import kernels
from synthgate.ledger import Ledger, row_fingerprints
from synthgate.neighbors import knn
from tests.executor_tables import mixed_frame, scan_world, write_row_groups

FRAME = mixed_frame(1000, 0)
NUMERIC = ["age", "income", "stamp", "score"]


@pytest.fixture(scope="module")
def local():
    return LocalExecutor()


@pytest.mark.parametrize("partitions", [1, 3, 7])
def test_kernels_equal_whole_table_answers(local, partitions):
    data = PartitionedDataset.from_frame(FRAME, partitions=partitions)
    counts = local.map_reduce(kernels.value_counts, kernels.merge_value_counts, data, ["city", "member"])
    assert counts["city"][None] == FRAME["city"].isna().sum()
    assert counts["city"]["Oslo"] == (FRAME["city"] == "Oslo").sum()
    assert counts["member"] == {True: FRAME["member"].sum(), False: (~FRAME["member"]).sum()}
    edges = {"age": np.array([20.0, 40.0, 60.0, 80.0]), "income": np.linspace(0, 60_000, 7)}
    hists = local.map_reduce(kernels.histograms, kernels.merge_histograms, data, edges)
    assert np.array_equal(hists["age"].counts, np.histogram(FRAME["age"], edges["age"])[0])
    assert (hists["age"].below, hists["age"].above) == ((FRAME["age"] < 20).sum(), (FRAME["age"] > 80).sum())
    assert hists["income"].missing == FRAME["income"].isna().sum() and hists["income"].total == len(FRAME)
    fingerprints = np.concatenate(local.map_partitions(kernels.partition_fingerprints, data))
    assert np.array_equal(fingerprints, row_fingerprints(FRAME))


def test_comoment_correlations_match_numpy_even_with_a_large_mean(local):
    """stamp has mean 1.7e9 and std ~50: raw sums of outer products lose its correlations entirely;
    centred co-moments are within 1e-12 with a shift near the data, ~2e-9 without (pandas: ~9e-10)."""
    data = PartitionedDataset.from_frame(FRAME, partitions=5)
    complete = FRAME[NUMERIC].dropna().to_numpy(dtype=float)
    shifted = local.map_reduce(kernels.comoments, kernels.merge_comoments, data, NUMERIC, complete[0])
    plain = local.map_reduce(kernels.comoments, kernels.merge_comoments, data, NUMERIC)
    assert shifted.n == len(complete) and shifted.skipped == len(FRAME) - len(complete)
    np.testing.assert_allclose(shifted.correlation(), np.corrcoef(complete.T), rtol=0, atol=1e-12)
    np.testing.assert_allclose(shifted.covariance(), np.cov(complete.T), rtol=1e-12)
    np.testing.assert_allclose(shifted.mean, complete.mean(axis=0), rtol=1e-14, atol=1e-12)
    np.testing.assert_allclose(plain.correlation(), np.corrcoef(complete.T), rtol=0, atol=1e-8)


def test_sample_is_the_same_rows_whatever_the_partitioning(local, tmp_path):
    picks = [local.sample(PartitionedDataset.from_frame(FRAME, partitions=p), 50, seed=11) for p in (1, 4, 9)]
    on_disk = PartitionedDataset.from_parquet(write_row_groups(FRAME, tmp_path / "f", files=2, row_group_size=70))
    picks.append(local.sample(on_disk, 50, seed=11))
    for other in picks[1:]:
        pd.testing.assert_frame_equal(other, picks[0])
    assert len(picks[0]) == 50 and picks[0].index.is_monotonic_increasing
    pd.testing.assert_frame_equal(picks[0], FRAME.loc[picks[0].index])          # the rows themselves
    assert not picks[0].index.equals(local.sample(on_disk, 50, seed=12).index)
    assert len(local.sample(on_disk, 5000, seed=1)) == len(FRAME)               # bounded by the table


def test_sharded_neighbours_equal_one_search(local):
    base = FRAME[["age", "score"]].to_numpy(dtype=np.float32)
    queries = mixed_frame(40, 9)[["age", "score"]].to_numpy(dtype=np.float32)
    whole = knn(queries, base, 5)
    sharded = local.topk_neighbors(queries, PartitionedDataset.from_frame(FRAME[["age", "score"]], partitions=6), 5)
    assert np.array_equal(sharded.indices, whole.indices)
    np.testing.assert_allclose(sharded.distances, whole.distances, rtol=0, atol=1e-9)
    with pytest.raises(ValueError, match="k=0"):
        local.topk_neighbors(queries, PartitionedDataset.from_frame(FRAME[["age"]], partitions=2), 0)


def test_parquet_partitions_are_row_groups_read_like_load_table(tmp_path):
    folder = write_row_groups(FRAME, tmp_path / "f", files=3, row_group_size=100)
    data = PartitionedDataset.from_parquet(folder)
    assert len(data.partitions) == 12 and data.rows == len(FRAME) and data.columns == tuple(FRAME.columns)
    assert [p.start for p in data.partitions][:6] == [0, 100, 200, 300, 333, 433]
    whole = pd.concat([p.load() for p in data.partitions])
    pd.testing.assert_frame_equal(whole.reset_index(drop=True), pd.read_parquet(folder))
    glob = PartitionedDataset.from_parquet(str(folder / "part-00[12].parquet"))
    assert glob.rows == len(FRAME) - 333 and glob.partitions[0].start == 0


@pytest.mark.parametrize("source, message", [
    ("missing.parquet", "does not exist"),
    ("table.csv", "not a Parquet file"),
    ("nothing/*.parquet", "matches no .parquet files"),
])
def test_partitioned_reader_refuses_what_it_cannot_read(tmp_path, source, message):
    (tmp_path / "table.csv").write_text("a\n1\n")
    with pytest.raises(InputError, match=message):
        PartitionedDataset.from_parquet(str(tmp_path / source))


def test_partitioned_scan_equals_the_whole_table_scan(tmp_path, local):
    location, corpus = scan_world(tmp_path)
    with Ledger.open(location, create=False) as ledger:
        whole = ledger.scan(pd.read_parquet(corpus))
        parts = ledger.scan(PartitionedDataset.from_parquet(corpus), executor=local)
    assert whole.exact >= 40 and whole.near >= 15                          # the planted rows are found
    assert json.dumps(parts.to_dict()) == json.dumps(whole.to_dict())
    assert parts.matches == whole.matches


def test_importing_synthgate_does_not_import_dask():
    code = ("import sys, synthgate, synthgate.executor, synthgate.ledger.cli; "
            "print(sorted(m for m in ('dask', 'distributed') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_dask_executor_without_dask_says_how_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "distributed", None)   # makes `import distributed` fail
    with pytest.raises(InputError, match=r"pip install 'synthgate\[dask\]'"):
        DaskExecutor("local:2")


@pytest.mark.parametrize("scheduler", ["local:0", "localhost:8786", "tcp://host", "dask"])
def test_bad_scheduler_addresses_are_input_errors(scheduler):
    pytest.importorskip("distributed", reason="the address is parsed after importing distributed")
    with pytest.raises(InputError, match="tcp://HOST:PORT"):
        DaskExecutor(scheduler)


def test_no_scheduler_means_the_local_executor():
    assert isinstance(open_executor(None), LocalExecutor)


@pytest.mark.parametrize("exclude_self", [False, True])
def test_sharded_search_gives_the_neighbours_of_one_search(exclude_self):
    from synthgate.executor.shards import sharded_knn
    from synthgate.neighbors import knn

    rng = np.random.default_rng(0)
    base = np.round(rng.normal(size=(700, 4)), 1).astype(np.float32)   # rounded: ties and exact duplicates
    query = base if exclude_self else np.round(rng.normal(size=(90, 4)), 1).astype(np.float32)
    whole = knn(query, base, 5, exclude_self=exclude_self)
    sharded = sharded_knn(LocalExecutor(), query, base, 5, exclude_self=exclude_self, shards=6)
    assert np.array_equal(whole.indices, sharded.indices)
    assert np.array_equal(whole.distances, sharded.distances)


def test_a_check_with_an_executor_gives_the_same_result():
    from synthgate.gates.privacy import PrivacyGate
    from synthgate.run import check
    from tests.conftest import adult_split, independent_sample

    split = adult_split(1500, 0)
    policy = {"resamples": 20, "gates": {"privacy": {"attacks": 100}}}
    here = check(split.real, split.holdout, independent_sample(600, n=1500), metadata=split.metadata,
                 policy=policy, gates=[PrivacyGate()])
    executor = LocalExecutor()
    executor.parallelism = 4   # four shards per search, merged
    sharded = check(split.real, split.holdout, independent_sample(600, n=1500), metadata=split.metadata,
                    policy=policy, gates=[PrivacyGate()], executor=executor)
    assert [m.to_dict() for m in here.gates[0].measurements] == [m.to_dict() for m in sharded.gates[0].measurements]
