"""The ``gate`` and ``baseline`` commands (:mod:`audit.gate.command` does the work)."""
from __future__ import annotations

import argparse
from pathlib import Path

from .args import add_command, add_optional_paths, run_inputs


def add_gate(sub: argparse._SubParsersAction) -> None:
    """The ``gate`` and ``baseline`` subcommands."""
    p = add_command(sub, "gate", _cmd_gate, help="compare a run with a baseline; exit 1 on a significant regression",
                    description=_cmd_gate.__doc__)
    p.add_argument("results", type=Path, help="the new run's results.json")
    p.add_argument("--baseline", type=Path, required=True, help="baseline file from `emotion-audit baseline`")
    add_optional_paths(p, (["--policy"], "gate policy YAML (default: the built-in policy)"),
                       (["--junit"], "write a JUnit XML report here"),
                       (["--summary"], "write a markdown summary here (e.g. \"$GITHUB_STEP_SUMMARY\")"))
    p.add_argument("--fail-on-inconclusive", action="store_true",
                   help="count a drop beyond its margin that is not significant as a failure (exit 1 "
                        "for error-severity checks) instead of a warning")
    p = add_command(sub, "baseline", _cmd_baseline, help="promote a run to be the gate's baseline",
                    description=_cmd_baseline.__doc__)
    p.add_argument("results", type=Path, help="results.json of the run to promote")
    p.add_argument("-o", "--output", type=Path, required=True, help="baseline file to write")


def _cmd_gate(args: argparse.Namespace) -> int:
    """Judge results.json (with predictions.jsonl beside it) against a baseline under a policy. Exit 0
    pass (inconclusive drops included), 1 regression, 2 usage or compatibility error."""
    from ..gate.command import gate_command
    from ..results import refuse_overwrite

    refuse_overwrite([*run_inputs(args.results), ("--baseline", args.baseline), ("--policy", args.policy)],
                     [("--junit", args.junit), ("--summary", args.summary)])
    return gate_command(args.results, args.baseline, policy=args.policy, junit=args.junit, summary=args.summary,
                        fail_on_inconclusive=args.fail_on_inconclusive, quiet=args.quiet)


def _cmd_baseline(args: argparse.Namespace) -> int:
    """Write a self-contained baseline file: results.json plus the per-case outcomes from the
    predictions.jsonl beside it."""
    from ..gate.command import baseline_command
    from ..results import refuse_overwrite

    refuse_overwrite(run_inputs(args.results), [("--output", args.output)])
    return baseline_command(args.results, args.output, quiet=args.quiet)
