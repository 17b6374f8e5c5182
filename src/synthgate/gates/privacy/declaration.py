"""``privacy.dp_declaration``: a declared differential-privacy budget, when the policy requires one.

A rule finding, decided by the policy (``[gates.privacy] sensitive_data``, ``max_epsilon``), not by a noise band:
- sensitive data: a missing declaration fails; an epsilon above ``max_epsilon`` fails; else it passes;
- data not marked sensitive: a declared epsilon passes (reported), none is skipped with the reason.
The epsilon comes from the metadata (``generator.dp_epsilon``), else from the ledger's record of the generator
named in the metadata.
"""

from __future__ import annotations

import math

from synthgate.errors import SynthgateError
from synthgate.gates.context import RunContext
from synthgate.verdict import Measurement, Reference, Verdict, decided, skipped

MID = "privacy.dp_declaration"


def dp_declaration(ctx: RunContext, sensitive_data: bool, max_epsilon: float | None) -> Measurement:
    """The DP finding for this run (see the module docstring)."""
    epsilon, source = declared_epsilon(ctx)
    limit = math.inf if max_epsilon is None else float(max_epsilon)
    # No limit: NaN, not inf, so the reference survives the JSON round trip unchanged.
    shown = math.nan if max_epsilon is None else limit
    reference = Reference(shown, 0.0, shown, "policy: max_epsilon" if max_epsilon is not None
                          else "policy: any declared epsilon", 0)
    details = {"sensitive_data": sensitive_data, "max_epsilon": max_epsilon, "source": source}
    if not sensitive_data:
        if epsilon is None:
            return skipped(MID, "the policy does not mark the data sensitive ([gates.privacy] sensitive_data = "
                                "false) and no DP epsilon is declared", details=details)
        return decided(MID, epsilon, Verdict.PASS, f"declared DP epsilon {epsilon:g} ({source}); not required "
                       "by the policy", reference=reference, threshold=max_epsilon, details=details)
    if epsilon is None:
        return decided(MID, math.nan, Verdict.FAIL,
                       "the policy marks the data sensitive, but no differential-privacy epsilon is declared: "
                       "set generator.dp_epsilon in the metadata (or register the generator's dp_epsilon in the "
                       "ledger), or train a DP generator", reference=reference, threshold=max_epsilon,
                       details=details)
    if epsilon > limit:
        return decided(MID, epsilon, Verdict.FAIL, f"declared DP epsilon {epsilon:g} ({source}) exceeds the "
                       f"policy's max_epsilon {limit:g}", reference=reference, threshold=max_epsilon,
                       details=details)
    within = f"within the policy's max_epsilon {limit:g}" if max_epsilon is not None else "no max_epsilon set"
    return decided(MID, epsilon, Verdict.PASS, f"declared DP epsilon {epsilon:g} ({source}); {within}",
                   reference=reference, threshold=max_epsilon, details=details)


def declared_epsilon(ctx: RunContext) -> tuple[float | None, str]:
    """The declared epsilon and where it came from."""
    generator = ctx.metadata.generator
    if generator.dp_epsilon is not None:
        return float(generator.dp_epsilon), "metadata"
    if ctx.ledger is not None and generator.name and hasattr(ctx.ledger, "generator"):
        try:
            record = ctx.ledger.generator(generator.name)
        except SynthgateError:
            return None, f"metadata; the ledger has no single generator named {generator.name!r}"
        if record.dp_epsilon is not None:
            return float(record.dp_epsilon), f"ledger generator {record.name!r}"
        return None, f"metadata and ledger generator {record.name!r}"
    return None, "metadata"
