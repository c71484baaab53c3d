"""The gated metrics, each declared once: what it is, where ``results.json`` holds it, which way is
better, how its interval and its paired test are computed.

The policy (:mod:`audit.policy`) derives the checks a policy file may name and their keys from
these declarations; the gate (:mod:`audit.gate`) derives where each value is read, which side of
a limit fails, what a "drop" is and which paired test judges it. Adding a metric to the gate is
one entry here (plus, for a new kind of scope, the code that lists its scopes).

- ``kind``: ``rate`` is the share of cases with a per-case boolean ``outcome`` (accuracy: the
  prediction is correct; a suite's pass rate: the case passed), so two runs on the same cases
  are compared by McNemar's test on that outcome; ``score`` is any other function of the
  predictions (F1 of the confusion matrix, a gap between groups).
- ``per``: what one check of the metric applies to: the whole test ``split``, each ``class``,
  each ``suite``, each bias ``attribute`` or the worst discovered ``slice``.
- ``path``: the keys from the top of ``results.json`` to the value; ``{scope}`` stands for the
  class, suite or attribute and ``{metric}`` for the bias metric whose gap is limited.
- ``interval``: how ``results.json``'s interval of the value is computed (``bootstrap``: the
  percentile bootstrap over cases; ``wilson``: Wilson's score interval), None when it has none.
- ``paired_test``: how a drop from a baseline on the same cases is tested (``mcnemar`` on the
  per-case ``outcome``; ``bootstrap``: the paired bootstrap of :func:`audit.stats.paired_bootstrap`
  on ``confusion``), None when the metric only takes a floor.
- ``confusion``: the value from one confusion matrix or a stack of them (shape ``(..., k, k)``);
  for a per-class metric the result's last axis is the class. It computes the bootstrap's
  resamples (thousands of matrices at once, where scikit-learn has nothing vectorised) and lets a
  reader recheck a stored value from the stored matrix.
- ``score``: the point estimate from gold and predicted class indices, scikit-learn's own function
  (:func:`audit.metrics.sklearn_metric`); the tests check that ``confusion`` agrees with it.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Literal, Mapping

import numpy as np

from .metrics import (accuracy_from_confusion, macro_f1_from_confusion, prf_from_confusion, sklearn_metric,
                      weighted_f1_from_confusion)

Kind = Literal["score", "rate"]
Per = Literal["split", "class", "suite", "attribute", "slice"]
Interval = Literal["bootstrap", "wilson"]
PairedTest = Literal["mcnemar", "bootstrap"]


def class_f1(cm: np.ndarray) -> np.ndarray:
    """Per-class F1 of one confusion matrix or a stack, classes on the last axis."""
    return prf_from_confusion(cm)[2]


@dataclass(frozen=True)
class Metric:
    """One gated metric (see the module docstring for the fields)."""

    name: str
    title: str
    kind: Kind
    higher_is_better: bool
    per: Per
    path: tuple[str, ...]
    interval: Interval | None
    paired_test: PairedTest | None
    confusion: Callable[[np.ndarray], np.ndarray] | None = None
    score: Callable[[np.ndarray, np.ndarray], float] | None = None
    outcome: str | None = None
    options: tuple[str, ...] = ()

    @property
    def limit_key(self) -> str:
        """The policy key of a floor: ``min`` where higher is better, else ``max``."""
        return "min" if self.higher_is_better else "max"

    @property
    def scoped(self) -> bool:
        """Whether the metric is checked once per class, suite or attribute (and so takes
        per-scope ``overrides`` in a policy)."""
        return self.per in ("class", "suite", "attribute")

    def worsening(self, baseline: float, value: float) -> float:
        """How much worse ``value`` is than ``baseline`` (positive when worse): the "drop"."""
        return baseline - value if self.higher_is_better else value - baseline

    def path_for(self, scope: str | None = None, bias_metric: str | None = None) -> tuple[str, ...]:
        """:attr:`path` with ``{scope}`` and ``{metric}`` filled in."""
        fill = {"{scope}": scope, "{metric}": bias_metric}
        out = tuple(fill.get(key, key) for key in self.path)
        if None in out:
            raise ValueError(f"metric {self.name!r} needs a scope to locate its value")
        return out  # type: ignore[return-value]

    def beyond(self, value: float, limit: float, eps: float = 0.0) -> bool:
        """Whether ``value`` is on the failing side of the floor ``limit`` by more than ``eps``."""
        return value < limit - eps if self.higher_is_better else value > limit + eps


#: The section of ``results.json`` holding the test split's metrics (``suites.test``).
SPLIT = "test"
_TEST = ("suites", SPLIT, "metrics")


def _by_name(*metrics: Metric) -> Mapping[str, Metric]:
    """The declarations keyed by name, in the order given."""
    return {m.name: m for m in metrics}


#: The gated metrics by name, in the order checks are listed.
METRICS: Mapping[str, Metric] = _by_name(
    Metric("accuracy", "Accuracy", kind="rate", higher_is_better=True, per="split",
           path=(*_TEST, "accuracy", "value"), interval="bootstrap", paired_test="mcnemar",
           confusion=accuracy_from_confusion, score=sklearn_metric("accuracy_score"), outcome="correct"),
    Metric("macro_f1", "Macro F1", kind="score", higher_is_better=True, per="split",
           path=(*_TEST, "macro_f1", "value"), interval="bootstrap", paired_test="bootstrap",
           confusion=macro_f1_from_confusion, score=sklearn_metric("f1_score", average="macro", zero_division=0)),
    Metric("weighted_f1", "Weighted F1", kind="score", higher_is_better=True, per="split",
           path=(*_TEST, "weighted_f1", "value"), interval="bootstrap", paired_test="bootstrap",
           confusion=weighted_f1_from_confusion, score=sklearn_metric("f1_score", average="weighted", zero_division=0)),
    Metric("per_class_f1", "Per-class F1", kind="score", higher_is_better=True, per="class",
           path=(*_TEST, "per_class", "{scope}", "f1"), interval=None, paired_test="bootstrap",
           confusion=class_f1),
    Metric("suite_pass_rate", "Suite pass rate", kind="rate", higher_is_better=True, per="suite",
           path=("suites", "{scope}", "pass_rate", "value"), interval="wilson", paired_test="mcnemar",
           outcome="passed"),
    Metric("group_gap", "Largest group gap", kind="score", higher_is_better=False, per="attribute",
           path=("bias", "attributes", "{scope}", "gaps", "{metric}", "value"), interval="bootstrap",
           paired_test=None, options=("metrics",)),
    Metric("worst_slice", "Accuracy of the worst slice", kind="rate", higher_is_better=True, per="slice",
           path=("slices", "worst", "accuracy", "value"), interval="wilson", paired_test=None),
)


#: The bias metrics whose largest group gap ``results.json`` records as one estimate
#: (``bias.attributes.<a>.gaps.<metric>``): the names a ``group_gap`` rule's ``metrics`` may list.
GAP_METRICS: tuple[str, ...] = ("accuracy", "macro_f1")


def headline_metrics() -> dict[str, Metric]:
    """The split-wide metrics reported with a bootstrap interval for every labelled set of
    predictions (:func:`audit.metrics.classification_metrics`), by name."""
    return {m.name: m for m in METRICS.values()
            if m.per == "split" and m.interval == "bootstrap" and m.confusion is not None and m.score is not None}


def metric(name: str) -> Metric:
    """The declaration of metric ``name`` (a ``KeyError`` names the known ones)."""
    try:
        return METRICS[name]
    except KeyError:
        raise KeyError(f"unknown metric {name!r} (known: {', '.join(METRICS)})") from None
