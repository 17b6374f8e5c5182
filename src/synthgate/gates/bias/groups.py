"""Sensitive groups and the outcome of every table: how rows split into groups, and which rows are positive."""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations
from typing import Any

import numpy as np

from synthgate.data import numeric_values
from synthgate.gates.context import MASK, RunContext

#: A numerical sensitive attribute (e.g. age) is judged in groups cut at the real quartiles.
QUARTILES = (0.25, 0.5, 0.75)


@dataclass(frozen=True, eq=False)
class Grouping:
    """One way of splitting rows into groups: a sensitive attribute, or the intersection of two.

    ``codes[role]`` is each row's group (-1: in no group, e.g. a category real never had);
    ``values`` the raw value of each column per group (to match policy requests); ``labels`` are safe
    for shareable reports (rare categories masked).
    """

    name: str
    columns: tuple[str, ...]
    values: tuple[tuple[Any, ...], ...]
    labels: tuple[str, ...]
    codes: dict[str, np.ndarray]

    @property
    def size(self) -> int:
        return len(self.labels)


@dataclass(frozen=True, eq=False)
class Outcome:
    """The target as a positive / not-positive indicator per row of every table."""

    column: str
    positive: Any
    label: str
    y: dict[str, np.ndarray]
    note: str | None = None


def groupings_of(ctx: RunContext, *, intersections: bool) -> tuple[list[Grouping], list[str]]:
    """Each usable sensitive attribute, then each pair of them; notes say which attributes were left out."""
    singles, notes = [], []
    for column in ctx.schema.sensitive:
        found = _single(ctx, column)
        if isinstance(found, str):
            notes.append(found)
        else:
            singles.append(found)
    pairs = [_pair(ctx, a, b) for a, b in combinations(singles, 2)] if intersections else []
    return singles + pairs, notes


def outcome_of(ctx: RunContext) -> Outcome | str:
    """The target indicator, or why outcome rates cannot be measured on this data."""
    target = ctx.schema.target
    if not target:
        return "no target column declared (metadata: target)"
    spec = ctx.schema[target]
    if not spec.usable:
        return f"target {target!r} is {spec.excluded}"
    if not spec.kind.is_categorical:
        return (f"target {target!r} is {spec.kind.value}; outcome rates need a categorical target "
                "(declare a binned or boolean version as the target)")
    categories = [c for c in spec.categories if c is not None]
    note = None
    if ctx.schema.positive is None:
        positive = categories[-1]  # categories are in real's frequency order: the last is the minority
        note = (f"no positive label declared (metadata: positive); the minority class "
                f"{ctx.label(target, positive)!r} is taken as positive")
    else:
        match = ([c for c in categories if c == ctx.schema.positive]
                 or [c for c in categories if str(c) == str(ctx.schema.positive)])
        if not match:
            return f"the positive label {ctx.schema.positive!r} does not occur in real.{target}"
        positive = match[0]
    if len(categories) > 2:
        note = (note + "; " if note else "") + f"{len(categories)} classes: judged as positive versus the rest"
    index = spec.categories.index(positive)
    y = {role: ctx.encoding.codes(ctx.tables[role], target) == index for role in ctx.tables.roles()}
    return Outcome(target, positive, ctx.label(target, positive), y, note)


def _single(ctx: RunContext, column: str) -> Grouping | str:
    spec = ctx.schema[column]
    if not spec.usable:
        return f"sensitive attribute {column!r} left out: {spec.excluded}"
    roles = ctx.tables.roles()
    if spec.kind.is_categorical:
        codes = {role: ctx.encoding.codes(ctx.tables[role], column) for role in roles}
        labels = tuple(ctx.label(column, np.nan if v is None else v) for v in spec.categories)
        return Grouping(column, (column,), tuple((v,) for v in spec.categories), labels, codes)
    real = numeric_values(ctx.tables.real[column])
    edges = np.unique(np.nanquantile(real, QUARTILES))
    labels = ([f"< {edges[0]:.4g}"] + [f"[{a:.4g}, {b:.4g})" for a, b in zip(edges[:-1], edges[1:])]
              + [f"≥ {edges[-1]:.4g}"])
    nan_code = len(labels) if np.isnan(real).any() else -1
    labels += ["NaN"] if nan_code >= 0 else []
    codes = {}
    for role in roles:
        values = numeric_values(ctx.tables[role][column])
        codes[role] = np.where(np.isnan(values), nan_code, np.searchsorted(edges, values, side="right"))
    return Grouping(column, (column,), tuple((label,) for label in labels), tuple(labels), codes)


def _pair(ctx: RunContext, a: Grouping, b: Grouping) -> Grouping:
    codes = {role: np.where((a.codes[role] >= 0) & (b.codes[role] >= 0), a.codes[role] * b.size + b.codes[role], -1)
             for role in a.codes}
    real = np.bincount(codes["real"][codes["real"] >= 0], minlength=a.size * b.size)
    labels, values = [], []
    for i, (label_a, value_a) in enumerate(zip(a.labels, a.values)):
        for j, (label_b, value_b) in enumerate(zip(b.labels, b.values)):
            # A combination of two common labels can still be rare: mask it on its own count.
            rare = real[i * b.size + j] < ctx.policy.mask_below
            labels.append(MASK if rare else f"{label_a} × {label_b}")
            values.append(value_a + value_b)
    return Grouping(f"{a.name} × {b.name}", a.columns + b.columns, tuple(values), tuple(labels), codes)
