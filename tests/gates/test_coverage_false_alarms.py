"""Coverage false alarms: independent real samples in the synthetic's place at unequal sizes, 20 seeds."""

from __future__ import annotations

import pytest
from scipy import stats

from synthgate.datasets import load_adult, load_adult_independent
from synthgate.gates.coverage import CoverageGate
from synthgate.run import build_context
from synthgate.verdict import Verdict

SEEDS = range(20)


def _alarms(seed: int, ratio: float) -> list[str]:
    """Measurements at WARN or worse for an independent real sample (never the holdout) as "synthetic"."""
    split = load_adult(seed, n=4500)  # real 3,000 / holdout 1,500
    synthetic = load_adult_independent(seed, n=4500, size=int(ratio * len(split.holdout)))
    result = CoverageGate().run(build_context(split.real, split.holdout, synthetic, metadata=split.metadata,
                                              seed=seed))
    return [m.id for m in result.measurements if m.verdict.at_least(Verdict.WARN)]


@pytest.mark.slow
@pytest.mark.parametrize("ratio", [0.5, 0.95, 2.0])
def test_independent_real_samples_raise_at_most_five_percent_false_alarms(ratio):
    flagged = [alarms for alarms in (_alarms(seed, ratio) for seed in SEEDS) if alarms]
    # Statistically above 5 %: P(X >= 4 | n=20, p=0.05) = 1.6 %. The full rate is in the calibration matrices.
    assert stats.binom.sf(len(flagged) - 1, len(SEEDS), 0.05) >= 0.01, flagged
