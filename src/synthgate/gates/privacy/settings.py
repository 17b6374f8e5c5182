"""The policy's ``[gates.privacy]`` section."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator


class PrivacySettings(BaseModel):
    """Settings of the privacy gate (policy section ``[gates.privacy]``).

    Examples
    --------
    >>> PrivacySettings(sensitive_data=True, max_epsilon=1.0).max_epsilon
    1.0
    """

    model_config = ConfigDict(extra="forbid")
    sensitive_data: bool = Field(False, description="the data is about people and needs a declared "
                                                    "differential-privacy budget (privacy.dp_declaration)")
    max_epsilon: float | None = Field(None, gt=0, description="largest declared DP epsilon accepted for "
                                                              "sensitive data (unset: any declared epsilon)")
    near_copy_quantile: float = Field(0.01, gt=0, lt=0.5, description="near-copy radius: this quantile of the "
                                                                      "training rows' distances to their closest "
                                                                      "other training row")
    near_ratio_quantile: float = Field(0.01, gt=0, lt=0.5, description="near copies (numbers moved): this "
                                                                        "quantile of the training rows' "
                                                                        "leave-one-out distance ratios")
    near_copy_radius: float | None = Field(None, gt=0, description="a fixed near-copy radius (shared encoding) "
                                                                   "instead of the data's quantile")
    outliers: int = Field(50, ge=1, description="most isolated training rows watched for memorisation "
                                                "(at most a tenth of the training rows)")
    mia_rows: int = Field(10_000, ge=50, description="members and non-members each, at most, in the "
                                                     "membership-inference attacks")
    density_k: int = Field(5, ge=1, description="neighbours behind the density-ratio attack's kNN densities")
    attacks: int = Field(500, ge=20, description="targets (queries for singling out) of the singling-out and "
                                                 "linkability attacks")
    inference_attacks: int = Field(2000, ge=20, description="training rows attacked, and holdout rows as control, "
                                                            "by the attribute-inference attack")
    singling_out_columns: int = Field(3, ge=1, description="columns per singling-out query")
    linkability_columns: list[list[str]] | None = Field(
        None, description="the attacker's two column groups (unset: alternate usable columns)")
    secrets: list[str] | None = Field(None, description="columns the inference attack guesses "
                                                        "(unset: sensitive attributes and target, else every column)")
    quasi_identifiers: list[list[str]] | None = Field(
        None, description="column combinations that identify a person together (e.g. [[\"age\", \"sex\", "
                          "\"zip\"]]), checked by privacy.quasi_identifier_reuse_rate")

    @field_validator("linkability_columns")
    @classmethod
    def _two_groups(cls, value: list[list[str]] | None) -> list[list[str]] | None:
        if value is not None and (len(value) != 2 or not all(value)):
            raise ValueError("linkability_columns needs exactly two non-empty lists of column names")
        return value
