"""Every column resampled on its own: the "no joint structure" baseline."""

from __future__ import annotations

import numpy as np
import pandas as pd

from synthgate.generators._base import Synthesizer, take_rows


class IndependentSynthesizer(Synthesizer):
    """Draw each column independently from its real marginal (with replacement).

    Marginals match in expectation; every dependence between columns is gone. Useful as the
    baseline a joint-structure test must reject.

    Examples
    --------
    >>> import pandas as pd
    >>> real = pd.DataFrame({"a": [1, 2, 3], "b": ["x", "y", None]})
    >>> IndependentSynthesizer().fit(real).sample(4, seed=0).dtypes.tolist() == real.dtypes.tolist()
    True
    """

    def _fit(self, real: pd.DataFrame) -> None:
        return None

    def _sample(self, n: int, rng: np.random.Generator) -> dict[object, pd.Series]:
        size = len(self._real)
        return {name: take_rows(self._real[name], rng.integers(0, size, size=n)) for name in self.columns_}
