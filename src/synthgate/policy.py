"""Policy file (TOML or YAML) → validated, typed settings with defaults.

Thresholds are excesses over the honest reference, per measurement id (``[rules."privacy.exact_copy_rate"]``);
each gate declares its default rules and its own settings section (``[gates.bias]``).
"""

from __future__ import annotations

import json
import math
import tomllib
from pathlib import Path
from typing import Any, Iterable, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from synthgate.errors import PolicyError
from synthgate.textfiles import utf8_text
from synthgate.verdict import Rule, Verdict


#: gates whose inconclusive measurement fails CI by default: "it is synthetic, so it is private" is an
#: assertion, not a measurement
FAIL_ON_INCONCLUSIVE = ("privacy",)
#: most holdout resamples a policy may ask for: beyond it the band's quantiles no longer move, only the run time
MAX_RESAMPLES = 10_000


class RuleOverride(BaseModel):
    model_config = ConfigDict(extra="forbid")
    warn_excess: float | None = None
    fail_excess: float | None = None
    max_noise: float | None = None

    @field_validator("warn_excess", "fail_excess")
    @classmethod
    def _allowance(cls, value: float | None) -> float | None:
        if value is not None and not (math.isfinite(value) and value >= 0):
            raise ValueError(f"{value} is not a finite number >= 0: give the allowed excess beyond the honest "
                             "band, in the measurement's units (e.g. 0.01), or delete the line for the default")
        return value

    @field_validator("max_noise")
    @classmethod
    def _effect(cls, value: float | None) -> float | None:
        if value is not None and not (math.isfinite(value) and value > 0):
            raise ValueError(f"{value} is not a finite number > 0: give the smallest effect that matters, in the "
                             "measurement's units, or delete the line for the default")
        return value

    @model_validator(mode="after")
    def _order(self) -> "RuleOverride":
        if self.warn_excess is not None and self.fail_excess is not None and self.warn_excess > self.fail_excess:
            raise ValueError(f"warn_excess {self.warn_excess:g} is above fail_excess {self.fail_excess:g}: a warning "
                             "must come before a failure. Lower warn_excess or raise fail_excess")
        return self


class Policy(BaseModel):
    """Everything a run may be told; every field has a default, so no policy file is needed."""

    model_config = ConfigDict(extra="forbid")
    seed: int = Field(0, ge=0, description="seed of every random draw (an integer >= 0); the same seed, the "
                      "same result")
    min_rows: int = Field(200, ge=1, description="smallest table a run accepts")
    max_categories: int = Field(1000, ge=2, description="more distinct values is an error, not a category")
    max_unseen_share: float = Field(0.01, ge=0, le=1, description="largest share of synthetic rows with "
                                    "categories unseen in real before the input is refused")
    resamples: int = Field(100, ge=10, le=MAX_RESAMPLES, description="holdout resamples behind each honest "
                           f"reference band (10 to {MAX_RESAMPLES:,}: each costs a full recomputation of a statistic)")
    band: float = Field(0.95, gt=0.5, lt=1, description="central share of honest resamples the band holds "
                        "(shared out among a gate's rules with band_per = \"gate\")")
    band_per: Literal["measurement", "gate"] = Field(
        "measurement", description="\"measurement\": every band holds `band`, so a gate of k rules may alarm up "
                                   "to k times as often as one measurement; \"gate\": a gate of k rules (or rule "
                                   "families) gives each band 1 - (1 - band) / k (Bonferroni), so an honest table "
                                   "sets off a gate at most about (1 - band) / 2 of the time, at a cost in power "
                                   "and more inconclusive measurements")
    mask_below: int = Field(10, ge=0, description="category labels with fewer real rows are masked in reports")
    fail_on: Verdict = Verdict.FAIL
    fail_on_inconclusive: list[str] = Field(default_factory=lambda: list(FAIL_ON_INCONCLUSIVE),
                                            description="gates whose inconclusive measurement fails CI even at "
                                                        "fail_on = \"fail\" (privacy: \"it is synthetic, so it is "
                                                        "private\" is an assertion, not a measurement); [] relaxes")
    require_ledger: bool = Field(False, description="fail test-set origin when no ledger is given")
    gates_enabled: list[str] | None = Field(None, description="run only these gates (default: all)")
    ledger: str | None = Field(None, description="ledger path or database URL")
    rules: dict[str, RuleOverride] = Field(default_factory=dict)
    gates: dict[str, dict[str, Any]] = Field(default_factory=dict)

    def rule(self, measurement_id: str, default: Rule) -> Rule:
        """The gate's default rule with this policy's overrides, refused when its thresholds are out of order."""
        override = self.rules.get(measurement_id)
        return _ordered(measurement_id, default.with_overrides(**override.model_dump())) if override else default

    def settings(self, gate: str, model: type[BaseModel]) -> BaseModel:
        try:
            return model.model_validate(self.gates.get(gate, {}))
        except ValidationError as err:
            raise PolicyError(f"policy [gates.{gate}]: {_problems(err)}") from None


def load_policy(source: str | Path | dict | Policy | None = None) -> Policy:
    """Read and validate a policy (TOML, YAML or JSON file, dict, or Policy); None gives the defaults."""
    if isinstance(source, Policy):
        return source
    data: Any = source or {}
    if isinstance(source, (str, Path)):
        data = _read(Path(source))
    try:
        return Policy.model_validate(data)
    except ValidationError as err:
        raise PolicyError(f"policy does not validate: {_problems(err)}. "
                          "Run 'synthgate policy init' for a commented default policy.") from None


def check_policy(policy: Policy, gates: Iterable[Any]) -> None:
    """Refuse rule ids and gate sections no gate knows (a typo must not silently fall back to defaults)."""
    gates = list(gates)
    known_rules = {rid for g in gates for rid in g.rules}
    known_gates = {g.name for g in gates}
    unknown = sorted(set(policy.rules) - known_rules)
    if unknown:
        raise PolicyError(f"policy rules {unknown} match no measurement. Known: {sorted(known_rules)}.")
    strict = set(policy.fail_on_inconclusive) - set(FAIL_ON_INCONCLUSIVE)  # the default holds in any run
    named = set(policy.gates) | set(policy.gates_enabled or []) | strict
    unknown = sorted(named - known_gates)
    if unknown:
        raise PolicyError(f"policy names gates {unknown}, which do not exist. Known: {sorted(known_gates)}.")
    for gate in gates:
        policy.settings(gate.name, gate.Settings)
        for rid in set(policy.rules) & set(gate.rules):
            policy.rule(rid, gate.rules[rid])


def _ordered(measurement_id: str, rule: Rule) -> Rule:
    if rule.warn_excess > rule.fail_excess:
        raise PolicyError(f'policy [rules."{measurement_id}"]: warn_excess {rule.warn_excess:g} is above fail_excess '
                          f"{rule.fail_excess:g} (after merging with the gate's default): a warning must come before "
                          "a failure. Lower warn_excess or raise fail_excess.")
    return rule


def render_default_policy(gates: Iterable[Any]) -> str:
    """A commented TOML policy with every default, for ``synthgate policy init``."""
    lines = ["# synthgate policy. Every value below is the default; delete what you do not change.",
             "# Thresholds are excesses beyond the honest reference band (what the real holdout scores on",
             "# the same test at the same size), in each measurement's own units. max_noise is a rule's effect size,",
             "# the smallest effect that matters (default: fail_excess): a value passes only when the data rule out",
             "# an effect that large, and is inconclusive when they cannot.", ""]
    for name, field in Policy.model_fields.items():
        if name in ("rules", "gates", "gates_enabled", "ledger", "fail_on", "fail_on_inconclusive"):
            continue
        lines += [f"# {field.description}", f"{name} = {json.dumps(field.default)}"]
    lines += ['fail_on = "fail"            # or "warn" / "inconclusive": the least severe verdict that fails CI',
              f"# {Policy.model_fields['fail_on_inconclusive'].description}",
              f"fail_on_inconclusive = {json.dumps(list(FAIL_ON_INCONCLUSIVE))}",
              '# ledger = "synthgate-ledger.sqlite"   # or a database URL', ""]
    for gate in gates:
        settings = gate.Settings()
        if type(settings).model_fields:
            lines.append(f"# [gates.{gate.name}]")
            for key, value in settings.model_dump(mode="json").items():
                desc = type(settings).model_fields[key].description
                lines.append(f"# {key} = {_toml_value(value)}" + (f"    # {desc}" if desc else ""))
            lines.append("")
    for gate in gates:
        for rid, rule in gate.rules.items():
            lines += [f'[rules."{rid}"]   # {rule.description} (worse when {rule.worse})',
                      f"warn_excess = {rule.warn_excess!r}", f"fail_excess = {rule.fail_excess!r}"]
            if rule.max_noise is not None:
                lines.append(f"max_noise = {rule.max_noise!r}")
            lines.append("")
    return "\n".join(lines)


def _toml_value(value: Any) -> str:
    if value is None:
        return "<unset: remove this line's '#' and give a value>"
    return json.dumps(value)


def _read(path: Path) -> Any:
    if path.is_dir():
        raise PolicyError(f"policy path {str(path)!r} is a folder. Pass the policy file itself.")
    if not path.is_file():
        raise PolicyError(f"policy file {str(path)!r} does not exist. Check --policy, or run 'synthgate policy init'.")
    text = _decoded(path)
    try:
        if path.suffix.lower() == ".toml":
            return tomllib.loads(text)
        if path.suffix.lower() == ".json":
            return json.loads(text)
        return yaml.safe_load(text)
    except (tomllib.TOMLDecodeError, yaml.YAMLError, ValueError) as err:
        raise PolicyError(f"policy file {path.name!r} cannot be parsed: {err}") from None


def _decoded(path: Path) -> str:
    """UTF-8, as TOML requires; anything else is refused with the bad byte's line."""
    return utf8_text(path, "policy file", lambda problem, fix: PolicyError(f"{problem} {fix}"))


def _problems(err: ValidationError) -> str:
    return "; ".join(f"{_where(e['loc'])}: {e['msg'].removeprefix('Value error, ')}" for e in err.errors())


def _where(loc: tuple) -> str:
    """``rules."privacy.exact_copy_rate".fail_excess``: ids with dots quoted, as in the policy file."""
    return ".".join(f'"{p}"' if "." in str(p) else str(p) for p in loc) or "policy"
