"""The report's views of the clean split: the summary badges, testing data, headline results,
calibration and provenance. Each is a plain dictionary for ``reports/report.html.j2``, built by a
pure function of the results (and the badges, which the gate's policy decides)."""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from markupsafe import Markup

from ..metric_registry import METRICS, headline_metrics
from . import charts
from .badges import Badges, ece_level
from .bias_view import anchor
from .formatting import fmt_number, fmt_rate, fmt_score
from .summaries import class_counts, clean_metrics, per_class, suite_summaries, weakest_class
from .tables import flatten, table

#: Misclassified test texts shown in the Results section.
N_ERRORS = 10
_HEADLINE = tuple(headline_metrics())  # accuracy, macro F1, weighted F1: declared in the registry


def confidence(probs: Sequence[float] | None) -> float | None:
    """The top-label probability of a case (``None`` without probabilities)."""
    return max(probs) if probs else None


def confident_errors(records: Sequence[Mapping[str, Any]], limit: int = N_ERRORS) -> list[dict[str, Any]]:
    """The clean split's misclassified texts the model was most confident about."""
    wrong = [r for r in records if r.get("label") is not None and r["pred"] != r["label"]]
    wrong.sort(key=lambda r: -confidence(r["probs"]))
    return [{"id": r["id"], "text": r["text"], "gold": r["label"], "pred": r["pred"],
             "confidence": confidence(r["probs"])} for r in wrong[:limit]]


def _split_checks(results: Mapping[str, Any], marks: Badges) -> list[dict[str, Any]]:
    """Summary entries of the clean split: accuracy, macro F1, the weakest class, calibration."""
    metrics = clean_metrics(results)
    if not metrics:
        return []
    out = [{"name": f"{METRICS[key].title} (clean {results['dataset']['split']})", "value": fmt_score(metrics[key]),
            "level": marks.level(key, None, metrics[key]), "href": "#results"} for key in _HEADLINE[:2]]
    weakest = weakest_class(metrics)
    if weakest:
        out.append({"name": f"Weakest class F1 ({weakest[0]})", "value": f"{weakest[1]['f1']:.4f}",
                    "level": marks.level("per_class_f1", weakest[0]), "href": "#per-class"})
    if metrics.get("calibration"):
        ece = metrics["calibration"]["ece"]
        out.append({"name": "Calibration error (ECE)", "value": f"{ece:.4f}", "level": ece_level(ece),
                    "href": "#calibration"})
    return out


def _bias_checks(results: Mapping[str, Any], marks: Badges) -> list[dict[str, Any]]:
    """Summary entries of the bias audit: each attribute's largest gap of every metric the
    policy limits (accuracy when it limits none), and its significant counterfactual tests."""
    bias = results.get("bias")
    rule = marks.policy.floors.get("group_gap")
    out = []
    for name, section in ((bias or {}).get("attributes") or {}).items() if isinstance(bias, Mapping) else ():
        for metric in (rule.metrics if rule else ("accuracy",)):
            gap = (section.get("gaps") or {}).get(metric)
            if gap and gap.get("value") is not None:
                out.append({"name": f"Largest {metric.replace('_', ' ')} gap: {name}", "href": f"#{anchor(name)}",
                            "value": f"{fmt_score(gap, 3)} ({gap['high_group']} vs {gap['low_group']})",
                            "level": marks.level("group_gap", f"{name}/{metric}", gap)})
        tests = [t for t in section.get("tests") or [] if isinstance(t, Mapping)]
        if tests:
            n = sum(t.get("significant") is True for t in tests)
            out.append({"name": f"Counterfactual tests: {name}", "href": f"#{anchor(name)}",
                        "value": f"{n} of {len(tests)} significant (Holm)", "level": "warn" if n else "info"})
    return out


def checks(results: Mapping[str, Any], marks: Badges) -> list[dict[str, Any]]:
    """The at-a-glance list: every judged quantity with its value, badge and section link."""
    out = _split_checks(results, marks)
    for s in suite_summaries(results, marks):
        out.append({"name": f"Suite {s['name']} ({s['test_type']}) pass rate", "value": fmt_rate(s["pass_rate"]),
                    "level": s["level"], "href": f"#suite-{s['name']}"})
    found = results.get("slices")
    if found:
        level = "warn" if found["n_significant"] else "info"
        level = marks.level("worst_slice") if marks.find("worst_slice") else level
        out.append({"name": "Discovered slices significantly worse than the rest", "href": "#slices",
                    "value": f"{found['n_significant']} of {found['n_tested']:,} tested", "level": level})
    return out + _bias_checks(results, marks)


def testing_data_view(results: Mapping[str, Any]) -> dict[str, Any]:
    """Facts about the evaluated split, its class distribution table and chart."""
    dataset = results["dataset"]
    distribution = class_counts(results)
    total = sum(distribution.values()) or 1
    rows = [("Dataset", dataset["name"]), ("Split", dataset["split"]), ("Texts evaluated", fmt_number(dataset["size"])),
            ("With gold labels", fmt_number(dataset.get("n_labeled"))),
            ("Empty texts skipped", fmt_number(dataset.get("n_empty_skipped"))),
            (f"Truncated at {results['config']['max_length']} tokens", fmt_number(dataset.get("n_truncated"))),
            ("Group columns", ", ".join(dataset.get("group_columns") or []) or "—"),
            ("Content sha256", dataset.get("sha256") or "—")]
    labels = list(distribution)
    return {
        "facts": rows,
        "distribution": [{"label": k, "n": v, "share": v / total} for k, v in distribution.items()],
        "chart": charts.bar_chart("distribution", labels, [distribution[k] for k in labels],
                                  title="Gold labels in the evaluated split", xlabel="texts") if labels else None,
    }


def _confusion_charts(cm: Mapping[str, Any]) -> tuple[Markup, Markup]:
    """The confusion matrix as counts and as shares of each gold class."""
    return (charts.heatmap("cm-counts", cm["counts"], cm["labels"], title="Confusion matrix (counts)",
                           ylabel="gold label", xlabel="predicted label"),
            charts.heatmap("cm-normalized", cm["normalized"], cm["labels"], percent=True,
                           title="Confusion matrix (share of each gold class)",
                           ylabel="gold label", xlabel="predicted label"))


def results_view(metrics: Mapping[str, Any], records: Sequence[Mapping[str, Any]] | None,
                 marks: Badges) -> dict[str, Any]:
    """Headline scores with intervals, the per-class table, both confusion heat maps and the most
    confident errors."""
    rows = per_class(metrics)
    counts, normalized = _confusion_charts(metrics["confusion_matrix"])
    return {
        "headline": [{"name": METRICS[key].title, "value": metrics[key]["value"], "low": metrics[key]["ci_low"],
                      "high": metrics[key]["ci_high"], "level": marks.level(key, None, metrics[key])}
                     for key in _HEADLINE],
        "micro_f1": metrics.get("micro_f1"), "n": metrics["n"], "ci": metrics.get("ci", {}),
        "per_class": table(["Class", "Precision", "Recall", "F1", "Support"],
                           [[label, f"{row['precision']:.4f}", f"{row['recall']:.4f}", f"{row['f1']:.4f}",
                             fmt_number(row["support"])] for label, row in rows],
                           levels=[marks.level("per_class_f1", label) if row["support"] else "info"
                                   for label, row in rows]),
        "cm_counts": counts, "cm_normalized": normalized,
        "errors": confident_errors(records) if records is not None else None,
    }


def calibration_view(calib: Mapping[str, Any]) -> dict[str, Any]:
    """ECE, Brier, NLL with the reliability diagram, and whether the model is over- or under-confident."""
    filled = [b for b in calib["bins"] if b["count"]]
    n = sum(b["count"] for b in filled) or 1
    gap = sum(b["count"] * (b["confidence"] - b["accuracy"]) for b in filled) / n
    return {"ece": calib["ece"], "brier": calib["brier"], "nll": calib["nll"], "n_bins": calib["n_bins"],
            "level": ece_level(calib["ece"]), "confidence_gap": gap,
            "chart": charts.reliability_diagram("reliability", calib["bins"], title="Reliability diagram")}


def provenance_view(results: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Key/value tables: model, data, configuration, library versions, run, suite hashes."""
    dataset = {k: v for k, v in results["dataset"].items() if k != "class_distribution"}
    config = {k: v for k, v in results["config"].items() if k != "versions"}
    suites = {name: s.get("cases_sha256") for name, s in results["suites"].items() if s.get("kind") == "suite"}
    parts = [("Model", results["model"]), ("Evaluation data", dataset), ("Configuration", config),
             ("Library versions", results["config"].get("versions") or {}),
             ("Run", {**results.get("run", {}), "tool": results.get("tool", {}),
                      "schema_version": results.get("schema_version")}),
             ("Suite cases (sha256)", suites)]
    return [table(["", "Value"], [list(row) for row in flatten(values)], title=title)
            for title, values in parts if values]
