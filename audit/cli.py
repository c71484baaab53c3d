"""The ``emotion-audit`` command line.

Exit codes: 0 success (gate: pass), 1 gate regression and nothing else, 2 every other error
(usage, input, compatibility, environment, and internal errors), 130 interrupted. Errors print one
line ``emotion-audit: error: ...`` on stderr; an unexpected exception is reported as an internal
error in one line too, and ``--debug`` adds the traceback.
"""
from __future__ import annotations

import argparse
import os
import sys
import traceback
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Sequence

from .errors import AuditError

if TYPE_CHECKING:
    from .policy import Policy
    from .suite import GeneratedSuite, SuiteSpec

PROG = "emotion-audit"
#: Where an internal error (a bug, not a bad input) should be reported.
REPORT_BUGS = "rerun with --debug and report the traceback to the emotion-audit issue tracker"
DATASET_ID_HELP = "Hub dataset id the card's model-index names (default: derived from the results)"
POLICY_HELP = "gate policy YAML whose floors decide the badges and findings (default: the built-in policy)"


class _Parser(argparse.ArgumentParser):
    """An argument parser whose usage errors are :class:`AuditError` (one line, exit 2) instead
    of argparse's usage block."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise AuditError(f"{message} (see {self.prog} --help)")


def _csv(value: str) -> list[str]:
    return [v.strip() for v in value.split(",") if v.strip()]


def _label_names(value: str) -> list[str]:
    """``--label-names``: comma-separated, each name once (a repeated name would merge two classes)."""
    from .labels import unique_names

    try:
        return unique_names(_csv(value), "")
    except AuditError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc


def at_least(low: float, kind: type = int) -> Callable[[str], float]:
    """An argparse type: a finite ``kind`` (int or float) of at least ``low``, so a bad number is a
    one-line usage error at parse time (``argument --seed: must be an integer >= 0, got '-1'``)."""
    import math

    noun = "an integer" if kind is int else "a number"

    def parse(text: str) -> float:
        try:
            value = kind(text)
        except ValueError:
            value = None
        if value is None or not math.isfinite(value) or value < low:
            raise argparse.ArgumentTypeError(f"must be {noun} >= {low:g}, got {text!r}")
        return value

    parse.__name__ = kind.__name__
    return parse


def _add_run(sub: argparse._SubParsersAction) -> None:
    from .data import DEFAULT_DATASET
    from .model import DEFAULT_MODEL

    p = sub.add_parser("run", help="evaluate a model on a test split and suites; write results.json",
                       description="Evaluate a classifier and write results.json, predictions.jsonl, "
                                   "report.html and model_card.md to --out.")
    p.add_argument("--model", default=DEFAULT_MODEL, help="Hub id or local folder (default: %(default)s)")
    p.add_argument("--data", default=DEFAULT_DATASET,
                   help="Hub dataset id, a folder with train/validation/test files, or a "
                        ".txt/.csv/.tsv/.jsonl/.parquet file (default: %(default)s)")
    p.add_argument("--split", default="test", help="split to evaluate (default: %(default)s)")
    p.add_argument("--text-column", default="text")
    p.add_argument("--label-column", default="label")
    p.add_argument("--label-names", type=_label_names, default=None,
                   help="comma-separated label order of the data, for integer labels or generic model labels")
    p.add_argument("--group-columns", type=_csv, default=[],
                   help="comma-separated columns holding group membership for disaggregated metrics")
    p.add_argument("--suites", type=_csv, default=[], help="comma-separated suite names, or 'all'")
    p.add_argument("--suites-dir", type=Path, action="append", default=[],
                   help="extra folder of suite YAML files (may be repeated)")
    p.add_argument("--out", type=Path, required=True, help="output folder")
    p.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"])
    p.add_argument("--dtype", default="float32", choices=["float32", "float16", "bfloat16"])
    p.add_argument("--batch-size", type=at_least(1), default=None,
                   help="most texts per batch (default: 64 on CPU, 1024 on CUDA; a token budget also applies)")
    p.add_argument("--max-length", type=at_least(2), default=512)
    p.add_argument("--seed", type=at_least(0), default=0)
    p.add_argument("--bootstrap", type=at_least(1000), default=1000, help="bootstrap resamples (at least 1000)")
    p.add_argument("--card", type=Path, default=None, help="model card to fill (default: built-in template)")
    p.add_argument("--dataset-id", default=None, help=DATASET_ID_HELP)
    p.add_argument("--policy", type=Path, default=None, help=POLICY_HELP)
    p.add_argument("--no-cache", action="store_true",
                   help="do not read or write the cache (predictions, and the model facts, suites and "
                        "evidence kept beside them)")
    p.add_argument("--cache-dir", type=Path, default=None)
    p.add_argument("--offline", action="store_true", help="never use the network (Hub cache only)")
    p.add_argument("--trust-remote-code", action="store_true", help="allow model code from the Hub repo")
    p.add_argument("--allow-pickle", action="store_true", help="allow loading pickle (.bin) weights")
    p.add_argument("--strict", action="store_true", help="empty texts are an error instead of skipped")
    p.add_argument("--train-data", default=None,
                   help="training data (path or Hub id) in which to look for each suite's pattern "
                        "(default: the train split of --data when it has one)")
    p.add_argument("--no-train-check", action="store_true",
                   help="do not look at the training data (skips every suite's train_evidence)")
    p.add_argument("--no-label-issues", action="store_true",
                   help="do not search the split for suspected label errors (cleanlab confident learning)")
    p.add_argument("--predictions", default="jsonl", choices=["jsonl", "parquet"],
                   help="per-case output: predictions.jsonl, or a predictions.parquet folder of shards "
                        "with a probability column per label (default: %(default)s)")
    p.add_argument("--engine", default="local", choices=["local", "ray"],
                   help="where inference runs: this process, or Ray Data actors (needs the ray extra)")
    p.add_argument("--ray-address", default=None,
                   help="Ray cluster to join (e.g. auto, ray://head:10001; default: a local Ray runtime)")
    p.add_argument("--ray-actors", type=at_least(1), default=None,
                   help="model actors (default: one per CPU, or per --ray-gpus-per-actor GPUs)")
    p.add_argument("--ray-gpus-per-actor", type=at_least(0, float), default=0.0,
                   help="GPUs per model actor (default 0: actors run on CPU)")
    p.set_defaults(func=_cmd_run)


def _cmd_run(args: argparse.Namespace) -> int:
    from .policy import load_policy
    from .reporting.outputs import write_all
    from .runner import Options, evaluate

    if args.out.exists() and not args.out.is_dir():
        raise AuditError(f"--out {args.out} exists and is not a folder")
    policy = load_policy(args.policy)  # before the model runs: a bad policy fails fast
    options = Options(
        split=args.split, text_column=args.text_column, label_column=args.label_column,
        group_columns=tuple(args.group_columns), label_names=tuple(args.label_names) if args.label_names else None,
        strict=args.strict, suites=tuple(args.suites), suites_dirs=tuple(args.suites_dir), device=args.device,
        dtype=args.dtype, batch_size=args.batch_size, max_length=args.max_length, offline=args.offline,
        trust_remote_code=args.trust_remote_code, allow_pickle=args.allow_pickle, seed=args.seed,
        n_resamples=args.bootstrap, use_cache=not args.no_cache, cache_dir=args.cache_dir, progress=not args.quiet,
        train_data=args.train_data, train_check=not args.no_train_check, label_issues=not args.no_label_issues,
        engine=args.engine, ray_address=args.ray_address, ray_actors=args.ray_actors,
        ray_gpus_per_actor=args.ray_gpus_per_actor)
    audit = evaluate(args.model, args.data, options)
    paths = write_all(args.out, audit, card=args.card, dataset_id=args.dataset_id, predictions=args.predictions,
                      policy=policy)
    if not args.quiet:
        _print_summary(audit.results, policy)
        inference = audit.results["run"]["inference"]
        if inference.get("rejected") or inference.get("rebuilt"):
            print(f"prediction cache: {inference['rejected']} damaged row(s) rejected and recomputed, "
                  f"{inference['rebuilt']} damaged file(s) rebuilt")
        for path in paths:
            print(f"wrote {path}")
    return 0


def _print_summary(results: dict, policy: Policy) -> None:
    """The headline scores and the top findings (:func:`audit.findings.findings`, the sentences
    the report and the card state too)."""
    from .findings import findings, summary_lines

    test = results["suites"]["test"].get("metrics")
    if test:
        acc, mf1 = test["accuracy"], test["macro_f1"]
        print(f"accuracy {acc['value']:.4f} [{acc['ci_low']:.4f}, {acc['ci_high']:.4f}]  "
              f"macro F1 {mf1['value']:.4f} [{mf1['ci_low']:.4f}, {mf1['ci_high']:.4f}]")
    found = findings(results, policy)
    if found:
        print("top findings (details in report.html):")
        print("\n".join(summary_lines(found)))


def _add_outputs(sub: argparse._SubParsersAction) -> None:
    """The ``report`` and ``card`` subcommands (:mod:`audit.reporting.outputs`)."""
    p = sub.add_parser("report", help="render report.html from a stored results.json")
    p.add_argument("results", type=Path,
                   help="results.json (predictions.jsonl or predictions.parquet beside it is used if present)")
    p.add_argument("-o", "--output", type=Path, required=True, help="HTML file to write")
    p.add_argument("--policy", type=Path, default=None, help=POLICY_HELP)
    p.set_defaults(func=_cmd_report)
    p = sub.add_parser("card", help="fill a model card from a stored results.json")
    p.add_argument("results", type=Path)
    p.add_argument("--card", type=Path, default=None, help="card to fill (default: built-in template)")
    p.add_argument("--dataset-id", default=None, help=DATASET_ID_HELP)
    p.add_argument("--policy", type=Path, default=None, help=POLICY_HELP)
    p.add_argument("-o", "--output", type=Path, required=True, help="markdown file to write")
    p.set_defaults(func=_cmd_card)


def run_inputs(results: Path) -> list[tuple[str, Path]]:
    """A stored run's input files: ``results.json`` and the predictions beside it."""
    from .streaming import find_predictions

    return [("RESULTS", results), ("predictions", find_predictions(results))]


def _cmd_report(args: argparse.Namespace) -> int:
    from .policy import load_policy
    from .reporting.outputs import rebuild_report
    from .results import refuse_overwrite

    refuse_overwrite([*run_inputs(args.results), ("--policy", args.policy)], [("--output", args.output)])
    rebuild_report(args.results, args.output, load_policy(args.policy))
    return 0


def _cmd_card(args: argparse.Namespace) -> int:
    from .policy import load_policy
    from .reporting.outputs import rebuild_card
    from .results import refuse_overwrite

    refuse_overwrite([*run_inputs(args.results), ("--card", args.card), ("--policy", args.policy)],
                     [("--output", args.output)])
    rebuild_card(args.results, args.output, args.card, args.dataset_id, load_policy(args.policy))
    return 0


def _add_data_options(p: argparse.ArgumentParser) -> None:
    """Where the split a suite is generated from comes from (as in ``run``)."""
    from .data import DEFAULT_DATASET

    p.add_argument("--data", default=DEFAULT_DATASET, help="data the suite is generated from (default: %(default)s)")
    p.add_argument("--split", default="test", help="split (default: %(default)s)")
    p.add_argument("--text-column", default="text")
    p.add_argument("--label-column", default="label")
    p.add_argument("--suites-dir", type=Path, action="append", default=[],
                   help="extra folder of suite YAML files (may be repeated)")
    p.add_argument("--offline", action="store_true", help="never use the network (Hub cache only)")


def _add_suites(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("suites", help="list the suites; draw and read back validity reviews")
    actions = p.add_subparsers(dest="action", required=True)
    listing = actions.add_parser("list", help="the available suites")
    listing.add_argument("--suites-dir", type=Path, action="append", default=[])
    listing.set_defaults(func=_cmd_suites)
    sample = actions.add_parser(
        "sample", help="write a seeded sample of a suite's cases as a CSV to annotate",
        description="Write a seeded sample of SUITE's cases, stratified by rule, as a CSV with empty "
                    "verdict (valid / invalid / unsure) and note columns for a reviewer.")
    sample.add_argument("suite")
    _add_data_options(sample)
    sample.add_argument("--n", type=at_least(1), default=60, help="cases to sample (default: %(default)s)")
    sample.add_argument("--seed", type=at_least(0), default=0, help="seed of the sample (default: %(default)s)")
    sample.add_argument("--suite-seed", type=at_least(0), default=0,
                        help="seed the suite is generated with, as run's --seed (default: %(default)s)")
    sample.add_argument("-o", "--output", type=Path, required=True, help="CSV file to write")
    sample.set_defaults(func=_cmd_sample)
    review = actions.add_parser(
        "review", help="read annotated samples back and write the suite's review",
        description="Check annotated sample CSVs against the suite they were drawn from and write the "
                    "review: valid, invalid and unsure counts and the valid rate (Wilson 95%%), "
                    "overall and per rule.")
    review.add_argument("files", type=Path, nargs="+", help="annotated sample CSV file(s) of one suite")
    _add_data_options(review)
    review.add_argument("-o", "--output", type=Path, default=None,
                        help="review file to write (default: reviews/<suite>.json beside the suite's YAML)")
    review.set_defaults(func=_cmd_review)


def _cmd_suites(args: argparse.Namespace) -> int:
    from .runner import available_suites

    for name, spec in sorted(available_suites(args.suites_dir).items()):
        print(f"{name:<12} {spec.test_type:<4} {spec.description}")
    return 0


def _generated(args: argparse.Namespace, name: str, seed: int) -> tuple[SuiteSpec, GeneratedSuite, str]:
    """``(spec, generated suite, data sha256)`` of suite ``name`` on the data the arguments name."""
    from .review import source_sha256
    from .runner import available_suites, load_source, select_suites
    from .suite import generate

    spec = select_suites([name], available_suites(args.suites_dir))[0]
    source, labels = load_source(args.data, split=args.split, text_column=args.text_column,
                                 label_column=args.label_column, offline=args.offline)
    return spec, generate(spec, source, labels, seed), source_sha256(source)


def _cmd_sample(args: argparse.Namespace) -> int:
    from .results import write_text_atomic
    from .review import sample_cases, sample_csv, sample_rows
    from .suite import cases_hash

    spec, suite, data_sha = _generated(args, args.suite, args.suite_seed)
    chosen = sample_cases(spec.name, suite.cases, args.n, args.seed)
    rows = sample_rows(spec.name, chosen, suite_seed=args.suite_seed, cases_sha256=cases_hash(suite.cases),
                       data_sha256=data_sha)
    write_text_atomic(args.output, sample_csv(rows))
    if not args.quiet:
        print(f"wrote {args.output}: {len(rows)} of {len(suite.cases):,} {spec.name} cases")
    return 0


def _cmd_review(args: argparse.Namespace) -> int:
    from .reporting.formatting import fmt_rate
    from .results import dumps, write_text_atomic
    from .review import check_sample, read_verdicts, review_path, summarize

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


def _add_gate(sub: argparse._SubParsersAction) -> None:
    """The ``gate`` and ``baseline`` subcommands (:mod:`audit.gate`)."""
    p = sub.add_parser(
        "gate", help="compare a run with a baseline; exit 1 on a significant regression",
        description="Judge results.json (with predictions.jsonl beside it) against a baseline under a "
                    "policy. Exit 0 pass (inconclusive drops included), 1 regression, 2 usage or "
                    "compatibility error.")
    p.add_argument("results", type=Path, help="the new run's results.json")
    p.add_argument("--baseline", type=Path, required=True, help="baseline file from `emotion-audit baseline`")
    p.add_argument("--policy", type=Path, default=None, help="gate policy YAML (default: the built-in policy)")
    p.add_argument("--junit", type=Path, default=None, help="write a JUnit XML report here")
    p.add_argument("--summary", type=Path, default=None, help="write a markdown summary here "
                                                              "(e.g. \"$GITHUB_STEP_SUMMARY\")")
    p.add_argument("--fail-on-inconclusive", action="store_true",
                   help="count a drop beyond its margin that is not significant as a failure (exit 1 "
                        "for error-severity checks) instead of a warning")
    p.set_defaults(func=_cmd_gate)
    p = sub.add_parser("baseline", help="promote a run to be the gate's baseline",
                       description="Write a self-contained baseline file: results.json plus the per-case "
                                   "outcomes from the predictions.jsonl beside it.")
    p.add_argument("results", type=Path, help="results.json of the run to promote")
    p.add_argument("-o", "--output", type=Path, required=True, help="baseline file to write")
    p.set_defaults(func=_cmd_baseline)


def _cmd_gate(args: argparse.Namespace) -> int:
    from .gate.command import gate_command
    from .results import refuse_overwrite

    refuse_overwrite([*run_inputs(args.results), ("--baseline", args.baseline), ("--policy", args.policy)],
                     [("--junit", args.junit), ("--summary", args.summary)])
    return gate_command(args.results, args.baseline, policy=args.policy, junit=args.junit, summary=args.summary,
                        fail_on_inconclusive=args.fail_on_inconclusive, quiet=args.quiet)


def _cmd_baseline(args: argparse.Namespace) -> int:
    from .gate.command import baseline_command
    from .results import refuse_overwrite

    refuse_overwrite(run_inputs(args.results), [("--output", args.output)])
    return baseline_command(args.results, args.output, quiet=args.quiet)


#: Subcommands contributed by other modules: (module, function adding the parser).
_EXTERNAL = (("audit.compare", "add_parsers"),)


def build_parser() -> argparse.ArgumentParser:
    """The full argument parser (also used by the README's usage examples)."""
    import importlib

    parser = _Parser(prog=PROG, description="Audit text emotion classifiers.")
    parser.add_argument("--quiet", "-q", action="store_true", help="no progress bars or summaries")
    parser.add_argument("--debug", action="store_true", help="show tracebacks on errors")
    sub = parser.add_subparsers(dest="command", required=True)
    _add_run(sub)
    _add_suites(sub)
    _add_outputs(sub)
    _add_gate(sub)
    for module, func in _EXTERNAL:
        adder: Callable[[argparse._SubParsersAction], None] = getattr(importlib.import_module(module), func)
        adder(sub)
    for command in _parsers(sub):  # --quiet/--debug also accepted after the subcommand
        command.add_argument("--quiet", "-q", action="store_true", default=argparse.SUPPRESS)
        command.add_argument("--debug", action="store_true", default=argparse.SUPPRESS)
    return parser


def _parsers(sub: argparse._SubParsersAction) -> list[argparse.ArgumentParser]:
    """Every subcommand's parser, nested ones (``suites sample``) included."""
    out = []
    for command in sub.choices.values():
        out.append(command)
        for action in command._actions:
            if isinstance(action, argparse._SubParsersAction):
                out += _parsers(action)
    return out


def _one_line(text: object) -> str:
    """A message on one line (file names and library messages may hold line breaks), printable
    on any stream (a lone surrogate quoted from a bad input is written as ``\\udc00``)."""
    return " ".join(str(text).encode("utf-8", "backslashreplace").decode("utf-8").split())


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point: parse, run, and turn every failure into a one-line message and an exit code.

    Only a gate regression returns 1; every error returns 2 (130 on Ctrl-C), so a crash can never
    pass for a regression in CI. ``--debug`` prints the traceback as well.
    """
    argv = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in argv
    if os.environ.get("CI") and "--quiet" not in argv and "-q" not in argv:
        os.environ.setdefault("TQDM_DISABLE", "1")

    def fail(message: str, code: int = 2) -> int:
        if debug:
            traceback.print_exc()
        print(f"{PROG}: {_one_line(message)}", file=sys.stderr)
        return code

    try:
        args = build_parser().parse_args(argv)
        return int(args.func(args) or 0)
    except AuditError as exc:
        return fail(f"error: {exc}", 2 if exc.exit_code == 1 else exc.exit_code)  # 1 means regression only
    except KeyboardInterrupt:
        return fail("interrupted; earlier outputs are untouched", 130)
    except MemoryError:
        return fail("error: out of memory; try a smaller --batch-size or --max-length")
    except OSError as exc:  # the environment (permissions, a full disk, a vanished file), not a bug
        where = f" ({exc.filename})" if getattr(exc, "filename", None) else ""
        return fail(f"error: {exc.strerror or exc}{where}")
    except Exception as exc:  # noqa: BLE001 - anything else is a bug: one line, never exit 1
        return fail(f"error: internal error ({type(exc).__name__}: {exc}); {REPORT_BUGS}")


if __name__ == "__main__":
    sys.exit(main())
