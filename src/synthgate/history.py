"""Moved: the history views to ``synthgate.gates.drift.history``, revalidation to ``synthgate.revalidation``."""

# Every public name of the old module; ``__all__`` is as it was.
from synthgate.gates.drift.history import (COLUMNS, history_plot_spec, history_plot_specs,  # noqa: F401
                                           history_table, load_production, measurement_history, production_as_of,
                                           production_plot_spec, record_result)
from synthgate.revalidation import (FRESH_GATES, LEFT_OUT, Revalidation, left_out_note, revalidate,  # noqa: F401
                                    split_fresh)

__all__ = ["FRESH_GATES", "Revalidation", "history_plot_spec", "history_plot_specs", "history_table",
           "load_production", "measurement_history", "production_as_of", "record_result", "revalidate",
           "split_fresh"]
