"""The ``report`` and ``card`` commands: rebuild an output from a stored run
(:mod:`audit.reporting.outputs`)."""
from __future__ import annotations

import argparse
from pathlib import Path

from .args import DATASET_ID_HELP, POLICY_HELP, add_command, run_inputs


def add_outputs(sub: argparse._SubParsersAction) -> None:
    """The ``report`` and ``card`` subcommands."""
    p = add_command(sub, "report", _cmd_report, help="render report.html from a stored results.json")
    p.add_argument("results", type=Path,
                   help="results.json (predictions.jsonl or predictions.parquet beside it is used if present)")
    p.add_argument("-o", "--output", type=Path, required=True, help="HTML file to write")
    p.add_argument("--policy", type=Path, default=None, help=POLICY_HELP)
    p = add_command(sub, "card", _cmd_card, help="fill a model card from a stored results.json")
    p.add_argument("results", type=Path)
    p.add_argument("--card", type=Path, default=None, help="card to fill (default: built-in template)")
    p.add_argument("--dataset-id", default=None, help=DATASET_ID_HELP)
    p.add_argument("--policy", type=Path, default=None, help=POLICY_HELP)
    p.add_argument("-o", "--output", type=Path, required=True, help="markdown file to write")


def _cmd_report(args: argparse.Namespace) -> int:
    from ..policy import load_policy
    from ..reporting.outputs import rebuild_report
    from ..results import refuse_overwrite

    refuse_overwrite([*run_inputs(args.results), ("--policy", args.policy)], [("--output", args.output)])
    rebuild_report(args.results, args.output, load_policy(args.policy))
    return 0


def _cmd_card(args: argparse.Namespace) -> int:
    from ..policy import load_policy
    from ..reporting.outputs import rebuild_card
    from ..results import refuse_overwrite

    refuse_overwrite([*run_inputs(args.results), ("--card", args.card), ("--policy", args.policy)],
                     [("--output", args.output)])
    rebuild_card(args.results, args.output, args.card, args.dataset_id, load_policy(args.policy))
    return 0
