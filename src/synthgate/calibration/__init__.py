"""Calibration harness: how often each gate raises a false alarm on honest data, and how often it catches a
planted defect, measured over many seeds on real tables (``synthgate calibrate``).

Modules::

    sources.py    the data sets (Adult bundled; German credit and census-income from the user's folder;
                  a Gaussian mixture for mode drop) and the role sizes chosen for each
    splits.py     disjoint real / holdout / fresh / synthetic samples drawn without replacement
    planting.py   the planted defects (``synthgate.defects`` applied to an independent real sample)
    plan.py       cells (data set x kind x ratio x defect), runs (cell x seed) and their fingerprints
    runner.py     one ``synthgate.check`` per run, in-process or in a worker pool; JSONL records and resume
    matrices.py   false-alarm and power matrices, Clopper-Pearson intervals, PASS / MISS per target
    render.py     Markdown and JSON outputs, the command that made them on top
    harness.py    ``calibrate(...)``, the policy used and why
    cli.py        the ``synthgate calibrate`` command

>>> from synthgate.calibration import calibrate
>>> result = calibrate({"adult": None}, out="calibration", seeds=2, quick=True)  # doctest: +SKIP
"""

__all__ = ["CALIBRATION_POLICY", "Calibration", "calibrate", "clopper_pearson"]


def __getattr__(name: str):
    # Lazy, so that mounting ``synthgate calibrate`` on the CLI does not import scikit-learn and scipy.
    if name in ("CALIBRATION_POLICY", "Calibration", "calibrate"):
        from synthgate.calibration import harness
        return getattr(harness, name)
    if name == "clopper_pearson":
        from synthgate.calibration.matrices import clopper_pearson
        return clopper_pearson
    raise AttributeError(f"module 'synthgate.calibration' has no attribute {name!r}")
