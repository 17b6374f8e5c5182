"""SDV metadata JSON given directly as synthgate metadata: kinds mapped, PII as identifiers, the rest reported."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from synthgate.data import Kind, load_metadata
from synthgate.data.sdv import from_sdv, is_sdv_metadata
from synthgate.errors import InputError
from synthgate.run import build_context
from tests.conftest import adult_split
from tests.test_cli import synthgate

NUMERICAL = ("age", "fnlwgt", "education_num", "capital_gain", "capital_loss", "hours_per_week")
CATEGORICAL = ("workclass", "education", "marital_status", "occupation", "relationship", "race", "sex",
               "native_country", "income")


def sdv_adult_metadata() -> dict:
    """What SDV's ``Metadata.detect_from_dataframe(...).save_to_json`` writes for Adult with an id and an email."""
    columns = {"id": {"sdtype": "id", "regex_format": "[0-9]{6}"},
               "email": {"sdtype": "email", "pii": True}}
    columns.update({name: {"sdtype": "numerical", "computer_representation": "Int64"} for name in NUMERICAL})
    columns.update({name: {"sdtype": "categorical"} for name in CATEGORICAL})
    return {"primary_key": "id", "METADATA_SPEC_VERSION": "SINGLE_TABLE_V1", "columns": columns,
            "column_relationships": []}


def with_people(frame: pd.DataFrame, start: int) -> pd.DataFrame:
    ids = range(start, start + len(frame))
    return frame.assign(id=[100_000 + i for i in ids], email=[f"person{i}@example.org" for i in ids])


@pytest.fixture(scope="module")
def tables():
    split = adult_split(1000, 0)
    return with_people(split.real, 0), with_people(split.holdout, 10_000), with_people(split.holdout, 20_000)


def test_sdv_single_table_is_recognised_and_ours_is_not():
    assert is_sdv_metadata(sdv_adult_metadata())
    assert is_sdv_metadata({"METADATA_SPEC_VERSION": "V1", "tables": {}})
    assert not is_sdv_metadata({"target": "income", "columns": {"age": "numerical"}})


def test_id_primary_key_and_email_pii_are_identifiers_in_the_check(tables):
    ctx = build_context(*tables, metadata=sdv_adult_metadata(), policy={"resamples": 20})
    assert ctx.schema["id"].kind is Kind.IDENTIFIER and not ctx.schema["id"].usable
    assert ctx.schema["email"].kind is Kind.IDENTIFIER and not ctx.schema["email"].usable
    assert ctx.schema["age"].kind is Kind.NUMERICAL and ctx.schema["income"].kind is Kind.CATEGORICAL
    mapped = next(n for n in ctx.schema.notes if "translated" in n)
    assert "SINGLE_TABLE_V1" in mapped and "id (primary key)" in mapped and "email (sdtype email, pii)" in mapped


def test_ignored_fields_are_reported():
    metadata = sdv_adult_metadata()
    metadata["columns"]["signup"] = {"sdtype": "datetime", "datetime_format": "%Y-%m-%d"}
    metadata["sequence_key"] = "id"
    translated, notes = from_sdv(metadata)
    assert translated == {"columns": {**{n: "identifier" for n in ("id", "email")},
                                      **{n: "numerical" for n in NUMERICAL},
                                      **{n: "categorical" for n in CATEGORICAL}, "signup": "datetime"}}
    ignored = next(n for n in notes if "ignored" in n)
    assert "age.computer_representation" in ignored and "signup.datetime_format" in ignored
    assert "id.regex_format" in ignored and "sequence_key" in ignored
    assert "column_relationships" not in ignored  # empty: nothing was lost


def test_mapping_of_sdtypes_and_synthgate_keys_kept():
    metadata = {"METADATA_SPEC_VERSION": "MULTI_TABLE_V1", "relationships": [],
                "tables": {"people": {"primary_key": "pid", "alternate_keys": ["ssn"], "target": "paid",
                                      "columns": {"pid": {"sdtype": "id"}, "ssn": {"sdtype": "ssn"},
                                                  "paid": {"sdtype": "boolean"},
                                                  "phone": {"sdtype": "phone_number", "pii": False},
                                                  "salary": {"sdtype": "numerical", "pii": True}}}}}
    translated, notes = from_sdv(metadata)
    assert translated == {"target": "paid", "columns": {"pid": "identifier", "ssn": "identifier",
                                                        "paid": "boolean", "phone": "identifier",
                                                        "salary": "identifier"}}
    assert "table 'people'" in notes[0] and "ssn (alternate key)" in notes[0]
    assert len(notes) == 1  # nothing ignored


def test_notes_survive_loading_from_a_file(tmp_path):
    path = tmp_path / "metadata.json"
    path.write_text(json.dumps(sdv_adult_metadata()))
    loaded = load_metadata(path)
    assert loaded.columns["email"] is Kind.IDENTIFIER and loaded.notes
    assert load_metadata({"target": "income"}).notes == ()


@pytest.mark.parametrize("metadata, message", [
    ({"columns": {"age": {"sdtype": "numerical"}, "city": "categorical"}}, "column 'city' has no sdtype"),
    ({"METADATA_SPEC_VERSION": "V1", "tables": {}}, "holds no table descriptions"),
    ({"METADATA_SPEC_VERSION": "SINGLE_TABLE_V1"}, "has no 'columns' mapping"),
])
def test_malformed_sdv_metadata_is_an_input_error(metadata, message):
    with pytest.raises(InputError, match=message):
        load_metadata(metadata)


def test_two_tables_exit_2_via_the_cli(tmp_path):
    single = sdv_adult_metadata()
    del single["METADATA_SPEC_VERSION"]
    two = {"METADATA_SPEC_VERSION": "V1", "tables": {"adult": single, "households": {
        "primary_key": "hid", "columns": {"hid": {"sdtype": "id"}}}}, "relationships": []}
    (tmp_path / "metadata.json").write_text(json.dumps(two))
    table = with_people(adult_split(1000, 0).real, 0)
    table.to_csv(tmp_path / "real.csv", index=False)
    done = synthgate("check", "--real", str(tmp_path / "real.csv"), "--holdout", str(tmp_path / "real.csv"),
                     "--synthetic", str(tmp_path / "real.csv"), "--metadata", str(tmp_path / "metadata.json"),
                     "--out", str(tmp_path / "out"))
    assert done.returncode == 2, done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    message = " ".join(done.stderr.split())
    assert "2 tables ('adult', 'households')" in message and "Pass the metadata of the one table" in message


def test_cli_check_prints_and_records_the_mapping(tmp_path, tables):
    for role, frame in zip(("real", "holdout", "synthetic"), tables):
        frame.to_csv(tmp_path / f"{role}.csv", index=False)
    (tmp_path / "metadata.json").write_text(json.dumps(sdv_adult_metadata()))
    (tmp_path / "policy.toml").write_text('resamples = 20\ngates_enabled = ["fidelity"]\n')
    roles = [arg for role in ("real", "holdout", "synthetic")
             for arg in (f"--{role}", str(tmp_path / f"{role}.csv"))]
    done = synthgate("check", *roles, "--metadata", str(tmp_path / "metadata.json"),
                     "--policy", str(tmp_path / "policy.toml"), "--out", str(tmp_path / "out"))
    assert done.returncode in (0, 1), done.stdout + done.stderr
    assert "SDV metadata (SINGLE_TABLE_V1) translated" in " ".join(done.stdout.split())
    recorded = json.loads((tmp_path / "out" / "report.json").read_text())["notes"]
    assert any("email (sdtype email, pii)" in note for note in recorded)
    assert any("age.computer_representation" in note for note in recorded)
