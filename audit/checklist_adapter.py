"""Run CheckList test suites against the audit's batched inference.

CheckList (Ribeiro et al., 2020) builds behavioural tests with its ``Editor`` and judges a
model's predictions with its expectation functions. This adapter runs a user's own CheckList
``TestSuite`` (or a single ``MFT``/``INV``/``DIR`` test) against any ``predict_proba``: it gathers
every example of every test, predicts them all in **one** batched call, hands the predictions back
to CheckList (``run_from_preds_confs``) so CheckList's expectations decide pass and fail exactly as
they would in CheckList itself, and reports the outcome in the audit's own shapes: a
``results.json`` section with Wilson intervals and per-example records like
:func:`audit.suite.score_suite`'s.

Conventions, CheckList's own for probabilistic classifiers: test labels are class indices into
``labels``; CheckList receives the argmax index as the prediction and the probability row as the
confidence, so ``Expect.eq()`` and ``INV``'s default ``Expect.inv(threshold)`` work as documented.
A test case is a text, or a list of texts; in ``INV`` and ``DIR`` tests the first text of a list is
the original the others are compared with.

CheckList is an optional dependency (see :data:`INSTALL_HINT` for the two-step install its 0.0.11
sdist needs). It is imported only when :func:`run_checklist_suite` runs, and only modules that work
offline are used (not ``checklist.perturb``, which downloads NLTK data on import).
"""
from __future__ import annotations

from typing import Any, Callable, Hashable, Mapping, Sequence

import numpy as np

from .errors import AuditError
from .metrics import rate_with_ci
from .model import whitespace_key

#: How users install the optional dependency; named in the error when it is missing. CheckList
#: 0.0.11 is an sdist whose setup.py runs pip and imports ``notebook`` while building, so it only
#: builds without build isolation, once its build-time needs are in place; ``ipython<9`` and
#: ``setuptools<82`` (``pkg_resources``, used by its ``iso-639`` dependency) are needed at run time.
INSTALL_HINT = ("pip install 'emotion-audit[checklist]'; CheckList 0.0.11 builds only without build "
                "isolation: pip install 'notebook<7' 'ipython<9' 'setuptools<82' wheel && "
                "pip install --no-build-isolation checklist==0.0.11")
#: CheckList's three test types, as the audit names them.
TEST_TYPE_NAMES: tuple[str, ...] = ("MFT", "INV", "DIR")

_SEQUENCES = (list, tuple, np.ndarray)


def _checklist_classes() -> tuple[type, dict[str, type]]:
    """CheckList's ``TestSuite`` class and its test classes by type name (imported lazily)."""
    try:
        from checklist.test_suite import TestSuite
        from checklist.test_types import DIR, INV, MFT
    except ImportError as exc:
        raise AuditError(f"CheckList is not installed ({exc}); install it with: {INSTALL_HINT}") from exc
    except Exception as exc:  # CheckList raises a bare Exception when IPython is too new for it
        raise AuditError(f"CheckList failed to import ({exc}); install it with: {INSTALL_HINT}") from exc
    return TestSuite, {"MFT": MFT, "INV": INV, "DIR": DIR}


def _test_type(test: Any, classes: Mapping[str, type]) -> str:
    """``MFT``, ``INV`` or ``DIR`` for a CheckList test object."""
    for name in TEST_TYPE_NAMES:
        if isinstance(test, classes[name]):
            return name
    raise AuditError(f"not a CheckList test or test suite: {type(test).__name__}")


def _collect_tests(suite: Any) -> list[dict[str, Any]]:
    """The tests of a suite (or the single test given) with their name, type and capability."""
    suite_class, classes = _checklist_classes()
    if isinstance(suite, suite_class):
        return [{"name": name, "test": test, "type": _test_type(test, classes),
                 "capability": suite.info[name].get("capability") or test.capability}
                for name, test in suite.tests.items()]
    kind = _test_type(suite, classes)
    return [{"name": suite.name or kind, "test": suite, "type": kind, "capability": suite.capability}]


def _per_item(values: Any, i: int) -> Any:
    """Item ``i`` of a CheckList attribute that is either one value for all items or a list with
    one per item: ``labels`` and ``meta`` per test case, and a test case's labels per example."""
    return values[i] if isinstance(values, _SEQUENCES) else values


def _check_labels(name: str, test: Any, n_labels: int) -> None:
    """Every label a test names must be ``None`` or a class index below ``n_labels``."""
    pending = [test.labels]
    while pending:
        value = pending.pop()
        if isinstance(value, _SEQUENCES):
            pending.extend(value)
        elif value is not None and not (isinstance(value, (int, np.integer)) and 0 <= value < n_labels):
            raise AuditError(f"CheckList test {name!r}: label {value!r} is not a class index in "
                             f"0..{n_labels - 1} (CheckList labels index the model's label order)")


def _as_texts(name: str, examples: Sequence[Any]) -> list[str]:
    """The test's examples, which must all be strings for a text classifier."""
    bad = next((x for x in examples if not isinstance(x, str)), None)
    if bad is not None:
        raise AuditError(f"CheckList test {name!r}: examples must be strings, got {type(bad).__name__}")
    return list(examples)


def _verdict(value: Any) -> bool | None:
    """CheckList's result for one example or test case: > 0 (or True) passes, None is not judged."""
    return None if value is None else bool(value > 0)


def _jsonable(meta: Any) -> dict[str, Any]:
    """A test case's CheckList ``meta`` (e.g. the template fillers) as a JSON-able dict."""
    if not isinstance(meta, Mapping):
        return {}
    return {str(k): v if isinstance(v, (str, int, float, bool, type(None))) else str(v) for k, v in meta.items()}


def _examples(entry: Mapping[str, Any]) -> list[str]:
    """Every example text of one collected test, in CheckList's order."""
    examples, _ = entry["test"].example_list_and_indices()
    return _as_texts(entry["name"], examples)


def checklist_texts(suite: Any) -> list[str]:
    """Every example text of a CheckList suite (or single test), as :func:`run_checklist_suite`
    predicts them: an audit adds them to its one inference pass, through the cache."""
    return [text for entry in _collect_tests(suite) for text in _examples(entry)]


def _texts_of(data: Any) -> list[str]:
    """The texts of one test case: a single text, or a list of texts."""
    return list(data) if isinstance(data, _SEQUENCES) else [data]


def _label_name(test: Any, i: int, j: int, labels: Sequence[str]) -> str | None:
    """The gold label name of example ``j`` of test case ``i`` (None when the test gives none)."""
    value = _per_item(_per_item(test.labels, i), j)
    return None if value is None else labels[int(value)]


def _testcase_rows(test: Any, probs: np.ndarray) -> list[np.ndarray]:
    """The probability rows of each test case, ``probs`` being the test's examples in order."""
    bounds = np.cumsum([0] + [len(_texts_of(d)) for d in test.data])
    return [probs[a:b] for a, b in zip(bounds[:-1], bounds[1:])]


def _has_source(entry: Mapping[str, Any], texts: Sequence[str]) -> bool:
    """Whether a test case's first text is the original the others are compared with."""
    return entry["type"] != "MFT" and len(texts) > 1


def _noop_flags(entry: Mapping[str, Any], keys: Mapping[str, Hashable]) -> list[list[bool]]:
    """Per test case and example: whether the example is a rewrite whose model input equals the
    original's (a no-op, :mod:`audit.noop`); originals and MFT examples are never no-ops."""
    flags = []
    for data in entry["test"].data:
        texts = _texts_of(data)
        source = _has_source(entry, texts)
        flags.append([source and j > 0 and keys[texts[j]] == keys[texts[0]] for j in range(len(texts))])
    return flags


def _all_noop(flags: Sequence[bool]) -> bool:
    """A test case whose every rewrite is a no-op tests nothing."""
    return len(flags) > 1 and all(flags[1:])


def _test_records(
    suite_name: str, entry: Mapping[str, Any], labels: Sequence[str], probs: np.ndarray,
    noop: Sequence[Sequence[bool]],
) -> list[dict[str, Any]]:
    """One record per judged example of a run test, shaped like ``score_suite``'s records.

    In ``INV``/``DIR`` test cases given as lists, the first text is the original: it becomes the
    ``source_*`` fields of the records of the others and gets no record of its own. No-op
    examples (``noop``) are recorded with ``no_op`` and not judged.
    """
    name, test = entry["name"], entry["test"]
    records: list[dict[str, Any]] = []
    for i, rows in enumerate(_testcase_rows(test, probs)):
        texts = _texts_of(test.data[i])
        results = np.atleast_1d(np.asarray(test.results.expect_results[i], dtype=object))
        has_source = _has_source(entry, texts)
        source = {"source_id": None, "source_text": None, "source_pred": None, "source_probs": None}
        if has_source:
            source = {"source_id": f"{suite_name}:{name}:{i}:0", "source_text": texts[0],
                      "source_pred": labels[int(rows[0].argmax())], "source_probs": [float(p) for p in rows[0]]}
        meta = {"test": name, "capability": entry["capability"], "testcase": i,
                "testcase_passed": None if _all_noop(noop[i]) else _verdict(test.results.passed[i]),
                **_jsonable(_per_item(test.meta, i))}
        for j in range(1 if has_source else 0, len(texts)):
            records.append({
                "suite": suite_name, "id": f"{suite_name}:{name}:{i}:{j}", "text": texts[j],
                "label": _label_name(test, i, j, labels),
                "pred": labels[int(rows[j].argmax())], "probs": [float(p) for p in rows[j]],
                **source, "rule": name, "expectation": {"kind": entry["type"]},
                "passed": None if noop[i][j] else _verdict(results[j]), "no_op": noop[i][j], "meta": dict(meta),
            })
    return records


def _test_section(entry: Mapping[str, Any], labels: Sequence[str], probs: np.ndarray, n_examples: int,
                  noop: Sequence[Sequence[bool]]) -> dict[str, Any]:
    """A run test's summary: CheckList's test-case counts, fail and pass rates with Wilson CIs,
    the no-op examples, and the first ``n_examples`` failing test cases. A test case whose
    every rewrite is a no-op is not judged; in a mixed one CheckList's verdict stands."""
    test = entry["test"]
    verdicts = [None if _all_noop(flags) else _verdict(v) for v, flags in zip(test.results.passed, noop)]
    judged = sum(v is not None for v in verdicts)
    fails = [i for i, v in enumerate(verdicts) if v is False]
    case_rows = _testcase_rows(test, probs)
    examples = [{"testcase": i, "texts": _texts_of(test.data[i]),
                 "preds": [labels[int(p.argmax())] for p in case_rows[i]],
                 "labels": [_label_name(test, i, j, labels) for j in range(len(case_rows[i]))]}
                for i in fails[:n_examples]]
    return {
        "name": entry["name"], "type": entry["type"], "capability": entry["capability"],
        "n": len(verdicts), "n_examples": len(probs), "n_judged": judged, "fails": len(fails),
        "n_noop": sum(map(sum, noop)),
        "fail_rate": rate_with_ci(len(fails), judged),
        "pass_rate": rate_with_ci(judged - len(fails), judged),
        "failing_examples": examples,
    }


def run_checklist_suite(
    suite: Any,
    predict_proba: Callable[[list[str]], np.ndarray],
    labels: Sequence[str],
    *,
    suite_name: str = "checklist",
    n_examples: int = 3,
    input_keys: Callable[[Sequence[str]], Mapping[str, Hashable]] | None = None,
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Run a CheckList ``TestSuite`` (or one test) with a single batched ``predict_proba`` call.

    ``predict_proba(texts)`` must return an array of shape ``(len(texts), len(labels))`` of class
    probabilities in ``labels`` order. Returns ``(section, records)``: ``section`` holds the pass
    rate over all judged test cases (Wilson 95% CI) and, per test,
    its name, type, capability, test-case count ``n``, ``fail_rate`` and ``pass_rate`` (CheckList's
    test-case-level verdicts; filtered test cases are not judged) with Wilson 95% CIs and up to
    ``n_examples`` failing test cases; ``records`` has one row per judged example, with the keys
    of :func:`audit.suite.score_suite`'s records. Any results already stored on the tests are
    overwritten. ``input_keys(texts)`` gives what the model reads of each text (default: the
    whitespace-normalized text); a rewrite the model reads like its original is a no-op.
    """
    tests = _collect_tests(suite)
    batches: list[list[str]] = []
    for entry in tests:
        _check_labels(entry["name"], entry["test"], len(labels))
        batches.append(_examples(entry))
    texts = [t for batch in batches for t in batch]
    keys = input_keys(texts) if input_keys is not None else {t: whitespace_key(t) for t in texts}
    probs = np.asarray(predict_proba(texts), dtype=np.float64)
    if probs.shape != (len(texts), len(labels)):
        raise AuditError(f"predict_proba returned shape {probs.shape}, expected {(len(texts), len(labels))}")
    section: dict[str, Any] = {"kind": "checklist", "n_tests": len(tests), "n_examples": len(texts), "tests": {}}
    records: list[dict[str, Any]] = []
    start = 0
    for entry, batch in zip(tests, batches):
        rows = probs[start:start + len(batch)]
        start += len(batch)
        entry["test"].run_from_preds_confs([int(i) for i in rows.argmax(axis=1)], list(rows), overwrite=True)
        noop = _noop_flags(entry, keys)
        section["tests"][entry["name"]] = _test_section(entry, labels, rows, n_examples, noop)
        records += _test_records(suite_name, entry, labels, rows, noop)
    tests_out = section["tests"].values()
    judged = sum(t["n_judged"] for t in tests_out)
    section["n"] = sum(t["n"] for t in tests_out)
    section["n_judged"] = judged
    section["n_noop"] = sum(t["n_noop"] for t in tests_out)
    section["pass_rate"] = rate_with_ci(judged - sum(t["fails"] for t in tests_out), judged)
    section["test_type"] = "/".join(sorted({t["type"] for t in tests_out}))
    return section, records
