"""GitHub Actions workflow commands (``::error ...`` / ``::warning ...``) for a ``CheckResult``.

GitHub turns each such line on stdout into an annotation on the run's summary page. Rendered from the result
alone, nothing is recomputed.

>>> from synthgate.report.example import example_result
>>> github_annotations(example_result())[0].split("::")[:2]
['', 'error title=privacy.exact_copy_rate']
>>> workflow_command("warning", "50% of rows\\nare copies", title="a:b,c")
'::warning title=a%3Ab%2Cc::50%25 of rows%0Aare copies'
"""

from __future__ import annotations

import os
from typing import Mapping

from synthgate.result import CheckResult
from synthgate.verdict import Verdict

LEVELS = {Verdict.FAIL: "error", Verdict.ERROR: "error", Verdict.WARN: "warning"}


def running_in_github_actions(environ: Mapping[str, str] = os.environ) -> bool:
    """GitHub sets ``GITHUB_ACTIONS=true`` in every step of a workflow run."""
    return environ.get("GITHUB_ACTIONS") == "true"


def github_annotations(result: CheckResult, fail_on: Verdict | str | None = None) -> list[str]:
    """One workflow command per FAIL / ERROR measurement (``::error``) and per WARN (``::warning``), titled with
    the measurement id; a crashed gate gets an ``::error`` titled with the gate.

    A gate that fails CI without any such measurement (``--fail-on warn``, or an inconclusive gate listed in the
    policy's ``fail_on_inconclusive``) gets one ``::error`` saying why, so a red job is never left unexplained.
    """
    lines = []
    for gate in result.gates:
        if gate.error:
            lines.append(workflow_command("error", gate.summary or gate.error, title=gate.gate))
        lines += [workflow_command(LEVELS[m.verdict], m.reason, title=m.id)
                  for m in gate.measurements if m.verdict in LEVELS]
    explained = {g.gate for g in result.gates
                 if g.error or any(LEVELS.get(m.verdict) == "error" for m in g.measurements)}
    for gate, why in result.failing(fail_on).items():
        if gate not in explained:
            lines.append(workflow_command("error", f"fails CI: {why}", title=gate))
    return lines


def workflow_command(level: str, message: str, **properties: str) -> str:
    """``::level key=value,...::message`` with GitHub's escaping of the message and of property values."""
    props = ",".join(f"{key}={escape_property(value)}" for key, value in properties.items())
    return f"::{level}{' ' + props if props else ''}::{escape_data(message)}"


def escape_data(text: str) -> str:
    """Escape a command's message: ``%`` first, so the escapes it adds are not escaped again."""
    return str(text).replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """Escape a property value: as a message, plus ``:`` and ``,``, which end a value."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")
