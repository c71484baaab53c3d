"""Metrics against scikit-learn and statsmodels on the same predictions, plus hand-worked cases."""
from __future__ import annotations

import numpy as np
import pytest
from sklearn import metrics as skm
from statsmodels.stats.proportion import proportion_confint

from audit.metric_registry import METRICS, headline_metrics
from audit.metrics import (calibration, classification_metrics, confusion_counts, micro_f1_from_confusion,
                           proportion_ci)

LABELS = ["sadness", "joy", "love", "anger", "fear", "surprise"]


def _random_case(seed: int, n: int = 500, k: int = 6, missing: int | None = None):
    rng = np.random.default_rng(seed)
    y_true = rng.integers(0, k, n)
    if missing is not None:  # a class absent from gold and predictions
        y_true[y_true == missing] = (missing + 1) % k
    y_pred = np.where(rng.random(n) < 0.7, y_true, rng.integers(0, k, n))
    if missing is not None:
        y_pred[y_pred == missing] = (missing + 2) % k
    logits = rng.normal(size=(n, k)) + 3 * np.eye(k)[y_pred]
    probs = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    return y_true, probs.argmax(axis=1), probs


@pytest.mark.parametrize("seed,missing", [(0, None), (1, None), (2, 5), (3, 2)])
def test_metrics_agree_with_sklearn(seed: int, missing: int | None) -> None:
    y_true, y_pred, probs = _random_case(seed, missing=missing)
    m = classification_metrics(y_true, y_pred, LABELS, probs, n_resamples=1000, seed=seed)
    assert m["accuracy"]["value"] == pytest.approx(skm.accuracy_score(y_true, y_pred))
    assert m["macro_f1"]["value"] == pytest.approx(skm.f1_score(y_true, y_pred, average="macro", zero_division=0))
    assert m["weighted_f1"]["value"] == pytest.approx(skm.f1_score(y_true, y_pred, average="weighted", zero_division=0))
    assert m["micro_f1"] == pytest.approx(skm.f1_score(y_true, y_pred, average="micro"))
    p, r, f, s = skm.precision_recall_fscore_support(y_true, y_pred, labels=range(6), zero_division=0)
    for i, label in enumerate(LABELS):
        row = m["per_class"][label]
        assert (row["precision"], row["recall"], row["f1"]) == pytest.approx((p[i], r[i], f[i]))
        assert row["support"] == s[i]
    assert m["confusion_matrix"]["counts"] == skm.confusion_matrix(y_true, y_pred, labels=range(6)).tolist()
    normalized = np.nan_to_num(skm.confusion_matrix(y_true, y_pred, labels=range(6), normalize="true"))
    assert np.allclose(m["confusion_matrix"]["normalized"], normalized)
    cal = m["calibration"]
    assert cal["brier"] == pytest.approx(skm.brier_score_loss(y_true, probs, labels=range(6)))
    assert cal["nll"] == pytest.approx(skm.log_loss(y_true, probs, labels=range(6)))


#: scikit-learn's definition of each headline metric, written out here (not taken from the registry)
_SKLEARN = {"accuracy": skm.accuracy_score,
            "macro_f1": lambda t, p: skm.f1_score(t, p, average="macro", zero_division=0),
            "weighted_f1": lambda t, p: skm.f1_score(t, p, average="weighted", zero_division=0)}


@pytest.mark.parametrize("seed,missing", [(0, None), (5, 1), (6, 4)])
def test_confusion_forms_equal_sklearn_on_the_cases_and_on_resamples(seed: int, missing: int | None) -> None:
    """The bootstrap's intervals and a reader's rechecks use each metric's confusion form; it must be
    scikit-learn's number on the same cases, one matrix or a stack of resampled ones."""
    y_true, y_pred, _ = _random_case(seed, n=300, missing=missing)
    assert set(headline_metrics()) == set(_SKLEARN)
    rng = np.random.default_rng(seed)
    rows = [np.arange(300), *rng.integers(0, 300, size=(6, 300))]
    stack = np.stack([confusion_counts(y_true[i], y_pred[i], 6) for i in rows])
    for name, declared in headline_metrics().items():
        expected = [_SKLEARN[name](y_true[i], y_pred[i]) for i in rows]
        assert declared.confusion(stack).tolist() == pytest.approx(expected, rel=1e-15, abs=1e-15), name
        assert declared.score(y_true, y_pred) == expected[0], name
    per_class = [skm.f1_score(y_true[i], y_pred[i], average=None, labels=range(6), zero_division=0) for i in rows]
    assert np.allclose(METRICS["per_class_f1"].confusion(stack), per_class, rtol=1e-15, atol=1e-15)
    assert float(micro_f1_from_confusion(stack[0])) == pytest.approx(skm.f1_score(y_true, y_pred, average="micro"))


def test_classification_metrics_validates_its_inputs() -> None:
    with pytest.raises(ValueError, match="at least one case"):
        classification_metrics(np.array([], dtype=int), np.array([], dtype=int), LABELS)
    with pytest.raises(ValueError, match="outside"):
        classification_metrics(np.array([0, 6]), np.array([0, 1]), LABELS)
    assert confusion_counts(np.array([], dtype=int), np.array([], dtype=int), 3).tolist() == [[0] * 3] * 3


def test_bootstrap_interval_is_seeded_and_brackets_the_value() -> None:
    y_true, y_pred, _ = _random_case(4)
    a = classification_metrics(y_true, y_pred, LABELS, n_resamples=1000, seed=7)
    b = classification_metrics(y_true, y_pred, LABELS, n_resamples=1000, seed=7)
    c = classification_metrics(y_true, y_pred, LABELS, n_resamples=1000, seed=8)
    assert a == b
    assert a["accuracy"] != c["accuracy"]
    for name in ("accuracy", "macro_f1", "weighted_f1"):
        assert a[name]["ci_low"] < a[name]["value"] < a[name]["ci_high"]
    # The percentile interval of a proportion is close to its normal-theory interval.
    acc, n = a["accuracy"]["value"], len(y_true)
    half = 1.96 * np.sqrt(acc * (1 - acc) / n)
    assert a["accuracy"]["ci_high"] - a["accuracy"]["ci_low"] == pytest.approx(2 * half, rel=0.15)
    assert a["ci"] == {"method": "percentile bootstrap over cases", "level": 0.95, "resamples": 1000, "seed": 7}


def test_ece_hand_worked() -> None:
    # Two cases at confidence 0.9 (one right), two at 0.6 (both right), 15 bins:
    # bin (0.8667, 0.9333]: acc 0.5, conf 0.9 -> |0.4| * 2/4; bin (0.5333, 0.6]: acc 1, conf 0.6 -> 0.4 * 2/4.
    probs = np.array([[0.9, 0.1], [0.9, 0.1], [0.6, 0.4], [0.4, 0.6]])
    y = np.array([0, 1, 0, 1])
    cal = calibration(probs, y)
    assert cal["ece"] == pytest.approx(0.4)
    counts = {round(b["upper"], 4): b["count"] for b in cal["bins"] if b["count"]}
    assert counts == {0.6: 2, 0.9333: 2}
    assert sum(b["count"] for b in cal["bins"]) == 4 and len(cal["bins"]) == 15


def test_perfect_calibration_has_zero_ece() -> None:
    probs = np.array([[1.0, 0.0]] * 3 + [[0.0, 1.0]] * 2)
    cal = calibration(probs, np.array([0, 0, 0, 1, 1]))
    assert cal["ece"] == 0 and cal["brier"] == 0
    assert cal["nll"] == pytest.approx(0.0, abs=1e-12)


@pytest.mark.parametrize("k,n", [(0, 10), (10, 10), (37, 50), (999, 1000)])
def test_wilson_interval_matches_statsmodels(k: int, n: int) -> None:
    assert proportion_ci(k, n) == pytest.approx(proportion_confint(k, n, alpha=0.05, method="wilson"))


@pytest.mark.parametrize("y_true, y_pred, message", [
    ([0, 1, 2], [0], "different lengths"),            # scikit-learn refuses; no broadcasting
    ([0, 1, 2], [0, 1, 3], "outside 0..2"),           # index == n_labels is not another class
    ([0, -1, 2], [0, 1, 2], "outside 0..2"),
    ([[0, 1]], [[0, 1]], "one-dimensional"),
    ([0, 1.5, 2], [0, 1, 2], "integer class indices"),
])
def test_confusion_counts_validates_like_sklearn(y_true: list, y_pred: list, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        confusion_counts(np.array(y_true), np.array(y_pred), 3)
    if message == "different lengths":
        with pytest.raises(ValueError):
            skm.confusion_matrix(y_true, y_pred, labels=[0, 1, 2])


def test_confusion_counts_accepts_integral_floats_and_empty() -> None:
    assert confusion_counts(np.array([0.0, 2.0]), np.array([2, 2]), 3).tolist() == \
        skm.confusion_matrix([0, 2], [2, 2], labels=[0, 1, 2]).tolist()
    assert confusion_counts(np.array([], dtype=int), np.array([], dtype=int), 2).sum() == 0
