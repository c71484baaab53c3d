"""The HTML audit report: one static, self-contained page built from ``results.json``.

:func:`render_report` turns the results document (and, when available, the per-case records of
``predictions.jsonl``) into HTML through the Jinja template ``reports/report.html.j2``. The page has
inline CSS, charts as inline SVG with a text alternative, no JavaScript and no reference to any
other address, so it opens from a CI artifact and prints as it shows. Every text taken from the
data or the model is escaped by the template engine (autoescape is on).

Under the title stand the top findings (:func:`audit.findings.findings`, the same sentences the
model card and the CLI state); the badges are the gate's verdicts under the same policy
(:mod:`audit.reporting.badges`), whose floors the legend lists; the bias section is
:func:`audit.reporting.bias_view.bias_view` rendered by the partial ``reports/bias.html.j2``.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from .. import label_issues, slices
from ..findings import MAX_FINDINGS, caveats, findings
from ..policy import Policy, load_policy
from .badges import ECE_GOOD, badges, policy_name
from .bias_view import bias_view
from .jinja import html_environment
from .suite_views import suite_view
from .summaries import clean_metrics, suite_summaries
from .views import calibration_view, checks, provenance_view, results_view, testing_data_view


def _by_suite(records: Sequence[Mapping[str, Any]] | None) -> dict[str, list[Mapping[str, Any]]]:
    """The records grouped by the suite (``test`` for the clean split) they belong to."""
    out: dict[str, list[Mapping[str, Any]]] = {}
    for record in records or ():
        out.setdefault(record["suite"], []).append(record)
    return out


def report_context(results: Mapping[str, Any], records: Sequence[Mapping[str, Any]] | None,
                   policy: Policy | None = None) -> dict[str, Any]:
    """The template's whole input; ``policy`` (the shipped default when None) decides the badges
    and the findings."""
    policy = load_policy() if policy is None else policy
    marks = badges(results, policy)
    by_suite = _by_suite(records)
    tests = by_suite.get("test") if records is not None else None
    metrics = clean_metrics(results)
    found = findings(results, policy, limit=None)
    return {
        "model": results["model"], "dataset": results["dataset"], "run": results.get("run", {}),
        "tool": results.get("tool", {}), "schema_version": results.get("schema_version", ""),
        "has_records": records is not None,
        "findings": found[:MAX_FINDINGS],
        "checks": checks(results, marks),
        "legend": {"floors": marks.legend(), "policy": policy_name(policy), "ece_good": ECE_GOOD},
        "testing": testing_data_view(results),
        "results": results_view(metrics, tests, marks) if metrics else None,
        "calibration": calibration_view(metrics["calibration"]) if metrics and metrics.get("calibration") else None,
        "suites": [suite_view(s, results["suites"][s["name"]], by_suite.get(s["name"], []) if records is not None
                              else None, marks) for s in suite_summaries(results, marks)],
        "bias": bias_view(results),
        "label_issues": label_issues.view(results.get("label_issues"), metrics, by_suite.get("test")),
        "slices": slices.view(results.get("slices"), by_suite.get("test")),
        "limitations": [f.text for f in found[MAX_FINDINGS:]] + caveats(results),
        "provenance": provenance_view(results),
    }


def render_report(results: Mapping[str, Any], records: Sequence[Mapping[str, Any]] | None = None,
                  policy: Policy | None = None) -> str:
    """The HTML report for a results document; ``records`` (from ``predictions.jsonl``) add the
    example tables and may be ``None``; ``policy`` is the gate policy the badges follow."""
    return html_environment().get_template("report.html.j2").render(**report_context(results, records, policy))
