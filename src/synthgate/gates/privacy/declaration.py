"""``privacy.dp_declaration``: a declared differential-privacy budget, when the policy requires one.

A rule finding, judged like every other measurement: the value is 1 when the requirement is unmet, else 0,
against the rule's 0 (``rule_reference``); ``[rules."privacy.dp_declaration"]`` sets how much that costs
(default: FAIL). The requirement comes from ``[gates.privacy] sensitive_data`` and ``max_epsilon``:
- sensitive data: unmet without a declaration or with an epsilon above ``max_epsilon``;
- data not marked sensitive: a declared epsilon is reported (met); none is skipped with the reason.
The epsilon comes from the metadata (``generator.dp_epsilon``), else from the ledger's record of the generator
named in the metadata.
"""

from __future__ import annotations

import math

from synthgate.errors import SynthgateError
from synthgate.gates.context import RunContext
from synthgate.verdict import Measurement, Rule, judge, rule_reference, skipped

MID = "privacy.dp_declaration"
RULE = Rule("higher", 0.0, 0.5, description="1 when the policy requires a declared DP budget (sensitive_data) "
                                            "and none within max_epsilon is declared, else 0")


def dp_declaration(ctx: RunContext, sensitive_data: bool, max_epsilon: float | None) -> Measurement:
    """The DP finding for this run (see the module docstring)."""
    epsilon, source = declared_epsilon(ctx)
    details = {"sensitive_data": sensitive_data, "max_epsilon": max_epsilon, "source": source, "epsilon": epsilon}
    if not sensitive_data and epsilon is None:
        return skipped(MID, "the policy does not mark the data sensitive ([gates.privacy] sensitive_data = "
                            "false) and no DP epsilon is declared", details=details)
    unmet, why = _requirement(epsilon, source, sensitive_data, max_epsilon)
    return judge(MID, float(unmet), rule_reference(0.0), ctx.policy.rule(MID, RULE), n=0, details=details, why=why)


def _requirement(epsilon: float | None, source: str, sensitive_data: bool,
                 max_epsilon: float | None) -> tuple[bool, str]:
    """Whether the declaration falls short of the policy, and the fact in words."""
    if not sensitive_data:
        return False, f"declared DP epsilon {epsilon:g} ({source}); not required by the policy"
    if epsilon is None:
        return True, ("the policy marks the data sensitive, but no differential-privacy epsilon is declared: "
                      "set generator.dp_epsilon in the metadata (or register the generator's dp_epsilon in the "
                      "ledger), or train a DP generator")
    limit = math.inf if max_epsilon is None else float(max_epsilon)
    if epsilon > limit:
        return True, f"declared DP epsilon {epsilon:g} ({source}) exceeds the policy's max_epsilon {limit:g}"
    within = f"within the policy's max_epsilon {limit:g}" if max_epsilon is not None else "no max_epsilon set"
    return False, f"declared DP epsilon {epsilon:g} ({source}); {within}"


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
