"""Scale benchmark: a whole audit of many synthetic texts, on the local engine and on Ray.

Writes a CSV of ``--texts`` distinct synthetic texts (as ``bench_memory.py`` does), builds the same
small random DistilBERT classifier, and runs ``emotion-audit run --predictions parquet --no-cache
--no-label-issues`` on it once per engine, each in a fresh process: ``--engine local``, then
``--engine ray`` without an address, which starts a local Ray runtime sized to the machine (one
single-threaded model actor per CPU). ``--local-threads 1`` runs the local engine single-threaded
too (``OMP_NUM_THREADS``), which on a tiny model and a busy machine is much faster than torch's
default of one thread per core. For each run it reports

- wall time of the whole command (Ray's start-up included) and the audit's own durations
  (``run.durations`` of results.json: inference, scoring, total);
- texts per second of the inference pass and of the whole run;
- peak memory: the command's own peak RSS, and the peak of the summed PSS (proportional set
  size: shared pages divided among the processes sharing them) of its whole process tree, sampled
  every 0.2 s, which includes Ray's processes, its actors and its object store.

    python benchmarks/bench_scale.py --tokenizer TOKENIZER [--texts 200000] [--engines local,ray] [--local-threads 1]
        [--stream]
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_memory import build_small_model, write_dataset  # the sibling benchmark's model and data

#: Seconds between two samples of the process tree's memory.
SAMPLE_S = 0.2


def tree_pss(root: int) -> int:
    """Summed PSS in bytes of ``root`` and every process descended from it (Linux ``/proc``)."""
    children: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                ppid = int(Path(entry.path, "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry.name))
    total, stack = 0, [root]
    while stack:
        pid = stack.pop()
        stack += children.get(pid, [])
        try:
            for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    total += int(line.split()[1]) * 1024
                    break
        except OSError:
            continue
    return total


def run_audit(engine: str, model: Path, data: Path, out: Path, threads: int | None = None,
              stream: bool = False) -> dict[str, float]:
    """One ``emotion-audit run`` in a fresh process (torch limited to ``threads`` threads when
    given; ``--stream`` when ``stream``): wall time, peak RSS of the command, peak summed PSS of
    its process tree, and the durations it recorded."""
    code = ("import resource, sys; from audit.cli import main; rc = main(sys.argv[1:]); "
            "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss); sys.exit(rc)")
    command = [sys.executable, "-c", code, "-q", "run", "--model", str(model), "--data", str(data), "--out", str(out),
               "--device", "cpu", "--no-cache", "--no-label-issues", "--predictions", "parquet", "--engine", engine, *(["--stream"] if stream else [])]
    peak = [0]
    start = time.perf_counter()
    env = {**os.environ, **({"OMP_NUM_THREADS": str(threads)} if threads else {})}
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)

    def sample() -> None:
        while proc.poll() is None:
            peak[0] = max(peak[0], tree_pss(proc.pid))
            time.sleep(SAMPLE_S)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    stdout, stderr = proc.communicate()
    wall = time.perf_counter() - start
    sampler.join()
    if proc.returncode:
        raise SystemExit(f"{engine} run failed ({proc.returncode}): {stderr.strip()[-2000:]}")
    run = json.loads((out / "results.json").read_text())["run"]
    n = run["inference"]["computed"]
    durations = run["durations"]
    return {"texts": n, "wall_s": round(wall, 1), "inference_s": durations["inference_s"],
            "metrics_s": durations["metrics_s"], "total_s": durations["total_s"],
            "inference_texts_per_s": round(n / durations["inference_s"]), "wall_texts_per_s": round(n / wall),
            "peak_rss_command_mib": round(int(stdout.split()[-1]) / 1024),
            "peak_pss_tree_mib": round(peak[0] / 2**20), "engine": run.get("engine"), "durations": durations}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tokenizer", default="distilbert-base-uncased",
                        help="any uncased BERT WordPiece tokenizer folder or Hub id")
    parser.add_argument("--texts", type=int, default=200_000)
    parser.add_argument("--engines", default="local,ray")
    parser.add_argument("--local-threads", type=int, default=None,
                        help="torch threads of the local engine (default: torch's, one per core)")
    parser.add_argument("--stream", action="store_true",
                        help="run with --stream (the split scored from counts, its records not held)")
    parser.add_argument("--json", type=Path, default=None, help="also write the figures here")
    args = parser.parse_args()
    figures: dict[str, object] = {"texts": args.texts, "stream": args.stream, "cpus": os.cpu_count(), "machine": platform.machine(),
                                  "python": platform.python_version()}
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        build_small_model(args.tokenizer, root / "model")
        write_dataset(root / "data.csv", args.texts)
        for engine in args.engines.split(","):
            threads = args.local_threads if engine == "local" else None
            figures[engine] = {**run_audit(engine, root / "model", root / "data.csv", root / f"out-{engine}", threads,
                                            args.stream),
                               "torch_threads": threads or "default"}
            print(engine, json.dumps(figures[engine]), flush=True)
    text = json.dumps(figures, indent=2)
    print(text)
    if args.json:
        args.json.write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
