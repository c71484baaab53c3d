"""The regression gate: baselines, decisions, cannot-compare refusals, policy validation, outputs."""
from __future__ import annotations

import json
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any, Callable

import numpy as np
import pytest
import yaml

from audit.cli import main
from audit.data import Dataset, load_data
from audit.errors import AuditError
from audit.gate import (BASELINE_KEY, Check, GateResult, annotations, junit_xml, load_baseline, load_run,
                        markdown_summary, run_gate)
from audit.model import CallableClassifier, TransformersClassifier
from audit.policy import Policy, default_policy_path, load_policy, parse_policy
from audit.results import PREDICTIONS_FILE, RESULTS_FILE, write_outputs
from audit.runner import evaluate
from audit.stats import holm
from audit.suite import Case, Expectation, GeneratedSuite, SuiteSpec, score_suite

LABELS = ["sadness", "joy", "love", "anger", "fear", "surprise"]
N = 600        # synthetic test cases, 100 per class
N_SUITE = 300  # cases of the synthetic suite "toy"


@pytest.fixture(autouse=True)
def _not_in_actions(monkeypatch: pytest.MonkeyPatch) -> None:
    """The human table is printed unless GITHUB_ACTIONS is true; tests choose explicitly."""
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)


# --- synthetic runs ---------------------------------------------------------------------------

def _gold(i: int) -> str:
    return LABELS[i % 6]


def _base_pred(i: int) -> str:
    """90% correct: every tenth case is predicted as the next label."""
    return LABELS[(i + 1) % 6] if i % 10 == 0 else _gold(i)


def _worse_pred(i: int) -> str:
    """Predictions shifted towards joy: two cases in ten become joy."""
    return "joy" if i % 10 in (1, 2) else _base_pred(i)


def _noisy_pred(i: int) -> str:
    """The baseline with a handful of flips: 3 correct cases made wrong, 2 wrong ones made right."""
    if i in (1, 2, 3):
        return LABELS[(i + 2) % 6]
    if i in (10, 20):
        return _gold(i)
    return _base_pred(i)


def _classifier(pred: Callable[[int], str], labels: list[str] = LABELS) -> CallableClassifier:
    """Probabilities 0.9 on ``pred(i)`` for the text ``case i``."""
    def fn(texts: list[str]) -> np.ndarray:
        probs = np.full((len(texts), len(labels)), 0.02)
        for row, text in enumerate(texts):
            probs[row, labels.index(pred(int(text.split()[-1])))] = 0.9
        return probs
    return CallableClassifier(fn, labels, name="synthetic")


def _dataset(texts: list[str] | None = None) -> Dataset:
    return Dataset("synthetic", "test", texts or [f"case {i}" for i in range(N)], [_gold(i) for i in range(N)])


def _toy_suite(clf: CallableClassifier) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """A suite of MFT cases (gold label expected) scored with the engine's own scoring."""
    spec = SuiteSpec("toy", "synthetic suite", "toy", "MFT", {}, Path("toy.yaml"))
    cases = [Case(f"toy:{i}", f"case {i}", Expectation("MFT"), label=_gold(i), rule="copy") for i in range(N_SUITE)]
    return score_suite(spec, GeneratedSuite(cases), clf.labels, lambda text: clf.predict_proba([text])[0],
                       seed=0, n_resamples=0)


def _write_run(folder: Path, pred: Callable[[int], str], *, labels: list[str] = LABELS,
               texts: list[str] | None = None, suite: bool = True) -> Path:
    clf = _classifier(pred, labels)
    audit = evaluate(clf, _dataset(texts), suites=[], progress=False)
    if suite:
        section, records = _toy_suite(clf)
        audit.results["suites"]["toy"] = section
        audit.records += records
    write_outputs(folder, audit.results, audit.records)
    return folder / RESULTS_FILE


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """results.json of each synthetic run, and the baseline promoted from ``base``."""
    return synthetic_runs(tmp_path_factory.mktemp("runs"))


def synthetic_runs(root: Path) -> dict[str, Path]:
    """Write each synthetic run under ``root`` and promote ``base`` to the baseline; their paths."""
    paths = {
        "base": _write_run(root / "base", _base_pred),
        "worse": _write_run(root / "worse", _worse_pred),
        "noisy": _write_run(root / "noisy", _noisy_pred),
        "reordered": _write_run(root / "reordered", _base_pred, labels=LABELS[::-1]),
        "other_data": _write_run(root / "other_data", _base_pred,
                                 texts=[f"case {i}" for i in range(N - 1)] + [f"another case {N - 1}"]),
        "no_suite": _write_run(root / "no_suite", _base_pred, suite=False),
    }
    assert main(["baseline", str(paths["base"]), "-o", str(root / "baseline.json")]) == 0
    paths["baseline"] = root / "baseline.json"
    return paths


def _gate(runs: dict[str, Path], run: Path, *extra: str) -> int:
    return main(["gate", str(run), "--baseline", str(runs["baseline"]), *extra])


def _copy_run(src: Path, dst: Path) -> Path:
    shutil.copytree(src.parent, dst)
    return dst / RESULTS_FILE


def _edit_json(path: Path, edit: Callable[[dict[str, Any]], None]) -> None:
    doc = json.loads(path.read_text())
    edit(doc)
    path.write_text(json.dumps(doc))


def _write_policy(path: Path, edit: Callable[[dict[str, Any]], None]) -> Path:
    """A copy of the default policy, edited."""
    doc = yaml.safe_load(default_policy_path().read_text())
    edit(doc)
    path.write_text(yaml.safe_dump(doc))
    return path


# --- baseline file ----------------------------------------------------------------------------

def test_baseline_file_is_self_contained(runs: dict[str, Path]) -> None:
    doc = json.loads(runs["baseline"].read_text())
    results = json.loads(runs["base"].read_text())
    assert {k: v for k, v in doc.items() if k != BASELINE_KEY} == results
    cases = doc[BASELINE_KEY]["cases"]
    assert set(cases) == {"test", "toy"} and len(cases["test"]) == N and len(cases["toy"]) == N_SUITE
    assert cases["test"]["test-0"] == {"label": "sadness", "pred": "joy", "correct": False, "passed": None}
    assert cases["toy"]["toy:1"] == {"label": "joy", "pred": "joy", "correct": True, "passed": True}
    assert doc[BASELINE_KEY]["source"] == str(runs["base"])


def test_baseline_needs_predictions(runs: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    results = _copy_run(runs["base"], tmp_path / "run")
    (results.parent / PREDICTIONS_FILE).unlink()
    assert main(["baseline", str(results), "-o", str(tmp_path / "b.json")]) == 2
    assert "predictions.jsonl" in capsys.readouterr().err
    assert not (tmp_path / "b.json").exists()


# --- decisions --------------------------------------------------------------------------------

def test_run_gated_against_itself_passes(runs: dict[str, Path], tmp_path: Path,
                                         capsys: pytest.CaptureFixture) -> None:
    junit, summary = tmp_path / "gate.xml", tmp_path / "gate.md"
    assert _gate(runs, runs["base"], "--junit", str(junit), "--summary", str(summary)) == 0
    out = capsys.readouterr().out
    assert "gate PASS" in out and "drop:accuracy" in out and "::" not in out
    result = run_gate(load_baseline(runs["baseline"]), load_run(runs["base"]), load_policy())
    drops = [c for c in result.checks if c.kind == "drop"]
    assert drops and all(c.drop == 0 and c.p_value == 1.0 and c.verdict == "pass" for c in drops)
    assert "drop:suite_pass_rate[toy]" in {c.name for c in drops}
    _assert_junit_well_formed(junit, expect_failures=0)
    assert "✅ pass" in summary.read_text()


def test_visibly_worse_run_fails_and_names_the_metrics(runs: dict[str, Path], tmp_path: Path,
                                                       capsys: pytest.CaptureFixture) -> None:
    junit = tmp_path / "gate.xml"
    assert _gate(runs, runs["worse"], "--junit", str(junit)) == 1
    out = capsys.readouterr().out
    failed = {line.split()[0] for line in out.splitlines() if line.endswith("FAIL")}
    assert {"drop:accuracy", "drop:macro_f1", "drop:suite_pass_rate[toy]"} <= failed
    result = run_gate(load_baseline(runs["baseline"]), load_run(runs["worse"]), load_policy())
    accuracy = next(c for c in result.checks if c.name == "drop:accuracy")
    # two cases in ten turn into joy: the correct non-joy ones among them are lost
    assert accuracy.drop == pytest.approx(sum(_base_pred(i) == _gold(i) != _worse_pred(i) for i in range(N)) / N
                                          - sum(_base_pred(i) != _gold(i) == _worse_pred(i) for i in range(N)) / N)
    assert accuracy.drop > 0.1 and accuracy.p_adjusted < 1e-6 and "McNemar chi2" in accuracy.method
    root = _assert_junit_well_formed(junit, expect_failures=len(result.with_verdict("fail")))
    failure = root.find(".//testcase[@name='drop:accuracy']/failure")
    assert failure is not None and f"{accuracy.drop:+.4f}" in failure.get("message")


def test_holm_adjusts_all_drop_checks_together(runs: dict[str, Path]) -> None:
    result = run_gate(load_baseline(runs["baseline"]), load_run(runs["worse"]), load_policy())
    tested = [c for c in result.checks if c.p_value is not None]
    assert len(tested) == 9  # accuracy, macro F1, six classes, one suite
    assert [c.p_adjusted for c in tested] == pytest.approx(holm([c.p_value for c in tested]))
    assert all(c.kind == "drop" for c in tested)


def test_noise_below_the_margin_passes(runs: dict[str, Path], capsys: pytest.CaptureFixture) -> None:
    assert _gate(runs, runs["noisy"]) == 0
    result = run_gate(load_baseline(runs["baseline"]), load_run(runs["noisy"]), load_policy())
    accuracy = next(c for c in result.checks if c.name == "drop:accuracy")
    assert accuracy.drop == pytest.approx(1 / N)  # 3 lost, 2 gained
    assert accuracy.method == "McNemar exact, b=3 c=2" and accuracy.p_value == pytest.approx(1.0)


def test_significant_drop_within_margin_passes(runs: dict[str, Path], tmp_path: Path) -> None:
    def loose(doc: dict[str, Any]) -> None:
        doc["floors"] = {}
        doc["drops"] = {"accuracy": {"max_drop": 0.5}, "suite_pass_rate": {"max_drop": 0.5}}

    assert _gate(runs, runs["worse"], "--policy", str(_write_policy(tmp_path / "p.yaml", loose))) == 0


def test_warnings_never_fail(runs: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                             capsys: pytest.CaptureFixture) -> None:
    def warn_only(doc: dict[str, Any]) -> None:
        for section in ("floors", "drops"):
            for rule in doc[section].values():
                rule["severity"] = "warning"

    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    assert _gate(runs, runs["worse"], "--policy", str(_write_policy(tmp_path / "p.yaml", warn_only))) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("::warning title=emotion-audit gate%3A drop%3A")
    assert not any(line.startswith("::error") for line in lines)


def test_annotations_in_github_actions(runs: dict[str, Path], monkeypatch: pytest.MonkeyPatch,
                                       capsys: pytest.CaptureFixture) -> None:
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    assert _gate(runs, runs["worse"]) == 1
    lines = capsys.readouterr().out.splitlines()
    commands = [line for line in lines if line.startswith("::")]
    levels = [line.split()[0] for line in commands]
    assert 0 < len(commands) <= 10 and levels == sorted(levels)  # ::error before ::warning
    assert "drop%3Aaccuracy" in "".join(commands) and "95%25 CI" in "".join(commands)
    assert lines[-1].startswith("gate FAIL")


def test_annotations_are_capped_most_severe_first() -> None:
    checks = [Check("floor", "per_class_f1", f"c{i}", "warning", 0.9, value=0.9 - i / 100, failed=True)
              for i in range(12)]
    checks.append(Check("drop", "accuracy", None, "error", 0.01, value=0.8, baseline=0.9, p_value=1e-5,
                        p_adjusted=1e-4, method="McNemar chi2, b=9 c=1", failed=True))
    result = GateResult(checks, Policy({}, {}), "run.json", "base.json", notes=["100% odd\nnote"])
    lines = annotations(result)
    assert len(lines) == 11 and lines[-1] == "(4 more problems in the gate summary)"
    assert lines[0].startswith("::error title=emotion-audit gate%3A drop%3Aaccuracy::")
    assert "floor%3Aper_class_f1[c11]" in lines[1]  # the warning furthest below its floor comes next


def test_summary_stays_under_its_size_limit() -> None:
    checks = [Check("floor", "suite_pass_rate", f"suite_{i}", "error", 0.5, value=0.9) for i in range(300)]
    result = GateResult(checks, Policy({}, {}), "run.json", "base.json")
    full = markdown_summary(result)
    assert full.count("| `floor:suite_pass_rate[") == 300
    short = markdown_summary(result, max_bytes=6000)
    assert len(short.encode()) <= 6000 and "more checks left out" in short
    assert short.splitlines()[4].startswith("| Check | Severity | Value | Baseline | Drop |")


# --- bias group gaps, notes -------------------------------------------------------------------

def test_group_gap_floor_reads_the_bias_section(runs: dict[str, Path], tmp_path: Path,
                                                capsys: pytest.CaptureFixture) -> None:
    results = _copy_run(runs["base"], tmp_path / "run")
    _edit_json(results, lambda d: d.update(bias={"attributes": {
        "gender": {"gaps": {"accuracy": {"value": 0.2}}},
        "age": {"gaps": {"accuracy": {"value": 0.05}}},
        "region": {"gaps": {}}}}))
    assert _gate(runs, results) == 0  # the default policy makes group gaps warnings
    out = capsys.readouterr().out
    assert "floor:group_gap[gender/accuracy]" in out and "WARN" in out
    assert "skipped floor:group_gap[region/accuracy]: no number at bias.attributes.region.gaps.accuracy.value" in out
    policy = _write_policy(tmp_path / "p.yaml", lambda d: d["floors"]["group_gap"].update(severity="error"))
    assert _gate(runs, results, "--policy", str(policy)) == 1
    assert "floor:group_gap[gender/accuracy]" in capsys.readouterr().out.split("FAIL:")[1]


def test_missing_bias_section_skips_with_a_warning(runs: dict[str, Path], monkeypatch: pytest.MonkeyPatch,
                                                  capsys: pytest.CaptureFixture) -> None:
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    assert _gate(runs, runs["base"]) == 0
    out = capsys.readouterr().out
    assert "::warning title=emotion-audit gate%3A floor%3Agroup_gap::" in out
    assert "no bias section" in out


def test_unknown_override_and_new_suite_are_noted(runs: dict[str, Path], tmp_path: Path,
                                                  capsys: pytest.CaptureFixture) -> None:
    results = _copy_run(runs["base"], tmp_path / "run")
    _edit_json(results, lambda d: d["suites"].update(extra=d["suites"]["toy"]))
    lines = [line.replace("toy", "extra") for line in
             (results.parent / PREDICTIONS_FILE).read_text().splitlines() if '"suite": "toy"' in line]
    with (results.parent / PREDICTIONS_FILE).open("a") as fh:
        fh.write("\n".join(lines) + "\n")
    policy = _write_policy(tmp_path / "p.yaml",
                           lambda d: d["floors"]["per_class_f1"].update(overrides={"suprise": 0.5}))
    assert _gate(runs, results, "--policy", str(policy)) == 0
    out = capsys.readouterr().out
    assert "floors.per_class_f1.overrides names 'suprise'" in out
    assert "suite 'extra' is not in the baseline" in out
    assert "floor:suite_pass_rate[extra]" in out and "drop:suite_pass_rate[extra]" not in out


# --- cannot compare: exit 2 -------------------------------------------------------------------

def _drop_first_test_case(folder: Path) -> None:
    """A renamed case, wherever the run names it (its record, its label issue), in a file without
    the texts' hash (a 1.1 file), which would refuse it first: a run consistent in itself whose
    case ids are not the baseline's."""
    preds = folder / PREDICTIONS_FILE
    preds.write_text(preds.read_text().replace('"id": "test-0"', '"id": "test-9999"', 1))

    def rename(doc: dict) -> None:
        doc["dataset"].pop("texts_sha256")
        for issue in (doc.get("label_issues") or {}).get("issues", []):
            issue["id"] = "test-9999" if issue["id"] == "test-0" else issue["id"]
    _edit_json(folder / RESULTS_FILE, rename)


def _remove_class_f1(folder: Path) -> None:
    _edit_json(folder / RESULTS_FILE, lambda d: d["suites"]["test"]["metrics"]["per_class"]["joy"].pop("f1"))


def _other_predictions(folder: Path) -> None:
    worse = folder.parent / "worse-copy"
    _write_run(worse, _worse_pred)
    shutil.copy(worse / PREDICTIONS_FILE, folder / PREDICTIONS_FILE)


MUTATIONS: dict[str, tuple[Callable[[Path], None], str]] = {
    "schema version": (lambda f: _edit_json(f / RESULTS_FILE, lambda d: d.update(schema_version="2.0")),
                       "schema version '2.0' is not supported"),
    "case ids": (_drop_first_test_case, "case ids differ (1 only in the baseline, 1 only in the run"),
    "missing metric": (_remove_class_f1, "suites.test.metrics.per_class.joy.f1: missing"),
    "suite cases": (lambda f: _edit_json(f / RESULTS_FILE, lambda d: d["suites"]["toy"].update(cases_sha256="0")),
                    "suite 'toy' has other cases"),
    "no predictions": (lambda f: (f / PREDICTIONS_FILE).unlink(), "the gate needs the per-case predictions"),
    "stale predictions": (_other_predictions, "do not match the results document"),
}


@pytest.mark.parametrize("name", MUTATIONS)
def test_edited_run_cannot_be_compared(name: str, runs: dict[str, Path], tmp_path: Path,
                                       capsys: pytest.CaptureFixture) -> None:
    mutate, reason = MUTATIONS[name]
    results = _copy_run(runs["base"], tmp_path / "run")
    mutate(results.parent)
    assert _gate(runs, results) == 2
    err = capsys.readouterr().err
    assert err.startswith("emotion-audit: error:") and reason in err


@pytest.mark.parametrize("run, reason", [
    ("reordered", "label names or order differ"),
    ("other_data", "the test data differ (dataset.sha256"),
    ("no_suite", "suite 'toy' of the baseline is missing from the run"),
])
def test_incompatible_run_cannot_be_compared(run: str, reason: str, runs: dict[str, Path], tmp_path: Path,
                                             capsys: pytest.CaptureFixture) -> None:
    junit, summary = tmp_path / "gate.xml", tmp_path / "gate.md"
    assert _gate(runs, runs[run], "--junit", str(junit), "--summary", str(summary)) == 2
    assert reason in capsys.readouterr().err
    root = _assert_junit_well_formed(junit, expect_failures=0)
    assert root.get("errors") == "1" and reason in root.find(".//testcase/error").get("message")
    assert summary.read_text().startswith("## emotion-audit gate: ⛔ error (exit 2)")


def test_cannot_compare_is_annotated_in_github_actions(runs: dict[str, Path], monkeypatch: pytest.MonkeyPatch,
                                                       capsys: pytest.CaptureFixture) -> None:
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    assert _gate(runs, runs["no_suite"]) == 2
    assert capsys.readouterr().out.startswith("::error title=emotion-audit gate::cannot compare ")


def test_missing_or_plain_baseline_cannot_be_compared(runs: dict[str, Path], tmp_path: Path,
                                                      capsys: pytest.CaptureFixture) -> None:
    assert main(["gate", str(runs["base"]), "--baseline", str(tmp_path / "nope.json")]) == 2
    assert "baseline file not found" in capsys.readouterr().err
    assert main(["gate", str(runs["base"]), "--baseline", str(runs["base"])]) == 2
    assert "is not a baseline file" in capsys.readouterr().err
    assert main(["gate", str(runs["base"])]) == 2  # --baseline is required: a one-line usage error
    err = capsys.readouterr().err.strip()
    assert err.startswith("emotion-audit: error:") and "--baseline" in err and len(err.splitlines()) == 1


# --- policy -----------------------------------------------------------------------------------

def test_default_policy_documents_the_margins() -> None:
    policy = load_policy()
    assert policy.alpha == 0.05 and policy.resamples >= 1000
    assert {name: rule.limit for name, rule in policy.drops.items()} == {
        "accuracy": 0.01, "macro_f1": 0.02, "per_class_f1": 0.05, "suite_pass_rate": 0.03}
    assert policy.floors["group_gap"].metrics == ("accuracy",)
    assert policy.floors["per_class_f1"].limit_for("surprise") == policy.floors["per_class_f1"].limit


@pytest.mark.parametrize("edit, message", [
    (lambda d: d.update(treshold=1), "treshold: unknown key"),
    (lambda d: d["floors"]["accuracy"].update(mni=0.9), "floors.accuracy.mni: unknown key"),
    (lambda d: d["floors"].update(recall={"min": 0.5}), "floors.recall: unknown key"),
    (lambda d: d["drops"]["accuracy"].update(max_drop="high"), "drops.accuracy.max_drop: expected a number"),
    (lambda d: d["drops"]["accuracy"].update(max_drop=True), "drops.accuracy.max_drop: expected a number"),
    (lambda d: d["drops"]["accuracy"].update(max_drop=2), "drops.accuracy.max_drop: must lie in [0, 1]"),
    (lambda d: d["drops"]["accuracy"].pop("max_drop"), "drops.accuracy: missing key 'max_drop'"),
    (lambda d: d["drops"]["accuracy"].update(overrides={"x": 0.1}), "drops.accuracy.overrides: unknown key"),
    (lambda d: d["floors"]["accuracy"].update(severity="fatal"), "floors.accuracy.severity: must be one of"),
    (lambda d: d["floors"]["group_gap"].update(metrics=[]), "floors.group_gap.metrics: must be a non-empty"),
    (lambda d: d["floors"]["per_class_f1"].update(overrides={"joy": "x"}), "per_class_f1.overrides.joy"),
    (lambda d: d.update(alpha=0), "alpha: must lie strictly between 0 and 1"),
    (lambda d: d["bootstrap"].update(resamples=100), "bootstrap.resamples: must be at least 1000"),
    (lambda d: d.update(version=2), "version: must be 1"),
    (lambda d: d.update(drops=[1]), "drops: expected a mapping"),
])
def test_bad_policy_names_the_key(edit: Callable[[dict[str, Any]], None], message: str, tmp_path: Path) -> None:
    path = _write_policy(tmp_path / "p.yaml", edit)
    with pytest.raises(AuditError, match="gate policy .*p.yaml: ") as exc:
        load_policy(path)
    assert message in str(exc.value)


def test_policy_file_errors_exit_2(runs: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    assert _gate(runs, runs["base"], "--policy", str(tmp_path / "missing.yaml")) == 2
    assert "gate policy not found" in capsys.readouterr().err
    (tmp_path / "bad.yaml").write_text("floors: [unclosed")
    assert _gate(runs, runs["base"], "--policy", str(tmp_path / "bad.yaml")) == 2
    assert "cannot read" in capsys.readouterr().err


def test_policy_may_leave_out_checks() -> None:
    policy = parse_policy({"version": 1, "drops": {"accuracy": {"max_drop": 0.02}}}, "inline")
    assert policy.floors == {} and policy.drops["accuracy"].severity == "error"
    assert (policy.alpha, policy.resamples, policy.seed) == (0.05, 2000, 0)


# --- JUnit ------------------------------------------------------------------------------------

def _assert_junit_well_formed(path: Path, expect_failures: int) -> ET.Element:
    """testsuites > testsuite > testcase, with tests/failures/skipped counts that add up."""
    root = ET.parse(path).getroot()
    assert root.tag == "testsuites"
    suites = list(root)
    assert suites and all(s.tag == "testsuite" for s in suites)
    for suite in suites:
        cases = suite.findall("testcase")
        assert all(child.tag in ("properties", "testcase", "system-out") for child in suite)
        assert int(suite.get("tests")) == len(cases)
        assert int(suite.get("failures")) == len(suite.findall("testcase/failure"))
        assert int(suite.get("skipped")) == len(suite.findall("testcase/skipped"))
        assert int(suite.get("errors")) == len(suite.findall("testcase/error"))
        for case in cases:
            assert case.get("name") and case.get("classname")
            assert all(child.tag in ("failure", "error", "skipped", "system-out") for child in case)
            assert all(f.get("message") and f.text for f in case.findall("failure"))
    for attr in ("tests", "failures", "skipped", "errors"):
        assert int(root.get(attr)) == sum(int(s.get(attr)) for s in suites)
    assert int(root.get("failures")) == expect_failures
    return root


def test_junit_marks_warnings_and_skips_without_failing(runs: dict[str, Path], tmp_path: Path) -> None:
    result = run_gate(load_baseline(runs["baseline"]), load_run(runs["worse"]), load_policy())
    (tmp_path / "gate.xml").write_text(junit_xml(result))
    root = _assert_junit_well_formed(tmp_path / "gate.xml", expect_failures=len(result.with_verdict("fail")))
    warned = {c.name for c in result.with_verdict("warn")}
    assert warned  # per-class F1 drops are warnings in the default policy
    for name in warned:
        case = root.find(f".//testcase[@name='{name}']")
        assert case.find("failure") is None and case.find("system-out").text.startswith("WARNING:")
    assert root.find(".//testcase[@name='floor:group_gap']/skipped") is not None


# --- the reference model with a biased classifier head ---------------------------------------

def _shift_logit(probs: np.ndarray, column: int, shift: float) -> np.ndarray:
    """Probabilities after adding ``shift`` to one logit: softmax(z + s e_k) = p * e^(s e_k) / Z."""
    out = probs.copy()
    out[:, column] *= np.exp(shift)
    return out / out.sum(axis=1, keepdims=True)


@pytest.mark.integration
@pytest.mark.slow
def test_reference_model_with_joy_bias_fails_the_gate(reference_model: Path, emotion_data: Path,
                                                       tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    """One full inference pass of the reference model. The shifted model (joy logit bias +4, saved
    with save_pretrained) is checked to equal the reference probabilities with the joy logit
    shifted on a sample; the full-split runs then apply that exact identity, saving a second pass."""
    import torch
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    data = load_data(str(emotion_data), split="test")
    clf = TransformersClassifier.load(str(reference_model), device="cpu", progress=False)
    base = evaluate(clf, data, suites=[], use_cache=False, progress=False)
    write_outputs(tmp_path / "base", base.results, base.records)
    assert main(["baseline", str(tmp_path / "base" / RESULTS_FILE), "-o", str(tmp_path / "baseline.json")]) == 0
    labels = base.results["model"]["labels"]
    joy = labels.index("joy")
    probs = {r["text"]: np.array(r["probs"]) for r in base.records}

    shifted_dir = tmp_path / "shifted-model"
    net = AutoModelForSequenceClassification.from_pretrained(reference_model)
    with torch.no_grad():
        net.classifier.bias[net.config.label2id["joy"]] += 4.0
    net.save_pretrained(shifted_dir)
    AutoTokenizer.from_pretrained(reference_model).save_pretrained(shifted_dir)
    shifted = TransformersClassifier.load(str(shifted_dir), device="cpu", progress=False)
    sample = data.texts[:48]
    expected = _shift_logit(np.stack([probs[t] for t in sample]), joy, 4.0)
    np.testing.assert_allclose(shifted.predict_proba(sample), expected, atol=1e-5)

    exit_codes = {}
    for shift in (3.0, 4.0):
        fn = lambda texts, s=shift: _shift_logit(np.stack([probs[t] for t in texts]), joy, s)  # noqa: E731
        run = evaluate(CallableClassifier(fn, labels, name=f"reference, joy bias +{shift:g}"), data,
                       suites=[], progress=False)
        write_outputs(tmp_path / f"joy{shift:g}", run.results, run.records)
        exit_codes[shift] = main(["gate", str(tmp_path / f"joy{shift:g}" / RESULTS_FILE),
                                  "--baseline", str(tmp_path / "baseline.json")])
    out = capsys.readouterr().out
    assert exit_codes == {3.0: 0, 4.0: 1}  # +3: no significant drop beyond a margin; +4: a real regression
    # +3 drops love F1 by 0.060 (margin 0.05, p 0.38): neither a pass nor a failure, said out loud
    assert "gate INCONCLUSIVE: 1 drop(s) beyond the margin but not significant (drop:per_class_f1[love])" in out
    assert "FAIL: 2 failed check(s) (drop:accuracy, drop:macro_f1)" in out
