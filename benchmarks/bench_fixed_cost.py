"""Benchmark: what an audit costs besides inference, and a fully cached re-run, whole process.

Runs ``emotion-audit run --suites all --device cpu -q`` in a fresh interpreter. One first run
fills a prediction cache; then, ``--repeats`` times and for each source tree, a *fresh* run into a
new cache folder holding only a copy of those predictions (so it does everything a first run does
- imports, model load and probe, suite generation, training evidence, scoring, discoveries,
report - except the inference itself, which would only add the same seconds to every tree), then
a *cached* re-run of the same audit into the same folder. Reports the median, over the repeats,
of the wall-clock seconds, the CPU seconds (user + system, all threads), the non-inference
seconds (wall less the run's own ``durations.inference_s``, which excludes loading the model)
and the load average around each run: the machine may be shared, so compare figures taken in
one run.

``--rows N`` audits the first N rows of the data's test split (copied to a temporary folder as
``test.txt`` alone, so no training split is searched), as the golden-file test does.
``--pythonpath DIR`` (repeatable) times other source trees too, interleaved with this one, for
before/after ratios measured on the same machine at the same time:

    git archive BASE | tar -x -C /tmp/before
    python benchmarks/bench_fixed_cost.py --model M --data D --rows 300 --pythonpath /tmp/before
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
#: ``emotion-audit`` in a fresh interpreter.
BOOT = "import sys; from audit.cli import main; sys.exit(main(sys.argv[1:]))"


def one_run(source: Path, model: str, data: str, out: Path, cache: Path) -> dict[str, Any]:
    """One ``emotion-audit run`` with the package of ``source``: wall and CPU seconds, durations."""
    command = [sys.executable, "-c", BOOT, "run", "--model", model, "--data", data, "--suites", "all",
               "--device", "cpu", "-q", "--out", str(out), "--cache-dir", str(cache)]
    env = {**os.environ, "PYTHONPATH": str(source)}
    before, load, start = resource.getrusage(resource.RUSAGE_CHILDREN), os.getloadavg()[0], time.perf_counter()
    subprocess.run(command, check=True, env=env, cwd=source, stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    run = json.loads((out / "results.json").read_text(encoding="utf-8"))["run"]
    return {"s": wall, "cpu_s": (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime),
            "non_inference_s": wall - run["durations"]["inference_s"], "durations": run["durations"],
            "computed": run["inference"]["computed"], "load_before": round(load, 2),
            "load_after": round(os.getloadavg()[0], 2)}


def medians(runs: list[dict[str, Any]]) -> dict[str, float]:
    return {key: round(statistics.median(r[key] for r in runs), 2)
            for key in ("s", "cpu_s", "non_inference_s", "load_before", "load_after")}


def first_rows(data: Path, rows: int, folder: Path) -> Path:
    """A folder holding the first ``rows`` rows (and the header) of ``data``'s test split."""
    lines = (data / "test.txt").read_text(encoding="utf-8").splitlines()
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "test.txt").write_text("\n".join(lines[:rows + 1]) + "\n", encoding="utf-8")
    return folder


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", required=True, help="model folder or Hub id")
    parser.add_argument("--data", required=True, type=Path, help="data folder with test.txt (and train.txt)")
    parser.add_argument("--rows", type=int, default=0, help="audit only the first N test rows (0: all)")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--pythonpath", type=Path, action="append", default=[],
                        help="another source tree to time the same way (e.g. the code before a change)")
    parser.add_argument("--predictions", type=Path, default=None,
                        help="a predictions.sqlite of an earlier run of this audit to start from (default: "
                             "a first run fills one)")
    parser.add_argument("--json", type=Path, default=None, help="also write the figures here")
    args = parser.parse_args()

    sources = {"this": ROOT, **{str(p): p.resolve() for p in args.pythonpath}}
    model = str(Path(args.model).resolve()) if Path(args.model).exists() else args.model
    runs: dict[str, dict[str, list[dict[str, Any]]]] = {name: {"fresh": [], "cached": []} for name in sources}
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        data = str((first_rows(args.data, args.rows, tmp / "data") if args.rows else args.data).resolve())
        predictions = args.predictions
        if predictions is None:
            first = one_run(ROOT, model, data, tmp / "out", tmp / "predictions")
            print(f"first run, inference included: {first['s']:.1f} s ({first['computed']} texts predicted)")
            predictions = tmp / "predictions" / "predictions.sqlite"
        for repeat in range(args.repeats):
            for k, (name, source) in enumerate(sources.items()):  # interleaved: the same machine for each
                cache = tmp / f"cache-{repeat}-{k}"
                cache.mkdir()
                shutil.copy(predictions, cache / "predictions.sqlite")
                for kind in ("fresh", "cached"):
                    runs[name][kind].append(one_run(source, model, data, tmp / "out", cache))
    summary = {name: {kind: medians(r) for kind, r in by_kind.items()} for name, by_kind in runs.items()}
    print(json.dumps(summary, indent=2))
    for name, by_kind in summary.items():
        fresh, cached = by_kind["fresh"], by_kind["cached"]
        print(f"{name}: fresh {fresh['s']} s ({fresh['non_inference_s']} s not inference, {fresh['cpu_s']} CPU s), "
              f"cached re-run {cached['s']} s ({cached['cpu_s']} CPU s); load {fresh['load_before']} to "
              f"{cached['load_after']}")
    if args.json:
        args.json.write_text(json.dumps({"summary": summary, "runs": runs}, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
