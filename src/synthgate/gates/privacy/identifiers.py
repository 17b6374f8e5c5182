"""Direct identifiers and declared quasi-identifiers, reused from the training rows.

Identifier / free-text columns (names, e-mails, IDs: almost every value unique) are left out of every
distance, so nothing else sees a synthetic table that carries real people's e-mails.

- ``privacy.identifier_reuse_rate``: per identifier column, the share of synthetic values (missing ones left
  out) equal to a value of that column in the training rows, against the same share of holdout values at
  the synthetic table's size; judged on the worst column, against the worst of the per-column honest draws.
  The reason names the column, never a value. A fresh real sample shares almost no identifier with the
  training rows, so any reuse beyond that fails. A row counter restarted at 0 in the synthetic table is
  reused too: drop such a column from the synthetic table, or declare its kind in the metadata;
- ``privacy.quasi_identifier_reuse_rate`` (when ``[gates.privacy] quasi_identifiers`` declares column
  combinations such as ``[["age", "sex", "zip"]]``): the share of synthetic rows whose combination equals
  that of a training record and occurs once in train ∪ holdout (the combination singles that person out),
  against the holdout's leave-one-out share; worst combination, as above. Skipped when none is declared.
"""

from __future__ import annotations

import numpy as np

from synthgate.gates.context import RunContext
from synthgate.gates.privacy._common import count_in, worst_rate_versus_holdout
from synthgate.data.schema import Kind
from synthgate.neighbors import row_hashes
from synthgate.verdict import Measurement, Rule, skipped

IDENTIFIER_MID = "privacy.identifier_reuse_rate"
QUASI_MID = "privacy.quasi_identifier_reuse_rate"


def identifier_columns(ctx: RunContext) -> list[str]:
    """Columns classed as identifiers / free text (inferred, or declared in the metadata)."""
    return [c.name for c in ctx.schema.columns if c.kind is Kind.IDENTIFIER]


def identifier_reuse_rate(ctx: RunContext, rule: Rule) -> Measurement:
    """``privacy.identifier_reuse_rate``: the worst identifier column's reuse of training values."""
    columns = identifier_columns(ctx)
    if not columns:
        return skipped(IDENTIFIER_MID, "no identifier or free-text column (almost every value unique) to check")
    rates = {}
    for column in columns:
        synthetic, holdout = (_reused(ctx, role, column)[1] for role in ("synthetic", "holdout"))
        rates[column] = (synthetic, holdout)
    return worst_rate_versus_holdout(ctx, IDENTIFIER_MID, rule, rates, what="identifier column",
                                     details={"columns": columns, "reused_values": {
                                         c: int(rates[c][0].sum()) for c in columns}})


def quasi_identifier_reuse_rate(ctx: RunContext, rule: Rule, combinations: list[list[str]] | None) -> Measurement:
    """``privacy.quasi_identifier_reuse_rate``: the worst declared combination's reuse of unique training values."""
    if not combinations:
        return skipped(QUASI_MID, "no quasi-identifier combination declared ([gates.privacy] quasi_identifiers)")
    unknown = sorted({c for combo in combinations for c in combo} - set(ctx.tables.real.columns))
    if unknown:
        return skipped(QUASI_MID, f"quasi_identifiers name columns {unknown} that the tables do not have")
    rates = {}
    for combo in combinations:
        name = "+".join(combo)
        synthetic, holdout = (_unique_combination(ctx, role, tuple(combo)) for role in ("synthetic", "holdout"))
        rates[name] = (synthetic, holdout)
    return worst_rate_versus_holdout(ctx, QUASI_MID, rule, rates, what="combination",
                                     details={"combinations": ["+".join(c) for c in combinations],
                                              "unique": "once in train ∪ holdout (a holdout row leaves itself out)"})


def reuse_pairs(ctx: RunContext) -> list[tuple[str, np.ndarray, np.ndarray]]:
    """Per identifier column: synthetic rows reusing a training value, and a training row with that value.

    Private: positions of people, never for a report (see ``private.py``).
    """
    out = []
    for column in identifier_columns(ctx):
        keys, _ = _reused(ctx, "synthetic", column)
        train_keys, _ = _reused(ctx, "real", column)
        present = ctx.tables.synthetic[column].notna().to_numpy()
        order = np.argsort(train_keys, kind="stable")
        if not len(order):
            continue
        pos = np.minimum(np.searchsorted(train_keys[order], keys), len(order) - 1)
        hit = present & (train_keys[order][pos] == keys) & ctx.tables.real[column].notna().to_numpy()[order][pos]
        rows = np.flatnonzero(hit)
        out.append((column, rows, order[pos][rows]))
    return out


def _reused(ctx: RunContext, role: str, column: str) -> tuple[np.ndarray, np.ndarray]:
    """(value hash of every row, whether each non-missing value occurs in the training column) (cached)."""

    def compute() -> tuple[np.ndarray, np.ndarray]:
        keys = np.asarray(row_hashes(ctx.tables[role][[column]]), dtype=np.uint64)
        real = ctx.tables.real[column]
        train = np.asarray(row_hashes(ctx.tables.real[[column]]), dtype=np.uint64)[real.notna().to_numpy()]
        present = ctx.tables[role][column].notna().to_numpy()
        return keys, (count_in(keys, train) > 0)[present]

    return ctx._cached(("privacy-identifier", role, column), compute)


def _unique_combination(ctx: RunContext, role: str, combo: tuple[str, ...]) -> np.ndarray:
    """Whether each row's combination equals a training record's that occurs once in train ∪ holdout."""
    keys = {r: np.asarray(row_hashes(ctx.tables[r][list(combo)]), dtype=np.uint64) for r in ("real", "holdout")}
    own = keys[role] if role in keys else np.asarray(row_hashes(ctx.tables[role][list(combo)]), dtype=np.uint64)
    in_train, in_holdout = count_in(own, keys["real"]), count_in(own, keys["holdout"])
    return (in_train == 1) & (in_holdout == (1 if role == "holdout" else 0))
