"""Same inputs and seed, same outputs: ``results.json`` byte-identical apart from its ``run``
section, and ``predictions.jsonl`` byte-identical, whether the predictions come from the model or
from the cache.

Each run is a separate ``emotion-audit run`` process with a different ``PYTHONHASHSEED``, so an
output that depends on set or hash order (which an in-process rerun would never show) fails here.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from audit.results import PREDICTIONS_FILE, RESULTS_FILE, VOLATILE_KEY, dumps
from audit.runner import available_suites
from test_errors import run_args, write_rows

#: ``emotion-audit`` in a fresh interpreter.
BOOT = "import sys; from audit.cli import main; sys.exit(main(sys.argv[1:]))"
ROWS = [("i feel happy today", "joy"), ("im so scared of the dark", "fear"), ("i love you so much", "love"),
        ("i feel so angry at him", "anger"), ("i was surprised by my mother", "surprise"),
        ("she is very sad today", "sadness"), ("im gonna cry", "sadness"), ("he made me feel so lonely", "sadness")]


def _cli(hash_seed: int, argv: list[Any], env_cache: Path) -> None:
    env = {**os.environ, "PYTHONHASHSEED": str(hash_seed), "EMOTION_AUDIT_CACHE": str(env_cache)}
    proc = subprocess.run([sys.executable, "-c", BOOT, *map(str, argv)], env=env,
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-4000:]


@pytest.mark.slow
def test_same_inputs_and_seed_give_identical_outputs(tiny_model: Path, tmp_path: Path) -> None:
    data = write_rows(tmp_path / "test.txt", ROWS)
    suites = ["--suites", "all"] if available_suites() else []
    cache = tmp_path / "cache"
    runs = {"no-cache": ["--no-cache"], "cold-cache": ["--cache-dir", cache], "warm-cache": ["--cache-dir", cache]}
    for hash_seed, (name, extra) in enumerate(runs.items(), start=1):
        _cli(hash_seed, run_args(tiny_model, data, tmp_path / name, "--seed", 7, *suites, *extra),
             tmp_path / "default-cache")

    docs = {name: json.loads((tmp_path / name / RESULTS_FILE).read_text(encoding="utf-8")) for name in runs}
    assert docs["cold-cache"]["run"]["inference"]["cached"] == 0
    assert docs["warm-cache"]["run"]["inference"]["computed"] == 0
    assert set(docs["no-cache"]["suites"]) == ({"test", *available_suites()} if suites else {"test"})

    stable = {name: dumps({k: v for k, v in doc.items() if k != VOLATILE_KEY}) for name, doc in docs.items()}
    predictions = {name: (tmp_path / name / PREDICTIONS_FILE).read_bytes() for name in runs}
    for name in ("cold-cache", "warm-cache"):
        assert stable[name] == stable["no-cache"], name
        assert predictions[name] == predictions["no-cache"], name


OTHER_ROWS = [("i feel awful about what i said", "sadness"), ("i am thrilled with the new job", "joy"),
              ("i feel so furious with my boss", "anger"), ("i feel nervous about tomorrow", "fear")]


@pytest.mark.slow
def test_results_do_not_depend_on_cache_history(reference_model: Path, tmp_path: Path) -> None:
    """A cache partly filled by an interrupted run of the same audit (a subset of its texts) or by
    another audit that shares template texts gives the same bytes as no cache at all. Batch
    composition used to change the last bits of a probability (up to 1.9e-6 between such runs)."""
    data = write_rows(tmp_path / "test.txt", ROWS)
    suites = ["--suites", "all"] if available_suites() else []
    fillers = {"resumed": write_rows(tmp_path / "part.txt", ROWS[:3]),
               "shared": write_rows(tmp_path / "other.txt", OTHER_ROWS)}
    _cli(1, run_args(reference_model, data, tmp_path / "no-cache", "--seed", 3, *suites, "--no-cache"),
         tmp_path / "default-cache")
    want = json.loads((tmp_path / "no-cache" / RESULTS_FILE).read_text(encoding="utf-8"))
    for name, filler in fillers.items():
        cache = tmp_path / f"cache-{name}"
        _cli(2, run_args(reference_model, filler, tmp_path / f"fill-{name}", "--seed", 3, *suites,
                         "--cache-dir", cache), tmp_path / "default-cache")
        _cli(3, run_args(reference_model, data, tmp_path / name, "--seed", 3, *suites, "--cache-dir", cache),
             tmp_path / "default-cache")
        got = json.loads((tmp_path / name / RESULTS_FILE).read_text(encoding="utf-8"))
        inference = got["run"]["inference"]
        assert 0 < inference["cached"] < inference["unique"], (name, inference)
        assert dumps({k: v for k, v in got.items() if k != VOLATILE_KEY}) == \
            dumps({k: v for k, v in want.items() if k != VOLATILE_KEY}), name
        assert (tmp_path / name / PREDICTIONS_FILE).read_bytes() == \
            (tmp_path / "no-cache" / PREDICTIONS_FILE).read_bytes(), name
