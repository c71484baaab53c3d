"""The ``run`` command: evaluate a model on a test split and suites, write the output folder."""
from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import AuditError
from .args import DATASET_ID_HELP, POLICY_HELP, add_command, at_least, csv, label_names

if TYPE_CHECKING:
    from ..policy import Policy


def add_run(sub: argparse._SubParsersAction) -> None:
    """The ``run`` subcommand, its options in the order ``--help`` lists them."""
    p = add_command(sub, "run", _cmd_run, help="evaluate a model on a test split and suites; write results.json",
                    description=_cmd_run.__doc__)
    _add_inputs(p)
    _add_inference(p)
    _add_settings(p)
    _add_engine(p)


def _add_inputs(p: argparse.ArgumentParser) -> None:
    """The model, the data and the suites."""
    from ..data import DEFAULT_DATASET
    from ..model import DEFAULT_MODEL

    p.add_argument("--model", default=DEFAULT_MODEL, help="Hub id or local folder (default: %(default)s)")
    p.add_argument("--data", default=DEFAULT_DATASET,
                   help="Hub dataset id, a folder with train/validation/test files, or a "
                        ".txt/.csv/.tsv/.jsonl/.parquet file (default: %(default)s)")
    p.add_argument("--split", default="test", help="split to evaluate (default: %(default)s)")
    p.add_argument("--text-column", default="text")
    p.add_argument("--label-column", default="label")
    p.add_argument("--label-names", type=label_names, default=None,
                   help="comma-separated label order of the data, for integer labels or generic model labels")
    p.add_argument("--group-columns", type=csv, default=[],
                   help="comma-separated columns holding group membership for disaggregated metrics")
    p.add_argument("--suites", type=csv, default=[], help="comma-separated suite names, or 'all'")
    p.add_argument("--suites-dir", type=Path, action="append", default=[],
                   help="extra folder of suite YAML files (may be repeated)")
    p.add_argument("--out", type=Path, required=True, help="output folder")


def _add_inference(p: argparse.ArgumentParser) -> None:
    """How the model runs: device, precision, batches, seeds."""
    p.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"])
    p.add_argument("--dtype", default="float32", choices=["float32", "float16", "bfloat16"])
    p.add_argument("--batch-size", type=at_least(1), default=None,
                   help="most texts per batch (default: 64 on CPU, 1024 on CUDA; a token budget also applies)")
    p.add_argument("--max-length", type=at_least(2), default=512)
    p.add_argument("--seed", type=at_least(0), default=0)
    p.add_argument("--bootstrap", type=at_least(1000), default=1000, help="bootstrap resamples (at least 1000)")
    p.add_argument("--stream", action="store_true",
                   help="score the split from counts a chunk at a time (Poisson bootstrap) and write its "
                        "per-case records as they are made: memory does not grow with them")


def _add_settings(p: argparse.ArgumentParser) -> None:
    """The card and policy, the cache, what may be loaded, and the optional analyses."""
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


def _add_engine(p: argparse.ArgumentParser) -> None:
    """Where inference runs (``--engine`` and its Ray settings)."""
    p.add_argument("--engine", default="local", choices=["local", "ray"],
                   help="where inference runs: this process, or Ray Data actors (needs the ray extra)")
    p.add_argument("--ray-address", default=None,
                   help="Ray cluster to join (e.g. auto, ray://head:10001; default: a local Ray runtime)")
    p.add_argument("--ray-actors", type=at_least(1), default=None,
                   help="model actors (default: one per CPU, or per --ray-gpus-per-actor GPUs)")
    p.add_argument("--ray-gpus-per-actor", type=at_least(0, float), default=0.0,
                   help="GPUs per model actor (default 0: actors run on CPU)")


def _cmd_run(args: argparse.Namespace) -> int:
    """Evaluate a classifier and write results.json, predictions.jsonl, report.html and model_card.md
    to --out."""
    from ..cache import default_cache_dir
    from ..policy import load_policy
    from ..reporting.outputs import write_all
    from ..runner import Options, evaluate
    from ..store import ArtifactStore

    if args.out.exists() and not args.out.is_dir():
        raise AuditError(f"--out {args.out} exists and is not a folder")
    policy = load_policy(args.policy)  # before the model runs: a bad policy fails fast
    options = Options(
        split=args.split, text_column=args.text_column, label_column=args.label_column,
        group_columns=tuple(args.group_columns), label_names=tuple(args.label_names) if args.label_names else None,
        strict=args.strict, suites=tuple(args.suites), suites_dirs=tuple(args.suites_dir), device=args.device,
        dtype=args.dtype, batch_size=args.batch_size, max_length=args.max_length, offline=args.offline,
        trust_remote_code=args.trust_remote_code, allow_pickle=args.allow_pickle, seed=args.seed,
        n_resamples=args.bootstrap, stream=args.stream, use_cache=not args.no_cache, cache_dir=args.cache_dir, progress=not args.quiet,
        train_data=args.train_data, train_check=not args.no_train_check, label_issues=not args.no_label_issues,
        engine=args.engine, ray_address=args.ray_address, ray_actors=args.ray_actors,
        ray_gpus_per_actor=args.ray_gpus_per_actor)
    audit = evaluate(args.model, args.data, options)
    store = ArtifactStore(args.cache_dir or default_cache_dir()) if options.use_cache else None
    paths = write_all(args.out, audit, card=args.card, dataset_id=args.dataset_id, predictions=args.predictions,
                      policy=policy, store=store)
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
    from ..findings import findings, summary_lines

    test = results["suites"]["test"].get("metrics")
    if test:
        acc, mf1 = test["accuracy"], test["macro_f1"]
        print(f"accuracy {acc['value']:.4f} [{acc['ci_low']:.4f}, {acc['ci_high']:.4f}]  "
              f"macro F1 {mf1['value']:.4f} [{mf1['ci_low']:.4f}, {mf1['ci_high']:.4f}]")
    found = findings(results, policy)
    if found:
        print("top findings (details in report.html):")
        print("\n".join(summary_lines(found)))
