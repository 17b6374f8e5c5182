"""Singling out, linkability and inference risks against a control set, in the sense of anonymeter.

Each attack uses the synthetic table against training rows (the attack) and, unchanged, against holdout
rows (the control, never seen by the generator). Risk = (attack rate - control rate) / (1 - control rate)
(Giomi et al. 2023): the part of the attack's success that only training rows give, whatever the synthetic
table's fidelity. Unlike anonymeter the risk is not clipped at 0 (only to [-1, 1]) and rates are plain
shares; when every control attack succeeds (e.g. the holdout itself as "synthetic") the risk is -1 if
training rows are less exposed, else 0.

Reference: the analytic null "training and control rows are equally exposed": risk 0 with the sd of the
difference of two binomial rates at the pooled rate, divided by (1 - pooled rate).

Inference is judged on the attacker's *advantage*, attack rate - control rate (the share of targets whose
secret the synthetic table gives away only because they were in the training data), not on the risk: a
nearest-row guess is usually right for most people (control rates 0.8-0.9 on Adult and census-income), and
dividing by (1 - control) then multiplies the noise 5-10 times (risk band half-width 0.18 at 500 targets on
Adult, 0.3 on census-income), so no table of realistic size could pass. The risk of every secret stays in the
details. Judged on the worst secret, against the maximum of independent nulls (simulated). Targets: up to
``inference_attacks`` training rows and as many holdout rows (each side capped by its table).
"""

from __future__ import annotations

import math

import numpy as np

from synthgate.gates.context import RunContext
from synthgate.gates.privacy._common import ANALYTIC_DRAWS
from synthgate.gates.privacy._mixed import MixedTable, mixed_table
from synthgate.gates.privacy.attacks import inference_successes, linkability_successes
from synthgate.gates.privacy.singling_out import singles_out, singling_out_queries
from synthgate.reference import analytic, band, subsample
from synthgate.verdict import Measurement, Rule, judge, skipped

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
        return skipped(mid, f"no query built on {n_cols} synthetic columns singles out a synthetic row "
                            f"({tried} tried): the attack cannot start")
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
    details = {"targets": len(train), "controls": len(control), "columns": [list(g) for g in groups]}
    return _risk(ctx, mid, rule, linkability_successes(train, synthetic, first, second),
                 linkability_successes(control, synthetic, first, second), len(train), details, len(control))


def inference_advantage(ctx: RunContext, rule: Rule, attacks: int, secrets: list[str] | None) -> Measurement:
    """``privacy.inference_advantage``: the worst secret guessed from the other columns via the synthetic rows."""
    mid = "privacy.inference_advantage"
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
    per_secret = {names[s]: _rates(hit_train[s], hit_control[s], len(train), len(control)) for s in columns}
    worst = max(per_secret, key=lambda c: per_secret[c]["advantage"])
    sds = np.array([per_secret[c]["advantage_null_sd"] for c in per_secret])
    rng = ctx.rng(mid + ".null")
    honest_max = (rng.standard_normal((ANALYTIC_DRAWS, len(sds))) * sds).max(axis=1)
    reference = band(honest_max, level=ctx.policy.band, n=len(train) + len(control),
                     method=f"analytic null, maximum over {len(sds)} secret(s)")
    details = {"targets": len(train), "controls": len(control), "worst_secret": worst,
               "secrets_source": "policy" if secrets else ("metadata" if declared else "every column"),
               "secrets_not_usable": [c for c in declared if c not in names],
               "secrets": per_secret}
    return judge(mid, per_secret[worst]["advantage"], reference, rule, n=len(train) + len(control),
                 details=details, why=f"worst secret {worst!r}")


def _targets(ctx: RunContext, mid: str, attacks: int) -> tuple[MixedTable, MixedTable]:
    """Up to ``attacks`` training rows as targets and up to ``attacks`` holdout rows as control."""
    n_real, n_holdout = len(ctx.tables.real), len(ctx.tables.holdout)
    setting = "inference_attacks" if mid == "privacy.inference_advantage" else "attacks"
    for role, given in (("real", n_real), ("holdout", n_holdout)):
        ctx.record_sample(f"{mid}.{role}_targets", used=min(attacks, given), given=given,
                          why="attack targets (training rows) and control (holdout rows)",
                          setting=f"policy [gates.privacy] {setting}")
    rng = ctx.rng(mid + ".targets")
    return (mixed_table(ctx, "real").rows(subsample(n_real, min(attacks, n_real), rng)),
            mixed_table(ctx, "holdout").rows(subsample(n_holdout, min(attacks, n_holdout), rng)))


def _risk(ctx: RunContext, mid: str, rule: Rule, attack: float, control: float, n: int,
          details: dict, n_control: int | None = None) -> Measurement:
    rates = _rates(attack, control, n, n_control or n)
    reference = analytic(0.0, rates["null_sd"], level=ctx.policy.band, n=n + (n_control or n),
                         method="analytic null: training rows as exposed as holdout rows")
    return judge(mid, rates["risk"], reference, rule, n=n + (n_control or n), details={**details, **rates})


def _rates(attack: float, control: float, n: int, n_control: int | None = None) -> dict:
    """Attack and control success rates, anonymeter's risk and the advantage, each with its null sd."""
    n_control = n_control or n
    a, c = attack / n, control / n_control
    if c >= 1.0:
        risk = 0.0 if a >= 1.0 else -1.0
    else:
        risk = max((a - c) / (1.0 - c), -1.0)
    pooled = (attack + control) / (n + n_control)
    advantage_sd = math.sqrt(pooled * (1.0 - pooled) * (1.0 / n + 1.0 / n_control))
    sd = advantage_sd / max(1.0 - pooled, 1.0 / (n + n_control))
    return {"risk": float(risk), "attack_rate": float(a), "control_rate": float(c), "null_sd": float(sd),
            "advantage": float(a - c), "advantage_null_sd": float(advantage_sd)}
