"""The demo: every gate on bundled real data (UCI Adult), an honest generator and planted defects.

Shows which gate catches which defect, and that the surface check (fidelity) passes where others fail.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import pandas as pd

from synthgate import defects
from synthgate.datasets import load_adult
from synthgate.gates.context import Progress, no_progress
from synthgate.generators import CartSynthesizer
from synthgate.policy import Policy
from synthgate.result import CheckResult
from synthgate.run import check

DEMO_ROWS = 12_000  # 6k real / 6k holdout: every gate on six variants within the two-minute budget


@dataclass(frozen=True)
class Variant:
    name: str
    description: str
    make: Callable[[pd.DataFrame, pd.DataFrame, int], pd.DataFrame]
    fresh: Callable[[pd.DataFrame, int], pd.DataFrame] | None = None


def _honest(synthetic: pd.DataFrame, real: pd.DataFrame, seed: int) -> pd.DataFrame:
    return synthetic


VARIANTS = (
    Variant("honest", "sequential-CART synthesizer fitted on real (the honest baseline)", _honest),
    Variant("copies", "2 % of rows copied verbatim from real",
            lambda s, r, seed: defects.copy_rows(s, r, fraction=0.02, seed=seed)),
    Variant("biased", "women's positive-income rate halved, overall income rate kept",
            lambda s, r, seed: defects.skew_outcome(s, group_column="sex", group="Female", target="income",
                                                    positive=">50K", factor=0.5, seed=seed)),
    Variant("collapsed", "numerical spread shrunk to 0.8 σ and a frequent category dropped",
            lambda s, r, seed: defects.drop_category(defects.shrink_spread(s, factor=0.8, seed=seed),
                                                     column="relationship", category="Unmarried", seed=seed)),
    Variant("drifted", "fresh real data shifted: age +0.5 σ (the generator is stale)", _honest,
            fresh=lambda h, seed: defects.shift_column(h, column="age", sigma=0.5, seed=seed)),
)


def run_demo(*, seed: int = 0, rows: int = DEMO_ROWS, progress: Progress = no_progress,
             policy: Policy | None = None) -> dict[str, CheckResult]:
    """Fit the honest generator on Adult, plant each defect, and check every variant."""
    split = load_adult(seed, n=rows)
    progress("demo: fitting the honest generator", 0, 1)
    generator = CartSynthesizer(target=split.metadata["target"], sensitive=split.metadata["sensitive"])
    generator = generator.fit(split.real)
    synthetic = generator.sample(len(split.holdout), seed=seed)
    progress("demo: fitting the honest generator", 1, 1)
    results = {}
    for variant in VARIANTS:
        table = variant.make(synthetic, split.real, seed)
        fresh = variant.fresh(split.holdout, seed) if variant.fresh else None
        results[variant.name] = check(split.real, split.holdout, table, metadata=split.metadata, policy=policy,
                                      seed=seed, fresh=fresh, progress=_prefixed(progress, variant.name))
    return results


def _prefixed(progress: Progress, prefix: str) -> Progress:
    return lambda step, done, total: progress(f"{prefix}: {step}", done, total)
