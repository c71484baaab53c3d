"""The ``compare`` command's arguments (:mod:`audit.compare` does the comparison)."""
from __future__ import annotations

import argparse
from pathlib import Path

from .args import add_command, add_optional_paths, at_least, run_inputs


def add_compare(sub: argparse._SubParsersAction) -> None:
    """The ``compare`` subcommand."""
    from ..compare import DEFAULT_RESAMPLES, MIN_RESAMPLES

    p = add_command(sub, "compare", _cmd_compare, description=_cmd_compare.__doc__,
                    help="compare two or more runs on the same test set with paired tests")
    p.add_argument("runs", type=Path, nargs="+", help="results.json files or the folders holding them")
    add_optional_paths(p, (["-o", "--output"], "write the HTML comparison here"),
                       (["--json"], "write the comparison document (JSON) here"),
                       (["--markdown"], "write a markdown summary here (e.g. a PR comment)"))
    p.add_argument("--bootstrap", type=at_least(MIN_RESAMPLES), default=DEFAULT_RESAMPLES,
                   help="paired bootstrap resamples for macro F1 (at least 1000; default %(default)s)")
    p.add_argument("--seed", type=at_least(0), default=0, help="bootstrap seed (default %(default)s)")


def _cmd_compare(args: argparse.Namespace) -> int:
    """Compare runs (results.json files, or their folders, each with predictions.jsonl beside it) on
    the same test set: headline metrics with intervals, suite pass rates, bias headlines, and pairwise
    paired tests (McNemar, paired bootstrap) with Holm correction."""
    from ..compare import compare_command, results_path
    from ..results import refuse_overwrite

    refuse_overwrite([item for run in args.runs for item in run_inputs(results_path(run))],
                     [("--output", args.output), ("--json", args.json), ("--markdown", args.markdown)])
    return compare_command(args.runs, html=args.output, json_out=args.json, markdown=args.markdown,
                           n_resamples=args.bootstrap, seed=args.seed, quiet=args.quiet)
