"""Execute runs (one ``synthgate.check`` call each, in this process or a worker pool) and keep their records.

Records are JSON lines appended to ``runs.jsonl`` as runs finish; a re-run skips every run whose record is
already there with the same cell fingerprint, so an interrupted calibration resumes where it stopped.
"""

from __future__ import annotations

import json
import math
import multiprocessing
import os
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

from synthgate.calibration.plan import Run, record_key
from synthgate.calibration.planting import plant
from synthgate.calibration.sources import load_source
from synthgate.calibration.splits import draw_roles, split_rng, take_roles

#: The honest lineage every run registers in its own in-memory ledger (see ``honest_ledger``).
GENERATOR = "calibration-independent-sample"
Progress = Callable[[int, int, dict], None]
_THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


class RecordStore:
    """The JSONL file of run records: read what is there, append what is new."""

    def __init__(self, path: Path):
        self.path = Path(path)

    def read(self) -> list[dict]:
        """Every complete record; a line cut short by a crash is ignored (its run is simply redone)."""
        if not self.path.exists():
            return []
        records = []
        with self.path.open(encoding="utf-8") as handle:
            for line in handle:
                try:
                    records.append(json.loads(line))
                except json.JSONDecodeError:
                    continue
        return records

    def done(self) -> dict[tuple, dict]:
        """The latest record per run key."""
        return {record_key(r): r for r in self.read()}

    @contextmanager
    def appender(self) -> Iterator[Callable[[dict], None]]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("a", encoding="utf-8") as handle:
            if handle.tell() and not self._ends_with_newline():
                handle.write("\n")  # a crash cut the last line short: never glue a record onto it

            def append(record: dict) -> None:
                handle.write(json.dumps(record, sort_keys=True) + "\n")
                handle.flush()
            yield append

    def _ends_with_newline(self) -> bool:
        with self.path.open("rb") as handle:
            handle.seek(-1, os.SEEK_END)
            return handle.read(1) == b"\n"


def pending(runs: Iterable[Run], done: dict[tuple, dict]) -> list[Run]:
    """Runs without a record made under the same cell fingerprint."""
    return [run for run in runs if done.get(run.key, {}).get("config") != run.cell.config]


def execute(run: Run, paths: dict[str, str | None]) -> dict[str, Any]:
    """One run: draw the roles, plant the defect, check, and keep every verdict."""
    from synthgate.run import check

    started, cpu_started = time.perf_counter(), time.process_time()
    cell = run.cell
    source = load_source(cell.dataset, paths.get(cell.dataset))
    roles = draw_roles(source.rows, cell.sizes, split_rng(cell.dataset, run.seed))
    tables = take_roles(source.frame, roles)
    record: dict[str, Any] = {"dataset": cell.dataset, "kind": cell.kind, "cell": cell.name, "seed": run.seed,
                              "config": cell.config, "ratio": cell.ratio, "defect": cell.defect,
                              "sizes": cell.sizes.to_dict()}
    ledger = None
    try:
        if cell.defect:
            modes = None if source.modes is None else source.modes[roles["synthetic"]]
            tables, record["planted"] = plant(cell.defect, tables, source, modes, run.seed)
        metadata = dict(source.metadata)
        if cell.ledger:
            ledger = honest_ledger(tables["real"], tables["holdout"])
            metadata["generator"] = {"name": GENERATOR, "kind": "independent real sample"}
        result = check(tables["real"], tables["holdout"], tables["synthetic"], metadata=metadata,
                       policy=cell.policy, seed=run.seed, fresh=tables["fresh"], ledger=ledger)
        record["gates"] = {g.gate: g.verdict.value for g in result.gates}
        record["measurements"] = {m.id: m.verdict.value for g in result.gates for m in g.measurements}
        record["gate_seconds"] = {g.gate: round(g.seconds, 3) for g in result.gates}
        errors = {g.gate: g.error for g in result.gates if g.error}
        if errors:
            record["errors"] = errors
    except Exception as err:  # noqa: BLE001 - a run that cannot be checked is a result, recorded as an error
        record["gates"] = {gate: "error" for gate in cell.gates}
        record["measurements"] = {}
        record["errors"] = {"run": f"{type(err).__name__}: {err}"}
    finally:
        if ledger is not None:
            ledger.close()
    # CPU seconds beside wall seconds: on a shared machine they are the steadier estimate of the budget.
    record["seconds"] = round(time.perf_counter() - started, 3)
    record["cpu_seconds"] = round(time.process_time() - cpu_started, 3)
    return record


def honest_ledger(real, holdout):
    """An in-memory ledger holding the honest lineage: real and holdout are human data, the generator was
    trained on real. Without one, the ledger rules (validation.test_set_origin, provenance.human_share) can
    only warn that the lineage is unrecorded, whatever the data."""
    from synthgate.ledger import Ledger

    ledger = Ledger.open(":memory:")
    trained = ledger.register_dataset(real, name="calibration-real", origin="human")
    ledger.register_dataset(holdout, name="calibration-holdout", origin="human")
    ledger.register_generator(name=GENERATOR, kind="independent real sample", trained_on=[trained.id])
    return ledger


def run_all(runs: list[Run], paths: dict[str, str | None], store: RecordStore, *, workers: int = 1,
            progress: Progress | None = None) -> list[dict]:
    """Execute ``runs`` (already filtered by ``pending``), appending each record to ``store`` as it ends."""
    progress = progress or (lambda done, total, record: None)
    produced: list[dict] = []
    if not runs:
        return produced
    with store.appender() as append:
        for done, record in enumerate(_records(runs, paths, workers), 1):
            append(record)
            produced.append(record)
            progress(done, len(runs), record)
    return produced


def _records(runs: list[Run], paths: dict[str, str | None], workers: int) -> Iterator[dict]:
    if workers <= 1:
        from threadpoolctl import threadpool_limits

        with threadpool_limits(limits=1):
            for run in runs:
                yield execute(run, paths)
        return
    # spawn, not fork: a forked child inherits OpenMP / BLAS thread pools in an undefined state.
    context = multiprocessing.get_context("spawn")
    with _thread_environment():
        pool = context.Pool(workers, initializer=_init_worker, initargs=(paths,))
    with pool:  # leaving early (Ctrl-C) terminates the workers; finished records are already written
        yield from pool.imap_unordered(_work, runs, chunksize=1)


def _init_worker(paths: dict[str, str | None]) -> None:
    global _PATHS
    _PATHS = paths
    _single_threaded()


def _work(run: Run) -> dict:
    return execute(run, _PATHS)


_PATHS: dict[str, str | None] = {}


def _single_threaded() -> None:
    """Each worker runs its numerical libraries on one thread (BLAS, OpenMP, faiss)."""
    from threadpoolctl import threadpool_limits

    threadpool_limits(limits=1)
    try:
        import faiss
        faiss.omp_set_num_threads(1)
    except ImportError:
        pass


@contextmanager
def _thread_environment() -> Iterator[None]:
    """Workers start with one-thread BLAS / OpenMP variables; the parent's environment is restored after."""
    saved = {name: os.environ.get(name) for name in _THREAD_VARIABLES}
    os.environ.update({name: "1" for name in _THREAD_VARIABLES})
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def eta_seconds(done: int, total: int, elapsed: float) -> float:
    """Remaining seconds at the pace so far."""
    return math.nan if done == 0 else elapsed / done * (total - done)
