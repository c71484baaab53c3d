"""The pass / warn / fail marks of the report and the card, decided by the gate's policy.

A badge of a quantity the gate checks is the gate's own floor check (:func:`audit.gate.floor_checks`)
on the same results under the same policy (the shipped ``reports/gate_policy.yaml`` unless another
is given), so the report cannot call a figure failed that the gate passes, or the reverse:

- ``fail``: the gate's check fails and its severity is ``error`` (the gate exits 1 on it);
- ``warn``: the check fails with severity ``warning``, or it passes on the point estimate while the
  estimate's interval does not: a floor (``min``) whose interval reaches below it, a maximum
  (``max``, the group gap) whose interval reaches above it or lies wholly above 0 (a gap the data
  shows is real, even if within the limit);
- ``pass``: the check passes and its interval agrees;
- ``info``: not judged (the policy has no such check, or the gate skipped it for want of a value).

Rows inside a checked quantity (a suite's rules, a breakdown's groups) have no check of their own:
they are marked ``warn`` below their quantity's limit and ``pass`` at or above it, never ``fail``.
The calibration error is no gate check: it is ``pass`` up to :data:`ECE_GOOD`, the one threshold
the report sets itself, and ``warn`` above it, never ``fail``.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from ..errors import AuditError
from ..gate import Check, floor_checks
from ..metric_registry import METRICS
from ..policy import Policy, default_policy_path, load_policy

ECE_GOOD = 0.05
#: Badge of each gate verdict.
_LEVELS = {"fail": "fail", "warn": "warn", "skip": "info", "pass": "pass"}
#: Badge levels from worst to best, for ranking.
ORDER = ("fail", "warn", "pass", "info")


def excludes_zero(estimate: Mapping[str, Any] | None) -> bool:
    """Whether an estimate's interval lies wholly on one side of 0."""
    low, high = (estimate or {}).get("ci_low"), (estimate or {}).get("ci_high")
    return low is not None and high is not None and (low > 0 or high < 0)


def _doubted(check: Check, estimate: Mapping[str, Any] | None) -> bool:
    """Whether a passing check's interval disagrees with its point estimate (see the module)."""
    if not estimate or estimate.get("ci_low") is None or estimate.get("ci_high") is None:
        return False
    if not check.metric.higher_is_better:
        return estimate["ci_high"] > check.limit or excludes_zero(estimate)
    return estimate["ci_low"] < check.limit


@dataclass(frozen=True)
class Badges:
    """The gate's floor checks on one results document, looked up by check name and scope."""

    policy: Policy
    checks: tuple[Check, ...]

    def find(self, rule: str, scope: str | None = None) -> Check | None:
        """The check of ``rule`` for ``scope`` (a class, suite, ``attribute/metric``); ``None``
        when there is none. The worst-slice check is found without a scope."""
        return next((c for c in self.checks if c.rule == rule and (c.scope == scope or rule == "worst_slice")), None)

    def level(self, rule: str, scope: str | None = None, estimate: Mapping[str, Any] | None = None) -> str:
        """The badge of a checked quantity; ``estimate`` (``{value, ci_low, ci_high}``) lets its
        interval turn a pass into a warning."""
        check = self.find(rule, scope)
        if check is None:
            return "info"
        level = _LEVELS.get(check.verdict, "info")
        return "warn" if level == "pass" and _doubted(check, estimate) else level

    def limit(self, rule: str, scope: str | None = None) -> float | None:
        """The policy's limit for ``rule`` (and ``scope``), or ``None`` when it has no such check."""
        found = self.policy.floors.get(rule)
        return None if found is None else found.limit_for(scope)

    def row_level(self, rule: str, scope: str | None, value: float | None) -> str:
        """The mark of a row inside a checked quantity: ``warn`` beyond the quantity's limit,
        ``pass`` within it, ``info`` without a value or a limit."""
        limit = self.limit(rule, scope)
        if value is None or limit is None:
            return "info"
        return "warn" if METRICS[rule].beyond(value, limit) else "pass"

    def legend(self) -> list[dict[str, str]]:
        """The policy's floors in words, for the report's legend: what, limit, severity, overrides."""
        return [{"name": METRICS[name].title, "limit": limit_text(name, rule.limit),
                 "severity": rule.severity, "metrics": ", ".join(rule.metrics),
                 "overrides": ", ".join(f"{k} {limit_text(name, v)}" for k, v in rule.overrides.items())}
                for name, rule in self.policy.floors.items()]


def policy_name(policy: Policy) -> str:
    """How the report names the policy: the shipped default by its file name (no machine's path
    in the report), any other by the path it was given as."""
    default = default_policy_path()
    return f"{default.name} (built-in default)" if Path(policy.source) == default else policy.source


def limit_text(rule: str, limit: float) -> str:
    """A limit in words: ``"at least 50%"`` for a rate, ``"at most 0.10"`` for a score."""
    metric = METRICS[rule]
    side = "at least" if metric.higher_is_better else "at most"
    return f"{side} {limit:.0%}" if metric.kind == "rate" else f"{side} {limit:.2f}"


def badges(results: Mapping[str, Any], policy: Policy | None = None) -> Badges:
    """The gate's floor checks on ``results`` under ``policy`` (the shipped default when None).

    Each floor is evaluated on its own, so a floor whose figures the results lack (no gold
    labels, no bias section) is left out (its quantities are not judged) instead of failing the rest.
    """
    policy = load_policy() if policy is None else policy
    checks: list[Check] = []
    for name, rule in policy.floors.items():
        try:
            checks += floor_checks(results, replace(policy, floors={name: rule}))
        except AuditError:  # the results hold no such figure: nothing to judge
            continue
    return Badges(policy, tuple(checks))


def ece_level(ece: float) -> str:
    """Badge of an expected calibration error (lower is better; not a gate check, so never ``fail``)."""
    return "pass" if ece <= ECE_GOOD else "warn"
