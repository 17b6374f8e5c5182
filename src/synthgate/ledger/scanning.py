"""Running a scan: match a corpus with machine and human data, and find each machine dataset's chance rates."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sqlalchemy import Connection

from synthgate.ledger import matching
from synthgate.ledger.chance import RATES, exact_rates
from synthgate.ledger.keys import LedgerKey
from synthgate.ledger.matching import Candidate, Coverage
from synthgate.ledger.scan import ScanResult, build_scan

__all__ = ["scan"]


def scan(conn: Connection, key: LedgerKey, corpus: pd.DataFrame) -> ScanResult:
    """Machine matches of a corpus, split by human matches, beside their chance counts."""
    everything = matching.candidates(conn, key, None)
    machine = [t for t in everything if t.origin == "machine"]
    human = [t for t in everything if t.origin == "human"]
    found, covers = matching.match_rows(conn, key, corpus, machine, partial=True)
    human_found, _ = matching.match_rows(conn, key, corpus, human, partial=True)
    rates = {t.id: machine_rates(conn, key, t, covers[t.id], human) for t in machine if covers[t.id].matched}
    if any(c.missing for c in covers.values() if c.matched):
        # on fewer columns chance is measured exactly only, so only an exact human twin makes a row ambiguous
        human_found = human_found[human_found["kind"] == "exact"]
    return build_scan(found, machine, len(corpus), human=human_found["position"].unique(), coverage=covers,
                      rates=rates)


def machine_rates(conn: Connection, key: LedgerKey, target: Candidate, cover: Coverage,
                  human: list[Candidate]) -> tuple[dict, int, str]:
    """Chance rates for one machine dataset on the columns compared: (rates, probes, where from)."""
    if not cover.missing:
        return _whole_rates(target, human)
    references = [h for h in human if set(cover.columns) <= set(h.columns) and h.spec is not None]
    sources = references or ([target] if target.spec is not None else [])
    if not sources:
        return {name: None for name in RATES}, 0, "not measured"
    measured = [exact_rates(matching.profiles(conn, key, s, cover.columns), target.rows) for s in sources]
    what = (f"human data ({_ids(references)})" if references
            else "its own duplicates (no human data with these columns)")
    return (*_pool(measured), f"{what}, exact only, on the {len(cover.columns)} columns compared "
                              "(ambiguous: an exact human twin)")


def _whole_rates(target: Candidate, human: list[Candidate]) -> tuple[dict, int, str]:
    references = [h for h in human if h.columns == target.columns and h.probes is not None]
    if references:
        measured = [(h.probes.rates(target.rows), len(h.probes.min_near)) for h in references]
        rows = min(h.probes.others for h in references)
        short = f" (only {rows:,} human rows: an underestimate)" if rows < target.rows else ""
        return (*_pool(measured), f"human data ({_ids(references)}) against itself at {target.rows:,} rows{short}")
    if target.probes is not None:
        return (target.probes.rates(target.rows), len(target.probes.min_near),
                "its own duplicates (no human data with its columns)")
    return {name: None for name in RATES}, 0, "not measured (registered before schema 2)"


def _pool(measured: list[tuple[dict, int]]) -> tuple[dict, int]:
    probes = sum(n for _, n in measured)
    rates = {}
    for name in RATES:
        values = [r[name] for r, _ in measured]
        rates[name] = None if any(v is None for v in values) else float(
            np.sum([v * n for v, (_, n) in zip(values, measured)]) / max(probes, 1))
    return rates, probes


def _ids(targets: list[Candidate]) -> str:
    return ", ".join(str(t.id) for t in targets)
