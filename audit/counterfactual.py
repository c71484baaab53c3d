"""Counterfactual analysis of a paired suite's scored records (the ``identity`` suite).

:func:`counterfactual_summary` disaggregates the template cases by the demographics of their
person phrase (:func:`audit.disaggregation.disaggregate`) and adds, per attribute, flip rates,
probability changes and paired significance tests (a paired t-test and a sign test per cell and
label, Holm-corrected over all tests of the summary): the keys marked *cf* in the ``bias``
section's shape (:mod:`audit.bias`).

In ``counterfactual``, ``n`` counts pairs and ``n_sources`` the distinct source texts they were
made from: a test text swapped to every other nationality gives one pair per target, and those
pairs are not independent observations (they share the text), so read a flip rate against
``n_sources`` as well as ``n``. A ``{rate}`` is :func:`audit.metrics.rate_with_ci` (Wilson
interval).

This module reads records only: it depends on the metrics, the statistics and the disaggregation,
never on the suite framework, so a generator can summarise its own suite with it.
"""
from __future__ import annotations

from typing import Any, Mapping, Sequence

import numpy as np

from .disaggregation import MIN_GROUP_SIZE, disaggregate
from .metrics import ALPHA, CI_LEVEL, rate_with_ci
from .scoring import group_by
from .stats import holm

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
