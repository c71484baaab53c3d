"""Floor checks: absolute limits on the new run (a minimum, or a maximum where lower is better),
no baseline and no test involved."""
from __future__ import annotations

from typing import Any, Mapping

from ..metric_registry import METRICS, Metric
from ..policy import Policy, Rule
from .check import EPS, Check
from .values import is_number, lookup, number, targets


def floor_checks(results: Mapping[str, Any], policy: Policy) -> list[Check]:
    """The policy's floors on one run."""
    checks: list[Check] = []
    for name, rule in policy.floors.items():
        m = METRICS[name]
        if m.per == "attribute":
            checks += _gap_checks(results, m, rule)
        elif m.per == "slice":
            checks.append(_worst_slice_check(results, m, rule))
        else:
            checks += [_floor(m, rule, scope, number(results, path, "run")) for scope, path in targets(results, m)]
    return checks


def _floor(m: Metric, rule: Rule, scope: str | None, value: float | None) -> Check:
    """A floor check of ``value``, decided (skipped when there is no value)."""
    check = Check("floor", m.name, scope, rule.severity, rule.limit_for(scope), value=value)
    if value is None:
        check.skipped = "no value (no judged cases)"
    else:
        check.failed = m.beyond(value, check.limit, EPS)
    return check


def _gap_checks(results: Mapping[str, Any], m: Metric, rule: Rule) -> list[Check]:
    """Largest group gap per bias attribute and metric, at ``bias.attributes.<a>.gaps.<m>.value``."""
    attributes = lookup(results, m.path[:2])
    if not isinstance(attributes, Mapping) or not attributes:
        return [Check("floor", m.name, None, rule.severity, rule.limit,
                      skipped=f"the run has no bias section ({'.'.join(m.path[:2])})")]
    checks = []
    for attribute in attributes:
        for bias_metric in rule.metrics:
            path = m.path_for(attribute, bias_metric)
            value = lookup(results, path)
            check = _floor(m, rule, attribute, float(value) if is_number(value) else None)
            check.scope = f"{attribute}/{bias_metric}"
            if check.skipped:
                check.skipped = f"no number at {'.'.join(path)}"
            checks.append(check)
    return checks


def _worst_slice_check(results: Mapping[str, Any], m: Metric, rule: Rule) -> Check:
    """Accuracy of the worst discovered slice (``slices.worst.accuracy.value``: the significantly
    worse slice of lowest accuracy); skipped when no slice is significantly worse or the run has
    no ``slices`` section."""
    section = results.get(m.path[0])
    if not isinstance(section, Mapping):
        return Check("floor", m.name, None, rule.severity, rule.limit, skipped="the run has no slices section")
    worst = section.get(m.path[1])
    if worst is None:
        return Check("floor", m.name, None, rule.severity, rule.limit,
                     skipped="no discovered slice is significantly worse than the rest of the split")
    value = lookup(worst, m.path[2:]) if isinstance(worst, Mapping) else None
    if not is_number(value):
        return Check("floor", m.name, None, rule.severity, rule.limit,
                     skipped=f"no number at {'.'.join(m.path)}")
    return _floor(m, rule, str(worst.get("name")), float(value))
