"""Time a full ``synthgate check`` at census scale (issue 14): wall, CPU and peak memory, per gate and in total.

    scripts/fetch_calibration_data.sh DATA
    python benchmarks/bench_check.py --data DATA [--sizes 25000 75000 150000] [--gates privacy ...]

Each size n is a run on UCI census-income KDD with real n rows, holdout n/2 and an independent real
"synthetic" sample of n/2 rows (disjoint draws; the honest case, so nothing stops early), fresh n/2 for the
drift gate. Every run is its own subprocess, so its peak memory (VmHWM) is its own. Beside each run the
brute-force floor: faiss ``IndexFlatL2`` exact 1-NN of the synthetic rows among the real rows, on the same
shared encoding (``RunContext.encoding``), timed in the same process. The growth exponent between two sizes
is log(t2 / t1) / log(n2 / n1): 1 is linear, 2 quadratic.

Nothing here is a test: the targets (< 60 s wall and < 4 GiB at 150,000 rows on 2 cores) are read off the
printed table.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", default=os.environ.get("SYNTHGATE_CALIBRATION_DATA", str(HERE / "data")),
                        help="folder with the census-income raw files (scripts/fetch_calibration_data.sh)")
    parser.add_argument("--sizes", type=int, nargs="+", default=[25_000, 75_000, 150_000],
                        help="rows of the real table; holdout, synthetic and fresh get half as many")
    parser.add_argument("--gates", nargs="*", default=None, help="only these gates (default: all)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default=None, help="also write the measurements as JSON here")
    parser.add_argument("--one", type=int, default=None, help=argparse.SUPPRESS)  # the worker mode
    args = parser.parse_args()
    if args.one is not None:
        print(json.dumps(run_one(args.data, args.one, args.gates, args.seed)))
        return
    rows = [measure(args, n) for n in args.sizes]
    print_table(rows)
    if args.out:
        Path(args.out).write_text(json.dumps(rows, indent=1))


def measure(args, n: int) -> dict:
    command = [sys.executable, __file__, "--data", args.data, "--one", str(n), "--seed", str(args.seed)]
    if args.gates:
        command += ["--gates", *args.gates]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        sys.exit(f"the run at {n} rows failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def run_one(data: str, n: int, gates: list[str] | None, seed: int) -> dict:
    import numpy as np

    from synthgate.datasets.census import load_census
    from synthgate.gates.registry import ALL_GATES
    from synthgate.run import build_context, check

    frame, metadata = load_census(data)
    half = n // 2
    order = np.random.default_rng(seed).permutation(len(frame))
    cuts = np.cumsum([0, n, half, half, half])
    if cuts[-1] > len(frame):
        sys.exit(f"{n} + 3 x {half} rows do not fit in census-income's {len(frame)} rows")
    real, holdout, synthetic, fresh = (frame.iloc[order[a:b]].reset_index(drop=True)
                                       for a, b in zip(cuts[:-1], cuts[1:]))
    selected = [g for g in ALL_GATES if not gates or g.name in gates]
    wall, cpu = time.perf_counter(), time.process_time()
    result = check(real, holdout, synthetic, metadata=metadata, fresh=fresh, seed=seed, gates=selected)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    floor = faiss_floor(build_context(real, holdout, synthetic, metadata=metadata, seed=seed))
    return {"rows": n, "holdout": half, "synthetic": half, "columns": real.shape[1], "wall_s": round(wall, 2),
            "cpu_s": round(cpu, 2), "peak_mib": peak_mib(), "faiss_floor_s": round(floor, 2),
            "gates": {g.gate: round(g.seconds, 2) for g in result.gates},
            "verdicts": {g.gate: g.verdict.value for g in result.gates}, "cores": os.cpu_count()}


def faiss_floor(ctx) -> float:
    """Exact 1-NN of every synthetic row among the real rows with faiss IndexFlatL2 (the brute-force floor)."""
    import faiss
    import numpy as np

    base = np.ascontiguousarray(ctx.encoding.transform(ctx.tables.real), dtype=np.float32)
    query = np.ascontiguousarray(ctx.encoding.transform(ctx.tables.synthetic), dtype=np.float32)
    started = time.perf_counter()
    index = faiss.IndexFlatL2(base.shape[1])
    index.add(base)
    index.search(query, 1)
    return time.perf_counter() - started


def peak_mib() -> float:
    """This process's peak resident memory (VmHWM), in MiB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024, 1)
    return float("nan")


def print_table(rows: list[dict]) -> None:
    gates = list(rows[0]["gates"])
    print(f"{'rows':>8} {'wall s':>8} {'cpu s':>8} {'peak MiB':>9} {'faiss 1-NN s':>12} {'wall/floor':>10}  "
          + " ".join(f"{g:>10}" for g in gates))
    for r in rows:
        ratio = r["wall_s"] / r["faiss_floor_s"] if r["faiss_floor_s"] else float("nan")
        print(f"{r['rows']:>8} {r['wall_s']:>8.1f} {r['cpu_s']:>8.1f} {r['peak_mib']:>9.0f} "
              f"{r['faiss_floor_s']:>12.2f} {ratio:>10.1f}  " + " ".join(f"{r['gates'][g]:>10.1f}" for g in gates))
    for a, b in zip(rows, rows[1:]):
        growth = {key: exponent(a, b, key) for key in ("wall_s", "faiss_floor_s")}
        growth.update({g: exponent(a["gates"], b["gates"], g, a["rows"], b["rows"]) for g in gates})
        print(f"growth exponent {a['rows']} -> {b['rows']}: "
              + ", ".join(f"{k} {v:.2f}" for k, v in growth.items()))


def exponent(a: dict, b: dict, key: str, n_a: int | None = None, n_b: int | None = None) -> float:
    n_a, n_b = n_a or a["rows"], n_b or b["rows"]
    if a[key] <= 0 or b[key] <= 0:
        return float("nan")
    return math.log(b[key] / a[key]) / math.log(n_b / n_a)


if __name__ == "__main__":
    main()
