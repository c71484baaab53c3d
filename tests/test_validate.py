"""The readers of results.json and predictions.jsonl (report, card, gate) refuse any file they
cannot trust: missing keys, wrong types, pathological JSON, figures that do not match what they
derive from, and predictions that are not the run's. Each refusal is exit 2 with one line naming
the file and the key, never a traceback and never the gate's regression code 1.

Every hostile file is built here from a valid synthetic run (``conftest.write_synthetic_run``).
"""
from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any, Callable

import pytest

from audit.cli import main
from audit.results import PREDICTIONS_FILE, RESULTS_FILE
from audit.validate import MAX_DEPTH, parse_json

Edit = Callable[[dict[str, Any]], None]


def _set(path: str, value: Any) -> Edit:
    """Set the value at a dotted path (``suites.test.metrics.macro_f1.value``)."""
    *parents, last = path.split(".")

    def edit(doc: dict[str, Any]) -> None:
        node = doc
        for key in parents:
            node = node[int(key)] if isinstance(node, list) else node[key]
        node[int(last) if isinstance(node, list) else last] = value
    return edit


def _delete(path: str) -> Edit:
    *parents, last = path.split(".")

    def edit(doc: dict[str, Any]) -> None:
        node = doc
        for key in parents:
            node = node[key]
        del node[last]
    return edit


def _move_off_diagonal(doc: dict[str, Any]) -> None:
    """Move one count between two off-diagonal cells of a row: the row sums, supports and
    accuracy stay right, the precision of two classes does not."""
    counts = doc["suites"]["test"]["metrics"]["confusion_matrix"]["counts"]
    row = next(i for i, r in enumerate(counts) if any(c for j, c in enumerate(r) if j != i))
    j = next(j for j, c in enumerate(counts[row]) if j != row and c)
    k = next(k for k in range(len(counts)) if k not in (row, j))
    counts[row][j] -= 1
    counts[row][k] += 1


def _interval_below_value(doc: dict[str, Any]) -> None:
    """Pull a group's upper bound below its estimate (still a valid interval within [0, 1])."""
    estimate = doc["bias"]["attributes"]["group"]["groups"]["a"]["macro_f1"]
    estimate["ci_high"] = (estimate["ci_low"] + estimate["value"]) / 2


def _swap_gap_groups(doc: dict[str, Any]) -> None:
    """Name the worst group as the best and the other way round (the value kept)."""
    gap = doc["bias"]["attributes"]["group"]["gaps"]["macro_f1"]
    gap["high_group"], gap["low_group"] = gap["low_group"], gap["high_group"]


def _consistent_pass_count(doc: dict[str, Any]) -> None:
    """Lower the suite's pass count with its value kept consistent (successes / n)."""
    rate = doc["suites"]["toy"]["pass_rate"]
    rate["successes"] -= 5
    rate["value"] = rate["successes"] / rate["n"]


#: results.json edits: (edit, what the one-line error must contain).
RESULTS_EDITS = {
    "missing calibration": (_delete("suites.test.metrics.calibration"), "suites.test.metrics.calibration: missing"),
    "missing per-class f1": (_delete("suites.test.metrics.per_class.joy.f1"), "per_class.joy.f1: missing"),
    "missing dataset.split": (_delete("dataset.split"), "dataset.split: missing"),
    "missing dataset.size": (_delete("dataset.size"), "dataset.size: missing"),
    "missing model.id": (_delete("model.id"), "model.id: missing"),
    "missing normalized matrix": (_delete("suites.test.metrics.confusion_matrix.normalized"),
                                  "confusion_matrix.normalized: missing"),
    "missing config.seed": (_delete("config.seed"), "config.seed: missing"),
    "suite section is a number": (_set("suites.toy", 7), "suites.toy: must be an object"),
    "pass_rate is a string": (_set("suites.toy.pass_rate", "0.9"), "suites.toy.pass_rate: must be an object"),
    "pass_rate value is a string": (_set("suites.toy.pass_rate.value", "0.9"), "suites.toy.pass_rate.value: must be a number"),
    "macro F1 edited": (_set("suites.test.metrics.macro_f1.value", 0.99), "macro_f1.value: is 0.99 but the confusion matrix gives"),
    "per-class F1 edited": (_set("suites.test.metrics.per_class.joy.f1", 0.5), "per_class.joy.f1: is 0.5"),
    "off-diagonal cell moved": (_move_off_diagonal, "suites.test.metrics."),
    "normalized cell edited": (_set("suites.test.metrics.confusion_matrix.normalized.0.0", 0.25),
                               "confusion_matrix.normalized.0.0"),
    "ECE edited": (_set("suites.test.metrics.calibration.ece", 0.001), "calibration.ece: is 0.001 but the bins give"),
    "rate not successes / n": (_set("suites.toy.pass_rate.value", 0.5), "suites.toy.pass_rate.value: is 0.5 but successes / n"),
    "pass count edited consistently": (_consistent_pass_count, "suites.toy."),
    "dataset size edited": (_set("dataset.size", 99), "dataset.size: is 99"),
    "class distribution edited": (_set("dataset.class_distribution.joy", 3), "dataset.class_distribution"),
    "labels are not names": (_set("model.labels", [1, 2, 3, 4, 5, 6]), "model.labels"),
    "bias estimate holds a string": (_set("bias.attributes.group.groups.a.accuracy.value", "high"),
                                     "bias.attributes.group.groups.a.accuracy.value: must be a number"),
    # a bias gap must be the highest minus the lowest judged group, between the groups it names
    "bias gap value edited": (_set("bias.attributes.group.gaps.accuracy.value", 0.5),
                              "bias.attributes.group.gaps.accuracy.value: is 0.5 but groups."),
    "bias gap groups swapped": (_swap_gap_groups, "bias.attributes.group.gaps.macro_f1.high_group"),
    "impossible group accuracy": (_set("bias.attributes.group.groups.a.accuracy.value", 0.86),
                                  "groups.a.accuracy.value: 0.86 is not a whole number of n = 80 cases"),
    "group support edited": (_set("bias.attributes.group.groups.a.support.joy", 99), "groups.a.support"),

    "group interval below its value": (_interval_below_value, "groups.a.macro_f1.value: "),
    # a rate's interval must be the Wilson interval of its counts
    "Wilson ci_high edited": (_set("suites.toy.pass_rate.ci_high", 0.99),
                              "suites.toy.pass_rate.ci_high: is 0.99 but the Wilson interval of"),
    "Wilson ci_low edited": (_set("suites.toy.flip_rate.ci_low", 0.0), "suites.toy.flip_rate.ci_low"),
}


def _copy(run: Path, tmp_path: Path) -> Path:
    shutil.copytree(run.parent, tmp_path / "run")
    return tmp_path / "run" / RESULTS_FILE


def _edit_results(results: Path, edit: Edit) -> None:
    doc = json.loads(results.read_text(encoding="utf-8"))
    edit(doc)
    results.write_text(json.dumps(doc), encoding="utf-8")


def _commands(results: Path, baseline: Path) -> dict[str, list[str]]:
    out = results.parent
    return {"report": ["report", str(results), "-o", str(out / "r.html")],
            "card": ["card", str(results), "-o", str(out / "c.md")],
            "gate": ["gate", str(results), "--baseline", str(baseline), "-q"]}


def assert_refused(capsys: pytest.CaptureFixture[str], argv: list[str], *needles: str) -> str:
    """Exit 2 with exactly one ``emotion-audit: error:`` line holding every needle; not an
    internal error and no traceback."""
    capsys.readouterr()
    code = main(argv)
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert code == 2, (argv[0], err)
    assert "Traceback" not in err and len(lines) == 1, err
    assert lines[0].startswith("emotion-audit: error:") and "internal error" not in lines[0], lines[0]
    for needle in needles:
        assert needle in lines[0], f"{needle!r} missing from {lines[0]}"
    return lines[0]


@pytest.fixture(scope="module")
def baseline(synthetic_run: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("baseline") / "baseline.json"
    assert main(["baseline", str(synthetic_run), "-o", str(path), "-q"]) == 0
    return path


def test_the_valid_run_is_accepted_by_every_reader(synthetic_run: Path, baseline: Path, tmp_path: Path) -> None:
    results = _copy(synthetic_run, tmp_path)
    for name, argv in _commands(results, baseline).items():
        assert main(argv) == 0, name


def _sensitivity_below_one(doc: dict[str, Any]) -> None:
    """A sensitivity accuracy moved, with an interval that still holds it."""
    doc["label_issues"]["sensitivity"]["accuracy"].update(value=0.99, ci_low=0.98, ci_high=1.0)


def _more_scored(doc: dict[str, Any]) -> None:
    """Ten more texts scored for label issues, every figure that counts them moved to agree."""
    from audit.metrics import rate_with_ci

    section = doc["label_issues"]
    section["n_scored"] += 10
    section["rate"] = rate_with_ci(section["n"], section["n_scored"])
    section["sensitivity"]["n"] += 10


#: results.json edits that only the per-case records expose: (edit, what the error must contain).
LABEL_ISSUE_EDITS = {
    "more texts scored": (_more_scored, "label_issues.n_scored: is "),
    "given label": (_set("label_issues.issues.0.given_label", "surprise"),
                    "label_issues.issues.0.given_label: is \"surprise\" but test case"),
    "confidence": (_set("label_issues.issues.0.confidence", 0.5), "label_issues.issues.0.confidence"),
    "sensitivity accuracy": (_sensitivity_below_one, "the test records without the flagged ones"),
}



@pytest.mark.parametrize("name", [*RESULTS_EDITS, *LABEL_ISSUE_EDITS])
@pytest.mark.parametrize("command", ["report", "card", "gate"])
def test_edited_results_are_refused_by_every_reader(name: str, command: str, synthetic_run: Path, baseline: Path,
                                                    tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The error names results.json, or predictions.jsonl where only the records expose the edit."""
    edit, needle = {**RESULTS_EDITS, **LABEL_ISSUE_EDITS}[name]
    results = _copy(synthetic_run, tmp_path)
    _edit_results(results, edit)
    named = PREDICTIONS_FILE if name in LABEL_ISSUE_EDITS else str(results)
    assert_refused(capsys, _commands(results, baseline)[command], named, needle)


def test_lowered_macro_f1_is_refused_by_the_gate_not_judged_a_regression(
        synthetic_run: Path, baseline: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Before: the gate compared the edited 0.30 with the baseline and exited 1 (regression)."""
    results = _copy(synthetic_run, tmp_path)
    _edit_results(results, _set("suites.test.metrics.macro_f1.value", 0.30))
    assert_refused(capsys, _commands(results, baseline)["gate"], "macro_f1.value: is 0.3")


def test_an_edited_baseline_is_refused(synthetic_run: Path, baseline: Path, tmp_path: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    edited = tmp_path / "baseline.json"
    doc = json.loads(baseline.read_text(encoding="utf-8"))
    case = next(iter(doc["baseline"]["cases"]["test"].values()))
    case["pred"] = "surprise" if case["pred"] != "surprise" else "joy"
    edited.write_text(json.dumps(doc), encoding="utf-8")
    assert_refused(capsys, ["gate", str(synthetic_run), "--baseline", str(edited)], str(edited),
                   "suites.test.metrics.confusion_matrix.counts", "the baseline's cases")


@pytest.mark.parametrize("text,needle", [
    pytest.param('{"schema_version": "1.0", "model": ' + "[" * 100_000 + "]" * 100_000 + "}", "nested more than",
                 id="nested-100000"),
    pytest.param('{"schema_version": "1.0", "model": ' + "[" * (MAX_DEPTH + 5) + "]" * (MAX_DEPTH + 5) + "}",
                 "nested more than", id="nested-past-the-limit"),
    pytest.param('{"schema_version": "1.0", "x": NaN}', "NaN is not a number JSON allows", id="nan"),
    pytest.param('{"schema_version": "1.0", "x": 1e999}', "out of range", id="overflowing-number"),
    pytest.param("[]", "not a results document", id="a-list"),
    pytest.param('{"schema_version": "1.0"', "not valid JSON", id="cut-short"),
])
@pytest.mark.parametrize("command", ["report", "card", "gate"])
def test_pathological_json_is_refused(text: str, needle: str, command: str, baseline: Path, tmp_path: Path,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    results = tmp_path / RESULTS_FILE
    results.write_text(text, encoding="utf-8")
    assert_refused(capsys, _commands(results, baseline)[command], str(results), needle)


def _lines(results: Path) -> list[str]:
    return (results.parent / PREDICTIONS_FILE).read_text(encoding="utf-8").splitlines(keepends=True)


def _write_lines(results: Path, lines: list[str]) -> None:
    (results.parent / PREDICTIONS_FILE).write_text("".join(lines), encoding="utf-8")


def _edit_record(index: int, key: str, value: Any) -> Callable[[list[str]], list[str]]:
    def edit(lines: list[str]) -> list[str]:
        at = index % len(lines)
        record = json.loads(lines[at])
        record[key] = value(record) if callable(value) else value
        return lines[:at] + [json.dumps(record) + "\n"] + lines[at + 1:]
    return edit


def _other(label: str) -> str:
    return "surprise" if label != "surprise" else "joy"


#: predictions.jsonl edits: (edit of the lines, what the error must contain).
PREDICTION_EDITS = {
    "line is a list": (lambda ls: ls[:3] + ["[1, 2]\n"] + ls[4:], "line 4: must be an object"),
    "line is null": (lambda ls: ls[:3] + ["null\n"] + ls[4:], "line 4: must be an object"),
    "id is a number": (_edit_record(2, "id", 2), "line 3: id: must be a string"),
    "id is an object": (_edit_record(2, "id", {"a": 1}), "line 3: id: must be a string"),
    "truncated at a line boundary": (lambda ls: ls[:-50], "the results count 120 cases but the predictions hold 70"),
    "one line dropped": (lambda ls: ls[:10] + ls[11:], "the predictions hold 119"),
    "duplicate line": (lambda ls: ls[:10] + [ls[9]] + ls[11:], "duplicate case id"),
    "pred edited": (_edit_record(5, "pred", lambda r: _other(r["pred"])), "line 6: pred: is '"),
    "gold label edited": (_edit_record(5, "label", lambda r: _other(r["label"])), "suites.test.metrics.confusion_matrix.counts"),
    "label not a model label": (_edit_record(5, "label", "bliss"), "line 6: label: \"bliss\" is not one of model.labels"),
    "probs too short": (_edit_record(5, "probs", [1.0]), "line 6: probs: must be 6 probabilities"),
    "passed flipped": (_edit_record(-1, "passed", lambda r: not r["passed"]), "suites.toy.pass_rate"),
    "cut mid-line": (lambda ls: ls[:-1] + [ls[-1][:20]], "not valid JSON"),
    "case marked a no-op": (_edit_record(-1, "no_op", True), "suites.toy.n_noop: is 2 but the predictions (no-op cases) gives 3"),
    "verdict against its expectation": (_edit_record(-1, "expectation", lambda r: {
        "kind": "MFT", "labels": [_other(r["pred"]) if r["passed"] else r["pred"]]}),
        "case 'toy:exclaim:118': passed is true but its expectation gives false"),
    "source prediction not its argmax": (_edit_record(-1, "source_probs", lambda r: r["source_probs"][::-1]),
                                         "case 'toy:exclaim:118': source_pred is \"fear\" but the highest source"),
    "source text not its test case's": (_edit_record(-1, "source_text", lambda r: r["source_text"] + " x"),
                                        "case 'toy:exclaim:118': its source text or probabilities differ"),
    "lone surrogate in a text": (_edit_record(3, "text", "sad \ud800 day"), "line 4: text: holds a lone surrogate"),
    "lone surrogate in a key": (lambda ls: ls[:3] + [ls[3].replace('"text"', '"te\\udc00xt"', 1)] + ls[4:],
                                "line 4: te"),
}


@pytest.mark.parametrize("name", PREDICTION_EDITS)
@pytest.mark.parametrize("command", ["report", "card", "gate"])
def test_edited_predictions_are_refused(name: str, command: str, synthetic_run: Path, baseline: Path,
                                        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    edit, needle = PREDICTION_EDITS[name]
    results = _copy(synthetic_run, tmp_path)
    _write_lines(results, edit(_lines(results)))
    assert_refused(capsys, _commands(results, baseline)[command], PREDICTIONS_FILE, needle)


def test_parse_json_bounds_depth_without_recursion() -> None:
    assert parse_json("[" * MAX_DEPTH + "]" * MAX_DEPTH) is not None
    with pytest.raises(ValueError, match="nested more than"):
        parse_json("[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1))


def _with_texts_hash(results: Path) -> None:
    """Record ``dataset.texts_sha256`` of the split's texts, as a run does."""
    from audit.data import texts_sha256

    texts = [json.loads(line)["text"] for line in _lines(results) if json.loads(line)["suite"] == "test"]
    _edit_results(results, _set("dataset.texts_sha256", texts_sha256(texts)))


def test_texts_matching_the_dataset_hash_are_accepted(synthetic_run: Path, baseline: Path, tmp_path: Path) -> None:
    results = _copy(synthetic_run, tmp_path)
    _with_texts_hash(results)
    for name, argv in _commands(results, baseline).items():
        assert main(argv) == 0, name


@pytest.mark.parametrize("edit", [
    pytest.param(_edit_record(4, "text", "case 4 text, edited"), id="edited"),
    pytest.param(lambda ls: [ls[1].replace('"test-1"', '"test-0"'), ls[0].replace('"test-0"', '"test-1"')] + ls[2:],
                 id="swapped"),
])
@pytest.mark.parametrize("command", ["report", "card", "gate"])
def test_texts_not_matching_the_dataset_hash_are_refused(edit: Callable[[list[str]], list[str]], command: str,
                                                         synthetic_run: Path, baseline: Path, tmp_path: Path,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    """Before: an edited or swapped text was shown as the split's; now its hash must match."""
    results = _copy(synthetic_run, tmp_path)
    _with_texts_hash(results)
    _write_lines(results, edit(_lines(results)))
    assert_refused(capsys, _commands(results, baseline)[command], "dataset.texts_sha256: is ", "the texts in")


@pytest.mark.parametrize("key,value", [("brier", 0.01), ("nll", 0.02)])
@pytest.mark.parametrize("command", ["report", "card", "gate"])
def test_forged_calibration_is_refused_against_the_predictions(key: str, value: float, command: str,
                                                               synthetic_run: Path, baseline: Path, tmp_path: Path,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    """Before: the card published an edited Brier score or NLL (it did not read the predictions)."""
    results = _copy(synthetic_run, tmp_path)
    _edit_results(results, _set(f"suites.test.metrics.calibration.{key}", value))
    assert_refused(capsys, _commands(results, baseline)[command], PREDICTIONS_FILE,
                   f"calibration.{key}: is {value} but the predictions")


@pytest.mark.parametrize("name, old, new", [
    (RESULTS_FILE, '"schema_version": ', '"schema_version": "1.2", "schema_version": '),
    (PREDICTIONS_FILE, '"pred": ', '"pred": "joy", "pred": '),
])
def test_a_key_twice_in_one_object_is_refused(name: str, old: str, new: str, synthetic_run: Path, tmp_path: Path,
                                              capsys: pytest.CaptureFixture) -> None:
    """json.loads keeps the last of two values for one key, so a forged value could hide behind the
    real one (or the other way round): every reader refuses the file."""
    shutil.copytree(synthetic_run.parent, tmp_path / "run")
    path = tmp_path / "run" / name
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    assert main(["report", str(tmp_path / "run" / RESULTS_FILE), "-o", str(tmp_path / "r.html")]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "duplicate name" in err
    with pytest.raises(ValueError, match="duplicate name 'a'"):
        parse_json('{"a": 1, "b": {"a": 2}, "a": 3}')

