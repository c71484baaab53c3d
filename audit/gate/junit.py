"""JUnit XML for CI test reports: a ``floors`` and a ``baseline`` testsuite, one testcase a check."""
from __future__ import annotations

import xml.etree.ElementTree as ET

from .check import Check, GateResult, fmt_num, fmt_p


def junit_xml(result: GateResult) -> str:
    """JUnit XML: a ``floors`` and a ``baseline`` testsuite, one testcase a check. Failed error
    checks carry a ``failure``; warnings are passing testcases with a ``system-out`` note (they
    must not fail a CI test report); skipped checks carry ``skipped``, and so do inconclusive
    drops, with a message starting ``INCONCLUSIVE:`` (a test that could not decide, which must
    not fail a report either unless ``--fail-on-inconclusive`` made it a failure)."""
    root = ET.Element("testsuites", name="emotion-audit gate")
    for suite_name, kind in (("floors", "floor"), ("baseline", "drop")):
        checks = [c for c in result.checks if c.kind == kind]
        suite = ET.SubElement(root, "testsuite", name=suite_name, tests=str(len(checks)),
                              failures=str(sum(c.verdict == "fail" for c in checks)), errors="0",
                              skipped=str(sum(c.verdict in ("skip", "inconclusive") for c in checks)), time="0")
        props = ET.SubElement(suite, "properties")
        for key, value in (("run", result.run_source), ("baseline", result.baseline_source),
                           ("policy", result.policy.source), ("alpha", f"{result.policy.alpha:g}")):
            ET.SubElement(props, "property", name=key, value=value)
        for check in checks:
            _testcase(suite, check, suite_name)
        if kind == "drop" and result.notes:
            ET.SubElement(suite, "system-out").text = "\n".join(result.notes)
    return _serialize(root)


def _testcase(suite: ET.Element, check: Check, suite_name: str) -> None:
    """One check's testcase, with its failure, skipped or system-out element."""
    case = ET.SubElement(suite, "testcase", name=check.name, classname=f"emotion_audit.gate.{suite_name}", time="0")
    if check.verdict == "fail":
        failure = ET.SubElement(case, "failure", message=check.message(), type=f"{check.kind} regression")
        failure.text = _details(check)
    elif check.verdict == "skip":
        ET.SubElement(case, "skipped", message=check.skipped or "")
    elif check.verdict == "inconclusive":
        ET.SubElement(case, "skipped", message=f"INCONCLUSIVE: {check.message()}").text = _details(check)
    elif check.verdict == "warn":
        ET.SubElement(case, "system-out").text = f"WARNING: {check.message()}\n{_details(check)}"


def junit_error_xml(message: str) -> str:
    """JUnit XML for a gate that could not run (exit 2): one testcase with an ``error``."""
    root = ET.Element("testsuites", name="emotion-audit gate")
    suite = ET.SubElement(root, "testsuite", name="compatibility", tests="1", failures="0", errors="1",
                          skipped="0", time="0")
    case = ET.SubElement(suite, "testcase", name="gate:compare", classname="emotion_audit.gate.compatibility",
                         time="0")
    ET.SubElement(case, "error", message=message, type="cannot compare")
    return _serialize(root)


def _serialize(root: ET.Element) -> str:
    """Total the testsuites' counts on the root and render the document."""
    for attr in ("tests", "failures", "errors", "skipped"):
        root.set(attr, str(sum(int(s.get(attr, "0")) for s in root.iter("testsuite"))))
    root.set("time", "0")
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"


def _details(check: Check) -> str:
    needed = f" cases_needed={check.cases_needed}" if check.inconclusive else ""
    return (f"value={fmt_num(check.value)} baseline={fmt_num(check.baseline)} drop={fmt_num(check.drop, True)} "
            f"limit={check.limit_text()} p={fmt_p(check.p_value)} p_holm={fmt_p(check.p_adjusted)} "
            f"severity={check.severity} test={check.method or '-'}{needed}")
