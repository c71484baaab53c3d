"""Bias statistics as pure functions: disaggregated metrics, counterfactual summaries, paired tests.

Two producers share one per-attribute shape, the ``bias`` section of ``results.json``:

- :func:`disaggregate` splits gold/predicted labels by one or more group columns (an *attribute*
  such as ``gender``, whose values are *groups* such as ``female``) and by every intersection of
  columns (``gender x race``), and reports the largest gap between groups per metric.
- :func:`counterfactual_summary` reads the scored records of a paired counterfactual suite (the
  ``identity`` suite): it disaggregates the template cases by the demographics of their person
  phrase, and adds flip rates, probability changes and paired significance tests per attribute.

Shape (keys marked *cf* only appear in the counterfactual summary)::

    {
      "labels": ["sadness", ...],
      "min_group_size": 30,          # groups with fewer labeled cases are flagged, not judged
      "ci": {"method": ..., "level": 0.95, "resamples": 1000, "seed": 0},
      "attributes": {
        "<attribute>": {
          "groups": {
            "<group>": {
              "n": 378, "too_small": false,
              "accuracy": {"value", "ci_low", "ci_high"}, "macro_f1": {"value", "ci_low", "ci_high"},
              "per_class_f1": {"<label>": 0.93, ...}, "support": {"<label>": 63, ...}
            }
          },
          "excluded_groups": ["<group>", ...],  # too small: left out of the gaps
          "gaps": {
            "accuracy": {"value", "ci_low", "ci_high", "high_group", "low_group", "n_groups"},
            "macro_f1": {...},
            "per_class_f1": {"<label>": {...}}    # groups without gold support for it left out
          },
          "tests": [{"name", "label", "group", "source_group", "n", "mean_diff", "ci_low", "ci_high", "t_statistic",
                     "p_value", "p_adjusted", "significant", "sign_test": {...}, ...}],  # cf; else []
          "untested": [{"origin", "source_group", "group", "n"}],                        # cf
          "counterfactual": {                                                             # cf
            "n": 672, "n_sources": 336, "flip_rate": {rate}, "mean_abs_change": {"<label>": 0.004},
            "by_origin": {"template": {"n", "n_sources", "flip_rate", "mean_abs_change"}, "test": {...}},
            "by_group": {"<group>": {"n", "n_sources", "flip_rate", "mean_abs_change"}}
          }
        }
      },
      "intersections": {"gender x race": {"groups", "excluded_groups", "gaps", "tests": []}},
      "correction": {"method": "holm", "alpha": 0.05, "n_tests": 84}                   # cf
    }

In ``counterfactual``, ``n`` counts pairs and ``n_sources`` the distinct source texts they were
made from: a test text swapped to every other nationality gives one pair per target, and those
pairs are not independent observations (they share the text), so read a flip rate against
``n_sources`` as well as ``n``.

A gap is ``metric(high_group) - metric(low_group)`` between the best and worst group that is large
enough to judge (``None`` when fewer than two are). Its 95% interval is a percentile bootstrap of
that same difference, each group resampled on its own (seeded per group); it is the interval of the
difference between those two groups and does not account for their having been picked as the
extremes. A ``{rate}`` is :func:`audit.metrics.rate_with_ci` (Wilson interval).

fairlearn's ``MetricFrame`` computes the per-group and intersection tables too, but it is not a
dependency, its bootstrap does not resample within groups, and it knows nothing of paired
counterfactuals; the few loops here over :func:`audit.metrics.classification_metrics` keep one
metric definition for the whole audit.
"""
from __future__ import annotations

import hashlib
import itertools
from typing import Any, Callable, Mapping, Sequence

import numpy as np

from .metrics import (
    ALPHA,
    CI_LEVEL,
    accuracy_from_confusion,
    bootstrap_confusions,
    class_f1_from_confusion,
    classification_metrics,
    confusion_counts,
    macro_f1_from_confusion,
    percentile_interval,
    rate_with_ci,
)
from .stats import holm
from .suite import group_by

#: Groups with fewer labeled cases (and test cells with fewer pairs) are reported but not judged.
MIN_GROUP_SIZE = 30
#: Joins column names and group values of an intersection: ``gender x race``, ``female x african_american``.
INTERSECTION_SEPARATOR = " x "

Metric = Callable[[np.ndarray], Any]
#: The record ``meta`` keys that define one cell of paired tests.
_CELL = ("attribute", "origin", "source_group", "group")


# --------------------------------------------------------------------------- paired tests

def paired_t_test(x: Sequence[float], y: Sequence[float]) -> dict[str, Any]:
    """Paired t-test of ``x`` against ``y`` (``scipy.stats.ttest_rel``, two-sided), with the
    ``CI_LEVEL`` t-interval of the mean difference (``ci_low``, ``ci_high``).

    ``t = mean(d) / (sd(d) / sqrt(n))`` with ``d = x - y`` and ``sd`` the sample standard
    deviation; the statistic and p-value are ``None`` with fewer than two pairs or when the
    differences are all equal (scipy would divide by a rounding error); equal differences give the
    point interval ``[mean(d), mean(d)]``, fewer than two pairs none.
    """
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    d = x - y
    mean = float(d.mean()) if len(d) else None
    out: dict[str, Any] = {"n": int(len(d)), "mean_diff": mean, "t_statistic": None, "p_value": None,
                           "ci_low": mean if len(d) >= 2 else None, "ci_high": mean if len(d) >= 2 else None}
    if len(d) >= 2 and np.ptp(d) > 0:
        from scipy import stats  # imported where used: scipy loads only when a test runs

        result = stats.ttest_rel(x, y)
        interval = result.confidence_interval(CI_LEVEL)
        out.update(t_statistic=float(result.statistic), p_value=float(result.pvalue),
                   ci_low=float(interval.low), ci_high=float(interval.high))
    return out


def sign_test(x: Sequence[float], y: Sequence[float]) -> dict[str, Any]:
    """Two-sided sign test of ``x`` against ``y``: a binomial test (``scipy.stats.binomtest``,
    p = 1/2) of the number of positive differences among the non-zero ones (``p_value`` is
    ``None`` when every difference is zero)."""
    d = np.asarray(x, dtype=np.float64) - np.asarray(y, dtype=np.float64)
    from scipy import stats

    n_pos, n_neg = int((d > 0).sum()), int((d < 0).sum())
    p = stats.binomtest(n_pos, n_pos + n_neg, 0.5).pvalue if n_pos + n_neg else None
    return {"n_pos": n_pos, "n_neg": n_neg, "p_value": None if p is None else float(p)}


# --------------------------------------------------------------------------- disaggregated metrics

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


# --------------------------------------------------------------------------- counterfactual summary

def _n_sources(pairs: Sequence[Mapping[str, Any]]) -> int:
    """Distinct source texts behind paired records (a test text's id, else its source text):
    one test text swapped to nine nationalities is nine pairs but one source."""
    return len({r.get("source_id") or r.get("source_text") for r in pairs})


def _change_summary(pairs: Sequence[Mapping[str, Any]], labels: Sequence[str]) -> dict[str, Any]:
    """Flip rate (Wilson CI) and mean |p(label) - p_source(label)| per label over paired records,
    with the number of pairs (``n``) and of distinct source texts they come from (``n_sources``)."""
    probs = np.array([r["probs"] for r in pairs], dtype=np.float64)
    source = np.array([r["source_probs"] for r in pairs], dtype=np.float64)
    change = np.abs(probs - source).mean(axis=0)
    return {"n": len(pairs), "n_sources": _n_sources(pairs),
            "flip_rate": rate_with_ci(sum(r["pred"] != r["source_pred"] for r in pairs), len(pairs)),
            "mean_abs_change": {label: float(change[k]) for k, label in enumerate(labels)}}


def _counterfactual(pairs: Sequence[Mapping[str, Any]], labels: Sequence[str]) -> dict[str, Any]:
    """:func:`_change_summary` of an attribute's pairs, overall and by ``origin`` and ``group``."""
    out = _change_summary(pairs, labels)
    for key in ("origin", "group"):
        out[f"by_{key}"] = {value: _change_summary(rows, labels)
                            for value, rows in group_by(pairs, lambda r, k=key: r["meta"].get(k)).items()}
    return out


def paired_tests(
    pairs: Sequence[Mapping[str, Any]], labels: Sequence[str], *, min_pairs: int = MIN_GROUP_SIZE
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Paired tests per (attribute, origin, source group, group) cell and emotion label.

    For each cell with at least ``min_pairs`` pairs and each label, the label's probability on
    the group's sentences is compared with the probability on their paired source sentences, by a
    paired t-test (as in Kiritchenko & Mohammad 2018) and a sign test. Returns ``(tests,
    untested)``: one entry per test (uncorrected p-values; ``name`` reads "template
    european_american -> african_american: p(anger)"), and the cells too small to test.
    """
    tests: list[dict[str, Any]] = []
    untested: list[dict[str, Any]] = []
    cells = group_by(pairs, lambda r: tuple(r["meta"].get(k) for k in _CELL))
    for key in sorted(cells, key=lambda c: tuple(map(str, c))):
        rows, cell = cells[key], dict(zip(_CELL, key))
        if len(rows) < min_pairs:
            untested.append({**cell, "n": len(rows)})
            continue
        probs = np.array([r["probs"] for r in rows], dtype=np.float64)
        source = np.array([r["source_probs"] for r in rows], dtype=np.float64)
        for k, label in enumerate(labels):
            name = f"{cell['origin']} {cell['source_group']} -> {cell['group']}: p({label})"
            tests.append({"name": name, **cell, "label": label,
                          **paired_t_test(probs[:, k], source[:, k]),
                          "sign_test": sign_test(probs[:, k], source[:, k])})
    return tests, untested


def _add_holm(entries: Sequence[dict[str, Any]]) -> None:
    """Set ``p_adjusted`` on each entry: Holm-adjusted (:func:`audit.stats.holm`) over the
    entries that have a ``p_value``."""
    tested = [e for e in entries if e["p_value"] is not None]
    for e in entries:
        e["p_adjusted"] = None
    for e, p in zip(tested, holm([e["p_value"] for e in tested])):
        e["p_adjusted"] = p


def _correct(tests: Sequence[dict[str, Any]], alpha: float) -> None:
    """Holm-correct the t-tests and, as their own family, the sign tests; mark the significant
    t-tests (Holm-adjusted p below ``alpha``)."""
    _add_holm(tests)
    _add_holm([t["sign_test"] for t in tests])
    for t in tests:
        t["significant"] = t["p_adjusted"] is not None and t["p_adjusted"] < alpha


def counterfactual_summary(
    records: Sequence[Mapping[str, Any]],
    labels: Sequence[str],
    *,
    min_group_size: int = MIN_GROUP_SIZE,
    alpha: float = ALPHA,
    seed: int = 0,
    n_resamples: int = 1000,
) -> dict[str, Any]:
    """The ``bias`` summary of a paired counterfactual suite's scored records.

    Reads these ``meta`` keys of each record: ``attribute``, ``group``, ``source_group``,
    ``origin`` (``template`` or ``test``) and, on template cases, ``person`` (the demographics of
    the person phrase, ``{attribute: group}``). Template records with a gold label are
    disaggregated by ``person`` (per-group accuracy and gaps, intersections); records with
    ``source_probs`` are the counterfactual pairs behind the flip rates, probability changes and
    paired tests, Holm-corrected over all tests of the summary.
    """
    index = {label: i for i, label in enumerate(labels)}
    attributes = list(dict.fromkeys(r["meta"]["attribute"] for r in records if r["meta"].get("attribute")))
    scored = [r for r in records if r["meta"].get("origin") == "template" and r.get("label") is not None]
    out = disaggregate([index[r["label"]] for r in scored], [index[r["pred"]] for r in scored],
                       {a: [r["meta"].get("person", {}).get(a) for r in scored] for a in attributes},
                       labels, min_group_size=min_group_size, seed=seed, n_resamples=n_resamples)
    pairs = [r for r in records if r.get("source_probs") is not None and r["meta"].get("attribute")]
    tests, untested = paired_tests(pairs, labels, min_pairs=min_group_size)
    _correct(tests, alpha)
    for attribute in attributes:
        section = out["attributes"][attribute]
        rows = [r for r in pairs if r["meta"]["attribute"] == attribute]
        section["tests"] = [t for t in tests if t["attribute"] == attribute]
        section["untested"] = [u for u in untested if u["attribute"] == attribute]
        section["counterfactual"] = _counterfactual(rows, labels) if rows else None
    out["correction"] = {"method": "holm", "alpha": alpha,
                         "n_tests": sum(t["p_value"] is not None for t in tests)}
    return out


def combine(counterfactual: Mapping[str, Any] | None, data: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """The ``bias`` section of ``results.json`` from the identity suite's counterfactual summary
    and/or the group-column disaggregation, in the one shape of this module.

    Each attribute records its ``source`` (``identity suite`` or ``group column``); a group column
    named like a counterfactual attribute is keyed ``<name> (data)``. ``None`` when neither exists.
    """
    if counterfactual is None and data is None:
        return None
    first = counterfactual or data
    out: dict[str, Any] = {key: first[key] for key in ("labels", "min_group_size", "ci")}
    out["attributes"], out["intersections"] = {}, {}
    for part, source in ((counterfactual, "identity suite"), (data, "group column")):
        if part is None:
            continue
        for kind in ("attributes", "intersections"):
            for name, section in part[kind].items():
                key = f"{name} (data)" if name in out[kind] else name
                out[kind][key] = {**section, "source": source}
    if counterfactual is not None and "correction" in counterfactual:
        out["correction"] = counterfactual["correction"]
    return out
