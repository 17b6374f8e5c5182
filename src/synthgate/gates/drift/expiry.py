"""Generators are perishable: how long since a generator was last shown to fit real data.

The clock starts when the generator was made (the ledger's record, else ``metadata.generator.created``)
and restarts at its latest *passing* revalidation recorded in the ledger (``synthgate revalidate``, run kind
``revalidate``, verdict ``pass``): a revalidation re-proves the generator against today's real data, before
or after expiry alike. A generator is expired once its age exceeds the policy's ``max_age_days``, or from
the date of an ``expires_at`` declared in the ledger, unless a passing revalidation came after that date.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import Any

from synthgate.errors import LedgerError
from synthgate.gates.context import RunContext
from synthgate.verdict import Measurement, Rule, Verdict, judge, rule_reference, skipped

MEASUREMENT = "drift.generator_age"


@dataclass(frozen=True)
class GeneratorClock:
    """When a generator was made, where that date came from, and its ledger facts about freshness."""

    name: str | None
    created: date
    source: str
    revalidated: date | None = None
    expires_at: date | None = None

    @property
    def start(self) -> date:
        return max(self.created, self.revalidated) if self.revalidated else self.created

    def last_valid_day(self, max_age_days: int | None) -> tuple[date | None, str]:
        """The last day the generator may be used without revalidation, and which limit sets it."""
        limits = []
        if max_age_days is not None:
            limits.append((self.start + timedelta(days=max_age_days), f"policy max_age_days = {max_age_days}"))
        if self.expires_at is not None and self.expires_at > self.start:
            limits.append((self.expires_at - timedelta(days=1), f"ledger expires_at {self.expires_at}"))
        if not limits:
            return None, ""
        return min(limits)


def today_utc() -> date:
    return datetime.now(timezone.utc).date()


def find_clock(ctx: RunContext) -> GeneratorClock | str:
    """The generator's clock, or the reason none can be found."""
    meta = ctx.metadata.generator
    problem = ""
    if ctx.ledger is not None and meta.name:
        try:
            record = ctx.ledger.generator(meta.name)
        except LedgerError as err:
            problem = f" (ledger: {err})"
        else:
            return GeneratorClock(record.name, _as_date(record.created), f"ledger generator {record.id}",
                                  _last_passing_revalidation(ctx.ledger, record.id),
                                  _as_date(record.expires_at) if record.expires_at else None)
    if meta.created:
        try:
            return GeneratorClock(meta.name, _as_date(meta.created), "metadata generator.created")
        except ValueError:
            return f"metadata generator.created {meta.created!r} is not an ISO date (e.g. 2025-01-31)"
    if not meta.name:
        return ("no generator creation date: name the generator (metadata generator.name) and pass a ledger, "
                "or give metadata generator.created")
    return f"no creation date for generator {meta.name!r}{problem}; give metadata generator.created"


def age_measurement(clock: GeneratorClock, *, max_age_days: int | None, today: date) -> Measurement:
    """``drift.generator_age``: days since the clock started, against the allowed age."""
    last_day, limit = clock.last_valid_day(max_age_days)
    age = (today - clock.start).days
    since = (f"revalidated (passing) on {clock.revalidated}" if clock.revalidated and clock.revalidated >= clock.created
             else f"made on {clock.created}")
    details = {"generator": clock.name, "created": clock.created.isoformat(), "date_source": clock.source,
               "last_passing_revalidation": clock.revalidated.isoformat() if clock.revalidated else None,
               "today": today.isoformat()}
    if last_day is None:
        return skipped(MEASUREMENT, f"generator {_name(clock)} {since}: no maximum age set "
                                    "([gates.drift] max_age_days) and no expiry in the ledger", details=details)
    allowed = (last_day - clock.start).days
    details.update(valid_until=last_day.isoformat(), limit=limit)
    if age > allowed:
        why = (f"generator {_name(clock)} expired: {age} days since it was {since}, {limit} allows "
               f"{allowed} (valid until {last_day}). Re-validate it against fresh real data: "
               "synthgate revalidate --generator ... --fresh ... --synthetic ...")
    else:
        why = (f"generator {_name(clock)}: {age} days since it was {since}; {limit} allows {allowed} "
               f"(valid until {last_day})")
    # The allowed age is the rule's allowance beyond a fresh generator (age 0): no warning zone, no noise.
    rule = Rule("higher", float(allowed), float(allowed), description=limit)
    return judge(MEASUREMENT, float(age), rule_reference(0.0), rule, n=0, details=details, unit=" days", why=why)


def _last_passing_revalidation(ledger: Any, generator_id: int) -> date | None:
    passing = [run.created for run in ledger.runs(generator_id=generator_id)
               if run.kind == "revalidate" and run.verdict == Verdict.PASS.value]
    return _as_date(max(passing)) if passing else None


def _as_date(value: date | datetime | str) -> date:
    if isinstance(value, str):
        value = datetime.fromisoformat(value) if "T" in value or " " in value.strip() else date.fromisoformat(value)
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(timezone.utc)
        return value.date()
    return value


def _name(clock: GeneratorClock) -> str:
    return repr(clock.name) if clock.name else "(unnamed)"
