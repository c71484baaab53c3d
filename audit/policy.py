"""The regression gate's policy: which checks run, their limits, and whether a failure is an error.

A policy is a YAML file (read with ``yaml.safe_load``); the documented default ships as
``reports/gate_policy.yaml`` and is used when ``emotion-audit gate`` gets no ``--policy``. A policy
file is complete on its own: a check it does not list does not run. Unknown keys and wrong types
are errors naming the key, so a typo cannot silently switch a check off::

    version: 1
    alpha: 0.05                 # family-wise significance level of the baseline checks (Holm)
    bootstrap: {resamples: 2000, seed: 0}
    floors:                     # absolute limits on the new run
      accuracy: {min: 0.85, severity: error}
      per_class_f1: {min: 0.6, severity: warning, overrides: {surprise: 0.5}}
      group_gap: {max: 0.1, metrics: [accuracy], severity: warning}
      worst_slice: {min: 0.7, severity: warning}   # accuracy of the worst discovered slice
    drops:                      # largest allowed drop from the baseline
      accuracy: {max_drop: 0.01, severity: error}
      suite_pass_rate: {max_drop: 0.03, overrides: {negation: 0.05}}

``severity`` is ``error`` (the default: a failure fails the gate) or ``warning`` (reported only).
``overrides`` (for ``per_class_f1``, ``suite_pass_rate`` and ``group_gap``) replaces the limit for
one class, suite or bias attribute. Which checks exist, whether a floor is a ``min`` or a ``max``
and which take overrides or a drop limit all follow from the metric declarations in
:mod:`audit.metric_registry`.
"""
from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

import yaml

from .errors import AuditError
from .metric_registry import GAP_METRICS, METRICS
from .metrics import ALPHA
from .resources import resource_dir

POLICY_VERSION = 1
DEFAULT_POLICY_FILE = "gate_policy.yaml"
SEVERITIES = ("error", "warning")
#: Floor checks and the key holding their limit: ``min`` where higher is better, ``max`` (an
#: upper limit, e.g. the group gap) where lower is.
FLOOR_CHECKS = {m.name: m.limit_key for m in METRICS.values()}
#: Baseline checks (the metrics with a paired test); each limit is the largest allowed drop.
DROP_CHECKS = {m.name: "max_drop" for m in METRICS.values() if m.paired_test is not None}
#: Checks that apply once per class, suite or bias attribute, and so accept ``overrides``.
SCOPED_CHECKS = tuple(m.name for m in METRICS.values() if m.scoped)
MIN_RESAMPLES = 1000
DEFAULT_RESAMPLES = 2000


@dataclass(frozen=True)
class Rule:
    """One check of the policy: its limit, per-scope overrides and the severity of a failure.

    ``metrics`` names the bias metrics whose group gap is limited (``group_gap`` only).
    """

    limit: float
    severity: str = "error"
    overrides: Mapping[str, float] = field(default_factory=dict)
    metrics: tuple[str, ...] = ()

    def limit_for(self, scope: str | None) -> float:
        """The limit for one class, suite or attribute (the override when there is one)."""
        return self.overrides.get(scope, self.limit) if scope is not None else self.limit


@dataclass(frozen=True)
class Policy:
    """A validated gate policy; ``source`` says where it came from, for the gate's outputs."""

    floors: Mapping[str, Rule]
    drops: Mapping[str, Rule]
    alpha: float = ALPHA
    resamples: int = DEFAULT_RESAMPLES
    seed: int = 0
    source: str = DEFAULT_POLICY_FILE


class _Problem(Exception):
    """A policy error at ``key`` (a dotted path), turned into an AuditError naming the file."""

    def __init__(self, key: str, message: str) -> None:
        super().__init__(f"{key}: {message}")


def default_policy_path() -> Path:
    """The shipped, documented default policy."""
    return resource_dir("reports") / DEFAULT_POLICY_FILE


def load_policy(path: Path | None = None) -> Policy:
    """Read and validate a policy file (the shipped default when ``path`` is None)."""
    path = default_policy_path() if path is None else Path(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise AuditError(f"gate policy not found: {path}") from exc
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise AuditError(f"gate policy {path}: cannot read: {str(exc).splitlines()[0]}") from exc
    return parse_policy(raw, str(path))


def parse_policy(raw: Any, source: str) -> Policy:
    """Validate a policy document already parsed from YAML; errors name the offending key."""
    try:
        top = _mapping(raw, "", ("version", "alpha", "bootstrap", "floors", "drops"))
        if top.get("version") != POLICY_VERSION:
            raise _Problem("version", f"must be {POLICY_VERSION}, got {top.get('version')!r}")
        boot = _mapping(top.get("bootstrap", {}), "bootstrap", ("resamples", "seed"))
        alpha = _number(top.get("alpha", ALPHA), "alpha")
        if not 0 < alpha < 1:
            raise _Problem("alpha", f"must lie strictly between 0 and 1, got {alpha}")
        resamples = _integer(boot.get("resamples", DEFAULT_RESAMPLES), "bootstrap.resamples")
        if resamples < MIN_RESAMPLES:
            raise _Problem("bootstrap.resamples", f"must be at least {MIN_RESAMPLES}, got {resamples}")
        return Policy(floors=_rules(top.get("floors", {}), "floors", FLOOR_CHECKS),
                      drops=_rules(top.get("drops", {}), "drops", DROP_CHECKS),
                      alpha=alpha, resamples=resamples,
                      seed=_integer(boot.get("seed", 0), "bootstrap.seed"), source=source)
    except _Problem as exc:
        raise AuditError(f"gate policy {source}: {exc}") from exc


def _rules(raw: Any, section: str, checks: Mapping[str, str]) -> dict[str, Rule]:
    """The rules of one section (``floors`` or ``drops``)."""
    table = _mapping(raw, section, tuple(checks))
    return {name: _rule(entry, f"{section}.{name}", name, checks[name]) for name, entry in table.items()}


def _rule(raw: Any, where: str, name: str, limit_key: str) -> Rule:
    """One rule: ``{<limit_key>: number, severity?, overrides?, metrics? (group_gap only)}``."""
    allowed = [limit_key, "severity", *(["overrides"] if name in SCOPED_CHECKS else []), *METRICS[name].options]
    entry = _mapping(raw, where, tuple(allowed))
    if limit_key not in entry:
        raise _Problem(where, f"missing key {limit_key!r}")
    severity = entry.get("severity", "error")
    if severity not in SEVERITIES:
        raise _Problem(f"{where}.severity", f"must be one of {', '.join(SEVERITIES)}, got {severity!r}")
    overrides = _mapping(entry.get("overrides", {}), f"{where}.overrides", None)
    metrics: tuple[str, ...] = ()
    if "metrics" in allowed:
        raw_metrics = entry.get("metrics")
        if (not isinstance(raw_metrics, list) or not raw_metrics
                or not all(isinstance(m, str) for m in raw_metrics)):
            raise _Problem(f"{where}.metrics", "must be a non-empty list of metric names")
        metrics = tuple(_known_metric(m, f"{where}.metrics") for m in raw_metrics)
    return Rule(limit=_unit(entry[limit_key], f"{where}.{limit_key}"), severity=severity,
                overrides={str(k): _unit(v, f"{where}.overrides.{k}") for k, v in overrides.items()},
                metrics=metrics)


def _known_metric(name: str, where: str) -> str:
    """A bias metric a gap rule may limit; an unknown name would make the check skip silently."""
    if name not in GAP_METRICS:
        close = difflib.get_close_matches(name.replace("-", "_").lower(), GAP_METRICS, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        raise _Problem(where, f"unknown metric {name!r} (known: {', '.join(GAP_METRICS)}){hint}")
    return name


def _mapping(raw: Any, where: str, allowed: tuple[str, ...] | None) -> dict[str, Any]:
    """``raw`` (at dotted path ``where``, "" for the top level) as a mapping whose keys are all in
    ``allowed`` (any keys when ``allowed`` is None); a missing or empty section reads as ``{}``."""
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise _Problem(where or "policy", f"expected a mapping, got {type(raw).__name__}")
    for key in raw:
        if allowed is not None and key not in allowed:
            raise _Problem(f"{where}.{key}" if where else str(key), f"unknown key (allowed: {', '.join(allowed)})")
    return raw


def _number(raw: Any, where: str) -> float:
    if isinstance(raw, bool) or not isinstance(raw, (int, float)):
        raise _Problem(where, f"expected a number, got {raw!r}")
    return float(raw)


def _unit(raw: Any, where: str) -> float:
    """A limit: a number in [0, 1] (every gated metric is a proportion)."""
    value = _number(raw, where)
    if not 0 <= value <= 1:
        raise _Problem(where, f"must lie in [0, 1], got {value}")
    return value


def _integer(raw: Any, where: str) -> int:
    if isinstance(raw, bool) or not isinstance(raw, int) or raw < 0:
        raise _Problem(where, f"expected a non-negative integer, got {raw!r}")
    return raw
