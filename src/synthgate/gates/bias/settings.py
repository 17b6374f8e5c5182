"""The policy's ``[gates.bias]`` section."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

ModelKind = Literal["logistic", "gradient_boosting"]


class BiasSettings(BaseModel):
    """Settings of the bias gate (policy section ``[gates.bias]``).

    ``rebalance`` and ``target_rate`` declare an intended change: the output is then checked against
    the request (``bias.rebalance_share``, ``bias.rebalance_rate``), and every other bias measurement
    compares the synthetic table with the real data reweighted to the request, not with real as it is.

    Examples
    --------
    >>> BiasSettings(rebalance={"sex": {"Female": 0.5}}).rebalance["sex"]["Female"]
    0.5
    """

    model_config = ConfigDict(extra="forbid")
    # 50, not the textbook 30: a positive rate of 12 % on 30 rows has a 6-point sd, so a parity gap over
    # groups that small is mostly noise, and sequential CART visibly distorts groups of a few dozen rows.
    min_group_rows: int = Field(50, ge=1, description="rows a group needs (expected in the compared sample) "
                                                      "to be judged; smaller groups are listed as too small")
    intersections: bool = Field(True, description="also judge intersections of two sensitive attributes")
    models: list[ModelKind] = Field(["logistic", "gradient_boosting"],
                                    description="classifiers trained on synthetic and on real ([] skips them)")
    model_replicates: int = Field(5, ge=2, le=50, description="pairs of honest models (trained on disjoint "
                                                              "real rows) behind the model-fairness reference")
    max_train_rows: int = Field(5000, ge=100, description="rows each classifier is trained on, at most")
    rebalance: dict[str, dict[str, float]] = Field(
        default_factory=dict, description="requested share of a group, e.g. {sex = {Female = 0.5}}")
    target_rate: dict[str, dict[str, float]] = Field(
        default_factory=dict, description="requested positive-outcome rate of a group, e.g. {sex = {Female = 0.3}}")

    @field_validator("rebalance")
    @classmethod
    def _shares(cls, value: dict[str, dict[str, float]]) -> dict[str, dict[str, float]]:
        for attribute, shares in value.items():
            if any(not 0.0 < s < 1.0 for s in shares.values()):
                raise ValueError(f"rebalance.{attribute}: shares must be strictly between 0 and 1")
            if sum(shares.values()) > 1.0 + 1e-9:
                raise ValueError(f"rebalance.{attribute}: requested shares add up to more than 1")
        return value

    @field_validator("target_rate")
    @classmethod
    def _rates(cls, value: dict[str, dict[str, float]]) -> dict[str, dict[str, float]]:
        for attribute, rates in value.items():
            if any(not 0.0 < r < 1.0 for r in rates.values()):
                raise ValueError(f"target_rate.{attribute}: rates must be strictly between 0 and 1")
        return value

    @property
    def requested(self) -> bool:
        return bool(self.rebalance or self.target_rate)
