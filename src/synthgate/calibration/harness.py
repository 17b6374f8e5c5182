"""``calibrate(...)``: plan the cells, run what is missing (resuming), build and write the matrices."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterable, Mapping

from synthgate import __version__
from synthgate.calibration.matrices import false_alarm_matrix, power_matrix
from synthgate.calibration.plan import (
    POWER_RATIOS, QUICK_POWER_RATIOS, QUICK_RATIOS, RATIOS, Cell, plan_cells, plan_runs,
)
from synthgate.calibration.planting import DEFECTS
from synthgate.calibration.render import write_outputs
from synthgate.calibration.runner import Progress, RecordStore, pending, run_all
from synthgate.calibration.sources import MIXTURE, describe, load_source

SEEDS = 100
QUICK_SEEDS = 10
RECORDS = "runs.jsonl"

#: The policy every calibration run uses unless ``policy`` is given: the defaults, except where a setting
#: only buys precision per run at a cost the one-hour budget cannot pay (see NOTES). Results are for these
#: settings; pass ``policy={}`` to calibrate the library defaults themselves.
CALIBRATION_POLICY: dict[str, Any] = {
    "gates": {
        "bias": {"model_replicates": 3},
        "validation": {"repeats": 1, "boosting_iterations": 50},
        "coverage": {"prdc_repeats": 3},
        "privacy": {"attacks": 200},
    },
}
NOTES = (
    "Every run is one synthgate.check call in this process or a worker (no subprocess per run); the "
    "'synthetic' table is an independent real sample (a perfect generator), disjoint from real, holdout and "
    "fresh, never the holdout itself.",
    "Budget: holdout 1,000 rows for Adult and census-income (real 2,000, fresh 1,000, synthetic 500-5,000), the "
    "smallest size at which most measurements are judged rather than inconclusive, and the policy below. "
    "Measured (December 2026 gates): ~126 CPU s per seed over all cells (Adult 36, German 18, census-income 70, "
    "mixture 1.4), so 100 seeds take ~3.5 CPU hours: ~1.75 h on 2 free cores with --workers 2. Adult + German "
    "alone take ~45 min and census-income alone ~60 min; the CPU s per run are in the 'Time per run' table.",
    "resamples 100 (the default): a 95 % band read off 30 draws is nearly their range, and a new honest draw "
    "lands beyond its upper edge about 5 % of the time instead of 2.5 % (measured: provenance and bias alarms "
    "doubled), so the matrices use the library's own default.",
    "bias.model_replicates 3 (default 5), validation.repeats 1 (default 2) and boosting_iterations 50 "
    "(default 100), coverage.prdc_repeats 3 (default 6), privacy.attacks 200 (default 500): fewer model refits "
    "and attack queries per run; every reference band is built the same way, from fewer draws.",
    "Each run gets its own in-memory provenance ledger with the honest lineage (real and holdout registered as "
    "human data, the generator as trained on real); without one the ledger rules can only warn that lineage is "
    "unrecorded (validation.test_set_origin) whatever the data. --no-ledger turns this off.",
    "German credit has 1,000 rows: real 300, holdout 100, fresh 100, synthetic 50-500, with policy min_rows 50 "
    "(default 200). Many of its measurements are INCONCLUSIVE by design at these sizes (too little data).",
    "Power cells at ratio 2 by default (2,000 synthetic rows on Adult and census-income, 200 on German, 2,000 "
    "on the mixture); only the defect's gate runs in a power cell. --power-ratios adds sizes.",
    "outcome_shift lowers the positive rate of the first sensitive attribute's highest-rate group by 10 points "
    "(Adult: sex=Male, ~0.30 -> ~0.20; German: sex=male; census-income: sex=Male, whose rate is ~0.10, so all "
    "its positives go); skew_outcome keeps the overall rate, so the other group's rate rises by as many rows.",
    "The coverage mode-drop defect runs on a 10-mode Gaussian mixture (a real table has no true modes); its "
    "false-alarm control (the same mixture without the defect) is in the false-alarm matrix as 'mixture'. On "
    "the real tables the coverage defect is cluster_drop (1 of 10 k-means clusters of real).",
)


@dataclass(frozen=True)
class Calibration:
    """What a calibration produced."""

    false_alarms: dict | None
    power: dict | None
    written: list[Path]
    ran: int
    reused: int
    cells: list[Cell] = field(repr=False)

    @property
    def met(self) -> bool:
        """Every cell PASSes its target (cells without runs do not count as met)."""
        matrices = [m for m in (self.false_alarms, self.power) if m]
        return all(m["summary"]["miss"] == 0 and m["summary"]["no_data"] == 0 for m in matrices)


def calibrate(data: Mapping[str, str | Path | None], *, out: str | Path, seeds: int | None = None,
              quick: bool = False, gates: Iterable[str] | None = None, ratios: Iterable[float] | None = None,
              power_ratios: Iterable[float] | None = None, defects: Iterable[str] | None = None,
              workers: int = 1, policy: Mapping[str, Any] | None = None, ledger: bool = True,
              false_alarms: bool = True, power: bool = True, restart: bool = False, command: str = "",
              progress: Progress | None = None) -> Calibration:
    """Run (or resume) a calibration and write ``false_alarms.md/json`` and ``power.md/json`` into ``out``.

    Parameters
    ----------
    data : mapping of data set name (``adult``, ``german``, ``census``) to the folder of its raw files
        (None for the bundled Adult).
    out : folder for ``runs.jsonl`` (the run records a re-run resumes from) and the matrices.
    seeds : seeds per cell (default 100; 10 with ``quick``).
    quick : ratios 0.5 and 2 and power at ratio 2 only, unless given explicitly.
    gates : gates whose false alarms are measured (default: all); defects of other gates are left out.
    ratios, power_ratios : synthetic-to-holdout size ratios of the false-alarm and power cells.
    defects : names from ``synthgate.calibration.planting.DEFECTS`` (default: all).
    workers : processes; each runs its numerical libraries single-threaded.
    policy : the policy of every run (default ``CALIBRATION_POLICY``); ``min_rows`` and ``gates_enabled``
        are set per cell.
    ledger : give every run an in-memory ledger with the honest lineage.
    restart : discard earlier run records instead of resuming from them.
    command : the command line, written at the top of every output.
    progress : ``progress(done, total, record)`` after each run.
    """
    from synthgate.gates.registry import ALL_GATES
    from synthgate.policy import load_policy

    out = Path(out)
    seeds = seeds if seeds is not None else (QUICK_SEEDS if quick else SEEDS)
    ratios = tuple(ratios) if ratios is not None else (QUICK_RATIOS if quick else RATIOS)
    power_ratios = tuple(power_ratios) if power_ratios is not None else (
        QUICK_POWER_RATIOS if quick else POWER_RATIOS)
    gates = tuple(gates) if gates else tuple(g.name for g in ALL_GATES)
    defects = tuple(defects) if defects is not None else tuple(DEFECTS)
    _check_arguments(data, seeds, gates, defects, [g.name for g in ALL_GATES])
    base_policy = json.loads(json.dumps(dict(CALIBRATION_POLICY if policy is None else policy)))
    load_policy(base_policy)  # a bad policy fails here, not in every run

    paths = {name: (None if path is None else str(path)) for name, path in data.items()}
    if power and any(DEFECTS[d].gate in gates and MIXTURE in DEFECTS[d].data for d in defects):
        paths[MIXTURE] = None
    sources = {name: load_source(name, path) for name, path in paths.items()}
    for source in sources.values():
        source.check_fits(ratios + power_ratios)
    cells = plan_cells(sources, ratios=ratios, power_ratios=power_ratios, gates=gates,
                       defects=defects if power else (), base_policy=base_policy, false_alarms=false_alarms,
                       ledger=ledger)
    runs = plan_runs(cells, seeds)

    store = RecordStore(out / RECORDS)
    if restart and store.path.exists():
        store.path.unlink()
    todo = pending(runs, store.done())
    run_all(todo, paths, store, workers=workers, progress=progress)

    records = store.read()
    fa = false_alarm_matrix(records, cells) if false_alarms else None
    pw = power_matrix(records, cells) if power and any(c.kind == "power" for c in cells) else None
    header = {"command": command or "synthgate.calibration.calibrate(...)",
              "created": datetime.now(timezone.utc).isoformat(timespec="seconds"), "synthgate": __version__,
              "records": len(runs), "records_file": str(store.path), "seeds": seeds, "ratios": list(ratios),
              "power_ratios": list(power_ratios), "workers": workers, "ledger": ledger,
              "datasets": {name: describe(s) for name, s in sources.items()}, "policy": base_policy,
              "notes": list(NOTES), "defects": {name: DEFECTS[name].description for name in defects}}
    written = write_outputs(out, fa, pw, header)
    return Calibration(fa, pw, written, ran=len(todo), reused=len(runs) - len(todo), cells=cells)


def _check_arguments(data, seeds: int, gates: tuple, defects: tuple, known_gates: list[str]) -> None:
    if not data:
        raise ValueError("no data set given; pass at least one, e.g. --data adult.")
    if seeds < 1:
        raise ValueError(f"seeds must be at least 1, got {seeds}.")
    unknown = sorted(set(gates) - set(known_gates))
    if unknown:
        raise ValueError(f"unknown gates {unknown}; known: {', '.join(known_gates)}.")
    unknown = sorted(set(defects) - set(DEFECTS))
    if unknown:
        raise ValueError(f"unknown defects {unknown}; known: {', '.join(DEFECTS)}.")
