"""The band level of one measurement among a gate's k: the gate, not each measurement, keeps the false-alarm rate.

A gate alarms when any of its measurements does. With every band at level ``b``, an honest table sets off a
gate of k roughly independent measurements up to ``k (1 - b) / 2`` of the time on the worse side (measured:
German credit fidelity, four measurements each near their nominal 2.5 %, alarmed in 4-9 % of 100 seeds per
ratio). Bonferroni keeps the gate within ``1 - b``: each band holds ``1 - (1 - b) / k``. It assumes nothing
about how the measurements correlate, so it is conservative where they move together (the attacks' TPRs).
"""

from __future__ import annotations


def family_level(band: float, rules: int) -> float:
    """The central share each of ``rules`` measurements' bands holds so their union holds ``band``."""
    if not 0.0 < band < 1.0:
        raise ValueError(f"a band is a share between 0 and 1, got {band}")
    return 1.0 - (1.0 - band) / max(int(rules), 1)
