"""The HTML audit report: one static, self-contained page built from ``results.json``.

:func:`render_report` turns the results document (and, when available, the per-case records of
``predictions.jsonl``) into HTML through the Jinja template ``reports/report.html.j2``. The page has
inline CSS, charts as inline SVG, no JavaScript and no reference to any other address, so it opens
from a CI artifact and prints as it shows. Every text taken from the data or the model is escaped
by the template engine (autoescape is on).

The functions here build plain view dictionaries for the template and are pure; the summaries that
the model card repeats (:func:`limitations`, :func:`suite_summaries`, :func:`group_audits`) live
here too, so the report and the card state the same findings.

Badges: a proportion where higher is better (accuracy, F1, pass rate) is ``pass`` from
:data:`GOOD`, ``warn`` from :data:`FAIR`, ``fail`` below; the calibration error is ``pass`` up to
:data:`ECE_GOOD`, ``warn`` up to :data:`ECE_FAIR`; a group-difference test is ``fail`` when
significant at :data:`ALPHA` (or as the test itself reports). Badges judge point estimates; the
intervals beside them say how firm each one is.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup

from . import charts
from .metrics import ALPHA
from .resources import resource_dir
from . import label_issues, slices
from .suite_trust import noop_rules, noop_sentence, train_view, trust_limitations, validity_view

GOOD = 0.90
FAIR = 0.75
ECE_GOOD = 0.05
ECE_FAIR = 0.10
#: Failures shown per suite, and misclassified test texts shown in the Results section.
N_FAILURES = 8
N_ERRORS = 10
#: Significant group differences spelled out in the limitations.
MAX_GAPS_LISTED = 5

_HEADLINE = {"accuracy": "Accuracy", "macro_f1": "Macro F1", "weighted_f1": "Weighted F1"}
_RATE_KEYS = {"value", "ci_low", "ci_high", "successes", "n"}
_P_KEYS = ("p_adjusted", "p_value_adjusted", "q_value", "p_value", "pvalue", "p")
_GROUP_METRICS = ("accuracy", "macro_f1", "pass_rate", "f1", "positive_rate", "rate")
_AUDIT_KEYS = ("attributes", "intersections")


# ---------------------------------------------------------------------------------------------
# Formatting


def is_interval(value: Any) -> bool:
    """Whether ``value`` is an estimate with an interval: ``{"value", "ci_low", "ci_high", ...}``."""
    return isinstance(value, Mapping) and "value" in value and set(value) <= _RATE_KEYS


def is_leaf(value: Any) -> bool:
    """Whether ``value`` fits in one table cell: a scalar, an interval, or a list of scalars."""
    if isinstance(value, (list, tuple)):
        return all(v is None or isinstance(v, (str, int, float, bool)) for v in value)
    return not isinstance(value, Mapping) or is_interval(value)


def fmt_number(value: Any) -> str:
    """A scalar for a table cell: integers with thousands separators, floats to 4 significant digits."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def fmt_rate(rate: Mapping[str, Any] | None) -> str:
    """A proportion with its Wilson interval and counts: ``"92.5% [91.4, 93.7] (1,850/2,000)"``."""
    if not rate or rate.get("value") is None:
        return "—"
    text = f"{100 * rate['value']:.1f}%"
    if rate.get("ci_low") is not None:
        text += f" [{100 * rate['ci_low']:.1f}, {100 * rate['ci_high']:.1f}]"
    if "successes" in rate:
        text += f" ({rate['successes']:,}/{rate['n']:,})"
    return text


def fmt_score(score: Mapping[str, Any] | None) -> str:
    """A score with its bootstrap interval: ``"0.9255 [0.9135, 0.9370]"``."""
    if not score or score.get("value") is None:
        return "—"
    text = f"{score['value']:.4f}"
    if score.get("ci_low") is not None:
        text += f" [{score['ci_low']:.4f}, {score['ci_high']:.4f}]"
    return text


def fmt_value(value: Any) -> str:
    """Any cell value: intervals (rates with counts as percentages, scores as decimals), lists, scalars."""
    if is_interval(value):
        return fmt_rate(value) if "successes" in value else fmt_score(value)
    if isinstance(value, (list, tuple)):
        return ", ".join(fmt_number(v) for v in value) or "—"
    return fmt_number(value)


def rate_level(value: float | None) -> str:
    """Badge of a proportion where higher is better."""
    if value is None:
        return "info"
    return "pass" if value >= GOOD else "warn" if value >= FAIR else "fail"


def ece_level(ece: float) -> str:
    """Badge of an expected calibration error (lower is better)."""
    return "pass" if ece <= ECE_GOOD else "warn" if ece <= ECE_FAIR else "fail"


def title_case(key: str) -> str:
    """A JSON key as a column or row heading: ``"n_judged"`` -> ``"N judged"``."""
    text = str(key).replace("_", " ")
    return text[:1].upper() + text[1:]


# ---------------------------------------------------------------------------------------------
# Generic tables for sections whose shape varies (suite extras, bias)


def table(columns: Sequence[str], rows: Sequence[Sequence[str]], *, title: str = "",
          levels: Sequence[str] | None = None) -> dict[str, Any]:
    """A table view: headings, rows of formatted cells, optional badge level per row."""
    return {"title": title, "columns": list(columns), "rows": [list(r) for r in rows],
            "levels": list(levels) if levels is not None else None}


def row_leaves(row: Mapping[str, Any]) -> dict[str, Any]:
    """The cell values of a summary row: its own leaves plus the leaves of a ``metrics`` entry
    (headline scores of a group or breakdown), leaving out matrices and per-class tables."""
    cells = {k: v for k, v in row.items() if is_leaf(v)}
    nested = row.get("metrics")
    if isinstance(nested, Mapping):
        cells.update({k: v for k, v in nested.items() if is_leaf(v) and k not in cells})
    if {"value", "ci_low", "ci_high"} <= cells.keys():  # an estimate with more fields: one cell for it
        cells["value"] = {k: cells.pop(k) for k in ("value", "ci_low", "ci_high")}
    return cells


def grid(rows: Mapping[str, Mapping[str, Any]], *, first: str = "", title: str = "",
         levels: Sequence[str] | None = None) -> dict[str, Any]:
    """One table row per entry of ``rows``; the columns are the union of the rows' leaf keys."""
    cells = {name: row_leaves(row) for name, row in rows.items()}
    keys = sorted(dict.fromkeys(k for row in cells.values() for k in row), key=lambda k: not _is_count(k))
    return table([first, *map(title_case, keys)],
                 [[str(name), *(fmt_value(row.get(k)) for k in keys)] for name, row in cells.items()],
                 title=title, levels=levels)


def _is_count(key: str) -> bool:
    """Count columns (``n``, ``n_judged`` ...) go first in grids."""
    return key == "n" or key.startswith("n_")


def _join(prefix: str, key: Any) -> str:
    return f"{prefix} / {title_case(key)}" if prefix else title_case(key)


def _listed(items: Sequence[Any]) -> dict[str, Any] | None:
    """A list of mappings as ``{name: row}``: named by their ``name`` or ``group`` field (then
    left out of the row), else by position."""
    if not items or not all(isinstance(x, Mapping) for x in items):
        return None
    out = {}
    for i, row in enumerate(items):
        key = next((k for k in ("name", "group") if k in row), None)
        out[str(row[key]) if key else str(i + 1)] = {k: v for k, v in row.items() if k != key}
    return out


def _is_row(value: Any) -> bool:
    """A mapping of cell values: one table row."""
    return isinstance(value, Mapping) and not is_interval(value) and all(map(is_leaf, value.values()))


def _is_entities(value: Any) -> bool:
    """A mapping of named rows, each with some cells and possibly flat mappings (e.g. groups with
    per-class scores): shown by :func:`entity_tables`."""
    return isinstance(value, Mapping) and bool(value) and all(
        isinstance(row, Mapping) and any(map(is_leaf, row.values()))
        and all(is_leaf(v) or _is_row(v) for v in row.values()) for row in value.values())


def entity_tables(rows: Mapping[str, Mapping[str, Any]], *, title: str = "", first: str = "",
                  levels: Sequence[str] | None = None) -> list[dict[str, Any]]:
    """A grid of the rows' cells, then one grid per flat mapping the rows share (rows by columns,
    e.g. groups by classes for ``per_class_f1``)."""
    out = [grid(rows, first=first, title=title, levels=levels)] if any(map(row_leaves, rows.values())) else []
    shared = dict.fromkeys(k for row in rows.values() for k, v in row.items() if k != "metrics" and _is_row(v))
    for key in shared:
        out.append(grid({name: row[key] for name, row in rows.items() if _is_row(row.get(key))},
                        first=first, title=_join(title, key)))
    return out


def blocks(value: Any, title: str = "") -> list[dict[str, Any]]:
    """Tables showing an arbitrary JSON value (a suite's ``extra``, parts of a group audit).

    The leaves of a mapping go in one key/value table, its flat entries in one grid, mappings of
    rows in :func:`entity_tables`; anything deeper recurses with its path as the table title.
    """
    if isinstance(value, (list, tuple)) and not is_leaf(value):
        value = _listed(value) or {str(i + 1): v for i, v in enumerate(value)}
    if is_leaf(value):
        return [table(["", "Value"], [[title or "Value", fmt_value(value)]])]
    leaves = {k: v for k, v in value.items() if is_leaf(v)}
    rows = {k: v for k, v in value.items() if k not in leaves and _is_row(v)}
    out = [table(["", "Value"], [[title_case(k), fmt_value(v)] for k, v in leaves.items()], title=title)] if leaves else []
    if rows:
        out.append(grid(rows, title=title))
    for key, sub in value.items():
        if key not in leaves and key not in rows:
            path = _join(title, key)
            out += entity_tables(sub, title=path) if _is_entities(sub) else blocks(sub, path)
    return out


def flatten(value: Mapping[str, Any], prefix: str = "") -> list[tuple[str, str]]:
    """``(dotted key, formatted value)`` for every leaf of a nested mapping (provenance tables)."""
    out: list[tuple[str, str]] = []
    for key, sub in value.items():
        name = f"{prefix}.{key}" if prefix else str(key)
        if isinstance(sub, Mapping) and not is_interval(sub):
            out += flatten(sub, name)
        else:
            out.append((name, fmt_value(sub)))
    return out


# ---------------------------------------------------------------------------------------------
# Summaries shared with the model card


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


def suite_summaries(results: Mapping[str, Any]) -> list[dict[str, Any]]:
    """One row per perturbation suite: name, type, sizes, pass and flip rate, accuracy and its
    change from the clean split's accuracy (when the suite's cases carry gold labels)."""
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
            "level": rate_level(pass_rate["value"] if pass_rate else None),
            "validity": validity_view(section),
        })
    return rows


def audited_attributes(audit: Mapping[str, Any] | None, *, loose: bool = False) -> dict[str, Mapping[str, Any]]:
    """The attributes of a group audit (the ``bias`` section, or a suite's ``extra`` shaped like
    it): its ``attributes`` and ``intersections`` mappings, each ``{attribute: {"groups",
    "gaps", "tests", ...}}``. With ``loose``, an audit without either key is read as
    ``{attribute: section}`` directly."""
    if not isinstance(audit, Mapping):
        return {}
    found = {k: v for key in _AUDIT_KEYS if isinstance(audit.get(key), Mapping) for k, v in audit[key].items()}
    if found or not loose:
        return found
    return {k: v for k, v in audit.items() if isinstance(v, Mapping)}


def group_audits(results: Mapping[str, Any]) -> list[tuple[str, str, Mapping[str, Any]]]:
    """``(where, section link, attributes)`` of every group audit: the ``bias`` section and the
    suites whose ``extra`` holds attributes."""
    out = []
    if audited_attributes(results.get("bias"), loose=True):
        out.append(("bias", "#bias", audited_attributes(results.get("bias"), loose=True)))
    for name, section in results["suites"].items():
        if audited_attributes(section.get("extra")):
            out.append((f"{name} suite", f"#suite-{name}", audited_attributes(section["extra"])))
    return out


def named_rows(value: Any) -> dict[str, Mapping[str, Any]]:
    """Rows given as a mapping of mappings or a list of mappings, as ``{name: row}``."""
    if isinstance(value, Mapping):
        return {str(k): v for k, v in value.items() if isinstance(v, Mapping)}
    if isinstance(value, (list, tuple)):
        return _listed(value) or {}
    return {}


def p_value(test: Mapping[str, Any]) -> float | None:
    """A test's p-value, preferring a multiplicity-adjusted one."""
    for key in _P_KEYS:
        if isinstance(test.get(key), (int, float)) and not isinstance(test.get(key), bool):
            return float(test[key])
    return None


def significant(test: Mapping[str, Any]) -> bool | None:
    """The test's own ``significant`` verdict, else whether its p-value is below its ``alpha``
    (default :data:`ALPHA`); ``None`` when it has neither."""
    if isinstance(test.get("significant"), bool):
        return test["significant"]
    p = p_value(test)
    return None if p is None else p < test.get("alpha", ALPHA)


def significant_gaps(results: Mapping[str, Any]) -> list[tuple[str, str, str, Mapping[str, Any]]]:
    """``(where, attribute, test name, test)`` for every significant group-difference test."""
    return [(where, attr, name, test)
            for where, _, attributes in group_audits(results)
            for attr, section in attributes.items()
            for name, test in named_rows(section.get("tests")).items()
            if significant(test)]


def limitations(results: Mapping[str, Any], dataset_name: str | None = None) -> list[str]:
    """Plain-language findings from the measured results: the weakest class, calibration, the
    largest drop from clean accuracy, the suites below the pass threshold, significant group
    gaps, and caveats about the data (named ``dataset_name``, by default as the results name it)."""
    out = []
    metrics = clean_metrics(results)
    dataset = results["dataset"]
    if metrics:
        weakest = weakest_class(metrics)
        if weakest:
            label, row = weakest
            text = f"Weakest class: {label} (F1 {row['f1']:.3f}, {row['support']:,} test examples)"
            confusion = main_confusion(metrics, label)
            if confusion:
                text += f"; most often predicted as {confusion[0]} ({confusion[1]:,} of {row['support']:,})"
            out.append(text + ".")
        calib = metrics.get("calibration")
        if calib and calib["ece"] > ECE_GOOD:
            out.append(f"Confidence is miscalibrated: expected calibration error {calib['ece']:.3f} "
                       f"over {calib['n_bins']} bins; treat the scores as rankings, not probabilities.")
    suites = suite_summaries(results)
    drops = [s for s in suites if s["drop"] is not None and s["drop"] > 0]
    if drops:
        worst = max(drops, key=lambda s: s["drop"])
        out.append(f"Largest drop from clean accuracy: the {worst['name']} suite, accuracy "
                   f"{worst['accuracy']['value']:.3f} against {metrics['accuracy']['value']:.3f} on the "
                   f"clean {dataset['split']} split ({-worst['drop']:+.3f}).")
    weak = [s for s in suites if s["level"] in ("warn", "fail")]
    if weak:
        out.append(f"Suites below the {GOOD:.0%} pass threshold: " + "; ".join(
            f"{s['name']} ({s['test_type']}) {fmt_rate(s['pass_rate'])}"
            for s in sorted(weak, key=lambda s: s["pass_rate"]["value"])) + ".")
    gaps = significant_gaps(results)
    for where, attr, name, test in gaps[:MAX_GAPS_LISTED]:
        p = p_value(test)
        out.append(f"Significant difference between {attr} groups ({where}: {name}"
                   + (f", p = {p:.3g}" if p is not None else "") + ").")
    if len(gaps) > MAX_GAPS_LISTED:
        out.append(f"{len(gaps) - MAX_GAPS_LISTED} further significant group differences are listed in the report.")
    if results["model"].get("label_mapping_assumed"):
        out.append("The model's label names were not recognised; the label mapping was assumed: "
                   f"{results['model'].get('label_mapping_note') or 'see the provenance section'}.")
    if dataset.get("n_truncated"):
        out.append(f"{dataset['n_truncated']:,} texts were longer than the {results['config']['max_length']}-token "
                   "limit and were truncated.")
    if dataset.get("n_empty_skipped"):
        out.append(f"{dataset['n_empty_skipped']:,} empty texts were skipped.")
    out += trust_limitations(results)
    out += [s for s in (label_issues.summary(results.get("label_issues"), metrics),
                        slices.summary(results.get("slices"))) if s]
    out.append(f"All figures describe {dataset_name or dataset['name']} ({dataset['split']} split, {dataset['size']:,} texts) "
               "and the suites listed; other domains, languages and writing styles were not measured.")
    return out


# ---------------------------------------------------------------------------------------------
# Report views


def _confidence(probs: Sequence[float] | None) -> float | None:
    return max(probs) if probs else None


def describe_expectation(expectation: Mapping[str, Any], gold: str | None) -> str:
    """What a case's prediction had to satisfy, in words."""
    kind = expectation.get("kind")
    if kind == "MFT":
        allowed = expectation.get("labels") or ([gold] if gold else [])
        if len(allowed) > 1:
            return "one of " + ", ".join(allowed)
        return f"= {allowed[0]}" if allowed else "—"
    if kind == "INV":
        return "= source prediction"
    parts = []
    if expectation.get("avoid"):
        parts.append("not " + ", ".join(expectation["avoid"]))
    if expectation.get("avoid_source"):
        parts.append("≠ source prediction")
    return "; ".join(parts) or "—"


def telling_failures(records: Sequence[Mapping[str, Any]], limit: int = N_FAILURES) -> list[dict[str, Any]]:
    """The most confident failures, spread over rules: each rule's most confident failure first,
    then each rule's second, and so on, most confident first within a round."""
    failed = sorted((r for r in records if r.get("passed") is False), key=lambda r: -_confidence(r["probs"]))
    seen: dict[Any, int] = {}
    ranked = []
    for position, record in enumerate(failed):
        rank = seen[record.get("rule")] = seen.get(record.get("rule"), -1) + 1
        ranked.append((rank, position, record))
    return [{"id": r["id"], "rule": r.get("rule") or "—", "text": r["text"], "pred": r["pred"],
             "confidence": _confidence(r["probs"]), "source_text": r.get("source_text"),
             "source_pred": r.get("source_pred"), "source_confidence": _confidence(r.get("source_probs")),
             "gold": r.get("label"), "expected": describe_expectation(r.get("expectation") or {}, r.get("label"))}
            for _, _, r in sorted(ranked, key=lambda t: t[:2])[:limit]]


def confident_errors(records: Sequence[Mapping[str, Any]], limit: int = N_ERRORS) -> list[dict[str, Any]]:
    """The clean split's misclassified texts the model was most confident about."""
    wrong = [r for r in records if r.get("label") is not None and r["pred"] != r["label"]]
    wrong.sort(key=lambda r: -_confidence(r["probs"]))
    return [{"id": r["id"], "text": r["text"], "gold": r["label"], "pred": r["pred"],
             "confidence": _confidence(r["probs"])} for r in wrong[:limit]]


def checks(results: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The at-a-glance list: every judged quantity with its value, badge and section link."""
    out = []
    metrics = clean_metrics(results)
    if metrics:
        for key in ("accuracy", "macro_f1"):
            out.append({"name": f"{_HEADLINE[key]} (clean {results['dataset']['split']})",
                        "value": fmt_score(metrics[key]), "level": rate_level(metrics[key]["value"]),
                        "href": "#results"})
        weakest = weakest_class(metrics)
        if weakest:
            out.append({"name": f"Weakest class F1 ({weakest[0]})", "value": f"{weakest[1]['f1']:.4f}",
                        "level": rate_level(weakest[1]["f1"]), "href": "#per-class"})
        if metrics.get("calibration"):
            ece = metrics["calibration"]["ece"]
            out.append({"name": "Calibration error (ECE)", "value": f"{ece:.4f}", "level": ece_level(ece),
                        "href": "#calibration"})
    for s in suite_summaries(results):
        out.append({"name": f"Suite {s['name']} ({s['test_type']}) pass rate", "value": fmt_rate(s["pass_rate"]),
                    "level": s["level"], "href": f"#suite-{s['name']}"})
    found = results.get("slices")
    if found:
        out.append({"name": "Discovered slices significantly worse than the rest", "href": "#slices",
                    "value": f"{found['n_significant']} of {found['n_tested']:,} tested",
                    "level": "warn" if found["n_significant"] else "pass"})
    for where, href, attributes in group_audits(results):
        for attr, section in attributes.items():
            verdicts = [significant(t) for t in named_rows(section.get("tests")).values()]
            judged = [v for v in verdicts if v is not None]
            if judged:
                out.append({"name": f"Group differences: {attr} ({where})", "href": href,
                            "value": f"{sum(judged)} of {len(judged)} tests significant",
                            "level": "fail" if any(judged) else "pass"})
    return out


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


def results_view(metrics: Mapping[str, Any], records: Sequence[Mapping[str, Any]] | None) -> dict[str, Any]:
    """Headline scores with intervals, the per-class table, both confusion heat maps and the most
    confident errors."""
    cm = metrics["confusion_matrix"]
    rows = per_class(metrics)
    return {
        "headline": [{"name": name, "value": metrics[key]["value"], "low": metrics[key]["ci_low"],
                      "high": metrics[key]["ci_high"], "level": rate_level(metrics[key]["value"])}
                     for key, name in _HEADLINE.items()],
        "micro_f1": metrics.get("micro_f1"), "n": metrics["n"], "ci": metrics.get("ci", {}),
        "per_class": table(["Class", "Precision", "Recall", "F1", "Support"],
                           [[label, f"{row['precision']:.4f}", f"{row['recall']:.4f}", f"{row['f1']:.4f}",
                             fmt_number(row["support"])] for label, row in rows],
                           levels=[rate_level(row["f1"]) if row["support"] else "info" for _, row in rows]),
        "cm_counts": charts.heatmap("cm-counts", cm["counts"], cm["labels"], title="Confusion matrix (counts)",
                                    ylabel="gold label", xlabel="predicted label"),
        "cm_normalized": charts.heatmap("cm-normalized", cm["normalized"], cm["labels"], percent=True,
                                        title="Confusion matrix (share of each gold class)",
                                        ylabel="gold label", xlabel="predicted label"),
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


def rule_table(section: Mapping[str, Any]) -> tuple[dict[str, Any], list[tuple[str, Mapping[str, Any]]]]:
    """Per-rule coverage and pass rate, and the rules' pass rates for the chart."""
    coverage = section.get("coverage") or {}
    by_rule = section.get("by_rule") or {}
    rules = list(dict.fromkeys([*coverage, *by_rule]))
    noops = "n_noop" in section  # results from before no-op detection have no such column
    rows, levels, rates = [], [], []
    for rule in rules:
        cov = coverage.get(rule, {})
        rate = (by_rule.get(rule) or {}).get("pass_rate")
        rows.append([str(rule), fmt_number(cov.get("n_candidates")), fmt_number(cov.get("n_changed")),
                     *([fmt_number((by_rule.get(rule) or {}).get("n_noop", cov.get("n_noop")))] if noops else []),
                     fmt_number((by_rule.get(rule) or {}).get("n_judged")), fmt_rate(rate)])
        levels.append(rate_level(rate["value"] if rate else None))
        if rate and rate.get("value") is not None:
            rates.append((str(rule), rate))
    columns = ["Rule", "Texts tried", "Applied", *(["No-op (not judged)"] if noops else []), "Judged",
               "Pass rate [95% CI]"]
    return table(columns, rows, levels=levels), rates


def breakdown_tables(section: Mapping[str, Any]) -> list[dict[str, Any]]:
    """One table per ``meta`` key the suite breaks its cases down by."""
    out = []
    for key, groups in (section.get("breakdowns") or {}).items():
        levels = [rate_level((g.get("pass_rate") or {}).get("value")) for g in groups.values()]
        out.append(grid(groups, first=title_case(key), title=f"By {title_case(key).lower()}", levels=levels))
    return out


def suite_view(summary: Mapping[str, Any], section: Mapping[str, Any],
               records: Sequence[Mapping[str, Any]] | None) -> dict[str, Any]:
    """Everything shown for one perturbation suite."""
    name = summary["name"]
    rules, rates = rule_table(section)
    flips = section.get("flip_matrix")
    extra = section.get("extra")
    attributes = audited_attributes(extra)
    return {
        **summary,
        "n_candidates": section.get("n_candidates"), "n_applicable": section.get("n_applicable"),
        "macro_f1": (section.get("metrics") or {}).get("macro_f1"),
        "rules": rules,
        "rules_chart": charts.bar_chart(
            f"rules-{name}", [r for r, _ in rates], [x["value"] for _, x in rates],
            low=[x["ci_low"] for _, x in rates], high=[x["ci_high"] for _, x in rates],
            levels=[rate_level(x["value"]) for _, x in rates], percent=True,
            title=f"{name}: pass rate per rule", xlabel="pass rate (%) with 95% interval") if rates else None,
        "flip_chart": charts.heatmap(
            f"flips-{name}", flips["counts"], flips["labels"], title=f"{name}: prediction before → after",
            ylabel="prediction on the source text", xlabel="prediction on the case") if flips else None,
        "breakdowns": breakdown_tables(section),
        "extra": blocks(extra) if extra and not attributes else [],
        "audit": audit_view(extra, attributes) if attributes else None,
        "failures": telling_failures(records) if records is not None else None,
        "n_failed": sum(r.get("passed") is False for r in records) if records is not None else None,
        "cases_sha256": section.get("cases_sha256"),
        "n_noop": section.get("n_noop"),
        "noop_notes": [noop_sentence(row) for row in noop_rules(section, records)],
        "train": train_view(section),
    }


def number_of(value: Any) -> float | None:
    """The number in a cell value (an interval's point estimate), or ``None``."""
    value = value.get("value") if is_interval(value) else value
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def chart_metric(groups: Mapping[str, Mapping[str, Any]]) -> str | None:
    """The metric to compare groups by: the first of :data:`_GROUP_METRICS` (else the first
    numeric column other than counts) that every group has."""
    cells = [row_leaves(g) for g in groups.values()]
    numeric = [k for k in dict.fromkeys(k for c in cells for k in c)
               if not _is_count(k) and all(number_of(c.get(k)) is not None for c in cells)]
    if not cells or not numeric:
        return None
    return next((k for k in _GROUP_METRICS if k in numeric), numeric[0])


def group_chart(attribute: str, groups: Mapping[str, Mapping[str, Any]]) -> Markup | None:
    """Bars of each group's :func:`chart_metric`, with intervals where the values carry them."""
    key = chart_metric(groups)
    if key is None:
        return None
    cells = [row_leaves(g)[key] for g in groups.values()]
    values = [number_of(c) for c in cells]
    bounds = [(c.get("ci_low"), c.get("ci_high")) if is_interval(c) else (None, None) for c in cells]
    return charts.bar_chart(f"bias-{attribute}-{key}", list(groups), values,
                            low=[lo for lo, _ in bounds], high=[hi for _, hi in bounds],
                            title=f"{attribute}: {title_case(key).lower()} per group", xlabel=title_case(key),
                            limit=1.0 if all(0 <= v <= 1 for v in values) else None)


def attribute_view(name: str, section: Mapping[str, Any]) -> dict[str, Any]:
    """One audited attribute: its groups (tables and chart), its group-difference tests with a
    verdict each, and every other entry (gaps ...) as tables."""
    groups = named_rows(section.get("groups"))
    tests = named_rows(section.get("tests"))
    levels = ["info" if v is None else "fail" if v else "pass" for v in map(significant, tests.values())]
    others = {k: v for k, v in section.items() if k not in ("groups", "tests")}
    return {
        "name": name,
        "groups": entity_tables(groups, first="Group") if groups else [],
        "chart": group_chart(name, groups) if groups else None,
        "tests": grid(tests, first="Test", levels=levels) if tests else None,
        "other": blocks(others) if others else [],
    }


def audit_view(audit: Mapping[str, Any], attributes: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    """A group audit: one view per attribute, and the audit's other entries (method, correction
    ...) as tables."""
    rest = {k: v for k, v in audit.items() if k not in _AUDIT_KEYS and k not in attributes}
    return {"attributes": [attribute_view(name, section) for name, section in attributes.items()],
            "notes": blocks(rest) if rest else []}


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


def report_context(results: Mapping[str, Any], records: Sequence[Mapping[str, Any]] | None) -> dict[str, Any]:
    """The template's whole input."""
    by_suite: dict[str, list[Mapping[str, Any]]] = {}
    for record in records or ():
        by_suite.setdefault(record["suite"], []).append(record)
    metrics = clean_metrics(results)
    return {
        "model": results["model"], "dataset": results["dataset"], "run": results.get("run", {}),
        "tool": results.get("tool", {}), "schema_version": results.get("schema_version", ""),
        "has_records": records is not None,
        "checks": checks(results),
        "thresholds": {"good": GOOD, "fair": FAIR, "ece_good": ECE_GOOD, "ece_fair": ECE_FAIR, "alpha": ALPHA},
        "testing": testing_data_view(results),
        "results": results_view(metrics, by_suite.get("test") if records is not None else None) if metrics else None,
        "calibration": calibration_view(metrics["calibration"]) if metrics and metrics.get("calibration") else None,
        "suites": [suite_view(s, results["suites"][s["name"]],
                              by_suite.get(s["name"], []) if records is not None else None)
                   for s in suite_summaries(results)],
        "bias": audit_view(results["bias"], audited_attributes(results["bias"], loose=True))
                if audited_attributes(results.get("bias"), loose=True) else None,
        "label_issues": label_issues.view(results.get("label_issues"), metrics, by_suite.get("test")),
        "slices": slices.view(results.get("slices"), by_suite.get("test")),
        "limitations": limitations(results),
        "provenance": provenance_view(results),
    }


def _environment() -> Environment:
    env = Environment(loader=FileSystemLoader(resource_dir("reports")), autoescape=True,
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters.update(number=fmt_number, rate=fmt_rate, score=fmt_score)
    return env


def render_report(results: Mapping[str, Any], records: Sequence[Mapping[str, Any]] | None = None) -> str:
    """The HTML report for a results document; ``records`` (from ``predictions.jsonl``) add the
    example tables and may be ``None``."""
    return _environment().get_template("report.html.j2").render(**report_context(results, records))
