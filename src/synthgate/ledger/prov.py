"""The ledger's lineage as a W3C PROV-JSON document (https://www.w3.org/submissions/prov-json/).

Mapping::

    dataset            entity    synthgate:dataset-<id>    (machine data: prov:type synthgate:SyntheticDataset)
    generator          agent     synthgate:generator-<id>  (prov:type prov:SoftwareAgent)
    its training       activity  synthgate:training-<id>   used its training datasets, associated with the generator
    dataset it made    wasGeneratedBy that activity, wasDerivedFrom each training dataset

The ledger records no separate sampling step, so one activity per generator stands for training and
sampling. Identifiers are local to one ledger. Only what describes the data is written: names, origin,
row and column counts, content hashes and times; never row fingerprints, keys, row values, generator
params or free-text notes (either may hold values copied from the data).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from synthgate.ledger.records import DatasetRecord, GeneratorRecord

__all__ = ["NAMESPACE", "prov_document"]

NAMESPACE = "urn:synthgate:"


def prov_document(ledger: Any) -> dict[str, Any]:
    """A PROV-JSON document (a JSON-ready dict) of every dataset and generator in ``ledger``."""
    datasets, generators = ledger.datasets(), ledger.generators()
    document = {
        "prefix": {"synthgate": NAMESPACE},
        "entity": {_dataset_id(d.id): _entity(d) for d in datasets},
        "agent": {_generator_id(g.id): _agent(g) for g in generators},
        "activity": {_training_id(g.id): _activity(g) for g in generators},
        "used": _used(generators),
        "wasAssociatedWith": _associations(generators),
        "wasGeneratedBy": _generations(datasets),
        "wasDerivedFrom": _derivations(datasets, {g.id: g for g in generators}),
    }
    return {section: content for section, content in document.items() if content}


def _dataset_id(dataset_id: int) -> str:
    return f"synthgate:dataset-{dataset_id}"


def _generator_id(generator_id: int) -> str:
    return f"synthgate:generator-{generator_id}"


def _training_id(generator_id: int) -> str:
    return f"synthgate:training-{generator_id}"


def _qualified(name: str) -> dict[str, str]:
    return {"$": name, "type": "xsd:QName"}


def _time(moment: datetime) -> dict[str, str]:
    return {"$": moment.isoformat(), "type": "xsd:dateTime"}


def _entity(data: DatasetRecord) -> dict[str, Any]:
    entity = {"prov:label": data.name, "synthgate:origin": data.origin, "synthgate:rows": data.rows,
              "synthgate:columns": len(data.schema), "synthgate:content_hash": f"sha256:{data.content_hash}",
              "synthgate:registered": _time(data.created)}
    if data.is_machine:
        entity["prov:type"] = _qualified("synthgate:SyntheticDataset")
    return entity


def _agent(generator: GeneratorRecord) -> dict[str, Any]:
    agent = {"prov:type": _qualified("prov:SoftwareAgent"), "prov:label": generator.name,
             "synthgate:kind": generator.kind, "synthgate:generation": generator.generation,
             "synthgate:created": _time(generator.created)}
    if generator.dp_epsilon is not None:
        agent["synthgate:dp_epsilon"] = generator.dp_epsilon
    if generator.expires_at is not None:
        agent["synthgate:expires_at"] = _time(generator.expires_at)
    return agent


def _activity(generator: GeneratorRecord) -> dict[str, Any]:
    return {"prov:type": _qualified("synthgate:Training"), "prov:label": f"training of {generator.name}"}


def _used(generators: list[GeneratorRecord]) -> dict[str, dict[str, str]]:
    return {f"_:used-{g.id}-{d}": {"prov:activity": _training_id(g.id), "prov:entity": _dataset_id(d)}
            for g in generators for d in g.trained_on}


def _associations(generators: list[GeneratorRecord]) -> dict[str, dict[str, str]]:
    return {f"_:associated-{g.id}": {"prov:activity": _training_id(g.id), "prov:agent": _generator_id(g.id)}
            for g in generators}


def _generations(datasets: list[DatasetRecord]) -> dict[str, dict[str, str]]:
    return {f"_:generated-{d.id}": {"prov:entity": _dataset_id(d.id), "prov:activity": _training_id(d.generator_id)}
            for d in datasets if d.generator_id is not None}


def _derivations(datasets: list[DatasetRecord], generators: dict[int, GeneratorRecord]) -> dict[str, dict[str, str]]:
    return {f"_:derived-{d.id}-{source}": {"prov:generatedEntity": _dataset_id(d.id),
                                           "prov:usedEntity": _dataset_id(source),
                                           "prov:activity": _training_id(d.generator_id)}
            for d in datasets if d.generator_id is not None for source in generators[d.generator_id].trained_on}
