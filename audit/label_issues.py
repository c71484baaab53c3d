"""Suspected label errors in the evaluated split, found by confident learning.

A test split with wrong gold labels caps every metric and turns correct predictions into reported
errors. :func:`find_label_issues` ranks the labelled texts whose gold label the model's
probabilities most contradict, with cleanlab's confident learning (Northcutt, Jiang and Chuang
2021, "Confident Learning: Estimating Uncertainty in Dataset Labels"):

1. per class, the model's average probability of that class on the texts labelled with it is the
   class's confidence threshold;
2. each text is counted in the *confident joint* under (given label, the class whose probability
   reaches its threshold, the most probable one if several do), which estimates how often each
   label was given in place of each true class;
3. from each given label's row, the texts with the lowest margin for their given label are pruned,
   as many as the off-diagonal counts of that row say are mislabelled (cleanlab's
   ``filter_by="prune_by_noise_rate"``, its default).

The flagged texts are ranked by *self-confidence*, the model's probability of the given label
(lowest first), and each carries the label the model suggests (its most probable class) and the
probability of that suggestion.

What this assumes: the probabilities are out-of-sample (the model never trained on these texts)
and roughly calibrated per class, and label errors depend on the true class, not on the text.
When it misleads: a model that learned the labels' systematic bias (distant supervision by
hashtags, say) agrees with the wrong labels and will not flag them; a model that is weak on a
class flags correct labels of that class. The flags are leads for a person to check, never
corrections, so the headline metrics stay on the whole split, and the metrics without the
flagged texts are reported beside them as a sensitivity analysis only.

Section shape (``results.json`` ``label_issues``)::

    {"method": "...", "library": {"name": "cleanlab", "version": "2.9.0"},
     "n_scored": 2000,               # labelled texts examined
     "n": 28,                        # texts flagged
     "rate": {value, ci_low, ci_high, successes, n},          # n / n_scored, Wilson 95%
     "issues": [{"id", "given_label", "suggested_label", "confidence", "label_quality"}, ...],
     "sensitivity": {"note": "...", "n": 1972,
                     "accuracy": {...}, "macro_f1": {...}, "weighted_f1": {...}},   # without the flagged
     "warnings": [],                 # cleanlab's ("may not flag all label issues in class surprise ...")
     "skipped": null}                # or the reason nothing was examined
"""
from __future__ import annotations

import re
import warnings
from importlib import metadata
from typing import Any, Mapping, Sequence

import numpy as np

from .metric_registry import headline_metrics
from .metrics import classification_metrics, rate_with_ci

#: cleanlab's filter (its default) and ranking, named in the section's ``method``.
FILTER_BY = "prune_by_noise_rate"
RANKED_BY = "self_confidence"
#: Fewer labelled texts than this and the per-class thresholds mean nothing: nothing is examined.
MIN_TEXTS = 50
#: Suspected issues listed in the report (all of them are in results.json).
N_SHOWN = 20
#: A class index in cleanlab's warnings ("... in class: 5, it has too few examples").
_CLASS = re.compile(r"class: (\d+)")
SENSITIVITY_NOTE = ("Sensitivity analysis: the same metrics with the suspected label errors left out. "
                    "The headline figures stay those of the whole split; these only show how far "
                    "suspected label errors could move them.")


def _method() -> str:
    return (f"cleanlab confident learning: find_label_issues(filter_by={FILTER_BY!r}) on the model's "
            f"probabilities for the evaluated split, ranked by {RANKED_BY} (the probability of the given "
            f"label, lowest first); suggested label = the most probable class")


def _library() -> dict[str, str]:
    try:
        version = metadata.version("cleanlab")
    except metadata.PackageNotFoundError:  # pragma: no cover - a declared dependency
        version = "unknown"
    return {"name": "cleanlab", "version": version}


def skipped(reason: str) -> dict[str, Any]:
    """The section when nothing could be examined (no gold labels, too few texts)."""
    return {"method": _method(), "library": _library(), "n_scored": 0, "n": 0, "rate": rate_with_ci(0, 0),
            "issues": [], "sensitivity": None, "warnings": [], "skipped": reason}


def flag(gold: np.ndarray, probs: np.ndarray, labels: Sequence[str]) -> tuple[np.ndarray, list[str]]:
    """Indices of the suspected label errors among ``gold`` (class indices) given ``probs``
    (one row per text), ranked most suspect first: cleanlab's ``find_label_issues``; and
    cleanlab's warnings (a class with too few texts to flag all its issues), with class names,
    kept for the section instead of printed."""
    from cleanlab.filter import find_label_issues as cleanlab_find

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        ranked = cleanlab_find(labels=gold, pred_probs=probs, filter_by=FILTER_BY,
                               return_indices_ranked_by=RANKED_BY, n_jobs=1)
    notes = [_CLASS.sub(lambda m: f"class {labels[int(m.group(1))]}", str(w.message)) for w in caught]
    return np.asarray(ranked, dtype=np.int64), list(dict.fromkeys(notes))


def as_searched(probs: np.ndarray) -> np.ndarray:
    """Probability rows as the search reads them, each made to sum to 1: cleanlab wants that, and
    a classifier's softmax is only so up to float rounding (readers recheck the stored figures
    the same way)."""
    return probs / probs.sum(axis=1, keepdims=True)


def find_label_issues(ids: Sequence[str], gold: Sequence[int | None], probs: np.ndarray, labels: Sequence[str],
                      *, seed: int = 0, n_resamples: int = 1000) -> dict[str, Any]:
    """The ``label_issues`` section for one split: ``gold`` class indices into ``labels`` (None
    for unlabelled texts, which are left out), ``probs`` the model's probabilities, rows in the
    order of ``ids``. The sensitivity metrics use the same bootstrap settings as the headline."""
    labelled = np.array([g is not None for g in gold], dtype=bool)
    if labelled.sum() < MIN_TEXTS:
        return skipped(f"fewer than {MIN_TEXTS} labelled texts ({int(labelled.sum())})")
    rows = np.flatnonzero(labelled)
    y = np.array([gold[i] for i in rows], dtype=np.int64)
    p = as_searched(np.asarray(probs, dtype=np.float64)[rows])
    ranked, notes = flag(y, p, labels)
    issues = [{"id": ids[rows[i]], "given_label": labels[y[i]], "suggested_label": labels[int(p[i].argmax())],
               "confidence": float(p[i].max()), "label_quality": float(p[i, y[i]])} for i in ranked]
    keep = np.ones(len(y), dtype=bool)
    keep[ranked] = False
    sensitivity = None
    if keep.any():
        m = classification_metrics(y[keep], p[keep].argmax(axis=1), labels, n_resamples=n_resamples, seed=seed)
        sensitivity = {"note": SENSITIVITY_NOTE, "n": m["n"], **{k: m[k] for k in headline_metrics()}}
    return {"method": _method(), "library": _library(), "n_scored": int(len(y)), "n": len(issues),
            "rate": rate_with_ci(len(issues), len(y)), "issues": issues, "sensitivity": sensitivity,
            "warnings": notes, "skipped": None}


def view(section: Mapping[str, Any] | None, headline: Mapping[str, Any] | None,
         records: Sequence[Mapping[str, Any]] | None, limit: int = N_SHOWN) -> dict[str, Any] | None:
    """What the report shows: the counts, the whole split against the split without the
    suspected issues (``headline`` is the split's ``metrics``), and the top ``limit`` issues with
    their texts when the per-case ``records`` are available."""
    if section is None:
        return None
    texts = {r["id"]: r["text"] for r in records or () if r.get("suite") == "test"}
    sensitivity = section.get("sensitivity")
    rows = []
    if sensitivity and headline:
        rows = [{"name": name, "whole": headline[key], "without": sensitivity[key],
                 "change": sensitivity[key]["value"] - headline[key]["value"]}
                for key, name in (("accuracy", "Accuracy"), ("macro_f1", "Macro F1"), ("weighted_f1", "Weighted F1"))]
    return {
        "method": section["method"], "library": section.get("library") or {}, "skipped": section.get("skipped"),
        "n": section["n"], "n_scored": section["n_scored"], "rate": section["rate"],
        "n_without": sensitivity["n"] if sensitivity else None, "sensitivity": rows,
        "note": sensitivity["note"] if sensitivity else SENSITIVITY_NOTE,
        "issues": [{**issue, "text": texts.get(issue["id"])} for issue in section["issues"][:limit]],
        "warnings": section.get("warnings") or [],
        "has_texts": bool(texts),
    }


def summary(section: Mapping[str, Any] | None, headline: Mapping[str, Any] | None) -> str | None:
    """One sentence for the limitations: how many texts are suspected and how far leaving them
    out would move accuracy (a sensitivity analysis, not a corrected score)."""
    if not section or section.get("skipped") or not section["n"]:
        return None
    text = (f"cleanlab's confident learning flags {section['n']:,} of {section['n_scored']:,} test texts "
            f"({100 * section['rate']['value']:.1f}%) as suspected label errors")
    sensitivity = section.get("sensitivity")
    if sensitivity and headline:
        text += (f"; without them accuracy would be {sensitivity['accuracy']['value']:.4f} instead of "
                 f"{headline['accuracy']['value']:.4f} (a sensitivity analysis: the headline stays on the whole split)")
    return text + ". Check the listed texts before trusting per-class errors."


def check_section(section: Mapping[str, Any], where: tuple[Any, ...], labels: Sequence[str]) -> None:
    """Refuse a ``label_issues`` section the report could not trust (raises
    :class:`audit.validate.Invalid`): the documented keys and types, ``n`` equal to the number of
    issues and to ``rate.successes``, labels among the model's, probabilities in [0, 1]."""
    from .validate import Invalid, check_estimate, check_kind, field

    field(section, where, "method", "str")
    n = field(section, where, "n", "count")
    n_scored = field(section, where, "n_scored", "count")
    rate = field(section, where, "rate", "map")
    check_estimate(rate, where + ("rate",))
    if (rate.get("successes"), rate.get("n")) != (n, n_scored):
        raise Invalid(where + ("rate",), f"must count {n} of {n_scored} (n of n_scored)")
    field(section, where, "skipped", "str", optional=True, nullable=True)
    for i, note in enumerate(field(section, where, "warnings", "list", optional=True) or []):
        check_kind(note, "str", where + ("warnings", i))
    issues = field(section, where, "issues", "list")
    if len(issues) != n:
        raise Invalid(where + ("issues",), f"holds {len(issues)} issues but n is {n}")
    seen: set[str] = set()
    for i, issue in enumerate(issues):
        at = where + ("issues", i)
        check_kind(issue, "map", at)
        cid = field(issue, at, "id", "str")
        if cid in seen:
            raise Invalid(at + ("id",), f"{cid!r} is listed twice")
        seen.add(cid)
        for key in ("given_label", "suggested_label"):
            if field(issue, at, key, "str") not in labels:
                raise Invalid(at + (key,), f"{issue[key]!r} is not one of model.labels")
        for key in ("confidence", "label_quality"):
            field(issue, at, key, "prob")
    sensitivity = field(section, where, "sensitivity", "map", optional=True, nullable=True)
    if sensitivity is not None:
        sw = where + ("sensitivity",)
        field(sensitivity, sw, "note", "str")
        if field(sensitivity, sw, "n", "count") + n != n_scored:
            raise Invalid(sw + ("n",), f"is {sensitivity['n']} but n_scored - n = {n_scored - n}")
        for key in headline_metrics():
            check_estimate(field(sensitivity, sw, key, "map"), sw + (key,), inside=True)
            field(sensitivity[key], sw + (key,), "value", "prob")
