"""The audit engine end to end on a tiny DistilBERT built here, and on the reference model."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch

from audit.errors import AuditError
from audit.labels import EMOTION_LABELS
from audit.model import CallableClassifier, TransformersClassifier
from audit.results import RESULTS_FILE, VOLATILE_KEY, dumps, load_results, validate, write_outputs
from audit.runner import evaluate
from conftest import build_tiny_model

TEXTS = ["i feel happy today", "im so scared of the dark and i dont know why", "i love you",
         "i feel so angry", "i was surprised", "sad", "i feel happy today", "he is very very happy and so am i"]
GOLD = ["joy", "fear", "love", "anger", "surprise", "sadness", "joy", "joy"]


@pytest.fixture()
def small_data(tmp_path: Path) -> Path:
    path = tmp_path / "test.txt"
    path.write_text("text;label\n" + "".join(f"{t};{l}\n" for t, l in zip(TEXTS, GOLD)), encoding="utf-8")
    return path


def _reference_probs(folder: Path, texts: list[str]) -> np.ndarray:
    """One text at a time, no padding: the unambiguous reference for batched inference."""
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    tok = AutoTokenizer.from_pretrained(folder)
    model = AutoModelForSequenceClassification.from_pretrained(folder).eval()
    with torch.inference_mode():
        return np.stack([torch.softmax(model(**tok(t, return_tensors="pt")).logits, -1)[0].numpy() for t in texts])


def test_batched_inference_equals_one_at_a_time(tiny_model: Path) -> None:
    clf = TransformersClassifier.load(str(tiny_model), device="cpu", batch_size=3, token_budget=24, progress=False)
    got = clf.predict_proba(TEXTS)
    assert np.allclose(got, _reference_probs(tiny_model, TEXTS), atol=1e-5)
    assert np.allclose(got.sum(axis=1), 1)


def _subset_probs(clf: TransformersClassifier, texts: list[str], seed: int) -> tuple[list[int], np.ndarray]:
    """Probabilities of a random subset of ``texts``, predicted together in a shuffled order."""
    rng = np.random.default_rng(seed)
    idx = rng.choice(len(texts), size=int(rng.integers(1, len(texts))), replace=False).tolist()
    return idx, clf.predict_proba([texts[i] for i in idx])


def test_a_texts_probabilities_do_not_depend_on_its_batch_mates(reference_model: Path, emotion_data: Path) -> None:
    """The same bits for a text predicted alone, with all the others, or with a random subset
    in another order. Before batching by exact token length with fixed batch shapes, a BLAS
    kernel chosen by batch shape rounded the same text differently (up to 5e-7 here)."""
    texts = [line.rsplit(";", 1)[0] for line in (emotion_data / "test.txt").read_text(encoding="utf-8").splitlines()[:400]]
    clf = TransformersClassifier.load(str(reference_model), device="cpu", progress=False)
    together = clf.predict_proba(texts)
    for seed in range(3):
        idx, probs = _subset_probs(clf, texts, seed)
        assert np.array_equal(probs, together[idx]), f"subset {seed}"
    alone = np.stack([clf.predict_proba([t])[0] for t in texts[:25]])
    assert np.array_equal(alone, together[:25])


def test_batch_shape_depends_only_on_token_length(tiny_model: Path) -> None:
    clf = TransformersClassifier.load(str(tiny_model), device="cpu", batch_size=64, token_budget=1024, progress=False)
    assert [clf.batch_rows(n) for n in (1, 10, 16, 17, 100, 2000)] == [64, 64, 64, 60, 10, 1]


def test_run_on_tiny_model_writes_valid_results(tiny_model: Path, small_data: Path, tmp_path: Path) -> None:
    audit = evaluate(str(tiny_model), str(small_data), device="cpu", cache_dir=tmp_path / "cache", progress=False)
    r = audit.results
    assert validate(r) is None
    assert r["model"]["labels"] == list(EMOTION_LABELS)
    assert r["dataset"]["size"] == len(TEXTS) and r["dataset"]["class_distribution"]["joy"] == 3
    assert r["run"]["inference"] == {"requested": 8, "unique": 7, "cached": 0, "computed": 7, "rejected": 0,
                                     "rebuilt": 0}
    test = r["suites"]["test"]
    preds = [rec["pred"] for rec in audit.records]
    expected = np.array(EMOTION_LABELS)[_reference_probs(tiny_model, TEXTS).argmax(axis=1)].tolist()
    assert preds == expected
    assert test["metrics"]["accuracy"]["value"] == pytest.approx(np.mean(np.array(preds) == np.array(GOLD)))
    write_outputs(tmp_path / "out", r, audit.records)
    assert load_results(tmp_path / "out" / RESULTS_FILE)["suites"]["test"]["n"] == 8
    lines = (tmp_path / "out" / "predictions.jsonl").read_text().splitlines()
    assert [json.loads(x)["pred"] for x in lines] == preds


def test_second_run_is_served_from_cache_and_identical(tiny_model: Path, small_data: Path, tmp_path: Path) -> None:
    kwargs = dict(device="cpu", cache_dir=tmp_path / "cache", progress=False)
    first = evaluate(str(tiny_model), str(small_data), **kwargs)
    second = evaluate(str(tiny_model), str(small_data), **kwargs)
    assert second.results["run"]["inference"]["cached"] == 7
    strip = lambda r: dumps({k: v for k, v in r.items() if k != VOLATILE_KEY})  # noqa: E731
    assert strip(first.results) == strip(second.results)


def test_changed_weights_invalidate_the_cache(tmp_path: Path, small_data: Path) -> None:
    a = build_tiny_model(tmp_path / "a", seed=1)
    b = build_tiny_model(tmp_path / "b", seed=2)
    kwargs = dict(device="cpu", cache_dir=tmp_path / "cache", progress=False)
    evaluate(str(a), str(small_data), **kwargs)
    other = evaluate(str(b), str(small_data), **kwargs)
    assert other.results["run"]["inference"]["cached"] == 0


def test_generic_model_labels_are_mapped_and_recorded(tmp_path: Path, small_data: Path) -> None:
    folder = build_tiny_model(tmp_path / "generic", generic_labels=True)
    audit = evaluate(str(folder), str(small_data), device="cpu", use_cache=False, progress=False)
    assert audit.results["model"]["labels"] == list(EMOTION_LABELS)
    assert audit.results["model"]["label_mapping_assumed"] is True


def test_callable_classifier_audits_a_sklearn_pipeline(small_data: Path) -> None:
    from sklearn.feature_extraction.text import CountVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    pipe = make_pipeline(CountVectorizer(), LogisticRegression(max_iter=200)).fit(TEXTS, GOLD)
    order = [list(pipe.classes_).index(label) for label in EMOTION_LABELS]
    clf = CallableClassifier(lambda texts: pipe.predict_proba(texts)[:, order], EMOTION_LABELS, name="bow-logreg")
    audit = evaluate(clf, str(small_data), progress=False)
    assert audit.results["suites"]["test"]["metrics"]["accuracy"]["value"] == pytest.approx(
        np.mean(pipe.predict(TEXTS) == np.array(GOLD)))
    assert audit.results["model"]["id"] == "bow-logreg"


def test_pickle_weights_are_refused_unless_allowed(tmp_path: Path) -> None:
    folder = build_tiny_model(tmp_path / "pickled")
    from transformers import AutoModelForSequenceClassification

    model = AutoModelForSequenceClassification.from_pretrained(folder)
    (folder / "model.safetensors").unlink()
    torch.save(model.state_dict(), folder / "pytorch_model.bin")
    with pytest.raises(AuditError, match="only pickle weights"):
        TransformersClassifier.load(str(folder), device="cpu")
    clf = TransformersClassifier.load(str(folder), device="cpu", allow_pickle=True, progress=False)
    assert clf.describe()["weights_format"] == "pickle"


def test_model_that_cannot_be_found_or_fetched(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(AuditError, match="model path not found"):
        TransformersClassifier.load(str(tmp_path / "missing"))
    (tmp_path / "empty").mkdir()
    with pytest.raises(AuditError, match="no config.json"):
        TransformersClassifier.load(str(tmp_path / "empty"))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hub-cache"))
    with pytest.raises(AuditError, match="pass a local model folder"):
        TransformersClassifier.load("Sathwik3/distilbert-emotion-classifier")


def test_label_mismatch_lists_both_sets(tiny_model: Path, tmp_path: Path) -> None:
    path = tmp_path / "test.csv"
    path.write_text("text,label\ni am fine,neutral\n", encoding="utf-8")
    with pytest.raises(AuditError, match="neutral .*model labels: sadness, joy, love"):
        evaluate(str(tiny_model), str(path), device="cpu", use_cache=False, progress=False)


def test_truncated_texts_are_counted(tiny_model: Path, tmp_path: Path) -> None:
    path = tmp_path / "test.txt"
    path.write_text("i feel happy;joy\n" + " ".join(["happy"] * 40) + ";joy\n", encoding="utf-8")
    audit = evaluate(str(tiny_model), str(path), device="cpu", max_length=16, use_cache=False, progress=False)
    assert audit.results["dataset"]["n_truncated"] == 1


@pytest.mark.integration
def test_reference_model_matches_its_published_figures(reference_model: Path, emotion_data: Path, tmp_path: Path) -> None:
    audit = evaluate(str(reference_model), str(emotion_data), device="cpu", cache_dir=tmp_path / "c", progress=False)
    m = audit.results["suites"]["test"]["metrics"]
    assert m["accuracy"]["value"] == pytest.approx(0.9255, abs=5e-5)
    assert m["macro_f1"]["value"] == pytest.approx(0.8869, abs=5e-5)
    assert m["weighted_f1"]["value"] == pytest.approx(0.9256, abs=5e-5)
    assert m["per_class"]["surprise"]["f1"] == pytest.approx(0.7737, abs=5e-5)
    assert m["confusion_matrix"]["counts"][0] == [561, 4, 1, 12, 3, 0]
    assert audit.results["dataset"]["class_distribution"]["love"] == 159
