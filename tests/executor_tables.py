"""Small tables and ledgers shared by the executor tests (local and Dask), made here with numpy."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from synthgate.ledger import Ledger

CITIES = np.array(["Oslo", "Lima", "Accra", "Pune", "Quito"])


def mixed_frame(rows: int, seed: int) -> pd.DataFrame:
    """Ints, floats far from zero, strings, a boolean and some missing values."""
    rng = np.random.default_rng(seed)
    income = np.round(rng.lognormal(10, 0.6, rows), 2)
    income[rng.random(rows) < 0.05] = np.nan
    city = CITIES[rng.integers(0, len(CITIES), rows)].astype(object)
    city[rng.random(rows) < 0.05] = None
    age = rng.integers(18, 90, rows)
    return pd.DataFrame({
        "age": age,
        "income": income,
        "stamp": 1.7e9 + rng.normal(0, 50, rows) + age,   # mean far above spread: raw co-moment sums fail here
        "score": rng.normal(0, 1, rows),
        "city": city,
        "member": rng.random(rows) < 0.3,
    })


def write_row_groups(frame: pd.DataFrame, folder: Path, files: int, row_group_size: int) -> Path:
    """The frame as ``files`` Parquet files in a folder (name order = row order), each in row groups."""
    folder.mkdir(parents=True, exist_ok=True)
    bounds = [len(frame) * i // files for i in range(files + 1)]
    for i, (start, stop) in enumerate(zip(bounds[:-1], bounds[1:])):
        table = pa.Table.from_pandas(frame.iloc[start:stop], preserve_index=False)
        pq.write_table(table, folder / f"part-{i:03d}.parquet", row_group_size=row_group_size)
    return folder


def scan_world(folder: Path) -> tuple[Path, Path]:
    """A ledger with a human table and machine output, and a Parquet corpus (3 files, several row groups)
    holding exact and perturbed machine rows. Returns (ledger path, corpus folder)."""
    real, synthetic = mixed_frame(1500, 1), mixed_frame(1500, 2)
    location = folder / "ledger.sqlite"
    with Ledger.open(location) as ledger:
        human = ledger.register_dataset(real, name="real", origin="human")
        generator = ledger.register_generator(name="g", kind="ctgan", trained_on=[human.id])
        ledger.register_dataset(synthetic, name="synth", origin="machine", generator_id=generator.id)
    noisy = synthetic.iloc[40:60].assign(score=lambda f: f["score"] + 0.001)
    corpus = pd.concat([mixed_frame(900, 3), synthetic.iloc[:40], noisy, real.iloc[:5]], ignore_index=True)
    corpus = corpus.sample(frac=1.0, random_state=4).reset_index(drop=True)
    return location, write_row_groups(corpus, folder / "corpus", files=3, row_group_size=128)
