"""Disaggregated metrics: accuracy and F1 per group of one or more columns, per intersection of
columns, and the largest gap between groups per metric, with bootstrap intervals.

:func:`disaggregate` splits gold/predicted labels by group columns (an *attribute* such as
``gender``, whose values are *groups* such as ``female``) and by every intersection of columns
(``gender x race``). It returns the per-attribute shape of the ``bias`` section of
``results.json`` (:mod:`audit.bias`) without the counterfactual keys.

A gap is ``metric(high_group) - metric(low_group)`` between the best and worst group that is large
enough to judge (``None`` when fewer than two are). Its 95% interval is a percentile bootstrap of
that same difference, each group resampled on its own (seeded per group); it is the interval of the
difference between those two groups and does not account for their having been picked as the
extremes.

fairlearn's ``MetricFrame`` computes the per-group and intersection tables too, but it is not a
dependency and its bootstrap does not resample within groups; the few loops here over
:func:`audit.metrics.classification_metrics` keep one metric definition for the whole audit.
"""
from __future__ import annotations

import hashlib
import itertools
from typing import Any, Callable, Mapping, Sequence

import numpy as np

from .metrics import (
    CI_LEVEL,
    accuracy_from_confusion,
    bootstrap_confusions,
    class_f1_from_confusion,
    classification_metrics,
    confusion_counts,
    macro_f1_from_confusion,
    percentile_interval,
)

#: Groups with fewer labeled cases (and test cells with fewer pairs) are reported but not judged.
MIN_GROUP_SIZE = 30
#: Joins column names and group values of an intersection: ``gender x race``, ``female x african_american``.
INTERSECTION_SEPARATOR = " x "

Metric = Callable[[np.ndarray], Any]


def _group_seed(seed: int, *parts: str) -> int:
    """A bootstrap seed for one group, stable under adding or removing other groups."""
    digest = hashlib.sha256(":".join([str(seed), *parts]).encode()).digest()
    return int.from_bytes(digest[:8], "big")


def _gap(values: Mapping[str, tuple[float, np.ndarray | None]]) -> dict[str, Any] | None:
    """Largest gap between groups, ``{group: (value, bootstrap samples or None)}`` in, or ``None``.

    Groups are ordered by (value, name): the low group is the first, the high group the last, so
    ties still compare two different groups.
    """
    if len(values) < 2:
        return None
    ordered = sorted(values, key=lambda g: (values[g][0], g))
    low, high = ordered[0], ordered[-1]
    out: dict[str, Any] = {"value": values[high][0] - values[low][0], "ci_low": None, "ci_high": None,
                           "high_group": high, "low_group": low, "n_groups": len(values)}
    if values[high][1] is not None:
        out["ci_low"], out["ci_high"] = percentile_interval(values[high][1] - values[low][1])
    return out


def _gaps(judged: Mapping[str, tuple[np.ndarray, np.ndarray | None]], labels: Sequence[str]) -> dict[str, Any]:
    """Gaps per metric over the judged groups ``{group: (confusion, bootstrap stack or None)}``."""
    def gap(metric: Metric, groups: Sequence[str]) -> dict[str, Any] | None:
        return _gap({g: (float(metric(judged[g][0])),
                         None if judged[g][1] is None else metric(judged[g][1])) for g in groups})

    everyone = list(judged)
    return {
        "accuracy": gap(accuracy_from_confusion, everyone),
        "macro_f1": gap(macro_f1_from_confusion, everyone),
        "per_class_f1": {
            label: gap(class_f1_from_confusion(k), [g for g in everyone if judged[g][0][k].sum() > 0])
            for k, label in enumerate(labels)
        },
    }


def _disaggregate_column(
    column: str,
    values: Sequence[str | None],
    y_true: np.ndarray,
    y_pred: np.ndarray,
    labels: Sequence[str],
    *,
    min_group_size: int,
    seed: int,
    n_resamples: int,
) -> dict[str, Any]:
    """Metrics per group of one column (labeled rows only), the too-small groups and the gaps."""
    groups: dict[str, Any] = {}
    judged: dict[str, tuple[np.ndarray, np.ndarray | None]] = {}
    labeled = y_true >= 0
    for group in sorted({v for v, ok in zip(values, labeled) if v is not None and ok}):
        rows = np.array([v == group for v in values]) & labeled
        t, p = y_true[rows], y_pred[rows]
        group_seed = _group_seed(seed, column, group)
        m = classification_metrics(t, p, labels, n_resamples=n_resamples, seed=group_seed)
        too_small = m["n"] < min_group_size
        groups[group] = {
            "n": m["n"], "too_small": too_small, "accuracy": m["accuracy"], "macro_f1": m["macro_f1"],
            "per_class_f1": {label: c["f1"] for label, c in m["per_class"].items()},
            "support": {label: c["support"] for label, c in m["per_class"].items()},
        }
        if not too_small:
            stack = bootstrap_confusions(t, p, len(labels), n_resamples, group_seed) if n_resamples else None
            judged[group] = (confusion_counts(t, p, len(labels)), stack)
    return {"groups": groups, "excluded_groups": [g for g, v in groups.items() if v["too_small"]],
            "gaps": _gaps(judged, labels), "tests": []}


def disaggregate(
    y_true: Sequence[int] | np.ndarray,
    y_pred: Sequence[int] | np.ndarray,
    groups: Mapping[str, Sequence[str | None]],
    labels: Sequence[str],
    *,
    min_group_size: int = MIN_GROUP_SIZE,
    seed: int = 0,
    n_resamples: int = 1000,
) -> dict[str, Any]:
    """Metrics per group of each column and of each intersection of two or more columns.

    ``y_true``/``y_pred`` are class indices; rows with ``y_true == -1`` (unlabeled) and rows whose
    group is ``None`` count toward nothing. A row belongs to an intersection when all of its
    columns have a group; intersections without any such row are left out. Groups with fewer than
    ``min_group_size`` labeled rows are flagged ``too_small`` and excluded from the gaps.
    Returns the shape described in the module docstring (without the counterfactual keys).
    """
    y_true = np.asarray(y_true, dtype=np.int64)
    y_pred = np.asarray(y_pred, dtype=np.int64)
    columns = {name: list(values) for name, values in groups.items()}
    for name, values in columns.items():
        if len(values) != len(y_true):
            raise ValueError(f"group column {name!r} has {len(values)} rows, expected {len(y_true)}")
    options = {"min_group_size": min_group_size, "seed": seed, "n_resamples": n_resamples}
    intersections: dict[str, Any] = {}
    for size in range(2, len(columns) + 1):
        for combo in itertools.combinations(columns, size):
            values = [None if any(columns[c][i] is None for c in combo)
                      else INTERSECTION_SEPARATOR.join(columns[c][i] for c in combo)
                      for i in range(len(y_true))]
            if any(v is not None for v in values):
                key = INTERSECTION_SEPARATOR.join(combo)
                intersections[key] = _disaggregate_column(key, values, y_true, y_pred, labels, **options)
    return {
        "labels": list(labels),
        "min_group_size": min_group_size,
        "ci": {"method": "percentile bootstrap within each group", "level": CI_LEVEL,
               "resamples": n_resamples, "seed": seed},
        "attributes": {name: _disaggregate_column(name, values, y_true, y_pred, labels, **options)
                       for name, values in columns.items()},
        "intersections": intersections,
    }
