"""Privacy leakage: does the synthetic table expose the people in the training data?

Every measurement compares the synthetic table with its honest reference (real rows the generator never saw,
in the synthetic's place at the same size) or an analytic null:

- ``privacy.dcr_close_share``: synthetic rows closer to a training row than the holdout's 5th-percentile DCR
  (honest ≈ 0.05, the holdout's own share);
- ``privacy.nearest_in_train_share``: synthetic rows whose nearest real row is a training row rather than a
  holdout row, at equal sizes (honest 0.5, permutation null);
- ``privacy.exact_copy_rate``, ``privacy.unique_copy_rate``, ``privacy.exact_match_train_rate``: synthetic rows
  identical to a training row; to a training record unique in the real data (one exposed person); and exact
  matches landing on training rather than holdout records (``copies.py``);
- ``privacy.near_copy_rate``, ``privacy.near_category_rate``, ``privacy.near_match_train_rate``: rows an
  attacker would still link: numbers moved (far closer to a unique record than its own nearest neighbour is:
  a distance ratio taken from the training rows' own), or one category changed, each against the holdout's
  rate; and near rows landing on training rather than holdout records (``near.py``);
- ``privacy.outlier_hit_rate``: the most isolated training rows with a synthetic row on them;
- ``privacy.identifier_reuse_rate``, ``privacy.quasi_identifier_reuse_rate``: identifier columns (left out of
  every distance) and declared quasi-identifier combinations reusing training values (``identifiers.py``);
- ``privacy.mia_distance_auc``, ``privacy.mia_density_auc``: membership-inference attacks (distance to the
  synthetic rows; DOMIAS-style density ratio), AUC null 0.5, and each attack's true-positive rate at 1 % and
  0.1 % false positives (``privacy.mia_<attack>_tpr_at_1pct_fpr``, ``..._0_1pct_fpr``), exact null;
- ``privacy.singling_out_risk``, ``privacy.linkability_risk``, ``privacy.inference_advantage``: anonymeter's
  attacks (fast re-implementation), training rows against holdout rows as control;
- ``privacy.dp_declaration``: a declared DP epsilon, when the policy marks the data sensitive.

Effect sizes (``max_noise``): the smallest effect each test can rule out with 1,000 holdout rows on
census-income, whose natural duplicates make the bands widest (so an independent real sample passes there); a
value passes only when the data rule out an effect that large, else it is inconclusive.

Passes: an independent real sample at any synthetic-to-holdout ratio; the real holdout as "synthetic";
``GaussianCopulaSynthesizer`` on Adult. Fails: ``defects.copy_rows(fraction=0.01)`` on privacy.exact_copy_rate
and privacy.unique_copy_rate (also 111 copies in 20,000 rows on Adult), ``defects.near_copies(fraction=0.02,
noise=0.03)`` on privacy.near_copy_rate (over a copula table, whose rows avoid natural close pairs, on
privacy.near_match_train_rate instead), ``defects.memorise_outliers(count=20)`` on privacy.outlier_hit_rate,
real e-mails in an identifier column on privacy.identifier_reuse_rate. ``CartSynthesizer`` (leaf donors copy real
values) reproduces some unique training records verbatim, which privacy.unique_copy_rate reports.

Details and report plots never contain real rows or positions: per-record risk (which synthetic rows copy
which training rows) is the gate result's private table (``private.py``), written apart from the report.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Iterable

from synthgate.gates.base import Gate, GateResult
from synthgate.gates.context import RunContext
from synthgate.gates.privacy import anonymity, copies, dcr, figures, identifiers, mia, near, outliers, private
from synthgate.gates.privacy.declaration import RULE as DP_RULE
from synthgate.gates.privacy.declaration import dp_declaration
from synthgate.gates.privacy.settings import PrivacySettings
from synthgate.verdict import Measurement, Rule, skipped

__all__ = ["PrivacyGate", "PrivacySettings"]

_ATTACKS = ("distance", "density")
_TPR_IDS = tuple(f"privacy.mia_{a}_tpr_at_{f}_fpr" for a in _ATTACKS for f in mia.LOW_FPR)
_DISTANCE_IDS = ("privacy.dcr_close_share", "privacy.nearest_in_train_share", "privacy.exact_copy_rate",
                 "privacy.unique_copy_rate", "privacy.isolated_copy_rate", "privacy.exact_match_train_rate",
                 "privacy.near_copy_rate", "privacy.near_category_rate", "privacy.near_match_train_rate",
                 "privacy.outlier_hit_rate", "privacy.mia_distance_auc", "privacy.mia_density_auc", *_TPR_IDS,
                 "privacy.singling_out_risk", "privacy.linkability_risk", "privacy.inference_advantage")


class PrivacyGate(Gate):
    name = "privacy"
    title = "Privacy leakage"
    Settings = PrivacySettings
    families = (("privacy.exact_copy_rate", "privacy.unique_copy_rate", "privacy.isolated_copy_rate",
                 "privacy.exact_match_train_rate"),
                ("privacy.near_copy_rate", "privacy.near_category_rate", "privacy.near_match_train_rate"),
                ("privacy.dcr_close_share", "privacy.nearest_in_train_share"),
                ("privacy.mia_distance_auc", *(i for i in _TPR_IDS if "distance" in i)),
                ("privacy.mia_density_auc", *(i for i in _TPR_IDS if "density" in i)),
                ("privacy.identifier_reuse_rate", "privacy.quasi_identifier_reuse_rate"))
    rules = {
        "privacy.dcr_close_share": Rule("higher", 0.03, 0.06, max_noise=0.05,
                                        description="share of synthetic rows closer to train than the "
                                                    "holdout's 5th-percentile DCR"),
        "privacy.nearest_in_train_share": Rule("higher", 0.05, 0.15, max_noise=0.1,
                                               description="share of synthetic rows whose nearest real row "
                                                           "is a training row (equal sizes)"),
        "privacy.exact_copy_rate": Rule("higher", 0.005, 0.005, max_noise=0.06,
                                        description="share of synthetic rows identical to a training row "
                                                    "(copies of unique records are judged more tightly)"),
        "privacy.unique_copy_rate": Rule("higher", 0.002, 0.002, max_noise=0.03,
                                         description="share of synthetic rows identical to a training record "
                                                     "that occurs once in train and holdout"),
        # No allowance beyond chance: each such copy exposes one person, and an honest table shows ~0 of them
        # (census-income seed 0: 10 copies in 2,000 rows against a band of [0, 6] passed with 0.002 allowed).
        "privacy.isolated_copy_rate": Rule("higher", 0.0, 0.0, max_noise=0.03,
                                           description="share of synthetic rows identical to a training record "
                                                       "that is unique and far from every other real record"),
        "privacy.exact_match_train_rate": Rule("higher", 0.003, 0.003, max_noise=0.02,
                                               description="share of synthetic rows whose exact real match is a "
                                                           "training record (train/holdout labels shuffled)"),
        # 0.002 (4 rows in 2,000) as for unique copies: a near copy of a unique record exposes one person.
        "privacy.near_copy_rate": Rule("higher", 0.002, 0.002, max_noise=0.04,
                                       description="share of synthetic rows that are near copies of a unique "
                                                   "training record, numbers moved (distance ratio from the "
                                                   "training rows' own)"),
        "privacy.near_category_rate": Rule("higher", 0.005, 0.005, max_noise=0.04,
                                           description="share of synthetic rows equal to a unique training "
                                                       "record but for one category"),
        "privacy.near_match_train_rate": Rule("higher", 0.002, 0.002, max_noise=0.02,
                                              description="share of synthetic rows whose closest real record, "
                                                          "within the near radius, is a training record "
                                                          "(train/holdout labels shuffled)"),
        "privacy.outlier_hit_rate": Rule("higher", 0.02, 0.06, description="share of the most isolated training "
                                                                           "rows with a synthetic row on them"),
        "privacy.identifier_reuse_rate": Rule("higher", 0.0, 0.0, max_noise=0.01,
                                              description="share of an identifier column's synthetic values that "
                                                          "are training values (worst column)"),
        "privacy.quasi_identifier_reuse_rate": Rule("higher", 0.002, 0.002, max_noise=0.03,
                                                    description="share of synthetic rows reusing a declared "
                                                                "combination unique to one training record"),
        "privacy.mia_distance_auc": Rule("higher", 0.04, 0.1, max_noise=0.1,
                                         description="membership-inference AUC, distance to synthetic rows"),
        "privacy.mia_density_auc": Rule("higher", 0.04, 0.1, max_noise=0.1,
                                        description="membership-inference AUC, synthetic/real density ratio"),
        **{f"privacy.mia_{a}_tpr_at_1pct_fpr": Rule("higher", 0.01, 0.03, max_noise=0.03,
                                                    description=f"{a} attack: true-positive rate at 1 % false "
                                                                "positives (no information: 0.01)")
           for a in _ATTACKS},
        **{f"privacy.mia_{a}_tpr_at_0_1pct_fpr": Rule("higher", 0.005, 0.01, max_noise=0.015,
                                                      description=f"{a} attack: true-positive rate at 0.1 % false "
                                                                  "positives (no information: 0.001)")
           for a in _ATTACKS},
        "privacy.singling_out_risk": Rule("higher", 0.05, 0.15,
                                          description="anonymeter singling-out risk (train vs holdout)"),
        "privacy.linkability_risk": Rule("higher", 0.05, 0.15,
                                         description="anonymeter linkability risk (train vs holdout)"),
        "privacy.inference_advantage": Rule("higher", 0.02, 0.05, max_noise=0.07,
                                            description="attribute inference: share of secrets guessed right for "
                                                        "training rows minus for holdout rows, worst secret"),
        "privacy.dp_declaration": DP_RULE,
    }

    def run(self, ctx: RunContext) -> GateResult:
        """The gate's result, carrying the per-record findings as ``private`` (never serialised)."""
        result = super().run(ctx)
        if not result.skipped_reason:
            radius = self._radius(ctx) if ctx.encoding.dim else None
            ratio = self._ratio(ctx)[0] if ctx.encoding.dim else None
            result = dataclasses.replace(result, private=private.records(ctx, radius, ratio))
        return result

    def measure(self, ctx: RunContext) -> Iterable[Measurement]:
        settings: PrivacySettings = self.settings(ctx)
        if ctx.encoding.dim == 0:
            for mid in _DISTANCE_IDS:
                yield skipped(mid, "no usable columns to compare rows on")
        else:
            yield from self._distances(ctx, settings)
        yield identifiers.identifier_reuse_rate(ctx, self.rule(ctx, identifiers.IDENTIFIER_MID))
        yield identifiers.quasi_identifier_reuse_rate(ctx, self.rule(ctx, identifiers.QUASI_MID),
                                                      settings.quasi_identifiers)
        if ctx.encoding.dim:
            yield from self._attacks(ctx, settings)
        yield dp_declaration(ctx, settings.sensitive_data, settings.max_epsilon)

    def _radius(self, ctx: RunContext) -> float:
        settings: PrivacySettings = self.settings(ctx)
        return near.near_radius(ctx, settings.near_copy_quantile, settings.near_copy_radius)[0]

    def _ratio(self, ctx: RunContext) -> tuple[float | None, str]:
        """The near copies' distance-ratio threshold; None when the policy fixes a near-copy radius."""
        settings: PrivacySettings = self.settings(ctx)
        if settings.near_copy_radius is not None:
            return None, ""
        return (near.near_ratio(ctx, settings.near_ratio_quantile),
                f"{settings.near_ratio_quantile:g} quantile of the training rows' leave-one-out distance ratios")

    def _distances(self, ctx: RunContext, settings: PrivacySettings) -> Iterable[Measurement]:
        rule = lambda mid: self.rule(ctx, mid)  # noqa: E731
        radius, source = near.near_radius(ctx, settings.near_copy_quantile, settings.near_copy_radius)
        ctx.progress("privacy: distances to closest records", 0, 4)
        yield dcr.close_share(ctx, rule("privacy.dcr_close_share"))
        yield dcr.nearest_in_train_share(ctx, rule("privacy.nearest_in_train_share"), radius)
        ctx.progress("privacy: copies", 1, 4)
        yield copies.exact_copy_rate(ctx, rule("privacy.exact_copy_rate"))
        yield copies.unique_copy_rate(ctx, rule("privacy.unique_copy_rate"))
        yield copies.isolated_copy_rate(ctx, rule("privacy.isolated_copy_rate"))
        yield copies.exact_match_train_rate(ctx, rule("privacy.exact_match_train_rate"))
        ratio, ratio_source = self._ratio(ctx)
        yield near.near_copy_rate(ctx, rule("privacy.near_copy_rate"), radius, source, ratio, ratio_source)
        yield near.near_category_rate(ctx, rule("privacy.near_category_rate"), radius, ratio)
        yield near.near_match_train_rate(ctx, rule("privacy.near_match_train_rate"), radius)
        ctx.progress("privacy: outliers", 2, 4)
        if len(outliers.most_isolated(ctx, settings.outliers)[0]):
            yield outliers.outlier_hit_rate(ctx, rule("privacy.outlier_hit_rate"), settings.outliers)
        else:
            yield skipped("privacy.outlier_hit_rate", "every training row has an exact duplicate in train: no "
                                                      "isolated rows to watch")
        ctx.progress("privacy: membership inference", 3, 4)
        for attack in _ATTACKS:
            yield mia.attack_measurement(ctx, attack, rule(f"privacy.mia_{attack}_auc"), settings.mia_rows,
                                         settings.density_k)
            for fpr in mia.LOW_FPR:
                mid = f"privacy.mia_{attack}_tpr_at_{fpr}_fpr"
                yield mia.tpr_measurement(ctx, attack, fpr, rule(mid), settings.mia_rows, settings.density_k)
        ctx.progress("privacy: membership inference", 4, 4)

    def _attacks(self, ctx: RunContext, settings: PrivacySettings) -> Iterable[Measurement]:
        rule = lambda mid: self.rule(ctx, mid)  # noqa: E731
        ctx.progress("privacy: anonymeter attacks", 0, 3)
        yield anonymity.singling_out_risk(ctx, rule("privacy.singling_out_risk"), settings.attacks,
                                          settings.singling_out_columns)
        ctx.progress("privacy: anonymeter attacks", 1, 3)
        yield anonymity.linkability_risk(ctx, rule("privacy.linkability_risk"), settings.attacks,
                                         settings.linkability_columns)
        ctx.progress("privacy: anonymeter attacks", 2, 3)
        yield anonymity.inference_advantage(ctx, rule("privacy.inference_advantage"), settings.inference_attacks,
                                            settings.secrets)
        ctx.progress("privacy: anonymeter attacks", 3, 3)

    def report_details(self, ctx: RunContext, measurements: tuple[Measurement, ...]) -> dict[str, Any]:
        """Plot specs: distances to the closest training record with the honest band, the membership-inference
        ROC at low false-positive rates against chance, copies against chance. Aggregates only."""
        out: dict[str, Any] = {}
        if ctx.encoding.dim:
            settings: PrivacySettings = self.settings(ctx)
            out["dcr"] = figures.dcr_spec(ctx, self._radius(ctx))
            out["mia_roc"] = mia.roc_spec(mia.membership_scores(ctx, settings.mia_rows, settings.density_k),
                                          ctx.policy.band)
        copies_plot = figures.copies_spec(measurements)
        if copies_plot:
            out["copies"] = copies_plot
        return out
