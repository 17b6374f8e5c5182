"""Column kinds, the schema inferred from the real table, and the optional metadata file."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, field_validator

from synthgate.data.sdv import from_sdv, is_sdv_metadata
from synthgate.errors import InputError
from synthgate.textfiles import utf8_text

#: A string column whose rows are at least this unique is an identifier / free text, not a category.
IDENTIFIER_UNIQUE_SHARE = 0.95
IDENTIFIER_MIN_VALUES = 50


class Kind(str, Enum):
    NUMERICAL = "numerical"
    CATEGORICAL = "categorical"
    BOOLEAN = "boolean"
    DATETIME = "datetime"
    IDENTIFIER = "identifier"

    @property
    def is_categorical(self) -> bool:
        return self in (Kind.CATEGORICAL, Kind.BOOLEAN)

    @property
    def is_numerical(self) -> bool:
        return self in (Kind.NUMERICAL, Kind.DATETIME)


class Generator(BaseModel):
    """What the user declares about the generator that made the synthetic table."""

    model_config = ConfigDict(extra="forbid")
    name: str | None = None
    kind: str | None = None
    dp_epsilon: float | None = Field(default=None, gt=0)
    created: str | None = None


class Metadata(BaseModel):
    """The optional metadata file: column kinds, target, sensitive attributes, generator facts."""

    model_config = ConfigDict(extra="forbid")
    target: str | None = None
    positive: Any = None
    sensitive: list[str] = Field(default_factory=list)
    columns: dict[str, Kind] = Field(default_factory=dict)
    nullable: list[str] = Field(default_factory=list)
    generator: Generator = Field(default_factory=Generator)
    _notes: tuple[str, ...] = PrivateAttr(default=())  # how the file was read (e.g. translated from SDV)

    @property
    def notes(self) -> tuple[str, ...]:
        return self._notes

    @field_validator("sensitive", mode="before")
    @classmethod
    def _one_or_many(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value


def load_metadata(source: str | Path | dict | Metadata | None) -> Metadata:
    """Read a YAML or JSON metadata file (or a dict) into validated ``Metadata``."""
    if source is None:
        return Metadata()
    if isinstance(source, Metadata):
        return source
    data = source
    if not isinstance(source, dict):
        path = Path(source)
        text = _read_text(path)
        try:
            data = json.loads(text) if path.suffix.lower() == ".json" else yaml.safe_load(text)
        except (ValueError, yaml.YAMLError) as err:
            raise InputError(f"metadata file {str(path)!r} is not valid JSON/YAML ({err}).",
                             fix="Fix its syntax.") from None
    data, notes = from_sdv(data) if is_sdv_metadata(data) else (data, [])
    try:
        metadata = Metadata.model_validate(data or {})
    except ValidationError as err:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in err.errors())
        raise InputError(f"metadata does not validate: {problems}.",
                         fix="Allowed keys: target, positive, sensitive, columns (name: kind), nullable, "
                             "generator {name, kind, dp_epsilon, created}.") from None
    metadata._notes = tuple(notes)
    return metadata


def _read_text(path: Path) -> str:
    """The file's text: UTF-8 (a byte-order mark is skipped), as YAML and JSON files are written."""
    if path.is_dir():
        raise InputError(f"metadata path {str(path)!r} is a folder.", fix="Pass the YAML or JSON file itself.")
    if not path.is_file():
        raise InputError(f"metadata file {str(path)!r} does not exist.", fix="Check the path of --metadata.")
    return utf8_text(path, "metadata file", lambda problem, fix: InputError(problem, fix=fix))


@dataclass(frozen=True)
class Column:
    name: str
    kind: Kind
    nullable: bool = False
    categories: tuple[Any, ...] = ()
    excluded: str | None = None  # why the column is left out of distance metrics, if it is
    singleton_share: float = 0.0  # share of real rows whose category occurs once (Good-Turing unseen mass)

    @property
    def usable(self) -> bool:
        return self.excluded is None


@dataclass(frozen=True)
class Schema:
    columns: tuple[Column, ...]
    target: str | None = None
    positive: Any = None
    sensitive: tuple[str, ...] = ()
    notes: tuple[str, ...] = field(default=(), compare=False)

    def __getitem__(self, name: str) -> Column:
        for column in self.columns:
            if column.name == name:
                return column
        raise KeyError(name)

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]

    @property
    def usable(self) -> list[Column]:
        return [c for c in self.columns if c.usable]

    @property
    def numerical(self) -> list[str]:
        return [c.name for c in self.usable if c.kind.is_numerical]

    @property
    def categorical(self) -> list[str]:
        return [c.name for c in self.usable if c.kind.is_categorical]


def infer_kind(series: pd.Series) -> Kind:
    """Kind of a real column from its dtype and values."""
    values = series.dropna()
    if pd.api.types.is_bool_dtype(series) or (len(values) and values.nunique() <= 2
                                              and set(values.unique()) <= {0, 1, True, False}):
        return Kind.BOOLEAN
    if pd.api.types.is_datetime64_any_dtype(series):
        return Kind.DATETIME
    if pd.api.types.is_numeric_dtype(series):
        return Kind.IDENTIFIER if _looks_like_integer_id(values) else Kind.NUMERICAL
    unique = values.nunique()
    if unique >= IDENTIFIER_MIN_VALUES and unique >= IDENTIFIER_UNIQUE_SHARE * max(len(values), 1):
        return Kind.IDENTIFIER
    return Kind.CATEGORICAL


def _looks_like_integer_id(values: pd.Series) -> bool:
    """Unique integers forming a near-contiguous range (row ids, counters) carry no distribution."""
    if len(values) < IDENTIFIER_MIN_VALUES or not pd.api.types.is_integer_dtype(values):
        return False
    if values.nunique() != len(values):
        return False
    span = int(values.max()) - int(values.min()) + 1
    return span <= 1.1 * len(values)


def category_values(series: pd.Series) -> tuple[Any, ...]:
    """Real categories ordered by frequency (ties by label), NaN last when present."""
    counts = series.value_counts(dropna=True)
    ordered = sorted(counts.items(), key=lambda kv: (-kv[1], str(kv[0])))
    values = tuple(_plain(k) for k, _ in ordered)
    return values + ((None,) if series.isna().any() else ())


def _plain(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value
