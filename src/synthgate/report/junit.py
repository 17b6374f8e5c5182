"""JUnit XML of a ``CheckResult``, for CI test reports (GitLab ``artifacts:reports:junit``, Jenkins, Azure ...).

Rendered from the result alone, nothing is recomputed:

>>> from synthgate.report.example import example_result
>>> xml = junit_xml(example_result())
>>> xml.startswith('<?xml version="1.0" encoding="UTF-8"?>') and 'name="privacy.exact_copy_rate"' in xml
True
"""

from __future__ import annotations

import math
import re
import xml.etree.ElementTree as ET

from synthgate.gates.base import GateResult
from synthgate.result import CheckResult
from synthgate.verdict import Measurement, Verdict

DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n'
COUNTED = ("tests", "failures", "errors", "skipped")
# XML 1.0 cannot hold these characters at all, not even escaped; a reason quoting raw data might contain them.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def junit_xml(result: CheckResult, *, fail_on: Verdict | str | None = None) -> str:
    """One ``<testsuite>`` per gate, one ``<testcase>`` per measurement (classname = gate, name = measurement id).

    - FAIL → ``<failure>``, ERROR → ``<error>``: ``message`` is the measurement's reason, the text adds the
      value, the honest reference band and the allowed excess.
    - SKIPPED → ``<skipped message=reason>``.
    - WARN and INCONCLUSIVE are *passing* test cases: their reason is in ``<system-out>``, prefixed with the
      verdict. So the test report can be green while the exit code is 1 (``--fail-on warn``, or an inconclusive
      gate listed in the policy's ``fail_on_inconclusive``); each ``<testsuite>``'s ``synthgate.fails_ci``
      property then says why, as ``CheckResult.failing(fail_on)`` does.
    - A gate that was skipped or crashed has no measurements: it becomes one test case named after the gate,
      skipped or in error, so an errored gate is never missing from the report.
    """
    failing = result.failing(fail_on)
    root = ET.Element("testsuites", name="synthgate")
    suites = [_testsuite(gate, failing.get(gate.gate), result.created) for gate in result.gates]
    root.extend(suites)
    _set_counts(root, {key: sum(int(s.get(key)) for s in suites) for key in COUNTED})
    root.set("time", _seconds(sum(g.seconds for g in result.gates)))
    ET.indent(root)
    return DECLARATION + ET.tostring(root, encoding="unicode") + "\n"


def _testsuite(gate: GateResult, fails_ci: str | None, created: str) -> ET.Element:
    suite = ET.Element("testsuite", name=gate.gate)
    properties = ET.SubElement(suite, "properties")
    _property(properties, "synthgate.verdict", gate.verdict.value)
    if fails_ci:
        _property(properties, "synthgate.fails_ci", fails_ci)
    cases = [_testcase(gate.gate, m) for m in gate.measurements] or [_gate_testcase(gate)]
    suite.extend(cases)
    _set_counts(suite, {"tests": len(cases), **{key: _count(cases, key) for key in COUNTED[1:]}})
    suite.set("time", _seconds(gate.seconds))
    if created:
        suite.set("timestamp", created)
    return suite


def _testcase(gate: str, measurement: Measurement) -> ET.Element:
    case = ET.Element("testcase", classname=gate, name=measurement.id)
    verdict, reason = measurement.verdict, measurement.reason
    if verdict in (Verdict.FAIL, Verdict.ERROR):
        tag = "failure" if verdict is Verdict.FAIL else "error"
        outcome = ET.SubElement(case, tag, message=_clean(reason), type=verdict.value)
        outcome.text = _clean(_failure_text(measurement))
    elif verdict is Verdict.SKIPPED:
        ET.SubElement(case, "skipped", message=_clean(reason))
    elif verdict in (Verdict.WARN, Verdict.INCONCLUSIVE):
        ET.SubElement(case, "system-out").text = _clean(f"{verdict.value.upper()}: {reason}")
    return case


def _gate_testcase(gate: GateResult) -> ET.Element:
    """The one test case of a gate without measurements: skipped, or crashed (ERROR)."""
    case = ET.Element("testcase", classname=gate.gate, name=gate.gate)
    if gate.error:
        error = ET.SubElement(case, "error", message=_clean(gate.error), type=Verdict.ERROR.value)
        error.text = _clean(gate.summary or gate.error)
    else:
        ET.SubElement(case, "skipped", message=_clean(gate.skipped_reason or "skipped"))
    return case


def _failure_text(m: Measurement) -> str:
    ref = m.reference
    band = "none" if ref is None else f"{_num(ref.value)} [{_num(ref.low)}, {_num(ref.high)}] ({ref.method}, n={ref.n})"
    allowed = "no limit" if m.threshold is None else _num(m.threshold)
    return f"value {_num(m.value)}; honest reference {band}; allowed excess {allowed}; n={m.n}\n{m.reason}"


def _property(properties: ET.Element, name: str, value: str) -> None:
    ET.SubElement(properties, "property", name=name, value=_clean(value))


def _count(cases: list[ET.Element], key: str) -> int:
    tag = {"failures": "failure", "errors": "error", "skipped": "skipped"}[key]
    return sum(case.find(tag) is not None for case in cases)


def _set_counts(element: ET.Element, counts: dict[str, int]) -> None:
    for key in COUNTED:
        element.set(key, str(counts[key]))


def _num(x: float | None) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "n/a"
    return f"{x:.4g}"


def _seconds(x: float) -> str:
    return f"{x:.3f}"


def _clean(text: str) -> str:
    return _NOT_XML.sub("\ufffd", str(text))
