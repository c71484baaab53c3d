"""Runs and baselines: reading a new run and its per-case outcomes, writing and reading the
self-contained baseline file, each validated like a results file."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Mapping

from ..errors import AuditError
from ..streaming import find_predictions
from ..validate import Invalid, check_outcomes, check_records, read_predictions, read_results

BASELINE_KEY = "baseline"
BASELINE_FORMAT = 1

#: suite -> case id -> {"label", "pred", "correct", "passed"}
Outcomes = dict[str, dict[str, dict[str, Any]]]


@dataclass(frozen=True)
class Run:
    """A results document with the per-case outcomes the paired tests need."""

    results: dict[str, Any]
    cases: Outcomes
    source: str


def case_outcomes(records: Iterable[Mapping[str, Any]]) -> Outcomes:
    """Per-case outcomes from ``predictions.jsonl`` records: gold label, prediction, whether the
    prediction is correct (None without gold) and whether the case passed (None if unjudged)."""
    out: Outcomes = {}
    for number, record in enumerate(records, start=1):
        try:
            suite, cid, label, pred = record["suite"], record["id"], record.get("label"), record["pred"]
        except (KeyError, TypeError) as exc:
            raise AuditError(f"predictions record {number} is malformed (missing {exc})") from exc
        cases = out.setdefault(suite, {})
        if cid in cases:
            raise AuditError(f"predictions: duplicate case id {cid!r} in suite {suite!r}")
        cases[cid] = {"label": label, "pred": pred, "correct": None if label is None else pred == label,
                      "passed": record.get("passed")}
    return out


def make_baseline(results: Mapping[str, Any], records: Iterable[Mapping[str, Any]], source: str) -> dict[str, Any]:
    """The baseline document: ``results`` plus each case's outcome under :data:`BASELINE_KEY`."""
    records = list(records)
    check_records(results, records, source)
    cases = case_outcomes(records)
    return {**results, BASELINE_KEY: {"format": BASELINE_FORMAT, "source": source, "cases": cases}}


def _read_with_predictions(path: Path, needed_for: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """``results.json`` at ``path`` and the validated records of the predictions beside it;
    ``needed_for`` completes the error when they are missing ("the gate needs ...")."""
    results = read_results(path)
    predictions = find_predictions(path)
    if not predictions.exists():
        raise AuditError(f"{predictions} not found: {needed_for} the per-case predictions beside {path.name}")
    return results, read_predictions(predictions, results)


def load_run(path: Path) -> Run:
    """A new run: ``results.json`` and the ``predictions.jsonl`` beside it."""
    results, records = _read_with_predictions(path, "the gate needs")
    return Run(results, case_outcomes(records), str(path))


def baseline_from_run(path: Path) -> dict[str, Any]:
    """The baseline document of the run at ``path`` (``results.json`` and its predictions)."""
    results, records = _read_with_predictions(path, "a baseline needs")
    return make_baseline(results, records, str(path))


def load_baseline(path: Path) -> Run:
    """A baseline file written by ``emotion-audit baseline``, validated like a results file."""
    if not path.is_file():
        raise AuditError(f"baseline file not found: {path} (create one with `emotion-audit baseline`)")
    doc = read_results(path)
    section = doc.get(BASELINE_KEY)
    if not isinstance(section, dict) or not isinstance(section.get("cases"), dict):
        raise AuditError(f"{path} is not a baseline file (no {BASELINE_KEY!r} section with cases); "
                         f"create one with `emotion-audit baseline results.json -o {path.name}`")
    if section.get("format") != BASELINE_FORMAT:
        raise AuditError(f"{path}: baseline format {section.get('format')!r} is not supported "
                         f"(this tool reads format {BASELINE_FORMAT})")
    cases = section["cases"]
    try:
        check_outcomes(doc, cases)
    except Invalid as exc:
        raise AuditError(f"{path}: {exc}") from exc
    return Run(doc, cases, str(path))
