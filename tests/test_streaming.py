"""Sharded Parquet predictions: exact round trip, refusals, and the report and gate read from them."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from audit.cli import main
from audit.errors import AuditError
from audit.reporting.outputs import write_all
from audit.reporting.report import render_report
from audit.results import PREDICTIONS_FILE, RESULTS_FILE
from audit.runner import Audit
from audit.streaming import PARQUET_DIR, find_predictions, read_parquet_records, shards, staged_parquet, write_parquet
from audit.validate import read_predictions, read_records, read_results
from conftest import LABELS

TWO = ["neg", "pos"]
HAND = [
    {"suite": "test", "id": "test-0", "text": "i feel fine", "label": None, "pred": "pos", "probs": [0.25, 0.75]},
    {"suite": "test", "id": "test-1", "text": "sad", "label": "neg", "pred": "neg", "probs": [0.1 + 0.2, 0.7]},
    {"suite": "s", "id": "s:1", "text": "not sad", "label": None, "pred": "pos", "probs": [0.5, 0.5],
     "source_probs": None, "passed": None, "rank": 3, "mixed": "a", "meta": {"b": [1, 2], "a": None}},
    {"suite": "s", "id": "s:2", "text": "not fine", "label": None, "pred": "neg", "probs": [0.875, 0.125],
     "source_probs": [0.25, 0.75], "passed": True, "rank": None, "mixed": 7, "meta": {}},
]


def _copy_run(synthetic_run: Path, folder: Path) -> Path:
    """A copy of the synthetic run whose predictions are a Parquet folder instead of JSON lines."""
    shutil.copytree(synthetic_run.parent, folder)
    results = folder / RESULTS_FILE
    records = read_records(results.with_name(PREDICTIONS_FILE))
    with staged_parquet(folder, records, read_results(results)["model"]["labels"]):
        pass
    return results


def test_hand_written_records_come_back_exactly(tmp_path: Path) -> None:
    assert write_parquet(tmp_path / "p", HAND, TWO) == 2  # the split's keys, then the suite's
    back = list(read_parquet_records(tmp_path / "p", TWO))
    assert back == HAND
    assert [list(r) for r in back] == [list(r) for r in HAND]  # same keys, same order
    assert back[1]["probs"][0] == 0.1 + 0.2  # float64 bits kept (0.30000000000000004)
    suite = pq.read_table(tmp_path / "p" / "part-00001.parquet")
    assert suite.column("probs.neg").to_pylist() == [0.5, 0.875]  # a column per label
    assert suite.column("source_probs.pos").to_pylist() == [None, 0.75]
    assert str(suite.schema.field("rank").type) == "int64" and str(suite.schema.field("passed").type) == "bool"
    assert suite.column("mixed").to_pylist() == ['"a"', "7"]  # mixed types: JSON text
    assert suite.column("meta").to_pylist() == ['{"a": null, "b": [1, 2]}', "{}"]


def test_shards_split_on_keys_and_size() -> None:
    rows = [{"a": 1}, {"a": 2}, {"a": 3}, {"b": 1}, {"a": 4}]
    assert [[r.get("a", r.get("b")) for r in s] for s in shards(rows, size=2)] == [[1, 2], [3], [1], [4]]


def test_synthetic_run_round_trips(synthetic_run: Path, tmp_path: Path) -> None:
    expected = read_records(synthetic_run.with_name(PREDICTIONS_FILE))
    results = _copy_run(synthetic_run, tmp_path / "run")
    assert not results.with_name(PREDICTIONS_FILE).exists()
    assert find_predictions(results) == results.with_name(PARQUET_DIR)
    assert read_predictions(find_predictions(results), read_results(results)) == expected


@pytest.mark.parametrize("damage, needle", [
    (lambda d: (d / "part-00000.parquet").unlink(), "shard 0 of the predictions is missing"),
    (lambda d: (d / "part-00001.parquet").unlink(), "shard 0 of the predictions is missing"),
    (lambda d: (d / "part-00000.parquet").write_bytes(b"not parquet"), "not a readable Parquet file"),
    (lambda d: pq.write_table(pq.read_table(d / "part-00000.parquet").replace_schema_metadata({}),
                              d / "part-00000.parquet"), "not an emotion-audit predictions shard"),
])
def test_damaged_folder_is_refused(tmp_path: Path, damage, needle: str) -> None:
    folder = tmp_path / "p"
    write_parquet(folder, HAND, TWO)
    damage(folder)
    with pytest.raises(AuditError, match=needle):
        list(read_parquet_records(folder, TWO))


def test_other_labels_are_refused(tmp_path: Path) -> None:
    write_parquet(tmp_path / "p", HAND, TWO)
    with pytest.raises(AuditError, match="predictions for labels"):
        list(read_parquet_records(tmp_path / "p", ["pos", "neg"]))


def test_predictions_of_another_run_are_refused(synthetic_run: Path, tmp_path: Path) -> None:
    results = _copy_run(synthetic_run, tmp_path / "run")
    records = read_records(synthetic_run.with_name(PREDICTIONS_FILE))[:-1]  # one case short
    shutil.rmtree(results.with_name(PARQUET_DIR))
    write_parquet(results.with_name(PARQUET_DIR), records, LABELS)
    with pytest.raises(AuditError, match="do not match|count"):
        read_predictions(find_predictions(results), read_results(results))


def test_report_and_gate_read_parquet_predictions(synthetic_run: Path, tmp_path: Path) -> None:
    results = _copy_run(synthetic_run, tmp_path / "run")
    doc = read_results(results)
    html = tmp_path / "report.html"
    assert main(["-q", "report", str(results), "-o", str(html)]) == 0
    records = read_records(synthetic_run.with_name(PREDICTIONS_FILE))
    assert html.read_text(encoding="utf-8") == render_report(doc, records)
    baseline = tmp_path / "baseline.json"
    assert main(["-q", "baseline", str(results), "-o", str(baseline)]) == 0
    from_jsonl = tmp_path / "baseline-jsonl.json"
    assert main(["-q", "baseline", str(synthetic_run), "-o", str(from_jsonl)]) == 0
    cases = [json.loads(path.read_text())["baseline"]["cases"] for path in (baseline, from_jsonl)]
    assert cases[0] == cases[1]
    assert main(["-q", "gate", str(results), "--baseline", str(from_jsonl)]) == 0


def test_write_all_keeps_one_form(synthetic_run: Path, tmp_path: Path) -> None:
    audit = Audit(read_results(synthetic_run), read_records(synthetic_run.with_name(PREDICTIONS_FILE)))
    out = tmp_path / "out"
    write_all(out, audit)
    paths = write_all(out, audit, predictions="parquet")
    assert out / PARQUET_DIR in paths and not (out / PREDICTIONS_FILE).exists()
    assert read_predictions(find_predictions(out / RESULTS_FILE), audit.results) == audit.records
    write_all(out, audit)
    assert (out / PREDICTIONS_FILE).is_file() and not (out / PARQUET_DIR).exists()
    assert {p.name for p in out.iterdir()} == {RESULTS_FILE, PREDICTIONS_FILE, "report.html", "model_card.md"}


@pytest.mark.parametrize("stream", [False, True])
def test_run_writes_parquet(tiny_model: Path, tmp_path: Path, stream: bool) -> None:
    data = tmp_path / "test.txt"
    data.write_text("text;label\ni feel happy;joy\ni am sad;sadness\ni feel happy;joy\n", encoding="utf-8")
    out = tmp_path / "out"
    assert main(["-q", "run", "--model", str(tiny_model), "--data", str(data), "--out", str(out), "--device", "cpu",
                 "--no-cache", "--predictions", "parquet", *(["--stream"] if stream else [])]) == 0
    assert (out / PARQUET_DIR / "part-00000.parquet").is_file() and not (out / PREDICTIONS_FILE).exists()
    results = read_results(out / RESULTS_FILE)
    records = read_predictions(find_predictions(out / RESULTS_FILE), results)
    assert [r["text"] for r in records] == ["i feel happy", "i am sad", "i feel happy"]
    assert results["config"]["stream"] is stream
    assert (results["suites"]["test"]["metrics"]["ci"]["method"] == "percentile Poisson bootstrap over cases") is stream
    assert main(["-q", "report", str(out / RESULTS_FILE), "-o", str(tmp_path / "again.html")]) == 0
    assert (tmp_path / "again.html").read_text(encoding="utf-8") == (out / "report.html").read_text(encoding="utf-8")


def _two_audits(n: int = 5000):
    """One audit of a synthetic classifier on ``n`` texts (several chunks, a group column, some
    unlabelled), scored whole and streamed."""
    import numpy as np

    from audit.data import Dataset
    from audit.model import CallableClassifier
    from audit.runner import evaluate

    def fn(texts: list[str]) -> np.ndarray:
        rng = np.random.default_rng([int(t.split()[1]) for t in texts])
        logits = rng.normal(size=(len(texts), 6))
        logits[np.arange(len(texts)), [int(t.split()[1]) % 6 for t in texts]] += 2.0
        return np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)

    clf = CallableClassifier(fn, LABELS, name="synthetic")
    texts = [f"case {i} {'long text ' * (i % 4)}" for i in range(n)]
    data = Dataset("synthetic", "test", texts, [None if i % 50 == 7 else LABELS[(i + (i % 5 == 0)) % 6] for i in range(n)],
                   groups={"group": ["a" if i % 3 else "b" for i in range(n)]})
    return [evaluate(clf, data, group_columns=["group"], progress=False, stream=stream) for stream in (False, True)]


def test_streamed_scoring_equals_whole_split_scoring(tmp_path: Path) -> None:
    import copy

    whole, streamed = _two_audits()
    a, b = copy.deepcopy(whole.results), copy.deepcopy(streamed.results)
    assert b["config"].pop("stream") is True and a["config"].pop("stream") is False
    ma, mb = a["suites"]["test"].pop("metrics"), b["suites"]["test"].pop("metrics")
    for doc in (a, b):
        doc.pop("run")
    assert a == b  # everything but the split's metrics and the run's timings
    assert ma["confusion_matrix"] == mb["confusion_matrix"] and ma["per_class"].keys() == mb["per_class"].keys()
    for label, row in ma["per_class"].items():
        assert mb["per_class"][label] == pytest.approx(row, abs=1e-12)
    assert mb["ci"]["method"] == "percentile Poisson bootstrap over cases"
    for name in ("accuracy", "macro_f1", "weighted_f1"):
        assert mb[name]["value"] == pytest.approx(ma[name]["value"], abs=1e-12)
        assert mb[name]["ci_low"] == pytest.approx(ma[name]["ci_low"], abs=0.01)
    # the same records, made as they are written; only the few the report shows are held
    assert list(streamed.per_case()) == whole.records
    held = [r for r in streamed.records if r["suite"] == "test"]
    assert 0 < len(held) <= 10 + 20 and all(r in whole.records for r in held)
    # writing the held records where every record was meant is refused, and writes nothing
    for form in ("jsonl", "parquet"):
        with pytest.raises(AuditError, match=f"hold {len(held)} of the split's 5000 cases; nothing was written"):
            write_all(tmp_path / f"partial-{form}", Audit(streamed.results, streamed.records), predictions=form)
        assert not any((tmp_path / f"partial-{form}").iterdir())
    # and the report and card written from them are those the report and card commands make from every record
    for form in ("jsonl", "parquet"):
        out = tmp_path / form
        write_all(out, streamed, predictions=form)
        assert main(["-q", "report", str(out / RESULTS_FILE), "-o", str(out / "again.html")]) == 0
        assert (out / "again.html").read_text(encoding="utf-8") == (out / "report.html").read_text(encoding="utf-8")
        records = read_predictions(find_predictions(out / RESULTS_FILE), read_results(out / RESULTS_FILE))
        assert records == whole.records
        # and they say which bootstrap made the split's intervals
        assert "percentile Poisson bootstrap over the test texts" in (out / "report.html").read_text(encoding="utf-8")
        assert "95% percentile-Poisson-bootstrap intervals" in (out / "model_card.md").read_text(encoding="utf-8")
