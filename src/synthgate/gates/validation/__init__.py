"""The validation illusion: a synthetic (or contaminated) test set makes any generator look good.

The test set is real, always, and never touches the generator: it is the run's holdout.

Measurements (details in ``testset`` and ``utility``):

- ``validation.test_set_origin`` (rule): FAIL when the ledger registers the holdout as machine-made; WARN
  without a ledger or when the ledger knows nothing about it;
- ``validation.test_set_machine_rows``, ``validation.test_set_near_machine_rows`` (worse higher): holdout rows
  that are registered machine rows, exactly / near, against their chance rates;
- ``validation.test_train_overlap`` (worse higher): holdout rows equal to training rows, against real's own
  duplicate share (natural duplicates);
- ``validation.tstr_gap`` (worse higher): TRTR - TSTR on the real test rows, against TRTR - THTR (the holdout
  in the synthetic's place); needs a target, else skipped;
- ``validation.illusion_gap`` (worse higher, warns only): TSTS - TSTR, against 0.

Passes: an honest CART synthetic with a holdout registered as human data. Fails: a holdout holding copied
training rows (``test_train_overlap``), a holdout holding registered machine rows or registered as machine data
(``test_set_machine_rows``, ``test_set_origin``), a synthetic whose target no longer follows the features
(``tstr_gap``).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Iterable, Literal

from pydantic import BaseModel, ConfigDict, Field

from synthgate.gates.base import Gate
from synthgate.gates.context import RunContext
from synthgate.gates.validation.testset import RULES as TEST_SET_RULES
from synthgate.gates.validation.testset import test_set_measurements
from synthgate.gates.validation.utility import RULES as UTILITY_RULES
from synthgate.gates.validation.utility import utility_measurements, utility_report
from synthgate.verdict import Measurement

__all__ = ["ValidationGate", "ValidationSettings"]


class ValidationSettings(BaseModel):
    """The policy's ``[gates.validation]`` section."""

    model_config = ConfigDict(extra="forbid")
    models: list[Literal["logistic", "boosting"]] = Field(["logistic", "boosting"], min_length=1,
                                                          description="models trained for TSTR / TRTR")
    metric: Literal["auto", "roc_auc", "balanced_accuracy", "accuracy", "r2"] = Field(
        "auto", description="auto: ROC AUC (two classes), balanced accuracy (more), R² (numerical target)")
    repeats: int = Field(2, ge=1, le=20, description="holdout train/test splits, each refitting every model")
    max_train_rows: int = Field(5000, ge=50, description="largest training set per model")
    max_test_rows: int = Field(20000, ge=50, description="largest real (and synthetic) test set")
    synthetic_test_share: float = Field(0.3, gt=0, lt=1, description="share of synthetic kept aside for TSTS")
    boosting_iterations: int = Field(100, ge=10, le=1000, description="boosting rounds of the gradient-boosting "
                                                                      "model")
    honest_fits: int = Field(5, ge=1, le=50, description="honest models per repeat, each trained on its own "
                                                         "real sample, so the tstr_gap band holds training noise")


class ValidationGate(Gate):
    """Is the test set real and untouched, and how useful is synthetic data on it?"""

    name = "validation"
    title = "Validation illusion (test set and utility)"
    Settings = ValidationSettings
    # The illusion gap only warns (fail_excess 1.0), so its effect size is its own: a 0.1 score gap matters.
    rules = {**TEST_SET_RULES, **UTILITY_RULES,
             "validation.illusion_gap": replace(UTILITY_RULES["validation.illusion_gap"], max_noise=0.1)}

    def measure(self, ctx: RunContext) -> Iterable[Measurement]:
        settings = self.settings(ctx)
        yield from test_set_measurements(ctx, lambda mid: self.rule(ctx, mid))
        yield from utility_measurements(ctx, settings, lambda mid: self.rule(ctx, mid))

    def report_details(self, ctx: RunContext, measurements: tuple[Measurement, ...]) -> dict:
        return utility_report(ctx)
