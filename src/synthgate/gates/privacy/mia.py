"""Membership inference: can an attacker holding the synthetic table tell training rows from holdout rows?

Members are training rows, non-members holdout rows, equal counts (seeded subsamples). Two attack scores:

- ``privacy.mia_distance_auc``: score = minus the distance to the closest synthetic row;
- ``privacy.mia_density_auc``: in the spirit of DOMIAS (van Breugel et al. 2023), the ratio of the synthetic
  table's density around a row to the real reference density around it, both by k-nearest-neighbour radius:
  log r_k(holdout) - log r_k(synthetic) (the dimension and the table sizes only rescale or shift the log ratio,
  which an AUC ignores). For holdout rows the holdout reference leaves the row itself out.

Reference: an attack with no information has AUC 0.5 with sd sqrt((n1 + n2 + 1) / (12 n1 n2)) (Mann-Whitney,
reference-values R9). Details: advantage max(TPR - FPR) (the one-sided two-sample KS statistic), bootstrap
intervals of both, and the null's critical advantage.

An AUC averages over every threshold, so an attack that is sure about a few people (the copied, the
isolated) barely moves it. ``privacy.mia_<attack>_tpr_at_1pct_fpr`` and ``..._tpr_at_0_1pct_fpr`` report
where such risk concentrates: the largest true-positive rate among thresholds that flag at most
``k = floor(fpr * non-members)`` non-members. With no information members and non-members are exchangeable,
so the members ranked above the (k+1)-th non-member follow the negative hypergeometric distribution
(members drawn before k + 1 non-members, without replacement): an exact band at these sizes, centred near
TPR = FPR, which also carries the noise of the threshold itself (a binomial band at the members' count would not).
"""

from __future__ import annotations

import math

import numpy as np
from scipy import stats
from scipy.stats import rankdata

from synthgate.gates.context import RunContext
from synthgate.gates.privacy._common import neighbors_of_rows
from synthgate.reference import analytic, subsample
from synthgate.verdict import Measurement, Reference, Rule, judge, skipped

ROC_POINTS = 50
#: false-positive rates of the low-FPR measurements, with their id suffix
LOW_FPR = {"1pct": 0.01, "0_1pct": 0.001}
#: false-positive rates of the report's ROC plot (evenly spaced on the page: a log scale)
PLOT_FPR = (0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0)
_EPS = 1e-12


def membership_scores(ctx: RunContext, max_rows: int, k: int) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Attack scores of members and non-members, per attack (cached per run)."""

    available = min(len(ctx.tables.real), len(ctx.tables.holdout))
    ctx.record_sample("privacy.mia", used=min(available, max_rows), given=available,
                      why="members and non-members scored by the membership-inference attacks",
                      setting="policy [gates.privacy] mia_rows")

    def compute():
        n = min(len(ctx.tables.real), len(ctx.tables.holdout), max_rows)
        rng = ctx.rng("privacy.mia")
        members = subsample(len(ctx.tables.real), n, rng)
        others = subsample(len(ctx.tables.holdout), n, rng)
        k_syn = min(k, len(ctx.tables.synthetic))
        k_ref = min(k, len(ctx.tables.holdout) - 1)
        syn_m = neighbors_of_rows(ctx, "real", members, "synthetic", k_syn).distances
        syn_o = neighbors_of_rows(ctx, "holdout", others, "synthetic", k_syn).distances
        ref_m = neighbors_of_rows(ctx, "real", members, "holdout", k_ref).distances[:, -1]
        ref_o = neighbors_of_rows(ctx, "holdout", others, "holdout", k_ref).distances[:, -1]
        density = (np.log(ref_m + _EPS) - np.log(syn_m[:, -1] + _EPS),
                   np.log(ref_o + _EPS) - np.log(syn_o[:, -1] + _EPS))
        return {"distance": (-syn_m[:, 0], -syn_o[:, 0]), "density": density}

    return ctx._cached(("privacy-mia", max_rows, k), compute)


def attack_measurement(ctx: RunContext, attack: str, rule: Rule, max_rows: int, k: int) -> Measurement:
    """``privacy.mia_<attack>_auc`` against the AUC null 0.5."""
    members, others = membership_scores(ctx, max_rows, k)[attack]
    n1, n2 = len(members), len(others)
    auc_value = auc(members, others)
    sd = math.sqrt((n1 + n2 + 1) / (12.0 * n1 * n2))
    reference = analytic(0.5, sd, level=ctx.policy.band, n=n1 + n2, method="Mann-Whitney null (no information)")
    low, high = _bootstrap(ctx, attack, members, others)
    tail = (1.0 - ctx.policy.band) / 2.0
    details = {"attack": attack, "members": n1, "non_members": n2,
               "auc_interval": [low[0], high[0]], "advantage": advantage(members, others),
               "advantage_interval": [low[1], high[1]],
               "advantage_null_high": math.sqrt(-math.log(tail) / 2.0 * (n1 + n2) / (n1 * n2))}
    if attack == "density":
        details["k"] = k
    return judge(f"privacy.mia_{attack}_auc", auc_value, reference, rule, n=n1 + n2, details=details)


def tpr_measurement(ctx: RunContext, attack: str, fpr_name: str, rule: Rule, max_rows: int, k: int) -> Measurement:
    """``privacy.mia_<attack>_tpr_at_<fpr>_fpr`` against the exact no-information band."""
    mid = f"privacy.mia_{attack}_tpr_at_{fpr_name}_fpr"
    members, others = membership_scores(ctx, max_rows, k)[attack]
    fpr = LOW_FPR[fpr_name]
    if fpr * len(others) < 1:
        return skipped(mid, f"a {fpr:.1%} false-positive rate needs at least {math.ceil(1 / fpr)} non-members "
                            f"(holdout rows); {len(others)} here")
    value, allowed, reached = tpr_at_fpr(members, others, fpr)
    reference = tpr_null(len(members), len(others), fpr, ctx.policy.band)
    details = {"attack": attack, "fpr": fpr, "false_positives_allowed": allowed,
               "false_positive_rate_reached": reached, "members": len(members), "non_members": len(others)}
    return judge(mid, value, reference, rule, n=len(members) + len(others), details=details)


def tpr_at_fpr(members: np.ndarray, others: np.ndarray, fpr: float) -> tuple[float, int, float]:
    """(largest TPR with at most floor(fpr * len(others)) false positives, that many, the FPR it reaches)."""
    allowed = int(np.floor(fpr * len(others) + 1e-9))
    rates_fp, rates_tp = roc(members, others)
    within = np.flatnonzero(rates_fp * len(others) <= allowed + 1e-9)
    best = within[np.argmax(rates_tp[within])]
    return float(rates_tp[best]), allowed, float(rates_fp[best])


def tpr_null(n_members: int, n_others: int, fpr: float, level: float) -> Reference:
    """No-information band of ``tpr_at_fpr``: members ranked above the (k+1)-th non-member, negative hypergeometric."""
    allowed = int(np.floor(fpr * n_others + 1e-9))
    null = stats.nhypergeom(n_members + n_others, n_members, allowed + 1)
    tail = (1.0 - level) / 2.0
    low, mid, high = null.ppf([tail, 0.5, 1.0 - tail]) / max(n_members, 1)
    return Reference(float(mid), float(low), float(high), "no information: negative hypergeometric (exact)",
                     n_members + n_others)


def roc_spec(scores: dict[str, tuple[np.ndarray, np.ndarray]], level: float) -> dict:
    """The ROC of each attack at log-spaced false-positive rates, beside the no-information band (a plot spec)."""
    series, low, high, honest = {}, [], [], []
    for attack, (members, others) in scores.items():
        series[f"{attack} attack"] = [round(tpr_at_fpr(members, others, f)[0], 5) for f in PLOT_FPR]
    members, others = next(iter(scores.values()))
    for f in PLOT_FPR:
        ref = tpr_null(len(members), len(others), f, level)
        honest.append(round(ref.value, 5))
        low.append(round(ref.low, 5))
        high.append(round(ref.high, 5))
    return {"plot": "lines", "title": "Membership inference: true-positive rate at low false-positive rates",
            "description": f"share of training rows an attack flags when it may wrongly flag the given share of "
                           f"holdout rows ({len(members)} each); honest: an attack with no information (TPR = FPR) "
                           f"and its {level:.0%} band. Risk concentrates on the left.",
            "x": [f"{f:.1%}".replace(".0%", "%") for f in PLOT_FPR], "series": {**series, "honest": honest},
            "bands": {"honest": {"low": low, "high": high}}, "xlabel": "false-positive rate (log spaced)",
            "ylabel": "true-positive rate"}


def auc(members: np.ndarray, others: np.ndarray) -> float:
    """P(member score > non-member score), ties counting half (Mann-Whitney U / n1 n2)."""
    n1, n2 = len(members), len(others)
    ranks = rankdata(np.concatenate([members, others]))
    return float((ranks[:n1].sum() - n1 * (n1 + 1) / 2.0) / (n1 * n2))


def roc(members: np.ndarray, others: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """False and true positive rates of "score >= t" over every distinct threshold, from (0, 0) to (1, 1)."""
    scores = np.concatenate([members, others])
    is_member = np.concatenate([np.ones(len(members)), np.zeros(len(others))])
    order = np.argsort(-scores, kind="stable")
    scores, is_member = scores[order], is_member[order]
    last_of_tie = np.r_[scores[1:] != scores[:-1], True]
    tp = np.cumsum(is_member)[last_of_tie]
    fp = np.cumsum(1.0 - is_member)[last_of_tie]
    return np.r_[0.0, fp / max(len(others), 1)], np.r_[0.0, tp / max(len(members), 1)]


def advantage(members: np.ndarray, others: np.ndarray) -> float:
    """The attacker's best advantage, max over thresholds of TPR - FPR (0 when no threshold helps)."""
    fpr, tpr = roc(members, others)
    return float(max(np.max(tpr - fpr), 0.0))


def roc_points(members: np.ndarray, others: np.ndarray, points: int = ROC_POINTS) -> dict:
    """The ROC curve at ``points`` evenly spaced false positive rates (for the report)."""
    fpr, tpr = roc(members, others)
    grid = np.linspace(0.0, 1.0, points)
    # The highest TPR reachable at each FPR (the curve is a step function with vertical jumps).
    reach = np.maximum.accumulate(tpr)
    idx = np.searchsorted(fpr, grid, side="right") - 1
    return {"fpr": grid.round(4).tolist(), "tpr": reach[np.clip(idx, 0, len(reach) - 1)].round(4).tolist()}


def _bootstrap(ctx: RunContext, attack: str, members: np.ndarray, others: np.ndarray) -> tuple[list, list]:
    rng = ctx.rng(f"privacy.mia_{attack}.bootstrap")
    draws = []
    for _ in range(ctx.policy.resamples):
        m = members[rng.integers(0, len(members), len(members))]
        o = others[rng.integers(0, len(others), len(others))]
        draws.append((auc(m, o), advantage(m, o)))
    tail = (1.0 - ctx.policy.band) / 2.0
    low, high = np.quantile(np.array(draws), [tail, 1.0 - tail], axis=0)
    return low.tolist(), high.tolist()
