"""Facts read off ``results.json`` that the report, the card and the findings all state: the clean
split's metrics, its class counts, the weakest class and what it is mistaken for, and one summary
row per suite. Pure functions of the results (and the badges, for a suite's mark)."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..suite_trust import validity_view
from .badges import Badges


def clean_metrics(results: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """The clean split's metrics, or ``None`` when the data had no gold labels."""
    return results["suites"]["test"].get("metrics")


def class_counts(results: Mapping[str, Any]) -> dict[str, int]:
    """Gold-label counts of the evaluated split, in the model's label order."""
    counts = results["dataset"].get("class_distribution") or {}
    return {k: counts[k] for k in dict.fromkeys([*results["model"]["labels"], *counts]) if k in counts}


def per_class(metrics: Mapping[str, Any]) -> list[tuple[str, Mapping[str, Any]]]:
    """``(label, precision/recall/F1/support)`` in the model's label order."""
    return [(label, metrics["per_class"][label]) for label in metrics["confusion_matrix"]["labels"]]


def weakest_class(metrics: Mapping[str, Any]) -> tuple[str, Mapping[str, Any]] | None:
    """The class with the lowest F1 among those with gold examples."""
    present = [(label, row) for label, row in per_class(metrics) if row["support"]]
    return min(present, key=lambda item: item[1]["f1"]) if present else None


def main_confusion(metrics: Mapping[str, Any], label: str) -> tuple[str, int] | None:
    """The class that gold ``label`` is most often mistaken for, and how often."""
    cm = metrics["confusion_matrix"]
    i = cm["labels"].index(label)
    errors = [(count, cm["labels"][j]) for j, count in enumerate(cm["counts"][i]) if j != i and count]
    if not errors:
        return None
    count, other = max(errors)
    return other, count


def class_hits(metrics: Mapping[str, Any], label: str) -> int:
    """Gold ``label`` texts predicted as ``label`` (the numerator of its recall)."""
    cm = metrics["confusion_matrix"]
    i = cm["labels"].index(label)
    return int(cm["counts"][i][i])


def suite_summaries(results: Mapping[str, Any], marks: Badges) -> list[dict[str, Any]]:
    """One row per perturbation suite: name, type, sizes, pass and flip rate, accuracy and its
    change from the clean split's accuracy (when the suite's cases carry gold labels), the
    badge of its pass rate against the policy's suite floor, and its review's validity."""
    metrics = clean_metrics(results)
    clean = metrics["accuracy"]["value"] if metrics else None
    rows = []
    for name, section in results["suites"].items():
        if section.get("kind") != "suite":
            continue
        accuracy = (section.get("metrics") or {}).get("accuracy")
        pass_rate = section.get("pass_rate")
        rows.append({
            "name": name, "description": section.get("description", ""),
            "test_type": section.get("test_type", ""), "n": section.get("n", 0),
            "n_judged": section.get("n_judged"), "pass_rate": pass_rate,
            "flip_rate": section.get("flip_rate"), "accuracy": accuracy,
            "drop": clean - accuracy["value"] if accuracy and clean is not None else None,
            "level": marks.level("suite_pass_rate", name, pass_rate),
            "validity": validity_view(section),
        })
    return rows
