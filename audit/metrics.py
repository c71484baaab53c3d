"""Classification metrics, confidence intervals and calibration, as pure functions.

Every function takes integer class indices (``0 .. n_labels-1``) and NumPy arrays and returns plain
Python numbers, lists and dicts ready for ``results.json``. Point estimates are scikit-learn's
(``sklearn.metrics``, ``zero_division=0``) and Wilson intervals scipy's (``scipy.stats.binomtest``),
both imported on first use. Written here is only what those libraries do not define: the same
metrics as functions of a confusion matrix or of a stack of them (``*_from_confusion``), which
compute the bootstrap's thousands of resamples at once and let a reader recheck stored values;
the seeded bootstrap; the expected calibration error. The tests check that each confusion form
equals scikit-learn's value on the same cases.

Notation: for class ``k``, ``TP_k`` counts cases with gold ``k`` predicted ``k``, ``FP_k`` cases
predicted ``k`` with another gold label, ``FN_k`` cases with gold ``k`` predicted otherwise.
"""
from __future__ import annotations

import warnings
from typing import Any, Callable, Sequence

import numpy as np

#: Confidence level of every interval the audit reports.
CI_LEVEL = 0.95
#: Significance level of every test the audit reports (family-wise, after Holm, where corrected).
ALPHA = 0.05
#: Number of equal-width confidence bins for the expected calibration error.
ECE_BINS = 15
#: ``ci.method`` of intervals from :func:`bootstrap_confusions` (multinomial resamples of the cases).
BOOTSTRAP_METHOD = "percentile bootstrap over cases"


def check_targets(y_true: Any, y_pred: Any, n_labels: int) -> tuple[np.ndarray, np.ndarray]:
    """``y_true`` and ``y_pred`` as int64 arrays, after the checks scikit-learn's
    ``_check_targets`` makes at its public boundary: both one-dimensional, of equal length, of
    integer values, and every value a class index in ``0 .. n_labels-1``. Anything else is a
    ``ValueError`` (a length-1 prediction is never broadcast, an index equal to ``n_labels`` is
    never counted as another class)."""
    arrays = []
    for name, values in (("y_true", y_true), ("y_pred", y_pred)):
        arr = np.asarray(values)
        if arr.ndim != 1:
            raise ValueError(f"{name} must be one-dimensional, got shape {arr.shape}")
        if arr.size and not np.issubdtype(arr.dtype, np.integer):
            if not (np.issubdtype(arr.dtype, np.floating) and np.all(np.isfinite(arr))
                    and np.all(arr == np.round(arr))):
                raise ValueError(f"{name} must hold integer class indices, got {arr.dtype}")
        arr = arr.astype(np.int64)
        if arr.size and (arr.min() < 0 or arr.max() >= n_labels):
            raise ValueError(f"{name} holds class indices outside 0..{n_labels - 1}")
        arrays.append(arr)
    if len(arrays[0]) != len(arrays[1]):
        raise ValueError(f"y_true and y_pred have different lengths: {len(arrays[0])} != "
                         f"{len(arrays[1])}")
    return arrays[0], arrays[1]


def sklearn_metric(name: str, **kwargs: Any) -> Callable[..., float]:
    """``sklearn.metrics.<name>(*args, **kwargs)`` as a float. scikit-learn is imported on the
    first call, not at import: ``sklearn.metrics`` takes about a second to import, which commands
    that only read ``results.json`` (gate, report, card) do not pay."""
    def score(*args: Any) -> float:
        from sklearn import metrics
        return float(getattr(metrics, name)(*args, **kwargs))
    score.__name__ = score.__qualname__ = name
    return score


def confusion_counts(y_true: np.ndarray, y_pred: np.ndarray, n_labels: int) -> np.ndarray:
    """Confusion matrix ``C`` with ``C[i, j]`` = number of cases of gold ``i`` predicted ``j``:
    ``sklearn.metrics.confusion_matrix`` over the labels ``0 .. n_labels-1`` (inputs validated by
    :func:`check_targets`)."""
    from sklearn.metrics import confusion_matrix
    y_true, y_pred = check_targets(y_true, y_pred, n_labels)
    if not len(y_true):  # scikit-learn refuses empty input; no cases count nothing
        return np.zeros((n_labels, n_labels), dtype=np.int64)
    return confusion_matrix(y_true, y_pred, labels=np.arange(n_labels)).astype(np.int64)


def _safe_div(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """Element-wise ``num / den`` with 0 where ``den`` is 0 (scikit-learn's ``zero_division=0``)."""
    num = np.asarray(num, dtype=np.float64)
    den = np.asarray(den, dtype=np.float64)
    out = np.zeros(np.broadcast(num, den).shape, dtype=np.float64)
    np.divide(num, den, out=out, where=den != 0)
    return out


def prf_from_confusion(cm: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per-class precision ``TP/(TP+FP)``, recall ``TP/(TP+FN)``, F1 ``2PR/(P+R)`` and support.

    Works on one matrix ``(k, k)`` or a stack ``(b, k, k)`` (used by the bootstrap).
    """
    tp = np.diagonal(cm, axis1=-2, axis2=-1).astype(np.float64)
    predicted = cm.sum(axis=-2)
    support = cm.sum(axis=-1)
    precision = _safe_div(tp, predicted)
    recall = _safe_div(tp, support)
    f1 = _safe_div(2 * tp, predicted + support)  # = 2PR/(P+R), 0 when TP = 0
    return precision, recall, f1, support


def _present(cm: np.ndarray) -> np.ndarray:
    """Mask of the labels that occur in the gold labels or the predictions (scikit-learn's default
    label set for averaged scores)."""
    return (cm.sum(axis=-1) + cm.sum(axis=-2)) > 0


def class_f1_from_confusion(k: int) -> Callable[[np.ndarray], np.ndarray]:
    """F1 of class ``k`` = 2 TP_k / (predicted_k + support_k), from one matrix or a stack."""
    return lambda cm: prf_from_confusion(cm)[2][..., k]


def accuracy_from_confusion(cm: np.ndarray) -> np.ndarray | float:
    """Accuracy = trace(C) / sum(C)."""
    total = cm.sum(axis=(-2, -1))
    return _safe_div(np.trace(cm, axis1=-2, axis2=-1), total)


def macro_f1_from_confusion(cm: np.ndarray) -> np.ndarray | float:
    """Macro F1 = unweighted mean of per-class F1 over the labels present in gold or predictions."""
    _, _, f1, _ = prf_from_confusion(cm)
    present = _present(cm)
    return _safe_div((f1 * present).sum(axis=-1), present.sum(axis=-1))


def weighted_f1_from_confusion(cm: np.ndarray) -> np.ndarray | float:
    """Weighted F1 = sum_k F1_k * support_k / sum_k support_k."""
    _, _, f1, support = prf_from_confusion(cm)
    return _safe_div((f1 * support).sum(axis=-1), support.sum(axis=-1))


def micro_f1_from_confusion(cm: np.ndarray) -> np.ndarray | float:
    """Micro F1 = 2 sum TP / (2 sum TP + sum FP + sum FN); equals accuracy for single-label data."""
    tp = np.trace(cm, axis1=-2, axis2=-1)
    total = cm.sum(axis=(-2, -1))
    return _safe_div(2 * tp, 2 * total)


#: Case indices drawn at once by :func:`bootstrap_confusions` (half a MiB: blocks stay in cache).
_BOOTSTRAP_CELLS = 1 << 16


def bootstrap_confusions(
    y_true: np.ndarray, y_pred: np.ndarray, n_labels: int, n_resamples: int, seed: int
) -> np.ndarray:
    """Confusion matrices of ``n_resamples`` case resamples drawn with replacement, shape ``(b, k, k)``.

    Resample ``r`` draws ``n`` case indices uniformly with replacement from
    ``numpy.random.default_rng(seed)``, so the result depends only on the inputs and the seed.
    The draws are made a block of resamples at a time (at most :data:`_BOOTSTRAP_CELLS`
    indices): the same numbers, in the same order, as one draw of ``n`` per resample, without a
    Python step per resample where ``n`` is small.
    """
    n = len(y_true)
    rng = np.random.default_rng(seed)
    cells = n_labels * n_labels
    codes = np.asarray(y_true, dtype=np.int64) * n_labels + np.asarray(y_pred, dtype=np.int64)
    out = np.empty((n_resamples, cells), dtype=np.int64)
    block = max(1, _BOOTSTRAP_CELLS // max(n, 1))
    for start in range(0, n_resamples, block):
        rows = min(block, n_resamples - start)
        drawn = codes[rng.integers(0, n, size=(rows, n))]
        # resample r's codes are shifted into its own range of cells, so one bincount counts all
        drawn += (np.arange(rows) * cells)[:, None]
        out[start:start + rows] = np.bincount(drawn.ravel(), minlength=rows * cells).reshape(rows, cells)
    return out.reshape(n_resamples, n_labels, n_labels)


def percentile_interval(samples: np.ndarray, level: float = CI_LEVEL) -> tuple[float, float]:
    """Percentile interval: the ``(1-level)/2`` and ``(1+level)/2`` quantiles of ``samples``."""
    low, high = np.quantile(samples, [(1 - level) / 2, (1 + level) / 2])
    return float(low), float(high)


def proportion_ci(successes: int, n: int, level: float = CI_LEVEL) -> tuple[float, float]:
    """Wilson score interval for a binomial proportion ``successes / n`` (e.g. a pass rate):
    ``scipy.stats.binomtest(successes, n).proportion_ci(level, method="wilson")``.

    Wilson's interval keeps its coverage near 0 and 1 where the normal approximation fails,
    which matters for pass rates close to 100%. With ``p = successes / n`` and ``z`` the normal
    quantile at ``(1 + level) / 2`` it is ``(2 n p + z^2 +- z sqrt(4 n p (1 - p) + z^2)) /
    (2 (n + z^2))`` (Newcombe 1998, without continuity correction), exactly 0 and 1 at the
    edges. Returns ``(0, 1)`` when ``n`` is 0, where scipy has no interval.
    """
    if n == 0:
        return 0.0, 1.0
    from scipy.stats import binomtest
    interval = binomtest(int(successes), int(n)).proportion_ci(confidence_level=level, method="wilson")
    return float(interval.low), float(interval.high)


def rate_with_ci(successes: int, n: int) -> dict[str, float | int | None]:
    """``{"value", "ci_low", "ci_high", "successes", "n"}`` for a proportion with a Wilson CI."""
    low, high = proportion_ci(successes, n)
    return {
        "value": successes / n if n else None,
        "ci_low": low,
        "ci_high": high,
        "successes": int(successes),
        "n": int(n),
    }


def reliability_bins(probs: np.ndarray, y_true: np.ndarray, n_bins: int = ECE_BINS) -> tuple[float, list[dict[str, Any]]]:
    """The expected calibration error and its bins (scikit-learn has no ECE).

    ECE = sum_b (n_b / n) * |acc_b - conf_b| over ``n_bins`` equal-width bins of the top-label
    confidence ``max_k p_k`` (bin ``b`` holds confidences in ``(b/n_bins, (b+1)/n_bins]``, the
    first bin also holds 0), ``acc_b`` the share of its cases whose argmax is the gold label.
    """
    probs = np.asarray(probs, dtype=np.float64)
    y_true = np.asarray(y_true, dtype=np.int64)
    confidence, correct, bin_index = top_label_bins(probs, y_true, n_bins)
    masks = [bin_index == b for b in range(n_bins)]
    count = np.array([mask.sum() for mask in masks], dtype=np.int64)
    accuracy = np.array([correct[mask].mean() if mask.any() else np.nan for mask in masks])
    conf = np.array([confidence[mask].mean() if mask.any() else np.nan for mask in masks])
    return bin_rows(count, accuracy, conf, len(probs))


def top_label_bins(probs: np.ndarray, y_true: np.ndarray, n_bins: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each case's top-label confidence ``max_k p_k``, whether its argmax is the gold label, and
    its bin: ``b`` holds confidences in ``(b/n_bins, (b+1)/n_bins]``, the first bin also 0."""
    confidence = probs.max(axis=1)
    bins = np.clip(np.ceil(confidence * n_bins).astype(np.int64) - 1, 0, n_bins - 1)
    return confidence, probs.argmax(axis=1) == y_true, bins


def bin_rows(count: np.ndarray, accuracy: np.ndarray, confidence: np.ndarray,
             n: int) -> tuple[float, list[dict[str, Any]]]:
    """The ECE ``sum_b (n_b / n) |acc_b - conf_b|`` and the ``bins`` rows of ``results.json``
    from each bin's count, accuracy and mean confidence (NaN in an empty bin)."""
    n_bins = len(count)
    bins = []
    ece = 0.0
    for b in range(n_bins):
        filled = bool(count[b])
        acc = float(accuracy[b]) if filled else None
        conf = float(confidence[b]) if filled else None
        if filled:
            ece += int(count[b]) / n * abs(acc - conf)
        bins.append({"lower": b / n_bins, "upper": (b + 1) / n_bins, "count": int(count[b]),
                     "accuracy": acc, "confidence": conf})
    return float(ece), bins


def calibration(probs: np.ndarray, y_true: np.ndarray, n_bins: int = ECE_BINS) -> dict[str, Any]:
    """Top-label calibration of predicted probabilities.

    - ECE and its bins: :func:`reliability_bins`.
    - Brier = mean over cases of sum_k (p_k - 1[k = gold])^2 (the multi-class Brier score,
      ``sklearn.metrics.brier_score_loss``).
    - NLL = mean over cases of -log p_gold (``sklearn.metrics.log_loss``, which clips
      probabilities to ``[eps, 1 - eps]``, eps float64's machine epsilon).
    """
    from sklearn.metrics import brier_score_loss, log_loss

    probs = np.asarray(probs, dtype=np.float64)
    y_true = np.asarray(y_true, dtype=np.int64)
    labels = np.arange(probs.shape[1])
    ece, bins = reliability_bins(probs, y_true, n_bins)
    with warnings.catch_warnings():
        # a float32 softmax's rows sum to 1 only within float32 rounding, beyond the float64
        # tolerance scikit-learn warns at; the probabilities are used as they are either way
        warnings.filterwarnings("ignore", message="The y_prob values do not sum to one")
        brier = float(brier_score_loss(y_true, probs, labels=labels, scale_by_half=False))
        nll = float(log_loss(y_true, probs, labels=labels))
    return {"ece": ece, "brier": brier, "nll": nll, "n_bins": n_bins, "bins": bins}


def confusion_dict(cm: np.ndarray, labels: Sequence[str]) -> dict[str, Any]:
    """``{"labels", "counts", "normalized"}``; ``normalized`` divides each row by its gold count."""
    row = cm.sum(axis=1, keepdims=True)
    return {
        "labels": list(labels),
        "counts": cm.astype(int).tolist(),
        "normalized": _safe_div(cm, row).tolist(),
    }


def classification_metrics(
    y_true: np.ndarray,
    y_pred: np.ndarray,
    labels: Sequence[str],
    probs: np.ndarray | None = None,
    *,
    n_resamples: int = 1000,
    seed: int = 0,
) -> dict[str, Any]:
    """All metrics for one set of gold labels and predictions (class indices into ``labels``).

    Returns accuracy, macro and weighted F1 as ``{"value", "ci_low", "ci_high"}`` with a seeded
    percentile-bootstrap 95% interval, micro F1, per-class precision/recall/F1/support, the
    confusion matrix (counts and row-normalized) and, when ``probs`` is given, calibration.
    ``n_resamples=0`` skips the intervals (``ci_low``/``ci_high`` are then ``None``). The headline
    metrics are those :mod:`audit.metric_registry` declares (:func:`~audit.metric_registry.headline_metrics`):
    each value is its scikit-learn ``score``, each interval its ``confusion`` form over the
    bootstrap's resampled matrices. Inputs are validated by :func:`check_targets`; at least one
    case is required.
    """
    from sklearn.metrics import precision_recall_fscore_support

    k = len(labels)
    y_true, y_pred = check_targets(y_true, y_pred, k)
    if not len(y_true):
        raise ValueError("classification_metrics needs at least one case")
    cm = confusion_counts(y_true, y_pred, k)
    boot = bootstrap_confusions(y_true, y_pred, k, n_resamples, seed) if n_resamples else None
    headline = headline_metrics_with_ci(lambda declared: declared.score(y_true, y_pred), boot)
    micro = sklearn_metric("f1_score", average="micro", zero_division=0)(y_true, y_pred)
    prf = precision_recall_fscore_support(y_true, y_pred, labels=np.arange(k), zero_division=0)
    ci = ci_block(BOOTSTRAP_METHOD, n_resamples, seed)
    return metrics_block(headline, micro, prf, cm, labels, ci, calibration(probs, y_true) if probs is not None else None)


def headline_metrics_with_ci(value: Callable[[Any], float], boot: np.ndarray | None) -> dict[str, Any]:
    """``{name: {value, ci_low, ci_high}}`` for each headline metric of the registry: ``value``
    of its declaration, and the percentile interval of its ``confusion`` form over the resampled
    matrices ``boot`` (``(b, k, k)``; None: no interval)."""
    from .metric_registry import headline_metrics  # the registry is built on this module's functions

    out = {}
    for name, declared in headline_metrics().items():
        low, high = percentile_interval(declared.confusion(boot)) if boot is not None else (None, None)
        out[name] = {"value": float(value(declared)), "ci_low": low, "ci_high": high}
    return out


def ci_block(method: str, n_resamples: int, seed: int) -> dict[str, Any]:
    """A metrics block's ``ci``: how its intervals were made."""
    return {"method": method, "level": CI_LEVEL, "resamples": int(n_resamples), "seed": int(seed)}


def metrics_block(headline: dict[str, Any], micro_f1: float, prf: Sequence[np.ndarray], cm: np.ndarray,
                  labels: Sequence[str], ci: dict[str, Any], calib: dict[str, Any] | None) -> dict[str, Any]:
    """A ``metrics`` block of ``results.json``: ``n``, the headline metrics (value and interval),
    ``micro_f1``, ``per_class`` from ``prf`` (per-class precision, recall, F1, support arrays), the
    confusion matrix, how the intervals were made (``ci``) and, when given, ``calibration``."""
    precision, recall, f1, support = prf
    out: dict[str, Any] = {"n": int(cm.sum()), **headline, "micro_f1": float(micro_f1)}
    out["per_class"] = {
        label: {"precision": float(precision[i]), "recall": float(recall[i]),
                "f1": float(f1[i]), "support": int(support[i])}
        for i, label in enumerate(labels)
    }
    out["confusion_matrix"] = confusion_dict(cm, labels)
    out["ci"] = ci
    if calib is not None:
        out["calibration"] = calib
    return out
