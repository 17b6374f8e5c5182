"""`synthgate ledger export --format prov-json`: the lineage as W3C PROV-JSON, and nothing of the rows."""

from __future__ import annotations

import json

import pytest
import typer
from sqlalchemy import create_engine, text
from typer.testing import CliRunner

from ledger_tables import mixed_table
from synthgate.ledger import Ledger
from synthgate.ledger.cli import ledger_app
from synthgate.ledger.keys import key_file
from synthgate.ledger.prov import prov_document

app = typer.Typer()
app.add_typer(ledger_app, name="ledger")


@pytest.fixture
def ledger_path(tmp_path):
    """Two human tables, a generator trained on the first, and a machine table it made."""
    path = tmp_path / "ledger.sqlite"
    with Ledger.open(path) as ledger:
        ledger.register_dataset(mixed_table(120, 1), name="adult-2019", origin="human")
        ledger.register_dataset(mixed_table(80, 2), name="adult-2020", origin="human")
        ledger.register_generator(name="ctgan-v1", kind="ctgan", trained_on=["adult-2019"], dp_epsilon=3.0,
                                  expires_at="2030-01-01T00:00:00+00:00", params={"epochs": 5})
        ledger.register_dataset(mixed_table(100, 3), name="synth-1", origin="machine", generator_id="ctgan-v1")
    return path


def export(*args: str):
    result = CliRunner().invoke(app, ["ledger", "export", *args])
    assert "Traceback" not in result.output
    return result


def test_entities_agents_activities_and_relations(ledger_path, tmp_path):
    out = tmp_path / "lineage.prov.json"
    done = export("--ledger", str(ledger_path), "--format", "prov-json", "--out", str(out))
    assert done.exit_code == 0, done.output
    assert "3 datasets, 1 generators" in done.output
    document = json.loads(out.read_text())
    assert document["prefix"]["synthgate"]
    human, other, machine = (document["entity"][f"synthgate:dataset-{i}"] for i in (1, 2, 3))
    assert human["synthgate:origin"] == "human" and human["synthgate:rows"] == 120 and "prov:type" not in human
    assert human["synthgate:content_hash"].startswith("sha256:") and other["prov:label"] == "adult-2020"
    assert machine["synthgate:origin"] == "machine"
    assert machine["prov:type"] == {"$": "synthgate:SyntheticDataset", "type": "xsd:QName"}
    agent = document["agent"]["synthgate:generator-1"]
    assert agent["prov:type"]["$"] == "prov:SoftwareAgent" and agent["synthgate:kind"] == "ctgan"
    assert agent["synthgate:dp_epsilon"] == 3.0 and agent["synthgate:expires_at"]["type"] == "xsd:dateTime"
    assert agent["synthgate:created"]["type"] == "xsd:dateTime"
    assert list(document["activity"]) == ["synthgate:training-1"]
    relation = {kind: list(document[kind].values()) for kind in
                ("used", "wasGeneratedBy", "wasAssociatedWith", "wasDerivedFrom")}
    assert relation["used"] == [{"prov:activity": "synthgate:training-1", "prov:entity": "synthgate:dataset-1"}]
    assert relation["wasGeneratedBy"] == [{"prov:entity": "synthgate:dataset-3",
                                           "prov:activity": "synthgate:training-1"}]
    assert relation["wasAssociatedWith"] == [{"prov:activity": "synthgate:training-1",
                                              "prov:agent": "synthgate:generator-1"}]
    assert relation["wasDerivedFrom"] == [{"prov:generatedEntity": "synthgate:dataset-3",
                                           "prov:usedEntity": "synthgate:dataset-1",
                                           "prov:activity": "synthgate:training-1"}]


def test_stdout_equals_the_builder_and_round_trips(ledger_path):
    done = export("--ledger", str(ledger_path))
    assert done.exit_code == 0, done.output
    with Ledger.open(ledger_path, create=False) as ledger:
        built = prov_document(ledger)
    assert json.loads(done.stdout) == built == json.loads(json.dumps(built))


def test_no_fingerprint_key_or_row_value_is_written(ledger_path):
    written = export("--ledger", str(ledger_path)).stdout
    engine = create_engine(f"sqlite:///{ledger_path}")
    with engine.connect() as conn:
        hashes = [str(h) for (h,) in conn.execute(text("SELECT hash FROM fingerprints"))]
        bands = [str(b) for (b,) in conn.execute(text("SELECT band0 FROM fingerprints WHERE band0 IS NOT NULL"))]
        meta = [str(v) for (v,) in conn.execute(text("SELECT value FROM ledger_meta"))]
    engine.dispose()
    assert hashes and not any(h in written for h in hashes + bands)
    assert not any(v in written for v in meta)
    assert key_file(str(ledger_path)).read_text().strip() not in written
    rows = mixed_table(120, 1)
    values = {str(v) for column in ("income", "score", "ratio") for v in rows[column].dropna()}
    assert not any(v in written for v in values)
    assert "epochs" not in written  # generator params may hold values copied from the data


def test_missing_ledger_exits_2_and_creates_nothing(tmp_path):
    missing = tmp_path / "nowhere.sqlite"
    done = export("--ledger", str(missing), "--format", "prov-json")
    assert done.exit_code == 2 and "no ledger at" in done.output
    assert not missing.exists()


def test_empty_ledger_exports_only_the_prefix(tmp_path):
    path = tmp_path / "empty.sqlite"
    Ledger.open(path).close()
    done = export("--ledger", str(path))
    assert done.exit_code == 0 and set(json.loads(done.stdout)) == {"prefix"}
