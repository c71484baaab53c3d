"""The CI regression gate: judge a new run against a baseline run under a policy.

::

    emotion-audit baseline results.json -o baseline.json     # promote a run to be the baseline
    emotion-audit gate results.json --baseline baseline.json [--policy gate.yaml]
                       [--junit gate.xml] [--summary gate.md]

Exit codes: 0 pass, 1 regression (an ``error``-severity check failed), 2 usage or compatibility
error. Comparing is refused (exit 2), never passed, when the two runs are not comparable: other
label names or order, other test data (``dataset.sha256``), a baseline suite or metric missing
from the run, other suite cases (``cases_sha256``), case ids or gold labels that do not match,
a schema version this tool does not read, or predictions that do not match their results file.

The baseline file is self-contained: the baseline's ``results.json`` document plus, under the
``baseline`` key, each case's outcome (suite -> case id -> gold label, prediction, ``correct``,
``passed``), so paired tests need nothing else. The new run is read from ``results.json`` and the
``predictions.jsonl`` beside it.

Checks (see :mod:`audit.policy` and the documented default ``reports/gate_policy.yaml``):

- floors: absolute limits on the new run (accuracy, macro/weighted F1, per-class F1, per-suite
  pass rate; the largest group gap of the bias section, read from
  ``bias.attributes.<attribute>.gaps.<metric>.value`` and skipped with a warning when absent;
  optionally the accuracy of the worst discovered slice, ``slices.worst.accuracy.value``,
  skipped when no slice is significantly worse than the rest).
  A floor fails when the value is on the wrong side of its limit; no test is involved.
- drops: the baseline's value minus the run's, against the policy's margin ``max_drop``. Every
  drop check gets a paired p-value on the same cases, and all of them together form one family
  adjusted with Holm's method:

  - accuracy and suite pass rates: McNemar's test on per-case correctness / pass (exact binomial
    when the discordant count is under 25, else chi-square with continuity correction). It tests
    H0: both runs have the same rate, so it says whether the change is real, not how big it is.
  - macro F1, weighted F1, per-class F1: a paired bootstrap (cases resampled jointly, seeded)
    testing H0: drop <= margin against H1: drop > margin.

  **Decision rule**: a drop check fails iff the observed drop is larger than its margin AND its
  Holm-adjusted p-value is below ``alpha``. For McNemar checks this reads "the run is really
  worse, and by more than the margin"; for bootstrap checks the test already includes the margin,
  so they are the stricter of the two (a drop just above the margin rarely reaches significance).
  Both the size of the drop and the p-values are reported.

A failed check of severity ``error`` fails the gate; ``warning`` checks are reported and never
fail it. Outputs: a human table on stdout (GitHub ``::error``/``::warning`` annotations instead,
at most ten, most severe first, when ``GITHUB_ACTIONS`` is ``true``), optionally a JUnit XML file
(one testcase a check) and a markdown summary for ``$GITHUB_STEP_SUMMARY`` (under 1 MiB).
"""
from __future__ import annotations

import argparse
import os
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping, Sequence

import numpy as np

from .errors import AuditError
from .metrics import class_f1_from_confusion, macro_f1_from_confusion, weighted_f1_from_confusion
from .policy import Policy, Rule, load_policy
from .results import dumps, write_text_atomic
from .stats import EXACT_BELOW, holm, mcnemar, paired_bootstrap
from .streaming import find_predictions
from .validate import Invalid, check_outcomes, check_records, read_predictions, read_results

BASELINE_KEY = "baseline"
BASELINE_FORMAT = 1
SPLIT = "test"
#: Most GitHub annotations printed (GitHub shows at most ten of each kind per step).
ANNOTATION_LIMIT = 10
#: GitHub's limit on a step summary is 1 MiB; stay clearly under it.
SUMMARY_LIMIT = 1_000_000
#: Tolerance for comparing a value with its limit (the values are sums of floating-point ratios).
EPS = 1e-9
_HEADLINE = ("accuracy", "macro_f1", "weighted_f1")
_RANK = {"fail": 0, "warn": 1, "skip": 2, "pass": 3}

#: suite -> case id -> {"label", "pred", "correct", "passed"}
Outcomes = dict[str, dict[str, dict[str, Any]]]


# --- runs and baselines -----------------------------------------------------------------------

@dataclass(frozen=True)
class Run:
    """A results document with the per-case outcomes the paired tests need."""

    results: dict[str, Any]
    cases: Outcomes
    source: str


def case_outcomes(records: Iterable[Mapping[str, Any]]) -> Outcomes:
    """Per-case outcomes from ``predictions.jsonl`` records: gold label, prediction, whether the
    prediction is correct (None without gold) and whether the case passed (None if unjudged)."""
    out: Outcomes = {}
    for number, record in enumerate(records, start=1):
        try:
            suite, cid, label, pred = record["suite"], record["id"], record.get("label"), record["pred"]
        except (KeyError, TypeError) as exc:
            raise AuditError(f"predictions record {number} is malformed (missing {exc})") from exc
        cases = out.setdefault(suite, {})
        if cid in cases:
            raise AuditError(f"predictions: duplicate case id {cid!r} in suite {suite!r}")
        cases[cid] = {"label": label, "pred": pred, "correct": None if label is None else pred == label,
                      "passed": record.get("passed")}
    return out


def make_baseline(results: Mapping[str, Any], records: Iterable[Mapping[str, Any]], source: str) -> dict[str, Any]:
    """The baseline document: ``results`` plus each case's outcome under :data:`BASELINE_KEY`."""
    records = list(records)
    check_records(results, records, source)
    cases = case_outcomes(records)
    return {**results, BASELINE_KEY: {"format": BASELINE_FORMAT, "source": source, "cases": cases}}


def load_run(path: Path) -> Run:
    """A new run: ``results.json`` and the ``predictions.jsonl`` beside it."""
    results = read_results(path)
    predictions = find_predictions(path)
    if not predictions.exists():
        raise AuditError(f"{predictions} not found: the gate needs the per-case predictions beside "
                         f"{path.name} for its paired tests")
    cases = case_outcomes(read_predictions(predictions, results))
    return Run(results, cases, str(path))


def load_baseline(path: Path) -> Run:
    """A baseline file written by ``emotion-audit baseline``, validated like a results file."""
    if not path.is_file():
        raise AuditError(f"baseline file not found: {path} (create one with `emotion-audit baseline`)")
    doc = read_results(path)
    section = doc.get(BASELINE_KEY)
    if not isinstance(section, dict) or not isinstance(section.get("cases"), dict):
        raise AuditError(f"{path} is not a baseline file (no {BASELINE_KEY!r} section with cases); "
                         f"create one with `emotion-audit baseline results.json -o {path.name}`")
    if section.get("format") != BASELINE_FORMAT:
        raise AuditError(f"{path}: baseline format {section.get('format')!r} is not supported "
                         f"(this tool reads format {BASELINE_FORMAT})")
    cases = section["cases"]
    try:
        check_outcomes(doc, cases)
    except Invalid as exc:
        raise AuditError(f"{path}: {exc}") from exc
    return Run(doc, cases, str(path))


# --- compatibility ----------------------------------------------------------------------------

def compatibility_problem(base: Run, new: Run) -> str | None:
    """Why ``new`` cannot be compared with ``base``, or None when it can."""
    b, n = base.results, new.results
    if b["model"]["labels"] != n["model"]["labels"]:
        return f"label names or order differ (baseline {b['model']['labels']}, run {n['model']['labels']})"
    if b["dataset"].get("sha256") != n["dataset"].get("sha256"):
        return (f"the test data differ (dataset.sha256 {str(b['dataset'].get('sha256'))[:12]} in the "
                f"baseline, {str(n['dataset'].get('sha256'))[:12]} in the run)")
    for suite, section in b["suites"].items():
        if suite not in n["suites"]:
            return f"suite {suite!r} of the baseline is missing from the run"
        if section.get("cases_sha256") != n["suites"][suite].get("cases_sha256"):
            return f"suite {suite!r} has other cases than in the baseline (cases_sha256 differs)"
        problem = _cases_problem(base.cases.get(suite, {}), new.cases.get(suite, {}))
        if problem:
            return f"suite {suite!r}: {problem}"
    return None


def _cases_problem(base: Mapping[str, Mapping[str, Any]], new: Mapping[str, Mapping[str, Any]]) -> str | None:
    only_base = [cid for cid in base if cid not in new]
    only_new = [cid for cid in new if cid not in base]
    if only_base or only_new:
        example = (only_base or only_new)[0]
        return (f"case ids differ ({len(only_base)} only in the baseline, {len(only_new)} only in the "
                f"run, e.g. {example!r})")
    for cid, outcome in base.items():
        if outcome.get("label") != new[cid].get("label"):
            return f"gold label of case {cid!r} differs ({outcome.get('label')!r} vs {new[cid].get('label')!r})"
    return None


# --- checks -----------------------------------------------------------------------------------

@dataclass
class Check:
    """One gate check and its outcome.

    ``kind`` is ``floor`` or ``drop``, ``rule`` the policy's check name, ``scope`` the class,
    suite or ``attribute/metric`` it applies to. ``value`` is the run's figure, ``baseline`` the
    baseline's (drop checks), ``limit`` the floor (``upper``: a maximum) or the largest allowed
    drop. ``skipped`` gives the reason a check could not be evaluated; ``failed`` is set once the
    check is decided.
    """

    kind: str
    rule: str
    scope: str | None
    severity: str
    limit: float
    value: float | None = None
    baseline: float | None = None
    upper: bool = False
    p_value: float | None = None
    p_adjusted: float | None = None
    method: str = ""
    skipped: str | None = None
    failed: bool = False

    @property
    def name(self) -> str:
        """``<kind>:<rule>`` or ``<kind>:<rule>[<scope>]``, e.g. ``drop:per_class_f1[joy]``."""
        return f"{self.kind}:{self.rule}" + (f"[{self.scope}]" if self.scope is not None else "")

    @property
    def drop(self) -> float | None:
        return None if self.value is None or self.baseline is None else self.baseline - self.value

    @property
    def verdict(self) -> str:
        """``fail`` (error severity), ``warn`` (warning severity), ``skip`` or ``pass``."""
        if self.skipped:
            return "skip"
        if self.failed:
            return "fail" if self.severity == "error" else "warn"
        return "pass"

    @property
    def excess(self) -> float:
        """How far past its limit the check is (positive when beyond it): orders the annotations."""
        if self.kind == "drop":
            return (self.drop or 0.0) - self.limit
        if self.value is None:
            return 0.0
        return self.value - self.limit if self.upper else self.limit - self.value

    def message(self) -> str:
        """One sentence with the numbers."""
        if self.skipped:
            return f"{self.name} skipped: {self.skipped}"
        if self.kind == "floor":
            side = "above the maximum" if self.upper else "below the floor"
            if not self.failed:
                side = "within the maximum" if self.upper else "at or above the floor"
            return f"{self.name}: {self.value:.4f} is {side} {self.limit:.4f}"
        return (f"{self.name}: {self.baseline:.4f} -> {self.value:.4f}, drop {self.drop:+.4f} "
                f"(margin {self.limit:.4f}); p = {_p(self.p_value)}, Holm-adjusted {_p(self.p_adjusted)} "
                f"[{self.method}]")


@dataclass
class GateResult:
    """All checks of one gate run, plus notes (policy overrides that matched nothing, new suites)."""

    checks: list[Check]
    policy: Policy
    run_source: str
    baseline_source: str
    notes: list[str] = field(default_factory=list)

    def with_verdict(self, verdict: str) -> list[Check]:
        return [c for c in self.checks if c.verdict == verdict]

    @property
    def exit_code(self) -> int:
        return 1 if self.with_verdict("fail") else 0

    def headline(self) -> str:
        """The one-line outcome."""
        fails, warns, skips = (self.with_verdict(v) for v in ("fail", "warn", "skip"))
        state = f"FAIL: {len(fails)} failed check(s) ({', '.join(c.name for c in fails)})" if fails else "PASS"
        return f"gate {state}; {len(warns)} warning(s), {len(skips)} skipped, {len(self.checks)} checks"


def _lookup(doc: Mapping[str, Any], path: Sequence[str]) -> Any:
    """The value at ``path`` in nested mappings, or None when any step is missing."""
    node: Any = doc
    for key in path:
        if not isinstance(node, Mapping) or key not in node:
            return None
        node = node[key]
    return node


def _targets(results: Mapping[str, Any], name: str) -> list[tuple[str | None, tuple[str, ...]]]:
    """``(scope, path of the value)`` for each instance of check ``name`` on a results document."""
    if name in _HEADLINE:
        return [(None, ("suites", SPLIT, "metrics", name, "value"))]
    if name == "per_class_f1":
        return [(label, ("suites", SPLIT, "metrics", "per_class", label, "f1")) for label in results["model"]["labels"]]
    if name == "suite_pass_rate":
        return [(suite, ("suites", suite, "pass_rate", "value")) for suite in results["suites"] if suite != SPLIT]
    raise ValueError(f"no targets for check {name!r}")


def _number(doc: Mapping[str, Any], path: Sequence[str], who: str) -> float | None:
    """A metric value (None when it was not computed, e.g. a suite with no judged cases).

    A missing key means the document lacks the metric: the runs cannot be compared.
    """
    parent = _lookup(doc, path[:-1])
    if not isinstance(parent, Mapping) or path[-1] not in parent:
        raise AuditError(f"cannot compare: the {who} has no {'.'.join(path)}")
    value = parent[path[-1]]
    if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float))):
        raise AuditError(f"cannot compare: {who} {'.'.join(path)} is not a number ({value!r})")
    return None if value is None else float(value)


def floor_checks(results: Mapping[str, Any], policy: Policy) -> list[Check]:
    """The policy's floors on one run."""
    checks: list[Check] = []
    for name, rule in policy.floors.items():
        if name == "group_gap":
            checks += _gap_checks(results, rule)
            continue
        if name == "worst_slice":
            checks.append(_worst_slice_check(results, rule))
            continue
        for scope, path in _targets(results, name):
            check = Check("floor", name, scope, rule.severity, rule.limit_for(scope),
                          value=_number(results, path, "run"))
            if check.value is None:
                check.skipped = "no value (no judged cases)"
            else:
                check.failed = check.value < check.limit - EPS
            checks.append(check)
    return checks


def _gap_checks(results: Mapping[str, Any], rule: Rule) -> list[Check]:
    """Largest group gap per bias attribute and metric, at ``bias.attributes.<a>.gaps.<m>.value``."""
    attributes = _lookup(results, ("bias", "attributes"))
    if not isinstance(attributes, Mapping) or not attributes:
        return [Check("floor", "group_gap", None, rule.severity, rule.limit, upper=True,
                      skipped="the run has no bias section (bias.attributes)")]
    checks = []
    for attribute in attributes:
        for metric in rule.metrics:
            path = ("bias", "attributes", attribute, "gaps", metric, "value")
            value = _lookup(results, path)
            check = Check("floor", "group_gap", f"{attribute}/{metric}", rule.severity,
                          rule.limit_for(attribute), upper=True)
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                check.value = float(value)
                check.failed = check.value > check.limit + EPS
            else:
                check.skipped = f"no number at {'.'.join(path)}"
            checks.append(check)
    return checks


def _worst_slice_check(results: Mapping[str, Any], rule: Rule) -> Check:
    """Accuracy of the worst discovered slice (``slices.worst.accuracy.value``: the significantly
    worse slice of lowest accuracy); skipped when no slice is significantly worse or the run has
    no ``slices`` section."""
    section = results.get("slices")
    check = Check("floor", "worst_slice", None, rule.severity, rule.limit)
    if not isinstance(section, Mapping):
        check.skipped = "the run has no slices section"
        return check
    worst = section.get("worst")
    value = _lookup(worst, ("accuracy", "value")) if isinstance(worst, Mapping) else None
    if worst is None:
        check.skipped = "no discovered slice is significantly worse than the rest of the split"
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        check.scope, check.value = str(worst.get("name")), float(value)
        check.failed = check.value < check.limit - EPS
    else:
        check.skipped = "no number at slices.worst.accuracy.value"
    return check


@dataclass(frozen=True)
class _SplitPairs:
    """The labelled test cases of both runs, aligned by case id, as class indices."""

    gold: np.ndarray
    base: np.ndarray
    new: np.ndarray
    n_labels: int

    @classmethod
    def build(cls, base: Run, new: Run) -> "_SplitPairs":
        labels = base.results["model"]["labels"]
        index = {label: i for i, label in enumerate(labels)}
        pairs = [(o["label"], o["pred"], new.cases[SPLIT][cid]["pred"])
                 for cid, o in base.cases.get(SPLIT, {}).items() if o["label"] is not None]
        try:
            gold, before, after = (np.array([index[p[i]] for p in pairs], dtype=np.int64) for i in range(3))
        except KeyError as exc:
            raise AuditError(f"cannot compare: label {exc} is not one of the model's labels") from exc
        return cls(gold, before, after, len(labels))

    def confusions(self, preds: np.ndarray, idx: np.ndarray) -> np.ndarray:
        """Confusion matrices of the resampled rows ``idx`` (shape ``(rows, n)``) -> ``(rows, k, k)``."""
        k = self.n_labels
        codes = self.gold * k + preds
        flat = codes[idx] + (np.arange(idx.shape[0]) * k * k)[:, None]
        return np.bincount(flat.ravel(), minlength=idx.shape[0] * k * k).reshape(idx.shape[0], k, k)

    def drop_statistic(self, metric: Callable[[np.ndarray], np.ndarray]) -> Callable[[np.ndarray], np.ndarray]:
        """``idx -> metric(baseline) - metric(run)`` on the same resampled cases."""
        return lambda idx: metric(self.confusions(self.base, idx)) - metric(self.confusions(self.new, idx))


def discordant(base: Mapping[str, Mapping[str, Any]], new: Mapping[str, Mapping[str, Any]],
               key: str) -> tuple[int, int]:
    """``(b, c)``: cases where only ``base`` / only ``new`` has the per-case boolean ``key``
    (``correct`` or ``passed``) true, among the cases judged in both runs."""
    pairs = [(o[key], new[cid][key]) for cid, o in base.items()
             if o[key] is not None and new[cid][key] is not None]
    return (sum(before and not after for before, after in pairs),
            sum(after and not before for before, after in pairs))


def _mcnemar_test(base: Mapping[str, Mapping[str, Any]], new: Mapping[str, Mapping[str, Any]],
                  key: str) -> tuple[float, str]:
    """McNemar on the per-case boolean ``key`` (``correct`` or ``passed``) judged in both runs."""
    b, c = discordant(base, new, key)
    exact = b + c < EXACT_BELOW
    _, p = mcnemar(b, c, exact=exact)
    return p, f"McNemar {'exact' if exact else 'chi2'}, b={b} c={c}"


def _f1_metric(name: str, scope: str | None, labels: Sequence[str]) -> Callable[[np.ndarray], np.ndarray]:
    """The F1-type metric of drop check ``name`` as a function of stacked confusion matrices."""
    if name == "macro_f1":
        return macro_f1_from_confusion
    if name == "weighted_f1":
        return weighted_f1_from_confusion
    return class_f1_from_confusion(list(labels).index(scope))


def drop_checks(base: Run, new: Run, policy: Policy) -> list[Check]:
    """The policy's drop checks with their raw p-values (Holm is applied by :func:`decide_drops`)."""
    checks: list[Check] = []
    pairs: _SplitPairs | None = None
    for name, rule in policy.drops.items():
        for scope, path in _targets(base.results, name):
            check = Check("drop", name, scope, rule.severity, rule.limit_for(scope),
                          value=_number(new.results, path, "run"), baseline=_number(base.results, path, "baseline"))
            if check.value is None or check.baseline is None:
                check.skipped = "no value (no judged cases)"
            elif name in ("accuracy", "suite_pass_rate"):
                suite, key = (SPLIT, "correct") if name == "accuracy" else (scope, "passed")
                check.p_value, check.method = _mcnemar_test(base.cases.get(suite, {}), new.cases.get(suite, {}), key)
            else:
                if pairs is None:
                    pairs = _SplitPairs.build(base, new)
                metric = _f1_metric(name, scope, base.results["model"]["labels"])
                test = paired_bootstrap(pairs.drop_statistic(metric), len(pairs.gold), margin=check.limit,
                                        n_resamples=policy.resamples, seed=policy.seed)
                check.p_value = test.p_value
                check.method = (f"paired bootstrap, {test.n_resamples} resamples, "
                                f"95% CI of drop [{test.ci_low:+.4f}, {test.ci_high:+.4f}]")
            checks.append(check)
    return checks


def decide_drops(checks: Sequence[Check], alpha: float) -> None:
    """Holm-adjust the p-values of all drop checks together; fail a check iff its drop exceeds
    its margin and its adjusted p-value is below ``alpha``."""
    tested = [c for c in checks if c.kind == "drop" and c.p_value is not None]
    for check, adjusted in zip(tested, holm([c.p_value for c in tested])):
        check.p_adjusted = adjusted
        check.failed = check.drop > check.limit + EPS and adjusted < alpha


def _policy_notes(policy: Policy, checks: Sequence[Check]) -> list[str]:
    """Overrides that name no class, suite or attribute of this run (likely typos)."""
    notes = []
    for section, kind, rules in (("floors", "floor", policy.floors), ("drops", "drop", policy.drops)):
        for name, rule in rules.items():
            scopes = {c.scope.split("/")[0] for c in checks if c.kind == kind and c.rule == name and c.scope}
            if name == "group_gap" and not scopes:
                continue  # no bias section: the skipped check already says so
            notes += [f"policy {section}.{name}.overrides names {key!r}, which this run does not have"
                      for key in rule.overrides if key not in scopes]
    return notes


def run_gate(base: Run, new: Run, policy: Policy) -> GateResult:
    """Check compatibility, then evaluate every floor and drop check of ``policy``."""
    problem = compatibility_problem(base, new)
    if problem:
        raise AuditError(f"cannot compare {new.source} with the baseline {base.source}: {problem}")
    checks = floor_checks(new.results, policy) + drop_checks(base, new, policy)
    decide_drops(checks, policy.alpha)
    notes = _policy_notes(policy, checks)
    if "suite_pass_rate" in policy.drops:
        notes += [f"suite {s!r} is not in the baseline: only its floors apply"
                  for s in new.results["suites"] if s not in base.results["suites"]]
    return GateResult(checks, policy, new.source, base.source, notes)


# --- outputs ----------------------------------------------------------------------------------

def _p(p: float | None) -> str:
    return "-" if p is None else f"{p:.3g}"


def _num(x: float | None, signed: bool = False) -> str:
    return "-" if x is None else (f"{x:+.4f}" if signed else f"{x:.4f}")


def _limit(check: Check) -> str:
    if check.kind == "drop":
        return f"drop <= {check.limit:.4f}"
    return f"{'<=' if check.upper else '>='} {check.limit:.4f}"


def _ordered(checks: Sequence[Check]) -> list[Check]:
    """Most severe first: failures, then warnings (each the furthest past its limit first), then
    skipped checks and passes in policy order."""
    return sorted(checks, key=lambda c: (_RANK[c.verdict], -c.excess if c.failed else 0.0))


def human_table(result: GateResult) -> str:
    """A short fixed-width table for a terminal."""
    rows = [("check", "value", "baseline", "drop", "limit", "p", "adj p", "verdict")]
    rows += [(c.name, _num(c.value), _num(c.baseline), _num(c.drop, True), _limit(c), _p(c.p_value),
              _p(c.p_adjusted), c.verdict.upper()) for c in result.checks]
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(cell.ljust(w) if i == 0 else cell.rjust(w) for i, (cell, w) in enumerate(zip(row, widths)))
             for row in rows]
    lines += [f"note: {note}" for note in result.notes]
    lines += [f"skipped {c.name}: {c.skipped}" for c in result.with_verdict("skip")]
    return "\n".join(lines + [result.headline()])


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def annotations(result: GateResult, limit: int = ANNOTATION_LIMIT) -> list[str]:
    """GitHub workflow commands: ``::error`` for failed error checks, ``::warning`` for failed
    warning checks, skipped checks and notes; most severe first, at most ``limit``."""
    items = [("error" if c.verdict == "fail" else "warning", c.name, c.message())
             for c in _ordered(result.checks) if c.verdict in ("fail", "warn", "skip")]
    items += [("warning", "gate policy", note) for note in result.notes]
    lines = [f"::{level} title={_escape_property('emotion-audit gate: ' + title)}::{_escape_data(text)}"
             for level, title, text in items[:limit]]
    if len(items) > limit:
        lines.append(f"({len(items) - limit} more problems in the gate summary)")
    return lines


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


_ICON = {"fail": "❌ fail", "warn": "⚠️ warn", "skip": "⏭️ skip", "pass": "✅ pass"}


def markdown_summary(result: GateResult, max_bytes: int = SUMMARY_LIMIT) -> str:
    """A markdown report for ``$GITHUB_STEP_SUMMARY``; rows beyond ``max_bytes`` are left out,
    least severe first, with a line saying how many."""
    fails = result.with_verdict("fail")
    title = f"❌ {len(fails)} failed check(s)" if fails else "✅ pass"
    head = [f"## emotion-audit gate: {title}", "",
            f"Run `{result.run_source}` against baseline `{result.baseline_source}`, policy "
            f"`{result.policy.source}`. A drop fails when it is larger than its margin **and** its "
            f"Holm-adjusted p-value is below α = {result.policy.alpha:g}; warnings never fail the gate.", "",
            "| Check | Severity | Value | Baseline | Drop | Limit | p | Adj. p | Test | Verdict |",
            "|---|---|---:|---:|---:|---|---:|---:|---|---|"]
    rows = [f"| `{_cell(c.name)}` | {c.severity} | {_num(c.value)} | {_num(c.baseline)} | {_num(c.drop, True)} "
            f"| {_limit(c)} | {_p(c.p_value)} | {_p(c.p_adjusted)} | {_cell(c.skipped or c.method)} "
            f"| {_ICON[c.verdict]} |" for c in _ordered(result.checks)]
    tail = [""] + [f"- {_cell(note)}" for note in result.notes] + ["", result.headline(), ""]
    budget = max_bytes - sum(len(line.encode()) + 1 for line in head + tail) - 200  # room for the "left out" line
    kept = 0
    for row in rows:
        budget -= len(row.encode()) + 1
        if budget < 0:
            break
        kept += 1
    if kept < len(rows):
        tail.insert(1, f"_{len(rows) - kept} more checks left out (see the JUnit report)._")
    return "\n".join(head + rows[:kept] + tail)


def junit_xml(result: GateResult) -> str:
    """JUnit XML: a ``floors`` and a ``baseline`` testsuite, one testcase a check. Failed error
    checks carry a ``failure``; warnings are passing testcases with a ``system-out`` note (they
    must not fail a CI test report); skipped checks carry ``skipped``."""
    root = ET.Element("testsuites", name="emotion-audit gate")
    for suite_name, kind in (("floors", "floor"), ("baseline", "drop")):
        checks = [c for c in result.checks if c.kind == kind]
        suite = ET.SubElement(root, "testsuite", name=suite_name, tests=str(len(checks)),
                              failures=str(sum(c.verdict == "fail" for c in checks)), errors="0",
                              skipped=str(sum(c.verdict == "skip" for c in checks)), time="0")
        props = ET.SubElement(suite, "properties")
        for key, value in (("run", result.run_source), ("baseline", result.baseline_source),
                           ("policy", result.policy.source), ("alpha", f"{result.policy.alpha:g}")):
            ET.SubElement(props, "property", name=key, value=value)
        for check in checks:
            case = ET.SubElement(suite, "testcase", name=check.name, classname=f"emotion_audit.gate.{suite_name}",
                                 time="0")
            if check.verdict == "fail":
                failure = ET.SubElement(case, "failure", message=check.message(), type=f"{kind} regression")
                failure.text = _details(check)
            elif check.verdict == "skip":
                ET.SubElement(case, "skipped", message=check.skipped or "")
            elif check.verdict == "warn":
                ET.SubElement(case, "system-out").text = f"WARNING: {check.message()}\n{_details(check)}"
        if kind == "drop" and result.notes:
            ET.SubElement(suite, "system-out").text = "\n".join(result.notes)
    return _serialize(root)


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
    return (f"value={_num(check.value)} baseline={_num(check.baseline)} drop={_num(check.drop, True)} "
            f"limit={_limit(check)} p={_p(check.p_value)} p_holm={_p(check.p_adjusted)} "
            f"severity={check.severity} test={check.method or '-'}")


# --- command line -----------------------------------------------------------------------------

def _in_github_actions() -> bool:
    return os.environ.get("GITHUB_ACTIONS") == "true"


def _write_reports(args: argparse.Namespace, junit: Callable[[], str], summary: Callable[[], str]) -> None:
    """Write the requested ``--junit`` and ``--summary`` files (each atomically)."""
    for path, render in ((args.junit, junit), (args.summary, summary)):
        if path is not None:
            write_text_atomic(path, render())


def _cmd_gate(args: argparse.Namespace) -> int:
    try:
        policy = load_policy(args.policy)
        result = run_gate(load_baseline(args.baseline), load_run(args.results), policy)
    except AuditError as exc:  # exit 2; the reports say why, so CI shows it where it looks
        reason = str(exc)
        _write_reports(args, lambda: junit_error_xml(reason),
                       lambda: f"## emotion-audit gate: ⛔ error (exit 2)\n\n{_cell(reason)}\n")
        if _in_github_actions():
            print(f"::error title=emotion-audit gate::{_escape_data(reason)}")
        raise
    _write_reports(args, lambda: junit_xml(result), lambda: markdown_summary(result))
    if _in_github_actions():
        print("\n".join(annotations(result)))
        print(result.headline())
    elif not args.quiet:
        print(human_table(result))
    return result.exit_code


def _cmd_baseline(args: argparse.Namespace) -> int:
    results = read_results(args.results)
    predictions = find_predictions(args.results)
    if not predictions.exists():
        raise AuditError(f"{predictions} not found: a baseline needs the per-case predictions beside "
                         f"{args.results.name}")
    doc = make_baseline(results, read_predictions(predictions, results), str(args.results))
    write_text_atomic(args.output, dumps(doc))
    if not args.quiet:
        n = sum(len(cases) for cases in doc[BASELINE_KEY]["cases"].values())
        print(f"wrote {args.output} ({len(doc[BASELINE_KEY]['cases'])} suite(s), {n} cases)")
    return 0


def add_parsers(sub: argparse._SubParsersAction) -> None:
    """The ``gate`` and ``baseline`` subcommands."""
    p = sub.add_parser(
        "gate", help="compare a run with a baseline; exit 1 on a significant regression",
        description="Judge results.json (with predictions.jsonl beside it) against a baseline under a "
                    "policy. Exit 0 pass, 1 regression, 2 usage or compatibility error.")
    p.add_argument("results", type=Path, help="the new run's results.json")
    p.add_argument("--baseline", type=Path, required=True, help="baseline file from `emotion-audit baseline`")
    p.add_argument("--policy", type=Path, default=None, help="gate policy YAML (default: the built-in policy)")
    p.add_argument("--junit", type=Path, default=None, help="write a JUnit XML report here")
    p.add_argument("--summary", type=Path, default=None, help="write a markdown summary here "
                                                              "(e.g. \"$GITHUB_STEP_SUMMARY\")")
    p.set_defaults(func=_cmd_gate)
    p = sub.add_parser("baseline", help="promote a run to be the gate's baseline",
                       description="Write a self-contained baseline file: results.json plus the per-case "
                                   "outcomes from the predictions.jsonl beside it.")
    p.add_argument("results", type=Path, help="results.json of the run to promote")
    p.add_argument("-o", "--output", type=Path, required=True, help="baseline file to write")
    p.set_defaults(func=_cmd_baseline)
