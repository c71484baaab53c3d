"""The ``suites`` command: list the suites; draw and read back validity reviews (:mod:`audit.review`)."""
from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from .args import add_command, at_least

if TYPE_CHECKING:
    from ..suite import GeneratedSuite, SuiteSpec


def add_suites(sub: argparse._SubParsersAction) -> None:
    """The ``suites`` subcommand and its actions ``list``, ``sample`` and ``review``."""
    p = sub.add_parser("suites", help="list the suites; draw and read back validity reviews")
    actions = p.add_subparsers(dest="action", required=True)
    listing = add_command(actions, "list", _cmd_suites, help="the available suites")
    listing.add_argument("--suites-dir", type=Path, action="append", default=[])
    sample = add_command(actions, "sample", _cmd_sample, description=_cmd_sample.__doc__,
                         help="write a seeded sample of a suite's cases as a CSV to annotate")
    sample.add_argument("suite")
    _add_data_options(sample)
    sample.add_argument("--n", type=at_least(1), default=60, help="cases to sample (default: %(default)s)")
    sample.add_argument("--seed", type=at_least(0), default=0, help="seed of the sample (default: %(default)s)")
    sample.add_argument("--suite-seed", type=at_least(0), default=0,
                        help="seed the suite is generated with, as run's --seed (default: %(default)s)")
    sample.add_argument("-o", "--output", type=Path, required=True, help="CSV file to write")
    review = add_command(actions, "review", _cmd_review, description=_cmd_review.__doc__,
                         help="read annotated samples back and write the suite's review")
    review.add_argument("files", type=Path, nargs="+", help="annotated sample CSV file(s) of one suite")
    _add_data_options(review)
    review.add_argument("-o", "--output", type=Path, default=None,
                        help="review file to write (default: reviews/<suite>.json beside the suite's YAML)")


def _add_data_options(p: argparse.ArgumentParser) -> None:
    """Where the split a suite is generated from comes from (as in ``run``)."""
    from ..data import DEFAULT_DATASET

    p.add_argument("--data", default=DEFAULT_DATASET, help="data the suite is generated from (default: %(default)s)")
    p.add_argument("--split", default="test", help="split (default: %(default)s)")
    p.add_argument("--text-column", default="text")
    p.add_argument("--label-column", default="label")
    p.add_argument("--suites-dir", type=Path, action="append", default=[],
                   help="extra folder of suite YAML files (may be repeated)")
    p.add_argument("--offline", action="store_true", help="never use the network (Hub cache only)")


def _cmd_suites(args: argparse.Namespace) -> int:
    from ..runner import available_suites

    for name, spec in sorted(available_suites(args.suites_dir).items()):
        print(f"{name:<12} {spec.test_type:<4} {spec.description}")
    return 0


def _generated(args: argparse.Namespace, name: str, seed: int) -> tuple[SuiteSpec, GeneratedSuite, str]:
    """``(spec, generated suite, data sha256)`` of suite ``name`` on the data the arguments name."""
    from ..review import source_sha256
    from ..runner import available_suites, load_source, select_suites
    from ..suite import generate

    spec = select_suites([name], available_suites(args.suites_dir))[0]
    source, labels = load_source(args.data, split=args.split, text_column=args.text_column,
                                 label_column=args.label_column, offline=args.offline)
    return spec, generate(spec, source, labels, seed), source_sha256(source)


def _cmd_sample(args: argparse.Namespace) -> int:
    """Write a seeded sample of SUITE's cases, stratified by rule, as a CSV with empty verdict
    (valid / invalid / unsure) and note columns for a reviewer."""
    from ..results import write_text_atomic
    from ..review import sample_cases, sample_csv, sample_rows
    from ..suite import cases_hash

    spec, suite, data_sha = _generated(args, args.suite, args.suite_seed)
    chosen = sample_cases(spec.name, suite.cases, args.n, args.seed)
    rows = sample_rows(spec.name, chosen, suite_seed=args.suite_seed, cases_sha256=cases_hash(suite.cases),
                       data_sha256=data_sha)
    write_text_atomic(args.output, sample_csv(rows))
    if not args.quiet:
        print(f"wrote {args.output}: {len(rows)} of {len(suite.cases):,} {spec.name} cases")
    return 0


def _cmd_review(args: argparse.Namespace) -> int:
    """Check annotated sample CSVs against the suite they were drawn from and write the review:
    valid, invalid and unsure counts and the valid rate (Wilson 95%), overall and per rule."""
    from ..reporting.formatting import fmt_rate
    from ..results import dumps, write_text_atomic
    from ..review import check_sample, read_verdicts, review_path, summarize

    verdicts = read_verdicts(args.files)
    spec, suite, data_sha = _generated(args, verdicts.suite, verdicts.suite_seed)
    check_sample(verdicts, spec, suite.cases, data_sha)
    review = summarize(verdicts, spec, suite.cases)
    output = args.output or review_path(spec)
    write_text_atomic(output, dumps(review))
    if not args.quiet:
        print(f"{spec.name}: {review['n_valid']} of {review['n_reviewed']} valid, "
              f"{fmt_rate(review['valid_rate'])}; wrote {output}")
    return 0
