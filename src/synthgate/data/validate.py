"""One validation pass over the input tables: collect every problem, then raise (messages say what to fix)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from synthgate.data.load import TIMEZONES
from synthgate.data.roles import check_holdout_overlap
from synthgate.data.schema import Column, Kind, Metadata, Schema, category_values, infer_kind
from synthgate.errors import InputError, raise_collected

ROLES = ("real", "holdout", "synthetic")


@dataclass(frozen=True)
class Limits:
    min_rows: int = 200
    max_categories: int = 1000
    max_unseen_share: float = 0.01
    holdout_is_generation_zero: bool = False  # a generation chain without a holdout: no overlap check


def validate_inputs(tables: dict[str, pd.DataFrame], metadata: Metadata, limits: Limits = Limits()) -> Schema:
    """Check ``tables`` (``real`` first; every role shares its columns) and return the schema of ``real``."""
    errors: list[InputError] = []
    for role, frame in tables.items():
        errors += _check_size(role, frame, limits)
    raise_collected(errors)
    real = tables["real"]
    for role, frame in tables.items():
        if role != "real":
            errors += _check_columns(role, frame, real)
    errors += _check_metadata(metadata, real)
    raise_collected(errors)
    schema = infer_schema(real, metadata, limits, tables)
    for role, frame in tables.items():
        errors += _check_infinite(role, frame, schema)
        if role != "real":
            errors += _check_values(role, frame, schema, limits, tables.get("holdout"))
            errors += _check_codings(role, frame, real, schema)
    errors += _check_cardinality(schema, real, limits)
    if "holdout" in tables and not limits.holdout_is_generation_zero:
        errors += check_holdout_overlap(real, tables["holdout"])
    raise_collected(errors)
    return schema


def _check_size(role: str, frame: pd.DataFrame, limits: Limits) -> list[InputError]:
    if frame.shape[1] == 0:
        return [InputError("has no columns.", fix="Pass a table with a header row and data.", table=role)]
    if len(frame) < limits.min_rows:
        return [InputError(f"{len(frame)} rows. A {role} table needs at least {limits.min_rows} rows "
                           "(policy: min_rows);", fix="pass a larger one.", table=role)]
    duplicated = frame.columns[frame.columns.duplicated()].tolist()
    if duplicated:
        return [InputError(f"column names {duplicated} appear more than once.", fix="Rename them.", table=role)]
    return []


def _check_columns(role: str, frame: pd.DataFrame, real: pd.DataFrame) -> list[InputError]:
    extra = [c for c in frame.columns if c not in real.columns]
    missing = [c for c in real.columns if c not in frame.columns]
    if not extra and not missing:
        return []
    parts = ([f"columns {extra} are not in real"] if extra else []) + ([f"{missing} missing"] if missing else [])
    return [InputError(", and ".join(parts) + ".", fix="All tables must share one column set.", table=role)]


def _check_metadata(metadata: Metadata, real: pd.DataFrame) -> list[InputError]:
    named = {"target": [metadata.target] if metadata.target else [], "sensitive": metadata.sensitive,
             "columns": list(metadata.columns), "nullable": metadata.nullable}
    errors = [InputError(f"metadata '{key}' names {[n for n in names if n not in real.columns]}, "
                         "which real does not have.", fix=f"Use column names of real: {list(real.columns)}.")
              for key, names in named.items() if any(n not in real.columns for n in names)]
    if metadata.target and metadata.target in metadata.sensitive:
        errors.append(InputError(f"metadata target {metadata.target!r} is also listed in sensitive.",
                                 fix="Remove it from one list: the target is the outcome, sensitive attributes "
                                     "are the groups whose outcomes are compared."))
    return errors + _check_positive(metadata, real)


def _check_positive(metadata: Metadata, real: pd.DataFrame) -> list[InputError]:
    """A positive label the target never takes would leave every outcome rate unmeasured, silently."""
    if metadata.positive is None:
        return []
    target = metadata.target
    if not target:
        return [InputError(f"metadata positive {metadata.positive!r} is given without a target.",
                           fix="Add 'target: <column>' to the metadata, or remove 'positive'.")]
    if target not in real.columns:
        return []  # reported above as an unknown column
    values = [v for v in category_values(real[target]) if v is not None]
    # The bias gate matches a label by value or by its text (YAML may read "1" as 1): the same test here.
    if any(v == metadata.positive or str(v) == str(metadata.positive) for v in values):
        return []
    shown = sorted(values, key=str)[:20] + (["…"] if len(values) > 20 else [])
    return [InputError(f"metadata positive {metadata.positive!r} is not a value of {target}; {target} has {shown}.",
                       fix="Fix the label (values are case-sensitive).")]


def infer_schema(real: pd.DataFrame, metadata: Metadata, limits: Limits = Limits(),
                 tables: dict[str, pd.DataFrame] | None = None) -> Schema:
    """Column kinds from ``real`` (metadata overrides), with notes on every excluded column."""
    columns, notes = [], list(metadata.notes)
    for name in real.columns:
        series = real[name]
        kind = metadata.columns.get(name) or infer_kind(series)
        nullable = bool(series.isna().any()) or name in metadata.nullable
        excluded = _exclusion(name, series, kind)
        if excluded:
            notes.append(f"{name}: {excluded}")
        categories = category_values(series) if kind.is_categorical else ()
        singletons = float((series.value_counts() == 1).sum() / len(series)) if kind.is_categorical else 0.0
        columns.append(Column(name, kind, nullable, categories, excluded, singletons))
    notes += [f"{name}: timezone-aware ({zone}) in real; every table's times are compared in UTC"
              for name, zone in real.attrs.get(TIMEZONES, {}).items()]
    return Schema(tuple(columns), metadata.target, metadata.positive, tuple(metadata.sensitive), tuple(notes))


def _exclusion(name: str, series: pd.Series, kind: Kind) -> str | None:
    if kind is Kind.IDENTIFIER:
        return ("excluded from distance metrics: identifier / free text (almost every value unique); "
                "declare its kind in the metadata file if that is wrong")
    if series.nunique(dropna=False) <= 1:
        return "excluded: constant in real (one value), so it carries no information to compare"
    return None


def _check_values(role: str, frame: pd.DataFrame, schema: Schema, limits: Limits,
                  holdout: pd.DataFrame | None = None) -> list[InputError]:
    errors = []
    for column in schema.usable:
        series = frame[column.name]
        if column.kind.is_numerical and not _numeric_like(series, column.kind):
            errors.append(InputError(f"values are {series.dtype}, but real.{column.name} is {column.kind.value}.",
                                     fix="Convert the column, or declare its kind in the metadata file.",
                                     table=role, column=column.name))
            continue
        if role == "synthetic":
            also_real = holdout[column.name] if holdout is not None and column.name in holdout else None
            errors += _check_synthetic_values(series, column, limits.max_unseen_share, also_real)
    return errors


def _check_synthetic_values(series: pd.Series, column: Column, max_share: float,
                            holdout: pd.Series | None = None) -> list[InputError]:
    errors = []
    nan = int(series.isna().sum())
    if nan and not column.nullable:
        errors.append(InputError(f"{nan} NaN values, real.{column.name} has none.",
                                 fix=f"Fill them, or mark '{column.name}' nullable in the metadata file.",
                                 table="synthetic", column=column.name))
    if column.kind.is_categorical:
        errors += _check_unseen(series, column, max_share, holdout)
    return errors


def _check_unseen(series: pd.Series, column: Column, max_share: float,
                  holdout: pd.Series | None = None) -> list[InputError]:
    """A few unseen categories are natural (a real sample has them too); many mean a coding mismatch.

    A category the holdout has is a real category, whatever the training sample lacks (German credit: a
    purpose held by 1 % of people is missing from a 300-row real table in about 5 % of splits, and an
    independent real sample was refused). For the rest, the allowance is the policy's share plus twice the
    Good-Turing estimate of real's unseen mass (categories seen once in real / real rows): what an honest
    sample of the same source would show, plus the binomial noise of a sample this size (its 99.9 % quantile:
    German credit, split seed 3, 500 independent real rows held 2 % of a category neither the 300 real nor
    the 100 holdout rows had, against an allowance of 1.3 %).
    """
    known = set(column.categories)
    if holdout is not None:
        known |= set(holdout.dropna().unique())
    unseen_mask = series.notna() & ~series.isin([c for c in known if c is not None])
    share = float(unseen_mask.mean())
    max_share += 2.0 * column.singleton_share  # Good-Turing is noisy on small tables: allow twice it
    rows = max(int(series.notna().sum()), 1)
    if share <= max_share or unseen_mask.sum() <= stats.binom.ppf(0.999, rows, min(max_share, 1.0)):
        return []
    unseen = sorted({str(v) for v in series[unseen_mask].unique()})
    shown = unseen[:5] + (["…"] if len(unseen) > 5 else [])
    return [InputError(f"{share:.1%} of rows hold {len(unseen)} categories that never occur in real: {shown} "
                       f"(allowed {max_share:.1%}, policy: max_unseen_share).",
                       fix="Check the coding (case, spelling, numbers as text), fix the generator, or map them "
                           "to real categories.", table="synthetic", column=column.name)]


def _check_infinite(role: str, frame: pd.DataFrame, schema: Schema) -> list[InputError]:
    """inf has no place on a number line: distances, quantiles and models turn it into NaN or a crash."""
    errors = []
    for column in schema.usable:
        series = frame[column.name]
        if column.kind is Kind.NUMERICAL and pd.api.types.is_float_dtype(series):
            count = int(np.isinf(series.to_numpy(dtype=float, na_value=np.nan)).sum())
            if count:
                errors.append(InputError(f"{count} infinite values (inf or -inf) in a numerical column.",
                                         fix="Replace them with finite values (or with NaN, and mark "
                                             f"'{column.name}' nullable in the metadata file if real has no NaN).",
                                         table=role, column=column.name))
    return errors


def _check_codings(role: str, frame: pd.DataFrame, real: pd.DataFrame, schema: Schema) -> list[InputError]:
    """The same column coded True/False in one table and 0/1 in another, or with a time zone in only one."""
    errors = []
    zones = {r: t.attrs.get(TIMEZONES, {}) for r, t in (("real", real), (role, frame))}
    for column in schema.usable:
        name = column.name
        if column.kind is Kind.BOOLEAN:
            ours, theirs = _boolean_coding(real[name]), _boolean_coding(frame[name])
            if ours and theirs and ours != theirs:
                errors.append(InputError(f"values are coded {theirs}, but real.{name} is coded {ours}.",
                                         fix=f"Code the column the same way in every table (e.g. convert {role}."
                                             f"{name} to {ours}).", table=role, column=name))
        elif column.kind is Kind.DATETIME and pd.api.types.is_datetime64_any_dtype(frame[name]):
            ours, theirs = zones["real"].get(name), zones[role].get(name)
            if (ours is None) != (theirs is None):
                shown = {r: f"timezone-aware ({z})" if z else "without a time zone"
                         for r, z in (("real", ours), (role, theirs))}
                errors.append(InputError(f"times are {shown[role]}, but real.{name} is {shown['real']}: the same "
                                         "clock reading would mean different instants.",
                                         fix="Give both the same time zone (tz_localize the naive one), or drop "
                                             "the zone from both.", table=role, column=name))
    return errors


def _boolean_coding(series: pd.Series) -> str | None:
    """'True/False' (bool values), '0/1' (numbers), or None (another coding, left to the category checks)."""
    values = series.dropna()
    if not len(values):
        return None
    if pd.api.types.is_bool_dtype(series) or all(isinstance(v, (bool, np.bool_)) for v in values.unique()):
        return "True/False"
    if pd.api.types.is_numeric_dtype(series) and set(values.unique()) <= {0, 1}:
        return "0/1"
    return None


def _numeric_like(series: pd.Series, kind: Kind) -> bool:
    if kind is Kind.DATETIME:
        return pd.api.types.is_datetime64_any_dtype(series)
    return pd.api.types.is_numeric_dtype(series) or series.isna().all()


def _check_cardinality(schema: Schema, real: pd.DataFrame, limits: Limits) -> list[InputError]:
    return [InputError(f"{len(c.categories)} distinct categories (limit {limits.max_categories}, policy: "
                       "max_categories).", fix="Bin it, raise max_categories, or declare it 'identifier' in the "
                                               "metadata file to leave it out.", table="real", column=c.name)
            for c in schema.usable if c.kind.is_categorical and len(c.categories) > limits.max_categories]
