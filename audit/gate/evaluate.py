"""One gate run: refuse runs that cannot be compared, then evaluate and decide every check."""
from __future__ import annotations

from typing import Sequence

from ..errors import AuditError
from ..metric_registry import METRICS
from ..policy import Policy
from .check import Check, GateResult
from .compat import compatibility_problem
from .drops import decide_drops, drop_checks
from .floors import floor_checks
from .runs import Run


def run_gate(base: Run, new: Run, policy: Policy, *, fail_on_inconclusive: bool = False) -> GateResult:
    """Check compatibility, then evaluate every floor and drop check of ``policy``; with
    ``fail_on_inconclusive`` an inconclusive drop counts as a failure of its severity."""
    problem = compatibility_problem(base, new)
    if problem:
        raise AuditError(f"cannot compare {new.source} with the baseline {base.source}: {problem}")
    checks = floor_checks(new.results, policy) + drop_checks(base, new, policy)
    decide_drops(checks, policy.alpha, fail_on_inconclusive=fail_on_inconclusive)
    notes = _policy_notes(policy, checks)
    if any(METRICS[name].per == "suite" for name in policy.drops):
        notes += [f"suite {s!r} is not in the baseline: only its floors apply"
                  for s in new.results["suites"] if s not in base.results["suites"]]
    return GateResult(checks, policy, new.source, base.source, notes, fail_on_inconclusive=fail_on_inconclusive)


def _policy_notes(policy: Policy, checks: Sequence[Check]) -> list[str]:
    """Overrides that name no class, suite or attribute of this run (likely typos)."""
    notes = []
    for section, kind, rules in (("floors", "floor", policy.floors), ("drops", "drop", policy.drops)):
        for name, rule in rules.items():
            scopes = {c.scope.split("/")[0] for c in checks if c.kind == kind and c.rule == name and c.scope}
            if METRICS[name].per == "attribute" and not scopes:
                continue  # no bias section: the skipped check already says so
            notes += [f"policy {section}.{name}.overrides names {key!r}, which this run does not have"
                      for key in rule.overrides if key not in scopes]
    return notes
