"""Reading ``results.json`` and ``predictions.jsonl`` back, refusing what the readers cannot trust.

The report, the model card and the gate read only these two files, and each reads them through
:func:`read_results` and :func:`read_predictions`, which check

- the syntax: JSON without ``NaN`` or infinities, nested at most :data:`MAX_DEPTH` deep, and in
  ``predictions.jsonl`` one JSON object a line;
- the shape: every key a reader uses is present with the type it needs (a suite section is an
  object, a pass rate a number ...), and every estimate-with-interval anywhere in the document
  (``{value, ci_low, ci_high[, successes, n]}``, the form the report draws) holds numbers;
- the arithmetic: every figure a reader shows is recomputed from what it derives from and must
  match it (within :data:`TOLERANCE`): accuracy, macro / weighted / micro F1, per-class precision,
  recall, F1 and support and the normalized matrix from the confusion counts; every rate from its
  ``successes / n``; the ECE from the calibration bins; the dataset's size and class counts from
  the split; per-rule counts from the suite's. With the predictions, the confusion matrices,
  calibration, pass, flip, per-rule and breakdown counts are recomputed from the per-case records,
  each record's prediction must be the argmax of its probabilities, and the number of records of
  every suite must equal the results' (a file cut at a line boundary is refused).

Bootstrap intervals cannot be recomputed without replaying the resampling; they must contain
their estimate. A file that fails a check is refused with one line: the file, the key and why.
"""
from __future__ import annotations

import json
import math
from collections import Counter
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping, Sequence

import numpy as np

from .errors import AuditError
from .results import SCHEMA_VERSION
from .metrics import (accuracy_from_confusion, calibration, macro_f1_from_confusion, micro_f1_from_confusion,
                      prf_from_confusion, weighted_f1_from_confusion)

#: Deepest nesting of objects and lists accepted (a real results.json is about 10 deep).
MAX_DEPTH = 32
#: Largest difference accepted between a stored figure and its recomputation (float rounding).
TOLERANCE = 1e-9
#: Largest magnitude accepted for a number in an estimate (a chart axis must stay finite).
MAX_MAGNITUDE = 1e12
#: Keys of an estimate with an interval, the form the report formats and charts.
INTERVAL_KEYS = frozenset({"value", "ci_low", "ci_high", "successes", "n"})
_HEADLINE = {"accuracy": accuracy_from_confusion, "macro_f1": macro_f1_from_confusion,
             "weighted_f1": weighted_f1_from_confusion}
_AUDIT_KEYS = ("attributes", "intersections")

KeyPath = tuple[Any, ...]


class Invalid(ValueError):
    """A failed check: ``where`` is the key path (``suites.test.metrics.macro_f1.value``)."""

    def __init__(self, where: KeyPath, reason: str) -> None:
        super().__init__(reason)
        self.where = where
        self.reason = reason

    def __str__(self) -> str:
        return f"{dotted(self.where)}: {self.reason}" if self.where else self.reason


def dotted(path: KeyPath) -> str:
    """A key path as written in messages: ``suites.test.metrics.per_class.joy.f1``."""
    return ".".join(str(p) for p in path)


# --- syntax -----------------------------------------------------------------------------------

def _no_constant(name: str) -> float:
    raise ValueError(f"{name} is not a number JSON allows")


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"number {text} is out of range")
    return value


def parse_json(text: str) -> Any:
    """``json.loads`` without NaN / Infinity / overflowing numbers and with bounded nesting;
    raises ``ValueError`` with a one-line reason."""
    try:
        doc = json.loads(text, parse_constant=_no_constant, parse_float=_finite)
    except json.JSONDecodeError as exc:
        raise ValueError(f"not valid JSON (line {exc.lineno}: {exc.msg})") from exc
    except RecursionError as exc:
        raise ValueError(f"JSON nested more than {MAX_DEPTH} levels deep") from exc
    if _depth(doc) > MAX_DEPTH:
        raise ValueError(f"JSON nested more than {MAX_DEPTH} levels deep")
    return doc


def _depth(doc: Any) -> int:
    """Nesting depth of a JSON value (iterative, so a deep document cannot exhaust the stack)."""
    deepest, stack = 0, [(doc, 0)]
    while stack:
        node, level = stack.pop()
        if isinstance(node, (dict, list)):
            deepest = max(deepest, level + 1)
            if deepest > MAX_DEPTH:
                return deepest
            stack.extend((child, level + 1) for child in (node.values() if isinstance(node, dict) else node))
    return deepest


def _read(path: Path, what: str) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise AuditError(f"{what} file not found: {path}") from exc
    except IsADirectoryError as exc:
        raise AuditError(f"{what} file is a folder: {path}") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise AuditError(f"cannot read {path}: {getattr(exc, 'strerror', None) or exc}") from exc


# --- typed access -----------------------------------------------------------------------------

def is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


_KINDS: dict[str, tuple[Callable[[Any], bool], str]] = {
    "str": (lambda v: isinstance(v, str), "a string"),
    "int": (lambda v: isinstance(v, int) and not isinstance(v, bool), "an integer"),
    "count": (lambda v: isinstance(v, int) and not isinstance(v, bool) and v >= 0, "a count (integer >= 0)"),
    "num": (is_number, "a number"),
    "prob": (lambda v: is_number(v) and 0 <= v <= 1, "a number in [0, 1]"),
    "bool": (lambda v: isinstance(v, bool), "true or false"),
    "map": (lambda v: isinstance(v, dict), "an object"),
    "list": (lambda v: isinstance(v, list), "a list"),
    "scalar": (lambda v: v is None or isinstance(v, (str, int, float, bool)), "a string, number or null"),
}


def _show(value: Any, width: int = 40) -> str:
    """A value as compact JSON, cut to ``width`` characters."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)
    return text if len(text) <= width else text[:width - 3] + "..."


def check_kind(value: Any, kind: str, where: KeyPath) -> Any:
    test, name = _KINDS[kind]
    if not test(value):
        shown = _show(value) if not isinstance(value, (dict, list)) else f"a {type(value).__name__}"
        raise Invalid(where, f"must be {name}, not {shown}")
    return value


def field(node: Mapping[str, Any], where: KeyPath, key: str, kind: str, *, optional: bool = False,
          nullable: bool = False) -> Any:
    """``node[key]`` checked to be of ``kind`` (see :data:`_KINDS`); a missing optional key and
    a null nullable one give ``None``."""
    if key not in node:
        if optional:
            return None
        raise Invalid(where + (key,), "missing")
    value = node[key]
    if value is None and nullable:
        return None
    return check_kind(value, kind, where + (key,))


def _close(stored: Any, computed: float, where: KeyPath, source: str) -> None:
    if not is_number(stored):
        raise Invalid(where, f"must be a number, not {_show(stored)}")
    if abs(stored - computed) > TOLERANCE:
        raise Invalid(where, f"is {stored!r} but {source} gives {computed!r}")


def _equal(stored: Any, computed: Any, where: KeyPath, source: str) -> None:
    if stored != computed:
        raise Invalid(where, f"is {_show(stored, 80)} but {source} gives {_show(computed, 80)}")


# --- results.json -----------------------------------------------------------------------------

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
    _check_estimates(doc, ())
    for where, audit in [(("bias",), doc.get("bias"))] + [(("suites", n, "extra"), s.get("extra"))
                                                          for n, s in suites.items()]:
        _check_audit(audit, where)
    _check_discoveries(doc, labels)


def _check_discoveries(doc: Mapping[str, Any], labels: Sequence[str]) -> None:
    """The ``label_issues`` and ``slices`` sections (1.1), each checked by its own module."""
    from .label_issues import check_section as check_label_issues
    from .slices import check_section as check_slices

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
    _equal(size, test["n"] + test.get("n_unlabeled", 0), where + ("size",), "suites.test (n + n_unlabeled)")
    n_labeled = field(dataset, where, "n_labeled", "count", optional=True)
    if n_labeled is not None:
        _equal(n_labeled, test["n"], where + ("n_labeled",), "suites.test.n")
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
            _equal({k: v for k, v in distribution.items() if v}, {k: v for k, v in supports.items() if v},
                   where + ("class_distribution",), "the split's confusion matrix")


def _check_split(test: Mapping[str, Any], labels: Sequence[str]) -> None:
    where = ("suites", "test")
    n = field(test, where, "n", "count")
    field(test, where, "n_unlabeled", "count", optional=True)
    metrics = field(test, where, "metrics", "map", optional=not n)
    if metrics is not None:
        field(metrics, where + ("metrics",), "calibration", "map")  # the split always has probabilities
        check_metrics(metrics, where + ("metrics",), labels, n)


def check_metrics(m: Mapping[str, Any], where: KeyPath, labels: Sequence[str], n: int | None = None) -> np.ndarray:
    """A ``metrics`` block against its own confusion matrix; returns the matrix."""
    cm_node = field(m, where, "confusion_matrix", "map")
    cm_where = where + ("confusion_matrix",)
    _equal(field(cm_node, cm_where, "labels", "list"), list(labels), cm_where + ("labels",), "model.labels")
    cm = _matrix(field(cm_node, cm_where, "counts", "list"), cm_where + ("counts",), len(labels))
    total = int(cm.sum())
    _equal(field(m, where, "n", "count"), total, where + ("n",), "the confusion matrix")
    if n is not None:
        _equal(n, total, where[:-1] + ("n",), "the confusion matrix")
    for name, fn in _HEADLINE.items():
        check_estimate(field(m, where, name, "map"), where + (name,))
        _close(m[name]["value"], float(fn(cm)), where + (name, "value"), "the confusion matrix")
        check_estimate(m[name], where + (name,), inside=True)
    if m.get("micro_f1") is not None:
        _close(m["micro_f1"], float(micro_f1_from_confusion(cm)), where + ("micro_f1",), "the confusion matrix")
    precision, recall, f1, support = prf_from_confusion(cm)
    per_class = field(m, where, "per_class", "map")
    for i, label in enumerate(labels):
        row_where = where + ("per_class", label)
        row = field(per_class, where + ("per_class",), label, "map")
        for key, values in (("precision", precision), ("recall", recall), ("f1", f1)):
            _close(field(row, row_where, key, "num"), float(values[i]), row_where + (key,), "the confusion matrix")
        _equal(field(row, row_where, "support", "count"), int(support[i]), row_where + ("support",),
               "the confusion matrix")
    normalized = field(cm_node, cm_where, "normalized", "list")
    rows = cm.sum(axis=1, keepdims=True)
    expected = np.divide(cm, rows, out=np.zeros(cm.shape), where=rows != 0)
    _matrix(normalized, cm_where + ("normalized",), len(labels), kind="num")
    for i in range(len(labels)):
        for j in range(len(labels)):
            _close(normalized[i][j], float(expected[i, j]), cm_where + ("normalized", i, j), "the counts")
    field(m, where, "ci", "map", optional=True)
    calib = field(m, where, "calibration", "map", optional=True)
    if calib is not None:
        _check_calibration(calib, where + ("calibration",), total)
    return cm


def _matrix(rows: Any, where: KeyPath, k: int, kind: str = "count") -> np.ndarray:
    if len(rows) != k or not all(isinstance(r, list) and len(r) == k for r in rows):
        raise Invalid(where, f"must be a {k} x {k} matrix (one row and column per model label)")
    for i, row in enumerate(rows):
        for j, value in enumerate(row):
            check_kind(value, kind, where + (i, j))
    return np.array(rows, dtype=np.int64 if kind == "count" else np.float64).reshape(k, k)


def _check_calibration(calib: Mapping[str, Any], where: KeyPath, n: int) -> None:
    for key in ("ece", "brier", "nll"):
        value = field(calib, where, key, "num")
        if value < 0:
            raise Invalid(where + (key,), f"must not be negative, got {value!r}")
    n_bins = field(calib, where, "n_bins", "count")
    if n_bins < 1:
        raise Invalid(where + ("n_bins",), "must be at least 1")
    bins = field(calib, where, "bins", "list")
    _equal(len(bins), n_bins, where + ("bins",), "n_bins (its length)")
    for i, b in enumerate(bins):
        bw = where + ("bins", i)
        check_kind(b, "map", bw)
        _close(field(b, bw, "lower", "num"), i / n_bins, bw + ("lower",), f"bin {i} of {n_bins}")
        _close(field(b, bw, "upper", "num"), (i + 1) / n_bins, bw + ("upper",), f"bin {i} of {n_bins}")
        count = field(b, bw, "count", "count")
        for key in ("accuracy", "confidence"):
            if field(b, bw, key, "prob", nullable=True) is None and count:
                raise Invalid(bw + (key,), "must be a number in a bin with cases")
            if b[key] is not None and not count:
                raise Invalid(bw + (key,), "must be null in a bin without cases")
    _equal(sum(b["count"] for b in bins), n, where + ("bins",), "the confusion matrix (cases counted)")
    ece = sum(b["count"] / n * abs(b["accuracy"] - b["confidence"]) for b in bins if b["count"])
    _close(calib["ece"], float(ece), where + ("ece",), "the bins")


def check_estimate(node: Any, where: KeyPath, *, inside: bool = False) -> None:
    """An estimate ``{value, ci_low, ci_high[, successes, n]}``: numbers (or null) and a rate
    equal to ``successes / n`` inside its (Wilson) interval. ``inside`` also requires any other
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
            _close(value, successes / n, where + ("value",), f"successes / n = {successes}/{n}")
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


def _check_estimates(doc: Any, where: KeyPath) -> None:
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


def _check_audit(audit: Any, where: KeyPath) -> None:
    """A group audit's attributes are objects (the report draws each as a section)."""
    if not isinstance(audit, dict):
        return
    for key in _AUDIT_KEYS:
        if isinstance(audit.get(key), dict):
            for name, section in audit[key].items():
                check_kind(section, "map", where + (key, name))


def _check_suite(section: Mapping[str, Any], where: KeyPath, labels: Sequence[str]) -> None:
    kind = field(section, where, "kind", "str")
    for key in ("description", "test_type", "cases_sha256"):
        field(section, where, key, "str", optional=True, nullable=True)
    n = field(section, where, "n", "count")
    n_judged = field(section, where, "n_judged", "count", optional=kind != "suite")
    rate = field(section, where, "pass_rate", "map", optional=kind != "suite")
    if rate is not None and n_judged is not None:
        _equal(rate.get("n"), n_judged, where + ("pass_rate", "n"), "n_judged")
    if kind != "suite":
        return
    if n_judged > n:
        raise Invalid(where + ("n_judged",), f"{n_judged} is more than n = {n}")
    for key in ("n_candidates", "n_applicable"):
        field(section, where, key, "count", optional=True, nullable=True)
    check_estimate(rate, where + ("pass_rate",))
    flip = field(section, where, "flip_rate", "map", optional=True, nullable=True)
    if flip is not None:
        check_estimate(flip, where + ("flip_rate",))
    matrix = field(section, where, "flip_matrix", "map", optional=True)
    if matrix is not None:
        mw = where + ("flip_matrix",)
        _equal(field(matrix, mw, "labels", "list"), list(labels), mw + ("labels",), "model.labels")
        fm = _matrix(field(matrix, mw, "counts", "list"), mw + ("counts",), len(labels))
        if flip is None:
            raise Invalid(where + ("flip_rate",), "missing beside flip_matrix")
        _equal(int(fm.sum()), flip["n"], mw + ("counts",), "flip_rate.n (cases counted)")
        _equal(int(fm.sum() - np.trace(fm)), flip["successes"], mw + ("counts",), "flip_rate.successes (flips)")
    metrics = field(section, where, "metrics", "map", optional=True)
    if metrics is not None:
        check_metrics(metrics, where + ("metrics",), labels)
    coverage = field(section, where, "coverage", "map", optional=True, nullable=True) or {}
    for rule, cov in coverage.items():
        check_kind(cov, "map", where + ("coverage", rule))
    by_rule = field(section, where, "by_rule", "map", optional=True) or {}
    for rule, row in by_rule.items():
        rw = where + ("by_rule", rule)
        check_kind(row, "map", rw)
        field(row, rw, "n_judged", "count")
        check_estimate(field(row, rw, "pass_rate", "map"), rw + ("pass_rate",))
        _equal(row["pass_rate"]["n"], row["n_judged"], rw + ("pass_rate", "n"), "n_judged")
    if by_rule:
        _equal(sum(r["n_judged"] for r in by_rule.values()), n_judged, where + ("by_rule",),
               "n_judged (the sum over rules)")
        _equal(sum(r["pass_rate"]["successes"] for r in by_rule.values()), rate["successes"], where + ("by_rule",),
               "pass_rate.successes (the sum over rules)")
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


# --- predictions.jsonl ------------------------------------------------------------------------

_RECORD_FIELDS: dict[str, tuple[str, bool]] = {
    # key: (kind, may be null or absent)
    "suite": ("str", False), "id": ("str", False), "text": ("str", False), "pred": ("str", False),
    "probs": ("list", False), "label": ("str", True), "source_id": ("str", True),
    "source_text": ("str", True), "source_pred": ("str", True), "source_probs": ("list", True),
    "rule": ("str", True), "expectation": ("map", True), "passed": ("bool", True), "meta": ("map", True),
    "no_op": ("bool", True),
}


def check_record(record: Any, labels: Sequence[str] | None, where: KeyPath) -> None:
    """One ``predictions.jsonl`` record: an object with the documented keys and types."""
    check_kind(record, "map", where)
    for key, (kind, optional) in _RECORD_FIELDS.items():
        field(record, where, key, kind, optional=optional, nullable=optional)
    if labels is None:
        return
    known = set(labels)
    for key in ("label", "pred", "source_pred"):
        if record.get(key) is not None and record[key] not in known:
            raise Invalid(where + (key,), f"{_show(record[key])} is not one of model.labels")
    for key in ("probs", "source_probs"):
        probs = record.get(key)
        if probs is None:
            continue
        if len(probs) != len(labels) or not all(is_number(p) and 0 <= p <= 1 for p in probs):
            raise Invalid(where + (key,), f"must be {len(labels)} probabilities in [0, 1] (model.labels order)")
    best = labels[int(np.argmax(record["probs"]))]
    if record["pred"] != best:
        raise Invalid(where + ("pred",), f"is {record['pred']!r} but the highest probability is {best!r}")
    expectation = record.get("expectation") or {}
    for key in ("labels", "avoid"):
        names = expectation.get(key)
        if names is not None and not (isinstance(names, list) and all(isinstance(x, str) for x in names)):
            raise Invalid(where + ("expectation", key), "must be a list of label names")


def check_predictions(results: Mapping[str, Any], records: Sequence[Mapping[str, Any]],
                      *, full: bool = True, source: str = "the predictions") -> None:
    """Per-case records against the results document they belong to: one record per case of
    every split or suite section, and every count the results state reproduced from them.
    ``full`` is false for the gate's baseline outcomes (suite, id, label, pred, passed only)."""
    labels = results["model"]["labels"]
    index = {label: i for i, label in enumerate(labels)}
    suites = results["suites"]
    by_suite: dict[str, list[Mapping[str, Any]]] = {}
    seen: set[tuple[str, str]] = set()
    for number, record in enumerate(records, start=1):
        key = (record["suite"], record["id"])
        if key in seen:
            raise Invalid((), f"record {number}: duplicate case id {record['id']!r} in suite {record['suite']!r}")
        seen.add(key)
        if record["suite"] not in suites:
            raise Invalid((), f"record {number}: suite {record['suite']!r} is not in the results")
        by_suite.setdefault(record["suite"], []).append(record)
    for name, section in suites.items():
        rows = by_suite.get(name, [])
        where = ("suites", name)
        if name == "test":
            expected = section["n"] + section.get("n_unlabeled", 0)
        elif section.get("kind") == "suite":
            expected = section["n"]
        else:
            continue
        if len(rows) != expected:
            raise Invalid(where, f"the results count {expected} cases but {source} hold {len(rows)} "
                                 f"(a truncated file, or from another run?)")
        tested = [r for r in rows if not r.get("no_op")]  # a no-op case is counted, never scored
        gold = [r for r in tested if r.get("label") is not None]
        if section.get("metrics") is not None and (full or name == "test"):  # outcomes do not mark no-ops
            cm = _confusion(gold, index, "label", "pred")
            _equal(section["metrics"]["confusion_matrix"]["counts"], cm.tolist(),
                   where + ("metrics", "confusion_matrix", "counts"), source)
            calib = section["metrics"].get("calibration")
            if calib is not None and full:
                _check_calibration_from(calib, gold, index, where + ("metrics", "calibration"))
        elif gold and name == "test":
            raise Invalid(where + ("metrics",), f"missing, but {len(gold)} of {source} carry gold labels")
        if name != "test":
            _check_suite_counts(section, rows, tested, index, where, full, source)


def check_outcomes(results: Mapping[str, Any], cases: Any) -> None:
    """A gate baseline's per-case outcomes (suite -> case id -> {label, pred, correct, passed})
    against the results document it embeds, as :func:`check_predictions` checks records."""
    where: KeyPath = ("baseline", "cases")
    check_kind(cases, "map", where)
    labels = set(results["model"]["labels"])
    records = []
    for suite, rows in cases.items():
        check_kind(rows, "map", where + (suite,))
        for cid, outcome in rows.items():
            at = where + (suite, cid)
            check_kind(outcome, "map", at)
            label = field(outcome, at, "label", "str", nullable=True)
            pred = field(outcome, at, "pred", "str")
            for key in ("correct", "passed"):
                field(outcome, at, key, "bool", nullable=True)
            for key, value in (("label", label), ("pred", pred)):
                if value is not None and value not in labels:
                    raise Invalid(at + (key,), f"{_show(value)} is not one of model.labels")
            _equal(outcome["correct"], None if label is None else pred == label, at + ("correct",), "label and pred")
            records.append({"suite": suite, "id": cid, "label": label, "pred": pred, "passed": outcome["passed"]})
    check_predictions(results, records, full=False, source="the baseline's cases")


def _confusion(rows: Sequence[Mapping[str, Any]], index: Mapping[str, int], gold: str, pred: str) -> np.ndarray:
    k = len(index)
    cm = np.zeros((k, k), dtype=np.int64)
    for r in rows:
        cm[index[r[gold]], index[r[pred]]] += 1
    return cm


def _check_calibration_from(calib: Mapping[str, Any], gold: Sequence[Mapping[str, Any]],
                            index: Mapping[str, int], where: KeyPath) -> None:
    if not gold:
        return
    computed = calibration(np.array([r["probs"] for r in gold], dtype=np.float64),
                           np.array([index[r["label"]] for r in gold]), n_bins=calib["n_bins"])
    for key in ("ece", "brier", "nll"):
        _close(calib[key], computed[key], where + (key,), "the predictions")
    for i, (stored, fresh) in enumerate(zip(calib["bins"], computed["bins"])):
        _equal(stored["count"], fresh["count"], where + ("bins", i, "count"), "the predictions")
        for key in ("accuracy", "confidence"):
            if fresh[key] is not None:
                _close(stored[key], fresh[key], where + ("bins", i, key), "the predictions")


def _rate_counts(rate: Mapping[str, Any] | None) -> tuple[int, int] | None:
    return None if rate is None else (rate["successes"], rate["n"])


def _passes(rows: Iterable[Mapping[str, Any]]) -> tuple[int, int]:
    judged = [r["passed"] for r in rows if r.get("passed") is not None]
    return sum(judged), len(judged)


def _check_suite_counts(section: Mapping[str, Any], rows: Sequence[Mapping[str, Any]],
                        tested: Sequence[Mapping[str, Any]], index: Mapping[str, int], where: KeyPath,
                        full: bool, source: str) -> None:
    """A suite's pass counts (and with ``full`` records its no-op, flip, per-rule and breakdown
    counts) recomputed from its records; ``tested`` are those that are not no-ops."""
    _equal(_rate_counts(section["pass_rate"]), _passes(rows), where + ("pass_rate",), f"{source} (passed, judged)")
    if not full:
        return
    if "n_noop" in section:
        _equal(section["n_noop"], len(rows) - len(tested), where + ("n_noop",), f"{source} (no-op cases)")
    paired = [r for r in tested if r.get("source_pred") is not None]
    flips = sum(r["pred"] != r["source_pred"] for r in paired)
    _equal(_rate_counts(section.get("flip_rate")), (flips, len(paired)) if paired else None,
           where + ("flip_rate",), "the predictions (flips, cases with a source)")
    if section.get("flip_matrix") is not None:
        _equal(section["flip_matrix"]["counts"], _confusion(paired, index, "source_pred", "pred").tolist(),
               where + ("flip_matrix", "counts"), "the predictions")
    by_rule = section.get("by_rule")
    if by_rule:
        groups: dict[str, list[Mapping[str, Any]]] = {}
        for r in rows:
            groups.setdefault("null" if r.get("rule") is None else r["rule"], []).append(r)
        _equal(sorted(by_rule), sorted(groups), where + ("by_rule",), "the predictions (rules)")
        for rule, members in groups.items():
            _equal(_rate_counts(by_rule[rule]["pass_rate"]), _passes(members), where + ("by_rule", rule, "pass_rate"),
                   "the predictions (passed, judged)")
    for key, stored in (section.get("breakdowns") or {}).items():
        counts = Counter(str((r.get("meta") or {}).get(key)) for r in rows)
        _equal({v: g["n"] for v, g in stored.items()}, dict(counts), where + ("breakdowns", key),
               "the predictions (cases per value)")


# --- files ------------------------------------------------------------------------------------

def read_results(path: Path | str) -> dict[str, Any]:
    """Read ``results.json`` (or a gate baseline, which embeds one) and check it; any problem is
    an :class:`AuditError` naming the file and the key."""
    path = Path(path)
    try:
        doc = parse_json(_read(path, "results"))
        check_results(doc)
    except Invalid as exc:
        raise AuditError(f"{path}: {exc}") from exc
    except ValueError as exc:
        raise AuditError(f"{path}: {exc}") from exc
    return doc


def read_records(path: Path | str, labels: Sequence[str] | None = None) -> list[dict[str, Any]]:
    """The records of ``predictions.jsonl`` (or of a ``predictions.parquet`` folder,
    :mod:`audit.streaming`), each checked by :func:`check_record`."""
    path = Path(path)
    if path.is_dir():
        return _read_parquet(path, labels)
    records = []
    for number, line in enumerate(_read(path, "predictions").split("\n"), start=1):
        if not line.strip():
            continue
        try:
            record = parse_json(line)
            check_record(record, labels, ())
        except Invalid as exc:
            raise AuditError(f"{path}: line {number}: {exc}") from exc
        except ValueError as exc:
            raise AuditError(f"{path}: line {number}: {exc}") from exc
        records.append(record)
    return records


def _read_parquet(path: Path, labels: Sequence[str] | None) -> list[dict[str, Any]]:
    from .streaming import read_parquet_records

    records = []
    for number, record in enumerate(read_parquet_records(path, labels), start=1):
        try:
            check_record(record, labels, ())
        except Invalid as exc:
            raise AuditError(f"{path}: record {number}: {exc}") from exc
        records.append(record)
    return records


def read_predictions(path: Path | str, results: Mapping[str, Any]) -> list[dict[str, Any]]:
    """``predictions.jsonl`` checked record by record and against ``results`` (counts, confusion
    matrices, pass rates ...)."""
    records = read_records(path, results["model"]["labels"])
    _belong(results, records, str(path))
    return records


def check_records(results: Mapping[str, Any], records: Sequence[Any], source: str) -> None:
    """Records from ``source`` (checked one by one, then against ``results``) that are malformed
    or do not belong to ``results`` are an :class:`AuditError`."""
    for number, record in enumerate(records, start=1):
        try:
            check_record(record, results["model"]["labels"], ())
        except Invalid as exc:
            raise AuditError(f"{source}: record {number}: {exc}") from exc
    _belong(results, records, source)


def _belong(results: Mapping[str, Any], records: Sequence[Mapping[str, Any]], source: str) -> None:
    try:
        check_predictions(results, records)
    except Invalid as exc:
        raise AuditError(f"{source}: predictions do not match the results document: {exc}") from exc
