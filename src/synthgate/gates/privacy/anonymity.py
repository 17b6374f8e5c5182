"""Singling out, linkability and inference risks against a control set, in the sense of anonymeter.

Each attack uses the synthetic table against training rows (the attack) and, unchanged, against holdout
rows (the control, never seen by the generator). Risk = (attack rate - control rate) / (1 - control rate)
(Giomi et al. 2023): the part of the attack's success that only training rows give, whatever the synthetic
table's fidelity. Unlike anonymeter the risk is not clipped at 0 (only to [-1, 1]) and rates are plain
shares; when every control attack succeeds (e.g. the holdout itself as "synthetic") the risk is -1 if
training rows are less exposed, else 0.

Reference: the analytic null "training and control rows are equally exposed": risk 0 with the sd of the
difference of two binomial rates at the pooled rate, divided by (1 - pooled rate). Inference is judged on
its worst secret, against the maximum of independent nulls (simulated).
"""

from __future__ import annotations

import math

import numpy as np

from synthgate.gates.context import RunContext
from synthgate.gates.privacy._mixed import MixedTable, mixed_table
from synthgate.gates.privacy.attacks import inference_successes, linkability_successes
from synthgate.gates.privacy.singling_out import singles_out, singling_out_queries
from synthgate.reference import analytic, band, subsample
from synthgate.verdict import Measurement, Rule, inconclusive, judge, skipped

MAX_ATTEMPTS_PER_QUERY = 100


def singling_out_risk(ctx: RunContext, rule: Rule, attacks: int, n_cols: int) -> Measurement:
    """``privacy.singling_out_risk``: queries built on synthetic rows that single out one training row."""
    mid = "privacy.singling_out_risk"
    rng = ctx.rng(mid)
    # A query singles out more easily in a smaller table: train is cut to the holdout's size.
    n = min(len(ctx.tables.real), len(ctx.tables.holdout))
    train = mixed_table(ctx, "real").rows(subsample(len(ctx.tables.real), n, rng))
    control = mixed_table(ctx, "holdout").rows(subsample(len(ctx.tables.holdout), n, rng))
    queries, tried = singling_out_queries(mixed_table(ctx, "synthetic"), attacks, n_cols, rng,
                                          max_attempts=MAX_ATTEMPTS_PER_QUERY * attacks)
    if len(queries) == 0:
        return inconclusive(mid, f"no query built on {n_cols} synthetic columns singles out a synthetic row "
                                 f"({tried} tried)", n=0)
    details = {"queries": len(queries), "requested": attacks, "attempts": tried, "columns_per_query": n_cols,
               "compared_rows": n}
    return _risk(ctx, mid, rule, singles_out(train, queries), singles_out(control, queries), len(queries),
                 details)


def linkability_risk(ctx: RunContext, rule: Rule, attacks: int, groups: list[list[str]] | None) -> Measurement:
    """``privacy.linkability_risk``: two column groups of one person linked through one synthetic row."""
    mid = "privacy.linkability_risk"
    synthetic = mixed_table(ctx, "synthetic")
    names = list(synthetic.names)
    if groups is None:
        groups = [names[0::2], names[1::2]]
    unknown = sorted({c for g in groups for c in g} - set(names))
    if unknown or len(groups) != 2 or not all(groups):
        why = (f"linkability_columns name columns {unknown} that are not usable columns" if unknown
               else "linkability needs two non-empty column groups")
        return skipped(mid, why + f" (usable: {names})")
    first, second = ([names.index(c) for c in g] for g in groups)
    train, control = _targets(ctx, mid, attacks)
    details = {"targets": len(train), "columns": [list(g) for g in groups]}
    return _risk(ctx, mid, rule, linkability_successes(train, synthetic, first, second),
                 linkability_successes(control, synthetic, first, second), len(train), details)


def inference_risk(ctx: RunContext, rule: Rule, attacks: int, secrets: list[str] | None) -> Measurement:
    """``privacy.inference_risk``: the worst secret guessed from the other columns via the synthetic rows."""
    mid = "privacy.inference_risk"
    synthetic = mixed_table(ctx, "synthetic")
    names = list(synthetic.names)
    declared = list(dict.fromkeys(secrets or [c for c in [*ctx.schema.sensitive, ctx.schema.target] if c]))
    chosen = [c for c in declared if c in names] or names
    if len(names) < 2:
        return skipped(mid, "inference needs at least two usable columns")
    columns = [names.index(c) for c in chosen]
    train, control = _targets(ctx, mid, attacks)
    hit_train = inference_successes(train, synthetic, columns)
    hit_control = inference_successes(control, synthetic, columns)
    per_secret = {names[s]: _rates(hit_train[s], hit_control[s], len(train)) for s in columns}
    worst = max(per_secret, key=lambda c: per_secret[c]["risk"])
    sds = np.array([per_secret[c]["null_sd"] for c in per_secret])
    rng = ctx.rng(mid + ".null")
    honest_max = (rng.standard_normal((2000, len(sds))) * sds).max(axis=1)
    reference = band(honest_max, level=ctx.policy.band, n=len(train),
                     method=f"analytic null, maximum over {len(sds)} secret(s)")
    details = {"targets": len(train), "worst_secret": worst,
               "secrets_source": "policy" if secrets else ("metadata" if declared else "every column"),
               "secrets_not_usable": [c for c in declared if c not in names],
               "secrets": per_secret}
    return judge(mid, per_secret[worst]["risk"], reference, rule, n=len(train), details=details)


def _targets(ctx: RunContext, mid: str, attacks: int) -> tuple[MixedTable, MixedTable]:
    n = min(attacks, len(ctx.tables.real), len(ctx.tables.holdout))
    ctx.record_sample(f"{mid}.targets", used=n, given=min(len(ctx.tables.real), len(ctx.tables.holdout)),
                      why="attack targets (training rows, and as many holdout rows as control)",
                      setting="policy [gates.privacy] attacks")
    rng = ctx.rng(mid + ".targets")
    return (mixed_table(ctx, "real").rows(subsample(len(ctx.tables.real), n, rng)),
            mixed_table(ctx, "holdout").rows(subsample(len(ctx.tables.holdout), n, rng)))


def _risk(ctx: RunContext, mid: str, rule: Rule, attack: float, control: float, n: int,
          details: dict) -> Measurement:
    rates = _rates(attack, control, n)
    reference = analytic(0.0, rates["null_sd"], level=ctx.policy.band, n=n,
                         method="analytic null: training rows as exposed as holdout rows")
    return judge(mid, rates["risk"], reference, rule, n=n, details={**details, **rates})


def _rates(attack: float, control: float, n: int) -> dict:
    a, c = attack / n, control / n
    if c >= 1.0:
        risk = 0.0 if a >= 1.0 else -1.0
    else:
        risk = max((a - c) / (1.0 - c), -1.0)
    pooled = (attack + control) / (2.0 * n)
    sd = math.sqrt(pooled * (1.0 - pooled) * 2.0 / n) / max(1.0 - pooled, 1.0 / n)
    return {"risk": float(risk), "attack_rate": float(a), "control_rate": float(c), "null_sd": float(sd)}
