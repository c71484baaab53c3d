"""Checks of per-case records (``predictions.jsonl``) and of a gate baseline's outcomes: each
record's keys and types, then every count the results state reproduced from the records.
"""
from __future__ import annotations

from collections import Counter
from typing import Any, Iterable, Mapping, Sequence

import numpy as np

from ..data import texts_sha256
from ..metrics import reliability_bins
from . import closed_forms
from .access import TOLERANCE, Invalid, KeyPath, check_kind, close, equal, field, is_number, show

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
            raise Invalid(where + (key,), f"{show(record[key])} is not one of model.labels")
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
    split = {r["id"]: r for r in by_suite.get("test", [])}
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
        if name == "test" and full:
            _check_texts(results["dataset"], rows, source)
        tested = [r for r in rows if not r.get("no_op")]  # a no-op case is counted, never scored
        gold = [r for r in tested if r.get("label") is not None]
        if section.get("metrics") is not None and (full or name == "test"):  # outcomes do not mark no-ops
            cm = _confusion(gold, index, "label", "pred")
            equal(section["metrics"]["confusion_matrix"]["counts"], cm.tolist(),
                  where + ("metrics", "confusion_matrix", "counts"), source)
            calib = section["metrics"].get("calibration")
            if calib is not None and full:
                _check_calibration_from(calib, gold, index, where + ("metrics", "calibration"))
        elif gold and name == "test":
            raise Invalid(where + ("metrics",), f"missing, but {len(gold)} of {source} carry gold labels")
        if name == "test" and full and results.get("label_issues") is not None:
            _check_label_issues(results["label_issues"], split, index)
        if name != "test":
            _check_suite_counts(section, rows, tested, index, where, full, source)
            if full:
                _check_verdicts(rows, labels, split, where)


def _check_texts(dataset: Mapping[str, Any], rows: Sequence[Mapping[str, Any]], source: str) -> None:
    """The split's texts in the records (in case-id order ``test-0, test-1 ...``) against
    ``dataset.texts_sha256``, hashed as :func:`audit.data.texts_sha256` hashes the loaded split:
    an edited or swapped text is refused."""
    stored = dataset.get("texts_sha256")
    if stored is None:
        return
    check_kind(stored, "str", ("dataset", "texts_sha256"))
    order = sorted(rows, key=lambda r: (len(r["id"]), r["id"]))
    equal(stored, texts_sha256(r["text"] for r in order), ("dataset", "texts_sha256"),
          f"the texts in {source}")


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
                    raise Invalid(at + (key,), f"{show(value)} is not one of model.labels")
            equal(outcome["correct"], None if label is None else pred == label, at + ("correct",), "label and pred")
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
    probs = np.array([r["probs"] for r in gold], dtype=np.float64)
    y_true = np.array([index[r["label"]] for r in gold])
    ece, bins = reliability_bins(probs, y_true, n_bins=calib["n_bins"])
    computed = {"ece": ece, "brier": closed_forms.brier(probs, y_true), "nll": closed_forms.log_loss(probs, y_true)}
    for key in ("ece", "brier", "nll"):
        close(calib[key], computed[key], where + (key,), "the predictions")
    for i, (stored, fresh) in enumerate(zip(calib["bins"], bins)):
        equal(stored["count"], fresh["count"], where + ("bins", i, "count"), "the predictions")
        for key in ("accuracy", "confidence"):
            if fresh[key] is not None:
                close(stored[key], fresh[key], where + ("bins", i, key), "the predictions")


def _rate_counts(rate: Mapping[str, Any] | None) -> tuple[int, int] | None:
    return None if rate is None else (rate["successes"], rate["n"])


def _passes(rows: Iterable[Mapping[str, Any]]) -> tuple[int, int]:
    judged = [r["passed"] for r in rows if r.get("passed") is not None]
    return sum(judged), len(judged)


def _check_label_issues(section: Mapping[str, Any], split: Mapping[str, Mapping[str, Any]],
                        index: Mapping[str, int]) -> None:
    """Each suspected label error against its test record (given label the record's gold label,
    suggested label its prediction, confidence its highest probability, label quality its
    probability of the given label, read as the search reads them: :func:`audit.label_issues.as_searched`),
    and the sensitivity analysis's metrics recomputed from the records without the flagged ones."""
    from ..label_issues import as_searched
    from ..metric_registry import headline_metrics

    where = ("label_issues",)
    if not section.get("skipped"):
        equal(section["n_scored"], sum(r.get("label") is not None for r in split.values()), where + ("n_scored",),
              "the labelled test records")
    for i, issue in enumerate(section["issues"]):
        at, record = where + ("issues", i), split.get(issue["id"])
        if record is None or record.get("label") is None:
            raise Invalid(at + ("id",), f"{issue['id']!r} is not a labelled test case")
        probs = as_searched(np.asarray([record["probs"]], dtype=np.float64))[0]
        for key, value in (("given_label", record["label"]), ("suggested_label", record["pred"])):
            equal(issue[key], value, at + (key,), f"test case {issue['id']!r}")
        close(issue["confidence"], float(probs.max()), at + ("confidence",), f"test case {issue['id']!r}")
        close(issue["label_quality"], float(probs[index[record["label"]]]), at + ("label_quality",),
              f"test case {issue['id']!r}")
    sensitivity = section.get("sensitivity")
    if sensitivity is not None:
        flagged = {issue["id"] for issue in section["issues"]}
        cm = _confusion([r for r in split.values() if r.get("label") is not None and r["id"] not in flagged],
                        index, "label", "pred")
        equal(sensitivity["n"], int(cm.sum()), where + ("sensitivity", "n"), "the test records without the flagged ones")
        for name, declared in headline_metrics().items():
            close(sensitivity[name]["value"], float(declared.confusion(cm)), where + ("sensitivity", name, "value"),
                  "the test records without the flagged ones")


def _check_verdicts(rows: Sequence[Mapping[str, Any]], labels: Sequence[str],
                    split: Mapping[str, Mapping[str, Any]], where: KeyPath) -> None:
    """Each case of a generated suite judged again from its own record: its source prediction is
    the highest of its source probabilities, a source from the test split has that record's text
    and probabilities, and ``passed`` is what its expectation gives (None for a no-op). An edited
    verdict, expectation or source would otherwise move a pass rate with every count intact."""
    from ..suite import TEST_TYPES, Expectation

    for r in rows:
        case = f"case {r['id']!r}"
        source_probs = r.get("source_probs")
        if source_probs is not None and r.get("source_pred") != labels[int(np.argmax(source_probs))]:
            raise Invalid(where, f"{case}: source_pred is {show(r.get('source_pred'))} but the highest source "
                                 f"probability is {labels[int(np.argmax(source_probs))]!r}")
        origin = split.get(r.get("source_id"))
        if origin is not None and r.get("source_text") is not None and (
                r["source_text"] != origin["text"] or source_probs is None
                or not np.allclose(source_probs, origin["probs"], rtol=0, atol=TOLERANCE)):
            raise Invalid(where, f"{case}: its source text or probabilities differ from test case "
                                 f"{r['source_id']!r}")
        expectation = r.get("expectation") or {}
        if expectation.get("kind") not in TEST_TYPES:
            raise Invalid(where, f"{case}: expectation kind {show(expectation.get('kind'))} is not one of "
                                 f"{', '.join(TEST_TYPES)}")
        judged = None if r.get("no_op") else Expectation.from_json(expectation).check(
            r["pred"], r.get("label"), r.get("source_pred"))
        if r.get("passed") != judged:
            raise Invalid(where, f"{case}: passed is {show(r.get('passed'))} but its expectation gives {show(judged)}")


def _check_suite_counts(section: Mapping[str, Any], rows: Sequence[Mapping[str, Any]],
                        tested: Sequence[Mapping[str, Any]], index: Mapping[str, int], where: KeyPath,
                        full: bool, source: str) -> None:
    """A suite's pass counts (and with ``full`` records its no-op, flip, per-rule and breakdown
    counts) recomputed from its records; ``tested`` are those that are not no-ops."""
    equal(_rate_counts(section["pass_rate"]), _passes(rows), where + ("pass_rate",), f"{source} (passed, judged)")
    if not full:
        return
    if "n_noop" in section:
        equal(section["n_noop"], len(rows) - len(tested), where + ("n_noop",), f"{source} (no-op cases)")
    paired = [r for r in tested if r.get("source_pred") is not None]
    flips = sum(r["pred"] != r["source_pred"] for r in paired)
    equal(_rate_counts(section.get("flip_rate")), (flips, len(paired)) if paired else None,
          where + ("flip_rate",), "the predictions (flips, cases with a source)")
    if section.get("flip_matrix") is not None:
        equal(section["flip_matrix"]["counts"], _confusion(paired, index, "source_pred", "pred").tolist(),
              where + ("flip_matrix", "counts"), "the predictions")
    by_rule = section.get("by_rule")
    if by_rule:
        groups: dict[str, list[Mapping[str, Any]]] = {}
        for r in rows:
            groups.setdefault("null" if r.get("rule") is None else r["rule"], []).append(r)
        equal(sorted(by_rule), sorted(groups), where + ("by_rule",), "the predictions (rules)")
        for rule, members in groups.items():
            equal(_rate_counts(by_rule[rule]["pass_rate"]), _passes(members), where + ("by_rule", rule, "pass_rate"),
                  "the predictions (passed, judged)")
    for key, stored in (section.get("breakdowns") or {}).items():
        counts = Counter(str((r.get("meta") or {}).get(key)) for r in rows)
        equal({v: g["n"] for v, g in stored.items()}, dict(counts), where + ("breakdowns", key),
              "the predictions (cases per value)")
