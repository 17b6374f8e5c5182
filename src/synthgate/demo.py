"""The demo: every gate on bundled real data (UCI Adult), an honest generator and planted defects.

Shows which gate catches which defect, and that the surface check (fidelity) passes where others fail. A
control row (an independent real sample standing in for a perfect generator) shows what a clean pass is.
The demo registers its data in a fresh provenance ledger (``ledger.sqlite`` in the output folder), so the
provenance and validation gates judge real lineage, and a second-generation generator trained only on the
first one's output shows the anchor rule failing. The ``leaky-ids`` row gives every table a record-ID column
and lets 1 % of the synthetic rows carry training IDs: the privacy gate names the column, and the positions
of the exposed records go to the variant's private file (``<out>/leaky-ids/private/records.parquet``), never
into the shared report.
"""

from __future__ import annotations

from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import pandas as pd

from synthgate import defects
from synthgate.datasets import load_adult, load_adult_independent
from synthgate.gates.context import Progress, no_progress
from synthgate.generators import CartSynthesizer
from synthgate.ledger import Ledger
from synthgate.result import CheckResult
from synthgate.run import check

DEMO_ROWS = 8_000  # 4k real / 4k holdout: every gate on six variants within the two-minute budget
DEMO_POLICY = {"resamples": 50}


@dataclass(frozen=True)
class Variant:
    name: str
    description: str
    make: Callable[["DemoData", int], pd.DataFrame]
    generator: str = "cart-gen1"
    fresh: Callable[[pd.DataFrame, int], pd.DataFrame] | None = None
    with_ids: bool = False  # real, holdout and synthetic carry a record-ID column (``DemoData.ids``)


@dataclass(frozen=True)
class DemoData:
    real: pd.DataFrame
    holdout: pd.DataFrame
    synthetic: pd.DataFrame
    second_generation: pd.DataFrame
    control: pd.DataFrame
    metadata: dict
    ids: dict[str, pd.DataFrame]  # real, holdout, synthetic with a record-ID column, 1 % training IDs reused


VARIANTS = (
    Variant("control", "an independent real sample (rows neither real nor holdout): a perfect generator, "
            "what a clean pass looks like", lambda d, seed: d.control, generator="control"),
    Variant("honest", "sequential-CART synthesizer fitted on real (the baseline the defects are planted into); "
            "its leaves donate real training values, so privacy flags near copies of training rows",
            lambda d, seed: d.synthetic),
    Variant("copies", "2 % of rows copied verbatim from real",
            lambda d, seed: defects.copy_rows(d.synthetic, d.real, fraction=0.02, seed=seed)),
    Variant("biased", "women's positive-income rate halved, overall income rate kept",
            lambda d, seed: defects.skew_outcome(d.synthetic, group_column="sex", group="Female",
                                                 target="income", positive=">50K", factor=0.5, seed=seed)),
    Variant("collapsed", "numerical spread shrunk to 0.8 σ and a frequent category dropped",
            lambda d, seed: defects.drop_category(defects.shrink_spread(d.synthetic, factor=0.8, seed=seed),
                                                  column="relationship", category="Unmarried", seed=seed)),
    Variant("leaky-ids", "a record-ID column passed through: 1 % of rows carry a training row's ID",
            lambda d, seed: d.ids["synthetic"], generator="cart-gen1-ids", with_ids=True),
    Variant("recursive", "generation 2: a generator trained only on generation 1's synthetic output",
            lambda d, seed: d.second_generation, generator="cart-gen2"),
    Variant("drifted", "fresh real data shifted: age +0.5 σ (the generator is stale)",
            lambda d, seed: d.synthetic,
            fresh=lambda holdout, seed: defects.shift_column(holdout, column="age", sigma=0.5, seed=seed)),
)


def run_demo(out: Path, *, seed: int = 0, rows: int = DEMO_ROWS, progress: Progress = no_progress,
             workers: int = 2) -> dict[str, CheckResult]:
    """Fit the honest generator on Adult, register the lineage, plant each defect, check every variant."""
    out.mkdir(parents=True, exist_ok=True)
    ledger_path = out / "ledger.sqlite"
    for stale in out.glob("ledger.sqlite*"):  # the demo's own output from an earlier run
        stale.unlink()
    with Ledger.open(ledger_path) as ledger:
        data = _prepare(ledger, seed, rows, progress)
    jobs = [(variant.name, data, seed, str(ledger_path)) for variant in VARIANTS]
    results: dict[str, CheckResult] = {}
    progress("demo: checking variants", 0, len(jobs))
    # Variants are independent: two worker processes halve the wall time on two cores.
    with ProcessPoolExecutor(max_workers=min(workers, len(jobs))) as pool:
        for name, result in pool.map(_check_variant, jobs):
            results[name] = result
            progress("demo: checking variants", len(results), len(jobs))
    return {v.name: results[v.name] for v in VARIANTS}


def _check_variant(job: tuple) -> tuple[str, CheckResult]:
    name, data, seed, ledger_path = job
    variant = next(v for v in VARIANTS if v.name == name)
    metadata = {**data.metadata, "generator": {"name": variant.generator, "kind": "cart"}}
    fresh = variant.fresh(data.holdout, seed) if variant.fresh else None
    real, holdout = (data.ids["real"], data.ids["holdout"]) if variant.with_ids else (data.real, data.holdout)
    result = check(real, holdout, variant.make(data, seed), metadata=metadata, policy=DEMO_POLICY,
                   seed=seed, fresh=fresh, ledger=ledger_path)
    return variant.name, result


def _prepare(ledger: Ledger, seed: int, rows: int, progress: Progress) -> DemoData:
    split = load_adult(seed, n=rows)
    meta = split.metadata
    progress("demo: fitting generators", 0, 2)
    real = ledger.register_dataset(split.real, name="adult-real", origin="human")
    ledger.register_dataset(split.holdout, name="adult-holdout", origin="human")
    first = CartSynthesizer(target=meta["target"], sensitive=meta["sensitive"]).fit(split.real)
    synthetic = first.sample(len(split.holdout), seed=seed)
    gen1 = ledger.register_generator(name="cart-gen1", kind="cart", trained_on=[real.id])
    gen1_data = ledger.register_dataset(synthetic, name="cart-gen1-output", origin="machine",
                                        generator_id=gen1.id)
    progress("demo: fitting generators", 1, 2)
    second = CartSynthesizer(target=meta["target"], sensitive=meta["sensitive"]).fit(synthetic)
    second_generation = second.sample(len(split.holdout), seed=seed + 1)
    gen2 = ledger.register_generator(name="cart-gen2", kind="cart", trained_on=[gen1_data.id])
    ledger.register_dataset(second_generation, name="cart-gen2-output", origin="machine", generator_id=gen2.id)
    control = load_adult_independent(seed, n=rows, size=len(split.holdout))
    perfect = ledger.register_generator(name="control", kind="independent real sample", trained_on=[real.id])
    ledger.register_dataset(control, name="control-output", origin="machine", generator_id=perfect.id)
    ids = defects.reuse_identifiers({"real": split.real, "holdout": split.holdout, "synthetic": synthetic},
                                    fraction=0.01, seed=seed)
    real_ids = ledger.register_dataset(ids["real"], name="adult-real-ids", origin="human")
    ledger.register_dataset(ids["holdout"], name="adult-holdout-ids", origin="human")
    leaky = ledger.register_generator(name="cart-gen1-ids", kind="cart", trained_on=[real_ids.id])
    ledger.register_dataset(ids["synthetic"], name="cart-gen1-ids-output", origin="machine", generator_id=leaky.id)
    progress("demo: fitting generators", 2, 2)
    return DemoData(split.real, split.holdout, synthetic, second_generation, control, meta, ids)


