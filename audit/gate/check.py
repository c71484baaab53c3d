"""One gate check, its verdict and its message; all checks of a gate run with the overall outcome.

A check's verdict is one of ``pass``, ``fail`` (a failed ``error`` check), ``warn`` (a failed
``warning`` check), ``inconclusive`` (a drop beyond its margin that the paired test cannot tell
from noise) and ``skip`` (no value to judge). Which side of a limit is worse comes from the
metric's declaration (:mod:`audit.metric_registry`), never from an assumption that higher is
better.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from ..metric_registry import METRICS, Metric
from ..policy import Policy

#: Tolerance for comparing a value with its limit (the values are sums of floating-point ratios).
EPS = 1e-9
#: The power at which the gate says how many cases would decide an inconclusive drop.
POWER = 0.8
#: Verdicts from most to least severe (orders annotations and the summary).
VERDICTS = ("fail", "warn", "inconclusive", "skip", "pass")


def fmt_p(p: float | None) -> str:
    """A p-value to three significant digits, ``-`` when there is none."""
    return "-" if p is None else f"{p:.3g}"


def fmt_num(x: float | None, signed: bool = False) -> str:
    """A metric value to four decimals (with its sign for a drop), ``-`` when there is none."""
    return "-" if x is None else (f"{x:+.4f}" if signed else f"{x:.4f}")


@dataclass(frozen=True)
class Noise:
    """What a drop check's paired test saw, for the power calculation of an inconclusive drop.

    ``n`` paired cases; ``sd`` the standard deviation of one case's paired difference (the
    test's standard error is ``sd / sqrt(n)``); ``null_drop`` the largest drop the test's H0
    allows (0 for McNemar's H0 of equal rates, the margin for the bootstrap's H0: drop <=
    margin); ``two_sided`` whether the test is.
    """

    n: int
    sd: float
    null_drop: float
    two_sided: bool


@dataclass
class Check:
    """One gate check and its outcome.

    ``kind`` is ``floor`` or ``drop``, ``rule`` the policy's check name (a metric of
    :mod:`audit.metric_registry`), ``scope`` the class, suite or ``attribute/metric`` it applies
    to. ``value`` is the run's figure, ``baseline`` the baseline's (drop checks), ``limit`` the
    floor (a minimum, or a maximum where lower is better) or the largest allowed drop.
    ``skipped`` gives the reason a check could not be evaluated; ``failed`` and ``inconclusive``
    are set once the check is decided (both, for an inconclusive drop counted as a failure);
    ``cases_needed`` is, for an inconclusive drop, how many cases would decide it at
    :data:`POWER`.
    """

    kind: str
    rule: str
    scope: str | None
    severity: str
    limit: float
    value: float | None = None
    baseline: float | None = None
    p_value: float | None = None
    p_adjusted: float | None = None
    method: str = ""
    skipped: str | None = None
    failed: bool = False
    inconclusive: bool = False
    noise: Noise | None = None
    cases_needed: int | None = None

    @property
    def metric(self) -> Metric:
        """The declaration of the checked metric (which side is better)."""
        return METRICS[self.rule]

    @property
    def name(self) -> str:
        """``<kind>:<rule>`` or ``<kind>:<rule>[<scope>]``, e.g. ``drop:per_class_f1[joy]``."""
        return f"{self.kind}:{self.rule}" + (f"[{self.scope}]" if self.scope is not None else "")

    @property
    def drop(self) -> float | None:
        """How much worse the run is than the baseline (positive when worse)."""
        if self.value is None or self.baseline is None:
            return None
        return self.metric.worsening(self.baseline, self.value)

    @property
    def verdict(self) -> str:
        """``fail`` (error severity), ``warn`` (warning severity), ``inconclusive``, ``skip`` or
        ``pass``."""
        if self.skipped:
            return "skip"
        if self.failed:
            return "fail" if self.severity == "error" else "warn"
        return "inconclusive" if self.inconclusive else "pass"

    @property
    def excess(self) -> float:
        """How far past its limit the check is (positive when beyond it): orders the annotations."""
        if self.kind == "drop":
            return (self.drop or 0.0) - self.limit
        if self.value is None:
            return 0.0
        below = self.limit - self.value
        return below if self.metric.higher_is_better else -below

    def limit_text(self) -> str:
        """The limit as the table shows it: ``drop <= m``, ``>= floor`` or ``<= maximum``."""
        if self.kind == "drop":
            return f"drop <= {self.limit:.4f}"
        return f"{'>=' if self.metric.higher_is_better else '<='} {self.limit:.4f}"

    def undecided(self) -> str:
        """Why an inconclusive drop is undecided, and how many cases would decide it."""
        counted = ", counted as a failure (--fail-on-inconclusive)" if self.failed else ""
        if self.cases_needed is None:
            need = "the cases needed cannot be estimated (every paired difference is the same)"
        else:
            have = f" ({self.noise.n:,} now)" if self.noise else ""
            need = f"about {self.cases_needed:,} cases would decide it at {POWER:.0%} power{have}"
        return f"inconclusive{counted}: beyond the margin but not significant; {need}"

    def message(self) -> str:
        """One sentence with the numbers."""
        if self.skipped:
            return f"{self.name} skipped: {self.skipped}"
        if self.kind == "floor":
            upper = not self.metric.higher_is_better
            side = "above the maximum" if upper else "below the floor"
            if not self.failed:
                side = "within the maximum" if upper else "at or above the floor"
            return f"{self.name}: {self.value:.4f} is {side} {self.limit:.4f}"
        text = (f"{self.name}: {self.baseline:.4f} -> {self.value:.4f}, drop {self.drop:+.4f} "
                f"(margin {self.limit:.4f}); p = {fmt_p(self.p_value)}, Holm-adjusted {fmt_p(self.p_adjusted)} "
                f"[{self.method}]")
        return f"{text}; {self.undecided()}" if self.inconclusive else text


@dataclass
class GateResult:
    """All checks of one gate run, plus notes (policy overrides that matched nothing, new suites)."""

    checks: list[Check]
    policy: Policy
    run_source: str
    baseline_source: str
    notes: list[str] = field(default_factory=list)
    fail_on_inconclusive: bool = False

    def with_verdict(self, verdict: str) -> list[Check]:
        """The checks with ``verdict``, in policy order."""
        return [c for c in self.checks if c.verdict == verdict]

    @property
    def exit_code(self) -> int:
        """1 when a check failed (an inconclusive one only under ``fail_on_inconclusive``), else 0."""
        return 1 if self.with_verdict("fail") else 0

    @property
    def power_level(self) -> float:
        """The significance level behind ``cases_needed``: alpha over the number of tested drop
        checks (the level Holm's method needs of the family's smallest p-value)."""
        return self.policy.alpha / max(1, sum(c.p_value is not None for c in self.checks))

    def headline(self) -> str:
        """The one-line outcome."""
        fails, undecided, warns, skips = (self.with_verdict(v) for v in ("fail", "inconclusive", "warn", "skip"))
        if fails:
            state = f"FAIL: {len(fails)} failed check(s) ({', '.join(c.name for c in fails)})"
        elif undecided:
            state = (f"INCONCLUSIVE: {len(undecided)} drop(s) beyond the margin but not significant "
                     f"({', '.join(c.name for c in undecided)})")
        else:
            state = "PASS"
        return (f"gate {state}; {len(warns)} warning(s), {len(undecided)} inconclusive, {len(skips)} skipped, "
                f"{len(self.checks)} checks")
