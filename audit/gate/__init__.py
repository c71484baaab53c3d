"""The CI regression gate: judge a new run against a baseline run under a policy.

::

    emotion-audit baseline results.json -o baseline.json     # promote a run to be the baseline
    emotion-audit gate results.json --baseline baseline.json [--policy gate.yaml]
                       [--junit gate.xml] [--summary gate.md] [--fail-on-inconclusive]

Exit codes: 0 pass (also with inconclusive drops, unless ``--fail-on-inconclusive``), 1
regression (an ``error``-severity check failed), 2 usage or compatibility error. Comparing is
refused (exit 2), never passed, when the two runs are not comparable: other label names or order,
other test data (``dataset.sha256``), a baseline suite or metric missing from the run, other suite
cases (``cases_sha256``), case ids or gold labels that do not match, a schema version this tool
does not read, or predictions that do not match their results file.

The baseline file is self-contained: the baseline's ``results.json`` document plus, under the
``baseline`` key, each case's outcome (suite -> case id -> gold label, prediction, ``correct``,
``passed``), so paired tests need nothing else. The new run is read from ``results.json`` and the
``predictions.jsonl`` beside it.

Checks (see :mod:`audit.policy`, the metric declarations in :mod:`audit.metric_registry` and the
documented default ``reports/gate_policy.yaml``):

- floors: absolute limits on the new run (accuracy, macro/weighted F1, per-class F1, per-suite
  pass rate: minima; the largest group gap of the bias section, read from
  ``bias.attributes.<attribute>.gaps.<metric>.value``: a maximum, skipped with a warning when
  absent; optionally the accuracy of the worst discovered slice, ``slices.worst.accuracy.value``,
  skipped when no slice is significantly worse than the rest). A floor fails when the value is
  on the wrong side of its limit; no test is involved.
- drops: how much worse the run is than the baseline, against the policy's margin ``max_drop``.
  Every drop check gets a paired p-value on the same cases, and all of them together form one
  family adjusted with Holm's method: McNemar's test on the per-case outcome for rates
  (H0: both runs have the same rate), a seeded paired bootstrap for scores (H0: drop <= margin).

**Decision rule** for a drop check: FAIL iff the observed drop is larger than its margin AND its
Holm-adjusted p-value is below ``alpha``; INCONCLUSIVE iff the drop is larger than its margin but
not significant, reported with the number of cases that would decide it at 80% power
(:mod:`audit.gate.drops`); PASS iff the drop is at most its margin.

A failed check of severity ``error`` fails the gate; ``warning`` checks are reported and never
fail it. Modules: :mod:`~audit.gate.runs` (runs and baselines), :mod:`~audit.gate.compat`
(whether two runs compare), :mod:`~audit.gate.check` (checks and verdicts),
:mod:`~audit.gate.values`, :mod:`~audit.gate.floors`, :mod:`~audit.gate.drops`,
:mod:`~audit.gate.evaluate` (one gate run), :mod:`~audit.gate.outputs` (table, annotations,
step summary), :mod:`~audit.gate.junit` and :mod:`~audit.gate.command` (the commands).
"""
from __future__ import annotations

from ..metric_registry import SPLIT
from .check import EPS, POWER, Check, GateResult, Noise
from .compat import cases_problem, compatibility_problem
from .drops import SplitPairs, decide_drops, discordant, drop_checks
from .evaluate import run_gate
from .floors import floor_checks
from .junit import junit_error_xml, junit_xml
from .outputs import annotations, human_table, markdown_summary
from .runs import BASELINE_FORMAT, BASELINE_KEY, Outcomes, Run, case_outcomes, load_baseline, load_run, make_baseline

__all__ = ["BASELINE_FORMAT", "BASELINE_KEY", "EPS", "POWER", "SPLIT", "Check", "GateResult", "Noise", "Outcomes",
           "Run", "SplitPairs", "annotations", "case_outcomes", "cases_problem", "compatibility_problem",
           "decide_drops", "discordant", "drop_checks", "floor_checks", "human_table", "junit_error_xml",
           "junit_xml", "load_baseline", "load_run", "make_baseline", "markdown_summary", "run_gate"]
