"""The ``emotion-audit`` command line.

Exit codes: 0 success (gate: pass), 1 gate regression, 2 usage, input or compatibility error,
130 interrupted. Errors print one line ``emotion-audit: error: ...`` on stderr; ``--debug`` shows
the traceback instead.
"""
from __future__ import annotations

import argparse
import os
import sys
import traceback
from pathlib import Path
from typing import Callable, Sequence

from .errors import AuditError

PROG = "emotion-audit"


def _csv(value: str) -> list[str]:
    return [v.strip() for v in value.split(",") if v.strip()]


def _add_run(sub: argparse._SubParsersAction) -> None:
    from .data import DEFAULT_DATASET
    from .model import DEFAULT_MODEL
    from .outputs import DATASET_ID_HELP

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
    p.add_argument("--label-names", type=_csv, default=None,
                   help="comma-separated label order of the data, for integer labels or generic model labels")
    p.add_argument("--group-columns", type=_csv, default=[],
                   help="comma-separated columns holding group membership for disaggregated metrics")
    p.add_argument("--suites", type=_csv, default=[], help="comma-separated suite names, or 'all'")
    p.add_argument("--suites-dir", type=Path, action="append", default=[],
                   help="extra folder of suite YAML files (may be repeated)")
    p.add_argument("--out", type=Path, required=True, help="output folder")
    p.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"])
    p.add_argument("--dtype", default="float32", choices=["float32", "float16", "bfloat16"])
    p.add_argument("--batch-size", type=int, default=None,
                   help="most texts per batch (default: 64 on CPU, 1024 on CUDA; a token budget also applies)")
    p.add_argument("--max-length", type=int, default=512)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--bootstrap", type=int, default=1000, help="bootstrap resamples (at least 1000)")
    p.add_argument("--card", type=Path, default=None, help="model card to fill (default: built-in template)")
    p.add_argument("--dataset-id", default=None, help=DATASET_ID_HELP)
    p.add_argument("--no-cache", action="store_true", help="do not read or write the prediction cache")
    p.add_argument("--cache-dir", type=Path, default=None)
    p.add_argument("--offline", action="store_true", help="never use the network (Hub cache only)")
    p.add_argument("--trust-remote-code", action="store_true", help="allow model code from the Hub repo")
    p.add_argument("--allow-pickle", action="store_true", help="allow loading pickle (.bin) weights")
    p.add_argument("--strict", action="store_true", help="empty texts are an error instead of skipped")
    p.set_defaults(func=_cmd_run)


def _cmd_run(args: argparse.Namespace) -> int:
    from .outputs import write_all
    from .runner import Options, evaluate

    if args.out.exists() and not args.out.is_dir():
        raise AuditError(f"--out {args.out} exists and is not a folder")
    options = Options(
        split=args.split, text_column=args.text_column, label_column=args.label_column,
        group_columns=tuple(args.group_columns), label_names=tuple(args.label_names) if args.label_names else None,
        strict=args.strict, suites=tuple(args.suites), suites_dirs=tuple(args.suites_dir), device=args.device,
        dtype=args.dtype, batch_size=args.batch_size, max_length=args.max_length, offline=args.offline,
        trust_remote_code=args.trust_remote_code, allow_pickle=args.allow_pickle, seed=args.seed,
        n_resamples=args.bootstrap, use_cache=not args.no_cache, cache_dir=args.cache_dir, progress=not args.quiet)
    audit = evaluate(args.model, args.data, options)
    paths = write_all(args.out, audit, card=args.card, dataset_id=args.dataset_id)
    if not args.quiet:
        test = audit.results["suites"]["test"].get("metrics")
        if test:
            acc, mf1 = test["accuracy"], test["macro_f1"]
            print(f"accuracy {acc['value']:.4f} [{acc['ci_low']:.4f}, {acc['ci_high']:.4f}]  "
                  f"macro F1 {mf1['value']:.4f} [{mf1['ci_low']:.4f}, {mf1['ci_high']:.4f}]")
        for name, section in audit.results["suites"].items():
            if name != "test" and section["pass_rate"]["value"] is not None:
                print(f"suite {name}: pass rate {section['pass_rate']['value']:.3f} over {section['n_judged']} cases")
        for path in paths:
            print(f"wrote {path}")
    return 0


def _add_suites(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("suites", help="list the available suites")
    p.add_argument("action", choices=["list"])
    p.add_argument("--suites-dir", type=Path, action="append", default=[])
    p.set_defaults(func=_cmd_suites)


def _cmd_suites(args: argparse.Namespace) -> int:
    from .runner import available_suites

    for name, spec in sorted(available_suites(args.suites_dir).items()):
        print(f"{name:<12} {spec.test_type:<4} {spec.description}")
    return 0


#: Subcommands contributed by other modules: (module, function adding the parser).
_EXTERNAL = (("audit.outputs", "add_parsers"), ("audit.gate", "add_parsers"))


def build_parser() -> argparse.ArgumentParser:
    """The full argument parser (also used by the README's usage examples)."""
    import importlib

    parser = argparse.ArgumentParser(prog=PROG, description="Audit text emotion classifiers.")
    parser.add_argument("--quiet", "-q", action="store_true", help="no progress bars or summaries")
    parser.add_argument("--debug", action="store_true", help="show tracebacks on errors")
    sub = parser.add_subparsers(dest="command", required=True)
    _add_run(sub)
    _add_suites(sub)
    for module, func in _EXTERNAL:
        adder: Callable[[argparse._SubParsersAction], None] = getattr(importlib.import_module(module), func)
        adder(sub)
    for command in sub.choices.values():  # --quiet/--debug also accepted after the subcommand
        command.add_argument("--quiet", "-q", action="store_true", default=argparse.SUPPRESS)
        command.add_argument("--debug", action="store_true", default=argparse.SUPPRESS)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point: parse, run, and turn every failure into a one-line message and an exit code."""
    argv = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in argv
    if os.environ.get("CI") and "--quiet" not in argv and "-q" not in argv:
        os.environ.setdefault("TQDM_DISABLE", "1")
    try:
        args = build_parser().parse_args(argv)
        return int(args.func(args) or 0)
    except AuditError as exc:
        if debug:
            traceback.print_exc()
        else:
            print(f"{PROG}: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted; earlier outputs are untouched", file=sys.stderr)
        return 130
    except MemoryError:
        if debug:
            raise
        print(f"{PROG}: error: out of memory; try a smaller --batch-size", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
