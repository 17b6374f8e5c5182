"""Coverage false alarms: honest real samples in the synthetic's place, 20 seeds, default policy."""

from __future__ import annotations

import pytest

from synthgate.datasets import load_adult
from synthgate.gates.coverage import CoverageGate
from synthgate.run import build_context
from synthgate.verdict import Verdict

SEEDS = range(20)


def _alarms(seed: int, case: str) -> list[str]:
    """Measurements that did not pass; inconclusive counts as an alarm too."""
    if case == "holdout":  # the literal case: the holdout itself as "synthetic" (1500 rows)
        split = load_adult(seed, n=3000)
        holdout = synthetic = split.holdout
    else:  # the harder one: a third, independent real sample as "synthetic" (1500 rows)
        split = load_adult(seed, n=6000)
        half = len(split.holdout) // 2
        holdout = split.holdout.iloc[:half].reset_index(drop=True)
        synthetic = split.holdout.iloc[half:].reset_index(drop=True)
    result = CoverageGate().run(build_context(split.real, holdout, synthetic, metadata=split.metadata, seed=seed))
    return [m.id for m in result.measurements if m.verdict is not Verdict.PASS]


@pytest.mark.slow
@pytest.mark.parametrize("case", ["holdout", "independent"])
def test_honest_samples_raise_at_most_five_percent_false_alarms(case):
    # Below ~1500 synthetic rows, PRDC and the rare-category retention turn inconclusive by design.
    flagged = [alarms for alarms in (_alarms(seed, case) for seed in SEEDS) if alarms]
    assert len(flagged) <= 0.05 * len(SEEDS), flagged
