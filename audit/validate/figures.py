"""The figures every section shares: metrics blocks against their confusion matrix, calibration
against its bins, and estimates with intervals.

An estimate ``{value, ci_low, ci_high[, successes, n]}`` is the form the report formats and
charts, so every one anywhere in the document must hold finite numbers, and a rate must equal
``successes / n`` inside its interval.
"""
from __future__ import annotations

from typing import Any, Mapping, Sequence

import numpy as np

from ..metric_registry import headline_metrics
from ..metrics import micro_f1_from_confusion, prf_from_confusion
from .access import TOLERANCE, Invalid, KeyPath, check_kind, close, equal, field
from .closed_forms import wilson_interval

#: Largest magnitude accepted for a number in an estimate (a chart axis must stay finite).
MAX_MAGNITUDE = 1e12
#: Keys of an estimate with an interval, the form the report formats and charts.
INTERVAL_KEYS = frozenset({"value", "ci_low", "ci_high", "successes", "n"})


def check_metrics(m: Mapping[str, Any], where: KeyPath, labels: Sequence[str], n: int | None = None) -> np.ndarray:
    """A ``metrics`` block against its own confusion matrix; returns the matrix."""
    cm_node = field(m, where, "confusion_matrix", "map")
    cm_where = where + ("confusion_matrix",)
    equal(field(cm_node, cm_where, "labels", "list"), list(labels), cm_where + ("labels",), "model.labels")
    cm = square_matrix(field(cm_node, cm_where, "counts", "list"), cm_where + ("counts",), len(labels))
    total = int(cm.sum())
    equal(field(m, where, "n", "count"), total, where + ("n",), "the confusion matrix")
    if n is not None:
        equal(n, total, where[:-1] + ("n",), "the confusion matrix")
    for name, declared in headline_metrics().items():
        check_estimate(field(m, where, name, "map"), where + (name,))
        close(m[name]["value"], float(declared.confusion(cm)), where + (name, "value"), "the confusion matrix")
        check_estimate(m[name], where + (name,), inside=True)
    if m.get("micro_f1") is not None:
        close(m["micro_f1"], float(micro_f1_from_confusion(cm)), where + ("micro_f1",), "the confusion matrix")
    precision, recall, f1, support = prf_from_confusion(cm)
    per_class = field(m, where, "per_class", "map")
    for i, label in enumerate(labels):
        row_where = where + ("per_class", label)
        row = field(per_class, where + ("per_class",), label, "map")
        for key, values in (("precision", precision), ("recall", recall), ("f1", f1)):
            close(field(row, row_where, key, "num"), float(values[i]), row_where + (key,), "the confusion matrix")
        equal(field(row, row_where, "support", "count"), int(support[i]), row_where + ("support",),
              "the confusion matrix")
    normalized = field(cm_node, cm_where, "normalized", "list")
    rows = cm.sum(axis=1, keepdims=True)
    expected = np.divide(cm, rows, out=np.zeros(cm.shape), where=rows != 0)
    square_matrix(normalized, cm_where + ("normalized",), len(labels), kind="num")
    for i in range(len(labels)):
        for j in range(len(labels)):
            close(normalized[i][j], float(expected[i, j]), cm_where + ("normalized", i, j), "the counts")
    field(m, where, "ci", "map", optional=True)
    calib = field(m, where, "calibration", "map", optional=True)
    if calib is not None:
        check_calibration(calib, where + ("calibration",), total)
    return cm


def square_matrix(rows: Any, where: KeyPath, k: int, kind: str = "count") -> np.ndarray:
    if len(rows) != k or not all(isinstance(r, list) and len(r) == k for r in rows):
        raise Invalid(where, f"must be a {k} x {k} matrix (one row and column per model label)")
    for i, row in enumerate(rows):
        for j, value in enumerate(row):
            check_kind(value, kind, where + (i, j))
    return np.array(rows, dtype=np.int64 if kind == "count" else np.float64).reshape(k, k)


def check_calibration(calib: Mapping[str, Any], where: KeyPath, n: int) -> None:
    for key in ("ece", "brier", "nll"):
        value = field(calib, where, key, "num")
        if value < 0:
            raise Invalid(where + (key,), f"must not be negative, got {value!r}")
    n_bins = field(calib, where, "n_bins", "count")
    if n_bins < 1:
        raise Invalid(where + ("n_bins",), "must be at least 1")
    bins = field(calib, where, "bins", "list")
    equal(len(bins), n_bins, where + ("bins",), "n_bins (its length)")
    for i, b in enumerate(bins):
        bw = where + ("bins", i)
        check_kind(b, "map", bw)
        close(field(b, bw, "lower", "num"), i / n_bins, bw + ("lower",), f"bin {i} of {n_bins}")
        close(field(b, bw, "upper", "num"), (i + 1) / n_bins, bw + ("upper",), f"bin {i} of {n_bins}")
        count = field(b, bw, "count", "count")
        for key in ("accuracy", "confidence"):
            if field(b, bw, key, "prob", nullable=True) is None and count:
                raise Invalid(bw + (key,), "must be a number in a bin with cases")
            if b[key] is not None and not count:
                raise Invalid(bw + (key,), "must be null in a bin without cases")
    equal(sum(b["count"] for b in bins), n, where + ("bins",), "the confusion matrix (cases counted)")
    ece = sum(b["count"] / n * abs(b["accuracy"] - b["confidence"]) for b in bins if b["count"])
    close(calib["ece"], float(ece), where + ("ece",), "the bins")


def check_estimate(node: Any, where: KeyPath, *, inside: bool = False) -> None:
    """An estimate ``{value, ci_low, ci_high[, successes, n]}``: numbers (or null) and a rate
    equal to ``successes / n`` with the Wilson interval of its counts
    (:func:`audit.metrics.rate_with_ci`). ``inside`` also requires any other
    estimate inside its interval (true of the headline metrics; a percentile bootstrap interval of
    a skewed statistic, such as a largest group gap, need not contain it)."""
    check_kind(node, "map", where)
    value = field(node, where, "value", "num", nullable=True)
    low = field(node, where, "ci_low", "num", optional=True, nullable=True)
    high = field(node, where, "ci_high", "num", optional=True, nullable=True)
    for key, number in (("value", value), ("ci_low", low), ("ci_high", high)):
        if number is not None and abs(number) > MAX_MAGNITUDE:
            raise Invalid(where + (key,), f"{number!r} is out of range")
    if (low is None) != (high is None):
        raise Invalid(where, "ci_low and ci_high must both be numbers or both be null")
    rate = "successes" in node or "n" in node
    if rate:
        successes = field(node, where, "successes", "count")
        n = field(node, where, "n", "count")
        if successes > n:
            raise Invalid(where + ("successes",), f"{successes} is more than n = {n}")
        if n == 0:
            if value is not None:
                raise Invalid(where + ("value",), "must be null when n is 0")
        else:
            close(value, successes / n, where + ("value",), f"successes / n = {successes}/{n}")
    if rate and low is not None:
        wilson = wilson_interval(successes, n)
        for key, stored, computed in (("ci_low", low, wilson[0]), ("ci_high", high, wilson[1])):
            close(stored, computed, where + (key,), f"the Wilson interval of {successes}/{n}")
    if (inside or rate) and low is not None:
        if not 0 <= low <= high <= 1:
            raise Invalid(where, f"interval [{low!r}, {high!r}] is not within [0, 1]")
        if value is not None and not low - TOLERANCE <= value <= high + TOLERANCE:
            raise Invalid(where + ("value",), f"{value!r} lies outside its interval [{low!r}, {high!r}]")


def is_estimate(node: Any) -> bool:
    """Whether the report formats ``node`` as an estimate: only estimate keys (report.is_interval),
    or a value beside an interval bound (a table row whose cells report.row_leaves merges)."""
    return isinstance(node, dict) and "value" in node and (
        set(node) <= INTERVAL_KEYS or "ci_low" in node or "ci_high" in node)


def check_estimates(doc: Any, where: KeyPath) -> None:
    """Every estimate-shaped object anywhere holds numbers; every ``alpha`` is a number."""
    stack = [(doc, where)]
    while stack:
        node, at = stack.pop()
        if isinstance(node, dict):
            if is_estimate(node):
                check_estimate(node, at)
            if "alpha" in node:
                check_kind(node["alpha"], "num", at + ("alpha",))
            stack.extend((v, at + (k,)) for k, v in node.items())
        elif isinstance(node, list):
            stack.extend((v, at + (i,)) for i, v in enumerate(node))
