"""Memory benchmark: a full audit of a large dataset keeps memory bounded.

Writes a synthetic ``text,label`` CSV of ``--texts`` distinct texts, audits it with a small random
DistilBERT classifier (the model's size does not change what the audit itself holds: inference
runs in fixed-size chunks and batches), and reports the peak resident memory of the run next to
that of a run on a tenth of the data. Activations are bounded by the token budget; what grows with
the dataset is only the per-text output (probabilities and the records of predictions.jsonl).

    python benchmarks/bench_memory.py --tokenizer TOKENIZER [--texts 200000]
"""
from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from audit.labels import EMOTION_LABELS

WORDS = ("i feel felt so very really happy sad angry scared loved surprised today because my friend "
         "work home tired excited lonely calm nervous glad upset").split()


def write_dataset(path: Path, n: int, seed: int = 0) -> None:
    """``n`` distinct synthetic texts of 5-40 words with random emotion labels."""
    rng = random.Random(seed)
    with path.open("w", encoding="utf-8") as fh:
        fh.write("text,label\n")
        for i in range(n):
            words = [rng.choice(WORDS) for _ in range(rng.randint(5, 40))]
            fh.write(f"{' '.join(words)} {i},{rng.choice(EMOTION_LABELS)}\n")


def build_small_model(tokenizer: str, folder: Path) -> None:
    import torch
    from transformers import AutoTokenizer, DistilBertConfig, DistilBertForSequenceClassification

    id2label = dict(enumerate(EMOTION_LABELS))
    config = DistilBertConfig(dim=128, hidden_dim=512, n_layers=2, n_heads=2, num_labels=6, id2label=id2label,
                              label2id={v: k for k, v in id2label.items()})
    torch.manual_seed(0)
    DistilBertForSequenceClassification(config).eval().save_pretrained(folder)
    AutoTokenizer.from_pretrained(tokenizer).save_pretrained(folder)


def audit_peak(model: Path, data: Path, out: Path) -> tuple[float, float]:
    """Peak RSS (MiB) and seconds of ``emotion-audit run`` in a fresh process."""
    code = ("import resource, sys; from audit.cli import main; rc = main(sys.argv[1:]); "
            "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss); sys.exit(rc)")
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", code, "-q", "run", "--model", str(model), "--data", str(data),
                           "--out", str(out), "--device", "cpu", "--no-cache"],
                          capture_output=True, text=True, check=True)
    return int(proc.stdout.split()[-1]) / 1024, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tokenizer", default="distilbert-base-uncased")
    parser.add_argument("--texts", type=int, default=200_000)
    args = parser.parse_args()
    figures = {}
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        build_small_model(args.tokenizer, root / "model")
        for n in (args.texts // 10, args.texts):
            write_dataset(root / f"data-{n}.csv", n)
            peak, seconds = audit_peak(root / "model", root / f"data-{n}.csv", root / f"out-{n}")
            figures[n] = {"peak_rss_mib": round(peak), "seconds": round(seconds, 1),
                          "predictions_jsonl_mib": round((root / f"out-{n}" / "predictions.jsonl").stat().st_size / 2**20)}
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
