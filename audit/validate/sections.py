"""Checks of a ``results.json`` document, one function a section: model, config, dataset, the
test split and every suite (with its flips, per-rule counts and breakdowns); the discovered
``label_issues`` and ``slices`` sections are checked by their own modules.
"""
from __future__ import annotations

from typing import Any, Mapping, Sequence

import numpy as np

from ..results import SCHEMA_VERSION
from ..metric_registry import GAP_METRICS
from .access import TOLERANCE, Invalid, KeyPath, check_kind, close, equal, field
from .figures import check_estimate, check_estimates, check_metrics, square_matrix
from .paired import check_paired_tests

_AUDIT_KEYS = ("attributes", "intersections")


def check_results(doc: Any) -> None:
    """Raise :class:`Invalid` at the first problem of a results document (see the module docs)."""
    if not isinstance(doc, dict):
        raise Invalid((), "not a results document (expected a JSON object)")
    version = doc.get("schema_version")
    if not isinstance(version, str) or version.split(".")[0] != SCHEMA_VERSION.split(".")[0]:
        raise Invalid((), f"schema version {version!r} is not supported (this tool reads "
                          f"{SCHEMA_VERSION.split('.')[0]}.x)")
    for key in ("model", "dataset", "config", "suites"):
        field(doc, (), key, "map")
    for key in ("tool", "run"):
        field(doc, (), key, "map", optional=True)
    labels = _check_model(doc["model"])
    _check_config(doc["config"])
    suites = doc["suites"]
    test = field(suites, ("suites",), "test", "map")
    for name, section in suites.items():
        check_kind(section, "map", ("suites", name))
    _check_split(test, labels)
    _check_dataset(doc["dataset"], test, labels)
    for name, section in suites.items():
        if name != "test":
            _check_suite(section, ("suites", name), labels)
    check_estimates(doc, ())
    for where, audit in [(("bias",), doc.get("bias"))] + [(("suites", n, "extra"), s.get("extra"))
                                                          for n, s in suites.items()]:
        _check_audit(audit, where)
    if isinstance(doc.get("bias"), dict):
        check_paired_tests(doc["bias"], ("bias",))
    _check_discoveries(doc, labels)


def _check_discoveries(doc: Mapping[str, Any], labels: Sequence[str]) -> None:
    """The ``label_issues`` and ``slices`` sections (1.1), each checked by its own module."""
    from ..label_issues import check_section as check_label_issues
    from ..slices import check_section as check_slices

    for key, check in (("label_issues", check_label_issues), ("slices", check_slices)):
        if doc.get(key) is not None:
            check(check_kind(doc[key], "map", (key,)), (key,), labels)


def _check_model(model: Mapping[str, Any]) -> list[str]:
    where = ("model",)
    labels = field(model, where, "labels", "list")
    if not labels or not all(isinstance(x, str) and x for x in labels):
        raise Invalid(where + ("labels",), "must be a non-empty list of label names")
    if len(set(labels)) != len(labels):
        raise Invalid(where + ("labels",), "has duplicate names")
    field(model, where, "id", "str")
    for key in ("device", "dtype"):
        field(model, where, key, "scalar")
    for key in ("sha256", "label_mapping_note", "type", "architecture", "model_type", "weights_format"):
        field(model, where, key, "str", optional=True, nullable=True)
    if "architecture" in model:  # the card prints both
        field(model, where, "model_type", "scalar")
    field(model, where, "label_mapping_assumed", "bool", optional=True)
    field(model, where, "num_parameters", "count", optional=True)
    return labels


def _check_config(config: Mapping[str, Any]) -> None:
    where = ("config",)
    field(config, where, "seed", "int")
    field(config, where, "max_length", "count")
    field(config, where, "batch_size", "count", nullable=True)
    field(config, where, "bootstrap_resamples", "count")
    versions = field(config, where, "versions", "map", optional=True) or {}
    for name, version in versions.items():
        check_kind(version, "scalar", where + ("versions", name))


def _check_dataset(dataset: Mapping[str, Any], test: Mapping[str, Any], labels: Sequence[str]) -> None:
    where = ("dataset",)
    field(dataset, where, "name", "str")
    field(dataset, where, "split", "str")
    size = field(dataset, where, "size", "count")
    equal(size, test["n"] + test.get("n_unlabeled", 0), where + ("size",), "suites.test (n + n_unlabeled)")
    n_labeled = field(dataset, where, "n_labeled", "count", optional=True)
    if n_labeled is not None:
        equal(n_labeled, test["n"], where + ("n_labeled",), "suites.test.n")
    field(dataset, where, "sha256", "str", optional=True, nullable=True)
    for key in ("n_empty_skipped", "n_truncated"):
        field(dataset, where, key, "count", optional=True, nullable=True)
    columns = field(dataset, where, "group_columns", "list", optional=True) or []
    for i, column in enumerate(columns):
        check_kind(column, "str", where + ("group_columns", i))
    distribution = field(dataset, where, "class_distribution", "map", optional=True)
    if distribution is not None:
        for label, count in distribution.items():
            check_kind(count, "count", where + ("class_distribution", label))
        metrics = test.get("metrics")
        if metrics:
            supports = {label: sum(row) for label, row in zip(labels, metrics["confusion_matrix"]["counts"])}
            equal({k: v for k, v in distribution.items() if v}, {k: v for k, v in supports.items() if v},
                  where + ("class_distribution",), "the split's confusion matrix")


def _check_split(test: Mapping[str, Any], labels: Sequence[str]) -> None:
    where = ("suites", "test")
    n = field(test, where, "n", "count")
    field(test, where, "n_unlabeled", "count", optional=True)
    metrics = field(test, where, "metrics", "map", optional=not n)
    if metrics is not None:
        field(metrics, where + ("metrics",), "calibration", "map")  # the split always has probabilities
        check_metrics(metrics, where + ("metrics",), labels, n)


def _check_audit(audit: Any, where: KeyPath) -> None:
    """A group audit's attributes are objects (the report draws each as a section), and each
    one's groups and gaps agree (:func:`_check_gaps`)."""
    if not isinstance(audit, dict):
        return
    for key in _AUDIT_KEYS:
        if isinstance(audit.get(key), dict):
            for name, section in audit[key].items():
                check_kind(section, "map", where + (key, name))
                if "groups" in section:
                    _check_gaps(section, where + (key, name))


def _check_gaps(section: Mapping[str, Any], where: KeyPath) -> None:
    """An attribute's groups against the gaps that summarize them (:func:`audit.disaggregation.disaggregate`):
    a group's accuracy is a whole number of its ``n`` cases and its supports sum to ``n``; the
    excluded groups are the too-small ones; each gap is the highest minus the lowest value over the
    judged groups (those with gold support, for a class's F1), between the groups it names."""
    groups = field(section, where, "groups", "map")
    for name, group in groups.items():
        gw = where + ("groups", name)
        check_kind(group, "map", gw)
        n = field(group, gw, "n", "count")
        field(group, gw, "too_small", "bool")
        accuracy = field(field(group, gw, "accuracy", "map"), gw + ("accuracy",), "value", "prob", nullable=True)
        if accuracy is not None and abs(accuracy * n - round(accuracy * n)) > 1e-6 * max(n, 1):
            raise Invalid(gw + ("accuracy", "value"), f"{accuracy!r} is not a whole number of n = {n} cases")
        field(field(group, gw, "macro_f1", "map"), gw + ("macro_f1",), "value", "prob", nullable=True)
        for metric in ("accuracy", "macro_f1"):  # bootstrap intervals like the split's headline metrics
            check_estimate(group[metric], gw + (metric,), inside=True)
        support = field(group, gw, "support", "map", optional=True)
        if support is not None:
            equal(sum(check_kind(v, "count", gw + ("support", k)) for k, v in support.items()), n,
                  gw + ("support",), f"n = {n} (the sum over classes)")
    judged = [g for g, group in groups.items() if not group["too_small"]]
    excluded = field(section, where, "excluded_groups", "list", optional=True)
    if excluded is not None:
        equal(sorted(excluded), sorted(set(groups) - set(judged)), where + ("excluded_groups",),
              "the groups marked too_small")
    gaps = field(section, where, "gaps", "map")
    for metric in GAP_METRICS:
        values = {g: groups[g][metric]["value"] for g in judged if groups[g][metric]["value"] is not None}
        _check_gap(gaps.get(metric), values, where + ("gaps", metric))
    per_class = field(gaps, where + ("gaps",), "per_class_f1", "map", optional=True) or {}
    for label, gap in per_class.items():
        values = {}
        for g in judged:
            f1 = (groups[g].get("per_class_f1") or {}).get(label)
            if (groups[g].get("support") or {}).get(label) and f1 is not None:
                values[g] = check_kind(f1, "prob", where + ("groups", g, "per_class_f1", label))
        _check_gap(gap, values, where + ("gaps", "per_class_f1", label))


def _check_gap(gap: Any, values: Mapping[str, float], where: KeyPath) -> None:
    """One gap ``{value, high_group, low_group, n_groups, ci_low, ci_high}`` against the judged
    groups' ``values``: null with fewer than two, else the highest minus the lowest value,
    between a highest and a lowest group."""
    if len(values) < 2:
        if gap is not None:
            raise Invalid(where, f"must be null: {len(values)} judged group(s), a gap needs two")
        return
    check_kind(gap, "map", where)
    high = field(gap, where, "high_group", "str")
    low = field(gap, where, "low_group", "str")
    equal(field(gap, where, "n_groups", "count"), len(values), where + ("n_groups",), "the judged groups")
    top, bottom = max(values.values()), min(values.values())
    for key, name, target in (("high_group", high, top), ("low_group", low, bottom)):
        if name not in values or abs(values[name] - target) > TOLERANCE:
            raise Invalid(where + (key,), f"{name!r} is not a judged group with the "
                                          f"{'highest' if key == 'high_group' else 'lowest'} value ({target!r})")
    if high == low:
        raise Invalid(where, f"high_group and low_group are both {high!r}")
    close(gap.get("value"), values[high] - values[low], where + ("value",),
          f"groups.{high} - groups.{low}")


def _check_suite(section: Mapping[str, Any], where: KeyPath, labels: Sequence[str]) -> None:
    """A suite section: its counts and pass rate, then (a generated suite only) its flips,
    metrics, coverage, per-rule rows and breakdowns."""
    kind = field(section, where, "kind", "str")
    for key in ("description", "test_type", "cases_sha256"):
        field(section, where, key, "str", optional=True, nullable=True)
    n = field(section, where, "n", "count")
    n_judged = field(section, where, "n_judged", "count", optional=kind != "suite")
    rate = field(section, where, "pass_rate", "map", optional=kind != "suite")
    if rate is not None and n_judged is not None:
        equal(rate.get("n"), n_judged, where + ("pass_rate", "n"), "n_judged")
    if kind != "suite":
        return
    if n_judged > n:
        raise Invalid(where + ("n_judged",), f"{n_judged} is more than n = {n}")
    for key in ("n_candidates", "n_applicable"):
        field(section, where, key, "count", optional=True, nullable=True)
    check_estimate(rate, where + ("pass_rate",))
    _check_flips(section, where, labels)
    metrics = field(section, where, "metrics", "map", optional=True)
    if metrics is not None:
        check_metrics(metrics, where + ("metrics",), labels)
    coverage = field(section, where, "coverage", "map", optional=True, nullable=True) or {}
    for rule, cov in coverage.items():
        check_kind(cov, "map", where + ("coverage", rule))
    _check_by_rule(section, where, n_judged, rate)
    _check_breakdowns(section, where, labels)


def _check_flips(section: Mapping[str, Any], where: KeyPath, labels: Sequence[str]) -> None:
    """The flip rate, and the flip matrix against it (cases counted, off-diagonal flips)."""
    flip = field(section, where, "flip_rate", "map", optional=True, nullable=True)
    if flip is not None:
        check_estimate(flip, where + ("flip_rate",))
    matrix = field(section, where, "flip_matrix", "map", optional=True)
    if matrix is not None:
        mw = where + ("flip_matrix",)
        equal(field(matrix, mw, "labels", "list"), list(labels), mw + ("labels",), "model.labels")
        fm = square_matrix(field(matrix, mw, "counts", "list"), mw + ("counts",), len(labels))
        if flip is None:
            raise Invalid(where + ("flip_rate",), "missing beside flip_matrix")
        equal(int(fm.sum()), flip["n"], mw + ("counts",), "flip_rate.n (cases counted)")
        equal(int(fm.sum() - np.trace(fm)), flip["successes"], mw + ("counts",), "flip_rate.successes (flips)")


def _check_by_rule(section: Mapping[str, Any], where: KeyPath, n_judged: int, rate: Mapping[str, Any]) -> None:
    """Per-rule rows: each a judged count and its pass rate, summing to the suite's."""
    by_rule = field(section, where, "by_rule", "map", optional=True) or {}
    for rule, row in by_rule.items():
        rw = where + ("by_rule", rule)
        check_kind(row, "map", rw)
        field(row, rw, "n_judged", "count")
        check_estimate(field(row, rw, "pass_rate", "map"), rw + ("pass_rate",))
        equal(row["pass_rate"]["n"], row["n_judged"], rw + ("pass_rate", "n"), "n_judged")
    if by_rule:
        equal(sum(r["n_judged"] for r in by_rule.values()), n_judged, where + ("by_rule",),
              "n_judged (the sum over rules)")
        equal(sum(r["pass_rate"]["successes"] for r in by_rule.values()), rate["successes"], where + ("by_rule",),
              "pass_rate.successes (the sum over rules)")


def _check_breakdowns(section: Mapping[str, Any], where: KeyPath, labels: Sequence[str]) -> None:
    """Breakdowns: per key and value, a case count and, where given, a pass rate and metrics."""
    breakdowns = field(section, where, "breakdowns", "map", optional=True) or {}
    for key, groups in breakdowns.items():
        check_kind(groups, "map", where + ("breakdowns", key))
        for value, group in groups.items():
            gw = where + ("breakdowns", key, value)
            check_kind(group, "map", gw)
            field(group, gw, "n", "count")
            if group.get("pass_rate") is not None:
                check_estimate(group["pass_rate"], gw + ("pass_rate",))
            if group.get("metrics") is not None:
                check_metrics(check_kind(group["metrics"], "map", gw + ("metrics",)), gw + ("metrics",), labels)
