"""Is the test set real, and untouched by the generator?

The test set is the run's holdout. It must be human data that the generator never saw:

- ``validation.test_set_origin`` (rule: 1 machine-made, 0 human, against 0): FAIL when the ledger registers the
  holdout table as machine-made, PASS when it registers it (or most of its rows) as human data. Without a
  ledger, or when the ledger knows nothing about the holdout, SKIPPED with the reason ("not checked: ..."),
  unless the policy requires a ledger (``require_ledger``): then an origin that cannot be shown FAILS;
- ``validation.test_set_machine_rows`` (worse higher): share of holdout rows exactly equal to a registered
  machine row; honest reference: the chance that a human row equals another row of its population, i.e. the
  real table's own duplicate share (Adult: ~0.1 % of rows), with a binomial band;
- ``validation.test_set_near_machine_rows`` (worse higher): share near, not exactly equal to, a registered
  machine row; honest reference: the ledger's measured chance that an honest row is near one of a dataset's
  rows (``ScanResult.near_chance``), combined over the machine datasets with the holdout's columns;
- ``validation.test_train_overlap`` (worse higher): share of holdout rows whose row fingerprint equals a
  training row (real's rows, and the registered training datasets of the named generator); honest reference:
  real's own duplicate share, as above. Overlap beyond natural duplicates means the test set leaks training rows.

Row fingerprints are the ledger's (``synthgate.ledger.row_fingerprints``): normalised, so ``3`` and ``3.0`` match.
Details hold counts only (the holdout is real data).
"""

from __future__ import annotations

import math
from typing import Any, Callable

import numpy as np

from synthgate.gates.context import RunContext
from synthgate.gates.provenance.anchor import ledger_generator
from synthgate.ledger import content_hash, row_fingerprints
from synthgate.reference import analytic
from synthgate.verdict import Measurement, Reference, Rule, judge, skipped

ORIGIN = "validation.test_set_origin"
MACHINE = "validation.test_set_machine_rows"
NEAR = "validation.test_set_near_machine_rows"
OVERLAP = "validation.test_train_overlap"

RULES = {
    # max_noise 0.03: if 3 % of test rows leaked and were all scored right, an 80 %-accurate model gains 0.6
    # points, under the 1.3-point noise of a 1,000-row test set; on data with natural duplicates (census-income:
    # 8 % of rows) a smaller band is out of reach at that size, and the run would always be inconclusive.
    MACHINE: Rule("higher", 0.001, 0.005, max_noise=0.03,
                  description="share of test rows equal to a registered machine row"),
    NEAR: Rule("higher", 0.01, 0.03, description="share of test rows near (not equal to) a registered machine row"),
    OVERLAP: Rule("higher", 0.001, 0.005, max_noise=0.03, description="share of test rows equal to a training row"),
}
#: The origin is a rule, not a noise band: 1 (machine-made or unproven) against an honest 0.
ORIGIN_RULE = Rule("higher", 0.0, 0.0, description="the test set is machine-made (1) or human data (0)")
NO_LEDGER = ("not checked: no ledger, so whether the test set holds machine-made rows is unknown. Pass --ledger "
             "(or policy: ledger) with the test set registered as human data")
REQUIRED = "the policy requires a ledger (require_ledger)"
#: the holdout counts as registered human data when at least this share of its rows is
REGISTERED_SHARE = 0.5


def natural_duplicate_share(ctx: RunContext) -> tuple[float, int]:
    """Share of real rows equal to another real row (the honest rate of exact coincidences), and their count."""
    def compute() -> tuple[float, int]:
        fingerprints = row_fingerprints(ctx.tables.real)
        unique, inverse, counts = np.unique(fingerprints, return_inverse=True, return_counts=True)
        duplicated = int((counts[inverse] > 1).sum())
        return duplicated / max(len(fingerprints), 1), duplicated
    return ctx._cached(("validation-duplicates",), compute)


def chance_reference(p0: float, n: int, n_base: int, *, level: float, method: str) -> Reference:
    """A binomial band around a chance rate ``p0`` estimated on ``n_base`` rows, for a share of ``n`` rows."""
    sd = math.sqrt(max(p0 * (1.0 - p0), 0.0) * (1.0 / max(n, 1) + 1.0 / max(n_base, 1)))
    ref = analytic(p0, sd, level=level, n=n, method=method)
    return Reference(ref.value, max(ref.low, 0.0), ref.high, ref.method, n)


def test_set_measurements(ctx: RunContext, rule_of: Callable[[str], Rule]) -> list[Measurement]:
    """Origin, registered machine rows (exact, near) and train overlap of the holdout."""
    if ctx.ledger is None:
        return [_unknown_origin(ctx, NO_LEDGER), skipped(MACHINE, NO_LEDGER), skipped(NEAR, NO_LEDGER),
                _overlap(ctx, rule_of(OVERLAP))]
    found = _ledger_facts(ctx)
    return [_origin(ctx, found), _machine(ctx, found, rule_of(MACHINE)), _near(ctx, found, rule_of(NEAR)),
            _overlap(ctx, rule_of(OVERLAP), found)]


def _ruled(value: float, n: int, why: str, details: dict[str, Any] | None = None) -> Measurement:
    """The origin judged as a rule (see ``ORIGIN_RULE``); ``why`` leads the reason."""
    return judge(ORIGIN, value, Reference(0.0, 0.0, 0.0, "rule", n), ORIGIN_RULE, n=n, details=details, why=why)


def _unknown_origin(ctx: RunContext, why: str, details: dict[str, Any] | None = None) -> Measurement:
    """SKIPPED with its reason, unless the policy requires a ledger: then an unproven origin fails."""
    if not getattr(ctx.policy, "require_ledger", False):
        return skipped(ORIGIN, why, details=details)
    unproven = why.removeprefix("not checked: ")
    return _ruled(1.0, len(ctx.tables.holdout), f"{REQUIRED}, and the test set's origin cannot be shown: "
                  f"{unproven}", details)


def _ledger_facts(ctx: RunContext) -> dict[str, Any]:
    def compute() -> dict[str, Any]:
        ledger, holdout = ctx.ledger, ctx.tables.holdout
        digest = content_hash(holdout)
        datasets = ledger.datasets()
        columns = {str(c) for c in holdout.columns}
        machine_ids = {d.id for d in datasets if d.is_machine and set(d.schema) <= columns}
        return {"registered": [d for d in datasets if d.content_hash == digest], "scan": ledger.scan(holdout),
                "lookup": ledger.lookup_rows(holdout), "machine_ids": machine_ids,
                "names": {d.id: d.name for d in datasets}}
    return ctx._cached(("validation-ledger",), compute)


def _origin(ctx: RunContext, found: dict[str, Any]) -> Measurement:
    n = len(ctx.tables.holdout)
    machine = [d for d in found["registered"] if d.is_machine]
    human_rows = float(found["lookup"].human(near=False).mean())
    machine_rows = float(found["lookup"].machine(near=False).mean())
    details = {"registered_as": "; ".join(f"{d.name} ({d.origin})" for d in found["registered"]) or "not registered",
               "rows_registered_human": round(human_rows, 4), "rows_registered_machine": round(machine_rows, 4)}
    if machine:
        d = machine[0]
        maker = f" by generator {found_name(ctx, d.generator_id)}" if d.generator_id is not None else ""
        return _ruled(1.0, n, f"the test set is registered in the ledger as machine-made data (dataset {d.name!r}"
                      f"{maker}): a synthetic test set validates nothing", details)
    if found["registered"] or human_rows >= REGISTERED_SHARE:
        what = (f"registered as human data ({found['registered'][0].name!r})" if found["registered"]
                else f"{human_rows:.1%} of its rows are registered human rows")
        return _ruled(0.0, n, f"the test set is {what}", details)
    return _unknown_origin(ctx, "not checked: the ledger knows nothing about the test set (neither the table nor "
                           f"most of its rows are registered; {human_rows:.1%} of rows are registered human "
                           "rows), so its origin is unrecorded. Register it as human data", details)


def found_name(ctx: RunContext, generator_id: int) -> str:
    try:
        return repr(ctx.ledger.generator(generator_id).name)
    except Exception:  # noqa: BLE001 - a name is only for the message
        return str(generator_id)


def _machine(ctx: RunContext, found: dict[str, Any], rule: Rule) -> Measurement:
    scan, n = found["scan"], len(ctx.tables.holdout)
    p0, duplicates = natural_duplicate_share(ctx)
    reference = chance_reference(p0, n, len(ctx.tables.real), level=ctx.policy.band,
                                 method="chance: real's own duplicate share")
    details = {"machine_rows": scan.exact, "per_dataset": _per_dataset(found, "exact"),
               "real_rows_with_a_duplicate": duplicates}
    return judge(MACHINE, scan.exact / max(n, 1), reference, rule, n=n, details=details)


def _near(ctx: RunContext, found: dict[str, Any], rule: Rule) -> Measurement:
    scan, n = found["scan"], len(ctx.tables.holdout)
    chances = [c for d, c in scan.near_chance.items() if d in found["machine_ids"] and c is not None]
    p0 = 1.0 - float(np.prod([1.0 - c for c in chances])) if chances else 0.0
    reference = chance_reference(p0, n, n, level=ctx.policy.band,
                                 method="chance: the ledger's near-match rate of honest rows")
    details = {"near_machine_rows": scan.near, "per_dataset": _per_dataset(found, "near"),
               "machine_datasets": len(found["machine_ids"])}
    return judge(NEAR, scan.near / max(n, 1), reference, rule, n=n, details=details)


def _per_dataset(found: dict[str, Any], kind: str) -> str:
    counts = {found["names"].get(d, str(d)): getattr(c, kind) for d, c in found["scan"].by_dataset.items()
              if getattr(c, kind)}
    return "; ".join(f"{name}: {count}" for name, count in sorted(counts.items(), key=lambda kv: -kv[1])) or "none"


def _overlap(ctx: RunContext, rule: Rule, found: dict[str, Any] | None = None) -> Measurement:
    n = len(ctx.tables.holdout)
    overlap = np.isin(row_fingerprints(ctx.tables.holdout), row_fingerprints(ctx.tables.real))
    details: dict[str, Any] = {"test_rows_in_real": int(overlap.sum())}
    if found is not None:
        record, why = ledger_generator(ctx)
        if record is not None:
            registered = found["lookup"].training_rows(record.id, near=False)
            details["test_rows_in_registered_training_data"] = int(registered.sum())
            details["generator"] = record.name
            overlap = overlap | registered
        else:
            details["registered_training_data"] = f"not checked: {why}"
    p0, duplicates = natural_duplicate_share(ctx)
    details["real_rows_with_a_duplicate"] = duplicates
    reference = chance_reference(p0, n, len(ctx.tables.real), level=ctx.policy.band,
                                 method="chance: real's own duplicate share")
    return judge(OVERLAP, float(overlap.mean()), reference, rule, n=n, details=details)
