"""The anchor rule: a generator's training data must hold the policy's share of human rows, never only machine output.

Where the facts come from, in order:

1. the ledger's record of the generator (``[gates.provenance] generator`` or metadata ``generator.name``):
   its human share (``Ledger.human_share``), its generation, and the lineage of its training datasets;
2. otherwise the real table's rows looked up in the ledger: the share of them that are registered machine
   rows (exact or near), less the holdout's share (the chance rate of honest rows of the same population),
   and the generators whose rows stand out above that chance rate.

Without a ledger both measurements are skipped with the reason. Reports show dataset and generator names,
origins, row counts and generations, never rows.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from synthgate.errors import LedgerError
from synthgate.gates.context import RunContext
from synthgate.verdict import Measurement, Rule, judge, rule_reference, skipped

HUMAN = "provenance.human_share"
GENERATION = "provenance.generation"
NO_LEDGER = ("needs a provenance ledger (--ledger or policy: ledger) to know what the generator was trained on")
#: a row-lookup estimate at or below this human share counts as "machine output only" (chance matches aside)
PURE_MACHINE = 0.01
#: a row-lookup estimate needs this share of real's rows registered (human or machine) to be "known"
KNOWN_SHARE = 0.5


@dataclass(frozen=True)
class Anchor:
    """What the ledger says about the judged generator's training data."""

    human_share: float
    generation: int
    rows: int
    source: str
    generator: str | None = None
    known: bool = True
    chain: list[list[Any]] = field(default_factory=list)   # rows of the lineage table
    note: str = ""
    registered_human: float = 0.0   # share of real's rows registered as human data (row lookup)

    @property
    def pure_machine(self) -> bool:
        return self.generation >= 1 and self.human_share <= (0.0 if self.generator else PURE_MACHINE)


def generator_reference(ctx: RunContext, settings: Any = None) -> str | int | None:
    """The generator being judged: the policy's ``generator`` setting, else metadata ``generator.name``."""
    named = getattr(settings, "generator", None) if settings is not None else \
        ctx.policy.gates.get("provenance", {}).get("generator")
    return named if named is not None else ctx.metadata.generator.name


def ledger_generator(ctx: RunContext, settings: Any = None) -> tuple[Any, str]:
    """The judged generator's ledger record (or None) and, when there is none, why."""
    ref = generator_reference(ctx, settings)
    if ctx.ledger is None:
        return None, "no ledger"
    if ref is None:
        return None, "the generator is not named (metadata generator.name or [gates.provenance] generator)"
    try:
        return ctx.ledger.generator(ref), ""
    except LedgerError as err:
        return None, f"ledger: {err}"


def find_anchor(ctx: RunContext, settings: Any) -> Anchor | str:
    """The anchor facts, or why there are none."""
    if ctx.ledger is None:
        return NO_LEDGER
    return ctx._cached(("provenance-anchor",), lambda: _find(ctx, settings))


def _find(ctx: RunContext, settings: Any) -> Anchor:
    record, why = ledger_generator(ctx, settings)
    if record is not None:
        share = float(ctx.ledger.human_share(record.id))
        rows = sum(ctx.ledger.dataset(d).rows for d in record.trained_on)
        return Anchor(share, int(record.generation), rows, f"ledger record of generator {record.name!r}",
                      record.name, chain=_chain(ctx.ledger, record))
    return _from_rows(ctx, note=why)


def _chain(ledger: Any, record: Any) -> list[list[Any]]:
    """Lineage table rows: depth, dataset, origin, rows, made by, that generator's generation."""
    seen, rows = set(), []
    for dataset_id in record.trained_on:
        for step in ledger.lineage(dataset_id):
            if step.dataset.id in seen:
                continue
            seen.add(step.dataset.id)
            made_by = step.generator.name if step.generator else ("people" if step.dataset.origin == "human"
                                                                  else "unknown generator")
            rows.append([step.depth + 1, step.dataset.name, step.dataset.origin, step.dataset.rows, made_by,
                         step.generator.generation if step.generator else None])
    return sorted(rows, key=lambda r: r[0])


def _from_rows(ctx: RunContext, *, note: str) -> Anchor:
    """Estimate from real's rows: registered machine rows beyond the holdout's chance rate."""
    real = ctx.ledger.lookup_rows(ctx.tables.real)
    holdout = ctx.ledger.lookup_rows(ctx.tables.holdout)
    n = len(ctx.tables.real)
    excess = max(0.0, float(_machine_rows(real).mean()) - float(_machine_rows(holdout).mean()))
    producers = _producers(real, holdout, n)
    generations = [_generation_of(ctx.ledger, g) for g in producers]
    generation = 1 + max(generations) if generations else 0
    human_registered = float(real.human().mean())
    known = bool(producers) or human_registered >= KNOWN_SHARE
    chain = [[1, f"rows made by {_name_of(ctx.ledger, g)}", "machine", count, _name_of(ctx.ledger, g), gen]
             for (g, count), gen in zip(producers.items(), generations)]
    if human_registered > 0:
        chain.append([1, "rows registered as human data", "human", int(round(human_registered * n)), "people", None])
    source = "real's rows looked up in the ledger" + (f" ({note})" if note else "")
    return Anchor(1.0 - excess, generation, n, source, None, known, chain,
                  note=f"{human_registered:.1%} of real's rows are registered human rows",
                  registered_human=human_registered)


def _machine_rows(lookup: Any) -> np.ndarray:
    """Rows matching registered machine rows, except rows registered (exactly) as human data: a generator that
    copied or nearly copied a person's row did not make that person's row machine-made."""
    return lookup.machine() & ~lookup.human(near=False)


def _machine_matches(lookup: Any) -> pd.DataFrame:
    frame = lookup.to_frame()
    human = np.flatnonzero(lookup.human(near=False))
    return frame[(frame["origin"] == "machine") & ~frame["position"].isin(human)]


def _producers(real: Any, holdout: Any, n: int) -> dict[int | None, int]:
    """Generators whose rows make up more of real than chance (the holdout's rate, plus 3 sd) would."""
    found = {}
    real_frame, holdout_frame = _machine_matches(real), _machine_matches(holdout)
    for producer, group in real_frame.groupby("generator_id", dropna=False):
        key = None if pd.isna(producer) else int(producer)
        count = group["position"].nunique()
        same = holdout_frame["generator_id"].isna() if key is None else holdout_frame["generator_id"] == key
        chance = holdout_frame.loc[same, "position"].nunique() / max(holdout.rows, 1)
        if count / n > chance + 3 * math.sqrt(max(chance * (1 - chance), 1.0 / n) / n):
            found[key] = int(count)
    return found


def _generation_of(ledger: Any, generator_id: int | None) -> int:
    # machine data of unknown producer counts as generation-0 output, as the ledger itself does
    return 0 if generator_id is None else int(ledger.generator(generator_id).generation)


def _name_of(ledger: Any, generator_id: int | None) -> str:
    return "an unknown generator" if generator_id is None else ledger.generator(generator_id).name


def anchor_measurements(ctx: RunContext, settings: Any) -> list[Measurement]:
    """``provenance.human_share`` and ``provenance.generation``."""
    anchor = find_anchor(ctx, settings)
    if isinstance(anchor, str):
        return [skipped(HUMAN, anchor), skipped(GENERATION, anchor)]
    details = _details(anchor)
    return [_human_share(anchor, settings.min_human_share, details),
            _generation(anchor, settings.max_generation, details)]


def _details(anchor: Anchor) -> dict[str, Any]:
    details: dict[str, Any] = {"source": anchor.source, "generator": anchor.generator,
                               "generation": anchor.generation, "training_rows": anchor.rows}
    if anchor.note:
        details["note"] = anchor.note
    if anchor.chain:
        details["chain"] = _chain_text(anchor)
    return details


def _chain_text(anchor: Anchor) -> str:
    steps = [f"{name} ({origin}, {rows} rows" + (f", by {by} gen {gen})" if origin == "machine" and gen is not None
                                                 else ")")
             for _, name, origin, rows, by, gen in anchor.chain[:12]]
    more = f" … and {len(anchor.chain) - 12} more" if len(anchor.chain) > 12 else ""
    return " ← ".join(steps) + more


def _human_share(anchor: Anchor, minimum: float, details: dict) -> Measurement:
    """Against the rule's 1 (trained on human data), allowed ``1 - min_human_share`` short of it."""
    who = f"generator {anchor.generator!r}" if anchor.generator else "the generator"
    if not anchor.known:
        return _unknown_share(anchor, who, details)
    share = anchor.human_share
    if share < minimum:
        why = f"{who} was trained on {share:.1%} human rows, below the policy's {minimum:.0%} ({anchor.source})"
    else:
        why = f"{who} was trained on {share:.1%} human rows; the policy asks at least {minimum:.0%} ({anchor.source})"
    rule = Rule("lower", 1.0 - minimum, 1.0 - minimum, description=f"min_human_share {minimum:g}")
    return judge(HUMAN, share, rule_reference(1.0, n=anchor.rows), rule, n=anchor.rows, details=details, why=why)


def _unknown_share(anchor: Anchor, who: str, details: dict) -> Measurement:
    """Too few of real's rows are registered: a warning that never fails, valued at the human share the ledger
    vouches for (a lower bound)."""
    why = (f"the ledger knows little about {who}'s training data ({anchor.note}; none of its rows is a registered "
           "machine row beyond chance): its origin is unrecorded. Register the training data and the generator "
           "(synthgate ledger register ...)")
    rule = Rule("lower", 0.0, 1.0, description="origin unrecorded: warn")
    return judge(HUMAN, anchor.registered_human, rule_reference(1.0, n=anchor.rows), rule, n=anchor.rows,
                 details=details, why=why)


def _generation(anchor: Anchor, maximum: int | None, details: dict) -> Measurement:
    """Against the rule's generation 0: none allowed beyond it unanchored, else up to ``max_generation``."""
    who = f"generator {anchor.generator!r}" if anchor.generator else "the generator"
    generation = anchor.generation
    unanchored = anchor.known and anchor.pure_machine
    if unanchored:
        why = (f"{who} is generation {generation}, trained only on machine output (no human rows): recursive "
               "training without an anchor to human data")
    elif maximum is not None and generation > maximum:
        why = f"{who} is generation {generation}, above the policy's max_generation {maximum}"
    else:
        why = (f"{who} is generation {generation}" + (" (trained on human data only)" if generation == 0 else
                                                      f", with {anchor.human_share:.1%} human training rows"))
        if not anchor.known:
            why += "; the ledger knows little about its training data"
    if "chain" in details:
        why += f"; lineage: {details['chain']}"
    limit = 0.0 if unanchored else math.inf if maximum is None else float(maximum)
    rule = Rule("higher", limit, limit, description="anchor rule and max_generation")
    return judge(GENERATION, float(generation), rule_reference(0.0, n=anchor.rows), rule, n=anchor.rows,
                 details=details, why=why)


def anchor_report(ctx: RunContext) -> dict[str, Any]:
    """The lineage table, when the anchor was found."""
    anchor = ctx._cache.get(("provenance-anchor",))
    if not isinstance(anchor, Anchor) or not anchor.chain:
        return {}
    return {"lineage": {"plot": "table", "title": "Lineage of the generator's training data (back to human data)",
                        "columns": ["depth", "dataset", "origin", "rows", "made by", "generator generation"],
                        "rows": anchor.chain[:50]}}
