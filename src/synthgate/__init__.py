"""synthgate: decide whether a synthetic tabular dataset is safe to use, gate by gate, against real data."""

__version__ = "0.1.0"

from synthgate.errors import GateFailed, InputError, LedgerError, PolicyError, SynthgateError  # noqa: E402
from synthgate.policy import Policy, load_policy  # noqa: E402
from synthgate.result import CheckResult  # noqa: E402
from synthgate.run import check  # noqa: E402
from synthgate.verdict import Measurement, Reference, Verdict  # noqa: E402

__all__ = ["CheckResult", "GateFailed", "InputError", "LedgerError", "Measurement", "Policy", "PolicyError",
           "Reference", "SynthgateError", "Verdict", "__version__", "check", "load_policy"]
