"""Benchmark: the audit's inference path against the transformers pipeline, on one machine, in one run.

It builds a seed-sized classifier (``DistilBertConfig()`` defaults, 6 labels, random weights: the
same compute as a fine-tuned distilbert-base-uncased), lists every text a full audit needs (the
split plus every suite's cases and source texts, duplicates included), and times

- ours: :func:`audit.cache.predict_unique` (duplicates once, length-sorted token-budget batches,
  dynamic padding, softmax on the device), cache off;
- the obvious alternative: ``transformers.pipeline("text-classification", top_k=None,
  batch_size=32)`` over the same list;

then prints texts per second for both, their ratio, the share of identical predicted labels, how
far our run is from the machine's float32 matmul limit (about 85 MFLOP per real token: 2 x the
42.5M encoder weights), peak memory, and the time of a cached re-run of the whole audit. The CPU
thread count for our path is chosen by timing each candidate on a sample of texts.

    python benchmarks/bench_audit.py --data DATA --tokenizer TOKENIZER [--device cpu|cuda]

``TOKENIZER`` is a folder or Hub id holding an uncased BERT WordPiece tokenizer (that of
distilbert-base-uncased, or of any model fine-tuned from it).
"""
from __future__ import annotations

import argparse
import json
import random
import resource
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import Any, Callable

import numpy as np
import torch

from audit.cache import PredictionCache, predict_unique
from audit.labels import EMOTION_LABELS
from audit.runner import Options, evaluate, plan_audit

FLOP_PER_TOKEN = 2 * 42.5e6  # forward pass of the DistilBERT-base encoder, embeddings excluded


def build_seed_sized_model(tokenizer: str, folder: Path) -> Path:
    """Save a random-weight ``DistilBertConfig()`` classifier with 6 emotion labels and the tokenizer."""
    from transformers import AutoTokenizer, DistilBertConfig, DistilBertForSequenceClassification

    tok = AutoTokenizer.from_pretrained(tokenizer)
    id2label = dict(enumerate(EMOTION_LABELS))
    config = DistilBertConfig(num_labels=6, id2label=id2label, label2id={v: k for k, v in id2label.items()})
    torch.manual_seed(0)
    DistilBertForSequenceClassification(config).eval().save_pretrained(folder)
    tok.save_pretrained(folder)
    return folder


def timed(fn: Callable[[], Any]) -> tuple[Any, float]:
    start = time.perf_counter()
    out = fn()
    if torch.cuda.is_available():
        torch.cuda.synchronize()
    return out, time.perf_counter() - start


def matmul_flops(device: str, seconds: float = 2.0) -> float:
    """Best sustained float32 FLOP/s of matmuls shaped like the encoder's feed-forward layer
    (rows x 768 @ 768 x 3072), over several row counts: the machine's practical ceiling."""
    best = 0.0
    for rows in (512, 1024, 2048, 4096):
        a = torch.randn(rows, 768, device=device)
        w = torch.randn(768, 3072, device=device)
        torch.matmul(a, w)
        reps, start = 0, time.perf_counter()
        while time.perf_counter() - start < seconds:
            torch.matmul(a, w)
            reps += 1
        if device == "cuda":
            torch.cuda.synchronize()
        best = max(best, reps * 2 * rows * 768 * 3072 / (time.perf_counter() - start))
    return best


def run_pipeline(model_dir: Path, texts: list[str], device: str) -> list[str]:
    from transformers import pipeline

    pipe = pipeline("text-classification", model=str(model_dir), top_k=None, batch_size=32,
                    device=0 if device == "cuda" else -1)
    out = pipe(texts, truncation=True, max_length=512)
    return [max(row, key=lambda r: r["score"])["label"] for row in out]


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", required=True, help="evaluation data (as for emotion-audit run --data)")
    parser.add_argument("--tokenizer", default="distilbert-base-uncased")
    parser.add_argument("--suites", default="all", help="comma-separated suites, 'all', or 'none'")
    parser.add_argument("--device", default="cpu", choices=["cpu", "cuda"])
    parser.add_argument("--limit", type=int, default=0,
                        help="time a seeded sample of this many list entries (0: the whole list)")
    parser.add_argument("--threads", default="1,2", help="CPU thread counts to compare for our path")
    parser.add_argument("--thread-sample", type=int, default=1000, help="distinct texts timed per thread count")
    parser.add_argument("--json", type=Path, default=None, help="also write the figures here")
    args = parser.parse_args()

    results: dict[str, Any] = {"device": args.device, "torch": torch.__version__}
    if args.device == "cuda":
        results["gpu"] = torch.cuda.get_device_name(0)
    with tempfile.TemporaryDirectory() as tmp:
        model_dir = build_seed_sized_model(args.tokenizer, Path(tmp) / "model")
        suites = () if args.suites == "none" else tuple(args.suites.split(","))
        options = Options(suites=suites, device=args.device, use_cache=False, progress=False)
        plan = plan_audit(str(model_dir), args.data, options)
        texts = plan.texts
        if args.limit and args.limit < len(texts):
            texts = random.Random(0).sample(texts, args.limit)
        clf = plan.classifier
        tokens = np.array(clf.token_lengths(list(dict.fromkeys(texts))))
        results.update(n_texts=len(texts), n_unique=len(set(texts)), mean_tokens=float(tokens.mean()))
        clf.predict_proba(texts[:64])  # warm-up

        # Thread count by measurement, on a sample of distinct texts.
        sample = random.Random(1).sample(sorted(set(texts)), min(args.thread_sample, len(set(texts))))
        threads_tried = [int(t) for t in args.threads.split(",")] if args.device == "cpu" else [torch.get_num_threads()]
        for threads in threads_tried:
            torch.set_num_threads(threads)
            _, seconds = timed(lambda: clf.predict_proba(sample))
            results[f"sample_texts_per_s_threads_{threads}"] = len(sample) / seconds
        threads = max(threads_tried, key=lambda t: results[f"sample_texts_per_s_threads_{t}"])
        torch.set_num_threads(threads)

        with tempfile.TemporaryDirectory() as cache_dir:
            # Ours: the audit's own path, cache included (it is written as predictions finish).
            cache = PredictionCache(Path(cache_dir), clf.cache_key())
            (probs, _), ours_s = timed(lambda: predict_unique(clf, texts, cache))
            cache.close()
            results.update(threads=threads, ours_s=ours_s, ours_texts_per_s=len(texts) / ours_s)
            if not args.limit:
                full = replace(options, use_cache=True, cache_dir=Path(cache_dir))
                _, rerun_s = timed(lambda: evaluate(str(model_dir), args.data, full))
                results["cached_rerun_s"] = rerun_s
        results["peak_rss_mib"] = peak_rss_mib()
        if args.device == "cuda":
            results["peak_gpu_mib"] = torch.cuda.max_memory_allocated() / 2**20

        pipe_labels, pipe_s = timed(lambda: run_pipeline(model_dir, texts, args.device))
        ours_labels = [plan.labels[int(np.argmax(probs[t]))] for t in texts]
        results.update(pipeline_s=pipe_s, pipeline_texts_per_s=len(texts) / pipe_s,
                       speedup=pipe_s / ours_s,
                       agreement=float(np.mean([a == b for a, b in zip(ours_labels, pipe_labels)])))

        flops = matmul_flops(args.device)
        limit_tokens_per_s = flops / FLOP_PER_TOKEN
        results.update(matmul_gflops=flops / 1e9, limit_unique_texts_per_s=limit_tokens_per_s / tokens.mean(),
                       ours_unique_texts_per_s=len(tokens) / ours_s,
                       share_of_limit=(tokens.sum() / ours_s) / limit_tokens_per_s)
        if clf.cls_only_last_layer:
            # The last layer computes only keys and values (2 of its 12 d^2 weights per token) for
            # positions other than [CLS]: the FLOPs actually executed are fewer than the nominal.
            skipped = FLOP_PER_TOKEN * (10 / 12) / clf.model.config.num_hidden_layers
            executed = FLOP_PER_TOKEN * tokens.sum() - skipped * (tokens - 1).sum()
            results["share_of_limit_executed"] = executed / ours_s / flops

    print(json.dumps(results, indent=2))
    print()
    print("| path | texts | seconds | texts/s |")
    print("|---|---|---|---|")
    print(f"| transformers pipeline (batch 32) | {len(texts)} | {pipe_s:.1f} | {results['pipeline_texts_per_s']:.1f} |")
    print(f"| emotion-audit ({threads} threads) | {len(texts)} | {ours_s:.1f} | {results['ours_texts_per_s']:.1f} |")
    print(f"\nspeed-up {results['speedup']:.2f}x, label agreement {results['agreement']:.2%}, "
          f"{results['share_of_limit']:.0%} of the float32 matmul limit ({results['matmul_gflops']:.0f} GFLOP/s; "
          f"{results.get('share_of_limit_executed', results['share_of_limit']):.0%} counting the FLOPs executed), "
          f"cached re-run of the full audit {results.get('cached_rerun_s', float('nan')):.1f} s, "
          f"peak RSS {results['peak_rss_mib']:.0f} MiB")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    sys.exit(main())
