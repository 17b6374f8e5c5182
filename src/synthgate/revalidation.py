"""Revalidation: re-judge a generator's synthetic data against today's real data, and record the run.

``revalidate`` re-runs the gates that mean something on fresh data (fidelity, bias, coverage, drift) with
today's real data as the reference and records the run in the ledger (kind ``revalidate``); a passing
revalidation restarts the generator's age clock (see ``synthgate.gates.drift.expiry``). The recorded runs are
followed over time with ``synthgate.gates.drift.history``.

Examples
--------
>>> from synthgate.ledger import Ledger
>>> ledger = Ledger.open(":memory:")                          # doctest: +SKIP
>>> run = revalidate("adult-cart", fresh, synthetic, ledger=ledger)  # doctest: +SKIP
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, replace
from typing import Any, Iterable, Sequence

import numpy as np
import pandas as pd

from synthgate.data import load_metadata, load_table, table_fingerprint
from synthgate.errors import InputError, PolicyError
from synthgate.gates import registry
from synthgate.gates.base import GateResult
from synthgate.gates.drift.history import record_result
from synthgate.ledger import Ledger
from synthgate.policy import check_policy, load_policy
from synthgate.run import check

__all__ = ["FRESH_GATES", "LEFT_OUT", "Revalidation", "left_out_note", "revalidate", "split_fresh"]

#: Gates that mean something when fresh data plays real and holdout: they compare the synthetic table with
#: the real world as it is now. Privacy, provenance and validation ask about the generator's training rows.
FRESH_GATES = ("fidelity", "bias", "coverage", "drift")
LEFT_OUT = "not run in a revalidation: it needs the generator's training rows, which fresh data is not"


@dataclass(frozen=True)
class Revalidation:
    """A revalidation's result, the ledger run that records it, and the generator it judged."""

    result: Any        # synthgate.result.CheckResult
    run: Any           # synthgate.ledger.RunRecord
    generator: Any     # synthgate.ledger.GeneratorRecord
    left_out: tuple[str, ...] = ()   # gates not run: they need the generator's training rows

    @property
    def verdict(self):
        return self.result.verdict

    @property
    def left_out_note(self) -> str:
        """One line naming the gates left out and why ("" when none were)."""
        return left_out_note(self.left_out)


def left_out_note(names: Sequence[str]) -> str:
    if not names:
        return ""
    return f"{', '.join(names)}: not run — they need the generator's training rows, which fresh data is not"


def revalidate(generator: int | str, fresh: Any, synthetic: Any, *, ledger: Any = None, metadata: Any = None,
               policy: Any = None, seed: int | None = None, gates: Iterable[Any] | None = None,
               progress: Any = None) -> Revalidation:
    """Re-run the gates that mean something on fresh data, with today's real data as the reference; record it.

    ``fresh`` is split (seeded) into two halves that play the roles of real and holdout, so each gate run
    asks whether the synthetic table still matches the real world as it is now: fidelity, bias, coverage and
    drift (``FRESH_GATES``). Privacy, provenance and validation are left out: they ask about the rows the
    generator was trained on (copies, lineage, a test set it never saw), and fresh rows never were; the
    result lists them as SKIPPED with that reason. The age check is not judged here: this run's pass is what
    restarts the generator's clock.

    Parameters
    ----------
    generator : int or str
        The generator's ledger id or name.
    fresh, synthetic : path (CSV / Parquet) or table
        Today's real data (at least twice the policy's ``min_rows``) and the generator's synthetic table.
    ledger : Ledger, path or URL, optional
        Default: the policy's ``ledger``, else ``$SYNTHGATE_LEDGER`` or ``./synthgate-ledger.sqlite``.
    metadata, policy, seed, gates, progress
        As for ``synthgate.check``; the generator's facts come from the ledger.

    Returns
    -------
    Revalidation
        ``.result`` (a ``CheckResult``), ``.run`` (the ledger's ``RunRecord``), ``.generator``, ``.left_out``
        (names of the gates not run).
    """
    policy = load_policy(policy)
    seed = policy.seed if seed is None else seed
    enabled, kept = _fresh_gates(policy, tuple(gates or registry.ALL_GATES))  # the registry as it is now
    book, owned = _open_ledger(ledger if ledger is not None else policy.ledger)
    try:
        record = book.generator(generator)
        fresh_frame, synthetic_frame = load_table(fresh, name="fresh"), load_table(synthetic, name="synthetic")
        if len(fresh_frame) < 2 * policy.min_rows:
            raise InputError(f"{len(fresh_frame)} rows; revalidation splits them into two halves (real and "
                             f"holdout) of at least {policy.min_rows} rows each (policy: min_rows).",
                             fix="Pass more fresh real rows.", table="fresh")
        reference, holdout = split_fresh(fresh_frame, seed)
        result = check(reference, holdout, synthetic_frame, metadata=_with_generator(load_metadata(metadata), record),
                       policy=_revalidation_policy(policy, kept), seed=seed, ledger=book, gates=kept,
                       progress=progress)
        result = _with_left_out(result, enabled, kept)
        run = record_result(book, result, kind="revalidate", generator=record.id,
                            inputs={"fresh": table_fingerprint(fresh_frame),
                                    "synthetic": table_fingerprint(synthetic_frame)})
    finally:
        if owned:
            book.close()
    return Revalidation(result, run, record, tuple(g.name for g in enabled if g not in kept))


def split_fresh(fresh: pd.DataFrame, seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Two disjoint, seeded halves of ``fresh`` (new frames; ``fresh`` is not modified)."""
    rng = np.random.default_rng([seed, zlib.crc32(b"revalidate-split")])
    order = rng.permutation(len(fresh))
    half = len(fresh) // 2
    return (fresh.iloc[np.sort(order[:half])].reset_index(drop=True),
            fresh.iloc[np.sort(order[half:])].reset_index(drop=True))


# --- helpers ---------------------------------------------------------------------------------------------


def _open_ledger(location: Any) -> tuple[Any, bool]:
    if hasattr(location, "record_run"):
        return location, False
    return Ledger.open(location, create=False), True


def _with_generator(metadata: Any, record: Any) -> Any:
    generator = metadata.generator.model_copy(update={
        "name": record.name, "kind": metadata.generator.kind or record.kind,
        "dp_epsilon": metadata.generator.dp_epsilon or record.dp_epsilon, "created": record.created.isoformat()})
    return metadata.model_copy(update={"generator": generator})


def _fresh_gates(policy: Any, requested: tuple) -> tuple[tuple, tuple]:
    """The gates the policy enables, and those of them a revalidation runs (``FRESH_GATES``)."""
    check_policy(_without_absent_gates(policy, requested), requested)  # a typo, even a left-out gate's, is refused
    enabled = tuple(g for g in requested if not policy.gates_enabled or g.name in policy.gates_enabled)
    kept = tuple(g for g in enabled if g.name in FRESH_GATES)
    if not kept:
        raise PolicyError(f"a revalidation runs only the gates {list(FRESH_GATES)}, and this run enables none of "
                          f"them ({[g.name for g in enabled]}). Enable at least one (policy: gates_enabled); "
                          f"{left_out_note([g.name for g in enabled])}.")
    return enabled, kept


def _without_absent_gates(policy: Any, requested: tuple) -> Any:
    """``fail_on_inconclusive`` narrowed to the gates asked for (its default names privacy, left out here)."""
    names = getattr(policy, "fail_on_inconclusive", None)
    if not names:
        return policy
    asked = {g.name for g in requested}
    return policy.model_copy(update={"fail_on_inconclusive": [n for n in names if n in asked]})


def _revalidation_policy(policy: Any, kept: tuple) -> Any:
    """The policy narrowed to the gates run (check() refuses sections of gates it does not run)."""
    names = {g.name for g in kept}
    rules = {mid: rule for mid, rule in policy.rules.items() if mid.split(".", 1)[0] in names}
    sections = {name: section for name, section in policy.gates.items() if name in names}
    if "drift" in names:
        sections["drift"] = {**sections.get("drift", {}), "revalidation": True}
    update = {"rules": rules, "gates": sections, "gates_enabled": None}
    if hasattr(policy, "fail_on_inconclusive"):
        update["fail_on_inconclusive"] = [n for n in policy.fail_on_inconclusive if n in names]
    return policy.model_copy(update=update)


def _with_left_out(result: Any, enabled: tuple, kept: tuple) -> Any:
    """The result with every left-out gate as SKIPPED (and why), in the order the gates were asked for."""
    ran = {g.gate: g for g in result.gates}
    gates = tuple(ran[g.name] if g in kept else replace(GateResult.skipped(g.name, LEFT_OUT), title=g.title)
                  for g in enabled)
    note = left_out_note([g.name for g in enabled if g not in kept])
    return replace(result, gates=gates, notes=tuple(result.notes) + ((f"revalidation: {note}",) if note else ()))
