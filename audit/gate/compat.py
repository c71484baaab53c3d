"""Whether two runs can be compared at all: the same labels, test data, suites and cases.

A run that cannot be compared is refused (exit 2), never passed: a gate that quietly compared
other data would report whatever it found as a regression or its absence.
"""
from __future__ import annotations

from typing import Any, Mapping

from .runs import Run


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
        problem = cases_problem(base.cases.get(suite, {}), new.cases.get(suite, {}))
        if problem:
            return f"suite {suite!r}: {problem}"
    return None


def cases_problem(base: Mapping[str, Mapping[str, Any]], new: Mapping[str, Mapping[str, Any]]) -> str | None:
    """Why two runs' outcomes of one suite cannot be paired (other case ids or gold labels), or
    None when every case id has the same gold label in both."""
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
