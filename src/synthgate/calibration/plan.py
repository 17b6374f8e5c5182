"""Cells and runs: what a calibration computes, and the fingerprint that lets a re-run resume.

A *cell* is one column of a matrix: a data set, a kind (``false_alarm`` or ``power``), a synthetic-to-holdout
ratio and, for power, a defect. A *run* is a cell at one seed: one ``synthgate.check`` call.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any, Iterable

from synthgate import __version__
from synthgate.calibration.planting import DEFECTS
from synthgate.calibration.sources import MIXTURE, Source
from synthgate.calibration.splits import RoleSizes

FALSE_ALARM = "false_alarm"
POWER = "power"
RATIOS = (0.5, 0.95, 1.0, 2.0, 5.0)
QUICK_RATIOS = (0.5, 2.0)
POWER_RATIOS = (2.0,)  # 2,000 synthetic rows on Adult and census-income
QUICK_POWER_RATIOS = (2.0,)
#: Bumped when a run's meaning changes, so old records stop matching.
HARNESS_VERSION = 2


@dataclass(frozen=True)
class Cell:
    dataset: str
    kind: str
    ratio: float
    sizes: RoleSizes
    gates: tuple[str, ...]
    policy: dict[str, Any] = field(compare=False, hash=False)
    defect: str | None = None
    ledger: bool = True

    @property
    def name(self) -> str:
        return f"ratio={self.ratio:g}" if self.defect is None else f"{self.defect}@ratio={self.ratio:g}"

    @property
    def config(self) -> str:
        """A short fingerprint of everything that decides a run's outcome besides the seed."""
        spec = {"harness": HARNESS_VERSION, "synthgate": __version__, "sizes": self.sizes.to_dict(),
                "gates": list(self.gates), "policy": self.policy, "ledger": self.ledger,
                "defect": None if self.defect is None else {"name": self.defect, **DEFECTS[self.defect].params}}
        return hashlib.sha256(json.dumps(spec, sort_keys=True).encode()).hexdigest()[:12]


@dataclass(frozen=True)
class Run:
    cell: Cell
    seed: int

    @property
    def key(self) -> tuple[str, str, str, int]:
        return (self.cell.dataset, self.cell.kind, self.cell.name, self.seed)


def record_key(record: dict) -> tuple[str, str, str, int]:
    return (record["dataset"], record["kind"], record["cell"], int(record["seed"]))


def cell_policy(base: dict[str, Any], source: Source, gates: Iterable[str]) -> dict[str, Any]:
    """The policy of a cell: the base policy, the data set's ``min_rows`` and the gates it runs."""
    policy = json.loads(json.dumps(base))  # a deep copy that stays JSON-able
    if source.plan.min_rows is not None:
        policy["min_rows"] = min(int(policy.get("min_rows", 200)), source.plan.min_rows)
    policy["gates_enabled"] = list(gates)
    return policy


def plan_cells(sources: dict[str, Source], *, ratios: Iterable[float], power_ratios: Iterable[float],
               gates: Iterable[str], defects: Iterable[str], base_policy: dict[str, Any],
               false_alarms: bool = True, ledger: bool = True) -> list[Cell]:
    """Every cell: false alarms at each ratio for the real data sets, then each defect at each power ratio.

    The mixture data set only backs the mode-drop defect; its coverage false alarms are run too, as that
    defect's honest control.
    """
    gates, ratios, power_ratios = tuple(gates), tuple(ratios), tuple(power_ratios)
    cells: list[Cell] = []
    if false_alarms:
        for name, source in sources.items():
            if name == MIXTURE:
                continue
            for ratio in ratios:
                cells.append(Cell(name, FALSE_ALARM, ratio, source.plan.sizes(ratio), gates,
                                  cell_policy(base_policy, source, gates), ledger=ledger))
    controls: set[tuple] = set()
    for defect_name in defects:
        defect = DEFECTS[defect_name]
        if defect.gate not in gates:
            continue
        for name in defect.data:
            if name not in sources:
                continue
            source = sources[name]
            for ratio in power_ratios:
                control = (name, ratio, defect.gate)
                if name == MIXTURE and false_alarms and control not in controls:
                    controls.add(control)
                    cells.append(Cell(name, FALSE_ALARM, ratio, source.plan.sizes(ratio), (defect.gate,),
                                      cell_policy(base_policy, source, (defect.gate,)), ledger=ledger))
                cells.append(Cell(name, POWER, ratio, source.plan.sizes(ratio), (defect.gate,),
                                  cell_policy(base_policy, source, (defect.gate,)), defect=defect_name,
                                  ledger=ledger))
    return cells


def plan_runs(cells: Iterable[Cell], seeds: int) -> list[Run]:
    """Seed-major order, so an interrupted run leaves every cell with about as many seeds."""
    cells = list(cells)
    return [Run(cell, seed) for seed in range(seeds) for cell in cells]
