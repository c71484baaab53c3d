"""Scoring from counts (audit.counts) against scikit-learn, scipy and the whole-split scoring."""
from __future__ import annotations

import numpy as np
import pytest
from scipy import stats
from sklearn import metrics as skm

from audit.counts import POISSON_METHOD, SplitCounts, poisson_weights
from audit.metrics import classification_metrics

LABELS = ["sadness", "joy", "love", "anger", "fear", "surprise"]


def _case(seed: int, n: int = 600, missing: int | None = None):
    rng = np.random.default_rng(seed)
    y_true = rng.integers(0, 6, n)
    if missing is not None:
        y_true[y_true == missing] = (missing + 1) % 6
    logits = rng.normal(size=(n, 6)) + 2.5 * np.eye(6)[np.where(rng.random(n) < 0.75, y_true, rng.integers(0, 6, n))]
    if missing is not None:
        logits[:, missing] -= 50
    probs = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    ids = [f"test-{i}" for i in range(n)]
    return ids, y_true, probs.argmax(axis=1), probs


def _counted(ids, y_true, y_pred, probs, chunk: int, seed: int = 0, n_resamples: int = 1000) -> SplitCounts:
    counts = SplitCounts(6, n_resamples, seed)
    for start in range(0, len(ids), chunk):
        part = slice(start, start + chunk)
        counts.add(ids[part], y_true[part], y_pred[part], probs[part])
    return counts


def test_weights_are_poisson_one_and_belong_to_the_case() -> None:
    ids = [f"test-{i}" for i in range(2000)]
    w = poisson_weights(ids, seed=7, n_resamples=1000)
    # frequencies of 0..4 against scipy's Poisson(1) pmf, over 2,000,000 draws (sd of each < 0.0004)
    freq = np.bincount(w.ravel(), minlength=10)[:5] / w.size
    np.testing.assert_allclose(freq, stats.poisson.pmf(np.arange(5), 1.0), atol=0.002)
    assert w.mean() == pytest.approx(1.0, abs=0.003) and w.var() == pytest.approx(1.0, abs=0.006)
    # a case's weights depend on its id and the seed, not on its neighbours or its position
    reordered = poisson_weights(ids[::-1][:50], seed=7, n_resamples=1000)
    np.testing.assert_array_equal(reordered, w[::-1][:50])
    assert not np.array_equal(poisson_weights(ids[:5], seed=8, n_resamples=1000), w[:5])
    # and the resamples of one case are not all alike
    assert len({tuple(row) for row in w[:100]}) == 100


@pytest.mark.parametrize("seed,missing", [(0, None), (1, 3)])
def test_counts_equal_whole_split_scoring(seed: int, missing: int | None) -> None:
    ids, y_true, y_pred, probs = _case(seed, missing=missing)
    m = _counted(ids, y_true, y_pred, probs, chunk=128, seed=seed).metrics(LABELS)
    whole = classification_metrics(y_true, y_pred, LABELS, probs, n_resamples=1000, seed=seed)
    assert m["confusion_matrix"] == whole["confusion_matrix"]
    assert m["n"] == whole["n"] == len(ids)
    for name in ("accuracy", "macro_f1", "weighted_f1"):
        assert m[name]["value"] == pytest.approx(whole[name]["value"], abs=1e-12)
    assert m["micro_f1"] == pytest.approx(skm.f1_score(y_true, y_pred, average="micro"), abs=1e-12)
    for label in LABELS:
        for key in ("precision", "recall", "f1"):
            assert m["per_class"][label][key] == pytest.approx(whole["per_class"][label][key], abs=1e-12)
        assert m["per_class"][label]["support"] == whole["per_class"][label]["support"]
    calib, ref = m["calibration"], whole["calibration"]
    assert calib["brier"] == pytest.approx(skm.brier_score_loss(y_true, probs, labels=range(6), scale_by_half=False),
                                           abs=1e-12)
    assert calib["nll"] == pytest.approx(skm.log_loss(y_true, probs, labels=range(6)), abs=1e-12)
    assert calib["ece"] == pytest.approx(ref["ece"], abs=1e-12)
    for mine, theirs in zip(calib["bins"], ref["bins"]):
        assert mine["count"] == theirs["count"]
        for key in ("accuracy", "confidence"):
            assert (mine[key] is None) == (theirs[key] is None)
            if mine[key] is not None:
                assert mine[key] == pytest.approx(theirs[key], abs=1e-12)
    assert m["ci"] == {"method": POISSON_METHOD, "level": 0.95, "resamples": 1000, "seed": seed}
    # the Poisson and the multinomial bootstrap estimate one sampling distribution: on 600 cases
    # their interval ends agree to well within the intervals' own width (about 0.07)
    for name in ("accuracy", "macro_f1", "weighted_f1"):
        assert m[name]["ci_low"] == pytest.approx(whole[name]["ci_low"], abs=0.012)
        assert m[name]["ci_high"] == pytest.approx(whole[name]["ci_high"], abs=0.012)
        assert m[name]["ci_low"] < m[name]["value"] < m[name]["ci_high"]


def test_each_resample_is_a_weighted_score() -> None:
    """Resample r's confusion matrix is the cases weighted by their r-th Poisson draw: each of its
    metrics equals scikit-learn's with those sample weights."""
    ids, y_true, y_pred, probs = _case(2, n=300)
    counts = _counted(ids, y_true, y_pred, probs, chunk=64, n_resamples=1000, seed=3)
    weights = poisson_weights(ids, 3, 1000)
    from audit.metric_registry import headline_metrics
    declared = headline_metrics()
    boot = counts.resampled.reshape(-1, 6, 6)
    for r in (0, 1, 499, 999):
        w = weights[:, r]
        kept = w > 0  # scikit-learn counts a weight-0 case's label as present; a resample does not hold it
        assert declared["accuracy"].confusion(boot[r]) == pytest.approx(
            skm.accuracy_score(y_true, y_pred, sample_weight=w), abs=1e-12)
        for name, average in (("macro_f1", "macro"), ("weighted_f1", "weighted")):
            assert declared[name].confusion(boot[r]) == pytest.approx(skm.f1_score(
                y_true[kept], y_pred[kept], average=average, sample_weight=w[kept], zero_division=0), abs=1e-12)


def test_chunking_and_sharding_do_not_change_the_result() -> None:
    ids, y_true, y_pred, probs = _case(4, n=500)
    one = _counted(ids, y_true, y_pred, probs, chunk=500).metrics(LABELS)
    assert _counted(ids, y_true, y_pred, probs, chunk=37).metrics(LABELS)["accuracy"] == one["accuracy"]
    order = np.random.default_rng(0).permutation(500)
    shuffled = _counted([ids[i] for i in order], y_true[order], y_pred[order], probs[order], chunk=100)
    first = _counted(ids[:200], y_true[:200], y_pred[:200], probs[:200], chunk=64)
    second = _counted(ids[200:], y_true[200:], y_pred[200:], probs[200:], chunk=64)
    for other in (shuffled.metrics(LABELS), first.merge(second).metrics(LABELS)):
        assert other["confusion_matrix"] == one["confusion_matrix"]
        for name in ("accuracy", "macro_f1", "weighted_f1"):
            assert other[name] == one[name]  # same weights per case: identical resamples
        assert other["calibration"]["brier"] == pytest.approx(one["calibration"]["brier"], abs=1e-15)


def test_bad_input_is_refused_and_counts_nothing() -> None:
    counts = SplitCounts(6, 1000, 0)
    with pytest.raises(ValueError, match="case ids"):
        counts.add(["a"], [0, 1], [0, 1])
    with pytest.raises(ValueError, match="outside"):
        counts.add(["a"], [6], [0])
    with pytest.raises(ValueError, match="shape"):
        counts.add(["a"], [0], [0], np.ones((1, 5)))
    for bad in (np.nan, -0.1, 1.5):
        with pytest.raises(ValueError, match="finite probabilities"):
            counts.add(["a"], [0], [0], np.array([[bad, 0, 0, 0, 0, 0.1]]))
    with pytest.raises(AttributeError):  # a case id that is not text fails before anything is counted
        counts.add([7], [0], [0])
    assert counts.n == 0 and not counts.resampled.any() and not counts.bin_count.any() and counts.brier_sum == 0
    with pytest.raises(ValueError, match="no cases"):
        counts.metrics(LABELS)
    with pytest.raises(ValueError, match="cannot merge"):
        counts.merge(SplitCounts(6, 1000, 1))
    counts.add(["a", "b"], [0, 1], [0, 0])  # without probabilities: no calibration
    assert "calibration" not in counts.metrics(LABELS)
    with pytest.raises(ValueError, match="every chunk or for none"):
        counts.add(["c"], [0], [0], np.full((1, 6), 1 / 6))
    with_probs = SplitCounts(6, 1000, 0)
    with_probs.add(["d"], [0], [0], np.full((1, 6), 1 / 6))
    with pytest.raises(ValueError, match="every chunk or for none"):
        with_probs.add(["e"], [0], [0])
    with pytest.raises(ValueError, match="with probabilities and counts without"):
        with_probs.merge(counts)
    bare = SplitCounts(6, 0, 0)
    bare.add(["a"], [0], [0])
    assert bare.metrics(LABELS)["accuracy"] == {"value": 1.0, "ci_low": None, "ci_high": None}


def test_a_resample_without_cases_is_left_out() -> None:
    """On 3 cases about 5% of Poisson resamples (e^-3) hold no case; counted, their empty matrices
    would score 0 and pin the interval's low end there. All correct: every resample holding a case
    scores 1, as the multinomial bootstrap does."""
    counts = SplitCounts(6, 1000, 0)
    counts.add(["a", "b", "c"], [0, 1, 2], [0, 1, 2])
    assert 0 < (counts.resampled.sum(axis=1) == 0).sum() < 100
    m = counts.metrics(LABELS)
    assert m["accuracy"] == {"value": 1.0, "ci_low": 1.0, "ci_high": 1.0}
    assert m["macro_f1"] == {"value": 1.0, "ci_low": 1.0, "ci_high": 1.0}
    whole = classification_metrics(np.array([0, 1, 2]), np.array([0, 1, 2]), LABELS, n_resamples=1000)
    assert (whole["accuracy"]["ci_low"], whole["accuracy"]["ci_high"]) == (1.0, 1.0)
