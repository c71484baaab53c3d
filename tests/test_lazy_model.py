"""A model named by path is loaded only when something is not in the cache: a fully cached re-run
imports neither torch nor transformers, and says and keys exactly what a loaded model would."""
from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from audit.errors import AuditError
from audit.lazy_model import FACTS, LazyClassifier, LoadSettings, facts_of
from audit.model import TransformersClassifier
from audit.model_files import resolve_device
from audit.store import ArtifactStore
from conftest import build_tiny_model
from test_determinism import ROWS
from test_errors import write_rows

MODEL_LIBRARIES = ("torch", "transformers")
TEXTS = ["i feel happy today", "I FEEL HAPPY TODAY", "i  feel happy   today", "i feel sad", "im scared 🙂",
         "im scared 🙃", "word " * 300]
CPU = LoadSettings(device="cpu", progress=False)


def _run_in_fresh_interpreter(argv: list[str]) -> list[str]:
    """``emotion-audit <argv>`` in a new interpreter; the model libraries it had loaded at the end."""
    code = ("import json, sys\nfrom audit.cli import main\n"
            f"assert main({argv!r}) == 0\n"
            f"print(json.dumps([m for m in {MODEL_LIBRARIES!r} if m in sys.modules]))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=900,
                          cwd=Path(__file__).resolve().parents[1])
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.slow
def test_a_fully_cached_rerun_loads_no_model_library(tiny_model: Path, tmp_path: Path) -> None:
    data = write_rows(tmp_path / "test.txt", ROWS)
    argv = ["-q", "run", "--model", str(tiny_model), "--data", str(data), "--suites", "all", "--device", "cpu",
            "--cache-dir", str(tmp_path / "cache")]
    assert _run_in_fresh_interpreter([*argv, "--out", str(tmp_path / "first")]) == list(MODEL_LIBRARIES)
    assert _run_in_fresh_interpreter([*argv, "--out", str(tmp_path / "second")]) == []
    first, second = (json.loads((tmp_path / name / "results.json").read_text()) for name in ("first", "second"))
    assert second["run"]["inference"]["computed"] == 0 and second["run"]["durations"]["model_load_s"] == 0
    assert first["run"]["durations"]["model_load_s"] > 0
    assert {k: v for k, v in first.items() if k != "run"} == {k: v for k, v in second.items() if k != "run"}


def test_stored_facts_and_token_keys_are_the_loaded_models(tiny_model: Path, tmp_path: Path) -> None:
    loaded = TransformersClassifier.load(str(tiny_model), device="cpu", max_length=16, progress=False)
    settings = LoadSettings(device="cpu", max_length=16, progress=False)
    cold = LazyClassifier(str(tiny_model), settings, ArtifactStore(tmp_path))
    assert cold.load_s > 0  # nothing stored yet: loaded at once
    warm = LazyClassifier(str(tiny_model), settings, ArtifactStore(tmp_path))
    assert warm.load_s == 0
    for clf in (cold, warm):
        assert clf.cache_key() == loaded.cache_key() and clf.cache_key("cuda") == loaded.cache_key("cuda")
        assert clf.describe() == loaded.describe() and clf.labels == list(loaded.labels)
        assert (clf.max_length, clf.batch_size, clf.token_budget) == (16, loaded.batch_size, loaded.token_budget)
        assert clf.token_lengths(TEXTS) == loaded.token_lengths(TEXTS)
        keys, ids = clf.input_key(TEXTS), loaded.input_key(TEXTS)
        # equal keys exactly where the model reads equal ids (casing, whitespace, [UNK] symbols, truncation)
        assert [[a == b for b in keys] for a in keys] == [[a == b for b in ids] for a in ids]
    assert keys[0] == keys[1] == keys[2] and keys[4] == keys[5] and keys[0] != keys[3]
    assert warm.load_s == 0  # every answer came from the store


def test_other_files_or_settings_are_loaded_afresh(tiny_model: Path, tmp_path: Path) -> None:
    store = ArtifactStore(tmp_path / "cache")
    LazyClassifier(str(tiny_model), CPU, store)
    assert LazyClassifier(str(tiny_model), CPU, store).load_s == 0
    assert LazyClassifier(str(tiny_model), LoadSettings(device="cpu", max_length=32, progress=False),
                          store).load_s > 0
    copy = tmp_path / "model"
    shutil.copytree(tiny_model, copy)
    assert LazyClassifier(str(copy), CPU, store).load_s == 0  # the same files elsewhere: the same facts
    build_tiny_model(tmp_path / "other", seed=1)
    for name in ("model.safetensors",):
        shutil.copy(tmp_path / "other" / name, copy / name)  # other weights, same tokenizer and config
    other = LazyClassifier(str(copy), CPU, store)
    assert other.load_s > 0 and other.cache_key() != LazyClassifier(str(tiny_model), CPU, store).cache_key()
    assert other.describe()["id"] == str(copy)


def test_damaged_facts_are_dropped_and_the_model_loaded(tiny_model: Path, tmp_path: Path) -> None:
    store = ArtifactStore(tmp_path)
    LazyClassifier(str(tiny_model), CPU, store)
    with sqlite3.connect(tmp_path / "artifacts.sqlite") as db:
        db.execute("UPDATE artifacts SET blob = X'00' WHERE kind = ?", (FACTS,))
    db.close()
    again = LazyClassifier(str(tiny_model), CPU, store)
    assert again.load_s > 0 and store.rejected == 1
    assert LazyClassifier(str(tiny_model), CPU, store).load_s == 0


def test_facts_that_disagree_with_the_loaded_model_are_an_error_and_dropped(tiny_model: Path,
                                                                          tmp_path: Path) -> None:
    store = ArtifactStore(tmp_path)
    facts = facts_of(LazyClassifier(str(tiny_model), CPU, store).load())
    with sqlite3.connect(tmp_path / "artifacts.sqlite") as db:
        (key,), = db.execute("SELECT key FROM artifacts WHERE kind = ?", (FACTS,)).fetchall()
    db.close()
    store.put_json(FACTS, key, {**facts, "cls_only_last_layer": not facts["cls_only_last_layer"]})
    stale = LazyClassifier(str(tiny_model), CPU, store)
    with pytest.raises(AuditError, match="loaded differently"):
        stale.predict_proba(["i feel happy"])
    assert LazyClassifier(str(tiny_model), CPU, store).load_s > 0  # the record was dropped


@pytest.mark.parametrize("settings,message", [
    (LoadSettings(device="cpu", max_length=1), "--max-length must be at least 2"),
    (LoadSettings(device="cpu", batch_size=0), "--batch-size must be at least 1"),
    (LoadSettings(device="cpu", dtype="float8"), "unknown dtype"),
])
def test_bad_settings_fail_as_loading_fails(settings: LoadSettings, message: str, tiny_model: Path,
                                            tmp_path: Path) -> None:
    with pytest.raises(AuditError, match=message):
        LazyClassifier(str(tiny_model), settings, ArtifactStore(tmp_path))
    with pytest.raises(AuditError, match=message):
        TransformersClassifier.load(str(tiny_model), device=settings.device, max_length=settings.max_length,
                                    batch_size=settings.batch_size, dtype=settings.dtype)


def test_a_missing_model_or_pickle_weights_fail_before_anything_loads(tmp_path: Path) -> None:
    with pytest.raises(AuditError, match="model path not found"):
        LazyClassifier(str(tmp_path / "missing"), CPU, ArtifactStore(tmp_path))
    folder = tmp_path / "pickled"
    folder.mkdir()
    (folder / "config.json").write_text("{}")
    (folder / "vocab.txt").write_text("[PAD]\n")
    (folder / "pytorch_model.bin").write_bytes(b"x")
    with pytest.raises(AuditError, match="only pickle weights"):
        LazyClassifier(str(folder), CPU, ArtifactStore(tmp_path))


def test_auto_device_without_gpu_driver_files_is_the_cpu(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import audit.model_files

    asked: list[str] = []
    monkeypatch.setattr(audit.model_files, "pick_device", lambda device: asked.append(device) or "cuda")
    monkeypatch.setattr(audit.model_files.sys, "platform", "linux")
    dev = tmp_path / "dev"
    dev.mkdir()
    (dev / "null").touch()
    assert resolve_device("cpu", dev) == "cpu" and resolve_device("auto", dev) == "cpu"
    with pytest.raises(AuditError, match="no CUDA device is available"):
        resolve_device("cuda", dev)
    assert asked == []  # torch was never asked
    (dev / "nvidiactl").touch()
    assert resolve_device("auto", dev) == "cuda" and asked == ["auto"]  # a driver: torch decides
    monkeypatch.setattr(audit.model_files.sys, "platform", "darwin")
    (dev / "nvidiactl").unlink()
    assert resolve_device("auto", dev) == "cuda" and asked == ["auto", "auto"]  # elsewhere torch decides
