"""The Dask executor on a 2-worker LocalCluster (started once for the module) gives what the local one gives:
the same counts, histograms, fingerprints, neighbours, sample and co-moments, and the same ledger scan."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import typer
from typer.testing import CliRunner

pytest.importorskip("distributed", reason="dask and distributed are not installed (pip install 'synthgate[dask]')")

from synthgate.executor import DaskExecutor, LocalExecutor, PartitionedDataset  # noqa: E402
from synthgate.executor import kernels  # noqa: E402
from synthgate.ledger.cli import scan_command  # noqa: E402
from tests.executor_tables import mixed_frame, scan_world, write_row_groups  # noqa: E402

FRAME = mixed_frame(1200, 0)
NUMERIC = ["age", "income", "stamp", "score"]


@pytest.fixture(scope="module")
def cluster():
    with DaskExecutor("local:2") as executor:
        yield executor


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    folder = tmp_path_factory.mktemp("executor") / "frame"
    return PartitionedDataset.from_parquet(write_row_groups(FRAME, folder, files=2, row_group_size=150))


def both(cluster: DaskExecutor, method: str, *args):
    """The same call on the local executor and on the cluster."""
    return getattr(LocalExecutor(), method)(*args), getattr(cluster, method)(*args)


def test_counts_histograms_and_fingerprints_are_identical(cluster, data):
    local, remote = both(cluster, "map_reduce", kernels.value_counts, kernels.merge_value_counts, data,
                         ["city", "member"])
    assert local == remote and sum(remote["city"].values()) == len(FRAME)
    edges = {"age": np.arange(10.0, 100.0, 7.5), "score": np.linspace(-3, 3, 13)}
    local, remote = both(cluster, "map_reduce", kernels.histograms, kernels.merge_histograms, data, edges)
    for name in edges:
        assert np.array_equal(local[name].counts, remote[name].counts)
        assert (local[name].below, local[name].above, local[name].missing) == \
            (remote[name].below, remote[name].above, remote[name].missing)
    local, remote = both(cluster, "map_partitions", kernels.partition_fingerprints, data)
    assert np.array_equal(np.concatenate(local), np.concatenate(remote))


def test_comoment_correlations_agree(cluster, data):
    local, remote = both(cluster, "map_reduce", kernels.comoments, kernels.merge_comoments, data, NUMERIC,
                         FRAME[NUMERIC].iloc[0].to_numpy(dtype=float))
    assert local.n == remote.n
    np.testing.assert_allclose(remote.correlation(), local.correlation(), rtol=0, atol=1e-12)


def test_neighbours_agree(cluster):
    reference = PartitionedDataset.from_frame(FRAME[["age", "score"]], partitions=5)
    queries = mixed_frame(30, 5)[["age", "score"]].to_numpy(dtype=np.float32)
    local, remote = both(cluster, "topk_neighbors", queries, reference, 4)
    assert np.array_equal(local.indices, remote.indices)
    np.testing.assert_allclose(remote.distances, local.distances, rtol=0, atol=1e-9)


def test_sample_agrees_across_executors_and_partitionings(cluster, data):
    local, remote = both(cluster, "sample", data, 40, 3)
    pd.testing.assert_frame_equal(local, remote)
    other = cluster.sample(PartitionedDataset.from_frame(FRAME, partitions=7), 40, 3)
    pd.testing.assert_frame_equal(other, remote)


def test_broadcast_ships_a_dict_whole(cluster):
    handle = cluster.broadcast({"a": 1, "b": [2, 3]})
    data = PartitionedDataset.from_frame(FRAME, partitions=2)
    assert cluster.map_partitions(_keys, data, handle) == [["a", "b"], ["a", "b"]]


def _keys(partition, mapping):
    return sorted(mapping)


def _run_scan(*args: str):
    app = typer.Typer()
    app.command("scan")(scan_command)
    app.command("unused")(lambda: None)  # two commands, so "scan" is a sub-command as in the real CLI
    result = CliRunner().invoke(app, ["scan", *args])
    assert result.exit_code in (0, 1) and "Traceback" not in result.output, result.output
    return result


@pytest.mark.parametrize("scheduler", ["local:2", "cluster"])
def test_scan_with_a_scheduler_gives_the_same_output(tmp_path, cluster, scheduler):
    location, corpus = scan_world(tmp_path)
    address = cluster.address if scheduler == "cluster" else scheduler
    plain = _run_scan(str(corpus), "--ledger", str(location), "--json", str(tmp_path / "plain.json"))
    spread = _run_scan(str(corpus), "--ledger", str(location), "--json", str(tmp_path / "spread.json"),
                       "--scheduler", address)
    assert spread.output == plain.output and spread.exit_code == plain.exit_code
    report = json.loads((tmp_path / "spread.json").read_text())
    assert report == json.loads((tmp_path / "plain.json").read_text()) and report["exact"] >= 40


def test_a_check_with_its_neighbour_searches_on_the_cluster_gives_the_same_result(cluster):
    from synthgate.gates.privacy import PrivacyGate
    from synthgate.run import check
    from tests.conftest import adult_split, independent_sample

    split = adult_split(1500, 0)
    policy = {"resamples": 20, "gates": {"privacy": {"attacks": 100}}}
    here = check(split.real, split.holdout, independent_sample(600, n=1500), metadata=split.metadata,
                 policy=policy, gates=[PrivacyGate()])
    remote = check(split.real, split.holdout, independent_sample(600, n=1500), metadata=split.metadata,
                   policy=policy, gates=[PrivacyGate()], executor=cluster)
    assert cluster.parallelism == 2
    assert [m.to_dict() for m in here.gates[0].measurements] == [m.to_dict() for m in remote.gates[0].measurements]


def test_check_on_the_command_line_with_a_scheduler_writes_the_same_report(cluster, tmp_path):
    from synthgate.cli import app
    from tests.conftest import adult_split, independent_sample

    split = adult_split(1500, 0)
    split.real.to_csv(tmp_path / "real.csv", index=False)
    split.holdout.to_csv(tmp_path / "holdout.csv", index=False)
    independent_sample(600, n=1500).to_csv(tmp_path / "synthetic.csv", index=False)
    (tmp_path / "policy.toml").write_text('resamples = 20\ngates_enabled = ["privacy"]\n'
                                          '[gates.privacy]\nattacks = 100\n')
    base = ["check", "--real", str(tmp_path / "real.csv"), "--holdout", str(tmp_path / "holdout.csv"),
            "--synthetic", str(tmp_path / "synthetic.csv"), "--policy", str(tmp_path / "policy.toml")]
    reports = []
    for name, extra in (("here", []), ("cluster", ["--scheduler", cluster.address])):
        done = CliRunner().invoke(app, [*base, "--out", str(tmp_path / name), *extra])
        assert done.exit_code in (0, 1), done.output
        report = json.loads((tmp_path / name / "report.json").read_text())
        reports.append([g["measurements"] for g in report["gates"]])
    assert reports[0] == reports[1]
