"""The Ray engine: same results as the local engine, failures named, finished predictions cached.

Ray starts once for the session (two CPUs, no dashboard); the engine joins it and leaves it
running. Tests of what needs no Ray runtime run without one.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest

import audit.cache
from audit.cache import PredictionCache, predict_unique
from audit.cli import main
from audit.engines import RaySettings, check_engine
from audit.errors import AuditError
from audit.model import CallableClassifier, TransformersClassifier
from audit.results import RESULTS_FILE, VOLATILE_KEY
from audit.runner import Options, evaluate
from conftest import LABELS

TEXTS = ["i feel happy", "poison pill", "i am sad", "so angry today"]


def _probs(texts: list[str]) -> np.ndarray:
    """A deterministic classifier that raises on any batch holding a text with 'poison'."""
    if any("poison" in t for t in texts):
        raise ValueError("cannot read this text")
    out = np.full((len(texts), len(LABELS)), 0.5 / (len(LABELS) - 1))
    for i, text in enumerate(texts):
        out[i, len(text) % len(LABELS)] = 0.5
    return out


POISONED = CallableClassifier(_probs, LABELS, name="poisoned")


@pytest.fixture(scope="session")
def ray_runtime():
    """One local Ray runtime for the whole session (skips when Ray is not installed)."""
    ray = pytest.importorskip("ray")
    pytest.importorskip("ray.data")
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, logging_level="ERROR")
    # Workers cannot import this test module: its classifiers travel by value.
    ray.cloudpickle.register_pickle_by_value(sys.modules[__name__])
    yield ray
    ray.shutdown()


def _small_split(data: Path, folder: Path, n: int) -> Path:
    """The first ``n`` rows of the test split in ``data``, as a file in ``folder``."""
    lines = (data / "test.txt").read_text(encoding="utf-8").splitlines()
    path = folder / "test.txt"
    path.write_text("\n".join(lines[:n + 1]) + "\n", encoding="utf-8")
    return path


# --- without a Ray runtime --------------------------------------------------------------------

def test_a_failing_text_fails_alone_after_its_second_try() -> None:
    from audit.engines.ray_engine import predict_retrying

    probs, errors = predict_retrying(POISONED, TEXTS)
    assert errors == ["", "ValueError: cannot read this text", "", ""]
    assert np.isnan(probs[1]).all()
    keep = [0, 2, 3]
    assert np.array_equal(probs[keep], _probs([TEXTS[i] for i in keep]))


def test_a_batch_that_fails_once_is_recovered_text_by_text() -> None:
    from audit.engines.ray_engine import predict_retrying

    calls = []

    def flaky(texts: list[str]) -> np.ndarray:
        calls.append(len(texts))
        if len(calls) == 1:
            raise RuntimeError("transient")
        return _probs(texts)

    clean = [t for t in TEXTS if "poison" not in t]
    probs, errors = predict_retrying(CallableClassifier(flaky, LABELS), clean)
    assert errors == ["", "", ""] and calls == [3, 1, 1, 1]
    assert np.array_equal(probs, _probs(clean))


def test_finished_predictions_are_cached_and_failures_named(tmp_path: Path) -> None:
    from audit.engines.ray_engine import collect

    batches = [{"text": np.array(["a", "b"], dtype=object), "probs": np.array([[1.0, 0.0], [np.nan, np.nan]]),
                "error": np.array(["", "ValueError: bad"], dtype=object)},
               {"text": np.array(["c"], dtype=object), "probs": np.array([[0.25, 0.75]]),
                "error": np.array([""], dtype=object)}]
    cache = PredictionCache(tmp_path, "key", 2)
    clf = CallableClassifier(lambda texts: pytest.fail("the engine predicts, not the classifier"), ["x", "y"])
    with pytest.raises(AuditError, match=r"failed twice .* 1 text\(s\): 'b' \(ValueError: bad\); the 2 predictions"):
        predict_unique(clf, ["a", "b", "c"], cache, run=lambda todo: collect(batches))
    got = cache.get(["a", "b", "c"])
    assert sorted(got) == ["a", "c"] and list(got["c"]) == [0.25, 0.75]


def test_without_ray_the_engine_is_a_one_line_error(monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    monkeypatch.setitem(sys.modules, "ray", None)
    with pytest.raises(AuditError, match=r"pip install 'emotion-audit\[ray\]'"):
        check_engine("ray", RaySettings())
    assert main(["run", "--model", "m", "--data", "d", "--out", "o", "--engine", "ray"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "pip install 'emotion-audit[ray]'" in err


@pytest.mark.parametrize("kwargs, needle", [
    ({"ray_actors": 2}, "need --engine ray"),
    ({"engine": "spark"}, "unknown engine 'spark'"),
    ({"engine": "ray", "ray_actors": 0}, "--ray-actors must be at least 1"),
    ({"engine": "ray", "ray_gpus_per_actor": -1}, "must not be negative"),
])
def test_engine_options_are_checked_before_anything_loads(kwargs: dict, needle: str) -> None:
    if kwargs.get("engine") == "ray":
        pytest.importorskip("ray")
    with pytest.raises(AuditError, match=needle):
        Options(**kwargs)


def test_actors_load_the_drivers_model_or_refuse(tiny_model: Path) -> None:
    pytest.importorskip("ray")
    from audit.engines.ray_engine import load_spec

    clf = TransformersClassifier.load(str(tiny_model), device="cpu", progress=False)
    spec = load_spec(clf, "cpu", offline=True, trust_remote_code=False, allow_pickle=False)
    assert spec.model == str(tiny_model.resolve()) and spec.cache_key == clf.cache_key()
    assert spec.load().cache_key() == clf.cache_key()
    on_gpu = load_spec(clf, "cuda", offline=True, trust_remote_code=False, allow_pickle=False)
    assert on_gpu.cache_key != clf.cache_key() and on_gpu.batch_size is None  # the GPU's own defaults
    with pytest.raises(AuditError, match="model files on the worker differ"):
        spec.__class__(**{**spec.__dict__, "cache_key": "0" * 64}).load()


# --- on the session's Ray runtime -------------------------------------------------------------

@pytest.mark.integration
@pytest.mark.slow
def test_ray_engine_equals_local_engine_on_reference_model(ray_runtime, reference_model: Path, emotion_data: Path,
                                                           tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import torch

    monkeypatch.setattr(audit.cache, "CHUNK", 128)  # several chunks, so both actors work
    data = _small_split(emotion_data, tmp_path, 500)
    common = {"device": "cpu", "progress": False, "label_issues": False, "train_check": False}
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # as each single-CPU actor runs
    try:
        local = evaluate(str(reference_model), str(data), use_cache=False, **common)
    finally:
        torch.set_num_threads(threads)
    remote = evaluate(str(reference_model), str(data), engine="ray", ray_actors=2, cache_dir=tmp_path / "cache",
                      **common)
    assert remote.results["run"]["engine"] == {"name": "ray", "address": None, "actors": 2, "gpus_per_actor": 0.0,
                                               "device": "cpu", "ray_version": ray_runtime.__version__}
    assert [r["pred"] for r in remote.records] == [r["pred"] for r in local.records]
    got, want = (np.array([r["probs"] for r in a.records]) for a in (remote, local))
    assert np.abs(got - want).max() <= 1e-6
    assert np.array_equal(got, want)  # the same chunks and thread count: the same bits
    stable = [json.dumps({k: v for k, v in a.results.items() if k != VOLATILE_KEY}, sort_keys=True)
              for a in (remote, local)]
    assert stable[0] == stable[1]
    again = evaluate(str(reference_model), str(data), cache_dir=tmp_path / "cache", **common)
    assert again.results["run"]["inference"]["cached"] == 500  # the driver cached what the actors computed
    assert ray_runtime.is_initialized()  # a runtime the engine joined is left running


@pytest.mark.slow
def test_text_failing_twice_on_ray_is_named_and_the_rest_cached(ray_runtime, tmp_path: Path) -> None:
    from audit.engines.ray_engine import RayEngine

    cache = PredictionCache(tmp_path, "key", len(LABELS))
    engine = RayEngine(POISONED, RaySettings(actors=1), progress=False)
    with pytest.raises(AuditError, match=r"failed twice .*'poison pill' \(ValueError: cannot read this text\)"):
        predict_unique(POISONED, TEXTS, cache, run=engine.run)
    got = cache.get(TEXTS)
    assert sorted(got) == sorted(t for t in TEXTS if "poison" not in t)
    assert np.array_equal(got["i am sad"], _probs(["i am sad"])[0])


def test_a_lost_node_is_one_line_naming_what_was_not_predicted(ray_runtime, tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    from audit.engines.ray_engine import RayEngine

    def batches(texts):
        yield {"text": np.array([texts[0]], dtype=object), "probs": _probs([texts[0]]),
               "error": np.array([""], dtype=object)}
        raise RuntimeError("node lost\nwith a traceback")

    engine = RayEngine(POISONED, RaySettings(), progress=False)
    monkeypatch.setattr(engine, "_batches", batches)
    cache = PredictionCache(tmp_path, "key", len(LABELS))
    with pytest.raises(AuditError, match=r"^Ray inference failed \(RuntimeError: node lost with a traceback\); 1 of 2 "
                                         r"texts were not predicted, first 'i am sad'; the 1 predictions"):
        predict_unique(POISONED, ["i am sad", "so angry today"], cache, run=engine.run)
    assert sorted(cache.get(["i am sad", "so angry today"])) == ["so angry today"]


@pytest.mark.slow
def test_actor_with_other_model_files_is_a_one_line_error(ray_runtime, tiny_model: Path) -> None:
    from audit.engines.ray_engine import RayEngine

    clf = TransformersClassifier.load(str(tiny_model), device="cpu", progress=False)
    engine = RayEngine(clf, RaySettings(actors=1), progress=False)
    engine.spec = engine.spec.__class__(**{**engine.spec.__dict__, "cache_key": "0" * 64})
    with pytest.raises(AuditError, match="model files on the worker differ") as info:
        list(engine.run(["i feel happy"]))
    assert "\n" not in str(info.value)


@pytest.mark.slow
def test_cli_runs_on_ray(ray_runtime, tiny_model: Path, tmp_path: Path) -> None:
    data = tmp_path / "test.txt"
    data.write_text("text;label\ni feel happy;joy\ni am sad;sadness\ni feel happy;joy\n", encoding="utf-8")
    out = tmp_path / "out"
    assert main(["-q", "run", "--model", str(tiny_model), "--data", str(data), "--out", str(out), "--device", "cpu",
                 "--no-cache", "--engine", "ray", "--ray-actors", "1"]) == 0
    run = json.loads((out / RESULTS_FILE).read_text())["run"]
    assert run["engine"]["name"] == "ray" and run["engine"]["actors"] == 1
    assert run["inference"] == {"requested": 3, "unique": 2, "cached": 0, "computed": 2}
