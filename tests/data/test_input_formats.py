"""Input files in every format synthgate reads, and bad inputs found by trying (issue 16): each is read right or
refused with a message that says what to fix, never a gate ERROR, a wrong answer or a traceback."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from synthgate.data.load import TableFile, load_table
from synthgate.errors import InputError, PolicyError
from synthgate.gates.fidelity import FidelityGate
from synthgate.policy import load_policy
from synthgate.run import build_context, check
from synthgate.verdict import Verdict
from tests.conftest import adult_split

POLICY = {"resamples": 10}


@pytest.fixture(scope="module")
def split():
    return adult_split(1200, 0)


@pytest.fixture(scope="module")
def table(split):
    return split.real.iloc[:300].reset_index(drop=True)


def fidelity(split, synthetic, real=None, holdout=None):
    result = check(split.real if real is None else real, split.holdout if holdout is None else holdout, synthetic,
                   metadata=split.metadata, policy=POLICY, gates=[FidelityGate()])
    return result, result.gate("fidelity")


def write_arrow_stream(frame: pd.DataFrame, path) -> None:
    import pyarrow as pa

    arrow = pa.Table.from_pandas(frame, preserve_index=False)
    with pa.ipc.new_stream(str(path), arrow.schema) as writer:
        writer.write_table(arrow)


def write_zstd(frame: pd.DataFrame, path) -> None:
    import pyarrow as pa

    with pa.output_stream(str(path), compression="zstd") as out:
        out.write(frame.to_csv(index=False).encode())


WRITERS = {
    "t.csv.gz": lambda f, p: f.to_csv(p, index=False),
    "t.csv.bz2": lambda f, p: f.to_csv(p, index=False),
    "t.csv.xz": lambda f, p: f.to_csv(p, index=False),
    "t.csv.zst": write_zstd,
    "t.tsv": lambda f, p: f.to_csv(p, sep="\t", index=False),
    "t.tsv.gz": lambda f, p: f.to_csv(p, sep="\t", index=False),
    "t.feather": lambda f, p: f.to_feather(p),
    "t.arrow": write_arrow_stream,
    "t.ipc": lambda f, p: f.to_feather(p),
}


@pytest.mark.parametrize("name", list(WRITERS))
def test_compressed_csv_tsv_and_arrow_files_read_like_the_table(tmp_path, table, name):
    """Before: '.csv.gz' and Feather/Arrow files were refused as an unknown file type."""
    WRITERS[name](table, tmp_path / name)
    pd.testing.assert_frame_equal(load_table(tmp_path / name), load_table(table), check_dtype=False)


def test_a_parquet_folder_is_read_as_one_data_set_with_its_partition_keys(tmp_path, table):
    """Before: a folder was reported as a file that 'does not exist'."""
    for year, part in ((2024, table.iloc[:150]), (2025, table.iloc[150:])):
        (tmp_path / "data" / f"year={year}").mkdir(parents=True)
        part.to_parquet(tmp_path / "data" / f"year={year}" / "part-0.parquet")
    (tmp_path / "data" / "_SUCCESS").touch()
    loaded = load_table(tmp_path / "data")
    assert len(loaded) == 300 and sorted(loaded["year"].unique()) == [2024, 2025]
    pd.testing.assert_frame_equal(loaded.drop(columns="year").sort_values(list(table.columns)).reset_index(drop=True),
                                  table.sort_values(list(table.columns)).reset_index(drop=True), check_dtype=False)


def test_a_folder_without_parquet_files_is_named_as_a_folder(tmp_path, table):
    (tmp_path / "csvs").mkdir()
    table.to_csv(tmp_path / "csvs" / "a.csv", index=False)
    with pytest.raises(InputError, match=r"real: .*csvs' is a folder with no \.parquet files in it"):
        load_table(tmp_path / "csvs", name="real")


def test_a_semicolon_csv_is_detected_and_sep_sets_the_delimiter(tmp_path, split):
    """Before: a ';'-delimited synthetic table was read as one column and reported as a column mismatch."""
    split.holdout.to_csv(tmp_path / "semi.csv", sep=";", index=False)
    pd.testing.assert_frame_equal(load_table(tmp_path / "semi.csv"), load_table(split.holdout), check_dtype=False)
    assert load_table(TableFile(tmp_path / "semi.csv", sep=";")).shape == split.holdout.shape
    assert load_table(tmp_path / "semi.csv", sep=",").shape[1] == 1  # an explicit --sep is obeyed as given
    _, gate = fidelity(split, tmp_path / "semi.csv")
    assert gate.verdict is Verdict.PASS


def test_tab_names_the_tab_delimiter_and_a_long_delimiter_is_refused(tmp_path, table):
    table.to_csv(tmp_path / "t.txt", sep="\t", index=False)
    assert load_table(tmp_path / "t.txt", sep="tab").shape == table.shape
    with pytest.raises(InputError, match=r"delimiter ';;' is not one character\. Pass one character: --sep"):
        load_table(tmp_path / "t.txt", sep=";;")


def test_duplicate_csv_headers_are_refused_with_their_names(tmp_path, table):
    """Before: pandas renamed the second 'age' to 'age.1', so the duplicate check never saw it."""
    table.rename(columns={"fnlwgt": "age", "capital_loss": "sex"}).to_csv(tmp_path / "dup.csv", index=False)
    with pytest.raises(InputError, match=r"synthetic: 'dup\.csv' has column names that appear more than once in its "
                                         r"header: \['age', 'sex'\]\. Rename them"):
        load_table(tmp_path / "dup.csv", name="synthetic")


def test_a_non_utf8_csv_names_the_encoding_option_and_encoding_reads_it(tmp_path, table):
    """Before: a Latin-1 CSV was refused with a codec error and no way to name its encoding."""
    latin = table.replace({"workclass": {"Private": "Privé"}})
    latin.to_csv(tmp_path / "latin.csv", index=False, encoding="latin-1")
    with pytest.raises(InputError, match=r"holdout: 'latin\.csv' is not UTF-8 text \(byte 0xe9 .*--encoding latin-1"):
        load_table(tmp_path / "latin.csv", name="holdout")
    loaded = load_table(tmp_path / "latin.csv", encoding="latin-1")
    assert "Privé" in set(loaded["workclass"]) and loaded.shape == table.shape
    with pytest.raises(InputError, match=r"unknown text encoding 'latin-9000'\. Pass a Python codec name"):
        load_table(tmp_path / "latin.csv", encoding="latin-9000")


def test_a_utf8_byte_order_mark_is_not_part_of_the_first_column_name(tmp_path, table):
    table.to_csv(tmp_path / "bom.csv", index=False, encoding="utf-8-sig")
    assert list(load_table(tmp_path / "bom.csv").columns) == list(table.columns)


@pytest.mark.parametrize("where", ["synthetic", "every table"])
def test_infinite_values_are_an_input_error_naming_table_and_column(split, where):
    """Before: inf passed validation; gates then errored (exit 1) or judged on it."""
    def with_inf(frame):
        frame = frame.astype({"age": float})
        frame.loc[:4, "age"] = np.inf
        frame.loc[5, "age"] = -np.inf
        return frame
    synthetic = with_inf(split.holdout)
    real, holdout = (with_inf(split.real), with_inf(split.holdout)) if where == "every table" else (None, None)
    with pytest.raises(InputError, match=r"synthetic\.age: 6 infinite values \(inf or -inf\) in a numerical column\. "
                                         r"Replace them") as caught:
        fidelity(split, synthetic, real, holdout)
    assert ("real.age: 6 infinite values" in str(caught.value)) is (where == "every table")


def with_times(frame: pd.DataFrame, seed: int, zone: str | None) -> pd.DataFrame:
    hours = np.random.default_rng(seed).integers(0, 24 * 365, len(frame))
    start = pd.Timestamp("2024-01-01", tz=zone)
    return frame.assign(seen=start + pd.to_timedelta(hours, unit="h"))


def test_timezone_aware_datetimes_from_parquet_are_compared_in_utc(tmp_path, split):
    """Before: a timezone-aware datetime column made the fidelity gate ERROR (astype to naive datetime)."""
    paths = {}
    for seed, (role, frame, zone) in enumerate((("real", split.real, "Europe/Berlin"),
                                                ("holdout", split.holdout, "Europe/Berlin"),
                                                ("synthetic", split.holdout.iloc[::-1], "America/New_York"))):
        paths[role] = tmp_path / f"{role}.parquet"
        with_times(frame, seed, zone).to_parquet(paths[role])
    result, gate = fidelity(split, paths["synthetic"], paths["real"], paths["holdout"])
    assert gate.verdict in (Verdict.PASS, Verdict.INCONCLUSIVE), gate.summary  # 600 rows: may be inconclusive
    assert all(np.isfinite(m.value) for m in gate.measurements)
    assert "seen: timezone-aware (Europe/Berlin) in real; every table's times are compared in UTC" in result.notes
    loaded = load_table(paths["real"])
    assert loaded["seen"].dt.tz is None and loaded["seen"].iloc[0] == with_times(split.real, 0, "UTC")["seen"].iloc[
        0].tz_convert(None) - pd.Timedelta(hours=1)


def test_a_time_zone_in_one_table_only_is_refused(split):
    naive = with_times(split.holdout, 2, None)
    with pytest.raises(InputError, match=r"synthetic\.seen: times are without a time zone, but real\.seen is "
                                         r"timezone-aware \(Europe/Berlin\).*tz_localize"):
        fidelity(split, naive, with_times(split.real, 0, "Europe/Berlin"),
                 with_times(split.holdout, 1, "Europe/Berlin"))


def with_flag(frame: pd.DataFrame, seed: int, as_number: bool) -> pd.DataFrame:
    flag = np.random.default_rng(seed).random(len(frame)) < 0.4
    return frame.assign(flag=flag.astype(int) if as_number else flag)


@pytest.mark.parametrize("real_number, synthetic_number", [(False, True), (True, False)])
def test_boolean_in_one_table_and_0_1_in_another_is_a_coding_mismatch(tmp_path, split, real_number, synthetic_number):
    """Before: True/False against 0/1 compared equal as categories, and the mismatch went unnoticed."""
    real, holdout = with_flag(split.real, 0, real_number), with_flag(split.holdout, 1, real_number)
    synthetic = with_flag(split.holdout, 2, synthetic_number)
    codes = {True: "0/1", False: "True/False"}
    with pytest.raises(InputError, match=rf"synthetic\.flag: values are coded {codes[synthetic_number]}, but "
                                         rf"real\.flag is coded {codes[real_number]}\. Code the column the same way"):
        fidelity(split, synthetic, real, holdout)
    _, gate = fidelity(split, with_flag(split.holdout, 2, real_number), real, holdout)  # the same coding passes
    assert gate.verdict is not Verdict.ERROR


def test_a_latin1_metadata_file_is_refused_with_the_fix(tmp_path, split):
    path = tmp_path / "meta.yaml"
    path.write_bytes("# métadonnées\ntarget: income\n".encode("latin-1"))
    with pytest.raises(InputError, match=r"meta\.yaml' is not UTF-8 text \(byte 0xe9 on line 1 .*Save it as UTF-8"):
        build_context(split.real, split.holdout, split.holdout, metadata=path, policy=POLICY)
    path.write_bytes("\ufeff# métadonnées\ntarget: income\n".encode("utf-8"))  # UTF-8 with a byte-order mark
    assert build_context(split.real, split.holdout, split.holdout, metadata=path, policy=POLICY).schema.target == \
        "income"


def test_a_latin1_policy_file_is_refused_with_the_fix(tmp_path):
    path = tmp_path / "policy.toml"
    path.write_bytes("# politique\nresamples = 10\n# réglée\n".encode("latin-1"))
    with pytest.raises(PolicyError, match=r"'policy\.toml' is not UTF-8 text \(byte 0xe9 on line 3 .*Save it as UTF-8"):
        load_policy(path)
    path.write_bytes("\ufeffresamples = 20\n".encode("utf-8"))
    assert load_policy(path).resamples == 20


@pytest.mark.parametrize("settings, message", [({"resamples": 10**9}, "resamples: Input should be less than or "
                                                                      "equal to 10000"),
                                               ({"seed": -1}, "seed: Input should be greater than or equal to 0")])
def test_policy_bounds_resamples_and_refuses_a_negative_seed(settings, message):
    """Before: 10**9 resamples ran for ever; a negative seed made every gate ERROR."""
    with pytest.raises(PolicyError, match=message):
        load_policy(settings)


def test_a_one_class_synthetic_target_skips_the_illusion_gap_without_a_numpy_warning(split):
    """Before: validation.illusion_gap was an ERROR, with NumPy's 'Mean of empty slice' warning."""
    from synthgate.gates.validation import ValidationGate

    synthetic = split.holdout.assign(income="<=50K")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = check(split.real, split.holdout, synthetic, metadata=split.metadata, policy=POLICY,
                       gates=[ValidationGate()])
    gate = result.gate("validation")
    illusion = next(m for m in gate.measurements if m.id == "validation.illusion_gap")
    assert illusion.verdict is Verdict.SKIPPED
    assert "income takes 1 distinct value(s) in synthetic" in illusion.reason
    assert next(m for m in gate.measurements if m.id == "validation.tstr_gap").verdict is Verdict.FAIL
    assert gate.verdict is Verdict.FAIL  # a useless training set fails; it is judged, not an error
