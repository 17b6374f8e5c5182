"""Moved: the statistics to ``synthgate.gates.provenance.recursion``, ``check_generations`` to ``synthgate.run``."""

# Every public name of the old module; ``__all__`` is as it was.
from synthgate.gates.provenance.recursion import (MIN_EXPECTED, TAIL_QUANTILE, GaussianChain,  # noqa: F401
                                                  GenerationStatistics, GenerationTrend, Profile, c_m,
                                                  expected_extinct, extinction_probability, gaussian_chain,
                                                  generation_trend, survival_probability)
from synthgate.run import check_generations

__all__ = ["GenerationStatistics", "GenerationTrend", "Profile", "c_m", "check_generations",
           "expected_extinct", "extinction_probability", "gaussian_chain", "generation_trend",
           "survival_probability"]
