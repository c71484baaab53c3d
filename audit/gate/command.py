"""The ``gate`` and ``baseline`` commands (their arguments are parsed in :mod:`audit.cli`)."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Callable

from ..errors import AuditError
from ..policy import load_policy
from ..results import dumps, write_text_atomic
from .evaluate import run_gate
from .junit import junit_error_xml, junit_xml
from .outputs import annotations, cell, escape_data, human_table, markdown_summary
from .runs import BASELINE_KEY, baseline_from_run, load_baseline, load_run


def _in_github_actions() -> bool:
    return os.environ.get("GITHUB_ACTIONS") == "true"


def _write_reports(junit: Path | None, summary: Path | None, render_junit: Callable[[], str],
                   render_summary: Callable[[], str]) -> None:
    """Write the requested JUnit and summary files (each atomically)."""
    for path, render in ((junit, render_junit), (summary, render_summary)):
        if path is not None:
            write_text_atomic(path, render())


def gate_command(results: Path, baseline: Path, *, policy: Path | None = None, junit: Path | None = None,
                 summary: Path | None = None, fail_on_inconclusive: bool = False, quiet: bool = False) -> int:
    """Judge ``results`` against ``baseline``; print the outcome, write the reports and return the
    exit code (0 pass or inconclusive, 1 regression). A run that cannot be compared raises
    :class:`AuditError` (exit 2) after the reports say why, so CI shows it where it looks."""
    try:
        rules = load_policy(policy)
        result = run_gate(load_baseline(baseline), load_run(results), rules, fail_on_inconclusive=fail_on_inconclusive)
    except AuditError as exc:
        reason = str(exc)
        _write_reports(junit, summary, lambda: junit_error_xml(reason),
                       lambda: f"## emotion-audit gate: ⛔ error (exit 2)\n\n{cell(reason)}\n")
        if _in_github_actions():
            print(f"::error title=emotion-audit gate::{escape_data(reason)}")
        raise
    _write_reports(junit, summary, lambda: junit_xml(result), lambda: markdown_summary(result))
    if _in_github_actions():
        print("\n".join(annotations(result)))
        print(result.headline())
    elif not quiet:
        print(human_table(result))
    return result.exit_code


def baseline_command(results: Path, output: Path, *, quiet: bool = False) -> int:
    """Promote the run at ``results`` to a self-contained baseline file at ``output``."""
    doc = baseline_from_run(results)
    write_text_atomic(output, dumps(doc))
    if not quiet:
        n = sum(len(cases) for cases in doc[BASELINE_KEY]["cases"].values())
        print(f"wrote {output} ({len(doc[BASELINE_KEY]['cases'])} suite(s), {n} cases)")
    return 0
