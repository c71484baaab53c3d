"""Scoring a generated suite: the pure step from predictions to its ``results.json`` section.

:func:`score_suite` takes the predicted probabilities of every text and returns the suite's
section (pass and flip rates with Wilson intervals, per-rule and breakdown figures, metrics where
cases carry gold labels, the generator's ``extra``) and one record per case for
``predictions.jsonl``; :func:`cases_hash` fingerprints the cases it scored. :mod:`audit.suite`
exports these as part of the suite API.
"""
from __future__ import annotations

import hashlib
import inspect
import json
from typing import TYPE_CHECKING, Any, Callable, Collection, Mapping, Sequence

import numpy as np

from .metrics import classification_metrics, confusion_counts, rate_with_ci

if TYPE_CHECKING:
    from .suite import Case, GeneratedSuite, SuiteSpec


#: ``json.dumps(row, sort_keys=True, ensure_ascii=False, default=list)``, without building an
#: encoder for every case.
_CASE_JSON = json.JSONEncoder(sort_keys=True, ensure_ascii=False, default=list)


def cases_hash(cases: Sequence[Case]) -> str:
    """sha256 of the cases' canonical JSON: equal hashes mean identical generated suites."""
    h = hashlib.sha256()
    for case in cases:
        # the row dataclasses.asdict gives, built directly (asdict deep-copies every value)
        row = {**vars(case), "expectation": vars(case.expectation)}
        h.update(_CASE_JSON.encode(row).encode())
        h.update(b"\n")
    return h.hexdigest()


def score_suite(
    spec: SuiteSpec,
    suite: GeneratedSuite,
    labels: Sequence[str],
    probs_of: Callable[[str], np.ndarray],
    *,
    seed: int,
    n_resamples: int,
    breakdown: Sequence[str] = (),
    extra: Callable[[Sequence[Mapping[str, Any]], Sequence[str]], dict[str, Any]] | None = None,
    noop: Collection[str] = frozenset(),
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Score a generated suite from the predicted probabilities of each text (label order).

    Returns ``(section, records)``: ``section`` is ``results.json``'s ``suites.<name>`` (pass rate
    with a Wilson 95% CI, flip rate and flip matrix over cases with a source, metrics over cases
    with gold labels, coverage, per-rule pass rates, breakdowns by the ``meta`` keys named in
    ``breakdown``, and ``extra``: whatever the generator module's optional
    ``summarize(records, labels)`` adds; a ``summarize`` that also takes ``seed`` and
    ``n_resamples`` keywords receives the audit's), ``records`` the per-case rows (``passed`` is
    None for unjudgeable cases).

    ``noop`` holds the ids of cases whose model input equals their source's (:mod:`audit.noop`):
    their records say ``no_op``, they are not judged, they are left out of flip rates, metrics
    and ``extra``, and they are counted per rule in ``coverage.<rule>.n_noop`` and ``n_noop``.
    """
    index = {label: i for i, label in enumerate(labels)}
    records = [case_record(spec.name, case, labels, probs_of, case.id in noop) for case in suite.cases]
    section: dict[str, Any] = {
        "kind": "suite",
        "description": spec.description,
        "test_type": spec.test_type,
        "n": len(records),
        "n_candidates": suite.n_candidates,
        "n_applicable": (len({c.source_id for c in suite.cases if c.source_id is not None})
                         if suite.n_candidates is not None
                         else len(records)),
        "cases_sha256": cases_hash(suite.cases),
        "coverage": {rule: {**counts, "n_noop": sum(r["no_op"] for r in records if r["rule"] == rule)}
                     for rule, counts in suite.coverage.items()},
    }
    section.update(summarize_records(records, labels, index, seed=seed, n_resamples=n_resamples))
    section["by_rule"] = {rule: _pass_summary(rows) for rule, rows in group_by(records, lambda r: r["rule"]).items()}
    section["breakdowns"] = {
        key: {str(v): summarize_records(rows, labels, index, seed=seed, n_resamples=0)
              for v, rows in group_by(records, lambda r, k=key: r["meta"].get(k)).items()}
        for key in breakdown
    }
    if extra is not None:
        tested = [r for r in records if not r["no_op"]]
        wants_seed = "seed" in inspect.signature(extra).parameters
        section["extra"] = (extra(tested, labels, seed=seed, n_resamples=n_resamples) if wants_seed
                            else extra(tested, labels))
    return section, records


def case_record(suite_name: str, case: Case, labels: Sequence[str], probs_of: Callable[[str], np.ndarray],
                no_op: bool) -> dict[str, Any]:
    """One case's ``predictions.jsonl`` row: its text, prediction and probabilities, its source's,
    the expectation and whether it passed (None for a no-op, which is not judged)."""
    probs = np.asarray(probs_of(case.text), dtype=np.float64)
    pred = labels[int(probs.argmax())]
    source_probs = (np.asarray(probs_of(case.source_text), dtype=np.float64) if case.source_text is not None
                    else None)
    source_pred = labels[int(source_probs.argmax())] if source_probs is not None else None
    passed = None if no_op else case.expectation.check(pred, case.label, source_pred)
    return {
        "suite": suite_name, "id": case.id, "text": case.text, "label": case.label,
        "pred": pred, "probs": probs.tolist(),
        "source_id": case.source_id, "source_text": case.source_text,
        "source_pred": source_pred,
        "source_probs": None if source_probs is None else source_probs.tolist(),
        "rule": case.rule, "expectation": case.expectation.to_json(), "passed": passed,
        "no_op": no_op, "meta": dict(case.meta),
    }


def summarize_records(
    records: Sequence[Mapping[str, Any]],
    labels: Sequence[str],
    index: Mapping[str, int] | None = None,
    *,
    seed: int,
    n_resamples: int,
) -> dict[str, Any]:
    """Pass rate, flip rate, flip matrix and (where gold exists) classification metrics; no-op
    records count in ``n`` and ``n_noop`` only."""
    index = index or {label: i for i, label in enumerate(labels)}
    out: dict[str, Any] = {"n": len(records), **_pass_summary(records)}
    records = [r for r in records if not r.get("no_op")]
    paired = [r for r in records if r.get("source_pred") is not None]
    flips = sum(r["pred"] != r["source_pred"] for r in paired)
    out["flip_rate"] = rate_with_ci(flips, len(paired)) if paired else None
    if paired:
        fm = confusion_counts(np.array([index[r["source_pred"]] for r in paired]),
                              np.array([index[r["pred"]] for r in paired]), len(labels))
        out["flip_matrix"] = {"labels": list(labels), "counts": fm.tolist(),
                              "rows": "source prediction", "columns": "perturbed prediction"}
    gold = [r for r in records if r.get("label") is not None]
    if gold:
        out["metrics"] = classification_metrics(
            np.array([index[r["label"]] for r in gold]), np.array([index[r["pred"]] for r in gold]),
            labels, n_resamples=n_resamples, seed=seed)
    return out


def _pass_summary(records: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    judged = [r for r in records if r.get("passed") is not None]
    return {"n_judged": len(judged), "n_noop": sum(bool(r.get("no_op")) for r in records),
            "pass_rate": rate_with_ci(sum(bool(r["passed"]) for r in judged), len(judged))}


def group_by(records: Sequence[Mapping[str, Any]], key: Callable[[Mapping[str, Any]], Any]) -> dict[Any, list]:
    """Records grouped by ``key(record)``, groups in order of first appearance."""
    groups: dict[Any, list] = {}
    for r in records:
        groups.setdefault(key(r), []).append(r)
    return groups
