"""Recursive training: is the generator anchored to human data, and does its output show the collapse signature?

Measurements:

- ``provenance.human_share`` (rule, worse lower): share of human rows in the generator's training data, from
  the ledger (the generator named by ``[gates.provenance] generator`` or metadata ``generator.name``), else by
  looking the real table's rows up in the ledger (registered machine rows beyond the holdout's chance rate).
  FAIL below the policy's ``min_human_share``; WARN when the ledger knows neither the generator nor the rows.
- ``provenance.generation`` (rule, worse higher): the generator's generation (0 = trained on human data only).
  FAIL when its training data holds no human rows at all (trained only on an earlier generator's output) or
  when the generation exceeds the policy's ``max_generation``. The lineage chain (dataset and generator names,
  generations; never rows) is in the details.
- ``provenance.spread_ratio``, ``provenance.tail_ratio`` (worse lower), ``provenance.extinct_categories``,
  ``provenance.distance`` (worse higher): synthetic (generation n + 1) against real (its training data,
  generation n), against the holdout's same statistic at the same size; see
  ``synthgate.gates.provenance.recursion``. For a whole chain without a ledger use
  ``synthgate.recursion.check_generations`` (defined in ``synthgate.run``).

Passes: a generator registered as trained on human data; the real holdout or an honest CART sample as
synthetic. Fails: a generator trained only on generation-(n - 1) output (anchor rule); generation 10 of
``defects.regenerate`` on 2,000 Adult rows (categories lost, distance grown).
"""

from __future__ import annotations

from typing import Iterable

from pydantic import BaseModel, ConfigDict, Field

from synthgate.gates.base import Gate
from synthgate.gates.context import RunContext
from synthgate.gates.provenance.anchor import anchor_measurements, anchor_report
from synthgate.gates.provenance.generations import RULES, generation_measurements, generation_report
from synthgate.verdict import Measurement

__all__ = ["ProvenanceGate", "ProvenanceSettings"]


class ProvenanceSettings(BaseModel):
    """The policy's ``[gates.provenance]`` section."""

    model_config = ConfigDict(extra="forbid")
    generator: str | int | None = Field(None, description="the generator judged, by ledger name or id "
                                                          "(unset: metadata generator.name)")
    min_human_share: float = Field(0.5, ge=0, le=1, description="smallest share of human rows in the "
                                                                "generator's training data")
    max_generation: int | None = Field(None, ge=0, description="highest generator generation accepted "
                                                               "(unset: any, if anchored to human data)")
    tail_quantile: float = Field(0.01, gt=0, lt=0.5, description="tails are beyond real's quantiles "
                                                                 "at this share and one minus it")
    min_expected: float = Field(5.0, gt=0, description="smallest expected tail rows for a column to be judged")


class ProvenanceGate(Gate):
    """Recursive training: anchor to human data (ledger) and the generation-over-generation losses."""

    name = "provenance"
    title = "Recursive training (provenance)"
    Settings = ProvenanceSettings
    rules = RULES

    def measure(self, ctx: RunContext) -> Iterable[Measurement]:
        settings = self.settings(ctx)
        yield from anchor_measurements(ctx, settings)
        yield from generation_measurements(ctx, settings, lambda mid: self.rule(ctx, mid))

    def report_details(self, ctx: RunContext, measurements: tuple[Measurement, ...]) -> dict:
        return {**anchor_report(ctx), **generation_report(ctx)}
