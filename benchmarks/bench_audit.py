"""Benchmark: the audit's inference path against the transformers pipeline, on one machine, in one run.

It builds a seed-sized classifier (``DistilBertConfig()`` defaults, 6 labels, random weights: the
same compute as a fine-tuned distilbert-base-uncased), lists every text a full audit needs (the
split plus every suite's cases and their source texts: the *list*, in which a source text comes
back once per case made from it) and its *distinct* texts, and times

- ours: :func:`audit.cache.predict_unique` over the list (each distinct text once, longest first
  in token-budget batches, dynamic padding, softmax on the device), the cache being written;
- the obvious alternative, ``transformers.pipeline("text-classification", top_k=None,
  batch_size=32)``, over the same *distinct* texts: what a user writing the audit by hand, who
  predicts each text once, would run. Their ratio is the speed-up per distinct text;
- the same pipeline over the whole list, duplicates included (``--list-pipeline``, on by
  default on CPU): the older, larger figure, which also counts the repeats ours never runs;
- the whole process of ``emotion-audit run`` (a fresh interpreter: imports, model load and
  probe, suite generation, inference with a fresh cache, scoring, bootstrap, discoveries,
  report), and a fully cached re-run of it; its ``durations`` split inference from the rest.

and prints texts per second, the ratios, the share of identical predicted labels (per distinct
text), how far our pass is from the machine's float32 matmul limit (about 85 MFLOP per real token:
2 x the 42.5M encoder weights), peak memory and the load average around each timing: the
machine may be shared, so compare the ratios measured here, inside one run, not figures from
different runs.

On CUDA (``--device cuda``) each of ``--dtypes`` (float32, float16, bfloat16) is timed for ours
and for the pipeline loaded in the same dtype, over the same distinct texts, with peak GPU memory,
the time spent tokenizing (on the CPU) against the whole pass (the larger share names the
bottleneck), and the label agreement of every run with ours in float32 on the CPU.

    python benchmarks/bench_audit.py --data DATA --tokenizer TOKENIZER [--device cpu|cuda]
        [--dtypes float32,float16,bfloat16] [--json FILE]

``TOKENIZER`` is a folder or Hub id holding an uncased BERT WordPiece tokenizer (that of
distilbert-base-uncased, or of any model fine-tuned from it).
"""
from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np
import torch

from audit.cache import PredictionCache, predict_unique
from audit.labels import EMOTION_LABELS
from audit.model import TransformersClassifier
from audit.runner import Options, plan_audit

FLOP_PER_TOKEN = 2 * 42.5e6  # forward pass of the DistilBERT-base encoder, embeddings excluded
TORCH_DTYPES = {"float32": torch.float32, "float16": torch.float16, "bfloat16": torch.bfloat16}


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


def load_average() -> float:
    """The 1-minute load average (how busy the machine was; above about the core count, figures
    taken on it are slower than on an idle machine)."""
    return round(os.getloadavg()[0], 2)


def timed(fn: Callable[[], Any]) -> tuple[Any, dict[str, float]]:
    """``fn()`` and its wall seconds, CPU seconds of this process (all threads) and the load
    average before and after."""
    load, cpu, start = load_average(), time.process_time(), time.perf_counter()
    out = fn()
    if torch.cuda.is_available():
        torch.cuda.synchronize()
    return out, {"s": time.perf_counter() - start, "cpu_s": time.process_time() - cpu,
                 "load_before": load, "load_after": load_average()}


def matmul_flops(device: str, dtype: torch.dtype = torch.float32, seconds: float = 2.0) -> float:
    """Best sustained FLOP/s of matmuls shaped like the encoder's feed-forward layer
    (rows x 768 @ 768 x 3072), over several row counts: the machine's practical ceiling."""
    best = 0.0
    for rows in (512, 1024, 2048, 4096, 16384):
        a = torch.randn(rows, 768, device=device, dtype=dtype)
        w = torch.randn(768, 3072, device=device, dtype=dtype)
        torch.matmul(a, w)
        reps, start = 0, time.perf_counter()
        while time.perf_counter() - start < seconds:
            torch.matmul(a, w)
            reps += 1
        if device == "cuda":
            torch.cuda.synchronize()
        best = max(best, reps * 2 * rows * 768 * 3072 / (time.perf_counter() - start))
    return best


def run_pipeline(model_dir: Path, texts: Sequence[str], device: str, dtype: str = "float32") -> list[str]:
    """The top label of every text by ``pipeline("text-classification", top_k=None, batch_size=32)``."""
    from transformers import pipeline
    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_error()
    pipe = pipeline("text-classification", model=str(model_dir), top_k=None, batch_size=32,
                    device=0 if device == "cuda" else -1, dtype=TORCH_DTYPES[dtype])
    out = pipe(list(texts), truncation=True, max_length=512)
    return [max(row, key=lambda r: r["score"])["label"] for row in out]


def top_labels(clf: TransformersClassifier, probs: dict[str, np.ndarray], texts: Sequence[str]) -> list[str]:
    return [clf.labels[int(np.argmax(probs[t]))] for t in texts]


def agreement(a: Sequence[str], b: Sequence[str]) -> float:
    return float(np.mean([x == y for x, y in zip(a, b)]))


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def whole_process(model_dir: Path, data: str, suites: str, out: Path, cache: Path) -> dict[str, Any]:
    """``emotion-audit run`` on the CPU in a fresh interpreter: wall and CPU seconds (children's
    rusage), the run's own ``durations``, the load average before and after."""
    command = [sys.executable, "-m", "audit.cli", "run", "--model", str(model_dir), "--data", data,
               "--device", "cpu", "--out", str(out), "--cache-dir", str(cache), "-q"]
    if suites != "none":
        command += ["--suites", suites]
    before, load, start = resource.getrusage(resource.RUSAGE_CHILDREN), load_average(), time.perf_counter()
    subprocess.run(command, check=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    durations = json.loads((out / "results.json").read_text(encoding="utf-8"))["run"]["durations"]
    return {"s": wall, "cpu_s": (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime),
            "load_before": load, "load_after": load_average(), "durations": durations,
            "outside_inference_s": wall - durations["inference_s"]}


def compare_seconds(a: Path, b: Path) -> float:
    """Seconds of ``emotion-audit compare``'s work (load, check, every paired test) on two runs."""
    from audit.compare import compare, load_entries

    _, t = timed(lambda: compare(load_entries([a, b])))
    return t["s"]


def cpu_benchmark(args: argparse.Namespace, model_dir: Path, texts: list[str], distinct: list[str],
                  clf: TransformersClassifier, tokens: np.ndarray, results: dict[str, Any], tmp: Path) -> None:
    """Ours, the pipeline per distinct text and over the list, the whole process, the ceiling."""
    threads = torch.get_num_threads()  # torch's default, which the pipeline runs with too
    if args.threads:
        sample = random.Random(1).sample(distinct, min(args.thread_sample, len(distinct)))
        threads_tried = [int(t) for t in args.threads.split(",")]
        for n_threads in threads_tried:
            torch.set_num_threads(n_threads)
            _, t = timed(lambda: clf.predict_proba(sample))
            results[f"sample_texts_per_s_threads_{n_threads}"] = len(sample) / t["s"]
        threads = max(threads_tried, key=lambda n: results[f"sample_texts_per_s_threads_{n}"])
    torch.set_num_threads(threads)
    results["threads"] = threads

    cache = PredictionCache(tmp / "bench-cache", clf.cache_key(), len(clf.labels))
    (probs, _), ours = timed(lambda: predict_unique(clf, texts, cache))
    cache.close()
    results["ours"] = ours
    ours_labels = top_labels(clf, probs, distinct)

    pipe_labels, pipe = timed(lambda: run_pipeline(model_dir, distinct, "cpu"))
    results["pipeline_distinct"] = pipe
    results["agreement_distinct"] = agreement(ours_labels, pipe_labels)
    results["speedup_per_distinct_text"] = pipe["s"] / ours["s"]
    if args.list_pipeline:
        _, pipe_list = timed(lambda: run_pipeline(model_dir, texts, "cpu"))
        results["pipeline_list"] = pipe_list
        results["speedup_with_repeats"] = pipe_list["s"] / ours["s"]

    flops = matmul_flops("cpu")
    limit_tokens_per_s = flops / FLOP_PER_TOKEN
    results.update(matmul_gflops=flops / 1e9, limit_distinct_texts_per_s=limit_tokens_per_s / tokens.mean(),
                   ours_distinct_texts_per_s=len(distinct) / ours["s"],
                   share_of_limit=(tokens.sum() / ours["s"]) / limit_tokens_per_s)
    if clf.cls_only_last_layer:
        # The last layer computes only keys and values (2 of its 12 d^2 weights per token) for
        # positions other than [CLS]: the FLOPs actually executed are fewer than the nominal.
        skipped = FLOP_PER_TOKEN * (10 / 12) / clf.model.config.num_hidden_layers
        executed = FLOP_PER_TOKEN * tokens.sum() - skipped * (tokens - 1).sum()
        results["share_of_limit_executed"] = executed / ours["s"] / flops
    results["peak_rss_mib"] = peak_rss_mib()

    if args.process and not args.limit:
        fresh = whole_process(model_dir, args.data, args.suites, tmp / "run-fresh", tmp / "run-cache")
        cached = whole_process(model_dir, args.data, args.suites, tmp / "run-cached", tmp / "run-cache")
        results.update(process_fresh=fresh, process_cached=cached,
                       speedup_whole_process=pipe["s"] / fresh["s"],
                       compare_s=compare_seconds(tmp / "run-fresh", tmp / "run-cached"))


def gpu_benchmark(args: argparse.Namespace, model_dir: Path, distinct: list[str], cpu: TransformersClassifier,
                  tokens: np.ndarray, results: dict[str, Any]) -> None:
    """Ours and the pipeline in every dtype on the GPU, against ours in float32 on the CPU (``cpu``)."""
    results["gpu"] = torch.cuda.get_device_name(0)
    cpu_probs, cpu_t = timed(lambda: predict_unique(cpu, distinct)[0])
    reference = top_labels(cpu, cpu_probs, distinct)
    results["cpu_float32_reference"] = {**cpu_t, "threads": torch.get_num_threads()}
    for dtype in args.dtypes.split(","):
        clf = TransformersClassifier.load(str(model_dir), device="cuda", dtype=dtype, progress=False)
        predict_unique(clf, distinct[:2048])  # warm-up: kernels, allocator
        _, tok_t = timed(lambda: clf.encode(distinct))
        torch.cuda.reset_peak_memory_stats()
        (probs, _), ours = timed(lambda: predict_unique(clf, distinct))
        ours["peak_gpu_mib"] = torch.cuda.max_memory_allocated() / 2**20
        del clf
        torch.cuda.empty_cache()
        torch.cuda.reset_peak_memory_stats()
        pipe_labels, pipe = timed(lambda: run_pipeline(model_dir, distinct, "cuda", dtype))
        pipe["peak_gpu_mib"] = torch.cuda.max_memory_allocated() / 2**20
        torch.cuda.empty_cache()
        flops = matmul_flops("cuda", TORCH_DTYPES[dtype], seconds=0.5)
        ours_labels = top_labels(cpu, probs, distinct)
        results[dtype] = {
            "ours": ours, "pipeline": pipe, "tokenize": tok_t,
            "ours_texts_per_s": len(distinct) / ours["s"], "pipeline_texts_per_s": len(distinct) / pipe["s"],
            "speedup_per_distinct_text": pipe["s"] / ours["s"],
            "tokenize_share": tok_t["s"] / ours["s"],
            "bottleneck": "tokenization" if tok_t["s"] > 0.5 * ours["s"] else "the GPU",
            "agreement_with_cpu_float32": agreement(ours_labels, reference),
            "pipeline_agreement_with_cpu_float32": agreement(pipe_labels, reference),
            "matmul_tflops": flops / 1e12,
            "share_of_limit": (tokens.sum() / ours["s"]) / (flops / FLOP_PER_TOKEN),
        }


def print_summary(results: dict[str, Any]) -> None:
    """The figures as the README's tables and lines."""
    n, d = results["n_list"], results["n_distinct"]
    if results["device"] == "cuda":
        print(f"\n{results['gpu']}: {d:,} distinct texts ({results['mean_tokens']:.1f} tokens on average)\n")
        print("| dtype | ours texts/s | pipeline texts/s | speed-up | tokenize share | bottleneck | "
              "agreement with CPU float32 (ours / pipeline) | peak GPU MiB (ours / pipeline) |")
        print("|---|---|---|---|---|---|---|---|")
        for dtype in TORCH_DTYPES:
            if dtype in results:
                r = results[dtype]
                print(f"| {dtype} | {r['ours_texts_per_s']:,.0f} | {r['pipeline_texts_per_s']:,.0f} | "
                      f"{r['speedup_per_distinct_text']:.1f}x | {r['tokenize_share']:.0%} | {r['bottleneck']} | "
                      f"{r['agreement_with_cpu_float32']:.4%} / {r['pipeline_agreement_with_cpu_float32']:.4%} | "
                      f"{r['ours']['peak_gpu_mib']:,.0f} / {r['pipeline']['peak_gpu_mib']:,.0f} |")
        return
    ours, pipe = results["ours"], results["pipeline_distinct"]
    print(f"\n{n:,} list entries, {d:,} distinct texts, {results['mean_tokens']:.1f} tokens on average\n")
    print("| path | texts | seconds | texts/s | load average (before, after) |")
    print("|---|---|---|---|---|")
    print(f"| transformers pipeline (batch 32), distinct texts | {d:,} | {pipe['s']:.1f} | {d / pipe['s']:.1f} | "
          f"{pipe['load_before']}, {pipe['load_after']} |")
    if "pipeline_list" in results:
        pl = results["pipeline_list"]
        print(f"| transformers pipeline (batch 32), whole list | {n:,} | {pl['s']:.1f} | {n / pl['s']:.1f} | "
              f"{pl['load_before']}, {pl['load_after']} |")
    print(f"| emotion-audit ({results['threads']} threads), the list | {n:,} ({d:,} run) | {ours['s']:.1f} | "
          f"{d / ours['s']:.1f} per distinct text | {ours['load_before']}, {ours['load_after']} |")
    repeats = (f"; with the repeated sources counted {results['speedup_with_repeats']:.2f}x"
               if "speedup_with_repeats" in results else "")
    print(f"\nper distinct text {results['speedup_per_distinct_text']:.2f}x, label agreement "
          f"{results['agreement_distinct']:.2%}{repeats}; "
          f"{results['share_of_limit']:.0%} of the float32 matmul limit ({results['matmul_gflops']:.0f} GFLOP/s; "
          f"{results.get('share_of_limit_executed', results['share_of_limit']):.0%} counting the FLOPs executed); "
          f"peak RSS {results['peak_rss_mib']:.0f} MiB")
    if "process_fresh" in results:
        fresh, cached = results["process_fresh"], results["process_cached"]
        print(f"whole process `emotion-audit run`: {fresh['s']:.1f} s ({fresh['durations']['inference_s']:.1f} s "
              f"inference, {fresh['outside_inference_s']:.1f} s the rest; load {fresh['load_before']}, "
              f"{fresh['load_after']}), {results['speedup_whole_process']:.2f}x the pipeline's inference alone; "
              f"cached re-run {cached['s']:.1f} s ({cached['cpu_s']:.1f} CPU s); compare {results['compare_s']:.1f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", required=True, help="evaluation data (as for emotion-audit run --data)")
    parser.add_argument("--tokenizer", default="distilbert-base-uncased")
    parser.add_argument("--suites", default="all", help="comma-separated suites, 'all', or 'none'")
    parser.add_argument("--device", default="cpu", choices=["cpu", "cuda"])
    parser.add_argument("--dtypes", default="float32,float16,bfloat16", help="dtypes timed on CUDA")
    parser.add_argument("--limit", type=int, default=0,
                        help="time a seeded sample of this many list entries (0: the whole list; "
                             "skips the whole-process runs)")
    parser.add_argument("--threads", default="",
                        help="CPU thread counts to time on a sample, the fastest then used for our path "
                             "(default: torch's default, as the pipeline and emotion-audit run use)")
    parser.add_argument("--thread-sample", type=int, default=1000, help="distinct texts timed per thread count")
    parser.add_argument("--no-list-pipeline", dest="list_pipeline", action="store_false",
                        help="skip the pipeline over the whole list (the figure with repeats)")
    parser.add_argument("--no-process", dest="process", action="store_false",
                        help="skip the whole-process runs of emotion-audit run")
    parser.add_argument("--json", type=Path, default=None, help="also write the figures here")
    args = parser.parse_args()

    results: dict[str, Any] = {"device": args.device, "torch": torch.__version__, "cpus": os.cpu_count(),
                               "load_start": load_average()}
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        model_dir = build_seed_sized_model(args.tokenizer, tmp / "model")
        suites = () if args.suites == "none" else tuple(args.suites.split(","))
        # planned on the CPU: on CUDA its float32 classifier is the reference the GPU runs are checked against
        options = Options(suites=suites, device="cpu", use_cache=False, progress=False)
        plan = plan_audit(str(model_dir), args.data, options)
        texts = plan.texts
        if args.limit and args.limit < len(texts):
            texts = random.Random(0).sample(texts, args.limit)
        distinct = list(dict.fromkeys(texts))
        clf = plan.classifier.load()  # planned without the cache, so already loaded: the model itself
        tokens = np.array(clf.token_lengths(distinct))
        results.update(n_list=len(texts), n_distinct=len(distinct), mean_tokens=float(tokens.mean()))
        clf.predict_proba(distinct[:64])  # warm-up
        if args.device == "cuda":
            gpu_benchmark(args, model_dir, distinct, clf, tokens, results)
        else:
            cpu_benchmark(args, model_dir, texts, distinct, clf, tokens, results, tmp)
    results["load_end"] = load_average()
    print(json.dumps(results, indent=2))
    print_summary(results)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    sys.exit(main())
