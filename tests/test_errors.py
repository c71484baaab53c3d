"""Every bad input ends in one clear line on stderr and exit 2, and nothing already written is lost.

The table below drives the command line in-process (``audit.cli.main``) with one bad input per
row. Every row starts from an ``--out`` folder holding a previous successful run and checks that
the failing run leaves it byte-identical. The tests after the table cover what is not a plain
bad input: skipped and truncated texts, ``--debug``, interrupts, a full disk, CUDA running out of
memory, and the security defaults (no remote code, no network when offline, escaped HTML).
"""
from __future__ import annotations

import errno
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator

import numpy as np
import pytest
import torch

from audit.cli import main
from audit.errors import AuditError
from audit.model import DEFAULT_MODEL, TransformersClassifier
from audit.resources import resource_dir
from audit.runner import available_suites

ROOT = Path(__file__).resolve().parents[1]
ERROR_PREFIX = "emotion-audit: error: "
MODEL_LABELS = "sadness, joy, love, anger, fear, surprise"
#: A bad input must be refused at once, not after retries against an unreachable Hub.
FAIL_FAST_S = 20.0
ROWS = [("i feel happy today", "joy"), ("im so scared of the dark", "fear"), ("i love you", "love"),
        ("i feel so angry", "anger"), ("i was surprised", "surprise"), ("i feel sad", "sadness")]
HF_ENV = ("HF_HUB_OFFLINE", "HF_DATASETS_OFFLINE", "TRANSFORMERS_OFFLINE")
ENOSPC = OSError(errno.ENOSPC, "No space left on device")

@pytest.fixture(autouse=True)
def isolated_hub(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """Empty Hub and prediction caches for each test, and undo the offline switches that
    ``audit.hub.prepare`` sets process-wide, so no test leaks offline mode into the next."""
    import datasets.config
    import huggingface_hub.constants as hub_constants

    monkeypatch.setenv("EMOTION_AUDIT_CACHE", str(tmp_path / "prediction-cache"))
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hub-cache"))
    monkeypatch.setenv("HF_DATASETS_CACHE", str(tmp_path / "datasets-cache"))
    monkeypatch.setattr(hub_constants, "HF_HUB_CACHE", str(tmp_path / "hub-cache"))
    monkeypatch.setattr(datasets.config, "HF_DATASETS_CACHE", tmp_path / "datasets-cache")
    for obj, attr in ((hub_constants, "HF_HUB_OFFLINE"), (datasets.config, "HF_HUB_OFFLINE"),
                      (datasets.config, "HF_DATASETS_OFFLINE")):
        monkeypatch.setattr(obj, attr, getattr(obj, attr))
    saved = {var: os.environ.get(var) for var in HF_ENV}
    yield
    for var, value in saved.items():
        if value is None:
            os.environ.pop(var, None)
        else:
            os.environ[var] = value


@dataclass
class Result:
    code: int
    out: str
    err: str
    seconds: float


def run_cli(capsys: pytest.CaptureFixture[str], *argv: Any) -> Result:
    """Run ``emotion-audit`` in-process and capture its exit code and output."""
    capsys.readouterr()
    started = time.perf_counter()
    code = main([str(a) for a in argv])
    captured = capsys.readouterr()
    return Result(code, captured.out, captured.err, time.perf_counter() - started)


def run_args(model: Path | str, data: Path | str, out: Path, *extra: Any) -> list[Any]:
    """``run`` on CPU, quiet, with the minimum bootstrap."""
    return ["run", "--model", model, "--data", data, "--out", out, "--device", "cpu", "--bootstrap", 1000,
            "-q", *extra]


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` (hidden temporaries included) by relative path; {} if absent."""
    if not folder.exists():
        return {}
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def assert_one_line_error(result: Result, *needles: str) -> None:
    """Exit 2 and exactly one ``emotion-audit: error:`` line on stderr containing every needle."""
    lines = result.err.strip().splitlines()
    assert "Traceback" not in result.err, result.err
    assert len(lines) == 1, result.err
    assert lines[0].startswith(ERROR_PREFIX), lines[0]
    for needle in needles:
        assert needle in lines[0], f"{needle!r} missing from: {lines[0]}"
    assert result.code == 2, result.err


def write_rows(path: Path, rows: list[tuple[str, str]]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("text;label\n" + "".join(f"{t};{l}\n" for t, l in rows), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def previous_run(tiny_model: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An output folder from one successful run on the tiny model."""
    base = tmp_path_factory.mktemp("previous")
    data = write_rows(base / "test.txt", ROWS)
    out = base / "out"
    assert main([str(a) for a in run_args(tiny_model, data, out, "--no-cache")]) == 0
    assert {"results.json", "predictions.jsonl"} <= set(snapshot(out))
    return out


@dataclass
class Workspace:
    """What a table row builds its arguments from."""

    tmp: Path
    model: Path
    data: Path
    out: Path
    results: Path
    monkeypatch: pytest.MonkeyPatch

    def offline(self) -> None:
        """Offline mode the way CI sets it: the Hub's own environment variable."""
        self.monkeypatch.setenv("HF_HUB_OFFLINE", "1")

    def run(self, *extra: Any, model: Path | str | None = None, data: Path | str | None = None) -> list[Any]:
        return run_args(model or self.model, data or self.data, self.out, *extra)

    def run_data(self, name: str, content: str | bytes, *extra: Any) -> list[Any]:
        """``run`` on a data file written with ``content``."""
        return self.run(*extra, data=self.file(name, content))

    def file(self, name: str, content: str | bytes) -> Path:
        path = self.tmp / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
        return path

    def edited_results(self, edit: Callable[[dict[str, Any]], None]) -> Path:
        doc = json.loads(self.results.read_text(encoding="utf-8"))
        edit(doc)
        return self.file("edited/results.json", json.dumps(doc))

    def report(self, results: Path) -> list[Any]:
        return ["report", results, "-o", self.out / "report.html"]

    def suite_file(self, body: str) -> tuple[Path, Path]:
        """A suites folder holding one declaration; returns (folder, file)."""
        path = self.file("bad-suites/bad.yaml", body)
        return path.parent, path


def _hub_model(w: Workspace) -> tuple[list[Any], list[str]]:
    w.offline()
    return w.run(model=DEFAULT_MODEL), ["cannot load model", repr(DEFAULT_MODEL), "offline"]


def _hub_data(w: Workspace) -> tuple[list[Any], list[str]]:
    w.offline()
    return w.run(data="dair-ai/emotion"), ["cannot load Hub dataset", "'dair-ai/emotion'", "offline"]


def _no_config(w: Workspace) -> tuple[list[Any], list[str]]:
    folder = w.tmp / "no-config"
    folder.mkdir()
    return w.run(model=folder), ["no config.json", str(folder)]


def _suite(body: str, *needles: str, name: str = "bad") -> Callable[[Workspace], tuple[list[Any], list[str]]]:
    def build(w: Workspace) -> tuple[list[Any], list[str]]:
        folder, path = w.suite_file(body)
        return w.run("--suites-dir", folder, "--suites", name), [str(path), *needles]
    return build


def _suite_named_test(w: Workspace) -> tuple[list[Any], list[str]]:
    """A working shipped suite renamed ``test``: it would overwrite the split's section."""
    folder = w.tmp / "suites-copy"
    shutil.copytree(resource_dir("suites"), folder)
    spec = next(iter(available_suites().values()))
    path = folder / spec.path.name
    path.write_text(re.sub(r"(?m)^name: .*$", "name: test", spec.path.read_text(encoding="utf-8")), encoding="utf-8")
    return w.run("--suites-dir", folder, "--suites", "test"), [str(path), "'test'", "reserved"]


def _move_diagonal_count(doc: dict[str, Any]) -> None:
    """Move one count of the first class off the diagonal: row sums and supports stay right,
    but the stored accuracy no longer matches the matrix."""
    counts = doc["suites"]["test"]["metrics"]["confusion_matrix"]["counts"]
    row = next(i for i, r in enumerate(counts) if r[i] > 0)
    counts[row][row] -= 1
    counts[row][(row + 1) % len(counts)] += 1


def _unknown_suite(w: Workspace) -> tuple[list[Any], list[str]]:
    return w.run("--suites", "nosuch"), ["unknown suite 'nosuch'", *sorted(available_suites())]


def _set_metric(name: str, value: float) -> Callable[[dict[str, Any]], None]:
    def edit(doc: dict[str, Any]) -> None:
        doc["suites"]["test"]["metrics"][name]["value"] = value
    return edit


def _add_to_first_count(doc: dict[str, Any]) -> None:
    doc["suites"]["test"]["metrics"]["confusion_matrix"]["counts"][0][0] += 1


def _out_is_a_file(w: Workspace) -> tuple[list[Any], list[str]]:
    w.out = w.file("out-file", "not a folder")
    return w.run(), [str(w.out)]


def _relative_path_with_one_slash(w: Workspace) -> tuple[list[Any], list[str]]:
    """``nosuch/test.csv`` could be a Hub id: say the path does not exist, and that it was tried."""
    w.offline()
    return w.run(data="nosuch-folder/test.csv"), ["data path not found: nosuch-folder/test.csv",
                                                   "also tried as a Hub dataset id"]


def _tokenizer_beyond_vocabulary(w: Workspace) -> tuple[list[Any], list[str]]:
    """The tiny model's tokenizer beside a model whose embedding table is too small for it
    (before: an IndexError inside torch during the fast-path probe)."""
    from transformers import DistilBertConfig, DistilBertForSequenceClassification

    folder = w.tmp / "small-vocab"
    shutil.copytree(w.model, folder)
    config = DistilBertConfig.from_pretrained(w.model)
    config.vocab_size = 12
    DistilBertForSequenceClassification(config).save_pretrained(folder)
    return w.run(model=folder), ["token ids", "embedding table has 12 rows"]


def _usage_error(w: Workspace) -> tuple[list[Any], list[str]]:
    return [*w.run(), "--batch-size", "many"], ["--batch-size", "must be an integer >= 1", "--help"]


SUITE_HEAD = "name: bad\ndescription: a bad suite\n"
NON_UTF8 = "text;label\ni feel fine;joy\n".encode() + b"caf\xe9 au lait;joy\n"


#: One row per bad input: build(workspace) -> (argv, what the one-line message must contain).
CASES = [
    pytest.param(lambda w: (w.run(model=w.tmp / "nomodel"), ["model path not found", str(w.tmp / "nomodel")]),
                 id="missing-model"),
    pytest.param(lambda w: (w.run(data=w.tmp / "nodata.txt"), ["data path not found", str(w.tmp / "nodata.txt")]),
                 id="missing-data"),
    pytest.param(_no_config, id="model-without-config"),
    pytest.param(_hub_model, id="hub-model-offline"),
    pytest.param(_hub_data, id="hub-dataset-offline"),
    pytest.param(lambda w: (w.run_data("empty.txt", ""), [str(w.tmp / "empty.txt"), "empty"]), id="empty-data-file"),
    pytest.param(lambda w: (w.run_data("blank.txt", " \n\t\n"), [str(w.tmp / "blank.txt"), "empty"]),
                 id="whitespace-data-file"),
    pytest.param(lambda w: (w.run_data("nosep.txt", "text;label\ni feel fine;joy\ni feel fine joy\n"),
                            [str(w.tmp / "nosep.txt"), "line 3", "';'"]), id="txt-line-without-separator"),
    pytest.param(lambda w: (w.run_data("names.txt", "i feel fine;joy\ni am here;neutral\n"), ["neutral", MODEL_LABELS]),
                 id="unknown-label-names"),
    pytest.param(lambda w: (w.run_data("ints.txt", "i feel fine;1\ni am here;7\n"), ["7", MODEL_LABELS, "0-5"]),
                 id="integer-label-out-of-range"),
    pytest.param(lambda w: (w.run_data("blank-text.txt", "i feel fine;joy\n   ;joy\n", "--strict"),
                            [str(w.tmp / "blank-text.txt"), "empty text"]), id="empty-text-with-strict"),
    pytest.param(lambda w: (w.run_data("latin1.txt", NON_UTF8), [str(w.tmp / "latin1.txt"), "line 3", "UTF-8"]),
                 id="non-utf8-file"),
    pytest.param(lambda w: (w.report(w.edited_results(lambda d: d.update(schema_version="2.0"))),
                            ["schema version", "'2.0'"]), id="report-other-schema-version"),
    pytest.param(lambda w: (w.report(w.edited_results(_add_to_first_count)), ["confusion matrix"]),
                 id="report-confusion-count-changed"),
    pytest.param(lambda w: (w.report(w.edited_results(_move_diagonal_count)), ["accuracy", "confusion matrix"]),
                 id="report-count-moved-off-diagonal"),
    pytest.param(lambda w: (w.report(w.edited_results(_set_metric("accuracy", 1.2))), ["accuracy.value", "1.2", "the confusion matrix gives"]),
                 id="report-accuracy-above-one"),
    pytest.param(lambda w: (w.report(w.tmp / "none.json"), ["not found", str(w.tmp / "none.json")]),
                 id="report-missing-file"),
    pytest.param(lambda w: (w.report(w.file("broken.json", '{"schema_version": "1.0",')),
                            ["not valid JSON", str(w.tmp / "broken.json")]), id="report-invalid-json"),
    pytest.param(_suite(SUITE_HEAD + "generator: short\ntest_type: MFT\ncolour: red\n", "unknown key 'colour'"),
                 id="suite-unknown-key"),
    pytest.param(_suite("name: bad\ndescription: [a, b]\ngenerator: short\ntest_type: MFT\n", "'description'", "str"),
                 id="suite-wrong-type"),
    pytest.param(_suite(SUITE_HEAD + "generator: nosuch_generator\ntest_type: MFT\n",
                        "unknown generator 'nosuch_generator'"), id="suite-unknown-generator"),
    pytest.param(_suite(SUITE_HEAD + "generator: short\ntest_type: MFT\n", "'lexicon'"), id="suite-missing-param"),
    pytest.param(_suite_named_test, id="suite-named-test"),
    pytest.param(_unknown_suite, id="unknown-suite-name"),
    pytest.param(lambda w: (w.run("--batch-size", 0), ["--batch-size", "0"]), id="batch-size-zero"),
    pytest.param(lambda w: (w.run("--max-length", 1), ["--max-length", "1"]), id="max-length-one"),
    pytest.param(lambda w: (w.run("--bootstrap", 10), ["--bootstrap", "10"]), id="bootstrap-ten"),
    pytest.param(_out_is_a_file, id="out-is-a-file"),
    pytest.param(lambda w: (w.run_data("sup.txt", "i feel fine;joy\ni am here;\u00b2\n"), ["\u00b2", MODEL_LABELS]),
                 id="superscript-two-label"),
    pytest.param(lambda w: (w.run_data("lone.jsonl", '{"text": "ok", "label": "joy"}\n{"text": "a \\ud800 b", "label": "joy"}\n'),
                            [str(w.tmp / "lone.jsonl"), "line 2", "lone surrogate"]), id="jsonl-lone-surrogate"),
    pytest.param(lambda w: (w.run_data("quote.csv", 'text,label\ni feel fine,joy\n"i am sad,sadness\ni am ok,joy\n'),
                            [str(w.tmp / "quote.csv"), "line 3", "unterminated quoted field"]), id="csv-unterminated-quote"),
    pytest.param(lambda w: (w.run_data("invisible.txt", "\u200b\u200f;joy\n\x00;joy\n\u2060\ufeff\u200e;joy\n"),
                            ["no non-empty texts"]), id="only-invisible-texts"),
    pytest.param(_relative_path_with_one_slash, id="relative-path-with-one-slash"),
    pytest.param(_tokenizer_beyond_vocabulary, id="tokenizer-beyond-vocabulary"),
    pytest.param(_usage_error, id="usage-error"),
]


@pytest.mark.parametrize("build", CASES)
def test_bad_input_gives_one_line_and_exit_2(
    build: Callable[[Workspace], tuple[list[Any], list[str]]], tiny_model: Path, previous_run: Path,
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
) -> None:
    """One row of the table; the previous run's outputs in --out must come through untouched."""
    out = tmp_path / "out"
    shutil.copytree(previous_run, out)
    w = Workspace(tmp=tmp_path, model=tiny_model, data=write_rows(tmp_path / "good.txt", ROWS), out=out,
                  results=previous_run / "results.json", monkeypatch=monkeypatch)
    argv, needles = build(w)
    before = snapshot(out)
    result = run_cli(capsys, *argv)
    assert_one_line_error(result, *needles)
    assert result.seconds < FAIL_FAST_S
    assert snapshot(out) == before


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has CUDA")
def test_device_cuda_without_cuda(tiny_model: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = write_rows(tmp_path / "test.txt", ROWS)
    result = run_cli(capsys, *run_args(tiny_model, data, tmp_path / "out", "--device", "cuda"))
    assert_one_line_error(result, "--device cuda", "CUDA")
    assert not (tmp_path / "out").exists()


def _results(out: Path) -> dict[str, Any]:
    return json.loads((out / "results.json").read_text(encoding="utf-8"))


def test_empty_texts_are_skipped_and_counted(tiny_model: Path, tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    data = tmp_path / "test.txt"
    data.write_text("text;label\ni feel fine;joy\n;joy\n \t ;sadness\ni feel sad;sadness\n", encoding="utf-8")
    result = run_cli(capsys, *run_args(tiny_model, data, tmp_path / "out", "--no-cache"))
    assert result.code == 0, result.err
    dataset = _results(tmp_path / "out")["dataset"]
    assert (dataset["size"], dataset["n_empty_skipped"]) == (2, 2)


@pytest.mark.parametrize("extra", [pytest.param(["--max-length", "16"], id="over-max-length"),
                                   pytest.param([], id="over-the-model-position-limit")])
def test_long_texts_are_truncated_and_counted(extra: list[str], tiny_model: Path,
                                              tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The tiny model has 128 positions: with the default --max-length (512) texts must still be
    cut to what the model accepts, not crash it."""
    data = write_rows(tmp_path / "test.txt", [("i feel happy", "joy"), (" ".join(["happy"] * 300), "joy")])
    result = run_cli(capsys, *run_args(tiny_model, data, tmp_path / "out", "--no-cache", *extra))
    assert result.code == 0, result.err
    assert _results(tmp_path / "out")["dataset"]["n_truncated"] == 1


def test_debug_shows_the_traceback_and_keeps_exit_2(tmp_path: Path) -> None:
    missing = tmp_path / "nodata.txt"
    proc = subprocess.run([sys.executable, "-m", "audit.cli", "--debug", "run", "--data", str(missing),
                           "--out", str(tmp_path / "out")], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert "Traceback" in proc.stderr
    assert f"data path not found: {missing}" in proc.stderr
    assert proc.returncode == 2, proc.stderr
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("call,nth", [("replace", 1), ("fsync", 1), ("fsync", 2), ("fsync", 4)])
def test_full_disk_leaves_previous_outputs_intact(
    call: str, nth: int, tiny_model: Path, previous_run: Path, tmp_path: Path,
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The disk fills up while writing the ``nth`` output file: one line naming the cause, exit 2,
    no temporary file left, and every file of the previous run byte-identical (not a mix of new
    predictions and old results)."""
    out = tmp_path / "out"
    shutil.copytree(previous_run, out)
    before = snapshot(out)
    real = getattr(os, call)
    calls = []

    def full(*args: Any, **kwargs: Any) -> Any:
        if call == "fsync" or Path(args[1]).parent == out:  # only renames into --out count
            calls.append(args)
            if len(calls) == nth:
                raise ENOSPC
        return real(*args, **kwargs)

    data = write_rows(tmp_path / "test.txt", ROWS[:4])
    with monkeypatch.context() as mp:
        mp.setattr(os, call, full)
        result = run_cli(capsys, *run_args(tiny_model, data, out, "--no-cache"))
    assert len(calls) == nth
    assert_one_line_error(result, "No space left on device")
    assert snapshot(out) == before


def test_full_disk_on_a_new_out_folder_leaves_no_file(tiny_model: Path, tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str],
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    def full(*args: Any, **kwargs: Any) -> None:
        raise ENOSPC

    data = write_rows(tmp_path / "test.txt", ROWS)
    with monkeypatch.context() as mp:
        mp.setattr(os, "fsync", full)
        result = run_cli(capsys, *run_args(tiny_model, data, tmp_path / "out", "--no-cache"))
    assert_one_line_error(result, "No space left on device", str(tmp_path / "out"))
    assert snapshot(tmp_path / "out") == {}


def test_interrupt_keeps_outputs_and_the_finished_chunks(
    tiny_model: Path, previous_run: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Ctrl-C during the second inference chunk: exit 130, outputs untouched, and the next run
    reuses the first chunk from the cache."""
    import audit.cache

    chunk = 2
    monkeypatch.setattr(audit.cache, "CHUNK", chunk)
    out = tmp_path / "out"
    shutil.copytree(previous_run, out)
    before = snapshot(out)
    data = write_rows(tmp_path / "test.txt", ROWS)
    args = run_args(tiny_model, data, out, "--cache-dir", tmp_path / "cache")
    real = TransformersClassifier.predict_proba
    calls = []

    def interrupted(self: TransformersClassifier, texts: Any) -> np.ndarray:
        calls.append(len(texts))
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real(self, texts)

    monkeypatch.setattr(TransformersClassifier, "predict_proba", interrupted)
    result = run_cli(capsys, *args)
    assert result.code == 130, result.err
    assert "Traceback" not in result.err and len(result.err.strip().splitlines()) == 1
    assert snapshot(out) == before

    monkeypatch.setattr(TransformersClassifier, "predict_proba", real)
    result = run_cli(capsys, *args)
    assert result.code == 0, result.err
    inference = _results(out)["run"]["inference"]
    assert (inference["cached"], inference["computed"]) == (chunk, len(ROWS) - chunk)


def test_cuda_oom_halves_the_batch_and_goes_on(tiny_model: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A fake device that runs out of memory above two rows a batch: 8 -> 4 -> 2, same predictions."""
    import torch

    texts = [t for t, _ in ROWS] + ["i feel happy", "im scared"]
    clf = TransformersClassifier.load(str(tiny_model), device="cpu", batch_size=8, progress=False)
    expected = clf.predict_proba(texts)
    real = TransformersClassifier._forward

    def small_device(self: TransformersClassifier, rows: list[list[int]], *args: Any) -> np.ndarray:
        if len(rows) > 2:
            raise torch.cuda.OutOfMemoryError("CUDA out of memory (simulated)")
        return real(self, rows, *args)

    monkeypatch.setattr(TransformersClassifier, "_forward", small_device)
    got = clf.predict_proba(texts)
    assert clf.stats["oom_halvings"] == 2
    assert np.allclose(got, expected, atol=1e-5)
    assert (got.argmax(axis=1) == expected.argmax(axis=1)).all()


def test_cuda_oom_on_a_single_text_is_an_error(tiny_model: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import torch

    def no_memory(self: TransformersClassifier, rows: list[list[int]], *args: Any) -> np.ndarray:
        raise torch.cuda.OutOfMemoryError("CUDA out of memory (simulated)")

    clf = TransformersClassifier.load(str(tiny_model), device="cpu", batch_size=4, progress=False)
    monkeypatch.setattr(TransformersClassifier, "_forward", no_memory)
    with pytest.raises(AuditError, match="out of memory on a single text"):
        clf.predict_proba(["i feel happy", "i feel sad"])


@pytest.mark.parametrize("flag", [False, True])
def test_trust_remote_code_only_with_the_flag(flag: bool, tiny_model: Path, tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str],
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    seen: list[Any] = []
    for cls in (AutoTokenizer, AutoModelForSequenceClassification):
        def record(*args: Any, _real: Callable[..., Any] = cls.from_pretrained, **kwargs: Any) -> Any:
            seen.append(kwargs.get("trust_remote_code"))
            return _real(*args, **kwargs)
        monkeypatch.setattr(cls, "from_pretrained", record)
    data = write_rows(tmp_path / "test.txt", ROWS)
    extra = ["--trust-remote-code"] if flag else []
    result = run_cli(capsys, *run_args(tiny_model, data, tmp_path / "out", "--no-cache", *extra))
    assert result.code == 0, result.err
    assert len(seen) == 2
    assert all(v is True for v in seen) if flag else not any(v is True for v in seen)


@pytest.mark.parametrize("how,model,data,code", [
    ("flag", "hub", "local", 2),
    ("env", "local", "hub", 2),
    ("flag", "local", "local", 0),
])
def test_offline_makes_no_network_call(how: str, model: str, data: str, code: int, tiny_model: Path,
                                       tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    attempts: list[Any] = []

    def refuse(*args: Any, **kwargs: Any) -> None:
        attempts.append(args)
        raise OSError("network use is not allowed in this test")

    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    if how == "env":
        monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    local_data = write_rows(tmp_path / "test.txt", ROWS)
    argv = run_args(tiny_model if model == "local" else DEFAULT_MODEL,
                    local_data if data == "local" else "dair-ai/emotion", tmp_path / "out", "--no-cache",
                    *(["--offline"] if how == "flag" else []))
    result = run_cli(capsys, *argv)
    assert result.code == code, result.err
    assert attempts == []


def test_report_escapes_html(tiny_model: Path, tmp_path: Path) -> None:
    """Texts and names from the data reach the report escaped, never as markup."""
    report = pytest.importorskip("audit.reporting.report")
    from audit.runner import evaluate

    folder = tmp_path / "<img src=x onerror=alert(1)>"
    data = write_rows(folder / "test.txt", [("<script>alert(1)</script> i feel happy", "joy"), *ROWS])
    audit = evaluate(str(tiny_model), str(data), device="cpu", use_cache=False, progress=False)
    html = report.render_report(audit.results, audit.records)
    assert "<script>alert(1)" not in html and "<img src=x" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html


# --- exit codes: 1 is a regression and nothing else --------------------------------------------

def _crash(*args: Any, **kwargs: Any) -> Any:
    raise ZeroDivisionError("simulated bug")


@pytest.mark.parametrize("debug", [False, True])
def test_an_internal_error_is_one_line_and_exit_2(debug: bool, previous_run: Path, tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str],
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """Before: a traceback and exit 1, which is also the gate's regression code."""
    import audit.reporting.report

    monkeypatch.setattr(audit.reporting.report, "render_report", _crash)
    argv = ["report", previous_run / "results.json", "-o", tmp_path / "r.html", *(["--debug"] if debug else [])]
    result = run_cli(capsys, *argv)
    assert result.code == 2
    last = result.err.strip().splitlines()[-1]
    assert last.startswith(ERROR_PREFIX + "internal error (ZeroDivisionError: simulated bug)")
    assert "--debug" in last and "issue tracker" in last
    assert ("Traceback" in result.err) == debug
    if not debug:
        assert len(result.err.strip().splitlines()) == 1


def test_a_crashing_gate_exits_2_not_1(previous_run: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    import audit.gate.command

    baseline = tmp_path / "baseline.json"
    assert main(["baseline", str(previous_run / "results.json"), "-o", str(baseline), "-q"]) == 0
    monkeypatch.setattr(audit.gate.command, "run_gate", _crash)
    result = run_cli(capsys, "gate", previous_run / "results.json", "--baseline", baseline)
    assert result.code == 2 and "internal error" in result.err and "Traceback" not in result.err


# --- models that misbehave -----------------------------------------------------------------------

def _nan_model(tiny_model: Path, folder: Path) -> Path:
    """The tiny model with NaN classifier weights (every probability NaN)."""
    from transformers import AutoModelForSequenceClassification

    shutil.copytree(tiny_model, folder)
    model = AutoModelForSequenceClassification.from_pretrained(folder)
    with torch.no_grad():
        model.classifier.weight.fill_(float("nan"))
    model.save_pretrained(folder)
    return folder


def test_nan_probabilities_are_one_line_naming_texts_and_never_cached(
        tiny_model: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    model = _nan_model(tiny_model, tmp_path / "nan-model")
    data = write_rows(tmp_path / "test.txt", ROWS[:2])
    result = run_cli(capsys, *run_args(model, data, tmp_path / "out", "--cache-dir", tmp_path / "cache"))
    assert_one_line_error(result, "NaN or infinite probabilities for 2 text(s)", repr(ROWS[0][0]), "nothing was cached")
    import sqlite3

    with sqlite3.connect(tmp_path / "cache" / "predictions.sqlite") as db:
        assert db.execute("SELECT COUNT(*) FROM predictions").fetchone()[0] == 0
    db.close()
    assert not (tmp_path / "out").exists()


def test_a_huge_text_costs_what_max_length_allows(tiny_model: Path) -> None:
    """A 20 MB single-line text: token lengths and ids in bounded time (before: lengths computed
    without truncation, 216 s and 10 GB for 50 MB), and the same ids as the whole text gives."""
    clf = TransformersClassifier.load(str(tiny_model), device="cpu", progress=False)
    huge = "i feel happy today " * 1_100_000
    started = time.perf_counter()
    lengths = clf.token_lengths([huge, "i feel"])
    ids = clf.encode([huge])[0]
    assert time.perf_counter() - started < 5
    assert lengths == [clf.max_length + 1, 4]
    whole = clf.tokenizer(["i feel happy today " * 200], truncation=True, max_length=clf.max_length)["input_ids"][0]
    assert ids == whole
    sparse = " " * 200_000 + "happy " * 300  # the cut must widen: the first characters hold no token
    assert clf.encode([sparse])[0] == clf.tokenizer([sparse], truncation=True, max_length=clf.max_length)["input_ids"][0]


# --- the model card escapes HTML -----------------------------------------------------------------

def test_model_card_escapes_html_from_label_names_and_data(tiny_model: Path, tmp_path: Path,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    """Before: label names and the data's name reached the card's markdown as raw HTML."""
    model = tmp_path / "html-model"
    shutil.copytree(tiny_model, model)
    config = json.loads((model / "config.json").read_text(encoding="utf-8"))
    config["id2label"]["5"] = "<img src=x onerror=alert(1)>"
    config["label2id"] = {v: int(k) for k, v in config["id2label"].items()}
    (model / "config.json").write_text(json.dumps(config), encoding="utf-8")
    data = tmp_path / "<b onmouseover=alert(2)>.txt"
    data.write_text("text;label\ni feel fine;1\ni was surprised;5\ni feel sad;0\n", encoding="utf-8")
    result = run_cli(capsys, *run_args(model, data, tmp_path / "out", "--no-cache"))
    assert result.code == 0, result.err
    # the markdown body; the YAML front matter is metadata, read as data and not as markdown
    card = (tmp_path / "out" / "model_card.md").read_text(encoding="utf-8").split("\n---\n", 1)[1]
    assert "<img" not in card and "<b " not in card
    assert "&lt;img src=x onerror=alert(1)>" in card and "&lt;b onmouseover=alert(2)>" in card
    rebuilt = tmp_path / "card.md"
    assert main(["card", str(tmp_path / "out" / "results.json"), "-o", str(rebuilt)]) == 0
    assert "<img" not in rebuilt.read_text(encoding="utf-8").split("\n---\n", 1)[1]


# --- two runs into one --out -----------------------------------------------------------------------

def test_two_runs_into_one_folder_do_not_interleave(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each writer's first rename waits (up to 1 s) for the other to reach its renames too, then
    renames slowly: without the lock both rename at once and leave a mix; with it the second
    cannot start renaming before the first is done, and every file left is from one run."""
    import threading

    from audit.reporting.outputs import write_all
    from audit.runner import Audit, evaluate
    from audit.model import CallableClassifier

    def audit_of(peak: int) -> Audit:
        clf = CallableClassifier(lambda texts: np.tile(np.eye(6)[peak] * 0.9 + 0.02, (len(texts), 1)),
                                 [label for label in ("sadness", "joy", "love", "anger", "fear", "surprise")])
        return evaluate(clf, str(write_rows(tmp_path / "test.txt", ROWS)), progress=False)

    audits = [audit_of(0), audit_of(1)]
    real = os.replace
    meet = threading.Barrier(2, timeout=1.0)
    # The first writer to rename is fast then slow, the second steady: at once, the second's
    # predictions land last but the first's card does.
    delays = [[0.0, 0.1, 0.1, 0.1], [0.05, 0.05, 0.05, 0.05]]
    calls: dict[int, int] = {}

    def slow(src: Any, dst: Any) -> None:
        me = threading.get_ident()
        if me not in calls:
            calls[me] = 0
            role = len(calls) - 1
            try:
                meet.wait()
            except threading.BrokenBarrierError:
                pass
            calls[me] = role * 10
        role, n = divmod(calls[me], 10)
        calls[me] += 1
        time.sleep(delays[role][min(n, 3)])
        real(src, dst)

    monkeypatch.setattr(os, "replace", slow)
    out = tmp_path / "out"
    threads = [threading.Thread(target=write_all, args=(out, a)) for a in audits]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    preds = {json.loads(line)["pred"] for line in (out / "predictions.jsonl").read_text().splitlines()}
    results = json.loads((out / "results.json").read_text())
    assert len(preds) == 1
    assert results["suites"]["test"]["metrics"]["confusion_matrix"]["counts"][0][0] == (1 if preds == {"sadness"} else 0)
    assert preds.pop() in (out / "report.html").read_text()


def test_a_folder_held_by_another_run_is_one_error_after_the_wait(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    import fcntl

    from audit.reporting.outputs import locked_folder

    out = tmp_path / "out"
    out.mkdir()
    fd = os.open(out, os.O_RDONLY)
    fcntl.flock(fd, fcntl.LOCK_EX)
    try:
        with pytest.raises(AuditError, match="in use by another emotion-audit run"):
            with locked_folder(out, wait_s=0.2):
                pass
    finally:
        os.close(fd)
    with locked_folder(out, wait_s=0.2):  # free again
        pass
    assert list(out.iterdir()) == []
