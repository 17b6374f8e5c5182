"""False alarms: the real holdout as "synthetic" must pass the privacy gate (at most 1 of 20 seeds may not)."""

from __future__ import annotations

import pytest

from synthgate.datasets import load_adult
from synthgate.gates.privacy import PrivacyGate
from synthgate.run import build_context
from synthgate.verdict import Verdict

SEEDS = range(20)


@pytest.mark.slow
def test_holdout_false_alarm_rate_at_most_five_percent():
    alarms = []
    for seed in SEEDS:
        split = load_adult(seed, n=2000)
        ctx = build_context(split.real, split.holdout, split.holdout, metadata=split.metadata,
                            policy={"resamples": 30, "gates": {"privacy": {"attacks": 200}}}, seed=seed)
        result = PrivacyGate().run(ctx)
        if not result.verdict.passes:
            alarms.append((seed, result.summary))
        assert result.verdict is not Verdict.FAIL, (seed, result.summary)
    assert len(alarms) <= 0.05 * len(SEEDS), alarms
