"""Lineage: walking from a dataset back to human data, generations and human shares."""

from __future__ import annotations

from sqlalchemy import Connection, func, select

from synthgate.ledger import queries
from synthgate.ledger.records import DatasetRecord, Edge, LineageStep
from synthgate.ledger.schema import tables

_datasets = tables["datasets"]
_generators = tables["generators"]
_training = tables["training"]


def generation(conn: Connection, training_ids: list[int]) -> int:
    """A new generator's generation given its training datasets.

    0 when all are human; else 1 + the highest generation of the generators that produced the
    machine ones (machine data of unknown producer counts as generation-0 output).
    """
    rows = conn.execute(
        select(_datasets.c.origin, _generators.c.generation)
        .select_from(_datasets.outerjoin(_generators, _datasets.c.generator_id == _generators.c.id))
        .where(_datasets.c.id.in_(training_ids))).all()
    parents = [gen or 0 for origin, gen in rows if origin == "machine"]
    return 1 + max(parents) if parents else 0


def lineage(conn: Connection, start: DatasetRecord) -> list[LineageStep]:
    """Breadth-first steps from ``start`` back to human data; each dataset appears once."""
    steps: list[LineageStep] = []
    seen = {start.id}
    frontier = [start]
    depth = 0
    while frontier:
        producer_ids = {d.generator_id for d in frontier if d.generator_id is not None}
        producers = {g.id: g for g in queries.generators(conn, producer_ids)} if producer_ids else {}
        parent_ids: list[int] = []
        for data in frontier:
            producer = producers.get(data.generator_id)
            steps.append(LineageStep(depth, data, producer))
            for parent in producer.trained_on if producer else ():
                if parent not in seen:
                    seen.add(parent)
                    parent_ids.append(parent)
        frontier = queries.datasets(conn, parent_ids) if parent_ids else []
        depth += 1
    return steps


def human_share(conn: Connection, generator_id: int) -> float:
    """Share of human rows among a generator's training rows (its direct training data)."""
    rows_by_origin = dict(conn.execute(
        select(_datasets.c.origin, func.sum(_datasets.c.rows))
        .select_from(_training.join(_datasets, _training.c.dataset_id == _datasets.c.id))
        .where(_training.c.generator_id == generator_id)
        .group_by(_datasets.c.origin)).all())
    total = sum(int(v) for v in rows_by_origin.values())
    return int(rows_by_origin.get("human", 0)) / total if total else float("nan")


def edges(conn: Connection) -> list[Edge]:
    """Every lineage edge: trained_on (dataset -> generator) and produced (generator -> dataset)."""
    trained = [Edge("trained_on", d, g) for g, d in conn.execute(
        select(_training.c.generator_id, _training.c.dataset_id)
        .order_by(_training.c.generator_id, _training.c.dataset_id))]
    produced = [Edge("produced", d, g) for d, g in conn.execute(
        select(_datasets.c.id, _datasets.c.generator_id)
        .where(_datasets.c.generator_id.is_not(None)).order_by(_datasets.c.id))]
    return trained + produced
