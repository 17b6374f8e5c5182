"""check(...) -> CheckResult: the Python API the CLI mirrors; check_generations(...) for a recursive-training chain."""

from __future__ import annotations

import platform
import traceback
from datetime import datetime, timezone
from importlib import metadata as importlib_metadata
from typing import Any, Iterable, Sequence

import pandas as pd

from synthgate.data import Limits, load_metadata, load_table, table_fingerprint, validate_inputs
from synthgate.data.load import TableLike
from synthgate.gates.base import Gate, GateResult
from synthgate.gates.context import Progress, RunContext, Tables, no_progress
from synthgate.gates.provenance import ProvenanceGate
from synthgate.gates.provenance.generations import chain_result
from synthgate.gates.registry import ALL_GATES
from synthgate.policy import check_policy, load_policy
from synthgate.result import CheckResult

_VERSIONED = ("synthgate", "numpy", "pandas", "scipy", "scikit-learn", "faiss-cpu", "fairlearn")


def check(real: TableLike, holdout: TableLike, synthetic: TableLike, *, metadata: Any = None,
          policy: Any = None, seed: int | None = None, fresh: TableLike | None = None, ledger: Any = None,
          gates: Iterable[Gate] | None = None, progress: Progress | None = None,
          executor: Any = None) -> CheckResult:
    """Run every gate on ``synthetic`` against ``real`` (the generator's training data) and ``holdout``.

    Parameters
    ----------
    real, holdout, synthetic, fresh : path (CSV / Parquet), pandas or polars DataFrame, or pyarrow Table.
    metadata : path, dict or ``Metadata``: column kinds, ``target``, ``sensitive``, generator facts.
    policy : path, dict or ``Policy``: thresholds relative to the honest reference; defaults apply.
    seed : overrides the policy's seed. Results are deterministic for a seed.
    ledger : an open ``synthgate.ledger.Ledger`` (or a path / URL) for the provenance gates.
    executor : a ``synthgate.executor`` executor (e.g. ``DaskExecutor("tcp://host:8786")``): the shared
        nearest-neighbour searches run there, shard by shard, with the same neighbours; the rest runs here.

    Examples
    --------
    >>> from synthgate.datasets import load_adult, load_adult_independent
    >>> from synthgate.gates.fidelity import FidelityGate
    >>> split = load_adult(0, n=4000)
    >>> perfect = load_adult_independent(0, n=4000, size=1500)   # real rows neither in real nor holdout
    >>> result = check(split.real, split.holdout, perfect, metadata=split.metadata, policy={"resamples": 20},
    ...                gates=[FidelityGate()])
    >>> result.gate("fidelity").verdict.value
    'pass'
    """
    policy = load_policy(policy)
    gates = tuple(gates or ALL_GATES)
    check_policy(policy, gates)
    if policy.gates_enabled:
        gates = tuple(g for g in gates if g.name in policy.gates_enabled)
    seed = policy.seed if seed is None else seed
    if not isinstance(seed, (int,)) or isinstance(seed, bool) or seed < 0:
        from synthgate.errors import InputError
        raise InputError(f"seed {seed!r} is not a non-negative whole number.", fix="Pass a seed of 0 or more.")
    ctx = build_context(real, holdout, synthetic, metadata=metadata, policy=policy, seed=seed, fresh=fresh,
                        ledger=ledger, progress=progress or no_progress, executor=executor)
    results = tuple(run_gate(gate, ctx) for gate in gates)
    return CheckResult(results, seed=seed, inputs=describe_inputs(ctx.tables), versions=versions(),
                       policy=policy.model_dump(mode="json"), notes=ctx.schema.notes,
                       created=datetime.now(timezone.utc).isoformat(timespec="seconds"))


def check_generations(tables: Sequence[pd.DataFrame], *, metadata: Any = None, policy: Any = None,
                      holdout: pd.DataFrame | None = None, seed: int | None = None) -> GateResult:
    """Judge the last generation of a chain against generation 0, with the whole trend in the details.

    Parameters
    ----------
    tables : sequence of pandas.DataFrame
        ``[generation 0 (human data), generation 1, ..., generation N]``, N >= 1.
    metadata, policy, seed
        As for ``synthgate.check``; the policy's ``[gates.provenance]`` and its rules apply.
    holdout : pandas.DataFrame, optional
        Real rows never used by the chain. The honest reference is a sample of generation N's size drawn
        from it; without it, drawn (with replacement) from generation 0: one honest resampling generation.

    Returns
    -------
    GateResult
        Gate ``provenance``: ``provenance.spread_ratio``, ``provenance.tail_ratio``,
        ``provenance.extinct_categories`` and ``provenance.distance`` of generation N, each against one honest
        generation at the same size; the details hold every generation's values and the R16-R17 lines.

    Examples
    --------
    >>> from synthgate.datasets import load_adult
    >>> from synthgate.defects import regenerate
    >>> from synthgate.generators import IndependentSynthesizer
    >>> real = load_adult(0, n=2000).real
    >>> chain = regenerate(real, generations=1, generator_factory=IndependentSynthesizer, seed=0)
    >>> check_generations(chain, policy={"resamples": 20}).gate
    'provenance'
    """
    if len(tables) < 2:
        raise ValueError(f"check_generations needs generation 0 and at least one more table, got {len(tables)}.")
    policy = load_policy(policy)
    ctx = build_context(tables[0], tables[0] if holdout is None else holdout, tables[-1], metadata=metadata,
                        policy=policy, seed=policy.seed if seed is None else seed,
                        holdout_is_generation_zero=holdout is None)
    return chain_result(ProvenanceGate(), ctx, list(tables), bootstrap=holdout is None)


def build_context(real: TableLike, holdout: TableLike, synthetic: TableLike, *, metadata: Any = None,
                  policy: Any = None, seed: int = 0, fresh: TableLike | None = None, ledger: Any = None,
                  progress: Progress = no_progress, holdout_is_generation_zero: bool = False,
                  executor: Any = None) -> RunContext:
    """Load and validate the inputs once; the frozen context every gate receives."""
    policy = load_policy(policy)
    meta = load_metadata(metadata)
    frames = {"real": load_table(real, name="real"), "holdout": load_table(holdout, name="holdout"),
              "synthetic": load_table(synthetic, name="synthetic")}
    if fresh is not None:
        frames["fresh"] = load_table(fresh, name="fresh")
    limits = Limits(policy.min_rows, policy.max_categories, policy.max_unseen_share, holdout_is_generation_zero)
    schema = validate_inputs(frames, meta, limits)
    if ledger is not None and not hasattr(ledger, "scan"):
        from synthgate.ledger import Ledger
        ledger = Ledger.open(ledger, create=False)
    return RunContext(Tables(**frames), schema, policy, seed, meta, ledger, progress, executor)


def run_gate(gate: Gate, ctx: RunContext) -> GateResult:
    """Run one gate; an unexpected exception becomes an ERROR result ("not judged"), never a pass."""
    ctx.progress(gate.name, 0, 1)
    try:
        result = gate.run(ctx)
        result.verdict  # an empty result raises here, inside the guard
    except Exception as err:  # noqa: BLE001 - any crash must surface as a verdict, with its message
        last = traceback.extract_tb(err.__traceback__)[-1]
        message = f"{type(err).__name__}: {err} (at {last.filename.rsplit('/', 1)[-1]}:{last.lineno})"
        result = GateResult.crashed(gate.name, message)
    ctx.progress(gate.name, 1, 1)
    return result


def describe_inputs(tables: Tables) -> dict[str, Any]:
    return {role: {"rows": len(tables[role]), "columns": tables[role].shape[1],
                   "sha256": table_fingerprint(tables[role])} for role in tables.roles()}


def versions() -> dict[str, str]:
    found = {"python": platform.python_version()}
    for name in _VERSIONED:
        try:
            found[name] = importlib_metadata.version(name)
        except importlib_metadata.PackageNotFoundError:
            found[name] = "not installed"
    return found
