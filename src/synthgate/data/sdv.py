"""SDV metadata JSON read as synthgate metadata.

SDV writes one of three layouts (https://docs.sdv.dev/sdv/reference/metadata-spec):
``SINGLE_TABLE_V1`` (``columns`` and keys at the top), ``MULTI_TABLE_V1`` and ``V1`` (tables under
``tables``). One table is translated into synthgate's ``columns`` (name: kind); several are refused,
since synthgate judges one table. Every column SDV treats as personal data becomes an identifier:
``id`` columns, keys, ``pii: true`` and every semantic sdtype SDV fakes (email, address, ...).

SDV details synthgate has no use for (formats, storage types, relationships) are dropped and named in
the notes the run records, so nothing is ignored silently.
"""

from __future__ import annotations

from typing import Any

from synthgate.errors import InputError

#: sdtypes with a statistical meaning; any other sdtype is a semantic (PII-like) type SDV fakes
STATISTICAL_SDTYPES = {"numerical": "numerical", "categorical": "categorical", "boolean": "boolean",
                       "datetime": "datetime", "id": "identifier"}
#: synthgate's own keys, kept when a user adds them to an SDV file (SDV has no target or sensitive)
SYNTHGATE_KEYS = ("target", "positive", "sensitive", "nullable", "generator")
#: table keys naming unique columns: each such column identifies a row
KEY_FIELDS = {"primary_key": "primary key", "alternate_keys": "alternate key"}
#: recognised SDV keys whose meaning synthgate does not use
IGNORED_TABLE_FIELDS = ("sequence_key", "sequence_index", "column_relationships")
SPEC_VERSION = "METADATA_SPEC_VERSION"
_COLUMN_FIELDS = ("sdtype", "pii")
_HOW_TO = 'Each column needs an entry such as "age": {"sdtype": "numerical"}.'


def is_sdv_metadata(data: Any) -> bool:
    """Whether a parsed metadata file is in SDV's layout rather than synthgate's."""
    if not isinstance(data, dict):
        return False
    columns = data.get("columns")
    described = isinstance(columns, dict) and any(isinstance(c, dict) and "sdtype" in c for c in columns.values())
    return SPEC_VERSION in data or "tables" in data or described


def from_sdv(data: dict) -> tuple[dict, list[str]]:
    """synthgate metadata for an SDV metadata dict, and notes on what was mapped and what ignored."""
    table, where, ignored = _one_table(data)
    primary = _key_columns(table)
    columns, reasons = {}, {}
    for name, spec in _column_specs(table).items():
        columns[name], reasons[name] = _column_kind(name, spec, primary.get(name))
        ignored += [f"{name}.{key}" for key in spec if key not in _COLUMN_FIELDS]
    ignored += [key for key, value in table.items() if (key in IGNORED_TABLE_FIELDS and value) or _unknown_key(key)]
    translated = {key: source[key] for source in (table, data) for key in SYNTHGATE_KEYS if key in source}
    translated["columns"] = columns
    return translated, _notes(where, columns, reasons, ignored)


def _one_table(data: dict) -> tuple[dict, str, list[str]]:
    """The single table's metadata, a description of where it came from, and ignored top-level keys."""
    version = data.get(SPEC_VERSION, "no METADATA_SPEC_VERSION")
    if "tables" not in data:
        return data, f"SDV metadata ({version})", []
    tables = data["tables"]
    if not isinstance(tables, dict) or not tables or not all(isinstance(t, dict) for t in tables.values()):
        raise InputError("SDV metadata 'tables' holds no table descriptions.",
                         fix="Pass SDV metadata with one table under 'tables', or single-table metadata.")
    if len(tables) > 1:
        raise InputError(f"SDV metadata describes {len(tables)} tables ({', '.join(map(repr, tables))}); "
                         "synthgate checks one table at a time.",
                         fix="Pass the metadata of the one table being checked: copy its entry under 'tables' "
                             "into a file of its own (the single-table layout).")
    (name, table), = tables.items()
    ignored = ["relationships"] if data.get("relationships") else []
    ignored += [key for key in data if key not in ("tables", "relationships") and _unknown_key(key)]
    return table, f"SDV metadata ({version}, table {name!r})", ignored


def _unknown_key(key: str) -> bool:
    return key not in (SPEC_VERSION, "columns", *KEY_FIELDS, *SYNTHGATE_KEYS, *IGNORED_TABLE_FIELDS)


def _column_specs(table: dict) -> dict[str, dict]:
    columns = table.get("columns")
    if not isinstance(columns, dict) or not columns:
        raise InputError("SDV metadata has no 'columns' mapping.", fix=_HOW_TO)
    for name, spec in columns.items():
        if not isinstance(spec, dict) or not isinstance(spec.get("sdtype"), str):
            raise InputError(f"SDV metadata column {name!r} has no sdtype (it reads {spec!r}).", fix=_HOW_TO)
    return columns


def _key_columns(table: dict) -> dict[str, str]:
    """Column name to the key field naming it (primary_key may be one name or, in old files, a list)."""
    found: dict[str, str] = {}
    for field, label in KEY_FIELDS.items():
        names = table.get(field) or []
        for name in [names] if isinstance(names, str) else names:
            found.setdefault(str(name), label)
    return found


def _column_kind(name: str, spec: dict, key: str | None) -> tuple[str, str]:
    """synthgate kind of one SDV column and, for an identifier, why."""
    sdtype = spec["sdtype"]
    if key:
        return "identifier", key
    if spec.get("pii") is True:
        return "identifier", f"sdtype {sdtype}, pii"
    if sdtype in STATISTICAL_SDTYPES:
        return STATISTICAL_SDTYPES[sdtype], ""
    return "identifier", f"sdtype {sdtype}, personal data"


def _notes(where: str, columns: dict[str, str], reasons: dict[str, str], ignored: list[str]) -> list[str]:
    by_kind: dict[str, list[str]] = {}
    for name, kind in columns.items():
        by_kind.setdefault(kind, []).append(f"{name} ({reasons[name]})" if reasons[name] else name)
    mapped = "; ".join(f"{kind}: {', '.join(names)}" for kind, names in by_kind.items())
    notes = [f"metadata: {where} translated to synthgate column kinds: {mapped}"]
    if ignored:
        notes.append(f"metadata: SDV fields with no synthgate meaning, ignored: {', '.join(ignored)}")
    return notes
