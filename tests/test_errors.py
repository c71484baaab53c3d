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
    pytest.param(lambda w: (w.report(w.edited_results(_set_metric("accuracy", 1.2))), ["accuracy", "1.2", "[0, 1]"]),
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
    report = pytest.importorskip("audit.report")
    from audit.runner import evaluate

    folder = tmp_path / "<img src=x onerror=alert(1)>"
    data = write_rows(folder / "test.txt", [("<script>alert(1)</script> i feel happy", "joy"), *ROWS])
    audit = evaluate(str(tiny_model), str(data), device="cpu", use_cache=False, progress=False)
    html = report.render_report(audit.results, audit.records)
    assert "<script>alert(1)" not in html and "<img src=x" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
