"""Discovered slices: where the model is significantly worse than on the rest of the split.

The suites test what the user asked about; this looks for what nobody asked about. Every
*candidate* (:mod:`audit.slice_candidates`: length buckets, negation, intensifiers, questions,
elongation, first-person feeling verbs, identity mentions, frequent words) splits the labelled
texts of the evaluated split in two by one text property.

A candidate is tested when both sides hold at least :data:`MIN_SLICE` labelled texts (smaller
ones are counted, not tested) and it is not the same split as an earlier candidate. Each test
compares accuracy on the two sides with Fisher's exact test (two-sided, ``scipy.stats.fisher_exact``
on the 2x2 table of side x correct); the p-values of all tested candidates are adjusted with
Benjamini-Hochberg (:func:`audit.stats.benjamini_hochberg`), and a candidate is significant when
its adjusted p-value is below :data:`~audit.metrics.ALPHA` (a false-discovery rate of 5%: among
the slices reported, about one in twenty may be a false lead). For each significant candidate the
*worse* side is reported as the slice: its accuracy (Wilson 95%) and macro F1 (percentile
bootstrap 95%) against the rest, the accuracy difference, and the misclassified texts the model
was most confident about. Slices are ordered by effect, the largest accuracy drop first.

Section shape (``results.json`` ``slices``)::

    {"method": "...", "min_size": 30,
     "correction": {"method": "benjamini-hochberg", "alpha": 0.05, "n_tests": 170},
     "n_candidates": 190, "n_tested": 170, "n_too_small": 18, "n_duplicate": 2, "n_significant": 3,
     "tested": [{"family", "name", "complement", "n", "n_complement", "accuracy": {rate},
                 "complement_accuracy": {rate}, "difference", "p_value", "p_adjusted", "significant"}],
     "significant": [{"family", "name", "rest", "n", "accuracy": {rate}, "macro_f1": {score},
                      "rest_n", "rest_accuracy": {rate}, "rest_macro_f1": {score}, "difference",
                      "p_value", "p_adjusted", "examples": [{"id", "label", "pred", "confidence"}]}],
     "worst": {"name", "accuracy": {rate}} or null}      # the significant slice of lowest accuracy
"""
from __future__ import annotations

from typing import Any, Mapping, Sequence

import numpy as np

from .metrics import ALPHA, classification_metrics, rate_with_ci
from .model import CHARS_PER_TOKEN
from .slice_candidates import MIN_SLICE, Candidate, candidates
from .stats import benjamini_hochberg
from .validate.access import Invalid, KeyPath, check_kind, close, field
from .validate.figures import check_estimate

#: Misclassified texts kept per significant slice (the most confident errors).
N_EXAMPLES = 3


# --------------------------------------------------------------------------- tests

def fisher_p(correct_a: int, n_a: int, correct_b: int, n_b: int) -> float:
    """Two-sided Fisher exact test of equal accuracy on two disjoint sets of texts."""
    from scipy import stats  # imported where used: scipy loads only when a test runs

    table = [[correct_a, n_a - correct_a], [correct_b, n_b - correct_b]]
    return float(stats.fisher_exact(table, alternative="two-sided").pvalue)


def _examples(rows: np.ndarray, y_true: np.ndarray, y_pred: np.ndarray, probs: np.ndarray,
              ids: Sequence[str], labels: Sequence[str]) -> list[dict[str, Any]]:
    """The misclassified texts among ``rows`` the model was most confident about."""
    wrong = [i for i in rows if y_true[i] != y_pred[i]]
    wrong.sort(key=lambda i: (-float(probs[i].max()), i))
    return [{"id": ids[i], "label": labels[y_true[i]], "pred": labels[y_pred[i]], "confidence": float(probs[i].max())}
            for i in wrong[:N_EXAMPLES]]


def discover_slices(ids: Sequence[str], texts: Sequence[str], gold: Sequence[int | None], probs: np.ndarray,
                    labels: Sequence[str], *, seed: int = 0, n_resamples: int = 1000,
                    min_size: int = MIN_SLICE, alpha: float = ALPHA, max_length: int = 512) -> dict[str, Any]:
    """The ``slices`` section: ``gold`` class indices into ``labels`` (None: unlabelled, left
    out), ``probs`` the model's probabilities, rows in the order of ``ids`` and ``texts``;
    ``max_length`` is the model's token limit, which bounds how much of each text is read."""
    rows = np.array([i for i, g in enumerate(gold) if g is not None], dtype=np.int64)
    ids = [ids[i] for i in rows]
    y_true = np.array([gold[i] for i in rows], dtype=np.int64)
    p = np.asarray(probs, dtype=np.float64)[rows] if len(rows) else np.zeros((0, len(labels)))
    y_pred = p.argmax(axis=1) if len(rows) else np.zeros(0, dtype=np.int64)
    correct = y_true == y_pred
    found = candidates([texts[i] for i in rows], min_size, max_length * CHARS_PER_TOKEN)
    tested, seen = [], set()
    n_small = n_duplicate = 0
    for c in found:
        if min(c.size, len(rows) - c.size) < min_size:
            n_small += 1
            continue
        key = c.partition_key()
        if key in seen:
            n_duplicate += 1
            continue
        seen.add(key)
        tested.append((c, _side_test(c, correct)))
    adjusted = benjamini_hochberg([t["p_value"] for _, t in tested])
    for (_, t), q in zip(tested, adjusted):
        t["p_adjusted"] = q
        t["significant"] = q < alpha
    significant = [_slice(c, t, y_true, y_pred, p, ids, labels, seed, n_resamples)
                   for c, t in tested if t["significant"]]
    significant.sort(key=lambda s: (s["difference"], s["name"]))
    worst = min(significant, key=lambda s: (s["accuracy"]["value"], s["name"]), default=None)
    return {
        "method": ("candidate slices from text properties and frequent words; accuracy on each side "
                   "compared with Fisher's exact test (two-sided); Benjamini-Hochberg across all tested "
                   "candidates; the worse side of each significant candidate is reported"),
        "min_size": min_size,
        "correction": {"method": "benjamini-hochberg", "alpha": alpha, "n_tests": len(tested)},
        "n_candidates": len(found), "n_tested": len(tested), "n_too_small": n_small,
        "n_duplicate": n_duplicate, "n_significant": len(significant),
        "tested": [t for _, t in tested],
        "significant": significant,
        "worst": {"name": worst["name"], "accuracy": worst["accuracy"]} if worst else None,
    }


def _side_test(c: Candidate, correct: np.ndarray) -> dict[str, Any]:
    """Accuracy of both sides of a candidate, their difference and Fisher's p-value."""
    inside = int(correct[c.rows].sum())
    a = rate_with_ci(inside, c.size)
    b = rate_with_ci(int(correct.sum()) - inside, c.n - c.size)
    return {"family": c.family, "name": c.name, "complement": c.complement, "n": c.size,
            "n_complement": c.n - c.size, "accuracy": a, "complement_accuracy": b,
            "difference": a["value"] - b["value"],
            "p_value": fisher_p(a["successes"], a["n"], b["successes"], b["n"])}


def _slice(c: Candidate, t: Mapping[str, Any], y_true: np.ndarray, y_pred: np.ndarray, probs: np.ndarray,
           ids: Sequence[str], labels: Sequence[str], seed: int, n_resamples: int) -> dict[str, Any]:
    """The worse side of a significant candidate, with macro F1 intervals and examples."""
    worse = c.mask if t["difference"] <= 0 else ~c.mask
    name, rest = (c.name, c.complement) if t["difference"] <= 0 else (c.complement, c.name)

    def scores(mask: np.ndarray) -> dict[str, Any]:
        return classification_metrics(y_true[mask], y_pred[mask], labels, n_resamples=n_resamples, seed=seed)

    inside, outside = scores(worse), scores(~worse)
    accuracy = rate_with_ci(int((y_true[worse] == y_pred[worse]).sum()), int(worse.sum()))
    rest_accuracy = rate_with_ci(int((y_true[~worse] == y_pred[~worse]).sum()), int((~worse).sum()))
    return {"family": c.family, "name": name, "rest": rest, "n": accuracy["n"], "accuracy": accuracy,
            "macro_f1": inside["macro_f1"], "rest_n": rest_accuracy["n"], "rest_accuracy": rest_accuracy,
            "rest_macro_f1": outside["macro_f1"], "difference": accuracy["value"] - rest_accuracy["value"],
            "p_value": t["p_value"], "p_adjusted": t["p_adjusted"],
            "examples": _examples(np.flatnonzero(worse), y_true, y_pred, probs, ids, labels)}


# --------------------------------------------------------------------------- report

def view(section: Mapping[str, Any] | None, records: Sequence[Mapping[str, Any]] | None) -> dict[str, Any] | None:
    """What the report shows: the counts, the significant slices with their examples' texts
    (when the per-case ``records`` are available), and every tested candidate."""
    if section is None:
        return None
    texts = {r["id"]: r["text"] for r in records or () if r.get("suite") == "test"}
    return {
        **{k: section[k] for k in ("method", "min_size", "correction", "n_candidates", "n_tested", "n_too_small",
                                   "n_duplicate", "n_significant")},
        "significant": [{**s, "examples": [{**e, "text": texts.get(e["id"])} for e in s["examples"]]}
                        for s in section["significant"]],
        "tested": sorted(section["tested"], key=lambda t: (t["p_value"], t["name"])),
        "has_texts": bool(texts),
    }


def summary(section: Mapping[str, Any] | None) -> str | None:
    """One sentence for the limitations: the significantly worse slices, largest effect first."""
    if not section or not section["significant"]:
        return None
    listed = "; ".join(f"{s['name']} ({100 * s['accuracy']['value']:.1f}% vs {100 * s['rest_accuracy']['value']:.1f}%, "
                       f"n = {s['n']:,})" for s in section["significant"][:5])
    more = len(section["significant"]) - 5
    return (f"Of {section['n_tested']:,} candidate slices tested, {len(section['significant'])} are "
            f"significantly worse "
            f"than the rest of the split (Benjamini-Hochberg, FDR {section['correction']['alpha']:g}): {listed}"
            + (f"; and {more} more in the report" if more > 0 else "") + ".")


# --------------------------------------------------------------------------- validation

def _rate(node: Mapping[str, Any], at: KeyPath, key: str) -> float:
    """The value of the interval estimate ``node[key]``, checked."""
    check_estimate(field(node, at, key, "map"), at + (key,))
    return field(node[key], at + (key,), "value", "prob")


def _check_side(entry: Any, at: KeyPath, names: Sequence[str], other: str) -> None:
    """A tested candidate or a slice: a map, its ``names`` strings, and its ``difference`` equal
    to its ``accuracy`` minus its ``other`` accuracy."""
    check_kind(entry, "map", at)
    for key in names:
        field(entry, at, key, "str")
    close(field(entry, at, "difference", "num"), _rate(entry, at, "accuracy") - _rate(entry, at, other),
          at + ("difference",), "the two accuracies")


def _check_tested(tested: Sequence[Any], where: KeyPath, alpha: float) -> None:
    """Each tested candidate, and its ``p_adjusted`` and ``significant`` recomputed with
    Benjamini-Hochberg over all the p-values."""
    totals = set()
    for i, t in enumerate(tested):
        at = where + ("tested", i)
        _check_side(t, at, ("family", "name", "complement"), "complement_accuracy")
        for key, rate in (("n", "accuracy"), ("n_complement", "complement_accuracy")):
            if field(t, at, key, "count") != t[rate]["n"]:
                raise Invalid(at + (key,), f"is {t[key]} but {rate}.n is {t[rate]['n']}")
        totals.add(t["n"] + t["n_complement"])
        if len(totals) > 1:
            raise Invalid(at, f"splits {t['n'] + t['n_complement']} texts where another candidate splits "
                              f"{min(totals - {t['n'] + t['n_complement']})}")
        for key in ("p_value", "p_adjusted"):
            field(t, at, key, "prob")
        field(t, at, "significant", "bool")
    for i, q in enumerate(benjamini_hochberg([t["p_value"] for t in tested])):
        at = where + ("tested", i)
        close(tested[i]["p_adjusted"], q, at + ("p_adjusted",), "Benjamini-Hochberg over the p-values")
        if tested[i]["significant"] != (q < alpha):
            raise Invalid(at + ("significant",), f"must be {q < alpha} (adjusted p {q:.3g}, alpha {alpha:g})")


def _check_significant(significant: Sequence[Any], where: KeyPath, labels: Sequence[str]) -> None:
    """Each significant slice: its accuracies and macro F1 estimates, p-values and examples."""
    for i, s in enumerate(significant):
        at = where + ("significant", i)
        _check_side(s, at, ("family", "name", "rest"), "rest_accuracy")
        for key in ("macro_f1", "rest_macro_f1"):
            check_estimate(field(s, at, key, "map"), at + (key,))
        for key in ("p_value", "p_adjusted"):
            field(s, at, key, "prob")
        for j, example in enumerate(field(s, at, "examples", "list")):
            ex = at + ("examples", j)
            check_kind(example, "map", ex)
            field(example, ex, "id", "str")
            field(example, ex, "confidence", "prob")
            for key in ("label", "pred"):
                if field(example, ex, key, "str") not in labels:
                    raise Invalid(ex + (key,), f"{example[key]!r} is not one of model.labels")


def _check_worst(section: Mapping[str, Any], where: KeyPath, significant: Sequence[Mapping[str, Any]]) -> None:
    """``worst``: the significant slice of lowest accuracy, or null when there is none."""
    worst = field(section, where, "worst", "map", nullable=True)
    lowest = min(significant, key=lambda s: (s["accuracy"]["value"], s["name"]), default=None)
    if (worst is None) != (lowest is None) or (worst is not None and (
            field(worst, where + ("worst",), "name", "str") != lowest["name"]
            or _rate(worst, where + ("worst",), "accuracy") != lowest["accuracy"]["value"])):
        raise Invalid(where + ("worst",), "must be the significant slice of lowest accuracy (or null when none)")


def check_section(section: Mapping[str, Any], where: KeyPath, labels: Sequence[str]) -> None:
    """Refuse a ``slices`` section the report and the gate could not trust (raises
    :class:`audit.validate.Invalid`): the documented keys and types, counts that match the lists,
    each difference equal to its accuracies', the Benjamini-Hochberg adjustment recomputed from
    the p-values, and ``worst`` the significant slice of lowest accuracy."""
    field(section, where, "method", "str")
    field(section, where, "min_size", "count")
    correction = field(section, where, "correction", "map")
    alpha = field(correction, where + ("correction",), "alpha", "prob")
    for key in ("n_candidates", "n_tested", "n_too_small", "n_duplicate", "n_significant"):
        field(section, where, key, "count")
    tested = field(section, where, "tested", "list")
    significant = field(section, where, "significant", "list")
    for key, items, count in (("tested", tested, section["n_tested"]), ("significant", significant,
                                                                       section["n_significant"])):
        if len(items) != count:
            raise Invalid(where + (key,), f"holds {len(items)} entries but n_{key} is {count}")
    if field(correction, where + ("correction",), "n_tests", "count") != len(tested):
        raise Invalid(where + ("correction", "n_tests"), f"must equal the {len(tested)} tested candidates")
    _check_tested(tested, where, alpha)
    if len(significant) != sum(t["significant"] for t in tested):
        raise Invalid(where + ("significant",), "must hold one slice per significant tested candidate")
    _check_significant(significant, where, labels)
    _check_worst(section, where, significant)
