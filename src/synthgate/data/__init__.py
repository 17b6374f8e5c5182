"""Loading, schema inference, input validation and the shared encoding."""

from synthgate.data.encoding import Encoding, category_codes, fit_encoding, numeric_values
from synthgate.data.load import load_table, table_fingerprint
from synthgate.data.schema import Column, Kind, Metadata, Schema, load_metadata
from synthgate.data.validate import Limits, validate_inputs

__all__ = ["Column", "Encoding", "Kind", "Limits", "Metadata", "Schema", "category_codes", "fit_encoding",
           "load_metadata", "load_table", "numeric_values", "table_fingerprint", "validate_inputs"]
